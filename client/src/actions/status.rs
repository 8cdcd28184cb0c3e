//! The office's sync status: what `doimoi status` prints and the web app's banner shows.

use crate::app::{keys, App};
use crate::error::CliError;
use crate::sync::meta;

/// The sync state of an office.
#[derive(Debug, Clone)]
pub struct SyncStatus {
    pub hub: Option<String>,
    /// Milliseconds since the epoch of the last successful sync.
    pub last_sync: Option<i64>,
    /// The last failure, in words, and its kind; `None` when the last pass succeeded.
    pub last_error: Option<String>,
    pub last_error_kind: Option<String>,
    /// Local changes the hub does not have yet, and the documents they are in.
    pub pending_changes: usize,
    pub pending_documents: usize,
    pub refused_copies: usize,
}

/// Reads the office's sync state. With `count_changes`, counting the pending changes loads
/// the documents the hub has not confirmed (usually few, but every one in a store that never
/// synced); without it `pending_changes` is 0 and only the documents are counted, from the
/// index (what a page shows on every view).
pub fn sync_status(app: &App, count_changes: bool) -> Result<SyncStatus, CliError> {
    let hub = app.store.get_meta(keys::HUB)?;
    let last_sync: Option<i64> = app
        .store
        .get_meta(meta::LAST_SYNC)?
        .and_then(|v| v.parse().ok());
    let last_error = app
        .store
        .get_meta(meta::LAST_ERROR)?
        .filter(|e| !e.is_empty());
    let last_error_kind = app
        .store
        .get_meta(meta::LAST_ERROR_KIND)?
        .filter(|e| !e.is_empty());
    let mut pending_changes = 0usize;
    let mut pending_documents = 0usize;
    if !count_changes {
        pending_documents = usize::try_from(app.store.count_dirty()?).unwrap_or(usize::MAX);
    }
    for d in app
        .store
        .dirty_docs(if count_changes { usize::MAX } else { 0 })?
    {
        let Ok(doc_id) = doimoi_shared::ids::DocId::parse(&d.id) else {
            continue;
        };
        if let Some((_, doc)) = app.store.load_doc(&doc_id, &app.actor)? {
            let have = doimoi_shared::wire::Heads(serde_bytes::ByteBuf::from(d.hub_heads))
                .hashes()
                .unwrap_or_default();
            pending_changes += doc.get_changes(&have).len();
            pending_documents += 1;
        }
    }
    let refused_copies = app.store.refused()?.len();
    Ok(SyncStatus {
        hub,
        last_sync,
        last_error,
        last_error_kind,
        pending_changes,
        pending_documents,
        refused_copies,
    })
}
