//! Receipt stage: takes batches of [`Intake`]s from the sources, puts their bytes into the blob
//! store, makes them durable with one sync, and records them in the ledger in one transaction.
//! Only then does an item count as received. Sends new items to extraction; answers duplicates,
//! items quarantined at receipt and re-deliveries of finished items at once.

use chrono::Utc;
use crossbeam_channel::Sender;
use tokio::sync::mpsc;

use super::{with_retry, Acks, Finish, Shared, StageError, ToExtract};
use crate::model::{DocStatus, Intake, Outcome, Payload};
use crate::store::{NewReceipt, Receipt};

const STAGE: &str = "receipt";

/// The metadata key under which a source records a customer number it knows.
pub const CUSTOMER_HINT: &str = "customer_hint";

pub(super) fn run(
    shared: &Shared,
    mut intake_rx: mpsc::Receiver<(Intake, Acks)>,
    extract_tx: Sender<ToExtract>,
    finish_tx: Sender<Finish>,
    batch_size: usize,
) -> Result<(), StageError> {
    while let Some(first) = intake_rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < batch_size {
            match intake_rx.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        let started = std::time::Instant::now();
        let receipts = store_originals(shared, &batch)?;
        let stored = started.elapsed().as_millis();
        let results = with_retry("recording receipts", || {
            shared.store.record_receipts(&receipts)
        })
        .map_err(|source| StageError::Store {
            stage: STAGE,
            source,
        })?;
        tracing::debug!(
            items = batch.len(),
            blobs_ms = stored,
            ledger_ms = started.elapsed().as_millis() - stored,
            "received a batch"
        );
        let received_at = receipts.first().map(|r| r.received_at).unwrap_or_default();
        for ((intake, acks), receipt) in batch.into_iter().zip(results) {
            let ack = acks.outcome;
            if let Some(received) = acks.received {
                // The original is durable and recorded: the uploader may be answered.
                let _ = received.send(receipt.clone());
            }
            let name_hint = intake.source.filename.clone();
            let customer_hint = intake.metadata.get(CUSTOMER_HINT).cloned();
            let bytes = match intake.payload {
                Payload::Bytes(b) => Some((b, received_at)),
                Payload::TooLarge { .. } => None,
            };
            let to_extract = |id| ToExtract {
                id,
                bytes,
                name_hint,
                customer_hint,
            };
            let sent = match receipt {
                Receipt::New(id) => {
                    shared.in_flight.enter(id, Some(ack));
                    extract_tx.send(to_extract(id)).is_ok()
                }
                Receipt::Redelivered { id, status } => {
                    if !shared.in_flight.enter(id, Some(ack)) {
                        // Already on its way (resumed after a restart): wait for it.
                        true
                    } else if status.is_final() {
                        let outcome =
                            shared
                                .store
                                .outcome(id)
                                .map_err(|source| StageError::Store {
                                    stage: STAGE,
                                    source,
                                })?;
                        shared
                            .in_flight
                            .complete(outcome.unwrap_or(Outcome::Done(id)));
                        true
                    } else if status == DocStatus::Received {
                        extract_tx.send(to_extract(id)).is_ok()
                    } else {
                        finish_tx.send(Finish::Resume { id, status }).is_ok()
                    }
                }
                Receipt::Duplicate { id, of } => {
                    let _ = ack.send(Outcome::Duplicate { id, of });
                    true
                }
                Receipt::Quarantined { id, reason } => {
                    let _ = ack.send(Outcome::Quarantined { id, reason });
                    true
                }
            };
            if !sent {
                // Downstream is gone (shutdown): the item stays `received` and resumes on restart.
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Writes every original to the blob store and syncs once; returns the ledger records.
fn store_originals(
    shared: &Shared,
    batch: &[(Intake, Acks)],
) -> Result<Vec<NewReceipt>, StageError> {
    let blob_err = |source| StageError::Blob {
        stage: STAGE,
        source,
    };
    let received_at = Utc::now();
    let mut receipts = Vec::with_capacity(batch.len());
    for (intake, _) in batch {
        let (sha256, size, stored, quarantine) = match &intake.payload {
            Payload::Bytes(bytes) => {
                let sha = with_retry("storing an original", || shared.blobs.put(bytes))
                    .map_err(blob_err)?;
                (sha, bytes.len() as u64, true, None)
            }
            Payload::TooLarge {
                size,
                limit,
                sha256,
            } => (
                *sha256,
                *size,
                false,
                Some(format!(
                    "file too large: {} bytes, the limit is {} bytes (limits.max_file_bytes); it was not taken into the archive",
                    size, limit
                )),
            ),
        };
        receipts.push(NewReceipt {
            channel: intake.channel.clone(),
            source: intake.source.clone(),
            metadata: intake.metadata.clone(),
            received_at,
            sha256,
            size,
            stored,
            quarantine,
        });
    }
    with_retry("syncing originals", || shared.blobs.sync()).map_err(blob_err)?;
    Ok(receipts)
}
