//! E-invoices end to end: a ZUGFeRD PDF, an e-mail with an XRechnung attachment, a credit note
//! as an XML file, a PDF whose XML is broken and one without XML, through `intake ingest` and
//! `intake export documents`.

use serde_json::Value;

use crate::support::Env;
use intake::samples::einvoice::zugferd_pdf;

const CII: &str = include_str!("../fixtures/einvoice/cii-werkstatt.xml");
const UBL: &str = include_str!("../fixtures/einvoice/ubl-xrechnung.xml");
const CREDIT_NOTE: &str = include_str!("../fixtures/einvoice/ubl-creditnote.xml");

/// The page text of the PDFs: a terse invoice letter that names no contract number (the XML
/// does).
const LETTER: [&str; 3] = [
    "Autohaus Beispiel GmbH, Ringstraße 1, 50667 Köln",
    "Vielen Dank für Ihren Auftrag. Wir erlauben uns zu berechnen:",
    "Stoßfänger und Arbeitslohn, Summe siehe Anlage.",
];

fn by_name<'a>(export: &'a [Value], name: &str) -> &'a Value {
    export
        .iter()
        .find(|d| d["source"]["filename"] == name)
        .unwrap_or_else(|| panic!("{name} not exported"))
}

#[test]
fn e_invoices_are_typed_from_their_xml_and_exported() {
    let env = Env::with_sample_customers("");
    let dir = env.path("in");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("werkstatt.pdf"),
        zugferd_pdf(&LETTER, "factur-x.xml", CII.as_bytes()),
    )
    .unwrap();
    std::fs::write(
        dir.join("kaputt.pdf"),
        zugferd_pdf(&LETTER, "factur-x.xml", &CII.as_bytes()[..CII.len() / 2]),
    )
    .unwrap();
    std::fs::write(
        dir.join("ohne-xml.pdf"),
        intake::samples::letter_pdf(&[LETTER.iter().map(|l| l.to_string()).collect()]),
    )
    .unwrap();
    std::fs::write(dir.join("gutschrift.xml"), CREDIT_NOTE).unwrap();
    let mail = format!(
        "From: buchhaltung@gutachter.example\r\nTo: rechnungen@versicherung.example\r\n\
Subject: Unterlagen\r\nMessage-ID: <xr-1@gutachter.example>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\nGuten Tag, anbei die Unterlagen.\r\n--b\r\n\
Content-Type: application/xml; name=\"2026-GA-118.xml\"\r\n\
Content-Disposition: attachment; filename=\"2026-GA-118.xml\"\r\n\r\n{UBL}\r\n--b--\r\n"
    );
    std::fs::write(dir.join("xrechnung.eml"), mail).unwrap();
    env.ok(&["ingest", "--quiet", dir.to_str().unwrap()]);
    let export = env.export();

    // ZUGFeRD: typed invoice from the XML, the fields exported, the XML's contract reference
    // identifies the customer although the page text names none.
    let pdf = by_name(&export, "werkstatt.pdf");
    assert_eq!(pdf["status"], "routed", "{pdf}");
    assert_eq!(pdf["doc_type"], "invoice");
    assert_eq!(pdf["doc_type_confidence"], 1.0);
    let why = pdf["doc_type_explanation"].as_str().unwrap();
    assert!(
        why.starts_with("invoice 1.00 by e-invoice XML: ZUGFeRD/Factur-X (CII) in factur-x.xml, number RE-2026-0815"),
        "{why}"
    );
    let inv = &pdf["invoice"];
    assert_eq!(inv["number"], "RE-2026-0815");
    assert_eq!(inv["issue_date"], "2026-11-03");
    assert_eq!(inv["seller"]["name"], "Autohaus Beispiel GmbH");
    assert_eq!(inv["seller"]["vat_id"], "DE123456789");
    assert_eq!(inv["totals"]["gross"], "1190.00");
    assert_eq!(inv["due_date"], "2026-11-17");
    assert_eq!(inv["seller_iban"][0], "DE02120300000000202051");
    assert_eq!(inv["references"]["contract"], "KF-002 405 896");
    let ids = pdf["identifiers"].as_array().unwrap();
    assert!(
        ids.iter()
            .any(|i| i["kind"] == "contract_number" && i["value"] == "KF002405896"),
        "{ids:?}"
    );
    assert!(
        ids.iter()
            .any(|i| i["kind"] == "iban" && i["value"] == "DE02120300000000202051"),
        "{ids:?}"
    );
    assert_eq!(pdf["customer_id"], "K-100001");
    assert!(pdf["warnings"].as_array().unwrap().is_empty());
    assert!(pdf["task"]["queue"].is_string());

    // Broken XML: a warning, the page text is used, nothing quarantined, no invoice object.
    let broken = by_name(&export, "kaputt.pdf");
    assert_eq!(broken["status"], "routed", "{broken}");
    assert!(broken["invoice"].is_null());
    let warnings = broken["warnings"].as_array().unwrap();
    assert!(
        warnings[0].as_str().unwrap().starts_with(
            "e-invoice XML could not be read (factur-x.xml: the XML is not well-formed"
        ),
        "{warnings:?}"
    );
    assert!(broken["text_chars"].as_u64().unwrap() > 50);
    assert!(!broken["doc_type_explanation"]
        .as_str()
        .unwrap()
        .contains("e-invoice XML"));

    // A PDF without XML is read as before.
    let plain = by_name(&export, "ohne-xml.pdf");
    assert!(plain["invoice"].is_null());
    assert!(plain["warnings"].as_array().unwrap().is_empty());

    // A credit note as an XML file.
    let credit = by_name(&export, "gutschrift.xml");
    assert_eq!(credit["media_type"], "application/xml");
    assert_eq!(credit["doc_type"], "invoice");
    assert_eq!(credit["invoice"]["credit_note"], true);
    assert_eq!(
        credit["invoice"]["references"]["preceding_invoice"],
        "2026-GA-118"
    );

    // The e-mail: the attachment's XML types the whole case.
    let mail = by_name(&export, "xrechnung.eml");
    assert_eq!(mail["doc_type"], "invoice", "{mail}");
    assert!(
        mail["invoice"].is_null(),
        "the invoice sits on the attachment"
    );
    let attachment = by_name(&export, "2026-GA-118.xml");
    assert_eq!(attachment["doc_type"], "invoice");
    assert_eq!(attachment["invoice"]["syntax"], "ubl");
    assert_eq!(attachment["invoice"]["totals"]["due"], "476.00");
    assert_eq!(attachment["task"]["id"], mail["task"]["id"]);
}

