//! The one place intake calls libtesseract: a safe wrapper over `tesseract-sys` (the C API).
//!
//! Owns: an [`Engine`] (one recognition handle with the configured languages and page
//! segmentation mode, plus one orientation-detection handle with `osd`), created once per
//! worker and reused for every page; recognition of a grey page with a deadline (tesseract's
//! `ETEXT_DESC` monitor); orientation detection (`TessBaseAPIDetectOrientationScript`); and
//! the searchable-PDF renderer ([`PdfRenderer`], tesseract's own PDF output: the page image
//! with an invisible text layer).
//! Takes: 8-bit grey images and their resolution. Gives: text, word confidences and the share
//! of dictionary words,
//! orientation, PDF bytes. Blocks (CPU) for the duration of a page.
//!
//! Why the raw API and not the `tesseract` crate: that crate hides its handle, so it cannot
//! pass a monitor (no per-page timeout), detect orientation, or drive the PDF renderer —
//! the three things this issue needs beyond plain recognition.
#![allow(unsafe_code)]

use std::ffi::{CStr, CString};
use std::path::{Path, PathBuf};
use std::ptr::{self, NonNull};
use std::time::{Duration, Instant};

use image::GrayImage;
use tesseract_sys as sys;

use super::OcrError;

/// Result of recognising one page.
#[derive(Debug, Clone, PartialEq)]
pub struct Recognized {
    pub text: String,
    /// Confidence (0–100) of each recognised word, in reading order.
    pub word_confidences: Vec<u8>,
    /// Of the words of three or more letters, the share the language model's dictionary
    /// knows (tesseract's `IsValidWord`); `None` without such words. Text read upside down or
    /// sideways is nearly never dictionary words, even where its confidence looks fair.
    pub dictionary_share: Option<f32>,
}

impl Recognized {
    /// Mean word confidence, `None` without words.
    pub fn mean_confidence(&self) -> Option<f32> {
        (!self.word_confidences.is_empty()).then(|| {
            self.word_confidences
                .iter()
                .map(|&c| f32::from(c))
                .sum::<f32>()
                / self.word_confidences.len() as f32
        })
    }
}

/// What orientation detection says: the page must be turned `rotate_cw` degrees clockwise
/// (0, 90, 180, 270) to be upright, with tesseract's confidence (≥ 2 is usually right).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Orientation {
    pub rotate_cw: u16,
    pub confidence: f32,
}

/// Owned `TessBaseAPI` handle.
struct Handle(NonNull<sys::TessBaseAPI>);

// A TessBaseAPI may move between threads; it is used by one thread at a time (&mut self).
unsafe impl Send for Handle {}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle came from TessBaseAPICreate and is deleted once.
        unsafe {
            sys::TessBaseAPIEnd(self.0.as_ptr());
            sys::TessBaseAPIDelete(self.0.as_ptr());
        }
    }
}

impl Handle {
    fn init(datapath: Option<&Path>, languages: &str) -> Result<Handle, OcrError> {
        let init_err = |detail: String| OcrError::Init {
            languages: languages.to_string(),
            detail,
        };
        let lang = CString::new(languages).map_err(|e| init_err(e.to_string()))?;
        let path = datapath
            .map(|p| CString::new(p.as_os_str().as_encoded_bytes()))
            .transpose()
            .map_err(|e| init_err(e.to_string()))?;
        // SAFETY: plain constructor.
        let raw = NonNull::new(unsafe { sys::TessBaseAPICreate() })
            .ok_or_else(|| init_err("TessBaseAPICreate returned null".into()))?;
        let handle = Handle(raw);
        // SAFETY: valid handle, NUL-terminated strings that outlive the call.
        let rc = unsafe {
            sys::TessBaseAPIInit3(
                handle.0.as_ptr(),
                path.as_ref().map_or(ptr::null(), |p| p.as_ptr()),
                lang.as_ptr(),
            )
        };
        if rc != 0 {
            return Err(init_err(format!(
                "tesseract could not load the language data (is tesseract-ocr-{} installed? \
                 `apt-get install tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng tesseract-ocr-osd` or `make deps`)",
                languages.split('+').next().unwrap_or(languages)
            )));
        }
        Ok(handle)
    }

    fn ptr(&self) -> *mut sys::TessBaseAPI {
        self.0.as_ptr()
    }

    fn set_variable(&mut self, name: &str, value: &str) {
        if let (Ok(n), Ok(v)) = (CString::new(name), CString::new(value)) {
            // SAFETY: valid handle and strings.
            unsafe { sys::TessBaseAPISetVariable(self.ptr(), n.as_ptr(), v.as_ptr()) };
        }
    }

