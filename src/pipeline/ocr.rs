//! OCR stage: a fixed pool of worker threads (one per core by default), each owning one
//! tesseract [`Engine`] created with its first scan and reused for every page. Takes extraction records
//! whose root or attachments have pages needing OCR ([`ToOcr`]), reads those pages
//! ([`crate::ocr::ocr_part`]), fills the text in, stores the searchable PDF rendition in the
//! blob store (made durable by finish's sync), understands the case from the text now read,
//! and hands the record to finish. A page that
//! fails or times out is recorded on its document (partial result); an engine that cannot
//! start records every page as failed with the reason. An item whose pages together take
//! longer than `ocr.item_timeout_secs` is given up ([`Abandonable`]): its pages are recorded
//! as failed, the engine is left with the runaway work and a new one is loaded. Nothing here
//! stops the pipeline except an unusable blob store.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use super::abandon::{Abandonable, Abandoned};
use super::{with_retry, Deadlines, Finish, Shared, StageError};
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
    shared: &Arc<Shared>,
    rx: Receiver<ToOcr>,
    tx: Sender<Finish>,
    settings: &OcrSettings,
    max_text_chars: usize,
    deadlines: &Deadlines,
) -> Result<(), StageError> {
    // The engine (and its language models, ~100 MB) is loaded with the first scan, so runs
    // without scans do not pay for it; then it is reused for every page.
    let mut engine: Option<Result<Engine, OcrError>> = None;
    let mut work = Abandonable::new(STAGE);
    let scratch = std::env::temp_dir();
    for item in rx {
        let mut eng = engine.take().unwrap_or_else(|| {
            settings.engine().inspect_err(|e| {
                tracing::error!(error = %e, "OCR engine cannot start; scans are archived without text");
            })
        });
        let id = item.record.id;
        // Kept to record the pages as failed if the reading is given up.
        let unread = item.record.clone();
        let span = tracing::info_span!("ocr", document = %id);
        let job = OcrJob {
            shared: shared.clone(),
            record: item.record,
            root_bytes: item.root_bytes,
            settings: settings.clone(),
            max_text_chars,
            scratch: scratch.clone(),
        };
        let result = work.run(deadlines.ocr_item, move || {
            let _enter = span.enter();
            let read = job.read(&mut eng);
            (eng, read)
        });
        let mut record = match result {
            Ok((eng, read)) => {
                engine = Some(eng);
                read?
            }
            Err(why) => {
                let e = match why {
                    Abandoned::Overran(after) => OcrError::ItemTimeout { after },
                    Abandoned::Panicked => OcrError::Engine("internal error while reading".into()),
                };
                tracing::error!(document = %id, error = %e, "OCR of the item given up");
                let mut record = unread;
                fail_unread(&mut record, settings, &e);
                record
            }
        };
        // With the pages read, the case can be understood like any other.
        super::extraction::understand_record(
            shared,
            &mut work,
            &mut record,
            &item.received,
            deadlines,
        );
        if tx.send(Finish::Extracted(record)).is_err() {
            break;
        }
    }
    Ok(())
}

/// One item's OCR, as handed to the helper thread.
struct OcrJob {
    shared: Arc<Shared>,
    record: Box<ExtractionRecord>,
    root_bytes: Vec<u8>,
    settings: OcrSettings,
    max_text_chars: usize,
    scratch: PathBuf,
}

impl OcrJob {
    /// Reads the pages needing OCR of the root and of every attachment.
    fn read(
        mut self,
        engine: &mut Result<Engine, OcrError>,
    ) -> Result<Box<ExtractionRecord>, StageError> {
        let (shared, settings) = (&self.shared, &self.settings);
        if let Ok(content) = self.record.content.as_mut() {
            read_part(
                shared,
                engine,
                content,
                &self.root_bytes,
                settings,
                self.max_text_chars,
                &self.scratch,
            )?;
        }
        for child in &mut self.record.children {
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
                    self.max_text_chars,
                    &self.scratch,
                )?,
                Err(e) => fail_all(content, settings, &OcrError::Io(e.to_string())),
            }
        }
        Ok(self.record)
    }
}

/// Every part still waiting for OCR records its pages as failed with `e`.
fn fail_unread(record: &mut ExtractionRecord, settings: &OcrSettings, e: &OcrError) {
    let parts = record.content.as_mut().into_iter().chain(
        record
            .children
            .iter_mut()
            .filter_map(|c| c.content.as_mut().ok()),
    );
    for content in parts {
        if !content.pages_needing_ocr.is_empty() && content.ocr.is_none() {
            fail_all(content, settings, e);
        }
    }
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
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
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
