//! The JSON API, and the access-checked operations behind it that the UI pages share. Every
//! operation takes the calling [`User`] and enforces role, departments and the health
//! permission itself; reads of a document are logged.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::{ApiError, WebState};
use crate::cases::{CaseId, CaseView};
use crate::impulses::ImpulseOutcome;
use crate::inbox::TaskStatus;
use crate::index::{SearchRequest, SearchResults};
use crate::model::{DocStatus, DocumentId, Sha256Digest, TaskId};
use crate::sources::upload::{self, Accepted, UploadMeta, UploadedFile};
use crate::store::{CustomerFile, DocumentAccess, DocumentRow, Task, TaskChange};
use crate::users::User;

// ---------------------------------------------------------------- access-checked operations

fn forbid_unless(ok: bool, what: &str) -> Result<(), ApiError> {
    if ok {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!("your role may not {what}")))
    }
}

/// The document if `user` may read it: 404 if it does not exist, 403 if it is outside the
/// user's departments or health data without the permission.
fn readable(s: &WebState, user: &User, id: DocumentId) -> Result<DocumentAccess, ApiError> {
    let access = s
        .access
        .document_access(id)?
        .ok_or_else(|| ApiError::NotFound(format!("document {id} not found")))?;
    if !user.may_read(&access.queues, access.health_data) {
        // Refused attempts are part of the read log too.
        s.access.log_read(&user.name, id, "denied")?;
        return Err(ApiError::Forbidden(format!(
            "document {id} is outside what you may read"
        )));
    }
    Ok(access)
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    pub q: String,
    #[serde(rename = "type")]
    pub doc_type: Option<String>,
    pub customer: Option<String>,
    pub queue: Option<String>,
    pub channel: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub page: Option<usize>,
    pub per_page: Option<usize>,
}

#[derive(Debug, Serialize)]
pub struct SearchPage {
    pub page: usize,
    pub per_page: usize,
    #[serde(flatten)]
    pub results: SearchResults,
}

fn parse_day(key: &str, v: &Option<String>) -> Result<Option<NaiveDate>, ApiError> {
    match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(d) => d.parse().map(Some).map_err(|_| {
            ApiError::BadRequest(format!("{key}: {d:?} is not a date like 2026-03-01"))
        }),
    }
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

pub async fn search_for(
    state: &Arc<WebState>,
    user: &User,
    p: SearchParams,
) -> Result<SearchPage, ApiError> {
    forbid_unless(user.reads_documents(), "search the archive")?;
    let per_page = p.per_page.unwrap_or(20).clamp(1, 100);
    let page = p.page.unwrap_or(1).max(1);
    let req = SearchRequest {
        query: p.q.clone(),
        doc_type: non_empty(p.doc_type),
        customer_id: non_empty(p.customer),
        queue: non_empty(p.queue),
        channel: non_empty(p.channel),
        since: parse_day("since", &p.since)?,
        until: parse_day("until", &p.until)?,
        limit: per_page,
        offset: (page - 1).saturating_mul(per_page).min(10_000),
        facets: true,
        access: user.scope().into(),
    };
    let results = state.blocking(move |s| Ok(s.index.search(&req)?)).await?;
    Ok(SearchPage {
        page,
        per_page,
        results,
    })
}

/// A document with what a clerk needs beside it.
#[derive(Debug, Serialize)]
pub struct DocumentView {
    #[serde(flatten)]
    pub document: DocumentRow,
    /// The attachments directly inside it.
    pub attachments: Vec<DocumentRow>,
    /// The task of its case, if routed.
    pub case_task: Option<Task>,
}

pub async fn document_for(
    state: &Arc<WebState>,
    user: &User,
    id: DocumentId,
) -> Result<DocumentView, ApiError> {
    let user = user.clone();
    state
        .blocking(move |s| {
            let access = readable(s, &user, id)?;
            let document = s.store.document(id)?;
            let attachments = s.access.children(id)?;
            let root = s.store.document(access.root_id)?;
            let case_task = match root
                .understanding
                .task
                .as_ref()
                .and_then(|t| t["id"].as_i64())
            {
                Some(t) => Some(s.store.task(TaskId(t))?),
                None => None,
            };
            s.access.log_read(&user.name, id, "metadata")?;
            Ok(DocumentView {
                document,
                attachments,
                case_task,
            })
        })
        .await
}

