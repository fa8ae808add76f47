//! Finish stage: the one thread that owns the index writer. Per batch it records extraction
//! results (after one sync of the attachments' blobs), then moves every item through
//! classification, indexing (one index commit per batch) and routing, writing each state to the
//! ledger, and finally answers the sources. Classification and routing are pass-through until
//! the classifier and the central inbox exist; the states are kept so the ledger already has
//! its final shape.

use crossbeam_channel::Receiver;

use super::{with_retry, Finish, Shared, StageError};
use crate::index::ArchiveWriter;
use crate::model::{DocStatus, DocumentId, Outcome};
use crate::store::StoreError;

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
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < batch_size {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        let mut records = Vec::new();
        let mut items: Vec<(DocumentId, DocStatus)> = Vec::new();
        for msg in batch {
            match msg {
                Finish::Extracted(r) => records.push(*r),
                Finish::Resume { id, status } => items.push((id, status)),
            }
        }
        if !records.is_empty() {
            with_retry("syncing attachments", || shared.blobs.sync()).map_err(|source| {
                StageError::Blob {
                    stage: STAGE,
                    source,
                }
            })?;
            with_retry("recording extractions", || {
                shared.store.record_extractions(&records)
            })
            .map_err(store_err)?;
        }
        for r in &records {
            match &r.content {
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

        // Classification: arrives with the document-type issue; the state is recorded already.
        let to_classify = before(DocStatus::Classified);
        if !to_classify.is_empty() {
            with_retry("recording classification", || {
                shared.store.advance(&to_classify, DocStatus::Classified)
            })
            .map_err(store_err)?;
        }

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

        // Routing: the central inbox creates tasks here once it exists.
        let to_route = before(DocStatus::Routed);
        if !to_route.is_empty() {
            with_retry("recording routing", || {
                shared.store.advance(&to_route, DocStatus::Routed)
            })
            .map_err(store_err)?;
        }
        for (id, _) in items {
            shared.in_flight.complete(Outcome::Done(id));
        }
    }
    Ok(())
}
