//! The sync engine: one `POST /v1/sync` request, run on a blocking thread. Pure of HTTP; the
//! route decodes the body and maps [`SyncError`] to a response.
//!
//! Order of work for a request: every pushed document is merged into a scratch copy and
//! checked (scope, completeness, the ingress check of `doimoi_shared::validate`); only then
//! are all accepted documents written in one SQLite transaction, the cache updated and
//! listeners told. A request may be retried, duplicated or cut off at any point: a change
//! already held is a no-op, and nothing is written before the single commit.

use crate::projection::{project, Projected};
use crate::state::Inner;
use crate::store::StoreError;
use crate::store::{Device, DocWrite};
use automerge::{Automerge, ChangeHash, ReadDoc, ROOT};
use doimoi_shared::doc::DocKind;
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
        id: DocId,
        kind: DocKind,
        unit: UnitCode,
        doc: Box<Automerge>,
        before: Option<Vec<ChangeHash>>,
        bind: Vec<automerge::ActorId>,
        client_heads: Vec<ChangeHash>,
        /// The pushed bytes, when they are the whole document as one saved chunk and the hub
        /// had none of it: stored as the snapshot as they are, instead of saving it again.
        snapshot: Option<ByteBuf>,
        /// The document's report projection, written in the same commit.
        proj: Box<Projected>,
        /// The pushed bytes, when they are exactly the changes new to the hub (stored as the
        /// new chunk as they are).
        changes: Option<ByteBuf>,
    },
    Done(Box<DocResult>),
    /// Refused by the ingress check (counted and logged once the request is known to go on).
    Refused(Box<DocResult>),
}

/// Why a sync request fails as a whole (a refused document is an answer, not an error). Turned
/// into an HTTP answer at the route ([`crate::error::ApiError`]).
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The request speaks another protocol version.
    #[error("phiên bản giao thức {0} không được hỗ trợ")]
    Version(u32),
    /// A document of the request (or the office itself) is outside the office's scope;
    /// nothing of the request was stored.
    #[error("{message}")]
    OutOfScope {
        message: String,
        doc: Option<String>,
    },
    /// The request is malformed (an id, heads, a document listed twice); the message says
    /// what to send instead.
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Internal(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    fn out_of_scope(message: String, doc: Option<String>) -> Self {
        SyncError::OutOfScope { message, doc }
    }
    fn internal(detail: impl Into<String>) -> Self {
        SyncError::Internal(detail.into())
    }
}

