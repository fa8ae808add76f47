//! The embedded store: one SQLite file (WAL, `synchronous=FULL`) with numbered migrations.
//! One connection behind a mutex; every pipeline call is one transaction over a batch.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use super::{
    CaseContent, CasePart, ChildDocument, Claim, Contract, Customer, CustomerFile, DocumentRow,
    DocumentUnderstanding, ExtractionRecord, ImapFolderState, ImapMessage, ImapPrevious,
    IndexRecord, NewReceipt, NewTask, PartContent, PartRef, Receipt, Rendition, Store, StoreError,
    Task, TaskChange, TaskError, TaskEvent, TimelineEntry, Understanding,
};
use crate::inbox::TaskStatus;
use crate::model::{DocStatus, DocumentId, Outcome, Sha256Digest, TaskId};

mod access;
mod case_lookups;
mod cases;

/// Schema versions, applied in order; `PRAGMA user_version` holds how many ran.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE documents (
    id            INTEGER PRIMARY KEY,
    parent_id     INTEGER REFERENCES documents(id),
    root_id       INTEGER NOT NULL,
    channel       TEXT NOT NULL,
    source_key    TEXT,
    source_path   TEXT,
    filename      TEXT,
    metadata      TEXT NOT NULL DEFAULT '{}',
    received_at   TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    stored        INTEGER NOT NULL,
    media_type    TEXT,
    status        TEXT NOT NULL,
    error         TEXT,
    duplicate_of  INTEGER REFERENCES documents(id),
    released      INTEGER NOT NULL DEFAULT 0,
    pages         INTEGER,
    ocr_pages     TEXT NOT NULL DEFAULT '[]',
    text          TEXT,
    text_chars    INTEGER,
    warnings      TEXT NOT NULL DEFAULT '[]',
    email         TEXT,
    subject       TEXT,
    sender        TEXT,
    doc_type      TEXT,
    customer_id   TEXT,
    queue         TEXT
);
CREATE INDEX documents_sha256 ON documents(sha256);
CREATE INDEX documents_status ON documents(status) WHERE parent_id IS NULL;
CREATE INDEX documents_source ON documents(channel, source_key);
CREATE INDEX documents_root ON documents(root_id);
CREATE TABLE ledger_events (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    at          TEXT NOT NULL,
    status      TEXT NOT NULL,
    detail      TEXT
);
CREATE INDEX ledger_events_document ON ledger_events(document_id);
CREATE TABLE customers (
    customer_id  TEXT PRIMARY KEY,
    salutation   TEXT NOT NULL,
    first_name   TEXT NOT NULL,
    last_name    TEXT NOT NULL,
    birth_date   TEXT,
    street       TEXT NOT NULL,
    house_number TEXT NOT NULL,
    postcode     TEXT NOT NULL,
    city         TEXT NOT NULL,
    email        TEXT NOT NULL,
    phone        TEXT NOT NULL,
    iban         TEXT NOT NULL
);
CREATE TABLE contracts (
    contract_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(customer_id),
    product     TEXT NOT NULL,
    status      TEXT NOT NULL,
    start_date  TEXT
);
CREATE INDEX contracts_customer ON contracts(customer_id);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"#,
    r#"
ALTER TABLE documents ADD COLUMN doc_type_confidence REAL;
ALTER TABLE documents ADD COLUMN type_explanation TEXT;
ALTER TABLE documents ADD COLUMN doc_type_best TEXT;
ALTER TABLE documents ADD COLUMN identifiers TEXT;
ALTER TABLE documents ADD COLUMN match_confidence REAL;
ALTER TABLE documents ADD COLUMN match_reason TEXT;
ALTER TABLE documents ADD COLUMN task_id INTEGER;
ALTER TABLE documents ADD COLUMN pending_task TEXT;
CREATE INDEX documents_customer ON documents(customer_id) WHERE customer_id IS NOT NULL;
CREATE TABLE tasks (
    id                  INTEGER PRIMARY KEY,
    root_document_id    INTEGER NOT NULL UNIQUE REFERENCES documents(id),
    queue               TEXT NOT NULL,
    priority            TEXT NOT NULL,
    due_at              TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'open',
    assignee            TEXT,
    doc_type            TEXT NOT NULL,
    doc_type_confidence REAL,
    explanation         TEXT,
    customer_id         TEXT,
    match_reason        TEXT,
    routing_reason      TEXT,
    identifiers         TEXT NOT NULL DEFAULT '[]',
    contracts           TEXT NOT NULL DEFAULT '[]',
    documents           TEXT NOT NULL DEFAULT '[]',
    effective_date      TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    outbox_written      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tasks_queue ON tasks(queue, status);
CREATE INDEX tasks_customer ON tasks(customer_id);
CREATE TABLE task_events (
    id      INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT
);
CREATE TABLE corrections (
    id           INTEGER PRIMARY KEY,
    task_id      INTEGER NOT NULL REFERENCES tasks(id),
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    old_type     TEXT,
    new_type     TEXT,
    old_customer TEXT,
    new_customer TEXT
);
"#,
    r#"
CREATE TABLE imap_folders (
    mailbox       TEXT PRIMARY KEY,
    uidvalidity   INTEGER NOT NULL,
    uid_floor     INTEGER NOT NULL,
    recheck_below INTEGER NOT NULL DEFAULT 0,
    updated_at    TEXT NOT NULL
);
CREATE TABLE imap_messages (
    mailbox     TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid         INTEGER NOT NULL,
    message_id  TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    document_id INTEGER REFERENCES documents(id),
    state       TEXT NOT NULL,
    taken_at    TEXT NOT NULL,
    released_at TEXT,
    PRIMARY KEY (mailbox, uidvalidity, uid)
);
CREATE INDEX imap_messages_content ON imap_messages(mailbox, message_id, sha256);
"#,
    r#"
ALTER TABLE documents ADD COLUMN ocr TEXT;
CREATE TABLE renditions (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    kind        TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    pages       TEXT NOT NULL DEFAULT '[]',
    created_at  TEXT NOT NULL,
    UNIQUE (document_id, kind)
);
"#,
    r#"
ALTER TABLE documents ADD COLUMN health_data TEXT;
ALTER TABLE tasks ADD COLUMN health_data INTEGER NOT NULL DEFAULT 0;
CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL,
    departments   TEXT NOT NULL DEFAULT '[]',
    permissions   TEXT NOT NULL DEFAULT '[]',
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY,
    user_name    TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE TABLE document_reads (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    user_name   TEXT NOT NULL,
    document_id INTEGER NOT NULL,
    what        TEXT NOT NULL
);
CREATE INDEX document_reads_document ON document_reads(document_id, at);
CREATE TABLE index_pending (root_id INTEGER PRIMARY KEY);
"#,
    // Cases across channels, impulses and process steps on tasks (issue 7).
    cases::MIGRATION,
    // A task's history is read per task.
    "CREATE INDEX task_events_task ON task_events(task_id, id);",
    // E-invoice fields read from a document's XML (issue 13).
    "ALTER TABLE documents ADD COLUMN invoice TEXT;",
    // Claims master data (issue 12): claim numbers identify a customer like contract numbers.
    r#"
CREATE TABLE claims (
    claim_id    TEXT PRIMARY KEY,
    contract_id TEXT,
    customer_id TEXT,
    loss_date   TEXT
);
"#,
];

