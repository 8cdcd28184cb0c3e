//! The sync engine: one `POST /v1/sync` request, run on a blocking thread. Pure of HTTP; the
//! route decodes the body and maps [`ApiError`] to a response.
//!
//! Order of work for a request: every pushed document is merged into a scratch copy and
//! checked (scope, completeness, the ingress check of `doimoi_shared::validate`); only then
//! are all accepted documents written in one SQLite transaction, the cache updated and
//! listeners told. A request may be retried, duplicated or cut off at any point: a change
//! already held is a no-op, and nothing is written before the single commit.

use crate::error::ApiError;
use crate::projection::{project, Projected};
use crate::state::Inner;
use crate::store::{Device, DocWrite};
use automerge::{Automerge, ChangeHash, ReadDoc, ROOT};
use doimoi_shared::ids::{DocId, UnitCode};
use doimoi_shared::org::Registry;
use doimoi_shared::scope::{can_see, visible_units};
use doimoi_shared::validate::check_changes;
use doimoi_shared::wire::{
    DocResult, FeedEntry, Heads, Outcome, SyncRequest, SyncResponse, Versioned, PROTOCOL_VERSION,
};
use serde_bytes::ByteBuf;

fn owner_of(doc: &Automerge) -> Option<UnitCode> {
    match doc.get(ROOT, "unit") {
        Ok(Some((automerge::Value::Scalar(s), _))) => {
            s.as_str().and_then(|u| UnitCode::parse(u).ok())
        }
        _ => None,
    }
}

fn root_str(doc: &Automerge, key: &str) -> Option<String> {
    match doc.get(ROOT, key) {
        Ok(Some((automerge::Value::Scalar(s), _))) => s.as_str().map(str::to_string),
        _ => None,
    }
}

/// A pushed document after checking, before writing.
enum Checked {
    Write {
        id: String,
        kind: String,
        unit: String,
        doc: Box<Automerge>,
        before: Option<Vec<ChangeHash>>,
        bind: Vec<automerge::ActorId>,
        client_heads: Vec<ChangeHash>,
    },
    Done(Box<DocResult>),
}

pub fn handle(
    inner: &Inner,
    device: &Device,
    req: SyncRequest,
    now: i64,
) -> Result<SyncResponse, ApiError> {
    if req.version != PROTOCOL_VERSION {
        return Err(ApiError::version(req.version));
    }
    let (registry_version, registry) = inner.registry()?;
    if registry.get(&device.unit).is_none() {
        return Err(ApiError::forbidden(
            format!(
                "Đơn vị {} của thiết bị không còn trong danh mục đơn vị của máy chủ; liên hệ người quản trị.",
                device.unit
            ),
            None,
        ));
    }
    let mut results = Vec::with_capacity(req.push.len() + req.pull.len());
    if !req.push.is_empty() {
        // One writer at a time: check and commit see the same documents.
        let _guard = crate::store::lock(&inner.push_lock);
        let mut ids = std::collections::HashSet::new();
        if let Some(dup) = req.push.iter().find(|p| !ids.insert(p.id.as_str())) {
            return Err(ApiError::bad_request(format!(
                "Tài liệu {} xuất hiện hai lần trong một yêu cầu; mỗi tài liệu chỉ gửi một lần.",
                dup.id
            )));
        }
        let mut checked = Vec::with_capacity(req.push.len());
        for p in req.push {
            checked.push(check_push(inner, &registry, device, p)?);
        }
        // The report projection of every document to write, outside the write lock's
        // transaction but inside the same commit.
        let calendar = inner.calendar()?;
        let projections: Vec<Projected> = checked
            .iter()
            .map(|c| match c {
                Checked::Write { kind, doc, .. } => project(doc, kind, &registry, &calendar),
                Checked::Done(_) => Projected::None,
            })
            .collect();
        let writes: Vec<DocWrite<'_>> = checked
            .iter()
            .zip(&projections)
            .filter_map(|(c, proj)| match c {
                Checked::Write {
                    id,
                    kind,
                    unit,
                    doc,
                    before,
                    bind,
                    ..
                } => Some(DocWrite {
                    id,
                    kind,
                    unit,
                    doc,
                    before: before.as_deref(),
                    bind: bind.clone(),
                    proj,
                }),
                Checked::Done(_) => None,
            })
            .collect();
        if !writes.is_empty() {
            let seq = inner.db.commit_docs(&writes, device, now)?;
            inner
                .metrics
                .docs_accepted
                .fetch_add(writes.len() as u64, std::sync::atomic::Ordering::Relaxed);
            let _ = inner.news.send(seq);
        }
        drop(writes);
        for c in checked {
            match c {
                Checked::Write {
                    id,
                    kind,
                    doc,
                    client_heads,
                    ..
                } => {
                    let reply = DocResult {
                        id: id.clone(),
                        kind,
                        outcome: Outcome::Ok,
                        heads: Heads::from_hashes(&doc.get_heads()),
                        changes: ByteBuf::from(doc.save_after(&client_heads)),
                    };
                    inner.cache_put(&id, *doc);
                    results.push(reply);
                }
                Checked::Done(r) => results.push(*r),
            }
        }
    }
    for p in req.pull {
        results.push(pull(inner, &registry, device, &p.id, &p.heads)?);
    }
    // The feed: documents in scope changed after the cursor.
    let units: Option<Vec<String>> = visible_units(&registry, &device.unit)
        .map(|v| v.into_iter().map(|u| u.to_string()).collect());
    let top = inner.db.max_seq()?;
    let limit = match req.feed_limit {
        0 => inner.config.feed_page,
        n => usize::try_from(n)
            .unwrap_or(usize::MAX)
            .min(inner.config.feed_page),
    };
    let mut cursor = i64::try_from(req.cursor).unwrap_or(i64::MAX);
    if cursor > top {
        // The office is ahead of this hub (restored from a backup): start the feed over.
        cursor = 0;
    }
    let mut rows = inner.db.feed(cursor, units.as_deref(), limit + 1)?;
    rows.retain(|r| r.seq <= top);
    let more = rows.len() > limit;
    rows.truncate(limit);
    let new_cursor = if more {
        rows.last().map(|r| r.seq).unwrap_or(cursor)
    } else {
        top.max(cursor)
    };
    let feed = rows
        .into_iter()
        .map(|r| FeedEntry {
            id: r.doc_id,
            kind: r.kind,
            unit: r.unit,
            heads: Heads(ByteBuf::from(r.heads)),
        })
        .collect();
    let registry_out = if req.registry_version != registry_version {
        Some(Versioned {
            version: registry_version,
            json: registry.to_json(),
        })
    } else {
        None
    };
    let calendar_version = inner.calendar_version()?;
    let calendar_out = if calendar_version != req.calendar_version {
        Some(Versioned {
            version: calendar_version,
            json: inner.calendar_json()?,
        })
    } else {
        None
    };
    Ok(SyncResponse {
        version: PROTOCOL_VERSION,
        results,
        feed,
        cursor: u64::try_from(new_cursor).unwrap_or(0),
        more,
        registry: registry_out,
        calendar: calendar_out,
    })
}

