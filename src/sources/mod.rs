//! Channels that bring items in. Each source hands the pipeline an [`crate::model::Intake`] and
//! releases its input (moves the file, flags the message) only after the pipeline answered with
//! the item's [`crate::model::Outcome`]. `folder` watches directories; `files` reads the paths
//! given to `intake ingest`; `imap` polls mailboxes; `upload` takes HTTP uploads and answers
//! once the originals are durable.

pub mod files;
pub mod folder;
pub mod imap;
pub mod upload;

use std::io::{self, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::model::{Payload, Sha256Digest};

/// Names a scanner or copy tool uses while a file is still being written, and hidden files.
pub fn is_ignored_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.starts_with('.')
        || name.starts_with("~$")
        || lower.ends_with(".part")
        || lower.ends_with(".tmp")
        || lower.ends_with(".crdownload")
}

/// Reads a file's bytes, or only its digest when it is larger than `max_bytes`.
pub fn read_payload(path: &Path, max_bytes: u64) -> io::Result<Payload> {
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    if size > max_bytes {
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        return Ok(Payload::TooLarge {
            size,
            limit: max_bytes,
            sha256: Sha256Digest(hasher.finalize().into()),
        });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // Take at most one byte more than allowed, in case the file grew since the stat.
    file.take(max_bytes + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Ok(Payload::TooLarge {
            size: bytes.len() as u64,
            limit: max_bytes,
            sha256: Sha256Digest::of(&bytes),
        });
    }
    Ok(Payload::Bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_and_hidden_names_are_ignored() {
        for n in [
            ".DS_Store",
            "scan.pdf.part",
            "x.TMP",
            "~$brief.docx",
            "a.crdownload",
        ] {
            assert!(is_ignored_name(n), "{n}");
        }
        for n in ["scan.pdf", "mail.eml", "partner.txt"] {
            assert!(!is_ignored_name(n), "{n}");
        }
    }

    #[test]
    fn large_files_are_hashed_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.bin");
        std::fs::write(&p, vec![7u8; 5000]).unwrap();
        match read_payload(&p, 4096).unwrap() {
            Payload::TooLarge {
                size,
                limit,
                sha256,
            } => {
                assert_eq!((size, limit), (5000, 4096));
                assert_eq!(sha256, Sha256Digest::of(&[7u8; 5000]));
            }
            other => panic!("expected TooLarge, got {other:?}"),
        }
        assert!(matches!(read_payload(&p, 5000).unwrap(), Payload::Bytes(b) if b.len() == 5000));
    }
}
