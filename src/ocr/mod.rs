//! OCR: reads the pages extraction could not read (images, text-less PDF pages).
//!
//! Owns: the per-page procedure (decode → the working size from the text size (reduce fine
//! scans to the working resolution, enlarge small print) → blank check →
//! orientation: the ink proposes a turn, made only when orientation detection is sure or the
//! turned page reads clearly better (`orientation.rs`) → deskew → recognise → if the result is
//! still poor, try the turn detection hints at on the whole page, kept only if it reads
//! clearly better → quality flags), the per-part
//! result ([`PartOcr`]: text per page, an [`OcrReport`] and the searchable PDF rendition),
//! and the public report types that the store and the export keep.
//! Takes: a part's bytes, media type and the pages needing OCR, an [`Engine`] (one per
//! worker, reused) and [`OcrSettings`]. Gives: [`PartOcr`]; a page that fails or times out is
//! recorded in the report and the other pages are still read (partial result).
//! Blocking, CPU-bound: call it from the OCR stage's worker threads (`pipeline/ocr.rs`).
//! tesseract's own OpenMP threading must be off (`OMP_THREAD_LIMIT=1` set before the process
//! starts; `main.rs` re-executes itself to ensure it).

pub mod decode;
pub mod engine;
pub mod orientation;
pub mod preprocess;
pub mod subprocess;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use engine::{Engine, Orientation, Recognized, SegMode};
pub use orientation::{OrientationCheck, ReadingQuality, Verdict};

/// Why a page (or the engine) could not be read. None of these stop the pipeline.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OcrError {
    #[error("tesseract could not start with languages {languages:?}: {detail}")]
    Init { languages: String, detail: String },
    #[error("page image cannot be read: {0}")]
    Image(String),
    #[error(
        "page image too large: {width}×{height} pixels, the limit is {limit} (ocr.max_pixels)"
    )]
    TooManyPixels { width: u64, height: u64, limit: u64 },
    #[error("OCR timed out after {} s (ocr.page_timeout_secs)", .after.as_secs())]
    Timeout { after: Duration },
    #[error(
        "reading the scanned pages of this item did not finish within {} s (ocr.item_timeout_secs)",
        .after.as_secs()
    )]
    ItemTimeout { after: Duration },
    #[error("OCR failed: {0}")]
    Engine(String),
    #[error("temporary files: {0}")]
    Io(String),
}

/// What the OCR stage needs to know (from `[ocr]` in the configuration).
#[derive(Debug, Clone, PartialEq)]
pub struct OcrSettings {
    /// tesseract languages, e.g. `deu+eng`.
    pub languages: String,
    /// tesseract's language data directory; `None` = tesseract's default.
    pub tessdata_dir: Option<PathBuf>,
    pub page_timeout: Duration,
    /// Pages whose mean word confidence is below this are flagged.
    pub min_confidence: f32,
    /// Pages with fewer recognised words are flagged ("almost no text").
    pub min_words: u32,
    /// Larger page images are not decoded (decompression bombs).
    pub max_pixels: u64,
    /// Pages scanned finer than this are read at this resolution (area average); 0 = at the
    /// scan's own. 200 dpi reads degraded 10 pt letters better and ~25 % cheaper than 300.
    pub working_dpi: u32,
    pub deskew: bool,
    /// Detect pages turned by 90/180/270° and turn them upright.
    pub detect_orientation: bool,
    /// Store a searchable PDF next to the original.
    pub searchable_pdf: bool,
}

impl Default for OcrSettings {
    fn default() -> Self {
        OcrSettings {
            languages: "deu+eng".into(),
            tessdata_dir: None,
            page_timeout: Duration::from_secs(60),
            min_confidence: 60.0,
            min_words: 8,
            max_pixels: 50_000_000,
            working_dpi: 200,
            deskew: true,
            detect_orientation: true,
            searchable_pdf: true,
        }
    }
}

impl OcrSettings {
    /// A worker's engine.
    pub fn engine(&self) -> Result<Engine, OcrError> {
        Engine::new(
            self.tessdata_dir.as_deref(),
            &self.languages,
            SegMode::Auto,
            self.detect_orientation,
        )
    }
}

/// Why a page deserves a clerk's look. The page is kept either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageFlag {
    /// No ink on the page.
    Blank,
    /// Mean word confidence below `ocr.min_confidence`.
    LowConfidence,
    /// Fewer than `ocr.min_words` words recognised.
    LittleText,
    /// The page could not be read at all (see `error`).
    Failed,
    /// Something suggested the page is turned, but neither orientation detection nor the
    /// reading gave clear evidence: it was read as scanned (see `orientation`).
    OrientationUnclear,
}

