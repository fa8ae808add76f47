//! Watched folder: drop files into a running `intake serve` and check the archive.

use std::time::Duration;

use crate::support::{drop_file, roots, sha256_hex, Env};

const WAIT: Duration = Duration::from_secs(60);

fn claim_letter() -> Vec<u8> {
    intake::samples::letter_pdf(&[vec![
        "Schadenmeldung".to_string(),
        "Versicherungsnummer: KF-123 456 789".to_string(),
        "Sehr geehrte Damen und Herren,".to_string(),
        "am 12.03.2026 wurde mein Fahrzeug auf der Straße vor meinem Haus beschädigt.".to_string(),
        "Mit freundlichen Grüßen, Jürgen Müller".to_string(),
    ]])
}

fn mail_with_attachment() -> Vec<u8> {
    intake::samples::email(
        "Erika Schröder <erika.schroeder@example.de>",
        "schaden@versicherung.example",
        "Wasserschaden in der Küche",
        "Guten Tag,\n\nin meiner Küche ist ein Wasserschaden entstanden. Die Rechnung hänge ich an.\n\nErika Schröder",
        &[(
            "Rechnung Installateur.pdf".to_string(),
            "application/pdf".to_string(),
            intake::samples::letter_pdf(&[vec![
                "Rechnung Nr. 2026-0815".to_string(),
                "Austausch Eckventil und Trocknung: 480,00 €".to_string(),
            ]]),
        )],
    )
}

#[test]
fn dropped_mail_and_pdf_are_archived_searchable_and_exported() {
    let env = Env::new();
    let serve = env.serve();
    let pdf = claim_letter();
    let eml = mail_with_attachment();
    drop_file(&env.inbox(), "brief.pdf", &pdf);
    drop_file(&env.inbox(), "mail.eml", &eml);
    env.wait_until_inbox_empty(WAIT);

    // Released only after the durable commit: both moved to processed/DATE/.
    let processed = env.files_under("inbox/processed");
    assert_eq!(processed.len(), 2, "{processed:?}");

    let docs = env.export();
    let roots = roots(&docs);
    assert_eq!(roots.len(), 2, "{docs:#?}");
    for (name, bytes) in [("brief.pdf", &pdf), ("mail.eml", &eml)] {
        let d = roots
            .iter()
            .find(|d| d["source"]["filename"] == name)
            .unwrap_or_else(|| panic!("{name} not exported"));
        assert_eq!(d["status"], "routed", "{d}");
        assert_eq!(d["channel"], "scan");
        assert_eq!(d["sha256"], sha256_hex(bytes));
        // The original is kept byte for byte.
        assert_eq!(&env.blob(d["sha256"].as_str().unwrap()), bytes);
        // Understood and routed: a type and a task, even without master data (then triage).
        assert!(d["doc_type"].is_string(), "{d}");
        assert_eq!(
            d["task"]["queue"], "posteingang",
            "no customer is known: {d}"
        );
    }
    let mail = roots
        .iter()
        .find(|d| d["source"]["filename"] == "mail.eml")
        .unwrap();
    assert_eq!(mail["source"]["subject"], "Wasserschaden in der Küche");
    assert_eq!(mail["media_type"], "message/rfc822");
    // Why the type: the rules that decided and the text model's say.
    let why = mail["doc_type_explanation"].as_str().expect("explained");
    assert!(
        why.contains("wasserschaden") && why.contains("text model"),
        "{why}"
    );
    // The attachment is its own document, linked to its e-mail.
    let attachment = docs
        .iter()
        .find(|d| d["source"]["parent_id"] == mail["id"])
        .expect("attachment exported");
    assert_eq!(
        attachment["source"]["filename"],
        "Rechnung Installateur.pdf"
    );
    assert_eq!(attachment["media_type"], "application/pdf");
    assert_eq!(attachment["status"], "routed");

    // Searchable: stemmed German words, identifiers with and without separators, attachments.
    let hits = env.search(&["Fahrzeug beschädigt"]);
    assert_eq!(
        hits["hits"][0]["id"],
        roots
            .iter()
            .find(|d| d["source"]["filename"] == "brief.pdf")
            .unwrap()["id"]
    );
    for q in ["KF-123 456 789", "KF123456789", "123456789"] {
        assert_eq!(env.search(&[q])["total"], 1, "query {q}");
    }
    let hits = env.search(&["Eckventil"]);
    assert_eq!(hits["hits"][0]["id"], attachment["id"]);
    assert_eq!(hits["hits"][0]["parent_id"], mail["id"]);
    let snippet = hits["hits"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("Eckventil"), "{snippet}");

    // A clean stop.
    assert!(serve.stop().success());
}

