//! The result of customer matching (`Unique`, `Ambiguous`, `None`, each with its evidence in
//! plain words) and how a customer named by the document's source (portal, upload form)
//! combines with it.

use serde::Serialize;

use super::master::MasterIndex;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CustomerMatch {
    Unique {
        customer_id: String,
        confidence: f32,
        reason: String,
    },
    Ambiguous {
        candidates: Vec<String>,
        reason: String,
    },
    None,
}

impl CustomerMatch {
    pub fn customer_id(&self) -> Option<&str> {
        match self {
            CustomerMatch::Unique { customer_id, .. } => Some(customer_id),
            _ => None,
        }
    }
    pub fn confidence(&self) -> Option<f32> {
        match self {
            CustomerMatch::Unique { confidence, .. } => Some(*confidence),
            _ => None,
        }
    }
    pub fn reason(&self) -> String {
        match self {
            CustomerMatch::Unique { reason, .. } => reason.clone(),
            CustomerMatch::Ambiguous { candidates, reason } => {
                format!("ambiguous ({}): {reason}", candidates.join(", "))
            }
            CustomerMatch::None => "no customer found".into(),
        }
    }

    /// Combines the document's own evidence with a customer number its source named (the
    /// portal's logged-in customer, a clerk's upload form). The hint decides only where the
    /// document does not; when the document names another customer, neither is guessed.
    pub fn with_source_hint(self, hint: Option<&str>, master: &MasterIndex) -> CustomerMatch {
        let Some(hint) = hint.and_then(|h| master.canonical_id(h)) else {
            return self;
        };
        match self {
            CustomerMatch::Unique {
                customer_id,
                confidence,
                reason,
            } if customer_id == hint => CustomerMatch::Unique {
                customer_id,
                confidence: confidence.max(0.95),
                reason: format!("{reason}; the uploader named the same customer"),
            },
            CustomerMatch::Unique { customer_id, .. } => CustomerMatch::Ambiguous {
                reason: format!("the document names {customer_id}, the uploader named {hint}"),
                candidates: vec![customer_id, hint],
            },
            CustomerMatch::Ambiguous { candidates, reason } if candidates.contains(&hint) => {
                CustomerMatch::Unique {
                    reason: format!(
                        "the uploader named {hint}, one of the candidates ({})",
                        candidates.join(", ")
                    ),
                    customer_id: hint,
                    confidence: 0.9,
                }
                .with_reason_suffix(&reason)
            }
            CustomerMatch::Ambiguous {
                mut candidates,
                reason,
            } => {
                candidates.push(hint.clone());
                CustomerMatch::Ambiguous {
                    candidates,
                    reason: format!("{reason}; the uploader named {hint}"),
                }
            }
            CustomerMatch::None => CustomerMatch::Unique {
                reason: format!("customer number {hint} given by the uploader"),
                customer_id: hint,
                confidence: 0.9,
            },
        }
    }

    fn with_reason_suffix(self, suffix: &str) -> CustomerMatch {
        match self {
            CustomerMatch::Unique {
                customer_id,
                confidence,
                reason,
            } => CustomerMatch::Unique {
                customer_id,
                confidence,
                reason: format!("{reason} [{suffix}]"),
            },
            other => other,
        }
    }
}
