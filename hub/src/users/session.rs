//! Server-side sessions of the hub's pages. Signing in makes 32 random bytes, sent to the
//! browser once in the cookie [`SESSION_COOKIE`] (`HttpOnly; SameSite=Strict; Path=/`, and
//! `Secure` when the hub serves HTTPS) and stored only as their SHA-256. A session ends when
//! unused for `session_idle_secs`, `session_max_secs` after signing in, at sign-out, when its
//! user is removed, or when the user's password is changed. Times are the system clock's, never
//! the demonstration clock of `DOIMOI_HUB_NOW`.

use super::User;
use crate::auth::token_hash;
use crate::state::Inner;
use axum::http::{header, HeaderMap};
use std::sync::Arc;

/// The cookie that carries the session.
pub const SESSION_COOKIE: &str = "doimoi_session";

/// What a request's cookie says about who is signed in.
pub enum Check {
    /// No session cookie.
    None,
    /// A cookie of no session: signed out, or the user was removed or given a new password.
    Unknown,
    /// The session ended: unused for too long, or too old.
    Expired { idle: bool },
    /// Signed in.
    Valid(User),
}

/// The system clock, ms.
fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The value of cookie `name` in the request, if any.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

/// Whether the session cookie must carry `Secure`.
pub fn secure(inner: &Inner) -> bool {
    inner
        .config
        .accounts
        .secure_cookie
        .unwrap_or(inner.config.tls_cert.is_some())
}

fn attributes(secure: bool) -> &'static str {
    if secure {
        "HttpOnly; SameSite=Strict; Path=/; Secure"
    } else {
        "HttpOnly; SameSite=Strict; Path=/"
    }
}

/// `Set-Cookie` of a new session.
pub fn set_cookie(raw: &str, secure: bool) -> String {
    format!("{SESSION_COOKIE}={raw}; {}", attributes(secure))
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    format!("{SESSION_COOKIE}=; {}; Max-Age=0", attributes(secure))
}

fn limits_ms(inner: &Inner) -> (i64, i64) {
    let a = &inner.config.accounts;
    let ms = |s: u64| i64::try_from(s.saturating_mul(1000)).unwrap_or(i64::MAX);
    (
        ms(a.session_idle_secs.max(1)),
        ms(a.session_max_secs.max(1)),
    )
}

/// Starts a session for `user`; returns the cookie's value (shown to the browser only).
pub fn start(inner: &Inner, user: &User) -> Result<String, String> {
    let raw = super::password::random_hex(32)?;
    let now = now_ms();
    let (idle, max) = limits_ms(inner);
    inner
        .db
        .add_session(&token_hash(&raw), user.id, now, now - idle, now - max)
        .map_err(|e| e.to_string())?;
    Ok(raw)
}

/// Who the request's session cookie signs in (a blocking store read: call it off the async
/// threads, see [`check`]).
pub fn check_blocking(inner: &Inner, raw: Option<&str>) -> Result<Check, String> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok(Check::None);
    };
    // Ours are 64 hex digits; anything else (an old device token cookie, garbage) is no
    // session, without a store read.
    if raw.len() != 64 || !raw.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(Check::Unknown);
    }
    let hash = token_hash(raw);
    let Some(s) = inner.db.session(&hash).map_err(|e| e.to_string())? else {
        return Ok(Check::Unknown);
    };
    let now = now_ms();
    let (idle, max) = limits_ms(inner);
    let idle_out = now - s.seen_at > idle;
    if idle_out || now - s.created_at > max {
        inner.db.delete_session(&hash).map_err(|e| e.to_string())?;
        return Ok(Check::Expired { idle: idle_out });
    }
    // Most requests write nothing: the last use is recorded to a tenth of the idle limit, at
    // most once a minute.
    if now - s.seen_at >= (idle / 10).min(60_000) {
        if let Err(e) = inner.db.touch_session(&hash, now) {
            tracing::warn!(error = %e, "could not record the session's use");
        }
    }
    Ok(Check::Valid(s.user))
}

/// Who the request's session cookie signs in.
pub async fn check(inner: &Arc<Inner>, headers: &HeaderMap) -> Result<Check, String> {
    let raw = cookie(headers, SESSION_COOKIE);
    if raw.is_none() {
        return Ok(Check::None);
    }
    let inner = inner.clone();
    tokio::task::spawn_blocking(move || check_blocking(&inner, raw.as_deref()))
        .await
        .map_err(|e| e.to_string())?
}

/// Ends the request's session, if any.
pub async fn end(inner: &Arc<Inner>, headers: &HeaderMap) -> Result<(), String> {
    let Some(raw) = cookie(headers, SESSION_COOKIE) else {
        return Ok(());
    };
    let inner = inner.clone();
    tokio::task::spawn_blocking(move || {
        inner
            .db
            .delete_session(&token_hash(&raw))
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Why a person must sign in again, for the sign-in page.
pub fn reason_vi(check: &Check, inner: &Inner) -> Option<String> {
    let a = &inner.config.accounts;
    match check {
        Check::None | Check::Valid(_) => None,
        Check::Unknown => Some(
            "Phiên đăng nhập không còn hiệu lực (đã đăng xuất, hoặc tài khoản đã đổi mật khẩu hay bị xóa); đăng nhập lại."
                .into(),
        ),
        Check::Expired { idle: true } => Some(format!(
            "Phiên đăng nhập đã hết hạn vì không dùng quá {}; đăng nhập lại.",
            super::limit::wait_vi(a.session_idle_secs)
        )),
        Check::Expired { idle: false } => Some(format!(
            "Phiên đăng nhập đã hết hạn (mỗi phiên dùng tối đa {}); đăng nhập lại.",
            super::limit::wait_vi(a.session_max_secs)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others_and_set_with_its_flags() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; doimoi_token=dm_x; doimoi_session=abc; b=2"
                .parse()
                .expect("header"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "doimoi_tok"), None);
        assert_eq!(
            set_cookie("abc", false),
            "doimoi_session=abc; HttpOnly; SameSite=Strict; Path=/"
        );
        assert!(set_cookie("abc", true).ends_with("; Secure"));
        assert!(clear_cookie(false).ends_with("Max-Age=0"));
    }
}