pub fn handle(
    inner: &Inner,
    device: &Device,
    req: SyncRequest,
    now: i64,
) -> Result<SyncResponse, SyncError> {
    if req.version != PROTOCOL_VERSION {
        return Err(SyncError::Version(req.version));
    }
    let (registry_version, registry) = inner.registry()?;
    if registry.get(&device.unit).is_none() {
        return Err(SyncError::out_of_scope(
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
            return Err(SyncError::BadRequest(format!(
                "Tài liệu {} xuất hiện hai lần trong một yêu cầu; mỗi tài liệu chỉ gửi một lần.",
                dup.id
            )));
        }
        let calendar = inner.calendar()?;
        // The procedure's day-off rule is judged by the calendar the office had: when it has
        // not yet received the hub's (it comes with this answer), by weekends alone, so that
        // a day the operator just declared off does not set aside an honest office's copy.
        let weekends = doimoi_shared::calendar::Calendar::weekends_only();
        let current = inner.db.calendar_version()? == req.calendar_version;
        let calendars = Calendars {
            hub: &calendar,
            rules: if current { &calendar } else { &weekends },
        };
        // Phase times, logged at debug level.
        let t0 = std::time::Instant::now();
        let checked = check_all(inner, &registry, calendars, device, req.push)?;
        let t1 = t0.elapsed();
        for c in &checked {
            if let Checked::Refused(r) = c {
                inner
                    .metrics
                    .rejections
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if let Outcome::Rejected { change, reason } = &r.outcome {
                    tracing::warn!(doc = %r.id, change = %change, office = %device.unit, device = device.id, reason = %reason, "change refused");
                }
            }
        }
        let writes: Vec<DocWrite<'_>> = checked
            .iter()
            .filter_map(|c| match c {
                Checked::Write {
                    id,
                    kind,
                    unit,
                    doc,
                    before,
                    bind,
                    snapshot,
                    proj,
                    changes,
                    ..
                } => Some(DocWrite {
                    id: id.as_str(),
                    kind: kind.as_str(),
                    unit: unit.as_str(),
                    doc,
                    before: before.as_deref(),
                    bind: bind.clone(),
                    proj,
                    snapshot: snapshot.as_deref().map(|b| &b[..]),
                    changes: changes.as_deref().map(|b| &b[..]),
                }),
                Checked::Done(_) | Checked::Refused(_) => None,
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
        let t2 = t0.elapsed();
        let mut to_cache = Vec::with_capacity(checked.len());
        for c in checked {
            match c {
                Checked::Write {
                    id,
                    kind,
                    doc,
                    client_heads,
                    ..
                } => {
                    let heads = doc.get_heads();
                    // What the office lacks; nothing when it holds the hub's heads (the usual
                    // answer to a push).
                    let changes = if same_heads(&heads, &client_heads) {
                        Vec::new()
                    } else {
                        doc.save_after(&client_heads)
                    };
                    let reply = DocResult {
                        id: id.clone(),
                        kind: Some(kind),
                        outcome: Outcome::Ok,
                        heads: Heads::from_hashes(&heads),
                        changes: ByteBuf::from(changes),
                    };
                    to_cache.push((id.to_string(), *doc));
                    results.push(reply);
                }
                Checked::Done(r) | Checked::Refused(r) => results.push(*r),
            }
        }
        inner.cache_put_all(to_cache);
        tracing::debug!(
            pushed = results.len(),
            check_ms = t1.as_secs_f64() * 1e3,
            commit_ms = (t2 - t1).as_secs_f64() * 1e3,
            "push checked and written"
        );
    }
    for p in req.pull {
        results.push(pull(inner, &registry, device, p.id, &p.heads)?);
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
    // Rows the hub wrote after checking them; one that does not read back is left out of the
    // feed and logged, never sent half-formed.
    let feed: Vec<FeedEntry> = rows
        .into_iter()
        .filter_map(|r| {
            let entry = (|| {
                Some(FeedEntry {
                    id: DocId::parse(&r.doc_id).ok()?,
                    kind: DocKind::parse(&r.kind)?,
                    unit: UnitCode::parse(&r.unit).ok()?,
                    heads: Heads(ByteBuf::from(r.heads.clone())),
                })
            })();
            if entry.is_none() {
                tracing::error!(doc = %r.doc_id, kind = %r.kind, unit = %r.unit, "feed row unreadable");
            }
            entry
        })
        .collect();
    if req.whole_feed {
        // A new device's first pull: every document the feed names, whole, with the feed
        // (those the answer already holds aside).
        let answered: std::collections::HashSet<DocId> =
            results.iter().map(|r| r.id.clone()).collect();
        for e in &feed {
            if !answered.contains(&e.id) {
                results.push(pull(
                    inner,
                    &registry,
                    device,
                    e.id.clone(),
                    &Heads::default(),
                )?);
            }
        }
    }
    let registry_out = if req.registry_version != registry_version {
        Some(Versioned {
            version: registry_version,
            json: registry.to_json(),
        })
    } else {
        None
    };
    let calendar_version = inner.db.calendar_version()?;
    let calendar_out = if calendar_version != req.calendar_version {
        Some(Versioned {
            version: calendar_version,
            json: inner.db.calendar_json()?,
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
        epoch: inner.epoch.clone(),
    })
}

fn same_heads(a: &[ChangeHash], b: &[ChangeHash]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

/// The calendars a push is checked with: the hub's (deadlines of the projection) and the one
/// the procedure's day-off rule is judged by.
#[derive(Clone, Copy)]
struct Calendars<'a> {
    hub: &'a doimoi_shared::calendar::Calendar,
    rules: &'a doimoi_shared::calendar::Calendar,
}

/// Checks every pushed document, on as many threads as there are cores (loading and checking
/// are CPU work and each document is independent). Results come back in request order; the
/// first error in that order refuses the whole request, as if checked one by one (documents
/// after it may be left unchecked).
fn check_all(
    inner: &Inner,
    registry: &Registry,
    calendar: Calendars<'_>,
    device: &Device,
    push: Vec<doimoi_shared::wire::PushDoc>,
) -> Result<Vec<Checked>, SyncError> {
    // The request's span (office, device) in every thread's logs.
    let span = tracing::Span::current();
    doimoi_shared::par::try_map(push, |p| {
        let _e = span.enter();
        check_push_guarded(inner, registry, calendar, device, p)
    })
}

/// [`check_push`], with a panic inside Automerge (forged bytes can cause one) answered as a
/// refusal of that document (the office sets its copy aside and takes the hub's), instead of
/// a failed request.
fn check_push_guarded(
    inner: &Inner,
    registry: &Registry,
    calendar: Calendars<'_>,
    device: &Device,
    p: doimoi_shared::wire::PushDoc,
) -> Result<Checked, SyncError> {
    let (id, kind) = (p.id.clone(), Some(p.kind));
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        check_push(inner, registry, calendar, device, p)
    })) {
        Ok(checked) => checked,
        Err(_) => {
            tracing::warn!(doc = %id, office = %device.unit, "pushed document made Automerge panic");
            // The hub's own version (stored, so readable), for the office to take.
            let stored = stored_in_scope(inner, registry, device, id.as_str())?;
            Ok(Checked::Refused(Box::new(DocResult {
                id,
                kind,
                outcome: Outcome::Rejected {
                    change: String::new(),
                    reason: "dữ liệu thay đổi gửi lên không đọc được (dữ liệu Automerge không hợp lệ); không có gì được lưu".into(),
                },
                heads: Heads::from_hashes(
                    &stored.as_ref().map(|d| d.get_heads()).unwrap_or_default(),
                ),
                changes: ByteBuf::from(
                    stored
                        .as_ref()
                        .map(|d| d.save_nocompress())
                        .unwrap_or_default(),
                ),
            })))
        }
    }
}

/// The hub's version of a pushed document, if it holds one; a stored document outside the
/// office's scope refuses the request. Scope is read first, and a document the hub does not
/// hold is not looked for again (pushes are checked under the push lock: none is stored
/// meanwhile).
fn stored_in_scope(
    inner: &Inner,
    registry: &Registry,
    device: &Device,
    id: &str,
) -> Result<Option<Automerge>, SyncError> {
    let Some((_, unit, _)) = inner.db.doc_info(id)? else {
        return Ok(None);
    };
    let owner = UnitCode::parse(&unit).map_err(|e| SyncError::internal(e.to_string()))?;
    if !can_see(registry, &device.unit, &owner) {
        return Err(out_of_scope(&device.unit, &owner, id));
    }
    Ok(inner.doc(id)?)
}

fn check_push(
    inner: &Inner,
    registry: &Registry,
    calendar: Calendars<'_>,
    device: &Device,
    mut p: doimoi_shared::wire::PushDoc,
) -> Result<Checked, SyncError> {
    let id = p.id.clone();
    let existing = stored_in_scope(inner, registry, device, id.as_str())?;
    let before = existing.as_ref().map(|d| d.get_heads());
    // A document new to the hub, pushed whole (a document chunk, maybe followed by change
    // chunks, as the office stores it): loaded the way the store loads snapshots, so the bytes
    // can be stored as they are (no second save).
    let whole = match &existing {
        None if doimoi_shared::stored::leading_document(&p.changes).is_some() => {
            Automerge::load(&p.changes).ok()
        }
        _ => None,
    };
    // Stored as pushed only when they are the compacted document (one document chunk);
    // otherwise saved whole again (cheap without Automerge's compression), so the snapshot
    // carries no per-change hashes.
    let snapshot = (whole.is_some() && doimoi_shared::stored::is_whole_document(&p.changes))
        .then(|| std::mem::take(&mut p.changes));
    let loaded = whole.is_some();
    let mut scratch = match whole {
        Some(d) => d,
        None => existing.clone().unwrap_or_default(),
    };
    let rejected = |change: String, reason: String, existing: &Option<Automerge>| {
        Checked::Done(Box::new(DocResult {
            id: id.clone(),
            kind: Some(p.kind),
            outcome: Outcome::Rejected { change, reason },
            heads: Heads::from_hashes(
                &existing.as_ref().map(|d| d.get_heads()).unwrap_or_default(),
            ),
            changes: ByteBuf::from(
                existing
                    .as_ref()
                    .map(|d| d.save_nocompress())
                    .unwrap_or_default(),
            ),
        }))
    };
    if loaded {
        // Already loaded from the pushed bytes.
    } else if let Err(e) = scratch.load_incremental(&p.changes) {
        return Ok(rejected(
            String::new(),
            format!("dữ liệu thay đổi hỏng: {e}"),
            &existing,
        ));
    }
    let client_heads = p
        .heads
        .hashes()
        .ok_or_else(|| SyncError::BadRequest(format!("heads của tài liệu {id} không hợp lệ")))?;
    let complete = scratch.get_missing_deps(&[]).is_empty()
        && client_heads
            .iter()
            .all(|h| scratch.get_change_meta_by_hash(h).is_some());
    if !complete {
        return Ok(Checked::Done(Box::new(DocResult {
            id,
            kind: Some(p.kind),
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
        return Err(out_of_scope(&device.unit, &owner, id.as_str()));
    }
    if root_str(&scratch, "id").as_deref() != Some(id.as_str()) {
        return Ok(rejected(
            String::new(),
            "mã tài liệu bên trong không khớp mã gửi lên".into(),
            &existing,
        ));
    }
    // The kind the document says it is (the check below refuses one that is not a doimoi kind).
    let kind = root_str(&scratch, "kind")
        .as_deref()
        .and_then(DocKind::parse);
    let old_heads = before.clone().unwrap_or_default();
    // Bindings of the actors of the new changes, read first: a database error refuses the
    // request rather than letting an actor pass as unbound.
    let mut bindings = std::collections::HashMap::new();
    // (Change metadata only: the changes' operations are not needed here.)
    let new_changes = scratch.get_changes_meta(&old_heads);
    let new_count = new_changes.len();
    for c in new_changes {
        let a = c.actor.into_owned();
        if let std::collections::hash_map::Entry::Vacant(e) = bindings.entry(a.clone()) {
            let unit = inner.db.bound_unit(&a)?;
            e.insert(unit.map(|u| UnitCode::parse(&u).unwrap_or_else(|_| device.unit.clone())));
        }
    }
    let bound = |a: &automerge::ActorId| -> Option<UnitCode> { bindings.get(a).cloned().flatten() };
    match check_changes(
        &scratch,
        &old_heads,
        &device.unit,
        registry,
        calendar.rules,
        &bound,
    ) {
        Err(rej) => match rejected(rej.change.to_string(), rej.reason.to_string(), &existing) {
            Checked::Done(r) => Ok(Checked::Refused(r)),
            other => Ok(other),
        },
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
            let Some(kind) = kind else {
                return Ok(rejected(
                    String::new(),
                    "tài liệu không ghi loại tài liệu doimoi".into(),
                    &existing,
                ));
            };
            // Attachment records the hub could not accept the bytes of (`blobs.rs`).
            if kind == DocKind::Proposal {
                let limit = inner.config.max_blob_bytes;
                if let Err(reason) = crate::blobs::check_new(existing.as_ref(), &scratch, limit) {
                    return Ok(match rejected(String::new(), reason, &existing) {
                        Checked::Done(r) => Checked::Refused(r),
                        other => other,
                    });
                }
            }
            // The report projection, on this thread too (derive runs once per day with
            // events, so it is not free).
            let proj = Box::new(project(&scratch, kind.as_str(), registry, calendar.hub));
            // The pushed bytes are stored as the new chunk when they are exactly the new
            // changes (one chunk each, none the hub held), instead of encoding them again.
            let exact = before.is_some()
                && doimoi_shared::stored::change_count(&p.changes) == Some(new_count);
            let changes = exact.then(|| std::mem::take(&mut p.changes));
            Ok(Checked::Write {
                proj,
                changes,
                id,
                kind,
                unit: owner,
                doc: Box::new(scratch),
                before,
                bind: bind.into_iter().collect(),
                client_heads,
                snapshot,
            })
        }
    }
}

fn out_of_scope(office: &UnitCode, owner: &UnitCode, id: &str) -> SyncError {
    SyncError::out_of_scope(
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
    id: DocId,
    heads: &Heads,
) -> Result<DocResult, SyncError> {
    let Some((kind, unit, _)) = inner.db.doc_info(id.as_str())? else {
        return Ok(DocResult {
            id,
            kind: None,
            outcome: Outcome::NotFound,
            heads: Heads::default(),
            changes: ByteBuf::new(),
        });
    };
    let owner = UnitCode::parse(&unit).map_err(|e| SyncError::internal(e.to_string()))?;
    if !can_see(registry, &device.unit, &owner) {
        // Nothing of it is revealed: answered like a document the hub does not hold.
        return Ok(DocResult {
            id,
            kind: None,
            outcome: Outcome::NotFound,
            heads: Heads::default(),
            changes: ByteBuf::new(),
        });
    }
    let kind = DocKind::parse(&kind);
    let theirs = heads.hashes().unwrap_or_default();
    if theirs.is_empty() {
        // The office has none of it: the cached document saved whole (compact), or else sent
        // as stored (the snapshot and its change chunks), without loading it.
        if let Some((bytes, heads)) = inner.cached_whole(id.as_str()) {
            return Ok(DocResult {
                id,
                kind,
                outcome: Outcome::Ok,
                heads: Heads::from_hashes(&heads),
                changes: ByteBuf::from(bytes),
            });
        }
        if let Some((bytes, heads)) = inner.db.whole_bytes(id.as_str())? {
            return Ok(DocResult {
                id,
                kind,
                outcome: Outcome::Ok,
                heads: Heads(ByteBuf::from(heads)),
                changes: ByteBuf::from(bytes),
            });
        }
    }
    let doc = inner
        .doc(id.as_str())?
        .ok_or_else(|| SyncError::internal(format!("tài liệu {id} biến mất")))?;
    let known = theirs
        .iter()
        .all(|h| doc.get_change_meta_by_hash(h).is_some());
    let changes = if known && !theirs.is_empty() {
        doc.save_after(&theirs)
    } else {
        doc.save_nocompress()
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
pub fn news(inner: &Inner, device: &Device, cursor: i64) -> Result<Option<i64>, SyncError> {
    let (_, registry) = inner.registry()?;
    let units: Option<Vec<String>> = visible_units(&registry, &device.unit)
        .map(|v| v.into_iter().map(|u| u.to_string()).collect());
    let rows = inner.db.feed(cursor, units.as_deref(), 1)?;
    Ok(rows.first().map(|r| r.seq))
}