/// The original bytes with a content type that is safe to hand to a browser.
pub struct Original {
    pub bytes: Vec<u8>,
    pub media_type: String,
    pub filename: String,
}

/// Media types a browser may show inline (preview); anything else is only a download.
pub fn previewable(media_type: &str) -> bool {
    matches!(
        media_type,
        "application/pdf" | "image/png" | "image/jpeg" | "image/gif" | "text/plain"
    )
}

pub async fn original_for(
    state: &Arc<WebState>,
    user: &User,
    id: DocumentId,
    what: &'static str,
) -> Result<Original, ApiError> {
    let user = user.clone();
    state
        .blocking(move |s| {
            readable(s, &user, id)?;
            let doc = s.store.document(id)?;
            if !doc.stored {
                return Err(ApiError::NotFound(format!(
                    "document {id} was not stored (too large: {} bytes)",
                    doc.size
                )));
            }
            let sha = Sha256Digest::from_hex(&doc.sha256)
                .ok_or_else(|| ApiError::internal(format!("document {id}: bad digest")))?;
            let bytes = s.blobs.get(&sha)?;
            s.access.log_read(&user.name, id, what)?;
            Ok(Original {
                bytes,
                media_type: doc
                    .media_type
                    .unwrap_or_else(|| "application/octet-stream".into()),
                filename: doc.filename.unwrap_or_else(|| format!("document-{id}")),
            })
        })
        .await
}

/// Bytes as a download: never rendered as HTML, never sniffed.
pub fn download(o: Original) -> Response {
    let content_type = if previewable(&o.media_type) || o.media_type.starts_with("image/") {
        o.media_type.clone()
    } else if o.media_type == "message/rfc822" {
        "message/rfc822".into()
    } else {
        "application/octet-stream".into()
    };
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        o.filename
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            })
            .collect::<String>(),
        percent_encoding::utf8_percent_encode(&o.filename, percent_encoding::NON_ALPHANUMERIC)
    );
    guarded_bytes(
        o.bytes,
        &content_type,
        &disposition,
        Some("sandbox; default-src 'none'"),
    )
}

/// Bytes from outside with headers that keep a browser from sniffing or running them.
pub fn guarded_bytes(
    bytes: Vec<u8>,
    content_type: &str,
    disposition: &str,
    csp: Option<&'static str>,
) -> Response {
    let mut r = Response::new(Body::from(bytes));
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Some(csp) = csp {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
    }
    r
}

/// The customer's file, limited to the documents and tasks the user may see.
pub async fn customer_for(
    state: &Arc<WebState>,
    user: &User,
    customer_id: String,
) -> Result<CustomerFile, ApiError> {
    forbid_unless(user.reads_documents(), "open customer files")?;
    let user = user.clone();
    state
        .blocking(move |s| {
            let mut file = s
                .store
                .customer_file(&customer_id)?
                .ok_or_else(|| ApiError::NotFound(format!("customer {customer_id} not found")))?;
            let mut visible = Vec::with_capacity(file.timeline.len());
            for entry in file.timeline {
                let access = s.access.document_access(entry.document_id)?;
                if access.is_some_and(|a| user.may_read(&a.queues, a.health_data)) {
                    visible.push(entry);
                }
            }
            file.timeline = visible;
            file.tasks.retain(|t| may_work(&user, t));
            if !user.has(crate::users::Permission::Health) {
                // A health-insurance contract is itself health data.
                let health_products = &s.config.privacy.health_products;
                file.contracts
                    .retain(|c| !health_products.contains(&c.product));
                for t in &mut file.tasks {
                    t.spec
                        .contracts
                        .retain(|c| !health_products.contains(&c.product));
                }
            }
            Ok(file)
        })
        .await
}

