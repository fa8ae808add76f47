//! Impulses (next best action): rules from `classifiers/impulses.toml` (built in, or a file
//! from `[impulses] rules_file` / the configured classifiers directory) that attach a hint to a
//! task when a document of a type arrives for a customer whose active contracts match, e.g. a
//! claim on `kfz` without `hausrat` → "Hausratversicherung anbieten". Suppressed on complaints,
//! for customers with an open complaint or an advertising objection, and on health data.
//! Loading validates the file and names file and line; [`ImpulseRules::evaluate`] is pure.

use std::fmt;
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, MatchKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::classify::{line_of, normalise, toml_error_line, DocType};
use crate::config::{ClassifyConfig, ImpulsesConfig};
use crate::customers::PRODUCTS;

/// The rules file's name, in `classifiers/` and in a configured classifiers directory.
pub const RULES_FILE: &str = "impulses.toml";

const BUILT_IN: &str = include_str!("../../classifiers/impulses.toml");

#[derive(Debug, thiserror::Error)]
pub enum ImpulseError {
    #[error("cannot read impulse rules {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}:{line}: {message}")]
    File {
        file: PathBuf,
        line: usize,
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    suppress: SuppressFile,
    #[serde(default)]
    rule: Vec<RuleFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuppressFile {
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    health_terms: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    id: String,
    types: Vec<String>,
    #[serde(default)]
    has_all: Vec<String>,
    #[serde(default)]
    has_any: Vec<String>,
    #[serde(default)]
    lacks: Vec<String>,
    text: String,
    also_queue: Option<String>,
}

/// One validated rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub types: Vec<DocType>,
    /// Every one of these products active.
    pub has_all: Vec<String>,
    /// At least one of these active (ignored when empty).
    pub has_any: Vec<String>,
    /// None of these active.
    pub lacks: Vec<String>,
    pub text: String,
    /// The task is also listed in this queue (e.g. `retention`).
    pub also_queue: Option<String>,
}

impl Rule {
    fn matches(&self, doc_type: DocType, products: &[&str]) -> bool {
        let has = |p: &String| products.contains(&p.as_str());
        self.types.contains(&doc_type)
            && self.has_all.iter().all(has)
            && (self.has_any.is_empty() || self.has_any.iter().any(has))
            && !self.lacks.iter().any(has)
    }
}

/// An impulse a rule produced for a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impulse {
    /// The rule's id.
    pub rule: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub also_queue: Option<String>,
}

/// Why no impulse was given although a rule matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suppression {
    DocumentType(DocType),
    OpenComplaint,
    AdvertisingObjection,
    HealthData(String),
}

impl fmt::Display for Suppression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Suppression::DocumentType(t) => write!(f, "no impulses on {t}"),
            Suppression::OpenComplaint => f.write_str("the customer has an open complaint"),
            Suppression::AdvertisingObjection => {
                f.write_str("the customer objected to advertising")
            }
            Suppression::HealthData(term) => {
                write!(f, "the document contains health data ({term:?})")
            }
        }
    }
}

/// What the rules give for one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evaluation {
    Impulses(Vec<Impulse>),
    /// Rules matched but were suppressed; the impulses that would have been given.
    Suppressed {
        reason: Suppression,
        rules: Vec<String>,
    },
}

/// What the rules look at.
#[derive(Debug, Clone, Copy)]
pub struct ImpulseInput<'a> {
    pub doc_type: &'a str,
    /// Products of the customer's active contracts.
    pub products: &'a [&'a str],
    pub text: &'a str,
    /// The case is classed as health data (`privacy` config): never used for sales.
    pub health_data: bool,
    pub advertising_objection: bool,
    pub open_complaint: bool,
}

/// The outcome a clerk records for an impulse; the ids are a public interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ImpulseOutcome {
    Accepted,
    Rejected,
    #[value(name = "not_addressed", alias = "not-addressed")]
    NotAddressed,
}

