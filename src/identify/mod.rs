//! Identifiers in a document's text — customer, contract and claim numbers, IBAN, BIC, e-mail
//! addresses, postcodes, dates — each with the label it came with and a normalised value; and
//! ([`matching`]) the match of a document against customer master data. Pure functions.
//!
//! Numbers are found two ways: every number of the master data in any written form
//! ([`numbers`] over [`known`], layouts learned from the data itself — nothing to configure),
//! and the optional formats of `[identify]` in the config (this module's [`Identifiers`]).

mod context;
mod customer_match;
mod evidence;
pub mod form;
#[cfg(test)]
mod identification_tests;
pub mod keys;
pub mod known;
pub mod layouts;
mod master;
pub mod matching;
mod name_index;
pub mod names;
pub mod numbers;
mod relation;
pub mod report;

use std::sync::OnceLock;

use chrono::NaiveDate;
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::config::IdentifyConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    CustomerNumber,
    ContractNumber,
    ClaimNumber,
    Iban,
    Bic,
    Email,
    Postcode,
    Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identifier {
    pub kind: IdKind,
    /// The words before the value on its line (e.g. "Versicherungsnummer"), if any.
    pub label: Option<String>,
    /// As written in the document.
    pub raw: String,
    /// Normalised: separators removed, upper case; dates ISO; e-mail lower case.
    pub value: String,
    /// Contract numbers: the product the format belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// IBAN checksum (ISO 13616 mod-97) / date validity. Invalid ones are kept, flagged, not used.
    pub valid: bool,
    /// Letters read where digits belong (O→0, I/l→1, S→5, B→8): `value` is the digit variant
    /// to try against master data; `raw` is untouched.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub ocr_variant: bool,
    /// Dates: this is the document's own date (place and date line, "Datum:").
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub document_date: bool,
    /// Known numbers: the master-data record it is, as written there (`WG-17450311`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub master_id: Option<String>,
    /// Known numbers: how it was written compared with master data, in plain words.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub found_as: Option<String>,
    /// Known numbers: the customer the record belongs to.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub customer_id: Option<String>,
}

impl Identifier {
    /// An identifier found in the text (no master record).
    pub fn new(kind: IdKind, label: Option<String>, raw: String, value: String) -> Identifier {
        Identifier {
            kind,
            label,
            raw,
            value,
            product: None,
            valid: true,
            ocr_variant: false,
            document_date: false,
            master_id: None,
            found_as: None,
            customer_id: None,
        }
    }
}

/// Identifier formats, compiled from the config.
pub struct Identifiers {
    numbers: Vec<(IdKind, Option<String>, Regex, usize)>,
}

/// Characters OCR reads in place of digits, and the digit they stand for.
fn ocr_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        'O' | 'o' | 'D' => Some('0'),
        'I' | 'l' | '|' => Some('1'),
        'S' => Some('5'),
        'B' => Some('8'),
        _ => None,
    }
}

/// A number format: prefix letters, then `digits` digits with optional single separators.
fn number_regex(prefix: &str, digits: usize) -> Regex {
    let d = r"[0-9OoDIl|SB]";
    Regex::new(&format!(
        r"(?:^|[^A-Za-z0-9]){}[ \-.:/]{{0,2}}({d}(?:[ \-./]?{d}){{{}}})(?:$|[^0-9])",
        regex::escape(prefix),
        digits - 1
    ))
    .expect("number pattern")
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("identifier pattern"))
}

/// Words that make the text before a value its label.
const LABEL_WORDS: [&str; 16] = [
    "nummer",
    "nr",
    "iban",
    "bic",
    "datum",
    "police",
    "vertrag",
    "kunde",
    "schaden",
    "versicherung",
    "konto",
    "mail",
    "aktenzeichen",
    "zeichen",
    "bankverbindung",
    "referenz",
];

