//! Which way up a page is read: turned only on evidence that would convince a person.
//!
//! Owns: the proposal from the ink (lines running top to bottom: a quarter turn; more ink
//! below the lines' x-height band than above: a half turn — cheap, ~5 ms, and wrong on some
//! ruled tables and display type), and the check of a proposal: orientation detection (OSD)
//! sure of the turn decides alone; otherwise a sample strip of the page is read as scanned
//! and turned, and the turn is made only if the turned reading clearly beats the page as
//! scanned (word confidence and share of dictionary words). Without clear evidence the page
//! stays as scanned and the verdict says the orientation is unclear. An upright page whose
//! ink looks upright costs nothing here.
//! Takes: the grey page at the working resolution, its [`Ink`], an [`Engine`]. Gives: the
//! clockwise turn to make and an [`OrientationCheck`] for the page report. Blocking, CPU: up
//! to one OSD and three strip readings (about one page's recognition) when a turn is proposed.

use image::GrayImage;
use serde::{Deserialize, Serialize};

use super::engine::{Engine, Orientation, Recognized};
use super::preprocess::{self, Ink};
use super::OcrError;

/// The ink above the lines' x-height band over the ink below it ([`preprocess::ascender_ratio`]):
/// at or above `CLEARLY_UPRIGHT` a quarter-turned page is taken as upright (so the turn the
/// other way is not considered), at or below `CLEARLY_UPSIDE_DOWN` as upside down; below
/// `LOOKS_UPSIDE_DOWN` a page proposes a half turn. On the generated letters 1.23–3.08
/// upright, 0.37–1.05 upside down; on real pages an upright two-column page gave 0.43 and an
/// upright ruled table, fed as is, looked sideways — so these only propose.
const CLEARLY_UPRIGHT: f32 = 1.4;
const CLEARLY_UPSIDE_DOWN: f32 = 0.75;
const LOOKS_UPSIDE_DOWN: f32 = 0.95;
/// Orientation detection at least this sure decides alone. On the OCR evaluation's real pages
/// and the generated letters (upright and turned, BENCHMARKS.md) its right answers had
/// 2.3–32, its wrong ones (a ruled table) up to 5.0; tesseract's own margin is 7.
const DETECTION_SURE: f32 = 8.0;
/// Below this orientation detection's answer is not even a hint.
const DETECTION_HINT: f32 = 1.5;
/// A sample strip is a quarter of the page across the text lines, at least this many pixels
/// (about ten lines of 10 pt print at 200 dpi); smaller pages are read whole.
const MIN_STRIP: u32 = 500;
/// A reading clearly beats another with this much more mean word confidence…
const CLEAR_CONFIDENCE: f32 = 10.0;
/// …or this much larger a share of dictionary words (and not less confidence).
const CLEAR_DICTIONARY: f32 = 0.2;
/// A reading with fewer words proves nothing.
const MIN_WORDS: u32 = 4;

/// How well a sample was read: mean word confidence (0–100), share of words of three or more
/// letters the dictionary knows (0–1), words.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReadingQuality {
    pub confidence: f32,
    pub dictionary: f32,
    pub words: u32,
}

impl ReadingQuality {
    pub fn of(r: &Recognized) -> ReadingQuality {
        ReadingQuality {
            confidence: (r.mean_confidence().unwrap_or(0.0) * 10.0).round() / 10.0,
            dictionary: (r.dictionary_share.unwrap_or(0.0) * 100.0).round() / 100.0,
            words: r.word_confidences.len() as u32,
        }
    }

    /// Whether this reading is clearly better than `other`: enough words, and clearly more
    /// confident (with no fewer dictionary words), or clearly more dictionary words (with no
    /// less confidence).
    pub fn clearly_beats(&self, other: &ReadingQuality) -> bool {
        let conf = self.confidence - other.confidence;
        let dict = self.dictionary - other.dictionary;
        self.words >= MIN_WORDS
            && ((conf >= CLEAR_CONFIDENCE && dict >= -0.05)
                || (dict >= CLEAR_DICTIONARY && conf >= 0.0))
    }
}

/// What suggested that the page might be turned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Suggestion {
    /// The ink profile (lines running top to bottom, or more ink below the lines than above).
    InkProfile,
    /// The page as scanned read poorly and orientation detection hinted at a turn.
    PoorReading,
}

