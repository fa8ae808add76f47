//! What a document says about one customer: how their name occurs (full, initial, tolerant,
//! part of a double name, not at all) and which of postcode, street with house number, birth
//! date and e-mail occur — each in plain words. Pure functions over a [`TextView`].

use std::collections::HashSet;

use chrono::NaiveDate;

use super::master::{Entry, MasterIndex};
use super::names::{Occurs, TextView};

/// What the matcher knows about the document beyond its words.
pub(super) struct Doc {
    pub view: TextView,
    /// E-mail addresses: the senders' and those in the text, lower case.
    pub emails: HashSet<String>,
    /// Dates in the text.
    pub dates: HashSet<NaiveDate>,
}

/// How a customer's name occurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum NameFit {
    /// Last name absent (a changed name is possible).
    None,
    /// Last name only (or one part of a double name).
    Last,
    /// Initial and last name ("D. Neumann").
    Initial,
    /// First and last name, one of them within OCR tolerance.
    Tolerant,
    /// First and last name as in master data.
    Full,
}

/// One customer's evidence in a document.
#[derive(Debug, Clone)]
pub(super) struct Evidence {
    pub name: NameFit,
    /// The first name occurs (exactly or tolerantly) even if the last name does not.
    pub first_name: bool,
    /// Only one part of a double last name occurs.
    pub partial: bool,
    /// The whole last name occurs exactly.
    pub last_exact: bool,
    pub postcode: bool,
    pub street: bool,
    pub house_number: bool,
    pub birth_date: bool,
    pub email: bool,
    /// Plain words, e.g. "name Dieter Neumann (one letter differs)".
    pub words: Vec<String>,
}

impl Evidence {
    /// Postcode, street, birth date, e-mail that occur.
    pub fn attributes(&self) -> usize {
        [self.postcode, self.street, self.birth_date, self.email]
            .iter()
            .filter(|a| **a)
            .count()
    }

    /// Enough to accept a number that is only a candidate (one digit off, bare digits): the
    /// last name (exactly, or within OCR tolerance with the first name or initial), the e-mail
    /// or the birth date; the postcode only together with the street.
    pub fn corroborates(&self) -> bool {
        self.last_exact
            || self.name >= NameFit::Initial
            || self.email
            || self.birth_date
            || (self.postcode && self.street)
    }

    pub fn describe(&self) -> String {
        self.words.join(", ")
    }
}

fn last_name_fit(e: &Entry, doc: &Doc) -> (Option<Occurs>, bool) {
    if e.last_name.is_empty() {
        return (None, false);
    }
    let occ: Vec<Occurs> = e.last_name.iter().map(|t| doc.view.token(t)).collect();
    if occ.iter().all(|o| *o == Occurs::Exact) {
        (Some(Occurs::Exact), false)
    } else if occ.iter().all(|o| *o != Occurs::No) {
        (Some(Occurs::Tolerant), false)
    } else if e.last_name.len() > 1
        && e.last_name
            .iter()
            .zip(&occ)
            .any(|(t, o)| *o == Occurs::Exact && t.chars().count() >= 4)
    {
        // One part of a double name ("Müller" for "Müller-Lüdenscheidt").
        (Some(Occurs::Tolerant), true)
    } else {
        (None, false)
    }
}

impl MasterIndex {
    /// A cheap first look: could customer `i` have enough evidence in the document to be
    /// named by it (first name or initial, postcode, birth date or e-mail present)? Common last
    /// names have thousands of holders; only these get the full comparison.
    pub(super) fn worth_a_look(&self, i: usize, doc: &Doc) -> bool {
        let e = &self.entries[i];
        let c = &e.customer;
        e.first_name.first().is_some_and(|f| {
            doc.view.has(f)
                || f.chars()
                    .next()
                    .is_some_and(|ch| doc.view.has(ch.encode_utf8(&mut [0; 4])))
        }) || (!c.postcode.is_empty() && doc.view.has(&c.postcode))
            || c.birth_date.is_some_and(|d| doc.dates.contains(&d))
            || (!c.email.is_empty() && doc.emails.contains(&c.email.to_lowercase()))
    }

    /// The evidence for customer `i` in the document.
    pub(super) fn evidence(&self, i: usize, doc: &Doc) -> Evidence {
        let e = &self.entries[i];
        let c = &e.customer;
        let mut words = Vec::new();
        let (last, partial) = last_name_fit(e, doc);
        let first: Vec<Occurs> = e.first_name.iter().map(|t| doc.view.token(t)).collect();
        let first_ok = !first.is_empty() && first.iter().all(|o| *o != Occurs::No);
        let first_exact = first_ok && first.iter().all(|o| *o == Occurs::Exact);
        let name = match last {
            None => NameFit::None,
            Some(l) => {
                if first_ok {
                    if l == Occurs::Exact && first_exact && !partial {
                        NameFit::Full
                    } else {
                        NameFit::Tolerant
                    }
                } else {
                    let initial = e.first_name.first().and_then(|f| f.chars().next());
                    let positions: Vec<usize> = e
                        .last_name
                        .iter()
                        .flat_map(|t| doc.view.at(t).iter().copied())
                        .collect();
                    if initial.is_some_and(|ch| doc.view.initial_before(ch, &positions)) {
                        NameFit::Initial
                    } else {
                        NameFit::Last
                    }
                }
            }
        };
        let full = format!("{} {}", c.first_name, c.last_name);
        match name {
            NameFit::Full => words.push(format!("name {full}")),
            NameFit::Tolerant => words.push(format!(
                "name {full} ({})",
                if partial {
                    "part of the double name"
                } else {
                    "spelt slightly differently, e.g. OCR"
                }
            )),
            NameFit::Initial => words.push(format!(
                "name {}. {}",
                c.first_name.chars().next().unwrap_or(' '),
                c.last_name
            )),
            NameFit::Last => words.push(format!("last name {}", c.last_name)),
            NameFit::None if first_ok => {
                words.push(format!("first name {} (last name differs)", c.first_name))
            }
            NameFit::None => {}
        }
        let postcode = c.postcode.len() >= 4 && doc.view.has(&c.postcode);
        if postcode {
            words.push(format!("postcode {}", c.postcode));
        }
        let (street, house_number) = match doc.view.street(&e.street) {
            Some((at, tolerant)) => {
                let hn = doc.view.house_number_at(at, &c.house_number);
                words.push(format!(
                    "street {}{}{}",
                    c.street,
                    if hn {
                        format!(" {}", c.house_number)
                    } else {
                        String::new()
                    },
                    if tolerant { " (OCR-tolerant)" } else { "" }
                ));
                (true, hn)
            }
            None => (false, false),
        };
        let birth_date = c.birth_date.is_some_and(|d| doc.dates.contains(&d));
        if let Some(d) = c.birth_date.filter(|_| birth_date) {
            words.push(format!("birth date {}", d.format("%d.%m.%Y")));
        }
        let email = !c.email.is_empty() && doc.emails.contains(&c.email.to_lowercase());
        if email {
            words.push(format!("e-mail {}", c.email));
        }
        Evidence {
            name,
            first_name: first_ok,
            partial,
            last_exact: last == Some(Occurs::Exact) && !partial,
            postcode,
            street,
            house_number,
            birth_date,
            email,
            words,
        }
    }
}
