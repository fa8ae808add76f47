//! Parsing the fixtures in `tests/fixtures/einvoice/` (README there) and hostile XML.

use super::*;
use crate::extract::{extract, Limits, MediaType};
use crate::samples::einvoice::{embed_xml, zugferd_pdf, Embedding};

const CII: &str = include_str!("../../../tests/fixtures/einvoice/cii-werkstatt.xml");
const UBL: &str = include_str!("../../../tests/fixtures/einvoice/ubl-xrechnung.xml");
const CREDIT_NOTE: &str = include_str!("../../../tests/fixtures/einvoice/ubl-creditnote.xml");
const ZUGFERD1: &str = include_str!("../../../tests/fixtures/einvoice/zugferd1-basic.xml");

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn some(s: &str) -> Option<String> {
    Some(s.to_string())
}

#[test]
fn cii_fields_are_read() {
    let inv = parse(CII.as_bytes(), "factur-x.xml").unwrap();
    assert_eq!(inv.syntax, Syntax::Cii);
    assert_eq!(inv.source, "factur-x.xml");
    assert_eq!(inv.profile.as_deref(), Some("urn:cen.eu:en16931:2017"));
    assert_eq!(inv.number, "RE-2026-0815");
    assert_eq!(inv.issue_date, ymd(2026, 11, 3));
    assert_eq!(inv.type_code.as_deref(), Some("380"));
    assert!(!inv.credit_note);
    assert_eq!(inv.currency.as_deref(), Some("EUR"));
    assert_eq!(
        inv.seller,
        Party {
            name: some("Autohaus Beispiel GmbH"),
            vat_id: some("DE123456789"),
        }
    );
    assert_eq!(inv.buyer.name.as_deref(), Some("Beispiel Versicherung AG"));
    assert_eq!(
        inv.totals,
        Totals {
            net: some("1000.00"),
            tax: some("190.00"),
            gross: some("1190.00"),
            due: some("1190.00"),
        }
    );
    assert_eq!(inv.due_date, ymd(2026, 11, 17));
    assert_eq!(inv.seller_iban, vec!["DE02120300000000202051"]);
    assert_eq!(
        inv.references,
        References {
            buyer_reference: some("S-2026001234"),
            project: some("PRJ-9"),
            contract: some("KF-002 405 896"),
            order: some("AUF-77"),
            objects: vec!["K-AB 1234 (AAJ)".into()],
            preceding_invoice: None,
            payment_reference: some("RE-2026-0815 S-2026001234"),
        }
    );
    assert_eq!(
        inv.notes,
        vec!["Reparatur nach Unfall, Ihr Schaden S-2026001234"]
    );
    assert_eq!(inv.lines, 2);
    assert_eq!(
        inv.items,
        vec!["Stoßfänger vorne, lackiert", "Arbeitslohn Karosserie"]
    );
    assert_eq!(inv.kind(), "ZUGFeRD/Factur-X (CII)");
}

#[test]
fn ubl_invoice_fields_are_read() {
    let inv = parse(UBL.as_bytes(), "xml").unwrap();
    assert_eq!(inv.syntax, Syntax::Ubl);
    assert_eq!(inv.number, "2026-GA-118");
    assert_eq!(inv.issue_date, ymd(2026, 10, 28));
    assert_eq!(inv.due_date, ymd(2026, 11, 27));
    assert!(!inv.credit_note);
    // The legal name wins over the trading name; entities are decoded.
    assert_eq!(
        inv.seller.name.as_deref(),
        Some("Gutachterbüro Muster GmbH & Co. KG")
    );
    assert_eq!(inv.seller.vat_id.as_deref(), Some("DE987654321"));
    assert_eq!(inv.buyer.name.as_deref(), Some("Beispiel Versicherung AG"));
    assert_eq!(inv.totals.net.as_deref(), Some("400.00"));
    assert_eq!(inv.totals.tax.as_deref(), Some("76.00"));
    assert_eq!(inv.totals.gross.as_deref(), Some("476.00"));
    assert_eq!(inv.totals.due.as_deref(), Some("476.00"));
    assert_eq!(inv.seller_iban, vec!["DE75512108001245126199"]);
    let r = &inv.references;
    assert_eq!(r.buyer_reference.as_deref(), Some("04011000-12345-34"));
    assert_eq!(r.order.as_deref(), Some("B-4711"));
    assert_eq!(r.contract.as_deref(), Some("HR-1234 5678"));
    assert_eq!(r.project.as_deref(), Some("P-12"));
    assert_eq!(r.objects, vec!["S-2026009876 (ABT)"]);
    assert_eq!(r.payment_reference.as_deref(), Some("2026-GA-118"));
    assert_eq!(inv.lines, 1);
    assert_eq!(inv.kind(), "XRechnung (UBL)");
}

