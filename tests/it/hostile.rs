//! Hostile inputs (`intake::samples::hostile`) never stall intake: every one reaches a final
//! state within its stage deadlines, and the pipeline goes on with the next file.

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use intake::samples::hostile::{self, FAMILIES};
use serde_json::Value;

use crate::support::Env;

/// Short deadlines so a stuck stage shows within a test's time.
const DEADLINES: &str = "[ocr]\npage_timeout_secs = 5\nitem_timeout_secs = 60\n\n[pipeline]\nextract_timeout_secs = 10\nunderstand_timeout_secs = 10\n";

/// Not a speed limit: a run still going after this long has hung, and the test says so instead
/// of waiting forever.
const HUNG: Duration = Duration::from_secs(900);

fn ingest_to_the_end(env: &Env, dir: &Path) -> std::process::ExitStatus {
    let mut child: Child = env
        .command()
        .arg("ingest")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > HUNG {
            let _ = child.kill();
            panic!("intake ingest still running after {HUNG:?}: a hostile input stalled it");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn by_name<'a>(docs: &'a [Value], name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["source"]["filename"] == name && d["source"]["parent_id"].is_null())
        .unwrap_or_else(|| panic!("{name} is not in the archive"))
}

#[test]
fn every_hostile_input_reaches_a_final_state_and_the_next_file_is_read() {
    let env = Env::with_config(DEADLINES);
    let dir = env.path("hostile");
    std::fs::create_dir_all(&dir).unwrap();
    let inputs = hostile::hostile_inputs(11, FAMILIES.len(), true);
    for h in &inputs {
        std::fs::write(dir.join(&h.name), &h.bytes).unwrap();
    }
    // poppler never returns on this one (2^40 field visits): only the program deadline ends it.
    std::fs::write(dir.join("felder.pdf"), hostile::pdf_shared_fields(40)).unwrap();
    // An ordinary letter after the hostile ones is still read and routed.
    std::fs::write(
        dir.join("zz-brief.txt"),
        "Sehr geehrte Damen und Herren,\nich melde einen Wasserschaden in meiner Küche.\n",
    )
    .unwrap();
    ingest_to_the_end(&env, &dir);

    let docs = env.export();
    let total = inputs.len() + 2;
    let roots: Vec<&Value> = docs
        .iter()
        .filter(|d| d["source"]["parent_id"].is_null())
        .collect();
    assert_eq!(roots.len(), total, "every file is accounted for");
    for d in &roots {
        let status = d["status"].as_str().unwrap();
        assert!(
            status == "routed" || status == "quarantined" || status == "duplicate",
            "{} ended in {status}: {d}",
            d["source"]["filename"]
        );
        if status == "quarantined" {
            assert!(
                !d["error"].as_str().unwrap_or("").is_empty(),
                "reason given: {d}"
            );
        }
    }
    let fields = by_name(&docs, "felder.pdf");
    assert_eq!(fields["status"], "routed", "{fields}");
    let warnings = fields["warnings"].to_string();
    assert!(
        warnings.contains("pdftoppm did not finish within 5 s"),
        "{warnings}"
    );
    assert_eq!(by_name(&docs, "zz-brief.txt")["status"], "routed");
}

#[test]
fn a_file_that_keeps_the_parser_busy_past_its_deadline_is_quarantined_with_the_reason() {
    let env = Env::with_config(
        "[ocr]\nenabled = false\n\n[pipeline]\nextract_timeout_secs = 1\nextract_workers = 1\n",
    );
    let dir = env.path("in");
    std::fs::create_dir_all(&dir).unwrap();
    // 350,000 drawing operators (14 MB, under the page-content limit): lopdf's text extraction
    // works on it for several seconds.
    std::fs::write(
        dir.join("a-endlos.pdf"),
        hostile::pdf_endless_content(350_000),
    )
    .unwrap();
    std::fs::write(
        dir.join("b-brief.txt"),
        "Kündigung meiner Hausratversicherung.\n",
    )
    .unwrap();
    let status = ingest_to_the_end(&env, &dir);
    assert!(!status.success(), "ingest reports the quarantined file");

    let docs = env.export();
    let endless = by_name(&docs, "a-endlos.pdf");
    assert_eq!(endless["status"], "quarantined", "{endless}");
    assert!(
        endless["error"]
            .as_str()
            .unwrap()
            .contains("did not finish within 1 s (pipeline.extract_timeout_secs)"),
        "{endless}"
    );
    // With one extraction worker, the next file could only be read after the stuck one was
    // given up.
    assert_eq!(by_name(&docs, "b-brief.txt")["status"], "routed");
}
