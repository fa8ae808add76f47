//! E-invoices (EN 16931): ZUGFeRD / Factur-X (a PDF/A-3 with the invoice XML embedded) and
//! XRechnung (CII `rsm:CrossIndustryInvoice` or UBL `Invoice` / `CreditNote` XML, as a file
//! or an e-mail attachment).
//!
//! Owns: recognising invoice XML ([`candidate`]), reading it safely ([`xml`]: no DTD, size,
//! node and depth limits), the field mapping of both syntaxes (`cii.rs`, `ubl.rs`, also
//! ZUGFeRD 1.0's `CrossIndustryDocument`), finding the XML inside a PDF (`embedded.rs`), and
//! [`EInvoice`], the fields as they travel on (stored with the document, exported as its
//! `invoice` object).
//! Takes: XML bytes (or a loaded lopdf document). Gives: an [`EInvoice`] or an
//! [`EInvoiceError`] worded for a clerk. Pure functions, no I/O.

mod cii;
pub(super) mod embedded;
mod ubl;
pub mod xml;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The XML syntax an e-invoice is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Syntax {
    /// UN/CEFACT Cross Industry Invoice (ZUGFeRD 2, Factur-X, XRechnung CII; also ZUGFeRD 1.0
    /// and its 2014 release candidate).
    Cii,
    /// OASIS UBL 2.1 `Invoice` or `CreditNote` (XRechnung UBL, Peppol).
    Ubl,
}

/// A party (seller BG-4, buyer BG-7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// BT-27 / BT-44.
    pub name: Option<String>,
    /// BT-31 / BT-48: VAT identifier.
    pub vat_id: Option<String>,
}

/// Document totals (BG-22); decimals exactly as written in the XML (e.g. `"1190.00"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// BT-109: total without VAT.
    pub net: Option<String>,
    /// BT-110: total VAT in the invoice currency.
    pub tax: Option<String>,
    /// BT-112: total with VAT.
    pub gross: Option<String>,
    /// BT-115: amount due for payment.
    pub due: Option<String>,
}

/// Numbers the invoice refers to, where present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct References {
    /// BT-10: buyer reference (Leitweg-ID, or the buyer's own reference, e.g. a claim number).
    pub buyer_reference: Option<String>,
    /// BT-11: project reference.
    pub project: Option<String>,
    /// BT-12: contract reference (e.g. a policy number).
    pub contract: Option<String>,
    /// BT-13: purchase order reference.
    pub order: Option<String>,
    /// BT-18: invoiced object identifiers (e.g. a claim or vehicle), with their scheme if given.
    pub objects: Vec<String>,
    /// BT-25: preceding invoice (credit notes, corrections).
    pub preceding_invoice: Option<String>,
    /// BT-83: remittance information (the payment reference).
    pub payment_reference: Option<String>,
}

/// The fields of an EN 16931 invoice read from its XML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EInvoice {
    pub syntax: Syntax,
    /// Where the XML was found: the embedded file's name (`factur-x.xml`, …) or `xml` for an
    /// XML file.
    pub source: String,
    /// BT-24: specification identifier (profile), e.g. `urn:cen.eu:en16931:2017`.
    pub profile: Option<String>,
    /// BT-1.
    pub number: String,
    /// BT-2.
    pub issue_date: Option<NaiveDate>,
    /// BT-3: UNTDID 1001 code (380 invoice, 381 credit note, 384 corrected, 326 partial, …).
    pub type_code: Option<String>,
    /// A credit note (UBL `CreditNote` or type code 381).
    pub credit_note: bool,
    /// BT-5.
    pub currency: Option<String>,
    pub seller: Party,
    pub buyer: Party,
    pub totals: Totals,
    /// BT-9.
    pub due_date: Option<NaiveDate>,
    /// BT-84: the seller's IBAN(s) to pay to.
    pub seller_iban: Vec<String>,
    pub references: References,
    /// BT-22: invoice notes (subject and free text), at most [`MAX_NOTES`].
    pub notes: Vec<String>,
    /// Number of invoice lines (BG-25).
    pub lines: u32,
    /// Item names of the lines (BT-153), at most [`MAX_ITEM_NAMES`]; for the readable text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
}

/// Notes kept per invoice.
pub const MAX_NOTES: usize = 20;
/// Item names kept per invoice.
pub const MAX_ITEM_NAMES: usize = 200;
/// Characters kept per note or item name.
const MAX_FIELD_CHARS: usize = 2000;

