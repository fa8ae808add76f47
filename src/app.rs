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
    pub index: ArchiveIndex,
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
        Ok(App {
            config,
            store: Arc::new(store),
            blobs,
            index,
        })
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

    /// Watches every configured folder until Ctrl-C or SIGTERM.
    pub async fn serve(&self) -> anyhow::Result<()> {
        let (pipeline, running) = self.start_pipeline()?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut sources = tokio::task::JoinSet::new();
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