    /// Hands tesseract a grey image (it copies the pixels).
    fn set_image(&mut self, img: &GrayImage, dpi: u32) -> Result<(), OcrError> {
        let (w, h) = (img.width(), img.height());
        if w < 3 || h < 3 || w > i32::MAX as u32 || h > i32::MAX as u32 {
            return Err(OcrError::Image(format!("unusable page size {w}×{h}")));
        }
        // SAFETY: the buffer holds w*h bytes (1 byte per pixel, rows of w bytes); tesseract
        // copies it into its own Pix before returning.
        unsafe {
            sys::TessBaseAPISetImage(
                self.ptr(),
                img.as_raw().as_ptr(),
                w as i32,
                h as i32,
                1,
                w as i32,
            );
            sys::TessBaseAPISetSourceResolution(self.ptr(), dpi.clamp(70, 1200) as i32);
        }
        Ok(())
    }
}

/// Owned `ETEXT_DESC` progress monitor carrying the deadline.
struct Monitor(NonNull<sys::ETEXT_DESC>);

impl Drop for Monitor {
    fn drop(&mut self) {
        // SAFETY: created by TessMonitorCreate, deleted once.
        unsafe { sys::TessMonitorDelete(self.0.as_ptr()) }
    }
}

/// Tesseract page segmentation modes intake uses (see PLATFORM.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegMode {
    /// Fully automatic layout, no orientation detection (the CLI's default, mode 3).
    Auto,
    /// Automatic layout with orientation detection (mode 1).
    AutoOsd,
}

/// One worker's tesseract: a recognition handle and an orientation handle, each loaded once.
pub struct Engine {
    recog: Handle,
    osd: Option<Handle>,
    datapath: Option<PathBuf>,
}

impl Engine {
    /// Loads `languages` (e.g. `deu+eng`) from `datapath` (tesseract's default when `None`)
    /// and, when `with_osd`, the `osd` model for orientation detection.
    pub fn new(
        datapath: Option<&Path>,
        languages: &str,
        mode: SegMode,
        with_osd: bool,
    ) -> Result<Engine, OcrError> {
        let mut recog = Handle::init(datapath, languages)?;
        let psm = match mode {
            SegMode::Auto => sys::TessPageSegMode_PSM_AUTO,
            SegMode::AutoOsd => sys::TessPageSegMode_PSM_AUTO_OSD,
        };
        // SAFETY: valid handle.
        unsafe { sys::TessBaseAPISetPageSegMode(recog.ptr(), psm) };
        // Smaller archive copies; the page image in a searchable PDF is for reading, not re-OCR.
        recog.set_variable("jpg_quality", "60");
        let osd = if with_osd {
            let mut h = Handle::init(datapath, "osd")?;
            // SAFETY: valid handle.
            unsafe { sys::TessBaseAPISetPageSegMode(h.ptr(), sys::TessPageSegMode_PSM_OSD_ONLY) };
            h.set_variable("debug_file", "/dev/null");
            Some(h)
        } else {
            None
        };
        Ok(Engine {
            recog,
            osd,
            datapath: datapath.map(Path::to_path_buf),
        })
    }

    /// Recognises one page, giving up after `timeout` (a page that runs out of time is an
    /// error, its partial text is discarded).
    pub fn recognize(
        &mut self,
        img: &GrayImage,
        dpi: u32,
        timeout: Duration,
    ) -> Result<Recognized, OcrError> {
        self.recog.set_image(img, dpi)?;
        // SAFETY: plain constructor.
        let monitor = Monitor(
            NonNull::new(unsafe { sys::TessMonitorCreate() })
                .ok_or_else(|| OcrError::Engine("TessMonitorCreate returned null".into()))?,
        );
        let ms = timeout.as_millis().clamp(1, i32::MAX as u128) as i32;
        let started = Instant::now();
        // SAFETY: valid handle and monitor; the deadline counts from now.
        let rc = unsafe {
            sys::TessMonitorSetDeadlineMSecs(monitor.0.as_ptr(), ms);
            sys::TessBaseAPIRecognize(self.recog.ptr(), monitor.0.as_ptr())
        };
        if rc != 0 {
            // SAFETY: valid handle.
            unsafe { sys::TessBaseAPIClear(self.recog.ptr()) };
            return Err(if started.elapsed() >= timeout {
                OcrError::Timeout { after: timeout }
            } else {
                OcrError::Engine("recognition failed".into())
            });
        }
        // SAFETY: valid handle after a successful Recognize; the returned buffers are owned
        // by us and freed with the matching Tess*Delete* call.
        let text = unsafe {
            let raw = sys::TessBaseAPIGetUTF8Text(self.recog.ptr());
            if raw.is_null() {
                String::new()
            } else {
                let s = CStr::from_ptr(raw).to_string_lossy().into_owned();
                sys::TessDeleteText(raw);
                s
            }
        };
        let word_confidences = unsafe {
            let raw = sys::TessBaseAPIAllWordConfidences(self.recog.ptr());
            let mut out = Vec::new();
            if !raw.is_null() {
                let mut i = 0;
                loop {
                    let c = *raw.add(i);
                    if c < 0 {
                        break;
                    }
                    out.push(c.min(100) as u8);
                    i += 1;
                }
                sys::TessDeleteIntArray(raw);
            }
            out
        };
        let dictionary_share = self.dictionary_share(&text);
        // The page's results stay in the handle until the next page, so the caller can still
        // add them to a searchable PDF (`add_page`) once it decided to keep them.
        Ok(Recognized {
            text,
            word_confidences,
            dictionary_share,
        })
    }

