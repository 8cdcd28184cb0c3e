//! The dashboard's charts: inline SVG drawn on the server (no script, nothing fetched), each
//! bar carrying its figures in `data-*` attributes and a `<title>` tooltip.

use crate::render::{
    escape, num, status_count, statuses, step_short, step_timeliness, timeliness_values,
    TIMELINESS_LABELS,
};
use doimoi_shared::org::UnitKind;
use doimoi_shared::report::{Figures, Report, UnitReport};
use doimoi_shared::workflow::Step;
use std::collections::HashMap;
use std::fmt::Write;

/// Colours of on time, late, open, overdue.
const TIMELINESS_COLOURS: [&str; 4] = ["#1a7f37", "#e0892b", "#8fb3de", "#b42318"];
const BAR: &str = "#1f4e8c";
const WIDTH: f64 = 640.0;
const LABEL: f64 = 190.0;
const ROW: f64 = 24.0;

fn svg_open(out: &mut String, id: &str, label: &str, height: f64) {
    let _ = write!(
        out,
        r#"<svg id="{id}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-label="{label}" xmlns="http://www.w3.org/2000/svg">"#,
        label = escape(label),
    );
}

fn label_text(out: &mut String, y: f64, text: &str) {
    let _ = write!(
        out,
        r#"<text x="{x}" y="{y}" text-anchor="end" font-size="14">{t}</text>"#,
        x = LABEL - 8.0,
        t = escape(text),
    );
}

/// Proposals of the period by status at the cut-off: one bar per status.
pub fn status_chart(f: &Figures) -> String {
    let rows: Vec<_> = statuses().map(|s| (s, status_count(f, s))).collect();
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let bar_max = WIDTH - LABEL - 60.0;
    let height = rows.len() as f64 * ROW + 8.0;
    let mut out = String::with_capacity(4_096);
    svg_open(
        &mut out,
        "chart-status",
        "Đề xuất nộp trong kỳ theo trạng thái",
        height,
    );
    for (i, (status, n)) in rows.iter().enumerate() {
        let y = 4.0 + i as f64 * ROW;
        let w = bar_max * *n as f64 / max as f64;
        let label = status.label_vi();
        let _ = write!(
            out,
            r#"<g class="bar" data-key="{key}" data-value="{n}"><title>{l}: {v}</title>"#,
            key = status.as_str(),
            l = escape(label),
            v = num(*n),
        );
        label_text(&mut out, y + 16.0, label);
        let _ = write!(
            out,
            r#"<rect x="{LABEL}" y="{ry}" width="{w:.1}" height="{h}" fill="{BAR}" rx="2"/><text x="{tx:.1}" y="{ty}" font-size="14">{v}</text></g>"#,
            ry = y + 3.0,
            h = ROW - 6.0,
            tx = LABEL + w + 6.0,
            ty = y + 16.0,
            v = num(*n),
        );
    }
    out.push_str("</svg>");
    out
}

/// The legend of the timeliness chart (HTML, above it).
pub fn timeliness_legend() -> String {
    let mut out = String::from(r#"<div class="legend">"#);
    for (label, colour) in TIMELINESS_LABELS.iter().zip(TIMELINESS_COLOURS) {
        let _ = write!(
            out,
            r#"<span><i style="background:{colour}"></i>{}</span>"#,
            escape(label)
        );
    }
    out.push_str("</div>");
    out
}

/// Timeliness of each clocked step (clocks started in the period): on time, late, open and
/// overdue stacked, on one scale for every step, with the step's total at the end.
pub fn timeliness_chart(f: &Figures) -> String {
    let rows: Vec<_> = Step::ALL
        .into_iter()
        .map(|s| (s, timeliness_values(&step_timeliness(f, s))))
        .collect();
    let max = rows
        .iter()
        .map(|(_, v)| v.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let bar_max = WIDTH - LABEL - 60.0;
    let row = ROW + 6.0;
    let height = rows.len() as f64 * row + 8.0;
    let mut out = String::with_capacity(4_096);
    svg_open(
        &mut out,
        "chart-timeliness",
        "Thời hạn thực hiện các bước",
        height,
    );
    for (i, (step, v)) in rows.iter().enumerate() {
        let y = 4.0 + i as f64 * row;
        let total: u64 = v.iter().sum();
        let _ = write!(
            out,
            r#"<g class="step" data-step="{s}" data-on-time="{}" data-late="{}" data-open="{}" data-overdue="{}">"#,
            v[0],
            v[1],
            v[2],
            v[3],
            s = step.as_str(),
        );
        label_text(&mut out, y + 18.0, step_short(step.as_str()));
        let mut x = LABEL;
        for ((n, colour), label) in v.iter().zip(TIMELINESS_COLOURS).zip(TIMELINESS_LABELS) {
            if *n == 0 {
                continue;
            }
            let w = bar_max * *n as f64 / max as f64;
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{ry}" width="{w:.1}" height="{h}" fill="{colour}"><title>{l}: {c}</title></rect>"#,
                ry = y + 3.0,
                h = row - 8.0,
                l = escape(label),
                c = num(*n),
            );
            if w >= 22.0 {
                let _ = write!(
                    out,
                    r##"<text x="{cx:.1}" y="{ty}" text-anchor="middle" font-size="13" fill="#fff">{c}</text>"##,
                    cx = x + w / 2.0,
                    ty = y + 17.0,
                    c = num(*n),
                );
            }
            x += w;
        }
        let _ = write!(
            out,
            r#"<text x="{tx:.1}" y="{ty}" font-size="14">{t}</text></g>"#,
            tx = x + 6.0,
            ty = y + 18.0,
            t = num(total),
        );
    }
    out.push_str("</svg>");
    out
}

/// One bar of the completeness chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub label: String,
    pub expected: u64,
    pub reported: u64,
}

