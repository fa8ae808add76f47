//! Wiring: opens the data directory (store, blobs, index), starts the pipeline downstream-first
//! and connects the sources. No stage logic lives here.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use tokio::sync::watch;

use crate::config::Config;
use crate::index::ArchiveIndex;
use crate::pipeline::{self, Pipeline, Running};
use crate::sources::files::{self, IngestReport};
use crate::sources::folder::FolderSource;
use crate::sources::imap::{FolderWorker, PollReport};
use crate::store::blobs::BlobStore;
use crate::store::sqlite::SqliteStore;
use crate::store::Store;

/// What lives under the data directory.
pub struct App {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub blobs: BlobStore,
    pub index: Arc<ArchiveIndex>,
    /// Users, sessions and the read log (the same database as `store`).
    pub access: Arc<dyn crate::store::AccessStore>,
}

impl App {
    pub fn open(config: Config) -> anyhow::Result<App> {
        let data = &config.data_dir;
        std::fs::create_dir_all(data)
            .with_context(|| format!("cannot create data directory {}", data.display()))?;
        let store = SqliteStore::open(&data.join("intake.sqlite3"))
            .with_context(|| format!("cannot open the store in {}", data.display()))?;
        let blobs = BlobStore::open(&data.join("blobs"))?;
        let index = ArchiveIndex::open(&data.join("index"))?;
        let store = Arc::new(store);
        let app = App {
            config,
            store: store.clone(),
            blobs,
            index: Arc::new(index),
            access: store,
        };
        if app.index.needs_rebuild() {
            let n = app.reindex(5_000, |_| {})?;
            tracing::info!(documents = n, "index rebuilt for the new schema");
        }
        Ok(app)
    }

    /// Starts the stages; fails if another process holds the index writer.
    fn start_pipeline(&self) -> anyhow::Result<(Pipeline, Running)> {
        let writer = self.index.writer(self.config.index.writer_memory_mb)?;
        Ok(pipeline::start(
            &self.config,
            self.store.clone(),
            self.blobs.clone(),
            writer,
        )?)
    }

