//! The stage loops that move items between the pure parts of intake, and the messages on each
//! edge. Sources submit an [`Intake`] and get back an [`Outcome`] once the item is durably done
//! or quarantined; only then may they release their input.
//!
//! ```text
//! sources ──Intake──▶ receipt ──ToExtract──▶ extraction ×N ──Finish──▶ finish
//!   (async)   [intake_capacity]  (1 thread)   [extract_capacity]  (threads)  [finish_capacity]  (1 thread:
//!                                                  │                  ▲      classify → index → route)
//!                                                  └─ToOcr─▶ ocr ×M ──┘
//!                                               [ocr.capacity]  (threads, one tesseract each)
//! ```
//! Every edge is a bounded channel: when a stage falls behind, the one before it blocks and the
//! sources stop claiming input. Threads, not tokio tasks: every stage does blocking I/O or CPU work.
//! Extraction, OCR and understanding run each item with a deadline ([`Deadlines`]); an item
//! past it is given up with the reason (quarantined, or its pages recorded as failed), so no
//! input can stall the pipeline (`abandon.rs`).

mod abandon;
mod extraction;
mod finish;
mod ocr;
mod receipt;

pub use abandon::{overruns, runaways};
pub use receipt::CUSTOMER_HINT;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::sync::{mpsc, oneshot};

use crate::config::Config;
use crate::index::{ArchiveWriter, IndexError};
use crate::model::{DocStatus, DocumentId, Intake, Outcome};
use crate::store::blobs::{BlobError, BlobStore};
use crate::store::{ExtractionRecord, Receipt, Store, StoreError};
use crate::understand::{Knowledge, KnowledgeError};

