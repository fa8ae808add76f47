//! `intake eval`: how well type, customer match and routing do on labelled files. Takes the
//! labels and what the pipeline recorded for the same files; gives accuracy, macro-F1, a
//! confusion matrix, match precision/recall, routing accuracy and the "dark" share (routed
//! without a person) with its precision. Pure; the command wires ingest and store around it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::classify::{DocType, UNKNOWN};
use crate::config::InboxConfig;

pub mod plot;
pub mod thresholds;

/// One line of a labels file (`{"file", "doc_type", "customer_id", "queue", "case", "weight",
/// "calibrate"}`; `queue` optional: when missing it is what the routing config gives the true
/// type and customer. `case` optional: documents about the same concern share a case id
/// string (any text; only equality counts), for the case-linking figures. Only for
/// `intake train`, both optional: `weight`, how much the example counts (default 1);
/// `calibrate`, false for mail the rules were tuned on (default true).
#[derive(Debug, Clone, Deserialize)]
pub struct Label {
    pub file: String,
    pub doc_type: String,
    pub customer_id: Option<String>,
    #[serde(default)]
    pub queue: Option<String>,
    /// The true case: labelled documents with the same string belong to one case.
    #[serde(default)]
    pub case: Option<String>,
    #[serde(default)]
    pub weight: Option<f32>,
    #[serde(default)]
    pub calibrate: Option<bool>,
}

/// What intake decided for a labelled file.
#[derive(Debug, Clone)]
pub struct Decision {
    pub doc_type: String,
    /// The best type even when it was below the threshold (then `doc_type` is unknown).
    pub best_type: String,
    /// Confidence of the best type (also when it fell below the threshold).
    pub confidence: f32,
    pub customer_id: Option<String>,
    /// How sure the customer match was (routing trusts it from `min_match_confidence`).
    pub match_confidence: Option<f32>,
    pub queue: String,
    /// The received item's document id (receipt order) and the case intake put it in.
    pub document_id: i64,
    pub case_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub documents: usize,
    pub type_accuracy: f64,
    pub type_macro_f1: f64,
    /// Per true type: F1.
    pub type_f1: BTreeMap<String, f64>,
    /// true type → predicted type → count.
    pub confusion: BTreeMap<String, BTreeMap<String, usize>>,
    /// Of the customers intake named, the share that is right.
    pub match_precision: f64,
    /// Of the documents with a true customer, the share where intake named it.
    pub match_recall: f64,
    pub routing_accuracy: f64,
    /// Share routed to a department queue without manual triage.
    pub dark_share: f64,
    /// Of those, the share with the right queue and the right (or rightly no) customer.
    pub dark_precision: f64,
    /// Reliability of the type confidence: per tenth of confidence, how many decisions and
    /// how many of them were right (the best type, also below the threshold).
    pub calibration: Vec<CalibrationBin>,
    /// Expected calibration error: the count-weighted gap between confidence and accuracy.
    pub calibration_error: f64,
    /// The dark share reachable at target routing precisions, with the per-type thresholds
    /// ([`thresholds::analyse`]; filled by the command, which knows the type threshold).
    pub dark_by_precision: thresholds::Analysis,
    /// Files in the labels that were not found (not ingested, or quarantined).
    pub missing: Vec<String>,
    /// Every file with a wrong type, customer or queue, in label order.
    pub mistakes: Vec<Mistake>,
    /// Case linking over the labelled documents ([`case_linking`]).
    pub cases: CaseLinking,
}

/// A labelled file where type, customer or queue came out wrong.
#[derive(Debug, Clone, Serialize)]
pub struct Mistake {
    pub file: String,
    pub doc_type: String,
    pub decided_type: String,
    /// The best type, also when it fell below the threshold (then `decided_type` is unknown).
    pub best_type: String,
    pub confidence: f32,
    pub customer_id: Option<String>,
    pub decided_customer_id: Option<String>,
    pub queue: String,
    pub decided_queue: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CalibrationBin {
    pub from: f64,
    pub to: f64,
    pub count: usize,
    pub mean_confidence: f64,
    pub accuracy: f64,
}

/// The queue a correct decision would give.
pub fn expected_queue(inbox: &InboxConfig, label: &Label) -> String {
    if let Some(q) = &label.queue {
        return q.clone();
    }
    let t = DocType::parse(&label.doc_type);
    let needs_customer = t != Some(DocType::Application);
    match t.and_then(|t| inbox.routes.get(t.as_str())) {
        Some(q) if !needs_customer || label.customer_id.is_some() => q.clone(),
        _ => inbox.triage_queue.clone(),
    }
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        n as f64 / d as f64
    }
}

