//! OCR stage: a fixed pool of worker threads (one per core by default), each owning one
//! tesseract [`Engine`] created with its first scan and reused for every page. Takes extraction records
//! whose root or attachments have pages needing OCR ([`ToOcr`]), reads those pages
//! ([`crate::ocr::ocr_part`]), fills the text in, stores the searchable PDF rendition in the
//! blob store (made durable by finish's sync), understands the case from the text now read,
//! and hands the record to finish. A page that
//! fails or times out is recorded on its document (partial result); an engine that cannot
//! start records every page as failed with the reason. Nothing here stops the pipeline except
//! an unusable blob store.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use crossbeam_channel::{Receiver, Sender};

use super::{with_retry, Finish, Shared, StageError};
use crate::extract::PAGE_BREAK;
use crate::model::Sha256Digest;
use crate::ocr::{self, Engine, OcrError, OcrReport, OcrSettings, PageReport};
use crate::store::{ExtractionRecord, PartContent, Rendition};

const STAGE: &str = "ocr";

/// extraction → OCR: a record with pages to read, and the original's bytes.
pub(super) struct ToOcr {
    pub record: Box<ExtractionRecord>,
    pub root_bytes: Vec<u8>,
    pub received: super::extraction::ReceivedAs,
}

/// True if the record has a readable part with pages needing OCR.
pub(super) fn needs_ocr(record: &ExtractionRecord) -> bool {
    let wants = |c: &PartContent| !c.pages_needing_ocr.is_empty();
    record.content.as_ref().is_ok_and(wants)
        || record
            .children
            .iter()
            .any(|c| c.content.as_ref().is_ok_and(wants))
}

pub(super) fn run(
    shared: &Shared,
    rx: Receiver<ToOcr>,
    tx: Sender<Finish>,
    settings: &OcrSettings,
    max_text_chars: usize,
) -> Result<(), StageError> {
    // The engine (and its language models, ~100 MB) is loaded with the first scan, so runs
    // without scans do not pay for it; then it is reused for every page.
    let mut engine: Option<Result<Engine, OcrError>> = None;
    let scratch = std::env::temp_dir();
    for item in rx {
        let engine = engine.get_or_insert_with(|| {
            settings.engine().inspect_err(|e| {
                tracing::error!(error = %e, "OCR engine cannot start; scans are archived without text");
            })
        });
        let mut record = item.record;
        let span = tracing::info_span!("ocr", document = %record.id);
        let _enter = span.enter();
        if let Ok(content) = record.content.as_mut() {
            read_part(
                shared,
                engine,
                content,
                &item.root_bytes,
                settings,
                max_text_chars,
                &scratch,
            )?;
        }
        for child in &mut record.children {
            let Ok(content) = child.content.as_mut() else {
                continue;
            };
            if content.pages_needing_ocr.is_empty() {
                continue;
            }
            match shared.blobs.get(&child.sha256) {
                Ok(bytes) => read_part(
                    shared,
                    engine,
                    content,
                    &bytes,
                    settings,
                    max_text_chars,
                    &scratch,
                )?,
                Err(e) => fail_all(content, settings, &OcrError::Io(e.to_string())),
            }
        }
        // With the pages read, the case can be understood like any other.
        super::extraction::understand_record(shared, &mut record, &item.received);
        if tx.send(Finish::Extracted(record)).is_err() {
            break;
        }
    }
    Ok(())
}

fn read_part(
    shared: &Shared,
    engine: &mut Result<Engine, OcrError>,
    content: &mut PartContent,
    bytes: &[u8],
    settings: &OcrSettings,
    max_text_chars: usize,
    scratch: &Path,
) -> Result<(), StageError> {
    if content.pages_needing_ocr.is_empty() {
        return Ok(());
    }
    let eng = match engine.as_mut() {
        Ok(e) => e,
        Err(e) => {
            fail_all(content, settings, &e.clone());
            return Ok(());
        }
    };
    let pages = content.pages_needing_ocr.clone();
    let result = catch_unwind(AssertUnwindSafe(|| {
        ocr::ocr_part(eng, bytes, &content.media_type, &pages, settings, scratch)
    }));
    let part = match result {
        Ok(p) => p,
        Err(_) => {
            tracing::error!("OCR panicked; the engine is restarted");
            *engine = settings.engine();
            fail_all(
                content,
                settings,
                &OcrError::Engine("internal error while reading this page".into()),
            );
            return Ok(());
        }
    };
    for p in &part.report.pages {
        if let Some(e) = &p.error {
            content.warnings.push(format!("page {}: {e}", p.page));
        }
    }
    let mut text = ocr::merge_text(&content.text, content.pages, &part.texts, PAGE_BREAK);
    if let Some((cut, _)) = text.char_indices().nth(max_text_chars) {
        text.truncate(cut);
        content
            .warnings
            .push(format!("text truncated at {max_text_chars} characters"));
    }
    content.text = text;
    if let Some(pdf) = part.searchable_pdf {
        let sha: Sha256Digest = with_retry("storing a searchable PDF", || shared.blobs.put(&pdf))
            .map_err(|source| StageError::Blob {
            stage: STAGE,
            source,
        })?;
        content.renditions.push(Rendition {
            kind: "searchable_pdf".into(),
            media_type: "application/pdf".into(),
            sha256: sha.to_hex(),
            size: pdf.len() as u64,
            pages: part.rendition_pages,
        });
    }
    content.ocr = Some(part.report);
    Ok(())
}

/// Every page of the part failed for the same reason (engine missing, original unreadable).
fn fail_all(content: &mut PartContent, settings: &OcrSettings, e: &OcrError) {
    content.warnings.push(format!("OCR not possible: {e}"));
    content.ocr = Some(OcrReport {
        languages: settings.languages.clone(),
        pages: content
            .pages_needing_ocr
            .iter()
            .map(|&page| PageReport::failed(page, e))
            .collect(),
    });
}
