//! Which open case a routed document joins: a pure decision over the document's keys and the
//! candidate cases the store found by those keys (indexed look-ups, see `store::sqlite::cases`).
//! Order of evidence: e-mail thread, claim number, a reply to a subject of the customer's
//! case, contract number, then the customer's open cases within the window — joined when
//! they are about the same concern (same type, or a type read differently: a complaint or
//! question about a claim, an invoice for it, a "please confirm" to a cancellation) as shown
//! by shared content words or by a reference to earlier correspondence ([`super::concern`]).
//! A claim number brings the contract it belongs to in master data ([`concern_numbers`]), so a
//! complaint naming the claim and a letter naming the contract meet; a claim of another contract
//! than the one a letter is about is only mentioned there.
//! Never links across two known, different customers, never across two different claim
//! numbers, never by the window alone across different contracts, and never two substantial
//! documents that share no content (two claims of one customer about different incidents stay
//! two cases). Linking only ever adds a document to one case: cases a clerk split stay split.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::CaseId;
use crate::classify::{DocType, UNKNOWN};
use crate::config::CasesConfig;

/// What linking knows about a routed document.
#[derive(Debug, Clone, Default)]
pub struct CaseDoc {
    pub received_at: DateTime<Utc>,
    pub customer_id: Option<String>,
    pub doc_type: String,
    /// Its own Message-ID (a reply to it joins its case).
    pub message_id: Option<String>,
    /// In-Reply-To and References.
    pub replies_to: Vec<String>,
    /// Normalised claim numbers (valid ones) the document is about ([`concern_numbers`]).
    pub claims: Vec<String>,
    /// Normalised contract numbers it is about: those it names and those of its claims.
    pub contracts: Vec<String>,
    /// It is a reminder (it may join a case of another type by contract number).
    pub reminder: bool,
    /// Its subject without reply prefixes ([`super::concern::subject_key`]); a later reply of
    /// the same customer finds its case by it.
    pub subject: Option<String>,
    /// Its subject carried a reply prefix (`AW:`, `RE:`): it answers [`Self::subject`].
    pub reply_subject: bool,
    /// Why it refers to earlier correspondence, if it does (phrase, reply prefix, quote).
    pub follow_up: Option<String>,
    /// Its content-word stems ([`super::concern::content_words`]).
    pub words: BTreeSet<String>,
    /// The objects it names: vehicle plates ([`super::concern::plates`]).
    pub objects: Vec<String>,
    /// Mail sent by a machine (auto-reply, out-of-office, mailing list, flagged spam): it
    /// states no concern, so it joins no case, whatever numbers it quotes.
    pub automated: bool,
}

/// How a candidate case was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FoundBy {
    Thread(String),
    Claim(String),
    Contract(String),
    /// A document of the same customer's case names the same object (vehicle plate).
    Object(String),
    /// A document of the case has the subject this reply answers.
    Subject(String),
    /// An open case of the same customer within the window.
    Window,
}

/// An open case the store found for a document.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub case_id: CaseId,
    pub customer_id: Option<String>,
    pub doc_type: String,
    pub last_document_at: DateTime<Utc>,
    pub claims: Vec<String>,
    /// Contract numbers of its documents (named, or of their claims).
    pub contracts: Vec<String>,
    pub found_by: FoundBy,
    /// Content-word stems of the case's documents (filled for the same customer's cases).
    pub words: BTreeSet<String>,
}

/// Why a document joined a case (recorded on the case's history and in `cases show`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LinkReason {
    /// In-Reply-To/References names a message of the case.
    Thread {
        message_id: String,
    },
    ClaimNumber {
        number: String,
    },
    ContractNumber {
        number: String,
    },
    /// The same customer's case names the same vehicle.
    SameVehicle {
        plate: String,
    },
    /// Same customer and type within `window_hours` of the case's last document.
    TimeWindow {
        hours: u32,
    },
    /// The customer's death is their only open case within `hours`: what follows about them
    /// is the estate's business.
    AfterDeath {
        hours: u32,
    },
    /// A reply (`AW:`, `RE:`) to the subject of a document of the customer's case.
    ReplySubject {
        subject: String,
    },
    /// Refers to earlier correspondence (`reference`: the phrase, reply prefix or quote) and
    /// the customer's open case within the window is about the same concern.
    Reference {
        reference: String,
        hours: u32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        shared: Vec<String>,
    },
    /// Same customer within the window and the same concern (shared content words), though
    /// the type was read differently.
    SameConcern {
        hours: u32,
        shared: Vec<String>,
    },
}