/// A stage failed in a way retrying did not fix (the store or index is unusable). The process
/// stops; on restart the ledger resumes every unfinished item.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    #[error("{stage}: store: {source}")]
    Store {
        stage: &'static str,
        source: StoreError,
    },
    #[error("{stage}: blob store: {source}")]
    Blob {
        stage: &'static str,
        source: BlobError,
    },
    #[error("{stage}: index: {source}")]
    Index {
        stage: &'static str,
        source: IndexError,
    },
    #[error("task outbox {path}: {source}")]
    Outbox {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{stage}: thread panicked")]
    Panicked { stage: &'static str },
}

#[derive(Debug, thiserror::Error)]
#[error("the pipeline has stopped; the item was not taken")]
pub struct PipelineStopped;

#[derive(Debug, thiserror::Error)]
pub enum TrySubmitError {
    #[error("the pipeline is full; try again shortly")]
    Full,
    #[error(transparent)]
    Stopped(#[from] PipelineStopped),
}

/// Who is told what about an item: its final outcome, and (for callers that answer as soon as
/// the original is durable, like an HTTP upload) its receipt.
struct Acks {
    outcome: oneshot::Sender<Outcome>,
    received: Option<oneshot::Sender<Receipt>>,
}

/// receipt → extraction: a received item whose content must be read.
struct ToExtract {
    id: DocumentId,
    /// The original bytes and receipt time when the receipt stage still has them; `None` = read
    /// both from the store.
    bytes: Option<(Vec<u8>, chrono::DateTime<chrono::Utc>)>,
    name_hint: Option<String>,
    /// A customer number the source knew (an upload from the portal's logged-in customer);
    /// `None` with `bytes: None` = read from the store.
    customer_hint: Option<String>,
}

/// extraction/resume → finish.
enum Finish {
    Extracted(Box<ExtractionRecord>),
    /// An item interrupted after extraction; continue from `status`.
    Resume {
        id: DocumentId,
        status: DocStatus,
    },
}

/// Who waits for which item: the acks of the sources, keyed by document.
#[derive(Default)]
struct InFlight {
    waiters: Mutex<HashMap<DocumentId, Vec<oneshot::Sender<Outcome>>>>,
}

impl InFlight {
    /// Marks `id` as in flight (adding `ack` as a waiter). Returns false if it already was.
    fn enter(&self, id: DocumentId, ack: Option<oneshot::Sender<Outcome>>) -> bool {
        let mut w = self.waiters.lock().unwrap_or_else(|p| p.into_inner());
        let fresh = !w.contains_key(&id);
        let list = w.entry(id).or_default();
        list.extend(ack);
        fresh
    }

    fn complete(&self, outcome: Outcome) {
        let list = self
            .waiters
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&outcome.id());
        for ack in list.into_iter().flatten() {
            // A source that went away just means nobody releases the input: it is retaken later.
            let _ = ack.send(outcome.clone());
        }
    }
}

/// How long each stage may work on one item before giving it up.
#[derive(Debug, Clone, Copy)]
struct Deadlines {
    extract: std::time::Duration,
    understand: std::time::Duration,
    ocr_item: std::time::Duration,
}

/// Shared by the stage threads.
struct Shared {
    store: Arc<dyn Store>,
    blobs: BlobStore,
    in_flight: InFlight,
    knowledge: Knowledge,
    /// Case linking, impulses and process templates for routing.
    cases: crate::cases::CaseRules,
    /// The task outbox file.
    outbox: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
    #[error(transparent)]
    Impulses(#[from] crate::impulses::ImpulseError),
}

/// The handle sources submit to. Cheap to clone; the pipeline drains and stops when every
/// handle is dropped.
#[derive(Clone)]
pub struct Pipeline {
    intake_tx: mpsc::Sender<(Intake, Acks)>,
}

impl Pipeline {
    /// Hands an item over; waits while the pipeline is full (backpressure). The returned
    /// receiver yields the outcome once the item is durably done or quarantined.
    pub async fn submit(
        &self,
        intake: Intake,
    ) -> Result<oneshot::Receiver<Outcome>, PipelineStopped> {
        let (tx, rx) = oneshot::channel();
        let acks = Acks {
            outcome: tx,
            received: None,
        };
        self.intake_tx
            .send((intake, acks))
            .await
            .map_err(|_| PipelineStopped)?;
        Ok(rx)
    }

    /// Hands all items over only if the pipeline has room for all of them now (no waiting).
    /// Per item, the receiver yields its [`Receipt`] once the original is durably stored and
    /// recorded; the final outcome is not reported (nothing waits to release an input).
    pub fn try_submit_all(
        &self,
        intakes: Vec<Intake>,
    ) -> Result<Vec<oneshot::Receiver<Receipt>>, TrySubmitError> {
        if intakes.is_empty() {
            return Ok(Vec::new());
        }
        let permits = self
            .intake_tx
            .try_reserve_many(intakes.len())
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(()) => TrySubmitError::Full,
                mpsc::error::TrySendError::Closed(()) => PipelineStopped.into(),
            })?;
        let mut receipts = Vec::with_capacity(intakes.len());
        for (intake, permit) in intakes.into_iter().zip(permits) {
            let (outcome, _) = oneshot::channel();
            let (received_tx, received_rx) = oneshot::channel();
            permit.send((
                intake,
                Acks {
                    outcome,
                    received: Some(received_tx),
                },
            ));
            receipts.push(received_rx);
        }
        Ok(receipts)
    }
}

/// The running stage threads.
pub struct Running {
    threads: Vec<(&'static str, JoinHandle<Result<(), StageError>>)>,
}

impl Running {
    /// Waits until every stage has drained and stopped (all [`Pipeline`] handles dropped).
    pub fn join(self) -> Result<(), StageError> {
        let mut first_err = None;
        for (stage, t) in self.threads {
            let r = t.join().unwrap_or(Err(StageError::Panicked { stage }));
            if let Err(e) = r {
                tracing::error!(error = %e, "pipeline stage failed");
                first_err.get_or_insert(e);
            }
        }
        first_err.map_or(Ok(()), Err)
    }
}

/// Builds the stages downstream-first, resumes whatever the ledger says is unfinished, and
/// returns the handle for sources.
pub fn start(
    config: &Config,
    store: Arc<dyn Store>,
    blobs: BlobStore,
    writer: ArchiveWriter,
) -> Result<(Pipeline, Running), StartError> {
    let p = &config.pipeline;
    let knowledge = Knowledge::load(config, store.as_ref())?;
    let outbox = if config.inbox.outbox.is_absolute() {
        config.inbox.outbox.clone()
    } else {
        config.data_dir.join(&config.inbox.outbox)
    };
    let shared = Arc::new(Shared {
        store,
        blobs,
        in_flight: InFlight::default(),
        knowledge,
        cases: crate::cases::CaseRules::from_config(config)?,
        outbox,
    });
    // Tasks a crash kept from the outbox go out first.
    finish::flush_outbox(&shared).map_err(|e| match e {
        StageError::Store { source, .. } => StartError::Store(source),
        other => StartError::Store(StoreError::Inconsistent(other.to_string())),
    })?;
    let (finish_tx, finish_rx) = crossbeam_channel::bounded::<Finish>(p.finish_capacity);
    let (extract_tx, extract_rx) = crossbeam_channel::bounded::<ToExtract>(p.extract_capacity);
    let (intake_tx, intake_rx) = mpsc::channel(p.intake_capacity);
    let mut threads = Vec::new();
    let spawn = |name: &'static str, f: Box<dyn FnOnce() -> Result<(), StageError> + Send>| {
        std::thread::Builder::new()
            .name(name.into())
            .spawn(f)
            .map(|h| (name, h))
            .expect("spawn stage thread")
    };

