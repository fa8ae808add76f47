//! Which open case a routed document joins: a pure decision over the document's keys and the
//! candidate cases the store found by those keys (indexed look-ups, see `store::sqlite::cases`).
//! Order of evidence: e-mail thread, claim number, contract number, same customer and type
//! within the window. Never links across two known, different customers, and never across two
//! different claim numbers (two claims of one customer stay two cases).

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::CaseId;
use crate::classify::UNKNOWN;
use crate::config::CasesConfig;

/// What linking knows about a routed document.
#[derive(Debug, Clone, Default)]
pub struct CaseDoc {
    pub received_at: DateTime<Utc>,
    pub customer_id: Option<String>,
    pub doc_type: String,
    /// Its own Message-ID (a reply to it joins its case).
    pub message_id: Option<String>,
    /// In-Reply-To and References.
    pub replies_to: Vec<String>,
    /// Normalised claim numbers (valid ones).
    pub claims: Vec<String>,
    /// Normalised contract numbers.
    pub contracts: Vec<String>,
    /// It is a reminder (it may join a case of another type by contract number).
    pub reminder: bool,
}

/// How a candidate case was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FoundBy {
    Thread(String),
    Claim(String),
    Contract(String),
    Window,
}

/// An open case the store found for a document.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub case_id: CaseId,
    pub customer_id: Option<String>,
    pub doc_type: String,
    pub last_document_at: DateTime<Utc>,
    pub claims: Vec<String>,
    pub found_by: FoundBy,
}

/// Why a document joined a case (recorded on the case's history and in `cases show`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LinkReason {
    /// In-Reply-To/References names a message of the case.
    Thread {
        message_id: String,
    },
    ClaimNumber {
        number: String,
    },
    ContractNumber {
        number: String,
    },
    /// Same customer and type within `window_hours` of the case's last document.
    TimeWindow {
        hours: u32,
    },
}

impl fmt::Display for LinkReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkReason::Thread { message_id } => write!(f, "reply to <{message_id}>"),
            LinkReason::ClaimNumber { number } => write!(f, "same claim number {number}"),
            LinkReason::ContractNumber { number } => write!(f, "same contract number {number}"),
            LinkReason::TimeWindow { hours } => {
                write!(f, "same customer and type within {hours} h")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Join { case_id: CaseId, reason: LinkReason },
    NewCase,
}

/// The linking rules from `[cases]`.
#[derive(Debug, Clone)]
pub struct LinkRules {
    pub enabled: bool,
    pub window_hours: u32,
}

impl LinkRules {
    pub fn new(config: &CasesConfig) -> LinkRules {
        LinkRules {
            enabled: config.enabled,
            window_hours: config.window_hours,
        }
    }

    /// The start of the time window for a document received at `at`, if windows are on.
    pub fn window_start(&self, doc: &CaseDoc) -> Option<DateTime<Utc>> {
        (self.enabled && self.window_hours > 0 && doc.customer_id.is_some())
            .then(|| doc.received_at - Duration::hours(self.window_hours as i64))
    }

