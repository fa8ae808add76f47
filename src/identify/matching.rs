//! Customer match: which customer a document (an e-mail with its attachments, or a letter) is
//! about, and the known numbers in it. Evidence in order of strength: customer, contract or
//! claim numbers found in any written form ([`super::numbers`]; a near miss or bare digits only
//! when the customer's own data corroborates them), the sender e-mail, an IBAN, then the name
//! with postcode / street / birth date / e-mail, compared as a clerk would ([`super::names`]).
//! Two candidates are never decided by a guess: the result is then `Ambiguous` and a person
//! decides. Every result carries its evidence in plain words.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

pub use super::keys::number_key;
pub use super::master::MasterIndex;

use super::evidence::{Doc, Evidence, NameFit};
use super::names::TextView;
use super::numbers::{self, NumberHit, Strength};
use super::{IdKind, Identifier};

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

/// A known number that was found but not used, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Unused {
    pub raw: String,
    pub master_id: String,
    pub reason: String,
}

/// What identification found: the customer, the identifiers (the configured formats' and the
/// known numbers', each known one with its master record and how it was written), and the
/// known numbers that were seen but not used.
#[derive(Debug, Clone, Serialize)]
pub struct Identification {
    pub customer: CustomerMatch,
    pub identifiers: Vec<Identifier>,
    pub unused: Vec<Unused>,
}

/// A name-path candidate with its evidence.
struct Named {
    i: usize,
    ev: Evidence,
}

const NAME_CHANGE_WORDS: [&str; 8] = [
    "geb",
    "geborene",
    "frueher",
    "vormals",
    "heirat",
    "namensaenderung",
    "verheiratet",
    "hochzeit",
];

impl MasterIndex {
    /// The customer only (see [`MasterIndex::identify`]).
    pub fn match_document(&self, input: &MatchInput) -> CustomerMatch {
        self.identify(input).customer
    }

    /// Finds the known numbers in the text and the customer the document is about.
    pub fn identify(&self, input: &MatchInput) -> Identification {
        let view = TextView::new(input.text);
        let mut emails: HashSet<String> = input
            .sender_emails
            .iter()
            .map(|e| e.to_lowercase())
            .collect();
        let mut dates = HashSet::new();
        for id in input.identifiers {
            match id.kind {
                IdKind::Email => {
                    emails.insert(id.value.clone());
                }
                IdKind::Date => {
                    if let Ok(d) = id.value.parse::<NaiveDate>() {
                        dates.insert(d);
                    }
                }
                _ => {}
            }
        }
        let doc = Doc {
            view,
            emails,
            dates,
        };
        let mut found = numbers::find(&self.known, input.text);
        self.add_configured(input, &mut found);
        let mut unused: Vec<Unused> = found
            .rejected
            .iter()
            .map(|r| Unused {
                raw: input.text[r.start..r.end].to_string(),
                master_id: self.known.record(r.record).id.to_string(),
                reason: r.reason.clone(),
            })
            .collect();
        let (customer, used) = self.decide(&doc, input, &found.hits, &mut unused);
        let mut identifiers: Vec<Identifier> = used
            .iter()
            .map(|h| self.identifier(h, input.text))
            .collect();
        for id in input.identifiers {
            let number = matches!(
                id.kind,
                IdKind::CustomerNumber | IdKind::ContractNumber | IdKind::ClaimNumber
            );
            let shadowed = number
                && (identifiers.iter().any(|k| k.value == id.value)
                    || unused.iter().any(|u| {
                        number_key(&u.raw) == id.value || number_key(&u.master_id) == id.value
                    }));
            if !shadowed {
                identifiers.push(id.clone());
            }
        }
        Identification {
            customer,
            identifiers,
            unused,
        }
    }

