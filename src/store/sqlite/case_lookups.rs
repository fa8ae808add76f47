//! The look-ups case linking needs ([`crate::cases::link`]), all indexed: the keys a routed
//! document is found by (`case_keys(kind, value)`: Message-IDs, claim and contract numbers,
//! the customer's subjects), the customer's open cases within the window
//! (`cases(customer_id, …, last_document_at)`), and the content words of a case's documents
//! (`documents(case_id)`) and of the customer's own name and address (to leave out). Reads
//! only; `cases.rs` writes.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, OptionalExtension, Transaction};

use super::parse_time;
use crate::cases::concern::{content_words, customer_words, letter_subject, subject_key};
use crate::cases::{Candidate, CaseDoc, CaseId, CaseRules, FoundBy, LinkRules};

/// Recent received items read for [`common_words`].
const COMMON_SAMPLE: usize = 200;
/// A stem is common when the mail of at least this share of the sampled customers has it …
const COMMON_SHARE: f32 = 0.4;
/// … and only once the sample holds this many customers (before, nothing is common).
const COMMON_MIN_CUSTOMERS: usize = 5;

/// Open cases read per key and for the window.
const CANDIDATES_PER_KEY: usize = 20;
/// Documents of a case read for its content words.
const WORD_DOCUMENTS: usize = 50;

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The value a subject (or an object) is stored under: per customer (a generic
/// "Schadenmeldung" must not reach other customers' cases, nor crowd the look-up).
fn subject_value(customer: &str, subject: &str) -> String {
    format!("{customer}\u{1f}{subject}")
}

/// The keys a document can be found by: (kind, value). None for machine mail: an
/// out-of-office that quotes a claim number must not become the case a later report of the
/// claim joins.
fn keys_of(doc: &CaseDoc) -> Vec<(&'static str, String)> {
    if doc.automated {
        return Vec::new();
    }
    let subject = match (&doc.customer_id, &doc.subject) {
        (Some(c), Some(s)) => Some(("subject", subject_value(c, s))),
        _ => None,
    };
    // Objects, like subjects, per customer: another customer's car is never evidence.
    let objects = doc.customer_id.iter().flat_map(|c| {
        doc.objects
            .iter()
            .map(move |o| ("object", subject_value(c, o)))
    });
    doc.message_id
        .iter()
        .map(|m| ("message_id", m.clone()))
        .chain(doc.claims.iter().map(|c| ("claim", c.clone())))
        .chain(doc.contracts.iter().map(|c| ("contract", c.clone())))
        .chain(subject)
        .chain(objects)
        .collect()
}

pub(super) fn insert_keys(
    tx: &Transaction,
    doc: &CaseDoc,
    root: i64,
    case: i64,
) -> rusqlite::Result<()> {
    for (kind, value) in keys_of(doc) {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO case_keys (kind, value, document_id, case_id)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![kind, value, root, case])?;
    }
    Ok(())
}

pub(super) fn clean_message_id(id: &str) -> Option<String> {
    let id = id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!id.is_empty()).then(|| id.to_string())
}

/// What a routed item says about its concern: its subject key, whether it is a reply,
/// whether it refers to earlier correspondence, and its content words (without the
/// customer's own name and address). `subject` is the e-mail's; a letter's is its
/// `Betreff:` line. `reminder`: a reminder refers to earlier correspondence too.
pub(super) fn concern_of(
    tx: &Transaction,
    doc: &mut CaseDoc,
    rules: &CaseRules,
    subject: Option<&str>,
    text: &str,
    reminder: Option<String>,
    common: &BTreeSet<String>,
) -> rusqlite::Result<()> {
    let subject = subject
        .filter(|s| !s.trim().is_empty())
        .or_else(|| letter_subject(text));
    if let Some((key, reply)) = subject.and_then(subject_key) {
        doc.subject = Some(key);
        doc.reply_subject = reply;
    }
    doc.follow_up = rules.follow_ups.detect(subject, text).or(reminder);
    let mut ignore = match &doc.customer_id {
        Some(c) => customer_ignore(tx, c)?,
        None => BTreeSet::new(),
    };
    ignore.extend(common.iter().cloned());
    doc.words = content_words(text, &ignore);
    Ok(())
}

