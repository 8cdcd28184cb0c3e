//! The province's dashboard at `GET /reports` (the handlers are in `routes/pages.rs`): the
//! selection (period, "as of" date and how to read it, unit chosen by name among those the
//! office may see, how many silent days mark an office), then for the selection the summary,
//! charts drawn on the server ([`charts`]), the overdue steps and the offices' last syncs
//! ([`tables`]), the downloads in every format and the HTML report's body. Every refusal is
//! shown next to its field, in Vietnamese. Pure of HTTP: the handlers gather the data and call
//! [`Selection::parse`] and [`render`].
//!
//! - `layout.rs`: the page shell (inline CSS), the sign-in page and the error page.
//! - `target.rs`: the return target after signing in (same-site report paths only), and
//!   whether a request comes from a browser.

pub mod charts;
pub mod layout;
pub mod tables;
pub mod target;

use crate::render::{approved_total, date, escape, num, Format};
use crate::reports::{scope_for, ReportError};
use crate::store::Device;
use chrono::{Datelike, NaiveDate};
use doimoi_shared::ids::UnitCode;
use doimoi_shared::org::{Registry, Unit, UnitKind};
use doimoi_shared::report::AsOfMode;
use doimoi_shared::report::{parse_date, Period, Report};
use std::fmt::Write;
use target::enc;

/// Days without a sync after which an office is highlighted, unless `silent_days` says.
pub const SILENT_DAYS: u32 = 14;

/// The query of `GET /reports`, as typed (every field optional).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DashQuery {
    pub period: Option<String>,
    pub as_of: Option<String>,
    pub as_of_mode: Option<String>,
    pub unit: Option<String>,
    pub silent_days: Option<String>,
    /// Where to go after signing in.
    pub next: Option<String>,
}

/// A message for each field that could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors {
    pub period: Option<String>,
    pub as_of: Option<String>,
    pub as_of_mode: Option<String>,
    pub unit: Option<String>,
    pub silent_days: Option<String>,
}

impl FieldErrors {
    pub fn any(&self) -> bool {
        self.period.is_some()
            || self.as_of.is_some()
            || self.as_of_mode.is_some()
            || self.unit.is_some()
            || self.silent_days.is_some()
    }
}

/// The selection, read and checked: what the form shows again and what the report uses.
#[derive(Debug, Clone)]
pub struct Selection {
    /// The period as typed (trimmed), or the Decree 09 year under way.
    pub period: String,
    /// The "as of" day as typed (trimmed), empty for none.
    pub as_of: String,
    pub mode: AsOfMode,
    /// The unit chosen, when one was (and found): its code.
    pub unit: Option<UnitCode>,
    /// The unit as typed, when it could not be found.
    pub unit_typed: String,
    pub silent_days: u32,
    pub errors: FieldErrors,
}

/// The Decree 09 year under way on `today` (it ends on 14/12).
pub fn current_year(today: NaiveDate) -> i32 {
    let late = today.month() == 12 && today.day() >= 15;
    today.year() + i32::from(late)
}

fn text(v: &Option<String>) -> String {
    v.as_deref().map(str::trim).unwrap_or_default().to_string()
}