impl ImpulseOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ImpulseOutcome::Accepted => "accepted",
            ImpulseOutcome::Rejected => "rejected",
            ImpulseOutcome::NotAddressed => "not_addressed",
        }
    }
}

/// An impulse as the task carries it (outbox field `impulses`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskImpulse {
    pub rule: String,
    pub text: String,
    /// The document that produced it.
    pub document_id: crate::model::DocumentId,
    #[serde(default)]
    pub outcome: Option<ImpulseOutcome>,
    #[serde(default)]
    pub outcome_by: Option<String>,
    #[serde(default)]
    pub outcome_at: Option<DateTime<Utc>>,
}

/// One line of `intake report impulses`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RuleCounts {
    pub rule: String,
    /// Impulses given.
    pub given: u64,
    pub accepted: u64,
    pub rejected: u64,
    /// Recorded as not addressed, or the task was done without an outcome.
    pub not_addressed: u64,
    /// No outcome yet on a task still open.
    pub open: u64,
}

pub struct ImpulseRules {
    enabled: bool,
    rules: Vec<Rule>,
    suppressed_types: Vec<DocType>,
    health: Option<(AhoCorasick, Vec<String>)>,
}

impl ImpulseRules {
    /// From `[impulses] rules_file`, else `impulses.toml` in the configured classifiers
    /// directory, else the built-in rules.
    pub fn from_config(
        config: &ImpulsesConfig,
        classify: &ClassifyConfig,
    ) -> Result<ImpulseRules, ImpulseError> {
        let path = config.rules_file.clone().or_else(|| {
            classify
                .classifiers_dir
                .as_ref()
                .map(|d| d.join(RULES_FILE))
                .filter(|p| p.exists())
        });
        let mut rules = match path {
            Some(p) => {
                let text = std::fs::read_to_string(&p).map_err(|source| ImpulseError::Read {
                    path: p.clone(),
                    source,
                })?;
                ImpulseRules::parse(&p, &text)?
            }
            None => ImpulseRules::built_in(),
        };
        rules.enabled = config.enabled;
        Ok(rules)
    }

