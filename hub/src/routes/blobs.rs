//! `GET`/`HEAD`/`PUT /v1/blobs/{sha256}`: attachment bytes (`PROTOCOL.md` §21). An office may
//! move a blob when a document in its scope references it (`blob_ref`); the bytes stream to
//! and from the files of [`crate::blobs::Blobs`], never whole in memory.

use crate::auth::Office;
use crate::blobs::{Blobs, Held, UploadError, Uploaded};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::Device;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use doimoi_shared::blob::{is_sha256, CONTENT_TYPE, UPLOAD_OFFSET};
use doimoi_shared::ids::UnitCode;
use doimoi_shared::scope::can_see;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// The sizes declared for `sha` by the documents in the office's scope; refused when there is
/// none (whether or not other offices' documents reference it: nothing is revealed).
async fn sizes_in_scope(
    state: &AppState,
    device: &Device,
    sha: &str,
) -> Result<Vec<u64>, ApiError> {
    if !is_sha256(sha) {
        return Err(ApiError::bad_request(format!(
            "\"{sha}\" không phải mã SHA-256 của tệp (cần 64 chữ số thập lục phân viết thường)."
        )));
    }
    let inner = state.0.clone();
    let (sha_owned, office) = (sha.to_string(), device.unit.clone());
    let sizes = tokio::task::spawn_blocking(move || -> Result<Vec<u64>, ApiError> {
        let (_, registry) = inner.registry()?;
        let mut sizes: Vec<u64> = inner
            .db
            .blob_refs(&sha_owned)?
            .into_iter()
            .filter(|(unit, _)| {
                UnitCode::parse(unit).is_ok_and(|u| can_see(&registry, &office, &u))
            })
            .map(|(_, size)| size)
            .collect();
        sizes.sort_unstable();
        sizes.dedup();
        Ok(sizes)
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    if sizes.is_empty() {
        tracing::warn!(office = %device.unit, device = device.id, blob = %sha, "blob out of scope");
        return Err(ApiError::forbidden(
            format!(
                "Không tài liệu nào trong phạm vi của đơn vị {} đính kèm tệp {sha}: chỉ tải lên, tải về được tệp đính kèm của đề xuất mà văn phòng được đồng bộ (đồng bộ tài liệu trước khi gửi tệp).",
                device.unit
            ),
            None,
        ));
    }
    Ok(sizes)
}

fn with_offset(mut r: Response, held: u64) -> Response {
    r.headers_mut()
        .insert(UPLOAD_OFFSET, HeaderValue::from(held));
    r
}

fn not_held(held: u64) -> Response {
    with_offset(
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Máy chủ chưa có tệp này (văn phòng đính kèm chưa gửi lên xong); thử lại ở lần đồng bộ sau.",
        )
        .into_response(),
        held,
    )
}

/// The single byte range asked for (`bytes=N-` or `bytes=N-M`), or `None` for the whole blob
/// (no header, or one this hub does not serve: several ranges, suffix ranges).
fn range(headers: &HeaderMap) -> Option<(u64, Option<u64>)> {
    let spec = headers
        .get(header::RANGE)?
        .to_str()
        .ok()?
        .trim()
        .strip_prefix("bytes=")?;
    let (start, end) = spec.split_once('-')?;
    let start: u64 = start.trim().parse().ok()?;
    let end = match end.trim() {
        "" => None,
        e => Some(e.parse::<u64>().ok()?),
    };
    if end.is_some_and(|e| e < start) {
        return None;
    }
    Some((start, end))
}

/// `GET` (and `HEAD`) `/v1/blobs/{sha256}`.
pub(super) async fn fetch(
    State(state): State<AppState>,
    Office(device): Office,
    method: Method,
    Path(sha): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    sizes_in_scope(&state, &device, &sha).await?;
    let blobs = Blobs::new(&state.0.config.data);
    let io = |e: std::io::Error| ApiError::internal(format!("blob {sha}: {e}"));
    let size = match blobs.held(&sha).await.map_err(io)? {
        Held::Complete(n) => n,
        Held::Partial(n) => return Ok(not_held(n)),
    };
    let (start, end) = match range(&headers) {
        None => (0, size.saturating_sub(1)),
        Some((s, _)) if s >= size => {
            let mut r = ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "range_not_satisfiable",
                format!("Tệp chỉ có {size} byte; yêu cầu từ byte {s} là ngoài tệp."),
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(r);
        }
        Some((s, e)) => (s, e.unwrap_or(u64::MAX).min(size - 1)),
    };
    let partial = range(&headers).is_some();
    let len = if size == 0 { 0 } else { end - start + 1 };
    let mut resp = if method == Method::HEAD {
        Response::new(Body::empty())
    } else {
        let mut file = tokio::fs::File::open(blobs.path(&sha)).await.map_err(io)?;
        if start > 0 {
            file.seek(std::io::SeekFrom::Start(start))
                .await
                .map_err(io)?;
        }
        let stream = tokio_util::io::ReaderStream::with_capacity(file.take(len), 64 * 1024);
        Response::new(Body::from_stream(stream))
    };
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(UPLOAD_OFFSET, HeaderValue::from(size));
    if partial {
        *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}")) {
            resp.headers_mut().insert(header::CONTENT_RANGE, v);
        }
    }
    Ok(resp)
}

