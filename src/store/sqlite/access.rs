//! [`AccessStore`] on SQLite: users, sessions, the document read log, and the ledger views the
//! web layer needs (failures, queue statistics for the metrics).

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};

use super::{event, json, now, SqliteStore, DOCUMENT_SELECT};
use crate::model::{DocStatus, DocumentId, TaskId};
use crate::store::{
    AccessStore, DocumentAccess, DocumentRead, DocumentRow, QueueStats, StoreError,
};
use crate::users::{Permission, Role, User};

fn row_to_user(r: &Row) -> rusqlite::Result<User> {
    let role: String = r.get("role")?;
    let departments: String = r.get("departments")?;
    let permissions: String = r.get("permissions")?;
    let permissions: Vec<String> = serde_json::from_str(&permissions).unwrap_or_default();
    Ok(User {
        name: r.get("name")?,
        // An unknown role in the table (written by a newer intake) grants the least.
        role: Role::parse(&role).unwrap_or(Role::Mailroom),
        departments: serde_json::from_str(&departments).unwrap_or_default(),
        permissions: permissions
            .iter()
            .filter_map(|p| Permission::parse(p).ok())
            .collect(),
    })
}

fn parse_time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

impl AccessStore for SqliteStore {
    fn upsert_user(&self, user: &User, password_hash: &str) -> Result<bool, StoreError> {
        let conn = self.lock();
        let existed: Option<String> = conn
            .query_row(
                "SELECT name FROM users WHERE name = ?1",
                params![user.name],
                |r| r.get(0),
            )
            .optional()?;
        let permissions: Vec<&str> = user.permissions.iter().map(|p| p.as_str()).collect();
        let at = now();
        conn.execute(
            "INSERT INTO users (name, role, departments, permissions, password_hash, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
             ON CONFLICT (name) DO UPDATE SET role = excluded.role,
                departments = excluded.departments, permissions = excluded.permissions,
                password_hash = excluded.password_hash, updated_at = excluded.updated_at",
            params![
                user.name,
                user.role.as_str(),
                json(&user.departments),
                json(&permissions),
                password_hash,
                at
            ],
        )?;
        if existed.is_some() {
            // New rights or password: earlier logins must log in again.
            conn.execute(
                "DELETE FROM sessions WHERE user_name = ?1",
                params![user.name],
            )?;
        }
        Ok(existed.is_none())
    }

