//! The clerk's workplace over HTTP: the JSON API (`/api/…`, described in `docs/openapi.json`),
//! the server-rendered web UI (German labels), `/metrics` and `/healthz`. Takes the store, the
//! index reader, the blob store and a pipeline handle for uploads; never writes the index
//! itself (clerk changes are marked in the store and re-indexed by the finishing stage).
//! Every store or index call runs on the blocking pool, never on a tokio worker.

mod api;
mod auth;
mod error;
mod invoice;
mod metrics;
mod ui;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::index::ArchiveIndex;
use crate::pipeline::Pipeline;
use crate::store::blobs::BlobStore;
use crate::store::{AccessStore, Store};

pub use auth::{login, LoginError, LoginThrottle};
pub use error::ApiError;
pub use metrics::HttpMetrics;

/// What every handler shares.
pub struct WebState {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub access: Arc<dyn AccessStore>,
    pub blobs: BlobStore,
    pub index: Arc<ArchiveIndex>,
    pub pipeline: Pipeline,
    /// Uploads waiting for their receipt; more than `web.max_pending_uploads` get 503.
    pub uploads: Semaphore,
    pub metrics: HttpMetrics,
    /// Every queue a task can be in (`inbox::queues`), read once at start.
    pub queues: Vec<String>,
    /// Failed logins per user name.
    pub login_throttle: auth::LoginThrottle,
}

impl WebState {
    /// Runs a blocking store/index call on the blocking pool.
    async fn blocking<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&WebState) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let state = self.clone();
        tokio::task::spawn_blocking(move || f(&state))
            .await
            .map_err(|e| ApiError::internal(format!("blocking task failed: {e}")))?
    }
}

/// The document OpenAPI description of the API (hand-written: the API's types come from the
/// pipeline's modules, and deriving schemas for all of them would tie every module to the web
/// layer; `tests/it/web.rs` checks that every route is described).
pub const OPENAPI: &str = include_str!("../../docs/openapi.json");

pub fn router(state: Arc<WebState>) -> Router {
    let upload_limit = axum::extract::DefaultBodyLimit::max(
        usize::try_from(state.config.web.max_upload_bytes).unwrap_or(usize::MAX),
    );
    let api = Router::new()
        .route("/api/login", post(auth::api_login))
        .route("/api/logout", post(auth::api_logout))
        .route("/api/me", get(api::me))
        .route("/api/documents", post(api::upload).layer(upload_limit))
        .route("/api/documents/{id}", get(api::document))
        .route("/api/documents/{id}/original", get(api::original))
        .route("/api/documents/{id}/renditions/{kind}", get(api::rendition))
        .route("/api/documents/{id}/reads", get(api::document_reads))
        .route("/api/search", get(api::search))
        .route("/api/customers/{id}", get(api::customer))
        .route("/api/tasks", get(api::tasks))
        .route("/api/tasks/{id}", get(api::task))
        .route("/api/tasks/{id}/claim", post(api::claim))
        .route("/api/tasks/{id}/done", post(api::done))
        .route("/api/tasks/{id}/reassign", post(api::reassign))
        .route("/api/tasks/{id}/correct", post(api::correct))
        .route("/api/tasks/{id}/steps/{step}", post(api::step))
        .route("/api/tasks/{id}/impulses/{rule}", post(api::impulse))
        .route("/api/cases/{id}", get(api::case))
        .route("/api/ledger", get(api::ledger))
        .route("/api/failures/{id}/retry", post(api::retry))
        .route("/api/openapi.json", get(api::openapi));
    let ui = Router::new()
        .route("/", get(ui::home))
        .route("/login", get(ui::login_page).post(ui::login_submit))
        .route("/logout", post(ui::logout))
        .route("/suche", get(ui::search))
        .route("/dokumente/{id}", get(ui::document))
        .route("/dokumente/{id}/vorschau", get(ui::preview))
        .route("/kunden/{id}", get(ui::customer))
        .route("/koerbe", get(ui::queues))
        .route("/koerbe/{queue}", get(ui::queue))
        .route("/aufgaben/{id}/{action}", post(ui::task_action))
        .route("/aufgaben/{id}/schritte/{step}", post(ui::step))
        .route("/aufgaben/{id}/impulse/{rule}", post(ui::impulse))
        .route("/vorgaenge/{id}", get(ui::case))
        .route(
            "/hochladen",
            get(ui::upload_page)
                .post(ui::upload_submit)
                .layer(upload_limit),
        )
        .route("/poststelle", get(ui::mailroom))
        .route("/poststelle/{id}/retry", post(ui::retry))
        .route("/static/app.css", get(ui::stylesheet));
    Router::new()
        .merge(api)
        .merge(ui)
        .route("/metrics", get(metrics::metrics))
        .route("/healthz", get(metrics::healthz))
        .layer(axum::middleware::from_fn(auth::guard))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state)
}

/// Serves until `shutdown` resolves; then stops taking requests and finishes those in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<WebState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr: Option<SocketAddr> = listener.local_addr().ok();
    tracing::info!(address = ?addr, "web UI and API listening");
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
