//! One watched folder: a [`FolderWorker`] owns one IMAP session for it. A round SELECTs the
//! folder, checks UIDVALIDITY, finds what is new (`UID SEARCH UID floor:*`, minus what the
//! ledger says was released), fetches it in batches with `BODY.PEEK[]` (nothing is marked read),
//! records each message as taken, submits it, and only after the pipeline's [`Outcome`] applies
//! the action (or moves it to the failed folder) and records the release. Between rounds it
//! IDLEs (or sleeps and NOOPs). Errors drop the session; `run` reconnects with backoff.
//! Async; one tokio task per folder, so a slow mailbox never holds up another.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, StreamExt, TryStreamExt};
use tokio::sync::{oneshot, watch};

use super::connect::{self, Capabilities, Endpoint, Session};
use super::state::{self, Backoff};
use super::ImapError;
use crate::config::{ImapAccountConfig, ImapAction};
use crate::model::{Intake, Outcome, Payload, Sha256Digest, SourceRef};
use crate::pipeline::Pipeline;
use crate::store::{ImapFolderState, ImapMessage, Store};

/// A fetch batch holds about this many bytes at most (a single larger message is fetched alone).
const BATCH_BYTES: u64 = 32 * 1024 * 1024;
/// UIDs per `UID FETCH (RFC822.SIZE)` when sizing what is new.
const SIZE_CHUNK: usize = 1000;
/// While waiting for the pipeline, the session sends NOOP this often so the server keeps it.
const KEEPALIVE: Duration = Duration::from_secs(60);
/// Longest pause between reconnect attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What one or more rounds did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PollReport {
    /// New messages found (not taken before).
    pub found: usize,
    pub done: usize,
    pub duplicates: usize,
    /// Quarantined: moved to the failed folder.
    pub failed: usize,
    /// Recognised by Message-ID + SHA-256 after a UIDVALIDITY change: not taken again.
    pub already_taken: usize,
    /// Taken but not yet released (action failed, or stopped early); retried next round.
    pub not_released: usize,
}

pub struct FolderWorker {
    account: Arc<ImapAccountConfig>,
    endpoint: Endpoint,
    folder: String,
    mailbox: String,
    pipeline: Pipeline,
    store: Arc<dyn Store>,
    max_file_bytes: u64,
    max_in_flight: usize,
}

/// A message fetched and on its way through the pipeline.
struct Taken {
    row: ImapMessage,
}

type Answer = (Taken, Result<Outcome, oneshot::error::RecvError>);

impl FolderWorker {
    pub fn new(
        account: Arc<ImapAccountConfig>,
        folder: String,
        pipeline: Pipeline,
        store: Arc<dyn Store>,
        max_file_bytes: u64,
        max_in_flight: usize,
    ) -> FolderWorker {
        let mailbox = state::mailbox_key(&account.user, &account.host, &folder);
        FolderWorker {
            endpoint: Endpoint::from_config(&account),
            account,
            folder,
            mailbox,
            pipeline,
            store,
            max_file_bytes,
            max_in_flight: max_in_flight.max(1),
        }
    }

    pub fn mailbox(&self) -> &str {
        &self.mailbox
    }

    /// Connects, takes what is new once, logs out.
    pub async fn poll_once(&self) -> Result<PollReport, ImapError> {
        let (mut session, caps) = connect::connect(&self.endpoint).await?;
        self.ensure_targets(&mut session).await?;
        let mut report = PollReport::default();
        let (_keep, never) = watch::channel(false);
        self.round(&mut session, caps, &never, &mut report).await?;
        let _ = tokio::time::timeout(self.endpoint.timeout, session.logout()).await;
        Ok(report)
    }

