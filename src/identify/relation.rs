//! Who a letter is about when it names someone other than its writer: a customer introduced as
//! the writer's relative, household member or client ("meine Mutter Irmgard Müller", "unser
//! Mandant Herr Kaiser", "die Verstorbene Frau Lange"). The customer match
//! ([`super::matching`]) prefers that customer to the signer and to the sender's own e-mail.

use super::master::Entry;
use super::names::TextView;

/// Words that introduce someone other than the writer, after a possessive: relatives, members
/// of the household, a lawyer's or carer's client, the insurer's own policyholder.
const RELATION_WORDS: &[&str] = &[
    "mutter",
    "vater",
    "mann",
    "ehemann",
    "frau",
    "ehefrau",
    "gatte",
    "gattin",
    "sohn",
    "tochter",
    "bruder",
    "schwester",
    "grossmutter",
    "grossvater",
    "schwiegermutter",
    "schwiegervater",
    "lebensgefaehrte",
    "lebensgefaehrtin",
    "partner",
    "partnerin",
    "lebenspartner",
    "lebenspartnerin",
    "mitbewohner",
    "mitbewohnerin",
    "enkel",
    "enkelin",
    "schwiegersohn",
    "schwiegertochter",
    "betreute",
    "betreuten",
    "betreuter",
    "mandant",
    "mandanten",
    "mandantin",
    "versicherungsnehmer",
    "versicherungsnehmerin",
    "kunde",
    "kunden",
    "kundin",
];
/// The deceased, introduced with an article ("die Verstorbene Frau Lange", "des Erblassers").
const DECEASED: &[&str] = &[
    "verstorbene",
    "verstorbenen",
    "verstorbener",
    "erblasser",
    "erblassers",
    "erblasserin",
];
const ARTICLES: &[&str] = &["der", "die", "des", "dem", "den"];
const POSSESSIVES: &[&str] = &[
    "mein", "meine", "meiner", "meinem", "meinen", "unser", "unsere", "unserer", "unserem",
    "unseren", "unseres", "ihr", "ihre", "ihrer", "ihrem", "ihren", "ihres", "meines",
];

/// How the customer is introduced as someone other than the writer: one of their names
/// follows (within four words) a relation word after a first- or second-person possessive —
/// "meine Mutter, Irmgard Müller", "unser Mandant Herr Kaiser", "Ihre Versicherungsnehmerin
/// Frau Lange" — or the deceased after an article ("die Verstorbene Frau Lange"). A bare title
/// ("Frau Lange") is no relation, nor is someone else's relative ("der Ehefrau, Frau Vogler":
/// the letter is about her husband). `Some(true)` when the first name was so introduced
/// (relatives share the last name), `Some(false)` for the last name only.
pub(super) fn introduced_as_relative_or_client(entry: &Entry, view: &TextView) -> Option<bool> {
    let words = &view.words;
    let follows_relation = |p: usize| {
        (p.saturating_sub(4)..p).any(|q| {
            let w = words[q].trim_end_matches('s');
            let before = words[q.saturating_sub(1)].as_str();
            q > 0
                && ((RELATION_WORDS.iter().any(|r| w == *r || words[q] == *r)
                    && POSSESSIVES.contains(&before))
                    || (DECEASED.contains(&words[q].as_str()) && ARTICLES.contains(&before)))
        })
    };
    let by = |tokens: &[String]| {
        tokens
            .iter()
            .flat_map(|t| view.at(t).iter().copied())
            .any(follows_relation)
    };
    if by(&entry.first_name) {
        Some(true)
    } else if by(&entry.last_name) {
        Some(false)
    } else {
        None
    }
}
