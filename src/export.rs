//! `intake export documents`: one JSON object per line per document, in id order. The field
//! names are a public interface (documented in docs/export.md): fields are added over time, never
//! renamed or removed.

use std::io::Write;

use serde::Serialize;
use serde_json::Value;

use crate::extract::{EInvoice, EmailMeta};
use crate::model::{DocStatus, DocumentId};
use crate::ocr::{OcrReport, PageReport};
use crate::store::{DocumentRow, Rendition, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Serialize)]
struct Source<'a> {
    path: Option<&'a str>,
    filename: Option<&'a str>,
    message_id: Option<&'a str>,
    subject: Option<&'a str>,
    parent_id: Option<DocumentId>,
    key: Option<&'a str>,
}

#[derive(Serialize)]
struct ExportedDocument<'a> {
    id: DocumentId,
    sha256: &'a str,
    channel: &'a str,
    received_at: String,
    source: Source<'a>,
    status: DocStatus,
    error: Option<&'a str>,
    duplicate_of: Option<DocumentId>,
    media_type: Option<&'a str>,
    size: u64,
    pages: Option<u32>,
    pages_needing_ocr: &'a [u32],
    text_chars: Option<u64>,
    warnings: &'a [String],
    metadata: &'a std::collections::BTreeMap<String, String>,
    email: Option<&'a EmailMeta>,
    doc_type: Option<&'a str>,
    doc_type_confidence: Option<f64>,
    doc_type_explanation: Option<&'a str>,
    customer_id: Option<&'a str>,
    match_confidence: Option<f64>,
    identifiers: Option<&'a Value>,
    task: Option<&'a Value>,
    /// Health data: readable only with the `health` permission.
    health_data: bool,
    case_id: Option<crate::cases::CaseId>,
    renditions: &'a [Rendition],
    ocr: Option<OcrSummary<'a>>,
    /// The e-invoice fields read from the document's XML (ZUGFeRD / Factur-X / XRechnung).
    invoice: Option<&'a EInvoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
}

/// `ocr` in the export: the summary a clerk or a downstream system needs, plus every page.
#[derive(Serialize)]
struct OcrSummary<'a> {
    pages: usize,
    mean_confidence: Option<f32>,
    rotated_pages: Vec<u32>,
    flagged_pages: Vec<u32>,
    failed_pages: Vec<u32>,
    languages: &'a str,
    page_details: &'a [PageReport],
}

impl<'a> OcrSummary<'a> {
    fn of(r: &'a OcrReport) -> Self {
        OcrSummary {
            pages: r.pages.len(),
            mean_confidence: r.mean_confidence(),
            rotated_pages: r.rotated_pages(),
            flagged_pages: r.flagged_pages(),
            failed_pages: r.failed_pages(),
            languages: &r.languages,
            page_details: &r.pages,
        }
    }
}

fn exported(row: &DocumentRow) -> ExportedDocument<'_> {
    ExportedDocument {
        id: row.id,
        sha256: &row.sha256,
        channel: &row.channel,
        received_at: row
            .received_at
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        source: Source {
            path: row.source_path.as_deref(),
            filename: row.filename.as_deref(),
            message_id: row.email.as_ref().and_then(|e| e.message_id.as_deref()),
            subject: row.email.as_ref().and_then(|e| e.subject.as_deref()),
            parent_id: row.parent_id,
            key: row.source_key.as_deref(),
        },
        status: row.status,
        error: row.error.as_deref(),
        duplicate_of: row.duplicate_of,
        media_type: row.media_type.as_deref(),
        size: row.size,
        pages: row.pages,
        pages_needing_ocr: &row.pages_needing_ocr,
        text_chars: row.text_chars,
        warnings: &row.warnings,
        metadata: &row.metadata,
        email: row.email.as_ref(),
        doc_type: row.understanding.doc_type.as_deref(),
        doc_type_confidence: row.understanding.doc_type_confidence,
        doc_type_explanation: row.understanding.type_explanation.as_deref(),
        customer_id: row.understanding.customer_id.as_deref(),
        match_confidence: row.understanding.match_confidence,
        identifiers: row.understanding.identifiers.as_ref(),
        task: row.understanding.task.as_ref(),
        health_data: row.understanding.health_data.is_some(),
        case_id: row.case_id,
        renditions: &row.renditions,
        ocr: row.ocr.as_ref().map(OcrSummary::of),
        invoice: row.invoice.as_ref(),
        text: row.text.as_deref(),
    }
}

/// Writes every document; returns how many.
pub fn write_documents(
    store: &dyn Store,
    out: &mut impl Write,
    with_text: bool,
) -> Result<u64, ExportError> {
    const PAGE: usize = 1000;
    let mut after = DocumentId(0);
    let mut n = 0;
    loop {
        let rows = store.documents_after(after, PAGE, with_text)?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for row in &rows {
            serde_json::to_writer(&mut *out, &exported(row)).map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
            n += 1;
        }
    }
    out.flush()?;
    Ok(n)
}
