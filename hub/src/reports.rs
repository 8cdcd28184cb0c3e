//! The consolidated report service: who may ask for what, the rows (projection, or document
//! history for "as of"), the figures ([`doimoi_shared::report::build`]).

use crate::error::ApiError;
use crate::projection;
use crate::state::Inner;
use crate::store::Device;
use axum::http::StatusCode;
use chrono::NaiveDate;
use doimoi_shared::ids::UnitCode;
use doimoi_shared::org::{Registry, UnitKind};
use doimoi_shared::report::{build, Period, Report};

/// The query of `GET /v1/reports/consolidated`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ReportQuery {
    pub period: Option<String>,
    pub as_of: Option<String>,
    pub unit: Option<String>,
    pub format: Option<String>,
}

fn bad(message: String) -> ApiError {
    ApiError::bad_request(message)
}

/// The report scope a device may ask for: `asked` (default: the device's natural scope).
pub fn scope_for(
    registry: &Registry,
    device: &Device,
    asked: Option<&str>,
) -> Result<UnitCode, ApiError> {
    let office = registry.get(&device.unit).ok_or_else(|| {
        ApiError::forbidden(
            format!(
                "Đơn vị {} của thiết bị không còn trong danh mục đơn vị của máy chủ; liên hệ người quản trị.",
                device.unit
            ),
            None,
        )
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
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "out_of_scope",
            format!(
                "Đơn vị {} chỉ được xem báo cáo của {yours}, không được xem báo cáo của {} ({code}). Báo cáo toàn tỉnh dành cho Sở Nội vụ và UBND tỉnh.",
                office.code,
                registry.get(&code).map_or("", |u| u.name.as_str()),
            ),
        ));
    }
    Ok(code)
}

use doimoi_shared::time::end_of_day_ms;

/// Parses the period and the as-of date of a query.
pub fn parse_query(q: &ReportQuery) -> Result<(Period, Option<NaiveDate>), ApiError> {
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
pub fn consolidated(inner: &Inner, device: &Device, q: &ReportQuery) -> Result<Report, ApiError> {
    let (period, as_of) = parse_query(q)?;
    let (_, registry) = inner.registry()?;
    let scope = scope_for(&registry, device, q.unit.as_deref())?;
    let filter: Option<Vec<String>> = doimoi_shared::report::row_units(&registry, &period, &scope)
        .map(|v| v.into_iter().map(|u| u.to_string()).collect());
    let (proposals, unit_years) = match as_of {
        Some(day) => {
            let calendar = inner.calendar()?;
            projection::rows_as_of(
                &inner.db,
                filter.as_deref(),
                end_of_day_ms(day),
                &registry,
                &calendar,
            )?
        }
        None => projection::rows(&inner.db, filter.as_deref())?,
    };
    let report = build(&registry, &proposals, &unit_years, &period, as_of, &scope)
        .map_err(|e| bad(e.to_string()));
    drop_later((proposals, unit_years));
    report
}

/// Frees a big value off the request's path: a province's rows, or hundreds of documents
/// evicted from the cache, take tens of milliseconds to free, which the caller need not wait
/// for. The freeing thread runs at the lowest priority (nice 19, per thread on Linux), so it
/// takes the cores when requests leave them idle instead of slowing the next request's checks;
/// under constant load it still gets its small share, so memory is always given back.
pub fn drop_later<T: Send + 'static>(value: T) {
    // Without a thread to be had, the closure (and the value in it) is freed here instead.
    let _ = std::thread::Builder::new()
        .name("drop".into())
        .spawn(move || {
            // Best effort: at the usual priority if the system refuses.
            let _ = rustix::process::nice(19);
            drop(value)
        });
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
        assert_eq!(e.status, StatusCode::FORBIDDEN);
        assert!(e.message.contains("Sở Nội vụ"), "{}", e.message);
        assert!(scope_for(&r, &device("502"), Some("49")).is_err());
        assert!(scope_for(&r, &device("49-SNV"), Some("99999")).is_err());
    }
}
