//! The dashboard's tables: the offices with their last sync (silent ones highlighted) and the
//! overdue steps across the scope.

use crate::render::{date, escape, num, status_label, step_short};
use crate::store::DeviceActivity;
use chrono::NaiveDate;
use doimoi_shared::ids::UnitCode;
use doimoi_shared::org::Registry;
use doimoi_shared::report::Report;
use doimoi_shared::time::{day_at, vietnam};
use std::fmt::Write;

/// One office (a unit with live device tokens) and its devices' activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Office {
    pub code: UnitCode,
    pub name: String,
    /// The unit it belongs to, by name (empty for the province).
    pub parent: String,
    pub devices: usize,
    /// The latest sync of any of its devices (ms).
    pub last_sync: Option<i64>,
}

impl Office {
    /// Whole days since the last sync (by Vietnam's calendar), or `None` when it never synced.
    pub fn silent_days(&self, today: NaiveDate) -> Option<i64> {
        self.last_sync.map(|t| (today - day_at(t)).num_days())
    }

    /// Silent for more than `limit` days, or never synced.
    pub fn is_silent(&self, today: NaiveDate, limit: u32) -> bool {
        self.silent_days(today).is_none_or(|d| d > i64::from(limit))
    }
}

/// The offices within `scope`, with their devices' latest sync: the silent ones first (never
/// synced, then the longest silent), the rest in registry order.
pub fn offices(registry: &Registry, scope: &UnitCode, devices: &[DeviceActivity]) -> Vec<Office> {
    let mut out: Vec<(usize, Office)> = Vec::new();
    for d in devices {
        let Ok(code) = UnitCode::parse(&d.unit) else {
            continue;
        };
        if !registry.is_within(&code, scope) {
            continue;
        }
        if let Some((_, o)) = out.iter_mut().find(|(_, o)| o.code == code) {
            o.devices += 1;
            o.last_sync = o.last_sync.max(d.last_sync_at);
            continue;
        }
        let order = registry
            .units()
            .iter()
            .position(|u| u.code == code)
            .unwrap_or(usize::MAX);
        let unit = registry.get(&code);
        out.push((
            order,
            Office {
                name: unit.map_or_else(|| code.to_string(), |u| u.name.clone()),
                parent: registry
                    .parent(&code)
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                code,
                devices: 1,
                last_sync: d.last_sync_at,
            },
        ));
    }
    out.sort_by_key(|(order, o)| (o.last_sync.is_some(), o.last_sync, *order));
    out.into_iter().map(|(_, o)| o).collect()
}

fn when(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) => t
            .with_timezone(&vietnam())
            .format("%d/%m/%Y %H:%M")
            .to_string(),
        None => String::new(),
    }
}

/// The offices' table; rows of offices silent for more than `limit` days are highlighted.
pub fn offices_table(offices: &[Office], today: NaiveDate, limit: u32) -> String {
    if offices.is_empty() {
        return r#"<p class="note">Chưa có văn phòng nào trong phạm vi này được cấp token thiết bị.</p>"#
            .to_string();
    }
    let mut out = String::from(
        r#"<div class="wrap"><table id="offices"><thead><tr><th>STT</th><th>Văn phòng</th><th>Trực thuộc</th><th>Số thiết bị</th><th>Đồng bộ lần cuối</th><th>Số ngày chưa đồng bộ</th><th>Tình trạng</th></tr></thead><tbody>"#,
    );
    for (i, o) in offices.iter().enumerate() {
        let silent = o.is_silent(today, limit);
        let (last, days, state) = match (o.last_sync, o.silent_days(today)) {
            (Some(t), Some(d)) => (
                when(t),
                num(u64::try_from(d).unwrap_or(0)),
                if silent {
                    format!("Không đồng bộ quá {limit} ngày")
                } else {
                    "Bình thường".to_string()
                },
            ),
            _ => (
                "—".to_string(),
                "—".to_string(),
                "Chưa đồng bộ lần nào".to_string(),
            ),
        };
        let _ = write!(
            out,
            r#"<tr class="{cls}" data-unit="{code}"><td class="n">{n}</td><td>{name}</td><td>{parent}</td><td class="n">{dev}</td><td>{last}</td><td class="n">{days}</td><td class="state">{state}</td></tr>"#,
            cls = if silent { "silent" } else { "ok" },
            code = escape(o.code.as_str()),
            n = i + 1,
            name = escape(&o.name),
            parent = escape(&o.parent),
            dev = o.devices,
            state = escape(&state),
        );
    }
    out.push_str("</tbody></table></div>");
    out
}

/// The overdue steps of the report's list, most overdue first, with the days past the due
/// date at the report's cut-off, or today when the cut-off is still to come.
pub fn overdue_table(report: &Report, today: NaiveDate) -> String {
    let items = &report.lists.overdue;
    if items.is_empty() {
        return r#"<p class="note" id="overdue-none">Không có bước nào quá hạn.</p>"#.to_string();
    }
    let at = report.cutoff.min(today);
    let mut rows: Vec<_> = items
        .iter()
        .map(|it| {
            let days = it.date.map_or(0, |d| (at - d).num_days().max(0));
            (days, it)
        })
        .collect();
    rows.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.1.unit_name.cmp(&b.1.unit_name))
    });
    let mut out = format!(
        r#"<div class="wrap"><table id="overdue"><thead><tr><th>STT</th><th>Đơn vị</th><th>Tên đề xuất</th><th>Trạng thái</th><th>Bước quá hạn</th><th>Hạn</th><th>Số ngày quá hạn (đến {})</th></tr></thead><tbody>"#,
        date(at)
    );
    for (i, (days, it)) in rows.iter().enumerate() {
        let _ = write!(
            out,
            r#"<tr data-id="{id}"><td class="n">{n}</td><td>{unit}</td><td>{title}</td><td>{status}</td><td>{step}</td><td>{due}</td><td class="n">{d}</td></tr>"#,
            id = escape(&it.id),
            n = i + 1,
            unit = escape(&it.unit_name),
            title = escape(&it.title),
            status = escape(status_label(&it.status)),
            step = escape(step_short(&it.step)),
            due = it.date.map(date).unwrap_or_default(),
            d = num(u64::try_from(*days).unwrap_or(0)),
        );
    }
    out.push_str("</tbody></table></div>");
    out
}
