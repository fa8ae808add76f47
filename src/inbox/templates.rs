//! Process templates: the steps a task of a document type carries (`[templates.TYPE]`, with
//! built-in defaults), copied onto the task when it is created so a later config change does
//! not rewrite work in progress. Clerks check steps off (`intake tasks step`). Pure.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::TemplateConfig;

/// A step on a task (outbox field `steps`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskStep {
    pub id: String,
    pub title: String,
    pub done: bool,
    #[serde(default)]
    pub done_by: Option<String>,
    #[serde(default)]
    pub done_at: Option<DateTime<Utc>>,
}

pub struct Templates {
    by_type: BTreeMap<String, TemplateConfig>,
}

impl Templates {
    pub fn new(config: &BTreeMap<String, TemplateConfig>) -> Templates {
        Templates {
            by_type: config.clone(),
        }
    }

    /// The open steps for a new task of `doc_type` (none when no template is configured).
    pub fn steps_for(&self, doc_type: &str) -> Vec<TaskStep> {
        self.by_type
            .get(doc_type)
            .map(|t| {
                t.steps
                    .iter()
                    .map(|s| TaskStep {
                        id: s.id.clone(),
                        title: s.title.clone(),
                        done: false,
                        done_by: None,
                        done_at: None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The step a clerk means: its 1-based number or its id.
pub fn find_step(steps: &[TaskStep], key: &str) -> Option<usize> {
    match key.parse::<usize>() {
        Ok(n) if (1..=steps.len()).contains(&n) => Some(n - 1),
        Ok(_) => None,
        Err(_) => steps.iter().position(|s| s.id == key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_template_and_step_lookup() {
        let t = Templates::new(&crate::config::default_templates());
        let steps = t.steps_for("claim");
        let ids: Vec<&str> = steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["record", "check", "contact", "needs", "offer"]);
        assert!(steps.iter().all(|s| !s.done));
        assert_eq!(find_step(&steps, "3"), Some(2));
        assert_eq!(find_step(&steps, "offer"), Some(4));
        assert_eq!(find_step(&steps, "6"), None);
        assert_eq!(find_step(&steps, "0"), None);
        assert!(t.steps_for("unknown").is_empty());
    }

    #[test]
    fn a_config_table_replaces_one_type_and_keeps_the_others() {
        let c = crate::config::Config::from_toml(
            "[templates.claim]\nsteps = [{ id = \"a\", title = \"Alles\" }]\n",
        )
        .unwrap();
        let t = Templates::new(&c.templates);
        assert_eq!(t.steps_for("claim").len(), 1);
        assert_eq!(t.steps_for("cancellation").len(), 3);
        let err = crate::config::Config::from_toml(
            "[templates.klage]\nsteps = [{ id = \"1\", title = \"\" }]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("templates.klage: not a document type"),
            "{err}"
        );
        assert!(err.contains("templates.klage.steps[0].id"), "{err}");
        assert!(err.contains("templates.klage.steps[0].title"), "{err}");
    }
}
