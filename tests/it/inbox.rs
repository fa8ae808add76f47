//! Understanding and the central inbox, end to end on the committed samples: type, customer,
//! one task per case in the right queue, the outbox, clerk actions and the customer file.

use std::collections::HashMap;

use serde_json::Value;

use crate::support::{roots, samples, Env};

/// A workspace with the sample master data imported.
fn with_sample_customers() -> Env {
    Env::with_sample_customers("")
}

fn ingested_samples() -> Env {
    let env = with_sample_customers();
    let s = samples();
    env.ok(&[
        "ingest",
        "--quiet",
        s.join("mail").to_str().unwrap(),
        s.join("letters").to_str().unwrap(),
    ]);
    env
}

fn truth() -> HashMap<String, Value> {
    std::fs::read_to_string(samples().join("truth.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|v| {
            let name = v["file"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string();
            (name, v)
        })
        .collect()
}

fn by_name<'a>(docs: &'a [Value], name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["source"]["filename"] == name && d["source"]["parent_id"].is_null())
        .unwrap_or_else(|| panic!("{name} not exported"))
}

#[test]
fn samples_are_typed_matched_and_routed_one_task_per_case() {
    let env = ingested_samples();
    let docs = env.export();
    let truth = truth();
    let roots = roots(&docs);
    assert_eq!(roots.len(), truth.len());

    // Every customer is the right one; a wrong customer is the worst outcome.
    for d in &roots {
        let t = &truth[d["source"]["filename"].as_str().unwrap()];
        assert_eq!(
            d["customer_id"], t["customer_id"],
            "customer of {}",
            d["source"]["filename"]
        );
    }
    // Types: the hard cases by name.
    let type_of = |n: &str| by_name(&docs, n)["doc_type"].as_str().unwrap().to_string();
    assert_eq!(
        type_of("02-complaint-latin1-qp.eml"),
        "complaint",
        "a complaint without the word"
    );
    assert_eq!(
        type_of("07-forwarded-rfc822.eml"),
        "cancellation",
        "text of the forwarded mail counts"
    );
    assert_eq!(type_of("03-newsletter-html-only.eml"), "other");
    assert_eq!(type_of("address_change.pdf"), "address_change");
    let correct = roots
        .iter()
        .filter(|d| d["doc_type"] == truth[d["source"]["filename"].as_str().unwrap()]["doc_type"])
        .count();
    assert!(
        correct >= roots.len() - 2,
        "{correct} of {} types right",
        roots.len()
    );

    // One task per case: the e-mail with its attachments is one task, carrying all documents.
    let tasks: Vec<Value> = env
        .ok(&["tasks", "list", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let claim_mail = by_name(&docs, "04-claim-with-pdf.eml");
    // One task per case (issue 7): the customer's reply to the claim joins the claim's case.
    let cases: std::collections::HashSet<i64> = roots
        .iter()
        .map(|d| d["case_id"].as_i64().unwrap())
        .collect();
    assert_eq!(tasks.len(), cases.len());
    assert_eq!(cases.len(), roots.len() - 1);
    let reply = by_name(&docs, "06-reply-in-reply-to.eml");
    assert_eq!(reply["case_id"], claim_mail["case_id"]);
    assert_eq!(reply["task"]["id"], claim_mail["task"]["id"]);
    let task = tasks
        .iter()
        .find(|t| t["root_document_id"] == claim_mail["id"])
        .unwrap();
    assert_eq!(task["queue"], "schaden");
    assert_eq!(task["doc_type"], "claim");
    assert_eq!(task["customer_id"], "K-100001");
    assert_eq!(
        task["documents"].as_array().unwrap().len(),
        3,
        "mail + attached PDF + the reply"
    );
    assert!(
        task["explanation"].as_str().unwrap().starts_with("claim "),
        "{task}"
    );
    assert!(
        task["match_reason"].as_str().unwrap().contains("KF-"),
        "{task}"
    );
    // The customer's active contracts travel with the task.
    let contracts: Vec<&str> = task["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["contract_id"].as_str().unwrap())
        .collect();
    assert!(contracts.contains(&"KF-002 405 896"), "{contracts:?}");
    // Export carries the task; the attachment shares the customer.
    assert_eq!(claim_mail["task"]["queue"], "schaden");
    let attachment = docs
        .iter()
        .find(|d| d["source"]["parent_id"] == claim_mail["id"])
        .unwrap();
    assert_eq!(attachment["customer_id"], "K-100001");
    // The newsletter has no customer: manual triage.
    let newsletter = by_name(&docs, "03-newsletter-html-only.eml");
    assert_eq!(newsletter["task"]["queue"], "posteingang");
    // The complaint is urgent and due within a day of receipt.
    let complaint = by_name(&docs, "02-complaint-latin1-qp.eml");
    assert_eq!(complaint["task"]["queue"], "beschwerde");
    assert_eq!(complaint["task"]["priority"], "urgent");

    // The outbox has every task, in the same schema (a task whose case got a document is
    // appended again: the latest line per id is its state).
    let outbox = std::fs::read_to_string(env.path("data/outbox/tasks.jsonl")).unwrap();
    let lines: Vec<Value> = outbox
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: std::collections::HashSet<i64> =
        lines.iter().map(|l| l["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), tasks.len());
    assert!(lines.len() >= tasks.len());
    assert!(lines
        .iter()
        .all(|l| l["id"].is_i64() && l["queue"].is_string()));

    // Search by type and customer.
    let hits = env.search(&["", "--type", "claim", "--customer", "K-100001"]);
    assert!(hits["total"].as_u64().unwrap() >= 2, "{hits}");
    assert!(hits["hits"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["customer_id"] == "K-100001"));
}

#[test]
fn clerks_claim_reassign_correct_and_finish_tasks() {
    let env = ingested_samples();
    let docs = env.export();
    let newsletter = by_name(&docs, "03-newsletter-html-only.eml");
    let id = newsletter["task"]["id"].to_string();

    env.ok(&["tasks", "claim", &id, "--user", "mueller"]);
    let again = env.run(&["tasks", "claim", &id, "--user", "schmidt"]);
    assert!(
        !again.status.success(),
        "a claimed task cannot be claimed again"
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("claimed"));

    env.ok(&[
        "tasks",
        "correct",
        &id,
        "--type",
        "complaint",
        "--customer",
        "K-100003",
        "--user",
        "mueller",
    ]);
    env.ok(&[
        "tasks",
        "reassign",
        &id,
        "--queue",
        "beschwerde",
        "--user",
        "mueller",
    ]);
    let listed: Vec<Value> = env
        .ok(&["tasks", "list", "--queue", "beschwerde", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let t = listed
        .iter()
        .find(|t| t["id"] == newsletter["task"]["id"])
        .expect("moved to beschwerde");
    assert_eq!(t["doc_type"], "complaint");
    assert_eq!(t["customer_id"], "K-100003");
    assert_eq!(t["status"], "open", "a reassigned task is open again");
    let doc = by_name(&env.export(), "03-newsletter-html-only.eml").clone();
    assert_eq!(doc["doc_type"], "complaint");
    assert_eq!(doc["customer_id"], "K-100003");

    env.ok(&["tasks", "done", &id, "--user", "mueller"]);
    let open = env.ok(&["tasks", "list", "--status", "open", "--json"]);
    assert!(!open
        .lines()
        .any(|l| serde_json::from_str::<Value>(l).unwrap()["id"] == newsletter["task"]["id"]));

    let bad = env.run(&["tasks", "correct", &id, "--type", "boat"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a document type"));
    let unknown = env.run(&["tasks", "correct", &id, "--customer", "K-999999"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("not a known customer"));

    // The correction is training data: `intake train` takes it with the labelled files.
    std::fs::write(
        env.path("labels.jsonl"),
        "{\"file\": \"mail/01-address-change-plain-utf8.eml\", \"doc_type\": \"address_change\", \"customer_id\": null}\n",
    )
    .unwrap();
    let out = env.run(&[
        "train",
        "--labels",
        "labels.jsonl",
        "--root",
        samples().to_str().unwrap(),
        "--out",
        "model.json",
    ]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("trained on 2 example(s) (1 from corrections)"),
        "{said}"
    );
}

#[test]
fn customer_file_shows_one_timeline_across_channels() {
    let env = ingested_samples();
    // The same customer also writes a letter through the watched folder.
    let serve = env.serve();
    crate::support::drop_file(
        &env.inbox(),
        "brief.pdf",
        &intake::samples::letter_pdf(&[vec![
            "Kundennummer: K-100001".to_string(),
            "Sehr geehrte Damen und Herren, hiermit kündige ich meine Wohngebäudeversicherung WG-554 015 496 fristgerecht.".to_string(),
        ]]),
    );
    env.wait_until_inbox_empty(std::time::Duration::from_secs(60));
    drop(serve);

    let file: Value =
        serde_json::from_str(&env.ok(&["customer", "show", "K-100001", "--json"])).unwrap();
    assert_eq!(file["customer"]["last_name"], "Werner");
    assert!(!file["contracts"].as_array().unwrap().is_empty());
    let timeline = file["timeline"].as_array().unwrap();
    let channels: Vec<&str> = timeline
        .iter()
        .map(|e| e["channel"].as_str().unwrap())
        .collect();
    assert!(
        channels.contains(&"scan") && channels.contains(&"ingest"),
        "{channels:?}"
    );
    assert!(timeline.iter().any(|e| e["doc_type"] == "cancellation"));
    assert!(timeline.iter().all(|e| e["task_id"].is_i64()));
    // One task per case: the reply shares the claim's task.
    let task_ids: std::collections::HashSet<i64> = timeline
        .iter()
        .map(|e| e["task_id"].as_i64().unwrap())
        .collect();
    assert_eq!(file["tasks"].as_array().unwrap().len(), task_ids.len());
    assert_eq!(task_ids.len(), timeline.len() - 1);
    let text = env.ok(&["customer", "show", "K-100001"]);
    assert!(
        text.contains("Timeline") && text.contains("Open tasks"),
        "{text}"
    );
    let missing = env.run(&["customer", "show", "K-999999"]);
    assert!(!missing.status.success());
}

/// `intake eval --json` on `samples/NAME/` with the sample master data.
fn eval_sample_set(name: &str) -> Value {
    let env = with_sample_customers();
    let dir = samples().join(name);
    serde_json::from_str(&env.ok(&[
        "eval",
        "--json",
        "--labels",
        dir.join("labels.jsonl").to_str().unwrap(),
        "--root",
        dir.to_str().unwrap(),
    ]))
    .unwrap()
}

/// The held-out set (samples/heldout: hand-written by a separate session, never read while the
/// rules were written, never trained on; evaluated once for BENCHMARKS.md). Its figures must
/// hold: the targets, and nothing routed without a person may be wrong. This is a
/// guard, not a target — if it fails, do not tune on these files; find the cause elsewhere.
#[test]
fn held_out_set_meets_the_targets() {
    let report = eval_sample_set("heldout");
    assert_eq!(report["documents"], 100, "{report}");
    let figure = |k: &str| report[k].as_f64().unwrap();
    assert!(figure("type_macro_f1") >= 0.95, "{report}");
    assert!(figure("routing_accuracy") >= 0.95, "{report}");
    assert!(figure("match_precision") >= 0.995, "{report}");
    assert!(figure("match_recall") >= 0.95, "{report}");
    assert_eq!(report["dark_precision"], 1.0, "{report}");
    // Confidence means something: the 0.9–1.0 decisions are right at least 9 times in 10.
    let top = report["calibration"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["from"].as_f64() == Some(0.9))
        .expect("decisions above 0.9");
    assert!(top["accuracy"].as_f64().unwrap() >= 0.9, "{report}");
}

/// The first independent set (samples/validation; evaluated once in session 2, since then
/// tuning and training data): whatever intake decides without a person must be right — no
/// wrong customer, no case in a department queue that belongs elsewhere.
#[test]
fn independent_validation_set_is_never_routed_wrongly_without_a_person() {
    let report = eval_sample_set("validation");
    assert_eq!(report["documents"], 60, "{report}");
    assert_eq!(report["match_precision"], 1.0, "{report}");
    assert_eq!(report["dark_precision"], 1.0, "{report}");
    assert!(report["dark_share"].as_f64().unwrap() >= 0.5, "{report}");
    assert!(report["match_recall"].as_f64().unwrap() >= 0.9, "{report}");
}

/// The hand-written development set (samples/dev, used to tune the rules): the figures it was
/// tuned to must hold, and nothing it routes without a person may be wrong.
#[test]
fn development_set_keeps_its_figures() {
    let report = eval_sample_set("dev");
    assert_eq!(report["documents"], 103, "{report}");
    assert_eq!(report["match_precision"], 1.0, "{report}");
    assert_eq!(report["dark_precision"], 1.0, "{report}");
    assert!(
        report["type_macro_f1"].as_f64().unwrap() >= 0.95,
        "{report}"
    );
    assert!(
        report["routing_accuracy"].as_f64().unwrap() >= 0.95,
        "{report}"
    );
}

/// `intake eval` tells an operator which routing thresholds reach a target precision, and
/// `--plot` draws the reliability diagram and the dark-share curve.
#[test]
fn eval_chooses_routing_thresholds_and_draws_the_plot() {
    let env = with_sample_customers();
    let dir = samples().join("dev");
    let plot = env.path("eval.png");
    let report: Value = serde_json::from_str(&env.ok(&[
        "eval",
        "--json",
        "--labels",
        dir.join("labels.jsonl").to_str().unwrap(),
        "--root",
        dir.to_str().unwrap(),
        "--plot",
        plot.to_str().unwrap(),
    ]))
    .unwrap();
    let levels = report["dark_by_precision"]["levels"].as_array().unwrap();
    let targets: Vec<f64> = levels
        .iter()
        .map(|l| l["target"].as_f64().unwrap())
        .collect();
    assert_eq!(targets, vec![0.95, 0.98, 0.99, 0.995]);
    let mut last_dark = f64::MAX;
    for l in levels {
        let (target, precision) = (
            l["target"].as_f64().unwrap(),
            l["precision"].as_f64().unwrap(),
        );
        assert!(precision >= target, "{l}");
        // A stricter target never routes more.
        let dark = l["dark_share"].as_f64().unwrap();
        assert!(dark <= last_dark, "{levels:?}");
        last_dark = dark;
        for (t, v) in l["thresholds"].as_object().unwrap() {
            assert!(classify_type(t), "{t}");
            assert!((0.6..=1.0).contains(&v.as_f64().unwrap()), "{l}");
        }
    }
    assert!(
        levels[0]["dark_share"].as_f64().unwrap() > 0.3,
        "{levels:?}"
    );
    // The plot: both panels carry a drawn curve (coloured pixels), not just a blank page.
    let img = image::open(&plot).expect("a PNG").to_rgb8();
    assert_eq!(img.dimensions(), (1200, 560));
    let coloured = |x0: u32, x1: u32| {
        (x0..x1)
            .flat_map(|x| (0..560).map(move |y| (x, y)))
            .filter(|&(x, y)| {
                let p = img.get_pixel(x, y).0;
                p[0].abs_diff(p[2]) > 60
            })
            .count()
    };
    assert!(coloured(80, 500) > 20, "reliability panel");
    assert!(coloured(680, 1140) > 20, "dark-share panel");
    // The text report names the thresholds as TOML for [inbox].
    let text = env.ok(&[
        "eval",
        "--labels",
        dir.join("labels.jsonl").to_str().unwrap(),
        "--root",
        dir.to_str().unwrap(),
    ]);
    assert!(text.contains("route_thresholds = {"), "{text}");
}

fn classify_type(t: &str) -> bool {
    intake::classify::DocType::parse(t).is_some()
}

/// Evaluation set B of session 4 (samples/eval/b: a direct insurer's shared mailbox, its own
/// master data and number layouts, written by a separate session from a short brief; a dev set
/// since its first evaluation). A guard like the held-out set's: if it fails, find the cause
/// elsewhere rather than tuning on these files.
#[test]
fn a_strangers_mailbox_keeps_its_figures() {
    let env = Env::new();
    let dir = samples().join("eval/b");
    let arg = |f: &str| dir.join(f).to_str().unwrap().to_string();
    env.ok(&[
        "customers",
        "import",
        "--customers",
        &arg("customers.csv"),
        "--contracts",
        &arg("contracts.csv"),
        "--claims",
        &arg("claims.csv"),
    ]);
    let report: Value = serde_json::from_str(&env.ok(&[
        "eval",
        "--json",
        "--labels",
        &arg("labels.jsonl"),
        "--root",
        dir.to_str().unwrap(),
    ]))
    .unwrap();
    assert_eq!(report["documents"], 120, "{report}");
    let figure = |k: &str| report[k].as_f64().unwrap();
    assert!(figure("type_macro_f1") >= 0.95, "{report}");
    assert!(figure("match_precision") >= 0.995, "{report}");
    assert!(figure("match_recall") >= 0.95, "{report}");
    assert!(figure("dark_precision") >= 0.99, "{report}");
    assert_eq!(report["cases"]["cross_customer_joins"], 0, "{report}");
    assert!(
        report["cases"]["pair_precision"].as_f64().unwrap() >= 0.95,
        "{report}"
    );
    // Non-insurance mail (job applications, newsletters, phishing, auto-replies) never reaches
    // a department as a business type.
    for m in report["mistakes"].as_array().unwrap() {
        assert!(
            m["doc_type"] != "other" || m["decided_queue"] == "posteingang",
            "{m}"
        );
    }
}
