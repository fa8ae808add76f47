//! What a document says about its concern, for linking it to an open case ([`super::link`]):
//! whether it refers to earlier correspondence (phrases from `[cases] follow_up_phrases`, a
//! reply prefix such as `AW:`/`RE:`/`Antwort:` on its subject, a quoted earlier message), the
//! subject it answers, and its content words — stems of the words that are not letter
//! boilerplate, so two letters about one incident share some and two different incidents share
//! none. Pure; the store feeds it the texts.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasick, MatchKind};

use crate::classify::normalise;
use crate::config::CasesConfig;

/// Characters a content-word stem keeps: German inflects at the end ("Kündigung",
/// "kündige"), and compounds share their head ("Fahrrad", "Fahrraddiebstahl").
const STEM_CHARS: usize = 6;
/// Shorter words carry no concern.
const MIN_WORD_CHARS: usize = 4;
/// Text read per document for content words.
const MAX_TEXT_CHARS: usize = 20_000;

/// Subject prefixes of a reply or a forward (normalised, with the colon).
const REPLY_PREFIXES: [&str; 8] = [
    "aw:", "re:", "antwort:", "wg:", "fw:", "fwd:", "wtr:", "answer:",
];

/// Words of any German (or English) letter or e-mail that say nothing about its concern
/// (function words, greetings, the words every insurance letter uses), one list in
/// `stopwords.txt`. Generic language, nothing of one insurer's letters.
const STOPWORDS: &str = include_str!("stopwords.txt");

/// Stems of the words in [`STOPWORDS`], built once.
fn stopword_stems() -> &'static BTreeSet<String> {
    static STEMS: std::sync::OnceLock<BTreeSet<String>> = std::sync::OnceLock::new();
    STEMS.get_or_init(|| {
        STOPWORDS
            .lines()
            .map(|l| l.split('#').next().unwrap_or_default())
            .flat_map(str::split_whitespace)
            .filter(|w| w.chars().count() >= MIN_WORD_CHARS)
            .map(stem)
            .collect()
    })
}

fn stem(word: &str) -> String {
    word.chars().take(STEM_CHARS).collect()
}

/// The content-word stems of `text` (normalised: lower case, umlauts folded), without
/// boilerplate and without the words in `ignore` (the customer's own name and address, which
/// every document of theirs carries).
pub fn content_words(text: &str, ignore: &BTreeSet<String>) -> BTreeSet<String> {
    let text: String = text.chars().take(MAX_TEXT_CHARS).collect();
    let stop = stopword_stems();
    normalise(&text)
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= MIN_WORD_CHARS)
        .map(stem)
        .filter(|s| !stop.contains(s) && !ignore.contains(s))
        .collect()
}

