//! How much mail can go to a department untouched ("dark") at a target routing precision, and
//! the routing thresholds per type that get there (`[inbox] route_thresholds`). Pure: takes the
//! labels and what intake decided (the best type with its confidence, the customer and how sure
//! the match was), gives per type and overall the reachable dark share at 95 / 98 / 99 / 99.5 %
//! precision and the curve of one global threshold (for `intake eval --plot`).
//!
//! A document can go dark when its best type passes the classification threshold, the type has
//! a department route and the customer is trusted (or the type needs none). It is routed right
//! when that queue is the expected one and the customer is the labelled one. The thresholds are
//! chosen together: the most documents routed while the precision over all of them stays at
//! the target (one type may then be a little below it, another above).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{expected_queue, Decision, Label};
use crate::classify::DocType;
use crate::config::InboxConfig;

/// Routing precisions the report looks at.
pub const TARGETS: [f64; 4] = [0.95, 0.98, 0.99, 0.995];

/// One target precision: the thresholds per type and what they give overall.
#[derive(Debug, Clone, Serialize)]
pub struct Level {
    pub target: f64,
    /// Type id → the lowest confidence that keeps the type at the target. A type missing here
    /// never reached the target on this set (route it with a person: threshold 1.0).
    pub thresholds: BTreeMap<String, f64>,
    /// Type id → how many documents of that type went dark at its threshold.
    pub dark_by_type: BTreeMap<String, usize>,
    pub dark: usize,
    pub dark_share: f64,
    pub precision: f64,
}

