//! Customer match: which customer a document (an e-mail with its attachments, or a letter) is
//! about. Evidence in order of strength: contract or customer number, sender e-mail, IBAN, then
//! name with postcode / street / birth date, compared tolerantly (umlauts vs. ae/oe/ue/ss,
//! hyphens, "von"). Two candidates are never decided by a guess: the result is then
//! `Ambiguous` and a person decides.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Serialize;

use super::{IdKind, Identifier};
use crate::classify::normalise;
use crate::store::{Contract, Customer};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CustomerMatch {
    Unique {
        customer_id: String,
        confidence: f32,
        reason: String,
    },
    Ambiguous {
        candidates: Vec<String>,
        reason: String,
    },
    None,
}

impl CustomerMatch {
    pub fn customer_id(&self) -> Option<&str> {
        match self {
            CustomerMatch::Unique { customer_id, .. } => Some(customer_id),
            _ => None,
        }
    }
    pub fn confidence(&self) -> Option<f32> {
        match self {
            CustomerMatch::Unique { confidence, .. } => Some(*confidence),
            _ => None,
        }
    }
    pub fn reason(&self) -> String {
        match self {
            CustomerMatch::Unique { reason, .. } => reason.clone(),
            CustomerMatch::Ambiguous { candidates, reason } => {
                format!("ambiguous ({}): {reason}", candidates.join(", "))
            }
            CustomerMatch::None => "no customer found".into(),
        }
    }

    /// Combines the document's own evidence with a customer number its source named (the
    /// portal's logged-in customer, a clerk's upload form). The hint decides only where the
    /// document does not; when the document names another customer, neither is guessed.
    pub fn with_source_hint(self, hint: Option<&str>, master: &MasterIndex) -> CustomerMatch {
        let Some(hint) = hint.and_then(|h| master.canonical_id(h)) else {
            return self;
        };
        match self {
            CustomerMatch::Unique {
                customer_id,
                confidence,
                reason,
            } if customer_id == hint => CustomerMatch::Unique {
                customer_id,
                confidence: confidence.max(0.95),
                reason: format!("{reason}; the uploader named the same customer"),
            },
            CustomerMatch::Unique { customer_id, .. } => CustomerMatch::Ambiguous {
                reason: format!("the document names {customer_id}, the uploader named {hint}"),
                candidates: vec![customer_id, hint],
            },
            CustomerMatch::Ambiguous { candidates, reason } if candidates.contains(&hint) => {
                CustomerMatch::Unique {
                    reason: format!(
                        "the uploader named {hint}, one of the candidates ({})",
                        candidates.join(", ")
                    ),
                    customer_id: hint,
                    confidence: 0.9,
                }
                .with_reason_suffix(&reason)
            }
            CustomerMatch::Ambiguous {
                mut candidates,
                reason,
            } => {
                candidates.push(hint.clone());
                CustomerMatch::Ambiguous {
                    candidates,
                    reason: format!("{reason}; the uploader named {hint}"),
                }
            }
            CustomerMatch::None => CustomerMatch::Unique {
                reason: format!("customer number {hint} given by the uploader"),
                customer_id: hint,
                confidence: 0.9,
            },
        }
    }

    fn with_reason_suffix(self, suffix: &str) -> CustomerMatch {
        match self {
            CustomerMatch::Unique {
                customer_id,
                confidence,
                reason,
            } => CustomerMatch::Unique {
                customer_id,
                confidence,
                reason: format!("{reason} [{suffix}]"),
            },
            other => other,
        }
    }
}

/// What is known about a document for matching.
pub struct MatchInput<'a> {
    pub identifiers: &'a [Identifier],
    /// Sender addresses (From of the e-mail), lower case.
    pub sender_emails: &'a [String],
    /// All text of the document and its attachments.
    pub text: &'a str,
}

struct Entry {
    customer: Customer,
    /// Normalised name tokens that must all occur.
    last_name: Vec<String>,
    first_name: Vec<String>,
    street: String,
    birth_date: Vec<String>,
}

/// Master data arranged for lookups. Built once when the pipeline starts.
#[derive(Default)]
pub struct MasterIndex {
    entries: Vec<Entry>,
    by_id: HashMap<String, usize>,
    by_contract: HashMap<String, usize>,
    by_email: HashMap<String, Vec<usize>>,
    by_iban: HashMap<String, Vec<usize>>,
    by_last_name_token: HashMap<String, Vec<usize>>,
    /// Last-name tokens of five letters or more and their one-letter deletions: finds names
    /// that OCR read with one letter wrong, missing or extra.
    by_last_name_variant: HashMap<String, Vec<usize>>,
}

