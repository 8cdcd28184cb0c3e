//! `GET /v1/reports/consolidated`: the consolidated report in the format asked for; who may
//! see what and the figures are [`crate::reports`].

use crate::auth::Office;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use std::time::Instant;

/// `GET /v1/reports/consolidated?period=…&as_of=…&unit=…&format=json|csv|xlsx|docx|html&number=…&date=…`.
pub(super) async fn consolidated(
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