#[test]
fn same_bytes_twice_is_a_duplicate_not_a_second_document() {
    let env = Env::new();
    let _serve = env.serve();
    let pdf = claim_letter();
    drop_file(&env.inbox(), "scan-1.pdf", &pdf);
    env.wait_until_inbox_empty(WAIT);
    drop_file(&env.inbox(), "scan-2.pdf", &pdf);
    env.wait_until_inbox_empty(WAIT);

    let docs = env.export();
    assert_eq!(docs.len(), 2, "{docs:#?}");
    assert_eq!(docs[0]["status"], "routed");
    assert_eq!(docs[1]["status"], "duplicate");
    assert_eq!(docs[1]["duplicate_of"], docs[0]["id"]);
    assert_eq!(docs[1]["sha256"], docs[0]["sha256"]);
    // Indexed once.
    assert_eq!(env.search(&["Fahrzeug"])["total"], 1);
    assert_eq!(env.files_under("inbox/processed").len(), 2);
}

#[test]
fn bad_inputs_are_quarantined_with_reasons_and_the_daemon_keeps_going() {
    let env = Env::with_config("[limits]\nmax_file_bytes = 1000000\n");
    let _serve = env.serve();
    let good = claim_letter();
    let mut truncated = good.clone();
    truncated.truncate(good.len() / 3);
    let mut zip = b"PK\x03\x04".to_vec();
    zip.extend_from_slice(&[0u8; 200]);
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("leer.pdf", Vec::new()),
        ("kaputt.pdf", truncated),
        ("archiv.zip", zip),
        ("riesig.pdf", vec![b'x'; 1_500_000]),
        (
            "a\u{7}b\u{1b}[31m.eml",
            b"\x00\x01\x02\x03\x04\x05binary\x00\x9c\x80garbage".to_vec(),
        ),
    ];
    for (name, bytes) in &bad {
        drop_file(&env.inbox(), name, bytes);
    }
    env.wait_until_inbox_empty(WAIT);
    // Still running: a good file after the bad ones is archived.
    drop_file(&env.inbox(), "gut.pdf", &good);
    env.wait_until_inbox_empty(WAIT);

    let docs = env.export();
    assert_eq!(docs.len(), bad.len() + 1);
    let by_name = |n: &str| {
        docs.iter()
            .find(|d| d["source"]["filename"] == n)
            .unwrap_or_else(|| panic!("{n} missing from {docs:#?}"))
    };
    let expect = [
        ("leer.pdf", "empty file"),
        ("kaputt.pdf", "PDF could not be read"),
        ("archiv.zip", "unsupported type: application/zip"),
        ("riesig.pdf", "file too large"),
        ("ab[31m.eml", "unsupported type"),
    ];
    for (name, reason) in expect {
        let d = by_name(name);
        assert_eq!(d["status"], "quarantined", "{d}");
        let err = d["error"].as_str().unwrap();
        assert!(err.contains(reason), "{name}: {err}");
    }
    assert_eq!(by_name("gut.pdf")["status"], "routed");

    // Each bad file sits in failed/ with a note beside it; the original is unchanged.
    for (name, bytes) in &bad {
        let kept = env.path("inbox/failed").join(name);
        assert_eq!(&std::fs::read(&kept).unwrap(), bytes, "{name}");
        let note = std::fs::read_to_string(format!("{}.error.txt", kept.display())).unwrap();
        assert!(note.contains("Reason: "), "{note}");
    }
    // Originals taken in are in the archive too (the oversized one is left in failed/ only).
    let truncated_doc = by_name("kaputt.pdf");
    assert_eq!(
        env.blob(truncated_doc["sha256"].as_str().unwrap()),
        bad[1].1
    );
    assert_eq!(by_name("riesig.pdf")["sha256"], sha256_hex(&bad[3].1));

    // Dropping a quarantined file again is a retry, not a duplicate: it is processed anew.
    drop_file(&env.inbox(), "kaputt-nochmal.pdf", &bad[1].1);
    env.wait_until_inbox_empty(WAIT);
    let again = env
        .export()
        .into_iter()
        .find(|d| d["source"]["filename"] == "kaputt-nochmal.pdf")
        .unwrap();
    assert_eq!(again["status"], "quarantined", "{again}");
    assert!(again["duplicate_of"].is_null());
}

