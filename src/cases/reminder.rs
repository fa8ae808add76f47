//! Reminders ("Erinnerung", "zweites Schreiben", "habe noch keine Antwort"): phrases from
//! `[cases] reminder_phrases` found in the normalised text (lower case, umlauts folded), unless
//! the match sits inside an exclusion ("in liebevoller Erinnerung"). Pure.

use aho_corasick::{AhoCorasick, MatchKind};

use crate::classify::{normalise, DocType};
use crate::config::CasesConfig;

pub struct Reminders {
    phrases: Vec<String>,
    automaton: Option<AhoCorasick>,
    exclusions: Vec<String>,
}

impl Reminders {
    pub fn new(config: &CasesConfig) -> Reminders {
        let phrases: Vec<String> = config
            .reminder_phrases
            .iter()
            .map(|p| normalise(p.trim()))
            .collect();
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&phrases)
            .ok();
        Reminders {
            phrases,
            automaton,
            exclusions: config
                .reminder_exclusions
                .iter()
                .map(|p| normalise(p.trim()))
                .collect(),
        }
    }

    /// The reminder phrase found in `text`, if the document is a reminder. A death notice is
    /// never one.
    pub fn detect(&self, doc_type: &str, text: &str) -> Option<String> {
        if doc_type == DocType::DeathNotice.as_str() {
            return None;
        }
        let automaton = self.automaton.as_ref()?;
        let text = normalise(text);
        // Where exclusions sit; a phrase inside one does not count.
        let excluded: Vec<(usize, usize)> = self
            .exclusions
            .iter()
            .flat_map(|e| {
                text.match_indices(e.as_str())
                    .map(|(i, _)| (i, i + e.len()))
            })
            .collect();
        automaton
            .find_iter(&text)
            .find(|m| {
                !excluded
                    .iter()
                    .any(|&(s, e)| m.start() >= s && m.end() <= e)
            })
            .map(|m| self.phrases[m.pattern().as_usize()].clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminders_are_recognised_and_obituaries_are_not() {
        let r = Reminders::new(&CasesConfig::default());
        assert_eq!(
            r.detect("claim", "Erinnerung: Schaden vom 3. März")
                .as_deref(),
            Some("erinnerung")
        );
        assert_eq!(
            r.detect("other", "Dies ist mein zweites Schreiben in dieser Sache.")
                .as_deref(),
            Some("zweites schreiben")
        );
        assert!(r
            .detect("complaint", "Ich habe noch keine Antwort erhalten!")
            .is_some());
        assert_eq!(r.detect("claim", "Wasserschaden in der Küche"), None);
        assert_eq!(
            r.detect("other", "In liebevoller Erinnerung an unsere Mutter"),
            None
        );
        assert_eq!(r.detect("death_notice", "Erinnerung"), None);
        assert_eq!(r.detect("invoice", "Zahlungserinnerung Nr. 4"), None);
    }
}