    /// The repository's `classifiers/impulses.toml`, built into the binary.
    pub fn built_in() -> ImpulseRules {
        ImpulseRules::parse(Path::new(RULES_FILE), BUILT_IN)
            .expect("the built-in impulse rules are valid (tested)")
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn parse(file: &Path, text: &str) -> Result<ImpulseRules, ImpulseError> {
        let at = |line: usize, message: String| ImpulseError::File {
            file: file.to_path_buf(),
            line,
            message,
        };
        let raw: RulesFile =
            toml::from_str(text).map_err(|e| at(toml_error_line(text, &e), e.message().into()))?;
        let doc_type = |t: &str, line: usize| {
            DocType::parse(t).ok_or_else(|| {
                at(
                    line,
                    format!(
                        "{t:?} is not a document type ({})",
                        DocType::ALL.map(DocType::as_str).join(", ")
                    ),
                )
            })
        };
        let suppressed_types = raw
            .suppress
            .types
            .iter()
            .map(|t| doc_type(t, line_of(text, "types")))
            .collect::<Result<Vec<_>, _>>()?;
        let mut rules: Vec<Rule> = Vec::new();
        for r in raw.rule {
            let line = line_of(text, &format!("{:?}", r.id)).max(line_of(text, "[[rule]]"));
            if r.id.trim().is_empty()
                || !r
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(at(
                    line,
                    format!("rule id {:?}: letters, digits, '-' and '_' only", r.id),
                ));
            }
            if rules.iter().any(|x| x.id == r.id) {
                return Err(at(line, format!("rule id {:?} is used twice", r.id)));
            }
            if r.types.is_empty() {
                return Err(at(
                    line,
                    format!("rule {:?}: types must not be empty", r.id),
                ));
            }
            let types = r
                .types
                .iter()
                .map(|t| doc_type(t, line))
                .collect::<Result<Vec<_>, _>>()?;
            if let Some(t) = types.iter().find(|t| suppressed_types.contains(t)) {
                return Err(at(
                    line,
                    format!("rule {:?}: {t} never gets impulses (suppress.types)", r.id),
                ));
            }
            for p in r.has_all.iter().chain(&r.has_any).chain(&r.lacks) {
                if !PRODUCTS.contains(&p.as_str()) {
                    return Err(at(
                        line,
                        format!(
                            "rule {:?}: {p:?} is not a product ({})",
                            r.id,
                            PRODUCTS.join(", ")
                        ),
                    ));
                }
            }
            if r.text.trim().is_empty() {
                return Err(at(line, format!("rule {:?}: text must not be empty", r.id)));
            }
            if r.also_queue.as_deref().is_some_and(|q| q.trim().is_empty()) {
                return Err(at(line, format!("rule {:?}: also_queue is empty", r.id)));
            }
            rules.push(Rule {
                id: r.id,
                types,
                has_all: r.has_all,
                has_any: r.has_any,
                lacks: r.lacks,
                text: r.text,
                also_queue: r.also_queue,
            });
        }
        let terms: Vec<String> = raw
            .suppress
            .health_terms
            .iter()
            .map(|t| normalise(t.trim()))
            .filter(|t| !t.is_empty())
            .collect();
        let health = (!terms.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(&terms)
                    .ok()
                    .map(|a| (a, terms))
            })
            .flatten();
        Ok(ImpulseRules {
            enabled: true,
            rules,
            suppressed_types,
            health,
        })
    }

    /// The impulses for one document, or why they are suppressed.
    pub fn evaluate(&self, input: &ImpulseInput) -> Evaluation {
        let none = Evaluation::Impulses(Vec::new());
        let Some(doc_type) = DocType::parse(input.doc_type) else {
            return none;
        };
        if !self.enabled {
            return none;
        }
        let matched: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|r| r.matches(doc_type, input.products))
            .collect();
        let reason = if matched.is_empty() {
            None
        } else if self.suppressed_types.contains(&doc_type) {
            Some(Suppression::DocumentType(doc_type))
        } else if input.advertising_objection {
            Some(Suppression::AdvertisingObjection)
        } else if input.open_complaint {
            Some(Suppression::OpenComplaint)
        } else if input.health_data {
            Some(Suppression::HealthData("classed as health data".into()))
        } else {
            self.health.as_ref().and_then(|(automaton, terms)| {
                automaton
                    .find(&normalise(input.text))
                    .map(|m| Suppression::HealthData(terms[m.pattern().as_usize()].clone()))
            })
        };
        match reason {
            Some(reason) => Evaluation::Suppressed {
                reason,
                rules: matched.iter().map(|r| r.id.clone()).collect(),
            },
            None => Evaluation::Impulses(
                matched
                    .into_iter()
                    .map(|r| Impulse {
                        rule: r.id.clone(),
                        text: r.text.clone(),
                        also_queue: r.also_queue.clone(),
                    })
                    .collect(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(doc_type: &'a str, products: &'a [&'a str]) -> ImpulseInput<'a> {
        ImpulseInput {
            doc_type,
            products,
            text: "Sehr geehrte Damen und Herren",
            health_data: false,
            advertising_objection: false,
            open_complaint: false,
        }
    }

    fn rules_of(e: &Evaluation) -> Vec<&str> {
        match e {
            Evaluation::Impulses(v) => v.iter().map(|i| i.rule.as_str()).collect(),
            Evaluation::Suppressed { .. } => Vec::new(),
        }
    }

    #[test]
    fn every_built_in_rule_fires_on_its_condition_only() {
        let r = ImpulseRules::built_in();
        assert_eq!(
            rules_of(&r.evaluate(&input("claim", &["kfz"]))),
            ["claim_kfz_no_hausrat"]
        );
        assert!(rules_of(&r.evaluate(&input("claim", &["kfz", "hausrat"]))).is_empty());
        assert!(rules_of(&r.evaluate(&input("claim", &["wohngebaeude"]))).is_empty());
        assert_eq!(
            rules_of(&r.evaluate(&input("address_change", &["wohngebaeude", "hausrat"]))),
            ["address_change_check_sums"]
        );
        assert_eq!(
            rules_of(&r.evaluate(&input("address_change", &["kfz"]))),
            ["address_change_offer_hausrat"]
        );
        assert_eq!(
            rules_of(&r.evaluate(&input("address_change", &["wohngebaeude"]))),
            ["address_change_check_sums", "address_change_offer_hausrat"]
        );
        let Evaluation::Impulses(c) = r.evaluate(&input("cancellation", &["kfz"])) else {
            panic!("cancellation gives a retention impulse")
        };
        assert_eq!(c[0].rule, "cancellation_retention");
        assert_eq!(c[0].also_queue.as_deref(), Some("retention"));
        assert_eq!(
            r.evaluate(&input("death_notice", &["kfz", "leben"])),
            Evaluation::Impulses(Vec::new())
        );
    }

    #[test]
    fn suppressions() {
        let r = ImpulseRules::built_in();
        let base = input("claim", &["kfz"]);
        let reason = |i: ImpulseInput| match r.evaluate(&i) {
            Evaluation::Suppressed { reason, rules } => {
                assert_eq!(rules, ["claim_kfz_no_hausrat"]);
                reason
            }
            other => panic!("not suppressed: {other:?}"),
        };
        assert_eq!(
            reason(ImpulseInput {
                advertising_objection: true,
                ..base
            }),
            Suppression::AdvertisingObjection
        );
        assert_eq!(
            reason(ImpulseInput {
                open_complaint: true,
                ..base
            }),
            Suppression::OpenComplaint
        );
        assert_eq!(
            reason(ImpulseInput {
                text: "Nach dem Unfall lag ich im Krankenhaus.",
                ..base
            }),
            Suppression::HealthData("krankenhaus".into())
        );
        assert_eq!(
            reason(ImpulseInput {
                health_data: true,
                ..base
            }),
            Suppression::HealthData("classed as health data".into())
        );
        // A complaint never gets one, even with a rule for it in another file.
        let custom = ImpulseRules::parse(
            Path::new("x.toml"),
            "[suppress]\ntypes = [\"complaint\"]\n[[rule]]\nid = \"a\"\ntypes = [\"claim\"]\ntext = \"t\"\n",
        )
        .unwrap();
        assert_eq!(
            custom.evaluate(&input("complaint", &[])),
            Evaluation::Impulses(vec![])
        );
    }

    #[test]
    fn bad_files_are_reported_with_file_and_line() {
        let bad = |text: &str| {
            ImpulseRules::parse(Path::new("imp.toml"), text)
                .err()
                .expect("rejected")
                .to_string()
        };
        let e =
            bad("[[rule]]\nid = \"x\"\ntypes = [\"claim\"]\nhas_all = [\"boot\"]\ntext = \"t\"\n");
        assert!(e.starts_with("imp.toml:2:") && e.contains("boot"), "{e}");
        let e = bad("[[rule]]\nid = \"x\"\ntypes = [\"claim\"]\ntext = \"t\"\nweight = 3\n");
        assert!(e.starts_with("imp.toml:5:") && e.contains("weight"), "{e}");
        let e = bad("[suppress]\ntypes = [\"death_notice\"]\n\n[[rule]]\nid = \"sell\"\ntypes = [\"death_notice\"]\ntext = \"t\"\n");
        assert!(e.starts_with("imp.toml:5:") && e.contains("never"), "{e}");
        let e = bad("[[rule]]\nid = \"x\"\ntypes = [\"klage\"]\ntext = \"t\"\n");
        assert!(e.contains("klage") && e.contains(":2:"), "{e}");
    }
}