    /// Share of the words of three or more letters (punctuation at either end dropped) that
    /// the dictionary of the recognition languages knows, also in lower case.
    fn dictionary_share(&mut self, text: &str) -> Option<f32> {
        let (mut checked, mut known) = (0u32, 0u32);
        for word in text.split_whitespace() {
            let word = word.trim_matches(|c: char| !c.is_alphabetic());
            if word.chars().count() < 3 || !word.chars().all(char::is_alphabetic) {
                continue;
            }
            checked += 1;
            let valid = |w: &str| {
                CString::new(w).is_ok_and(|c| {
                    // SAFETY: valid handle, NUL-terminated string that outlives the call.
                    unsafe { sys::TessBaseAPIIsValidWord(self.recog.ptr(), c.as_ptr()) != 0 }
                })
            };
            if valid(word) || valid(&word.to_lowercase()) {
                known += 1;
            }
        }
        (checked > 0).then(|| known as f32 / checked as f32)
    }

    /// Detects how the page is turned. `None` when there is too little text to tell, or the
    /// engine was created without orientation detection.
    pub fn detect_orientation(
        &mut self,
        img: &GrayImage,
        dpi: u32,
    ) -> Result<Option<Orientation>, OcrError> {
        let Some(osd) = self.osd.as_mut() else {
            return Ok(None);
        };
        osd.set_image(img, dpi)?;
        let mut degrees: i32 = 0;
        let mut confidence: f32 = 0.0;
        let mut script: *const std::os::raw::c_char = ptr::null();
        let mut script_conf: f32 = 0.0;
        // SAFETY: valid handle and out-pointers; the script name points into tesseract's
        // static tables and is not freed.
        let ok = unsafe {
            let ok = sys::TessBaseAPIDetectOrientationScript(
                osd.ptr(),
                &mut degrees,
                &mut confidence,
                &mut script,
                &mut script_conf,
            );
            sys::TessBaseAPIClear(osd.ptr());
            ok
        };
        if ok == 0 {
            return Ok(None);
        }
        // `orient_deg` is how far the content is turned counter-clockwise; the clockwise turn
        // that makes it upright is the rest of the circle (tesseract's "Rotate:" in `--psm 0`).
        let rotate_cw = match degrees.rem_euclid(360) {
            d @ (0 | 90 | 180 | 270) => ((360 - d) % 360) as u16,
            _ => 0,
        };
        Ok(Some(Orientation {
            rotate_cw,
            confidence,
        }))
    }

    /// Adds the page recognised last (image and text layer) to a searchable PDF.
    pub fn add_page(&mut self, renderer: &mut PdfRenderer) {
        // SAFETY: both valid; the renderer reads the handle's current image and results.
        let ok =
            unsafe { sys::TessResultRendererAddImage(renderer.ptr.as_ptr(), self.recog.ptr()) };
        if ok == 0 {
            renderer.failed = true;
        } else {
            renderer.pages += 1;
        }
    }

    /// Starts a searchable PDF (written under `dir`, which must exist).
    pub fn pdf_renderer(&self, dir: &Path, title: &str) -> Result<PdfRenderer, OcrError> {
        PdfRenderer::begin(self.tessdata_dir(), dir, title)
    }

