//! Names and addresses compared as a clerk reads them: umlauts and their transliteration
//! (`Müller` = `Mueller`), OCR noise (`GoethestraBe`, one or two letters off in long words),
//! street abbreviations (`Str.` = `Straße`), house-number suffixes (`12a` = `12 a` = `12`),
//! initials (`D. Neumann`) and double names. Pure functions over a [`TextView`].

use std::collections::HashMap;

use crate::classify::normalise;

/// A word as compared: OCR's `B` for `ß` inside a lower-case word undone, then [`normalise`]d
/// (lower case, ä→ae, ß→ss).
pub fn fold(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut s = String::with_capacity(word.len() + 2);
    for (i, &c) in chars.iter().enumerate() {
        let lower_before = i > 0 && chars[i - 1].is_lowercase();
        let lower_after = chars.get(i + 1).is_none_or(|n| n.is_lowercase());
        if c == 'B' && lower_before && lower_after && i + 1 < chars.len() {
            s.push('ß');
        } else {
            s.push(c);
        }
    }
    normalise(&s)
}

/// Street names reduced to one comparable form: words joined, `strasse`/`str` → `str`.
pub fn street_key(street: &str) -> String {
    let joined: String = street
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(fold)
        .collect();
    abbreviate(&joined)
}

fn abbreviate(s: &str) -> String {
    s.replace("strasse", "str").replace("strase", "str")
}

/// Edits tolerated for a word of this length: none below 5 letters, one up to 8, two beyond.
pub fn tolerance(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// Within the tolerance for their length.
pub fn close(a: &str, b: &str) -> bool {
    let (la, lb) = (a.chars().count(), b.chars().count());
    let tol = tolerance(la.min(lb));
    la.abs_diff(lb) <= tol && strsim::levenshtein(a, b) <= tol
}

/// The words of a document in order, folded, with where each occurs.
pub struct TextView {
    pub words: Vec<String>,
    positions: HashMap<String, Vec<usize>>,
    /// Words written with a capital letter somewhere in the text (names are; "über" is not).
    capitalised: std::collections::HashSet<String>,
}

impl TextView {
    pub fn new(text: &str) -> TextView {
        let mut capitalised = std::collections::HashSet::new();
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| {
                let f = fold(w);
                if w.starts_with(char::is_uppercase) {
                    capitalised.insert(f.clone());
                }
                f
            })
            .collect();
        let mut positions: HashMap<String, Vec<usize>> = HashMap::with_capacity(words.len());
        for (i, w) in words.iter().enumerate() {
            positions.entry(w.clone()).or_default().push(i);
        }
        TextView {
            words,
            positions,
            capitalised,
        }
    }

    pub fn has(&self, word: &str) -> bool {
        self.positions.contains_key(word)
    }

    pub fn at(&self, word: &str) -> &[usize] {
        self.positions.get(word).map_or(&[], Vec::as_slice)
    }

    /// Distinct words, for fuzzy comparisons.
    pub fn distinct(&self) -> impl Iterator<Item = &String> {
        self.positions.keys()
    }

    /// How a name token occurs: exactly, within OCR tolerance, or not.
    pub fn token(&self, token: &str) -> Occurs {
        if self.has(token) {
            return Occurs::Exact;
        }
        // Tolerance only against capitalised words: "Weber" is not "über" (ueber).
        if tolerance(token.chars().count()) > 0 && self.capitalised.iter().any(|w| close(token, w))
        {
            return Occurs::Tolerant;
        }
        Occurs::No
    }

    /// Where the street occurs (the index of the word after it), exactly or within tolerance,
    /// written as one to three words (`Goethe-Straße`, `Königsberger Str.`).
    pub fn street(&self, key: &str) -> Option<(usize, bool)> {
        if key.len() < 3 {
            return None;
        }
        let mut tolerant = None;
        for i in 0..self.words.len() {
            let mut joined = String::new();
            for n in 0..3 {
                let Some(w) = self.words.get(i + n) else {
                    break;
                };
                if n > 0 && w.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                    break;
                }
                joined.push_str(w);
                let cand = abbreviate(&joined);
                if cand == key {
                    return Some((i + n + 1, false));
                }
                if tolerant.is_none() && close(&cand, key) && key.chars().count() >= 6 {
                    tolerant = Some((i + n + 1, true));
                }
                if joined.len() > key.len() + 4 {
                    break;
                }
            }
        }
        tolerant
    }

    /// The house number after the street at word `at` agrees with `number` (digits compared;
    /// suffixes like `a`, `-14` tolerated).
    pub fn house_number_at(&self, at: usize, number: &str) -> bool {
        let digits = |s: &str| {
            s.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        };
        let want = digits(number.trim());
        !want.is_empty() && self.words.get(at).is_some_and(|w| digits(w) == want)
    }

    /// An initial (`d` of `D.`) right before a word at one of `positions`.
    pub fn initial_before(&self, initial: char, positions: &[usize]) -> bool {
        positions.iter().any(|&p| {
            (1..=2).any(|back| {
                p >= back
                    && self.words[p - back].chars().count() == 1
                    && self.words[p - back].starts_with(initial)
            })
        })
    }
}

/// How a word occurs in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occurs {
    Exact,
    Tolerant,
    No,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ocr_eszett_umlauts_and_abbreviations() {
        assert_eq!(fold("GoethestraBe"), "goethestrasse");
        assert_eq!(fold("BAUER"), "bauer");
        assert_eq!(fold("Bernd"), "bernd");
        assert_eq!(street_key("Goethestraße"), "goethestr");
        assert_eq!(street_key("Königsberger Straße"), "koenigsbergerstr");
        let v = TextView::new("Herrn D. Neumann\nGoethestraBe 12 a\n12345 Stadt");
        assert_eq!(v.street(&street_key("Goethestraße")), Some((4, false)));
        assert!(v.house_number_at(4, "12a"));
        assert!(!v.house_number_at(4, "13"));
        let pos = v.at("neumann").to_vec();
        assert!(v.initial_before('d', &pos));
        assert!(!v.initial_before('k', &pos));
        let abbrev = TextView::new("Königsberger Str. 5");
        assert!(abbrev.street(&street_key("Königsberger Straße")).is_some());
    }

    #[test]
    fn tolerance_only_against_words_written_like_names() {
        // "über" folds to "ueber", one letter from "weber": a common word is not a name.
        assert_eq!(
            TextView::new("Rechnung über 5 €").token("weber"),
            Occurs::No
        );
        assert_eq!(
            TextView::new("Gruß, Wehber").token("weber"),
            Occurs::Tolerant
        );
        assert_eq!(TextView::new("Gruß, weber").token("weber"), Occurs::Exact);
    }

    #[test]
    fn ocr_noise_in_a_street_within_tolerance_only() {
        let v = TextView::new("Väihelnstr. 7");
        assert_eq!(v.street(&street_key("Weihelnstraße")), Some((1, true)));
        let far = TextView::new("Bahnhofstr. 7");
        assert_eq!(far.street(&street_key("Weihelnstraße")), None);
        // Short names get no tolerance.
        assert!(!close("roth", "rath"));
        assert!(close("neumann", "neumamn"));
        assert!(!close("neumann", "naumenn"));
    }
}