    /// Numbers the configured formats found that the span search did not (other separators):
    /// looked up by their key, sure like a prefixed number.
    fn add_configured(&self, input: &MatchInput, found: &mut numbers::Found) {
        for id in input.identifiers {
            if !matches!(
                id.kind,
                IdKind::CustomerNumber | IdKind::ContractNumber | IdKind::ClaimNumber
            ) {
                continue;
            }
            for r in self.known.by_key(id.value.as_bytes()) {
                if found.hits.iter().any(|h| h.record == r)
                    || found.rejected.iter().any(|h| h.record == r)
                {
                    continue;
                }
                let (start, end) = input
                    .text
                    .find(&id.raw)
                    .map_or((0, 0), |s| (s, s + id.raw.len()));
                found.hits.push(NumberHit {
                    record: r,
                    start,
                    end,
                    form: numbers::Form {
                        ocr: vec![],
                        prefix: numbers::PrefixForm::AsWritten,
                        zeros_dropped: false,
                        near: None,
                    },
                    label: id.label.clone(),
                    strength: Strength::Sure,
                    why_candidate: None,
                });
            }
        }
    }

    fn identifier(&self, h: &NumberHit, text: &str) -> Identifier {
        let rec = self.known.record(h.record);
        let raw = text.get(h.start..h.end).unwrap_or("").to_string();
        let mut found_as = h.form.describe(&raw, &rec.id);
        if rec.cancelled {
            found_as.push_str("; contract cancelled");
        }
        Identifier {
            kind: rec.kind,
            label: h.label.clone(),
            value: rec.key(),
            product: rec.product.as_deref().map(str::to_string),
            valid: true,
            ocr_variant: !h.form.ocr.is_empty(),
            document_date: false,
            master_id: Some(rec.id.to_string()),
            found_as: Some(found_as),
            customer_id: Some(self.id_of(rec.customer as usize)),
            raw,
        }
    }

    fn hit_words(&self, h: &NumberHit, text: &str) -> String {
        let rec = self.known.record(h.record);
        let raw = text.get(h.start..h.end).unwrap_or("");
        format!(
            "{} {}{} (written {raw:?}: {})",
            match rec.kind {
                IdKind::CustomerNumber => "customer number",
                IdKind::ContractNumber => "contract",
                _ => "claim",
            },
            rec.id,
            if rec.cancelled { ", cancelled" } else { "" },
            h.form.describe(raw, &rec.id)
        )
    }