/// At most this many shared words are named in a reason.
const NAMED_WORDS: usize = 5;

fn named(words: &[String]) -> String {
    let mut s = words
        .iter()
        .take(NAMED_WORDS)
        .map(|w| format!("{w}…"))
        .collect::<Vec<_>>()
        .join(", ");
    if words.len() > NAMED_WORDS {
        s.push_str(", …");
    }
    s
}

impl fmt::Display for LinkReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkReason::Thread { message_id } => write!(f, "reply to <{message_id}>"),
            LinkReason::ClaimNumber { number } => write!(f, "same claim number {number}"),
            LinkReason::ContractNumber { number } => write!(f, "same contract number {number}"),
            LinkReason::SameVehicle { plate } => write!(f, "same vehicle {plate}"),
            LinkReason::TimeWindow { hours } => {
                write!(f, "same customer and type within {hours} h")
            }
            LinkReason::ReplySubject { subject } => {
                write!(f, "reply to the customer's subject \"{subject}\"")
            }
            LinkReason::Reference {
                reference,
                hours,
                shared,
            } => {
                write!(
                    f,
                    "refers to earlier correspondence (\"{reference}\"), same customer within {hours} h"
                )?;
                if !shared.is_empty() {
                    write!(f, ", shared words {}", named(shared))?;
                }
                Ok(())
            }
            LinkReason::AfterDeath { hours } => {
                write!(f, "after the customer's death, within {hours} h")
            }
            LinkReason::SameConcern { hours, shared } => write!(
                f,
                "same customer and concern within {hours} h (shared words {})",
                named(shared)
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Join { case_id: CaseId, reason: LinkReason },
    NewCase,
}

/// A claim number a document names, with the contract it belongs to in master data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedClaim {
    pub number: String,
    pub contract: Option<String>,
}

/// The claim and contract numbers a document is about, from those it names: its claims add
/// their contracts (a complaint naming the claim and a letter naming the contract are about one
/// thing). A claim whose contract is not among the contracts the document names — when it names
/// some — is mentioned as another matter ("der Unfall mit dem Auto läuft separat unter …" in a
/// letter about the house): it is neither a key nor a contract of this document.
pub fn concern_numbers(
    claims: &[NamedClaim],
    named_contracts: &[String],
) -> (Vec<String>, Vec<String>) {
    let mut own_claims = Vec::new();
    let mut contracts: Vec<String> = named_contracts.to_vec();
    for c in claims {
        match &c.contract {
            Some(k) if !named_contracts.is_empty() && !named_contracts.contains(k) => continue,
            Some(k) => contracts.push(k.clone()),
            None => {}
        }
        own_claims.push(c.number.clone());
    }
    own_claims.sort();
    own_claims.dedup();
    contracts.sort();
    contracts.dedup();
    (own_claims, contracts)
}

/// How two documents' types relate for linking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relation {
    /// The same type (not unknown).
    Same,
    /// One of them is a type that belongs to any concern (a complaint or question about it,
    /// a type not read) or an invoice for a claim: the content decides.
    Related,
    /// Two different concerns (a claim and a cancellation): only a reference and shared
    /// content link them.
    Unrelated,
}

fn relation(a: &str, b: &str) -> Relation {
    let any_concern =
        |t: &str| t == UNKNOWN || t == DocType::Complaint.as_str() || t == DocType::Other.as_str();
    let (claim, invoice) = (DocType::Claim.as_str(), DocType::Invoice.as_str());
    // After a death, what the heirs send is about it: the benefit claim, the funeral home's
    // bill, cancellations, the account for the payout, the estate's address.
    let death = DocType::DeathNotice.as_str();
    if a == b && a != UNKNOWN {
        Relation::Same
    } else if any_concern(a)
        || any_concern(b)
        || a == death
        || b == death
        || (a == claim && b == invoice)
        || (a == invoice && b == claim)
    {
        Relation::Related
    } else {
        Relation::Unrelated
    }
}

