//! `GET /v1/reports/consolidated`: the consolidated report in the format asked for; who may
//! see what and the figures are [`crate::reports`].

use crate::auth::Office;
use crate::dashboard::{layout, target};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use std::time::Instant;

/// `GET /v1/reports/consolidated?period=…&as_of=…&unit=…&format=json|csv|xlsx|docx|html&number=…&date=…`.
///
/// Programs (a bearer token, or not asking for HTML) get the JSON errors of `ApiError`. A
/// person's browser ([`target::is_browser`]) gets pages instead: without a valid cookie the
/// sign-in page, coming back here afterwards; a query the dashboard can explain (period, date,
/// unit) the dashboard with the message by the field; anything else a page saying what
/// happened.
pub(super) async fn consolidated(
    State(state): State<AppState>,
    office: Result<Office, ApiError>,
    headers: HeaderMap,
    query: Result<Query<crate::reports::ReportQuery>, QueryRejection>,
    uri: Uri,
) -> Response {
    use crate::render::Format;
    let browser = target::is_browser(&headers);
    // As before for programs: the token is checked first, then the query string.
    let q = match (&office, query) {
        (Ok(_), Err(rejection)) => return rejection.into_response(),
        (_, Ok(Query(q))) => q,
        (Err(_), Err(_)) => crate::reports::ReportQuery::default(),
    };
    let answer = match office {
        Ok(Office(device)) => match q.format.as_deref() {
            None | Some("") => Ok(Format::Json),
            Some(f) => Format::parse(f).map_err(|m| (ApiError::bad_request(m), false)),
        }
        .map(|format| (device, format)),
        Err(e) => Err((e, true)),
    };
    let answer = match answer {
        Ok((device, format)) => make(state, device, q, format, &uri)
            .await
            .map_err(|e| (e, true)),
        Err(e) => Err(e),
    };
    match answer {
        Ok(resp) => resp,
        Err((e, explained)) if browser => for_browser(e, explained, &uri),
        Err((e, _)) => e.into_response(),
    }
}

/// An error of the report API as a browser sees it; `explained`: the dashboard can say what
/// is wrong with the query (the period, a date, the unit), which it cannot for the format.
fn for_browser(e: ApiError, explained: bool, uri: &Uri) -> Response {
    let here = match uri.query() {
        Some(q) => format!("{}?{q}", uri.path()),
        None => uri.path().to_string(),
    };
    let query = crate::render::query_without_format(uri.query().unwrap_or_default());
    let back = format!("/reports?{query}");
    let see_other = |to: &str| {
        let mut resp = StatusCode::SEE_OTHER.into_response();
        if let Ok(v) = HeaderValue::from_str(to) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
        resp
    };
    match (e.status, e.code) {
        (StatusCode::UNAUTHORIZED, _) => see_other(&target::sign_in_then(&here)),
        // The dashboard reads the same query and says what is wrong next to the field.
        (StatusCode::BAD_REQUEST, "bad_request") if explained => see_other(&back),
        (StatusCode::FORBIDDEN, _) => see_other(&back),
        (status, _) => {
            let title = match status {
                StatusCode::BAD_REQUEST => "Yêu cầu không hợp lệ",
                StatusCode::TOO_MANY_REQUESTS => "Quá nhiều yêu cầu",
                _ => "Không lập được báo cáo",
            };
            (status, Html(layout::error_page(title, &e.message, &back))).into_response()
        }
    }
}

/// The report in `format`.
async fn make(
    state: AppState,
    device: crate::store::Device,
    q: crate::reports::ReportQuery,
    format: crate::render::Format,
    uri: &Uri,
) -> Result<Response, ApiError> {
    use crate::render::{self, DocInfo, Format};
    // The document's number and date are checked before any work.
    let doc = DocInfo::new(state.0.today())
        .with_number_and_date(q.number.as_deref(), q.date.as_deref())
        .map_err(ApiError::bad_request)?
        .with_references(
            state.0.config.report_regulation.as_deref(),
            state.0.config.report_plan.as_deref(),
        );
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
        let info = DocInfo {
            today: inner.today(),
            ..doc
        }
        .with_query(&render::query_without_format(&query))
        .with_superior_from(&registry, &report);
        let bytes = render::render(&report, format, &info)
            .map_err(|e| ApiError::internal(e.to_string()))?;
        let name = render::file_name(&report, format);
        crate::reclaim::later(report);
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

/// The report layer's errors, as HTTP answers.
impl From<crate::reports::ReportError> for ApiError {
    fn from(e: crate::reports::ReportError) -> Self {
        use crate::reports::ReportError;
        match e {
            ReportError::BadQuery(message) => ApiError::bad_request(message),
            ReportError::OutOfScope(message) => ApiError::forbidden(message, None),
            ReportError::Store(e) => e.into(),
        }
    }
}
