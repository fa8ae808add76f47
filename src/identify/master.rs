//! Master data arranged for lookups, built once when the pipeline starts (and by `intake
//! identify`): the known numbers ([`KnownNumbers`]: customer, contract and claim numbers), the
//! customers' e-mail addresses, IBANs, birth dates and last-name tokens (with one-letter
//! deletions, so a name OCR read with one letter wrong still finds its candidates).

use std::collections::HashMap;

use chrono::NaiveDate;
use rustc_hash::FxHashMap;

use super::keys::number_key;
use super::known::KnownNumbers;
use super::name_index::NameIndex;
use super::names::{fold, street_key};
use super::IdKind;
use crate::store::{Claim, Contract, Customer};

const PARTICLES: [&str; 6] = ["von", "van", "der", "zu", "de", "den"];

pub(super) fn name_tokens(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(fold)
        .filter(|t| !PARTICLES.contains(&t.as_str()))
        .collect()
}

/// A customer as compared.
pub(super) struct Entry {
    pub customer: Customer,
    pub last_name: Vec<String>,
    pub first_name: Vec<String>,
    pub street: String,
}

/// Master data arranged for lookups.
#[derive(Default)]
pub struct MasterIndex {
    pub(super) entries: Vec<Entry>,
    pub(super) known: KnownNumbers,
    pub(super) by_email: HashMap<String, Vec<usize>>,
    pub(super) by_iban: HashMap<String, Vec<usize>>,
    pub(super) by_birth: FxHashMap<NaiveDate, Vec<u32>>,
    /// Customers per postcode: candidates when a letter says the name changed.
    pub(super) by_postcode: FxHashMap<String, Vec<u32>>,
    pub(super) names: NameIndex,
}

impl MasterIndex {
    /// Builds the index; contracts and claims of unknown customers are left out.
    pub fn new(customers: Vec<Customer>, contracts: &[Contract], claims: &[Claim]) -> MasterIndex {
        let mut idx = MasterIndex::default();
        let mut by_id: FxHashMap<String, u32> = FxHashMap::default();
        by_id.reserve(customers.len());
        for c in customers {
            let i = idx.entries.len();
            by_id.insert(c.customer_id.clone(), i as u32);
            idx.known.add(
                IdKind::CustomerNumber,
                &c.customer_id,
                i as u32,
                None,
                false,
            );
            if !c.email.is_empty() {
                idx.by_email
                    .entry(c.email.to_lowercase())
                    .or_default()
                    .push(i);
            }
            if !c.iban.is_empty() {
                idx.by_iban.entry(number_key(&c.iban)).or_default().push(i);
            }
            if let Some(d) = c.birth_date {
                idx.by_birth.entry(d).or_default().push(i as u32);
            }
            if !c.postcode.is_empty() {
                idx.by_postcode
                    .entry(c.postcode.clone())
                    .or_default()
                    .push(i as u32);
            }
            let last_name = name_tokens(&c.last_name);
            let first_name = name_tokens(&c.first_name);
            idx.names
                .add(i as u32, &last_name, &first_name, &c.postcode);
            idx.entries.push(Entry {
                first_name,
                last_name,
                street: street_key(&c.street),
                customer: c,
            });
        }
        let mut contract_owner: FxHashMap<&str, u32> = FxHashMap::default();
        for k in contracts {
            if let Some(&i) = by_id.get(k.customer_id.as_str()) {
                contract_owner.insert(k.contract_id.as_str(), i);
                idx.known.add(
                    IdKind::ContractNumber,
                    &k.contract_id,
                    i,
                    Some(&k.product),
                    k.status == "cancelled",
                );
            }
        }
        for c in claims {
            let owner = c
                .customer_id
                .as_deref()
                .and_then(|id| by_id.get(id).copied())
                .or_else(|| {
                    c.contract_id
                        .as_deref()
                        .and_then(|k| contract_owner.get(k).copied())
                });
            if let Some(i) = owner {
                idx.known
                    .add(IdKind::ClaimNumber, &c.claim_id, i, None, false);
            }
        }
        idx
    }

    /// The master-data id of a customer number as someone typed it (`K 100007` = `K-100007`).
    pub fn canonical_id(&self, typed: &str) -> Option<String> {
        let key = number_key(typed);
        self.known
            .by_key(key.as_bytes())
            .map(|r| self.known.record(r))
            .find(|r| r.kind == IdKind::CustomerNumber)
            .map(|r| {
                self.entries[r.customer as usize]
                    .customer
                    .customer_id
                    .clone()
            })
    }

    /// The number layouts learned from the master data, one line per kind.
    pub fn layouts(&self) -> String {
        self.known.layouts.to_string()
    }

    /// How many customer, contract and claim numbers are indexed.
    pub fn numbers(&self) -> usize {
        self.known.len()
    }

    pub(super) fn id_of(&self, i: usize) -> String {
        self.entries[i].customer.customer_id.clone()
    }
}