/// The label before `start`: the words since the last punctuation on the same line, if they
/// end in a colon or name a number ("Versicherungsnummer", "IBAN", "Kunden-Nr.").
fn label_before(text: &str, start: usize) -> Option<String> {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..start];
    let colon = before.trim_end().ends_with(':');
    let segment = before
        .trim_end_matches([' ', ':', '-', '\t', '('])
        .rsplit([',', ';', '!', '?', ')'])
        .next()
        .unwrap_or("");
    let words: Vec<&str> = segment.split_whitespace().collect();
    let tail = words[words.len().saturating_sub(3)..].join(" ");
    let label = tail.trim_matches(|c: char| !c.is_alphanumeric() && c != '.');
    let lower = label.to_lowercase();
    let named = LABEL_WORDS.iter().any(|w| lower.contains(w));
    (!label.is_empty() && label.chars().any(char::is_alphabetic) && (colon || named))
        .then(|| label.to_string())
}

const MONTHS: [&str; 12] = [
    "januar",
    "februar",
    "märz",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "dezember",
];

impl Identifiers {
    pub fn new(config: &IdentifyConfig) -> Identifiers {
        let mut numbers = vec![
            (
                IdKind::CustomerNumber,
                None,
                number_regex(
                    &config.customer_number.prefix,
                    config.customer_number.digits,
                ),
                config.customer_number.digits,
            ),
            (
                IdKind::ClaimNumber,
                None,
                number_regex(&config.claim_number.prefix, config.claim_number.digits),
                config.claim_number.digits,
            ),
        ];
        for (product, f) in &config.contract_formats {
            numbers.push((
                IdKind::ContractNumber,
                Some(product.clone()),
                number_regex(&f.prefix, f.digits),
                f.digits,
            ));
        }
        Identifiers { numbers }
    }

    pub fn extract(&self, text: &str) -> Vec<Identifier> {
        let mut out: Vec<Identifier> = Vec::new();
        let mut push = |id: Identifier| {
            if !out.iter().any(|o| o.kind == id.kind && o.value == id.value) {
                out.push(id);
            }
        };
        for (kind, product, pattern, digits) in &self.numbers {
            for cap in pattern.captures_iter(text) {
                let whole = cap.get(0).expect("match");
                let body = cap.get(1).expect("group");
                let mapped: String = body.as_str().chars().filter_map(ocr_digit).collect();
                let real_digits = body.as_str().chars().filter(char::is_ascii_digit).count();
                if mapped.len() != *digits || real_digits * 2 < *digits {
                    continue;
                }
                let raw_start = whole.start()
                    + whole
                        .as_str()
                        .find(|c: char| c.is_ascii_alphabetic())
                        .unwrap_or(0);
                if matches!(
                    context::label(context::segment_before(text, raw_start)),
                    context::Label::Theirs(_)
                ) {
                    continue;
                }
                let prefix: String = text[raw_start..body.start()]
                    .chars()
                    .filter(char::is_ascii_alphabetic)
                    .collect::<String>()
                    .to_ascii_uppercase();
                push(Identifier {
                    kind: *kind,
                    label: label_before(text, raw_start),
                    raw: text[raw_start..body.end()].to_string(),
                    value: format!("{prefix}{mapped}"),
                    product: product.clone(),
                    valid: true,
                    ocr_variant: real_digits != *digits,
                    ..Identifier::new(*kind, None, String::new(), String::new())
                });
            }
        }
        static IBAN: OnceLock<Regex> = OnceLock::new();
        for m in re(&IBAN, r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,32}").find_iter(text) {
            let compact: String = m.as_str().chars().filter(|c| !c.is_whitespace()).collect();
            let valid = (15..=compact.len().min(34))
                .rev()
                .find(|&n| compact[..n].parse::<iban::Iban>().is_ok())
                .map(|n| compact[..n].to_string());
            let value = valid.clone().unwrap_or_else(|| {
                compact[..compact
                    .len()
                    .min(if compact.starts_with("DE") { 22 } else { 34 })]
                    .to_string()
            });
            // Keep the raw text to the same number of significant characters.
            let mut seen = 0;
            let raw: String = m
                .as_str()
                .chars()
                .take_while(|c| {
                    if seen >= value.len() {
                        return false;
                    }
                    if !c.is_whitespace() {
                        seen += 1;
                    }
                    true
                })
                .collect();
            push(Identifier {
                valid: valid.is_some(),
                ..Identifier::new(IdKind::Iban, label_before(text, m.start()), raw, value)
            });
        }
        static BIC: OnceLock<Regex> = OnceLock::new();
        for cap in re(
            &BIC,
            r"(?i:\bBIC|\bSWIFT)[:\s]*([A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\b",
        )
        .captures_iter(text)
        {
            let m = cap.get(1).expect("group");
            push(Identifier::new(
                IdKind::Bic,
                Some("BIC".into()),
                m.as_str().to_string(),
                m.as_str().to_string(),
            ));
        }
        static EMAIL: OnceLock<Regex> = OnceLock::new();
        for m in re(
            &EMAIL,
            r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b",
        )
        .find_iter(text)
        {
            push(Identifier::new(
                IdKind::Email,
                label_before(text, m.start()),
                m.as_str().to_string(),
                m.as_str().to_lowercase(),
            ));
        }
        static POSTCODE: OnceLock<Regex> = OnceLock::new();
        for cap in re(&POSTCODE, r"(?:^|[^0-9A-Za-z\-])(\d{5}) +([A-ZÄÖÜ][A-Za-zäöüß]+(?:[ \-][A-ZÄÖÜ(][A-Za-zäöüß.)]+)?)").captures_iter(text) {
            let code = cap.get(1).expect("group");
            push(Identifier::new(
                IdKind::Postcode,
                Some(cap[2].to_string()),
                format!("{} {}", code.as_str(), &cap[2]),
                code.as_str().to_string(),
            ));
        }
        for (raw, start, date) in find_dates(text) {
            let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
            let before = text[line_start..start].trim();
            let document_date = before.ends_with(',') && before.len() < 40
                || before
                    .to_lowercase()
                    .trim_end_matches(':')
                    .ends_with("datum");
            push(Identifier {
                document_date,
                ..Identifier::new(
                    IdKind::Date,
                    label_before(text, start),
                    raw,
                    date.to_string(),
                )
            });
        }
        out
    }
}

