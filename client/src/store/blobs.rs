//! Attachment blobs in the local store: the bytes (`blob`, by SHA-256), which documents
//! reference which blobs (`attachment_ref`, derived like the other indexes: written with each
//! proposal's index row, rebuilt by `doimoi reindex`), and which of this office's blobs the hub
//! confirmed holding (`blob_sent`). The transfers themselves are in `sync/blobs.rs`.

use super::{Store, StoreError, Write};
use rusqlite::{params, OptionalExtension};

/// `meta` key: the references of documents stored before migration 5 are still to be read.
pub const REFS_PENDING: &str = "blob.refs_pending";

/// A blob to move: its hash and the size its record declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRef {
    pub sha256: String,
    pub size: u64,
}

fn blob_ref(r: &rusqlite::Row<'_>) -> rusqlite::Result<BlobRef> {
    Ok(BlobRef {
        sha256: r.get(0)?,
        size: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
    })
}

impl Store {
    /// Blobs of attachments recorded by `unit` that are here and that the hub has not yet
    /// confirmed holding.
    pub fn blobs_to_send(&self, unit: &str) -> Result<Vec<BlobRef>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT r.sha256, r.size FROM attachment_ref r JOIN blob b ON b.sha256 = r.sha256
             WHERE r.unit = ?1 AND NOT EXISTS (SELECT 1 FROM blob_sent s WHERE s.sha256 = r.sha256)
             ORDER BY r.sha256",
        )?;
        let rows = stmt
            .query_map([unit], blob_ref)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Blobs referenced by documents here whose bytes are not (the largest size declared).
    pub fn blobs_missing(&self) -> Result<Vec<BlobRef>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.sha256, MAX(r.size) FROM attachment_ref r
             WHERE NOT EXISTS (SELECT 1 FROM blob b WHERE b.sha256 = r.sha256)
             GROUP BY r.sha256 ORDER BY r.sha256",
        )?;
        let rows = stmt
            .query_map([], blob_ref)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Whether the bytes of a blob are here.
    pub fn has_blob(&self, sha256: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM blob WHERE sha256 = ?1", [sha256], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Records that the hub holds a blob (nothing more to send).
    pub fn mark_blob_sent(&self, sha256: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO blob_sent(sha256) VALUES(?1) ON CONFLICT(sha256) DO NOTHING",
            [sha256],
        )?;
        Ok(())
    }
}

impl Write<'_> {
    /// Records a document's attachment references `(sha256, size, attaching unit)` (records
    /// are append-only: nothing to delete).
    pub fn put_attachment_refs(
        &self,
        doc_id: &str,
        refs: &[(String, u64, String)],
    ) -> Result<(), StoreError> {
        if refs.is_empty() {
            return Ok(());
        }
        let mut stmt = self.tx.prepare_cached(
            "INSERT OR IGNORE INTO attachment_ref(sha256, doc_id, unit, size) VALUES(?1, ?2, ?3, ?4)",
        )?;
        for (sha, size, unit) in refs {
            stmt.execute(params![
                sha,
                doc_id,
                unit,
                i64::try_from(*size).unwrap_or(i64::MAX)
            ])?;
        }
        Ok(())
    }
}
