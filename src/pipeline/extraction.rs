//! Extraction stage: N worker threads (one per core by default) turn an item's bytes into text,
//! metadata and attachments with [`crate::extract::extract`], store the attachments' bytes in the
//! blob store, and pass an [`ExtractionRecord`] on. A file that cannot be read is an outcome
//! (quarantine with the reason), never a stage failure; a panic inside a parser is caught.
//! Records with pages needing OCR go to the OCR stage (when enabled), which understands them
//! once their text is read; the rest are understood here (type, identifiers, customer,
//! routing: CPU work that belongs on this pool, not on the single finishing thread) and go to
//! finish.
//!
//! Parsing and understanding run with a deadline ([`Abandonable`]): a file that sends a parser
//! into an endless loop is quarantined after `pipeline.extract_timeout_secs`, a case whose
//! understanding does not finish goes to manual triage after `pipeline.understand_timeout_secs`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossbeam_channel::{Receiver, Sender};

use super::abandon::{Abandonable, Abandoned};
use super::ocr::{needs_ocr, ToOcr};
use super::{with_retry, Deadlines, Finish, Shared, StageError, ToExtract};
use crate::extract::{self, Attachment, EmailMeta, Extraction, Limits};
use crate::model::{DocumentId, Sha256Digest};
use crate::store::{CaseContent, CasePart, ChildDocument, ExtractionRecord, PartContent, PartRef};
use crate::understand::{not_understood, understand};

const STAGE: &str = "extraction";

/// The record, the original's bytes (for OCR) and the receipt time.
/// When the item was received and the customer its source named, for understanding.
pub(super) struct ReceivedAs {
    pub at: DateTime<Utc>,
    pub customer_hint: Option<String>,
}

type ExtractedItem = (ExtractionRecord, Option<Vec<u8>>, ReceivedAs);

pub(super) fn run(
    shared: &Arc<Shared>,
    rx: Receiver<ToExtract>,
    tx: Sender<Finish>,
    ocr_tx: Option<Sender<ToOcr>>,
    limits: &Limits,
    deadlines: &Deadlines,
) -> Result<(), StageError> {
    let mut work = Abandonable::new(STAGE);
    for item in rx {
        let (mut record, bytes, received) =
            extract_item(shared, &mut work, item, limits, deadlines.extract)?;
        let sent = match (&ocr_tx, bytes) {
            (Some(ocr_tx), Some(root_bytes)) if needs_ocr(&record) => ocr_tx
                .send(ToOcr {
                    record: Box::new(record),
                    root_bytes,
                    received,
                })
                .is_ok(),
            _ => {
                understand_record(shared, &mut work, &mut record, &received, deadlines);
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
    work: &mut Abandonable,
    item: ToExtract,
    limits: &Limits,
    deadline: Duration,
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
    let job_limits = limits.clone();
    let job_name = name_hint.clone();
    let result = work.run(deadline, move || {
        let _enter = span.enter();
        let extraction = extract::extract(&bytes, job_name.as_deref(), &job_limits);
        (bytes, extraction)
    });
    let received = ReceivedAs {
        at: received_at,
        customer_hint,
    };
    let (bytes, extraction) = match result {
        Ok((bytes, Ok(e))) => (bytes, e),
        Ok((_, Err(e))) => return Ok((failed(e.to_string()), None, received)),
        Err(Abandoned::Panicked) => {
            tracing::error!(document = %id, "parser panicked");
            let why = "internal error while reading this file; the original is kept for inspection";
            return Ok((failed(why.into()), None, received));
        }
        Err(Abandoned::Overran(after)) => {
            tracing::error!(document = %id, "reading the file passed its deadline");
            let why = format!(
                "reading this file did not finish within {} s (pipeline.extract_timeout_secs); \
                 the original is kept for inspection",
                after.as_secs()
            );
            return Ok((failed(why), None, received));
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
        received,
    ))
}

/// Understands a readable record (type, identifiers, customer, task) from its text in memory,
/// within `pipeline.understand_timeout_secs`; past it, the case goes to manual triage.
pub(super) fn understand_record(
    shared: &Arc<Shared>,
    work: &mut Abandonable,
    record: &mut ExtractionRecord,
    received: &ReceivedAs,
    deadlines: &Deadlines,
) {
    let Ok(content) = &record.content else {
        return;
    };
    let case = || {
        let mut case = case_of(record.id, received.at, content, &record.children);
        case.customer_hint = received.customer_hint.clone();
        case
    };
    let (job_shared, job_case) = (shared.clone(), case());
    let span = tracing::debug_span!("understand", document = %record.id);
    let result = work.run(deadlines.understand, move || {
        let _enter = span.enter();
        understand(&job_shared.knowledge, &job_case)
    });
    let understanding = match result {
        Ok(u) => u,
        Err(why) => {
            tracing::error!(document = %record.id, reason = %why, "understanding given up");
            let why = match why {
                Abandoned::Overran(after) => format!(
                    "understanding did not finish within {} s (pipeline.understand_timeout_secs); \
                     a person decides",
                    after.as_secs()
                ),
                Abandoned::Panicked => {
                    "understanding failed with an internal error; a person decides".to_string()
                }
            };
            not_understood(&shared.knowledge, &case(), &why)
        }
    };
    record.understanding = Some(understanding);
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