impl Selection {
    /// Reads `q` for `device`: each field that cannot be used gets its message.
    pub fn parse(q: &DashQuery, registry: &Registry, device: &Device, today: NaiveDate) -> Self {
        let mut errors = FieldErrors::default();
        let mut period = text(&q.period);
        if period.is_empty() {
            period = current_year(today).to_string();
        }
        let parsed = match Period::parse(&period) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.period = Some(e.to_string());
                None
            }
        };
        let as_of = text(&q.as_of);
        if !as_of.is_empty() {
            match parse_date(&as_of) {
                Ok(d) => {
                    if let Some(p) = parsed.as_ref().filter(|p| d < p.start) {
                        errors.as_of = Some(format!(
                            "Ngày \"tính đến\" {} trước ngày bắt đầu kỳ báo cáo {}; chọn ngày trong hoặc sau kỳ.",
                            date(d),
                            date(p.start)
                        ));
                    }
                }
                Err(e) => errors.as_of = Some(e.to_string()),
            }
        }
        let mode = AsOfMode::parse(&text(&q.as_of_mode)).unwrap_or_else(|_| {
            errors.as_of_mode = Some(format!(
                "Cách tính \"{}\" không hợp lệ; chọn một trong hai cách dưới đây.",
                text(&q.as_of_mode)
            ));
            AsOfMode::Received
        });
        let typed = text(&q.unit);
        let unit = if typed.is_empty() {
            None
        } else {
            match resolve_unit(registry, device, &typed) {
                Ok(code) => Some(code),
                Err(e) => {
                    errors.unit = Some(e);
                    None
                }
            }
        };
        let silent = text(&q.silent_days);
        let silent_days = if silent.is_empty() {
            SILENT_DAYS
        } else {
            match silent.parse::<u32>() {
                Ok(n) if (1..=3650).contains(&n) => n,
                _ => {
                    errors.silent_days = Some(format!(
                        "Số ngày \"{silent}\" không hợp lệ; nhập một số từ 1 đến 3650."
                    ));
                    SILENT_DAYS
                }
            }
        };
        Selection {
            period,
            as_of,
            mode,
            unit_typed: if unit.is_none() { typed } else { String::new() },
            unit,
            silent_days,
            errors,
        }
    }

    /// The report's query string (no `format`): `period`, and `as_of` with `as_of_mode`, and
    /// `unit` when chosen.
    pub fn report_query(&self) -> String {
        let mut q = format!("period={}", enc(&self.period));
        if !self.as_of.is_empty() {
            let _ = write!(
                q,
                "&as_of={}&as_of_mode={}",
                enc(&self.as_of),
                self.mode.as_str()
            );
        }
        if let Some(u) = &self.unit {
            let _ = write!(q, "&unit={}", enc(u.as_str()));
        }
        q
    }

    /// This selection's own address (for bookmarks).
    pub fn page_link(&self) -> String {
        let mut link = format!("/reports?{}", self.report_query());
        if self.silent_days != SILENT_DAYS {
            let _ = write!(link, "&silent_days={}", self.silent_days);
        }
        link
    }
}

/// The unit `typed` names, among those `device` may see: a code, a name or words of a name
/// (diacritics optional), as [`Registry::search`] finds them. A name shared by several units
/// must be chosen from the list.
fn resolve_unit(registry: &Registry, device: &Device, typed: &str) -> Result<UnitCode, String> {
    let scope_error = |e: ReportError| e.to_string();
    if let Ok(code) = UnitCode::parse(typed) {
        if registry.get(&code).is_some() {
            return scope_for(registry, device, Some(code.as_str())).map_err(scope_error);
        }
    }
    let found: Vec<&Unit> = registry
        .search(typed)
        .into_iter()
        .filter(|u| scope_for(registry, device, Some(u.code.as_str())).is_ok())
        .collect();
    let folded = doimoi_shared::text::fold(typed);
    let exact: Vec<&Unit> = found
        .iter()
        .copied()
        .filter(|u| doimoi_shared::text::fold(&u.name) == folded)
        .collect();
    match (exact.as_slice(), found.as_slice()) {
        ([one], _) | ([], [one]) => Ok(one.code.clone()),
        ([], []) => Err(format!(
            "Không tìm thấy đơn vị \"{typed}\" trong các đơn vị được xem; chọn đơn vị trong danh sách."
        )),
        _ => Err(format!(
            "Có {} đơn vị khớp với \"{typed}\"; chọn đúng đơn vị trong danh sách.",
            num(found.len() as u64)
        )),
    }
}

/// A unit's entry in the list: its name, with its district for a commune (names repeat across
/// districts).
pub fn unit_label(registry: &Registry, u: &Unit) -> String {
    let mut label = u.name.clone();
    if u.kind == UnitKind::Commune {
        if let Some(p) = registry.parent(&u.code) {
            let _ = write!(label, " — {}", p.name);
        }
    }
    // Earlier names stay searchable: a clerk may know the commune by its 2024 name.
    for f in &u.former {
        let parent = f
            .parent
            .as_ref()
            .and_then(|p| registry.get(p))
            .filter(|_| f.kind == UnitKind::Commune);
        match parent {
            Some(p) => {
                let _ = write!(label, " (trước đây: {} — {})", f.name, p.name);
            }
            None => {
                let _ = write!(label, " (trước đây: {})", f.name);
            }
        }
    }
    if u.valid_to.is_some() {
        label.push_str(" (đã thôi hoạt động)");
    }
    label
}

/// The units `device` may report on, in registry order (the same rule as the report API).
pub fn visible_units<'r>(registry: &'r Registry, device: &Device) -> Vec<&'r Unit> {
    registry
        .units()
        .iter()
        .filter(|u| scope_for(registry, device, Some(u.code.as_str())).is_ok())
        .collect()
}