/// Content-word stems in the recent mail of many different customers (at least
/// [`COMMON_SHARE`] of those in the last [`COMMON_SAMPLE`] received items): the insurer's own
/// name and address in every letter, a form's printed text. They say nothing about a concern.
/// Learned from the store, so nothing about one insurer's letters is built in. A document
/// without a customer counts as a customer of its own.
/// Also says whether the sample was full (the store holds at least [`COMMON_SAMPLE`] items).
pub(super) fn common_words(tx: &Transaction) -> rusqlite::Result<(BTreeSet<String>, bool)> {
    let mut by_stem: HashMap<String, BTreeSet<String>> = HashMap::new();
    let mut customers: BTreeSet<String> = BTreeSet::new();
    let mut stmt = tx.prepare_cached(
        "SELECT id, customer_id, COALESCE(subject, ''), COALESCE(text, '') FROM documents
         WHERE parent_id IS NULL ORDER BY id DESC LIMIT ?1",
    )?;
    let none = BTreeSet::new();
    let mut sampled = 0;
    for row in stmt.query_map(params![COMMON_SAMPLE as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })? {
        let (id, customer, subject, text) = row?;
        sampled += 1;
        let who = customer.unwrap_or_else(|| format!("#{id}"));
        customers.insert(who.clone());
        for stem in content_words(&format!("{subject}\n{text}"), &none) {
            by_stem.entry(stem).or_default().insert(who.clone());
        }
    }
    let full = sampled >= COMMON_SAMPLE;
    if customers.len() < COMMON_MIN_CUSTOMERS {
        return Ok((BTreeSet::new(), full));
    }
    let needed = (customers.len() as f32 * COMMON_SHARE).ceil() as usize;
    let common = by_stem
        .into_iter()
        .filter(|(_, who)| who.len() >= needed)
        .map(|(stem, _)| stem)
        .collect();
    Ok((common, full))
}

/// The stems of a customer's name, street and city.
fn customer_ignore(tx: &Transaction, customer: &str) -> rusqlite::Result<BTreeSet<String>> {
    Ok(tx
        .prepare_cached(
            "SELECT first_name, last_name, street, city FROM customers WHERE customer_id = ?1",
        )?
        .query_row(params![customer], |r| {
            Ok([
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ])
        })
        .optional()?
        .map(|fields| customer_words(fields.iter().map(String::as_str)))
        .unwrap_or_default())
}

/// Content words of a case's received items and attachments (subjects and texts).
fn case_words(
    tx: &Transaction,
    case: i64,
    ignore: &BTreeSet<String>,
) -> rusqlite::Result<BTreeSet<String>> {
    let mut words = BTreeSet::new();
    let mut stmt = tx.prepare_cached(
        "SELECT COALESCE(subject, ''), COALESCE(text, '') FROM documents
         WHERE case_id = ?1 ORDER BY id LIMIT ?2",
    )?;
    for row in stmt.query_map(params![case, WORD_DOCUMENTS as i64], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })? {
        let (subject, text) = row?;
        words.extend(content_words(&format!("{subject}\n{text}"), ignore));
    }
    Ok(words)
}

/// What linking compares of an open case.
struct OpenCase {
    customer_id: Option<String>,
    doc_type: String,
    last_document_at: DateTime<Utc>,
    claims: Vec<String>,
    contracts: Vec<String>,
    words: BTreeSet<String>,
}

/// The case if it is open (not merged, its task not done).
fn open_case_info(tx: &Transaction, id: i64) -> rusqlite::Result<Option<OpenCase>> {
    let info = tx
        .prepare_cached(
            "SELECT c.customer_id, c.doc_type, c.last_document_at FROM cases c
             JOIN tasks t ON t.id = c.task_id
             WHERE c.id = ?1 AND c.merged_into IS NULL AND t.status <> 'done'",
        )?
        .query_row(params![id], |r| {
            Ok(OpenCase {
                customer_id: r.get(0)?,
                doc_type: r.get(1)?,
                last_document_at: parse_time(&r.get::<_, String>(2)?),
                claims: Vec::new(),
                contracts: Vec::new(),
                words: BTreeSet::new(),
            })
        })
        .optional()?;
    let Some(mut info) = info else {
        return Ok(None);
    };
    let mut stmt = tx.prepare_cached(
        "SELECT DISTINCT kind, value FROM case_keys
         WHERE case_id = ?1 AND kind IN ('claim', 'contract')",
    )?;
    for row in stmt.query_map(params![id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })? {
        let (kind, value) = row?;
        if kind == "claim" {
            info.claims.push(value);
        } else {
            info.contracts.push(value);
        }
    }
    Ok(Some(info))
}

