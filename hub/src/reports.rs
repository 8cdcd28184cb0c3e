//! The consolidated report service: who may ask for what, the rows (projection, or document
//! history for "as of"), the figures ([`doimoi_shared::report::build`]).

use crate::state::Inner;
use crate::store::Device;
use crate::store::{projection, StoreError};
use chrono::NaiveDate;
use doimoi_shared::ids::UnitCode;
use doimoi_shared::org::{Registry, UnitKind};
use doimoi_shared::report::{build, AsOfMode, Period, Report};
use doimoi_shared::time::end_of_day_ms;

/// The query of `GET /v1/reports/consolidated`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ReportQuery {
    pub period: Option<String>,
    pub as_of: Option<String>,
    pub unit: Option<String>,
    pub format: Option<String>,
    /// How `as_of` reads the records: `received` (default) or `happened`.
    pub as_of_mode: Option<String>,
    /// The document's number in the issuer's register (`125`), for the DOCX "Số:" line.
    pub number: Option<String>,
    /// The document's signing date (YYYY-MM-DD; default today), for the place-and-date line.
    pub date: Option<String>,
}

/// Why a report cannot be made. Turned into an HTTP answer at the route
/// ([`crate::error::ReportError`]).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The query is wrong (period, date, unit); the message says what to write.
    #[error("{0}")]
    BadQuery(String),
    /// The office may not see the report it asked for.
    #[error("{0}")]
    OutOfScope(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn bad(message: String) -> ReportError {
    ReportError::BadQuery(message)
}

/// The report scope a device may ask for: `asked` (default: the device's natural scope).
pub fn scope_for(
    registry: &Registry,
    device: &Device,
    asked: Option<&str>,
) -> Result<UnitCode, ReportError> {
    let office = registry.get(&device.unit).ok_or_else(|| {
        ReportError::OutOfScope(format!(
            "Đơn vị {} của thiết bị không còn trong danh mục đơn vị của máy chủ; liên hệ người quản trị.",
            device.unit
        ))
    })?;
    let province_wide = matches!(office.kind, UnitKind::Province | UnitKind::HomeAffairs);
    let natural = if province_wide {
        registry.province_code().clone()
    } else {
        office.code.clone()
    };
    let Some(asked) = asked.map(str::trim).filter(|a| !a.is_empty()) else {
        return Ok(natural);
    };
    let code = UnitCode::parse(asked).map_err(|e| bad(e.to_string()))?;
    if registry.get(&code).is_none() {
        return Err(bad(format!(
            "Đơn vị {code} không có trong danh mục đơn vị của máy chủ; xem `doimoi org show`."
        )));
    }
    let allowed = province_wide
        || (office.kind == UnitKind::District && registry.is_within(&code, &office.code))
        || code == office.code;
    if !allowed {
        let yours = match office.kind {
            UnitKind::District => "huyện mình và các xã trực thuộc",
            _ => "đơn vị mình",
        };
        return Err(ReportError::OutOfScope(format!(
                "Đơn vị {} chỉ được xem báo cáo của {yours}, không được xem báo cáo của {} ({code}). Báo cáo toàn tỉnh dành cho Sở Nội vụ và UBND tỉnh.",
                office.code,
                registry.get(&code).map_or("", |u| u.name.as_str()),
        )));
    }
    Ok(code)
}

/// Parses the period and the as-of date of a query.
pub fn parse_query(q: &ReportQuery) -> Result<(Period, Option<NaiveDate>), ReportError> {
    let spec = q.period.as_deref().map(str::trim).unwrap_or_default();
    if spec.is_empty() {
        return Err(bad(
            "Thiếu kỳ báo cáo: thêm ?period=2024 (năm), 2024-H1, 2024-Q3 hoặc 2024-01-01..2024-12-31.".into(),
        ));
    }
    let period = Period::parse(spec).map_err(|e| bad(e.to_string()))?;
    let as_of = match q.as_of.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(doimoi_shared::report::parse_date(s).map_err(|e| bad(e.to_string()))?),
        None => None,
    };
    if let Some(a) = as_of.filter(|a| *a < period.start) {
        return Err(bad(doimoi_shared::report::ReportError::AsOfBeforePeriod {
            as_of: a,
            start: period.start,
        }
        .to_string()));
    }
    Ok((period, as_of))
}

