//! Who is asking: device tokens (stored as SHA-256 only), the [`Office`] extractor that
//! authenticates and rate-limits ([`crate::limit`]) every API request (a device's bearer token,
//! or for reports a person's session cookie, [`crate::users::session`]), and the check that
//! refuses a form posted from another site.

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::Device;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use sha2::Digest;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> String {
    doimoi_shared::ids::hex(&sha2::Sha256::digest(token.trim().as_bytes()))
}

/// Whether two secrets are equal, compared through their SHA-256 (no early exit on the
/// first differing byte of the secret itself).
pub fn same_secret(given: &str, want: &str) -> bool {
    sha2::Sha256::digest(given.as_bytes()) == sha2::Sha256::digest(want.as_bytes())
}

/// The authenticated device making a request (for a person signed in to the pages, their
/// unit as a device, [`crate::users::User::viewer`]).
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
        // A person's browser on the hub's report page is signed in by a session cookie
        // ([`crate::users::session`]) instead; honoured for reports only, never for sync.
        let reports = parts.uri.path().starts_with("/v1/reports/");
        let missing = || {
            ApiError::unauthorized(
                "Thiếu token: gửi tiêu đề Authorization: Bearer TOKEN (token do người quản trị cấp bằng `doimoi-hub token issue`).",
            )
        };
        let token = match header {
            Some(h) => h
                .strip_prefix("Bearer ")
                .map(str::to_string)
                .ok_or_else(|| {
                    fail(ApiError::unauthorized(
                        "Tiêu đề Authorization phải có dạng: Bearer TOKEN.",
                    ))
                })?,
            None if reports => {
                use crate::users::session::{check, Check};
                return match check(&state.0, &parts.headers).await {
                    Ok(Check::Valid(user)) => {
                        let viewer = user.viewer();
                        rate_limit(state, &viewer)?;
                        Ok(Office(viewer))
                    }
                    Ok(Check::None) => Err(fail(missing())),
                    Ok(_) => Err(fail(ApiError::unauthorized(
                        "Phiên đăng nhập không còn hiệu lực hoặc đã hết hạn; đăng nhập lại tại trang /reports.",
                    ))),
                    Err(e) => Err(ApiError::internal(e)),
                };
            }
            None => return Err(fail(missing())),
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
                rate_limit(state, &device)?;
                Ok(Office(device))
            }
        }
    }
}

/// The per-device (or per-user, [`crate::users::User::viewer`]) rate limit.
fn rate_limit(state: &AppState, device: &Device) -> Result<(), ApiError> {
    if let Err(wait) = state.0.limiter.check(device.id, Instant::now()) {
        state.0.metrics.rate_limited.fetch_add(1, Ordering::Relaxed);
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("Quá nhiều yêu cầu từ thiết bị này; thử lại sau {wait} giây."),
        );
        e.doc = None;
        return Err(e);
    }
    Ok(())
}

/// Whether a form post comes from another site (login CSRF): browsers say so in
/// `Sec-Fetch-Site`; `Origin` naming another host says the same.
pub fn cross_site(headers: &HeaderMap) -> bool {
    let fetch = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site");
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| *o != "null");
    let foreign_origin = match (origin, host) {
        (Some(o), Some(h)) => o.split("://").nth(1) != Some(h),
        _ => false,
    };
    fetch || foreign_origin
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_site_posts_are_told_apart() {
        let mut post = HeaderMap::new();
        post.insert(header::HOST, "hub:8787".parse().expect("header"));
        post.insert(header::ORIGIN, "http://hub:8787".parse().expect("header"));
        assert!(!cross_site(&post));
        post.insert(
            header::ORIGIN,
            "http://evil.example".parse().expect("header"),
        );
        assert!(cross_site(&post));
        let mut fetch = HeaderMap::new();
        fetch.insert("sec-fetch-site", "cross-site".parse().expect("header"));
        assert!(cross_site(&fetch));
    }
}
