//! IMAP mailbox source. Takes the `[[imap]]` accounts of the config (or one `imap[s]://` URL
//! from `intake imap poll`), gives the pipeline one [`crate::model::Intake`] per message, and
//! releases a message on the server (`\Seen`, keyword, move, delete — or a move to the failed
//! folder) only after the pipeline's outcome is durably committed.
//!
//! Exactly once: per folder the ledger keeps UIDVALIDITY, a UID floor and every message taken
//! (`taken` before it is handed over, `released` after the action). A crash before the action
//! means the message is taken again and the ledger recognises the re-delivery by its
//! `source.key` (`imap://user@host/FOLDER;UIDVALIDITY=v;UID=u`) and SHA-256; after a
//! UIDVALIDITY change the messages present are matched by Message-ID + SHA-256 instead.
//!
//! - [`connect`]: DNS, TCP, TLS (rustls), greeting, login; errors name the failing step.
//! - [`poll`]: one [`FolderWorker`] (one session, one tokio task) per watched folder.
//! - [`state`]: the pure parts (keys, UID sets, batches, floor, URL, backoff).
//! - [`check`]: `intake imap check`.

pub mod check;
pub mod connect;
pub mod poll;
pub mod state;

pub use check::{check_account, AccountCheck, FolderCheck, FolderRole};
pub use connect::ConnectError;
pub use poll::{FolderWorker, PollReport};

#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error("{mailbox}: {step}: {source}")]
    Command {
        mailbox: String,
        step: &'static str,
        source: async_imap::error::Error,
    },
    #[error("{mailbox}: timed out after {secs} s during {step}")]
    Timeout {
        mailbox: String,
        step: &'static str,
        secs: u64,
    },
    #[error("{mailbox}: the folder does not exist or cannot be opened: {message}")]
    MissingFolder { mailbox: String, message: String },
    #[error("{mailbox}: the server reports no UIDVALIDITY; intake cannot track this folder")]
    NoUidValidity { mailbox: String },
    #[error("{mailbox}: store: {source}")]
    Store {
        mailbox: String,
        source: crate::store::StoreError,
    },
    #[error("{mailbox}: the pipeline has stopped")]
    PipelineStopped { mailbox: String },
}

impl ImapError {
    /// Waiting will not fix it: someone has to change the configuration or the server.
    pub fn is_config_problem(&self) -> bool {
        match self {
            ImapError::Connect(e) => e.is_config_problem(),
            ImapError::MissingFolder { .. } | ImapError::NoUidValidity { .. } => true,
            _ => false,
        }
    }
}
