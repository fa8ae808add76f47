//! Extraction stage: N worker threads (one per core by default) turn an item's bytes into text,
//! metadata and attachments with [`crate::extract::extract`], store the attachments' bytes in the
//! blob store, and pass an [`ExtractionRecord`] on. A file that cannot be read is an outcome
//! (quarantine with the reason), never a stage failure; a panic inside a parser is caught.
//! Records with pages needing OCR go to the OCR stage (when enabled), which understands them
//! once their text is read; the rest are understood here (type, identifiers, customer,
//! routing: CPU work that belongs on this pool, not on the single finishing thread) and go to
//! finish.

use std::panic::{catch_unwind, AssertUnwindSafe};

use chrono::{DateTime, Utc};
use crossbeam_channel::{Receiver, Sender};

use super::ocr::{needs_ocr, ToOcr};
use super::{with_retry, Finish, Shared, StageError, ToExtract};
use crate::extract::{self, Attachment, EmailMeta, Extraction, Limits};
use crate::model::{DocumentId, Sha256Digest};
use crate::store::{CaseContent, CasePart, ChildDocument, ExtractionRecord, PartContent, PartRef};
use crate::understand::understand;

const STAGE: &str = "extraction";

/// The record, the original's bytes (for OCR) and the receipt time.
/// When the item was received and the customer its source named, for understanding.
pub(super) struct ReceivedAs {
    pub at: DateTime<Utc>,
    pub customer_hint: Option<String>,
}

type ExtractedItem = (ExtractionRecord, Option<Vec<u8>>, ReceivedAs);

pub(super) fn run(
    shared: &Shared,
    rx: Receiver<ToExtract>,
    tx: Sender<Finish>,
    ocr_tx: Option<Sender<ToOcr>>,
    limits: &Limits,
) -> Result<(), StageError> {
    for item in rx {
        let (mut record, bytes, received) = extract_item(shared, item, limits)?;
        let sent = match (&ocr_tx, bytes) {
            (Some(ocr_tx), Some(root_bytes)) if needs_ocr(&record) => ocr_tx
                .send(ToOcr {
                    record: Box::new(record),
                    root_bytes,
                    received,
                })
                .is_ok(),
            _ => {
                understand_record(shared, &mut record, &received);
                tx.send(Finish::Extracted(Box::new(record))).is_ok()
            }
        };
        if !sent {
            break;
        }
    }
    Ok(())
}

fn extract_item(
    shared: &Shared,
    item: ToExtract,
    limits: &Limits,
) -> Result<ExtractedItem, StageError> {
    let id = item.id;
    let failed = |reason: String| ExtractionRecord {
        id,
        content: Err(reason),
        children: Vec::new(),
        understanding: None,
    };
    let (bytes, received_at, name_hint, customer_hint) = match item.bytes {
        Some((b, at)) => (b, at, item.name_hint, item.customer_hint),
        None => {
            let row = shared
                .store
                .document(id)
                .map_err(|source| StageError::Store {
                    stage: STAGE,
                    source,
                })?;
            let hint = row.metadata.get(super::receipt::CUSTOMER_HINT).cloned();
            let received = |at| ReceivedAs {
                at,
                customer_hint: hint.clone(),
            };
            let Some(sha) = Sha256Digest::from_hex(&row.sha256) else {
                return Ok((
                    failed(format!("ledger holds an invalid SHA-256: {}", row.sha256)),
                    None,
                    received(row.received_at),
                ));
            };
            match shared.blobs.get(&sha) {
                Ok(b) => (b, row.received_at, row.filename, hint.clone()),
                Err(e) => {
                    return Ok((
                        failed(format!("original cannot be read back: {e}")),
                        None,
                        received(row.received_at),
                    ))
                }
            }
        }
    };
    let span = tracing::debug_span!("extract", document = %id);
    let _enter = span.enter();
    let result = catch_unwind(AssertUnwindSafe(|| {
        extract::extract(&bytes, name_hint.as_deref(), limits)
    }));
    let extraction = match result {
        Ok(Ok(e)) => e,
        Ok(Err(e)) => {
            return Ok((
                failed(e.to_string()),
                None,
                ReceivedAs {
                    at: received_at,
                    customer_hint,
                },
            ))
        }
        Err(_) => {
            tracing::error!(document = %id, "parser panicked");
            return Ok((
                failed(
                    "internal error while reading this file; the original is kept for inspection"
                        .into(),
                ),
                None,
                ReceivedAs {
                    at: received_at,
                    customer_hint,
                },
            ));
        }
    };
    let mut children = Vec::new();
    flatten_attachments(shared, &extraction.attachments, None, &mut children)?;
    Ok((
        ExtractionRecord {
            id,
            content: Ok(part_content(&extraction)),
            children,
            understanding: None,
        },
        Some(bytes),
        ReceivedAs {
            at: received_at,
            customer_hint,
        },
    ))
}