pub fn evaluate(inbox: &InboxConfig, pairs: &[(Label, Option<Decision>)]) -> Report {
    let mut confusion: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut missing = Vec::new();
    let mut mistakes = Vec::new();
    let (mut n, mut type_ok, mut routed_ok) = (0, 0, 0);
    let (mut named, mut named_ok, mut with_customer, mut found) = (0, 0, 0, 0);
    let (mut dark, mut dark_ok) = (0, 0);
    // (sum of confidence, count, right) per tenth.
    let mut bins = [(0.0f64, 0usize, 0usize); 10];
    for (label, decision) in pairs {
        let Some(d) = decision else {
            missing.push(label.file.clone());
            continue;
        };
        n += 1;
        *confusion
            .entry(label.doc_type.clone())
            .or_default()
            .entry(d.doc_type.clone())
            .or_default() += 1;
        type_ok += usize::from(d.doc_type == label.doc_type);
        let bin = ((d.confidence.clamp(0.0, 0.999) * 10.0) as usize).min(9);
        bins[bin].0 += d.confidence as f64;
        bins[bin].1 += 1;
        // Right means the best type was right, whether or not it passed the threshold.
        let best_right = d.doc_type == label.doc_type
            || (d.doc_type == UNKNOWN && d.best_type == label.doc_type);
        bins[bin].2 += usize::from(best_right);
        if let Some(c) = &d.customer_id {
            named += 1;
            named_ok += usize::from(Some(c) == label.customer_id.as_ref());
        }
        if let Some(c) = &label.customer_id {
            with_customer += 1;
            found += usize::from(d.customer_id.as_ref() == Some(c));
        }
        let queue = expected_queue(inbox, label);
        let queue_ok = d.queue == queue;
        routed_ok += usize::from(queue_ok);
        if !queue_ok || d.doc_type != label.doc_type || d.customer_id != label.customer_id {
            mistakes.push(Mistake {
                file: label.file.clone(),
                doc_type: label.doc_type.clone(),
                decided_type: d.doc_type.clone(),
                best_type: d.best_type.clone(),
                confidence: d.confidence,
                customer_id: label.customer_id.clone(),
                decided_customer_id: d.customer_id.clone(),
                queue,
                decided_queue: d.queue.clone(),
            });
        }
        if d.queue != inbox.triage_queue {
            dark += 1;
            dark_ok += usize::from(queue_ok && d.customer_id == label.customer_id);
        }
    }
    let types: BTreeSet<String> = DocType::ALL
        .iter()
        .map(|t| t.as_str().to_string())
        .filter(|t| confusion.contains_key(t))
        .collect();
    let mut type_f1 = BTreeMap::new();
    for t in &types {
        let tp = confusion
            .get(t)
            .and_then(|r| r.get(t))
            .copied()
            .unwrap_or(0);
        let actual: usize = confusion.get(t).map(|r| r.values().sum()).unwrap_or(0);
        let predicted: usize = confusion.values().filter_map(|r| r.get(t)).sum();
        let (p, r) = (ratio(tp, predicted), ratio(tp, actual));
        type_f1.insert(
            t.clone(),
            if p + r > 0.0 {
                2.0 * p * r / (p + r)
            } else {
                0.0
            },
        );
    }
    let macro_f1 = if type_f1.is_empty() {
        0.0
    } else {
        type_f1.values().sum::<f64>() / type_f1.len() as f64
    };
    let calibration: Vec<CalibrationBin> = bins
        .iter()
        .enumerate()
        .filter(|(_, b)| b.1 > 0)
        .map(|(i, b)| CalibrationBin {
            from: i as f64 / 10.0,
            to: (i + 1) as f64 / 10.0,
            count: b.1,
            mean_confidence: b.0 / b.1 as f64,
            accuracy: ratio(b.2, b.1),
        })
        .collect();
    let calibration_error = calibration
        .iter()
        .map(|b| b.count as f64 * (b.mean_confidence - b.accuracy).abs())
        .sum::<f64>()
        / n.max(1) as f64;
    Report {
        calibration,
        calibration_error,
        documents: n,
        type_accuracy: ratio(type_ok, n),
        type_macro_f1: macro_f1,
        type_f1,
        confusion,
        match_precision: ratio(named_ok, named),
        match_recall: ratio(found, with_customer),
        routing_accuracy: ratio(routed_ok, n),
        dark_share: ratio(dark, n),
        dark_precision: ratio(dark_ok, dark),
        dark_by_precision: thresholds::Analysis::default(),
        missing,
        mistakes,
        cases: case_linking(pairs),
    }
}

