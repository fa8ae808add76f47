//! Per-page comparison of intake's OCR with the `tesseract` command-line tool on pages with
//! ground truth (BENCHMARKS.md, "OCR on real third-party pages").
//!
//! Takes directories of page images (`X.png`, `X.jpg`, `X.tif`) each with its truth text
//! `X.gt.txt` beside it. Per page it reads the image with intake's per-page procedure
//! ([`intake::ocr::ocr_part`], default settings, languages `deu+eng`, one engine reused) and
//! with `tesseract X stdout -l deu+eng` (the CLI's defaults: page segmentation mode 3), and
//! prints a Markdown table: word recall and character error rate of each, the turn intake
//! made, its flags and the time of each. Not part of `make test` or `make bench`: the pages
//! live outside the repository (their licences do not all allow committing them).
//!
//! `OMP_THREAD_LIMIT=1 cargo run --release --example ocr_gt -- DIR…` (`OCR_GT_WORKING_DPI`
//! overrides `ocr.working_dpi`; `RUST_LOG=intake::ocr=debug` shows the orientation checks).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use intake::ocr::{ocr_part, OcrSettings};
use intake::samples::scan::cer;

const LANGUAGES: &str = "deu+eng";

/// The words of a text for recall: split at whitespace, punctuation at either end dropped.
fn words(text: &str) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for w in text.split_whitespace() {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        if !w.is_empty() {
            *out.entry(w.to_string()).or_insert(0) += 1;
        }
    }
    out
}

/// Share of the truth's words (counted with multiplicity) that the reading has, in any order.
fn word_recall(got: &str, truth: &str) -> f64 {
    let (got, truth) = (words(got), words(truth));
    let total: usize = truth.values().sum();
    if total == 0 {
        return 1.0;
    }
    let found: usize = truth
        .iter()
        .map(|(w, &n)| n.min(got.get(w).copied().unwrap_or(0)))
        .sum();
    found as f64 / total as f64
}

fn media_type(path: &Path) -> Option<&'static str> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "png" => Some("image/png"),
        "jpg" | "jpeg" => Some("image/jpeg"),
        "tif" | "tiff" => Some("image/tiff"),
        _ => None,
    }
}

fn cli(path: &Path) -> (String, f64) {
    let started = Instant::now();
    let out = Command::new("tesseract")
        .arg(path)
        .args(["stdout", "-l", LANGUAGES])
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .expect("tesseract CLI (apt-get install tesseract-ocr)");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        started.elapsed().as_secs_f64(),
    )
}

fn main() {
    if std::env::var("OMP_THREAD_LIMIT").as_deref() != Ok("1") {
        eprintln!("run with OMP_THREAD_LIMIT=1 in the environment (see ARCHITECTURE.md, OCR)");
        std::process::exit(2);
    }
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let dirs: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let mut pages: Vec<(PathBuf, String)> = Vec::new();
    for dir in &dirs {
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| media_type(p).is_some())
            .collect();
        found.sort();
        for p in found {
            let gt = p.with_extension("gt.txt");
            if let Ok(t) = std::fs::read_to_string(&gt) {
                pages.push((p, t));
            }
        }
    }
    let mut settings = OcrSettings {
        languages: LANGUAGES.into(),
        searchable_pdf: false,
        ..OcrSettings::default()
    };
    // To measure a lever: `OCR_GT_WORKING_DPI=0` reads every page at its own resolution.
    if let Some(dpi) = std::env::var("OCR_GT_WORKING_DPI")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        settings.working_dpi = dpi;
    }
    let mut engine = settings.engine().expect("tesseract engine");
    let scratch = tempfile::tempdir().expect("tempdir");
    println!("| page | pixels | words | recall intake | recall CLI | CER intake | CER CLI | turned | flags | s intake | s CLI |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let (mut ri, mut rc, mut ci, mut cc, mut ti, mut tc) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    let mut worse = Vec::new();
    for (path, truth) in &pages {
        let bytes = std::fs::read(path).expect("read page");
        let dims = image::image_dimensions(path)
            .map(|(w, h)| format!("{w}×{h}"))
            .unwrap_or_default();
        let started = Instant::now();
        let part = ocr_part(
            &mut engine,
            &bytes,
            media_type(path).expect("image"),
            &[1],
            &settings,
            scratch.path(),
        );
        let secs = started.elapsed().as_secs_f64();
        let text: String = part
            .texts
            .iter()
            .map(|(_, t)| t.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        let report = part.report.pages.first();
        let turned = report.map_or(0, |p| p.rotated);
        if let Some(check) = report.and_then(|p| p.orientation.as_ref()) {
            eprintln!(
                "{}: {}",
                path.display(),
                serde_json::to_string(check).unwrap_or_default()
            );
        }
        let flags = report
            .map(|p| {
                p.flags
                    .iter()
                    .map(|f| format!("{f:?}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        let (cli_text, cli_secs) = cli(path);
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let (r_i, r_c) = (word_recall(&text, truth), word_recall(&cli_text, truth));
        let (c_i, c_c) = (cer(&text, truth), cer(&cli_text, truth));
        println!(
            "| {name} | {dims} | {} | {r_i:.3} | {r_c:.3} | {:.1} % | {:.1} % | {turned} | {flags} | {secs:.2} | {cli_secs:.2} |",
            words(truth).values().sum::<usize>(),
            c_i * 100.0,
            c_c * 100.0,
        );
        if r_i < r_c - 0.02 {
            worse.push(format!("{name} ({r_i:.3} vs {r_c:.3})"));
        }
        (ri, rc, ci, cc, ti, tc) = (
            ri + r_i,
            rc + r_c,
            ci + c_i,
            cc + c_c,
            ti + secs,
            tc + cli_secs,
        );
    }
    let n = pages.len().max(1) as f64;
    println!(
        "| **mean of {} pages** | | | **{:.3}** | **{:.3}** | **{:.1} %** | **{:.1} %** | | | {:.2} | {:.2} |",
        pages.len(),
        ri / n,
        rc / n,
        ci / n * 100.0,
        cc / n * 100.0,
        ti / n,
        tc / n
    );
    println!(
        "\npages where intake's recall is below the CLI's by more than 0.02: {}",
        if worse.is_empty() {
            "none".to_string()
        } else {
            worse.join(", ")
        }
    );
}
