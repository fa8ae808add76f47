//! Number layouts learned from master data: for each kind of number, the shapes its ids have
//! (`AA-99999999`: two letters, a dash, eight digits) and how often. Reported at import and by
//! `intake identify`, so an operator sees what intake learned; the lookups themselves need no
//! layout (they use the normalised keys in [`super::known`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::keys::shape;
use super::IdKind;

/// Shapes per kind of number with their counts.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Layouts {
    shapes: BTreeMap<&'static str, BTreeMap<String, u64>>,
}

fn kind_name(kind: IdKind) -> &'static str {
    match kind {
        IdKind::CustomerNumber => "customer numbers",
        IdKind::ContractNumber => "contract numbers",
        IdKind::ClaimNumber => "claim numbers",
        _ => "other",
    }
}

impl Layouts {
    pub fn add(&mut self, kind: IdKind, id: &str) {
        *self
            .shapes
            .entry(kind_name(kind))
            .or_default()
            .entry(shape(id))
            .or_default() += 1;
    }

    /// The most frequent shapes of one kind, at most `n`, most frequent first.
    pub fn top(&self, kind: IdKind, n: usize) -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = self
            .shapes
            .get(kind_name(kind))
            .map(|m| m.iter().map(|(s, c)| (s.clone(), *c)).collect())
            .unwrap_or_default();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(n);
        v
    }
}

impl fmt::Display for Layouts {
    /// One line per kind: `contract numbers: AA-99999999 ×812, 999999999 ×188`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for kind in [
            IdKind::CustomerNumber,
            IdKind::ContractNumber,
            IdKind::ClaimNumber,
        ] {
            let top = self.top(kind, 6);
            if top.is_empty() {
                continue;
            }
            let total: u64 = self
                .shapes
                .get(kind_name(kind))
                .map(|m| m.values().sum())
                .unwrap_or(0);
            let list: Vec<String> = top.iter().map(|(s, c)| format!("{s} ×{c}")).collect();
            writeln!(
                f,
                "{} ({total}): {}{}",
                kind_name(kind),
                list.join(", "),
                if self.shapes[kind_name(kind)].len() > top.len() {
                    ", …"
                } else {
                    ""
                }
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_counted_per_kind() {
        let mut l = Layouts::default();
        l.add(IdKind::ContractNumber, "WG-17450311");
        l.add(IdKind::ContractNumber, "WG-17450312");
        l.add(IdKind::ContractNumber, "4711-2026-33");
        l.add(IdKind::CustomerNumber, "K4419027");
        assert_eq!(
            l.top(IdKind::ContractNumber, 5),
            vec![
                ("AA-99999999".to_string(), 2),
                ("9999-9999-99".to_string(), 1)
            ]
        );
        let text = l.to_string();
        assert!(text.contains("customer numbers (1): A9999999 ×1"), "{text}");
        assert!(text.contains("contract numbers (3)"), "{text}");
    }
}