/// What was decided and on which evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Turned: orientation detection was sure.
    TurnedByDetection,
    /// Turned: the turned page read clearly better than the page as scanned.
    TurnedByReading,
    /// Kept as scanned: orientation detection was sure it is upright.
    KeptByDetection,
    /// Kept as scanned: it read clearly better than turned.
    KeptByReading,
    /// Kept as scanned: no clear evidence either way (the page is flagged).
    Unclear,
}

impl Verdict {
    pub fn turned(self) -> bool {
        matches!(self, Verdict::TurnedByDetection | Verdict::TurnedByReading)
    }
}

/// The account of an orientation check, kept in the page report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrientationCheck {
    pub suggested_by: Suggestion,
    /// The clockwise turns considered.
    pub candidates: Vec<u16>,
    /// Orientation detection's answer, when it was asked and could tell.
    pub detection: Option<Orientation>,
    /// The sample (a strip, or the whole page after a poor reading) as scanned and with the
    /// best candidate turn, when they were read.
    pub scanned: Option<ReadingQuality>,
    pub turned: Option<ReadingQuality>,
    pub verdict: Verdict,
    /// The turn made (clockwise degrees; 0 when kept).
    pub rotate_cw: u16,
}

/// What the ink says: the turns worth checking (empty: the page looks upright) and, when
/// the lines run across the page, its skew (reused for deskewing).
pub struct InkLook {
    pub candidates: Vec<u16>,
    pub skew: Option<f32>,
}

/// The cheap look at the ink: proposes, never decides.
pub fn from_ink(image: &GrayImage, ink: &Ink, max_skew: f32) -> InkLook {
    if ink.sideways() {
        // Lines run top to bottom: a quarter turn clockwise makes the page upright or upside
        // down, and the ink profile of its lines may say which.
        let quarter = preprocess::turn_cw(image, 90);
        let skew = Ink::of(&quarter).skew(max_skew).unwrap_or(0.0);
        let candidates = match preprocess::ascender_ratio(&quarter, skew) {
            Some(r) if r >= CLEARLY_UPRIGHT => vec![90],
            Some(r) if r <= CLEARLY_UPSIDE_DOWN => vec![270],
            _ => vec![90, 270],
        };
        return InkLook {
            candidates,
            skew: None,
        };
    }
    let skew = ink.skew(max_skew);
    let candidates = match preprocess::ascender_ratio(image, skew.unwrap_or(0.0)) {
        Some(r) if r < LOOKS_UPSIDE_DOWN => vec![180],
        _ => Vec::new(),
    };
    InkLook { candidates, skew }
}

/// Checks the turns the ink proposed (`candidates`, not empty) before anything is read.
pub fn check_proposal(
    engine: &mut Engine,
    image: &GrayImage,
    dpi: u32,
    candidates: &[u16],
    timeout: std::time::Duration,
) -> Result<OrientationCheck, OcrError> {
    let detection = detect(engine, image, dpi)?;
    let mut check = OrientationCheck {
        suggested_by: Suggestion::InkProfile,
        candidates: candidates.to_vec(),
        detection,
        scanned: None,
        turned: None,
        verdict: Verdict::Unclear,
        rotate_cw: 0,
    };
    if let Some(o) = detection.filter(|o| o.confidence >= DETECTION_SURE) {
        if candidates.contains(&o.rotate_cw) {
            (check.verdict, check.rotate_cw) = (Verdict::TurnedByDetection, o.rotate_cw);
            return Ok(check);
        }
        if o.rotate_cw == 0 {
            check.verdict = Verdict::KeptByDetection;
            return Ok(check);
        }
    }
    // Read a strip across the lines as scanned and turned; orientation detection's hint (if
    // it is one of the candidates) is tried first.
    let mut order = candidates.to_vec();
    if let Some(o) = detection.filter(|o| o.confidence >= DETECTION_HINT) {
        order.sort_by_key(|&c| c != o.rotate_cw);
    }
    let strip = sample_strip(image, order[0]);
    let scanned = ReadingQuality::of(&engine.recognize(&strip, dpi, timeout)?);
    let mut best: Option<(u16, ReadingQuality)> = None;
    for &c in &order {
        let turned =
            ReadingQuality::of(&engine.recognize(&preprocess::turn_cw(&strip, c), dpi, timeout)?);
        tracing::debug!(turn = c, ?scanned, ?turned, "orientation: strip read");
        if best.is_none_or(|(_, b)| turned.clearly_beats(&b)) {
            best = Some((c, turned));
        }
        if turned.clearly_beats(&scanned) {
            break;
        }
    }
    let (c, turned) = best.expect("at least one candidate");
    check.scanned = Some(scanned);
    check.turned = Some(turned);
    if turned.clearly_beats(&scanned) {
        (check.verdict, check.rotate_cw) = (Verdict::TurnedByReading, c);
    } else if scanned.clearly_beats(&turned) {
        check.verdict = Verdict::KeptByReading;
    }
    // For an unclear verdict the best candidate is kept in `candidates` first, for the check
    // after a poor reading.
    check.candidates.sort_by_key(|&x| x != c);
    Ok(check)
}