    /// Picks the case `doc` joins among `candidates`, or a new case.
    pub fn decide(&self, doc: &CaseDoc, candidates: &[Candidate]) -> Decision {
        if !self.enabled {
            return Decision::NewCase;
        }
        let compatible = |c: &Candidate| {
            let other_customer = matches!((&doc.customer_id, &c.customer_id),
                (Some(a), Some(b)) if a != b);
            let other_claim = !doc.claims.is_empty()
                && !c.claims.is_empty()
                && !doc.claims.iter().any(|n| c.claims.contains(n));
            !other_customer && !other_claim
        };
        let same_customer =
            |c: &Candidate| doc.customer_id.is_some() && doc.customer_id == c.customer_id;
        let rank = |c: &Candidate| -> Option<(u8, LinkReason)> {
            match &c.found_by {
                FoundBy::Thread(id) => Some((
                    0,
                    LinkReason::Thread {
                        message_id: id.clone(),
                    },
                )),
                FoundBy::Claim(n) => Some((1, LinkReason::ClaimNumber { number: n.clone() })),
                FoundBy::Contract(n)
                    if same_customer(c) && (doc.reminder || c.doc_type == doc.doc_type) =>
                {
                    Some((2, LinkReason::ContractNumber { number: n.clone() }))
                }
                FoundBy::Window
                    if same_customer(c)
                        && doc.doc_type != UNKNOWN
                        && c.doc_type == doc.doc_type
                        && self.window_hours > 0
                        && (doc.received_at - c.last_document_at).abs()
                            <= Duration::hours(self.window_hours as i64) =>
                {
                    Some((
                        3,
                        LinkReason::TimeWindow {
                            hours: self.window_hours,
                        },
                    ))
                }
                _ => None,
            }
        };
        candidates
            .iter()
            .filter(|c| compatible(c))
            .filter_map(|c| rank(c).map(|(r, reason)| (r, c, reason)))
            // Strongest evidence first, then the most recent case.
            .min_by(|a, b| {
                a.0.cmp(&b.0)
                    .then(b.1.last_document_at.cmp(&a.1.last_document_at))
            })
            .map_or(Decision::NewCase, |(_, c, reason)| Decision::Join {
                case_id: c.case_id,
                reason,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64) -> DateTime<Utc> {
        "2026-03-02T08:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::hours(h)
    }

    fn doc(customer: &str, doc_type: &str, at: i64) -> CaseDoc {
        CaseDoc {
            received_at: t(at),
            customer_id: Some(customer.into()),
            doc_type: doc_type.into(),
            ..CaseDoc::default()
        }
    }

    fn cand(id: i64, customer: &str, doc_type: &str, at: i64, found_by: FoundBy) -> Candidate {
        Candidate {
            case_id: CaseId(id),
            customer_id: Some(customer.into()),
            doc_type: doc_type.into(),
            last_document_at: t(at),
            claims: Vec::new(),
            found_by,
        }
    }

    fn rules(hours: u32) -> LinkRules {
        LinkRules {
            enabled: true,
            window_hours: hours,
        }
    }

    #[test]
    fn thread_beats_window_and_joins_across_types() {
        let d = doc("K-1", "complaint", 10);
        let c = [
            cand(1, "K-1", "complaint", 9, FoundBy::Window),
            cand(2, "K-1", "claim", 0, FoundBy::Thread("a@b".into())),
        ];
        assert_eq!(
            rules(72).decide(&d, &c),
            Decision::Join {
                case_id: CaseId(2),
                reason: LinkReason::Thread {
                    message_id: "a@b".into()
                }
            }
        );
    }

    #[test]
    fn window_needs_same_customer_type_and_time() {
        let d = doc("K-1", "claim", 50);
        let inside = cand(1, "K-1", "claim", 0, FoundBy::Window);
        assert!(matches!(
            rules(72).decide(&d, std::slice::from_ref(&inside)),
            Decision::Join { .. }
        ));
        // Outside the window, another type, another customer, window off.
        assert_eq!(
            rules(24).decide(&d, std::slice::from_ref(&inside)),
            Decision::NewCase
        );
        assert_eq!(
            rules(72).decide(&d, &[cand(1, "K-1", "invoice", 0, FoundBy::Window)]),
            Decision::NewCase
        );
        assert_eq!(
            rules(72).decide(&d, &[cand(1, "K-2", "claim", 0, FoundBy::Window)]),
            Decision::NewCase
        );
        assert_eq!(rules(0).decide(&d, &[inside]), Decision::NewCase);
        let unknown = doc("K-1", UNKNOWN, 1);
        assert_eq!(
            rules(72).decide(&unknown, &[cand(1, "K-1", UNKNOWN, 0, FoundBy::Window)]),
            Decision::NewCase
        );
    }

    #[test]
    fn two_claim_numbers_stay_two_cases() {
        let mut d = doc("K-1", "claim", 2);
        d.claims = vec!["S0000000002".into()];
        let mut c = cand(1, "K-1", "claim", 0, FoundBy::Window);
        c.claims = vec!["S0000000001".into()];
        assert_eq!(
            rules(72).decide(&d, std::slice::from_ref(&c)),
            Decision::NewCase
        );
        // Same contract, different claims: still two.
        c.found_by = FoundBy::Contract("KF002405896".into());
        assert_eq!(
            rules(72).decide(&d, std::slice::from_ref(&c)),
            Decision::NewCase
        );
        // The same claim number joins, whatever the type.
        c.claims.push("S0000000002".into());
        c.doc_type = "invoice".into();
        c.found_by = FoundBy::Claim("S0000000002".into());
        assert_eq!(
            rules(72).decide(&d, &[c]),
            Decision::Join {
                case_id: CaseId(1),
                reason: LinkReason::ClaimNumber {
                    number: "S0000000002".into()
                }
            }
        );
    }

    #[test]
    fn contract_number_needs_same_type_unless_reminder() {
        let mut d = doc("K-1", "other", 200);
        let c = cand(1, "K-1", "cancellation", 0, FoundBy::Contract("KF1".into()));
        assert_eq!(
            rules(72).decide(&d, std::slice::from_ref(&c)),
            Decision::NewCase
        );
        d.reminder = true;
        assert!(matches!(
            rules(72).decide(&d, &[c]),
            Decision::Join {
                reason: LinkReason::ContractNumber { .. },
                ..
            }
        ));
    }

    #[test]
    fn never_across_customers_and_off_when_disabled() {
        let d = doc("K-1", "claim", 1);
        let c = cand(1, "K-2", "claim", 0, FoundBy::Claim("S1".into()));
        assert_eq!(rules(72).decide(&d, &[c]), Decision::NewCase);
        let off = LinkRules {
            enabled: false,
            window_hours: 72,
        };
        let c = cand(1, "K-1", "claim", 0, FoundBy::Thread("x".into()));
        assert_eq!(off.decide(&d, &[c]), Decision::NewCase);
    }
}
