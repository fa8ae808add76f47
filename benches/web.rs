//! `make bench`: search latency through the HTTP API. Ingests 100,000 generated documents
//! (e-mails with their attachments and PDFs; `WEB_BENCH_DOCS` overrides), starts the release
//! `intake serve`, logs in as a clerk of two departments (so every query carries the access
//! filter) and runs `wrk` with 8 connections for 20 s over a rotation of typical clerk queries
//! (words, phrases, identifiers, filters, facets). Prints requests/s and latency p50/p90/p99.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use intake::samples::{generate_corpus, CorpusSpec};
use support::env_usize;

fn intake(work: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_intake"));
    c.current_dir(work).env("INTAKE_LOG", "warn");
    c
}

fn run_ok(mut c: Command, what: &str) {
    let status = c.status().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(status.success(), "{what} failed");
}

fn main() {
    let docs = env_usize("WEB_BENCH_DOCS", 100_000);
    let seconds = env_usize("WEB_BENCH_SECONDS", 20);
    let work = tempfile::tempdir().expect("temp dir");
    let w = work.path();
    let corpus = w.join("corpus");
    // Generated e-mails bring 0.3 attachments on average: 4 items give about 5 documents.
    let items = docs * 4 / 5;
    let started = Instant::now();
    let written = generate_corpus(
        &corpus,
        &CorpusSpec {
            emails: items * 9 / 10,
            pdfs: items / 10,
            seed: 7,
            customers: 2_000,
        },
    )
    .expect("generate the corpus");
    println!(
        "generated {written:?} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // The truth file is for evaluation, not input; the master data matches the corpus' seed.
    let _ = std::fs::rename(corpus.join("truth.jsonl"), w.join("truth.jsonl"));
    intake::samples::write_master_data(
        &w.join("customers.csv"),
        &w.join("contracts.csv"),
        7,
        2_000,
    )
    .expect("master data");
    let mut import = intake(w);
    import.args([
        "customers",
        "import",
        "--customers",
        "customers.csv",
        "--contracts",
        "contracts.csv",
    ]);
    run_ok(import, "customers import");
    let started = Instant::now();
    let mut ingest = intake(w);
    ingest.args(["ingest", "--quiet"]).arg(&corpus);
    let _ = ingest.status().expect("ingest");
    let status = String::from_utf8(intake(w).arg("status").output().expect("status").stdout)
        .unwrap_or_default();
    println!(
        "ingested in {:.1} s; ledger:\n{}",
        started.elapsed().as_secs_f64(),
        status.trim_end()
    );

    std::fs::write(w.join("pw"), "bench-password\n").unwrap();
    let mut add = intake(w);
    add.args([
        "users",
        "add",
        "clerk",
        "--role",
        "clerk",
        "--department",
        "schaden",
        "--department",
        "bestand",
        "--password-file",
        "pw",
    ]);
    run_ok(add, "users add");
    let mut add = intake(w);
    add.args([
        "users",
        "add",
        "admin",
        "--role",
        "admin",
        "--permission",
        "health",
        "--password-file",
        "pw",
    ]);
    run_ok(add, "users add");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut serve = intake(w)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .spawn()
        .expect("serve");
    let client = reqwest::blocking::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while client
        .get(format!("{base}/healthz"))
        .send()
        .map(|r| !r.status().is_success())
        .unwrap_or(true)
    {
        assert!(Instant::now() < deadline, "serve did not come up");
        std::thread::sleep(Duration::from_millis(200));
    }
    // The admin sees everything (no access filter); the clerk's queries carry it.
    for user in ["admin", "clerk"] {
        run_wrk(w, &client, &base, user, seconds);
    }
    let _ = serve.kill();
    let _ = serve.wait();
}

/// Logs in as `user` and runs wrk over the query rotation; prints the figures.
fn run_wrk(w: &Path, client: &reqwest::blocking::Client, base: &str, user: &str, seconds: usize) {
    let login: serde_json::Value = client
        .post(format!("{base}/api/login"))
        .json(&serde_json::json!({"user": user, "password": "bench-password"}))
        .send()
        .and_then(|r| r.json())
        .expect("login");
    let token = login["token"].as_str().expect("token").to_string();
    let queries = [
        "q=Wasserschaden",
        "q=K%C3%BCndigung%20Vertrag",
        "q=Schaden&type=claim",
        "q=%22Sehr%20geehrte%22",
        "q=Rechnung&since=2026-01-01",
        "q=Adresse%20umgezogen",
        "q=KF-123%20456%20789",
        "q=Unfall%20Polizei&page=2",
    ];
    let total: serde_json::Value = client
        .get(format!("{base}/api/search?q=&per_page=1"))
        .bearer_auth(&token)
        .send()
        .and_then(|r| r.json())
        .expect("search");
    let script = w.join(format!("search-{user}.lua"));
    std::fs::write(
        &script,
        format!(
            "local queries = {{{}}}\nlocal i = 0\nwrk.headers[\"Authorization\"] = \"Bearer {token}\"\n\
             request = function()\n  i = i + 1\n  return wrk.format(\"GET\", \"/api/search?\" .. queries[(i % #queries) + 1])\nend\n",
            queries.iter().map(|q| format!("\"{q}\"")).collect::<Vec<_>>().join(", ")
        ),
    )
    .unwrap();
    let out = Command::new("wrk")
        .args([
            "-t",
            "2",
            "-c",
            "8",
            "-d",
            &format!("{seconds}s"),
            "--latency",
            "-s",
        ])
        .arg(&script)
        .arg(base)
        .output()
        .expect("wrk (Debian package wrk; scripts/install-deps.sh installs it)");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let pick = |label: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(label))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("?")
            .to_string()
    };
    let non_2xx = text
        .lines()
        .find(|l| l.contains("Non-2xx"))
        .unwrap_or("Non-2xx: 0");
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "search through the API as {user} ({} documents visible), 8 connections, {seconds} s: \
         {} requests/s, p50 {}, p90 {}, p99 {} ({}; load {})",
        total["total"],
        pick("Requests/sec:"),
        pick("50%"),
        pick("90%"),
        pick("99%"),
        non_2xx.trim(),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}