    /// Where the language data (and `pdf.ttf`, the renderer's glyph-less font) live.
    fn tessdata_dir(&self) -> PathBuf {
        if let Some(p) = &self.datapath {
            return p.clone();
        }
        // SAFETY: valid handle; the string is owned by tesseract.
        unsafe {
            let raw = sys::TessBaseAPIGetDatapath(self.recog.ptr());
            if raw.is_null() {
                PathBuf::from("/usr/share/tesseract-ocr/5/tessdata")
            } else {
                PathBuf::from(CStr::from_ptr(raw).to_string_lossy().into_owned())
            }
        }
    }
}

/// tesseract's PDF renderer: every recognised page added becomes a page with the image and
/// an invisible text layer. The file is written under a temporary directory and read back.
pub struct PdfRenderer {
    ptr: NonNull<sys::TessResultRenderer>,
    output: PathBuf,
    failed: bool,
    pages: u32,
    ended: bool,
}

impl PdfRenderer {
    fn begin(tessdata: PathBuf, dir: &Path, title: &str) -> Result<PdfRenderer, OcrError> {
        let base = dir.join("rendition");
        let c =
            |s: &[u8]| CString::new(s).map_err(|e| OcrError::Engine(format!("renderer path: {e}")));
        let base_c = c(base.as_os_str().as_encoded_bytes())?;
        let data_c = c(tessdata.as_os_str().as_encoded_bytes())?;
        let title_c = c(title.replace('\0', "").as_bytes())?;
        // SAFETY: NUL-terminated strings that outlive the calls; textonly = false.
        let raw = unsafe { sys::TessPDFRendererCreate(base_c.as_ptr(), data_c.as_ptr(), 0) };
        let ptr = NonNull::new(raw)
            .ok_or_else(|| OcrError::Engine("the PDF renderer could not be created".into()))?;
        // SAFETY: valid renderer.
        let ok = unsafe { sys::TessResultRendererBeginDocument(ptr.as_ptr(), title_c.as_ptr()) };
        let renderer = PdfRenderer {
            ptr,
            output: base.with_extension("pdf"),
            failed: ok == 0,
            pages: 0,
            ended: false,
        };
        Ok(renderer)
    }

    /// Pages added so far.
    pub fn pages(&self) -> u32 {
        self.pages
    }

    /// Finishes the document; `None` when no page was added or rendering failed.
    pub fn finish(mut self) -> Option<Vec<u8>> {
        // SAFETY: valid renderer, ended once.
        let ok = unsafe { sys::TessResultRendererEndDocument(self.ptr.as_ptr()) };
        self.ended = true;
        if ok == 0 || self.failed || self.pages == 0 {
            return None;
        }
        let bytes = std::fs::read(&self.output).ok();
        let _ = std::fs::remove_file(&self.output);
        bytes.filter(|b| b.starts_with(b"%PDF"))
    }
}

impl Drop for PdfRenderer {
    fn drop(&mut self) {
        // SAFETY: valid renderer, deleted once (ending first if the caller did not).
        unsafe {
            if !self.ended {
                sys::TessResultRendererEndDocument(self.ptr.as_ptr());
            }
            sys::TessDeleteResultRenderer(self.ptr.as_ptr());
        }
        let _ = std::fs::remove_file(&self.output);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter() -> GrayImage {
        let bytes =
            std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/scans/letter.png"))
                .unwrap();
        image::load_from_memory(&bytes).unwrap().to_luma8()
    }

    /// Needs tesseract with `deu`, `eng` and `osd`; fails with the install command otherwise.
    #[test]
    fn recognises_times_out_and_detects_orientation() {
        let mut engine = Engine::new(None, "deu+eng", SegMode::Auto, true).unwrap();
        let img = letter();
        let err = engine
            .recognize(&img, 200, Duration::from_millis(1))
            .unwrap_err();
        assert!(matches!(err, OcrError::Timeout { .. }), "{err}");
        let r = engine
            .recognize(&img, 200, Duration::from_secs(60))
            .unwrap();
        assert!(r.text.contains("Kündigung"), "{}", r.text);
        assert!(r.mean_confidence().unwrap() > 80.0);
        let upside_down = image::imageops::rotate180(&img);
        let o = engine
            .detect_orientation(&upside_down, 200)
            .unwrap()
            .unwrap();
        assert_eq!(o.rotate_cw, 180, "{o:?}");
        let sideways = image::imageops::rotate90(&img);
        let o = engine.detect_orientation(&sideways, 200).unwrap().unwrap();
        assert_eq!(o.rotate_cw, 270, "{o:?}");
    }

    #[test]
    fn unknown_language_says_what_to_install() {
        let err = Engine::new(None, "xyz", SegMode::Auto, false)
            .err()
            .expect("no such language");
        assert!(err.to_string().contains("apt-get install"), "{err}");
    }
}