    /// The decision; returns the match and the number hits it used.
    fn decide(
        &self,
        doc: &Doc,
        input: &MatchInput,
        hits: &[NumberHit],
        unused: &mut Vec<Unused>,
    ) -> (CustomerMatch, Vec<NumberHit>) {
        let text = input.text;
        // 1. Sure numbers.
        let sure: Vec<&NumberHit> = hits
            .iter()
            .filter(|h| h.strength == Strength::Sure)
            .collect();
        let mut by_customer: BTreeMap<usize, Vec<&NumberHit>> = BTreeMap::new();
        for h in &sure {
            by_customer
                .entry(self.known.record(h.record).customer as usize)
                .or_default()
                .push(h);
        }
        for h in hits.iter().filter(|h| h.strength == Strength::Candidate) {
            if !sure.is_empty() {
                unused.push(self.unused(h, text, "only a candidate, and sure numbers were found"));
            }
        }
        if !by_customer.is_empty() {
            let used: Vec<NumberHit> = sure.iter().map(|h| (*h).clone()).collect();
            let numbers = |hs: &[&NumberHit]| {
                hs.iter()
                    .map(|h| self.hit_words(h, text))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if by_customer.len() == 1 {
                let (&i, hs) = by_customer.iter().next().expect("one");
                let ev = self.evidence(i, doc);
                let confirmed = ev.name >= NameFit::Last || ev.attributes() > 0;
                return (
                    CustomerMatch::Unique {
                        customer_id: self.id_of(i),
                        confidence: if confirmed { 0.995 } else { 0.98 },
                        reason: if ev.words.is_empty() {
                            numbers(hs.as_slice())
                        } else {
                            format!("{}; confirmed by {}", numbers(hs.as_slice()), ev.describe())
                        },
                    },
                    used,
                );
            }
            let confirmed: Vec<(usize, Evidence)> = by_customer
                .keys()
                .map(|&i| (i, self.evidence(i, doc)))
                .filter(|(_, ev)| ev.corroborates())
                .collect();
            let all: Vec<&NumberHit> = by_customer.values().flatten().copied().collect();
            if confirmed.len() == 1 {
                let (i, ev) = &confirmed[0];
                return (
                    CustomerMatch::Unique {
                        customer_id: self.id_of(*i),
                        confidence: 0.95,
                        reason: format!(
                            "{}; only {} is confirmed by {}",
                            numbers(all.as_slice()),
                            self.id_of(*i),
                            ev.describe()
                        ),
                    },
                    used,
                );
            }
            return (
                CustomerMatch::Ambiguous {
                    candidates: by_customer.keys().map(|&i| self.id_of(i)).collect(),
                    reason: format!(
                        "numbers of different customers: {}",
                        numbers(all.as_slice())
                    ),
                },
                used,
            );
        }
        // 2. Candidates (near misses, bare digits): only with the customer's data agreeing.
        let mut accepted: BTreeMap<usize, (Vec<&NumberHit>, Evidence)> = BTreeMap::new();
        for h in hits {
            let i = self.known.record(h.record).customer as usize;
            let ev = self.evidence(i, doc);
            if ev.corroborates() {
                accepted
                    .entry(i)
                    .or_insert_with(|| (Vec::new(), ev))
                    .0
                    .push(h);
            } else {
                unused.push(self.unused(
                    h,
                    text,
                    &format!(
                        "only a candidate ({}), and nothing of that customer's data is in the text",
                        h.why_candidate.unwrap_or("weak")
                    ),
                ));
            }
        }
        if !accepted.is_empty() {
            let used: Vec<NumberHit> = accepted
                .values()
                .flat_map(|(hs, _)| hs.iter().map(|h| (*h).clone()))
                .collect();
            let describe = |hs: &[&NumberHit], ev: &Evidence| {
                format!(
                    "{}, corroborated by {}",
                    hs.iter()
                        .map(|h| self.hit_words(h, text))
                        .collect::<Vec<_>>()
                        .join(", "),
                    ev.describe()
                )
            };
            if accepted.len() == 1 {
                let (&i, (hs, ev)) = accepted.iter().next().expect("one");
                return (
                    CustomerMatch::Unique {
                        customer_id: self.id_of(i),
                        confidence: 0.93,
                        reason: describe(hs.as_slice(), ev),
                    },
                    used,
                );
            }
            return (
                CustomerMatch::Ambiguous {
                    candidates: accepted.keys().map(|&i| self.id_of(i)).collect(),
                    reason: accepted
                        .values()
                        .map(|(hs, ev)| describe(hs.as_slice(), ev))
                        .collect::<Vec<_>>()
                        .join("; "),
                },
                used,
            );
        }
        (self.by_contact_or_name(doc, input), Vec::new())
    }

    fn unused(&self, h: &NumberHit, text: &str, reason: &str) -> Unused {
        Unused {
            raw: text.get(h.start..h.end).unwrap_or("").to_string(),
            master_id: self.known.record(h.record).id.to_string(),
            reason: reason.to_string(),
        }
    }

    /// Sender e-mail, IBAN, then name with address.
    fn by_contact_or_name(&self, doc: &Doc, input: &MatchInput) -> CustomerMatch {
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
                    .filter(|&i| self.evidence(i, doc).name >= NameFit::Initial)
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
        self.by_name(doc)
    }

    /// Customers whose last name occurs (one letter of tolerance for long names), and, for a
    /// changed name, customers whose birth date (or, where the letter speaks of the change,
    /// postcode) occurs.
    fn name_candidates(&self, doc: &Doc, name_change: bool) -> BTreeSet<usize> {
        let mut found = HashSet::new();
        self.names.candidates(&doc.view, &mut found);
        let mut seen: BTreeSet<usize> = found.into_iter().collect();
        for d in &doc.dates {
            if let Some(list) = self.by_birth.get(d) {
                seen.extend(list.iter().map(|&i| i as usize));
            }
        }
        if name_change {
            for w in doc.view.distinct() {
                if w.len() == 5 && w.chars().all(|c| c.is_ascii_digit()) {
                    if let Some(list) = self.by_postcode.get(w) {
                        seen.extend(list.iter().map(|&i| i as usize));
                    }
                }
            }
        }
        seen
    }

    fn by_name(&self, doc: &Doc) -> CustomerMatch {
        let name_change = NAME_CHANGE_WORDS.iter().any(|w| doc.view.has(w));
        let named: Vec<Named> = self
            .name_candidates(doc, name_change)
            .into_iter()
            .filter(|&i| self.worth_a_look(i, doc))
            .map(|i| Named {
                i,
                ev: self.evidence(i, doc),
            })
            .filter(|n| n.ev.name > NameFit::None || n.ev.first_name)
            .collect();
        let qualifies = |ev: &Evidence| {
            let a = ev.attributes();
            match ev.name {
                // One part of a double name needs more of the address.
                NameFit::Tolerant if ev.partial => a >= 2,
                NameFit::Full | NameFit::Tolerant | NameFit::Initial => a >= 1,
                NameFit::Last => {
                    a >= 2
                        || (ev.birth_date && a >= 1)
                        || (ev.street && ev.house_number && ev.postcode)
                }
                // A changed last name: first name, birth date and address, or the address with
                // house number where the letter speaks of the change.
                NameFit::None => {
                    ev.first_name
                        && ((ev.birth_date && (ev.postcode || ev.street))
                            || (name_change && ev.street && ev.house_number && ev.postcode))
                }
            }
        };
        let score = |ev: &Evidence| (ev.attributes() + usize::from(ev.house_number), ev.name);
        let mut ok: Vec<&Named> = named.iter().filter(|n| qualifies(&n.ev)).collect();
        ok.sort_by_key(|n| std::cmp::Reverse(score(&n.ev)));
        if let Some(best) = ok.first() {
            let ties: Vec<&&Named> = ok
                .iter()
                .filter(|n| score(&n.ev) == score(&best.ev))
                .collect();
            if ties.len() == 1 {
                let ev = &best.ev;
                let confidence = match ev.name {
                    NameFit::Full if ev.attributes() >= 2 => 0.9,
                    NameFit::Full => 0.85,
                    NameFit::None => 0.82,
                    _ if ev.attributes() >= 2 => 0.87,
                    _ => 0.82,
                };
                return CustomerMatch::Unique {
                    customer_id: self.id_of(best.i),
                    confidence,
                    reason: ev.describe(),
                };
            }
            return CustomerMatch::Ambiguous {
                candidates: ties.iter().map(|n| self.id_of(n.i)).collect(),
                reason: format!(
                    "several customers fit name and address equally ({})",
                    ties.iter()
                        .map(|n| n.ev.describe())
                        .collect::<Vec<_>>()
                        .join(" / ")
                ),
            };
        }
        let full: Vec<&Named> = named
            .iter()
            .filter(|n| n.ev.name >= NameFit::Tolerant)
            .collect();
        if full.is_empty() {
            return CustomerMatch::None;
        }
        CustomerMatch::Ambiguous {
            candidates: full.iter().map(|n| self.id_of(n.i)).collect(),
            reason: "name only, no postcode, street, birth date or e-mail confirms it".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::IdentifyConfig;
    use crate::identify::Identifiers;
    use crate::store::{Contract, Customer};

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
            &[],
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
        assert!(m.reason().contains("spelt slightly differently"), "{m:?}");
        assert!(m.confidence().unwrap() < 0.9);
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