/// Types a document about a claim can be read as: the report, an invoice for it, a complaint
/// about it, or a type not read.
fn about_a_claim(t: &str) -> bool {
    [
        DocType::Claim.as_str(),
        DocType::Invoice.as_str(),
        DocType::Complaint.as_str(),
        UNKNOWN,
    ]
    .contains(&t)
}

/// Whether the same contract number alone joins `doc` to `c` (no reminder, no reference): their
/// types relate — and where a claim number is on either side, the concern is that claim, so
/// both must be about a claim, by a claim number or by their type (a green-card request on the
/// car's contract is not part of the car's hail damage, though both name the contract and the
/// hail).
fn contract_fits(doc: &CaseDoc, c: &Candidate) -> bool {
    if !doc.claims.is_empty() || !c.claims.is_empty() {
        (!doc.claims.is_empty() || about_a_claim(&doc.doc_type))
            && (!c.claims.is_empty() || about_a_claim(&c.doc_type))
    } else {
        relation(&doc.doc_type, &c.doc_type) != Relation::Unrelated
    }
}

/// Shared content words that are evidence on their own: two substantial documents sharing
/// this many are not "different concerns"; a follow-up needs this many with a case of an
/// unrelated type.
const MIN_SHARED: usize = 2;

/// Content-word stems a document needs before its lack of shared words means "another
/// concern" (a short note can be about anything).
const SUBSTANTIAL_WORDS: usize = 6;

/// The customer's open cases within the window that a document's type relates to.
struct Open {
    related: usize,
    /// Of those, claims …
    claims: usize,
    /// … and invoices.
    invoices: usize,
}

/// How far a candidate case lies from a document in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// Within `window_hours`.
    Window,
    /// Beyond it, but within a follow-up's `follow_up_window_days`.
    FollowUp,
    Out,
}

/// The linking rules from `[cases]`.
#[derive(Debug, Clone)]
pub struct LinkRules {
    pub enabled: bool,
    pub window_hours: u32,
    /// `[cases] follow_up_window_days`.
    pub follow_up_days: u32,
    /// `[cases] concern_overlap`.
    pub concern_overlap: f32,
}

impl LinkRules {
    pub fn new(config: &CasesConfig) -> LinkRules {
        LinkRules {
            enabled: config.enabled,
            window_hours: config.window_hours,
            follow_up_days: config.follow_up_window_days,
            concern_overlap: config.concern_overlap,
        }
    }

    /// How far back the customer's open cases are looked up for `doc`, in hours: the window,
    /// or for a follow-up the longer follow-up window.
    fn lookback_hours(&self, doc: &CaseDoc) -> u32 {
        let follow_up = if doc.follow_up.is_some() {
            self.follow_up_days.saturating_mul(24)
        } else {
            0
        };
        self.window_hours.max(follow_up)
    }

    /// The start of the time window for a document received at `at`, if windows are on.
    pub fn window_start(&self, doc: &CaseDoc) -> Option<DateTime<Utc>> {
        let hours = self.lookback_hours(doc);
        (self.enabled && hours > 0 && doc.customer_id.is_some())
            .then(|| doc.received_at - Duration::hours(i64::from(hours)))
    }

    fn within(doc: &CaseDoc, c: &Candidate, hours: u32) -> bool {
        hours > 0
            && (doc.received_at - c.last_document_at).abs() <= Duration::hours(i64::from(hours))
    }

    /// Whether the candidate is within the window, only within a follow-up's longer window, or
    /// out of reach.
    fn reach(&self, doc: &CaseDoc, c: &Candidate) -> Reach {
        if Self::within(doc, c, self.window_hours) {
            Reach::Window
        } else if Self::within(doc, c, self.lookback_hours(doc)) {
            Reach::FollowUp
        } else {
            Reach::Out
        }
    }

    /// Two substantial texts that share too little are different concerns (two incidents):
    /// less than `concern_overlap`, or nothing at all for a follow-up (it may add new facts).
    fn distinct(&self, doc: &CaseDoc, c: &Candidate) -> bool {
        let (share, shared) = super::concern::overlap(&doc.words, &c.words);
        let substantial =
            doc.words.len() >= SUBSTANTIAL_WORDS && c.words.len() >= SUBSTANTIAL_WORDS;
        substantial
            && if doc.follow_up.is_some() {
                shared.is_empty()
            } else {
                share < self.concern_overlap && shared.len() < MIN_SHARED
            }
    }