fn check_push(
    inner: &Inner,
    registry: &Registry,
    device: &Device,
    p: doimoi_shared::wire::PushDoc,
) -> Result<Checked, ApiError> {
    let id = DocId::parse(&p.id)
        .map_err(|e| ApiError::bad_request(e.to_string()))?
        .to_string();
    let existing = inner.doc(&id)?;
    if let Some((_, unit)) = inner.db.doc_info(&id)?.map(|(k, u, _)| (k, u)) {
        let owner = UnitCode::parse(&unit).map_err(|e| ApiError::internal(e.to_string()))?;
        if !can_see(registry, &device.unit, &owner) {
            return Err(out_of_scope(&device.unit, &owner, &id));
        }
    }
    let before = existing.as_ref().map(|d| d.get_heads());
    let mut scratch = existing.clone().unwrap_or_default();
    let rejected = |change: String, reason: String, existing: &Option<Automerge>| {
        Checked::Done(Box::new(DocResult {
            id: id.clone(),
            kind: p.kind.clone(),
            outcome: Outcome::Rejected { change, reason },
            heads: Heads::from_hashes(
                &existing.as_ref().map(|d| d.get_heads()).unwrap_or_default(),
            ),
            changes: ByteBuf::from(existing.as_ref().map(|d| d.save()).unwrap_or_default()),
        }))
    };
    if let Err(e) = scratch.load_incremental(&p.changes) {
        return Ok(rejected(
            String::new(),
            format!("dữ liệu thay đổi hỏng: {e}"),
            &existing,
        ));
    }
    let client_heads = p
        .heads
        .hashes()
        .ok_or_else(|| ApiError::bad_request(format!("heads của tài liệu {id} không hợp lệ")))?;
    let complete = scratch.get_missing_deps(&[]).is_empty()
        && client_heads
            .iter()
            .all(|h| scratch.get_change_by_hash(h).is_some());
    if !complete {
        return Ok(Checked::Done(Box::new(DocResult {
            id,
            kind: p.kind,
            outcome: Outcome::Resend,
            heads: Heads::from_hashes(&before.unwrap_or_default()),
            changes: ByteBuf::new(),
        })));
    }
    let Some(owner) = owner_of(&scratch) else {
        return Ok(rejected(
            String::new(),
            "tài liệu không có đơn vị sở hữu".into(),
            &existing,
        ));
    };
    if !can_see(registry, &device.unit, &owner) {
        return Err(out_of_scope(&device.unit, &owner, &id));
    }
    if root_str(&scratch, "id").as_deref() != Some(id.as_str()) {
        return Ok(rejected(
            String::new(),
            "mã tài liệu bên trong không khớp mã gửi lên".into(),
            &existing,
        ));
    }
    let kind = root_str(&scratch, "kind").unwrap_or_default();
    let old_heads = before.clone().unwrap_or_default();
    // Bindings of the actors of the new changes, read first: a database error refuses the
    // request rather than letting an actor pass as unbound.
    let mut bindings = std::collections::HashMap::new();
    // (Change metadata only: the changes' operations are not needed here.)
    for c in scratch.get_changes_meta(&old_heads) {
        let a = c.actor.into_owned();
        if let std::collections::hash_map::Entry::Vacant(e) = bindings.entry(a.clone()) {
            let unit = inner.db.bound_unit(&a)?;
            e.insert(unit.map(|u| UnitCode::parse(&u).unwrap_or_else(|_| device.unit.clone())));
        }
    }
    let bound = |a: &automerge::ActorId| -> Option<UnitCode> { bindings.get(a).cloned().flatten() };
    match check_changes(&scratch, &old_heads, &device.unit, registry, &bound) {
        Err(rej) => {
            inner
                .metrics
                .rejections
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::warn!(doc = %id, change = %rej.change, office = %device.unit, reason = %rej.reason, "change refused");
            Ok(rejected(rej.change.to_string(), rej.reason, &existing))
        }
        Ok(bind) => {
            if scratch.get_heads() == old_heads {
                let reply = DocResult {
                    id: id.clone(),
                    kind,
                    outcome: Outcome::Ok,
                    heads: Heads::from_hashes(&old_heads),
                    changes: ByteBuf::from(scratch.save_after(&client_heads)),
                };
                return Ok(Checked::Done(Box::new(reply)));
            }
            Ok(Checked::Write {
                id,
                kind,
                unit: owner.to_string(),
                doc: Box::new(scratch),
                before,
                bind: bind.into_iter().collect(),
                client_heads,
            })
        }
    }
}