/// A task is worked in its queue and in any further queue it is listed in (e.g. `retention`).
fn may_work(user: &User, task: &Task) -> bool {
    (user.works_queue(&task.spec.queue)
        || task.case.also_queues.iter().any(|q| user.works_queue(q)))
        && (!task.spec.health_data || user.has(crate::users::Permission::Health))
}

pub async fn tasks_for(
    state: &Arc<WebState>,
    user: &User,
    queue: Option<String>,
    status: Option<String>,
) -> Result<Vec<Task>, ApiError> {
    forbid_unless(user.reads_documents(), "work tasks")?;
    let status = match non_empty(status) {
        None => None,
        Some(s) => Some(TaskStatus::parse(&s).ok_or_else(|| {
            ApiError::BadRequest(format!("status {s:?}: use open, claimed or done"))
        })?),
    };
    let queue = non_empty(queue);
    if let Some(q) = &queue {
        if !user.works_queue(q) {
            return Err(ApiError::Forbidden(format!(
                "queue {q} is not one of your departments"
            )));
        }
    }
    let user = user.clone();
    state
        .blocking(move |s| {
            let mut tasks = s.store.tasks(queue.as_deref(), status)?;
            tasks.retain(|t| may_work(&user, t));
            Ok(tasks)
        })
        .await
}

/// The task if `user` may work it (blocking; call on the blocking pool).
fn workable_task(s: &WebState, user: &User, id: TaskId) -> Result<Task, ApiError> {
    let task = s.store.task(id)?;
    if !may_work(user, &task) {
        return Err(ApiError::Forbidden(format!(
            "task {id} is not in one of your departments"
        )));
    }
    Ok(task)
}

pub async fn task_for(state: &Arc<WebState>, user: &User, id: TaskId) -> Result<Task, ApiError> {
    let user = user.clone();
    state.blocking(move |s| workable_task(s, &user, id)).await
}

/// Checks that `user` may work the task, then applies `act` with the user's name as the
/// actor, in one call on the blocking pool.
async fn act_on_task(
    state: &Arc<WebState>,
    user: &User,
    id: TaskId,
    act: impl FnOnce(&WebState, &str) -> Result<Task, ApiError> + Send + 'static,
) -> Result<Task, ApiError> {
    let user = user.clone();
    state
        .blocking(move |s| {
            workable_task(s, &user, id)?;
            act(s, &user.name)
        })
        .await
}

/// The queues tasks can be sent to (computed once at start: `inbox::queues` reads the impulse
/// rules).
pub fn known_queues(state: &WebState) -> &[String] {
    &state.queues
}

pub async fn change_task_for(
    state: &Arc<WebState>,
    user: &User,
    id: TaskId,
    change: TaskChange,
) -> Result<Task, ApiError> {
    match &change {
        TaskChange::Reassign { queue } if !known_queues(state).contains(queue) => {
            return Err(ApiError::BadRequest(format!(
                "queue {queue:?} is not a queue ({})",
                known_queues(state).join(", ")
            )));
        }
        TaskChange::Correct {
            doc_type: Some(t), ..
        } if crate::classify::DocType::parse(t).is_none() => {
            return Err(ApiError::BadRequest(format!(
                "type {t:?} is not a document type"
            )));
        }
        _ => {}
    }
    act_on_task(state, user, id, move |s, actor| {
        // The store refuses an unknown customer (400).
        Ok(s.store.change_task(id, &change, actor)?)
    })
    .await
}

/// Checks a process step off (`done = false`: on again).
pub async fn step_for(
    state: &Arc<WebState>,
    user: &User,
    id: TaskId,
    step: String,
    done: bool,
) -> Result<Task, ApiError> {
    act_on_task(state, user, id, move |s, actor| {
        Ok(s.store.check_step(id, &step, done, actor)?)
    })
    .await
}

/// Records what became of an impulse.
pub async fn impulse_for(
    state: &Arc<WebState>,
    user: &User,
    id: TaskId,
    rule: String,
    outcome: ImpulseOutcome,
) -> Result<Task, ApiError> {
    act_on_task(state, user, id, move |s, actor| {
        Ok(s.store.record_impulse_outcome(id, &rule, outcome, actor)?)
    })
    .await
}