impl Report {
    /// The report as a clerk's supervisor reads it.
    pub fn render(&self) -> String {
        let mut s = format!(
            "documents           {}\ntype accuracy       {:.3}\ntype macro-F1       {:.3}\nmatch precision     {:.4}\nmatch recall        {:.4}\nrouting accuracy    {:.3}\ndark share          {:.3} (precision {:.4})\n",
            self.documents,
            self.type_accuracy,
            self.type_macro_f1,
            self.match_precision,
            self.match_recall,
            self.routing_accuracy,
            self.dark_share,
            self.dark_precision
        );
        let mut predicted: BTreeSet<&str> = BTreeSet::new();
        for row in self.confusion.values() {
            predicted.extend(row.keys().map(String::as_str));
        }
        let cols: Vec<&str> = predicted.into_iter().collect();
        s.push_str("\nconfusion (rows: true type, columns: decided)\n");
        s.push_str(&format!("{:<20}", ""));
        for c in &cols {
            s.push_str(&format!(" {:>7.7}", c));
        }
        s.push('\n');
        for (t, row) in &self.confusion {
            s.push_str(&format!("{t:<20}"));
            for c in &cols {
                s.push_str(&format!(" {:>7}", row.get(*c).copied().unwrap_or(0)));
            }
            s.push_str(&format!(
                "   F1 {:.3}\n",
                self.type_f1.get(t).copied().unwrap_or(0.0)
            ));
        }
        s.push_str(&format!(
            "\ncalibration (expected error {:.3})\n  confidence     n   mean  right\n",
            self.calibration_error
        ));
        for b in &self.calibration {
            s.push_str(&format!(
                "  {:.1}–{:.1} {:>7} {:>6.3} {:>6.3}\n",
                b.from, b.to, b.count, b.mean_confidence, b.accuracy
            ));
        }
        if !self.dark_by_precision.levels.is_empty() {
            s.push_str(&self.dark_by_precision.render());
        }
        if !self.mistakes.is_empty() {
            s.push_str(&format!(
                "\nmistakes ({}): file  type → decided (confidence)  customer → decided  queue → decided\n",
                self.mistakes.len()
            ));
            let or_none = |c: &Option<String>| c.clone().unwrap_or_else(|| "-".into());
            for m in &self.mistakes {
                s.push_str(&format!(
                    "  {}  {} → {} ({:.2}{})  {} → {}  {} → {}\n",
                    m.file,
                    m.doc_type,
                    m.decided_type,
                    m.confidence,
                    if m.decided_type == UNKNOWN {
                        format!(", best {}", m.best_type)
                    } else {
                        String::new()
                    },
                    or_none(&m.customer_id),
                    or_none(&m.decided_customer_id),
                    m.queue,
                    m.decided_queue
                ));
            }
        }
        s.push_str(&self.cases.render());
        if !self.missing.is_empty() {
            s.push_str(&format!(
                "\nnot found: {} file(s), e.g. {}\n",
                self.missing.len(),
                self.missing[0]
            ));
        }
        s
    }
}

/// How well documents about one concern ended up in one case. Over every pair of labelled
/// documents that carry a `case` label: predicted-linked when intake put both in the same
/// case, true-linked when their labels share the case id.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CaseLinking {
    /// Found documents with a `case` label (the pairs are formed among them).
    pub documents: usize,
    pub true_pairs: usize,
    pub predicted_pairs: usize,
    /// Pairs both true- and predicted-linked.
    pub correct_pairs: usize,
    /// correct / predicted.
    pub pair_precision: f64,
    /// correct / true.
    pub pair_recall: f64,
    /// Documents (with a labelled customer) that joined a case whose first document with a
    /// labelled customer belongs to another customer. The target is 0.
    pub cross_customer_joins: usize,
    /// Pairs linked that should not be (at most [`CASE_LIST_LIMIT`]): file, file.
    pub wrong_pairs: Vec<(String, String)>,
    /// Pairs that should be linked and are not (at most [`CASE_LIST_LIMIT`]).
    pub missed_pairs: Vec<(String, String)>,
    /// The documents counted in `cross_customer_joins`.
    pub cross_customer: Vec<CrossCustomerJoin>,
}

/// How many wrong and missed pairs the report lists.
pub const CASE_LIST_LIMIT: usize = 50;

/// A document that joined another customer's case.
#[derive(Debug, Clone, Serialize)]
pub struct CrossCustomerJoin {
    pub file: String,
    pub customer_id: String,
    pub case_customer_id: String,
    pub case_id: i64,
}