/// Why invoice XML could not be used; the document keeps its other text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EInvoiceError {
    #[error("the XML is too large ({bytes} bytes, limit {limit})")]
    TooLarge { bytes: usize, limit: usize },
    #[error("the XML is not UTF-8 or UTF-16 text")]
    Encoding,
    #[error(
        "the XML declares a DTD (not allowed in e-invoices, refused to avoid entity expansion)"
    )]
    Dtd,
    #[error("the XML has too many nodes (limit {limit})")]
    TooManyNodes { limit: u32 },
    #[error("the XML is nested too deeply (limit {limit} levels)")]
    TooDeep { limit: usize },
    #[error("the XML is not well-formed: {0}")]
    Malformed(String),
    #[error("the XML is not an EN 16931 invoice (root element {0})")]
    NotAnInvoice(String),
    #[error("required fields are missing: {}", .0.join(", "))]
    MissingFields(Vec<&'static str>),
}

/// Namespaces of the root elements that make a document an invoice.
const CII_NS: &str = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
const ZUGFERD1_NS: &str = "urn:ferd:CrossIndustryDocument:invoice:1p0";
const ZUGFERD1_RC_NS: &str = "urn:un:unece:uncefact:data:standard:CBFBUY:5";
const UBL_INVOICE_NS: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
const UBL_CREDIT_NOTE_NS: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";

/// True if `bytes` look like invoice XML (a root element name or namespace of CII or UBL near
/// the start): cheap, before any parsing. Such a file is parsed and, when it fails, reported.
pub fn candidate(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8 * 1024)];
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace() && !matches!(*b, 0xEF | 0xBB | 0xBF))
        .unwrap_or(head.len());
    if head.get(start) != Some(&b'<') {
        return false;
    }
    let head = String::from_utf8_lossy(head);
    [
        "CrossIndustryInvoice",
        "CrossIndustryDocument",
        ZUGFERD1_RC_NS,
        UBL_INVOICE_NS,
        UBL_CREDIT_NOTE_NS,
    ]
    .iter()
    .any(|marker| head.contains(marker))
}

/// Reads an e-invoice from XML bytes; `source` says where they came from (see
/// [`EInvoice::source`]).
pub fn parse(bytes: &[u8], source: &str) -> Result<EInvoice, EInvoiceError> {
    let text = xml::decode(bytes)?;
    let doc = xml::parse(&text)?;
    let root = doc.root_element();
    let name = root.tag_name();
    let invoice = match (name.namespace(), name.name()) {
        (Some(CII_NS), "CrossIndustryInvoice") => cii::read(root, &cii::D16B),
        (Some(ZUGFERD1_NS), "CrossIndustryDocument") => cii::read(root, &cii::ZUGFERD1),
        (Some(ZUGFERD1_RC_NS), "Invoice") => cii::read(root, &cii::ZUGFERD1_RC),
        (Some(UBL_INVOICE_NS), "Invoice") => ubl::read(root, false),
        (Some(UBL_CREDIT_NOTE_NS), "CreditNote") => ubl::read(root, true),
        (ns, local) => {
            return Err(EInvoiceError::NotAnInvoice(match ns {
                Some(ns) => format!("{{{ns}}}{local}"),
                None => local.to_string(),
            }))
        }
    };
    let mut invoice = require(invoice)?;
    invoice.source = source.to_string();
    for field in invoice.notes.iter_mut().chain(invoice.items.iter_mut()) {
        if let Some((cut, _)) = field.char_indices().nth(MAX_FIELD_CHARS) {
            field.truncate(cut);
        }
    }
    Ok(invoice)
}

/// Checks the fields an invoice cannot be used without (BT-1, BT-2, the seller BT-27 and an
/// amount BT-112 or BT-115) and names the missing ones.
fn require(invoice: EInvoice) -> Result<EInvoice, EInvoiceError> {
    let mut missing = Vec::new();
    if invoice.number.is_empty() {
        missing.push("invoice number (BT-1)");
    }
    if invoice.issue_date.is_none() {
        missing.push("issue date (BT-2)");
    }
    if invoice.seller.name.is_none() {
        missing.push("seller name (BT-27)");
    }
    if invoice.totals.gross.is_none() && invoice.totals.due.is_none() {
        missing.push("invoice total (BT-112) or amount due (BT-115)");
    }
    if missing.is_empty() {
        Ok(invoice)
    } else {
        Err(EInvoiceError::MissingFields(missing))
    }
}

/// A decimal amount as written, if it is one (`-12.50`, `1190`, `0.5`).
fn amount(text: Option<String>) -> Option<String> {
    let t = text?;
    let digits = t.strip_prefix('-').unwrap_or(&t);
    let ok = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|&c| c == '.').count() <= 1
        && digits.chars().any(|c| c.is_ascii_digit());
    ok.then_some(t)
}