/// A case with its documents and history, if the user may work its task; documents the user
/// may not read are left out.
pub async fn case_for(
    state: &Arc<WebState>,
    user: &User,
    id: CaseId,
) -> Result<CaseView, ApiError> {
    forbid_unless(user.reads_documents(), "open cases")?;
    let user = user.clone();
    state
        .blocking(move |s| {
            let mut view = s
                .store
                .case_view(id)?
                .ok_or_else(|| ApiError::NotFound(format!("case {id} not found")))?;
            if let Some(task) = &view.task {
                if !may_work(&user, task) {
                    return Err(ApiError::Forbidden(format!(
                        "case {id} is not in one of your departments"
                    )));
                }
            } else if user.role != crate::users::Role::Admin {
                return Err(ApiError::Forbidden(format!(
                    "case {id} has no task you work"
                )));
            }
            let mut visible = Vec::with_capacity(view.documents.len());
            for d in view.documents {
                let access = s.access.document_access(d.document_id)?;
                if access.is_some_and(|a| user.may_read(&a.queues, a.health_data)) {
                    visible.push(d);
                }
            }
            view.documents = visible;
            Ok(view)
        })
        .await
}

/// Reads a multipart upload: file fields (any field with a file name) and `channel`,
/// `customer`, `note`.
pub async fn read_upload(
    state: &WebState,
    mut form: Multipart,
) -> Result<(Vec<UploadedFile>, UploadMeta), ApiError> {
    let too_large = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(format!(
                "the upload is larger than {} bytes (web.max_upload_bytes)",
                state.config.web.max_upload_bytes
            ))
        } else {
            ApiError::BadRequest(format!("not a valid multipart upload: {}", e.body_text()))
        }
    };
    let mut files = Vec::new();
    let mut meta = UploadMeta::default();
    while let Some(field) = form.next_field().await.map_err(too_large)? {
        let name = field.name().unwrap_or_default().to_string();
        let filename = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(too_large)?;
        if filename.is_some() || name == "file" {
            if bytes.is_empty() && filename.as_deref().unwrap_or_default().is_empty() {
                continue; // an empty file input of a form
            }
            let limit = state.config.limits.max_file_bytes;
            if bytes.len() as u64 > limit {
                return Err(ApiError::TooLarge(format!(
                    "{} is larger than {limit} bytes (limits.max_file_bytes)",
                    filename.as_deref().unwrap_or("the file")
                )));
            }
            files.push(UploadedFile {
                filename,
                bytes: bytes.to_vec(),
            });
            continue;
        }
        let text = String::from_utf8_lossy(&bytes).trim().to_string();
        match name.as_str() {
            "channel" if !text.is_empty() => meta.channel = Some(text),
            "customer" => meta.customer_hint = Some(text),
            "note" => meta.note = Some(text),
            _ => {}
        }
    }
    Ok((files, meta))
}

/// Takes an upload slot before the body is read (so waiting uploads bound memory), and refuses
/// a declared body over the limit at once.
pub fn begin_upload<'a>(
    state: &'a WebState,
    headers: &axum::http::HeaderMap,
) -> Result<tokio::sync::SemaphorePermit<'a>, ApiError> {
    let limit = state.config.web.max_upload_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::TooLarge(format!(
            "the upload is larger than {limit} bytes (web.max_upload_bytes)"
        )));
    }
    state.uploads.try_acquire().map_err(|_| ApiError::Busy {
        message: "too many uploads at once; try again shortly".into(),
        retry_after: state.config.web.retry_after_seconds,
    })
}

/// The upload slot, or the refusal; a refused body is read and thrown away first (in
/// chunks, never held), so that clients which send the whole body before reading see the 503.
pub async fn upload_slot<'a>(
    state: &'a WebState,
    headers: &axum::http::HeaderMap,
    form: &mut Multipart,
) -> Result<tokio::sync::SemaphorePermit<'a>, ApiError> {
    match begin_upload(state, headers) {
        Err(busy @ ApiError::Busy { .. }) => {
            while let Ok(Some(mut field)) = form.next_field().await {
                while let Ok(Some(_)) = field.chunk().await {}
            }
            Err(busy)
        }
        other => other,
    }
}

