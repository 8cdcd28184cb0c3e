//! Signing in to the hub's pages with a person's own account ([`crate::users`]):
//! `POST /reports/login` (user name and password) and `POST /reports/logout`.
//!
//! A sign-in posted from another site is refused (`403`). While the user name or the client
//! address must wait after too many failures, the attempt is refused unchecked (`429`, saying
//! how long). Otherwise the password is checked (Argon2id, on a blocking thread, one at a time
//! in the process); a failure answers `401` with the form again and sets nothing, is logged with the
//! name and the address and counted in `/metrics`; a success starts a session and answers
//! `303` to the return target (or `/reports`) with the session cookie.

use crate::auth::cross_site;
use crate::dashboard::{layout, target};
use crate::state::AppState;
use crate::users::limit::{wait_vi, Key};
use crate::users::{password, session};
use axum::extract::{ConnectInfo, Form, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::time::Instant;

/// The sign-in form. Every field may be missing (an old page posting `token`): then it is
/// simply not a sign-in.
#[derive(serde::Deserialize)]
pub struct Login {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

fn err_html(message: &str) -> String {
    format!(
        r#"<p class="err" id="sign-in-error" role="alert">{}</p>"#,
        crate::render::escape(message)
    )
}

/// The sign-in form again, with `message`.
fn form_again(status: StatusCode, message: &str, next: Option<&str>, name: &str) -> Response {
    (
        status,
        Html(layout::sign_in(&err_html(message), next, name)),
    )
        .into_response()
}

/// `303 See Other` to `location` with these `Set-Cookie` headers.
fn see_other(location: &str, cookies: &[String]) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::LOCATION,
        HeaderValue::from_str(location).unwrap_or(HeaderValue::from_static("/reports")),
    );
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            h.append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// The cookie of the pages before people had accounts (a device token), removed at sign-in
/// and sign-out.
const OLD_TOKEN_COOKIE: &str = "doimoi_token=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0";

fn refused_cross_site() -> Response {
    form_again(
        StatusCode::FORBIDDEN,
        "Yêu cầu đến từ trang khác bị từ chối; mở trang /reports của máy chủ rồi đăng nhập.",
        None,
        "",
    )
}

/// The client's address, when the connection loop recorded it (not for requests handed to
/// the router in-process).
pub struct Peer(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(a)| a.ip()),
        ))
    }
}

/// `POST /reports/login`.
pub(super) async fn login(
    State(state): State<AppState>,
    Peer(addr): Peer,
    headers: HeaderMap,
    Form(f): Form<Login>,
) -> Response {
    if cross_site(&headers) {
        return refused_cross_site();
    }
    let next = f.next.as_deref().and_then(target::safe_target);
    let typed = f.name.trim();
    if typed.is_empty() || f.password.is_empty() {
        return form_again(
            StatusCode::UNAUTHORIZED,
            "Nhập tên đăng nhập và mật khẩu của mình (tài khoản do người quản trị máy chủ tạo).",
            next,
            typed,
        );
    }
    // A name that cannot exist is refused like a wrong password, and counted as one.
    let name = crate::users::normalize_name(typed)
        .unwrap_or_else(|_| typed.chars().take(crate::users::MAX_NAME).collect());
    let mut keys = vec![Key::Name(name.clone())];
    keys.extend(addr.map(Key::Address));
    let inner = state.0.clone();
    if let Err(wait) = inner.signins.check(&keys, Instant::now()) {
        inner.metrics.signin_limited.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(user = %name, address = ?addr, wait, "sign-in refused: too many failures");
        return form_again(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "Đăng nhập sai quá nhiều lần. Vì an toàn, hãy chờ {} rồi thử lại; nếu quên mật khẩu, nhờ người quản trị máy chủ đặt lại (`doimoi-hub user passwd`).",
                wait_vi(wait)
            ),
            next,
            typed,
        );
    }
    let Ok(_permit) = inner.password_checks.acquire().await else {
        return super::pages::internal("the password-check semaphore is closed");
    };
    let checking = inner.clone();
    let lookup = name.clone();
    let given = f.password;
    let found = tokio::task::spawn_blocking(move || -> Result<_, String> {
        match checking
            .db
            .user_by_name(&lookup)
            .map_err(|e| e.to_string())?
        {
            Some((user, phc)) if password::verify(&phc, &given) => Ok(Some(user)),
            Some(_) => Ok(None),
            None => {
                password::verify_nobody(&given);
                Ok(None)
            }
        }
    })
    .await;
    let user = match found {
        Ok(Ok(u)) => u,
        Ok(Err(e)) => return super::pages::internal(&e),
        Err(e) => return super::pages::internal(&e.to_string()),
    };
    let Some(user) = user else {
        inner
            .metrics
            .signin_failures
            .fetch_add(1, Ordering::Relaxed);
        let locked = inner.signins.fail(&keys, Instant::now());
        tracing::warn!(user = %name, address = ?addr, locked_secs = ?locked, "sign-in failed: wrong user name or password");
        let mut message =
            "Tên đăng nhập hoặc mật khẩu không đúng. Kiểm tra lại mật khẩu (chữ hoa hay chữ thường, bộ gõ tiếng Việt đang bật hay tắt) rồi nhập lại.".to_string();
        if let Some(wait) = locked {
            message.push_str(&format!(
                " Đã sai quá nhiều lần: hãy chờ {} rồi thử lại.",
                wait_vi(wait)
            ));
        }
        return form_again(StatusCode::UNAUTHORIZED, &message, next, typed);
    };
    inner.signins.succeed(&name);
    let starting = inner.clone();
    let started = {
        let user = user.clone();
        tokio::task::spawn_blocking(move || session::start(&starting, &user)).await
    };
    let raw = match started {
        Ok(Ok(raw)) => raw,
        Ok(Err(e)) => return super::pages::internal(&e),
        Err(e) => return super::pages::internal(&e.to_string()),
    };
    tracing::info!(user = %user.name, unit = %user.unit, address = ?addr, "signed in");
    see_other(
        next.unwrap_or("/reports"),
        &[
            session::set_cookie(&raw, session::secure(&inner)),
            OLD_TOKEN_COOKIE.to_string(),
        ],
    )
}

/// `POST /reports/logout`: ends the session and removes its cookie.
pub(super) async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if cross_site(&headers) {
        return refused_cross_site();
    }
    if let Err(e) = session::end(&state.0, &headers).await {
        return super::pages::internal(&e);
    }
    see_other(
        "/reports",
        &[
            session::clear_cookie(session::secure(&state.0)),
            OLD_TOKEN_COOKIE.to_string(),
        ],
    )
}
