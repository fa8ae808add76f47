//! `make bench`: case linking with 1,000,000 documents in the store. Seeds the store with direct
//! SQL inserts in one transaction (documents, cases, tasks and their lookup keys, spread over a
//! year), then routes new documents through `Store::route_cases` — a quarter each replies to a
//! stored e-mail, carries a stored claim number, matches a recent case of the same customer and
//! type, or is new — in batches like the pipeline's, and one at a time. Prints the time per
//! document. Sizes: `BENCH_CASE_DOCS` (1,000,000), `BENCH_CASE_NEW` (4,000). Figures go to
//! BENCHMARKS.md.

mod support;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::params;

use intake::cases::{CaseRules, CaseStore};
use intake::config::{Config, Priority};
use intake::extract::EmailMeta;
use intake::identify::{IdKind, Identifier};
use intake::model::DocumentId;
use intake::store::sqlite::SqliteStore;
use intake::store::{Contract, NewTask};
use support::{env_usize, peak_rss_kib, percentile};

const TYPES: [&str; 5] = [
    "claim",
    "invoice",
    "address_change",
    "cancellation",
    "contract_change",
];
const CUSTOMERS: usize = 100_000;
/// Seconds between two seeded documents (1M documents ≈ one year).
const SPACING: i64 = 30;

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn customer(i: usize) -> String {
    format!("K-{:06}", i % CUSTOMERS)
}

fn claim_number(case: usize) -> String {
    format!("S{case:010}")
}

/// Seeds `n` documents; documents 2k-1 and 2k form case k with task k (root 2k-1).
fn seed(db: &std::path::Path, n: usize, now: DateTime<Utc>) -> rusqlite::Result<()> {
    let mut conn = rusqlite::Connection::open(db)?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    // Rows go in document order; every reference is complete when the transaction commits.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let tx = conn.transaction()?;
    {
        let mut doc = tx.prepare(
            "INSERT INTO documents (id, root_id, channel, received_at, sha256, size, stored,
                status, doc_type, customer_id, subject, case_id, task_id)
             VALUES (?1, ?1, ?2, ?3, ?4, 2000, 1, 'routed', ?5, ?6, ?7, ?8, ?8)",
        )?;
        let mut task = tx.prepare(
            "INSERT INTO tasks (id, root_document_id, queue, priority, due_at, status, doc_type,
                customer_id, case_id, created_at, updated_at, outbox_written)
             VALUES (?1, ?2, 'schaden', 'normal', ?3, ?4, ?5, ?6, ?1, ?3, ?3, 1)",
        )?;
        let mut case = tx.prepare(
            "INSERT INTO cases (id, customer_id, doc_type, task_id, created_at, last_document_at)
             VALUES (?1, ?2, ?3, ?1, ?4, ?5)",
        )?;
        let mut key = tx.prepare(
            "INSERT INTO case_keys (kind, value, document_id, case_id) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for i in 1..=n {
            let c = i.div_ceil(2);
            let at = now - chrono::Duration::seconds((n - i) as i64 * SPACING);
            let doc_type = TYPES[c % TYPES.len()];
            let customer = customer(c);
            doc.execute(params![
                i as i64,
                if i % 2 == 1 { "mail" } else { "scan" },
                ts(at),
                format!("{i:064x}"),
                doc_type,
                customer,
                format!("Vorgang {c}"),
                c as i64
            ])?;
            key.execute(params![
                "message_id",
                format!("m{i}@bench"),
                i as i64,
                c as i64
            ])?;
            if doc_type == "claim" {
                key.execute(params!["claim", claim_number(c), i as i64, c as i64])?;
            }
            key.execute(params![
                "contract",
                format!("KF{:09}", c % CUSTOMERS),
                i as i64,
                c as i64
            ])?;
            if i % 2 == 1 {
                let last =
                    now - chrono::Duration::seconds((n.saturating_sub(i + 1)) as i64 * SPACING);
                let open = now - last < chrono::Duration::days(30);
                task.execute(params![
                    c as i64,
                    i as i64,
                    ts(at),
                    if open { "open" } else { "done" },
                    doc_type,
                    customer
                ])?;
                case.execute(params![c as i64, customer, doc_type, ts(at), ts(last)])?;
            }
        }
    }
    tx.commit()?;
    conn.execute_batch("ANALYZE")?;
    Ok(())
}