    let batch = p.batch_size;
    let deadlines = Deadlines {
        extract: p.extract_timeout(),
        understand: p.understand_timeout(),
        ocr_item: config.ocr.item_timeout(),
    };
    {
        let shared = shared.clone();
        threads.push(spawn(
            "finish",
            Box::new(move || finish::run(&shared, finish_rx, writer, batch)),
        ));
    }
    let ocr_tx = if config.ocr.enabled {
        let (ocr_tx, ocr_rx) = crossbeam_channel::bounded::<ocr::ToOcr>(config.ocr.capacity);
        let settings = config.ocr.settings();
        let max_chars = config.limits.max_text_chars;
        for _ in 0..config.ocr.workers() {
            let (shared, rx, tx, settings) = (
                shared.clone(),
                ocr_rx.clone(),
                finish_tx.clone(),
                settings.clone(),
            );
            threads.push(spawn(
                "ocr",
                Box::new(move || ocr::run(&shared, rx, tx, &settings, max_chars, &deadlines)),
            ));
        }
        Some(ocr_tx)
    } else {
        None
    };
    let limits = config.limits.extract_limits();
    for _ in 0..p.extract_workers() {
        let (shared, rx, tx, ocr_tx, limits) = (
            shared.clone(),
            extract_rx.clone(),
            finish_tx.clone(),
            ocr_tx.clone(),
            limits.clone(),
        );
        threads.push(spawn(
            "extraction",
            Box::new(move || extraction::run(&shared, rx, tx, ocr_tx, &limits, &deadlines)),
        ));
    }
    drop(ocr_tx);
    drop(extract_rx);

    // Resume before new input: everything the ledger says is unfinished is in flight first, so
    // a re-delivered source joins it instead of being processed twice.
    let unfinished = shared.store.unfinished()?;
    if !unfinished.is_empty() {
        tracing::info!(items = unfinished.len(), "resuming unfinished items");
    }
    for (id, _) in &unfinished {
        shared.in_flight.enter(*id, None);
    }
    {
        let (extract_tx, finish_tx) = (extract_tx.clone(), finish_tx.clone());
        threads.push(spawn(
            "resume",
            Box::new(move || {
                for (id, status) in unfinished {
                    let sent = match status {
                        DocStatus::Received => extract_tx
                            .send(ToExtract {
                                id,
                                bytes: None,
                                name_hint: None,
                                customer_hint: None,
                            })
                            .is_ok(),
                        _ => finish_tx.send(Finish::Resume { id, status }).is_ok(),
                    };
                    if !sent {
                        break;
                    }
                }
                Ok(())
            }),
        ));
    }
    {
        let shared = shared.clone();
        threads.push(spawn(
            "receipt",
            Box::new(move || receipt::run(&shared, intake_rx, extract_tx, finish_tx, batch)),
        ));
    }
    Ok((Pipeline { intake_tx }, Running { threads }))
}

/// Runs `op` up to three times with a growing pause; store and index errors are usually
/// transient (locked database, full disk being cleaned).
fn with_retry<T, E: std::fmt::Display>(
    what: &str,
    mut op: impl FnMut() -> Result<T, E>,
) -> Result<T, E> {
    let mut attempt = 0;
    loop {
        match op() {
            Ok(v) => return Ok(v),
            Err(e) if attempt < 2 => {
                attempt += 1;
                tracing::warn!(error = %e, attempt, "{what} failed; retrying");
                std::thread::sleep(std::time::Duration::from_millis(200 * attempt));
            }
            Err(e) => return Err(e),
        }
    }
}