/// The consolidated report a device asked for.
pub fn consolidated(
    inner: &Inner,
    device: &Device,
    q: &ReportQuery,
) -> Result<Report, ReportError> {
    let (period, as_of) = parse_query(q)?;
    let today = inner.today();
    if let Some(a) = as_of.filter(|a| *a > today) {
        return Err(bad(format!(
            "Ngày tính số liệu {} chưa đến (hôm nay là ngày {}): chọn một ngày từ hôm nay trở về trước.",
            a.format("%d/%m/%Y"),
            today.format("%d/%m/%Y")
        )));
    }
    let period = period.made_on(today);
    let mode = AsOfMode::parse(q.as_of_mode.as_deref().unwrap_or_default()).map_err(bad)?;
    let (_, registry) = inner.registry()?;
    let scope = scope_for(&registry, device, q.unit.as_deref())?;
    let filter: Option<Vec<String>> = doimoi_shared::report::row_units(&registry, &period, &scope)
        .map(|v| v.into_iter().map(|u| u.to_string()).collect());
    // "As happened by D" and the plain report read today's rows; "as known on D" rebuilds the
    // rows from the documents as the hub had them at the end of D.
    let (proposals, unit_years) = projection::rows(&inner.db, filter.as_deref())?;
    let mut report = build(&registry, &proposals, &unit_years, &period, as_of, &scope)
        .map_err(|e| bad(e.to_string()))?;
    crate::reclaim::later((proposals, unit_years));
    let Some(day) = as_of else {
        return Ok(report);
    };
    if mode == AsOfMode::Happened {
        report.set_as_of_mode(AsOfMode::Happened);
        return Ok(report);
    }
    let happened = report;
    let calendar = inner.calendar()?;
    let (proposals, unit_years) = projection::rows_as_of(
        &inner.db,
        filter.as_deref(),
        end_of_day_ms(day),
        &registry,
        &calendar,
    )?;
    let mut report = build(&registry, &proposals, &unit_years, &period, as_of, &scope)
        .map_err(|e| bad(e.to_string()))?;
    crate::reclaim::later((proposals, unit_years));
    // Records dated by D that reached the hub later: said, so an empty "as known" report is
    // never a mystery.
    let late = happened
        .totals
        .proposals
        .saturating_sub(report.totals.proposals);
    if late > 0 {
        report.notes.insert(
            1,
            format!(
                "Có {late} đề xuất nộp trong kỳ đến ngày {} nhưng máy chủ nhận sau ngày đó nên chưa có trong báo cáo này; báo cáo tính theo ngày ghi trên hồ sơ có đủ các đề xuất này.",
                day.format("%d/%m/%Y")
            ),
        );
    }
    crate::reclaim::later(happened);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(unit: &str) -> Device {
        Device {
            id: 1,
            unit: UnitCode::parse(unit).expect("code"),
        }
    }

    #[test]
    fn who_may_see_which_report() {
        let r = Registry::embedded_default();
        let province = r.province_code().clone();
        assert_eq!(
            scope_for(&r, &device("49-SNV"), None).ok(),
            Some(province.clone())
        );
        assert_eq!(
            scope_for(&r, &device("49"), Some("502"))
                .ok()
                .map(|c| c.to_string()),
            Some("502".into())
        );
        assert_eq!(
            scope_for(&r, &device("502"), None)
                .ok()
                .map(|c| c.to_string()),
            Some("502".into())
        );
        let commune_of_502 = r.children(&UnitCode::parse("502").expect("code"))[0]
            .code
            .clone();
        assert!(scope_for(&r, &device("502"), Some(commune_of_502.as_str())).is_ok());
        let e =
            scope_for(&r, &device("20335"), Some("49")).expect_err("commune asks for the province");
        assert!(
            matches!(&e, ReportError::OutOfScope(m) if m.contains("Sở Nội vụ")),
            "{e}"
        );
        assert!(scope_for(&r, &device("502"), Some("49")).is_err());
        assert!(scope_for(&r, &device("49-SNV"), Some("99999")).is_err());
    }
}
