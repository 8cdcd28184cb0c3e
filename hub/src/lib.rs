//! # doimoi-hub
//!
//! The central hub: authenticated, scoped, batched sync of the offices' Automerge documents
//! (`POST /v1/sync`, see `PROTOCOL.md`), a long-poll news endpoint, health and metrics.
//!
//! Layout, outside in:
//! - `main.rs` (thin: the allocator, then [`cli::main_with`]); `cli.rs` (flags, operator
//!   commands, `serve`: tracing, bind, [`run`]); `config.rs` (layered configuration).
//! - `routes.rs` (every route in one list) and `routes/*.rs` (one file of handlers per
//!   resource: `sync`, `events`, `reports`, `pages`, `health`), which turn the errors of the
//!   layers below into HTTP answers (`error.rs`); `dashboard/` (the `/reports` page's HTML:
//!   selection, charts, tables, sign-in and error pages, pure of HTTP).
//! - `auth.rs` (device tokens, the [`auth::Office`] extractor, the page's cookie, cross-site
//!   posts), `limit.rs` (a token bucket per device).
//! - `sync.rs` (one sync request, pure of HTTP), `reports.rs` (who may see which report; rows →
//!   figures), `render/` (JSON, CSV, XLSX, DOCX, HTML), `projection.rs` (what a document
//!   contributes to reports).
//! - `state.rs` (the shared state: document cache, registry and calendar in force), `store/`
//!   (the only SQL: documents, feed, tokens, settings, and the projection's tables in
//!   `store/projection.rs`), `ops.rs` (operator commands), `reclaim.rs` (freeing big values on
//!   a low-priority thread), `metrics.rs`.

pub mod auth;
pub mod blobs;
pub mod cli;
pub mod config;
pub mod dashboard;
pub mod error;
pub mod limit;
pub mod metrics;
pub mod ops;
pub mod projection;
pub mod reclaim;
pub mod render;
pub mod reports;
pub mod routes;
pub mod state;
pub mod store;
pub mod sync;

use crate::config::Config;
use crate::state::{AppState, Inner};
use crate::store::Db;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The router over a state (for tests and `run`).
pub fn app(state: AppState) -> axum::Router {
    routes::router(state)
}

/// Serves on `listener` until `shutdown` is cancelled, then finishes in-flight requests and
/// background work before returning.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let db = Db::open(&config.data, 4)?;
    // A store from before the report projection (or of an older row format) is projected
    // once, before serving, so reports are complete from the first request.
    if let Some(msg) = ops::ensure_projection(&db)? {
        tracing::info!("{msg}");
    }
    let inner = Arc::new(Inner::new(db, config, shutdown.clone())?);
    let tracker = TaskTracker::new();
    // Background compaction of change chunks into snapshots.
    {
        let inner = inner.clone();
        let token = shutdown.clone();
        tracker.spawn(async move {
            let every = std::time::Duration::from_secs(inner.config.compact_every_secs.max(1));
            loop {
                tokio::select! {
                    _ = token.cancelled() => break,
                    _ = tokio::time::sleep(every) => {}
                }
                let i = inner.clone();
                let min = i.config.compact_min_chunks;
                match tokio::task::spawn_blocking(move || i.db.compact_some(min, 200)).await {
                    Ok(Ok(n)) if n > 0 => tracing::info!(documents = n, "compacted"),
                    Ok(Err(e)) => tracing::warn!(error = %e, "compaction failed"),
                    _ => {}
                }
            }
        });
    }
    let state = AppState(inner);
    let token = shutdown.clone();
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async move { token.cancelled().await })
        .await?;
    tracker.close();
    tracker.wait().await;
    Ok(())
}
