//! Cases (Vorgangsbildung): documents about the same concern of the same customer, whatever the
//! channel, form one case with one task. At routing (the finish thread, one writer) each
//! received item either joins an open case — e-mail thread, claim or contract number, a reply
//! to the customer's subject, or the same customer and concern within `[cases] window_hours`
//! (a follow-up within `follow_up_window_days`)
//! even when the type was read differently ([`link`], with what a document says about its
//! concern in [`concern`]) — or opens a new case with a new task. A reminder ([`reminder`]) raises the case's priority. The new task also gets its process
//! steps ([`crate::inbox::templates`]) and impulses ([`crate::impulses`]). Clerks split and
//! merge cases; every link, split and merge is recorded with reason and who.
//! Takes routed items; gives cases and tasks in the store ([`CaseStore`]). Decisions are pure;
//! the SQL is in `store::sqlite::cases`.

pub mod concern;
pub mod link;
pub mod reminder;

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::{Config, Priority};
use crate::impulses::{ImpulseError, ImpulseOutcome, ImpulseRules, RuleCounts, TaskImpulse};
use crate::inbox::templates::{TaskStep, Templates};
use crate::model::{DocumentId, TaskId};
use crate::store::{StoreError, Task, TaskError};

pub use concern::{CommonWords, FollowUps};
pub use link::{Candidate, CaseDoc, Decision, FoundBy, LinkReason, LinkRules};
pub use reminder::Reminders;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseId(pub i64);

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("case {0} not found")]
    NotFound(CaseId),
    #[error("case {id}: {message}")]
    Invalid { id: CaseId, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for CaseError {
    fn from(e: rusqlite::Error) -> Self {
        CaseError::Store(StoreError::Db(e))
    }
}

/// Everything routing decides with, built once per pipeline from the config.
pub struct CaseRules {
    pub linking: LinkRules,
    pub follow_ups: FollowUps,
    /// Words in most customers' mail, kept between batches.
    pub common_words: CommonWords,
    pub reminders: Reminders,
    pub impulses: ImpulseRules,
    pub templates: Templates,
    /// `[inbox] triage_queue`: a document joining a case handled in another department adds
    /// its own queue to the task's further queues, unless that is triage.
    pub triage_queue: String,
}

impl CaseRules {
    pub fn from_config(config: &Config) -> Result<CaseRules, ImpulseError> {
        Ok(CaseRules {
            linking: LinkRules::new(&config.cases),
            follow_ups: FollowUps::new(&config.cases),
            common_words: CommonWords::default(),
            reminders: Reminders::new(&config.cases),
            impulses: ImpulseRules::from_config(&config.impulses, &config.classify)?,
            templates: Templates::new(&config.templates),
            triage_queue: config.inbox.triage_queue.clone(),
        })
    }
}

/// One level more urgent (a reminder); `urgent` stays.
pub fn raised(p: Priority) -> Priority {
    match p {
        Priority::Low => Priority::Normal,
        Priority::Normal => Priority::High,
        Priority::High | Priority::Urgent => Priority::Urgent,
    }
}

/// The case part of a task (flattened into the task, the outbox line and `tasks list --json`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct TaskCaseInfo {
    pub case_id: Option<CaseId>,
    /// Documents that joined the case since a clerk last acted on the task ("new document
    /// arrived"); such a task sorts first within its priority.
    pub new_documents: Vec<DocumentId>,
    /// Reminders received for the case (each raised the priority one level).
    pub reminders: u32,
    /// Further queues that list the task (e.g. `retention` for a cancellation).
    pub also_queues: Vec<String>,
    pub impulses: Vec<TaskImpulse>,
    /// Why impulses a rule would have given were withheld, if so.
    pub impulse_suppression: Option<String>,
    /// The process steps of the task's type, with check-off state.
    pub steps: Vec<TaskStep>,
}

/// `open` (its task is not done), `closed`, or `merged` into another case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    Closed,
    Merged,
}

/// A document of a case, for `intake cases show`.
#[derive(Debug, Clone, Serialize)]
pub struct CaseDocument {
    pub document_id: DocumentId,
    pub received_at: DateTime<Utc>,
    pub channel: String,
    pub doc_type: Option<String>,
    pub subject: Option<String>,
    pub filename: Option<String>,
    /// Why it joined (`null` for the document that opened the case).
    pub linked_by: Option<String>,
}

/// One entry of a case's history.
#[derive(Debug, Clone, Serialize)]
pub struct CaseEvent {
    pub at: DateTime<Utc>,
    pub actor: String,
    /// `created`, `linked`, `reminder`, `split_off`, `split_from`, `merged_into`, `merged_from`.
    pub action: String,
    pub document_id: Option<DocumentId>,
    pub detail: Option<String>,
}

/// `intake cases show ID --json`.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub id: CaseId,
    pub status: CaseStatus,
    pub merged_into: Option<CaseId>,
    pub customer_id: Option<String>,
    pub doc_type: String,
    pub created_at: DateTime<Utc>,
    pub last_document_at: DateTime<Utc>,
    pub task: Option<Task>,
    pub documents: Vec<CaseDocument>,
    pub history: Vec<CaseEvent>,
}

/// Cases in the store; implemented by every [`crate::store::Store`].
pub trait CaseStore {
    /// Routes received items: each joins an open case (its task gets the documents) or opens a
    /// new case with a new task; moves them to `routed`. Returns the tasks created or changed.
    fn route_cases(
        &self,
        roots: &[DocumentId],
        rules: &CaseRules,
    ) -> Result<Vec<TaskId>, StoreError>;
    fn case_view(&self, id: CaseId) -> Result<Option<CaseView>, StoreError>;
    /// Case ids, newest first; optionally one customer's, optionally open ones only.
    fn case_ids(&self, customer: Option<&str>, open_only: bool) -> Result<Vec<CaseId>, StoreError>;
    /// Moves `documents` (received items of case `id`) into a new case with its own task.
    fn split_case(
        &self,
        id: CaseId,
        documents: &[DocumentId],
        reason: &str,
        actor: &str,
        rules: &CaseRules,
    ) -> Result<CaseId, CaseError>;
    /// Moves every document of `from` into `into`; `from`'s task is closed.
    fn merge_cases(
        &self,
        into: CaseId,
        from: CaseId,
        reason: &str,
        actor: &str,
    ) -> Result<(), CaseError>;
    /// Checks a process step off (or, with `done = false`, on again). `step`: number or id.
    fn check_step(
        &self,
        task: TaskId,
        step: &str,
        done: bool,
        actor: &str,
    ) -> Result<Task, TaskError>;
    fn record_impulse_outcome(
        &self,
        task: TaskId,
        rule: &str,
        outcome: ImpulseOutcome,
        actor: &str,
    ) -> Result<Task, TaskError>;
    /// Counts per rule over every task.
    fn impulse_report(&self) -> Result<Vec<RuleCounts>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminders_raise_one_level() {
        assert_eq!(raised(Priority::Low), Priority::Normal);
        assert_eq!(raised(Priority::Normal), Priority::High);
        assert_eq!(raised(Priority::High), Priority::Urgent);
        assert_eq!(raised(Priority::Urgent), Priority::Urgent);
    }
}
