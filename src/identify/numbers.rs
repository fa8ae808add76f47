//! Finding known numbers in text, in any written form. The text is cut into candidate spans —
//! runs of letters/digits joined by spaces, dots, dashes, slashes or one line break — and each
//! span's key is tried against [`KnownNumbers`]: as written, with OCR letters read as digits,
//! with or without a prefix, with leading zeros dropped. The text is never rewritten. A span
//! with one wrong or two swapped digits only becomes a candidate (the matcher accepts it when
//! the customer's own data corroborates it). Labels decide whose number it is: "Unser Zeichen",
//! "Rechnungsnummer", "Tel." … are the sender's own and never match. Pure, allocation-light.

use serde::Serialize;

pub use super::form::{Form, Near, PrefixForm};

use super::context::{self, Label};
use super::keys::{digits_value, ocr_digit, MAX_KEY};
use super::known::KnownNumbers;

/// Whether a hit identifies by itself or needs the customer's data to agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    Candidate,
    Sure,
}

/// A known number found in the text.
#[derive(Debug, Clone, Serialize)]
pub struct NumberHit {
    /// Index of the record in [`KnownNumbers`].
    pub record: u32,
    /// Byte range in the text.
    pub start: usize,
    pub end: usize,
    pub form: Form,
    /// The label before it (ours, or none).
    pub label: Option<String>,
    pub strength: Strength,
    /// Why it is only a candidate.
    pub why_candidate: Option<&'static str>,
}

/// A span that hit a known number but is not one of ours (labelled as the sender's own, a
/// date, an amount, …), with the reason.
#[derive(Debug, Clone, Serialize)]
pub struct Rejected {
    pub record: u32,
    pub start: usize,
    pub end: usize,
    pub reason: String,
}

#[derive(Debug, Default, Clone)]
pub struct Found {
    pub hits: Vec<NumberHit>,
    pub rejected: Vec<Rejected>,
}

struct Atom {
    start: usize,
    end: usize,
    digits: usize,
    letters: usize,
}

/// Runs of ASCII letters/digits that are not part of a word with other letters (umlauts).
fn atoms(text: &str) -> Vec<Atom> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        let (mut digits, mut letters) = (0, 0);
        while i < b.len() && b[i].is_ascii_alphanumeric() {
            if b[i].is_ascii_digit() {
                digits += 1;
            } else {
                letters += 1;
            }
            i += 1;
        }
        let glued = text[..start]
            .chars()
            .next_back()
            .is_some_and(char::is_alphabetic)
            || text[i..].chars().next().is_some_and(char::is_alphabetic);
        if !glued {
            out.push(Atom {
                start,
                end: i,
                digits,
                letters,
            });
        }
    }
    out
}

/// Separators that may sit inside a written number: spaces, dots, dashes, slashes, one line
/// break; at most three characters.
fn joinable(gap: &str) -> bool {
    let mut chars = 0;
    let mut newlines = 0;
    let mut marks = 0;
    for c in gap.chars() {
        chars += 1;
        match c {
            ' ' | '\t' | '\u{a0}' => {}
            '\n' => newlines += 1,
            '\r' => chars -= 1,
            '.' | '-' | '/' | '_' | '–' => marks += 1,
            _ => return false,
        }
    }
    (1..=3).contains(&chars) && newlines <= 1 && marks <= 2
}

fn ocr_mappable(atom: &[u8]) -> bool {
    // Letters OCR reads for digits (a prefix made only of them may be digits).
    atom.iter().all(|b| ocr_digit(*b).is_some())
}

/// One lookup result before overlaps are resolved.
struct Raw {
    hit: NumberHit,
    rank: (Strength, u8, usize, usize),
}

/// The prefix as written is best; for a number with a prefix, leaving it out is better than
/// other letters before it; for one without, letters before it are just a longer span.
fn prefix_rank(form: &PrefixForm, record_prefix_len: u8) -> u8 {
    match form {
        PrefixForm::AsWritten => 2,
        PrefixForm::Extra(_) if record_prefix_len == 0 => 2,
        PrefixForm::Missing => 1,
        PrefixForm::Extra(_) => 0,
    }
}

