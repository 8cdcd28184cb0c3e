//! Attachment blobs on the hub's disk (`PROTOCOL.md` §21): one file per SHA-256 under
//! `DATA/blobs/ab/cdef…` (stored once, whoever sends it), an upload under way in
//! `DATA/blobs/partial/SHA` until its bytes hash to its name. Nothing here holds a whole blob in
//! memory: uploads are hashed and written chunk by chunk as they arrive, downloads read the
//! file as they are sent (`routes/blobs.rs`). Which office may move which blob is decided from
//! the `blob_ref` table (`store/blobs.rs`).

use automerge::Automerge;
use doimoi_shared::blob::is_sha256;
use doimoi_shared::doc::proposal::{self, Attachment};
use sha2::Digest;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the hub holds of a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// The whole blob, checked against its hash: its size.
    Complete(u64),
    /// The first bytes of an upload under way (0: nothing).
    Partial(u64),
}

/// How an upload request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uploaded {
    /// The blob is whole and stored: its size.
    Complete(u64),
    /// The body ended before the blob did: the bytes held, to resume from.
    Partial(u64),
}

/// Why an upload was refused.
#[derive(Debug)]
pub enum UploadError {
    /// `offset` is not what the hub holds, or another upload of the blob is under way.
    Conflict {
        held: u64,
        busy: bool,
    },
    /// More bytes than the hub's limit.
    TooLarge {
        limit: u64,
    },
    /// The bytes are not the blob the documents reference (hash or size): nothing kept.
    Mismatch(String),
    /// The connection broke mid-body: what arrived is kept, to resume from.
    Cut {
        held: u64,
    },
    Io(std::io::Error),
}

impl From<std::io::Error> for UploadError {
    fn from(e: std::io::Error) -> Self {
        UploadError::Io(e)
    }
}

/// The blob folder of a hub's data folder.
#[derive(Debug, Clone)]
pub struct Blobs {
    dir: PathBuf,
}

/// Uploads under way in this process, by partial file (one at a time per blob).
static UPLOADS: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

/// Holds a blob's upload slot until dropped.
struct Slot(PathBuf);

impl Slot {
    fn take(path: &Path) -> Option<Slot> {
        let mut set = crate::store::lock(&UPLOADS);
        set.get_or_insert_with(HashSet::new)
            .insert(path.to_path_buf())
            .then(|| Slot(path.to_path_buf()))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(set) = crate::store::lock(&UPLOADS).as_mut() {
            set.remove(&self.0);
        }
    }
}

const CHUNK: usize = 64 * 1024;

impl Blobs {
    pub fn new(data: &Path) -> Blobs {
        Blobs {
            dir: data.join("blobs"),
        }
    }

    /// Where a whole blob lives. `sha` must satisfy [`is_sha256`].
    pub fn path(&self, sha: &str) -> PathBuf {
        self.dir.join(&sha[..2]).join(&sha[2..])
    }

    fn partial(&self, sha: &str) -> PathBuf {
        self.dir.join("partial").join(sha)
    }