/// What OCR did with one page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageReport {
    /// 1-based page number in the original.
    pub page: u32,
    /// Mean word confidence 0–100; `None` without words.
    pub confidence: Option<f32>,
    pub words: u32,
    /// Degrees the page was turned clockwise before recognition (0, 90, 180, 270).
    pub rotated: u16,
    /// Skew corrected, in degrees (positive: the scan was turned counter-clockwise).
    pub deskewed: f32,
    pub flags: Vec<PageFlag>,
    /// Why the page could not be read.
    pub error: Option<String>,
    pub millis: u64,
    /// How the orientation was decided, when anything suggested a turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation: Option<OrientationCheck>,
}

impl PageReport {
    /// A page that could not be read, with the reason.
    pub fn failed(page: u32, e: &OcrError) -> PageReport {
        PageReport {
            page,
            confidence: None,
            words: 0,
            rotated: 0,
            deskewed: 0.0,
            flags: vec![PageFlag::Failed],
            error: Some(e.to_string()),
            millis: 0,
            orientation: None,
        }
    }
}

/// OCR's account of one part, as stored and exported.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OcrReport {
    pub languages: String,
    pub pages: Vec<PageReport>,
}

impl OcrReport {
    /// Mean of the page confidences, weighted by words.
    pub fn mean_confidence(&self) -> Option<f32> {
        let (sum, words) = self
            .pages
            .iter()
            .filter_map(|p| p.confidence.map(|c| (c * p.words as f32, p.words)))
            .fold((0.0, 0u32), |(s, n), (c, w)| (s + c, n + w));
        (words > 0).then(|| (sum / words as f32 * 10.0).round() / 10.0)
    }
    pub fn rotated_pages(&self) -> Vec<u32> {
        self.pages
            .iter()
            .filter(|p| p.rotated != 0)
            .map(|p| p.page)
            .collect()
    }
    pub fn flagged_pages(&self) -> Vec<u32> {
        self.pages
            .iter()
            .filter(|p| !p.flags.is_empty())
            .map(|p| p.page)
            .collect()
    }
    pub fn failed_pages(&self) -> Vec<u32> {
        self.pages
            .iter()
            .filter(|p| p.error.is_some())
            .map(|p| p.page)
            .collect()
    }
}

/// The result of OCR on one part.
#[derive(Debug, Clone, Default)]
pub struct PartOcr {
    /// Recognised text per page (failed pages are absent).
    pub texts: Vec<(u32, String)>,
    pub report: OcrReport,
    /// Searchable PDF of the recognised pages, in page order.
    pub searchable_pdf: Option<Vec<u8>>,
    /// The pages the searchable PDF holds.
    pub rendition_pages: Vec<u32>,
}

/// Reads `pages` of one part. Never fails as a whole: every problem is on its page.
pub fn ocr_part(
    engine: &mut Engine,
    bytes: &[u8],
    media_type: &str,
    pages: &[u32],
    settings: &OcrSettings,
    scratch: &Path,
) -> PartOcr {
    let mut out = PartOcr {
        report: OcrReport {
            languages: settings.languages.clone(),
            pages: Vec::new(),
        },
        ..PartOcr::default()
    };
    let failed = PageReport::failed;
    let decoded = match decode::decode_pages_within(
        bytes,
        media_type,
        pages,
        settings.max_pixels,
        scratch,
        settings.page_timeout,
    ) {
        Ok(d) => d,
        Err(e) => {
            out.report.pages = pages.iter().map(|&p| failed(p, &e)).collect();
            return out;
        }
    };
    let workdir = tempfile::tempdir_in(scratch).ok();
    let mut renderer = match (&workdir, settings.searchable_pdf) {
        (Some(dir), true) => engine.pdf_renderer(dir.path(), "intake OCR").ok(),
        _ => None,
    };
    for (page, image) in decoded {
        let started = Instant::now();
        let result = image.and_then(|img| read_page(engine, img, settings));
        match result {
            Ok((text, mut report)) => {
                report.page = page;
                report.millis = started.elapsed().as_millis() as u64;
                if let Some(r) = renderer.as_mut() {
                    engine.add_page(r);
                    out.rendition_pages.push(page);
                }
                out.texts.push((page, text));
                out.report.pages.push(report);
            }
            Err(e) => {
                tracing::warn!(page, error = %e, "OCR of a page failed");
                let mut report = failed(page, &e);
                report.millis = started.elapsed().as_millis() as u64;
                out.report.pages.push(report);
            }
        }
    }
    out.searchable_pdf = renderer.and_then(|r| r.finish());
    if out.searchable_pdf.is_none() {
        out.rendition_pages.clear();
    }
    out
}

