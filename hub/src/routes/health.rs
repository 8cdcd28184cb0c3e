//! `GET /healthz`, `GET /metrics`, and the answer to an unknown address.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

pub(super) async fn healthz(State(state): State<AppState>) -> Response {
    let inner = state.0.clone();
    if inner
        .storage_full
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "degraded: máy chủ hết chỗ lưu trữ (ổ đĩa hoặc hạn mức max_store_bytes đầy); vẫn trả dữ liệu cho các văn phòng, chưa nhận thay đổi mới\n",
        )
            .into_response();
    }
    match tokio::task::spawn_blocking(move || inner.db.max_seq()).await {
        Ok(Ok(_)) => (StatusCode::OK, "ok\n").into_response(),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            "cơ sở dữ liệu không sẵn sàng\n",
        )
            .into_response(),
    }
}

pub(super) async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Response {
    if let Some(want) = &state.0.config.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !crate::auth::same_secret(given, want) {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "/metrics cần token giám sát: gửi \"Authorization: Bearer <metrics_token>\" như trong tệp cấu hình của máy chủ.",
            )
            .into_response();
        }
    }
    let inner = state.0.clone();
    let docs = tokio::task::spawn_blocking(move || inner.db.count_docs().unwrap_or(-1))
        .await
        .unwrap_or(-1);
    let text = state.0.metrics.render(docs, state.0.cached());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

pub(super) async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "Không có địa chỉ này. Các địa chỉ: POST /v1/sync, GET /v1/events, GET /healthz, GET /metrics.",
    )
}
