//! The known numbers: every customer, contract and claim number of the master data under its
//! normalised key (upper-case alphanumerics) and under its digit part with the prefix letters and
//! leading zeros dropped, plus the layouts learned from them (which prefixes exist, how many
//! numbers have how many digits). Built once from master data; lookups are hash probes.

use rustc_hash::{FxHashMap, FxHashSet};

use super::keys::{digits_value, groups, number_key, pack, split_prefix, MAX_KEY};
use super::layouts::Layouts;
use super::IdKind;

const END: u32 = u32::MAX;

/// One number of the master data.
#[derive(Debug, Clone)]
pub struct Record {
    pub kind: IdKind,
    /// As written in master data (`WG-17450311`).
    pub id: Box<str>,
    /// The customer it identifies (an index into the master index's customers).
    pub customer: u32,
    /// Contracts: the product.
    pub product: Option<Box<str>>,
    /// A cancelled contract (still identifies its customer).
    pub cancelled: bool,
    /// Letters the key starts with (`WG`), and the length of the rest.
    pub prefix_len: u8,
    pub rest_len: u8,
    /// The rest is all digits (the record is in the digit index).
    pub numeric_rest: bool,
}

impl Record {
    pub fn key(&self) -> String {
        number_key(&self.id)
    }
    pub fn prefix(&self) -> String {
        self.key()[..usize::from(self.prefix_len)].to_string()
    }
}

/// All known numbers, arranged for lookups.
#[derive(Default)]
pub struct KnownNumbers {
    records: Vec<Record>,
    by_key: FxHashMap<u128, u32>,
    next_key: Vec<u32>,
    by_digits: FxHashMap<u64, u32>,
    next_digits: Vec<u32>,
    /// Numbers with zeros in front of an inner digit group, by the hash of their groups
    /// ([`groups`]): found when written with those zeros left out.
    by_groups: FxHashMap<u64, u32>,
    next_groups: Vec<u32>,
    prefixes: FxHashSet<Box<[u8]>>,
    /// How many numbers have a digit part of each length (for how likely a chance hit is).
    by_digit_len: [u32; 20],
    max_prefix: usize,
    max_key: usize,
    pub layouts: Layouts,
}

impl KnownNumbers {
    /// Adds one number; ids longer than [`MAX_KEY`] alphanumerics or without any are skipped.
    pub fn add(
        &mut self,
        kind: IdKind,
        id: &str,
        customer: u32,
        product: Option<&str>,
        cancelled: bool,
    ) {
        let key = number_key(id);
        let Some(packed) = pack(key.as_bytes()) else {
            return;
        };
        let (prefix, rest) = split_prefix(key.as_bytes());
        let numeric_rest = !rest.is_empty() && rest.iter().all(u8::is_ascii_digit);
        let i = self.records.len() as u32;
        self.records.push(Record {
            kind,
            id: id.trim().into(),
            customer,
            product: product.map(Into::into),
            cancelled,
            prefix_len: prefix.len() as u8,
            rest_len: rest.len() as u8,
            numeric_rest,
        });
        self.layouts.add(kind, id);
        let head = self.by_key.entry(packed).or_insert(END);
        self.next_key.push(*head);
        *head = i;
        let digits = if numeric_rest {
            digits_value(rest)
        } else {
            None
        };
        match digits {
            Some(v) => {
                let head = self.by_digits.entry(v).or_insert(END);
                self.next_digits.push(*head);
                *head = i;
                self.by_digit_len[rest.len().min(19)] += 1;
            }
            None => self.next_digits.push(END),
        }
        match groups(id).filter(|g| g.inner_zeros) {
            Some(g) => {
                let head = self.by_groups.entry(group_hash(&g.groups)).or_insert(END);
                self.next_groups.push(*head);
                *head = i;
            }
            None => self.next_groups.push(END),
        }
        if !prefix.is_empty() && !self.prefixes.contains(prefix) {
            self.prefixes.insert(prefix.into());
        }
        self.max_prefix = self.max_prefix.max(prefix.len());
        self.max_key = self.max_key.max(key.len());
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
    pub fn record(&self, i: u32) -> &Record {
        &self.records[i as usize]
    }

    /// Records whose whole key is `key` (upper-case alphanumerics).
    pub fn by_key(&self, key: &[u8]) -> Chain<'_> {
        let head = pack(key)
            .and_then(|p| self.by_key.get(&p).copied())
            .unwrap_or(END);
        Chain {
            next: &self.next_key,
            at: head,
        }
    }

