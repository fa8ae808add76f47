//! Watched folder source. Finds files by an initial walk, inotify events (`notify`) or periodic
//! polling (network shares), takes a file only once its size and mtime have been stable for
//! `stable_after_ms`, submits it, and after the pipeline's answer moves it to `processed/DATE/`
//! (or deletes it) — or to `failed/` with `NAME.error.txt` beside it saying why. Files in flight
//! are never taken twice; a crash before the move means the file is taken again and the ledger
//! recognises the re-delivery.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use notify::{RecursiveMode, Watcher};
use tokio::sync::{mpsc, watch, Semaphore};

use super::{is_ignored_name, read_payload};
use crate::config::{AfterIntake, FolderConfig, WatchMode};
use crate::model::{display_file_name, Intake, Outcome, SourceRef};
use crate::pipeline::Pipeline;
use crate::store::Store;

/// How often candidates are re-checked for stability.
const TICK: Duration = Duration::from_millis(200);
/// In events mode, a full rescan this often catches events the kernel dropped.
const SAFETY_RESCAN: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    #[error("watched folder {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("watching {path}: {source}")]
    Watch {
        path: PathBuf,
        source: notify::Error,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct Seen {
    size: u64,
    mtime: Option<SystemTime>,
}

struct Candidate {
    seen: Seen,
    stable_since: Instant,
}

pub struct FolderSource {
    config: FolderConfig,
    max_file_bytes: u64,
    max_in_flight: usize,
    pipeline: Pipeline,
    store: Arc<dyn Store>,
}

impl FolderSource {
    pub fn new(
        config: FolderConfig,
        max_file_bytes: u64,
        max_in_flight: usize,
        pipeline: Pipeline,
        store: Arc<dyn Store>,
    ) -> Result<FolderSource, FolderError> {
        for dir in [
            config.path.clone(),
            config.processed_dir(),
            config.failed_dir(),
        ] {
            std::fs::create_dir_all(&dir)
                .map_err(|source| FolderError::Io { path: dir, source })?;
        }
        Ok(FolderSource {
            config,
            max_file_bytes,
            max_in_flight,
            pipeline,
            store,
        })
    }

    /// Watches until `shutdown` turns true; items already submitted finish on their own.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) -> Result<(), FolderError> {
        let root = std::fs::canonicalize(&self.config.path).map_err(|source| FolderError::Io {
            path: self.config.path.clone(),
            source,
        })?;
        let skip_dirs: Vec<PathBuf> = [self.config.processed_dir(), self.config.failed_dir()]
            .iter()
            .filter_map(|d| std::fs::canonicalize(d).ok())
            .collect();
        let this = Arc::new(self);
        let (event_tx, mut event_rx) = mpsc::channel::<PathBuf>(1024);
        let rescan_needed = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let _watcher = if this.config.mode == WatchMode::Events {
            let flag = rescan_needed.clone();
            let mut w =
                notify::recommended_watcher(move |res: notify::Result<notify::Event>| match res {
                    Ok(ev) => {
                        for p in ev.paths {
                            if event_tx.try_send(p).is_err() {
                                flag.store(true, std::sync::atomic::Ordering::Relaxed);
                            }
                        }
                    }
                    Err(_) => flag.store(true, std::sync::atomic::Ordering::Relaxed),
                })
                .map_err(|source| FolderError::Watch {
                    path: root.clone(),
                    source,
                })?;
            w.watch(&root, RecursiveMode::Recursive)
                .map_err(|source| FolderError::Watch {
                    path: root.clone(),
                    source,
                })?;
            Some(w)
        } else {
            None
        };
        let rescan_every = match this.config.mode {
            WatchMode::Events => SAFETY_RESCAN,
            WatchMode::Poll => Duration::from_millis(this.config.poll_interval_ms),
        };
        let stable_after = Duration::from_millis(this.config.stable_after_ms);
        let slots = Arc::new(Semaphore::new(this.max_in_flight));
        let in_flight: Arc<Mutex<HashSet<PathBuf>>> = Arc::default();
        let mut candidates: HashMap<PathBuf, Candidate> = HashMap::new();
        let mut last_scan = Instant::now();
        let mut tick = tokio::time::interval(TICK);
        tracing::info!(folder = %root.display(), channel = %this.config.channel, mode = ?this.config.mode, "watching folder");
        loop {
            tokio::select! {
                _ = shutdown.changed() => break,
                Some(p) = event_rx.recv() => {
                    if wanted(&root, &skip_dirs, &p) && p.is_file() {
                        candidates.entry(p).or_insert_with(|| Candidate { seen: Seen { size: u64::MAX, mtime: None }, stable_since: Instant::now() });
                    }
                }
                _ = tick.tick() => {
                    if rescan_needed.swap(false, std::sync::atomic::Ordering::Relaxed)
                        || last_scan.elapsed() >= rescan_every
                    {
                        last_scan = Instant::now();
                        let (r, s) = (root.clone(), skip_dirs.clone());
                        let found = tokio::task::spawn_blocking(move || scan(&r, &s)).await.unwrap_or_default();
                        let busy = in_flight.lock().unwrap_or_else(|p| p.into_inner()).clone();
                        for p in found {
                            if !busy.contains(&p) {
                                candidates.entry(p).or_insert_with(|| Candidate { seen: Seen { size: u64::MAX, mtime: None }, stable_since: Instant::now() });
                            }
                        }
                    }
                    let now = Instant::now();
                    let mut ready = Vec::new();
                    candidates.retain(|path, c| {
                        let Ok(meta) = std::fs::metadata(path) else { return false };
                        if !meta.is_file() { return false; }
                        let seen = Seen { size: meta.len(), mtime: meta.modified().ok() };
                        if seen != c.seen {
                            c.seen = seen;
                            c.stable_since = now;
                            return true;
                        }
                        if now.duration_since(c.stable_since) >= stable_after {
                            ready.push(path.clone());
                            return false;
                        }
                        true
                    });
                    for path in ready {
                        {
                            let mut busy = in_flight.lock().unwrap_or_else(|p| p.into_inner());
                            if !busy.insert(path.clone()) { continue; }
                        }
                        let Ok(permit) = slots.clone().acquire_owned().await else { break };
                        let (this, in_flight) = (this.clone(), in_flight.clone());
                        tokio::spawn(async move {
                            this.take(&path).await;
                            in_flight.lock().unwrap_or_else(|p| p.into_inner()).remove(&path);
                            drop(permit);
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Submits one stable file, waits for the outcome and releases the file.
    async fn take(&self, path: &Path) {
        let max = self.max_file_bytes;
        let p = path.to_path_buf();
        let payload = match tokio::task::spawn_blocking(move || read_payload(&p, max)).await {
            Ok(Ok(payload)) => payload,
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => return,
            Ok(Err(e)) => {
                tracing::warn!(file = %path.display(), error = %e, "cannot read file; will retry");
                return;
            }
            Err(_) => return,
        };
        let intake = Intake {
            channel: self.config.channel.clone(),
            source: SourceRef {
                key: path.to_string_lossy().into_owned(),
                path: Some(path.to_string_lossy().into_owned()),
                filename: path
                    .file_name()
                    .and_then(|n| display_file_name(&n.to_string_lossy())),
            },
            metadata: self.config.metadata.clone(),
            payload,
        };
        let Ok(answer) = self.pipeline.submit(intake).await else {
            return;
        };
        let Ok(outcome) = answer.await else {
            // The pipeline stopped before the item was done: leave the file; it is retaken.
            return;
        };
        let (cfg, p, o) = (self.config.clone(), path.to_path_buf(), outcome.clone());
        let released = tokio::task::spawn_blocking(move || release(&cfg, &p, &o)).await;
        match released {
            Ok(Ok(())) => {
                if let Err(e) = self.store.mark_released(outcome.id()) {
                    tracing::warn!(document = %outcome.id(), error = %e, "cannot record release");
                }
            }
            Ok(Err(e)) => {
                tracing::error!(file = %path.display(), error = %e, "cannot move file after intake")
            }
            Err(_) => {}
        }
    }
}

fn wanted(root: &Path, skip_dirs: &[PathBuf], path: &Path) -> bool {
    if skip_dirs.iter().any(|d| path.starts_with(d)) {
        return false;
    }
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    rel.components()
        .all(|c| !is_ignored_name(&c.as_os_str().to_string_lossy()))
}

/// Every file under `root` except processed/failed and ignored names.
fn scan(root: &Path, skip_dirs: &[PathBuf]) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || wanted(root, skip_dirs, e.path()))
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect()
}

/// Moves (or deletes) a file after its outcome; failures go to `failed/` with the reason.
fn release(cfg: &FolderConfig, path: &Path, outcome: &Outcome) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "unnamed".into());
    match outcome {
        Outcome::Quarantined { id, reason } => {
            let dest = unique_path(&cfg.failed_dir(), &name);
            move_file(path, &dest)?;
            let mut note = dest.clone().into_os_string();
            note.push(".error.txt");
            std::fs::write(
                &note,
                format!(
                    "This file could not be processed.\n\nReason: {reason}\n\nDocument id: {id}\nReceived through channel: {}\nThe original is kept unchanged beside this note.\n",
                    cfg.channel
                ),
            )
        }
        Outcome::Done(_) | Outcome::Duplicate { .. } => match cfg.after {
            AfterIntake::Delete => std::fs::remove_file(path),
            AfterIntake::Move => {
                let day = chrono::Local::now().format("%Y-%m-%d").to_string();
                let dir = cfg.processed_dir().join(day);
                std::fs::create_dir_all(&dir)?;
                move_file(path, &unique_path(&dir, &name))
            }
        },
    }
}

/// `dir/name`, or `dir/name.1`, `dir/name.2`, … if taken.
fn unique_path(dir: &Path, name: &std::ffi::OsStr) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    (1..)
        .map(|i| {
            let mut n = name.to_os_string();
            n.push(format!(".{i}"));
            dir.join(n)
        })
        .find(|p| !p.exists())
        .expect("some free name")
}

/// Rename, or copy + sync + remove across file systems.
fn move_file(from: &Path, to: &Path) -> std::io::Result<()> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir)?;
    }
    match std::fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::EXDEV) => {
            std::fs::copy(from, to)?;
            std::fs::File::open(to)?.sync_all()?;
            std::fs::remove_file(from)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_skips_processed_failed_and_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        for p in [
            "a.eml",
            "scan-kfz/b.pdf",
            "c.pdf.part",
            ".hidden",
            "processed/2026-01-01/old.eml",
            "failed/bad.pdf",
            ".tmpdir/x.eml",
        ] {
            let f = root.join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, b"x").unwrap();
        }
        let skip = vec![root.join("processed"), root.join("failed")];
        let mut found: Vec<String> = scan(&root, &skip)
            .into_iter()
            .map(|p| p.strip_prefix(&root).unwrap().display().to_string())
            .collect();
        found.sort();
        assert_eq!(found, vec!["a.eml", "scan-kfz/b.pdf"]);
    }

    #[test]
    fn names_never_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.pdf"), b"1").unwrap();
        std::fs::write(dir.path().join("x.pdf.1"), b"2").unwrap();
        assert_eq!(
            unique_path(dir.path(), "x.pdf".as_ref()),
            dir.path().join("x.pdf.2")
        );
    }
}
