//! What the words around a number say about it: the label before it ("Vertragsnummer", "Ihr
//! Zeichen", "Unser Zeichen", "Rechnungsnummer") and whether the digits are something else
//! (a date, an amount, a postcode, a phone number, part of an IBAN). Pure functions on the text.

use std::sync::OnceLock;

use regex::Regex;

use super::IdKind;
use crate::classify::normalise;

/// What a label says about the number after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Label {
    /// No label, or words that say nothing about numbers.
    None,
    /// A label naming a number of ours ("Vertragsnummer", "Kd.-Nr.", "Ihr Zeichen"), with the
    /// kind when it says which.
    Ours(Option<IdKind>),
    /// A number of the sender's own systems (their customer number, invoice, file reference,
    /// mandate reference, phone…): never one of ours. The word that says so.
    Theirs(String),
}

/// Words (after [`normalise`]) that start a third party's number label.
const THEIRS_STEMS: [&str; 27] = [
    "rechnung",
    "rg-nr",
    "auftrag",
    "mandatsref",
    "glaeubiger",
    "bestell",
    "beleg",
    "lieferschein",
    "steuer",
    "handelsreg",
    "konto",
    "telefon",
    "mobil",
    "handy",
    "patient",
    "mitglied",
    "personal",
    "fahrgestell",
    "kennzeichen",
    "aktenzeichen",
    "geschaeftszeichen",
    "ust",
    "kassenzeichen",
    "buchungs",
    "transaktion",
    "verwendungszweck",
    "bankleit",
];
/// Whole words that mark a third party's number.
const THEIRS_WORDS: [&str; 10] = [
    "tel", "fax", "fon", "blz", "hrb", "hra", "fin", "az", "vin", "iban",
];
/// Words of a label that name one of our numbers, with the kind they name.
const OURS_STEMS: [(&str, Option<IdKind>); 22] = [
    ("kunden", Some(IdKind::CustomerNumber)),
    ("kundenn", Some(IdKind::CustomerNumber)),
    ("kd", Some(IdKind::CustomerNumber)),
    ("knr", Some(IdKind::CustomerNumber)),
    ("vertrag", Some(IdKind::ContractNumber)),
    ("versicherungsn", Some(IdKind::ContractNumber)),
    ("versicherungssch", Some(IdKind::ContractNumber)),
    ("vers-nr", Some(IdKind::ContractNumber)),
    ("vsnr", Some(IdKind::ContractNumber)),
    ("vs", Some(IdKind::ContractNumber)),
    ("police", Some(IdKind::ContractNumber)),
    ("polizze", Some(IdKind::ContractNumber)),
    ("schein", Some(IdKind::ContractNumber)),
    ("schaden", Some(IdKind::ClaimNumber)),
    ("sch-nr", Some(IdKind::ClaimNumber)),
    ("leistungsfall", Some(IdKind::ClaimNumber)),
    ("nummer", None),
    ("nr", None),
    ("zeichen", None),
    ("referenz", None),
    ("vorgang", None),
    ("no", None),
];