/// `PUT /v1/blobs/{sha256}?offset=N`: the blob's bytes from `N` (0 when absent).
pub(super) async fn upload(
    State(state): State<AppState>,
    Office(device): Office,
    Path(sha): Path<String>,
    RawQuery(query): RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let offset = match query.as_deref().unwrap_or("").split('&').find_map(|kv| kv.strip_prefix("offset=")) {
        None => 0,
        Some(v) => v.parse::<u64>().map_err(|_| {
            ApiError::bad_request(format!(
                "offset=\"{v}\" không phải số byte; dùng ?offset=N với N là số byte máy chủ đã có (tiêu đề Upload-Offset)."
            ))
        })?,
    };
    let sizes = sizes_in_scope(&state, &device, &sha).await?;
    let limit = state.0.config.max_blob_bytes;
    let blobs = Blobs::new(&state.0.config.data);
    match blobs
        .upload(&sha, offset, &sizes, limit, body.into_data_stream())
        .await
    {
        Ok(Uploaded::Complete(n)) => {
            tracing::info!(office = %device.unit, device = device.id, blob = %sha, bytes = n, "blob stored");
            Ok(with_offset(StatusCode::CREATED.into_response(), n))
        }
        Ok(Uploaded::Partial(n)) => Ok(with_offset(StatusCode::ACCEPTED.into_response(), n)),
        Err(UploadError::Conflict { held, busy }) => {
            let message = if busy {
                "Tệp này đang được gửi lên trong một yêu cầu khác; thử lại sau.".to_string()
            } else {
                format!("Máy chủ đang có {held} byte của tệp này, không phải {offset}: gửi tiếp từ ?offset={held}.")
            };
            Ok(with_offset(
                ApiError::new(StatusCode::CONFLICT, "upload_conflict", message).into_response(),
                held,
            ))
        }
        Err(UploadError::TooLarge { limit }) => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("Tệp lớn hơn giới hạn {limit} byte của máy chủ; không có gì được lưu."),
        )),
        Err(UploadError::Mismatch(why)) => {
            tracing::warn!(office = %device.unit, device = device.id, blob = %sha, reason = %why, "blob refused");
            Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "hash_mismatch",
                format!("Nội dung gửi lên không phải tệp đính kèm mà tài liệu ghi: {why}. Không có gì được lưu."),
            ))
        }
        Err(UploadError::Cut { held }) => Ok(with_offset(
            ApiError::bad_request(format!(
                "Nội dung gửi lên bị cắt ngang; máy chủ giữ {held} byte, gửi tiếp từ ?offset={held}."
            ))
            .into_response(),
            held,
        )),
        Err(UploadError::Io(e)) => Err(ApiError::internal(format!("blob {sha}: {e}"))),
    }
}
