//! The one-shot commands: ingest, search filters, export, reindex, customer import.

use crate::support::{roots, Env};

#[test]
fn ingest_reports_failures_and_exits_non_zero() {
    let env = Env::new();
    let dir = env.path("stapel");
    std::fs::create_dir_all(dir.join("unter")).unwrap();
    std::fs::write(
        dir.join("kuendigung.pdf"),
        intake::samples::letter_pdf(&[vec![
            "Kündigung meiner Hausratversicherung HR-555 123".to_string()
        ]]),
    )
    .unwrap();
    std::fs::write(
        dir.join("unter/anfrage.eml"),
        intake::samples::email(
            "a@example.de",
            "service@example.de",
            "Anfrage Adressänderung",
            "Ich bin umgezogen.",
            &[],
        ),
    )
    .unwrap();
    std::fs::write(dir.join("unter/.versteckt"), b"ignored").unwrap();
    std::fs::write(dir.join("kaputt.pdf"), b"%PDF-1.4\n1 0 obj\n<<").unwrap();

    let out = env.run(&["ingest", "--quiet", "stapel"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2 archived"), "{err}");
    assert!(
        err.contains("FAILED stapel/kaputt.pdf: PDF could not be read"),
        "{err}"
    );
    // The sources are left in place; hidden files are skipped.
    assert!(dir.join("kuendigung.pdf").exists());
    let docs = env.export();
    assert_eq!(roots(&docs).len(), 3);
    assert_eq!(env.search(&["Hausratversicherung"])["total"], 1);

    // Ingesting the same files again: duplicates, nothing new to process, exit still reports the bad one.
    let out = env.run(&["ingest", "--quiet", "stapel/kuendigung.pdf", "stapel/unter"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs = env.export();
    assert_eq!(
        docs.iter().filter(|d| d["status"] == "duplicate").count(),
        2
    );
    assert_eq!(env.search(&["Hausratversicherung"])["total"], 1);

    let out = env.run(&["ingest", "gibt-es-nicht"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such file or directory"));
}

#[test]
fn ingest_takes_the_files_behind_symbolic_links() {
    let env = Env::new();
    let real = env.path("echt");
    std::fs::create_dir_all(&real).unwrap();
    for (name, text) in [
        (
            "a.txt",
            "Hiermit kündige ich meine Hausratversicherung zum Jahresende.",
        ),
        (
            "b.txt",
            "Meine neue Anschrift lautet Gartenweg 5, 12345 Neustadt.",
        ),
    ] {
        std::fs::write(real.join(name), text).unwrap();
    }
    let links = env.path("links");
    std::fs::create_dir_all(&links).unwrap();
    std::os::unix::fs::symlink(real.join("b.txt"), links.join("b.txt")).unwrap();
    std::os::unix::fs::symlink(real.join("a.txt"), env.path("a-link.txt")).unwrap();
    // A link named on the command line, and a folder holding a link.
    let out = env.run(&["ingest", "--quiet", "a-link.txt", "links"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("2 archived"), "{err}");
    assert_eq!(roots(&env.export()).len(), 2);
}

#[test]
fn search_filters_by_date_and_reindex_rebuilds_the_index() {
    let env = Env::new();
    std::fs::create_dir_all(env.path("stapel")).unwrap();
    std::fs::write(
        env.path("stapel/a.eml"),
        intake::samples::email(
            "a@example.de",
            "s@example.de",
            "Kündigung Kfz-Versicherung",
            "Ich kündige meinen Vertrag KF-987 654 321 zum Jahresende.",
            &[],
        ),
    )
    .unwrap();
    env.ok(&["ingest", "--quiet", "stapel"]);
    assert_eq!(env.search(&["kündigen"])["total"], 1);
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap().to_string();
    let yesterday = today.pred_opt().unwrap().to_string();
    assert_eq!(env.search(&["Vertrag", "--since", &tomorrow])["total"], 0);
    assert_eq!(env.search(&["Vertrag", "--until", &yesterday])["total"], 0);
    assert_eq!(
        env.search(&[
            "Vertrag",
            "--since",
            &today.to_string(),
            "--until",
            &today.to_string()
        ])["total"],
        1
    );
    assert_eq!(env.search(&["Vertrag", "--type", "claim"])["total"], 0);

    // Lose the index entirely; reindex rebuilds it from the store.
    std::fs::remove_dir_all(env.path("data/index")).unwrap();
    assert_eq!(env.search(&["Vertrag"])["total"], 0);
    let out = env.run(&["reindex", "--chunk", "1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(env.search(&["987654321"])["total"], 1);
    // The text-mode output highlights the match.
    let text = env.ok(&["search", "Jahresende"]);
    assert!(text.contains("**Jahresende**"), "{text}");
}

#[test]
fn customers_import_keeps_good_rows_and_names_bad_lines() {
    let env = Env::new();
    let root = env!("CARGO_MANIFEST_DIR");
    let out = env.run(&[
        "customers",
        "import",
        "--customers",
        &format!("{root}/samples/customers.csv"),
        "--contracts",
        &format!("{root}/samples/contracts.csv"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("50 customer(s)"));

    std::fs::write(
        env.path("bad.csv"),
        "customer_id,salutation,first_name,last_name,birth_date,street,house_number,postcode,city,email,phone,iban\n\
         K-900001,Frau,Anna,Groß,1980-01-01,Weg,1,10115,Berlin,a@b.de,,\n\
         K-900002,Herr,Bernd,Klein,kein-datum,Weg,2,10115,Berlin,b@b.de,,\n",
    )
    .unwrap();
    let out = env.run(&["customers", "import", "--customers", "bad.csv"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.csv:3: birth_date"), "{err}");
    assert!(err.contains("1 customer(s)"), "{err}");
}

#[test]
fn a_bad_config_names_the_key() {
    let env = Env::with_config("[limits]\nmax_pages = 0\nmax_file_size = 3\n");
    let out = env.run(&["status"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("max_file_size"), "{err}");
}

#[test]
fn train_writes_a_model_that_the_classifier_uses() {
    let env = Env::new();
    let corpus = env.path("corpus");
    intake::samples::generate_corpus(
        &corpus,
        &intake::samples::CorpusSpec {
            emails: 120,
            pdfs: 0,
            seed: 5,
            customers: 50,
        },
    )
    .unwrap();
    std::fs::create_dir_all(env.path("cls")).unwrap();
    for entry in
        std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("classifiers"))
            .unwrap()
    {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&p, env.path("cls").join(p.file_name().unwrap())).unwrap();
        }
    }
    let out = env.run(&[
        "train",
        "--labels",
        "corpus/truth.jsonl",
        "--root",
        "corpus",
        "--out",
        "cls/model.json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("trained on 120 example(s)"));
    let model = intake::classify::model::TextModel::load(&env.path("cls/model.json")).unwrap();
    assert!(!model.weights.is_empty());
    let config = intake::config::ClassifyConfig {
        classifiers_dir: Some(env.path("cls")),
        ..Default::default()
    };
    let with_model = intake::classify::Classifier::from_config(&config).unwrap();
    assert!(with_model.has_model());
    let rules_only = intake::classify::Classifier::from_config(&intake::config::ClassifyConfig {
        use_model: false,
        ..config
    })
    .unwrap();
    assert!(!rules_only.has_model());
    // A bad label line is reported with file and line.
    std::fs::write(
        env.path("bad.jsonl"),
        "{\"file\": \"x\", \"doc_type\": \"boat\", \"customer_id\": null}\n",
    )
    .unwrap();
    let out = env.run(&[
        "train",
        "--labels",
        "bad.jsonl",
        "--root",
        "corpus",
        "--out",
        "cls/m2.json",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bad.jsonl:1: unknown type"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Master data with layouts unlike the samples', claims included; `identify` shows operators
/// what it found and why, and the pipeline uses the same knowledge (claims loaded at start).
#[test]
fn identify_shows_known_numbers_with_their_records_and_the_pipeline_uses_claims() {
    let env = Env::new();
    std::fs::write(
        env.path("c.csv"),
        "customer_id,salutation,first_name,last_name,birth_date,street,house_number,postcode,city,email,phone,iban\n\
         K4419027,Herr,Dieter,Neumann,1970-02-01,Goethestraße,12a,45127,Essen,,,\n\
         K4419029,Frau,Anna,Meier,1988-07-14,Weihelnstraße,7,80331,München,,,\n",
    )
    .unwrap();
    std::fs::write(
        env.path("k.csv"),
        "contract_id,customer_id,product,status,start_date\n\
         WG-17450311,K4419027,wohngebaeude,cancelled,2019-01-01\n\
         WG-26851203,K4419029,wohngebaeude,active,2019-01-01\n",
    )
    .unwrap();
    std::fs::write(
        env.path("s.csv"),
        "claim_id,contract_id,customer_id,loss_date\nSN 2026/0042,WG-26851203,,01.03.2026\n",
    )
    .unwrap();
    let out = env.run(&[
        "customers",
        "import",
        "--customers",
        "c.csv",
        "--contracts",
        "k.csv",
        "--claims",
        "s.csv",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("2 contract(s), 1 claim(s)"), "{err}");
    assert!(
        err.contains("contract numbers (2): AA-99999999 ×2"),
        "{err}"
    );

    std::fs::write(
        env.path("letter.txt"),
        "Autohaus Sonne, Rechnungsnummer 26851203\nVertrag WG 17 450 311\nDieter Neumann",
    )
    .unwrap();
    let text = env.ok(&["identify", "--text", "letter.txt"]);
    assert!(text.contains("\"WG 17 450 311\" → WG17450311"), "{text}");
    assert!(
        text.contains("master record WG-17450311 of customer K4419027"),
        "{text}"
    );
    assert!(text.contains("contract cancelled"), "{text}");
    assert!(
        text.contains("\"26851203\" would be WG-26851203: labelled as the sender's own"),
        "{text}"
    );
    assert!(text.contains("K4419027 (confidence"), "{text}");
    assert!(text.contains("name Dieter Neumann"), "{text}");

    let mut child = env
        .command()
        .args(["identify", "--text", "-", "--json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all("Schaden SN-2026-0042".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["customer"]["result"], "unique", "{j}");
    assert_eq!(j["customer"]["customer_id"], "K4419029", "{j}");
    assert_eq!(j["identifiers"][0]["kind"], "claim_number", "{j}");
    assert_eq!(j["identifiers"][0]["master_id"], "SN 2026/0042", "{j}");

    // The pipeline: a claim number alone finds the customer of the claim's contract.
    std::fs::write(
        env.path("brief.txt"),
        "Schadennummer SN 2026/0042\nAnbei die Fotos.",
    )
    .unwrap();
    env.ok(&["ingest", "brief.txt", "--quiet"]);
    let export = env.export();
    let doc = export
        .iter()
        .find(|d| d["customer_id"].is_string())
        .expect("matched");
    assert_eq!(doc["customer_id"], "K4419029", "{doc}");
}