/// Hands read files to the pipeline (the caller holds a slot from [`begin_upload`]).
pub async fn upload_for(
    state: &Arc<WebState>,
    user: &User,
    files: Vec<UploadedFile>,
    mut meta: UploadMeta,
) -> Result<Vec<Accepted>, ApiError> {
    let retry_after = state.config.web.retry_after_seconds;
    meta.user = user.name.clone();
    let mut accepted = upload::submit(&state.pipeline, files, &meta)
        .await
        .map_err(|e| ApiError::from_upload(e, retry_after))?;
    // Which document the bytes duplicate is only told to someone who may read it.
    if accepted.iter().any(|a| a.duplicate_of.is_some()) {
        let user = user.clone();
        accepted = state
            .blocking(move |s| {
                for a in &mut accepted {
                    if let Some(of) = a.duplicate_of {
                        let access = s.access.document_access(of)?;
                        if !access.is_some_and(|x| user.may_read(&x.queues, x.health_data)) {
                            a.duplicate_of = None;
                        }
                    }
                }
                Ok(accepted)
            })
            .await?;
    }
    state.metrics.uploads(accepted.len());
    Ok(accepted)
}

#[derive(Debug, Serialize)]
pub struct Ledger {
    pub documents: BTreeMap<String, u64>,
    pub failures: Vec<DocumentRow>,
}

pub async fn ledger_for(state: &Arc<WebState>, user: &User) -> Result<Ledger, ApiError> {
    forbid_unless(user.sees_ledger(), "see the ledger")?;
    state
        .blocking(|s| {
            Ok(Ledger {
                documents: s
                    .store
                    .status_counts()?
                    .into_iter()
                    .map(|(k, v)| (k.as_str().to_string(), v))
                    .collect(),
                failures: s.access.failures(200)?,
            })
        })
        .await
}

/// Hands a quarantined item's original to the pipeline again (after a fix or a new release).
pub async fn retry_for(
    state: &Arc<WebState>,
    user: &User,
    id: DocumentId,
) -> Result<Accepted, ApiError> {
    forbid_unless(user.sees_ledger(), "retry failed items")?;
    let (doc, bytes) = state
        .blocking(move |s| {
            let doc = s.store.document(id)?;
            if doc.parent_id.is_some() {
                return Err(ApiError::Conflict(format!(
                    "document {id} is an attachment of document {}; an attachment is processed with the item it came in",
                    doc.root_id
                )));
            }
            if s.access.retried_as(id)?.is_some() {
                return Err(ApiError::Conflict(format!("document {id} was retried already")));
            }
            if doc.status != DocStatus::Quarantined {
                return Err(ApiError::Conflict(format!(
                    "document {id} is {}, not quarantined",
                    doc.status
                )));
            }
            if !doc.stored {
                return Err(ApiError::Conflict(format!(
                    "document {id} was too large to store; it cannot be retried"
                )));
            }
            let sha = Sha256Digest::from_hex(&doc.sha256)
                .ok_or_else(|| ApiError::internal("bad digest"))?;
            let bytes = s.blobs.get(&sha)?;
            Ok((doc, bytes))
        })
        .await?;
    let meta = UploadMeta {
        channel: Some(doc.channel.clone()),
        note: Some(format!("retry of document {id}")),
        ..Default::default()
    };
    let files = vec![UploadedFile {
        filename: doc.filename.clone(),
        bytes,
    }];
    let _slot = begin_upload(state, &axum::http::HeaderMap::new())?;
    let accepted = upload_for(state, user, files, meta)
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("retry produced no receipt"))?;
    let (new, actor) = (accepted.id, user.name.clone());
    state
        .blocking(move |s| Ok(s.access.record_retry(id, new, &actor)?))
        .await?;
    Ok(accepted)
}

