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
pub mod backup;
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
pub mod serve;
pub mod state;
pub mod store;
pub mod sync;
pub mod users;

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
    run_announcing(listener, config, shutdown, |_, _| {}).await
}

/// [`run`], calling `announce` with the address and whether it is HTTPS once the store has
/// opened and the hub is about to serve (not before: a store that cannot open must not be
/// announced as running).
pub async fn run_announcing(
    listener: TcpListener,
    config: Config,
    shutdown: CancellationToken,
    announce: impl FnOnce(std::net::SocketAddr, bool),
) -> anyhow::Result<()> {
    let db = Db::open(&config.data, 4)?;
    db.set_quota(config.max_store_bytes)?;
    let epoch = backup::epoch(&db)?;
    // A store that cannot be written (read-only disk or files) is told now, before the hub
    // announces itself, not at the first office's push.
    db.set_meta(&[("started_at", &chrono::Utc::now().to_rfc3339())])
        .map_err(|e| {
            anyhow::anyhow!(
                "kho dữ liệu {} không ghi được ({e}): kiểm tra quyền ghi và chỗ trống của thư mục dữ liệu",
                config.data.display()
            )
        })?;
    // A store from before the report projection (or of an older row format) is projected
    // once, before serving, so reports are complete from the first request.
    if let Some(msg) = ops::ensure_projection(&db)? {
        tracing::info!("{msg}");
    }
    let inner = Arc::new(Inner::new(db, config, shutdown.clone(), epoch)?);
    /// The WAL size past which the background task checkpoints and truncates it (a burst of
    /// pushes leaves it at `journal_size_limit`, 4 MiB, at most).
    const WAL_KEEP: u64 = 1024 * 1024;
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
                // After a burst the WAL is written back and truncated, so the store's files
                // do not stay at their peak.
                let i = inner.clone();
                match tokio::task::spawn_blocking(move || i.db.checkpoint_if_over(WAL_KEEP)).await {
                    Ok(Ok(Some(bytes))) => {
                        tracing::info!(wal_bytes = bytes, "WAL checkpointed and truncated")
                    }
                    Ok(Err(e)) => tracing::warn!(error = %e, "WAL checkpoint failed"),
                    _ => {}
                }
            }
        });
    }
    let tls = match (&inner.config.tls_cert, &inner.config.tls_key) {
        (Some(cert), Some(key)) => Some(serve::tls_acceptor(cert, key)?),
        (None, None) => None,
        _ => anyhow::bail!(
            "HTTPS cần cả chứng chỉ (--tls-cert) và khóa riêng (--tls-key); hãy ghi đủ cả hai, hoặc bỏ cả hai để chạy HTTP"
        ),
    };
    let state = AppState(inner);
    announce(listener.local_addr()?, tls.is_some());
    serve::serve(listener, state, tls, shutdown.clone(), &tracker).await?;
    tracker.close();
    tracker.wait().await;
    Ok(())
}