/// German dates: `14.03.2026`, `14.3.26`, `14. März 2026`.
fn find_dates(text: &str) -> Vec<(String, usize, NaiveDate)> {
    static NUMERIC: OnceLock<Regex> = OnceLock::new();
    static WORDS: OnceLock<Regex> = OnceLock::new();
    let mut out = Vec::new();
    for cap in re(&NUMERIC, r"\b(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})\b").captures_iter(text) {
        let m = cap.get(0).expect("match");
        let (d, mo, y): (u32, u32, i32) = match (cap[1].parse(), cap[2].parse(), cap[3].parse()) {
            (Ok(d), Ok(mo), Ok(y)) => (d, mo, y),
            _ => continue,
        };
        let y = if cap[3].len() == 2 { 2000 + y } else { y };
        if let Some(date) = NaiveDate::from_ymd_opt(y, mo, d) {
            out.push((m.as_str().to_string(), m.start(), date));
        }
    }
    for cap in re(&WORDS, r"(?i)\b(\d{1,2})\.\s*(januar|februar|märz|maerz|april|mai|juni|juli|august|september|oktober|november|dezember)\s+(\d{4})\b").captures_iter(text) {
        let m = cap.get(0).expect("match");
        let month = cap[2].to_lowercase().replace("maerz", "märz");
        let Some(mo) = MONTHS.iter().position(|x| *x == month) else { continue };
        if let (Ok(d), Ok(y)) = (cap[1].parse(), cap[3].parse()) {
            if let Some(date) = NaiveDate::from_ymd_opt(y, mo as u32 + 1, d) {
                out.push((m.as_str().to_string(), m.start(), date));
            }
        }
    }
    out.sort_by_key(|(_, start, _)| *start);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Identifiers {
        Identifiers::new(&IdentifyConfig::default())
    }

    fn of(kind: IdKind, text: &str) -> Vec<Identifier> {
        ids()
            .extract(text)
            .into_iter()
            .filter(|i| i.kind == kind)
            .collect()
    }

    #[test]
    fn contract_numbers_in_any_notation_with_their_label_and_product() {
        for text in [
            "Versicherungsnummer: KF-123 456 789",
            "Versicherungsnummer: KF 123456789",
            "Versicherungsnummer: KF123.456.789",
            "Versicherungsnummer: KF-123-456-789.",
        ] {
            let found = of(IdKind::ContractNumber, text);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            assert_eq!(found[0].value, "KF123456789");
            assert_eq!(found[0].product.as_deref(), Some("kfz"));
            assert_eq!(found[0].label.as_deref(), Some("Versicherungsnummer"));
            assert!(!found[0].ocr_variant);
        }
        let ph = of(
            IdKind::ContractNumber,
            "Police PH-8169134-3 und RS-2022-435941",
        );
        let values: Vec<&str> = ph.iter().map(|i| i.value.as_str()).collect();
        assert!(
            values.contains(&"PH81691343") && values.contains(&"RS2022435941"),
            "{values:?}"
        );
        // Too few or too many digits, or another prefix: not a contract number.
        assert!(of(IdKind::ContractNumber, "KF-123 456 78").is_empty());
        assert!(of(IdKind::ContractNumber, "KF-123 456 7890").is_empty());
        assert!(of(IdKind::ContractNumber, "XKF-123456789").is_empty());
    }

    #[test]
    fn ocr_confusions_become_variants_not_rewrites() {
        let found = of(IdKind::ContractNumber, "Vertrag HR-6OO773I8");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].raw, "HR-6OO773I8");
        assert_eq!(found[0].value, "HR60077318");
        assert!(found[0].ocr_variant);
        // Mostly letters is a word, not a number.
        assert!(of(IdKind::ContractNumber, "HR-BOSSOILS").is_empty());
    }

    #[test]
    fn customer_and_claim_numbers() {
        let f =
            ids().extract("Kundennummer K-100234, Schadennummer: S-2026-004711, auch S2026055838");
        let get = |k| {
            f.iter()
                .filter(|i| i.kind == k)
                .map(|i| i.value.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(get(IdKind::CustomerNumber), vec!["K100234"]);
        assert_eq!(get(IdKind::ClaimNumber), vec!["S2026004711", "S2026055838"]);
    }

    #[test]
    fn iban_checksums_are_validated() {
        let f = of(
            IdKind::Iban,
            "IBAN: DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX",
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].valid);
        assert_eq!(f[0].value, "DE89370400440532013000");
        assert_eq!(f[0].label.as_deref(), Some("IBAN"));
        // One digit off: flagged, kept.
        let bad = of(IdKind::Iban, "IBAN DE89370400440532013001");
        assert_eq!(bad.len(), 1);
        assert!(!bad[0].valid);
        // Other countries (test vectors from the ISO registry examples).
        assert!(of(IdKind::Iban, "AT61 1904 3002 3457 3201")[0].valid);
        assert!(of(IdKind::Iban, "GB82 WEST 1234 5698 7654 32")[0].valid);
        assert!(!of(IdKind::Iban, "GB82 WEST 1234 5698 7654 33")[0].valid);
        let bic = of(
            IdKind::Bic,
            "IBAN: DE89 3704 0044 0532 0130 00 BIC: COBADEFFXXX",
        );
        assert_eq!(bic[0].value, "COBADEFFXXX");
        assert!(of(IdKind::Bic, "DEUTSCHLAND GMBH").is_empty());
    }

    #[test]
    fn emails_postcodes_and_dates() {
        let text = "Berlin, 14.03.2026\nJürgen Müller\nHauptstraße 5\n10115 Berlin\nE-Mail: J.Mueller@Example.de\nDer Unfall war am 3. März 2026, Kündigung zum 31.12.26.";
        let f = ids().extract(text);
        let get = |k| {
            f.iter()
                .filter(|i| i.kind == k)
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(get(IdKind::Email)[0].value, "j.mueller@example.de");
        assert_eq!(get(IdKind::Postcode)[0].value, "10115");
        assert_eq!(get(IdKind::Postcode)[0].label.as_deref(), Some("Berlin"));
        let dates = get(IdKind::Date);
        let values: Vec<&str> = dates.iter().map(|d| d.value.as_str()).collect();
        assert_eq!(values, vec!["2026-03-14", "2026-03-03", "2026-12-31"]);
        assert!(dates[0].document_date);
        assert!(!dates[1].document_date);
        // Impossible dates are not dates.
        assert!(of(IdKind::Date, "am 31.02.2026").is_empty());
    }
}