#[test]
fn ubl_credit_note_is_read_with_its_due_date_in_payment_means() {
    let inv = parse(CREDIT_NOTE.as_bytes(), "xml").unwrap();
    assert!(inv.credit_note);
    assert_eq!(inv.type_code.as_deref(), Some("381"));
    assert_eq!(inv.number, "GS-2026-003");
    assert_eq!(inv.due_date, ymd(2026, 11, 16));
    assert_eq!(
        inv.references.preceding_invoice.as_deref(),
        Some("2026-GA-118")
    );
    assert_eq!(inv.totals.due.as_deref(), Some("119.00"));
    assert_eq!(inv.lines, 1);
    assert!(inv.readable_text().starts_with("Gutschrift GS-2026-003"));
}

#[test]
fn zugferd_1_is_read() {
    let inv = parse(ZUGFERD1.as_bytes(), "ZUGFeRD-invoice.xml").unwrap();
    assert_eq!(inv.number, "471102");
    assert_eq!(inv.issue_date, ymd(2026, 3, 5));
    assert_eq!(inv.seller.name.as_deref(), Some("Glaserei Fenster OHG"));
    assert_eq!(inv.seller.vat_id.as_deref(), Some("DE111222333"));
    assert_eq!(inv.totals.gross.as_deref(), Some("297.50"));
    assert_eq!(inv.totals.tax.as_deref(), Some("47.50"));
    assert_eq!(inv.totals.due, None);
    assert_eq!(inv.lines, 1);
}

#[test]
fn prefixes_do_not_matter_but_namespaces_do() {
    let renamed = CII.replace("ram:", "x:").replace("xmlns:ram=", "xmlns:x=");
    let inv = parse(renamed.as_bytes(), "xml").unwrap();
    assert_eq!(inv.number, "RE-2026-0815");
    assert_eq!(inv.totals.gross.as_deref(), Some("1190.00"));

    // The right local names in a foreign namespace are not CII.
    let foreign = CII.replace(
        "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
        "urn:example:other",
    );
    let err = parse(foreign.as_bytes(), "xml").unwrap_err();
    assert!(matches!(err, EInvoiceError::MissingFields(_)), "{err}");
}

#[test]
fn missing_fields_are_named() {
    let xml = r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
        xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
        <cbc:ID>X-1</cbc:ID></Invoice>"#;
    let err = parse(xml.as_bytes(), "xml").unwrap_err();
    assert_eq!(
        err,
        EInvoiceError::MissingFields(vec![
            "issue date (BT-2)",
            "seller name (BT-27)",
            "invoice total (BT-112) or amount due (BT-115)",
        ])
    );
    assert!(err
        .to_string()
        .starts_with("required fields are missing: issue date (BT-2)"));
}

