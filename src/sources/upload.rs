//! Uploads over HTTP (clerks, the customer portal, scanning stations): each file becomes an
//! [`Intake`] on its own channel. The caller is answered only after every original is durably
//! stored and recorded (the receipt stage's answer); when the pipeline has no room the upload is
//! refused at once ([`UploadError::Busy`]) instead of being buffered without bound.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::model::{display_file_name, DocumentId, Intake, Payload, SourceRef};
use crate::pipeline::{Pipeline, TrySubmitError};
use crate::store::Receipt;

/// How long an upload waits for its receipt before it is answered with "busy".
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("intake is busy; try again shortly")]
    Busy,
    #[error("intake is shutting down; try again shortly")]
    Stopped,
    #[error("channel {0:?}: use letters, digits, '-' and '_'")]
    BadChannel(String),
    #[error("no file in the upload")]
    NoFile,
}

/// One uploaded file.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub filename: Option<String>,
    pub bytes: Vec<u8>,
}

/// What the uploader said about the files.
#[derive(Debug, Clone, Default)]
pub struct UploadMeta {
    /// Default `upload`.
    pub channel: Option<String>,
    /// A customer number the uploader knows (the portal's logged-in customer).
    pub customer_hint: Option<String>,
    pub note: Option<String>,
    /// Who uploaded.
    pub user: String,
}

/// The answer for one file.
#[derive(Debug, Clone, Serialize)]
pub struct Accepted {
    pub id: DocumentId,
    pub filename: Option<String>,
    pub sha256: String,
    pub size: u64,
    /// `received` (being processed), `duplicate` (the archive already had these bytes) or
    /// `quarantined` (kept, but not processable: see `reason`).
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<DocumentId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

fn valid_channel(c: &str) -> bool {
    !c.is_empty()
        && c.len() <= 64
        && c.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Hands the files to the pipeline and waits until each is durably received.
pub async fn submit(
    pipeline: &Pipeline,
    files: Vec<UploadedFile>,
    meta: &UploadMeta,
) -> Result<Vec<Accepted>, UploadError> {
    if files.is_empty() {
        return Err(UploadError::NoFile);
    }
    let channel = meta.channel.clone().unwrap_or_else(|| "upload".into());
    if !valid_channel(&channel) {
        return Err(UploadError::BadChannel(channel));
    }
    let mut metadata = BTreeMap::new();
    metadata.insert("uploaded_by".to_string(), meta.user.clone());
    if let Some(c) = meta.customer_hint.as_ref().filter(|c| !c.trim().is_empty()) {
        metadata.insert(
            crate::pipeline::CUSTOMER_HINT.to_string(),
            c.trim().to_string(),
        );
    }
    if let Some(n) = meta.note.as_ref().filter(|n| !n.trim().is_empty()) {
        metadata.insert("note".to_string(), n.trim().to_string());
    }
    let mut answers = Vec::with_capacity(files.len());
    let mut intakes = Vec::with_capacity(files.len());
    for file in files {
        let sha = crate::model::Sha256Digest::of(&file.bytes);
        let filename = file.filename.as_deref().and_then(display_file_name);
        // Every upload is its own source; a client's retry of the same bytes is answered as
        // a duplicate of the first.
        let key = format!("upload:{}", crate::users::new_token());
        answers.push((filename.clone(), sha.to_hex(), file.bytes.len() as u64));
        intakes.push(Intake {
            channel: channel.clone(),
            source: SourceRef {
                key,
                path: None,
                filename,
            },
            metadata: metadata.clone(),
            payload: Payload::Bytes(file.bytes),
        });
    }
    let receipts = pipeline.try_submit_all(intakes).map_err(|e| match e {
        TrySubmitError::Full => UploadError::Busy,
        TrySubmitError::Stopped(_) => UploadError::Stopped,
    })?;
    let mut out = Vec::with_capacity(receipts.len());
    for ((filename, sha256, size), rx) in answers.into_iter().zip(receipts) {
        let receipt = tokio::time::timeout(RECEIPT_TIMEOUT, rx)
            .await
            .map_err(|_| UploadError::Busy)?
            .map_err(|_| UploadError::Stopped)?;
        let (id, status, duplicate_of, reason) = match receipt {
            Receipt::New(id) | Receipt::Redelivered { id, .. } => (id, "received", None, None),
            Receipt::Duplicate { id, of } => (id, "duplicate", Some(of), None),
            Receipt::Quarantined { id, reason } => (id, "quarantined", None, Some(reason)),
        };
        out.push(Accepted {
            id,
            filename,
            sha256,
            size,
            status,
            duplicate_of,
            reason,
        });
    }
    Ok(out)
}
