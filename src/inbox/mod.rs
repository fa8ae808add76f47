//! The central inbox: where a case goes (queue, priority, due date from the SLA, counted from
//! receipt) and what its task carries. Routing is a pure function of the document type, the
//! customer match and the config; a task that cannot be routed safely goes to manual triage.

pub mod templates;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::classify::{DocType, UNKNOWN};
use crate::config::{InboxConfig, Priority, Sla};
use crate::identify::matching::CustomerMatch;
use crate::identify::{IdKind, Identifier};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Routing {
    pub queue: String,
    pub priority: Priority,
    pub due_at: DateTime<Utc>,
    /// Why this queue, in words.
    pub reason: String,
}

/// Open → claimed → done; the ids are a public interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Open,
    Claimed,
    Done,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Open => "open",
            TaskStatus::Claimed => "claimed",
            TaskStatus::Done => "done",
        }
    }
    pub fn parse(s: &str) -> Option<TaskStatus> {
        [TaskStatus::Open, TaskStatus::Claimed, TaskStatus::Done]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

/// Where a case goes, given how sure the type is: a type below its routing threshold
/// (`[inbox] route_thresholds`, default the classification threshold) goes to manual triage
/// with the type suggested, so only confident decisions reach a department untouched.
pub fn route_with_confidence(
    config: &InboxConfig,
    doc_type: Option<DocType>,
    confidence: f32,
    customer: &CustomerMatch,
    received_at: DateTime<Utc>,
) -> Routing {
    let mut routing = route(config, doc_type, customer, received_at);
    let Some(t) = doc_type else { return routing };
    let needed = config.route_thresholds.get(t.as_str()).copied();
    if let Some(needed) = needed.filter(|n| confidence < *n) {
        if routing.queue != config.triage_queue {
            routing.reason = format!(
                "{t} at confidence {confidence:.2}, below its routing threshold {needed:.2}: \
                 manual triage with the type suggested"
            );
            routing.queue = config.triage_queue.clone();
        }
    }
    routing
}

/// Where a case goes.
pub fn route(
    config: &InboxConfig,
    doc_type: Option<DocType>,
    customer: &CustomerMatch,
    received_at: DateTime<Utc>,
) -> Routing {
    let type_id = doc_type.map_or(UNKNOWN, DocType::as_str);
    let routed = doc_type.and_then(|t| config.routes.get(t.as_str()));
    let trusted_customer = customer
        .confidence()
        .is_some_and(|c| c >= config.min_match_confidence);
    let (queue, reason) = match (doc_type, routed) {
        (None, _) => (
            config.triage_queue.clone(),
            "type unknown (confidence below the threshold): manual triage".to_string(),
        ),
        (Some(t), None) => (
            config.triage_queue.clone(),
            format!("no route configured for {t}: manual triage"),
        ),
        // A prospect's application has no customer yet; sales takes it as it is.
        (Some(DocType::Application), Some(q)) => (q.clone(), "application → sales".into()),
        (Some(t), Some(q)) if trusted_customer => (q.clone(), format!("{t} → {q}")),
        (Some(t), Some(_)) => (
            config.triage_queue.clone(),
            format!(
                "{t}, but the customer is not certain ({}): manual triage",
                customer.reason()
            ),
        ),
    };
    let sla = config.sla.get(type_id).copied().unwrap_or(Sla {
        priority: Priority::Normal,
        due_hours: 72,
    });
    Routing {
        queue,
        priority: sla.priority,
        due_at: received_at + Duration::hours(sla.due_hours as i64),
        reason,
    }
}

/// Appends tasks to the outbox (one JSON object per line, schema in docs/tasks.md) and syncs.
/// Delivery is at least once: a consumer de-duplicates by task `id`.
pub fn append_outbox(path: &std::path::Path, tasks: &[crate::store::Task]) -> std::io::Result<()> {
    use std::io::Write;
    if tasks.is_empty() {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut buf = Vec::new();
    for t in tasks {
        serde_json::to_writer(&mut buf, t)?;
        buf.push(b'\n');
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(&buf)?;
    f.sync_data()
}

/// The date a cancellation takes effect, if the text states it ("zum 31.12.2026").
pub fn effective_date(text: &str, identifiers: &[Identifier]) -> Option<NaiveDate> {
    let lower = text.to_lowercase();
    identifiers
        .iter()
        .filter(|i| i.kind == IdKind::Date && !i.document_date)
        .find(|i| {
            lower
                .find(&i.raw.to_lowercase())
                .is_some_and(|at| lower[..at].trim_end().ends_with("zum"))
        })
        .and_then(|i| NaiveDate::parse_from_str(&i.value, "%Y-%m-%d").ok())
}

/// Every queue tasks can be in: the routing targets, the triage queue, and the further queues
/// impulse rules list tasks in (e.g. `retention`). Sorted.
pub fn queues(config: &crate::config::Config) -> Vec<String> {
    let mut qs: Vec<String> = config.inbox.routes.values().cloned().collect();
    qs.push(config.inbox.triage_queue.clone());
    if let Ok(rules) =
        crate::impulses::ImpulseRules::from_config(&config.impulses, &config.classify)
    {
        qs.extend(rules.rules().iter().filter_map(|r| r.also_queue.clone()));
    }
    qs.sort();
    qs.dedup();
    qs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::IdentifyConfig;
    use crate::identify::Identifiers;

    fn unique(conf: f32) -> CustomerMatch {
        CustomerMatch::Unique {
            customer_id: "K-100001".into(),
            confidence: conf,
            reason: "contract".into(),
        }
    }

    #[test]
    fn every_type_goes_to_its_queue() {
        let c = InboxConfig::default();
        let t0 = Utc::now();
        let expected = [
            (DocType::Claim, "schaden"),
            (DocType::Invoice, "schaden"),
            (DocType::AddressChange, "bestand"),
            (DocType::BankDetailsChange, "bestand"),
            (DocType::ContractChange, "bestand"),
            (DocType::Cancellation, "bestand"),
            (DocType::Complaint, "beschwerde"),
            (DocType::Application, "vertrieb"),
            (DocType::DeathNotice, "leben"),
            (DocType::Other, "posteingang"),
        ];
        for (t, q) in expected {
            assert_eq!(route(&c, Some(t), &unique(0.99), t0).queue, q, "{t}");
        }
    }

    #[test]
    fn unknown_type_and_uncertain_customer_go_to_triage() {
        let c = InboxConfig::default();
        let t0 = Utc::now();
        assert_eq!(route(&c, None, &unique(0.99), t0).queue, "posteingang");
        assert_eq!(
            route(&c, Some(DocType::Claim), &CustomerMatch::None, t0).queue,
            "posteingang"
        );
        let amb = CustomerMatch::Ambiguous {
            candidates: vec!["K-1".into(), "K-2".into()],
            reason: "name only".into(),
        };
        let r = route(&c, Some(DocType::Cancellation), &amb, t0);
        assert_eq!(r.queue, "posteingang");
        assert!(r.reason.contains("not certain"), "{}", r.reason);
        assert_eq!(
            route(&c, Some(DocType::Claim), &unique(0.5), t0).queue,
            "posteingang"
        );
        // A prospect's application needs no customer.
        assert_eq!(
            route(&c, Some(DocType::Application), &CustomerMatch::None, t0).queue,
            "vertrieb"
        );
    }

    #[test]
    fn a_type_below_its_routing_threshold_waits_for_a_person() {
        let mut c = InboxConfig::default();
        c.route_thresholds.insert("complaint".into(), 0.9);
        let t0 = Utc::now();
        let r = route_with_confidence(&c, Some(DocType::Complaint), 0.85, &unique(0.99), t0);
        assert_eq!(r.queue, "posteingang");
        assert!(r.reason.contains("routing threshold 0.90"), "{}", r.reason);
        // The SLA of the suggested type still applies.
        assert_eq!(r.priority, Priority::Urgent);
        let r = route_with_confidence(&c, Some(DocType::Complaint), 0.92, &unique(0.99), t0);
        assert_eq!(r.queue, "beschwerde");
        // Types without a threshold of their own route as before.
        let r = route_with_confidence(&c, Some(DocType::Claim), 0.61, &unique(0.99), t0);
        assert_eq!(r.queue, "schaden");
    }

    #[test]
    fn due_date_counts_from_receipt() {
        let c = InboxConfig::default();
        let t0 = "2026-03-02T08:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let r = route(&c, Some(DocType::Complaint), &unique(0.99), t0);
        assert_eq!(r.priority, Priority::Urgent);
        assert_eq!(r.due_at, t0 + Duration::hours(24));
        let r = route(&c, Some(DocType::Invoice), &unique(0.99), t0);
        assert_eq!(r.due_at, t0 + Duration::hours(120));
    }

    #[test]
    fn cancellation_effective_date() {
        let text = "Hamburg, 02.03.2026\nHiermit kündige ich meinen Vertrag zum 31.12.2026.";
        let ids = Identifiers::new(&IdentifyConfig::default()).extract(text);
        assert_eq!(
            effective_date(text, &ids),
            NaiveDate::from_ymd_opt(2026, 12, 31)
        );
        let ids =
            Identifiers::new(&IdentifyConfig::default()).extract("Kündigung, Hamburg, 02.03.2026");
        assert_eq!(effective_date("Kündigung, Hamburg, 02.03.2026", &ids), None);
    }
}