/// Understands a readable record (type, identifiers, customer, task) from its text in memory.
pub(super) fn understand_record(
    shared: &Shared,
    record: &mut ExtractionRecord,
    received: &ReceivedAs,
) {
    if let Ok(content) = &record.content {
        let mut case = case_of(record.id, received.at, content, &record.children);
        case.customer_hint = received.customer_hint.clone();
        record.understanding = Some(understand(&shared.knowledge, &case));
    }
}

/// The case as understanding reads it: the item and its readable attachments.
fn case_of(
    id: DocumentId,
    received_at: DateTime<Utc>,
    root: &PartContent,
    children: &[ChildDocument],
) -> CaseContent {
    let subject = root.email.as_ref().and_then(|e| e.subject.clone());
    let mut parts = vec![CasePart {
        id: PartRef::Stored(id),
        subject: subject.clone(),
        text: root.text.clone(),
        invoice: root.invoice.clone(),
    }];
    for (i, child) in children.iter().enumerate() {
        if let Ok(c) = &child.content {
            parts.push(CasePart {
                id: PartRef::Attachment(i),
                subject: c.email.as_ref().and_then(|e| e.subject.clone()),
                text: c.text.clone(),
                invoice: c.invoice.clone(),
            });
        }
    }
    CaseContent {
        root: id,
        received_at,
        subject,
        sender_emails: root
            .email
            .as_ref()
            .map(EmailMeta::sender_emails)
            .unwrap_or_default(),
        customer_hint: None,
        automated: root.email.as_ref().and_then(|e| e.automated.clone()),
        parts,
    }
}

fn part_content(e: &Extraction) -> PartContent {
    PartContent {
        media_type: e.media_type.mime().to_string(),
        text: e.text.clone(),
        pages: e.pages,
        pages_needing_ocr: e.pages_needing_ocr.clone(),
        warnings: e.warnings.clone(),
        email: e.email.clone(),
        ocr: None,
        renditions: Vec::new(),
        invoice: e.invoice.clone(),
    }
}

/// Attachments (and attachments of attached e-mails) as child documents, parents first.
fn flatten_attachments(
    shared: &Shared,
    attachments: &[Attachment],
    parent: Option<usize>,
    out: &mut Vec<ChildDocument>,
) -> Result<(), StageError> {
    for a in attachments {
        let sha256 = with_retry("storing an attachment", || shared.blobs.put(&a.bytes)).map_err(
            |source| StageError::Blob {
                stage: STAGE,
                source,
            },
        )?;
        out.push(ChildDocument {
            parent,
            filename: a.filename.clone(),
            sha256,
            size: a.bytes.len() as u64,
            content: a
                .content
                .as_ref()
                .map(part_content)
                .map_err(|e| e.to_string()),
        });
        if let Ok(inner) = &a.content {
            let me = out.len() - 1;
            flatten_attachments(shared, &inner.attachments, Some(me), out)?;
        }
    }
    Ok(())
}