    /// Watches every configured folder and IMAP mailbox and serves the API and web UI on
    /// `listen` (default `web.listen`) until Ctrl-C or SIGTERM.
    pub async fn serve(&self, listen: Option<&str>) -> anyhow::Result<()> {
        let listen = listen.unwrap_or(&self.config.web.listen);
        // Bind first: a taken port is reported before anything starts.
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let (pipeline, running) = self.start_pipeline()?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut sources = tokio::task::JoinSet::new();
        {
            let state = Arc::new(crate::web::WebState {
                config: self.config.clone(),
                store: self.store.clone(),
                access: self.access.clone(),
                blobs: self.blobs.clone(),
                index: self.index.clone(),
                pipeline: pipeline.clone(),
                uploads: tokio::sync::Semaphore::new(self.config.web.max_pending_uploads),
                metrics: crate::web::HttpMetrics::default(),
                queues: crate::inbox::queues(&self.config),
                login_throttle: crate::web::LoginThrottle::default(),
            });
            let mut stop = stop_rx.clone();
            sources.spawn(async move {
                let shutdown = async move {
                    let _ = stop.wait_for(|s| *s).await;
                };
                crate::web::serve(listener, state, shutdown)
                    .await
                    .context("web server")
            });
        }
        for folder in &self.config.folders {
            let source = FolderSource::new(
                folder.clone(),
                self.config.limits.max_file_bytes,
                self.config.pipeline.max_in_flight_per_folder,
                pipeline.clone(),
                self.store.clone(),
            )?;
            let stop = stop_rx.clone();
            sources.spawn(async move { source.run(stop).await.map_err(anyhow::Error::from) });
        }
        // One task and session per IMAP folder: a slow mailbox never holds up another.
        for account in &self.config.imap {
            let account = Arc::new(account.clone());
            for folder in &account.folders {
                let worker = self.imap_worker(account.clone(), folder, &pipeline);
                let stop = stop_rx.clone();
                sources.spawn(async move {
                    worker.run(stop).await;
                    Ok(())
                });
            }
        }
        drop(pipeline);
        tracing::info!(data = %self.config.data_dir.display(), "intake is running; stop with Ctrl-C");
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
            Some(res) = sources.join_next() => {
                // A source ended on its own: that is an error (e.g. the folder vanished).
                if let Ok(Err(e)) = res { tracing::error!(error = %e, "source stopped"); }
            }
        }
        tracing::info!("stopping: finishing items in flight");
        let _ = stop_tx.send(true);
        while sources.join_next().await.is_some() {}
        tokio::task::spawn_blocking(move || running.join()).await??;
        Ok(())
    }

    fn imap_worker(
        &self,
        account: Arc<crate::config::ImapAccountConfig>,
        folder: &str,
        pipeline: &Pipeline,
    ) -> FolderWorker {
        FolderWorker::new(
            account,
            folder.to_string(),
            pipeline.clone(),
            self.store.clone(),
            self.config.limits.max_file_bytes,
            self.config.pipeline.max_in_flight_per_folder,
        )
    }

    /// Takes what is new in the first folder of `account`: once, or (`once = false`) until
    /// Ctrl-C / SIGTERM.
    pub async fn imap_poll(
        &self,
        account: crate::config::ImapAccountConfig,
        once: bool,
    ) -> anyhow::Result<PollReport> {
        let (pipeline, running) = self.start_pipeline()?;
        let account = Arc::new(account);
        let folder = account
            .folders
            .first()
            .cloned()
            .unwrap_or_else(|| "INBOX".into());
        let worker = self.imap_worker(account, &folder, &pipeline);
        drop(pipeline);
        let result = if once {
            let r = worker.poll_once().await;
            drop(worker); // holds a pipeline handle: the pipeline drains only once it is gone
            r
        } else {
            let (stop_tx, stop_rx) = watch::channel(false);
            let mut task = tokio::spawn(worker.run(stop_rx));
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
                _ = &mut task => {}
            }
            let _ = stop_tx.send(true);
            let _ = task.await;
            Ok(PollReport::default())
        };
        tokio::task::spawn_blocking(move || running.join()).await??;
        Ok(result?)
    }

    /// Takes the given files and directories once.
    pub async fn ingest(
        &self,
        paths: &[PathBuf],
        channel: &str,
        progress: bool,
    ) -> anyhow::Result<IngestReport> {
        let (found, problems) = files::collect_files(paths);
        let (pipeline, running) = self.start_pipeline()?;
        let mut report = files::ingest(
            found,
            channel,
            self.config.limits.max_file_bytes,
            &pipeline,
            self.store.clone(),
            progress,
        )
        .await;
        drop(pipeline);
        tokio::task::spawn_blocking(move || running.join()).await??;
        report.failed.extend(problems);
        Ok(report)
    }

    /// Ingests (or reuses) the labelled files and compares what intake decided with the labels.
    pub async fn eval(
        &self,
        labels_file: &std::path::Path,
        root: &std::path::Path,
    ) -> anyhow::Result<crate::eval::Report> {
        use crate::eval::{Decision, Label};
        use crate::model::{DocStatus, DocumentId, Sha256Digest};
        use std::collections::HashMap;
        let text = std::fs::read_to_string(labels_file)
            .with_context(|| format!("cannot read {}", labels_file.display()))?;
        let mut labels = Vec::new();
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let label: Label = serde_json::from_str(line).with_context(|| {
                format!("{}:{}: not a label line", labels_file.display(), i + 1)
            })?;
            labels.push(label);
        }
        let files: Vec<PathBuf> = labels.iter().map(|l| root.join(&l.file)).collect();
        self.ingest(&files, "eval", false).await?;
        // Every document by id; the decision for a file is its first document's (duplicates
        // point to it).
        let mut rows = HashMap::new();
        let mut first_by_sha: HashMap<String, DocumentId> = HashMap::new();
        let mut after = DocumentId(0);
        loop {
            let page = self.store.documents_after(after, 5000, false)?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for r in page {
                if r.parent_id.is_none() && r.status != DocStatus::Duplicate {
                    first_by_sha.entry(r.sha256.clone()).or_insert(r.id);
                }
                rows.insert(r.id, r);
            }
        }
        let mut pairs = Vec::with_capacity(labels.len());
        for (label, file) in labels.into_iter().zip(&files) {
            let decision = std::fs::read(file)
                .ok()
                .map(|b| Sha256Digest::of(&b).to_hex())
                .and_then(|sha| first_by_sha.get(&sha))
                .and_then(|id| rows.get(id))
                .filter(|r| r.status == DocStatus::Routed)
                .map(|r| Decision {
                    doc_type: r
                        .understanding
                        .doc_type
                        .clone()
                        .unwrap_or_else(|| crate::classify::UNKNOWN.into()),
                    best_type: r.understanding.best_type.clone().unwrap_or_default(),
                    confidence: r.understanding.doc_type_confidence.unwrap_or(0.0) as f32,
                    customer_id: r.understanding.customer_id.clone(),
                    match_confidence: r.understanding.match_confidence.map(|c| c as f32),
                    // The document's own routing; joining a case is measured by the case
                    // figures (the case's task may sit in another queue).
                    queue: r
                        .understanding
                        .routed_queue
                        .clone()
                        .or_else(|| {
                            r.understanding
                                .task
                                .as_ref()
                                .and_then(|t| t["queue"].as_str())
                                .map(str::to_string)
                        })
                        .unwrap_or_default(),
                    document_id: r.id.0,
                    case_id: r.case_id.map(|c| c.0),
                });
            pairs.push((label, decision));
        }
        let mut report = crate::eval::evaluate(&self.config.inbox, &pairs);
        report.dark_by_precision = crate::eval::thresholds::analyse(
            &self.config.inbox,
            self.config.classify.threshold,
            &pairs,
        );
        Ok(report)
    }

    /// Trains the text model from labelled files plus the clerks' corrections in the store.
    pub fn train(
        &self,
        labels_file: &std::path::Path,
        root: &std::path::Path,
        epochs: usize,
    ) -> anyhow::Result<(crate::classify::model::TextModel, usize)> {
        use crate::classify::model::{Example, TextModel};
        use crate::classify::{Classifier, DocType};
        /// A clerk's correction is real mail the system got wrong: weighted 3. It does not
        /// calibrate: corrections are only the mistakes, not a fair sample of the mail.
        const CORRECTION_WEIGHT: f32 = 3.0;
        let text = std::fs::read_to_string(labels_file)
            .with_context(|| format!("cannot read {}", labels_file.display()))?;
        let limits = self.config.limits.extract_limits();
        let mut examples = Vec::new();
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let at = || format!("{}:{}", labels_file.display(), i + 1);
            let label: crate::eval::Label = serde_json::from_str(line)
                .with_context(|| format!("{}: not a label line", at()))?;
            let doc_type = DocType::parse(&label.doc_type)
                .with_context(|| format!("{}: unknown type {:?}", at(), label.doc_type))?;
            let path = root.join(&label.file);
            let bytes =
                std::fs::read(&path).with_context(|| format!("{}: {}", at(), path.display()))?;
            let Ok(extraction) = crate::extract::extract(&bytes, None, &limits) else {
                continue;
            };
            let weight = label.weight.unwrap_or(1.0);
            if !weight.is_finite() || weight < 0.0 {
                anyhow::bail!("{}: weight must be a number ≥ 0", at());
            }
            let (subject, text) = example_text(&extraction);
            if subject.trim().is_empty() && text.trim().is_empty() {
                // A scan: training reads no OCR, and an empty example teaches only the prior.
                tracing::warn!("{}: no text without OCR; left out of training", at());
                continue;
            }
            let (subject, text) = Classifier::model_input(&subject, &text);
            examples.push(Example {
                subject,
                text,
                doc_type,
                weight,
                calibrate: label.calibrate.unwrap_or(true),
            });
        }
        let mut corrections = 0;
        for (root_id, new_type) in self.store.type_corrections()? {
            let (Some(doc_type), Ok(case)) =
                (DocType::parse(&new_type), self.store.case_content(root_id))
            else {
                continue;
            };
            corrections += 1;
            let text = case.text();
            let (subject, text) =
                Classifier::model_input(case.subject.as_deref().unwrap_or_default(), &text);
            examples.push(Example {
                subject,
                text,
                doc_type,
                weight: CORRECTION_WEIGHT,
                calibrate: false,
            });
        }
        // The model learns what the rules miss: its share is fitted against the rules alone.
        let rules = Classifier::from_config(&crate::config::ClassifyConfig {
            use_model: false,
            ..self.config.classify.clone()
        })?;
        let model = TextModel::train(&examples, epochs, |e| {
            rules.rule_probabilities(&e.subject, &e.text)
        })?;
        Ok((model, corrections))
    }

    /// Rebuilds the index from the store in chunks. Resumable: an interrupted run continues
    /// where it stopped when started again.
    pub fn reindex(&self, chunk: usize, mut progress: impl FnMut(u64)) -> anyhow::Result<u64> {
        const CURSOR: &str = "reindex_cursor";
        let mut writer = self.index.writer(self.config.index.writer_memory_mb)?;
        let mut cursor = match self.store.meta_get(CURSOR)? {
            Some(c) => crate::model::DocumentId(c.parse().unwrap_or(0)),
            None => {
                writer.delete_all()?;
                writer.commit()?;
                self.store.meta_set(CURSOR, Some("0"))?;
                crate::model::DocumentId(0)
            }
        };
        let mut total = 0u64;
        loop {
            let records = self.store.index_records_after(cursor, chunk.max(1))?;
            let Some(last) = records.last().map(|r| r.id) else {
                break;
            };
            writer.upsert(&records)?;
            writer.commit()?;
            cursor = last;
            self.store.meta_set(CURSOR, Some(&cursor.0.to_string()))?;
            total += records.len() as u64;
            progress(total);
        }
        self.store.meta_set(CURSOR, None)?;
        Ok(total)
    }
}

/// Subject and all readable text of an item with its attachments, as the model sees a case.
fn example_text(e: &crate::extract::Extraction) -> (String, String) {
    fn collect(e: &crate::extract::Extraction, out: &mut Vec<String>) {
        out.push(e.text.clone());
        for a in &e.attachments {
            if let Ok(inner) = &a.content {
                collect(inner, out);
            }
        }
    }
    let mut parts = Vec::new();
    collect(e, &mut parts);
    let subject = e
        .email
        .as_ref()
        .and_then(|m| m.subject.clone())
        .unwrap_or_default();
    (subject, parts.join("\n\n"))
}
