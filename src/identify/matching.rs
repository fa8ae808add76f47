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

pub use super::customer_match::CustomerMatch;
pub use super::keys::number_key;
pub use super::master::MasterIndex;

use super::evidence::{Doc, Evidence, NameFit};
use super::names::TextView;
use super::numbers::{self, NumberHit, Strength};
use super::relation::introduced_as_relative_or_client;
use super::{IdKind, Identifier};

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
                // The writer's own e-mail or IBAN, but the letter is about another customer
                // it introduces as the writer's relative, flatmate or client ("meine Mutter
                // Fatma Şahin, geb. …", "für meine Mitbewohnerin Agnieszka Nowak").
                let named = self.named(doc);
                if let Some(n) = self
                    .introduced_customer(doc, &qualified(&named, doc))
                    .filter(|n| n.i != narrowed[0])
                {
                    return CustomerMatch::Unique {
                        customer_id: self.id_of(n.i),
                        confidence: 0.85,
                        reason: format!(
                            "{}; introduced in the text as the writer's relative or client (the \
                             {what} {} is the writer's)",
                            n.ev.describe(),
                            which.join(", ")
                        ),
                    };
                }
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

    /// Every customer the letter names (last name, or first name with other evidence).
    fn named(&self, doc: &Doc) -> Vec<Named> {
        let name_change = NAME_CHANGE_WORDS.iter().any(|w| doc.view.has(w));
        self.name_candidates(doc, name_change)
            .into_iter()
            .filter(|&i| self.worth_a_look(i, doc))
            .map(|i| Named {
                i,
                ev: self.evidence(i, doc),
            })
            .filter(|n| n.ev.name > NameFit::None || n.ev.first_name)
            .collect()
    }

    /// Of the letter's named customers, the one it introduces as the writer's relative,
    /// flatmate or client ("meine Mutter Irmgard Müller", "unser Mandant Herr Kaiser"): the
    /// letter is about that one, however much of the signer's own address or contact it
    /// carries. `None` unless exactly one is so introduced.
    fn introduced_customer<'a>(&self, doc: &Doc, ok: &[&'a Named]) -> Option<&'a Named> {
        let how: Vec<(&Named, bool)> = ok
            .iter()
            .filter_map(|n| {
                introduced_as_relative_or_client(&self.entries[n.i], &doc.view).map(|f| (*n, f))
            })
            .collect();
        let by_first_name = how.iter().filter(|(_, f)| *f).count();
        let introduced: Vec<&Named> = how
            .iter()
            .filter(|(_, f)| *f || by_first_name == 0)
            .map(|(n, _)| *n)
            .collect();
        (introduced.len() == 1).then(|| introduced[0])
    }

    fn by_name(&self, doc: &Doc) -> CustomerMatch {
        let named = self.named(doc);
        let ok = qualified(&named, doc);
        if let (true, Some(n)) = (ok.len() > 1, self.introduced_customer(doc, &ok)) {
            return CustomerMatch::Unique {
                customer_id: self.id_of(n.i),
                confidence: 0.85,
                reason: format!(
                    "{}; introduced in the text as the writer's relative or client",
                    n.ev.describe()
                ),
            };
        }
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

/// The named customers named with enough of their address to be meant, best first.
fn qualified<'a>(named: &'a [Named], doc: &Doc) -> Vec<&'a Named> {
    let name_change = NAME_CHANGE_WORDS.iter().any(|w| doc.view.has(w));
    let mut ok: Vec<&Named> = named
        .iter()
        .filter(|n| qualifies(&n.ev, name_change))
        .collect();
    ok.sort_by_key(|n| std::cmp::Reverse(score(&n.ev)));
    ok
}

/// Whether a named customer is named with enough of their address to be meant.
fn qualifies(ev: &Evidence, name_change: bool) -> bool {
    let a = ev.attributes();
    match ev.name {
        // One part of a double name needs more of the address.
        NameFit::Tolerant if ev.partial => a >= 2,
        NameFit::Full | NameFit::Tolerant | NameFit::Initial => a >= 1,
        NameFit::Last => {
            a >= 2 || (ev.birth_date && a >= 1) || (ev.street && ev.house_number && ev.postcode)
        }
        // A changed last name: first name, birth date and address, or the address with
        // house number where the letter speaks of the change.
        NameFit::None => {
            ev.first_name
                && ((ev.birth_date && (ev.postcode || ev.street))
                    || (name_change && ev.street && ev.house_number && ev.postcode))
        }
    }
}

/// How well a qualified customer is named: more of the address first, then the name's fit.
fn score(ev: &Evidence) -> (usize, NameFit) {
    (ev.attributes() + usize::from(ev.house_number), ev.name)
}

#[cfg(test)]
#[path = "matching_tests.rs"]
mod tests;
