//! `POST /v1/sync`: one batched round trip of an office (see `PROTOCOL.md`); the work is
//! [`crate::sync::handle`], pure of HTTP.

use crate::auth::Office;
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use doimoi_shared::wire::{self, SyncRequest, CONTENT_TYPE};
use std::sync::atomic::Ordering;
use std::time::Instant;

pub(super) async fn push_pull(
    State(state): State<AppState>,
    Office(device): Office,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| body_error(&e, state.0.config.max_body_bytes))?;
    // The body's compression (gzip when unnamed, as every version sends it) and the answer's
    // (zstd when the caller accepts it).
    let named = headers
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?"))
        .unwrap_or(wire::CONTENT_ENCODING);
    let encoding = wire::Encoding::parse(named).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_encoding",
            format!(
                "Nội dung nén kiểu \"{named}\" không được hỗ trợ; gửi nội dung nén gzip hoặc zstd (Content-Encoding). Hãy cập nhật doimoi."
            ),
        )
    })?;
    let answer = wire::Encoding::accepted(
        headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    let started = Instant::now();
    let inner = state.0.clone();
    inner.metrics.sync_requests.fetch_add(1, Ordering::Relaxed);
    inner
        .metrics
        .bytes_in
        .fetch_add(body.len() as u64, Ordering::Relaxed);
    let span = tracing::info_span!("sync", office = %device.unit, device = device.id);
    let out = tokio::task::spawn_blocking(move || {
        let _e = span.enter();
        // For the dashboard's list of offices: when each device last synced.
        inner.note_sync(device.id);
        let budget = Budget::new(&inner);
        let req: SyncRequest = budget
            .decode(&body, encoding)
            .map_err(|e| decode_error(&e, &inner.config, &device))?;
        let (pushed, pulled) = (req.push.len(), req.pull.len());
        let decoded = started.elapsed();
        let now = inner.now_ms();
        let resp = crate::sync::handle(&inner, &device, req, now).inspect_err(|e| {
            if let crate::sync::SyncError::Store(s) = e {
                if s.is_full() {
                    inner.storage_full.store(true, Ordering::Relaxed);
                    tracing::error!(office = %device.unit, device = device.id, error = %s, "store full: push not stored");
                }
            }
            if let crate::sync::SyncError::OutOfScope { message, doc } = e {
                inner.metrics.out_of_scope.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    office = %device.unit,
                    device = device.id,
                    doc = doc.as_deref().unwrap_or("-"),
                    reason = %message,
                    "push out of scope"
                );
            }
        })?;
        if pushed > 0 {
            inner.storage_full.store(false, Ordering::Relaxed);
        }
        let handled = started.elapsed();
        let out = wire::encode_as(&resp, answer).map_err(|e| ApiError::internal(e.to_string()))?;
        tracing::info!(
            pushed,
            pulled,
            feed = resp.feed.len(),
            cursor = resp.cursor,
            decode_ms = decoded.as_secs_f64() * 1e3,
            handle_ms = (handled - decoded).as_secs_f64() * 1e3,
            encode_ms = (started.elapsed() - handled).as_secs_f64() * 1e3,
            "sync"
        );
        Ok::<_, ApiError>(out)
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    state
        .0
        .metrics
        .bytes_out
        .fetch_add(out.len() as u64, Ordering::Relaxed);
    state.0.metrics.sync_micros.fetch_add(
        u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        Ordering::Relaxed,
    );
    let mut resp = out.into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    resp.headers_mut().insert(
        header::CONTENT_ENCODING,
        HeaderValue::from_static(answer.as_str()),
    );
    resp.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    Ok(resp)
}

/// This request's share of the memory for decoding bodies ([`crate::state::Inner::decoding`]),
/// given back when dropped.
struct Budget<'a> {
    inner: &'a crate::state::Inner,
    held: std::cell::Cell<usize>,
}

impl<'a> Budget<'a> {
    fn new(inner: &'a crate::state::Inner) -> Self {
        Budget {
            inner,
            held: std::cell::Cell::new(0),
        }
    }

    /// Grows the share to `2 × total` (the bytes and the request parsed from them), waiting up
    /// to three seconds for other requests to give some back.
    fn grow(&self, total: usize) -> bool {
        let want = total.saturating_mul(2);
        let delta = want.saturating_sub(self.held.get());
        let cap = self.inner.config.decode_budget_bytes;
        let deadline = Instant::now() + std::time::Duration::from_secs(3);
        loop {
            let got = self
                .inner
                .decoding
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                    (used + delta <= cap || used == 0).then_some(used + delta)
                })
                .is_ok();
            if got {
                self.held.set(self.held.get() + delta);
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    fn decode(
        &self,
        body: &[u8],
        encoding: wire::Encoding,
    ) -> Result<SyncRequest, wire::WireError> {
        let c = &self.inner.config;
        let grow = |total| self.grow(total);
        wire::decode_limited(
            body,
            encoding,
            &wire::DecodeLimits {
                max: c.max_decoded_bytes,
                max_ratio: c.max_decode_ratio,
                ratio_free: c.bomb_free_bytes,
                grow: &grow,
            },
        )
    }
}

impl Drop for Budget<'_> {
    fn drop(&mut self) {
        self.inner
            .decoding
            .fetch_sub(self.held.get(), Ordering::AcqRel);
    }
}

/// A body that did not decode, in words: a bomb or too large (413), the hub busy (503), or
/// damaged (400). Logged with the office and device.
fn decode_error(
    e: &wire::WireError,
    config: &crate::config::Config,
    device: &crate::store::Device,
) -> ApiError {
    tracing::warn!(office = %device.unit, device = device.id, error = %e, "sync body refused");
    match e {
        wire::WireError::TooLarge(_) | wire::WireError::Bomb { .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "Nội dung yêu cầu đồng bộ giải nén quá lớn ({e}; giới hạn {} MB). Đồng bộ lại; nếu lặp lại, báo người quản trị máy chủ.",
                config.max_decoded_bytes / (1024 * 1024)
            ),
        ),
        wire::WireError::Busy => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "Máy chủ đang bận xử lý nhiều yêu cầu lớn. Phần mềm sẽ tự đồng bộ lại sau ít phút; không có gì bị mất.",
        ),
        _ => ApiError::bad_request(format!(
            "Nội dung yêu cầu đồng bộ không đọc được ({e}). Gửi lại; nếu lặp lại, cập nhật doimoi."
        )),
    }
}

/// A request body that could not be read: too large (413) or cut off (400), in words.
fn body_error(e: &BytesRejection, limit: usize) -> ApiError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            e.status(),
            "too_large",
            format!(
                "Yêu cầu lớn hơn giới hạn {} MB của máy chủ. Nếu lặp lại, báo người quản trị máy chủ (tham số max_body_bytes).",
                limit / (1024 * 1024)
            ),
        )
    } else {
        ApiError::bad_request(format!(
            "Không nhận đủ nội dung yêu cầu ({e}). Kiểm tra kết nối rồi đồng bộ lại."
        ))
    }
}

/// The sync layer's errors, as HTTP answers.
impl From<crate::sync::SyncError> for ApiError {
    fn from(e: crate::sync::SyncError) -> Self {
        use crate::sync::SyncError;
        match e {
            SyncError::Version(got) => ApiError::version(got),
            SyncError::OutOfScope { message, doc } => ApiError::forbidden(message, doc),
            SyncError::BadRequest(message) => ApiError::bad_request(message),
            SyncError::Internal(detail) => ApiError::internal(detail),
            SyncError::Store(e) => e.into(),
        }
    }
}