    /// Two substantial texts without a content word in common.
    fn shares_nothing(&self, doc: &CaseDoc, c: &Candidate) -> bool {
        doc.words.len() >= SUBSTANTIAL_WORDS
            && c.words.len() >= SUBSTANTIAL_WORDS
            && doc.words.intersection(&c.words).next().is_none()
    }

    /// Whether `doc` is about the concern of `c`, an open case of the same customer within
    /// the window, and how strongly. `open` counts the customer's cases in the window that
    /// could take it.
    fn same_concern(&self, doc: &CaseDoc, c: &Candidate, open: &Open) -> Option<(f32, LinkReason)> {
        let rel = relation(&doc.doc_type, &c.doc_type);
        let (share, shared) = super::concern::overlap(&doc.words, &c.words);
        let hours = self.window_hours;
        let similar = share >= self.concern_overlap && !shared.is_empty();
        if rel == Relation::Unrelated && doc.follow_up.is_none() {
            return None;
        }
        // An invoice for a claim: its words are mostly the bill's, so it is not held to the
        // overlap of two letters. The customer's only open claim takes it when they share a
        // word (the repaired part, the object); among several, the one it shares the most
        // with, at least two words. An invoice sharing nothing is no evidence. The same when
        // the invoice came first (a garage is often quicker than its customer): the claim
        // joins the customer's only open invoice it shares a word with.
        let (invoice, claim) = (DocType::Invoice.as_str(), DocType::Claim.as_str());
        let only = if doc.doc_type == invoice && c.doc_type == claim {
            Some(open.claims == 1)
        } else if doc.doc_type == claim && c.doc_type == invoice {
            Some(open.invoices == 1)
        } else {
            None
        };
        if let Some(only) = only {
            if (only && !shared.is_empty()) || shared.len() >= 2 {
                return Some((share, LinkReason::SameConcern { hours, shared }));
            }
        }
        // The customer has died and that is their only open case: the heirs' cancellations,
        // the funeral home's bill, the benefit claim, the account for the payout belong to it
        // whatever words they use.
        if c.doc_type == DocType::DeathNotice.as_str() && open.related == 1 {
            return Some((share, LinkReason::AfterDeath { hours }));
        }
        if self.distinct(doc, c) {
            return None;
        }
        match (&doc.follow_up, rel) {
            (_, Relation::Same) => Some((
                share + if similar { 1.0 } else { 0.0 },
                LinkReason::TimeWindow { hours },
            )),
            (None, _) if similar => Some((share, LinkReason::SameConcern { hours, shared })),
            (None, _) => None,
            // A reference to earlier correspondence: shared words (at least two for a case
            // of an unrelated type), or the only case it fits.
            (Some(reference), rel)
                if (similar && (rel != Relation::Unrelated || shared.len() >= MIN_SHARED))
                    || (rel == Relation::Related && (!shared.is_empty() || open.related == 1)) =>
            {
                Some((
                    share,
                    LinkReason::Reference {
                        reference: reference.clone(),
                        hours,
                        shared,
                    },
                ))
            }
            (Some(_), _) => None,
        }
    }

    /// Whether a follow-up is about the concern of `c`, an open case of the same customer
    /// beyond the window but within the follow-up window: it shares content words with the
    /// case (two at least with a case of an unrelated type), or the case is the customer's only
    /// open case it relates to in that time; never a substantial case it shares nothing with.
    fn late_concern(&self, doc: &CaseDoc, c: &Candidate, open: &Open) -> Option<(f32, LinkReason)> {
        let reference = doc.follow_up.as_ref()?;
        let rel = relation(&doc.doc_type, &c.doc_type);
        let (share, shared) = super::concern::overlap(&doc.words, &c.words);
        let similar = share >= self.concern_overlap && !shared.is_empty();
        if self.distinct(doc, c) {
            return None;
        }
        let related = rel != Relation::Unrelated;
        let fits = (similar && (related || shared.len() >= MIN_SHARED))
            || (related && (!shared.is_empty() || open.related == 1));
        fits.then(|| {
            (
                share,
                LinkReason::Reference {
                    reference: reference.clone(),
                    hours: self.follow_up_days.saturating_mul(24),
                    shared,
                },
            )
        })
    }