#[test]
fn files_being_written_are_not_taken_early() {
    let env = Env::with_config("");
    let _serve = env.serve();
    // A file that grows for a while (a slow scanner); taken only once stable, so whole.
    let path = env.inbox().join("langsam.eml");
    let body = String::from_utf8(mail_with_attachment()).unwrap();
    let (head, tail) = body.split_at(body.len() / 2);
    std::fs::write(&path, head).unwrap();
    for _ in 0..5 {
        std::thread::sleep(Duration::from_millis(150));
        // still the first half: rewrite with same content but touch mtime
        std::fs::write(&path, head).unwrap();
    }
    std::fs::write(&path, format!("{head}{tail}")).unwrap();
    env.wait_until_inbox_empty(WAIT);
    let docs = env.export();
    let roots = roots(&docs);
    assert_eq!(roots.len(), 1, "{docs:#?}");
    assert_eq!(roots[0]["sha256"], sha256_hex(body.as_bytes()));
    assert_eq!(roots[0]["status"], "routed");
}

#[test]
fn several_folders_with_channels_metadata_polling_and_delete() {
    let env = Env::with_config(
        "[[folders]]\npath = \"share/scan-kfz\"\nchannel = \"scan-kfz\"\nmode = \"poll\"\npoll_interval_ms = 300\nstable_after_ms = 300\nafter = \"delete\"\nmetadata = { department = \"kfz\" }\n",
    );
    std::fs::create_dir_all(env.path("share/scan-kfz/sub")).unwrap();
    let _serve = env.serve();
    let pdf = claim_letter();
    drop_file(&env.path("share/scan-kfz/sub"), "kfz.pdf", &pdf);
    drop_file(&env.inbox(), "mail.eml", &mail_with_attachment());
    env.wait_until_inbox_empty(WAIT);
    let deadline = std::time::Instant::now() + WAIT;
    while env.path("share/scan-kfz/sub/kfz.pdf").exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "polled folder not taken"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let docs = env.export();
    let kfz = docs
        .iter()
        .find(|d| d["source"]["filename"] == "kfz.pdf")
        .unwrap();
    assert_eq!(kfz["channel"], "scan-kfz");
    assert_eq!(kfz["metadata"]["department"], "kfz");
    assert_eq!(kfz["status"], "routed");
    // after = "delete": gone from the share, kept in the archive.
    assert!(env.files_under("share/scan-kfz").is_empty());
    assert_eq!(env.blob(kfz["sha256"].as_str().unwrap()), pdf);
    let mail = docs
        .iter()
        .find(|d| d["source"]["filename"] == "mail.eml")
        .unwrap();
    assert_eq!(mail["channel"], "scan");
}