fn words(segment: &str) -> Vec<String> {
    normalise(segment)
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .flat_map(|w| {
            // "Kd.-Nr" → "kd", "nr"; keep "vers-nr" whole as well.
            let parts: Vec<String> = w
                .split('-')
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect();
            let whole = w.trim_matches('-').to_string();
            std::iter::once(whole).chain(if parts.len() > 1 { parts } else { vec![] })
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// The label segment before byte `start`: back on the same line to a comma, semicolon,
/// bracket, digit, a dash between words ("Rechnung iPad-Reparatur – S-2503-00044": the dash
/// ends the topic, the number after it is a reference of its own) or 48 characters, whichever
/// comes first.
pub fn segment_before(text: &str, start: usize) -> &str {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..start];
    let mut from = start;
    for (i, c) in line.char_indices().rev() {
        if matches!(c, ',' | ';' | '(' | ')' | '|' | '[' | ']' | '–' | '—') || c.is_ascii_digit()
        {
            break;
        }
        let spaced = |s: &str| s.starts_with(char::is_whitespace);
        if c == '-' && spaced(&line[i + 1..]) && line[..i].ends_with(char::is_whitespace) {
            break;
        }
        if start - (line_start + i) > 48 {
            break;
        }
        from = line_start + i;
    }
    &text[from..start]
}

enum Word {
    Theirs(String),
    Ours(Option<IdKind>),
    Generic,
    Other,
}

fn word(w: &str) -> Word {
    if let Some(stem) = THEIRS_STEMS.iter().find(|s| w.starts_with(*s)) {
        return Word::Theirs((*stem).to_string());
    }
    if THEIRS_WORDS.contains(&w) {
        return Word::Theirs(w.to_string());
    }
    match OURS_STEMS.iter().find(|(s, _)| {
        if s.len() <= 3 {
            w == *s
        } else {
            w.starts_with(s)
        }
    }) {
        Some((_, None)) => Word::Generic,
        Some((_, kind)) => Word::Ours(*kind),
        None => Word::Other,
    }
}

fn is_unser(w: &str) -> bool {
    matches!(w, "unser" | "unsere" | "unserer" | "unseres" | "unserem")
}

fn is_ihr(w: &str) -> bool {
    matches!(
        w,
        "ihr" | "ihre" | "ihrem" | "ihren" | "ihres" | "mein" | "meine" | "meiner" | "meinem"
    )
}

/// What the label before a number says: the label word nearest the number decides; a generic
/// one ("Nr.", "Zeichen") takes its meaning from the word before it ("Tel.-Nr.", "Unser
/// Zeichen", "Ihr Zeichen").
pub fn label(segment: &str) -> Label {
    let ws = words(segment);
    if ws.windows(2).any(|p| p[0] == "bei" && p[1] == "uns") {
        return Label::Theirs("bei uns".into());
    }
    for (i, w) in ws.iter().enumerate().rev() {
        let prev = i.checked_sub(1).map(|j| ws[j].as_str()).unwrap_or("");
        match word(w) {
            Word::Theirs(stem) => {
                // "Ihr Aktenzeichen", "Ihr Az." is ours.
                if is_ihr(prev) && (stem.ends_with("zeichen") || stem == "az") {
                    return Label::Ours(None);
                }
                return Label::Theirs(stem);
            }
            Word::Ours(kind) => {
                if is_unser(prev) {
                    return Label::Theirs(format!("{prev} {w}"));
                }
                return Label::Ours(kind);
            }
            Word::Generic => {
                if is_unser(prev) {
                    return Label::Theirs(format!("{prev} {w}"));
                }
                return match word(prev) {
                    Word::Theirs(stem) => Label::Theirs(stem),
                    Word::Ours(kind) => Label::Ours(kind),
                    _ => Label::Ours(None),
                };
            }
            Word::Other => {}
        }
    }
    Label::None
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("context pattern"))
}

/// Byte ranges of IBAN-shaped text (two letters, two digits, then 10–32 alphanumerics).
pub fn iban_ranges(text: &str) -> Vec<(usize, usize)> {
    static IBAN: OnceLock<Regex> = OnceLock::new();
    re(&IBAN, r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,32}")
        .find_iter(text)
        .map(|m| (m.start(), m.end()))
        .collect()
}

/// Words (word starts) that introduce a phone or fax number.
const PHONE_WORDS: [&str; 8] = [
    "telefon",
    "telef",
    "fax",
    "mobil",
    "handy",
    "rueckruf",
    "rufnummer",
    "erreichbar",
];

/// Why the bare digits at `start..end` are something other than a number of ours, if they are:
/// a date, an amount, a postcode, a phone or fax number.
pub fn not_a_number(text: &str, start: usize, end: usize) -> Option<&'static str> {
    static DATE: OnceLock<Regex> = OnceLock::new();
    let raw = &text[start..end];
    if re(
        &DATE,
        r"^\d{1,2}\s?[./]\s?\d{1,2}\s?[./]\s?(?:\d{4}|\d{2})$",
    )
    .is_match(raw)
    {
        return Some("a date");
    }
    let after = text[end..].trim_start_matches([' ', '\u{a0}']);
    let before = text[..start].trim_end_matches([' ', '\u{a0}']);
    if after.starts_with('€')
        || after.starts_with("EUR")
        || after.starts_with("Euro")
        || before.ends_with('€')
        || before.ends_with("EUR")
        || (text[end..].starts_with(',')
            && text[end + 1..].chars().take(2).all(|c| c.is_ascii_digit())
            && text[end + 1..].chars().take(2).count() == 2)
    {
        return Some("an amount");
    }
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 5
        && raw.len() == 5
        && after.starts_with(|c: char| c.is_uppercase())
        && !after.starts_with(|c: char| c.is_ascii_digit())
    {
        return Some("a postcode");
    }
    if before.ends_with('+') || before.ends_with("(0") || raw.starts_with('+') {
        return Some("a phone number");
    }
    // "Tel. (0421) 1745031", "erreichbar unter 0172 …": a phone word shortly before.
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let near = normalise(&text[line_start..start]);
    let recent: Vec<&str> = near
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        .collect();
    if recent
        .iter()
        .rev()
        .take(3)
        .any(|w| PHONE_WORDS.iter().any(|p| w.starts_with(p)) || *w == "tel" || *w == "fon")
    {
        return Some("a phone number");
    }
    // Area code and subscriber: 0421 1234567, 030/1234567, 089-12345.
    if raw.starts_with('0') {
        if let Some(sep) = raw.find(|c: char| !c.is_ascii_digit()) {
            if (3..=6).contains(&sep) {
                return Some("a phone number");
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label_of(line: &str) -> Label {
        label(segment_before(line, line.len()))
    }

    #[test]
    fn labels_of_our_numbers() {
        for (line, kind) in [
            ("Vertragsnummer: ", Some(IdKind::ContractNumber)),
            ("Versicherungsschein-Nr. ", Some(IdKind::ContractNumber)),
            ("VS-Nr.: ", Some(IdKind::ContractNumber)),
            ("Kd.-Nr.: ", Some(IdKind::CustomerNumber)),
            ("Meine Kundennummer lautet ", Some(IdKind::CustomerNumber)),
            ("Schadennummer ", Some(IdKind::ClaimNumber)),
            ("Ihr Zeichen: ", None),
            ("Ihr Aktenzeichen ", None),
            ("Nr. ", None),
        ] {
            assert_eq!(label_of(line), Label::Ours(kind), "{line}");
        }
        assert_eq!(label_of("Sehr geehrte Damen und Herren, am "), Label::None);
        // The nearest label word decides: an invoice about our contract is about our contract.
        assert_eq!(
            label_of("Rechnung zum Vertrag "),
            Label::Ours(Some(IdKind::ContractNumber))
        );
        assert_eq!(
            label_of("Unser Mandant hat bei Ihnen den Vertrag "),
            Label::Ours(Some(IdKind::ContractNumber))
        );
    }

    #[test]
    fn labels_of_the_senders_own_numbers() {
        for line in [
            "Ihre Kundennummer bei uns: ",
            "Unser Zeichen: ",
            "Unsere Kundennummer ",
            "Rechnungsnummer ",
            "Rechnungs-Nr.: ",
            "Aktenzeichen: ",
            "Az.: ",
            "Mandatsreferenz: ",
            "Auftragsnummer ",
            "Tel.: ",
            "Fax ",
            "Kontonummer ",
            "Ihr Zeichen: WG-1, Unser Zeichen: ",
            "Tel.-Nr. ",
        ] {
            assert!(matches!(label_of(line), Label::Theirs(_)), "{line}");
        }
    }

    #[test]
    fn the_segment_stops_at_a_comma_digit_or_line() {
        assert_eq!(
            segment_before("Unser Zeichen 12, Vertrag ", 26),
            " Vertrag "
        );
        assert_eq!(segment_before("Rechnung 4711 Vertrag ", 22), " Vertrag ");
        assert_eq!(segment_before("Tel\nVertrag ", 12), "Vertrag ");
        // A dash between words ends the topic: the number after it has no label.
        let subject = "WG: Rechnung iPad Reparatur – ";
        assert_eq!(segment_before(subject, subject.len()), " ");
        assert_eq!(label(segment_before(subject, subject.len())), Label::None);
        let subject = "Rechnung Reparatur - ";
        assert_eq!(label(segment_before(subject, subject.len())), Label::None);
        // A dash inside a label word stays part of it.
        let line = "Rechnungs-Nr. ";
        assert!(matches!(
            label(segment_before(line, line.len())),
            Label::Theirs(_)
        ));
    }

    #[test]
    fn digits_that_are_something_else() {
        let t = "am 12.03.2026 zahlten wir 17450311,00 € an 10115 Berlin, Tel. 0421 17450311";
        let at = |s: &str| {
            let i = t.find(s).unwrap();
            not_a_number(t, i, i + s.len())
        };
        assert_eq!(at("12.03.2026"), Some("a date"));
        assert_eq!(at("17450311"), Some("an amount"));
        assert_eq!(at("10115"), Some("a postcode"));
        assert_eq!(at("0421 17450311"), Some("a phone number"));
        let plain = "Vertrag 17450311 gekündigt";
        assert_eq!(not_a_number(plain, 8, 16), None);
        let ib = iban_ranges("IBAN DE89 3704 0044 0532 0130 00 ok");
        assert_eq!(ib.len(), 1);
    }
}
