//! The SQL of cases ([`crate::cases`]): routing received items into cases (one transaction per
//! batch, on the finish thread), the look-ups linking needs (indexed: `case_keys(kind, value)`,
//! `cases(customer_id, doc_type, last_document_at)`), split, merge, process steps and impulse
//! outcomes on tasks, and the impulse report. Decisions are made by `crate::cases`; this file
//! only reads facts and writes results.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, OptionalExtension, Row, Transaction};

use super::case_lookups::{candidates, clean_message_id, common_words, concern_of, insert_keys};
use super::{event, insert_task, json, now, parse_time, row_to_task, task_event, SqliteStore};
use crate::cases::link::{concern_numbers, NamedClaim};
use crate::cases::{
    raised, CaseDoc, CaseDocument, CaseError, CaseEvent, CaseId, CaseRules, CaseStatus, CaseStore,
    CaseView, Decision, TaskCaseInfo,
};
use crate::identify::keys::number_key;
use crate::identify::{IdKind, Identifier};
use crate::impulses::{Evaluation, ImpulseInput, ImpulseOutcome, RuleCounts, TaskImpulse};
use crate::inbox::templates::find_step;
use crate::inbox::TaskStatus;
use crate::model::{DocStatus, DocumentId, TaskId};
use crate::store::{NewTask, StoreError, Task, TaskChange, TaskError};

pub(super) const MIGRATION: &str = r#"
CREATE TABLE cases (
    id               INTEGER PRIMARY KEY,
    customer_id      TEXT,
    doc_type         TEXT NOT NULL,
    task_id          INTEGER REFERENCES tasks(id),
    merged_into      INTEGER REFERENCES cases(id),
    created_at       TEXT NOT NULL,
    last_document_at TEXT NOT NULL
);
CREATE INDEX cases_window ON cases(customer_id, doc_type, last_document_at)
    WHERE merged_into IS NULL;
CREATE INDEX cases_task ON cases(task_id);
CREATE TABLE case_keys (
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    PRIMARY KEY (kind, value, document_id)
) WITHOUT ROWID;
CREATE INDEX case_keys_case ON case_keys(case_id);
CREATE TABLE case_events (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    document_id INTEGER,
    detail      TEXT
);
CREATE INDEX case_events_case ON case_events(case_id);
ALTER TABLE documents ADD COLUMN case_id INTEGER;
CREATE INDEX documents_case ON documents(case_id) WHERE case_id IS NOT NULL;
ALTER TABLE tasks ADD COLUMN case_id INTEGER;
ALTER TABLE tasks ADD COLUMN new_documents TEXT NOT NULL DEFAULT '[]';
ALTER TABLE tasks ADD COLUMN reminders INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN also_queues TEXT NOT NULL DEFAULT '[]';
ALTER TABLE tasks ADD COLUMN impulses TEXT NOT NULL DEFAULT '[]';
ALTER TABLE tasks ADD COLUMN impulse_suppression TEXT;
ALTER TABLE tasks ADD COLUMN steps TEXT NOT NULL DEFAULT '[]';
CREATE INDEX tasks_customer_type ON tasks(customer_id, doc_type, status);
ALTER TABLE customers ADD COLUMN advertising_objection INTEGER NOT NULL DEFAULT 0;
-- Tasks from before cases: one case each (case id = task id), with their Message-IDs.
INSERT INTO cases (id, customer_id, doc_type, task_id, created_at, last_document_at)
    SELECT t.id, t.customer_id, t.doc_type, t.id, t.created_at, d.received_at
    FROM tasks t JOIN documents d ON d.id = t.root_document_id;
UPDATE tasks SET case_id = id;
UPDATE documents SET case_id = task_id WHERE task_id IS NOT NULL;
INSERT INTO case_events (case_id, at, actor, action, document_id, detail)
    SELECT id, created_at, 'intake', 'created', root_document_id, 'task from before cases'
    FROM tasks;
INSERT OR IGNORE INTO case_keys (kind, value, document_id, case_id)
    SELECT 'message_id', json_extract(email, '$.message_id'), id, case_id FROM documents
    WHERE parent_id IS NULL AND case_id IS NOT NULL
      AND json_extract(email, '$.message_id') IS NOT NULL;
"#;