/// Finds the known numbers in `text`.
pub fn find(known: &KnownNumbers, text: &str) -> Found {
    let mut found = Found::default();
    if known.is_empty() {
        return found;
    }
    let atoms = atoms(text);
    let bytes = text.as_bytes();
    let ibans = context::iban_ranges(text);
    let max_len = (known.max_key() + 4).min(MAX_KEY);
    let max_prefix = known.max_prefix().max(1);
    let mut raws: Vec<Raw> = Vec::new();
    let mut near_windows: Vec<NearWindow> = Vec::new();
    let joined = |a: &Atom, b: &Atom| joinable(&text[a.end..b.start]);
    let same_line = |a: &Atom, b: &Atom| joined(a, b) && !text[a.end..b.start].contains('\n');
    let mut key: Vec<u8> = Vec::with_capacity(MAX_KEY);
    let mut orig: Vec<u8> = Vec::with_capacity(MAX_KEY);
    for i in 0..atoms.len() {
        let first = &atoms[i];
        if first.digits == 0 && first.letters > max_prefix {
            continue;
        }
        let mut label: Option<Label> = None;
        key.clear();
        orig.clear();
        let mut has_digit = false;
        for j in i..atoms.len() {
            let a = &atoms[j];
            if j > i {
                if !joined(&atoms[j - 1], a) {
                    break;
                }
                if a.digits == 0 && a.letters > 3 {
                    break;
                }
            }
            if key.len() + (a.end - a.start) > max_len {
                break;
            }
            key.extend(bytes[a.start..a.end].iter().map(u8::to_ascii_uppercase));
            orig.extend_from_slice(&bytes[a.start..a.end]);
            has_digit |= a.digits > 0;
            if !has_digit {
                continue;
            }
            let (start, end) = (first.start, a.end);
            let label = label
                .get_or_insert_with(|| context::label(context::segment_before(text, start)))
                .clone();
            // Part of a longer run of digits on the same line (`1005.4945` of `1005.4945.27`).
            let adjacent = (i > 0 && atoms[i - 1].digits > 0 && same_line(&atoms[i - 1], first))
                || (j + 1 < atoms.len() && atoms[j + 1].digits > 0 && same_line(a, &atoms[j + 1]));
            let ctx = Ctx {
                known,
                text,
                start,
                end,
                label: &label,
                adjacent,
                ibans: &ibans,
            };
            let before = raws.len();
            let first_letters = usize::from(first.digits == 0) * (first.end - first.start);
            lookup(
                &ctx,
                &key,
                &orig,
                first_letters,
                &mut raws,
                &mut found.rejected,
            );
            if j > i && known.has_groups() {
                lookup_groups(&ctx, &mut raws, &mut found.rejected);
            }
            // A labelled or prefixed span with no hit may be a near miss.
            if raws.len() == before {
                let lead = key.iter().take_while(|b| b.is_ascii_alphabetic()).count();
                let (prefix, rest) = key.split_at(lead);
                let prefixed = !prefix.is_empty() && known.is_prefix(prefix);
                if (prefixed || matches!(label, Label::Ours(_)))
                    && (6..=14).contains(&rest.len())
                    && rest.iter().all(u8::is_ascii_digit)
                    && near_windows.len() < 32
                {
                    near_windows.push((start, end, prefix.to_vec(), rest.to_vec(), label.clone()));
                }
            }
        }
    }
    for (start, end, prefix, rest, label) in near_windows {
        if raws
            .iter()
            .any(|r| r.hit.strength == Strength::Sure && r.hit.start < end && start < r.hit.end)
        {
            continue;
        }
        near(known, start, end, &prefix, &rest, &label, &mut raws);
    }
    found.hits = resolve(raws);
    found
}

/// A span worth trying near misses for: start, end, written prefix, digits, label.
type NearWindow = (usize, usize, Vec<u8>, Vec<u8>, Label);

struct Ctx<'a> {
    known: &'a KnownNumbers,
    text: &'a str,
    start: usize,
    end: usize,
    label: &'a Label,
    adjacent: bool,
    ibans: &'a [(usize, usize)],
}

