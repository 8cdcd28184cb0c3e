//! The hub's web page: `GET /reports`, the province's dashboard ([`crate::dashboard`]) —
//! sign in with a device token (kept in an HttpOnly cookie; a bookmarked report link comes back
//! to itself afterwards), choose the period, the "as of" date and the unit, and see the figures,
//! charts, overdue steps, offices and downloads. The report files come from
//! `GET /v1/reports/consolidated`, which accepts the cookie as well as a bearer token.

use crate::auth::{cookie_token, cross_site, token_hash, TOKEN_COOKIE};
use crate::dashboard::{self, layout, target, DashQuery, Selection, View};
use crate::render::DocInfo;
use crate::reports::{scope_for, ReportQuery};
use crate::state::AppState;
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use std::time::Instant;

#[derive(serde::Deserialize)]
pub struct Login {
    token: String,
    #[serde(default)]
    next: Option<String>,
}

fn err_html(message: &str) -> String {
    format!(
        r#"<p class="err" role="alert">{}</p>"#,
        crate::render::escape(message)
    )
}

/// A page that answers with `status`.
fn html(status: StatusCode, body: String) -> Response {
    (status, Html(body)).into_response()
}

/// `GET /reports`: the sign-in form without a valid cookie (coming back to this address, or to
/// `next`, afterwards), else the dashboard for the query.
pub(super) async fn reports(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let q: DashQuery = Query::try_from_uri(&uri).map(|q| q.0).unwrap_or_default();
    // Where to come back to after signing in: the `next` asked for, or this very address.
    let next = match q.next.as_deref().and_then(target::safe_target) {
        Some(n) => Some(n.to_string()),
        None => uri
            .query()
            .filter(|s| !s.is_empty())
            .map(|s| format!("/reports?{s}")),
    };
    let Some(token) = cookie_token(&headers) else {
        return html(StatusCode::OK, layout::sign_in("", next.as_deref()));
    };
    let inner = state.0.clone();
    let hash = token_hash(&token);
    let found = tokio::task::spawn_blocking(move || inner.db.device(&hash)).await;
    let device = match found {
        Ok(Ok(Some((d, false)))) => d,
        Ok(Ok(Some((_, true)))) => {
            return html(
                StatusCode::UNAUTHORIZED,
                layout::sign_in(
                    &err_html("Token của thiết bị này đã bị thu hồi; nhập token mới do người quản trị cấp."),
                    next.as_deref(),
                ),
            )
        }
        Ok(Ok(None)) => {
            return html(
                StatusCode::UNAUTHORIZED,
                layout::sign_in(
                    &err_html("Token đã lưu không hợp lệ (có thể đã nhập sai, hoặc máy chủ đã được cài lại); nhập lại token."),
                    next.as_deref(),
                ),
            )
        }
        Ok(Err(e)) => return internal(&e.to_string()),
        Err(e) => return internal(&e.to_string()),
    };
    // Signed in and sent here to sign in before going elsewhere: go there.
    if let Some(n) = q.next.as_deref().and_then(target::safe_target) {
        return see_other(n, None);
    }
    if let Err(wait) = state.0.limiter.check(device.id, Instant::now()) {
        state
            .0
            .metrics
            .rate_limited
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return html(
            StatusCode::TOO_MANY_REQUESTS,
            layout::error_page(
                "Quá nhiều yêu cầu",
                &format!("Thiết bị này đã gửi quá nhiều yêu cầu; thử lại sau {wait} giây."),
                &uri.to_string(),
            ),
        );
    }
    let Ok(_permit) = state.0.reports.acquire().await else {
        return internal("the report semaphore is closed");
    };
    let inner = state.0.clone();
    let made = tokio::task::spawn_blocking(move || -> Result<String, String> {
        let (_, registry) = inner.registry().map_err(|e| e.to_string())?;
        let today = inner.today();
        if let Err(e) = scope_for(&registry, &device, None) {
            return Ok(layout::error_page(
                "Không mở được trang báo cáo",
                &e.to_string(),
                "/reports",
            ));
        }
        let selection = Selection::parse(&q, &registry, &device, today);
        let activity = inner.db.device_activity().map_err(|e| e.to_string())?;
        let mut view = View {
            registry: &registry,
            device: &device,
            today,
            selection: &selection,
            report: None,
            body: String::new(),
            offices: Vec::new(),
        };
        if selection.errors.any() {
            return Ok(dashboard::render(&view));
        }
        // The report API's own query type, read from the same string as its links, so that
        // every parameter the API learns (as `as_of_mode`) is passed on.
        let query = selection.report_query();
        let report_query: ReportQuery = format!("/?{query}")
            .parse::<Uri>()
            .ok()
            .and_then(|u| Query::try_from_uri(&u).ok())
            .map(|q| q.0)
            .unwrap_or_default();
        let report = crate::reports::consolidated(&inner, &device, &report_query);
        match &report {
            Ok(r) => {
                let info = DocInfo::new(today)
                    .with_query(&query)
                    .with_superior_from(&registry, r);
                view.body = dashboard::report_body(r, &info);
                view.offices = dashboard::tables::offices(&registry, &r.scope.code, &activity);
                view.report = Some(Ok(r));
            }
            Err(crate::reports::ReportError::Store(e)) => return Err(e.to_string()),
            Err(e) => view.report = Some(Err(e.to_string())),
        }
        let page = dashboard::render(&view);
        if let Ok(r) = report {
            crate::reclaim::later(r);
        }
        Ok(page)
    })
    .await;
    match made {
        Ok(Ok(page)) => html(StatusCode::OK, page),
        Ok(Err(e)) => internal(&e),
        Err(e) => internal(&e.to_string()),
    }
}