fn json_col<T: serde::de::DeserializeOwned + Default>(
    row: &Row,
    name: &str,
) -> rusqlite::Result<T> {
    Ok(serde_json::from_str(&row.get::<_, String>(name)?).unwrap_or_default())
}

/// The case columns of a `tasks` row.
pub(super) fn task_case_info(row: &Row) -> rusqlite::Result<TaskCaseInfo> {
    Ok(TaskCaseInfo {
        case_id: row.get::<_, Option<i64>>("case_id")?.map(CaseId),
        new_documents: json_col(row, "new_documents")?,
        reminders: row.get("reminders")?,
        also_queues: json_col(row, "also_queues")?,
        impulses: json_col(row, "impulses")?,
        impulse_suppression: row.get("impulse_suppression")?,
        steps: json_col(row, "steps")?,
    })
}

/// A clerk acted on a task: what arrived since is seen; a corrected type or customer is the
/// case's too (time-window linking compares them).
pub(super) fn after_clerk_action(
    tx: &Transaction,
    task: &Task,
    change: &TaskChange,
) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE tasks SET new_documents = '[]' WHERE id = ?1",
        params![task.id.0],
    )?;
    if let TaskChange::Correct {
        doc_type,
        customer_id,
    } = change
    {
        tx.execute(
            "UPDATE cases SET doc_type = COALESCE(?2, doc_type),
                customer_id = COALESCE(?3, customer_id) WHERE task_id = ?1",
            params![task.id.0, doc_type, customer_id],
        )?;
    }
    Ok(())
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn case_event(
    tx: &Transaction,
    case: i64,
    actor: &str,
    action: &str,
    document: Option<i64>,
    detail: Option<&str>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO case_events (case_id, at, actor, action, document_id, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![case, now(), actor, action, document, detail])?;
    Ok(())
}

fn load_task(tx: &Transaction, id: i64) -> rusqlite::Result<Task> {
    tx.prepare_cached("SELECT * FROM tasks WHERE id = ?1")?
        .query_row(params![id], row_to_task)
}

/// Writes the mutable case columns of a task back.
fn save_task(tx: &Transaction, t: &Task) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE tasks SET documents = ?2, new_documents = ?3, priority = ?4, reminders = ?5,
            also_queues = ?6, impulses = ?7, impulse_suppression = ?8, steps = ?9,
            case_id = ?10, updated_at = ?11, outbox_written = 0, health_data = ?12
         WHERE id = ?1",
    )?
    .execute(params![
        t.id.0,
        json(&t.documents),
        json(&t.case.new_documents),
        t.spec.priority.as_str(),
        t.case.reminders,
        json(&t.case.also_queues),
        json(&t.case.impulses),
        t.case.impulse_suppression,
        json(&t.case.steps),
        t.case.case_id.map(|c| c.0),
        now(),
        t.spec.health_data,
    ])?;
    Ok(())
}

/// What routing needs of a received item.
struct Pending {
    spec: NewTask,
    doc: CaseDoc,
    /// The item and its attachments (not quarantined).
    members: Vec<i64>,
    text: String,
}

fn pending(
    tx: &Transaction,
    root: DocumentId,
    rules: &CaseRules,
    common: &BTreeSet<String>,
) -> Result<Option<Pending>, StoreError> {
    /// pending_task, task_id, received_at, email, subject
    type PendingRow = (
        Option<String>,
        Option<i64>,
        String,
        Option<String>,
        Option<String>,
    );
    let row: Option<PendingRow> = tx
        .prepare_cached(
            "SELECT pending_task, task_id, received_at, email, subject FROM documents WHERE id = ?1",
        )?
        .query_row(params![root.0], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let Some((Some(spec), None, received_at, email, subject)) = row else {
        return Ok(None);
    };
    let spec: NewTask = serde_json::from_str(&spec)
        .map_err(|e| StoreError::Inconsistent(format!("pending task of document {root}: {e}")))?;
    let mut members = Vec::new();
    let email_subject = subject.clone();
    let mut text = subject.unwrap_or_default();
    let mut stmt = tx.prepare_cached(
        "SELECT id, text FROM documents WHERE root_id = ?1 AND status <> 'quarantined' ORDER BY id",
    )?;
    for row in stmt.query_map(params![root.0], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?))
    })? {
        let (id, t) = row?;
        members.push(id);
        text.push('\n');
        text.push_str(t.as_deref().unwrap_or(""));
    }
    let email: Option<crate::extract::EmailMeta> =
        email.and_then(|e| serde_json::from_str(&e).ok());
    let (claims, contracts) = concern_numbers_of(tx, &spec.identifiers)?;
    let reminder = rules.reminders.detect(&spec.doc_type, &text);
    let mut doc = CaseDoc {
        received_at: parse_time(&received_at),
        customer_id: spec.customer_id.clone(),
        doc_type: spec.doc_type.clone(),
        message_id: email
            .as_ref()
            .and_then(|e| e.message_id.as_deref())
            .and_then(clean_message_id),
        replies_to: email
            .iter()
            .flat_map(|e| e.in_reply_to.iter().chain(&e.references))
            .filter_map(|m| clean_message_id(m))
            .collect(),
        claims,
        contracts,
        objects: crate::cases::concern::plates(&text),
        automated: email.as_ref().is_some_and(|e| e.automated.is_some()),
        reminder: reminder.is_some(),
        ..CaseDoc::default()
    };
    concern_of(
        tx,
        &mut doc,
        rules,
        email_subject.as_deref(),
        &text,
        reminder,
        common,
    )?;
    Ok(Some(Pending {
        spec,
        doc,
        members,
        text,
    }))
}