/// Below these a first reading counts as poor and orientation is checked.
const GOOD_CONFIDENCE: f32 = 70.0;
const GOOD_WORDS: u32 = 10;
/// Smaller skew is left alone (tesseract copes, and a turn costs sharpness).
const MIN_DESKEW_DEGREES: f32 = 0.25;
const MAX_DESKEW_DEGREES: f32 = 5.0;

/// One page: returns its text and report (page number and timing filled by the caller). The
/// engine holds this page's results afterwards (for the searchable PDF).
fn read_page(
    engine: &mut Engine,
    page: decode::PageImage,
    settings: &OcrSettings,
) -> Result<(String, PageReport), OcrError> {
    let glyph = preprocess::glyph_height(&page.image);
    let (image, dpi) = working_copy(page.image, page.dpi, settings.working_dpi, glyph);
    let blank = preprocess::is_blank(&image);
    let mut report = PageReport {
        page: 0,
        confidence: None,
        words: 0,
        rotated: 0,
        deskewed: 0.0,
        flags: Vec::new(),
        error: None,
        millis: 0,
        orientation: None,
    };
    let mut image = image;
    let ink = (!blank).then(|| preprocess::Ink::of(&image));
    // The skew of `image` as it is now (`None`: measure it before deskewing).
    let mut skew = None;
    // The ink proposes a turn; it is made only on orientation detection's or the reading's
    // word (orientation.rs).
    if let (true, Some(ink)) = (settings.detect_orientation, ink.as_ref()) {
        let look = orientation::from_ink(&image, ink, MAX_DESKEW_DEGREES);
        skew = look.skew;
        if !look.candidates.is_empty() {
            let check = orientation::check_proposal(
                engine,
                &image,
                dpi,
                &look.candidates,
                settings.page_timeout,
            )?;
            if check.verdict.turned() {
                image = preprocess::turn_cw(&image, check.rotate_cw);
                report.rotated = check.rotate_cw;
                // A half turn keeps the slope of the lines; a quarter turn needs a new look.
                if check.rotate_cw != 180 {
                    skew = None;
                }
            }
            report.orientation = Some(check);
        }
    }
    if report.rotated == 0 && skew.is_none() {
        skew = ink.as_ref().and_then(|i| i.skew(MAX_DESKEW_DEGREES));
    }
    if settings.deskew && !blank {
        let skew = skew.or_else(|| preprocess::Ink::of(&image).skew(MAX_DESKEW_DEGREES));
        (image, report.deskewed) = deskew_by(image, skew);
    }
    let mut best = engine.recognize(&image, dpi, settings.page_timeout)?;
    let poor = |r: &Recognized| {
        r.mean_confidence().unwrap_or(0.0) < GOOD_CONFIDENCE
            || (r.word_confidences.len() as u32) < GOOD_WORDS
    };
    // Read poorly and not turned: a turn orientation detection hints at (or an unclear check
    // left open) is tried on the whole page, and made only if the reading says so.
    if settings.detect_orientation && !blank && report.rotated == 0 && poor(&best) {
        let open =
            orientation::after_poor_reading(engine, &image, dpi, report.orientation.as_ref())?;
        if let Some(mut check) = open {
            let turn = check.candidates[0];
            let mut turned = preprocess::turn_cw(&image, turn);
            let mut skew = report.deskewed;
            if settings.deskew && turn != 180 {
                let found = preprocess::Ink::of(&turned).skew(MAX_DESKEW_DEGREES);
                (turned, skew) = deskew_by(turned, found);
            }
            let second = engine.recognize(&turned, dpi, settings.page_timeout)?;
            orientation::judge_full_readings(
                &mut check,
                turn,
                ReadingQuality::of(&best),
                ReadingQuality::of(&second),
            );
            if check.verdict.turned() {
                best = second;
                report.rotated = turn;
                report.deskewed = skew;
            } else {
                // Keep the first reading; the engine must hold it for the archive copy.
                best = engine.recognize(&image, dpi, settings.page_timeout)?;
            }
            report.orientation = Some(check);
        }
    }
    report.words = best.word_confidences.len() as u32;
    report.confidence = best.mean_confidence().map(|c| (c * 10.0).round() / 10.0);
    if blank {
        report.flags.push(PageFlag::Blank);
    } else {
        if report.confidence.unwrap_or(0.0) < settings.min_confidence {
            report.flags.push(PageFlag::LowConfidence);
        }
        if report.words < settings.min_words {
            report.flags.push(PageFlag::LittleText);
        }
        if report
            .orientation
            .as_ref()
            .is_some_and(|c| c.verdict == Verdict::Unclear)
        {
            report.flags.push(PageFlag::OrientationUnclear);
        }
    }
    Ok((tidy(&best.text), report))
}

