//! Every route in one list, and the handlers. Identity comes from the [`Office`] extractor.

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::Device;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use doimoi_shared::wire::{self, News, SyncRequest, CONTENT_TYPE};
use sha2::Digest;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tower_http::timeout::TimeoutLayer;

pub fn router(state: AppState) -> Router {
    let timeout = Duration::from_secs(state.0.config.request_timeout_secs);
    let long = Duration::from_secs(state.0.config.long_poll_secs + 10);
    let body_limit = state.0.config.max_body_bytes;
    let api = Router::new()
        .route("/v1/sync", post(sync))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ));
    let events =
        Router::new()
            .route("/v1/events", get(events))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                long,
            ));
    Router::new()
        .merge(api)
        .merge(events)
        .route("/v1/reports/consolidated", get(consolidated_report))
        .route("/", get(crate::pages::reports_page))
        .route("/reports", get(crate::pages::reports_page))
        .route("/reports/login", post(crate::pages::login))
        .route("/reports/logout", post(crate::pages::logout))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .with_state(state)
}

/// SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> String {
    doimoi_shared::ids::hex(&sha2::Sha256::digest(token.trim().as_bytes()))
}

/// The authenticated device making a request.
pub struct Office(pub Device);

impl FromRequestParts<AppState> for Office {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let fail = |e: ApiError| {
            state
                .0
                .metrics
                .auth_failures
                .fetch_add(1, Ordering::Relaxed);
            e
        };
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        // A browser on the hub's report page carries the token in a cookie instead; the
        // cookie is honoured for reports only, never for sync.
        let reports = parts.uri.path().starts_with("/v1/reports/");
        let cookie = crate::pages::cookie_token(&parts.headers);
        let token = match (header, cookie) {
            (Some(h), _) => h.strip_prefix("Bearer ").map(str::to_string).ok_or_else(|| {
                fail(ApiError::unauthorized(
                    "Tiêu đề Authorization phải có dạng: Bearer TOKEN.",
                ))
            })?,
            (None, Some(c)) if reports => c,
            (None, _) => {
                return Err(fail(ApiError::unauthorized(
                    "Thiếu token: gửi tiêu đề Authorization: Bearer TOKEN (token do người quản trị cấp bằng `doimoi-hub token issue`).",
                )))
            }
        };
        let hash = token_hash(&token);
        let inner = state.0.clone();
        let found = tokio::task::spawn_blocking(move || inner.db.device(&hash))
            .await
            .map_err(|e| ApiError::internal(e.to_string()))??;
        match found {
            None => Err(fail(ApiError::unauthorized(
                "Token không hợp lệ. Kiểm tra token đã nhập (`doimoi init --token …`) hoặc xin token mới.",
            ))),
            Some((_, true)) => Err(fail(ApiError::revoked())),
            Some((device, false)) => {
                if let Err(wait) = state.0.rate_check(&device) {
                    state.0.metrics.rate_limited.fetch_add(1, Ordering::Relaxed);
                    let mut e = ApiError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        "rate_limited",
                        format!("Quá nhiều yêu cầu từ thiết bị này; thử lại sau {wait} giây."),
                    );
                    e.doc = None;
                    return Err(e);
                }
                Ok(Office(device))
            }
        }
    }
}

async fn sync(
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
    let max = inner.config.max_decoded_bytes;
    let span = tracing::info_span!("sync", office = %device.unit, device = device.id);
    let out = tokio::task::spawn_blocking(move || {
        let _e = span.enter();
        let req: SyncRequest = wire::decode_as(&body, max, encoding).map_err(|e| {
            ApiError::bad_request(format!(
                "Nội dung yêu cầu đồng bộ không đọc được ({e}). Gửi lại; nếu lặp lại, cập nhật doimoi."
            ))
        })?;
        let (pushed, pulled) = (req.push.len(), req.pull.len());
        let decoded = started.elapsed();
        let now = inner.now_ms();
        let resp = crate::sync::handle(&inner, &device, req, now)?;
        let handled = started.elapsed();
        let out =
            wire::encode_as(&resp, answer).map_err(|e| ApiError::internal(e.to_string()))?;
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

#[derive(serde::Deserialize)]
struct EventsQuery {
    #[serde(default)]
    cursor: u64,
    /// Seconds to wait for news (capped by the configuration).
    #[serde(default)]
    wait: Option<u64>,
}

/// Long poll: answers at once when the caller's scope has news after `cursor`, otherwise when
/// news arrives or the wait ends.
async fn events(
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

async fn healthz(State(state): State<AppState>) -> Response {
    let inner = state.0.clone();
    match tokio::task::spawn_blocking(move || inner.db.max_seq()).await {
        Ok(Ok(_)) => (StatusCode::OK, "ok\n").into_response(),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            "cơ sở dữ liệu không sẵn sàng\n",
        )
            .into_response(),
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let inner = state.0.clone();
    let docs = tokio::task::spawn_blocking(move || inner.db.count_docs().unwrap_or(-1))
        .await
        .unwrap_or(-1);
    let text = state.0.metrics.render(docs, state.0.cached());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "Không có địa chỉ này. Các địa chỉ: POST /v1/sync, GET /v1/events, GET /healthz, GET /metrics.",
    )
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

/// The cookie the report page keeps the device token in.
pub const TOKEN_COOKIE: &str = "doimoi_token";

/// `GET /v1/reports/consolidated?period=…&as_of=…&unit=…&format=json|csv|xlsx|docx|html`.
async fn consolidated_report(
    State(state): State<AppState>,
    Office(device): Office,
    Query(q): Query<crate::reports::ReportQuery>,
    uri: axum::http::Uri,
) -> Result<Response, ApiError> {
    use crate::render::{self, DocInfo, Format};
    let format = match q.format.as_deref() {
        None | Some("") => Format::Json,
        Some(f) => Format::parse(f).map_err(ApiError::bad_request)?,
    };
    let inner = state.0.clone();
    let query = uri.query().unwrap_or_default().to_string();
    let _permit = state
        .0
        .reports
        .acquire()
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let started = Instant::now();
    let (bytes, name) = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let report = crate::reports::consolidated(&inner, &device, &q)?;
        let (_, registry) = inner.registry()?;
        let today = inner.today();
        let info = DocInfo::new(today)
            .with_query(&render::query_without_format(&query))
            .with_superior_from(&registry, &report);
        let bytes = render::render(&report, format, &info)
            .map_err(|e| ApiError::internal(e.to_string()))?;
        let name = render::file_name(&report, format);
        crate::reports::drop_later(report);
        Ok((bytes, name))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    tracing::info!(
        format = format.as_str(),
        bytes = bytes.len(),
        ms = started.elapsed().as_millis() as u64,
        "report"
    );
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if format != Format::Html && format != Format::Json {
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(resp)
}