fn out_of_scope(office: &UnitCode, owner: &UnitCode, id: &str) -> ApiError {
    ApiError::forbidden(
        format!(
            "Tài liệu {id} thuộc đơn vị {owner}, ngoài phạm vi của đơn vị {office}: mỗi văn phòng chỉ đồng bộ tài liệu của đơn vị mình (cấp huyện: cả các xã trực thuộc). Không có gì được lưu."
        ),
        Some(id.to_string()),
    )
}

fn pull(
    inner: &Inner,
    registry: &Registry,
    device: &Device,
    id: &str,
    heads: &Heads,
) -> Result<DocResult, ApiError> {
    let id = DocId::parse(id)
        .map_err(|e| ApiError::bad_request(e.to_string()))?
        .to_string();
    let Some((kind, unit, _)) = inner.db.doc_info(&id)? else {
        return Ok(DocResult {
            id,
            kind: String::new(),
            outcome: Outcome::NotFound,
            heads: Heads::default(),
            changes: ByteBuf::new(),
        });
    };
    let owner = UnitCode::parse(&unit).map_err(|e| ApiError::internal(e.to_string()))?;
    if !can_see(registry, &device.unit, &owner) {
        // Nothing of it is revealed: answered like a document the hub does not hold.
        return Ok(DocResult {
            id,
            kind: String::new(),
            outcome: Outcome::NotFound,
            heads: Heads::default(),
            changes: ByteBuf::new(),
        });
    }
    let theirs = heads.hashes().unwrap_or_default();
    if theirs.is_empty() {
        // The office has none of it: a document without change chunks is sent as stored (its
        // snapshot is the whole document), without loading and saving it again.
        if let Some((snapshot, heads)) = inner.db.whole_snapshot(&id)? {
            return Ok(DocResult {
                id,
                kind,
                outcome: Outcome::Ok,
                heads: Heads(ByteBuf::from(heads)),
                changes: ByteBuf::from(snapshot),
            });
        }
    }
    let doc = inner
        .doc(&id)?
        .ok_or_else(|| ApiError::internal(format!("tài liệu {id} biến mất")))?;
    let known = theirs.iter().all(|h| doc.get_change_by_hash(h).is_some());
    let changes = if known && !theirs.is_empty() {
        doc.save_after(&theirs)
    } else {
        doc.save()
    };
    Ok(DocResult {
        id,
        kind,
        outcome: Outcome::Ok,
        heads: Heads::from_hashes(&doc.get_heads()),
        changes: ByteBuf::from(changes),
    })
}

/// The newest feed position in `device`'s scope after `cursor`, if any.
pub fn news(inner: &Inner, device: &Device, cursor: i64) -> Result<Option<i64>, ApiError> {
    let (_, registry) = inner.registry()?;
    let units: Option<Vec<String>> = visible_units(&registry, &device.unit)
        .map(|v| v.into_iter().map(|u| u.to_string()).collect());
    let rows = inner.db.feed(cursor, units.as_deref(), 1)?;
    Ok(rows.first().map(|r| r.seq))
}
