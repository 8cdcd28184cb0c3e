//! The `blob_ref` table: which stored documents reference which attachment blobs (by SHA-256,
//! with the size each record declares), written in the same transaction as each merge
//! ([`crate::store::Db::commit_docs`]) and by the projection's rebuild. The blob endpoints
//! (`routes/blobs.rs`) authorize a transfer by it without loading a document.

use super::{Db, StoreError};
use automerge::{Automerge, ReadDoc, ROOT};
use doimoi_shared::blob::is_sha256;
use doimoi_shared::doc::proposal;
use rusqlite::{params, Connection};

/// A document's blob references: its owner unit and every `(sha256, size)` its attachment
/// records name (records whose hash is malformed are left out: nothing can fetch them).
pub type Refs = (String, Vec<(String, u64)>);

/// The references of one document (none but a proposal's).
pub fn refs_of(kind: &str, doc: &Automerge) -> Refs {
    let unit = match doc.get(ROOT, "unit") {
        Ok(Some((automerge::Value::Scalar(s), _))) => s.as_str().unwrap_or_default().to_string(),
        _ => String::new(),
    };
    if kind != "proposal" {
        return (unit, Vec::new());
    }
    let mut list: Vec<(String, u64)> = proposal::attachments(doc)
        .into_iter()
        .filter(|a| is_sha256(&a.sha256))
        .map(|a| (a.sha256, a.size))
        .collect();
    list.sort_unstable();
    list.dedup();
    (unit, list)
}

/// Records a document's references (records are append-only: nothing to delete).
pub fn put_refs(conn: &Connection, id: &str, refs: &Refs) -> Result<(), StoreError> {
    let (unit, list) = refs;
    if list.is_empty() {
        return Ok(());
    }
    let mut ins = conn.prepare_cached(
        "INSERT OR IGNORE INTO blob_ref(sha256, doc_id, unit, size) VALUES(?1, ?2, ?3, ?4)",
    )?;
    for (sha, size) in list {
        ins.execute(params![
            sha,
            id,
            unit,
            i64::try_from(*size).unwrap_or(i64::MAX)
        ])?;
    }
    Ok(())
}

/// [`refs_of`] then [`put_refs`], for a merge being committed.
pub fn write_refs(
    conn: &Connection,
    id: &str,
    kind: &str,
    unit: &str,
    doc: &Automerge,
) -> Result<(), StoreError> {
    if kind != "proposal" {
        return Ok(());
    }
    let (_, list) = refs_of(kind, doc);
    put_refs(conn, id, &(unit.to_string(), list))
}

impl Db {
    /// The owner unit and declared size of every reference to a blob.
    pub fn blob_refs(&self, sha256: &str) -> Result<Vec<(String, u64)>, StoreError> {
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached("SELECT DISTINCT unit, size FROM blob_ref WHERE sha256 = ?1")?;
        let rows = stmt
            .query_map([sha256], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows
            .into_iter()
            .map(|(u, s)| (u, u64::try_from(s).unwrap_or(0)))
            .collect())
    }
}
