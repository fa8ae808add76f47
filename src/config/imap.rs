//! The `[[imap]]` tables: one per mailbox account intake polls. Takes TOML, gives
//! [`ImapAccountConfig`] with defaults; [`ImapAccountConfig::problems`] names every bad key.
//! The password itself is never in the config: it is read from an environment variable or a
//! file when the account connects (see `sources::imap::connect`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// How the connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImapTls {
    /// TLS from the first byte (port 993).
    Implicit,
    /// Plain connect, then `STARTTLS` before login (port 143); refused if the server lacks it.
    Starttls,
    /// No encryption; only with `allow_plaintext = true` (meant for a server on loopback).
    None,
}

impl ImapTls {
    pub fn default_port(self) -> u16 {
        match self {
            ImapTls::Implicit => 993,
            ImapTls::Starttls | ImapTls::None => 143,
        }
    }
}

/// What happens to a message on the server once its document is durably done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImapAction {
    /// Add `\Seen`; the message stays in the folder.
    Seen,
    /// Add the keyword `keyword`; the message stays in the folder.
    Keyword,
    /// Move to `move_to` (MOVE, or COPY + `\Deleted` + UID EXPUNGE where MOVE is missing).
    Move,
    /// Delete (`\Deleted` + UID EXPUNGE); the original is in the archive.
    Delete,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImapAccountConfig {
    pub host: String,
    /// Default: 993 for `tls = "implicit"`, else 143.
    pub port: Option<u16>,
    pub tls: ImapTls,
    /// Required for `tls = "none"`: plaintext passwords on the wire are a deliberate choice.
    pub allow_plaintext: bool,
    /// PEM file with the CA certificate(s) to trust instead of the system's.
    pub ca_file: Option<PathBuf>,
    pub user: String,
    /// Name of the environment variable that holds the password.
    pub password_env: Option<String>,
    /// File whose content (trailing newline removed) is the password.
    pub password_file: Option<PathBuf>,
    /// Folders to take mail from.
    pub folders: Vec<String>,
    /// Channel recorded on every document from this account.
    pub channel: String,
    /// Metadata recorded on every document from this account.
    pub metadata: BTreeMap<String, String>,
    pub after: ImapAction,
    /// Folder for `after = "move"`; created if missing.
    pub move_to: String,
    /// Keyword for `after = "keyword"`.
    pub keyword: String,
    /// Messages that could not be processed are moved here (whatever `after` says); created if
    /// missing.
    pub failed_folder: String,
    /// Use IDLE when the server offers it (new mail is taken within about a second).
    pub idle: bool,
    /// Poll this often when IDLE is off or missing; with IDLE, the safety-net rescan and the
    /// IDLE renewal (keep-alive) interval.
    pub poll_interval_secs: u64,
    /// Messages fetched per `UID FETCH`.
    pub fetch_batch: usize,
    /// Timeout for connecting and for each command.
    pub timeout_secs: u64,
}

impl Default for ImapAccountConfig {
    fn default() -> Self {
        ImapAccountConfig {
            host: String::new(),
            port: None,
            tls: ImapTls::Implicit,
            allow_plaintext: false,
            ca_file: None,
            user: String::new(),
            password_env: None,
            password_file: None,
            folders: vec!["INBOX".into()],
            channel: "imap".into(),
            metadata: BTreeMap::new(),
            after: ImapAction::Move,
            move_to: "Processed".into(),
            keyword: "$IntakeTaken".into(),
            failed_folder: "Failed".into(),
            idle: true,
            poll_interval_secs: 60,
            fetch_batch: 50,
            timeout_secs: 60,
        }
    }
}

