//! `GET /v1/events`: the long poll that tells an office something new waits in its scope.

use crate::auth::Office;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::Json;
use doimoi_shared::wire::News;
use std::sync::atomic::Ordering;
use std::time::Duration;

#[derive(serde::Deserialize)]
pub(super) struct EventsQuery {
    #[serde(default)]
    cursor: u64,
    /// Seconds to wait for news (capped by the configuration).
    #[serde(default)]
    wait: Option<u64>,
}

/// Long poll: answers at once when the caller's scope has news after `cursor`, otherwise when
/// news arrives or the wait ends.
pub(super) async fn wait(
    State(state): State<AppState>,
    Office(device): Office,
    Query(q): Query<EventsQuery>,
) -> Result<Json<News>, ApiError> {
    let inner = state.0.clone();
    inner
        .metrics
        .events_requests
        .fetch_add(1, Ordering::Relaxed);
    let wait = Duration::from_secs(
        q.wait
            .unwrap_or(inner.config.long_poll_secs)
            .min(inner.config.long_poll_secs),
    );
    let deadline = tokio::time::Instant::now() + wait;
    let cursor = i64::try_from(q.cursor).unwrap_or(i64::MAX);
    let mut rx = inner.news.subscribe();
    loop {
        let (i2, d2) = (inner.clone(), device.clone());
        let found = tokio::task::spawn_blocking(move || crate::sync::news(&i2, &d2, cursor))
            .await
            .map_err(|e| ApiError::internal(e.to_string()))??;
        if let Some(seq) = found {
            return Ok(Json(News {
                cursor: u64::try_from(seq).unwrap_or(0),
                news: true,
            }));
        }
        tokio::select! {
            changed = rx.changed() => { if changed.is_err() { break; } }
            _ = tokio::time::sleep_until(deadline) => break,
            _ = inner.shutdown.cancelled() => break,
        }
    }
    Ok(Json(News {
        cursor: q.cursor,
        news: false,
    }))
}
