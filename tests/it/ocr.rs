//! OCR end to end with the real tesseract: the committed sample scans (samples/scans) are
//! ingested by the real binary; assertions are on recognised words and identifiers, never on
//! exact text. A machine without tesseract or its language data fails here with the command
//! that installs them.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{roots, sha256_hex, Env};

const INSTALL: &str = "apt-get install tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng tesseract-ocr-osd libtesseract-dev poppler-utils (or `make deps`)";

/// Fails (never skips) when tesseract or a language is missing.
pub fn require_tesseract() {
    let out = Command::new("tesseract").arg("--list-langs").output();
    let langs = match out {
        Ok(o) => String::from_utf8_lossy(&o.stdout).into_owned(),
        Err(e) => panic!("tesseract is not installed ({e}); install it: {INSTALL}"),
    };
    for lang in ["deu", "eng", "osd"] {
        assert!(
            langs.lines().any(|l| l.trim() == lang),
            "tesseract language data `{lang}` is missing; install it: {INSTALL}"
        );
    }
}

fn scans_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/scans")
}

fn truth() -> Vec<Value> {
    std::fs::read_to_string(scans_dir().join("truth.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Share of the truth's longer words (≥ 5 letters) that OCR found.
fn words_found(text: &str, truth: &str) -> f64 {
    let words: Vec<&str> = truth
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 5)
        .collect();
    if words.is_empty() {
        return 1.0;
    }
    let found = words.iter().filter(|w| text.contains(*w)).count();
    found as f64 / words.len() as f64
}

fn doc_for<'a>(docs: &'a [Value], file: &str) -> &'a Value {
    roots(docs)
        .into_iter()
        .find(|d| d["source"]["filename"] == file)
        .unwrap_or_else(|| panic!("{file} not in the export"))
}

#[test]
fn sample_scans_are_read_searchable_and_archived() {
    require_tesseract();
    let env = Env::new();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    env.ok(&[
        "customers",
        "import",
        "--customers",
        samples.join("customers.csv").to_str().unwrap(),
        "--contracts",
        samples.join("contracts.csv").to_str().unwrap(),
    ]);
    let dir = env.path("scans");
    std::fs::create_dir_all(&dir).unwrap();
    let truth = truth();
    for t in &truth {
        let f = t["file"].as_str().unwrap();
        std::fs::copy(scans_dir().join(f), dir.join(f)).unwrap();
    }
    env.ok(&["ingest", "--quiet", "scans"]);
    let out = env.run(&["export", "documents", "--with-text"]);
    let docs: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();

    for t in &truth {
        let file = t["file"].as_str().unwrap();
        let doc = doc_for(&docs, file);
        assert_eq!(doc["status"], "routed", "{file}: {doc}");
        let text = doc["text"].as_str().unwrap_or_default();
        let ocr = &doc["ocr"];
        assert!(ocr.is_object(), "{file}: no ocr in {doc}");
        // The original stays byte for byte.
        let original = std::fs::read(scans_dir().join(file)).unwrap();
        assert_eq!(doc["sha256"], sha256_hex(&original), "{file}");
        let text_pages: Vec<u64> = t["text_pages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_u64().unwrap())
            .collect();
        let pages = t["pages"].as_array().unwrap();
        assert_eq!(
            ocr["pages"].as_u64().unwrap() as usize,
            pages.len() - text_pages.len(),
            "{file}: only pages without text are OCR'd: {ocr}"
        );
        for (i, page) in pages.iter().enumerate() {
            let found = words_found(text, page.as_str().unwrap());
            assert!(
                found >= 0.85,
                "{file} page {}: only {:.0} % of the words found in:\n{text}",
                i + 1,
                found * 100.0
            );
        }
        if file == "blank.png" {
            assert_eq!(ocr["flagged_pages"], serde_json::json!([1]), "{ocr}");
            assert_eq!(ocr["page_details"][0]["flags"][0], "blank", "{ocr}");
            continue;
        }
        assert_eq!(ocr["flagged_pages"], serde_json::json!([]), "{file}: {ocr}");
        let conf = ocr["mean_confidence"].as_f64().unwrap();
        assert!(conf > 75.0, "{file}: mean confidence {conf}");
        // The rotation that was undone is recorded.
        let turned = t["turned"].as_u64().unwrap();
        let rotated: Vec<u64> = ocr["rotated_pages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_u64().unwrap())
            .collect();
        if turned == 0 {
            assert!(rotated.is_empty(), "{file}: {ocr}");
        } else {
            assert_eq!(rotated, vec![1], "{file}: {ocr}");
            assert_eq!(
                ocr["page_details"][0]["rotated"].as_u64().unwrap(),
                (360 - turned) % 360,
                "{file}: {ocr}"
            );
        }
        let skew = t["skew_degrees"].as_f64().unwrap();
        if skew != 0.0 {
            let fixed = ocr["page_details"][0]["deskewed"].as_f64().unwrap();
            assert!(
                (fixed - skew).abs() < 0.5,
                "{file}: deskewed {fixed}, truth {skew}"
            );
        }
        // The searchable archive copy is a PDF in the blob store, linked to the original.
        let renditions = doc["renditions"].as_array().unwrap();
        assert_eq!(renditions.len(), 1, "{file}: {doc}");
        assert_eq!(renditions[0]["kind"], "searchable_pdf");
        let pdf = env.blob(renditions[0]["sha256"].as_str().unwrap());
        assert!(pdf.starts_with(b"%PDF"), "{file}");
        // The customer is matched from the OCR text, like from native text. The mixed PDF
        // carries two customers' letters (one per page): never guessed, a person decides.
        if file == "mixed.pdf" {
            assert!(doc["customer_id"].is_null(), "{file}: {doc}");
            assert_eq!(doc["task"]["queue"], "posteingang", "{file}: {doc}");
        } else {
            assert_eq!(doc["customer_id"], t["customer_id"], "{file}: {doc}");
        }
        // The customer number is found by search, like in native text.
        if let Some(id) = t["customer_id"].as_str() {
            let hits = env.search(&[id]);
            let ids: Vec<&Value> = hits["hits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| &h["id"])
                .collect();
            assert!(ids.contains(&&doc["id"]), "{file}: search {id} gave {hits}");
        }
    }
}

#[test]
fn a_page_over_the_pixel_limit_is_recorded_not_fatal() {
    require_tesseract();
    let env = Env::with_config("[ocr]\nmax_pixels = 100000\n");
    let dir = env.path("in");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(scans_dir().join("letter.png"), dir.join("letter.png")).unwrap();
    env.ok(&["ingest", "--quiet", "in"]);
    let docs = env.export();
    let doc = doc_for(&docs, "letter.png");
    assert_eq!(doc["status"], "routed", "{doc}");
    assert_eq!(doc["ocr"]["failed_pages"], serde_json::json!([1]), "{doc}");
    let error = doc["ocr"]["page_details"][0]["error"].as_str().unwrap();
    assert!(error.contains("ocr.max_pixels"), "{error}");
    assert!(
        doc["warnings"][0].as_str().unwrap().contains("page 1"),
        "{doc}"
    );
}