/// The claim and contract numbers a routed item is about ([`concern_numbers`]): its valid claim
/// numbers with their contracts from the `claims` master data, and its contract numbers — those
/// found in master data when there are any (a configured layout also matches other numbers,
/// e.g. a commercial register entry), else every valid one.
fn concern_numbers_of(
    tx: &Transaction,
    identifiers: &[Identifier],
) -> rusqlite::Result<(Vec<String>, Vec<String>)> {
    let mut claims = Vec::new();
    for i in identifiers
        .iter()
        .filter(|i| i.kind == IdKind::ClaimNumber && i.valid)
    {
        let contract = match &i.master_id {
            Some(m) => tx
                .prepare_cached("SELECT contract_id FROM claims WHERE claim_id = ?1")?
                .query_row(params![m], |r| r.get::<_, Option<String>>(0))
                .optional()?
                .flatten()
                .map(|k| number_key(&k))
                .filter(|k| !k.is_empty()),
            None => None,
        };
        claims.push(NamedClaim {
            number: i.value.clone(),
            contract,
        });
    }
    let contracts: Vec<&Identifier> = identifiers
        .iter()
        .filter(|i| i.kind == IdKind::ContractNumber && i.valid)
        .collect();
    let known = contracts.iter().any(|i| i.master_id.is_some());
    let named: Vec<String> = contracts
        .iter()
        .filter(|i| !known || i.master_id.is_some())
        .map(|i| i.value.clone())
        .collect();
    Ok(concern_numbers(&claims, &named))
}

/// The impulses for a routed item (customer facts read here, the decision in `impulses`).
fn evaluate_impulses(
    tx: &Transaction,
    p: &Pending,
    rules: &CaseRules,
) -> rusqlite::Result<Evaluation> {
    let (objection, open_complaint) = match &p.spec.customer_id {
        Some(c) => (
            tx.prepare_cached(
                "SELECT advertising_objection FROM customers WHERE customer_id = ?1",
            )?
            .query_row(params![c], |r| r.get::<_, bool>(0))
            .optional()?
            .unwrap_or(false),
            tx.prepare_cached(
                "SELECT 1 FROM tasks WHERE customer_id = ?1 AND doc_type = 'complaint'
                   AND status <> 'done' LIMIT 1",
            )?
            .query_row(params![c], |_| Ok(()))
            .optional()?
            .is_some(),
        ),
        // Impulses need a customer: rules are about their contracts.
        None => return Ok(Evaluation::Impulses(Vec::new())),
    };
    let products: Vec<&str> = p
        .spec
        .contracts
        .iter()
        .filter(|c| c.status == "active")
        .map(|c| c.product.as_str())
        .collect();
    Ok(rules.impulses.evaluate(&ImpulseInput {
        doc_type: &p.spec.doc_type,
        products: &products,
        text: &p.text,
        health_data: p.spec.health_data,
        advertising_objection: objection,
        open_complaint,
    }))
}