pub struct SqliteStore {
    conn: Mutex<Connection>,
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// The index no longer matches the store for this case (a clerk changed its queue or type): the
/// finishing stage re-indexes it (see [`Store::take_index_pending`]).
fn mark_index_pending(tx: &Transaction, root: DocumentId) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT OR IGNORE INTO index_pending (root_id) VALUES (?1)")?
        .execute(params![root.0])?;
    Ok(())
}

fn event(
    tx: &Transaction,
    id: DocumentId,
    status: DocStatus,
    detail: Option<&str>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO ledger_events (document_id, at, status, detail) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![id.0, now(), status.as_str(), detail])?;
    Ok(())
}

fn sender_of(content: &PartContent) -> Option<String> {
    let email = content.email.as_ref()?;
    let a = email.from.first()?;
    Some(match (&a.name, &a.email) {
        (Some(n), Some(e)) => format!("{n} <{e}>"),
        (None, Some(e)) => e.clone(),
        (Some(n), None) => n.clone(),
        (None, None) => return None,
    })
}

fn parse_time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

fn row_to_task(row: &Row) -> rusqlite::Result<Task> {
    let text = |name: &str| -> rusqlite::Result<String> { row.get(name) };
    let json_col = |name: &str| -> rusqlite::Result<String> { row.get(name) };
    let priority: String = text("priority")?;
    Ok(Task {
        id: TaskId(row.get("id")?),
        root_document_id: DocumentId(row.get("root_document_id")?),
        documents: serde_json::from_str(&json_col("documents")?).unwrap_or_default(),
        status: TaskStatus::parse(&text("status")?).unwrap_or(TaskStatus::Open),
        assignee: row.get("assignee")?,
        created_at: parse_time(&text("created_at")?),
        updated_at: parse_time(&text("updated_at")?),
        spec: NewTask {
            queue: text("queue")?,
            priority: serde_json::from_value(serde_json::Value::String(priority))
                .unwrap_or(crate::config::Priority::Normal),
            due_at: parse_time(&text("due_at")?),
            doc_type: text("doc_type")?,
            doc_type_confidence: row
                .get::<_, Option<f64>>("doc_type_confidence")?
                .unwrap_or(0.0) as f32,
            explanation: row
                .get::<_, Option<String>>("explanation")?
                .unwrap_or_default(),
            customer_id: row.get("customer_id")?,
            match_reason: row
                .get::<_, Option<String>>("match_reason")?
                .unwrap_or_default(),
            routing_reason: row
                .get::<_, Option<String>>("routing_reason")?
                .unwrap_or_default(),
            identifiers: serde_json::from_str(&json_col("identifiers")?).unwrap_or_default(),
            contracts: serde_json::from_str(&json_col("contracts")?).unwrap_or_default(),
            effective_date: row
                .get::<_, Option<String>>("effective_date")?
                .and_then(|d| d.parse().ok()),
            health_data: row.get("health_data")?,
        },
        case: cases::task_case_info(row)?,
        history: None,
    })
}

/// Who did what to a task, oldest first.
fn task_history(conn: &Connection, id: TaskId) -> rusqlite::Result<Vec<TaskEvent>> {
    conn.prepare_cached(
        "SELECT at, actor, action, detail FROM task_events WHERE task_id = ?1 ORDER BY id",
    )?
    .query_map(params![id.0], |r| {
        Ok(TaskEvent {
            at: parse_time(&r.get::<_, String>(0)?),
            actor: r.get(1)?,
            action: r.get(2)?,
            detail: r.get(3)?,
        })
    })?
    .collect()
}

pub(super) fn task_event(
    tx: &Transaction,
    id: TaskId,
    actor: &str,
    action: &str,
    detail: Option<&str>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO task_events (task_id, at, actor, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id.0, now(), actor, action, detail])?;
    Ok(())
}

fn row_to_customer(r: &Row) -> rusqlite::Result<Customer> {
    Ok(Customer {
        customer_id: r.get("customer_id")?,
        salutation: r.get("salutation")?,
        first_name: r.get("first_name")?,
        last_name: r.get("last_name")?,
        birth_date: r
            .get::<_, Option<String>>("birth_date")?
            .and_then(|d| d.parse().ok()),
        street: r.get("street")?,
        house_number: r.get("house_number")?,
        postcode: r.get("postcode")?,
        city: r.get("city")?,
        email: r.get("email")?,
        phone: r.get("phone")?,
        iban: r.get("iban")?,
        advertising_objection: r.get("advertising_objection")?,
    })
}

fn row_to_contract(r: &Row) -> rusqlite::Result<Contract> {
    Ok(Contract {
        contract_id: r.get("contract_id")?,
        customer_id: r.get("customer_id")?,
        product: r.get("product")?,
        status: r.get("status")?,
        start_date: r
            .get::<_, Option<String>>("start_date")?
            .and_then(|d| d.parse().ok()),
    })
}

/// Inserts the task of a case (`members`: its documents) and points the documents at it.
fn insert_task(
    tx: &Transaction,
    root: DocumentId,
    spec: &NewTask,
    members: &[i64],
) -> rusqlite::Result<TaskId> {
    tx.prepare_cached(
        "INSERT INTO tasks (root_document_id, queue, priority, due_at, doc_type,
            doc_type_confidence, explanation, customer_id, match_reason, routing_reason,
            identifiers, contracts, documents, effective_date, created_at, updated_at, health_data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15, ?16)",
    )?
    .execute(params![
        root.0,
        spec.queue,
        spec.priority.as_str(),
        spec.due_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        spec.doc_type,
        spec.doc_type_confidence as f64,
        spec.explanation,
        spec.customer_id,
        spec.match_reason,
        spec.routing_reason,
        json(&spec.identifiers),
        json(&spec.contracts),
        json(&members),
        spec.effective_date.map(|d| d.to_string()),
        now(),
        spec.health_data,
    ])?;
    let id = TaskId(tx.last_insert_rowid());
    task_event(tx, id, "intake", "created", Some(&spec.routing_reason))?;
    tx.prepare_cached("UPDATE documents SET task_id = ?2 WHERE root_id = ?1")?
        .execute(params![root.0, id.0])?;
    Ok(id)
}