    /// What the hub holds of a blob.
    pub async fn held(&self, sha: &str) -> std::io::Result<Held> {
        match tokio::fs::metadata(self.path(sha)).await {
            Ok(m) => return Ok(Held::Complete(m.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        match tokio::fs::metadata(self.partial(sha)).await {
            Ok(m) => Ok(Held::Partial(m.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Held::Partial(0)),
            Err(e) => Err(e),
        }
    }

    /// Appends `body` (the blob's bytes from `offset`) to the upload under way, hashing as it
    /// goes; when the bytes reach one of the `sizes` the documents declare and hash to `sha`,
    /// the blob is moved into place. `sizes` is not empty.
    pub async fn upload<S, E>(
        &self,
        sha: &str,
        offset: u64,
        sizes: &[u64],
        limit: u64,
        mut body: S,
    ) -> Result<Uploaded, UploadError>
    where
        S: futures_util::Stream<Item = Result<axum::body::Bytes, E>> + Unpin,
    {
        use futures_util::StreamExt;
        if let Held::Complete(n) = self.held(sha).await? {
            return Ok(Uploaded::Complete(n));
        }
        let part = self.partial(sha);
        let Some(_slot) = Slot::take(&part) else {
            let held = match self.held(sha).await? {
                Held::Complete(n) | Held::Partial(n) => n,
            };
            return Err(UploadError::Conflict { held, busy: true });
        };
        // Stored by the upload that held the slot until now?
        if let Held::Complete(n) = self.held(sha).await? {
            return Ok(Uploaded::Complete(n));
        }
        if let Some(dir) = part.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let mut file = tokio::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&part)
            .await?;
        // The bytes held so far, hashed again (the hash state is not kept between requests).
        let mut hasher = sha2::Sha256::new();
        let mut held = 0u64;
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = file.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            held += n as u64;
        }
        drop(buf);
        if held != offset {
            return Err(UploadError::Conflict { held, busy: false });
        }
        let largest = sizes.iter().copied().max().unwrap_or(0);
        let mut total = held;
        let refuse = |e: UploadError| async {
            let _ = tokio::fs::remove_file(&part).await;
            e
        };
        while let Some(chunk) = body.next().await {
            let Ok(chunk) = chunk else {
                // Cut off: keep what arrived, durably, to resume from.
                file.flush().await?;
                file.sync_data().await?;
                return Err(UploadError::Cut { held: total });
            };
            let next = total + chunk.len() as u64;
            if next > limit {
                drop(file);
                return Err(refuse(UploadError::TooLarge { limit }).await);
            }
            if next > largest {
                drop(file);
                return Err(refuse(UploadError::Mismatch(format!(
                    "tệp gửi lên dài hơn {largest} byte, kích thước tài liệu ghi cho tệp này"
                )))
                .await);
            }
            file.write_all(&chunk).await?;
            hasher.update(&chunk);
            total = next;
        }
        file.flush().await?;
        file.sync_data().await?;
        drop(file);
        if sizes.contains(&total) {
            let digest = doimoi_shared::ids::hex(&hasher.finalize());
            if digest == sha {
                let dest = self.path(sha);
                if let Some(dir) = dest.parent() {
                    tokio::fs::create_dir_all(dir).await?;
                }
                tokio::fs::rename(&part, &dest).await?;
                if let Some(dir) = dest.parent().map(Path::to_path_buf) {
                    // The rename itself durable.
                    let _ = tokio::task::spawn_blocking(move || {
                        std::fs::File::open(dir).and_then(|d| d.sync_all())
                    })
                    .await;
                }
                return Ok(Uploaded::Complete(total));
            }
            if total >= largest {
                return Err(refuse(UploadError::Mismatch(format!(
                    "mã SHA-256 của {total} byte nhận được là {digest}, không phải {sha}"
                )))
                .await);
            }
        }
        Ok(Uploaded::Partial(total))
    }
}

/// A record's identity, to tell the records a push adds from those the hub held.
fn key(a: &Attachment) -> (String, String, u64, i64, String) {
    (
        a.sha256.clone(),
        a.name.clone(),
        a.size,
        a.at,
        a.unit.to_string(),
    )
}

/// Refuses a proposal whose new attachment records the hub could not take the bytes of: a
/// size above `limit` or a hash that is not 64 lower-case hex digits. The reason, in
/// Vietnamese, for `Outcome::Rejected`.
pub fn check_new(
    existing: Option<&Automerge>,
    merged: &Automerge,
    limit: u64,
) -> Result<(), String> {
    let before: HashSet<_> = existing
        .map(|d| proposal::attachments(d).iter().map(key).collect())
        .unwrap_or_default();
    for a in proposal::attachments(merged) {
        if before.contains(&key(&a)) {
            continue;
        }
        if !is_sha256(&a.sha256) {
            return Err(format!(
                "tệp đính kèm \"{}\" ghi mã SHA-256 không hợp lệ (cần 64 chữ số thập lục phân viết thường)",
                a.name
            ));
        }
        if a.size > limit {
            return Err(format!(
                "tệp đính kèm \"{}\" ({} byte) lớn hơn giới hạn {limit} byte của máy chủ",
                a.name, a.size
            ));
        }
    }
    Ok(())
}