/// Adds an evaluation's impulses (new rules only) or its suppression to a task.
fn apply_impulses(task: &mut Task, evaluation: Evaluation, document: DocumentId) {
    match evaluation {
        Evaluation::Impulses(list) => {
            for i in list {
                if task.case.impulses.iter().any(|x| x.rule == i.rule) {
                    continue;
                }
                if let Some(q) = &i.also_queue {
                    if !task.case.also_queues.contains(q) && *q != task.spec.queue {
                        task.case.also_queues.push(q.clone());
                    }
                }
                task.case.impulses.push(TaskImpulse {
                    rule: i.rule,
                    text: i.text,
                    document_id: document,
                    outcome: None,
                    outcome_by: None,
                    outcome_at: None,
                });
            }
        }
        Evaluation::Suppressed { reason, rules } => {
            task.case.impulse_suppression =
                Some(format!("{reason} (rules withheld: {})", rules.join(", ")));
        }
    }
}

fn members_json_union(a: &[DocumentId], b: &[i64]) -> Vec<DocumentId> {
    let mut v: Vec<DocumentId> = a.to_vec();
    v.extend(b.iter().map(|&i| DocumentId(i)));
    v.sort();
    v.dedup();
    v
}

fn route_one(
    tx: &Transaction,
    root: DocumentId,
    rules: &CaseRules,
    common: &BTreeSet<String>,
) -> Result<Option<TaskId>, StoreError> {
    let Some(p) = pending(tx, root, rules, common)? else {
        return Ok(None);
    };
    let found = candidates(tx, &p.doc, &rules.linking, common)?;
    let decision = rules.linking.decide(&p.doc, &found);
    let evaluation = evaluate_impulses(tx, &p, rules)?;
    let received = time(p.doc.received_at);
    let (case_id, mut task) = match &decision {
        Decision::NewCase => {
            let mut spec = p.spec.clone();
            if p.doc.reminder {
                spec.priority = raised(spec.priority);
            }
            let task_id = insert_task(tx, root, &spec, &p.members)?;
            tx.prepare_cached(
                "INSERT INTO cases (customer_id, doc_type, task_id, created_at, last_document_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                spec.customer_id,
                spec.doc_type,
                task_id.0,
                now(),
                received
            ])?;
            let case_id = tx.last_insert_rowid();
            case_event(tx, case_id, "intake", "created", Some(root.0), None)?;
            let mut task = load_task(tx, task_id.0)?;
            task.case.case_id = Some(CaseId(case_id));
            task.case.steps = rules.templates.steps_for(&spec.doc_type);
            (case_id, task)
        }
        Decision::Join { case_id, reason } => {
            let task_id: i64 = tx
                .prepare_cached("SELECT task_id FROM cases WHERE id = ?1")?
                .query_row(params![case_id.0], |r| r.get(0))?;
            let mut task = load_task(tx, task_id)?;
            // A complaint joining a claim handled elsewhere stays visible to its own
            // department: the task is listed in that queue too.
            let own = &p.spec.queue;
            if *own != task.spec.queue
                && *own != rules.triage_queue
                && !task.case.also_queues.contains(own)
            {
                task.case.also_queues.push(own.clone());
            }
            // A case with health data in it is health data as a whole.
            task.spec.health_data |= p.spec.health_data;
            task.documents = members_json_union(&task.documents, &p.members);
            if !task.case.new_documents.contains(&root) {
                task.case.new_documents.push(root);
            }
            tx.prepare_cached("UPDATE documents SET task_id = ?2 WHERE root_id = ?1")?
                .execute(params![root.0, task_id])?;
            // Indexed under its own routing; the case's task may sit in another queue.
            super::mark_index_pending(tx, root)?;
            tx.prepare_cached(
                "UPDATE cases SET last_document_at = MAX(last_document_at, ?2) WHERE id = ?1",
            )?
            .execute(params![case_id.0, received])?;
            let detail = reason.to_string();
            case_event(
                tx,
                case_id.0,
                "intake",
                "linked",
                Some(root.0),
                Some(&detail),
            )?;
            task_event(
                tx,
                task.id,
                "intake",
                "document_added",
                Some(&format!("document {root}: {detail}")),
            )?;
            if p.doc.reminder {
                let before = task.spec.priority;
                task.spec.priority = raised(before);
                task_event(
                    tx,
                    task.id,
                    "intake",
                    "reminder",
                    Some(&format!(
                        "document {root}; priority {} → {}",
                        before.as_str(),
                        task.spec.priority.as_str()
                    )),
                )?;
            }
            (case_id.0, task)
        }
    };
    if p.doc.reminder {
        task.case.reminders += 1;
        case_event(tx, case_id, "intake", "reminder", Some(root.0), None)?;
    }
    apply_impulses(&mut task, evaluation, root);
    if !task.case.also_queues.is_empty() {
        // Indexed before routing: the further queues (e.g. `retention`) must reach the index's
        // access filter too.
        super::mark_index_pending(tx, root)?;
    }
    save_task(tx, &task)?;
    tx.prepare_cached("UPDATE documents SET case_id = ?2 WHERE root_id = ?1")?
        .execute(params![root.0, case_id])?;
    insert_keys(tx, &p.doc, root.0, case_id)?;
    tracing::debug!(document = %root, case = case_id, ?decision, "routed into a case");
    Ok(Some(task.id))
}

