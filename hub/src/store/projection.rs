//! The report projection's SQL: per proposal, per unit-year and per event of interest, written in the
//! same SQLite transaction as each merge ([`crate::store::Db::commit_docs`]), so a report is a
//! query and never loads a document. `doimoi-hub reindex` rebuilds the tables from the
//! documents ([`reindex`]); "as of" reports compute the same rows from document history
//! ([`rows_as_of`]).
//!
//! Tables (migration 2 of `store/mod.rs`):
//! - `proj_proposal(doc_id, unit, submitted, last_day, status, row)`: `row` is the
//!   [`ProposalRow`] in its compact binary form ([`ProposalRow::encode`]: the state after each
//!   day with events, the clocked steps, the events of interest);
//! - `proj_event(doc_id, event_id, kind, day, unit)`: the events of interest (escalation,
//!   answer, evaluation, protection, commendation, discipline), by day;
//! - `proj_unit_year(doc_id, unit, year, row)`: the [`UnitYearRow`] as JSON.

use super::{Db, StoreError};
use crate::projection::{project, Projected};
use automerge::ChangeHash;
use doimoi_shared::calendar::Calendar;
use doimoi_shared::org::Registry;
use doimoi_shared::report::{ProposalRow, UnitYearRow};
use rusqlite::{params, Connection, OptionalExtension};

/// Writes a document's projection, replacing what it had.
pub fn write(conn: &Connection, id: &str, p: &Projected) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM proj_event WHERE doc_id = ?1")?
        .execute([id])?;
    match p {
        Projected::Proposal(row) => {
            let status = row
                .timeline
                .last()
                .map_or("draft", |(_, p)| p.status.as_str());
            conn.prepare_cached(
                "INSERT INTO proj_proposal(doc_id, unit, submitted, last_day, status, row) VALUES(?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(doc_id) DO UPDATE SET unit = excluded.unit, submitted = excluded.submitted,
                   last_day = excluded.last_day, status = excluded.status, row = excluded.row",
            )?
            .execute(params![
                    id,
                    row.unit.as_str(),
                    row.submitted.map(|d| d.to_string()),
                    row.last_day().map(|d| d.to_string()),
                    status,
                    row.encode()
                ])?;
            let mut ins = conn.prepare_cached(
                "INSERT OR REPLACE INTO proj_event(doc_id, event_id, kind, day, unit) VALUES(?1, ?2, ?3, ?4, ?5)",
            )?;
            for m in &row.marks {
                ins.execute(params![
                    id,
                    m.event,
                    m.kind.as_str(),
                    m.date.to_string(),
                    row.unit.as_str()
                ])?;
            }
        }
        Projected::UnitYear(row) => {
            let json = serde_json::to_string(row)
                .map_err(|e| StoreError::Corrupt(id.to_string(), e.to_string()))?;
            conn.prepare_cached(
                "INSERT INTO proj_unit_year(doc_id, unit, year, row) VALUES(?1, ?2, ?3, ?4)
                 ON CONFLICT(doc_id) DO UPDATE SET unit = excluded.unit, year = excluded.year, row = excluded.row",
            )?
            .execute(params![id, row.unit.as_str(), row.year, json])?;
        }
        Projected::None => {
            conn.prepare_cached("DELETE FROM proj_proposal WHERE doc_id = ?1")?
                .execute([id])?;
            conn.prepare_cached("DELETE FROM proj_unit_year WHERE doc_id = ?1")?
                .execute([id])?;
        }
    }
    Ok(())
}

/// The units whose rows a report of a subtree reads (`None`: every unit).
pub type UnitFilter<'a> = Option<&'a [String]>;

fn unit_filter_json(units: UnitFilter<'_>) -> Option<String> {
    units.map(|u| serde_json::Value::from(u.to_vec()).to_string())
}