/// Text whose glyphs ([`preprocess::glyph_height`]) are smaller than this is scaled up…
const MIN_GLYPH_PX: f32 = 12.0;
/// …to this glyph height (tesseract's layout analysis loses small print; the CLI reads it as
/// it is and does no better).
const TARGET_GLYPH_PX: f32 = 18.0;
const MAX_UPSCALE: f64 = 4.0;
/// An enlarged page stays below this many pixels (a 300 dpi A4 page has 8.7 million).
const MAX_UPSCALED_PIXELS: f64 = 12e6;
/// Reducing to the working resolution stops where glyphs would get smaller than this: the
/// size of 10.5 pt print at 200 dpi, which the OCR benchmark's letters are read best at.
const MIN_REDUCED_GLYPH_PX: f32 = 16.0;

/// The page at the size it is read at, and the resolution that gives it. Scans finer than
/// `working_dpi` (by more than a tenth) are reduced to it: tesseract's layout analysis and
/// thresholding cost grows with the pixels, the text recognizer scales each line to a fixed
/// height anyway, and averaging smooths scanner noise and JPEG artefacts (measured on the OCR
/// benchmark's degraded 10.5 pt letters: 22 % less recognition time and a lower error rate
/// than at 240–300 dpi) — but never so far that the glyphs get smaller than 16 px. Small
/// print (glyphs under 12 px: a screenshot, a snippet, a 100 dpi fax) is enlarged to 18 px
/// instead, whatever the file says its resolution is. `glyph` is the page's
/// [`preprocess::glyph_height`].
fn working_copy(
    image: image::GrayImage,
    dpi: u32,
    working_dpi: u32,
    glyph: Option<f32>,
) -> (image::GrayImage, u32) {
    let mut f = if working_dpi == 0 || u64::from(dpi) * 10 <= u64::from(working_dpi) * 11 {
        1.0
    } else {
        f64::from(working_dpi) / f64::from(dpi)
    };
    match glyph {
        Some(g) if g < MIN_GLYPH_PX => {
            let pixels = f64::from(image.width()) * f64::from(image.height());
            f = f64::from(TARGET_GLYPH_PX / g)
                .min(MAX_UPSCALE)
                .min((MAX_UPSCALED_PIXELS / pixels).sqrt())
                .max(1.0);
        }
        Some(g) if f < 1.0 => f = f.max(f64::from(MIN_REDUCED_GLYPH_PX / g)).min(1.0),
        _ => {}
    }
    if (0.91..1.1).contains(&f) {
        return (image, dpi);
    }
    let (w, h) = (
        (f64::from(image.width()) * f).round().max(3.0) as u32,
        (f64::from(image.height()) * f).round().max(3.0) as u32,
    );
    let to = (f64::from(dpi) * f).round() as u32;
    tracing::debug!(from = dpi, to, ?glyph, "page scaled to its working size");
    let image = if f < 1.0 {
        preprocess::shrink(&image, w, h)
    } else {
        image::imageops::resize(&image, w, h, image::imageops::FilterType::CatmullRom)
    };
    (image, to)
}

/// Straightens a slightly skewed page by its measured `skew` if that is worth it and
/// believable; returns the image and the skew corrected.
fn deskew_by(image: image::GrayImage, skew: Option<f32>) -> (image::GrayImage, f32) {
    match skew {
        Some(a) if a.abs() >= MIN_DESKEW_DEGREES && a.abs() < MAX_DESKEW_DEGREES - 0.3 => {
            (preprocess::rotate_small(&image, -a), a)
        }
        _ => (image, 0.0),
    }
}

/// tesseract's text: lines kept, runs of blank lines folded into one, trailing space gone.
fn tidy(text: &str) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in text.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push('\n');
            blank = false;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