/// Open cases that may take `doc`, found by its keys and the time window (indexed look-ups).
/// The same customer's cases carry their content words.
pub(super) fn candidates(
    tx: &Transaction,
    doc: &CaseDoc,
    rules: &LinkRules,
    common: &BTreeSet<String>,
) -> rusqlite::Result<Vec<Candidate>> {
    let mut found: Vec<(i64, FoundBy)> = Vec::new();
    let mut by_key = |kind: &str, value: &str, by: FoundBy| -> rusqlite::Result<()> {
        let mut stmt = tx.prepare_cached(
            "SELECT DISTINCT case_id FROM case_keys WHERE kind = ?1 AND value = ?2 LIMIT ?3",
        )?;
        for case in stmt.query_map(params![kind, value, CANDIDATES_PER_KEY as i64], |r| {
            r.get::<_, i64>(0)
        })? {
            found.push((case?, by.clone()));
        }
        Ok(())
    };
    for id in doc.replies_to.iter().take(50) {
        by_key("message_id", id, FoundBy::Thread(id.clone()))?;
    }
    for n in &doc.claims {
        by_key("claim", n, FoundBy::Claim(n.clone()))?;
    }
    for n in &doc.contracts {
        by_key("contract", n, FoundBy::Contract(n.clone()))?;
    }
    if let Some(customer) = &doc.customer_id {
        for o in &doc.objects {
            by_key(
                "object",
                &subject_value(customer, o),
                FoundBy::Object(o.clone()),
            )?;
        }
    }
    if let (true, Some(customer), Some(subject)) =
        (doc.reply_subject, &doc.customer_id, &doc.subject)
    {
        let value = subject_value(customer, subject);
        by_key("subject", &value, FoundBy::Subject(subject.clone()))?;
    }
    if let (Some(start), Some(customer)) = (rules.window_start(doc), &doc.customer_id) {
        // Every type: a follow-up's type may have been read differently.
        let mut stmt = tx.prepare_cached(
            "SELECT id FROM cases INDEXED BY cases_window
             WHERE customer_id = ?1 AND merged_into IS NULL AND last_document_at >= ?2
             ORDER BY last_document_at DESC LIMIT ?3",
        )?;
        for case in stmt.query_map(
            params![customer, time(start), CANDIDATES_PER_KEY as i64],
            |r| r.get::<_, i64>(0),
        )? {
            found.push((case?, FoundBy::Window));
        }
    }
    let mut ignore = match &doc.customer_id {
        Some(c) if !found.is_empty() => customer_ignore(tx, c)?,
        _ => BTreeSet::new(),
    };
    ignore.extend(common.iter().cloned());
    let mut cases: HashMap<i64, Option<OpenCase>> = HashMap::new();
    let mut out = Vec::with_capacity(found.len());
    for (id, found_by) in found {
        let info = match cases.entry(id) {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => {
                let mut info = open_case_info(tx, id)?;
                if let Some(c) = info.as_mut() {
                    if c.customer_id.is_some() && c.customer_id == doc.customer_id {
                        c.words = case_words(tx, id, &ignore)?;
                    }
                }
                v.insert(info)
            }
        };
        if let Some(c) = info {
            out.push(Candidate {
                case_id: CaseId(id),
                customer_id: c.customer_id.clone(),
                doc_type: c.doc_type.clone(),
                last_document_at: c.last_document_at,
                claims: c.claims.clone(),
                contracts: c.contracts.clone(),
                found_by,
                words: c.words.clone(),
            });
        }
    }
    Ok(out)
}