/// The turn worth trying after the page as scanned read poorly: the best candidate of an
/// unclear check, or orientation detection's hint when nothing was checked yet. `None` when
/// a check already settled the question or detection sees no turn.
pub fn after_poor_reading(
    engine: &mut Engine,
    image: &GrayImage,
    dpi: u32,
    earlier: Option<&OrientationCheck>,
) -> Result<Option<OrientationCheck>, OcrError> {
    match earlier {
        Some(c) if c.verdict == Verdict::Unclear => Ok(Some(c.clone())),
        Some(_) => Ok(None),
        None => {
            let detection = detect(engine, image, dpi)?;
            Ok(detection
                .filter(|o| o.rotate_cw != 0 && o.confidence >= DETECTION_HINT)
                .map(|o| OrientationCheck {
                    suggested_by: Suggestion::PoorReading,
                    candidates: vec![o.rotate_cw],
                    detection,
                    scanned: None,
                    turned: None,
                    verdict: Verdict::Unclear,
                    rotate_cw: 0,
                }))
        }
    }
}

/// The verdict on two readings of the whole page: the turn is made if the turned page reads
/// clearly better, or if orientation detection was sure of it and the turned page does not
/// read clearly worse.
pub fn judge_full_readings(
    check: &mut OrientationCheck,
    turn: u16,
    scanned: ReadingQuality,
    turned: ReadingQuality,
) {
    check.scanned = Some(scanned);
    check.turned = Some(turned);
    let sure = check
        .detection
        .is_some_and(|o| o.rotate_cw == turn && o.confidence >= DETECTION_SURE);
    (check.verdict, check.rotate_cw) = if turned.clearly_beats(&scanned) {
        (Verdict::TurnedByReading, turn)
    } else if sure && !scanned.clearly_beats(&turned) {
        (Verdict::TurnedByDetection, turn)
    } else if scanned.clearly_beats(&turned) {
        (Verdict::KeptByReading, 0)
    } else {
        (Verdict::Unclear, 0)
    };
}

/// The part of the page read as a sample for the turn `turn`: a quarter of the page across
/// its text lines (rows for a half turn, columns for a quarter turn) where the ink is
/// densest, the whole page when it is small. Returned as scanned (not turned).
fn sample_strip(image: &GrayImage, turn: u16) -> GrayImage {
    let across_columns = turn % 180 == 90;
    let (w, h) = image.dimensions();
    let len = if across_columns { w } else { h };
    let size = (len / 4).max(MIN_STRIP);
    if size >= len {
        return image.clone();
    }
    // Ink per row (or column), sampled every other pixel.
    let t = preprocess::ink_level(image);
    let mut profile = vec![0u32; len as usize];
    for (y, row) in image
        .as_raw()
        .chunks_exact(w as usize)
        .enumerate()
        .step_by(2)
    {
        for (x, &p) in row.iter().enumerate().step_by(2) {
            if p < t {
                profile[if across_columns { x } else { y }] += 1;
            }
        }
    }
    let size = size as usize;
    let mut sum: u64 = profile[..size].iter().map(|&c| u64::from(c)).sum();
    let (mut best, mut best_at) = (sum, 0usize);
    for start in 1..=(profile.len() - size) {
        sum = sum + u64::from(profile[start + size - 1]) - u64::from(profile[start - 1]);
        if sum > best {
            (best, best_at) = (sum, start);
        }
    }
    let (x, y, sw, sh) = if across_columns {
        (best_at as u32, 0, size as u32, h)
    } else {
        (0, best_at as u32, w, size as u32)
    };
    image::imageops::crop_imm(image, x, y, sw, sh).to_image()
}