/// One point of the global-threshold curve.
#[derive(Debug, Clone, Serialize)]
pub struct CurvePoint {
    pub threshold: f64,
    pub dark_share: f64,
    pub precision: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Analysis {
    pub documents: usize,
    pub levels: Vec<Level>,
    pub curve: Vec<CurvePoint>,
}

/// A document that could go dark: its best type, confidence and whether that would be right.
struct Candidate {
    doc_type: String,
    confidence: f64,
    right: bool,
}

fn candidate(
    inbox: &InboxConfig,
    type_threshold: f32,
    label: &Label,
    d: &Decision,
) -> Option<Candidate> {
    let t = DocType::parse(&d.best_type)?;
    if d.confidence < type_threshold {
        return None;
    }
    let queue = inbox.routes.get(t.as_str())?;
    let trusted = d
        .match_confidence
        .is_some_and(|c| c >= inbox.min_match_confidence);
    if queue == &inbox.triage_queue || !(trusted || t == DocType::Application) {
        return None;
    }
    Some(Candidate {
        doc_type: t.as_str().to_string(),
        confidence: f64::from(d.confidence),
        right: *queue == expected_queue(inbox, label) && d.customer_id == label.customer_id,
    })
}

/// A place for a type's threshold: the confidence, and how many documents (and how many wrong
/// ones) are at or above it.
type Cut = (f64, usize, usize);

/// The places a type's threshold can go: at each distinct confidence (highest first), with how
/// many documents and how many wrong ones are at or above it. Equal confidences go together.
fn cut_points(sorted: &[&Candidate]) -> Vec<Cut> {
    let mut cuts = Vec::new();
    let mut wrong = 0;
    for (i, c) in sorted.iter().enumerate() {
        wrong += usize::from(!c.right);
        if sorted
            .get(i + 1)
            .is_none_or(|next| next.confidence < c.confidence)
        {
            cuts.push((c.confidence, i + 1, wrong));
        }
    }
    cuts
}

/// Per type, the cut that together with the others routes the most documents at `target`
/// precision overall. Choosing one cut per type under a shared precision constraint is solved
/// with a Lagrange multiplier: for a price `lambda` on each wrong document beyond the allowed
/// share, every type independently takes the cut worth most; the cheapest price whose choice
/// is feasible gives the answer (tried over a geometric grid; exact enough for a report).
fn choose(cuts: &BTreeMap<&str, Vec<Cut>>, target: f64) -> BTreeMap<String, Cut> {
    let allowed = 1.0 - target;
    let mut best: Option<(usize, BTreeMap<String, Cut>)> = None;
    for step in 0..=60 {
        let lambda = if step == 0 {
            0.0
        } else {
            0.01 * 1.25f64.powi(step)
        };
        let mut chosen = BTreeMap::new();
        let (mut n, mut w) = (0usize, 0usize);
        for (t, list) in cuts {
            let worth = |(_, n, w): &Cut| *n as f64 * (1.0 + lambda * allowed) - lambda * *w as f64;
            if let Some(cut) = list
                .iter()
                .filter(|c| worth(c) > 0.0)
                .max_by(|a, b| worth(a).total_cmp(&worth(b)))
            {
                chosen.insert(t.to_string(), *cut);
                n += cut.1;
                w += cut.2;
            }
        }
        let feasible = n == 0 || (n - w) as f64 >= target * n as f64;
        if feasible && best.as_ref().is_none_or(|(bn, _)| n > *bn) {
            best = Some((n, chosen));
        }
    }
    best.map(|(_, c)| c).unwrap_or_default()
}

pub fn analyse(
    inbox: &InboxConfig,
    type_threshold: f32,
    pairs: &[(Label, Option<Decision>)],
) -> Analysis {
    let documents = pairs.iter().filter(|(_, d)| d.is_some()).count();
    let candidates: Vec<Candidate> = pairs
        .iter()
        .filter_map(|(l, d)| candidate(inbox, type_threshold, l, d.as_ref()?))
        .collect();
    let mut by_type: BTreeMap<&str, Vec<&Candidate>> = BTreeMap::new();
    for c in &candidates {
        by_type.entry(&c.doc_type).or_default().push(c);
    }
    for list in by_type.values_mut() {
        list.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    }
    let cuts: BTreeMap<&str, Vec<Cut>> = by_type
        .iter()
        .map(|(t, list)| (*t, cut_points(list)))
        .collect();
    let share = |n: usize| {
        if documents == 0 {
            0.0
        } else {
            n as f64 / documents as f64
        }
    };
    let levels = TARGETS
        .iter()
        .map(|&target| {
            let mut level = Level {
                target,
                thresholds: BTreeMap::new(),
                dark_by_type: BTreeMap::new(),
                dark: 0,
                dark_share: 0.0,
                precision: 0.0,
            };
            let mut right = 0;
            for (t, (threshold, n, wrong)) in choose(&cuts, target) {
                level.thresholds.insert(t.clone(), threshold);
                level.dark_by_type.insert(t, n);
                level.dark += n;
                right += n - wrong;
            }
            level.dark_share = share(level.dark);
            level.precision = if level.dark == 0 {
                1.0
            } else {
                right as f64 / level.dark as f64
            };
            level
        })
        .collect();
    let curve = (0..=50)
        .map(|i| {
            let threshold = 0.5 + f64::from(i) * 0.01;
            let dark: Vec<&Candidate> = candidates
                .iter()
                .filter(|c| c.confidence >= threshold)
                .collect();
            let right = dark.iter().filter(|c| c.right).count();
            CurvePoint {
                threshold,
                dark_share: share(dark.len()),
                precision: if dark.is_empty() {
                    1.0
                } else {
                    right as f64 / dark.len() as f64
                },
            }
        })
        .collect();
    Analysis {
        documents,
        levels,
        curve,
    }
}

impl Analysis {
    /// The report's lines: per target, the dark share and precision overall and the thresholds
    /// as a TOML table to paste into `[inbox]`.
    pub fn render(&self) -> String {
        let mut out = String::from(
            "\nDark share reachable at a target routing precision (per-type thresholds):\n",
        );
        for l in &self.levels {
            out += &format!(
                "  {:>5.1} %: dark {:.3} ({} docs) at precision {:.3}\n    route_thresholds = {{ {} }}\n",
                l.target * 100.0,
                l.dark_share,
                l.dark,
                l.precision,
                DocType::ALL
                    .iter()
                    .map(|t| t.as_str())
                    .filter(|t| *t != "other")
                    .map(|t| match l.thresholds.get(t) {
                        Some(v) => format!(
                            "{t} = {:.3} ({})",
                            v,
                            l.dark_by_type.get(t).copied().unwrap_or(0)
                        ),
                        None => format!("{t} = 1.0 (0)"),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        out
    }

    /// `[inbox] route_thresholds` for a target, as TOML (types that never reached it: 1.0).
    pub fn toml_for(&self, target: f64) -> Option<String> {
        let l = self
            .levels
            .iter()
            .find(|l| (l.target - target).abs() < 1e-9)?;
        let entries: Vec<String> = DocType::ALL
            .iter()
            .map(|t| t.as_str())
            .filter(|t| *t != "other")
            .map(|t| format!("{t} = {:.3}", l.thresholds.get(t).copied().unwrap_or(1.0)))
            .collect();
        Some(format!("route_thresholds = {{ {} }}", entries.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(t: &str, c: Option<&str>) -> Label {
        serde_json::from_value(serde_json::json!({"file": "f", "doc_type": t, "customer_id": c}))
            .unwrap()
    }

    fn decided(t: &str, confidence: f32, c: Option<&str>) -> Option<Decision> {
        Some(Decision {
            doc_type: t.into(),
            best_type: t.into(),
            confidence,
            customer_id: c.map(str::to_string),
            match_confidence: c.map(|_| 0.99),
            queue: String::new(),
            document_id: 0,
            case_id: None,
        })
    }

    #[test]
    fn per_type_thresholds_reach_the_target_and_no_lower() {
        let inbox = InboxConfig::default();
        let mut pairs = Vec::new();
        // Claims: right at 0.99 … 0.90, one wrong (a complaint) at 0.85, right at 0.80.
        for i in 0..10 {
            pairs.push((
                label("claim", Some("K1")),
                decided("claim", 0.99 - i as f32 * 0.01, Some("K1")),
            ));
        }
        pairs.push((
            label("complaint", Some("K1")),
            decided("claim", 0.85, Some("K1")),
        ));
        pairs.push((
            label("claim", Some("K1")),
            decided("claim", 0.80, Some("K1")),
        ));
        // An unknown customer never goes dark; "other" goes to triage anyway.
        pairs.push((label("claim", None), decided("claim", 0.99, None)));
        pairs.push((label("other", None), decided("other", 0.99, None)));
        let a = analyse(&inbox, 0.6, &pairs);
        assert_eq!(a.documents, 14);
        let at = |target: f64| a.levels.iter().find(|l| l.target == target).unwrap();
        // 99 %: only the ten clean claims (the wrong one would make 10/11).
        assert!((at(0.99).thresholds["claim"] - 0.90).abs() < 1e-6);
        assert_eq!(at(0.99).dark, 10);
        assert_eq!(at(0.99).precision, 1.0);
        // 90 % is not a target, but 95 % is not reached with the mistake either (11/12 = 0.917).
        assert_eq!(at(0.95).dark, 10);
        assert!(a.toml_for(0.99).unwrap().contains("claim = 0.900"));
        assert!(a.toml_for(0.99).unwrap().contains("complaint = 1.000"));
        // The global curve: at 0.80 all twelve claims with a customer go dark, 11 right.
        let p = a
            .curve
            .iter()
            .find(|p| (p.threshold - 0.80).abs() < 1e-9)
            .unwrap();
        assert!((p.dark_share - 12.0 / 14.0).abs() < 1e-9);
        assert!((p.precision - 11.0 / 12.0).abs() < 1e-9);
    }

    #[test]
    fn thresholds_are_chosen_together_for_the_overall_precision() {
        let inbox = InboxConfig::default();
        let mut pairs = Vec::new();
        // Claims: one wrong at the top, then 19 right: 0.95 on their own.
        pairs.push((
            label("complaint", Some("K1")),
            decided("claim", 0.99, Some("K1")),
        ));
        for i in 0..19 {
            pairs.push((
                label("claim", Some("K1")),
                decided("claim", 0.98 - i as f32 * 0.01, Some("K1")),
            ));
        }
        // Address changes: 40 right.
        for i in 0..40 {
            pairs.push((
                label("address_change", Some("K1")),
                decided("address_change", 0.99 - i as f32 * 0.005, Some("K1")),
            ));
        }
        let a = analyse(&inbox, 0.6, &pairs);
        // At 98 % the claims (0.95 on their own) still go dark: with the address changes
        // 59 of 60 are right (0.983).
        let l = a.levels.iter().find(|l| l.target == 0.98).unwrap();
        assert_eq!(l.dark, 60);
        assert!((l.precision - 59.0 / 60.0).abs() < 1e-9);
        assert!((l.thresholds["claim"] - 0.80).abs() < 1e-6);
        // At 99 % they cannot: only the address changes.
        let l = a.levels.iter().find(|l| l.target == 0.99).unwrap();
        assert_eq!(l.dark, 40);
        assert!(!l.thresholds.contains_key("claim"));
    }

    #[test]
    fn ties_are_cut_together() {
        let inbox = InboxConfig::default();
        let pairs = vec![
            (
                label("claim", Some("K1")),
                decided("claim", 0.9, Some("K1")),
            ),
            (
                label("complaint", Some("K1")),
                decided("claim", 0.9, Some("K1")),
            ),
        ];
        let a = analyse(&inbox, 0.6, &pairs);
        // Both at 0.9: one right of two, so no threshold gives 95 %.
        assert!(a.levels[0].thresholds.is_empty());
        assert_eq!(a.levels[0].dark, 0);
    }
}
