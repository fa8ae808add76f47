//! Understanding a case: its type ([`crate::classify`]), identifiers and customer
//! ([`crate::identify`]) and where its task goes ([`crate::inbox`]). [`Knowledge`] holds what
//! that needs (rules, formats, master data, routing config) and is built once per pipeline;
//! [`understand`] is a pure function from a case's content to an [`Understanding`].

use std::collections::HashMap;

use crate::classify::health::HealthDetector;
use crate::classify::{Classifier, ClassifyError, DocType, UNKNOWN};
use crate::config::Config;
use crate::identify::matching::{CustomerMatch, MasterIndex, MatchInput};
use crate::identify::Identifiers;
use crate::inbox;
use crate::store::{CaseContent, Contract, NewTask, Store, StoreError, Understanding};

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
        let master = MasterIndex::new(store.all_customers()?, &contracts);
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
            let c = k
                .classifier
                .classify(p.subject.as_deref().unwrap_or(""), &p.text);
            (p.id, c.type_id().to_string(), c.confidence)
        })
        .collect();
    let identifiers = k.identifiers.extract(&format!("{subject}\n{text}"));
    let customer = k
        .master
        .match_document(&MatchInput {
            identifiers: &identifiers,
            sender_emails: &case.sender_emails,
            text: &text,
        })
        .with_source_hint(case.customer_hint.as_deref(), &k.master);
    let routing = inbox::route_with_confidence(
        &k.inbox,
        classification.doc_type,
        classification.confidence,
        &customer,
        case.received_at,
    );
    let customer_id = customer.customer_id().map(str::to_string);
    let effective_date = (classification.doc_type == Some(DocType::Cancellation))
        .then(|| inbox::effective_date(&text, &identifiers))
        .flatten();
    let health_data = k.health.detect(&format!("{subject}\n{text}"), &identifiers);
    let explanation = classification.explanation();
    let doc_type = classification.type_id().to_string();
    debug_assert!(doc_type == UNKNOWN || DocType::parse(&doc_type).is_some());
    let match_reason = match &customer {
        CustomerMatch::None => "no customer found".to_string(),
        other => other.reason(),
    };
    Understanding {
        root: case.root,
        doc_type: doc_type.clone(),
        confidence: classification.confidence,
        best_type: classification.best.as_str().to_string(),
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
            doc_type_confidence: classification.confidence,
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
