//! Customers found by name without scanning namesakes: a last-name token is looked up together
//! with a first-name token, an initial or a postcode that also occurs in the text, so a letter
//! from one of 3,000 "Müller"s costs a handful of hash probes. Last-name tokens are also found
//! with one letter wrong, missing or extra (OCR) through their one-letter deletions.

use std::collections::{HashMap, HashSet};
use std::hash::Hasher;

use rustc_hash::{FxHashMap, FxHasher};

use super::names::TextView;

/// Shortest name token compared with one letter of tolerance.
pub(super) const FUZZY_MIN_LEN: usize = 5;

const END: u32 = u32::MAX;

#[derive(Clone, Copy)]
enum Tag {
    FirstName = 0,
    Initial = 1,
    Postcode = 2,
}

pub(super) fn deletions(word: &str) -> impl Iterator<Item = String> + '_ {
    word.char_indices().map(move |(i, c)| {
        let mut v = String::with_capacity(word.len());
        v.push_str(&word[..i]);
        v.push_str(&word[i + c.len_utf8()..]);
        v
    })
}

fn pair(token: u32, tag: Tag, word: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write_u32(token);
    h.write_u8(tag as u8);
    h.write(word.as_bytes());
    h.finish()
}

#[derive(Default)]
pub(super) struct NameIndex {
    /// Distinct last-name tokens → id.
    tokens: HashMap<String, u32>,
    /// Tokens of five letters or more and their one-letter deletions → token ids.
    variants: HashMap<String, Vec<u32>>,
    /// First-name tokens of any customer (to pick the text's words worth a probe).
    first_names: HashSet<String>,
    /// (last-name token, tag, word) → the first node of its customers.
    pairs: FxHashMap<u64, u32>,
    /// (customer, next node).
    nodes: Vec<(u32, u32)>,
}

impl NameIndex {
    fn token_id(&mut self, t: &str) -> u32 {
        if let Some(&id) = self.tokens.get(t) {
            return id;
        }
        let id = self.tokens.len() as u32;
        self.tokens.insert(t.to_string(), id);
        if t.chars().count() >= FUZZY_MIN_LEN {
            for v in std::iter::once(t.to_string()).chain(deletions(t)) {
                self.variants.entry(v).or_default().push(id);
            }
        }
        id
    }

    fn link(&mut self, key: u64, customer: u32) {
        let head = self.pairs.entry(key).or_insert(END);
        self.nodes.push((customer, *head));
        *head = (self.nodes.len() - 1) as u32;
    }

    /// Adds customer `i` with its folded last- and first-name tokens and postcode.
    pub fn add(&mut self, i: u32, last: &[String], first: &[String], postcode: &str) {
        for t in last {
            let id = self.token_id(t);
            for f in first {
                self.link(pair(id, Tag::FirstName, f), i);
            }
            if let Some(c) = first.first().and_then(|f| f.chars().next()) {
                self.link(pair(id, Tag::Initial, c.encode_utf8(&mut [0; 4])), i);
            }
            if !postcode.is_empty() {
                self.link(pair(id, Tag::Postcode, postcode), i);
            }
        }
        for f in first {
            if !self.first_names.contains(f) {
                self.first_names.insert(f.clone());
            }
        }
    }

    /// Customers whose last name occurs (exactly or within one letter) together with one of
    /// their first names, their initial or their postcode.
    pub fn candidates(&self, view: &TextView, out: &mut HashSet<usize>) {
        let mut tokens: Vec<u32> = Vec::new();
        let mut probes: Vec<(Tag, &str)> = Vec::new();
        for w in view.distinct() {
            if let Some(&t) = self.tokens.get(w) {
                tokens.push(t);
            }
            if w.chars().count() >= FUZZY_MIN_LEN - 1 && w.chars().all(char::is_alphabetic) {
                for v in std::iter::once(w.to_string()).chain(deletions(w)) {
                    if let Some(ts) = self.variants.get(&v) {
                        tokens.extend(ts);
                    }
                }
            }
            if self.first_names.contains(w) {
                probes.push((Tag::FirstName, w));
            } else if w.chars().count() == 1 && w.chars().all(char::is_alphabetic) {
                probes.push((Tag::Initial, w));
            } else if w.len() == 5 && w.bytes().all(|b| b.is_ascii_digit()) {
                probes.push((Tag::Postcode, w));
            }
        }
        tokens.sort_unstable();
        tokens.dedup();
        for &t in &tokens {
            for &(tag, w) in &probes {
                let mut at = self.pairs.get(&pair(t, tag, w)).copied().unwrap_or(END);
                while at != END {
                    let (c, next) = self.nodes[at as usize];
                    out.insert(c as usize);
                    at = next;
                }
            }
        }
    }
}
