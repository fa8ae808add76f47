//! Durable state: the document ledger, master data and the original bytes. [`Store`] is the
//! narrow interface the pipeline and the commands use; [`sqlite::SqliteStore`] is the embedded
//! default (one file under the data dir), a PostgreSQL backend can implement the same trait.
//! Originals live in the content-addressed [`blobs::BlobStore`]. All calls block.

pub mod blobs;
pub mod sqlite;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::Priority;
use crate::extract::{EInvoice, EmailMeta};
use crate::identify::Identifier;
use crate::inbox::TaskStatus;
use crate::model::{DocStatus, DocumentId, Outcome, Sha256Digest, SourceRef, TaskId};
use crate::ocr::OcrReport;
use crate::users::User;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("database {path}: {message}")]
    Open { path: String, message: String },
    #[error("document {0} not found")]
    NotFound(DocumentId),
    #[error("task {0} not found")]
    TaskNotFound(TaskId),
    #[error("stored record is inconsistent: {0}")]
    Inconsistent(String),
}

/// A received item, as the receipt stage records it (after its bytes are in the blob store).
#[derive(Debug, Clone)]
pub struct NewReceipt {
    pub channel: String,
    pub source: SourceRef,
    pub metadata: BTreeMap<String, String>,
    pub received_at: DateTime<Utc>,
    pub sha256: Sha256Digest,
    pub size: u64,
    /// False when the bytes were not taken in (too large).
    pub stored: bool,
    /// Set when the item is quarantined at receipt (too large, empty).
    pub quarantine: Option<String>,
}

/// What the ledger made of a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receipt {
    /// A new document to process.
    New(DocumentId),
    /// The same source delivered the same bytes again before it was released (a restart after a
    /// crash): the existing document, wherever it is in the pipeline.
    Redelivered { id: DocumentId, status: DocStatus },
    /// New receipt of bytes the archive already holds.
    Duplicate { id: DocumentId, of: DocumentId },
    /// Quarantined at receipt.
    Quarantined { id: DocumentId, reason: String },
}

/// The readable content of one part, as extraction found it.
#[derive(Debug, Clone, Default)]
pub struct PartContent {
    pub media_type: String,
    pub text: String,
    pub pages: Option<u32>,
    pub pages_needing_ocr: Vec<u32>,
    pub warnings: Vec<String>,
    pub email: Option<EmailMeta>,
    /// What OCR did, when the part had pages needing it.
    pub ocr: Option<OcrReport>,
    /// Derived copies (blobs already written), e.g. the searchable PDF of a scan.
    pub renditions: Vec<Rendition>,
    /// The e-invoice read from the part's XML (an XML file, or embedded in a PDF).
    pub invoice: Option<EInvoice>,
}

/// A derived copy of a document, stored in the blob store beside the untouched original.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rendition {
    /// `searchable_pdf`: the scan's page images with an invisible OCR text layer.
    pub kind: String,
    pub media_type: String,
    pub sha256: String,
    pub size: u64,
    /// The original's pages it holds (1-based).
    pub pages: Vec<u32>,
}

/// An attachment to record as a child document. `parent` indexes into the same list
/// (`None` = the received item itself), so nested e-mails keep their tree.
#[derive(Debug, Clone)]
pub struct ChildDocument {
    pub parent: Option<usize>,
    pub filename: Option<String>,
    pub sha256: Sha256Digest,
    pub size: u64,
    pub content: Result<PartContent, String>,
}

/// The result of extracting one received item.
#[derive(Debug, Clone)]
pub struct ExtractionRecord {
    pub id: DocumentId,
    pub content: Result<PartContent, String>,
    pub children: Vec<ChildDocument>,
    /// Understood right after extraction (on the worker pool); recorded in the same
    /// transaction, so the item moves straight to `classified`.
    pub understanding: Option<Understanding>,
}

/// What the index needs of a document.
#[derive(Debug, Clone)]
pub struct IndexRecord {
    pub id: DocumentId,
    pub root_id: DocumentId,
    pub parent_id: Option<DocumentId>,
    pub channel: String,
    pub received_at: DateTime<Utc>,
    pub filename: Option<String>,
    pub subject: Option<String>,
    pub sender: Option<String>,
    pub text: String,
    pub doc_type: Option<String>,
    pub customer_id: Option<String>,
    pub queue: Option<String>,
    /// Further queues the case's task is listed in (e.g. `retention`).
    pub also_queues: Vec<String>,
    pub health_data: bool,
}