impl ImapAccountConfig {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or_else(|| self.tls.default_port())
    }

    /// Problems with this account, each naming its key under `key` (e.g. `imap[0]`).
    pub fn problems(&self, key: &str) -> Vec<String> {
        let mut p = Vec::new();
        if self.host.trim().is_empty() {
            p.push(format!("{key}.host: must not be empty"));
        }
        if self.port == Some(0) {
            p.push(format!("{key}.port: must not be 0"));
        }
        if self.user.is_empty() {
            p.push(format!("{key}.user: must not be empty"));
        }
        match (&self.password_env, &self.password_file) {
            (Some(_), Some(_)) => p.push(format!(
                "{key}: set either password_env or password_file, not both"
            )),
            (None, None) => p.push(format!(
                "{key}: set password_env (an environment variable) or password_file; passwords are never written into the config"
            )),
            _ => {}
        }
        if self.tls == ImapTls::None && !self.allow_plaintext {
            p.push(format!(
                "{key}.tls: \"none\" sends the password unencrypted; set allow_plaintext = true to allow it (loopback only)"
            ));
        }
        if self.folders.is_empty() {
            p.push(format!("{key}.folders: name at least one folder"));
        }
        for (i, f) in self.folders.iter().enumerate() {
            if f.is_empty() {
                p.push(format!("{key}.folders[{i}]: must not be empty"));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for f in &self.folders {
            if !seen.insert(f) {
                p.push(format!("{key}.folders: {f:?} is listed twice"));
            }
        }
        if self.after == ImapAction::Move {
            if self.move_to.is_empty() {
                p.push(format!(
                    "{key}.move_to: must not be empty when after = \"move\""
                ));
            } else if self.folders.contains(&self.move_to) {
                p.push(format!(
                    "{key}.move_to: {:?} is also a watched folder",
                    self.move_to
                ));
            }
        }
        if self.after == ImapAction::Keyword
            && (self.keyword.is_empty()
                || !self
                    .keyword
                    .chars()
                    .all(|c| c.is_ascii_graphic() && !"(){%*\"\\]".contains(c)))
        {
            p.push(format!(
                "{key}.keyword: {:?} is not a valid IMAP keyword (ASCII letters, digits, '$', '-', '_')",
                self.keyword
            ));
        }
        if self.failed_folder.is_empty() {
            p.push(format!("{key}.failed_folder: must not be empty"));
        } else if self.folders.contains(&self.failed_folder) {
            p.push(format!(
                "{key}.failed_folder: {:?} is also a watched folder",
                self.failed_folder
            ));
        }
        if self.poll_interval_secs == 0 {
            p.push(format!("{key}.poll_interval_secs: must be at least 1"));
        }
        if self.fetch_batch == 0 {
            p.push(format!("{key}.fetch_batch: must be greater than 0"));
        }
        if self.timeout_secs == 0 {
            p.push(format!("{key}.timeout_secs: must be at least 1"));
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ImapAccountConfig {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn defaults_are_implicit_tls_inbox_and_move() {
        let c = parse("host = \"mail.example\"\nuser = \"schaden\"\npassword_env = \"PW\"\n");
        assert_eq!(c.port(), 993);
        assert_eq!(c.folders, vec!["INBOX".to_string()]);
        assert_eq!(c.after, ImapAction::Move);
        assert!(c.problems("imap[0]").is_empty());
    }

    #[test]
    fn plaintext_needs_consent_and_a_password_source_is_required() {
        let c = parse("host = \"h\"\nuser = \"u\"\ntls = \"none\"\n");
        let p = c.problems("imap[1]").join("\n");
        assert!(p.contains("imap[1].tls"), "{p}");
        assert!(p.contains("password_env"), "{p}");
        assert_eq!(c.port(), 143);
    }

    #[test]
    fn target_folders_must_differ_from_watched_ones() {
        let c = parse(
            "host = \"h\"\nuser = \"u\"\npassword_file = \"pw\"\nfolders = [\"INBOX\", \"Failed\"]\nmove_to = \"INBOX\"\n",
        );
        let p = c.problems("imap[0]").join("\n");
        assert!(p.contains("imap[0].move_to"), "{p}");
        assert!(p.contains("imap[0].failed_folder"), "{p}");
    }
}