    /// Records whose digit part (after the prefix, leading zeros dropped) is `value`.
    pub fn by_digits(&self, value: u64) -> Chain<'_> {
        Chain {
            next: &self.next_digits,
            at: self.by_digits.get(&value).copied().unwrap_or(END),
        }
    }

    /// Records whose groups after the prefix are `groups` ([`groups`]), when one of their
    /// inner digit groups starts with zeros.
    pub fn by_groups(&self, groups: &str) -> impl Iterator<Item = u32> + '_ {
        let head = if self.by_groups.is_empty() {
            END
        } else {
            self.by_groups
                .get(&group_hash(groups))
                .copied()
                .unwrap_or(END)
        };
        let wanted = groups.to_string();
        Chain {
            next: &self.next_groups,
            at: head,
        }
        .filter(move |&r| {
            super::keys::groups(&self.records[r as usize].id).is_some_and(|g| g.groups == wanted)
        })
    }

    /// Some number is indexed by its groups.
    pub fn has_groups(&self) -> bool {
        !self.by_groups.is_empty()
    }

    /// A prefix some master-data number starts with.
    pub fn is_prefix(&self, letters: &[u8]) -> bool {
        let mut up = [0u8; MAX_KEY];
        if letters.is_empty() || letters.len() > MAX_KEY {
            return false;
        }
        for (u, l) in up.iter_mut().zip(letters) {
            *u = l.to_ascii_uppercase();
        }
        self.prefixes.contains(&up[..letters.len()])
    }

    pub fn max_prefix(&self) -> usize {
        self.max_prefix
    }
    pub fn max_key(&self) -> usize {
        self.max_key
    }

    /// The share of all digit strings of this length that are a known number: how likely a
    /// digit group of that length in a letter hits one by chance.
    pub fn density(&self, digit_len: usize) -> f64 {
        let n = f64::from(self.by_digit_len[digit_len.min(19)]);
        n / 10f64.powi(digit_len.min(19) as i32)
    }
}

fn group_hash(groups: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    groups.hash(&mut h);
    h.finish()
}

/// Records sharing one key.
pub struct Chain<'a> {
    next: &'a [u32],
    at: u32,
}

impl Iterator for Chain<'_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        (self.at != END).then(|| {
            let i = self.at;
            self.at = self.next[i as usize];
            i
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_found_by_key_and_by_digits_without_prefix_or_leading_zeros() {
        let mut k = KnownNumbers::default();
        k.add(
            IdKind::ContractNumber,
            "WG-17450311",
            0,
            Some("wohngebaeude"),
            false,
        );
        k.add(IdKind::CustomerNumber, "K-000451", 1, None, false);
        k.add(IdKind::ClaimNumber, "SN 2026/0042", 1, None, false);
        k.add(IdKind::ContractNumber, "AB12CD34", 2, None, true);
        let ids = |c: Chain| c.map(|i| k.record(i).id.to_string()).collect::<Vec<_>>();
        assert_eq!(ids(k.by_key(b"WG17450311")), vec!["WG-17450311"]);
        assert_eq!(ids(k.by_digits(17450311)), vec!["WG-17450311"]);
        assert_eq!(ids(k.by_digits(451)), vec!["K-000451"]);
        assert_eq!(ids(k.by_digits(20260042)), vec!["SN 2026/0042"]);
        // Letters inside: only the whole key.
        assert_eq!(ids(k.by_key(b"AB12CD34")), vec!["AB12CD34"]);
        assert!(ids(k.by_digits(1234)).is_empty());
        assert!(k.is_prefix(b"wg") && k.is_prefix(b"SN") && !k.is_prefix(b"NR"));
        assert_eq!(k.max_prefix(), 2);
        assert!(k.density(8) > 0.0 && k.density(8) < 1e-6);
    }

    #[test]
    fn numbers_with_zeros_inside_are_found_by_their_groups() {
        let mut k = KnownNumbers::default();
        k.add(IdKind::ClaimNumber, "SCH-2026-00871", 0, None, false);
        k.add(IdKind::ContractNumber, "KF-2026871", 1, None, false);
        k.add(IdKind::ClaimNumber, "SCH-2026-10871", 2, None, false);
        assert!(k.has_groups());
        let ids = |g: &str| {
            k.by_groups(g)
                .map(|i| k.record(i).id.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids("2026.871"), vec!["SCH-2026-00871"]);
        // Numbers without zeros inside are not in this index (their digits find them).
        assert!(ids("2026.10871").is_empty());
        assert!(ids("202.6871").is_empty());
    }

    #[test]
    fn one_digit_part_can_belong_to_several_numbers() {
        let mut k = KnownNumbers::default();
        k.add(IdKind::ContractNumber, "HR-100234", 0, None, false);
        k.add(IdKind::CustomerNumber, "K100234", 1, None, false);
        let mut kinds: Vec<IdKind> = k.by_digits(100234).map(|i| k.record(i).kind).collect();
        kinds.sort_by_key(|k| *k as u8);
        assert_eq!(kinds, vec![IdKind::CustomerNumber, IdKind::ContractNumber]);
    }
}