/// A new document to route: (pending task, e-mail metadata).
fn new_document(j: usize, seeded: usize) -> (NewTask, EmailMeta) {
    // A recent seeded case (its task is open): within the last ~6 hours of documents.
    let recent_doc = seeded - 2 * (j % 300) - 1;
    let recent_case = recent_doc.div_ceil(2);
    let mut identifiers = Vec::new();
    let mut in_reply_to = Vec::new();
    let (doc_type, customer_id) = match j % 4 {
        0 => {
            in_reply_to.push(format!("m{recent_doc}@bench"));
            ("complaint", customer(recent_case))
        }
        1 => {
            // The most recent claim case.
            let c = (1..=recent_case)
                .rev()
                .find(|c| TYPES[c % TYPES.len()] == "claim")
                .unwrap();
            identifiers.push(Identifier::new(
                IdKind::ClaimNumber,
                Some("Schadennummer".into()),
                claim_number(c),
                claim_number(c),
            ));
            ("invoice", customer(c))
        }
        2 => (TYPES[recent_case % TYPES.len()], customer(recent_case)),
        _ => ("claim", format!("K-9{j:05}")),
    };
    let spec = NewTask {
        queue: "schaden".into(),
        priority: Priority::High,
        due_at: Utc::now(),
        doc_type: doc_type.into(),
        doc_type_confidence: 0.9,
        explanation: "bench".into(),
        customer_id: Some(customer_id.clone()),
        match_reason: "bench".into(),
        routing_reason: "bench".into(),
        identifiers,
        contracts: vec![Contract {
            contract_id: "KF-000 000 001".into(),
            customer_id,
            product: "kfz".into(),
            status: "active".into(),
            start_date: None,
        }],
        effective_date: None,
        health_data: false,
    };
    let email = EmailMeta {
        from: Vec::new(),
        reply_to: Vec::new(),
        to: Vec::new(),
        cc: Vec::new(),
        subject: Some(format!("Neu {j}")),
        date: None,
        message_id: Some(format!("new{j}@bench")),
        references: in_reply_to.clone(),
        in_reply_to,
        automated: None,
    };
    (spec, email)
}

fn insert_new(db: &std::path::Path, first: usize, count: usize, seeded: usize, now: DateTime<Utc>) {
    let mut conn = rusqlite::Connection::open(db).expect("open");
    let tx = conn.transaction().expect("tx");
    let text =
        "Sehr geehrte Damen und Herren, anbei mein Anliegen zu dem bekannten Vorgang. ".repeat(20);
    for id in first..first + count {
        let (spec, email) = new_document(id - first, seeded);
        tx.execute(
            "INSERT INTO documents (id, root_id, channel, received_at, sha256, size, stored,
                status, doc_type, customer_id, email, text, pending_task)
             VALUES (?1, ?1, 'mail', ?2, ?3, 2000, 1, 'indexed', ?4, ?5, ?6, ?7, ?8)",
            params![
                id as i64,
                ts(now),
                format!("{id:064x}"),
                spec.doc_type,
                spec.customer_id,
                serde_json::to_string(&email).unwrap(),
                text,
                serde_json::to_string(&spec).unwrap(),
            ],
        )
        .expect("insert new document");
    }
    tx.commit().expect("commit");
}

fn main() {
    let n = env_usize("BENCH_CASE_DOCS", 1_000_000);
    let fresh = env_usize("BENCH_CASE_NEW", 4_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("intake.sqlite3");
    let store = SqliteStore::open(&db).expect("open store");
    let now = Utc::now();
    let started = Instant::now();
    seed(&db, n, now).expect("seed");
    println!(
        "seeded {n} documents in {} cases in {:.1} s",
        n.div_ceil(2),
        started.elapsed().as_secs_f64()
    );
    let rules = CaseRules::from_config(&Config::default()).expect("rules");

    // In batches, as the finish stage routes them (one transaction per batch).
    let batch = 256;
    let first = n + 1;
    insert_new(&db, first, fresh, n, now);
    let mut per_doc = Vec::new();
    let started = Instant::now();
    let ids: Vec<DocumentId> = (first..first + fresh)
        .map(|i| DocumentId(i as i64))
        .collect();
    for chunk in ids.chunks(batch) {
        let t = Instant::now();
        store.route_cases(chunk, &rules).expect("route");
        per_doc.push(t.elapsed() / chunk.len() as u32);
    }
    let total = started.elapsed();
    per_doc.sort();
    // How many joined a seeded case (three quarters should).
    let conn = rusqlite::Connection::open(&db).expect("open");
    let joined: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM documents WHERE id >= ?1 AND case_id <= ?2",
            params![first as i64, n.div_ceil(2) as i64],
            |r| r.get(0),
        )
        .expect("count");
    println!(
        "routed {fresh} documents in batches of {batch}: {:.3} ms per document on average (batch worst {:.3} ms/doc); {joined} joined an existing case",
        total.as_secs_f64() * 1000.0 / fresh as f64,
        per_doc.last().copied().unwrap_or_default().as_secs_f64() * 1000.0
    );
    assert!(
        joined as f64 >= 0.7 * fresh as f64,
        "linking found too few cases ({joined} of {fresh})"
    );

    // One at a time: each call is its own transaction with its commit (fsync).
    let single = 500;
    let first = first + fresh;
    insert_new(&db, first, single, n, now);
    let mut each: Vec<Duration> = (first..first + single)
        .map(|i| {
            let t = Instant::now();
            store
                .route_cases(&[DocumentId(i as i64)], &rules)
                .expect("route");
            t.elapsed()
        })
        .collect();
    each.sort();
    println!(
        "routed {single} documents one per transaction: p50 {:.3} ms  p99 {:.3} ms (each includes a commit)",
        percentile(&each, 0.5).as_secs_f64() * 1000.0,
        percentile(&each, 0.99).as_secs_f64() * 1000.0
    );
    if let Some(kib) = peak_rss_kib(std::process::id()) {
        println!("peak RSS {} MiB", kib / 1024);
    }
}
