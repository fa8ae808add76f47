//! Document type: rules from `classifiers/<type>.toml` (phrases, patterns, negative terms with
//! weights) scored over the subject (or a letter's heading) and text, combined with the learned
//! text model ([`model`], `classifiers/model.json`) into a probability per type, a confidence
//! and an explanation. Below the configured threshold the decision is `unknown` (manual triage).
//! Takes text; gives a [`Classification`]. Pure after loading; loading validates every file and
//! names file and line of a problem.

pub mod health;
pub mod model;
pub mod signals;
#[cfg(test)]
mod unseen;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use serde::{Deserialize, Serialize};

/// The document types; the ids are a public interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocType {
    Claim,
    Invoice,
    AddressChange,
    BankDetailsChange,
    ContractChange,
    Cancellation,
    Complaint,
    Application,
    DeathNotice,
    Other,
}

impl DocType {
    pub const ALL: [DocType; 10] = [
        DocType::Claim,
        DocType::Invoice,
        DocType::AddressChange,
        DocType::BankDetailsChange,
        DocType::ContractChange,
        DocType::Cancellation,
        DocType::Complaint,
        DocType::Application,
        DocType::DeathNotice,
        DocType::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocType::Claim => "claim",
            DocType::Invoice => "invoice",
            DocType::AddressChange => "address_change",
            DocType::BankDetailsChange => "bank_details_change",
            DocType::ContractChange => "contract_change",
            DocType::Cancellation => "cancellation",
            DocType::Complaint => "complaint",
            DocType::Application => "application",
            DocType::DeathNotice => "death_notice",
            DocType::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<DocType> {
        DocType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl fmt::Display for DocType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The id recorded when no type is confident enough.
pub const UNKNOWN: &str = "unknown";

#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    #[error("cannot read classifier directory {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}:{line}: {message}")]
    File {
        file: PathBuf,
        line: usize,
        message: String,
    },
    #[error(transparent)]
    Model(#[from] model::ModelError),
    #[error("the built-in text model is unusable: {0} — rebuild it with `make model`")]
    BuiltInModel(String),
    #[error("classifier directory {path} has no file for type(s): {missing}")]
    Missing { path: PathBuf, missing: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(rename = "type")]
    doc_type: String,
    #[serde(default = "default_language")]
    language: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    phrases: Vec<WeightedText>,
    #[serde(default)]
    patterns: Vec<WeightedRegex>,
    #[serde(default)]
    negative: Vec<WeightedText>,
}

fn default_language() -> String {
    "de".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WeightedText {
    text: String,
    weight: f32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WeightedRegex {
    regex: String,
    weight: f32,
}

/// One piece of evidence for or against a type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub doc_type: DocType,
    /// The phrase or pattern as written in the rule file.
    pub rule: String,
    /// Signed contribution (negative terms count against).
    pub weight: f32,
    pub in_subject: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Classification {
    /// `None` = unknown (below the threshold).
    pub doc_type: Option<DocType>,
    /// Probability of the best type (also when it fell below the threshold).
    pub best: DocType,
    pub confidence: f32,
    /// Probability per type.
    pub probabilities: BTreeMap<DocType, f32>,
    /// What the learned model alone gave the best type (None without a model).
    pub model_probability: Option<f32>,
    /// The evidence for the best type and against it, strongest first.
    pub evidence: Vec<Evidence>,
}

impl Classification {
    pub fn type_id(&self) -> &'static str {
        self.doc_type.map_or(UNKNOWN, DocType::as_str)
    }

    /// One line for a clerk: decision, confidence, the rules that decided, the runner-up.
    pub fn explanation(&self) -> String {
        let mut parts: Vec<String> = self
            .evidence
            .iter()
            .take(5)
            .map(|e| {
                format!(
                    "{:?} {:+.1}{}",
                    e.rule,
                    e.weight,
                    if e.in_subject { " (subject)" } else { "" }
                )
            })
            .collect();
        if parts.is_empty() {
            parts.push("no rule matched".into());
        }
        let mut ranked: Vec<(&DocType, &f32)> = self.probabilities.iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(a.1));
        let runner_up = ranked
            .get(1)
            .map(|(t, p)| format!("; next: {t} {:.2}", p))
            .unwrap_or_default();
        let model = self
            .model_probability
            .map(|p| format!("; text model {p:.2}"))
            .unwrap_or_default();
        format!(
            "{} {:.2} by {}{model}{}",
            self.type_id(),
            self.confidence,
            parts.join(", "),
            runner_up
        )
    }
}

/// Lower case with umlauts folded (ä→ae, ö→oe, ü→ue, ß→ss), so both spellings match. Text in
/// decomposed form (u + combining diaeresis, as some PDFs and Mac mail have it) is composed
/// first; soft hyphens and zero-width characters are dropped, so they do not split words.
pub fn normalise(text: &str) -> String {
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
    let composed: std::borrow::Cow<str> = match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => text.into(),
        _ => text.nfc().collect::<String>().into(),
    };
    let mut out = String::with_capacity(text.len() + 16);
    for c in composed.chars().flat_map(char::to_lowercase) {
        match c {
            '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' => {}
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            c => out.push(c),
        }
    }
    out
}

/// [`normalise`]d, with every run of whitespace (line breaks included) made one space: letters
/// and mails wrap lines anywhere, and a phrase must match across a line break.
fn fold(text: &str) -> String {
    normalise(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The repository's `classifiers/*.toml`, compiled in so intake runs from any directory.
const BUILT_IN: [(&str, &str); 10] = [
    ("claim.toml", include_str!("../../classifiers/claim.toml")),
    (
        "invoice.toml",
        include_str!("../../classifiers/invoice.toml"),
    ),
    (
        "address_change.toml",
        include_str!("../../classifiers/address_change.toml"),
    ),
    (
        "bank_details_change.toml",
        include_str!("../../classifiers/bank_details_change.toml"),
    ),
    (
        "contract_change.toml",
        include_str!("../../classifiers/contract_change.toml"),
    ),
    (
        "cancellation.toml",
        include_str!("../../classifiers/cancellation.toml"),
    ),
    (
        "complaint.toml",
        include_str!("../../classifiers/complaint.toml"),
    ),
    (
        "application.toml",
        include_str!("../../classifiers/application.toml"),
    ),
    (
        "death_notice.toml",
        include_str!("../../classifiers/death_notice.toml"),
    ),
    ("other.toml", include_str!("../../classifiers/other.toml")),
];

/// The repository's `classifiers/model.json`, parsed once per process.
fn built_in_model() -> Result<std::sync::Arc<model::TextModel>, ClassifyError> {
    static MODEL: std::sync::OnceLock<Result<std::sync::Arc<model::TextModel>, String>> =
        std::sync::OnceLock::new();
    MODEL
        .get_or_init(|| {
            model::TextModel::parse(
                include_str!("../../classifiers/model.json"),
                "classifiers/model.json (built in)",
            )
            .map(std::sync::Arc::new)
            .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(ClassifyError::BuiltInModel)
}

struct Phrase {
    doc_type: DocType,
    rule: String,
    weight: f32,
}

/// Scores are turned into probabilities with a softmax at this temperature over the types with
/// evidence; "no type" competes with a fixed score, so weak evidence ends up unknown.
const TEMPERATURE: f32 = 1.6;
const NO_TYPE_SCORE: f32 = 2.5;
/// Phrases at least this long (normalised bytes) also match inside a word.
const MIN_INNER_MATCH: usize = 7;
/// Subject phrases count this much more.
const SUBJECT_FACTOR: f32 = 2.0;
/// Longer texts mention more words by chance; a phrase's repeated hits add little.
const REPEAT_BONUS: f32 = 0.25;

pub struct Classifier {
    /// The learned model, combined with the rules when present.
    model: Option<std::sync::Arc<model::TextModel>>,
    phrases: Vec<Phrase>,
    automaton: AhoCorasick,
    patterns: Vec<(DocType, Regex, String, f32)>,
    threshold: f32,
}

impl Classifier {
    /// Loads `dir/*.toml`; every type must have a file.
    pub fn load(dir: &Path, threshold: f32) -> Result<Classifier, ClassifyError> {
        let entries = std::fs::read_dir(dir).map_err(|source| ClassifyError::Dir {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            // The impulse rules live beside the type rules but are not one.
            .filter(|p| {
                p.file_name()
                    .is_none_or(|n| n != crate::impulses::RULES_FILE)
            })
            .collect();
        files.sort();
        let mut sources = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(|e| ClassifyError::File {
                file: f.clone(),
                line: 0,
                message: e.to_string(),
            })?;
            sources.push((f, text));
        }
        let c = Classifier::from_sources(&sources, threshold)?;
        let present: std::collections::HashSet<DocType> =
            c.phrases.iter().map(|p| p.doc_type).collect();
        let missing: Vec<&str> = DocType::ALL
            .into_iter()
            .filter(|t| !present.contains(t))
            .map(DocType::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(ClassifyError::Missing {
                path: dir.to_path_buf(),
                missing: missing.join(", "),
            });
        }
        Ok(c)
    }

    /// The rules shipped in the repository's `classifiers/`, built into the binary (without the
    /// model; [`Classifier::from_config`] adds it).
    pub fn built_in_rules(threshold: f32) -> Result<Classifier, ClassifyError> {
        let sources: Vec<(PathBuf, String)> = BUILT_IN
            .iter()
            .map(|(name, text)| (PathBuf::from(name), text.to_string()))
            .collect();
        Classifier::from_sources(&sources, threshold)
    }

    /// From the configured directory (with its `model.json` if it is there), or the built-in
    /// rules and model (the repository's `classifiers/`).
    pub fn from_config(
        config: &crate::config::ClassifyConfig,
    ) -> Result<Classifier, ClassifyError> {
        let mut c = match &config.classifiers_dir {
            Some(dir) => Classifier::load(dir, config.threshold)?,
            None => Classifier::built_in_rules(config.threshold)?,
        };
        if config.use_model {
            c.model = match &config.classifiers_dir {
                Some(dir) => {
                    let path = dir.join("model.json");
                    match path.exists() {
                        true => Some(std::sync::Arc::new(model::TextModel::load(&path)?)),
                        false => None,
                    }
                }
                None => Some(built_in_model()?),
            };
        }
        Ok(c)
    }

    pub fn has_model(&self) -> bool {
        self.model.is_some()
    }

    /// Builds from (file name, TOML text) pairs.
    pub fn from_sources(
        sources: &[(PathBuf, String)],
        threshold: f32,
    ) -> Result<Classifier, ClassifyError> {
        let mut phrases = Vec::new();
        let mut patterns = Vec::new();
        for (file, text) in sources {
            let at = |line: usize, message: String| ClassifyError::File {
                file: file.clone(),
                line,
                message,
            };
            let rules: RuleFile = toml::from_str(text)
                .map_err(|e| at(toml_error_line(text, &e), e.message().to_string()))?;
            let Some(doc_type) = DocType::parse(&rules.doc_type) else {
                return Err(at(
                    line_of(text, "type"),
                    format!(
                        "unknown type {:?}; known: {}",
                        rules.doc_type,
                        DocType::ALL.map(DocType::as_str).join(", ")
                    ),
                ));
            };
            let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned());
            if stem.as_deref() != Some(doc_type.as_str()) {
                return Err(at(
                    line_of(text, "type"),
                    format!(
                        "type {:?} must be in a file named {}.toml",
                        rules.doc_type, doc_type
                    ),
                ));
            }
            if rules.language != "de" && rules.language != "en" {
                return Err(at(
                    line_of(text, "language"),
                    format!("language {:?} is not supported (de, en)", rules.language),
                ));
            }
            let _ = rules.description;
            for (list, sign) in [(&rules.phrases, 1.0f32), (&rules.negative, -1.0)] {
                for p in list {
                    if p.text.trim().is_empty() || !p.weight.is_finite() || p.weight < 0.0 {
                        return Err(at(
                            line_of(text, &p.text),
                            format!(
                                "phrase {:?}: text must not be empty and weight must be ≥ 0",
                                p.text
                            ),
                        ));
                    }
                    phrases.push(Phrase {
                        doc_type,
                        rule: p.text.clone(),
                        weight: sign * p.weight,
                    });
                }
            }
            for p in &rules.patterns {
                if !p.weight.is_finite() {
                    return Err(at(
                        line_of(text, &p.regex),
                        format!("pattern {:?}: weight must be a number", p.regex),
                    ));
                }
                let re = Regex::new(&p.regex).map_err(|e| {
                    at(
                        line_of(text, "regex"),
                        format!("pattern {:?}: {e}", p.regex),
                    )
                })?;
                patterns.push((doc_type, re, p.regex.clone(), p.weight));
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(phrases.iter().map(|p| normalise(&p.rule)))
            .map_err(|e| ClassifyError::File {
                file: PathBuf::from("classifiers"),
                line: 0,
                message: e.to_string(),
            })?;
        Ok(Classifier {
            model: None,
            phrases,
            automaton,
            patterns,
            threshold,
        })
    }

    pub fn classify(&self, subject: &str, text: &str) -> Classification {
        let (subject, text) = Classifier::model_input(subject, text);
        let (rules, mut evidence) = self.rules(&subject, &text);
        let (probabilities, learned) = match &self.model {
            Some(m) => {
                let learned = m.predict(&subject, &text);
                (m.combine(&rules, &learned), Some(learned))
            }
            None => (rules, None),
        };
        let (best, confidence) = probabilities
            .iter()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(t, p)| (*t, *p))
            .unwrap_or((DocType::Other, 0.0));
        evidence.retain(|e| e.doc_type == best);
        evidence.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
        Classification {
            doc_type: (confidence >= self.threshold).then_some(best),
            best,
            confidence,
            model_probability: learned.and_then(|l| l.get(&best).copied()),
            probabilities,
            evidence,
        }
    }

    /// [`Classifier::classify`], then what the e-mail's headers say (auto-reply, list, spam;
    /// see [`signals`]).
    pub fn classify_mail(
        &self,
        subject: &str,
        text: &str,
        automated: Option<&crate::model::AutomatedMail>,
    ) -> Classification {
        let c = self.classify(subject, text);
        match automated {
            Some(a) => signals::apply(c, a, self.threshold),
            None => c,
        }
    }

    /// The rules' probabilities alone, as [`Classifier::classify`] computes them before the
    /// model has its say (what the model is trained to complement).
    pub fn rule_probabilities(&self, subject: &str, text: &str) -> BTreeMap<DocType, f32> {
        let (subject, text) = Classifier::model_input(subject, text);
        self.rules(&subject, &text).0
    }

    /// The text the model learns from and is asked about: the writer's own words, the subject
    /// or a letter's heading.
    pub fn model_input(subject: &str, text: &str) -> (String, String) {
        let text = own_words(text);
        (subject_or_letter_heading(subject, &text), text)
    }

    /// Phrase and pattern scores turned into a probability per type, with the evidence.
    fn rules(&self, subject: &str, text: &str) -> (BTreeMap<DocType, f32>, Vec<Evidence>) {
        let mut hits: BTreeMap<usize, (u32, bool)> = BTreeMap::new();
        let (subject_norm, text_norm) = (fold(subject), fold(text));
        for (part, in_subject) in [(subject_norm.as_str(), true), (text_norm.as_str(), false)] {
            let bytes = part.as_bytes();
            for m in self.automaton.find_overlapping_iter(part) {
                // Short phrases match at the start of a word (so stems match inflections);
                // longer ones also inside German compounds ("Versicherungsombudsmann").
                let inner_ok = m.len() >= MIN_INNER_MATCH;
                if !inner_ok && m.start() > 0 && bytes[m.start() - 1].is_ascii_alphanumeric() {
                    continue;
                }
                let e = hits
                    .entry(m.pattern().as_usize())
                    .or_insert((0, in_subject));
                e.0 += 1;
                e.1 |= in_subject;
            }
        }
        let mut scores: BTreeMap<DocType, f32> =
            DocType::ALL.into_iter().map(|t| (t, 0.0)).collect();
        let mut evidence = Vec::new();
        for (idx, (count, in_subject)) in hits {
            let p = &self.phrases[idx];
            let factor = if in_subject { SUBJECT_FACTOR } else { 1.0 };
            let w = p.weight * factor * (1.0 + REPEAT_BONUS * (count.min(5) - 1) as f32);
            *scores.entry(p.doc_type).or_default() += w;
            evidence.push(Evidence {
                doc_type: p.doc_type,
                rule: p.rule.clone(),
                weight: w,
                in_subject,
            });
        }
        let folded = format!("{subject_norm}\n{text_norm}");
        for (t, re, rule, weight) in &self.patterns {
            if re.is_match(&folded) {
                *scores.entry(*t).or_default() += weight;
                evidence.push(Evidence {
                    doc_type: *t,
                    rule: rule.clone(),
                    weight: *weight,
                    in_subject: false,
                });
            }
        }
        // Types without evidence take no probability; "no type" competes at a fixed score.
        let max = scores.values().copied().fold(NO_TYPE_SCORE, f32::max);
        let exp = |s: f32| ((s - max) / TEMPERATURE).exp();
        let weight = |s: f32| if s > 0.0 { exp(s) } else { 0.0 };
        let total: f32 = scores.values().map(|s| weight(*s)).sum::<f32>() + exp(NO_TYPE_SCORE);
        let probabilities = scores
            .iter()
            .map(|(t, s)| (*t, weight(*s) / total))
            .collect();
        (probabilities, evidence)
    }
}

/// Quoted history ("> …") is someone else's words; it does not decide the type.
fn own_words(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('>'))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Lines that open a letter's body; the heading (Betreff) stands right above them.
const SALUTATIONS: [&str; 8] = [
    "sehr geehrte",
    "guten tag",
    "hallo",
    "liebe ",
    "lieber ",
    "dear ",
    "moin",
    "servus",
];

/// "Sehr geehrte …", "Hallo …", "Liebe Frau …" — not "Liebe Grüße" (a closing) or "Halloween".
fn is_salutation(line: &str) -> bool {
    let folded = normalise(line.trim_start());
    let closing = [
        "liebe gruess",
        "lieben gruess",
        "lieber gruss",
        "liebe gruss",
    ];
    if closing.iter().any(|c| folded.starts_with(c)) {
        return false;
    }
    SALUTATIONS.iter().any(|s| {
        folded.starts_with(s)
            && (s.ends_with(' ')
                || !folded[s.len()..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric))
    })
}

/// A letter has no e-mail subject, but its heading (the "Betreff", labelled or not — DIN 5008
/// puts it unlabelled above the salutation) says what it is about just as well. Returns the
/// subject if there is one, else the heading: a `Betreff:` line, or the (at most three) lines
/// right above the salutation when the salutation comes within the first 40 lines.
fn subject_or_letter_heading(subject: &str, text: &str) -> String {
    if !subject.trim().is_empty() {
        return subject.to_string();
    }
    let lines: Vec<&str> = text.lines().take(40).collect();
    for line in &lines {
        let line = line.trim();
        for label in ["betreff:", "betr.:", "betrifft:"] {
            let labelled = line
                .get(..label.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(label));
            if labelled && !line[label.len()..].trim().is_empty() {
                return line[label.len()..].trim().to_string();
            }
        }
    }
    let Some(salutation) = lines.iter().position(|l| is_salutation(l)) else {
        return String::new();
    };
    let block: Vec<&str> = lines[..salutation]
        .iter()
        .rev()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .copied()
        .collect();
    // Four lines or more, or a postcode line: the address block of an informal letter without
    // a heading, not a heading.
    if block.len() > 3 || block.iter().any(|l| is_postcode_line(l)) {
        return String::new();
    }
    block.into_iter().rev().collect::<Vec<_>>().join(" ")
}

/// "20095 Hamburg": the last line of an address.
fn is_postcode_line(line: &str) -> bool {
    let line = line.trim();
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    digits == 5 && line[5..].starts_with(' ') && line[6..].starts_with(char::is_alphabetic)
}

/// 1-based line of a TOML parse error (0 if unknown).
pub(crate) fn toml_error_line(text: &str, e: &toml::de::Error) -> usize {
    e.span()
        .map(|s| {
            text.as_bytes()[..s.start.min(text.len())]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1
        })
        .unwrap_or(0)
}

/// 1-based line of the first line containing `needle` (0 if none), for file:line errors.
pub(crate) fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Classifier {
        Classifier::load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("classifiers"),
            0.5,
        )
        .unwrap()
    }

    #[test]
    fn shipped_rules_load_and_decide_clear_letters() {
        let c = shipped();
        let cases = [
            ("Kündigung", "Hiermit kündige ich meine Hausratversicherung fristgerecht zum 31.12.2026.", DocType::Cancellation),
            ("Schadenmeldung", "Am Montag hatte ich einen Wildunfall, die Stoßstange ist beschädigt.", DocType::Claim),
            ("Umzug", "Ich bin umgezogen. Meine neue Anschrift lautet Hauptstraße 5, 10115 Berlin.", DocType::AddressChange),
            ("Neue Bankverbindung", "Bitte buchen Sie die Beiträge künftig von meinem neuen Konto ab. Neue IBAN: DE89 3704 0044 0532 0130 00", DocType::BankDetailsChange),
            ("Ihre Bearbeitung", "Seit Wochen warte ich auf eine Antwort, niemand meldet sich. Ich bin sehr enttäuscht.", DocType::Complaint),
            ("Mein Vater", "Mein Vater ist am 3. Mai verstorben. Die Sterbeurkunde liegt bei.", DocType::DeathNotice),
            ("Rechnung", "Rechnungsnummer R-2026-03417, Rechnungsbetrag 480,00 EUR zzgl. MwSt., zahlbar innerhalb 14 Tagen", DocType::Invoice),
        ];
        for (subject, text, expected) in cases {
            let r = c.classify(subject, text);
            assert_eq!(r.doc_type, Some(expected), "{subject}: {}", r.explanation());
            assert!(!r.evidence.is_empty());
        }
    }

    #[test]
    fn a_letter_heading_counts_like_a_subject() {
        // An e-mail subject wins.
        assert_eq!(
            subject_or_letter_heading("Kündigung", "Betreff: Umzug\nSehr geehrte Damen"),
            "Kündigung"
        );
        // A labelled Betreff line.
        let letter = "Anna Muster\nWeg 1\n\nBetreff: Kündigung meiner Hausratversicherung\n\nSehr geehrte Damen und Herren,\nhiermit …";
        assert_eq!(
            subject_or_letter_heading("", letter),
            "Kündigung meiner Hausratversicherung"
        );
        // DIN 5008: the unlabelled heading right above the salutation, up to three lines.
        let letter = "Anna Muster\n\nHamburg, 3.2.2026\n\nVertrag HR 123 456\nNeue Anschrift\n\nSehr geehrte Damen und Herren,\nich bin umgezogen.";
        assert_eq!(
            subject_or_letter_heading("", letter),
            "Vertrag HR 123 456 Neue Anschrift"
        );
        // An informal letter without a heading: its address block is none.
        let letter = "Anna Muster\n20095 Hamburg\nKundennummer K-200003\n\nSehr geehrte Damen und Herren,\nich beschwere mich.";
        assert_eq!(subject_or_letter_heading("", letter), "");
        let letter = "Anna Muster\nWeg 1\nHaus B\nHamburg\n\nHallo,\nich beschwere mich.";
        assert_eq!(subject_or_letter_heading("", letter), "");
        // Any case; "Betr.:" too.
        assert_eq!(
            subject_or_letter_heading("", "BETREFF: Umzug\nSehr geehrte"),
            "Umzug"
        );
        assert_eq!(
            subject_or_letter_heading("", "Betr.: Neue IBAN\nHallo,"),
            "Neue IBAN"
        );
        // A closing is no salutation: no heading is taken from above "Liebe Grüße".
        assert_eq!(
            subject_or_letter_heading("", "Bitte kündigen Sie.\n\nLiebe Grüße\nAnna"),
            ""
        );
        assert!(!is_salutation("Halloween-Party"));
        assert!(is_salutation("Hallo,"));
        assert!(is_salutation("Liebe Frau Schmidt,"));
        // No salutation, no heading.
        assert_eq!(
            subject_or_letter_heading("", "Rechnung\nPosition 1  20,00 EUR"),
            ""
        );
        // The heading's words count twice, as in a subject.
        let c = shipped();
        let body = "\n\nSehr geehrte Damen und Herren,\nbitte bearbeiten Sie mein Anliegen.";
        let with = c.classify("", &format!("Kündigung{body}"));
        assert!(
            with.evidence.iter().any(|e| e.in_subject),
            "{}",
            with.explanation()
        );
    }

    #[test]
    fn the_default_classifier_combines_rules_with_the_shipped_model() {
        let config = crate::config::ClassifyConfig::default();
        let c = Classifier::from_config(&config).unwrap();
        assert!(c.has_model());
        let r = c.classify(
            "",
            "Hallo, hab mir ein neues Auto gekauft und will das alte nicht mehr versichern.",
        );
        assert!(r.model_probability.is_some());
        assert!(
            r.explanation().contains("text model"),
            "{}",
            r.explanation()
        );
        let rules_only = Classifier::from_config(&crate::config::ClassifyConfig {
            use_model: false,
            ..config
        })
        .unwrap();
        assert!(!rules_only.has_model());
        let r = rules_only.classify("", "Hallo, neues Auto.");
        assert_eq!(r.model_probability, None);
    }

    #[test]
    fn decomposed_umlauts_and_soft_hyphens_do_not_split_words() {
        assert_eq!(normalise("Ku\u{308}ndigung"), "kuendigung");
        assert_eq!(normalise("Wasser\u{ad}schaden"), "wasserschaden");
        assert_eq!(normalise("Kün\u{200b}digung"), "kuendigung");
    }

    #[test]
    fn built_in_rules_are_the_shipped_files() {
        let a = Classifier::built_in_rules(0.5).unwrap();
        let b = shipped();
        assert_eq!(a.phrases.len(), b.phrases.len());
    }

    #[test]
    fn a_complaint_without_the_word_is_still_a_complaint() {
        let r = shipped().classify(
            "Schon wieder",
            "Das ist eine Zumutung. Ihre Hotline ist nie erreichbar und auf meine Mails reagiert niemand.",
        );
        assert_eq!(r.doc_type, Some(DocType::Complaint), "{}", r.explanation());
    }

    /// Dissatisfaction in the writer's own words is a complaint (BaFin), even when the letter is
    /// about a claim and full of claim words.
    #[test]
    fn dissatisfaction_without_the_word_is_a_complaint() {
        let c = shipped();
        for (subject, text) in [
            ("Ihre Abrechnung", "Mit Ihrer Abrechnung zum Einbruch bin ich nicht einverstanden. Die Kürzung ist ungerechtfertigt, bitte prüfen Sie das erneut."),
            ("Telefonat", "Ihr Mitarbeiter war heute extrem unfreundlich und hat einfach aufgelegt. So geht das nicht."),
            ("Sturmschaden", "Seit sechs Wochen passiert nichts, niemand ruft zurück und ich hänge jedes Mal in der Warteschleife. Ich fühle mich im Stich gelassen."),
        ] {
            let r = c.classify(subject, text);
            assert_eq!(r.doc_type, Some(DocType::Complaint), "{subject}: {}", r.explanation());
        }
    }

    #[test]
    fn a_threat_to_cancel_in_a_complaint_is_not_a_cancellation() {
        let r = shipped().classify(
            "",
            "Hiermit lege ich Beschwerde ein, bis heute keine Entscheidung zu meinem Schaden. Wenn sich nichts ändert, werde ich meine Verträge kündigen.",
        );
        assert_ne!(
            r.doc_type,
            Some(DocType::Cancellation),
            "{}",
            r.explanation()
        );
    }

    #[test]
    fn everyday_phrasings_of_the_other_types() {
        let c = shipped();
        let cases = [
            ("Neuigkeiten", "Hallo, wir sind umgezogen und wohnen seit dem 1. Juni in der Lindenallee 7, 04109 Leipzig.", DocType::AddressChange),
            ("", "Bitte ändern Sie meine Anschrift, ich wohne nicht mehr in der Gartenstraße sondern im Birkenweg 3.", DocType::AddressChange),
            ("Haftpflicht", "Ich möchte meine Haftpflichtversicherung nicht mehr weiterführen. Bitte bestätigen Sie mir das Ende des Vertrags.", DocType::Cancellation),
            ("", "Ich brauche die Hausrat nicht mehr, bitte zum nächstmöglichen Termin beenden.", DocType::Cancellation),
            ("Konto", "Ich habe die Bank gewechselt, bitte buchen Sie ab sofort von DE89 3704 0044 0532 0130 00 ab.", DocType::BankDetailsChange),
            ("", "Meine Mutter ist letzte Woche von uns gegangen. Was müssen wir wegen ihrer Verträge tun?", DocType::DeathNotice),
            ("Neues Auto", "Ich habe mir ein anderes Auto gekauft, bitte übertragen Sie den Vertrag und schicken mir die eVB.", DocType::ContractChange),
            ("Anfrage", "Was kostet bei Ihnen eine Hausratversicherung für 60 m²? Wir sind bisher nicht bei Ihnen versichert.", DocType::Application),
            ("Mein Fahrrad", "Mein Rad wurde gestern vor dem Bahnhof geklaut, das Schloss war aufgebrochen.", DocType::Claim),
            ("", "Kostenaufstellung: Arbeitslohn 2 Std 120,00 €, Material 35,50 €, Summe netto 155,50 €, zzgl. 19 % USt 29,55 €, Endbetrag 185,05 €.", DocType::Invoice),
            ("Automatische Antwort", "Ich bin bis zum 3. April nicht im Büro.", DocType::Other),
            ("Bewerbung als Sachbearbeiterin", "Anbei mein Lebenslauf, über eine Einladung zum Vorstellungsgespräch freue ich mich.", DocType::Other),
        ];
        for (subject, text, expected) in cases {
            let r = c.classify(subject, text);
            assert_eq!(r.doc_type, Some(expected), "{text}: {}", r.explanation());
        }
    }

    /// Letters wrap lines anywhere; a phrase split by a line break still counts.
    #[test]
    fn phrases_match_across_line_breaks() {
        let r = shipped().classify(
            "",
            "leider muss ich Ihnen mitteilen, dass mein Mann nicht mehr\nlebt.",
        );
        assert_eq!(
            r.doc_type,
            Some(DocType::DeathNotice),
            "{}",
            r.explanation()
        );
    }

    /// A word inside a longer word is no evidence: "Unfall" in "Unfallversicherung", a name
    /// like "Brandt", a product term in a cancellation.
    #[test]
    fn product_names_and_surnames_are_no_claim() {
        let r = shipped().classify(
            "",
            "Ich möchte die Unfallversicherung nicht mehr. Bitte bestätigen Sie, wann der Vertrag endet. Jana Brandt",
        );
        assert_eq!(
            r.doc_type,
            Some(DocType::Cancellation),
            "{}",
            r.explanation()
        );
        assert!(!r.evidence.iter().any(|e| e.doc_type == DocType::Claim));
    }

    /// An offer a vendor makes is not a customer asking for one: it must not reach sales.
    #[test]
    fn a_vendor_offering_something_is_not_an_application() {
        let r = shipped().classify(
            "Unser Angebot für Ihre Website",
            "Wir haben Ihre Website analysiert. Gerne erstellen wir Ihnen ein unverbindliches Angebot für SEO und Marketing.",
        );
        assert_ne!(
            r.doc_type,
            Some(DocType::Application),
            "{}",
            r.explanation()
        );
    }

    #[test]
    fn spelling_without_umlauts_matches() {
        let r = shipped().classify("Kuendigung", "hiermit kuendige ich fristgemaess");
        assert_eq!(r.doc_type, Some(DocType::Cancellation));
    }

    #[test]
    fn no_evidence_is_unknown_and_explained() {
        let r = shipped().classify("Hallo", "Bitte rufen Sie mich zurück.");
        assert_eq!(r.doc_type, None);
        assert_eq!(r.type_id(), "unknown");
        assert!(
            r.explanation().starts_with("unknown"),
            "{}",
            r.explanation()
        );
    }

    #[test]
    fn the_threshold_decides_unknown() {
        let text = "Hiermit kündige ich.";
        let strict = Classifier::load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("classifiers"),
            0.99,
        )
        .unwrap();
        let r = strict.classify("", text);
        assert_eq!(r.doc_type, None);
        assert_eq!(r.best, DocType::Cancellation);
    }

    #[test]
    fn bad_rule_files_name_file_and_line() {
        let err = Classifier::from_sources(
            &[(
                PathBuf::from("claim.toml"),
                "type = \"claim\"\nphrases = [\n  { text = \"x\", wieght = 1.0 },\n]\n".into(),
            )],
            0.5,
        )
        .err()
        .unwrap()
        .to_string();
        assert!(err.starts_with("claim.toml:3:"), "{err}");
        let err = Classifier::from_sources(
            &[(PathBuf::from("x.toml"), "type = \"boat\"\n".into())],
            0.5,
        )
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("x.toml:1: unknown type \"boat\""), "{err}");
        let err = Classifier::from_sources(
            &[(
                PathBuf::from("claim.toml"),
                "type = \"claim\"\npatterns = [ { regex = \"(\", weight = 1.0 } ]\n".into(),
            )],
            0.5,
        )
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("claim.toml:2: pattern"), "{err}");
    }
}