/// The stems to ignore for a customer: every word of their name, street and city.
pub fn customer_words<'a>(fields: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    fields
        .into_iter()
        .flat_map(|f| {
            normalise(f)
                .split(|c: char| !c.is_alphabetic())
                .filter(|w| w.chars().count() >= MIN_WORD_CHARS)
                .map(stem)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The vehicle registration plates (German layout: district, letters, number, optional `E`/`H`,
/// written with the hyphen: `VB-JR 410`, `F-KS 2231`, `MS-BJ 85E`) in `text`, as keys without
/// separators (`VBJR410`). The same car in two documents of a customer is the same object —
/// the garage's bill and the customer's report of the accident.
pub fn plates(text: &str) -> Vec<String> {
    static PLATE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = PLATE.get_or_init(|| {
        regex::Regex::new(
            r"(?:^|[^\p{L}\p{N}\-])(\p{Lu}{1,3})-([A-Z]{1,2})[ \u{a0}]?([1-9][0-9]{0,3})([EH]?)(?:$|[^\p{L}\p{N}\-/])",
        )
        .expect("plate pattern")
    });
    let mut out: Vec<String> = re
        .captures_iter(text)
        .map(|c| format!("{}{}{}{}", &c[1], &c[2], &c[3], &c[4]))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// How much two documents' content words overlap: shared stems over the smaller set (0 when
/// either is empty), and the shared stems.
pub fn overlap(a: &BTreeSet<String>, b: &BTreeSet<String>) -> (f32, Vec<String>) {
    let shared: Vec<String> = a.intersection(b).cloned().collect();
    let smaller = a.len().min(b.len());
    if smaller == 0 {
        return (0.0, shared);
    }
    (shared.len() as f32 / smaller as f32, shared)
}

/// The subject without reply and forward prefixes, normalised (whitespace folded), and
/// whether it had one. `None` for an empty subject.
pub fn subject_key(subject: &str) -> Option<(String, bool)> {
    let folded = normalise(subject)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut rest = folded.as_str();
    let mut reply = false;
    loop {
        let trimmed = rest.trim_start();
        // "AW: RE: [Ticket 12] AW: …" — strip every prefix and bracketed tag in front.
        if let Some(p) = REPLY_PREFIXES.iter().find(|p| trimmed.starts_with(**p)) {
            rest = &trimmed[p.len()..];
            reply = true;
        } else if let (true, Some(end)) = (trimmed.starts_with('['), trimmed.find(']')) {
            rest = &trimmed[end + 1..];
        } else {
            rest = trimmed;
            break;
        }
    }
    let key = rest.trim().trim_end_matches(['.', '!', '?']).trim();
    (key.chars().filter(|c| c.is_alphanumeric()).count() >= 3).then(|| (key.to_string(), reply))
}

/// A letter's subject: its first `Betreff:` line (letters have no header to read it from).
pub fn letter_subject(text: &str) -> Option<&str> {
    text.lines().take(60).find_map(|l| {
        let l = l.trim();
        let head = l.get(..8)?;
        head.eq_ignore_ascii_case("betreff:")
            .then(|| l[8..].trim())
            .filter(|s| !s.is_empty())
    })
}

/// Recomputed after this many documents were routed …
const COMMON_REFRESH_DOCUMENTS: usize = 20;
/// … or this long.
const COMMON_REFRESH_AGE: Duration = Duration::from_secs(600);

/// The store's common words (words in most customers' mail, `store::sqlite::case_lookups`),
/// kept between routing batches: reading a sample of recent mail for every small batch would
/// cost more than the linking itself. Refreshed after [`COMMON_REFRESH_DOCUMENTS`] routed
/// documents or [`COMMON_REFRESH_AGE`].
#[derive(Default)]
pub struct CommonWords {
    cached: Mutex<Option<Cached>>,
}

/// When the words were computed, how many documents were routed since, and the words.
type Cached = (Instant, usize, Arc<BTreeSet<String>>);

impl CommonWords {
    /// The words for a batch of `batch` documents: the cached ones, or freshly `compute`d
    /// when enough documents were routed since (or time passed).
    /// `compute` also says whether its sample was full; a result from a small store (where
    /// every batch changes it and reading it is cheap) is not kept.
    pub fn get<E>(
        &self,
        batch: usize,
        compute: impl FnOnce() -> Result<(BTreeSet<String>, bool), E>,
    ) -> Result<Arc<BTreeSet<String>>, E> {
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, routed, words)) = cached.as_mut() {
            if *routed < COMMON_REFRESH_DOCUMENTS && at.elapsed() < COMMON_REFRESH_AGE {
                *routed += batch;
                return Ok(words.clone());
            }
        }
        let (words, full) = compute()?;
        let words = Arc::new(words);
        *cached = full.then(|| (Instant::now(), batch, words.clone()));
        Ok(words)
    }
}

/// Phrases that refer to earlier correspondence, from `[cases] follow_up_phrases`.
pub struct FollowUps {
    phrases: Vec<String>,
    automaton: Option<AhoCorasick>,
}

impl FollowUps {
    pub fn new(config: &CasesConfig) -> FollowUps {
        let phrases: Vec<String> = config
            .follow_up_phrases
            .iter()
            .map(|p| fold(p.trim()))
            .collect();
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&phrases)
            .ok();
        FollowUps { phrases, automaton }
    }

    /// Why the document is a follow-up, if it is: a reply prefix on its subject, a phrase, or
    /// a quoted earlier message (lines starting with `>`).
    pub fn detect(&self, subject: Option<&str>, text: &str) -> Option<String> {
        if let Some((_, true)) = subject.and_then(subject_key) {
            let prefix = subject
                .unwrap_or_default()
                .trim()
                .split(':')
                .next()
                .unwrap_or_default()
                .trim();
            return Some(format!("{prefix}: subject"));
        }
        let folded = fold(text);
        if let Some(m) = self.automaton.as_ref().and_then(|a| a.find(&folded)) {
            return Some(self.phrases[m.pattern().as_usize()].clone());
        }
        let quoted = text
            .lines()
            .filter(|l| l.trim_start().starts_with('>'))
            .take(2)
            .count();
        (quoted >= 2).then(|| "quoted earlier message".to_string())
    }
}

/// [`normalise`]d with whitespace runs made one space (phrases match across line breaks).
fn fold(text: &str) -> String {
    normalise(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_lose_reply_prefixes_and_tags() {
        assert_eq!(
            subject_key("AW: RE: [Ticket 4711] Schadenmeldung  Auffahrunfall"),
            Some(("schadenmeldung auffahrunfall".into(), true))
        );
        assert_eq!(
            subject_key("Antwort: Kündigung"),
            Some(("kuendigung".into(), true))
        );
        assert_eq!(
            subject_key("Wasserschaden im Keller!"),
            Some(("wasserschaden im keller".into(), false))
        );
        // "Rechnung" starts with "re" but not "re:"; an empty rest is no key.
        assert_eq!(
            subject_key("Rechnung 12"),
            Some(("rechnung 12".into(), false))
        );
        assert_eq!(subject_key("AW: "), None);
        assert_eq!(
            letter_subject("Name\n\nBetreff: Ihr Schreiben vom 3.3.\n\nText"),
            Some("Ihr Schreiben vom 3.3.")
        );
        assert_eq!(letter_subject("kein Betreff hier"), None);
    }

    #[test]
    fn follow_ups_are_phrases_reply_subjects_or_quotes() {
        let f = FollowUps::new(&CasesConfig::default());
        assert_eq!(
            f.detect(None, "auf Ihr Schreiben\nvom 17.03.2026 antworte ich")
                .as_deref(),
            Some("ihr schreiben vom")
        );
        assert!(f
            .detect(None, "wie in unserem Telefonat am 13.03. vereinbart")
            .is_some());
        assert!(f.detect(None, "Ihr Zeichen: S-2026100001").is_some());
        assert_eq!(
            f.detect(None, "Nachreichung zu meinem\nSchaden vom 3.3.: das Foto")
                .as_deref(),
            Some("nachreichung")
        );
        assert_eq!(
            f.detect(None, "hier das Foto zu meinem Schaden vom 3. März")
                .as_deref(),
            Some("zu meinem schaden vom")
        );
        assert_eq!(
            f.detect(Some("AW: Wasserschaden"), "danke").as_deref(),
            Some("AW: subject")
        );
        assert_eq!(
            f.detect(
                None,
                "Hier die Angaben.\n> Das Rohr ist geplatzt.\n> Der Keller stand unter Wasser"
            )
            .as_deref(),
            Some("quoted earlier message")
        );
        // A first letter refers to nothing.
        assert_eq!(
            f.detect(Some("Wasserschaden"), "gestern ist ein Rohr geplatzt. Ich schreibe Ihnen, weil der Keller unter Wasser steht."),
            None
        );
    }

    #[test]
    fn vehicle_plates_are_objects() {
        assert_eq!(
            plates("Schadenmeldung KF 19 414709 / Kennzeichen VB-JR 410\nFahrzeug F-KS 2231, MS-BJ 85E; wieder VB-JR410."),
            ["FKS2231", "MSBJ85E", "VBJR410"]
        );
        // Numbers of ours and others are not plates.
        for text in [
            "Kundennummer KD-849974-1",
            "Schaden S-2501-231",
            "Vertrag WG-17 450 311",
            "DIN A 4",
            "Az. ST/1184532/2026",
            "EU-DSGVO",
            "KV-25-0117",
            "HRB 219044 B",
        ] {
            assert!(plates(text).is_empty(), "{text}: {:?}", plates(text));
        }
    }

    #[test]
    fn content_words_skip_boilerplate_and_the_customer() {
        let ignore = customer_words(["Jana", "Brück", "Mühlgasse", "Heidelberg"]);
        let a = content_words(
            "Sehr geehrte Damen und Herren, mein Fahrrad wurde aus dem Keller gestohlen. Mit freundlichen Grüßen Jana Brück, Mühlgasse 12, Heidelberg",
            &ignore,
        );
        assert_eq!(
            a.iter().map(String::as_str).collect::<Vec<_>>(),
            ["fahrra", "gestoh", "keller"]
        );
        let b = content_words(
            "Nachtrag zum Fahrraddiebstahl: Kaufbeleg des Fahrrads anbei",
            &ignore,
        );
        let (share, shared) = overlap(&a, &b);
        assert_eq!(shared, ["fahrra"]);
        assert!((share - 1.0 / 3.0).abs() < 1e-6);
        let c = content_words("Hagel hat die Motorhaube meines Autos verbeult.", &ignore);
        assert_eq!(overlap(&a, &c).0, 0.0);
        assert_eq!(overlap(&a, &BTreeSet::new()).0, 0.0);
    }

    #[test]
    fn common_words_are_recomputed_after_enough_routed_documents() {
        let cache = CommonWords::default();
        let computed = std::cell::Cell::new(0);
        let full = std::cell::Cell::new(true);
        let get = |batch: usize| {
            cache
                .get(batch, || {
                    computed.set(computed.get() + 1);
                    Ok::<_, ()>((BTreeSet::from([format!("w{}", computed.get())]), full.get()))
                })
                .unwrap()
        };
        assert!(get(5).contains("w1"));
        assert!(get(10).contains("w1"), "5 routed since: cached");
        assert!(get(10).contains("w1"), "15 routed since: cached");
        assert!(get(1).contains("w2"), "25 routed since: recomputed");
        assert_eq!(computed.get(), 2);
        // From a small store (sample not full): computed for every batch.
        let cache = CommonWords::default();
        full.set(false);
        let get = |batch: usize| {
            cache
                .get(batch, || {
                    computed.set(computed.get() + 1);
                    Ok::<_, ()>((BTreeSet::new(), full.get()))
                })
                .unwrap()
        };
        get(1);
        get(1);
        assert_eq!(computed.get(), 4);
    }
}