// ---------------------------------------------------------------- JSON handlers

pub async fn me(Caller(user): Caller) -> Json<User> {
    Json(user)
}

pub async fn upload(
    State(state): State<Arc<WebState>>,
    Caller(user): Caller,
    headers: axum::http::HeaderMap,
    mut form: Multipart,
) -> Result<Response, ApiError> {
    let _slot = upload_slot(&state, &headers, &mut form).await?;
    let (files, meta) = read_upload(&state, form).await?;
    let accepted = upload_for(&state, &user, files, meta).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "documents": accepted })),
    )
        .into_response())
}

pub async fn document(
    State(state): State<Arc<WebState>>,
    Caller(user): Caller,
    Path(id): Path<i64>,
) -> Result<Json<DocumentView>, ApiError> {
    Ok(Json(document_for(&state, &user, DocumentId(id)).await?))
}

pub async fn original(
    State(state): State<Arc<WebState>>,
    Caller(user): Caller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(download(
        original_for(&state, &user, DocumentId(id), "original").await?,
    ))
}

pub async fn rendition(
    State(state): State<Arc<WebState>>,
    Caller(user): Caller,
    Path((id, kind)): Path<(i64, String)>,
) -> Result<Response, ApiError> {
    Ok(download(
        rendition_for(&state, &user, DocumentId(id), kind, "rendition").await?,
    ))
}

/// A derived copy (e.g. `searchable_pdf`) of a document the user may read; the read is logged
/// as `what`.
pub async fn rendition_for(
    state: &Arc<WebState>,
    user: &User,
    id: DocumentId,
    kind: String,
    what: &'static str,
) -> Result<Original, ApiError> {
    let user = user.clone();
    state
        .blocking(move |s| {
            readable(s, &user, id)?;
            let doc = s.store.document(id)?;
            let r = doc
                .renditions
                .iter()
                .find(|r| r.kind == kind)
                .ok_or_else(|| ApiError::NotFound(format!("document {id} has no {kind}")))?;
            let sha = Sha256Digest::from_hex(&r.sha256)
                .ok_or_else(|| ApiError::internal("bad digest"))?;
            let bytes = s.blobs.get(&sha)?;
            s.access.log_read(&user.name, id, what)?;
            Ok(Original {
                bytes,
                media_type: r.media_type.clone(),
                filename: format!("document-{id}-{kind}.pdf"),
            })
        })
        .await
}

#[derive(Deserialize)]
pub struct ReadsParams {
    pub limit: Option<usize>,
}

/// `GET /api/documents/{id}/reads`: who read the document (admins only).
pub async fn document_reads(
    State(state): State<Arc<WebState>>,
    Caller(user): Caller,
    Path(id): Path<i64>,
    Query(p): Query<ReadsParams>,
) -> Result<Json<Vec<crate::store::DocumentRead>>, ApiError> {
    forbid_unless(user.role == crate::users::Role::Admin, "see the read log")?;
    let limit = p.limit.unwrap_or(100).min(10_000);
    Ok(Json(
        state
            .blocking(move |s| Ok(s.access.document_reads(Some(DocumentId(id)), limit)?))
            .await?,
    ))
}

pub async fn search(
    State(state): State<Arc<WebState>>,
    Caller(user): Caller,
    Query(p): Query<SearchParams>,
) -> Result<Json<SearchPage>, ApiError> {
    Ok(Json(search_for(&state, &user, p).await?))
}

pub async fn customer(
    State(state): State<Arc<WebState>>,
    Caller(user): Caller,
    Path(id): Path<String>,
) -> Result<Json<CustomerFile>, ApiError> {
    Ok(Json(customer_for(&state, &user, id).await?))
}

#[derive(Deserialize)]
pub struct TasksParams {
    pub queue: Option<String>,
    pub status: Option<String>,
}

pub async fn tasks(
    State(state): State<Arc<WebState>>,
    Caller(user): Caller,
    Query(p): Query<TasksParams>,
) -> Result<Json<Vec<Task>>, ApiError> {
    Ok(Json(tasks_for(&state, &user, p.queue, p.status).await?))
}