/// Units that had to record their yearly duties in the period and those that did, by
/// district (a district's line counts it and every unit under it); units under no district
/// (departments, associations, and every unit after the 2025 reform) by kind. The second value
/// says whether there were districts.
pub fn completeness_groups(report: &Report) -> (Vec<Group>, bool) {
    let by_code: HashMap<&str, &UnitReport> =
        report.units.iter().map(|u| (u.code.as_str(), u)).collect();
    let district_of = |u: &UnitReport| -> Option<String> {
        let mut cur = Some(u);
        for _ in 0..=report.units.len() {
            let c = cur?;
            if c.kind == UnitKind::District {
                return Some(c.code.to_string());
            }
            cur = c
                .parent
                .as_ref()
                .and_then(|p| by_code.get(p.as_str()).copied());
        }
        None
    };
    let mut districts: Vec<(String, Group)> = report
        .units
        .iter()
        .filter(|u| u.kind == UnitKind::District)
        .map(|u| {
            (
                u.code.to_string(),
                Group {
                    label: u.name.clone(),
                    expected: 0,
                    reported: 0,
                },
            )
        })
        .collect();
    let mut kinds: Vec<(UnitKind, Group)> = UnitKind::ALL
        .into_iter()
        .map(|k| {
            (
                k,
                Group {
                    label: kind_group_label(k).to_string(),
                    expected: 0,
                    reported: 0,
                },
            )
        })
        .collect();
    for u in report.units.iter().filter(|u| u.has_duties) {
        let g = match district_of(u) {
            Some(d) => districts.iter_mut().find(|(c, _)| *c == d).map(|(_, g)| g),
            None => kinds.iter_mut().find(|(k, _)| *k == u.kind).map(|(_, g)| g),
        };
        if let Some(g) = g {
            g.expected += 1;
            g.reported += u64::from(u.reported);
        }
    }
    let any_district = !districts.is_empty();
    let groups = districts
        .into_iter()
        .map(|(_, g)| g)
        .chain(kinds.into_iter().map(|(_, g)| g))
        .filter(|g| g.expected > 0)
        .collect();
    (groups, any_district)
}

fn kind_group_label(k: UnitKind) -> &'static str {
    match k {
        UnitKind::Province => "UBND tỉnh",
        UnitKind::HomeAffairs => "Sở Nội vụ",
        UnitKind::Department => "Các sở, ban, ngành",
        UnitKind::Association => "Các hội",
        UnitKind::District => "Cấp huyện",
        UnitKind::Commune => "Cấp xã",
    }
}

/// `s` cut to `max` characters (with "…"), for labels drawn in a fixed width; the tooltip
/// keeps the whole name.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Completeness of reporting: one bar per group, the share of units that recorded their duties.
pub fn completeness_chart(groups: &[Group]) -> String {
    if groups.is_empty() {
        return r#"<p class="note">Không có đơn vị nào phải cập nhật nhiệm vụ trong kỳ.</p>"#
            .to_string();
    }
    let label_w = 250.0;
    let bar_max = WIDTH - label_w - 120.0;
    let height = groups.len() as f64 * ROW + 8.0;
    let mut out = String::with_capacity(256 * groups.len());
    svg_open(
        &mut out,
        "chart-completeness",
        "Tỷ lệ đơn vị đã cập nhật nhiệm vụ trong kỳ",
        height,
    );
    for (i, g) in groups.iter().enumerate() {
        let y = 4.0 + i as f64 * ROW;
        let share = g.reported as f64 / g.expected.max(1) as f64;
        let pct = (share * 100.0).round();
        let _ = write!(
            out,
            r##"<g class="group" data-expected="{e}" data-reported="{r}"><title>{full}: {r}/{e}</title><text x="{lx}" y="{ty}" text-anchor="end" font-size="14">{l}</text><rect x="{label_w}" y="{ry}" width="{bar_max}" height="{h}" fill="#e3e7ed"/><rect x="{label_w}" y="{ry}" width="{w:.1}" height="{h}" fill="{c}"/><text x="{tx}" y="{ty}" font-size="14">{r}/{e} ({pct}%)</text></g>"##,
            e = g.expected,
            r = g.reported,
            full = escape(&g.label),
            l = escape(&clip(&g.label, 34)),
            lx = label_w - 8.0,
            ty = y + 16.0,
            ry = y + 3.0,
            h = ROW - 6.0,
            w = bar_max * share,
            c = if share >= 0.999 { "#1a7f37" } else { BAR },
            tx = label_w + bar_max + 6.0,
        );
    }
    out.push_str("</svg>");
    out
}
