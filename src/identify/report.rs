//! `intake identify`'s answer for operators: each identifier found (raw, normalised, the master
//! record it hit and how it was written), the known numbers seen but not used and why, and the
//! customer match with its evidence. Plain text; the JSON form is the serialised
//! [`Identification`].

use std::fmt::Write;

use super::matching::{CustomerMatch, Identification};
use super::IdKind;

fn kind(k: IdKind) -> &'static str {
    match k {
        IdKind::CustomerNumber => "customer number",
        IdKind::ContractNumber => "contract number",
        IdKind::ClaimNumber => "claim number",
        IdKind::Iban => "IBAN",
        IdKind::Bic => "BIC",
        IdKind::Email => "e-mail",
        IdKind::Postcode => "postcode",
        IdKind::Date => "date",
    }
}

/// The report as text, one identifier per line.
pub fn render(found: &Identification) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Identifiers:");
    if found.identifiers.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    for id in &found.identifiers {
        let _ = write!(
            out,
            "  {:<16} {:?} → {}",
            kind(id.kind),
            id.raw.replace('\n', "⏎"),
            id.value
        );
        if let Some(label) = &id.label {
            let _ = write!(out, "  [label: {label}]");
        }
        if !id.valid {
            let _ = write!(out, "  (invalid)");
        }
        match (&id.master_id, &id.customer_id) {
            (Some(m), Some(c)) => {
                let _ = write!(out, "\n{:20}master record {m} of customer {c}", "");
                if let Some(how) = &id.found_as {
                    let _ = write!(out, "; {how}");
                }
            }
            _ if matches!(
                id.kind,
                IdKind::CustomerNumber | IdKind::ContractNumber | IdKind::ClaimNumber
            ) =>
            {
                let _ = write!(out, "\n{:20}not in master data (configured format)", "");
            }
            _ => {}
        }
        out.push('\n');
    }
    if !found.unused.is_empty() {
        let _ = writeln!(out, "Known numbers not used:");
        for u in &found.unused {
            let _ = writeln!(
                out,
                "  {:?} would be {}: {}",
                u.raw.replace('\n', "⏎"),
                u.master_id,
                u.reason
            );
        }
    }
    let _ = writeln!(out, "Customer:");
    let _ = match &found.customer {
        CustomerMatch::Unique {
            customer_id,
            confidence,
            reason,
        } => writeln!(
            out,
            "  {customer_id} (confidence {confidence:.3})\n  evidence: {reason}"
        ),
        CustomerMatch::Ambiguous { candidates, reason } => writeln!(
            out,
            "  ambiguous between {}\n  evidence: {reason}",
            candidates.join(", ")
        ),
        CustomerMatch::None => writeln!(out, "  none found"),
    };
    out
}
