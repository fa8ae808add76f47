//! `make bench` (OCR part): pages/s and character error rate of `intake ingest` on generated
//! degraded letter scans, against the `tesseract` command-line tool run one process per page
//! (as OCRmyPDF-style tools do) on the same pages, same languages, same cores, both with
//! `OMP_THREAD_LIMIT=1`. One page in ten is turned by 90° or 180°. Prints wall time and the
//! CPU time of the child processes (fairer on a shared machine). Figures go to
//! BENCHMARKS.md ("OCR").
//!
//! `INTAKE_OCR_BENCH_PAGES` (default 40) sets the number of pages.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use intake::samples::scan::{cer, write_scan_corpus, ScanTruth};

const LANGUAGES: &str = "deu+eng";

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.iter().sum::<f64>() / v.len() as f64
}

/// CPU seconds (user + system) used by this process's finished children, from /proc: on a
/// shared, loaded machine CPU time compares runs more fairly than wall time.
fn children_cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may contain spaces) start at field 3.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<f64> = rest
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    // cutime and cstime are fields 16 and 17 (1-based), i.e. 13 and 14 after the name.
    (fields.get(13).unwrap_or(&0.0) + fields.get(14).unwrap_or(&0.0)) / 100.0
}

struct Figures {
    secs: f64,
    cpu_secs: f64,
    cer_upright: Vec<f64>,
    cer_turned: Vec<f64>,
}

impl Figures {
    fn print(&self, name: &str, pages: usize) {
        let all: Vec<f64> = self
            .cer_upright
            .iter()
            .chain(&self.cer_turned)
            .copied()
            .collect();
        println!(
            "| {name} | {pages} | {:.1} | {:.2} | {:.2} | {:.2} % | {:.2} % | {:.2} % |",
            self.secs,
            pages as f64 / self.secs,
            self.cpu_secs / pages as f64,
            mean(&all) * 100.0,
            mean(&self.cer_upright) * 100.0,
            mean(&self.cer_turned) * 100.0,
        );
    }
}

fn score(
    truth: &[ScanTruth],
    texts: &HashMap<String, String>,
    secs: f64,
    cpu_secs: f64,
) -> Figures {
    let mut f = Figures {
        secs,
        cpu_secs,
        cer_upright: Vec::new(),
        cer_turned: Vec::new(),
    };
    for t in truth {
        let got = texts.get(&t.file).map(String::as_str).unwrap_or("");
        let c = cer(got, &t.pages[0]);
        if t.turned == 0 {
            f.cer_upright.push(c);
        } else {
            f.cer_turned.push(c);
        }
    }
    f
}

fn run_intake(work: &Path, scans: &Path, truth: &[ScanTruth]) -> Figures {
    let cpu = children_cpu_secs();
    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_intake"))
        .current_dir(work)
        .args(["ingest", "--quiet"])
        .arg(scans)
        .env("INTAKE_LOG", "warn")
        .env("OMP_THREAD_LIMIT", "1")
        .status()
        .expect("start intake");
    assert!(status.success(), "intake ingest failed: {status}");
    let secs = started.elapsed().as_secs_f64();
    let cpu = children_cpu_secs() - cpu;
    let out = Command::new(env!("CARGO_BIN_EXE_intake"))
        .current_dir(work)
        .args(["export", "documents", "--with-text"])
        .output()
        .expect("export");
    let mut texts = HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("json");
        if let (Some(f), Some(t)) = (v["source"]["filename"].as_str(), v["text"].as_str()) {
            texts.insert(f.to_string(), t.to_string());
        }
    }
    score(truth, &texts, secs, cpu)
}

fn run_cli(scans: &Path, truth: &[ScanTruth], parallel: usize) -> Figures {
    let next = AtomicUsize::new(0);
    let texts = Mutex::new(HashMap::new());
    let cpu = children_cpu_secs();
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..parallel {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(t) = truth.get(i) else { break };
                let out = Command::new("tesseract")
                    .arg(scans.join(&t.file))
                    .args(["stdout", "-l", LANGUAGES])
                    .env("OMP_THREAD_LIMIT", "1")
                    .stderr(Stdio::null())
                    .output()
                    .expect("tesseract CLI (apt-get install tesseract-ocr)");
                texts.lock().unwrap().insert(
                    t.file.clone(),
                    String::from_utf8_lossy(&out.stdout).into_owned(),
                );
            });
        }
    });
    let secs = started.elapsed().as_secs_f64();
    let cpu = children_cpu_secs() - cpu;
    score(truth, &texts.into_inner().unwrap(), secs, cpu)
}

fn main() {
    let pages: usize = std::env::var("INTAKE_OCR_BENCH_PAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let work = tempfile::tempdir().expect("tempdir");
    let scans = work.path().join("scans");
    let started = Instant::now();
    let truth = write_scan_corpus(&scans, pages, 7).expect("write scans");
    // truth.jsonl is not a scan.
    std::fs::rename(scans.join("truth.jsonl"), work.path().join("truth.jsonl")).expect("move");
    eprintln!(
        "generated {pages} scans in {:.1} s ({} turned)",
        started.elapsed().as_secs_f64(),
        truth.iter().filter(|t| t.turned != 0).count()
    );
    let cli = run_cli(&scans, &truth, cores);
    let intake = run_intake(work.path(), &scans, &truth);
    println!("\nOCR, {pages} single-page A4 scans (200–300 dpi, JPEG), languages {LANGUAGES}, {cores} cores, OMP_THREAD_LIMIT=1\n");
    println!("| run | pages | seconds | pages/s | CPU s/page | CER all | CER upright | CER turned 90°/180° |");
    println!("|---|---|---|---|---|---|---|---|");
    cli.print(
        &format!("tesseract CLI, one process per page, {cores} at a time"),
        pages,
    );
    intake.print(&format!("intake ingest ({cores} OCR workers)"), pages);
    println!("\nthroughput intake / CLI: {:.2}×", cli.secs / intake.secs);
}