/// An internal failure, as a page (the cause is logged).
pub(super) fn internal(detail: &str) -> Response {
    tracing::error!(%detail, "internal error");
    html(
        StatusCode::INTERNAL_SERVER_ERROR,
        layout::error_page(
            "Lỗi máy chủ",
            "Lỗi nội bộ của máy chủ; thử lại sau. Nếu lặp lại, báo người quản trị.",
            "/reports",
        ),
    )
}

/// `303 See Other` to `location` (one of ours), setting `cookie` if given.
fn see_other(location: &str, cookie: Option<&str>) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::LOCATION,
        HeaderValue::from_str(location).unwrap_or(HeaderValue::from_static("/reports")),
    );
    if let Some(v) = cookie.and_then(|c| HeaderValue::from_str(c).ok()) {
        h.insert(header::SET_COOKIE, v);
    }
    resp
}

fn refused_cross_site() -> Response {
    html(
        StatusCode::FORBIDDEN,
        layout::sign_in(
            &err_html("Yêu cầu đến từ trang khác bị từ chối; mở trang /reports của máy chủ rồi đăng nhập."),
            None,
        ),
    )
}

/// `POST /reports/login`: keeps the token in an HttpOnly, same-site cookie, then goes back to
/// `next` when it is one of the hub's report addresses, else to `/reports`.
pub(super) async fn login(headers: HeaderMap, Form(f): Form<Login>) -> Response {
    if cross_site(&headers) {
        return refused_cross_site();
    }
    let next = f.next.as_deref().and_then(target::safe_target);
    let token = f.token.trim();
    if token.is_empty() || !token.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return html(
            StatusCode::OK,
            layout::sign_in(
                &err_html("Token chỉ gồm chữ, số và dấu gạch dưới; nhập lại."),
                next,
            ),
        );
    }
    see_other(
        next.unwrap_or("/reports"),
        Some(&format!(
            "{TOKEN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"
        )),
    )
}

/// `POST /reports/logout`.
pub(super) async fn logout(headers: HeaderMap) -> Response {
    if cross_site(&headers) {
        return refused_cross_site();
    }
    see_other(
        "/reports",
        Some(&format!(
            "{TOKEN_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
        )),
    )
}
