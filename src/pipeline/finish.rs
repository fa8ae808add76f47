//! Finish stage: the one thread that owns the index writer. Per batch it records extraction
//! results (after one sync of the attachments' blobs), then moves every item through
//! understanding (type, identifiers, customer: [`crate::understand`]), indexing (one index
//! commit per batch) and routing (each item joins its open case or opens a case with a task:
//! [`crate::cases`]; tasks are appended to the outbox), writing each
//! state to the ledger, and finally answers the sources.

use crossbeam_channel::Receiver;

use super::{with_retry, Finish, Shared, StageError};
use crate::index::ArchiveWriter;
use crate::model::{DocStatus, DocumentId, Outcome};
use crate::store::StoreError;
use crate::understand::understand;

const STAGE: &str = "finish";

pub(super) fn run(
    shared: &Shared,
    rx: Receiver<Finish>,
    mut writer: ArchiveWriter,
    batch_size: usize,
) -> Result<(), StageError> {
    let store_err = |source: StoreError| StageError::Store {
        stage: STAGE,
        source,
    };
    let mut last_refresh = std::time::Instant::now();
    loop {
        if last_refresh.elapsed() >= STALE_INDEX_INTERVAL {
            refresh_stale_index(shared, &mut writer)?;
            last_refresh = std::time::Instant::now();
        }
        let first = match rx.recv_timeout(STALE_INDEX_INTERVAL) {
            Ok(m) => m,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => continue,
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
        };
        let mut batch = vec![first];
        while batch.len() < batch_size {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        let started = std::time::Instant::now();
        let mut lap = started;
        let mut laps: [u128; 4] = [0; 4];
        let mut mark = |i: usize| {
            laps[i] = lap.elapsed().as_millis();
            lap = std::time::Instant::now();
        };
        let mut records = Vec::new();
        let mut items: Vec<(DocumentId, DocStatus)> = Vec::new();
        for msg in batch {
            match msg {
                Finish::Extracted(r) => records.push(*r),
                Finish::Resume { id, status } => items.push((id, status)),
            }
        }
        if !records.is_empty() {
            // Attachments' blobs must be durable before the records that point at them.
            if records.iter().any(|r| !r.children.is_empty()) {
                with_retry("syncing attachments", || shared.blobs.sync()).map_err(|source| {
                    StageError::Blob {
                        stage: STAGE,
                        source,
                    }
                })?;
            }
            with_retry("recording extractions", || {
                shared.store.record_extractions(&records)
            })
            .map_err(store_err)?;
        }
        for r in &records {
            match &r.content {
                Ok(_) if r.understanding.is_some() => items.push((r.id, DocStatus::Classified)),
                Ok(_) => items.push((r.id, DocStatus::Extracted)),
                Err(reason) => shared.in_flight.complete(Outcome::Quarantined {
                    id: r.id,
                    reason: reason.clone(),
                }),
            }
        }
        let before = |s: DocStatus| -> Vec<DocumentId> {
            items
                .iter()
                .filter(|(_, st)| *st < s)
                .map(|(id, _)| *id)
                .collect()
        };

        mark(0);
        // Understanding: type, identifiers, customer, and the task it will get.
        let to_classify = before(DocStatus::Classified);
        if !to_classify.is_empty() {
            let mut understood = Vec::with_capacity(to_classify.len());
            for id in &to_classify {
                let case = with_retry("loading a case", || shared.store.case_content(*id))
                    .map_err(store_err)?;
                let span = tracing::debug_span!("understand", document = %id);
                let _enter = span.enter();
                understood.push(understand(&shared.knowledge, &case));
            }
            with_retry("recording understanding", || {
                shared.store.record_understanding(&understood)
            })
            .map_err(store_err)?;
        }

        mark(1);
        let to_index = before(DocStatus::Indexed);
        if !to_index.is_empty() {
            let index_records = with_retry("loading index records", || {
                shared.store.index_records(&to_index)
            })
            .map_err(store_err)?;
            let index_err = |source| StageError::Index {
                stage: STAGE,
                source,
            };
            writer.upsert(&index_records).map_err(index_err)?;
            with_retry("committing the index", || writer.commit()).map_err(index_err)?;
            with_retry("recording indexing", || {
                shared.store.advance(&to_index, DocStatus::Indexed)
            })
            .map_err(store_err)?;
        }

        mark(2);
        // Routing: each item joins its open case or opens one with a task, then the outbox.
        let to_route = before(DocStatus::Routed);
        if !to_route.is_empty() {
            with_retry("routing into cases", || {
                shared.store.route_cases(&to_route, &shared.cases)
            })
            .map_err(store_err)?;
            flush_outbox(shared)?;
        }
        mark(3);
        tracing::debug!(
            items = items.len(),
            record_ms = laps[0],
            understand_ms = laps[1],
            index_ms = laps[2],
            route_ms = laps[3],
            "finished a batch"
        );
        for (id, _) in items {
            shared.in_flight.complete(Outcome::Done(id));
        }
    }
    refresh_stale_index(shared, &mut writer)
}

/// How often the stage looks for cases whose index entry went stale.
const STALE_INDEX_INTERVAL: std::time::Duration = std::time::Duration::from_millis(500);

/// Re-indexes cases a clerk changed (queue, type, customer) so search and its access filter see
/// the change. The marks are in the store, so changes made by another process count too.
fn refresh_stale_index(shared: &Shared, writer: &mut ArchiveWriter) -> Result<(), StageError> {
    let store_err = |source: StoreError| StageError::Store {
        stage: STAGE,
        source,
    };
    let index_err = |source| StageError::Index {
        stage: STAGE,
        source,
    };
    loop {
        let roots = shared.store.index_pending(256).map_err(store_err)?;
        if roots.is_empty() {
            return Ok(());
        }
        let records = with_retry("loading index records", || {
            shared.store.index_records(&roots)
        })
        .map_err(store_err)?;
        writer.upsert(&records).map_err(index_err)?;
        with_retry("committing the index", || writer.commit()).map_err(index_err)?;
        shared
            .store
            .clear_index_pending(&roots)
            .map_err(store_err)?;
        tracing::debug!(cases = roots.len(), "re-indexed changed cases");
    }
}

/// Appends tasks not yet in the outbox, then records that they are.
pub(super) fn flush_outbox(shared: &Shared) -> Result<(), StageError> {
    let store_err = |source: StoreError| StageError::Store {
        stage: STAGE,
        source,
    };
    let pending = shared.store.outbox_pending().map_err(store_err)?;
    if pending.is_empty() {
        return Ok(());
    }
    with_retry("appending to the outbox", || {
        crate::inbox::append_outbox(&shared.outbox, &pending)
    })
    .map_err(|e| StageError::Outbox {
        path: shared.outbox.clone(),
        source: e,
    })?;
    let ids: Vec<_> = pending.iter().map(|t| t.id).collect();
    shared.store.mark_outbox_written(&ids).map_err(store_err)
}
