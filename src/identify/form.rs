//! How a known number was written in a text compared with master data (prefix as written,
//! missing or extra; OCR letters read as digits; leading zeros left out; a near miss), and that
//! in plain words for clerks and operators.

use serde::Serialize;

use super::keys::number_key;

/// How the prefix of the number was written, compared with master data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrefixForm {
    /// Written as in master data (or the layout has none).
    AsWritten,
    /// Master data has a prefix, the text left it out (`17450311` for `WG-17450311`).
    Missing,
    /// The text has letters before it that master data does not (`WG 17450311` for `17450311`).
    Extra(String),
}

/// A near miss: only a candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Near {
    /// One digit differs (1-based position in the digit part).
    OneDigit(usize),
    /// Two neighbouring digits swapped (positions of the first).
    Swapped(usize),
}

/// How a known number was written in the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Form {
    /// Letters read as digits: (written, digit).
    pub ocr: Vec<(char, char)>,
    pub prefix: PrefixForm,
    pub zeros_dropped: bool,
    pub near: Option<Near>,
}

impl Form {
    /// In plain words, e.g. "without its prefix WG; OCR letters read as digits: O→0".
    pub fn describe(&self, raw: &str, master_id: &str) -> String {
        let mut parts = Vec::new();
        if raw == master_id {
            parts.push("exactly as in master data".to_string());
        } else if number_key(raw) == number_key(master_id) {
            parts.push("same characters, other separators".to_string());
        }
        match &self.prefix {
            PrefixForm::AsWritten => {}
            PrefixForm::Missing => parts.push(format!(
                "without its prefix {}",
                number_key(master_id)
                    .chars()
                    .take_while(char::is_ascii_alphabetic)
                    .collect::<String>()
            )),
            PrefixForm::Extra(p) => parts.push(format!("with {p} written before it")),
        }
        if !self.ocr.is_empty() {
            let list: Vec<String> = self.ocr.iter().map(|(l, d)| format!("{l}→{d}")).collect();
            parts.push(format!("OCR letters read as digits: {}", list.join(", ")));
        }
        if self.zeros_dropped {
            parts.push("leading zeros left out".into());
        }
        match self.near {
            Some(Near::OneDigit(p)) => parts.push(format!("digit {p} differs")),
            Some(Near::Swapped(p)) => parts.push(format!("digits {p} and {} swapped", p + 1)),
            None => {}
        }
        if parts.is_empty() {
            parts.push("in another notation".into());
        }
        parts.join("; ")
    }
}