/// A `cases` row.
struct CaseRow {
    customer_id: Option<String>,
    doc_type: String,
    task_id: Option<i64>,
    merged_into: Option<i64>,
    created_at: String,
    last_document_at: String,
}

fn case_row(conn: &rusqlite::Connection, id: CaseId) -> rusqlite::Result<Option<CaseRow>> {
    conn.prepare_cached(
        "SELECT customer_id, doc_type, task_id, merged_into, created_at, last_document_at
         FROM cases WHERE id = ?1",
    )?
    .query_row(params![id.0], |r| {
        Ok(CaseRow {
            customer_id: r.get(0)?,
            doc_type: r.get(1)?,
            task_id: r.get(2)?,
            merged_into: r.get(3)?,
            created_at: r.get(4)?,
            last_document_at: r.get(5)?,
        })
    })
    .optional()
}

/// An open case with a task, or why not.
fn open_case(tx: &Transaction, id: CaseId) -> Result<Task, CaseError> {
    let Some(row) = case_row(tx, id)? else {
        return Err(CaseError::NotFound(id));
    };
    let invalid = |message: String| CaseError::Invalid { id, message };
    if let Some(m) = row.merged_into {
        return Err(invalid(format!("was merged into case {m}")));
    }
    let task = row.task_id.ok_or_else(|| invalid("has no task".into()))?;
    Ok(load_task(tx, task)?)
}

impl SqliteStore {
    /// A clerk's change to a task's case columns in one transaction: `change` edits the task
    /// and returns the event detail, or why it is refused. What arrived before is seen.
    fn edit_task(
        &self,
        task: TaskId,
        actor: &str,
        action: &str,
        change: impl FnOnce(&mut Task) -> Result<String, String>,
    ) -> Result<Task, TaskError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(StoreError::from)?;
        let mut t = load_task(&tx, task.0)
            .optional()
            .map_err(StoreError::from)?
            .ok_or(TaskError::NotFound(task))?;
        let detail = change(&mut t).map_err(|message| TaskError::Invalid { id: task, message })?;
        t.case.new_documents.clear();
        let r: rusqlite::Result<Task> = (|| {
            save_task(&tx, &t)?;
            task_event(&tx, task, actor, action, Some(&detail))?;
            load_task(&tx, task.0)
        })();
        let updated = r.map_err(StoreError::from)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(updated)
    }
}