/// An IBAN without spaces, upper case.
fn compact_iban(text: String) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

impl EInvoice {
    fn empty(syntax: Syntax) -> EInvoice {
        EInvoice {
            syntax,
            source: String::new(),
            profile: None,
            number: String::new(),
            issue_date: None,
            type_code: None,
            credit_note: false,
            currency: None,
            seller: Party::default(),
            buyer: Party::default(),
            totals: Totals::default(),
            due_date: None,
            seller_iban: Vec::new(),
            references: References::default(),
            notes: Vec::new(),
            lines: 0,
            items: Vec::new(),
        }
    }

    /// What the XML is, for a clerk: "XRechnung (UBL)", "ZUGFeRD/Factur-X (CII)", …
    pub fn kind(&self) -> &'static str {
        let embedded = self.source != "xml";
        let xrechnung = self
            .profile
            .as_deref()
            .is_some_and(|p| p.to_ascii_lowercase().contains("xrechnung"));
        match (self.syntax, embedded, xrechnung) {
            (Syntax::Cii, true, _) => "ZUGFeRD/Factur-X (CII)",
            (Syntax::Cii, false, true) => "XRechnung (CII)",
            (Syntax::Cii, false, false) => "E-Rechnung (CII)",
            (Syntax::Ubl, _, true) => "XRechnung (UBL)",
            (Syntax::Ubl, _, false) => "E-Rechnung (UBL)",
        }
    }

    /// The numbers and accounts the invoice names, as labelled lines for identification
    /// (policy and claim numbers are recognised there by the configured formats).
    pub fn reference_text(&self) -> String {
        let r = &self.references;
        let mut lines = Vec::new();
        let mut push = |label: &str, value: &Option<String>| {
            if let Some(v) = value {
                lines.push(format!("{label}: {v}"));
            }
        };
        push("Käuferreferenz", &r.buyer_reference);
        push("Projektreferenz", &r.project);
        push("Vertragsnummer", &r.contract);
        push("Bestellnummer", &r.order);
        push("Vorherige Rechnung", &r.preceding_invoice);
        push("Verwendungszweck", &r.payment_reference);
        for object in &r.objects {
            lines.push(format!("Objektkennung: {object}"));
        }
        for iban in &self.seller_iban {
            lines.push(format!("IBAN: {iban}"));
        }
        for note in &self.notes {
            lines.push(note.clone());
        }
        lines.join("\n")
    }

    /// The invoice as readable German text (for an XML file, whose raw markup would say little
    /// to search and classification).
    pub fn readable_text(&self) -> String {
        let mut out = vec![format!(
            "{} {} – {}",
            if self.credit_note {
                "Gutschrift"
            } else {
                "Rechnung"
            },
            self.number,
            self.kind()
        )];
        let mut line = |label: &str, value: Option<String>| {
            if let Some(v) = value {
                out.push(format!("{label}: {v}"));
            }
        };
        line("Rechnungsnummer", Some(self.number.clone()));
        line(
            "Rechnungsdatum",
            self.issue_date.map(|d| d.format("%d.%m.%Y").to_string()),
        );
        line("Verkäufer", self.seller.name.clone());
        line("USt-IdNr. Verkäufer", self.seller.vat_id.clone());
        line("Käufer", self.buyer.name.clone());
        line("Nettobetrag", self.totals.net.clone());
        line("Umsatzsteuer", self.totals.tax.clone());
        line("Bruttobetrag", self.totals.gross.clone());
        line("Zahlbetrag", self.totals.due.clone());
        line("Währung", self.currency.clone());
        line(
            "Fällig am",
            self.due_date.map(|d| d.format("%d.%m.%Y").to_string()),
        );
        let mut text = out.join("\n");
        let references = self.reference_text();
        if !references.is_empty() {
            text.push('\n');
            text.push_str(&references);
        }
        if !self.items.is_empty() {
            text.push_str("\nPositionen:\n");
            text.push_str(&self.items.join("\n"));
        }
        text
    }
}

/// Dates as EN 16931 writes them: `YYYYMMDD` (CII format 102) or `YYYY-MM-DD` (UBL, an
/// `xs:date`, which may carry a time zone: `2016-04-04+01:00`, `2016-04-04Z`).
fn date(text: Option<String>) -> Option<NaiveDate> {
    let t = text?;
    let day = match t.get(10..) {
        Some(zone) if zone.starts_with(['Z', '+', '-']) => &t[..10],
        _ => t.as_str(),
    };
    NaiveDate::parse_from_str(day, "%Y%m%d")
        .or_else(|_| NaiveDate::parse_from_str(day, "%Y-%m-%d"))
        .ok()
}

#[cfg(test)]
mod tests;