    /// Takes mail until `shutdown` turns true, reconnecting with backoff after any error.
    /// Messages already handed over are waited for (and released) before it returns.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut backoff = Backoff::new(MAX_BACKOFF);
        loop {
            if stopping(&shutdown) {
                return;
            }
            let error = match self.session_loop(&mut shutdown, &mut backoff).await {
                Ok(()) => return,
                Err(e) => e,
            };
            let delay = backoff.next_delay();
            if error.is_config_problem() {
                tracing::error!(mailbox = %self.mailbox, error = %error, retry_in_s = delay.as_secs_f32(), "IMAP account cannot be used; fix the configuration");
            } else {
                tracing::warn!(mailbox = %self.mailbox, error = %error, retry_in_s = delay.as_secs_f32(), "IMAP connection lost; reconnecting");
            }
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    async fn session_loop(
        &self,
        shutdown: &mut watch::Receiver<bool>,
        backoff: &mut Backoff,
    ) -> Result<(), ImapError> {
        // Nothing is taken yet: a stop need not wait for a server that is slow to answer.
        let connected = tokio::select! {
            r = async {
                let (mut session, caps) = connect::connect(&self.endpoint).await?;
                self.ensure_targets(&mut session).await?;
                Ok::<_, ImapError>((session, caps))
            } => r,
            _ = wait_for_stop(shutdown) => return Ok(()),
        };
        let (mut session, caps) = connected?;
        tracing::info!(mailbox = %self.mailbox, idle = caps.idle && self.account.idle, "IMAP folder connected");
        loop {
            let mut report = PollReport::default();
            self.round(&mut session, caps, shutdown, &mut report)
                .await?;
            backoff.reset();
            if report.found > 0 || report.already_taken > 0 {
                tracing::info!(
                    mailbox = %self.mailbox,
                    found = report.found,
                    done = report.done,
                    duplicates = report.duplicates,
                    failed = report.failed,
                    already_taken = report.already_taken,
                    not_released = report.not_released,
                    "IMAP round"
                );
            }
            if stopping(shutdown) {
                let _ = tokio::time::timeout(self.endpoint.timeout, session.logout()).await;
                return Ok(());
            }
            session = self.wait_for_news(session, caps, shutdown).await?;
            if stopping(shutdown) {
                let _ = tokio::time::timeout(self.endpoint.timeout, session.logout()).await;
                return Ok(());
            }
        }
    }

    /// IDLE until the server reports a change or `poll_interval_secs` passes (re-issuing IDLE
    /// is the keep-alive); without IDLE, sleep and NOOP.
    async fn wait_for_news(
        &self,
        mut session: Session,
        caps: Capabilities,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<Session, ImapError> {
        let interval = Duration::from_secs(self.account.poll_interval_secs);
        if caps.idle && self.account.idle {
            let mut idle = session.idle();
            self.timed("starting IDLE", idle.init()).await?;
            {
                let (wait, _interrupt) = idle.wait_with_timeout(interval);
                tokio::select! {
                    r = tokio::time::timeout(interval, wait) => {
                        if let Ok(r) = r {
                            r.map_err(|source| self.command_error("IDLE", source))?;
                        }
                    }
                    _ = shutdown.changed() => {}
                }
            }
            self.timed("ending IDLE", idle.done()).await
        } else {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = shutdown.changed() => {}
            }
            self.timed("NOOP", session.noop()).await?;
            Ok(session)
        }
    }

    /// Creates the move and failed folders if they are missing.
    async fn ensure_targets(&self, session: &mut Session) -> Result<(), ImapError> {
        let mut targets = vec![self.account.failed_folder.clone()];
        if self.account.after == ImapAction::Move {
            targets.push(self.account.move_to.clone());
        }
        let existing = list_folders(session, &self.endpoint, &self.mailbox).await?;
        for target in targets {
            if existing.contains(&target) {
                continue;
            }
            match self.timed("CREATE", session.create(&target)).await {
                Ok(()) => {
                    tracing::info!(mailbox = %self.mailbox, folder = %target, "created IMAP folder")
                }
                // Another worker of the same account may have created it just now.
                Err(ImapError::Command {
                    source: async_imap::error::Error::No(message),
                    ..
                }) if message.to_ascii_uppercase().contains("ALREADYEXISTS")
                    || message.to_ascii_lowercase().contains("exists") => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// One pass over the folder: take everything new, wait for the pipeline, release.
    async fn round(
        &self,
        session: &mut Session,
        caps: Capabilities,
        shutdown: &watch::Receiver<bool>,
        report: &mut PollReport,
    ) -> Result<(), ImapError> {
        let selected = match self.timed("SELECT", session.select(&self.folder)).await {
            Ok(m) => m,
            Err(ImapError::Command {
                source: async_imap::error::Error::No(message),
                ..
            }) => {
                return Err(ImapError::MissingFolder {
                    mailbox: self.mailbox.clone(),
                    message,
                })
            }
            Err(e) => return Err(e),
        };
        let uidvalidity = selected
            .uid_validity
            .ok_or_else(|| ImapError::NoUidValidity {
                mailbox: self.mailbox.clone(),
            })?;
        let mut st = self.folder_state(uidvalidity, selected.uid_next)?;
        if selected.uid_next.is_some_and(|next| next <= st.uid_floor) {
            return Ok(()); // nothing arrived since the last round
        }

        let mut query = format!("UID {}:*", st.uid_floor);
        if self.account.after == ImapAction::Keyword {
            query.push_str(&format!(" UNKEYWORD {}", self.account.keyword));
        }
        let mut found: Vec<u32> = self
            .timed("UID SEARCH", session.uid_search(&query))
            .await?
            .into_iter()
            .filter(|&uid| uid >= st.uid_floor)
            .collect();
        found.sort_unstable();
        let released = self
            .store
            .imap_released_uids(&self.mailbox, uidvalidity, &found)
            .map_err(|source| self.store_error(source))?;
        let candidates: Vec<u32> = found
            .iter()
            .copied()
            .filter(|uid| !released.contains(uid))
            .collect();

        let mut sizes = Vec::with_capacity(candidates.len());
        for chunk in candidates.chunks(SIZE_CHUNK) {
            let set = state::uid_set(chunk);
            let fetched = self
                .timed("UID FETCH (RFC822.SIZE)", async {
                    session
                        .uid_fetch(&set, "(UID RFC822.SIZE)")
                        .await?
                        .try_collect::<Vec<_>>()
                        .await
                })
                .await?;
            sizes.extend(
                fetched
                    .iter()
                    .filter_map(|f| Some((f.uid?, u64::from(f.size.unwrap_or(0))))),
            );
        }
        let batches = state::plan_batches(&sizes, self.account.fetch_batch, BATCH_BYTES.max(1));

        // UIDs in flight: taken this round and not yet released. A UID is taken at most once
        // per round, and a round ends only when nothing is in flight.
        let mut in_flight: HashSet<u32> = HashSet::new();
        let mut unreleased: Vec<u32> = Vec::new();
        let mut pending = FuturesUnordered::new();
        for batch in batches {
            if stopping(shutdown) {
                unreleased.extend(batch);
                continue;
            }
            let set = state::uid_set(&batch);
            let fetched = self
                .timed("UID FETCH (BODY.PEEK[])", async {
                    session
                        .uid_fetch(&set, "(UID BODY.PEEK[])")
                        .await?
                        .try_collect::<Vec<_>>()
                        .await
                })
                .await?;
            let mut to_take = Vec::new();
            let mut known = Vec::new();
            for f in &fetched {
                let (Some(uid), Some(body)) = (f.uid, f.body()) else {
                    continue; // expunged meanwhile by someone else
                };
                if !in_flight.insert(uid) {
                    continue;
                }
                let row = ImapMessage {
                    uidvalidity,
                    uid,
                    message_id: message_id(body),
                    sha256: Sha256Digest::of(body),
                    document: None,
                };
                let mut key = state::source_key(&self.mailbox, uidvalidity, uid);
                if uid < st.recheck_below {
                    let prev = self
                        .store
                        .imap_find_by_content(&self.mailbox, row.message_id.as_deref(), &row.sha256)
                        .map_err(|source| self.store_error(source))?;
                    if let Some(prev) = prev {
                        if prev.released {
                            let outcome = match prev.document {
                                Some(doc) => self
                                    .store
                                    .outcome(doc)
                                    .map_err(|source| self.store_error(source))?
                                    .unwrap_or(Outcome::Done(doc)),
                                None => continue,
                            };
                            known.push((
                                Taken {
                                    row: ImapMessage {
                                        document: prev.document,
                                        ..row
                                    },
                                },
                                outcome,
                            ));
                            continue;
                        }
                        // Taken under the old UIDVALIDITY but never released: hand it over
                        // under its old key so the ledger recognises the re-delivery.
                        key = state::source_key(&self.mailbox, prev.uidvalidity, prev.uid);
                    }
                }
                to_take.push((row, key, body.to_vec()));
            }
            drop(fetched);
            let rows: Vec<ImapMessage> = to_take.iter().map(|(r, _, _)| r.clone()).collect();
            self.store
                .imap_record_taken(&self.mailbox, &rows)
                .map_err(|source| self.store_error(source))?;
            if !known.is_empty() {
                report.already_taken += known.len();
                let released = self.release(session, caps, known, report).await?;
                for uid in released.missed {
                    unreleased.push(uid);
                }
            }
            report.found += to_take.len();
            for (row, key, body) in to_take {
                let intake = self.intake(key, body);
                let answer =
                    self.pipeline
                        .submit(intake)
                        .await
                        .map_err(|_| ImapError::PipelineStopped {
                            mailbox: self.mailbox.clone(),
                        })?;
                pending.push(answer.map(move |outcome| (Taken { row }, outcome)));
            }
            let ready = drain_ready(&mut pending);
            let r = self.settle(session, caps, ready, report).await?;
            unreleased.extend(r);
            while pending.len() >= self.max_in_flight {
                let ready = self.next_answers(session, &mut pending).await?;
                let r = self.settle(session, caps, ready, report).await?;
                unreleased.extend(r);
            }
        }
        while !pending.is_empty() {
            let ready = self.next_answers(session, &mut pending).await?;
            let r = self.settle(session, caps, ready, report).await?;
            unreleased.extend(r);
        }
        report.not_released += unreleased.len();
        st.uid_floor = state::next_floor(st.uid_floor, &candidates, &unreleased, selected.uid_next);
        if st.recheck_below != 0 && st.uid_floor >= st.recheck_below {
            st.recheck_below = 0;
        }
        self.store
            .imap_set_folder_state(&self.mailbox, &st)
            .map_err(|source| self.store_error(source))?;
        Ok(())
    }

    /// The recorded state of the folder, reset (with a Message-ID + SHA-256 recheck of every
    /// message present) when UIDVALIDITY changed.
    fn folder_state(
        &self,
        uidvalidity: u32,
        uid_next: Option<u32>,
    ) -> Result<ImapFolderState, ImapError> {
        let recorded = self
            .store
            .imap_folder_state(&self.mailbox)
            .map_err(|source| self.store_error(source))?;
        let st = match recorded {
            Some(s) if s.uidvalidity == uidvalidity => return Ok(s),
            Some(s) => {
                tracing::warn!(
                    mailbox = %self.mailbox,
                    old = s.uidvalidity,
                    new = uidvalidity,
                    "UIDVALIDITY changed (mailbox recreated or restored): messages present now are matched by Message-ID and SHA-256, nothing is taken twice"
                );
                ImapFolderState {
                    uidvalidity,
                    uid_floor: 1,
                    recheck_below: uid_next.unwrap_or(u32::MAX),
                }
            }
            None => ImapFolderState {
                uidvalidity,
                uid_floor: 1,
                recheck_below: 0,
            },
        };
        self.store
            .imap_set_folder_state(&self.mailbox, &st)
            .map_err(|source| self.store_error(source))?;
        Ok(st)
    }

    fn intake(&self, key: String, body: Vec<u8>) -> Intake {
        let payload = if body.len() as u64 > self.max_file_bytes {
            Payload::TooLarge {
                size: body.len() as u64,
                limit: self.max_file_bytes,
                sha256: Sha256Digest::of(&body),
            }
        } else {
            Payload::Bytes(body)
        };
        let mut metadata: BTreeMap<String, String> = self.account.metadata.clone();
        metadata
            .entry("imap_folder".into())
            .or_insert_with(|| self.folder.clone());
        Intake {
            channel: self.account.channel.clone(),
            source: SourceRef {
                key,
                path: None,
                filename: None,
            },
            metadata,
            payload,
        }
    }

    /// Waits for at least one answer, sending NOOP while the pipeline is busy so the server
    /// does not drop the idle session; returns every answer ready by then.
    async fn next_answers<F>(
        &self,
        session: &mut Session,
        pending: &mut FuturesUnordered<F>,
    ) -> Result<Vec<Answer>, ImapError>
    where
        F: std::future::Future<Output = Answer>,
    {
        loop {
            match tokio::time::timeout(KEEPALIVE, pending.next()).await {
                Ok(Some(first)) => {
                    let mut ready = vec![first];
                    ready.extend(drain_ready(pending));
                    return Ok(ready);
                }
                Ok(None) => return Ok(Vec::new()),
                Err(_) => self.timed("NOOP", session.noop()).await?,
            }
        }
    }

    /// Counts answers and releases them; returns the UIDs left unreleased.
    async fn settle(
        &self,
        session: &mut Session,
        caps: Capabilities,
        answers: Vec<Answer>,
        report: &mut PollReport,
    ) -> Result<Vec<u32>, ImapError> {
        let mut unreleased = Vec::new();
        let mut outcomes = Vec::with_capacity(answers.len());
        for (taken, answer) in answers {
            match answer {
                Ok(outcome) => {
                    match &outcome {
                        Outcome::Done(_) => report.done += 1,
                        Outcome::Duplicate { .. } => report.duplicates += 1,
                        Outcome::Quarantined { .. } => report.failed += 1,
                    }
                    outcomes.push((taken, outcome));
                }
                // The pipeline stopped before the item was done: it is taken again later.
                Err(_) => unreleased.push(taken.row.uid),
            }
        }
        if !outcomes.is_empty() {
            unreleased.extend(self.release(session, caps, outcomes, report).await?.missed);
        }
        Ok(unreleased)
    }

    /// Applies the action (or the move to the failed folder) and records the release. A
    /// refused command leaves those messages unreleased (retried next round); a broken
    /// connection is an error.
    async fn release(
        &self,
        session: &mut Session,
        caps: Capabilities,
        outcomes: Vec<(Taken, Outcome)>,
        _report: &mut PollReport,
    ) -> Result<Released, ImapError> {
        let (failed, fine): (Vec<_>, Vec<_>) = outcomes
            .into_iter()
            .partition(|(_, o)| matches!(o, Outcome::Quarantined { .. }));
        let mut missed = Vec::new();
        let failed_action = Action::Move(self.account.failed_folder.clone());
        let action = match self.account.after {
            ImapAction::Seen => Action::Flag("\\Seen".into()),
            ImapAction::Keyword => Action::Flag(self.account.keyword.clone()),
            ImapAction::Move => Action::Move(self.account.move_to.clone()),
            ImapAction::Delete => Action::Delete,
        };
        for (group, action) in [(fine, action), (failed, failed_action)] {
            if group.is_empty() {
                continue;
            }
            let uids: Vec<u32> = group.iter().map(|(t, _)| t.row.uid).collect();
            let set = state::uid_set(&uids);
            match self.apply(session, caps, &set, &action).await {
                Ok(()) => {
                    let rows: Vec<ImapMessage> = group
                        .into_iter()
                        .map(|(t, o)| ImapMessage {
                            document: Some(o.id()),
                            ..t.row
                        })
                        .collect();
                    self.store
                        .imap_record_released(&self.mailbox, &rows)
                        .map_err(|source| self.store_error(source))?;
                }
                Err(ImapError::Command {
                    source: e @ (async_imap::error::Error::No(_) | async_imap::error::Error::Bad(_)),
                    step,
                    ..
                }) => {
                    tracing::error!(mailbox = %self.mailbox, uids = %set, step, error = %e, "the server refused the action after intake; retrying next round");
                    missed.extend(uids);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(Released { missed })
    }

    async fn apply(
        &self,
        session: &mut Session,
        caps: Capabilities,
        set: &str,
        action: &Action,
    ) -> Result<(), ImapError> {
        match action {
            Action::Flag(flag) => self.store_flags(session, set, flag).await,
            Action::Move(folder) if caps.move_ => {
                self.timed("UID MOVE", session.uid_mv(set, folder)).await
            }
            Action::Move(folder) => {
                self.timed("UID COPY", session.uid_copy(set, folder))
                    .await?;
                self.store_flags(session, set, "\\Deleted").await?;
                self.expunge(session, caps, set).await
            }
            Action::Delete => {
                self.store_flags(session, set, "\\Deleted").await?;
                self.expunge(session, caps, set).await
            }
        }
    }

    async fn store_flags(
        &self,
        session: &mut Session,
        set: &str,
        flag: &str,
    ) -> Result<(), ImapError> {
        let query = format!("+FLAGS.SILENT ({flag})");
        self.timed("UID STORE", async {
            session
                .uid_store(set, &query)
                .await?
                .try_collect::<Vec<_>>()
                .await
        })
        .await
        .map(|_| ())
    }

    /// UID EXPUNGE with UIDPLUS; without it a plain EXPUNGE (which also removes other
    /// messages someone flagged `\Deleted`).
    async fn expunge(
        &self,
        session: &mut Session,
        caps: Capabilities,
        set: &str,
    ) -> Result<(), ImapError> {
        if caps.uidplus {
            self.timed("UID EXPUNGE", async {
                session
                    .uid_expunge(set)
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            })
            .await
            .map(|_| ())
        } else {
            self.timed("EXPUNGE", async {
                session.expunge().await?.try_collect::<Vec<_>>().await
            })
            .await
            .map(|_| ())
        }
    }

    async fn timed<T>(
        &self,
        step: &'static str,
        fut: impl std::future::Future<Output = async_imap::error::Result<T>>,
    ) -> Result<T, ImapError> {
        match tokio::time::timeout(self.endpoint.timeout, fut).await {
            Ok(r) => r.map_err(|source| self.command_error(step, source)),
            Err(_) => Err(ImapError::Timeout {
                mailbox: self.mailbox.clone(),
                step,
                secs: self.endpoint.timeout.as_secs(),
            }),
        }
    }

    fn command_error(&self, step: &'static str, source: async_imap::error::Error) -> ImapError {
        ImapError::Command {
            mailbox: self.mailbox.clone(),
            step,
            source,
        }
    }

    fn store_error(&self, source: crate::store::StoreError) -> ImapError {
        ImapError::Store {
            mailbox: self.mailbox.clone(),
            source,
        }
    }
}

enum Action {
    Flag(String),
    Move(String),
    Delete,
}

struct Released {
    missed: Vec<u32>,
}

/// Resolves once a stop is requested (or the sender is gone).
async fn wait_for_stop(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

fn stopping(shutdown: &watch::Receiver<bool>) -> bool {
    *shutdown.borrow() || shutdown.has_changed().is_err()
}

/// Every answer that is already there, without waiting.
fn drain_ready<F: std::future::Future<Output = Answer>>(
    pending: &mut FuturesUnordered<F>,
) -> Vec<Answer> {
    let mut ready = Vec::new();
    while let Some(Some(answer)) = pending.next().now_or_never() {
        ready.push(answer);
    }
    ready
}

/// The Message-ID header (without angle brackets), if there is one.
fn message_id(raw: &[u8]) -> Option<String> {
    mail_parser::MessageParser::new()
        .parse_headers(raw)
        .and_then(|m| m.message_id().map(str::to_string))
        .filter(|id| !id.is_empty())
}

/// Every folder name of the account.
pub(super) async fn list_folders(
    session: &mut Session,
    endpoint: &Endpoint,
    mailbox: &str,
) -> Result<HashSet<String>, ImapError> {
    let names = tokio::time::timeout(endpoint.timeout, async {
        session
            .list(Some(""), Some("*"))
            .await?
            .try_collect::<Vec<_>>()
            .await
    })
    .await
    .map_err(|_| ImapError::Timeout {
        mailbox: mailbox.to_string(),
        step: "LIST",
        secs: endpoint.timeout.as_secs(),
    })?
    .map_err(|source| ImapError::Command {
        mailbox: mailbox.to_string(),
        step: "LIST",
        source,
    })?;
    Ok(names.iter().map(|n| n.name().to_string()).collect())
}