pub async fn task(
    State(state): State<Arc<WebState>>,
    Caller(user): Caller,
    Path(id): Path<i64>,
) -> Result<Json<Task>, ApiError> {
    Ok(Json(task_for(&state, &user, TaskId(id)).await?))
}

pub async fn claim(
    State(state): State<Arc<WebState>>,
    Caller(user): Caller,
    Path(id): Path<i64>,
) -> Result<Json<Task>, ApiError> {
    Ok(Json(
        change_task_for(&state, &user, TaskId(id), TaskChange::Claim).await?,
    ))
}

pub async fn done(
    State(state): State<Arc<WebState>>,
    Caller(user): Caller,
    Path(id): Path<i64>,
) -> Result<Json<Task>, ApiError> {
    Ok(Json(
        change_task_for(&state, &user, TaskId(id), TaskChange::Done).await?,
    ))
}

#[derive(Deserialize)]
pub struct ReassignBody {
    pub queue: String,
}

pub async fn reassign(
    State(state): State<Arc<WebState>>,
    Caller(user): Caller,
    Path(id): Path<i64>,
    Json(body): Json<ReassignBody>,
) -> Result<Json<Task>, ApiError> {
    let change = TaskChange::Reassign { queue: body.queue };
    Ok(Json(
        change_task_for(&state, &user, TaskId(id), change).await?,
    ))
}

#[derive(Deserialize)]
pub struct CorrectBody {
    #[serde(rename = "type")]
    pub doc_type: Option<String>,
    pub customer: Option<String>,
}

pub async fn correct(
    State(state): State<Arc<WebState>>,
    Caller(user): Caller,
    Path(id): Path<i64>,
    Json(body): Json<CorrectBody>,
) -> Result<Json<Task>, ApiError> {
    let change = TaskChange::Correct {
        doc_type: non_empty(body.doc_type),
        customer_id: non_empty(body.customer),
    };
    if matches!(
        change,
        TaskChange::Correct {
            doc_type: None,
            customer_id: None
        }
    ) {
        return Err(ApiError::BadRequest("give a type and/or a customer".into()));
    }
    Ok(Json(
        change_task_for(&state, &user, TaskId(id), change).await?,
    ))
}

#[derive(Deserialize)]
pub struct StepBody {
    #[serde(default = "yes")]
    pub done: bool,
}

fn yes() -> bool {
    true
}

pub async fn step(
    State(state): State<Arc<WebState>>,
    Caller(user): Caller,
    Path((id, step)): Path<(i64, String)>,
    body: Option<Json<StepBody>>,
) -> Result<Json<Task>, ApiError> {
    let done = body.map(|b| b.done).unwrap_or(true);
    Ok(Json(step_for(&state, &user, TaskId(id), step, done).await?))
}

#[derive(Deserialize)]
pub struct ImpulseBody {
    pub outcome: ImpulseOutcome,
}

pub async fn impulse(
    State(state): State<Arc<WebState>>,
    Caller(user): Caller,
    Path((id, rule)): Path<(i64, String)>,
    Json(body): Json<ImpulseBody>,
) -> Result<Json<Task>, ApiError> {
    Ok(Json(
        impulse_for(&state, &user, TaskId(id), rule, body.outcome).await?,
    ))
}

pub async fn case(
    State(state): State<Arc<WebState>>,
    Caller(user): Caller,
    Path(id): Path<i64>,
) -> Result<Json<CaseView>, ApiError> {
    Ok(Json(case_for(&state, &user, CaseId(id)).await?))
}

pub async fn ledger(
    State(state): State<Arc<WebState>>,
    Caller(user): Caller,
) -> Result<Json<Ledger>, ApiError> {
    Ok(Json(ledger_for(&state, &user).await?))
}

pub async fn retry(
    State(state): State<Arc<WebState>>,
    Caller(user): Caller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let accepted = retry_for(&state, &user, DocumentId(id)).await?;
    Ok((StatusCode::CREATED, Json(accepted)).into_response())
}

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], super::OPENAPI).into_response()
}
