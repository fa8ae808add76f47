//! Understanding a case: its type ([`crate::classify`]), identifiers and customer
//! ([`crate::identify`]) and where its task goes ([`crate::inbox`]). [`Knowledge`] holds what
//! that needs (rules, formats, master data, routing config) and is built once per pipeline;
//! [`understand`] is a pure function from a case's content to an [`Understanding`].
//! An e-invoice in the case (its XML read by [`crate::extract::einvoice`]) decides the type
//! `invoice` with the XML as the evidence, and its referenced numbers and IBAN are identifiers.

use std::collections::HashMap;

use crate::classify::health::HealthDetector;
use crate::classify::{Classifier, ClassifyError, DocType, UNKNOWN};
use crate::config::Config;
use crate::extract::EInvoice;
use crate::identify::matching::{CustomerMatch, MasterIndex, MatchInput};
use crate::identify::Identifiers;
use crate::inbox;
use crate::store::{CaseContent, CasePart, Contract, NewTask, Store, StoreError, Understanding};

#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error("classifier rules: {0}")]
    Classify(#[from] ClassifyError),
    #[error("loading master data: {0}")]
    Store(#[from] StoreError),
}

pub struct Knowledge {
    pub classifier: Classifier,
    pub identifiers: Identifiers,
    pub master: MasterIndex,
    pub inbox: crate::config::InboxConfig,
    pub health: HealthDetector,
    active_contracts: HashMap<String, Vec<Contract>>,
}

impl Knowledge {
    pub fn load(config: &Config, store: &dyn Store) -> Result<Knowledge, KnowledgeError> {
        let classifier = Classifier::from_config(&config.classify)?;
        let contracts = store.all_contracts()?;
        let master = MasterIndex::new(store.all_customers()?, &contracts, &store.all_claims()?);
        let mut active_contracts: HashMap<String, Vec<Contract>> = HashMap::new();
        for c in contracts.into_iter().filter(|c| c.status == "active") {
            active_contracts
                .entry(c.customer_id.clone())
                .or_default()
                .push(c);
        }
        Ok(Knowledge {
            classifier,
            identifiers: Identifiers::new(&config.identify),
            master,
            inbox: config.inbox.clone(),
            health: HealthDetector::new(&config.privacy),
            active_contracts,
        })
    }
}

pub fn understand(k: &Knowledge, case: &CaseContent) -> Understanding {
    let subject = case.subject.clone().unwrap_or_default();
    let text = case.text();
    let classification = k
        .classifier
        .classify_mail(&subject, &text, case.automated.as_ref());
    let part_types = case
        .parts
        .iter()
        .skip(1)
        .map(|p| {
            if p.invoice.is_some() {
                return (p.id, DocType::Invoice.as_str().to_string(), 1.0);
            }
            let c = k
                .classifier
                .classify(p.subject.as_deref().unwrap_or(""), &p.text);
            (p.id, c.type_id().to_string(), c.confidence)
        })
        .collect();
    let full = format!("{subject}\n{text}");
    let mut found = k.identifiers.extract(&full);
    let invoice = case.parts.iter().find_map(|p| p.invoice.as_ref());
    // The e-invoice's references (buyer reference, order, contract…) are searched too.
    let mut searched = full;
    if let Some(invoice) = invoice {
        let refs = invoice.reference_text();
        for id in k.identifiers.extract(&refs) {
            if !found
                .iter()
                .any(|o| o.kind == id.kind && o.value == id.value)
            {
                found.push(id);
            }
        }
        searched.push('\n');
        searched.push_str(&refs);
    }
    let (doc_type_enum, confidence, best_type, explanation) = match invoice {
        Some(invoice) => (
            Some(DocType::Invoice),
            1.0,
            DocType::Invoice.as_str().to_string(),
            einvoice_explanation(invoice, &classification.explanation()),
        ),
        None => (
            classification.doc_type,
            classification.confidence,
            classification.best.as_str().to_string(),
            classification.explanation(),
        ),
    };
    let identification = k.master.identify(&MatchInput {
        identifiers: &found,
        sender_emails: &case.sender_emails,
        text: &searched,
    });
    let identifiers = identification.identifiers;
    let customer = identification
        .customer
        .with_source_hint(case.customer_hint.as_deref(), &k.master);
    let routing = inbox::route_with_confidence(
        &k.inbox,
        doc_type_enum,
        confidence,
        &customer,
        case.received_at,
    );
    let customer_id = customer.customer_id().map(str::to_string);
    let effective_date = (doc_type_enum == Some(DocType::Cancellation))
        .then(|| inbox::effective_date(&text, &identifiers))
        .flatten();
    let health_data = k.health.detect(&format!("{subject}\n{text}"), &identifiers);
    let doc_type = doc_type_enum.map_or(UNKNOWN, DocType::as_str).to_string();
    debug_assert!(doc_type == UNKNOWN || DocType::parse(&doc_type).is_some());
    let match_reason = match &customer {
        CustomerMatch::None => "no customer found".to_string(),
        other => other.reason(),
    };
    Understanding {
        root: case.root,
        doc_type: doc_type.clone(),
        confidence,
        best_type,
        explanation: explanation.clone(),
        part_types,
        identifiers: identifiers.clone(),
        customer_id: customer_id.clone(),
        match_confidence: customer.confidence(),
        match_reason: match_reason.clone(),
        health_data: health_data.clone(),
        task: NewTask {
            queue: routing.queue,
            priority: routing.priority,
            due_at: routing.due_at,
            doc_type,
            doc_type_confidence: confidence,
            explanation,
            contracts: customer_id
                .as_ref()
                .and_then(|c| k.active_contracts.get(c))
                .cloned()
                .unwrap_or_default(),
            customer_id,
            match_reason,
            routing_reason: routing.reason,
            identifiers,
            effective_date,
            health_data: health_data.is_some(),
        },
    }
}

/// What is recorded when understanding a case did not finish (`why`): nothing is read from
/// the content, the customer only if the source named one, and the case goes to manual triage
/// with the reason as its explanation.
pub fn not_understood(k: &Knowledge, case: &CaseContent, why: &str) -> Understanding {
    let bare = CaseContent {
        root: case.root,
        received_at: case.received_at,
        subject: None,
        sender_emails: Vec::new(),
        customer_hint: case.customer_hint.clone(),
        automated: None,
        parts: case
            .parts
            .iter()
            .map(|p| CasePart {
                id: p.id,
                subject: None,
                text: String::new(),
                invoice: None,
            })
            .collect(),
    };
    let mut u = understand(k, &bare);
    u.doc_type = UNKNOWN.to_string();
    u.confidence = 0.0;
    u.explanation = why.to_string();
    u.task.queue = k.inbox.triage_queue.clone();
    u.task.doc_type = UNKNOWN.to_string();
    u.task.doc_type_confidence = 0.0;
    u.task.explanation = why.to_string();
    u.task.routing_reason = why.to_string();
    u
}

/// The type's explanation when an e-invoice decides it: what the XML is, where it was found,
/// its number, date and seller; then what the text alone would have said.
fn einvoice_explanation(invoice: &EInvoice, text_alone: &str) -> String {
    let mut what = format!("invoice 1.00 by e-invoice XML: {}", invoice.kind());
    if invoice.source != "xml" {
        what.push_str(&format!(" in {}", invoice.source));
    }
    what.push_str(&format!(", number {}", invoice.number));
    if let Some(date) = invoice.issue_date {
        what.push_str(&format!(" of {date}"));
    }
    if let Some(seller) = &invoice.seller.name {
        what.push_str(&format!(" from {seller}"));
    }
    format!("{what}; text alone: {text_alone}")
}