    fn remove_user(&self, name: &str, actor: &str) -> Result<Option<Vec<TaskId>>, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        if tx.execute("DELETE FROM users WHERE name = ?1", params![name])? == 0 {
            return Ok(None);
        }
        tx.execute("DELETE FROM sessions WHERE user_name = ?1", params![name])?;
        let claimed: Vec<TaskId> = tx
            .prepare("SELECT id FROM tasks WHERE status = 'claimed' AND assignee = ?1 ORDER BY id")?
            .query_map(params![name], |r| Ok(TaskId(r.get(0)?)))?
            .collect::<Result<_, _>>()?;
        let at = now();
        for id in &claimed {
            tx.execute(
                "UPDATE tasks SET status = 'open', assignee = NULL, updated_at = ?2 WHERE id = ?1",
                params![id.0, at],
            )?;
            let detail = format!("user {name} removed");
            super::task_event(&tx, *id, actor, "release", Some(&detail))?;
        }
        tx.commit()?;
        Ok(Some(claimed))
    }

    fn user(&self, name: &str) -> Result<Option<(User, String)>, StoreError> {
        let conn = self.lock();
        Ok(conn
            .query_row("SELECT * FROM users WHERE name = ?1", params![name], |r| {
                Ok((row_to_user(r)?, r.get("password_hash")?))
            })
            .optional()?)
    }

    fn users(&self) -> Result<Vec<User>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare("SELECT * FROM users ORDER BY name")?;
        let users = stmt.query_map([], row_to_user)?.collect::<Result<_, _>>()?;
        Ok(users)
    }

    fn create_session(
        &self,
        token_digest: &str,
        user: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let conn = self.lock();
        let at = now();
        // Expired sessions go whenever a new one starts.
        conn.execute("DELETE FROM sessions WHERE expires_at < ?1", params![at])?;
        conn.execute(
            "INSERT INTO sessions (token_sha256, user_name, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                token_digest,
                user,
                at,
                expires_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            ],
        )?;
        Ok(())
    }

    fn session_user(&self, token_digest: &str) -> Result<Option<User>, StoreError> {
        let conn = self.lock();
        let user = conn
            .prepare_cached(
                "SELECT u.* FROM sessions s JOIN users u ON u.name = s.user_name
                 WHERE s.token_sha256 = ?1 AND s.expires_at > ?2",
            )?
            .query_row(params![token_digest, now()], row_to_user)
            .optional()?;
        Ok(user)
    }

    fn delete_session(&self, token_digest: &str) -> Result<(), StoreError> {
        self.lock().execute(
            "DELETE FROM sessions WHERE token_sha256 = ?1",
            params![token_digest],
        )?;
        Ok(())
    }

    fn log_read(&self, user: &str, document: DocumentId, what: &str) -> Result<(), StoreError> {
        self.lock()
            .prepare_cached(
                "INSERT INTO document_reads (at, user_name, document_id, what) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![now(), user, document.0, what])?;
        Ok(())
    }

    fn document_reads(
        &self,
        document: Option<DocumentId>,
        limit: usize,
    ) -> Result<Vec<DocumentRead>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT at, user_name, document_id, what FROM document_reads
             WHERE ?1 IS NULL OR document_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let reads = stmt
            .query_map(params![document.map(|d| d.0), limit as i64], |r| {
                Ok(DocumentRead {
                    at: parse_time(&r.get::<_, String>(0)?),
                    user: r.get(1)?,
                    document_id: DocumentId(r.get(2)?),
                    what: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(reads)
    }

    fn document_access(&self, id: DocumentId) -> Result<Option<DocumentAccess>, StoreError> {
        let conn = self.lock();
        let access = conn
            .prepare_cached(
                "SELECT d.id, d.root_id, COALESCE(t.queue, d.queue), r.health_data, d.status,
                        COALESCE(t.also_queues, '[]')
                 FROM documents d JOIN documents r ON r.id = d.root_id
                 LEFT JOIN tasks t ON t.id = r.task_id WHERE d.id = ?1",
            )?
            .query_row(params![id.0], |r| {
                let status: String = r.get(4)?;
                let also: String = r.get(5)?;
                let mut queues: Vec<String> = r.get::<_, Option<String>>(2)?.into_iter().collect();
                queues.extend(serde_json::from_str::<Vec<String>>(&also).unwrap_or_default());
                Ok(DocumentAccess {
                    id: DocumentId(r.get(0)?),
                    root_id: DocumentId(r.get(1)?),
                    queues,
                    health_data: r.get::<_, Option<String>>(3)?.is_some(),
                    status: DocStatus::parse(&status).unwrap_or(DocStatus::Quarantined),
                })
            })
            .optional()?;
        Ok(access)
    }

    fn failures(&self, limit: usize) -> Result<Vec<DocumentRow>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(&format!(
            "{DOCUMENT_SELECT} WHERE d.status = 'quarantined'
               AND NOT EXISTS (SELECT 1 FROM ledger_events e WHERE e.document_id = d.id
                               AND e.detail LIKE 'retried by % as document %')
             ORDER BY d.id DESC LIMIT ?1"
        ))?;
        let rows = stmt
            .query_map(params![limit as i64], |r| {
                SqliteStore::row_to_document(r, false)
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    fn retried_as(&self, id: DocumentId) -> Result<Option<String>, StoreError> {
        let conn = self.lock();
        let detail = conn
            .query_row(
                "SELECT detail FROM ledger_events WHERE document_id = ?1
                   AND detail LIKE 'retried by % as document %' ORDER BY id DESC LIMIT 1",
                params![id.0],
                |r| r.get(0),
            )
            .optional()?;
        Ok(detail)
    }

    fn record_retry(&self, old: DocumentId, new: DocumentId, user: &str) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        event(
            &tx,
            old,
            DocStatus::Quarantined,
            Some(&format!("retried by {user} as document {new}")),
        )?;
        tx.commit()?;
        Ok(())
    }

    fn queue_stats(&self) -> Result<Vec<QueueStats>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT t.queue,
                SUM(t.status = 'open'), SUM(t.status = 'claimed'),
                SUM(t.status <> 'done' AND t.due_at < ?1),
                MIN(CASE WHEN t.status <> 'done' THEN d.received_at END)
             FROM tasks t JOIN documents d ON d.id = t.root_document_id
             GROUP BY t.queue ORDER BY t.queue",
        )?;
        let due_now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let stats = stmt
            .query_map(params![due_now], |r| {
                Ok(QueueStats {
                    queue: r.get(0)?,
                    open: r.get::<_, i64>(1)? as u64,
                    claimed: r.get::<_, i64>(2)? as u64,
                    overdue: r.get::<_, i64>(3)? as u64,
                    oldest: r.get::<_, Option<String>>(4)?.map(|s| parse_time(&s)),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(stats)
    }

    fn routing_latencies(&self, limit: usize) -> Result<Vec<f64>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT d.received_at, e.at FROM ledger_events e JOIN documents d ON d.id = e.document_id
             WHERE e.status = 'routed' ORDER BY e.id DESC LIMIT ?1",
        )?;
        let out = stmt
            .query_map(params![limit as i64], |r| {
                let (a, b): (String, String) = (r.get(0)?, r.get(1)?);
                Ok((parse_time(&b) - parse_time(&a)).num_milliseconds() as f64 / 1000.0)
            })?
            .collect::<Result<_, _>>()?;
        Ok(out)
    }

    fn ocr_pages(&self) -> Result<u64, StoreError> {
        let conn = self.lock();
        let n: Option<i64> = conn.query_row(
            "SELECT SUM(json_array_length(ocr, '$.pages')) FROM documents WHERE ocr IS NOT NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(n.unwrap_or(0).max(0) as u64)
    }

    fn children(&self, id: DocumentId) -> Result<Vec<DocumentRow>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "{DOCUMENT_SELECT} WHERE d.parent_id = ?1 ORDER BY d.id"
        ))?;
        let rows = stmt
            .query_map(params![id.0], |r| SqliteStore::row_to_document(r, false))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_sessions_and_reads_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db")).unwrap();
        let erika = User::new(
            "erika",
            Role::Clerk,
            vec!["schaden".into()],
            vec![Permission::Health],
        )
        .unwrap();
        assert!(store.upsert_user(&erika, "hash1").unwrap());
        let (got, hash) = store.user("erika").unwrap().unwrap();
        assert_eq!((got, hash.as_str()), (erika.clone(), "hash1"));
        let later = Utc::now() + chrono::Duration::hours(1);
        store.create_session("tok", "erika", later).unwrap();
        store
            .create_session("old", "erika", Utc::now() - chrono::Duration::hours(1))
            .unwrap();
        assert_eq!(store.session_user("tok").unwrap(), Some(erika.clone()));
        assert_eq!(store.session_user("old").unwrap(), None, "expired");
        // Changing the user ends their sessions.
        assert!(!store.upsert_user(&erika, "hash2").unwrap());
        assert_eq!(store.session_user("tok").unwrap(), None);
        store.log_read("erika", DocumentId(7), "original").unwrap();
        let reads = store.document_reads(Some(DocumentId(7)), 10).unwrap();
        assert_eq!(reads.len(), 1);
        assert_eq!(
            (reads[0].user.as_str(), reads[0].what.as_str()),
            ("erika", "original")
        );
        assert!(store
            .document_reads(Some(DocumentId(8)), 10)
            .unwrap()
            .is_empty());
    }
}
