//! Who is asking: device tokens (stored as SHA-256 only), the [`Office`] extractor that
//! authenticates and rate-limits ([`crate::limit`]) every API request, the report page's cookie, and the check
//! that refuses a form posted from another site.

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::Device;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use sha2::Digest;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// The cookie the report page keeps the device token in.
pub const TOKEN_COOKIE: &str = "doimoi_token";

/// SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> String {
    doimoi_shared::ids::hex(&sha2::Sha256::digest(token.trim().as_bytes()))
}

/// Whether two secrets are equal, compared through their SHA-256 (no early exit on the
/// first differing byte of the secret itself).
pub fn same_secret(given: &str, want: &str) -> bool {
    sha2::Sha256::digest(given.as_bytes()) == sha2::Sha256::digest(want.as_bytes())
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
        let cookie = cookie_token(&parts.headers);
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
                Ok(Office(device))
            }
        }
    }
}

/// The device token kept by this page, if the request carries it.
pub fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            c.trim()
                .strip_prefix(TOKEN_COOKIE)
                .and_then(|c| c.strip_prefix('='))
        })
        .map(str::to_string)
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
    fn the_token_cookie_is_found_among_others_and_cross_site_posts_are_told_apart() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; doimoi_token=dm_abc; b=2".parse().expect("header"),
        );
        assert_eq!(cookie_token(&h).as_deref(), Some("dm_abc"));
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