#[test]
fn the_document_page_and_api_show_the_invoice_fields() {
    use reqwest::blocking::{multipart, Client};
    use std::time::{Duration, Instant};

    let env = Env::with_sample_customers("");
    env.add_user("admin", "admin", &["--permission", "health"]);
    let (_serve, base) = env.serve_web();
    let http = Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let login: Value = http
        .post(format!("{base}/api/login"))
        .json(&serde_json::json!({"user": "admin", "password": "geheim1234"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let token = login["token"].as_str().unwrap().to_string();
    let pdf = zugferd_pdf(&LETTER, "factur-x.xml", CII.as_bytes());
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(pdf).file_name("rechnung.pdf"),
    );
    let created: Value = http
        .post(format!("{base}/api/documents"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let id = created["documents"][0]["id"].as_i64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let doc = loop {
        let d: Value = http
            .get(format!("{base}/api/documents/{id}"))
            .bearer_auth(&token)
            .send()
            .unwrap()
            .json()
            .unwrap();
        if d["status"] == "routed" {
            break d;
        }
        assert!(Instant::now() < deadline, "not routed: {d}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(doc["invoice"]["number"], "RE-2026-0815");
    assert_eq!(doc["invoice"]["totals"]["due"], "1190.00");
    assert_eq!(doc["understanding"]["doc_type"], "invoice");

    let page = http
        .get(format!("{base}/dokumente/{id}"))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .text()
        .unwrap();
    for needle in [
        "<h2>E-Rechnung</h2>",
        "<dt>Rechnungsnummer</dt><dd>RE-2026-0815</dd>",
        "<dt>Verkäufer</dt><dd>Autohaus Beispiel GmbH</dd>",
        "<dt>Zahlbetrag</dt><dd>1.190,00 EUR</dd>",
        "<dt>Fällig am</dt><dd>17.11.2026</dd>",
    ] {
        assert!(
            page.contains(needle),
            "{needle} missing on the document page"
        );
    }
}