/// Tries one span's key against the index: whole key, then each way of splitting off a prefix
/// with the rest read as digits (OCR letters mapped).
fn lookup(
    ctx: &Ctx,
    key: &[u8],
    orig: &[u8],
    first_atom_letters: usize,
    raws: &mut Vec<Raw>,
    rejected: &mut Vec<Rejected>,
) {
    let known = ctx.known;
    // Numbers with letters inside are only found by their whole key.
    for r in known.by_key(key) {
        if !known.record(r).numeric_rest {
            let form = Form {
                ocr: vec![],
                prefix: PrefixForm::AsWritten,
                zeros_dropped: false,
                near: None,
            };
            judge(ctx, r, form, key.len(), raws, rejected);
        }
    }
    let lead = key.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let mut splits: [usize; 4] = [usize::MAX; 4];
    let mut n = 0;
    let mut add = |p: usize| {
        if !splits[..n].contains(&p) && n < 4 {
            splits[n] = p;
            n += 1;
        }
    };
    add(lead);
    if first_atom_letters > 0 && first_atom_letters <= lead {
        add(first_atom_letters);
    }
    if lead > 0 && ocr_mappable(&key[..lead]) {
        add(0);
    }
    for p in 1..lead.min(known.max_prefix() + 1) {
        if known.is_prefix(&key[..p]) {
            add(p);
        }
    }
    let mut mapped: Vec<u8> = Vec::with_capacity(key.len());
    for &p in &splits[..n] {
        let (prefix, rest) = key.split_at(p);
        if rest.is_empty() || (!prefix.is_empty() && prefix.len() > known.max_prefix().max(4)) {
            continue;
        }
        mapped.clear();
        let mut ocr = Vec::new();
        for (&b, &o) in rest.iter().zip(&orig[p..]) {
            match ocr_digit(b) {
                Some(d) => {
                    if !b.is_ascii_digit() {
                        ocr.push((o as char, d as char));
                    }
                    mapped.push(d);
                }
                None => break,
            }
        }
        if mapped.len() != rest.len() {
            continue;
        }
        let real = rest.len() - ocr.len();
        if !ocr.is_empty() && (ocr.len() > 2.max(rest.len() / 2) || real * 2 < rest.len()) {
            continue;
        }
        let Some(value) = digits_value(&mapped) else {
            continue;
        };
        for r in known.by_digits(value) {
            let rec = known.record(r);
            let rkey = rec.key();
            let rprefix = &rkey.as_bytes()[..usize::from(rec.prefix_len)];
            let form_prefix = if rprefix == prefix {
                PrefixForm::AsWritten
            } else if prefix.is_empty() {
                PrefixForm::Missing
            } else if known.is_prefix(prefix) {
                continue; // another layout's prefix: another number
            } else {
                PrefixForm::Extra(String::from_utf8_lossy(prefix).into_owned())
            };
            let form = Form {
                ocr: ocr.clone(),
                prefix: form_prefix,
                zeros_dropped: mapped.len() < usize::from(rec.rest_len),
                near: None,
            };
            judge(ctx, r, form, mapped.len(), raws, rejected);
        }
    }
}

/// Tries a span of several groups against the numbers with zeros inside a digit group
/// (`SCH 2026 871` for `SCH-2026-00871`): the groups must be the same, each digit group read
/// without the zeros in front.
fn lookup_groups(ctx: &Ctx, raws: &mut Vec<Raw>, rejected: &mut Vec<Rejected>) {
    let Some(g) = super::keys::groups(&ctx.text[ctx.start..ctx.end]) else {
        return;
    };
    if g.count < 2 {
        return;
    }
    let known = ctx.known;
    for r in known.by_groups(&g.groups) {
        let rec = known.record(r);
        let rkey = rec.key();
        let rprefix = &rkey[..usize::from(rec.prefix_len)];
        let prefix = if rprefix == g.prefix {
            PrefixForm::AsWritten
        } else if g.prefix.is_empty() {
            PrefixForm::Missing
        } else if known.is_prefix(g.prefix.as_bytes()) {
            continue; // another layout's prefix: another number
        } else {
            PrefixForm::Extra(g.prefix.clone())
        };
        let form = Form {
            ocr: vec![],
            prefix,
            zeros_dropped: true,
            near: None,
        };
        judge(ctx, r, form, g.digits, raws, rejected);
    }
}