#[test]
fn malformed_and_foreign_xml_are_errors() {
    let cut = &CII[..CII.len() / 2];
    assert!(matches!(
        parse(cut.as_bytes(), "xml"),
        Err(EInvoiceError::Malformed(_))
    ));
    assert_eq!(
        parse(b"<order xmlns=\"urn:x\"/>", "xml").unwrap_err(),
        EInvoiceError::NotAnInvoice("{urn:x}order".into())
    );
    assert_eq!(
        parse(b"\xc3\x28<a/>", "xml").unwrap_err(),
        EInvoiceError::Encoding
    );
}

#[test]
fn billion_laughs_is_refused_without_expanding() {
    let mut xml = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE rsm:CrossIndustryInvoice [\n");
    xml.push_str("<!ENTITY lol \"lol\">\n");
    for i in 1..=9 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        xml.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    xml.push_str("]>\n");
    xml.push_str(&CII[CII.find("<rsm:").unwrap()..].replace("RE-2026-0815", "&lol9;"));
    assert!(candidate(xml.as_bytes()));
    assert_eq!(
        parse(xml.as_bytes(), "xml").unwrap_err(),
        EInvoiceError::Dtd
    );
}

#[test]
fn external_entities_are_refused() {
    let xml = format!(
        "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>{}",
        &CII[CII.find("<rsm:").unwrap()..].replace("RE-2026-0815", "&e;")
    );
    assert_eq!(
        parse(xml.as_bytes(), "xml").unwrap_err(),
        EInvoiceError::Dtd
    );
}

#[test]
fn deep_nesting_is_refused() {
    let depth = 100_000;
    let mut xml = String::from(
        "<rsm:CrossIndustryInvoice xmlns:rsm=\"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100\">",
    );
    xml.push_str(&"<a>".repeat(depth));
    xml.push_str(&"</a>".repeat(depth));
    xml.push_str("</rsm:CrossIndustryInvoice>");
    assert_eq!(
        parse(xml.as_bytes(), "xml").unwrap_err(),
        EInvoiceError::TooDeep {
            limit: xml::MAX_DEPTH
        }
    );
}

#[test]
fn too_many_nodes_and_too_large_are_refused() {
    let mut xml = String::from(
        "<rsm:CrossIndustryInvoice xmlns:rsm=\"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100\">",
    );
    xml.push_str(&"<a/>".repeat(xml::MAX_NODES as usize + 1));
    xml.push_str("</rsm:CrossIndustryInvoice>");
    assert_eq!(
        parse(xml.as_bytes(), "xml").unwrap_err(),
        EInvoiceError::TooManyNodes {
            limit: xml::MAX_NODES
        }
    );
    let big = vec![b' '; xml::MAX_XML_BYTES + 1];
    assert!(matches!(
        parse(&big, "xml"),
        Err(EInvoiceError::TooLarge { .. })
    ));
}

#[test]
fn candidates_are_recognised_by_content() {
    assert!(candidate(CII.as_bytes()));
    assert!(candidate(UBL.as_bytes()));
    assert!(candidate(CREDIT_NOTE.as_bytes()));
    assert!(candidate(ZUGFERD1.as_bytes()));
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(UBL.as_bytes());
    assert!(candidate(&bom));
    assert!(!candidate(b"Rechnung CrossIndustryInvoice im Text"));
    assert!(!candidate(b"<html><body>Invoice</body></html>"));
}

#[test]
fn reference_text_names_the_numbers_for_identification() {
    let text = parse(CII.as_bytes(), "xml").unwrap().reference_text();
    assert!(text.contains("Vertragsnummer: KF-002 405 896"), "{text}");
    assert!(text.contains("Käuferreferenz: S-2026001234"), "{text}");
    assert!(text.contains("IBAN: DE02120300000000202051"), "{text}");
}

#[test]
fn seller_ibans_are_valid() {
    for xml in [CII, UBL] {
        for iban in parse(xml.as_bytes(), "xml").unwrap().seller_iban {
            assert!(iban.parse::<iban::Iban>().is_ok(), "{iban}");
        }
    }
}

// --- through extract(): files, PDFs, e-mails ---

#[test]
fn xml_file_is_extracted_as_invoice_with_readable_text() {
    let ex = extract(UBL.as_bytes(), Some("rechnung.xml"), &Limits::default()).unwrap();
    assert_eq!(ex.media_type, MediaType::Xml);
    assert_eq!(ex.invoice.as_ref().unwrap().number, "2026-GA-118");
    assert!(
        ex.text.contains("Rechnungsnummer: 2026-GA-118"),
        "{}",
        ex.text
    );
    assert!(ex.text.contains("Bruttobetrag: 476.00"), "{}", ex.text);
    assert!(!ex.text.contains("<cbc:"), "markup is not the text");
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
}

#[test]
fn invalid_xml_file_stays_text_with_a_warning() {
    let cut = &UBL[..UBL.len() / 2];
    let ex = extract(cut.as_bytes(), Some("rechnung.xml"), &Limits::default()).unwrap();
    assert_eq!(ex.media_type, MediaType::PlainText);
    assert!(ex.invoice.is_none());
    assert_eq!(ex.text, cut);
    assert_eq!(ex.warnings.len(), 1, "{:?}", ex.warnings);
    assert!(
        ex.warnings[0].starts_with("e-invoice XML could not be read: the XML is not well-formed"),
        "{:?}",
        ex.warnings
    );
}

#[test]
fn other_xml_is_plain_text_without_warning() {
    let xml = b"<?xml version=\"1.0\"?><note><to>Erika</to></note>";
    let ex = extract(xml, Some("notiz.xml"), &Limits::default()).unwrap();
    assert_eq!(ex.media_type, MediaType::PlainText);
    assert!(ex.invoice.is_none());
    assert!(ex.warnings.iter().all(|w| !w.contains("e-invoice")));
}

const LETTER: [&str; 4] = [
    "Autohaus Beispiel GmbH, Ringstraße 1, 50667 Köln",
    "RECHNUNG RE-2026-0815",
    "Reparatur Stoßfänger und Arbeitslohn, Summe 1.190,00 EUR",
    "Zahlbar innerhalb von 14 Tagen ohne Abzug.",
];

#[test]
fn zugferd_pdf_gives_the_invoice_and_keeps_the_page_text() {
    let pdf = zugferd_pdf(&LETTER, "factur-x.xml", CII.as_bytes());
    let ex = extract(&pdf, Some("rechnung.pdf"), &Limits::default()).unwrap();
    assert_eq!(ex.media_type, MediaType::Pdf);
    let inv = ex.invoice.as_ref().expect("embedded invoice");
    assert_eq!(inv.source, "factur-x.xml");
    assert_eq!(inv.number, "RE-2026-0815");
    assert_eq!(inv.totals.gross.as_deref(), Some("1190.00"));
    assert!(
        ex.text.contains("Zahlbar innerhalb von 14 Tagen"),
        "{}",
        ex.text
    );
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
}

#[test]
fn embedded_names_are_matched_without_case_and_af_alone_suffices() {
    let letter = crate::samples::letter_pdf(&[LETTER.iter().map(|l| l.to_string()).collect()]);
    for (name, how) in [
        ("ZUGFeRD-invoice.xml", Embedding::NamesAndAf),
        ("xrechnung.xml", Embedding::AfOnly),
        ("rechnung_4711.xml", Embedding::NamesAndAf),
    ] {
        let pdf = embed_xml(&letter, name, UBL.as_bytes(), how);
        let ex = extract(&pdf, None, &Limits::default()).unwrap();
        assert_eq!(
            ex.invoice.as_ref().map(|i| i.source.as_str()),
            Some(name),
            "{name}"
        );
    }
}

#[test]
fn pdf_with_bad_xml_keeps_its_text_and_warns() {
    let pdf = zugferd_pdf(&LETTER, "factur-x.xml", b"<rsm:CrossIndustryInvoice><oops>");
    let ex = extract(&pdf, None, &Limits::default()).unwrap();
    assert!(ex.invoice.is_none());
    assert!(ex.text.contains("RECHNUNG RE-2026-0815"), "{}", ex.text);
    assert_eq!(ex.warnings.len(), 1, "{:?}", ex.warnings);
    assert!(
        ex.warnings[0].starts_with(
            "e-invoice XML could not be read (factur-x.xml: the XML is not well-formed"
        ),
        "{:?}",
        ex.warnings
    );
    assert!(ex.warnings[0].ends_with("; the PDF text is used"));
}

#[test]
fn pdf_with_hostile_xml_warns_and_is_not_quarantined() {
    let mut bomb = String::from("<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\">");
    for i in 1..=9 {
        bomb.push_str(&format!("<!ENTITY a{i} \"{}\">", "&a;".repeat(10)));
    }
    bomb.push_str("]><rsm:CrossIndustryInvoice>&a9;</rsm:CrossIndustryInvoice>");
    let pdf = zugferd_pdf(&LETTER, "factur-x.xml", bomb.as_bytes());
    let ex = extract(&pdf, None, &Limits::default()).unwrap();
    assert!(ex.invoice.is_none());
    assert!(
        ex.warnings[0].contains("declares a DTD"),
        "{:?}",
        ex.warnings
    );
    assert!(ex.text.contains("RECHNUNG"));
}

#[test]
fn pdf_without_xml_has_no_invoice_and_no_warning() {
    let pdf = crate::samples::letter_pdf(&[LETTER.iter().map(|l| l.to_string()).collect()]);
    let ex = extract(&pdf, None, &Limits::default()).unwrap();
    assert!(ex.invoice.is_none());
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
}

#[test]
fn email_with_xrechnung_attachment_carries_the_invoice_on_the_attachment() {
    let mail = format!(
        "From: buchhaltung@gutachter.example\r\nTo: rechnungen@versicherung.example\r\n\
Subject: Rechnung 2026-GA-118\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\nAnbei unsere Rechnung als XRechnung.\r\n--b\r\n\
Content-Type: application/xml; name=\"2026-GA-118.xml\"\r\n\
Content-Disposition: attachment; filename=\"2026-GA-118.xml\"\r\n\r\n{UBL}\r\n--b--\r\n"
    );
    let ex = extract(mail.as_bytes(), None, &Limits::default()).unwrap();
    assert_eq!(ex.media_type, MediaType::Email);
    assert!(ex.invoice.is_none(), "the e-mail itself is not the invoice");
    let attachment = ex.attachments[0].content.as_ref().unwrap();
    assert_eq!(attachment.media_type, MediaType::Xml);
    assert_eq!(attachment.invoice.as_ref().unwrap().number, "2026-GA-118");
}

#[test]
fn zugferd_1_release_candidate_with_unqualified_children_is_read() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<rsm:Invoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CBFBUY:5">
  <rsm:HeaderExchangedDocument>
    <ID>RE-1/2014</ID><TypeCode>380</TypeCode>
    <IssueDateTime format="102">20140519</IssueDateTime>
  </rsm:HeaderExchangedDocument>
  <rsm:SpecifiedSupplyChainTradeTransaction>
    <ApplicableSupplyChainTradeAgreement>
      <SellerTradeParty><Name>Handwerk Muster</Name></SellerTradeParty>
    </ApplicableSupplyChainTradeAgreement>
    <ApplicableSupplyChainTradeSettlement>
      <InvoiceCurrencyCode>EUR</InvoiceCurrencyCode>
      <SpecifiedTradePaymentTerms><DueDateDateTime format="102">20140609</DueDateDateTime></SpecifiedTradePaymentTerms>
      <SpecifiedTradeSettlementMonetarySummation>
        <GrandTotalAmount currencyID="EUR">559.84</GrandTotalAmount>
      </SpecifiedTradeSettlementMonetarySummation>
    </ApplicableSupplyChainTradeSettlement>
  </rsm:SpecifiedSupplyChainTradeTransaction>
</rsm:Invoice>"#;
    assert!(candidate(xml.as_bytes()));
    let inv = parse(xml.as_bytes(), "ZUGFeRD-invoice.xml").unwrap();
    assert_eq!(inv.number, "RE-1/2014");
    assert_eq!(inv.issue_date, ymd(2014, 5, 19));
    assert_eq!(inv.due_date, ymd(2014, 6, 9));
    assert_eq!(inv.seller.name.as_deref(), Some("Handwerk Muster"));
    assert_eq!(inv.totals.gross.as_deref(), Some("559.84"));
}

