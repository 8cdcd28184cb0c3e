//! Every route in one list. The handlers are in `routes/*.rs`, one file per resource; identity
//! comes from the [`crate::auth::Office`] extractor; errors of the layers below are turned into
//! HTTP answers at the handler ([`crate::error::ApiError`]).

mod blobs;
mod events;
mod health;
mod pages;
mod reports;
mod signin;
mod sync;

use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use std::time::Duration;
use tower_http::timeout::TimeoutLayer;

pub fn router(state: AppState) -> Router {
    let timeout = Duration::from_secs(state.0.config.request_timeout_secs);
    let long = Duration::from_secs(state.0.config.long_poll_secs + 10);
    let body_limit = state.0.config.max_body_bytes;
    let api = Router::new()
        .route("/v1/sync", post(sync::push_pull))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ));
    let events =
        Router::new()
            .route("/v1/events", get(events::wait))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                long,
            ));
    // Attachment bytes: streamed (no body limit of the extractor: the blob limit is enforced
    // while streaming), with their own, longer time limit.
    let blob_timeout = Duration::from_secs(state.0.config.blob_timeout_secs);
    let blobs = Router::new()
        .route("/v1/blobs/{sha}", get(blobs::fetch).put(blobs::upload))
        .layer(DefaultBodyLimit::disable())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            blob_timeout,
        ));
    // Every other request has the ordinary time limit too (a client that trickles its body
    // or a report that cannot finish does not hold a connection for ever).
    let rest = Router::new()
        .route("/v1/reports/consolidated", get(reports::consolidated))
        .route("/", get(pages::reports))
        .route("/reports", get(pages::reports))
        .route("/reports/login", post(signin::login))
        .route("/reports/logout", post(signin::logout))
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ));
    Router::new()
        .merge(api)
        .merge(events)
        .merge(blobs)
        .merge(rest)
        .fallback(health::not_found)
        .with_state(state)
}