/// Records a case's understanding and moves it to `classified`. `children` resolves
/// [`PartRef::Attachment`] positions to the ids just assigned.
fn write_understanding(
    tx: &Transaction,
    u: &Understanding,
    children: &[DocumentId],
) -> Result<(), StoreError> {
    let task = serde_json::to_string(&u.task).unwrap_or_default();
    tx.prepare_cached(
        "UPDATE documents SET doc_type = ?2, doc_type_confidence = ?3, type_explanation = ?4,
            identifiers = ?5, customer_id = ?6, match_confidence = ?7, match_reason = ?8,
            queue = ?9, pending_task = ?10, doc_type_best = ?11, health_data = ?12
         WHERE id = ?1",
    )?
    .execute(params![
        u.root.0,
        u.doc_type,
        u.confidence as f64,
        u.explanation,
        json(&u.identifiers),
        u.customer_id,
        u.match_confidence.map(|c| c as f64),
        u.match_reason,
        u.task.queue,
        task,
        u.best_type,
        u.health_data,
    ])?;
    for (part, t, c) in &u.part_types {
        let id = match part {
            PartRef::Stored(id) => *id,
            PartRef::Attachment(i) => *children.get(*i).ok_or_else(|| {
                StoreError::Inconsistent(format!("document {}: no attachment #{i}", u.root))
            })?,
        };
        if id == u.root {
            continue;
        }
        tx.prepare_cached(
            "UPDATE documents SET doc_type = ?2, doc_type_confidence = ?3, customer_id = ?4,
                match_confidence = ?5, queue = ?6, health_data = ?7 WHERE id = ?1",
        )?
        .execute(params![
            id.0,
            t,
            *c as f64,
            u.customer_id,
            u.match_confidence.map(|c| c as f64),
            u.task.queue,
            u.health_data,
        ])?;
    }
    tx.prepare_cached(
        "UPDATE documents SET status = 'classified'
         WHERE root_id = ?1 AND status IN ('received', 'extracted')",
    )?
    .execute(params![u.root.0])?;
    event(tx, u.root, DocStatus::Classified, Some(&u.explanation))?;
    Ok(())
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
        }
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let store = SqliteStore {
            conn: Mutex::new(conn),
        };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let done: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let done = done.max(0) as usize;
        if done > MIGRATIONS.len() {
            return Err(StoreError::Open {
                path: conn.path().unwrap_or("?").to_string(),
                message: format!(
                    "database schema version {done} is newer than this intake ({}); upgrade intake",
                    MIGRATIONS.len()
                ),
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (the transaction rolls back).
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn insert_child(
        tx: &Transaction,
        root: DocumentId,
        parent: DocumentId,
        channel: &str,
        received_at: &str,
        child: &ChildDocument,
    ) -> rusqlite::Result<DocumentId> {
        let (status, error, content) = match &child.content {
            Ok(c) => (DocStatus::Extracted, None, Some(c)),
            Err(e) => (DocStatus::Quarantined, Some(e.as_str()), None),
        };
        tx.prepare_cached(
            "INSERT INTO documents (parent_id, root_id, channel, filename, received_at, sha256, size,
                stored, media_type, status, error, pages, ocr_pages, text, text_chars, warnings,
                email, subject, sender, ocr, invoice)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
        )?
        .execute(params![
            parent.0,
            root.0,
            channel,
            child.filename,
            received_at,
            child.sha256.to_hex(),
            child.size as i64,
            content.map(|c| c.media_type.as_str()),
            status.as_str(),
            error,
            content.and_then(|c| c.pages),
            json(&content.map(|c| &c.pages_needing_ocr).cloned().unwrap_or_default()),
            content.map(|c| c.text.as_str()),
            content.map(|c| c.text.chars().count() as i64),
            json(&content.map(|c| &c.warnings).cloned().unwrap_or_default()),
            content.and_then(|c| c.email.as_ref()).map(json),
            content.and_then(|c| c.email.as_ref()).and_then(|e| e.subject.clone()),
            content.and_then(sender_of),
            content.and_then(|c| c.ocr.as_ref()).map(json),
            content.and_then(|c| c.invoice.as_ref()).map(json),
        ])?;
        let id = DocumentId(tx.last_insert_rowid());
        event(tx, id, status, error)?;
        if let Some(c) = content {
            Self::insert_renditions(tx, id, &c.renditions)?;
        }
        Ok(id)
    }

    fn insert_renditions(
        tx: &Transaction,
        id: DocumentId,
        renditions: &[Rendition],
    ) -> rusqlite::Result<()> {
        for r in renditions {
            tx.prepare_cached(
                "INSERT INTO renditions (document_id, kind, media_type, sha256, size, pages, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (document_id, kind) DO NOTHING",
            )?
            .execute(params![
                id.0,
                r.kind,
                r.media_type,
                r.sha256,
                r.size as i64,
                json(&r.pages),
                now()
            ])?;
        }
        Ok(())
    }

    fn renditions_of(conn: &Connection, id: DocumentId) -> rusqlite::Result<Vec<Rendition>> {
        conn.prepare_cached(
            "SELECT kind, media_type, sha256, size, pages FROM renditions WHERE document_id = ?1 ORDER BY id",
        )?
        .query_map(params![id.0], |r| {
            let pages: String = r.get(4)?;
            Ok(Rendition {
                kind: r.get(0)?,
                media_type: r.get(1)?,
                sha256: r.get(2)?,
                size: r.get::<_, i64>(3)? as u64,
                pages: serde_json::from_str(&pages).unwrap_or_default(),
            })
        })?
        .collect()
    }

    fn row_to_document(row: &Row, with_text: bool) -> rusqlite::Result<DocumentRow> {
        let status: String = row.get("status")?;
        let received: String = row.get("received_at")?;
        let metadata: String = row.get("metadata")?;
        let ocr: String = row.get("ocr_pages")?;
        let warnings: String = row.get("warnings")?;
        let email: Option<String> = row.get("email")?;
        let ocr_report: Option<String> = row.get("ocr")?;
        let invoice: Option<String> = row.get("invoice")?;
        Ok(DocumentRow {
            id: DocumentId(row.get("id")?),
            parent_id: row.get::<_, Option<i64>>("parent_id")?.map(DocumentId),
            root_id: DocumentId(row.get("root_id")?),
            channel: row.get("channel")?,
            source_key: row.get("source_key")?,
            source_path: row.get("source_path")?,
            filename: row.get("filename")?,
            metadata: serde_json::from_str(&metadata).unwrap_or_default(),
            received_at: DateTime::parse_from_rfc3339(&received)
                .map(|d| d.with_timezone(&Utc))
                .unwrap_or_default(),
            sha256: row.get("sha256")?,
            size: row.get::<_, i64>("size")? as u64,
            stored: row.get("stored")?,
            media_type: row.get("media_type")?,
            status: DocStatus::parse(&status).unwrap_or(DocStatus::Quarantined),
            error: row.get("error")?,
            duplicate_of: row.get::<_, Option<i64>>("duplicate_of")?.map(DocumentId),
            pages: row.get("pages")?,
            pages_needing_ocr: serde_json::from_str(&ocr).unwrap_or_default(),
            text_chars: row.get::<_, Option<i64>>("text_chars")?.map(|n| n as u64),
            warnings: serde_json::from_str(&warnings).unwrap_or_default(),
            email: email.and_then(|e| serde_json::from_str(&e).ok()),
            text: if with_text { row.get("text")? } else { None },
            understanding: DocumentUnderstanding {
                routed_queue: row.get("queue")?,
                doc_type: row.get("doc_type")?,
                doc_type_confidence: row.get("doc_type_confidence")?,
                best_type: row.get("doc_type_best")?,
                customer_id: row.get("customer_id")?,
                match_confidence: row.get("match_confidence")?,
                health_data: row.get("health_data")?,
                type_explanation: row.get("type_explanation")?,
                match_reason: row.get("match_reason")?,
                identifiers: row
                    .get::<_, Option<String>>("identifiers")?
                    .and_then(|i| serde_json::from_str(&i).ok()),
                task: match row.get::<_, Option<i64>>("task_id")? {
                    Some(id) => Some(serde_json::json!({
                        "id": id,
                        "queue": row.get::<_, Option<String>>("t_queue")?,
                        "priority": row.get::<_, Option<String>>("t_priority")?,
                        "due": row.get::<_, Option<String>>("t_due")?,
                        "status": row.get::<_, Option<String>>("t_status")?,
                    })),
                    None => None,
                },
            },
            ocr: ocr_report.and_then(|o| serde_json::from_str(&o).ok()),
            renditions: Vec::new(),
            invoice: invoice.and_then(|i| serde_json::from_str(&i).ok()),
            case_id: row
                .get::<_, Option<i64>>("case_id")?
                .map(crate::cases::CaseId),
        })
    }

    fn row_to_index(row: &Row) -> rusqlite::Result<IndexRecord> {
        let received: String = row.get("received_at")?;
        Ok(IndexRecord {
            id: DocumentId(row.get("id")?),
            root_id: DocumentId(row.get("root_id")?),
            parent_id: row.get::<_, Option<i64>>("parent_id")?.map(DocumentId),
            channel: row.get("channel")?,
            received_at: DateTime::parse_from_rfc3339(&received)
                .map(|d| d.with_timezone(&Utc))
                .unwrap_or_default(),
            filename: row.get("filename")?,
            subject: row.get("subject")?,
            sender: row.get("sender")?,
            text: row.get::<_, Option<String>>("text")?.unwrap_or_default(),
            doc_type: row.get("doc_type")?,
            customer_id: row.get("customer_id")?,
            queue: row.get("queue")?,
            health_data: row.get::<_, Option<String>>("health_data")?.is_some(),
            also_queues: serde_json::from_str(&row.get::<_, String>("also_queues")?)
                .unwrap_or_default(),
        })
    }
}

/// Documents with the state of their task, for [`DocumentRow`].
const DOCUMENT_SELECT: &str = "SELECT d.*, t.queue AS t_queue, t.priority AS t_priority,
    t.due_at AS t_due, t.status AS t_status FROM documents d LEFT JOIN tasks t ON t.id = d.task_id";

/// A document as the index sees it; its queue is its case task's (it may have joined a case
/// routed elsewhere, or been reassigned), which is what the search access filter needs.
const INDEX_COLUMNS: &str =
    "d.id, d.root_id, d.parent_id, d.channel, d.received_at, d.filename, d.subject,
    d.sender, d.text, d.doc_type, d.customer_id, COALESCE(t.queue, d.queue) AS queue, d.health_data,
    COALESCE(t.also_queues, '[]') AS also_queues
    FROM documents d LEFT JOIN tasks t ON t.id = d.task_id";
const INDEXABLE: &str = "d.status NOT IN ('quarantined', 'duplicate', 'received')";

impl Store for SqliteStore {
    fn record_receipts(&self, receipts: &[NewReceipt]) -> Result<Vec<Receipt>, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let mut out = Vec::with_capacity(receipts.len());
        for r in receipts {
            let sha = r.sha256.to_hex();
            // The same source with the same bytes, not yet released: a re-delivery after a crash.
            let redelivered: Option<(i64, String)> = tx
                .prepare_cached(
                    "SELECT id, status FROM documents
                     WHERE channel = ?1 AND source_key = ?2 AND sha256 = ?3 AND released = 0
                       AND parent_id IS NULL
                     ORDER BY id LIMIT 1",
                )?
                .query_row(params![r.channel, r.source.key, sha], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()?;
            if let Some((id, status)) = redelivered {
                out.push(Receipt::Redelivered {
                    id: DocumentId(id),
                    status: DocStatus::parse(&status).unwrap_or(DocStatus::Received),
                });
                continue;
            }
            let first: Option<i64> = if r.quarantine.is_none() {
                // Bytes that were quarantined before are taken again: dropping a file anew
                // is how the mailroom retries after a fix.
                tx.prepare_cached(
                    "SELECT id FROM documents WHERE sha256 = ?1
                       AND status NOT IN ('duplicate', 'quarantined')
                     ORDER BY id LIMIT 1",
                )?
                .query_row(params![sha], |row| row.get(0))
                .optional()?
            } else {
                None
            };
            let (status, error) = match (&r.quarantine, first) {
                (Some(reason), _) => (DocStatus::Quarantined, Some(reason.clone())),
                (None, Some(_)) => (DocStatus::Duplicate, None),
                (None, None) => (DocStatus::Received, None),
            };
            let received_at = r
                .received_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            tx.prepare_cached(
                "INSERT INTO documents (root_id, channel, source_key, source_path, filename, metadata,
                    received_at, sha256, size, stored, status, error, duplicate_of)
                 VALUES (0, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                r.channel,
                r.source.key,
                r.source.path,
                r.source.filename,
                json(&r.metadata),
                received_at,
                sha,
                r.size as i64,
                r.stored,
                status.as_str(),
                error,
                first,
            ])?;
            let id = DocumentId(tx.last_insert_rowid());
            tx.prepare_cached("UPDATE documents SET root_id = id WHERE id = ?1")?
                .execute(params![id.0])?;
            event(&tx, id, DocStatus::Received, None)?;
            out.push(match (status, first) {
                (DocStatus::Duplicate, Some(of)) => {
                    event(&tx, id, status, Some(&format!("duplicate of {of}")))?;
                    Receipt::Duplicate {
                        id,
                        of: DocumentId(of),
                    }
                }
                (DocStatus::Quarantined, _) => {
                    event(&tx, id, status, error.as_deref())?;
                    Receipt::Quarantined {
                        id,
                        reason: error.unwrap_or_default(),
                    }
                }
                _ => Receipt::New(id),
            });
        }
        tx.commit()?;
        Ok(out)
    }

    fn record_extractions(&self, records: &[ExtractionRecord]) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        for rec in records {
            let (channel, received_at, status): (String, String, String) = tx
                .prepare_cached("SELECT channel, received_at, status FROM documents WHERE id = ?1")?
                .query_row(params![rec.id.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?
                .ok_or(StoreError::NotFound(rec.id))?;
            if status != DocStatus::Received.as_str() {
                // Already recorded (a batch replayed after a crash): never add children twice.
                continue;
            }
            match &rec.content {
                Err(reason) => {
                    tx.prepare_cached(
                        "UPDATE documents SET status = 'quarantined', error = ?2 WHERE id = ?1",
                    )?
                    .execute(params![rec.id.0, reason])?;
                    event(&tx, rec.id, DocStatus::Quarantined, Some(reason))?;
                }
                Ok(c) => {
                    tx.prepare_cached(
                        "UPDATE documents SET status = 'extracted', media_type = ?2, pages = ?3,
                            ocr_pages = ?4, text = ?5, text_chars = ?6, warnings = ?7, email = ?8,
                            subject = ?9, sender = ?10, ocr = ?11, invoice = ?12
                         WHERE id = ?1",
                    )?
                    .execute(params![
                        rec.id.0,
                        c.media_type,
                        c.pages,
                        json(&c.pages_needing_ocr),
                        c.text,
                        c.text.chars().count() as i64,
                        json(&c.warnings),
                        c.email.as_ref().map(json),
                        c.email.as_ref().and_then(|e| e.subject.clone()),
                        sender_of(c),
                        c.ocr.as_ref().map(json),
                        c.invoice.as_ref().map(json),
                    ])?;
                    Self::insert_renditions(&tx, rec.id, &c.renditions)?;
                    event(&tx, rec.id, DocStatus::Extracted, None)?;
                    let mut ids: Vec<DocumentId> = Vec::with_capacity(rec.children.len());
                    for child in &rec.children {
                        let parent = match child.parent {
                            None => rec.id,
                            Some(i) => *ids.get(i).ok_or_else(|| {
                                StoreError::Inconsistent(format!(
                                    "attachment of document {} names parent #{i} before it exists",
                                    rec.id
                                ))
                            })?,
                        };
                        ids.push(Self::insert_child(
                            &tx,
                            rec.id,
                            parent,
                            &channel,
                            &received_at,
                            child,
                        )?);
                    }
                    if let Some(u) = &rec.understanding {
                        write_understanding(&tx, u, &ids)?;
                    }
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn advance(&self, ids: &[DocumentId], status: DocStatus) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let rank = |s: &str| DocStatus::parse(s).map(|s| s as u8).unwrap_or(u8::MAX);
        for id in ids {
            let members: Vec<(i64, String)> = tx
                .prepare_cached("SELECT id, status FROM documents WHERE root_id = ?1")?
                .query_map(params![id.0], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            for (member, current) in members {
                let cur = rank(&current);
                if cur >= status as u8 || cur > DocStatus::Routed as u8 {
                    continue;
                }
                tx.prepare_cached("UPDATE documents SET status = ?2 WHERE id = ?1")?
                    .execute(params![member, status.as_str()])?;
                if member == id.0 {
                    event(&tx, *id, status, None)?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn quarantine(&self, id: DocumentId, reason: &str) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE documents SET status = 'quarantined', error = ?2 WHERE id = ?1",
            params![id.0, reason],
        )?;
        event(&tx, id, DocStatus::Quarantined, Some(reason))?;
        tx.commit()?;
        Ok(())
    }

    fn mark_released(&self, id: DocumentId) -> Result<(), StoreError> {
        self.lock().execute(
            "UPDATE documents SET released = 1 WHERE id = ?1",
            params![id.0],
        )?;
        Ok(())
    }

    fn unfinished(&self) -> Result<Vec<(DocumentId, DocStatus)>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT id, status FROM documents
             WHERE parent_id IS NULL AND status IN ('received', 'extracted', 'classified', 'indexed')
             ORDER BY id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                let s: String = r.get(1)?;
                Ok((DocumentId(r.get(0)?), s))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, s)| DocStatus::parse(&s).map(|s| (id, s)))
            .collect())
    }

    fn outcome(&self, id: DocumentId) -> Result<Option<Outcome>, StoreError> {
        let conn = self.lock();
        let (status, error, dup): (String, Option<String>, Option<i64>) = conn
            .query_row(
                "SELECT status, error, duplicate_of FROM documents WHERE id = ?1",
                params![id.0],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .ok_or(StoreError::NotFound(id))?;
        Ok(match DocStatus::parse(&status) {
            Some(DocStatus::Routed) => Some(Outcome::Done(id)),
            Some(DocStatus::Duplicate) => Some(Outcome::Duplicate {
                id,
                of: DocumentId(dup.unwrap_or_default()),
            }),
            Some(DocStatus::Quarantined) => Some(Outcome::Quarantined {
                id,
                reason: error.unwrap_or_default(),
            }),
            _ => None,
        })
    }

    fn document(&self, id: DocumentId) -> Result<DocumentRow, StoreError> {
        let conn = self.lock();
        let mut row = conn
            .query_row(
                &format!("{DOCUMENT_SELECT} WHERE d.id = ?1"),
                params![id.0],
                |r| Self::row_to_document(r, true),
            )
            .optional()?
            .ok_or(StoreError::NotFound(id))?;
        row.renditions = Self::renditions_of(&conn, id)?;
        Ok(row)
    }

    fn documents_after(
        &self,
        after: DocumentId,
        limit: usize,
        with_text: bool,
    ) -> Result<Vec<DocumentRow>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "{DOCUMENT_SELECT} WHERE d.id > ?1 ORDER BY d.id LIMIT ?2"
        ))?;
        let mut rows = stmt
            .query_map(params![after.0, limit as i64], |r| {
                Self::row_to_document(r, with_text)
            })?
            .collect::<Result<Vec<_>, _>>()?;
        for row in &mut rows {
            row.renditions = Self::renditions_of(&conn, row.id)?;
        }
        Ok(rows)
    }

    fn index_records(&self, roots: &[DocumentId]) -> Result<Vec<IndexRecord>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {INDEX_COLUMNS} WHERE d.root_id = ?1 AND {INDEXABLE} ORDER BY d.id"
        ))?;
        let mut out = Vec::new();
        for root in roots {
            for rec in stmt.query_map(params![root.0], Self::row_to_index)? {
                out.push(rec?);
            }
        }
        Ok(out)
    }

    fn index_records_after(
        &self,
        after: DocumentId,
        limit: usize,
    ) -> Result<Vec<IndexRecord>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {INDEX_COLUMNS} WHERE d.id > ?1 AND {INDEXABLE} ORDER BY d.id LIMIT ?2"
        ))?;
        let rows = stmt
            .query_map(params![after.0, limit as i64], Self::row_to_index)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn status_counts(&self) -> Result<BTreeMap<DocStatus, u64>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare("SELECT status, COUNT(*) FROM documents GROUP BY status")?;
        let mut out = BTreeMap::new();
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (s, n) = row?;
            if let Some(s) = DocStatus::parse(&s) {
                out.insert(s, n as u64);
            }
        }
        Ok(out)
    }

    fn upsert_customers(&self, rows: &[Customer]) -> Result<usize, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        for c in rows {
            tx.prepare_cached(
                "INSERT INTO customers (customer_id, salutation, first_name, last_name, birth_date,
                    street, house_number, postcode, city, email, phone, iban, advertising_objection)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (customer_id) DO UPDATE SET salutation = excluded.salutation,
                    first_name = excluded.first_name, last_name = excluded.last_name,
                    birth_date = excluded.birth_date, street = excluded.street,
                    house_number = excluded.house_number, postcode = excluded.postcode,
                    city = excluded.city, email = excluded.email, phone = excluded.phone,
                    iban = excluded.iban, advertising_objection = excluded.advertising_objection",
            )?
            .execute(params![
                c.customer_id,
                c.salutation,
                c.first_name,
                c.last_name,
                c.birth_date.map(|d| d.to_string()),
                c.street,
                c.house_number,
                c.postcode,
                c.city,
                c.email,
                c.phone,
                c.iban,
                c.advertising_objection,
            ])?;
        }
        tx.commit()?;
        Ok(rows.len())
    }

    fn upsert_contracts(&self, rows: &[Contract]) -> Result<usize, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        for c in rows {
            tx.prepare_cached(
                "INSERT INTO contracts (contract_id, customer_id, product, status, start_date)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (contract_id) DO UPDATE SET customer_id = excluded.customer_id,
                    product = excluded.product, status = excluded.status,
                    start_date = excluded.start_date",
            )?
            .execute(params![
                c.contract_id,
                c.customer_id,
                c.product,
                c.status,
                c.start_date.map(|d| d.to_string()),
            ])?;
        }
        tx.commit()?;
        Ok(rows.len())
    }

    fn upsert_claims(&self, rows: &[Claim]) -> Result<usize, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        for c in rows {
            tx.prepare_cached(
                "INSERT INTO claims (claim_id, contract_id, customer_id, loss_date)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (claim_id) DO UPDATE SET contract_id = excluded.contract_id,
                    customer_id = excluded.customer_id, loss_date = excluded.loss_date",
            )?
            .execute(params![
                c.claim_id,
                c.contract_id,
                c.customer_id,
                c.loss_date.map(|d| d.to_string()),
            ])?;
        }
        tx.commit()?;
        Ok(rows.len())
    }

    fn contract_owners(&self) -> Result<HashMap<String, String>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare("SELECT contract_id, customer_id FROM contracts")?;
        let ids = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<HashMap<String, String>, _>>()?;
        Ok(ids)
    }

    fn all_claims(&self) -> Result<Vec<Claim>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT claim_id, contract_id, customer_id, loss_date FROM claims ORDER BY claim_id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Claim {
                    claim_id: r.get(0)?,
                    contract_id: r.get(1)?,
                    customer_id: r.get(2)?,
                    loss_date: r.get::<_, Option<String>>(3)?.and_then(|d| d.parse().ok()),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn customer_ids(&self) -> Result<HashSet<String>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare("SELECT customer_id FROM customers")?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<HashSet<String>, _>>()?;
        Ok(ids)
    }

    fn meta_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .lock()
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    fn meta_set(&self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        let conn = self.lock();
        match value {
            Some(v) => conn.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, v],
            )?,
            None => conn.execute("DELETE FROM meta WHERE key = ?1", params![key])?,
        };
        Ok(())
    }

    fn index_pending(&self, limit: usize) -> Result<Vec<DocumentId>, StoreError> {
        let conn = self.lock();
        let mut stmt =
            conn.prepare_cached("SELECT root_id FROM index_pending ORDER BY root_id LIMIT ?1")?;
        let ids = stmt
            .query_map(params![limit as i64], |r| Ok(DocumentId(r.get(0)?)))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    fn clear_index_pending(&self, roots: &[DocumentId]) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        for r in roots {
            tx.prepare_cached("DELETE FROM index_pending WHERE root_id = ?1")?
                .execute(params![r.0])?;
        }
        tx.commit()?;
        Ok(())
    }

    fn case_content(&self, root: DocumentId) -> Result<CaseContent, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT id, parent_id, received_at, subject, email, text, metadata, invoice FROM documents
             WHERE root_id = ?1 AND status NOT IN ('quarantined', 'duplicate') ORDER BY id",
        )?;
        let mut case = CaseContent {
            root,
            received_at: Utc::now(),
            subject: None,
            sender_emails: Vec::new(),
            customer_hint: None,
            automated: None,
            parts: Vec::new(),
        };
        let rows = stmt.query_map(params![root.0], |r| {
            Ok((
                DocumentId(r.get(0)?),
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
            ))
        })?;
        for row in rows {
            let (id, parent, received, subject, email, text, metadata, invoice) = row?;
            if parent.is_none() {
                case.received_at = parse_time(&received);
                case.customer_hint = metadata
                    .and_then(|m| serde_json::from_str::<BTreeMap<String, String>>(&m).ok())
                    .and_then(|m| m.get(crate::pipeline::CUSTOMER_HINT).cloned());
                case.subject = subject.clone();
                if let Some(meta) = email
                    .as_deref()
                    .and_then(|e| serde_json::from_str::<crate::extract::EmailMeta>(e).ok())
                {
                    case.sender_emails = meta.sender_emails();
                    case.automated = meta.automated;
                }
            }
            case.parts.push(CasePart {
                id: PartRef::Stored(id),
                subject,
                text: text.unwrap_or_default(),
                invoice: invoice.and_then(|i| serde_json::from_str(&i).ok()),
            });
        }
        if case.parts.is_empty() {
            return Err(StoreError::NotFound(root));
        }
        Ok(case)
    }

    fn record_understanding(&self, cases: &[Understanding]) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        for u in cases {
            write_understanding(&tx, u, &[])?;
        }
        tx.commit()?;
        Ok(())
    }

    fn create_tasks(&self, roots: &[DocumentId]) -> Result<Vec<Task>, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let mut created = Vec::new();
        for root in roots {
            let pending: Option<String> = tx
                .prepare_cached("SELECT pending_task FROM documents WHERE id = ?1")?
                .query_row(params![root.0], |r| r.get(0))
                .optional()?
                .flatten();
            let exists: Option<i64> = tx
                .prepare_cached("SELECT id FROM tasks WHERE root_document_id = ?1")?
                .query_row(params![root.0], |r| r.get(0))
                .optional()?;
            if let (Some(spec), None) = (pending, exists) {
                let spec: NewTask = serde_json::from_str(&spec).map_err(|e| {
                    StoreError::Inconsistent(format!("pending task of document {root}: {e}"))
                })?;
                let members: Vec<i64> = tx
                    .prepare_cached(
                        "SELECT id FROM documents WHERE root_id = ?1 AND status <> 'quarantined' ORDER BY id",
                    )?
                    .query_map(params![root.0], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                let id = insert_task(&tx, *root, &spec, &members)?;
                created.push(id);
            }
            tx.prepare_cached(
                "UPDATE documents SET status = 'routed'
                 WHERE root_id = ?1 AND status IN ('received', 'extracted', 'classified', 'indexed')",
            )?
            .execute(params![root.0])?;
            event(&tx, *root, DocStatus::Routed, None)?;
        }
        let mut tasks = Vec::with_capacity(created.len());
        for id in created {
            tasks.push(
                tx.prepare_cached("SELECT * FROM tasks WHERE id = ?1")?
                    .query_row(params![id.0], row_to_task)?,
            );
        }
        tx.commit()?;
        Ok(tasks)
    }

    fn tasks(
        &self,
        queue: Option<&str>,
        status: Option<TaskStatus>,
    ) -> Result<Vec<Task>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT * FROM tasks
             WHERE (?1 IS NULL OR queue = ?1
                    OR EXISTS (SELECT 1 FROM json_each(tasks.also_queues) WHERE value = ?1))
               AND (?2 IS NULL OR status = ?2)
             ORDER BY CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END,
                      new_documents = '[]', due_at, id",
        )?;
        let rows = stmt
            .query_map(params![queue, status.map(|s| s.as_str())], row_to_task)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn task(&self, id: TaskId) -> Result<Task, StoreError> {
        let conn = self.lock();
        let mut task = conn
            .query_row(
                "SELECT * FROM tasks WHERE id = ?1",
                params![id.0],
                row_to_task,
            )
            .optional()?
            .ok_or(StoreError::TaskNotFound(id))?;
        let history = task_history(&conn, id)?;
        task.history = Some(history);
        Ok(task)
    }

    fn change_task(&self, id: TaskId, change: &TaskChange, actor: &str) -> Result<Task, TaskError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(StoreError::from)?;
        let task = tx
            .query_row(
                "SELECT * FROM tasks WHERE id = ?1",
                params![id.0],
                row_to_task,
            )
            .optional()
            .map_err(StoreError::from)?
            .ok_or(TaskError::NotFound(id))?;
        if let TaskChange::Correct {
            customer_id: Some(c),
            ..
        } = change
        {
            let known = tx
                .query_row(
                    "SELECT 1 FROM customers WHERE customer_id = ?1",
                    params![c],
                    |_| Ok(()),
                )
                .optional()
                .map_err(StoreError::from)?;
            if known.is_none() {
                return Err(TaskError::Invalid {
                    id,
                    message: format!("customer {c:?} is not a known customer"),
                });
            }
        }
        let at = now();
        let invalid = |action| TaskError::InvalidTransition {
            id,
            status: task.status.as_str(),
            action,
        };
        let result: rusqlite::Result<()> = (|| match change {
            TaskChange::Claim => {
                if task.status != TaskStatus::Open {
                    return Ok(());
                }
                tx.execute(
                        "UPDATE tasks SET status = 'claimed', assignee = ?2, updated_at = ?3 WHERE id = ?1",
                        params![id.0, actor, at],
                    )?;
                task_event(&tx, id, actor, "claim", None)
            }
            TaskChange::Done => {
                tx.execute(
                    "UPDATE tasks SET status = 'done', updated_at = ?2 WHERE id = ?1",
                    params![id.0, at],
                )?;
                task_event(&tx, id, actor, "done", None)
            }
            TaskChange::Reassign { queue } => {
                tx.execute(
                        "UPDATE tasks SET queue = ?2, status = 'open', assignee = NULL, updated_at = ?3 WHERE id = ?1",
                        params![id.0, queue, at],
                    )?;
                tx.execute(
                    "UPDATE documents SET queue = ?2 WHERE root_id = ?1",
                    params![task.root_document_id.0, queue],
                )?;
                mark_index_pending(&tx, task.root_document_id)?;
                task_event(
                    &tx,
                    id,
                    actor,
                    "reassign",
                    Some(&format!("{} → {queue}", task.spec.queue)),
                )
            }
            TaskChange::Correct {
                doc_type,
                customer_id,
            } => {
                let new_type = doc_type.clone().unwrap_or(task.spec.doc_type.clone());
                let new_customer = customer_id.clone().or(task.spec.customer_id.clone());
                tx.execute(
                        "INSERT INTO corrections (task_id, at, actor, old_type, new_type, old_customer, new_customer)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![id.0, at, actor, task.spec.doc_type, new_type, task.spec.customer_id, new_customer],
                    )?;
                tx.execute(
                        "UPDATE tasks SET doc_type = ?2, customer_id = ?3, updated_at = ?4 WHERE id = ?1",
                        params![id.0, new_type, new_customer, at],
                    )?;
                tx.execute(
                    "UPDATE documents SET doc_type = ?2, doc_type_confidence = 1.0,
                            customer_id = ?3, match_confidence = 1.0,
                            match_reason = 'corrected by ' || ?4
                         WHERE id = ?1",
                    params![task.root_document_id.0, new_type, new_customer, actor],
                )?;
                mark_index_pending(&tx, task.root_document_id)?;
                task_event(
                    &tx,
                    id,
                    actor,
                    "correct",
                    Some(&format!(
                        "type {} → {new_type}; customer {} → {}",
                        task.spec.doc_type,
                        task.spec.customer_id.as_deref().unwrap_or("none"),
                        new_customer.as_deref().unwrap_or("none")
                    )),
                )
            }
        })();
        result.map_err(StoreError::from)?;
        // A clerk acted on the task: the documents that arrived since are seen; a corrected
        // type is the case's type too.
        cases::after_clerk_action(&tx, &task, change).map_err(StoreError::from)?;
        if matches!(change, TaskChange::Claim) && task.status != TaskStatus::Open {
            return Err(invalid("claim"));
        }
        if matches!(change, TaskChange::Done) && task.status == TaskStatus::Done {
            return Err(invalid("done"));
        }
        let updated = tx
            .query_row(
                "SELECT * FROM tasks WHERE id = ?1",
                params![id.0],
                row_to_task,
            )
            .map_err(StoreError::from)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(updated)
    }

    fn outbox_pending(&self) -> Result<Vec<Task>, StoreError> {
        let conn = self.lock();
        let mut stmt =
            conn.prepare_cached("SELECT * FROM tasks WHERE outbox_written = 0 ORDER BY id")?;
        let rows = stmt
            .query_map([], row_to_task)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn mark_outbox_written(&self, ids: &[TaskId]) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        for id in ids {
            tx.prepare_cached("UPDATE tasks SET outbox_written = 1 WHERE id = ?1")?
                .execute(params![id.0])?;
        }
        tx.commit()?;
        Ok(())
    }

    fn all_customers(&self) -> Result<Vec<Customer>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare("SELECT * FROM customers ORDER BY customer_id")?;
        let rows = stmt
            .query_map([], row_to_customer)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn all_contracts(&self) -> Result<Vec<Contract>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare("SELECT * FROM contracts ORDER BY contract_id")?;
        let rows = stmt
            .query_map([], row_to_contract)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn customer_file(&self, customer_id: &str) -> Result<Option<CustomerFile>, StoreError> {
        let conn = self.lock();
        let Some(customer) = conn
            .query_row(
                "SELECT * FROM customers WHERE customer_id = ?1",
                params![customer_id],
                row_to_customer,
            )
            .optional()?
        else {
            return Ok(None);
        };
        let contracts = conn
            .prepare_cached("SELECT * FROM contracts WHERE customer_id = ?1 ORDER BY start_date")?
            .query_map(params![customer_id], row_to_contract)?
            .collect::<Result<Vec<_>, _>>()?;
        let timeline = conn
            .prepare_cached(
                "SELECT d.id, d.received_at, d.channel, d.doc_type, d.subject, d.filename, d.task_id,
                        d.queue, (SELECT COUNT(*) FROM documents c WHERE c.parent_id = d.id) AS attachments
                 FROM documents d
                 WHERE d.customer_id = ?1 AND d.parent_id IS NULL
                 ORDER BY d.received_at DESC, d.id DESC",
            )?
            .query_map(params![customer_id], |r| {
                Ok(TimelineEntry {
                    document_id: DocumentId(r.get(0)?),
                    received_at: parse_time(&r.get::<_, String>(1)?),
                    channel: r.get(2)?,
                    doc_type: r.get(3)?,
                    subject: r.get(4)?,
                    filename: r.get(5)?,
                    task_id: r.get::<_, Option<i64>>(6)?.map(TaskId),
                    queue: r.get(7)?,
                    attachments: r.get(8)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut tasks = conn
            .prepare_cached(
                "SELECT * FROM tasks WHERE customer_id = ?1 ORDER BY created_at DESC, id DESC",
            )?
            .query_map(params![customer_id], row_to_task)?
            .collect::<Result<Vec<_>, _>>()?;
        for t in &mut tasks {
            t.history = Some(task_history(&conn, t.id)?);
        }
        Ok(Some(CustomerFile {
            customer,
            contracts,
            timeline,
            tasks,
        }))
    }

    fn type_corrections(&self) -> Result<Vec<(DocumentId, String)>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT t.root_document_id, c.new_type FROM corrections c JOIN tasks t ON t.id = c.task_id
             WHERE c.new_type IS NOT NULL AND c.id IN (SELECT MAX(id) FROM corrections GROUP BY task_id)
             ORDER BY c.id",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((DocumentId(r.get(0)?), r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn imap_folder_state(&self, mailbox: &str) -> Result<Option<ImapFolderState>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT uidvalidity, uid_floor, recheck_below FROM imap_folders WHERE mailbox = ?1",
                params![mailbox],
                |r| {
                    Ok(ImapFolderState {
                        uidvalidity: r.get(0)?,
                        uid_floor: r.get(1)?,
                        recheck_below: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    fn imap_set_folder_state(
        &self,
        mailbox: &str,
        state: &ImapFolderState,
    ) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT INTO imap_folders (mailbox, uidvalidity, uid_floor, recheck_below, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity,
                uid_floor = excluded.uid_floor, recheck_below = excluded.recheck_below,
                updated_at = excluded.updated_at",
            params![
                mailbox,
                state.uidvalidity,
                state.uid_floor,
                state.recheck_below,
                now()
            ],
        )?;
        Ok(())
    }

    fn imap_released_uids(
        &self,
        mailbox: &str,
        uidvalidity: u32,
        uids: &[u32],
    ) -> Result<HashSet<u32>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT 1 FROM imap_messages
             WHERE mailbox = ?1 AND uidvalidity = ?2 AND uid = ?3 AND state = 'released'",
        )?;
        let mut out = HashSet::new();
        for &uid in uids {
            if stmt.exists(params![mailbox, uidvalidity, uid])? {
                out.insert(uid);
            }
        }
        Ok(out)
    }

    fn imap_find_by_content(
        &self,
        mailbox: &str,
        message_id: Option<&str>,
        sha256: &Sha256Digest,
    ) -> Result<Option<ImapPrevious>, StoreError> {
        Ok(self
            .lock()
            .prepare_cached(
                "SELECT uidvalidity, uid, document_id, state = 'released' FROM imap_messages
                 WHERE mailbox = ?1 AND message_id = ?2 AND sha256 = ?3
                 ORDER BY state = 'released' DESC, taken_at LIMIT 1",
            )?
            .query_row(
                params![mailbox, message_id.unwrap_or(""), sha256.to_hex()],
                |r| {
                    Ok(ImapPrevious {
                        uidvalidity: r.get(0)?,
                        uid: r.get(1)?,
                        document: r.get::<_, Option<i64>>(2)?.map(DocumentId),
                        released: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn imap_record_taken(&self, mailbox: &str, messages: &[ImapMessage]) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let at = now();
        for m in messages {
            tx.prepare_cached(
                "INSERT INTO imap_messages (mailbox, uidvalidity, uid, message_id, sha256, state, taken_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'taken', ?6)
                 ON CONFLICT (mailbox, uidvalidity, uid) DO NOTHING",
            )?
            .execute(params![
                mailbox,
                m.uidvalidity,
                m.uid,
                m.message_id.as_deref().unwrap_or(""),
                m.sha256.to_hex(),
                at
            ])?;
        }
        tx.commit()?;
        Ok(())
    }

    fn imap_record_released(
        &self,
        mailbox: &str,
        messages: &[ImapMessage],
    ) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let at = now();
        for m in messages {
            tx.prepare_cached(
                "INSERT INTO imap_messages (mailbox, uidvalidity, uid, message_id, sha256,
                    document_id, state, taken_at, released_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'released', ?7, ?7)
                 ON CONFLICT (mailbox, uidvalidity, uid) DO UPDATE SET state = 'released',
                    document_id = COALESCE(excluded.document_id, document_id),
                    released_at = excluded.released_at",
            )?
            .execute(params![
                mailbox,
                m.uidvalidity,
                m.uid,
                m.message_id.as_deref().unwrap_or(""),
                m.sha256.to_hex(),
                m.document.map(|d| d.0),
                at
            ])?;
            if let Some(doc) = m.document {
                tx.prepare_cached("UPDATE documents SET released = 1 WHERE id = ?1")?
                    .execute(params![doc.0])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ImapMessage;

    fn msg(uidvalidity: u32, uid: u32, mid: Option<&str>, body: &[u8]) -> ImapMessage {
        ImapMessage {
            uidvalidity,
            uid,
            message_id: mid.map(str::to_string),
            sha256: Sha256Digest::of(body),
            document: None,
        }
    }

    #[test]
    fn imap_messages_are_taken_then_released_and_found_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.sqlite3")).unwrap();
        let mb = "imap://u@h/INBOX";
        assert_eq!(store.imap_folder_state(mb).unwrap(), None);
        let st = ImapFolderState {
            uidvalidity: 7,
            uid_floor: 3,
            recheck_below: 0,
        };
        store.imap_set_folder_state(mb, &st).unwrap();
        assert_eq!(store.imap_folder_state(mb).unwrap(), Some(st));

        let a = msg(7, 1, Some("a@x"), b"a");
        let b = msg(7, 2, None, b"b");
        store
            .imap_record_taken(mb, &[a.clone(), b.clone()])
            .unwrap();
        assert!(store.imap_released_uids(mb, 7, &[1, 2]).unwrap().is_empty());
        // Taken but not released: found, marked as not released.
        let found = store
            .imap_find_by_content(mb, Some("a@x"), &a.sha256)
            .unwrap()
            .unwrap();
        assert_eq!(
            (found.uidvalidity, found.uid, found.released),
            (7, 1, false)
        );

        store
            .imap_record_released(mb, std::slice::from_ref(&a))
            .unwrap();
        // Taking again never downgrades a released message.
        store
            .imap_record_taken(mb, std::slice::from_ref(&a))
            .unwrap();
        assert_eq!(
            store.imap_released_uids(mb, 7, &[1, 2]).unwrap(),
            HashSet::from([1])
        );
        assert!(store.imap_released_uids(mb, 8, &[1]).unwrap().is_empty());
        assert!(
            store
                .imap_find_by_content(mb, Some("a@x"), &a.sha256)
                .unwrap()
                .unwrap()
                .released
        );
        // No Message-ID matches no Message-ID; other content or folder does not match.
        assert!(store
            .imap_find_by_content(mb, None, &b.sha256)
            .unwrap()
            .is_some());
        assert!(store
            .imap_find_by_content(mb, Some("a@x"), &b.sha256)
            .unwrap()
            .is_none());
        assert!(store
            .imap_find_by_content("imap://u@h/Other", Some("a@x"), &a.sha256)
            .unwrap()
            .is_none());
    }
}