/// The body of the HTML report (what follows its heading), for embedding in the dashboard.
pub fn report_body(report: &Report, info: &crate::render::DocInfo) -> String {
    let full = crate::render::render(report, Format::Html, info)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let start = full.find("</header>").map_or(0, |i| i + "</header>".len());
    let end = full.rfind("</body>").unwrap_or(full.len());
    full.get(start..end).unwrap_or_default().to_string()
}

/// What the dashboard shows, gathered by the handler.
pub struct View<'a> {
    pub registry: &'a Registry,
    pub device: &'a Device,
    /// The person signed in (the device above is their unit's).
    pub user: &'a crate::users::User,
    pub today: NaiveDate,
    pub selection: &'a Selection,
    /// The report, or why it could not be made (the fields were fine).
    pub report: Option<Result<&'a Report, String>>,
    /// The report's HTML body.
    pub body: String,
    /// The offices in scope with their devices' last sync: for administrators only.
    pub offices: Option<Vec<tables::Office>>,
}

const FILTER_JS: &str = r#"(function(){var q=document.getElementById('unit-search'),s=document.getElementById('unit');if(!q||!s)return;
function f(t){return t.normalize('NFD').replace(/[\u0300-\u036f]/g,'').replace(/[đĐ]/g,'d').toLowerCase();}
var o=[].slice.call(s.options);o.forEach(function(x){x.setAttribute('data-k',f(x.text));});
q.addEventListener('input',function(){var w=f(q.value).split(/\s+/).filter(Boolean),shown=[];
o.forEach(function(x){var k=x.getAttribute('data-k'),ok=x.value===''||w.every(function(v){return k.indexOf(v)>=0;});x.hidden=!ok;if(ok&&x.value!=='')shown.push(x);});
if(w.length&&shown.length===1)shown[0].selected=true;});})();"#;

fn field_error(out: &mut String, e: &Option<String>, id: &str) {
    if let Some(m) = e {
        let _ = write!(
            out,
            r#"<p class="err" id="{id}-error" role="alert">{}</p>"#,
            escape(m)
        );
    }
}