/// One ledger row as the export shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentRow {
    pub id: DocumentId,
    pub parent_id: Option<DocumentId>,
    pub root_id: DocumentId,
    pub channel: String,
    pub source_key: Option<String>,
    pub source_path: Option<String>,
    pub filename: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub received_at: DateTime<Utc>,
    pub sha256: String,
    pub size: u64,
    pub stored: bool,
    pub media_type: Option<String>,
    pub status: DocStatus,
    pub error: Option<String>,
    pub duplicate_of: Option<DocumentId>,
    pub pages: Option<u32>,
    pub pages_needing_ocr: Vec<u32>,
    pub text_chars: Option<u64>,
    pub warnings: Vec<String>,
    pub email: Option<EmailMeta>,
    pub text: Option<String>,
    pub understanding: DocumentUnderstanding,
    pub ocr: Option<OcrReport>,
    pub renditions: Vec<Rendition>,
    /// The e-invoice read from the document's XML, if it has one.
    pub invoice: Option<EInvoice>,
    /// The case the document belongs to, once routed.
    pub case_id: Option<crate::cases::CaseId>,
}

/// A customer master-data row (fixed CSV format `customers.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Customer {
    pub customer_id: String,
    pub salutation: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: Option<chrono::NaiveDate>,
    pub street: String,
    pub house_number: String,
    pub postcode: String,
    pub city: String,
    pub email: String,
    pub phone: String,
    pub iban: String,
    /// The customer objected to advertising (optional CSV column `advertising_objection`): no
    /// impulses.
    #[serde(default)]
    pub advertising_objection: bool,
}

/// A contract row (fixed CSV format `contracts.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Contract {
    pub contract_id: String,
    pub customer_id: String,
    pub product: String,
    pub status: String,
    pub start_date: Option<chrono::NaiveDate>,
}

/// A claim row (optional CSV file `claims.csv`): a claim number known to the insurer, with the
/// contract and/or customer it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Claim {
    pub claim_id: String,
    pub contract_id: Option<String>,
    pub customer_id: Option<String>,
    pub loss_date: Option<chrono::NaiveDate>,
}

/// A received item with its attachments, as classification and matching read it.
#[derive(Debug, Clone)]
pub struct CaseContent {
    pub root: DocumentId,
    pub received_at: DateTime<Utc>,
    pub subject: Option<String>,
    /// From addresses of the e-mail, lower case.
    pub sender_emails: Vec<String>,
    /// A customer number the source named (e.g. the portal's logged-in customer).
    pub customer_hint: Option<String>,
    /// The e-mail was sent by a machine (auto-reply, mailing list, flagged spam).
    pub automated: Option<crate::model::AutomatedMail>,
    /// The root first, then attachments (quarantined ones left out).
    pub parts: Vec<CasePart>,
}

impl CaseContent {
    /// Every part's text, in order, as the case is classified.
    pub fn text(&self) -> String {
        self.parts
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}

/// A part of a case: a stored document, or an attachment not yet stored (by its position in
/// [`ExtractionRecord::children`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartRef {
    Stored(DocumentId),
    Attachment(usize),
}

#[derive(Debug, Clone)]
pub struct CasePart {
    pub id: PartRef,
    pub subject: Option<String>,
    pub text: String,
    /// The part's e-invoice: its XML is the evidence for the type `invoice`.
    pub invoice: Option<EInvoice>,
}

/// What the understanding steps concluded about a case.
#[derive(Debug, Clone)]
pub struct Understanding {
    pub root: DocumentId,
    /// Type id, or `unknown`.
    pub doc_type: String,
    pub confidence: f32,
    /// The best type even when below the threshold.
    pub best_type: String,
    pub explanation: String,
    /// Each attachment's own type (for search facets).
    pub part_types: Vec<(PartRef, String, f32)>,
    pub identifiers: Vec<Identifier>,
    pub customer_id: Option<String>,
    pub match_confidence: Option<f32>,
    pub match_reason: String,
    /// Why the case is health data (readable only with the `health` permission), if it is.
    pub health_data: Option<String>,
    /// The task to create when the case is routed.
    pub task: NewTask,
}

/// A task as routing creates it.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct NewTask {
    pub queue: String,
    pub priority: Priority,
    pub due_at: DateTime<Utc>,
    pub doc_type: String,
    pub doc_type_confidence: f32,
    pub explanation: String,
    pub customer_id: Option<String>,
    pub match_reason: String,
    pub routing_reason: String,
    pub identifiers: Vec<Identifier>,
    /// The customer's active contracts.
    pub contracts: Vec<Contract>,
    pub effective_date: Option<chrono::NaiveDate>,
    /// The case holds health data: only users with the `health` permission see it.
    #[serde(default)]
    pub health_data: bool,
}