/// Orientation detection on a copy of about 150 dpi: as reliable on letter-sized text and
/// several times cheaper than on a 300 dpi page.
fn detect(
    engine: &mut Engine,
    image: &GrayImage,
    dpi: u32,
) -> Result<Option<Orientation>, OcrError> {
    let factor = (dpi / 150).max(1);
    if factor == 1 {
        return engine.detect_orientation(image, dpi);
    }
    let small = preprocess::shrink(image, image.width() / factor, image.height() / factor);
    engine.detect_orientation(&small, dpi / factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(confidence: f32, dictionary: f32, words: u32) -> ReadingQuality {
        ReadingQuality {
            confidence,
            dictionary,
            words,
        }
    }

    #[test]
    fn only_a_clear_margin_counts() {
        // Upside-down garbage against the upright reading.
        assert!(q(88.0, 0.7, 40).clearly_beats(&q(45.0, 0.1, 35)));
        assert!(!q(45.0, 0.1, 35).clearly_beats(&q(88.0, 0.7, 40)));
        // A ruled table reads poorly both ways: neither wins.
        assert!(!q(58.0, 0.3, 30).clearly_beats(&q(52.0, 0.25, 28)));
        assert!(!q(52.0, 0.25, 28).clearly_beats(&q(58.0, 0.3, 30)));
        // More dictionary words at the same confidence count.
        assert!(q(70.0, 0.6, 30).clearly_beats(&q(70.0, 0.3, 30)));
        // Three confident words prove nothing.
        assert!(!q(95.0, 1.0, 3).clearly_beats(&q(30.0, 0.0, 10)));
    }

    /// Needs tesseract with `deu`, `eng` and `osd` (as engine.rs's test).
    #[test]
    fn a_proposed_turn_is_made_only_on_evidence() {
        use std::time::Duration;
        let mut engine = crate::ocr::OcrSettings::default().engine().unwrap();
        let timeout = Duration::from_secs(60);
        // The ink of an upright ruled table proposes a turn (rules and columns look like
        // lines running top to bottom); the check refuses it.
        let (table, _) = crate::samples::scan::ruled_table_page().unwrap();
        let look = from_ink(&table, &Ink::of(&table), 5.0);
        assert!(!look.candidates.is_empty(), "the ink proposes no turn");
        let check = check_proposal(&mut engine, &table, 200, &look.candidates, timeout).unwrap();
        assert!(!check.verdict.turned(), "{check:?}");
        assert_eq!(check.rotate_cw, 0);
        // An upright letter with a half turn proposed stays; upside down it is turned back.
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/scans/letter.png");
        let letter = image::open(path).unwrap().to_luma8();
        let check = check_proposal(&mut engine, &letter, 200, &[180], timeout).unwrap();
        assert!(!check.verdict.turned(), "{check:?}");
        let upside_down = preprocess::turn_cw(&letter, 180);
        let check = check_proposal(&mut engine, &upside_down, 200, &[180], timeout).unwrap();
        assert_eq!(
            (check.verdict.turned(), check.rotate_cw),
            (true, 180),
            "{check:?}"
        );
    }

    #[test]
    fn the_strip_is_where_the_ink_is() {
        let mut page = GrayImage::from_pixel(1000, 2400, image::Luma([250]));
        for y in 1500..1900 {
            for x in (100..900).step_by(3) {
                page.put_pixel(x, y, image::Luma([20]));
            }
        }
        let rows = sample_strip(&page, 180);
        assert_eq!(rows.dimensions(), (1000, 600));
        let dark = rows.pixels().filter(|p| p.0[0] < 128).count();
        assert!(dark > 400 * 260, "{dark}");
        let cols = sample_strip(&page, 90);
        assert_eq!(cols.dimensions(), (500, 2400));
        // A small page is read whole.
        let small = GrayImage::from_pixel(400, 300, image::Luma([250]));
        assert_eq!(sample_strip(&small, 90).dimensions(), (400, 300));
    }
}
