//! One sync pass with the hub (`doimoi sync`; `doimoi serve` calls it in a loop). The
//! exchange is specified in `PROTOCOL.md`.
//!
//! Each round trip pushes a page of documents whose local heads differ from the heads the hub
//! last confirmed, pulls a page of documents the hub's feed announced, and reads the feed after
//! the saved cursor. A document's merge is saved before the hub's heads are recorded as
//! confirmed, and announced documents are queued as pending pulls before the cursor moves past
//! them, so a pass cut off anywhere resumes where it stopped: at worst a document is offered
//! again and the hub answers that it has nothing new. Nothing is lost or doubled.

pub mod blobs;
pub mod hub_client;
pub mod worker;

use crate::app::{keys, App, Indexed, Indexer};
use crate::error::CliError;
use crate::store::{encode_heads, DocBytes, Write};
use automerge::{ActorId, Automerge, ChangeHash, ReadDoc};
use doimoi_shared::doc::DocKind;
use doimoi_shared::ids::{DocId, UnitCode};
use doimoi_shared::scope::can_see;
use doimoi_shared::validate::check_changes;
use doimoi_shared::wire::{
    DocResult, Heads, Outcome, PullDoc, PushDoc, SyncRequest, PROTOCOL_VERSION,
};
use hub_client::{HubClient, HubError};
use serde::Serialize;
use serde_bytes::ByteBuf;

/// Documents per round trip, each way (`DOIMOI_SYNC_PAGE` overrides, e.g. on slow links).
fn page() -> usize {
    std::env::var("DOIMOI_SYNC_PAGE")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(500)
}
/// Safety bound on round trips in one pass.
const MAX_ROUNDS: usize = 10_000;

pub mod meta {
    pub const CURSOR: &str = "sync.cursor";
    pub const LAST_SYNC: &str = "sync.last_sync";
    pub const LAST_ERROR: &str = "sync.last_error";
    pub const LAST_ERROR_KIND: &str = "sync.last_error_kind";
    pub const REGISTRY_VERSION: &str = "sync.registry_version";
    pub const CALENDAR_VERSION: &str = "sync.calendar_version";
    /// The hub store's epoch last seen ([`doimoi_shared::wire::SyncResponse::epoch`]).
    pub const HUB_EPOCH: &str = "sync.hub_epoch";
    /// "1" while a new device's first pull pages through the feed with every document whole
    /// in the answers ([`doimoi_shared::wire::SyncRequest::whole_feed`]).
    pub const WHOLE_FEED: &str = "sync.whole_feed";
}

/// What a pass moved (`doimoi sync --json`).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SyncReport {
    pub docs_up: usize,
    pub docs_down: usize,
    pub bytes_up: usize,
    pub bytes_down: usize,
    pub round_trips: usize,
    /// Documents the hub refused; the local copy was set aside (`doimoi refused list`).
    pub refused: Vec<String>,
    /// What became of this office's unit (renamed, merged, ended), when the registry this
    /// sync brought says so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_notice: Option<String>,
    /// The hub was restored from a backup since the last sync: every document was offered
    /// again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub hub_restored: bool,
    /// Refused documents whose other work (changes that did not depend on the refused one,
    /// this office's comments and attachments) was kept and is sent again.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub salvaged: Vec<String>,
    /// Attachment bytes moved after the documents ([`blobs`]): blobs sent and received, their
    /// bytes, blobs the hub does not hold yet, blobs refused (hash or size), and why the
    /// transfers stopped early (the next pass resumes).
    pub blobs_up: usize,
    pub blob_bytes_up: u64,
    pub blobs_down: usize,
    pub blob_bytes_down: u64,
    pub blobs_waiting: usize,
    pub blobs_refused: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob_error: Option<String>,
}