/// A task in the central inbox (also the outbox line's schema, see docs/tasks.md).
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    pub id: TaskId,
    pub root_document_id: DocumentId,
    /// The case's documents: the received item and its attachments.
    pub documents: Vec<DocumentId>,
    pub status: TaskStatus,
    pub assignee: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub spec: NewTask,
    /// Case, impulses and process steps.
    #[serde(flatten)]
    pub case: crate::cases::TaskCaseInfo,
    /// Who did what to the task, oldest first; only when one task is asked for (not in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<TaskEvent>>,
}

/// One entry of a task's history: claim, done, reassign, correct, step, impulse, release, …
#[derive(Debug, Clone, Serialize)]
pub struct TaskEvent {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub detail: Option<String>,
}

/// A clerk's action on a task.
#[derive(Debug, Clone)]
pub enum TaskChange {
    Claim,
    Done,
    Reassign {
        queue: String,
    },
    /// A correction of type and/or customer; recorded (who, when, old, new) for training.
    Correct {
        doc_type: Option<String>,
        customer_id: Option<String>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    #[error("task {0} not found")]
    NotFound(TaskId),
    #[error("task {id} is {status}; {action} is not possible")]
    InvalidTransition {
        id: TaskId,
        status: &'static str,
        action: &'static str,
    },
    /// A step or impulse the task does not have, or a similar refusal.
    #[error("task {id}: {message}")]
    Invalid { id: TaskId, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The 360° view of a customer.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerFile {
    pub customer: Customer,
    pub contracts: Vec<Contract>,
    /// Received items about the customer, newest first, across channels.
    pub timeline: Vec<TimelineEntry>,
    pub tasks: Vec<Task>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub document_id: DocumentId,
    pub received_at: DateTime<Utc>,
    pub channel: String,
    pub doc_type: Option<String>,
    pub subject: Option<String>,
    pub filename: Option<String>,
    pub attachments: u32,
    pub task_id: Option<TaskId>,
    pub queue: Option<String>,
}

/// The understanding fields of a document for the export.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DocumentUnderstanding {
    /// The queue the document's own routing chose; its task's queue (`task.queue`) differs
    /// when it joined a case handled elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routed_queue: Option<String>,
    pub doc_type: Option<String>,
    pub doc_type_confidence: Option<f64>,
    /// The best type, also when its confidence was below the threshold.
    pub best_type: Option<String>,
    pub customer_id: Option<String>,
    pub match_confidence: Option<f64>,
    /// Which rules or terms decided the type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_explanation: Option<String>,
    /// How the customer was found (or why not).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_reason: Option<String>,
    /// Why the document is health data (readable only with the `health` permission), if it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_data: Option<String>,
    pub identifiers: Option<serde_json::Value>,
    pub task: Option<serde_json::Value>,
}

/// Where intake stands in one IMAP folder (see `sources::imap`). `mailbox` keys look like
/// `imap://user@host/FOLDER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImapFolderState {
    pub uidvalidity: u32,
    /// Every message with a smaller UID (under this UIDVALIDITY) was taken and released.
    pub uid_floor: u32,
    /// Set after a UIDVALIDITY change: messages with a smaller UID may have been taken under the
    /// old UIDVALIDITY and are recognised by Message-ID + SHA-256 instead of their UID.
    pub recheck_below: u32,
}

/// One message taken from an IMAP folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapMessage {
    pub uidvalidity: u32,
    pub uid: u32,
    /// The `Message-ID` header, if the message has one.
    pub message_id: Option<String>,
    pub sha256: Sha256Digest,
    /// Set once the pipeline answered.
    pub document: Option<DocumentId>,
}

/// A message found by Message-ID + SHA-256 among those taken from a folder before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapPrevious {
    pub uidvalidity: u32,
    pub uid: u32,
    /// The document it became, once the pipeline answered.
    pub document: Option<DocumentId>,
    /// Its action was applied and recorded: nothing more to do for it.
    pub released: bool,
}

/// What the access checks need of a document: where it sits and whether it is health data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentAccess {
    pub id: DocumentId,
    pub root_id: DocumentId,
    /// The queues its case's task is listed in (the queue after reassignments first, then
    /// further ones such as `retention`); empty until routed.
    pub queues: Vec<String>,
    pub health_data: bool,
    pub status: DocStatus,
}

/// One logged read of a document.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentRead {
    pub at: DateTime<Utc>,
    pub user: String,
    pub document_id: DocumentId,
    /// `metadata`, `original`, `preview`.
    pub what: String,
}