/// The projection rows of the units in `units`: both tables read in one snapshot (one read
/// transaction), then decoded on every core with the connection released.
pub fn rows(
    db: &Db,
    units: UnitFilter<'_>,
) -> Result<(Vec<ProposalRow>, Vec<UnitYearRow>), StoreError> {
    let filter = unit_filter_json(units);
    let mut buf: Vec<u8> = Vec::new();
    let mut ends: Vec<usize> = Vec::new();
    let mut unit_year_json: Vec<(String, String)> = Vec::new();
    {
        let conn = db.reader();
        let tx = conn.unchecked_transaction()?;
        {
            let mut stmt = tx.prepare(
                "SELECT row FROM proj_proposal WHERE ?1 IS NULL OR unit IN (SELECT value FROM json_each(?1))",
            )?;
            let mut q = stmt.query([&filter])?;
            while let Some(r) = q.next()? {
                buf.extend_from_slice(r.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?);
                ends.push(buf.len());
            }
            let mut stmt = tx.prepare(
                "SELECT doc_id, row FROM proj_unit_year WHERE ?1 IS NULL OR unit IN (SELECT value FROM json_each(?1)) ORDER BY doc_id",
            )?;
            let mut q = stmt.query([&filter])?;
            while let Some(r) = q.next()? {
                unit_year_json.push((r.get(0)?, r.get(1)?));
            }
        }
        tx.commit()?;
    }
    let blobs: Vec<&[u8]> = ends
        .iter()
        .scan(0, |start, &end| {
            let b = buf.get(*start..end).unwrap_or_default();
            *start = end;
            Some(b)
        })
        .collect();
    let proposals = decode_all(&blobs)?;
    drop(blobs);
    let unit_years = unit_year_json
        .iter()
        .map(|(id, json)| {
            serde_json::from_str(json).map_err(|e| StoreError::Corrupt(id.clone(), e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    Ok((proposals, unit_years))
}

/// Bytes of every stored proposal row, read and not decoded (the benchmark's measure of the
/// scan alone).
pub fn scan_bytes(db: &Db) -> Result<usize, StoreError> {
    let conn = db.reader();
    let mut stmt = conn.prepare("SELECT row FROM proj_proposal")?;
    let mut q = stmt.query([])?;
    let mut n = 0;
    while let Some(r) = q.next()? {
        n += r
            .get_ref(0)?
            .as_blob()
            .map_err(rusqlite::Error::from)?
            .len();
    }
    Ok(n)
}

/// Decodes proposal rows on every core, keeping their order.
fn decode_all(blobs: &[&[u8]]) -> Result<Vec<ProposalRow>, StoreError> {
    doimoi_shared::par::map_slices(blobs, |part| {
        part.iter().map(|b| ProposalRow::decode(b)).collect()
    })
    .into_iter()
    .collect::<Result<_, String>>()
    .map_err(|e| StoreError::Corrupt("proj_proposal".into(), e))
}

/// Rebuilds every projection table from the documents, a few hundred documents per
/// transaction (so a running hub's merges are never held up for long): each document's rows
/// are replaced, then rows of documents that no longer exist are dropped. Returns the number of
/// documents read.
pub fn reindex(db: &Db, registry: &Registry, calendar: &Calendar) -> Result<usize, StoreError> {
    const BATCH: usize = 500;
    let ids: Vec<(String, String)> = {
        let conn = db.reader();
        let mut stmt = conn.prepare("SELECT id, kind FROM doc ORDER BY id")?;
        let v = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        v
    };
    for part in ids.chunks(BATCH) {
        let projected: Vec<(&str, Vec<u8>, Projected, super::blobs::Refs)> = part
            .iter()
            .filter_map(|(id, kind)| match db.load_doc(id) {
                Ok(Some(doc)) => Some(Ok((
                    id.as_str(),
                    crate::store::encode_heads(&doc.get_heads()),
                    project(&doc, kind, registry, calendar),
                    super::blobs::refs_of(kind, &doc),
                ))),
                Ok(None) => None,
                Err(e) => Some(Err(e)),
            })
            .collect::<Result<_, _>>()?;
        let mut conn = db.writer();
        let tx = conn.transaction()?;
        for (id, heads, p, refs) in &projected {
            // A merge since the load wrote a newer projection in its own transaction: keep it.
            let now: Option<Vec<u8>> = tx
                .query_row("SELECT heads FROM doc WHERE id = ?1", [id], |r| r.get(0))
                .optional()?;
            if now.as_deref() == Some(heads.as_slice()) {
                write(&tx, id, p)?;
                super::blobs::put_refs(&tx, id, refs)?;
            }
        }
        tx.commit()?;
    }
    db.writer().execute_batch(
        "DELETE FROM proj_proposal WHERE doc_id NOT IN (SELECT id FROM doc);
         DELETE FROM proj_event WHERE doc_id NOT IN (SELECT id FROM doc);
         DELETE FROM proj_unit_year WHERE doc_id NOT IN (SELECT id FROM doc);
         DELETE FROM blob_ref WHERE doc_id NOT IN (SELECT id FROM doc);",
    )?;
    Ok(ids.len())
}

/// The last heads the hub had accepted for every document of `units` before `before_ms`
/// (server time).
fn heads_before(
    db: &Db,
    units: UnitFilter<'_>,
    before_ms: i64,
) -> Result<Vec<(String, String, Vec<u8>)>, StoreError> {
    let conn = db.reader();
    let filter = unit_filter_json(units);
    let mut stmt = conn.prepare(
        "SELECT d.id, d.kind, (SELECT h.heads FROM heads_log h WHERE h.doc_id = d.id AND h.accepted_at < ?2
                              ORDER BY h.accepted_at DESC, h.rowid DESC LIMIT 1)
         FROM doc d
         WHERE d.kind IN ('proposal', 'unit_year') AND (?1 IS NULL OR d.unit IN (SELECT value FROM json_each(?1)))
         ORDER BY d.id",
    )?;
    let rows = stmt
        .query_map(params![filter, before_ms], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get::<_, Option<Vec<u8>>>(2)?))
        })?
        .filter_map(|r| match r {
            Ok((id, kind, Some(h))) => Some(Ok((id, kind, h))),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Heads as stored; a corrupt value reads as no heads.
fn decode_heads(bytes: &[u8]) -> Vec<ChangeHash> {
    doimoi_shared::heads::decode(bytes).unwrap_or_default()
}

/// The rows as they stood when the hub had accepted only what it had before `before_ms`:
/// each document read at those heads (document history; the one report path that loads
/// documents). Runs on every core.
pub fn rows_as_of(
    db: &Db,
    units: UnitFilter<'_>,
    before_ms: i64,
    registry: &Registry,
    calendar: &Calendar,
) -> Result<(Vec<ProposalRow>, Vec<UnitYearRow>), StoreError> {
    let docs = heads_before(db, units, before_ms)?;
    let projected: Vec<Result<Projected, StoreError>> =
        doimoi_shared::par::map(docs, |(id, kind, heads)| {
            let Some(doc) = db.load_doc(&id)? else {
                return Ok(Projected::None);
            };
            let heads = decode_heads(&heads);
            let mut now = doc.get_heads();
            now.sort();
            let mut want = heads.clone();
            want.sort();
            if now == want {
                return Ok(project(&doc, &kind, registry, calendar));
            }
            let old = doc
                .fork_at(&heads)
                .map_err(|e| StoreError::Corrupt(id.clone(), e.to_string()))?;
            Ok(project(&old, &kind, registry, calendar))
        });
    let mut proposals = Vec::new();
    let mut unit_years = Vec::new();
    for p in projected {
        match p? {
            Projected::Proposal(row) => proposals.push(row),
            Projected::UnitYear(row) => unit_years.push(row),
            Projected::None => {}
        }
    }
    Ok((proposals, unit_years))
}