/// Puts OCR text into a part's text: PDFs keep one segment per page (separated by
/// `page_break`) and get the OCR'd pages filled in; images get their pages joined.
pub fn merge_text(
    existing: &str,
    pages: Option<u32>,
    ocr: &[(u32, String)],
    page_break: &str,
) -> String {
    let count = pages.unwrap_or(1).max(1) as usize;
    let mut segments: Vec<String> = if existing.is_empty() {
        vec![String::new(); count]
    } else {
        existing.split(page_break).map(str::to_string).collect()
    };
    if segments.len() < count {
        segments.resize(count, String::new());
    }
    for (page, text) in ocr {
        if let Some(seg) = segments.get_mut((*page as usize).saturating_sub(1)) {
            if seg.trim().is_empty() {
                *seg = text.clone();
            }
        }
    }
    if segments.iter().all(|s| s.is_empty()) {
        return String::new();
    }
    segments.join(page_break)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_fills_the_ocr_pages() {
        let br = "\n\x0c\n";
        assert_eq!(
            merge_text(
                "eins\n\x0c\n\n\x0c\ndrei",
                Some(3),
                &[(2, "zwei".into())],
                br
            ),
            "eins\n\x0c\nzwei\n\x0c\ndrei"
        );
        assert_eq!(
            merge_text("", Some(2), &[(1, "a".into()), (2, "b".into())], br),
            "a\n\x0c\nb"
        );
        assert_eq!(merge_text("", Some(1), &[], br), "");
    }

    #[test]
    fn finer_scans_are_read_at_the_working_resolution() {
        let a4 = |dpi: f32| {
            image::GrayImage::from_pixel(
                (8.27 * dpi) as u32,
                (11.69 * dpi) as u32,
                image::Luma([240]),
            )
        };
        let page = a4(300.0);
        let (w, h) = page.dimensions();
        let (img, dpi) = working_copy(page, 300, 200, None);
        let two_thirds = |n: u32| (f64::from(n) * 2.0 / 3.0).round() as u32;
        assert_eq!(
            (img.dimensions(), dpi),
            ((two_thirds(w), two_thirds(h)), 200)
        );
        // Within a tenth of the working resolution, or with it switched off: untouched.
        let (img, dpi) = working_copy(a4(216.0), 216, 200, None);
        assert_eq!((img.width(), dpi), ((8.27f32 * 216.0) as u32, 216));
        let (img, dpi) = working_copy(a4(300.0), 300, 0, None);
        assert_eq!((img.width(), dpi), (2481, 300));
    }

    #[test]
    fn small_print_is_enlarged_and_never_reduced_below_a_readable_size() {
        let snippet = || image::GrayImage::from_pixel(957, 307, image::Luma([250]));
        // Glyphs of 9 px on an image of unknown resolution (taken as 300 dpi): enlarged to
        // 18 px, not reduced to the working resolution.
        let (img, dpi) = working_copy(snippet(), 300, 200, Some(9.0));
        assert_eq!((img.dimensions(), dpi), ((1914, 614), 600));
        // Glyphs of 20 px at 300 dpi: reduced only to 16 px (not to 200 dpi's 13 px).
        let page = image::GrayImage::from_pixel(2480, 3508, image::Luma([250]));
        let (img, dpi) = working_copy(page, 300, 200, Some(20.0));
        assert_eq!((img.width(), dpi), (1984, 240));
        // An enlarged page stays within the pixel bound.
        let big = image::GrayImage::from_pixel(3000, 3000, image::Luma([250]));
        let (img, _) = working_copy(big, 300, 200, Some(6.0));
        assert!(f64::from(img.width()) * f64::from(img.height()) <= MAX_UPSCALED_PIXELS);
    }

    #[test]
    fn tidy_folds_blank_lines() {
        assert_eq!(tidy("a  \n\n\n b\n\x0c"), "a\n\n b");
    }

    #[test]
    fn report_summary() {
        let page = |page, confidence, words, rotated, flags: Vec<PageFlag>| PageReport {
            page,
            confidence,
            words,
            rotated,
            deskewed: 0.0,
            flags,
            error: None,
            millis: 0,
            orientation: None,
        };
        let r = OcrReport {
            languages: "deu".into(),
            pages: vec![
                page(1, Some(90.0), 30, 0, vec![]),
                page(2, Some(60.0), 10, 180, vec![PageFlag::LowConfidence]),
                page(3, None, 0, 0, vec![PageFlag::Blank]),
            ],
        };
        assert_eq!(r.mean_confidence(), Some(82.5));
        assert_eq!(r.rotated_pages(), vec![2]);
        assert_eq!(r.flagged_pages(), vec![2, 3]);
    }
}