/// The case-linking figures of labelled files and intake's decisions.
pub fn case_linking(pairs: &[(Label, Option<Decision>)]) -> CaseLinking {
    // (file, true case, decided case) of every found document with a case label.
    let docs: Vec<(&str, &str, Option<i64>)> = pairs
        .iter()
        .filter_map(|(l, d)| Some((l.file.as_str(), l.case.as_deref()?, d.as_ref()?.case_id)))
        .collect();
    let mut out = CaseLinking {
        documents: docs.len(),
        ..CaseLinking::default()
    };
    for (i, a) in docs.iter().enumerate() {
        for b in &docs[i + 1..] {
            let truly = a.1 == b.1;
            let predicted = a.2.is_some() && a.2 == b.2;
            out.true_pairs += usize::from(truly);
            out.predicted_pairs += usize::from(predicted);
            out.correct_pairs += usize::from(truly && predicted);
            let list = match (truly, predicted) {
                (false, true) => &mut out.wrong_pairs,
                (true, false) => &mut out.missed_pairs,
                _ => continue,
            };
            if list.len() < CASE_LIST_LIMIT {
                list.push((a.0.to_string(), b.0.to_string()));
            }
        }
    }
    out.pair_precision = ratio(out.correct_pairs, out.predicted_pairs);
    out.pair_recall = ratio(out.correct_pairs, out.true_pairs);
    // Every labelled document with a customer, in receipt order; a case belongs to the
    // customer of its first one.
    let mut with_customer: Vec<(&Label, &Decision)> = pairs
        .iter()
        .filter_map(|(l, d)| Some((l, d.as_ref()?)))
        .filter(|(l, d)| l.customer_id.is_some() && d.case_id.is_some())
        .collect();
    with_customer.sort_by_key(|(_, d)| d.document_id);
    let mut owner: BTreeMap<i64, &str> = BTreeMap::new();
    for (l, d) in with_customer {
        let (Some(case), Some(customer)) = (d.case_id, l.customer_id.as_deref()) else {
            continue;
        };
        let first = *owner.entry(case).or_insert(customer);
        if first != customer {
            out.cross_customer_joins += 1;
            out.cross_customer.push(CrossCustomerJoin {
                file: l.file.clone(),
                customer_id: customer.to_string(),
                case_customer_id: first.to_string(),
                case_id: case,
            });
        }
    }
    out
}

