//! The embedded store: one SQLite file (WAL, `synchronous=FULL`) with numbered migrations.
//! One connection behind a mutex; every pipeline call is one transaction over a batch.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use super::{
    ChildDocument, Contract, Customer, DocumentRow, ExtractionRecord, ImapFolderState, ImapMessage,
    ImapPrevious, IndexRecord, NewReceipt, PartContent, Receipt, Store, StoreError,
};
use crate::model::{DocStatus, DocumentId, Outcome, Sha256Digest};

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
                email, subject, sender)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
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
        ])?;
        let id = DocumentId(tx.last_insert_rowid());
        event(tx, id, status, error)?;
        Ok(id)
    }

    fn row_to_document(row: &Row, with_text: bool) -> rusqlite::Result<DocumentRow> {
        let status: String = row.get("status")?;
        let received: String = row.get("received_at")?;
        let metadata: String = row.get("metadata")?;
        let ocr: String = row.get("ocr_pages")?;
        let warnings: String = row.get("warnings")?;
        let email: Option<String> = row.get("email")?;
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
        })
    }
}

const INDEX_COLUMNS: &str = "id, root_id, parent_id, channel, received_at, filename, subject, sender, text, doc_type, customer_id, queue";
const INDEXABLE: &str = "status NOT IN ('quarantined', 'duplicate', 'received')";

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
                tx.prepare_cached(
                    "SELECT id FROM documents WHERE sha256 = ?1 AND status <> 'duplicate'
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
                            subject = ?9, sender = ?10
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
                    ])?;
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
        conn.query_row(
            "SELECT * FROM documents WHERE id = ?1",
            params![id.0],
            |r| Self::row_to_document(r, true),
        )
        .optional()?
        .ok_or(StoreError::NotFound(id))
    }

    fn documents_after(
        &self,
        after: DocumentId,
        limit: usize,
        with_text: bool,
    ) -> Result<Vec<DocumentRow>, StoreError> {
        let conn = self.lock();
        let mut stmt =
            conn.prepare_cached("SELECT * FROM documents WHERE id > ?1 ORDER BY id LIMIT ?2")?;
        let rows = stmt
            .query_map(params![after.0, limit as i64], |r| {
                Self::row_to_document(r, with_text)
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn index_records(&self, roots: &[DocumentId]) -> Result<Vec<IndexRecord>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {INDEX_COLUMNS} FROM documents WHERE root_id = ?1 AND {INDEXABLE} ORDER BY id"
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
            "SELECT {INDEX_COLUMNS} FROM documents WHERE id > ?1 AND {INDEXABLE} ORDER BY id LIMIT ?2"
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
                    street, house_number, postcode, city, email, phone, iban)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT (customer_id) DO UPDATE SET salutation = excluded.salutation,
                    first_name = excluded.first_name, last_name = excluded.last_name,
                    birth_date = excluded.birth_date, street = excluded.street,
                    house_number = excluded.house_number, postcode = excluded.postcode,
                    city = excluded.city, email = excluded.email, phone = excluded.phone,
                    iban = excluded.iban",
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
