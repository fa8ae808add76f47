//! `make bench`: ingests 10,000 generated e-mails and 1,000 born-digital PDFs with the release
//! `intake ingest`, then measures search latency over the resulting index. Prints documents/s,
//! peak RSS of the ingest process and search p50/p99. Figures go to BENCHMARKS.md.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use intake::index::{ArchiveIndex, SearchRequest};
use intake::samples::{generate_corpus, CorpusSpec};
use support::{env_usize, percentile};

struct Run {
    files: usize,
    secs: f64,
    peak_kib: u64,
}

fn ingest(work: &Path, dir: &Path, files: usize) -> Run {
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_intake"))
        .current_dir(work)
        .args(["ingest", "--quiet"])
        .arg(dir)
        .env("INTAKE_LOG", "warn")
        .spawn()
        .expect("start intake ingest");
    let peak = support::wait_with_peak_rss(child, "intake ingest");
    Run {
        files,
        secs: started.elapsed().as_secs_f64(),
        peak_kib: peak,
    }
}

/// Classification + identifiers + customer match + routing per document, in process.
fn understanding_cost(work: &Path) {
    use intake::model::{DocStatus, DocumentId};
    let config = intake::config::Config {
        data_dir: work.join("data"),
        ..Default::default()
    };
    let app = intake::app::App::open(config.clone()).expect("open data");
    let knowledge =
        intake::understand::Knowledge::load(&config, app.store.as_ref()).expect("knowledge");
    let roots: Vec<DocumentId> = app
        .store
        .documents_after(DocumentId(0), 3000, false)
        .expect("documents")
        .into_iter()
        .filter(|d| d.parent_id.is_none() && d.status == DocStatus::Routed)
        .map(|d| d.id)
        .take(2000)
        .collect();
    let cases: Vec<_> = roots
        .iter()
        .map(|id| app.store.case_content(*id).expect("case"))
        .collect();
    let t = Instant::now();
    let mut matched = 0;
    for case in &cases {
        let u = intake::understand::understand(&knowledge, case);
        matched += usize::from(u.customer_id.is_some());
    }
    let per_doc = t.elapsed().as_secs_f64() / cases.len().max(1) as f64;
    println!(
        "understand {} cases: {:.1} µs per document (type, identifiers, match, routing; {} matched)",
        cases.len(),
        per_doc * 1e6,
        matched
    );
}

fn main() {
    // `cargo bench` passes --bench; nothing else to parse.
    let emails = env_usize("BENCH_EMAILS", 10_000);
    let pdfs = env_usize("BENCH_PDFS", 1_000);
    let work = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    generate_corpus(
        &work.path().join("emails"),
        &CorpusSpec {
            emails,
            pdfs: 0,
            seed: 1,
            customers: 200,
        },
    )
    .expect("generate e-mails");
    generate_corpus(
        &work.path().join("pdfs"),
        &CorpusSpec {
            emails: 0,
            pdfs,
            seed: 2,
            customers: 200,
        },
    )
    .expect("generate PDFs");
    println!(
        "generated {emails} e-mails + {pdfs} PDFs in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // The truth files are for evaluation, not input.
    for dir in ["emails", "pdfs"] {
        let _ = std::fs::rename(
            work.path().join(dir).join("truth.jsonl"),
            work.path().join(format!("{dir}-truth.jsonl")),
        );
    }
    intake::samples::write_master_data(
        &work.path().join("customers.csv"),
        &work.path().join("contracts.csv"),
        1,
        200,
    )
    .expect("master data");
    let status = Command::new(env!("CARGO_BIN_EXE_intake"))
        .current_dir(work.path())
        .args([
            "customers",
            "import",
            "--customers",
            "customers.csv",
            "--contracts",
            "contracts.csv",
        ])
        .env("INTAKE_LOG", "warn")
        .status()
        .expect("import master data");
    assert!(status.success());

    let mail = ingest(work.path(), &work.path().join("emails"), emails);
    let letters = ingest(work.path(), &work.path().join("pdfs"), pdfs);
    for (what, r) in [("e-mails", &mail), ("PDFs", &letters)] {
        println!(
            "ingest {:>6} {what:<8} {:>7.2} s  {:>7.0} docs/s  peak RSS {:>6.1} MiB",
            r.files,
            r.secs,
            r.files as f64 / r.secs,
            r.peak_kib as f64 / 1024.0
        );
    }
    let total_files = mail.files + letters.files;
    let total_secs = mail.secs + letters.secs;
    println!(
        "ingest {total_files:>6} total    {total_secs:>7.2} s  {:>7.0} docs/s",
        total_files as f64 / total_secs
    );

    understanding_cost(work.path());

    let index = ArchiveIndex::open(&work.path().join("data/index")).expect("open index");
    let queries = [
        "Kündigung",
        "Wasserschaden",
        "Schadenmeldung Unfall",
        "Adressänderung",
        "Beitrag",
        "Rechnung Werkstatt",
        "neue Bankverbindung",
        "unzufrieden",
        "\"sehr geehrte damen und herren\"",
        "Versicherungsnummer",
    ];
    let mut latencies = Vec::new();
    let mut hits = 0;
    for round in 0..50 {
        for q in queries {
            let t = Instant::now();
            let r = index
                .search(&SearchRequest {
                    query: q.to_string(),
                    limit: 10,
                    since: (round % 5 == 0)
                        .then(|| chrono::Utc::now().date_naive().pred_opt())
                        .flatten(),
                    ..Default::default()
                })
                .expect("search");
            latencies.push(t.elapsed());
            hits += r.total;
        }
    }
    latencies.sort();
    println!(
        "search {} queries over {} documents: p50 {:.2} ms  p99 {:.2} ms  ({} hits in all)",
        latencies.len(),
        total_files,
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        hits
    );
}
