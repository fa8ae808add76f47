//! Classification speed: how long the shipped rules and model take to load, and how long
//! `Classifier::classify` takes per document on the hand-written sample mail (letters and
//! e-mails as their raw text; each file classified `BENCH_CLASSIFY_ROUNDS` times, default 20).
//! `cargo bench --bench classify`.

use std::time::{Duration, Instant};

use intake::classify::Classifier;
use intake::config::ClassifyConfig;

fn main() {
    let rounds: usize = std::env::var("BENCH_CLASSIFY_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let t = Instant::now();
    let classifier = Classifier::from_config(&ClassifyConfig::default()).expect("shipped model");
    println!("load: rules and model in {:.1?}", t.elapsed());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut texts = Vec::new();
    for entry in walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if matches!(ext, "txt" | "eml") {
            if let Ok(text) = std::fs::read_to_string(path) {
                texts.push(text);
            }
        }
    }
    let chars: usize = texts.iter().map(String::len).sum();
    let mut times = Vec::with_capacity(texts.len() * rounds);
    for _ in 0..rounds {
        for text in &texts {
            let t = Instant::now();
            std::hint::black_box(classifier.classify("", text));
            times.push(t.elapsed());
        }
    }
    times.sort();
    let total: Duration = times.iter().sum();
    println!(
        "classify: {} documents ({} KiB) × {rounds}: mean {:.0} µs, p50 {:.0} µs, p99 {:.0} µs",
        texts.len(),
        chars / 1024,
        total.as_secs_f64() * 1e6 / times.len() as f64,
        times[times.len() / 2].as_secs_f64() * 1e6,
        times[times.len() * 99 / 100].as_secs_f64() * 1e6,
    );
}