fn form(out: &mut String, v: &View<'_>) {
    let s = v.selection;
    let e = &s.errors;
    let year = current_year(v.today);
    let invalid = |x: &Option<String>| if x.is_some() { " invalid" } else { "" };
    let _ = write!(
        out,
        r#"<form class="sel box" method="get" action="/reports" id="selection">
<fieldset class="f-period{pi}"><label class="t" for="period">Kỳ báo cáo</label>
<input id="period" name="period" type="text" value="{period}" required aria-describedby="period-note">"#,
        pi = invalid(&e.period),
        period = escape(&s.period),
    );
    field_error(out, &e.period, "period");
    let _ = write!(
        out,
        r#"<p class="note" id="period-note">Năm <code>{year}</code> (15/12/{prev} – 14/12/{year}) · 6 tháng <code>{year}-H1</code>, <code>{year}-H2</code> · quý <code>{year}-Q1</code> … <code>{year}-Q4</code> · khoảng ngày <code>{year}-01-01..{year}-06-30</code></p></fieldset>
<fieldset class="f-asof{ai}"><label class="t" for="as_of">Tính đến ngày</label>
<input id="as_of" name="as_of" type="date" value="{as_of}">"#,
        prev = year - 1,
        ai = invalid(&e.as_of),
        as_of = escape(&s.as_of),
    );
    field_error(out, &e.as_of, "as_of");
    let checked = |m: AsOfMode| if s.mode == m { " checked" } else { "" };
    let _ = write!(
        out,
        r#"<p class="note">Để trống: số liệu hiện có của cả kỳ.</p>
<div class="{mi}" role="radiogroup" aria-label="Cách tính số liệu đến ngày đã chọn">
<label class="r"><input type="radio" name="as_of_mode" value="received" id="mode-received"{c1}> Theo số liệu máy chủ đã nhận đến ngày</label>
<label class="r"><input type="radio" name="as_of_mode" value="happened" id="mode-happened"{c2}> Theo ngày ghi trên hồ sơ</label></div>"#,
        mi = invalid(&e.as_of_mode),
        c1 = checked(AsOfMode::Received),
        c2 = checked(AsOfMode::Happened),
    );
    field_error(out, &e.as_of_mode, "as_of_mode");
    out.push_str("</fieldset>");

    let units = visible_units(v.registry, v.device);
    let natural = scope_for(v.registry, v.device, None)
        .ok()
        .and_then(|c| v.registry.get(&c).map(|u| u.name.clone()))
        .unwrap_or_default();
    let _ = write!(
        out,
        r#"<fieldset class="f-unit{ui}"><label class="t" for="unit-search">Đơn vị</label>
<input id="unit-search" type="search" placeholder="Gõ tên để tìm, ví dụ: tam ky" autocomplete="off" value="{typed}" aria-controls="unit">"#,
        ui = invalid(&e.unit),
        typed = escape(&s.unit_typed),
    );
    field_error(out, &e.unit, "unit");
    let _ = write!(
        out,
        r#"<select id="unit" name="unit" size="{size}" aria-label="Chọn đơn vị"><option value=""{sel}>Toàn bộ phạm vi: {natural}</option>"#,
        size = units.len().clamp(1, 7) + 1,
        sel = if s.unit.is_none() { " selected" } else { "" },
        natural = escape(&natural),
    );
    for u in &units {
        let _ = write!(
            out,
            r#"<option value="{c}"{sel}>{l}</option>"#,
            c = escape(u.code.as_str()),
            sel = if s.unit.as_ref() == Some(&u.code) {
                " selected"
            } else {
                ""
            },
            l = escape(&unit_label(v.registry, u)),
        );
    }
    let _ = write!(
        out,
        r#"</select><p class="note">{n} đơn vị được xem.</p></fieldset>"#,
        n = num(units.len() as u64),
    );
    // The offices' last syncs are shown to administrators only, and so is their setting.
    if v.user.role == crate::users::Role::Admin {
        let _ = write!(
            out,
            r#"<fieldset class="f-silent{si}"><label class="t" for="silent_days">Đánh dấu văn phòng không đồng bộ quá (ngày)</label>
<input id="silent_days" name="silent_days" type="number" min="1" max="3650" value="{silent}">"#,
            si = invalid(&e.silent_days),
            silent = s.silent_days,
        );
        field_error(out, &e.silent_days, "silent_days");
        out.push_str("</fieldset>");
    } else if s.silent_days != SILENT_DAYS {
        let _ = write!(
            out,
            r#"<input type="hidden" name="silent_days" value="{}">"#,
            s.silent_days
        );
    }
    let _ = write!(
        out,
        r#"
<div class="actions"><button class="go" type="submit" id="show">Xem báo cáo</button>
<a href="{link}" id="bookmark">Liên kết tới lựa chọn này</a></div>
</form><script>{FILTER_JS}</script>"#,
        link = escape(&s.page_link()),
    );
}

fn card(out: &mut String, id: &str, value: &str, label: &str, bad: bool) {
    let _ = write!(
        out,
        r#"<div class="card{b}" id="{id}"><b>{value}</b><span>{l}</span></div>"#,
        b = if bad { " bad" } else { "" },
        l = escape(label),
    );
}

