//! Durable state: the document ledger, master data and the original bytes. [`Store`] is the
//! narrow interface the pipeline and the commands use; [`sqlite::SqliteStore`] is the embedded
//! default (one file under the data dir), a PostgreSQL backend can implement the same trait.
//! Originals live in the content-addressed [`blobs::BlobStore`]. All calls block.

pub mod blobs;
pub mod sqlite;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::extract::EmailMeta;
use crate::model::{DocStatus, DocumentId, Outcome, Sha256Digest, SourceRef};
use crate::ocr::OcrReport;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("database {path}: {message}")]
    Open { path: String, message: String },
    #[error("document {0} not found")]
    NotFound(DocumentId),
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
    pub ocr: Option<OcrReport>,
    pub renditions: Vec<Rendition>,
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
}

/// A contract row (fixed CSV format `contracts.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contract {
    pub contract_id: String,
    pub customer_id: String,
    pub product: String,
    pub status: String,
    pub start_date: Option<chrono::NaiveDate>,
}

/// The ledger and master data. Implementations are safe to share between stage threads.
pub trait Store: Send + Sync {
    /// Records received items in one transaction (their blobs must already be durable).
    fn record_receipts(&self, receipts: &[NewReceipt]) -> Result<Vec<Receipt>, StoreError>;
    /// Records extraction results (children's blobs must already be durable): the item moves to
    /// `extracted`, or to `quarantined` with the reason.
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
    fn meta_get(&self, key: &str) -> Result<Option<String>, StoreError>;
    fn meta_set(&self, key: &str, value: Option<&str>) -> Result<(), StoreError>;
}
