//! The consolidated report, pulled from the hub (reports are the one thing that waits on the
//! hub: they consolidate every office's data; the hub decides the scope).

use crate::app::App;
use crate::error::CliError;
use crate::sync::hub_for;

/// The formats the hub produces.
pub const FORMATS: [&str; 5] = ["json", "csv", "xlsx", "docx", "html"];

/// What to ask the hub for; `None` leaves a parameter to the hub's default.
#[derive(Debug, Clone, Default)]
pub struct ReportQuery {
    pub period: String,
    pub format: String,
    pub as_of: Option<String>,
    pub as_of_mode: Option<String>,
    pub unit: Option<String>,
    pub number: Option<String>,
    pub date: Option<String>,
}

/// The Decree 09 year under way on `today` (it ends on 14/12), as the hub's dashboard picks it.
pub fn current_year(today: chrono::NaiveDate) -> i32 {
    use chrono::Datelike;
    let late = today.month() == 12 && today.day() >= 15;
    today.year() + i32::from(late)
}

/// Checks the format (lower-cased) and fetches the report's bytes from the hub.
pub fn fetch(app: &App, q: &ReportQuery) -> Result<Vec<u8>, CliError> {
    let format = q.format.trim().to_ascii_lowercase();
    if !FORMATS.contains(&format.as_str()) {
        return Err(CliError::Usage(format!(
            "Định dạng \"{}\" không hỗ trợ; dùng một trong: {}.",
            q.format,
            FORMATS.join(", ")
        )));
    }
    let hub = hub_for(app)?;
    let mut query = vec![("period", q.period.trim()), ("format", format.as_str())];
    let optional = [
        ("as_of", &q.as_of),
        ("as_of_mode", &q.as_of_mode),
        ("unit", &q.unit),
        ("number", &q.number),
        ("date", &q.date),
    ];
    for (k, v) in optional {
        if let Some(v) = v.as_deref() {
            query.push((k, v.trim()));
        }
    }
    hub.report(&query).map_err(|e| {
        let e = e.to_string();
        let e = e.trim_end_matches('.');
        CliError::Sync(format!("Không lấy được báo cáo: {e}."))
    })
}
