//! The types that travel between pipeline stages: ids, digests, the ledger's states, what a
//! source hands over ([`Intake`]) and what it gets back ([`Outcome`]). Stage-specific payloads
//! live with their stage (`extract::Extraction`, `index::IndexDoc`).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What an e-mail's headers say about how it was sent, before anyone reads it: an automatic
/// reply (RFC 3834 `Auto-Submitted: auto-replied`, `X-Autoreply`), mailing-list or bulk mail
/// (`List-Unsubscribe`, `List-Id`, `Precedence: bulk`), or mail a filter flagged as spam. The
/// header that said so is kept for the explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AutomatedMail {
    AutoReply { header: String },
    List { header: String },
    Spam { header: String },
}

impl AutomatedMail {
    pub fn header(&self) -> &str {
        match self {
            AutomatedMail::AutoReply { header }
            | AutomatedMail::List { header }
            | AutomatedMail::Spam { header } => header,
        }
    }
}

/// A document: a received item (file, e-mail, upload) or an attachment inside one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DocumentId(pub i64);

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A task in the central inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskId(pub i64);

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// SHA-256 of a document's original bytes; the blob store's address.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256Digest(pub [u8; 32]);

impl Sha256Digest {
    pub fn of(bytes: &[u8]) -> Self {
        Sha256Digest(Sha256::digest(bytes).into())
    }
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
    pub fn from_hex(s: &str) -> Option<Self> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(Sha256Digest(out))
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({})", &self.to_hex()[..12])
    }
}

/// The durable states of the intake ledger. A document moves forward through
/// `Received → Extracted → Classified → Indexed → Routed`, or ends as `Duplicate` or
/// `Quarantined`. The names are a public interface (`status` in the export).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocStatus {
    Received,
    Extracted,
    Classified,
    Indexed,
    Routed,
    Duplicate,
    Quarantined,
}

impl DocStatus {
    pub const ALL: [DocStatus; 7] = [
        DocStatus::Received,
        DocStatus::Extracted,
        DocStatus::Classified,
        DocStatus::Indexed,
        DocStatus::Routed,
        DocStatus::Duplicate,
        DocStatus::Quarantined,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocStatus::Received => "received",
            DocStatus::Extracted => "extracted",
            DocStatus::Classified => "classified",
            DocStatus::Indexed => "indexed",
            DocStatus::Routed => "routed",
            DocStatus::Duplicate => "duplicate",
            DocStatus::Quarantined => "quarantined",
        }
    }

    pub fn parse(s: &str) -> Option<DocStatus> {
        DocStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Nothing more will happen to the document in the pipeline.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            DocStatus::Routed | DocStatus::Duplicate | DocStatus::Quarantined
        )
    }
}

impl fmt::Display for DocStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a received item came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    /// Channel-local identity used to recognise a re-delivery of the same item after a crash
    /// (a folder source uses the absolute path).
    pub key: String,
    /// The path the file had when it was taken, if it was a file.
    pub path: Option<String>,
    /// The file name as the sender gave it (display only, never used as a path).
    pub filename: Option<String>,
}

/// The original bytes of an item, or the fact that it was too large to take in.
#[derive(Debug, Clone)]
pub enum Payload {
    Bytes(Vec<u8>),
    /// Larger than `limit` (`limits.max_file_bytes`): recorded with its digest and quarantined
    /// unread.
    TooLarge {
        size: u64,
        limit: u64,
        sha256: Sha256Digest,
    },
}

/// What a source hands to the pipeline: one received item.
#[derive(Debug, Clone)]
pub struct Intake {
    pub channel: String,
    pub source: SourceRef,
    pub metadata: BTreeMap<String, String>,
    pub payload: Payload,
}

/// The final word on an item, sent back to its source so it can release the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Archived and through every stage.
    Done(DocumentId),
    /// The same bytes were received before.
    Duplicate { id: DocumentId, of: DocumentId },
    /// Kept, but could not be processed; `reason` is in plain words.
    Quarantined { id: DocumentId, reason: String },
}

impl Outcome {
    pub fn id(&self) -> DocumentId {
        match self {
            Outcome::Done(id) => *id,
            Outcome::Duplicate { id, .. } => *id,
            Outcome::Quarantined { id, .. } => *id,
        }
    }
}

/// A safe display name for a file name from outside (attachments, uploads, odd file systems);
/// names are data, never paths: last path component, control characters removed, trimmed,
/// at most 255 bytes (keeping a short extension). `None` if nothing usable is left.
pub fn display_file_name(raw: &str) -> Option<String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = last.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        return None;
    }
    const MAX: usize = 255;
    if cleaned.len() <= MAX {
        return Some(cleaned.to_string());
    }
    let (stem, ext) = match cleaned.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() <= 16 => (stem, Some(ext)),
        _ => (cleaned, None),
    };
    let room = MAX - ext.map_or(0, |e| e.len() + 1);
    let mut cut = room.min(stem.len());
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    Some(match ext {
        Some(ext) => format!("{}.{ext}", &stem[..cut]),
        None => stem[..cut].to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha_hex_round_trip() {
        let d = Sha256Digest::of(b"abc");
        assert_eq!(
            d.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(Sha256Digest::from_hex(&d.to_hex()), Some(d));
    }

    #[test]
    fn status_names_round_trip() {
        for s in DocStatus::ALL {
            assert_eq!(DocStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn hostile_names_become_plain_names() {
        assert_eq!(display_file_name("/etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(
            display_file_name("..\\..\\boot.ini").as_deref(),
            Some("boot.ini")
        );
        assert_eq!(
            display_file_name("a\u{7}b\n.pdf").as_deref(),
            Some("ab.pdf")
        );
        assert_eq!(display_file_name(".."), None);
        assert_eq!(display_file_name("x/"), None);
    }
}