impl CaseLinking {
    /// The case lines of the text report (nothing when no label carries a case).
    pub fn render(&self) -> String {
        if self.documents == 0 {
            return String::new();
        }
        let mut s = format!(
            "\ncase linking ({} documents with a case label)\n  pair precision    {:.4} ({} of {} linked pairs)\n  pair recall       {:.4} ({} of {} same-case pairs)\n  cross-customer    {} document(s) joined another customer's case\n",
            self.documents,
            self.pair_precision,
            self.correct_pairs,
            self.predicted_pairs,
            self.pair_recall,
            self.correct_pairs,
            self.true_pairs,
            self.cross_customer_joins
        );
        for c in &self.cross_customer {
            s.push_str(&format!(
                "    {} ({}) joined case {} of {}\n",
                c.file, c.customer_id, c.case_id, c.case_customer_id
            ));
        }
        for (title, list) in [
            ("linked, but different cases", &self.wrong_pairs),
            ("same case, not linked", &self.missed_pairs),
        ] {
            if !list.is_empty() {
                s.push_str(&format!("  {title} ({}):\n", list.len()));
                for (a, b) in list {
                    s.push_str(&format!("    {a} + {b}\n"));
                }
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(t: &str, c: Option<&str>) -> Label {
        Label {
            file: "x".into(),
            doc_type: t.into(),
            customer_id: c.map(Into::into),
            queue: None,
            case: None,
            weight: None,
            calibrate: None,
        }
    }
    fn decision(t: &str, c: Option<&str>, q: &str) -> Option<Decision> {
        Some(Decision {
            doc_type: t.into(),
            best_type: t.into(),
            confidence: 0.9,
            customer_id: c.map(Into::into),
            match_confidence: c.map(|_| 0.99),
            queue: q.into(),
            document_id: 0,
            case_id: None,
        })
    }

    #[test]
    fn metrics_count_what_they_say() {
        let inbox = InboxConfig::default();
        let pairs = vec![
            (
                label("claim", Some("K-1")),
                decision("claim", Some("K-1"), "schaden"),
            ),
            (
                label("claim", Some("K-2")),
                decision("unknown", Some("K-2"), "posteingang"),
            ),
            (
                label("complaint", Some("K-3")),
                decision("complaint", Some("K-4"), "beschwerde"),
            ),
            (label("other", None), decision("other", None, "posteingang")),
            (label("claim", None), None),
        ];
        let r = evaluate(&inbox, &pairs);
        assert_eq!(r.documents, 4);
        assert_eq!(r.type_accuracy, 0.75);
        assert_eq!(r.match_precision, 2.0 / 3.0);
        assert_eq!(r.match_recall, 2.0 / 3.0);
        // Expected queues: schaden, schaden, beschwerde, posteingang → 3 of 4 right.
        assert_eq!(r.routing_accuracy, 0.75);
        // Dark: the first and third; only the first has the right customer.
        assert_eq!(r.dark_share, 0.5);
        assert_eq!(r.dark_precision, 0.5);
        assert_eq!(r.missing, vec!["x"]);
        assert_eq!(r.confusion["claim"]["unknown"], 1);
        assert!(r.render().contains("type macro-F1"));
        // The two wrong ones are listed: a type sent to triage, a wrong customer.
        let wrong: Vec<(&str, &str, &str)> = r
            .mistakes
            .iter()
            .map(|m| {
                (
                    m.decided_type.as_str(),
                    m.queue.as_str(),
                    m.decided_queue.as_str(),
                )
            })
            .collect();
        assert_eq!(
            wrong,
            vec![
                ("unknown", "schaden", "posteingang"),
                ("complaint", "beschwerde", "beschwerde")
            ]
        );
        assert_eq!(r.mistakes[1].decided_customer_id.as_deref(), Some("K-4"));
        assert!(r.render().contains("mistakes (2)"), "{}", r.render());
    }

    /// A labelled file of customer `c` in true case `truth`, put by intake into case
    /// `decided` as the `n`-th received item.
    fn in_case(
        file: &str,
        c: Option<&str>,
        truth: Option<&str>,
        n: i64,
        decided: Option<i64>,
    ) -> (Label, Option<Decision>) {
        let mut l = label("claim", c);
        l.file = file.into();
        l.case = truth.map(Into::into);
        let mut d = decision("claim", c, "schaden").unwrap();
        d.document_id = n;
        d.case_id = decided;
        (l, Some(d))
    }

    #[test]
    fn case_pairs_and_cross_customer_joins_are_counted() {
        let pairs = vec![
            // True case A: a, b, c; intake put a and b together, c apart.
            in_case("a", Some("K-1"), Some("A"), 1, Some(10)),
            in_case("b", Some("K-1"), Some("A"), 2, Some(10)),
            in_case("c", Some("K-1"), Some("A"), 3, Some(11)),
            // True case B (another claim of K-1) wrongly joined a's case.
            in_case("d", Some("K-1"), Some("B"), 4, Some(10)),
            // Another customer's document in case 11 (opened by c).
            in_case("e", Some("K-2"), Some("C"), 5, Some(11)),
            // No case label: not in the pairs, but still counted across customers.
            in_case("f", Some("K-3"), None, 6, Some(10)),
            // Not found.
            (label("claim", Some("K-1")), None),
        ];
        let c = case_linking(&pairs);
        assert_eq!(c.documents, 5);
        // True pairs: ab, ac, bc. Predicted: ab, ad, bd, ce. Correct: ab.
        assert_eq!(
            (c.true_pairs, c.predicted_pairs, c.correct_pairs),
            (3, 4, 1)
        );
        assert_eq!(c.pair_precision, 0.25);
        assert_eq!(c.pair_recall, 1.0 / 3.0);
        assert_eq!(
            c.missed_pairs,
            [("a".into(), "c".into()), ("b".into(), "c".into())]
        );
        assert_eq!(c.wrong_pairs.len(), 3);
        assert_eq!(c.cross_customer_joins, 2);
        let cross: Vec<(&str, &str)> = c
            .cross_customer
            .iter()
            .map(|x| (x.file.as_str(), x.case_customer_id.as_str()))
            .collect();
        assert_eq!(cross, [("e", "K-1"), ("f", "K-1")]);
        let text = c.render();
        assert!(text.contains("pair precision    0.2500 (1 of 4"), "{text}");
        assert!(
            text.contains("2 document(s) joined another customer's case"),
            "{text}"
        );
        // In the whole report and its JSON too; nothing when no label has a case.
        let report = evaluate(&InboxConfig::default(), &pairs);
        assert!(report.render().contains("case linking (5 documents"));
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["cases"]["cross_customer_joins"], 2);
        assert_eq!(json["cases"]["pair_recall"], 1.0 / 3.0);
        let plain = vec![(label("claim", None), decision("claim", None, "schaden"))];
        assert!(!evaluate(&InboxConfig::default(), &plain)
            .render()
            .contains("case linking"));
    }
}