/// The dashboard page.
pub fn render(v: &View<'_>) -> String {
    let office = v
        .registry
        .get(&v.device.unit)
        .map_or_else(|| v.device.unit.to_string(), |u| u.name.clone());
    let top = format!(
        r#"<h1>{}</h1><div class="who">Đơn vị: <b id="office">{}</b> · Người dùng: <b id="user">{}</b> ({}) <form method="post" action="/reports/logout"><button type="submit" id="sign-out">Đăng xuất</button></form></div>"#,
        layout::APP_TITLE,
        escape(&office),
        escape(&v.user.name),
        v.user.role.label_vi(),
    );
    let mut out = String::with_capacity(64 * 1024 + v.body.len());
    form(&mut out, v);
    let s = v.selection;
    match &v.report {
        None => {
            out.push_str(r#"<p class="err" id="fix-fields">Sửa các ô được đánh dấu ở trên rồi bấm “Xem báo cáo”.</p>"#);
        }
        Some(Err(message)) => {
            let _ = write!(
                out,
                r#"<p class="err" id="report-error">{}</p>"#,
                escape(message)
            );
        }
        Some(Ok(report)) => report_part(&mut out, v, report),
    }
    let title = match &v.report {
        Some(Ok(r)) => format!("Báo cáo {} — {}", r.period.label, r.scope.name),
        _ => format!("Báo cáo kỳ {}", s.period),
    };
    layout::page(&title, &top, &out)
}

fn report_part(out: &mut String, v: &View<'_>, report: &Report) {
    let s = v.selection;
    let t = &report.totals;
    let _ = write!(
        out,
        r#"<h2 id="selected">{scope} — {period}</h2><p class="meta">Từ ngày {start} đến ngày {end}; số liệu tính đến ngày {cutoff}{asof}.</p>"#,
        scope = escape(&report.scope.name),
        period = escape(&report.period.label),
        start = date(report.period.start),
        end = date(report.period.end),
        cutoff = date(report.cutoff),
        asof = match report.as_of {
            Some(a) => match s.mode {
                AsOfMode::Received =>
                    format!(", theo số liệu máy chủ đã nhận đến ngày {}", date(a)),
                AsOfMode::Happened => format!(", theo ngày ghi trên hồ sơ đến ngày {}", date(a)),
            },
            None => String::new(),
        },
    );
    out.push_str(r#"<p class="dl" id="downloads">Tải về: "#);
    for f in [
        Format::Xlsx,
        Format::Docx,
        Format::Csv,
        Format::Json,
        Format::Html,
    ] {
        let _ = write!(
            out,
            r#"<a id="dl-{ext}" href="/v1/reports/consolidated?{q}&amp;format={ext}"{dl}>{label}</a>"#,
            q = escape(&s.report_query()),
            ext = f.as_str(),
            dl = if f == Format::Html {
                r#" target="_blank""#
            } else {
                " download"
            },
            label = escape(f.label_vi()),
        );
    }
    out.push_str("</p>");

    out.push_str(r#"<div class="cards">"#);
    card(
        out,
        "card-proposals",
        &num(t.proposals),
        "Đề xuất nộp trong kỳ",
        false,
    );
    card(
        out,
        "card-approved",
        &num(approved_total(t)),
        "Đề xuất được phê duyệt",
        false,
    );
    card(
        out,
        "card-overdue",
        &num(report.lists.overdue.len() as u64),
        "Bước đang quá hạn",
        !report.lists.overdue.is_empty(),
    );
    card(
        out,
        "card-completeness",
        &format!(
            "{}/{}",
            num(t.completeness.reported),
            num(t.completeness.expected)
        ),
        "Đơn vị đã cập nhật nhiệm vụ",
        false,
    );
    if let Some(offices) = &v.offices {
        let silent = offices
            .iter()
            .filter(|o| o.is_silent(v.today, s.silent_days))
            .count();
        card(
            out,
            "card-silent",
            &format!("{}/{}", num(silent as u64), num(offices.len() as u64)),
            &format!("Văn phòng không đồng bộ quá {} ngày", s.silent_days),
            silent > 0,
        );
    }
    out.push_str("</div>");

    let (groups, districts) = charts::completeness_groups(report);
    let _ = write!(
        out,
        r#"<h2>Biểu đồ</h2><div class="charts">
<figure><figcaption>Đề xuất nộp trong kỳ theo trạng thái ({n} đề xuất)</figcaption>{status}</figure>
<figure><figcaption>Thời hạn thực hiện các bước (các bước bắt đầu tính hạn trong kỳ)</figcaption>{legend}{timeliness}</figure>
<figure><figcaption>Đơn vị đã cập nhật nhiệm vụ trong kỳ, theo {by}</figcaption>{completeness}</figure>
</div>"#,
        n = num(t.proposals),
        status = charts::status_chart(t),
        legend = charts::timeliness_legend(),
        timeliness = charts::timeliness_chart(t),
        by = if districts {
            "huyện (và theo loại đơn vị ngoài huyện)"
        } else {
            "loại đơn vị"
        },
        completeness = charts::completeness_chart(&groups),
    );

    let _ = write!(
        out,
        r#"<h2>Các bước quá hạn trong phạm vi ({n})</h2>{table}"#,
        n = num(report.lists.overdue.len() as u64),
        table = tables::overdue_table(report, v.today),
    );
    if let Some(offices) = &v.offices {
        let _ = write!(
            out,
            r#"<h2>Các văn phòng và lần đồng bộ cuối</h2><p class="note">Những văn phòng không đồng bộ quá {d} ngày (tính đến hôm nay, {today}) hoặc chưa đồng bộ lần nào được tô đỏ.</p>{table}"#,
            d = s.silent_days,
            today = date(v.today),
            table = tables::offices_table(offices, v.today, s.silent_days),
        );
    }
    let _ = write!(
        out,
        r#"<h2>Báo cáo chi tiết</h2><div class="report" id="report">{}</div>"#,
        v.body
    );
}

#[cfg(test)]
mod tests;
