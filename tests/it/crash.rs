//! A crash in the middle of a batch: SIGKILL `intake serve`, start it again, and every file is
//! archived exactly once.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::support::{roots, sha256_hex, Env};

#[test]
fn kill_during_a_batch_then_restart_loses_nothing_and_duplicates_nothing() {
    let env = Env::with_config("[pipeline]\nbatch_size = 16\n");
    let corpus = env.path("corpus");
    intake::samples::generate_corpus(
        &corpus,
        &intake::samples::CorpusSpec {
            emails: 300,
            pdfs: 40,
            seed: 7,
            customers: 50,
        },
    )
    .unwrap();
    let mut expected: HashMap<String, String> = HashMap::new();
    for entry in std::fs::read_dir(&corpus).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".eml") || name.ends_with(".pdf") {
            expected.insert(name.clone(), sha256_hex(&std::fs::read(&p).unwrap()));
            std::fs::rename(&p, env.inbox().join(&name)).unwrap();
        }
    }
    let total = expected.len();

    // Kill twice at different points, then let it finish.
    for kill_after in [10usize, 120] {
        let mut serve = env.serve();
        let deadline = Instant::now() + Duration::from_secs(60);
        while total - env.pending().len() < kill_after {
            assert!(Instant::now() < deadline, "no progress before the kill");
            std::thread::sleep(Duration::from_millis(20));
        }
        serve.0.kill().unwrap(); // SIGKILL
        serve.0.wait().unwrap();
    }
    let _serve = env.serve();
    env.wait_until_inbox_empty(Duration::from_secs(120));

    let docs = env.export();
    let roots = roots(&docs);
    // Exactly one document per file: no loss, no duplicate record, nothing unfinished.
    assert_eq!(roots.len(), total, "one record per file");
    let mut seen: HashMap<String, usize> = HashMap::new();
    for d in &roots {
        assert_eq!(d["status"], "routed", "{d}");
        let name = d["source"]["filename"].as_str().unwrap().to_string();
        assert_eq!(
            Some(&d["sha256"].as_str().unwrap().to_string()),
            expected.get(&name).as_ref().map(|s| *s)
        );
        *seen.entry(name).or_default() += 1;
    }
    assert_eq!(seen.len(), total);
    assert!(seen.values().all(|&n| n == 1));
    // Attachments were not recorded twice either.
    let mut children: HashMap<(String, String), usize> = HashMap::new();
    for d in docs.iter().filter(|d| !d["source"]["parent_id"].is_null()) {
        *children
            .entry((
                d["source"]["parent_id"].to_string(),
                d["sha256"].to_string(),
            ))
            .or_default() += 1;
    }
    assert!(
        children.values().all(|&n| n == 1),
        "attachment recorded twice"
    );
    // And the index holds each document once.
    let all = env.search(&["--limit", "10000", ""]);
    assert_eq!(all["total"].as_u64().unwrap() as usize, docs.len());
    assert_eq!(env.files_under("inbox/processed").len(), total);
}