#[test]
fn kosit_business_case_gives_the_same_fields_in_cii_and_ubl() {
    let cii = include_str!("../../../tests/fixtures/einvoice/kosit/01.01a-INVOICE_uncefact.xml");
    let ubl = include_str!("../../../tests/fixtures/einvoice/kosit/01.01a-INVOICE_ubl.xml");
    let cii = parse(cii.as_bytes(), "xml").unwrap();
    let ubl = parse(ubl.as_bytes(), "xml").unwrap();
    assert_eq!(cii.syntax, Syntax::Cii);
    assert_eq!(ubl.syntax, Syntax::Ubl);
    assert_eq!(cii.kind(), "XRechnung (CII)");
    assert_eq!(ubl.kind(), "XRechnung (UBL)");
    assert_eq!(cii.number, "123456XX");
    assert_eq!(cii.issue_date, ymd(2016, 4, 4));
    assert_eq!(cii.seller_iban, vec!["DE79000000001234567890"]);
    assert_eq!(cii.lines, 2);
    assert_eq!(cii.totals.due.as_deref(), Some("336.9"));
    assert_eq!(cii.due_date, ubl.due_date);
    for (field, a, b) in [
        ("number", Some(cii.number.clone()), Some(ubl.number.clone())),
        (
            "issue_date",
            cii.issue_date.map(|d| d.to_string()),
            ubl.issue_date.map(|d| d.to_string()),
        ),
        ("currency", cii.currency.clone(), ubl.currency.clone()),
        ("seller", cii.seller.name.clone(), ubl.seller.name.clone()),
        (
            "seller vat",
            cii.seller.vat_id.clone(),
            ubl.seller.vat_id.clone(),
        ),
        ("buyer", cii.buyer.name.clone(), ubl.buyer.name.clone()),
        (
            "buyer reference",
            cii.references.buyer_reference.clone(),
            ubl.references.buyer_reference.clone(),
        ),
        ("net", cii.totals.net.clone(), ubl.totals.net.clone()),
        ("tax", cii.totals.tax.clone(), ubl.totals.tax.clone()),
        ("gross", cii.totals.gross.clone(), ubl.totals.gross.clone()),
        ("due", cii.totals.due.clone(), ubl.totals.due.clone()),
        (
            "iban",
            cii.seller_iban.first().cloned(),
            ubl.seller_iban.first().cloned(),
        ),
        (
            "lines",
            Some(cii.lines.to_string()),
            Some(ubl.lines.to_string()),
        ),
    ] {
        assert_eq!(a, b, "{field} differs between CII and UBL");
        assert!(a.is_some(), "{field} missing");
    }
}

#[test]
fn dates_may_carry_a_time_zone() {
    assert_eq!(date(some("20261103")), ymd(2026, 11, 3));
    assert_eq!(date(some("2016-04-04+01:00")), ymd(2016, 4, 4));
    assert_eq!(date(some("2016-04-04Z")), ymd(2016, 4, 4));
    assert_eq!(date(some("2016-04-04")), ymd(2016, 4, 4));
    assert_eq!(date(some("04.04.2016")), None);
    assert_eq!(date(some("2016-13-01")), None);
    assert_eq!(date(some("ü")), None);
}
