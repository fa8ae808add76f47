//! `GET /metrics` (Prometheus text format) and `GET /healthz`. Request counts and latencies are
//! counted as requests pass ([`track`]); documents by stage and outcome, queue depths, backlog
//! age, OCR pages and receipt-to-routing latency are read from the store at scrape time, so
//! they are right across restarts and for work done by `intake ingest`.

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::{ApiError, WebState};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteOnly {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabel {
    queue: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QuantileLabel {
    quantile: String,
}

/// The registry and every metric in it.
pub struct HttpMetrics {
    registry: Mutex<Registry>,
    requests: Family<RouteLabels, Counter>,
    latency: Family<RouteOnly, Histogram>,
    uploaded: Counter,
    documents: Family<StatusLabel, Gauge>,
    tasks_open: Family<QueueLabel, Gauge>,
    tasks_claimed: Family<QueueLabel, Gauge>,
    tasks_overdue: Family<QueueLabel, Gauge>,
    backlog_age: Family<QueueLabel, Gauge<f64, AtomicU64>>,
    ocr_pages: Gauge,
    overruns: Gauge,
    runaways: Gauge,
    routing_latency: Family<QuantileLabel, Gauge<f64, AtomicU64>>,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("intake");
        let requests = Family::<RouteLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        let latency = Family::<RouteOnly, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
            ])
        });
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
        let uploaded = Counter::default();
        registry.register(
            "uploaded_files",
            "Files taken in over HTTP since start",
            uploaded.clone(),
        );
        let documents = Family::<StatusLabel, Gauge>::default();
        registry.register(
            "documents",
            "Documents in the ledger by stage/outcome (received, extracted, classified, indexed, routed, duplicate, quarantined)",
            documents.clone(),
        );
        let tasks_open = Family::<QueueLabel, Gauge>::default();
        registry.register("tasks_open", "Open tasks per queue", tasks_open.clone());
        let tasks_claimed = Family::<QueueLabel, Gauge>::default();
        registry.register(
            "tasks_claimed",
            "Claimed (in work) tasks per queue",
            tasks_claimed.clone(),
        );
        let tasks_overdue = Family::<QueueLabel, Gauge>::default();
        registry.register(
            "tasks_overdue",
            "Open or claimed tasks past their due time per queue",
            tasks_overdue.clone(),
        );
        let backlog_age = Family::<QueueLabel, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "backlog_age_seconds",
            "Age of the oldest open or claimed task per queue (since receipt)",
            backlog_age.clone(),
        );
        let ocr_pages = Gauge::default();
        registry.register("ocr_pages", "Pages read by OCR", ocr_pages.clone());
        let overruns = Gauge::default();
        registry.register(
            "stage_overruns",
            "Items given up since start because extraction, OCR or understanding passed its deadline",
            overruns.clone(),
        );
        let runaways = Gauge::default();
        registry.register(
            "abandoned_work_running",
            "Work given up on that is still running (a parser stuck in a loop); restart to reclaim",
            runaways.clone(),
        );
        let routing_latency = Family::<QuantileLabel, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "receipt_to_routed_seconds",
            "Receipt-to-routing latency of the last 1000 routed items, by quantile",
            routing_latency.clone(),
        );
        HttpMetrics {
            registry: Mutex::new(registry),
            requests,
            latency,
            uploaded,
            documents,
            tasks_open,
            tasks_claimed,
            tasks_overdue,
            backlog_age,
            ocr_pages,
            overruns,
            runaways,
            routing_latency,
        }
    }
}

impl HttpMetrics {
    pub fn uploads(&self, n: usize) {
        self.uploaded.inc_by(n as u64);
    }

    fn refresh_from_store(&self, s: &WebState) -> Result<(), ApiError> {
        for (status, n) in s.store.status_counts()? {
            self.documents
                .get_or_create(&StatusLabel {
                    status: status.as_str().into(),
                })
                .set(n as i64);
        }
        let now = chrono::Utc::now();
        for q in s.access.queue_stats()? {
            let label = QueueLabel {
                queue: q.queue.clone(),
            };
            self.tasks_open.get_or_create(&label).set(q.open as i64);
            self.tasks_claimed
                .get_or_create(&label)
                .set(q.claimed as i64);
            self.tasks_overdue
                .get_or_create(&label)
                .set(q.overdue as i64);
            let age = q
                .oldest
                .map(|t| (now - t).num_milliseconds() as f64 / 1000.0)
                .unwrap_or(0.0);
            self.backlog_age.get_or_create(&label).set(age);
        }
        self.ocr_pages.set(s.access.ocr_pages()? as i64);
        self.overruns.set(crate::pipeline::overruns() as i64);
        self.runaways.set(crate::pipeline::runaways() as i64);
        let mut lat = s.access.routing_latencies(1000)?;
        lat.sort_by(f64::total_cmp);
        for (name, q) in [("0.5", 0.5), ("0.9", 0.9), ("0.99", 0.99)] {
            let v = if lat.is_empty() {
                0.0
            } else {
                lat[((lat.len() - 1) as f64 * q).round() as usize]
            };
            self.routing_latency
                .get_or_create(&QuantileLabel {
                    quantile: name.into(),
                })
                .set(v);
        }
        Ok(())
    }
}

/// Counts every request by its route pattern (never the raw path: ids would explode the labels).
pub async fn track(State(state): State<Arc<WebState>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    let m = &state.metrics;
    m.latency
        .get_or_create(&RouteOnly {
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    m.requests
        .get_or_create(&RouteLabels {
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

pub async fn metrics(State(state): State<Arc<WebState>>) -> Result<Response, ApiError> {
    let text = state
        .blocking(|s| {
            s.metrics.refresh_from_store(s)?;
            let mut out = String::new();
            let registry = s.metrics.registry.lock().unwrap_or_else(|p| p.into_inner());
            prometheus_client::encoding::text::encode(&mut out, &registry)
                .map_err(|e| ApiError::internal(e.to_string()))?;
            Ok(out)
        })
        .await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

/// Liveness and readiness: the store answers.
pub async fn healthz(State(state): State<Arc<WebState>>) -> Result<&'static str, ApiError> {
    state
        .blocking(|s| {
            s.store.meta_get("schema")?;
            Ok("ok")
        })
        .await
}
