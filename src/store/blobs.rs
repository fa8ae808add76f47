//! Content-addressed store of original bytes: `blobs/ab/cd/<sha256>`. Writing the same bytes
//! twice is a no-op. Writes go to a temporary file and are renamed into place; [`BlobStore::sync`]
//! makes everything written so far durable with one `syncfs` (group commit), which a stage calls
//! before it commits the records that point at the blobs. Blocking I/O.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::model::Sha256Digest;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob store {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("blob {sha256} is missing from the store")]
    Missing { sha256: Sha256Digest },
    #[error("blob {sha256} is corrupt: its content hashes to {actual}")]
    Corrupt {
        sha256: Sha256Digest,
        actual: Sha256Digest,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> BlobError + '_ {
    move |source| BlobError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    pub fn open(root: &Path) -> Result<BlobStore, BlobError> {
        fs::create_dir_all(root.join("tmp")).map_err(io_err(root))?;
        Ok(BlobStore {
            root: root.to_path_buf(),
        })
    }

    pub fn path_of(&self, sha: &Sha256Digest) -> PathBuf {
        let hex = sha.to_hex();
        self.root.join(&hex[0..2]).join(&hex[2..4]).join(hex)
    }

    /// Stores `bytes` under their digest (not yet durable: call [`BlobStore::sync`]).
    pub fn put(&self, bytes: &[u8]) -> Result<Sha256Digest, BlobError> {
        let sha = Sha256Digest::of(bytes);
        let path = self.path_of(&sha);
        if path.exists() {
            return Ok(sha);
        }
        let dir = path.parent().expect("blob path has a parent");
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        let mut tmp =
            tempfile::NamedTempFile::new_in(self.root.join("tmp")).map_err(io_err(&self.root))?;
        tmp.write_all(bytes).map_err(io_err(tmp.path()))?;
        tmp.persist(&path).map_err(|e| BlobError::Io {
            path: path.clone(),
            source: e.error,
        })?;
        Ok(sha)
    }

    /// Makes every blob written so far durable (data and directory entries): one `syncfs`
    /// for the file system that holds the store.
    pub fn sync(&self) -> Result<(), BlobError> {
        let dir = File::open(&self.root).map_err(io_err(&self.root))?;
        rustix::fs::syncfs(&dir).map_err(|e| BlobError::Io {
            path: self.root.clone(),
            source: e.into(),
        })
    }

    /// Reads a blob back and checks its digest.
    pub fn get(&self, sha: &Sha256Digest) -> Result<Vec<u8>, BlobError> {
        let path = self.path_of(sha);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(BlobError::Missing { sha256: *sha })
            }
            Err(e) => return Err(io_err(&path)(e)),
        };
        let actual = Sha256Digest::of(&bytes);
        if actual != *sha {
            return Err(BlobError::Corrupt {
                sha256: *sha,
                actual,
            });
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_is_content_addressed_and_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let a = store.put(b"Sehr geehrte Damen und Herren").unwrap();
        let b = store.put(b"Sehr geehrte Damen und Herren").unwrap();
        assert_eq!(a, b);
        store.sync().unwrap();
        assert_eq!(store.get(&a).unwrap(), b"Sehr geehrte Damen und Herren");
        assert!(store.path_of(&a).ends_with(a.to_hex()));
    }

    #[test]
    fn corruption_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let a = store.put(b"original").unwrap();
        fs::write(store.path_of(&a), b"tampered").unwrap();
        assert!(matches!(store.get(&a), Err(BlobError::Corrupt { .. })));
        let missing = Sha256Digest::of(b"never stored");
        assert!(matches!(
            store.get(&missing),
            Err(BlobError::Missing { .. })
        ));
    }
}