impl SyncReport {
    fn add_blobs(&mut self, b: blobs::BlobReport) {
        self.blobs_up = b.up;
        self.blob_bytes_up = b.bytes_up;
        self.blobs_down = b.down;
        self.blob_bytes_down = b.bytes_down;
        self.blobs_waiting = b.waiting;
        self.blobs_refused = b.refused;
        self.blob_error = b.error;
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{0}")]
    Hub(#[from] HubError),
    #[error("{0}")]
    Local(#[from] CliError),
}

impl From<crate::store::StoreError> for SyncError {
    fn from(e: crate::store::StoreError) -> Self {
        SyncError::Local(CliError::Store(e))
    }
}

impl From<doimoi_shared::doc::DocError> for SyncError {
    fn from(e: doimoi_shared::doc::DocError) -> Self {
        SyncError::Local(CliError::Doc(e))
    }
}

/// The hub client for this office, or why there is none.
pub fn hub_for(app: &App) -> Result<HubClient, CliError> {
    let hub = app.store.get_meta(keys::HUB)?.ok_or_else(|| {
        CliError::Usage(
            "Chưa cấu hình máy chủ: chạy `doimoi init --unit MÃ --hub ĐỊA_CHỈ --token TOKEN`."
                .into(),
        )
    })?;
    let token = app.store.get_meta(keys::TOKEN)?.ok_or_else(|| {
        CliError::Usage("Chưa có token của thiết bị: chạy `doimoi init --unit MÃ --token TOKEN` (token do người quản trị máy chủ cấp).".into())
    })?;
    let ca = app.store.get_meta(keys::HUB_CA)?;
    HubClient::with_ca(&hub, &token, ca.as_deref().map(str::as_bytes))
        .map_err(|e| CliError::Usage(e.to_string()))
}

fn heads_of(bytes: &[u8]) -> Vec<ChangeHash> {
    Heads(ByteBuf::from(bytes.to_vec()))
        .hashes()
        .unwrap_or_default()
}

/// Progress callback: (documents done, documents known to be waiting).
pub type Progress<'a> = &'a mut dyn FnMut(usize, usize);

/// Runs one pass until nothing is left to push or pull.
pub fn sync_once(
    app: &mut App,
    hub: &HubClient,
    progress: Progress<'_>,
) -> Result<SyncReport, SyncError> {
    // A hub that takes the connection but never answers is told within seconds.
    let mut result = hub
        .probe()
        .map_err(SyncError::from)
        .and_then(|()| run_pass(app, hub, progress));
    // Attachments after the documents; never the pass's failure.
    if let Ok(report) = &mut result {
        report.add_blobs(blobs::transfer(
            app,
            hub.base(),
            hub.token(),
            hub.blob_http(),
        ));
    }
    let now = app.now_ms.to_string();
    match &result {
        Ok(_) => {
            app.store.set_meta_all(&[
                (meta::LAST_SYNC, now.as_str()),
                (meta::LAST_ERROR, ""),
                (meta::LAST_ERROR_KIND, ""),
            ])?;
        }
        Err(e) => {
            let kind = match e {
                SyncError::Hub(h) => h.kind(),
                SyncError::Local(_) => "local",
            };
            let msg = e.to_string();
            app.store.set_meta_all(&[
                (meta::LAST_ERROR, msg.as_str()),
                (meta::LAST_ERROR_KIND, kind),
            ])?;
        }
    }
    result
}

/// A round trip's answer: the decoded response, bytes up, bytes down.
type Answer = Result<(doimoi_shared::wire::SyncResponse, usize, usize), HubError>;

fn run_pass(
    app: &mut App,
    hub: &HubClient,
    progress: Progress<'_>,
) -> Result<SyncReport, SyncError> {
    // A first pull's next page is asked for while this one is merged (`prefetch`).
    std::thread::scope(|scope| run_rounds(app, hub, progress, scope))
}

fn run_rounds<'s>(
    app: &mut App,
    hub: &'s HubClient,
    progress: Progress<'_>,
    scope: &'s std::thread::Scope<'s, '_>,
) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    let mut done = 0usize;
    // The next round's request, predicted, and its answer on the way.
    let mut prefetched: Option<(SyncRequest, std::thread::ScopedJoinHandle<'s, Answer>)> = None;
    for round in 0..MAX_ROUNDS {
        let cursor: u64 = app
            .store
            .get_meta(meta::CURSOR)?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let push = build_push(app, &mut report)?;
        let pull_ids = app.store.pending_pulls(page())?;
        let mut pull = Vec::with_capacity(pull_ids.len());
        for id in &pull_ids {
            let heads = app.store.doc_heads(id)?.unwrap_or_default();
            // Ids are queued from the hub's feed and answers, so they parse; one that does not
            // is dropped from the queue rather than stop every sync.
            let Ok(id) = DocId::parse(id) else {
                let w = app.store.write()?;
                w.remove_pending_pull(id)?;
                w.commit()?;
                continue;
            };
            pull.push(PullDoc {
                id,
                heads: Heads(ByteBuf::from(heads)),
            });
        }
        let feed_more = app.store.get_meta("sync.more")?.as_deref() == Some("1");
        if round > 0 && push.is_empty() && pull.is_empty() && !feed_more {
            break;
        }
        let waiting = app.store.count_dirty()? + app.store.count_pending_pulls()?;
        progress(done, done + usize::try_from(waiting).unwrap_or(0));
        // A device that holds nothing from the hub yet (no feed position, no epoch seen) takes
        // the feed's documents whole with the feed, a page at a time, until the feed is read.
        let whole_feed = (cursor == 0
            && app
                .store
                .get_meta(meta::HUB_EPOCH)?
                .unwrap_or_default()
                .is_empty())
            || app.store.get_meta(meta::WHOLE_FEED)?.as_deref() == Some("1");
        let pushed: Vec<(DocId, usize)> = push
            .iter()
            .map(|p| (p.id.clone(), p.changes.len()))
            .collect();
        let req = SyncRequest {
            version: PROTOCOL_VERSION,
            cursor,
            push,
            pull,
            feed_limit: if whole_feed {
                u32::try_from(page()).unwrap_or(u32::MAX)
            } else {
                0
            },
            registry_version: app
                .store
                .get_meta(meta::REGISTRY_VERSION)?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            calendar_version: app
                .store
                .get_meta(meta::CALENDAR_VERSION)?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            whole_feed,
        };
        // The answer asked for ahead, when this round's request is the one predicted;
        // otherwise (something changed meanwhile) it is dropped and this request sent.
        let answer = match prefetched.take() {
            Some((sent, handle)) if sent == req => handle.join().unwrap_or_else(|_| hub.sync(&req)),
            _ => hub.sync(&req),
        };
        let (resp, up, down) = match answer {
            Ok(r) => r,
            Err(HubError::OutOfScope {
                message,
                doc: Some(id),
            }) => {
                // Not this office's to sync (e.g. after a registry change): settle it locally so
                // the next pass goes on without it; the local copy stays.
                let w = app.store.write()?;
                if let Some(heads) = app_heads(&w, &id)? {
                    w.set_hub_heads(&id, &heads)?;
                }
                w.remove_pending_pull(&id)?;
                w.commit()?;
                return Err(HubError::OutOfScope {
                    message,
                    doc: Some(id),
                }
                .into());
            }
            Err(e) => return Err(e.into()),
        };
        report.round_trips += 1;
        report.bytes_up += up;
        report.bytes_down += down;
        if !resp.epoch.is_empty() {
            let known = app.store.get_meta(meta::HUB_EPOCH)?.unwrap_or_default();
            if known != resp.epoch {
                let w = app.store.write()?;
                if !known.is_empty() {
                    // Restored from a backup: what the hub confirmed since may be gone. Every
                    // document is offered again (the hub keeps what it has, takes the rest)
                    // and the feed is read from the start; this answer is not applied.
                    w.forget_hub_state(meta::CURSOR)?;
                    report.hub_restored = true;
                }
                w.commit()?;
                app.store
                    .set_meta_all(&[(meta::HUB_EPOCH, resp.epoch.as_str())])?;
                if !known.is_empty() {
                    continue;
                }
            }
        }
        done += resp.results.len();
        let whole_feed_more = whole_feed && resp.more;
        if whole_feed_more && req.push.is_empty() && req.pull.is_empty() {
            // A first pull reading the feed page by page: the next page is asked for now, to
            // arrive while this one is merged. Used only if the next round's request turns out
            // the same (nothing to push or pull, the versions this answer brings).
            let next = SyncRequest {
                cursor: resp.cursor,
                registry_version: resp
                    .registry
                    .as_ref()
                    .map_or(req.registry_version, |r| r.version),
                calendar_version: resp
                    .calendar
                    .as_ref()
                    .map_or(req.calendar_version, |c| c.version),
                ..req.clone()
            };
            let ahead = next.clone();
            prefetched = Some((next, scope.spawn(move || hub.sync(&ahead))));
        }
        apply_response(app, resp, &pushed, &mut report)?;
        if whole_feed {
            app.store
                .set_meta_all(&[(meta::WHOLE_FEED, if whole_feed_more { "1" } else { "" })])?;
        }
        let more = app.store.get_meta("sync.more")?.as_deref() == Some("1");
        if !more && app.store.count_pending_pulls()? == 0 && app.store.count_dirty()? == 0 {
            break;
        }
    }
    progress(done, done);
    Ok(report)
}

fn app_heads(w: &crate::store::Write<'_>, id: &str) -> Result<Option<Vec<u8>>, SyncError> {
    Ok(w.doc_heads(id)?)
}

/// A document to push, before loading.
enum ToPush {
    /// Ready as stored (a never-confirmed document whose snapshot is the whole document).
    Ready(PushDoc),
    Load {
        id: DocId,
        bytes: DocBytes,
        kind: DocKind,
        hub_heads: Vec<u8>,
    },
}

/// A document to push, after loading and the local check.
enum Built {
    Push(PushDoc),
    /// Fails the ingress check locally: set aside like a refusal.
    Refused {
        id: DocId,
        doc: Box<Automerge>,
        /// The document as the hub last confirmed it.
        base: Box<Automerge>,
        change: String,
        reason: String,
        have: Vec<u8>,
    },
}

/// The next page of local changes to push (documents in this office's scope that pass the
/// ingress check locally). A document that fails the check is set aside like a refusal.
fn build_push(app: &mut App, report: &mut SyncReport) -> Result<Vec<PushDoc>, SyncError> {
    let mut todo = Vec::new();
    for d in app.store.dirty_docs(page())? {
        let (id, kind, unit, hub_heads, pushed_n) = (d.id, d.kind, d.unit, d.hub_heads, d.pushed_n);
        let (Ok(doc_id), Some(kind)) = (DocId::parse(&id), DocKind::parse(&kind)) else {
            continue;
        };
        let owner = UnitCode::parse(&unit).ok();
        if !owner.is_some_and(|o| can_see(&app.registry, &app.unit, &o)) {
            // Another unit's document received by file: kept locally, not this office's to
            // sync (the hub would refuse it). Mark its current heads as settled so it does not
            // count as pending.
            if let Some(heads) = app.store.doc_heads(&id)? {
                let w = app.store.write()?;
                w.set_hub_heads(&id, &heads)?;
                w.commit()?;
            }
            continue;
        }
        // Pushed as written, without loading the document: its changes were checked by the
        // core when they were made, and the hub checks them again on arrival.
        let as_written = if hub_heads.is_empty() {
            // Never confirmed by the hub: the whole document, its snapshot and chunks as
            // stored (without a confirmed base the office cannot tell its own changes from
            // others'; the hub decides).
            app.store.doc_bytes(&doc_id)?.map(|b| b.whole())
        } else if let Some(from) = pushed_n {
            // Everything the hub lacks is in the chunks written since it confirmed the
            // document whole.
            Some(app.store.unconfirmed_chunks(&id, from)?).filter(|c| !c.is_empty())
        } else {
            None
        };
        if let Some(changes) = as_written {
            todo.push(ToPush::Ready(PushDoc {
                id: doc_id,
                kind,
                have: Heads(ByteBuf::from(hub_heads)),
                changes: ByteBuf::from(changes),
                heads: Heads(ByteBuf::from(d.heads)),
            }));
            continue;
        }
        // Otherwise (the document compacted with changes the hub lacks, or rewritten): loaded,
        // checked locally and its changes since the hub's heads computed.
        let Some(bytes) = app.store.doc_bytes(&doc_id)? else {
            continue;
        };
        todo.push(ToPush::Load {
            id: doc_id,
            bytes,
            kind,
            hub_heads,
        });
    }
    let (actor, me, registry) = (&app.actor, &app.unit, &app.registry);
    let built = doimoi_shared::par::map(todo, |t| -> Result<Built, SyncError> {
        let (id, bytes, kind, hub_heads) = match t {
            ToPush::Ready(p) => return Ok(Built::Push(p)),
            ToPush::Load {
                id,
                bytes,
                kind,
                hub_heads,
            } => (id, bytes, kind, hub_heads),
        };
        let doc = bytes.load(actor)?;
        let have = heads_of(&hub_heads);
        let bound = |a: &ActorId| (a == actor).then(|| me.clone());
        // Without a confirmed base the office cannot tell its own changes from others' (a
        // document received by file, or after the hub asked for a resend): the hub decides.
        let checked = if have.is_empty() {
            Ok(Default::default())
        } else {
            check_changes(&doc, &have, me, registry, &app.calendar, &bound)
        };
        if let Err(rej) = checked {
            return Ok(Built::Refused {
                id,
                base: Box::new(doc.fork_at(&have).unwrap_or_else(|_| Automerge::new())),
                doc: Box::new(doc),
                change: rej.change.to_string(),
                reason: rej.reason.to_string(),
                have: hub_heads,
            });
        }
        let changes = if have.is_empty() {
            doc.save()
        } else {
            doc.save_after(&have)
        };
        Ok(Built::Push(PushDoc {
            id,
            kind,
            have: Heads(ByteBuf::from(hub_heads)),
            changes: ByteBuf::from(changes),
            heads: Heads::from_hashes(&doc.get_heads()),
        }))
    });
    let mut push = Vec::with_capacity(built.len());
    for b in built {
        match b? {
            Built::Push(p) => push.push(p),
            Built::Refused {
                id,
                doc,
                base,
                change,
                reason,
                have,
            } => {
                set_aside(app, id.as_str(), &doc, &change, &reason)?;
                report.refused.push(id.to_string());
                keep_salvaged(app, &id, &doc, *base, &change, Some(&have), report)?;
            }
        }
    }
    Ok(push)
}

/// After [`set_aside`]: what of the refused copy can still go (`doimoi_shared::doc::salvage`)
/// is written back over what the store now holds (the hub's version, or nothing), to be pushed
/// at the next round. `have`: the hub heads to record when the store held nothing.
fn keep_salvaged(
    app: &mut App,
    id: &DocId,
    local: &Automerge,
    base: Automerge,
    change: &str,
    have: Option<&[u8]>,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let Ok(hash) = change.parse::<ChangeHash>() else {
        return Ok(());
    };
    let salvaged = match doimoi_shared::doc::salvage::salvage(
        local,
        base,
        &hash,
        &app.unit,
        app.actor.clone(),
    ) {
        Ok(Some((doc, _))) => doc,
        // Nothing of the office's left, or a copy that cannot be rebuilt: all of it stays in
        // the set-aside copy.
        Ok(None) | Err(_) => return Ok(()),
    };
    let kind = doimoi_shared::doc::kind_of(&salvaged)?;
    let stored = app.store.load_doc(id, &app.actor)?.map(|(_, d)| d);
    let (doc, before) = match stored {
        Some(mut doc) => {
            let before = doc.get_heads();
            let mut s = salvaged;
            doc.merge(&mut s)
                .map_err(|e| CliError::Doc(doimoi_shared::doc::DocError::Automerge(e)))?;
            (doc, Some(before))
        }
        None => (salvaged, None),
    };
    match kind {
        DocKind::Proposal => {
            app.save_proposal(&doc, before.as_deref())?;
        }
        DocKind::UnitYear => {
            app.save_unit_year(&doc, before.as_deref())?;
        }
    }
    if before.is_none() {
        if let Some(have) = have {
            let w = app.store.write()?;
            w.set_hub_heads(id.as_str(), have)?;
            w.commit()?;
        }
    }
    report.salvaged.push(id.to_string());
    Ok(())
}

/// Keeps the refused local copy aside, drops it from the store's documents (the hub's version
/// is pulled next) and continues under a new actor id.
fn set_aside(
    app: &mut App,
    id: &str,
    doc: &Automerge,
    change: &str,
    reason: &str,
) -> Result<(), SyncError> {
    let bytes = doc.save();
    let new_actor = ActorId::from(App::random_bytes());
    let now = app.now_ms;
    let w = app.store.write()?;
    w.add_refused(id, now, change, reason, &bytes)?;
    w.delete_doc(id)?;
    w.add_pending_pull(id)?;
    w.set_meta(keys::ACTOR, &new_actor.to_hex_string())?;
    w.commit()?;
    app.actor = new_actor;
    Ok(())
}

fn apply_response(
    app: &mut App,
    resp: doimoi_shared::wire::SyncResponse,
    pushed: &[(DocId, usize)],
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    // Registry and calendar travel with sync.
    if let Some(r) = &resp.registry {
        if let Ok(reg) = doimoi_shared::org::Registry::from_json(&r.json) {
            // What became of this office's unit: said once, with the registry that says it.
            let known = app.store.get_meta(keys::UNIT_NAME)?.unwrap_or_else(|| {
                app.registry
                    .get(&app.unit)
                    .map(|u| u.name.clone())
                    .unwrap_or_default()
            });
            let notice = doimoi_shared::org::diff::notice_for(&reg, &app.unit, &known, app.today);
            let name = reg.get(&app.unit).map_or(known, |u| u.name.clone());
            app.store.set_meta_all(&[
                (keys::REGISTRY, r.json.as_str()),
                (meta::REGISTRY_VERSION, r.version.to_string().as_str()),
                (keys::UNIT_NAME, name.as_str()),
            ])?;
            app.registry = reg;
            report.unit_notice = notice;
        }
    }
    if let Some(c) = &resp.calendar {
        if let Ok(cal) = doimoi_shared::calendar::Calendar::from_json(&c.json) {
            app.store.set_meta_all(&[
                (keys::CALENDAR, c.json.as_str()),
                (meta::CALENDAR_VERSION, c.version.to_string().as_str()),
            ])?;
            app.config = cal.workflow_config();
            app.calendar = cal;
        }
    }
    // Documents the hub holds exactly as we do (the usual answer to a push): confirmed below,
    // with the cursor, without loading them.
    let mut confirmed: Vec<(DocId, Vec<u8>)> = Vec::new();
    // Documents to merge: the hub's answer and the local copy's bytes.
    let mut to_merge: Vec<(DocResult, bool, Option<DocBytes>)> = Vec::new();
    for r in resp.results {
        let was_pushed = pushed.iter().any(|(id, _)| id == &r.id);
        match r.outcome {
            Outcome::Ok => {
                if r.changes.is_empty() {
                    if let Some(hub) = r.heads.hashes().filter(|h| !h.is_empty()) {
                        let hub = encode_heads(&hub);
                        if app.store.doc_heads(r.id.as_str())?.as_deref() == Some(hub.as_slice()) {
                            if was_pushed {
                                report.docs_up += 1;
                            }
                            confirmed.push((r.id, hub));
                            continue;
                        }
                    }
                }
                let local = app.store.doc_bytes(&r.id)?;
                to_merge.push((r, was_pushed, local));
            }
            Outcome::Resend => {
                let w = app.store.write()?;
                w.set_hub_heads(r.id.as_str(), &[])?;
                w.commit()?;
            }
            Outcome::Rejected { change, reason } => {
                let local = app.store.load_doc(&r.id, &app.actor)?.map(|(_, d)| d);
                if let Some(doc) = &local {
                    set_aside(app, r.id.as_str(), doc, &change, &reason)?;
                }
                report.refused.push(r.id.to_string());
                if !r.changes.is_empty() {
                    merge_in(app, r.id.as_str(), &r.changes, &r.heads)?;
                }
                let w = app.store.write()?;
                w.remove_pending_pull(r.id.as_str())?;
                w.commit()?;
                if let Some(doc) = &local {
                    // The hub's version (none when it holds nothing of it) is the base.
                    let base = if r.changes.is_empty() {
                        Some(Automerge::new())
                    } else {
                        Automerge::load(&r.changes).ok()
                    };
                    if let Some(base) = base {
                        keep_salvaged(app, &r.id, doc, base, &change, None, report)?;
                    }
                }
            }
            Outcome::NotFound => {
                let w = app.store.write()?;
                w.remove_pending_pull(r.id.as_str())?;
                w.commit()?;
            }
        }
    }
    let (store, actor, indexer) = app.indexing();
    // Loaded, merged and indexed on every core; then written in one transaction together
    // with the confirmations, the feed's pulls and the cursor.
    let merged = doimoi_shared::par::map(to_merge, |(r, was_pushed, local)| {
        let m = merge(
            &indexer,
            actor,
            r.id.as_str(),
            &r.changes,
            &r.heads,
            local.as_ref(),
        );
        (r, was_pushed, m)
    });
    let w = store.write()?;
    for (r, was_pushed, m) in merged {
        let written = match m {
            Ok(m) => {
                // A savepoint per document: one that turns out unreadable while being written
                // (merged with a concurrent local write) is undone alone.
                w.savepoint()?;
                let written = write_merged(&w, &indexer, r.id.as_str(), m);
                match &written {
                    Ok(_) => w.release()?,
                    Err(_) => w.rollback_to_savepoint()?,
                }
                written
            }
            Err(e) => Err(e),
        };
        let changed = match written {
            Ok(c) => c,
            Err(SyncError::Local(CliError::Doc(e))) => {
                // One unreadable document must not stop the office's sync: keep what came
                // aside and go on.
                w.add_refused(
                    r.id.as_str(),
                    indexer.now_ms,
                    "",
                    &format!("bản từ máy chủ không đọc được: {e}"),
                    &r.changes,
                )?;
                w.remove_pending_pull(r.id.as_str())?;
                report.refused.push(r.id.to_string());
                continue;
            }
            Err(e) => return Err(e),
        };
        if was_pushed {
            report.docs_up += 1;
        }
        if changed {
            report.docs_down += 1;
        }
    }
    for (id, heads) in &confirmed {
        w.set_hub_heads(id.as_str(), heads)?;
        w.remove_pending_pull(id.as_str())?;
    }
    // The feed: queue pulls for documents whose hub heads differ from ours; then the cursor.
    for e in &resp.feed {
        let local = w.doc_heads(e.id.as_str())?;
        if local.as_deref() != Some(&e.heads.0[..]) {
            w.add_pending_pull(e.id.as_str())?;
        }
    }
    w.set_meta(meta::CURSOR, &resp.cursor.to_string())?;
    w.set_meta("sync.more", if resp.more { "1" } else { "0" })?;
    w.commit()?;
    Ok(())
}

/// A hub answer merged into the local copy, before writing.
enum Merged {
    /// The office holds no copy and the hub sent nothing.
    Nothing,
    /// The merge depends on changes the office lacks (its base was not what the hub thought):
    /// the whole document is asked for next round.
    Incomplete,
    /// Nothing new locally; `hub`: the hub's heads, when the office holds all of them.
    Unchanged { hub: Option<Vec<u8>> },
    /// The document changed.
    Changed {
        id: DocId,
        doc: Box<Automerge>,
        before: Option<Vec<ChangeHash>>,
        /// The hub's bytes, packed for storage, when they are the whole document and the
        /// office had none.
        whole: Option<Vec<u8>>,
        index: Indexed,
        hub: Option<Vec<u8>>,
    },
}

/// Merges hub changes (or a whole hub document) into the local copy (`local`: its stored
/// bytes) and derives the index. CPU only: nothing is read or written.
fn merge(
    indexer: &Indexer<'_>,
    actor: &ActorId,
    id: &str,
    changes: &[u8],
    hub_heads: &Heads,
    local: Option<&DocBytes>,
) -> Result<Merged, SyncError> {
    let mut whole = None;
    let (mut doc, before) = match local {
        Some(b) => {
            let d = b.load(actor)?;
            let h = d.get_heads();
            (d, Some(h))
        }
        None => {
            // A whole document (a document chunk, maybe followed by change chunks), loaded the
            // way the store loads snapshots, can be stored as received.
            let loaded = doimoi_shared::stored::leading_document(changes)
                .and_then(|_| Automerge::load(changes).ok());
            match loaded {
                Some(d) => {
                    // Packed here, on the merge's thread, not on the writer's.
                    whole = Some(doimoi_shared::stored::pack(changes));
                    (d.with_actor(actor.clone()), None)
                }
                None => (Automerge::new().with_actor(actor.clone()), None),
            }
        }
    };
    if whole.is_none() && !changes.is_empty() {
        doc.load_incremental(changes).map_err(|e| {
            CliError::Usage(format!("Dữ liệu từ máy chủ cho tài liệu {id} hỏng: {e}"))
        })?;
    }
    let changed = before.as_ref() != Some(&doc.get_heads());
    let hub = hub_heads.hashes().unwrap_or_default();
    if before.is_none() && changes.is_empty() {
        return Ok(Merged::Nothing);
    }
    // The hub holds `hub`; record it as confirmed when we hold all of it too.
    let held = hub
        .iter()
        .all(|h| doc.get_change_meta_by_hash(h).is_some())
        .then(|| encode_heads(&hub));
    if !changed {
        return Ok(Merged::Unchanged { hub: held });
    }
    if !doc.get_missing_deps(&[]).is_empty() {
        return Ok(Merged::Incomplete);
    }
    let (id, index) = indexer.index(&doc)?;
    Ok(Merged::Changed {
        id,
        doc: Box::new(doc),
        before,
        whole,
        index,
        hub: held,
    })
}

/// Writes a merge inside `w`: the document and its index, and the hub's heads as confirmed
/// (in the same transaction). Returns whether the local document changed.
fn write_merged(
    w: &Write<'_>,
    indexer: &Indexer<'_>,
    id: &str,
    m: Merged,
) -> Result<bool, SyncError> {
    match m {
        Merged::Nothing => {
            w.remove_pending_pull(id)?;
            Ok(false)
        }
        Merged::Incomplete => {
            w.set_hub_heads(id, &[])?;
            w.add_pending_pull(id)?;
            Ok(false)
        }
        Merged::Unchanged { hub } => {
            if let Some(heads) = hub {
                w.set_hub_heads(id, &heads)?;
            }
            w.remove_pending_pull(id)?;
            Ok(false)
        }
        Merged::Changed {
            id: doc_id,
            doc,
            before,
            whole,
            index,
            hub,
        } => {
            indexer.write(
                w,
                &doc_id,
                &index,
                &doc,
                before.as_deref(),
                whole.as_deref(),
            )?;
            if let Some(heads) = hub {
                w.set_hub_heads(id, &heads)?;
            }
            w.remove_pending_pull(id)?;
            Ok(true)
        }
    }
}

/// Merges hub changes (or a whole hub document) into the local copy and records the hub's
/// heads, in one transaction. Returns whether the local document changed.
fn merge_in(app: &mut App, id: &str, changes: &[u8], hub_heads: &Heads) -> Result<bool, SyncError> {
    let doc_id = DocId::parse(id).map_err(|e| CliError::Usage(e.to_string()))?;
    let local = app.store.doc_bytes(&doc_id)?;
    let (store, actor, indexer) = app.indexing();
    let m = merge(&indexer, actor, id, changes, hub_heads, local.as_ref())?;
    let w = store.write()?;
    let changed = write_merged(&w, &indexer, id, m)?;
    w.commit()?;
    Ok(changed)
}