    /// Picks the case `doc` joins among `candidates`, or a new case.
    pub fn decide(&self, doc: &CaseDoc, candidates: &[Candidate]) -> Decision {
        if !self.enabled || doc.automated {
            return Decision::NewCase;
        }
        let compatible = |c: &Candidate| {
            let other_customer = matches!((&doc.customer_id, &c.customer_id),
                (Some(a), Some(b)) if a != b);
            let other_claim = !doc.claims.is_empty()
                && !c.claims.is_empty()
                && !doc.claims.iter().any(|n| c.claims.contains(n));
            // Found only by the window: a document about other contracts than the case's is
            // another concern (the car's accident and the house's water damage).
            let other_contract = c.found_by == FoundBy::Window
                && !doc.contracts.is_empty()
                && !c.contracts.is_empty()
                && !doc.contracts.iter().any(|n| c.contracts.contains(n));
            !other_customer && !other_claim && !other_contract
        };
        let same_customer =
            |c: &Candidate| doc.customer_id.is_some() && doc.customer_id == c.customer_id;
        // The customer's open cases in the window whose type relates to the document's.
        let mut related: Vec<(CaseId, &str)> = candidates
            .iter()
            .filter(|c| {
                c.found_by == FoundBy::Window
                    && compatible(c)
                    && same_customer(c)
                    && self.reach(doc, c) != Reach::Out
                    && relation(&doc.doc_type, &c.doc_type) != Relation::Unrelated
            })
            .map(|c| (c.case_id, c.doc_type.as_str()))
            .collect();
        related.sort();
        related.dedup();
        let open = Open {
            related: related.len(),
            claims: related
                .iter()
                .filter(|r| r.1 == DocType::Claim.as_str())
                .count(),
            invoices: related
                .iter()
                .filter(|r| r.1 == DocType::Invoice.as_str())
                .count(),
        };
        let rank = |c: &Candidate| -> Option<(u8, f32, LinkReason)> {
            match &c.found_by {
                FoundBy::Thread(id) => Some((
                    0,
                    0.0,
                    LinkReason::Thread {
                        message_id: id.clone(),
                    },
                )),
                FoundBy::Claim(n) => Some((1, 0.0, LinkReason::ClaimNumber { number: n.clone() })),
                FoundBy::Subject(s) if same_customer(c) && doc.reply_subject => {
                    Some((2, 0.0, LinkReason::ReplySubject { subject: s.clone() }))
                }
                FoundBy::Contract(n)
                    if same_customer(c)
                        && (doc.reminder || doc.follow_up.is_some() || contract_fits(doc, c))
                        && !self.distinct(doc, c) =>
                {
                    Some((3, 0.0, LinkReason::ContractNumber { number: n.clone() }))
                }
                // The same car: as strong as its contract number, on the same terms, except
                // that the car itself is shared content (a bill's words are mostly the bill's):
                // one word more in common is enough.
                FoundBy::Object(plate)
                    if same_customer(c)
                        && (doc.reminder || doc.follow_up.is_some() || contract_fits(doc, c))
                        && !self.shares_nothing(doc, c) =>
                {
                    Some((
                        3,
                        0.0,
                        LinkReason::SameVehicle {
                            plate: plate.clone(),
                        },
                    ))
                }
                FoundBy::Window if same_customer(c) => match self.reach(doc, c) {
                    Reach::Window => {
                        let (strength, reason) = self.same_concern(doc, c, &open)?;
                        Some((4, strength, reason))
                    }
                    Reach::FollowUp => {
                        let (strength, reason) = self.late_concern(doc, c, &open)?;
                        Some((5, strength, reason))
                    }
                    Reach::Out => None,
                },
                _ => None,
            }
        };
        candidates
            .iter()
            .filter(|c| compatible(c))
            .filter_map(|c| rank(c).map(|(r, strength, reason)| (r, strength, c, reason)))
            // Strongest evidence first, then the closest concern, then the most recent case.
            .min_by(|a, b| {
                a.0.cmp(&b.0)
                    .then(b.1.total_cmp(&a.1))
                    .then(b.2.last_document_at.cmp(&a.2.last_document_at))
            })
            .map_or(Decision::NewCase, |(_, _, c, reason)| Decision::Join {
                case_id: c.case_id,
                reason,
            })
    }
}

#[cfg(test)]
#[path = "link_tests.rs"]
mod tests;