/// Decides what a hit is worth in its context: rejected, a candidate, or sure.
fn judge(
    ctx: &Ctx,
    r: u32,
    form: Form,
    digits: usize,
    raws: &mut Vec<Raw>,
    rejected: &mut Vec<Rejected>,
) {
    let rec = ctx.known.record(r);
    let (start, end) = (ctx.start, ctx.end);
    let reject = |reason: String, rejected: &mut Vec<Rejected>| {
        if !rejected.iter().any(|x| x.record == r && x.start == start) {
            rejected.push(Rejected {
                record: r,
                start,
                end,
                reason,
            });
        }
    };
    if let Label::Theirs(word) = ctx.label {
        return reject(
            format!("labelled as the sender's own number ({word})"),
            rejected,
        );
    }
    if ctx.ibans.iter().any(|&(s, e)| s < end && start < e) {
        return reject("part of an IBAN".into(), rejected);
    }
    let prefixed = form.prefix == PrefixForm::AsWritten && rec.prefix_len > 0;
    if !prefixed {
        if let Some(what) = context::not_a_number(ctx.text, start, end) {
            return reject(format!("the digits are {what}"), rejected);
        }
    }
    let labelled_kind = match ctx.label {
        Label::Ours(k) => Some(*k),
        _ => None,
    };
    let (strength, why) = if form.near.is_some() {
        (
            Strength::Candidate,
            Some("one digit differs or two are swapped"),
        )
    } else if prefixed && digits >= if form.zeros_dropped { 4 } else { 3 } {
        (Strength::Sure, None)
    } else if digits < 5 && labelled_kind.is_none() {
        return; // a short bare digit group: too likely by chance
    } else if ctx.adjacent {
        (Strength::Candidate, Some("part of a longer number"))
    } else if labelled_kind.flatten().is_some_and(|k| k != rec.kind) {
        (
            Strength::Candidate,
            Some("the label names another kind of number"),
        )
    } else if (labelled_kind.is_some() && digits >= 5)
        || (digits >= 8
            && ctx.known.density(usize::from(rec.rest_len)) <= 1e-3
            && form.ocr.is_empty()
            && !form.zeros_dropped)
    {
        // Labelled, or long bare digits that chance would rarely hit.
        (Strength::Sure, None)
    } else {
        (
            Strength::Candidate,
            Some("bare digits without prefix or label"),
        )
    };
    let rank = (
        strength,
        prefix_rank(&form.prefix, rec.prefix_len),
        usize::MAX - form.ocr.len(),
        end - start,
    );
    raws.push(Raw {
        hit: NumberHit {
            record: r,
            start,
            end,
            form,
            label: match ctx.label {
                Label::Ours(_) => Some(context::segment_before(ctx.text, start).trim().to_string())
                    .filter(|s| !s.is_empty()),
                _ => None,
            },
            strength,
            why_candidate: why,
        },
        rank,
    });
}

/// Near misses of a labelled or prefixed span: each digit replaced, each neighbouring pair
/// swapped; hits of the same length (and prefix, when one was written) become candidates.
fn near(
    known: &KnownNumbers,
    start: usize,
    end: usize,
    prefix: &[u8],
    rest: &[u8],
    label: &Label,
    raws: &mut Vec<Raw>,
) {
    let mut v = rest.to_vec();
    let try_variant = |v: &[u8], near: Near, raws: &mut Vec<Raw>| {
        let Some(value) = digits_value(v) else { return };
        for r in known.by_digits(value) {
            let rec = known.record(r);
            if usize::from(rec.rest_len) != v.len() {
                continue;
            }
            let rkey = rec.key();
            let rprefix = &rkey.as_bytes()[..usize::from(rec.prefix_len)];
            let prefix_form = if rprefix == prefix {
                PrefixForm::AsWritten
            } else if prefix.is_empty() {
                PrefixForm::Missing
            } else if known.is_prefix(prefix) {
                continue;
            } else {
                PrefixForm::Extra(String::from_utf8_lossy(prefix).into_owned())
            };
            let form = Form {
                ocr: vec![],
                prefix: prefix_form,
                zeros_dropped: false,
                near: Some(near.clone()),
            };
            raws.push(Raw {
                rank: (
                    Strength::Candidate,
                    prefix_rank(&form.prefix, rec.prefix_len),
                    0,
                    end - start,
                ),
                hit: NumberHit {
                    record: r,
                    start,
                    end,
                    form,
                    label: matches!(label, Label::Ours(_)).then(|| "labelled".to_string()),
                    strength: Strength::Candidate,
                    why_candidate: Some("one digit differs or two are swapped"),
                },
            });
        }
    };
    for i in 0..v.len() {
        let orig = v[i];
        for d in b'0'..=b'9' {
            if d != orig {
                v[i] = d;
                try_variant(&v, Near::OneDigit(i + 1), raws);
            }
        }
        v[i] = orig;
    }
    for i in 0..v.len().saturating_sub(1) {
        if v[i] != v[i + 1] {
            v.swap(i, i + 1);
            try_variant(&v, Near::Swapped(i + 1), raws);
            v.swap(i, i + 1);
        }
    }
}

/// Keeps the best reading of each record and drops readings that overlap a better one of
/// another record (the same span hitting two records keeps both: that is an ambiguity).
fn resolve(mut raws: Vec<Raw>) -> Vec<NumberHit> {
    raws.sort_by_key(|r| std::cmp::Reverse(r.rank));
    let mut out: Vec<NumberHit> = Vec::new();
    for r in raws {
        let h = r.hit;
        if out.iter().any(|o| o.record == h.record) {
            continue;
        }
        if out.iter().any(|o| {
            o.start < h.end
                && h.start < o.end
                && !(o.start == h.start && o.end == h.end && o.strength == h.strength)
        }) {
            continue;
        }
        out.push(h);
    }
    out.sort_by_key(|h| h.start);
    out
}
