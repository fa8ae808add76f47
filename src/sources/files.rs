//! One-off source for `intake ingest PATH...`: walks files and directories (following symbolic
//! links, unlike a watched folder), submits every file (same rules as a watched folder:
//! temporary and hidden names are skipped), and reports each outcome. The files themselves are
//! left where they are.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::{mpsc, Semaphore};

use super::{is_ignored_name, read_payload};
use crate::model::{display_file_name, Intake, Outcome, SourceRef};
use crate::pipeline::Pipeline;
use crate::store::Store;

/// Files read ahead of the pipeline at most.
const READ_AHEAD: usize = 512;

#[derive(Debug, Default)]
pub struct IngestReport {
    pub done: usize,
    pub duplicates: usize,
    /// Path and reason, in plain words.
    pub failed: Vec<(PathBuf, String)>,
}

/// Every file under `paths` that a watched folder would take.
pub fn collect_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for root in paths {
        if !root.exists() {
            problems.push((root.clone(), "no such file or directory".to_string()));
            continue;
        }
        // Links are followed: an operator who names a link, or a folder of links (an evaluation
        // set assembled from elsewhere), means the files behind them. A loop is reported.
        for entry in walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !is_ignored_name(&e.file_name().to_string_lossy()))
        {
            match entry {
                Ok(e) if e.file_type().is_file() => files.push(e.into_path()),
                Ok(_) => {}
                Err(e) => problems.push((
                    e.path()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| root.clone()),
                    e.to_string(),
                )),
            }
        }
    }
    (files, problems)
}

/// Submits `files` and waits for every outcome. A file is released (left where it is, and a
/// later ingest of the same bytes is a duplicate) once its outcome is known.
pub async fn ingest(
    files: Vec<PathBuf>,
    channel: &str,
    max_file_bytes: u64,
    pipeline: &Pipeline,
    store: Arc<dyn Store>,
    show_progress: bool,
) -> IngestReport {
    let bar = if show_progress {
        let b = ProgressBar::new(files.len() as u64);
        b.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {pos}/{len} {per_sec} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let (result_tx, mut result_rx) = mpsc::channel::<(PathBuf, Result<Outcome, String>)>(1024);
    let reading = Arc::new(Semaphore::new(READ_AHEAD));
    let submitter = {
        let pipeline = pipeline.clone();
        let channel = channel.to_string();
        tokio::spawn(async move {
            for path in files {
                let Ok(permit) = reading.clone().acquire_owned().await else {
                    break;
                };
                let p = path.clone();
                let payload =
                    tokio::task::spawn_blocking(move || read_payload(&p, max_file_bytes)).await;
                let payload = match payload {
                    Ok(Ok(p)) => p,
                    Ok(Err(e)) => {
                        let _ = result_tx
                            .send((path, Err(format!("cannot read file: {e}"))))
                            .await;
                        continue;
                    }
                    Err(e) => {
                        let _ = result_tx
                            .send((path, Err(format!("cannot read file: {e}"))))
                            .await;
                        continue;
                    }
                };
                let abs = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
                let intake = Intake {
                    channel: channel.clone(),
                    source: SourceRef {
                        key: abs.to_string_lossy().into_owned(),
                        path: Some(abs.to_string_lossy().into_owned()),
                        filename: path
                            .file_name()
                            .and_then(|n| display_file_name(&n.to_string_lossy())),
                    },
                    metadata: Default::default(),
                    payload,
                };
                let Ok(answer) = pipeline.submit(intake).await else {
                    let _ = result_tx.send((path, Err("pipeline stopped".into()))).await;
                    break;
                };
                let (tx, store) = (result_tx.clone(), store.clone());
                tokio::spawn(async move {
                    let r = answer
                        .await
                        .map_err(|_| "pipeline stopped before the file was done".to_string());
                    if let Ok(outcome) = &r {
                        let id = outcome.id();
                        let released =
                            tokio::task::spawn_blocking(move || store.mark_released(id)).await;
                        if let Ok(Err(e)) = released {
                            tracing::warn!(document = %id, error = %e, "cannot record release");
                        }
                    }
                    drop(permit);
                    let _ = tx.send((path, r)).await;
                });
            }
        })
    };
    let mut report = IngestReport::default();
    while let Some((path, result)) = result_rx.recv().await {
        bar.inc(1);
        match result {
            Ok(Outcome::Done(_)) => report.done += 1,
            Ok(Outcome::Duplicate { .. }) => report.duplicates += 1,
            Ok(Outcome::Quarantined { reason, .. }) => report.failed.push((path, reason)),
            Err(reason) => report.failed.push((path, reason)),
        }
    }
    let _ = submitter.await;
    bar.finish_and_clear();
    report
}