impl CaseStore for SqliteStore {
    fn route_cases(
        &self,
        roots: &[DocumentId],
        rules: &CaseRules,
    ) -> Result<Vec<TaskId>, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let mut changed = Vec::new();
        // In receipt order, so the earlier document opens the case whatever order the
        // extraction workers finished in.
        let mut roots = roots.to_vec();
        roots.sort();
        // Words in most customers' recent mail (the insurer's own address, a form's text)
        // say nothing about a concern; read once per batch.
        let common = if rules.linking.enabled {
            rules.common_words.get(roots.len(), || common_words(&tx))?
        } else {
            Default::default()
        };
        for root in &roots {
            changed.extend(route_one(&tx, *root, rules, &common)?);
            tx.prepare_cached(
                "UPDATE documents SET status = 'routed'
                 WHERE root_id = ?1 AND status IN ('received', 'extracted', 'classified', 'indexed')",
            )?
            .execute(params![root.0])?;
            event(&tx, *root, DocStatus::Routed, None)?;
        }
        tx.commit()?;
        changed.sort();
        changed.dedup();
        Ok(changed)
    }

    fn case_view(&self, id: CaseId) -> Result<Option<CaseView>, StoreError> {
        let conn = self.lock();
        let Some(row) = case_row(&conn, id)? else {
            return Ok(None);
        };
        let merged = row.merged_into;
        let task = match row.task_id {
            Some(t) => conn
                .prepare_cached("SELECT * FROM tasks WHERE id = ?1")?
                .query_row(params![t], row_to_task)
                .optional()?,
            None => None,
        };
        let history = conn
            .prepare_cached(
                "SELECT at, actor, action, document_id, detail FROM case_events
                 WHERE case_id = ?1 ORDER BY id",
            )?
            .query_map(params![id.0], |r| {
                Ok(CaseEvent {
                    at: parse_time(&r.get::<_, String>(0)?),
                    actor: r.get(1)?,
                    action: r.get(2)?,
                    document_id: r.get::<_, Option<i64>>(3)?.map(DocumentId),
                    detail: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let linked_by = |doc: DocumentId| {
            history
                .iter()
                .rev()
                .find(|e| {
                    e.document_id == Some(doc)
                        && matches!(e.action.as_str(), "linked" | "split_from" | "merged_from")
                })
                .and_then(|e| e.detail.clone())
        };
        let documents = conn
            .prepare_cached(
                "SELECT id, received_at, channel, doc_type, subject, filename FROM documents
                 WHERE case_id = ?1 AND parent_id IS NULL ORDER BY received_at, id",
            )?
            .query_map(params![id.0], |r| {
                Ok(CaseDocument {
                    document_id: DocumentId(r.get(0)?),
                    received_at: parse_time(&r.get::<_, String>(1)?),
                    channel: r.get(2)?,
                    doc_type: r.get(3)?,
                    subject: r.get(4)?,
                    filename: r.get(5)?,
                    linked_by: None,
                })
            })?
            .map(|d| {
                d.map(|mut d| {
                    d.linked_by = linked_by(d.document_id);
                    d
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let status = match (merged, &task) {
            (Some(_), _) => CaseStatus::Merged,
            (None, Some(t)) if t.status == TaskStatus::Done => CaseStatus::Closed,
            _ => CaseStatus::Open,
        };
        Ok(Some(CaseView {
            id,
            status,
            merged_into: merged.map(CaseId),
            customer_id: row.customer_id,
            doc_type: row.doc_type,
            created_at: parse_time(&row.created_at),
            last_document_at: parse_time(&row.last_document_at),
            task,
            documents,
            history,
        }))
    }

    fn case_ids(&self, customer: Option<&str>, open_only: bool) -> Result<Vec<CaseId>, StoreError> {
        let conn = self.lock();
        let ids = conn
            .prepare_cached(
                "SELECT c.id FROM cases c LEFT JOIN tasks t ON t.id = c.task_id
                 WHERE (?1 IS NULL OR c.customer_id = ?1)
                   AND (?2 = 0 OR (c.merged_into IS NULL AND t.status <> 'done'))
                 ORDER BY c.last_document_at DESC, c.id DESC",
            )?
            .query_map(params![customer, open_only], |r| r.get(0).map(CaseId))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ids)
    }

    fn split_case(
        &self,
        id: CaseId,
        documents: &[DocumentId],
        reason: &str,
        actor: &str,
        rules: &CaseRules,
    ) -> Result<CaseId, CaseError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let mut old_task = open_case(&tx, id)?;
        let invalid = |message: String| CaseError::Invalid { id, message };
        let mut moved: Vec<DocumentId> = documents.to_vec();
        moved.sort();
        moved.dedup();
        let Some(&first) = moved.first() else {
            return Err(invalid("name the documents to split off".into()));
        };
        let mut received = Vec::new();
        for d in &moved {
            let row: Option<(Option<i64>, Option<i64>, String)> = tx
                .query_row(
                    "SELECT case_id, parent_id, received_at FROM documents WHERE id = ?1",
                    params![d.0],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            match row {
                Some((Some(c), None, at)) if c == id.0 => received.push(at),
                _ => {
                    return Err(invalid(format!(
                        "document {d} is not a received item of this case"
                    )))
                }
            }
            if *d == old_task.root_document_id {
                return Err(invalid(format!(
                    "document {d} opened the case; split the other documents off instead"
                )));
            }
        }
        let spec: NewTask = tx
            .query_row(
                "SELECT pending_task FROM documents WHERE id = ?1",
                params![first.0],
                |r| r.get::<_, Option<String>>(0),
            )?
            .and_then(|s| serde_json::from_str(&s).ok())
            .ok_or_else(|| {
                invalid(format!(
                    "document {first} has no routing to start a task from"
                ))
            })?;
        let mut members = Vec::new();
        for d in &moved {
            let mut stmt = tx.prepare_cached(
                "SELECT id FROM documents WHERE root_id = ?1 AND status <> 'quarantined' ORDER BY id",
            )?;
            for m in stmt.query_map(params![d.0], |r| r.get::<_, i64>(0))? {
                members.push(m?);
            }
        }
        let new_task_id = insert_task(&tx, first, &spec, &members)?;
        let last = received.iter().max().cloned().unwrap_or_else(now);
        tx.execute(
            "INSERT INTO cases (customer_id, doc_type, task_id, created_at, last_document_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![spec.customer_id, spec.doc_type, new_task_id.0, now(), last],
        )?;
        let new_case = tx.last_insert_rowid();
        for d in &moved {
            tx.execute(
                "UPDATE documents SET case_id = ?2, task_id = ?3 WHERE root_id = ?1",
                params![d.0, new_case, new_task_id.0],
            )?;
            super::mark_index_pending(&tx, *d)?;
            tx.execute(
                "UPDATE case_keys SET case_id = ?2 WHERE document_id = ?1",
                params![d.0, new_case],
            )?;
            let to = format!("to case {new_case}: {reason}");
            let from = format!("from case {id}: {reason}");
            case_event(&tx, id.0, actor, "split_off", Some(d.0), Some(&to))?;
            case_event(&tx, new_case, actor, "split_from", Some(d.0), Some(&from))?;
        }
        let mut new_task = load_task(&tx, new_task_id.0)?;
        new_task.case.case_id = Some(CaseId(new_case));
        new_task.case.steps = rules.templates.steps_for(&spec.doc_type);
        save_task(&tx, &new_task)?;
        task_event(
            &tx,
            new_task.id,
            actor,
            "split",
            Some(&format!("from case {id}: {reason}")),
        )?;
        old_task.documents.retain(|d| !members.contains(&d.0));
        old_task.case.new_documents.retain(|d| !moved.contains(d));
        save_task(&tx, &old_task)?;
        task_event(
            &tx,
            old_task.id,
            actor,
            "split",
            Some(&format!(
                "documents {} to case {new_case}: {reason}",
                moved
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        )?;
        tx.execute(
            "UPDATE cases SET last_document_at = COALESCE((SELECT MAX(received_at) FROM documents
                 WHERE case_id = ?1 AND parent_id IS NULL), last_document_at) WHERE id = ?1",
            params![id.0],
        )?;
        tx.commit()?;
        tracing::info!(case = %id, new_case, actor, "case split");
        Ok(CaseId(new_case))
    }

    fn merge_cases(
        &self,
        into: CaseId,
        from: CaseId,
        reason: &str,
        actor: &str,
    ) -> Result<(), CaseError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        if into == from {
            return Err(CaseError::Invalid {
                id: into,
                message: "cannot be merged into itself".into(),
            });
        }
        let mut target = open_case(&tx, into)?;
        let mut source = open_case(&tx, from)?;
        let moved: Vec<i64> = tx
            .prepare_cached(
                "SELECT id FROM documents WHERE case_id = ?1 AND parent_id IS NULL ORDER BY id",
            )?
            .query_map(params![from.0], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        tx.execute(
            "UPDATE documents SET case_id = ?2, task_id = ?3 WHERE case_id = ?1",
            params![from.0, into.0, target.id.0],
        )?;
        for d in &moved {
            super::mark_index_pending(&tx, DocumentId(*d))?;
        }
        tx.execute(
            "UPDATE case_keys SET case_id = ?2 WHERE case_id = ?1",
            params![from.0, into.0],
        )?;
        tx.execute(
            "UPDATE cases SET merged_into = ?2 WHERE id = ?1",
            params![from.0, into.0],
        )?;
        tx.execute(
            "UPDATE cases SET last_document_at = MAX(last_document_at,
                 (SELECT last_document_at FROM cases WHERE id = ?2)) WHERE id = ?1",
            params![into.0, from.0],
        )?;
        let source_members: Vec<i64> = source.documents.iter().map(|d| d.0).collect();
        target.documents = members_json_union(&target.documents, &source_members);
        for d in &moved {
            if !target.case.new_documents.contains(&DocumentId(*d)) {
                target.case.new_documents.push(DocumentId(*d));
            }
            case_event(
                &tx,
                into.0,
                actor,
                "merged_from",
                Some(*d),
                Some(&format!("from case {from}: {reason}")),
            )?;
        }
        target.case.reminders += source.case.reminders;
        target.spec.priority = target.spec.priority.min(source.spec.priority);
        for i in source.case.impulses.drain(..) {
            if !target.case.impulses.iter().any(|x| x.rule == i.rule) {
                target.case.impulses.push(i);
            }
        }
        for q in source.case.also_queues.drain(..) {
            if !target.case.also_queues.contains(&q) {
                target.case.also_queues.push(q);
            }
        }
        save_task(&tx, &target)?;
        task_event(
            &tx,
            target.id,
            actor,
            "merge",
            Some(&format!(
                "case {from} (task {}) merged in: {reason}",
                source.id
            )),
        )?;
        save_task(&tx, &source)?;
        tx.execute(
            "UPDATE tasks SET status = 'done' WHERE id = ?1",
            params![source.id.0],
        )?;
        task_event(
            &tx,
            source.id,
            actor,
            "merged",
            Some(&format!("into case {into} (task {}): {reason}", target.id)),
        )?;
        case_event(
            &tx,
            from.0,
            actor,
            "merged_into",
            None,
            Some(&format!("into case {into}: {reason}")),
        )?;
        tx.commit()?;
        tracing::info!(into = %into, from = %from, actor, "cases merged");
        Ok(())
    }

    fn check_step(
        &self,
        task: TaskId,
        step: &str,
        done: bool,
        actor: &str,
    ) -> Result<Task, TaskError> {
        self.edit_task(task, actor, "step", |t| {
            let Some(i) = find_step(&t.case.steps, step) else {
                let known: Vec<String> = t
                    .case
                    .steps
                    .iter()
                    .enumerate()
                    .map(|(i, s)| format!("{} {}", i + 1, s.id))
                    .collect();
                return Err(if known.is_empty() {
                    "has no process steps".into()
                } else {
                    format!("no step {step:?} (steps: {})", known.join(", "))
                });
            };
            let s = &mut t.case.steps[i];
            s.done = done;
            s.done_by = done.then(|| actor.to_string());
            s.done_at = done.then(Utc::now);
            Ok(format!(
                "{} {} {}",
                i + 1,
                s.id,
                if done { "done" } else { "reopened" }
            ))
        })
    }

    fn record_impulse_outcome(
        &self,
        task: TaskId,
        rule: &str,
        outcome: ImpulseOutcome,
        actor: &str,
    ) -> Result<Task, TaskError> {
        self.edit_task(task, actor, "impulse", |t| {
            let rules: Vec<String> = t.case.impulses.iter().map(|i| i.rule.clone()).collect();
            let Some(i) = t.case.impulses.iter_mut().find(|i| i.rule == rule) else {
                return Err(if rules.is_empty() {
                    "has no impulses".into()
                } else {
                    format!(
                        "no impulse from rule {rule:?} (it has: {})",
                        rules.join(", ")
                    )
                });
            };
            i.outcome = Some(outcome);
            i.outcome_by = Some(actor.to_string());
            i.outcome_at = Some(Utc::now());
            Ok(format!("{rule}: {}", outcome.as_str()))
        })
    }

    fn impulse_report(&self) -> Result<Vec<RuleCounts>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT json_extract(i.value, '$.rule'), json_extract(i.value, '$.outcome'), t.status
             FROM tasks t, json_each(t.impulses) i WHERE t.impulses <> '[]'",
        )?;
        let mut by_rule: BTreeMap<String, RuleCounts> = BTreeMap::new();
        for row in stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
            ))
        })? {
            let (rule, outcome, status) = row?;
            let c = by_rule.entry(rule.clone()).or_insert_with(|| RuleCounts {
                rule,
                ..RuleCounts::default()
            });
            c.given += 1;
            match outcome.as_deref() {
                Some("accepted") => c.accepted += 1,
                Some("rejected") => c.rejected += 1,
                Some(_) => c.not_addressed += 1,
                None if status == "done" => c.not_addressed += 1,
                None => c.open += 1,
            }
        }
        Ok(by_rule.into_values().collect())
    }
}