/// Open work of one queue, for the metrics.
#[derive(Debug, Clone, Serialize)]
pub struct QueueStats {
    pub queue: String,
    pub open: u64,
    pub claimed: u64,
    pub overdue: u64,
    /// Receipt time of the oldest open or claimed task.
    pub oldest: Option<DateTime<Utc>>,
}

/// Users, sessions and the read log (see [`crate::users`]). Implemented by the same stores as
/// [`Store`]; kept apart because only the web layer and `intake users` need it.
pub trait AccessStore: Send + Sync {
    /// Adds the user or replaces role, departments, permissions and password. True if new.
    fn upsert_user(&self, user: &User, password_hash: &str) -> Result<bool, StoreError>;
    /// Removes the user and ends their sessions; their claimed tasks go back to open in their
    /// queues (recorded as `release` by `actor`). The read log keeps their name. Returns the
    /// released tasks, or None if there was no such user.
    fn remove_user(&self, name: &str, actor: &str) -> Result<Option<Vec<TaskId>>, StoreError>;
    /// The user and their password hash.
    fn user(&self, name: &str) -> Result<Option<(User, String)>, StoreError>;
    fn users(&self) -> Result<Vec<User>, StoreError>;
    fn create_session(
        &self,
        token_digest: &str,
        user: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The user of an unexpired session.
    fn session_user(&self, token_digest: &str) -> Result<Option<User>, StoreError>;
    fn delete_session(&self, token_digest: &str) -> Result<(), StoreError>;
    fn log_read(&self, user: &str, document: DocumentId, what: &str) -> Result<(), StoreError>;
    /// Reads, newest first; of one document or of all.
    fn document_reads(
        &self,
        document: Option<DocumentId>,
        limit: usize,
    ) -> Result<Vec<DocumentRead>, StoreError>;
    fn document_access(&self, id: DocumentId) -> Result<Option<DocumentAccess>, StoreError>;
    /// Quarantined received items and attachments not retried yet, newest first.
    fn failures(&self, limit: usize) -> Result<Vec<DocumentRow>, StoreError>;
    /// The document a quarantined item was retried as, if it was.
    fn retried_as(&self, id: DocumentId) -> Result<Option<String>, StoreError>;
    /// Records that a quarantined item was handed to the pipeline again as `new`.
    fn record_retry(&self, old: DocumentId, new: DocumentId, user: &str) -> Result<(), StoreError>;
    fn queue_stats(&self) -> Result<Vec<QueueStats>, StoreError>;
    /// Seconds from receipt to routing of the last `limit` routed items.
    fn routing_latencies(&self, limit: usize) -> Result<Vec<f64>, StoreError>;
    /// OCR'd pages so far.
    fn ocr_pages(&self) -> Result<u64, StoreError>;
    /// The attachments directly inside a document, in order.
    fn children(&self, id: DocumentId) -> Result<Vec<DocumentRow>, StoreError>;
}

/// The ledger and master data. Implementations are safe to share between stage threads.
pub trait Store: Send + Sync + crate::cases::CaseStore {
    /// Records received items in one transaction (their blobs must already be durable).
    fn record_receipts(&self, receipts: &[NewReceipt]) -> Result<Vec<Receipt>, StoreError>;
    /// Records extraction results (children's blobs must already be durable): the item moves to
    /// `extracted` (`classified` when the record carries its understanding), or to
    /// `quarantined` with the reason.
    fn record_extractions(&self, records: &[ExtractionRecord]) -> Result<(), StoreError>;
    /// Moves received items and their attachments forward to `status` (never backwards, never
    /// out of `quarantined`/`duplicate`).
    fn advance(&self, ids: &[DocumentId], status: DocStatus) -> Result<(), StoreError>;
    /// Quarantines a received item with a reason in plain words.
    fn quarantine(&self, id: DocumentId, reason: &str) -> Result<(), StoreError>;
    /// The source has released the input (moved or deleted the file).
    fn mark_released(&self, id: DocumentId) -> Result<(), StoreError>;
    /// Received items whose processing was interrupted, oldest first.
    fn unfinished(&self) -> Result<Vec<(DocumentId, DocStatus)>, StoreError>;
    /// The final outcome of a received item, once it has one.
    fn outcome(&self, id: DocumentId) -> Result<Option<Outcome>, StoreError>;
    fn document(&self, id: DocumentId) -> Result<DocumentRow, StoreError>;
    /// Rows in id order after `after`, at most `limit`.
    fn documents_after(
        &self,
        after: DocumentId,
        limit: usize,
        with_text: bool,
    ) -> Result<Vec<DocumentRow>, StoreError>;
    /// Index records of the given received items and their attachments (not quarantined ones).
    fn index_records(&self, roots: &[DocumentId]) -> Result<Vec<IndexRecord>, StoreError>;
    /// Index records of everything indexable with an id after `after`, in id order.
    fn index_records_after(
        &self,
        after: DocumentId,
        limit: usize,
    ) -> Result<Vec<IndexRecord>, StoreError>;
    fn status_counts(&self) -> Result<BTreeMap<DocStatus, u64>, StoreError>;
    fn upsert_customers(&self, rows: &[Customer]) -> Result<usize, StoreError>;
    fn upsert_contracts(&self, rows: &[Contract]) -> Result<usize, StoreError>;
    fn customer_ids(&self) -> Result<std::collections::HashSet<String>, StoreError>;
    /// Claims master data (optional `claims.csv`); upsert by `claim_id`.
    fn upsert_claims(&self, rows: &[Claim]) -> Result<usize, StoreError>;
    fn all_claims(&self) -> Result<Vec<Claim>, StoreError>;
    /// Contract id → customer id, for checking claims at import.
    fn contract_owners(&self) -> Result<std::collections::HashMap<String, String>, StoreError>;
    fn meta_get(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// A received item with its attachments' text.
    fn case_content(&self, root: DocumentId) -> Result<CaseContent, StoreError>;
    /// Records type, identifiers and customer of each case and moves it to `classified`.
    fn record_understanding(&self, cases: &[Understanding]) -> Result<(), StoreError>;
    /// Creates the task prepared for each case (once) and moves it to `routed`.
    fn create_tasks(&self, roots: &[DocumentId]) -> Result<Vec<Task>, StoreError>;
    fn tasks(
        &self,
        queue: Option<&str>,
        status: Option<TaskStatus>,
    ) -> Result<Vec<Task>, StoreError>;
    fn task(&self, id: TaskId) -> Result<Task, StoreError>;
    fn change_task(&self, id: TaskId, change: &TaskChange, actor: &str) -> Result<Task, TaskError>;
    /// Tasks not yet appended to the outbox.
    fn outbox_pending(&self) -> Result<Vec<Task>, StoreError>;
    fn mark_outbox_written(&self, ids: &[TaskId]) -> Result<(), StoreError>;
    fn all_customers(&self) -> Result<Vec<Customer>, StoreError>;
    fn all_contracts(&self) -> Result<Vec<Contract>, StoreError>;
    fn customer_file(&self, customer_id: &str) -> Result<Option<CustomerFile>, StoreError>;
    /// Clerks' type corrections, latest per case: (received item, corrected type).
    fn type_corrections(&self) -> Result<Vec<(DocumentId, String)>, StoreError>;

    fn meta_set(&self, key: &str, value: Option<&str>) -> Result<(), StoreError>;

    /// Cases whose index entry is stale (a clerk changed queue or type), at most `limit`.
    fn index_pending(&self, limit: usize) -> Result<Vec<DocumentId>, StoreError>;
    /// The cases were re-indexed.
    fn clear_index_pending(&self, roots: &[DocumentId]) -> Result<(), StoreError>;

    /// The recorded position in an IMAP folder, if it was polled before.
    fn imap_folder_state(&self, mailbox: &str) -> Result<Option<ImapFolderState>, StoreError>;
    fn imap_set_folder_state(
        &self,
        mailbox: &str,
        state: &ImapFolderState,
    ) -> Result<(), StoreError>;
    /// Which of `uids` (under `uidvalidity`) were taken and released already.
    fn imap_released_uids(
        &self,
        mailbox: &str,
        uidvalidity: u32,
        uids: &[u32],
    ) -> Result<std::collections::HashSet<u32>, StoreError>;
    /// A message taken from `mailbox` before (under any UIDVALIDITY) with the same Message-ID
    /// (or none) and the same bytes; a released one is preferred.
    fn imap_find_by_content(
        &self,
        mailbox: &str,
        message_id: Option<&str>,
        sha256: &Sha256Digest,
    ) -> Result<Option<ImapPrevious>, StoreError>;
    /// Records messages as taken (in flight) before they are handed to the pipeline; a message
    /// already recorded keeps its state.
    fn imap_record_taken(&self, mailbox: &str, messages: &[ImapMessage]) -> Result<(), StoreError>;
    /// Records in one transaction that the action was applied to these messages: each is
    /// released, and so is its document.
    fn imap_record_released(
        &self,
        mailbox: &str,
        messages: &[ImapMessage],
    ) -> Result<(), StoreError>;
}
