//! The hub's web page: `GET /reports`, the province's dashboard ([`crate::dashboard`]) —
//! sign in with a person's own account ([`super::signin`]; a bookmarked report link comes back
//! to itself afterwards), choose the period, the "as of" date and the unit, and see the figures,
//! charts, overdue steps, offices (administrators) and downloads. The report files come from
//! `GET /v1/reports/consolidated`, which accepts the session cookie as well as a bearer token.

use crate::dashboard::{self, layout, target, DashQuery, Selection, View};
use crate::render::DocInfo;
use crate::reports::{scope_for, ReportQuery};
use crate::state::AppState;
use crate::users::Role;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use std::time::Instant;

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
    use crate::users::session::{self, Check};
    let checked = match session::check(&state.0, &headers).await {
        Ok(c) => c,
        Err(e) => return internal(&e),
    };
    let user = match checked {
        Check::Valid(user) => user,
        other => {
            let (status, reason) = match session::reason_vi(&other, &state.0) {
                Some(r) => (StatusCode::UNAUTHORIZED, err_html(&r)),
                None => (StatusCode::OK, String::new()),
            };
            let mut resp = html(status, layout::sign_in(&reason, next.as_deref(), ""));
            if !matches!(other, Check::None) {
                if let Ok(v) =
                    HeaderValue::from_str(&session::clear_cookie(session::secure(&state.0)))
                {
                    resp.headers_mut().insert(header::SET_COOKIE, v);
                }
            }
            return resp;
        }
    };
    let device = user.viewer();
    // Signed in and sent here to sign in before going elsewhere: go there.
    if let Some(n) = q.next.as_deref().and_then(target::safe_target) {
        return see_other(n);
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
                &format!("Tài khoản này đã gửi quá nhiều yêu cầu; thử lại sau {wait} giây."),
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
        let mut selection = Selection::parse(&q, &registry, &device, today);
        if user.role != Role::Admin {
            // The setting of the offices' table, which a viewer does not see.
            selection.errors.silent_days = None;
        }
        // The offices' last syncs: for administrators only.
        let activity = match user.role {
            Role::Admin => Some(inner.db.device_activity().map_err(|e| e.to_string())?),
            Role::Viewer => None,
        };
        let mut view = View {
            registry: &registry,
            device: &device,
            user: &user,
            today,
            selection: &selection,
            report: None,
            body: String::new(),
            offices: None,
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
                view.offices = activity
                    .as_deref()
                    .map(|a| dashboard::tables::offices(&registry, &r.scope.code, a));
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

/// `303 See Other` to `location` (one of ours).
fn see_other(location: &str) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    resp.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(location).unwrap_or(HeaderValue::from_static("/reports")),
    );
    resp
}