/// Shortest name token compared with one letter of tolerance.
const FUZZY_MIN_LEN: usize = 5;

fn deletions(word: &str) -> impl Iterator<Item = String> + '_ {
    word.char_indices().map(move |(i, c)| {
        let mut v = String::with_capacity(word.len());
        v.push_str(&word[..i]);
        v.push_str(&word[i + c.len_utf8()..]);
        v
    })
}

/// The token occurs exactly, or (long enough) with one letter of difference.
fn occurs(token: &str, words: &HashSet<&str>) -> Option<bool> {
    if words.contains(token) {
        return Some(false);
    }
    (token.chars().count() >= FUZZY_MIN_LEN
        && words.iter().any(|w| strsim::levenshtein(token, w) == 1))
    .then_some(true)
}

/// Upper case alphanumerics: the key for numbers in any notation.
pub fn number_key(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase()
}

const PARTICLES: [&str; 5] = ["von", "van", "der", "zu", "de"];

fn name_tokens(name: &str) -> Vec<String> {
    normalise(name)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty() && !PARTICLES.contains(t))
        .map(str::to_string)
        .collect()
}

impl MasterIndex {
    /// The master-data id of a customer number as someone typed it (`K 100007` = `K-100007`).
    pub fn canonical_id(&self, typed: &str) -> Option<String> {
        self.by_id
            .get(&number_key(typed))
            .map(|&i| self.entries[i].customer.customer_id.clone())
    }

    pub fn new(customers: Vec<Customer>, contracts: &[Contract]) -> MasterIndex {
        let mut idx = MasterIndex::default();
        for c in customers {
            let i = idx.entries.len();
            idx.by_id.insert(number_key(&c.customer_id), i);
            if !c.email.is_empty() {
                idx.by_email
                    .entry(c.email.to_lowercase())
                    .or_default()
                    .push(i);
            }
            if !c.iban.is_empty() {
                idx.by_iban.entry(number_key(&c.iban)).or_default().push(i);
            }
            let last_name = name_tokens(&c.last_name);
            for t in &last_name {
                idx.by_last_name_token.entry(t.clone()).or_default().push(i);
                if t.chars().count() >= FUZZY_MIN_LEN {
                    for v in std::iter::once(t.clone()).chain(deletions(t)) {
                        idx.by_last_name_variant.entry(v).or_default().push(i);
                    }
                }
            }
            let birth_date = c
                .birth_date
                .map(|d| {
                    vec![
                        d.format("%d.%m.%Y").to_string(),
                        d.format("%-d.%-m.%Y").to_string(),
                    ]
                })
                .unwrap_or_default();
            idx.entries.push(Entry {
                first_name: name_tokens(&c.first_name),
                last_name,
                street: normalise(&c.street),
                birth_date,
                customer: c,
            });
        }
        for k in contracts {
            if let Some(&i) = idx.by_id.get(&number_key(&k.customer_id)) {
                idx.by_contract.insert(number_key(&k.contract_id), i);
            }
        }
        idx
    }

    fn id_of(&self, i: usize) -> String {
        self.entries[i].customer.customer_id.clone()
    }

    /// Name evidence: customers whose first and last name occur (long tokens with one letter
    /// of tolerance), with how many of postcode, street and birth date occur too, and whether
    /// the name needed the tolerance.
    fn by_name(&self, words: &HashSet<&str>, text: &str) -> Vec<(usize, usize, bool)> {
        let mut seen = BTreeSet::new();
        for w in words {
            if let Some(list) = self.by_last_name_token.get(*w) {
                seen.extend(list.iter().copied());
            }
            if w.chars().count() >= FUZZY_MIN_LEN - 1 {
                for v in std::iter::once(w.to_string()).chain(deletions(w)) {
                    if let Some(list) = self.by_last_name_variant.get(&v) {
                        seen.extend(list.iter().copied());
                    }
                }
            }
        }
        seen.into_iter()
            .filter_map(|i| {
                let e = &self.entries[i];
                let mut fuzzy = false;
                for t in e.last_name.iter().chain(&e.first_name) {
                    fuzzy |= occurs(t, words)?;
                }
                let attrs = [
                    !e.customer.postcode.is_empty() && text.contains(&e.customer.postcode),
                    !e.street.is_empty() && text.contains(&e.street),
                    e.birth_date.iter().any(|d| text.contains(d)),
                ];
                Some((i, attrs.iter().filter(|a| **a).count(), fuzzy))
            })
            .collect()
    }

    pub fn match_document(&self, input: &MatchInput) -> CustomerMatch {
        let text = normalise(input.text);
        let words: HashSet<&str> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let named = self.by_name(&words, &text);
        let name_confirms = |i: usize| named.iter().any(|(j, _, _)| *j == i);

        // 1. Contract and customer numbers (OCR variants are tried as they are: digits only).
        let mut by_number: BTreeSet<usize> = BTreeSet::new();
        let mut number_reasons = Vec::new();
        for id in input.identifiers {
            let hit = match id.kind {
                IdKind::ContractNumber => self.by_contract.get(&id.value),
                IdKind::CustomerNumber => self.by_id.get(&id.value),
                _ => None,
            };
            if let Some(&i) = hit {
                if by_number.insert(i) {
                    number_reasons.push(format!(
                        "{} {}{}",
                        if id.kind == IdKind::ContractNumber {
                            "contract"
                        } else {
                            "customer number"
                        },
                        id.raw,
                        if id.ocr_variant {
                            " (read with OCR confusions)"
                        } else {
                            ""
                        }
                    ));
                }
            }
        }
        match by_number.len() {
            0 => {}
            1 => {
                let i = *by_number.iter().next().expect("one");
                let confirmed = name_confirms(i);
                return CustomerMatch::Unique {
                    customer_id: self.id_of(i),
                    confidence: if confirmed { 0.995 } else { 0.98 },
                    reason: format!(
                        "{}{}",
                        number_reasons.join(", "),
                        if confirmed { ", name confirms" } else { "" }
                    ),
                };
            }
            _ => {
                let confirmed: Vec<usize> = by_number
                    .iter()
                    .copied()
                    .filter(|&i| name_confirms(i))
                    .collect();
                if confirmed.len() == 1 {
                    return CustomerMatch::Unique {
                        customer_id: self.id_of(confirmed[0]),
                        confidence: 0.95,
                        reason: format!(
                            "{}; the name fits only {}",
                            number_reasons.join(", "),
                            self.id_of(confirmed[0])
                        ),
                    };
                }
                return CustomerMatch::Ambiguous {
                    candidates: by_number.iter().map(|&i| self.id_of(i)).collect(),
                    reason: format!(
                        "numbers of different customers: {}",
                        number_reasons.join(", ")
                    ),
                };
            }
        }

        // 2. Sender e-mail, 3. IBAN: unique unless shared; a shared one is narrowed by name.
        let ibans: Vec<String> = input
            .identifiers
            .iter()
            .filter(|i| i.kind == IdKind::Iban && i.valid)
            .map(|i| i.value.clone())
            .collect();
        for (what, keys, map, confidence) in [
            (
                "sender e-mail",
                input.sender_emails.to_vec(),
                &self.by_email,
                0.95f32,
            ),
            ("IBAN", ibans, &self.by_iban, 0.93),
        ] {
            let mut found: BTreeSet<usize> = BTreeSet::new();
            let mut which = Vec::new();
            for k in &keys {
                let key = if what == "IBAN" {
                    number_key(k)
                } else {
                    k.to_lowercase()
                };
                if let Some(list) = map.get(&key) {
                    found.extend(list.iter().copied());
                    which.push(k.clone());
                }
            }
            if found.is_empty() {
                continue;
            }
            let narrowed: Vec<usize> = if found.len() > 1 {
                found
                    .iter()
                    .copied()
                    .filter(|&i| name_confirms(i))
                    .collect()
            } else {
                found.iter().copied().collect()
            };
            if narrowed.len() == 1 {
                return CustomerMatch::Unique {
                    customer_id: self.id_of(narrowed[0]),
                    confidence,
                    reason: format!("{what} {}", which.join(", ")),
                };
            }
            return CustomerMatch::Ambiguous {
                candidates: found.iter().map(|&i| self.id_of(i)).collect(),
                reason: format!("{what} {} belongs to several customers", which.join(", ")),
            };
        }

        // 4. Name with address or birth date.
        let best = named.iter().map(|(_, a, _)| *a).max().unwrap_or(0);
        let top: Vec<(usize, bool)> = named
            .iter()
            .filter(|(_, a, _)| *a == best)
            .map(|(i, _, fuzzy)| (*i, *fuzzy))
            .collect();
        let ids = |top: &[(usize, bool)]| top.iter().map(|(i, _)| self.id_of(*i)).collect();
        match (top.as_slice(), best) {
            ([], _) => CustomerMatch::None,
            ([(i, fuzzy)], b) if b > 0 => CustomerMatch::Unique {
                customer_id: self.id_of(*i),
                confidence: if b >= 2 { 0.9 } else { 0.85 } - if *fuzzy { 0.05 } else { 0.0 },
                reason: format!(
                    "name{} with {b} of postcode/street/birth date",
                    if *fuzzy {
                        " (one letter differs, e.g. OCR)"
                    } else {
                        ""
                    }
                ),
            },
            (_, 0) => CustomerMatch::Ambiguous {
                candidates: ids(&top),
                reason: "name only, no postcode, street or birth date confirms it".into(),
            },
            _ => CustomerMatch::Ambiguous {
                candidates: ids(&top),
                reason: "several customers fit name and address equally".into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::IdentifyConfig;
    use crate::identify::Identifiers;
    use chrono::NaiveDate;

    #[allow(clippy::too_many_arguments)]
    fn customer(
        id: &str,
        first: &str,
        last: &str,
        born: &str,
        street: &str,
        pc: &str,
        email: &str,
        iban: &str,
    ) -> Customer {
        Customer {
            customer_id: id.into(),
            salutation: "Herr".into(),
            first_name: first.into(),
            last_name: last.into(),
            birth_date: NaiveDate::parse_from_str(born, "%Y-%m-%d").ok(),
            street: street.into(),
            house_number: "1".into(),
            postcode: pc.into(),
            city: "Stadt".into(),
            email: email.into(),
            phone: String::new(),
            iban: iban.into(),
            advertising_objection: false,
        }
    }

    fn index() -> MasterIndex {
        MasterIndex::new(
            vec![
                customer(
                    "K-100001",
                    "Niklas",
                    "Werner",
                    "1979-06-04",
                    "Dorfstraße",
                    "09112",
                    "werner.niklas@web.de",
                    "DE57860555920004912815",
                ),
                customer(
                    "K-100002",
                    "Niklas",
                    "Werner",
                    "1984-11-24",
                    "Königsberger Straße",
                    "68159",
                    "familie@web.de",
                    "",
                ),
                customer(
                    "K-100003",
                    "Clara",
                    "von Bülow",
                    "1990-01-02",
                    "Lindenweg",
                    "20095",
                    "familie@web.de",
                    "",
                ),
                customer(
                    "K-100004",
                    "Jörg",
                    "Müller-Lüdenscheidt",
                    "1960-03-03",
                    "Am Markt",
                    "50667",
                    "",
                    "DE89370400440532013000",
                ),
            ],
            &[Contract {
                contract_id: "KF-002 405 896".into(),
                customer_id: "K-100001".into(),
                product: "kfz".into(),
                status: "active".into(),
                start_date: None,
            }],
        )
    }

    fn run(text: &str, sender: &[&str]) -> CustomerMatch {
        let ids = Identifiers::new(&IdentifyConfig::default()).extract(text);
        let senders: Vec<String> = sender.iter().map(|s| s.to_string()).collect();
        index().match_document(&MatchInput {
            identifiers: &ids,
            sender_emails: &senders,
            text,
        })
    }

    #[test]
    fn contract_number_in_another_notation() {
        let m = run("Versicherungsnummer KF 002405896", &[]);
        assert_eq!(m.customer_id(), Some("K-100001"), "{m:?}");
        assert!(m.confidence().unwrap() >= 0.98);
        // With OCR confusions.
        assert_eq!(
            run("Vertrag KF-OO2 4O5 896", &[]).customer_id(),
            Some("K-100001")
        );
    }

    #[test]
    fn sender_email_and_shared_email() {
        assert_eq!(
            run("Hallo", &["werner.niklas@web.de"]).customer_id(),
            Some("K-100001")
        );
        // A family address: two customers, narrowed by the name in the text.
        assert!(matches!(
            run("Hallo", &["familie@web.de"]),
            CustomerMatch::Ambiguous { .. }
        ));
        assert_eq!(
            run("Viele Grüße, Clara von Bülow", &["familie@web.de"]).customer_id(),
            Some("K-100003")
        );
    }

    #[test]
    fn iban_of_a_customer() {
        let m = run("Bitte überweisen Sie auf DE89 3704 0044 0532 0130 00.", &[]);
        assert_eq!(m.customer_id(), Some("K-100004"), "{m:?}");
    }

    #[test]
    fn same_name_told_apart_by_postcode_or_birth_date_never_guessed() {
        let a = run("Niklas Werner\nDorfstraße 40a\n09112 Chemnitz", &[]);
        assert_eq!(a.customer_id(), Some("K-100001"), "{a:?}");
        let b = run("Niklas Werner, geboren am 24.11.1984", &[]);
        assert_eq!(b.customer_id(), Some("K-100002"), "{b:?}");
        let neither = run("Mit freundlichen Grüßen\nNiklas Werner", &[]);
        match neither {
            CustomerMatch::Ambiguous { candidates, .. } => {
                assert_eq!(candidates, vec!["K-100001", "K-100002"])
            }
            other => panic!("expected ambiguous, got {other:?}"),
        }
    }

    #[test]
    fn tolerant_names_and_old_address_of_a_move() {
        // ue/oe spelling, hyphenated double name, old address next to the new one.
        let m = run(
            "Adressänderung\nJoerg Mueller-Luedenscheidt\nBisherige Anschrift: Am Markt 1, 50667 Köln\nNeue Anschrift: Ringstraße 9, 80331 München",
            &[],
        );
        assert_eq!(m.customer_id(), Some("K-100004"), "{m:?}");
        let v = run("Clara Bülow, Lindenweg 3, 20095 Hamburg", &[]);
        assert_eq!(v.customer_id(), Some("K-100003"), "{v:?}");
    }

    #[test]
    fn one_letter_of_ocr_noise_in_the_name_still_matches_with_the_address() {
        let m = run("Jörg Mül1er-Lüdenscheidt\nAm Markt 1\n50667 Köln", &[]);
        assert_eq!(m.customer_id(), Some("K-100004"), "{m:?}");
        assert!(m.reason().contains("one letter differs"), "{m:?}");
        assert!(m.confidence().unwrap() < 0.85);
        // Two letters off is another person.
        assert_eq!(
            run("Jörg Mü11er-Lüdenscheidt-Xy\n50667 Köln", &[]).customer_id(),
            None
        );
    }

    #[test]
    fn nobody() {
        assert_eq!(
            run(
                "Sehr geehrte Damen und Herren, bitte senden Sie Unterlagen.",
                &[]
            ),
            CustomerMatch::None
        );
    }

    #[test]
    fn a_customer_named_by_the_uploader_decides_only_where_the_document_does_not() {
        let m = index();
        let unique = |id: &str| CustomerMatch::Unique {
            customer_id: id.into(),
            confidence: 0.8,
            reason: "customer number".into(),
        };
        // Nothing in the document: the hint (as typed) decides.
        let r = CustomerMatch::None.with_source_hint(Some("K 100002"), &m);
        assert_eq!(r.customer_id(), Some("K-100002"));
        assert_eq!(r.confidence(), Some(0.9));
        // The same customer: more sure.
        let r = unique("K-100001").with_source_hint(Some("K-100001"), &m);
        assert_eq!(
            (r.customer_id(), r.confidence()),
            (Some("K-100001"), Some(0.95))
        );
        // Another customer: neither is guessed.
        let r = unique("K-100001").with_source_hint(Some("K-100002"), &m);
        assert!(
            matches!(&r, CustomerMatch::Ambiguous { candidates, .. } if candidates.len() == 2),
            "{r:?}"
        );
        // Two namesakes, the hint is one of them: it decides.
        let both = CustomerMatch::Ambiguous {
            candidates: vec!["K-100001".into(), "K-100002".into()],
            reason: "same name".into(),
        };
        assert_eq!(
            both.clone()
                .with_source_hint(Some("K-100002"), &m)
                .customer_id(),
            Some("K-100002")
        );
        // A hint that is not in the master data changes nothing.
        assert_eq!(both.clone().with_source_hint(Some("K-999999"), &m), both);
        assert_eq!(
            CustomerMatch::None.with_source_hint(None, &m),
            CustomerMatch::None
        );
    }
}
