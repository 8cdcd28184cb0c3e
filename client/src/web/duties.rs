//! "Nhiệm vụ của đơn vị": the unit-year records with their deadlines, and a small form per
//! kind of record, each written through [`crate::actions::duty`] as `doimoi duty` does.

use super::pages::{field, form_count, form_date, page_of, Params};
use super::view;
use super::Web;
use crate::actions::duty::{self, Change};
use crate::app::App;
use crate::error::CliError;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Datelike;
use doimoi_shared::doc::unit_year::UpwardStage;
use doimoi_shared::doc::unit_year::{
    Commendation, Discipline, Dissemination, Entry, Inspection, Plan, Review, ReviewKind,
    SelfInspection, Upward,
};
use doimoi_shared::org::UnitKind;
use doimoi_shared::text::nfc;
use doimoi_shared::workflow::Level;
use maud::{html, Markup};

pub async fn page(State(web): State<Web>, Query(q): Query<Params>) -> Response {
    page_of(&web, "duties", None, move |app| {
        let year = match field(&q, "nam") {
            "" => app.today.year(),
            y => y
                .parse::<i32>()
                .ok()
                .filter(|y| (2000..=2100).contains(y))
                .ok_or_else(|| CliError::Usage(format!("Năm \"{y}\" không hợp lệ.")))?,
        };
        let notice = q.get("da_ghi").map(|_| "Đã ghi vào hồ sơ nhiệm vụ.");
        content(app, year, notice)
    })
    .await
}

fn content(app: &App, year: i32, notice: Option<&str>) -> Result<(String, Markup), CliError> {
    let records = duty::records(app, &app.unit, Some(year))?;
    let missing = duty::missing(app)?;
    let inspector = duty::check_inspector(app).is_ok();
    let stage = duty::upward_stage(app);
    let awaiting = duty::awaiting_upward(app)?;
    let today = app.today.format("%Y-%m-%d").to_string();
    let mut units: Vec<(String, String)> = if inspector {
        app.registry
            .units()
            .iter()
            .filter(|u| !matches!(u.kind, UnitKind::Province))
            .filter(|u| u.valid_to.is_none_or(|t| t >= app.today))
            .map(|u| (u.name.clone(), u.code.to_string()))
            .collect()
    } else {
        Vec::new()
    };
    units.sort_by(|a, b| doimoi_shared::text::cmp_vi(&a.0, &b.0));
    let date_row = |label: &str| {
        html! {
            div.row {
                label { (label) input name="date" type="date" value=(today) max=(today) required; }
            }
        }
    };
    let m = html! {
        h1 { "Nhiệm vụ của đơn vị năm " (year) }
        form.filters method="get" action="/nhiem-vu" {
            label { "Năm" input #duty-year type="number" name="nam" value=(year) min="2023" max="2100"; }
            button type="submit" { "Xem" }
        }
        @if let Some(n) = notice { p #duty-notice.message.ok role="status" { (n) } }
        section {
            h2 { "Thời hạn" }
            ul {
                li { "Quán triệt, phổ biến Quy định 20-QĐ/TU đến toàn thể cán bộ, công chức, viên chức, người lao động: chậm nhất ngày 31/07/2023" }
                li { "Ban hành kế hoạch thực hiện của đơn vị: chậm nhất ngày 31/07/2023" }
                li { "Tự kiểm tra, báo cáo UBND tỉnh (qua Sở Nội vụ): hằng năm" }
                li { "Sơ kết, tổng kết; khen thưởng; xử lý kỷ luật: theo kế hoạch và khi phát sinh" }
            }
            @if !missing.is_empty() {
                div #duties-missing.message.error { p { b { "Chưa ghi:" } } ul { @for x in &missing { li { (x) } } } }
            }
        }
        section #duties {
            h2 { "Đã ghi trong năm " (year) }
            @if records.iter().all(|r| r.plan.is_none() && r.dissemination.is_empty() && r.self_inspections.is_empty()
                && r.reviews.is_empty() && r.commendations.is_empty() && r.disciplines.is_empty() && r.inspections.is_empty()) {
                p.empty { "Chưa ghi nhiệm vụ nào của đơn vị trong năm " (year) "." }
            }
            @for r in &records {
                @if let Some(plan) = &r.plan {
                    h3 { "Kế hoạch thực hiện" }
                    p { "Ban hành lần đầu: số " (plan.number) ", ngày " (plan.date.format("%d/%m/%Y").to_string()) " — " (duty::timeliness(plan.date, duty::deadline_of(app, &r.unit))) }
                    @for (i, rev) in r.plan_revisions.iter().enumerate() {
                        p { "Ban hành lại (lần " (i + 2) "): số " (rev.number) ", ngày " (rev.date.format("%d/%m/%Y").to_string()) }
                    }
                }
                @if !r.dissemination.is_empty() {
                    h3 { "Quán triệt, phổ biến" }
                    ul { @for d in &r.dissemination { li { (d.date.format("%d/%m/%Y").to_string()) ": " (d.form) " (" (d.participants) " người) — " (duty::timeliness(d.date, duty::deadline_of(app, &r.unit))) } } }
                }
                @if !r.self_inspections.is_empty() {
                    h3 { "Tự kiểm tra" }
                    ul { @for x in &r.self_inspections { li { (x.date.format("%d/%m/%Y").to_string()) ": " (x.findings) @if !x.report.is_empty() { " (báo cáo số " (x.report) ")" } } } }
                }
                @if !r.reviews.is_empty() {
                    h3 { "Sơ kết, tổng kết" }
                    ul { @for x in &r.reviews { li { (match x.kind { ReviewKind::Preliminary => "Sơ kết", ReviewKind::Final => "Tổng kết" }) " " (x.date.format("%d/%m/%Y").to_string()) ": " (x.form) " " (x.report) } } }
                }
                @if !r.commendations.is_empty() {
                    h3 { "Khen thưởng" }
                    ul { @for x in &r.commendations { li { (x.date.format("%d/%m/%Y").to_string()) ": " (x.person) " — " (x.form) " (" (crate::choices::level_label(x.level)) ")"
                        (upward(app, &r.commendation_steps, &x.id)) } } }
                }
                @if !r.disciplines.is_empty() {
                    h3 { "Kỷ luật" }
                    ul { @for x in &r.disciplines { li { (x.date.format("%d/%m/%Y").to_string()) ": " (x.subject) " — " (x.violation) " — " (x.measure)
                        (upward(app, &r.discipline_steps, &x.id)) } } }
                }
                @if !r.inspections.is_empty() {
                    h3 { "Kiểm tra của Sở Nội vụ" }
                    ul { @for x in &r.inspections { li { (x.date.format("%d/%m/%Y").to_string()) ": " (x.findings) " " (x.recommendations) } } }
                }
            }
        }
        @if let Some(stage) = stage {
            section #duty-upward {
                h2 { (match stage {
                    UpwardStage::Opinion => "Đề nghị của các đơn vị chờ Sở Nội vụ cho ý kiến",
                    UpwardStage::Decision => "Đề nghị chờ Chủ tịch UBND tỉnh quyết định (đã có ý kiến của Sở Nội vụ)",
                }) }
                @if awaiting.is_empty() {
                    p.empty { "Không có đề nghị nào đang chờ." }
                }
                @for a in &awaiting {
                    details.step.upward {
                        summary {
                            (if a.commendation { "Đề nghị khen thưởng" } else { "Đề nghị xử lý kỷ luật" })
                            " — " (view::unit_name(app, a.unit.as_str()))
                            " — ngày " (a.proposed_on.format("%d/%m/%Y").to_string())
                        }
                        p { (a.what) }
                        @if let Some((agree, d)) = a.opinion {
                            p.sub { "Ý kiến của Sở Nội vụ ngày " (d.format("%d/%m/%Y").to_string()) ": " (if agree { "đồng ý" } else { "không đồng ý" }) }
                        }
                        form method="post" action="/nhiem-vu/de-nghi" {
                            input type="hidden" name="unit" value=(a.unit.as_str());
                            input type="hidden" name="of" value=(a.of);
                            input type="hidden" name="year" value=(a.year);
                            (date_row(match stage { UpwardStage::Opinion => "Ngày cho ý kiến", UpwardStage::Decision => "Ngày quyết định" }))
                            label { (match stage { UpwardStage::Opinion => "Ý kiến", UpwardStage::Decision => "Quyết định" })
                                select name="agree" {
                                    @match stage {
                                        UpwardStage::Opinion => { option value="1" { "Đồng ý" } option value="0" { "Không đồng ý" } }
                                        UpwardStage::Decision => { option value="1" { (if a.commendation { "Khen thưởng" } else { "Áp dụng hình thức kỷ luật đề xuất" }) } option value="0" { (if a.commendation { "Không khen thưởng" } else { "Không áp dụng" }) } }
                                    }
                                }
                            }
                            label { "Số, ký hiệu văn bản" input name="number" type="text" maxlength="500"; }
                            label { "Ghi chú" input name="note" type="text" maxlength="2000"; }
                            button type="submit" { (match stage { UpwardStage::Opinion => "Ghi ý kiến", UpwardStage::Decision => "Ghi quyết định" }) }
                        }
                    }
                }
            }
        }
        section #duty-forms {
            h2 { "Ghi thêm" }
            details.step #duty-disseminate { summary { "Quán triệt, phổ biến" }
                form method="post" action="/nhiem-vu/quan-triet" {
                    (date_row("Ngày tổ chức"))
                    label { "Hình thức (hội nghị, văn bản, trực tuyến…)" input name="form" type="text" required maxlength="500"; }
                    label { "Số người tham dự" input name="participants" type="number" min="0" value="0"; }
                    label { "Ghi chú" input name="note" type="text" maxlength="2000"; }
                    button type="submit" { "Ghi quán triệt, phổ biến" } } }
            details.step #duty-plan { summary { "Kế hoạch thực hiện của đơn vị" }
                form method="post" action="/nhiem-vu/ke-hoach" {
                    (date_row("Ngày ban hành"))
                    label { "Số, ký hiệu (ví dụ 45/KH-UBND)" input name="number" type="text" required maxlength="200"; }
                    label { "Ghi chú" input name="note" type="text" maxlength="2000"; }
                    button type="submit" { "Ghi kế hoạch" } } }
            details.step #duty-self-inspect { summary { "Tự kiểm tra" }
                form method="post" action="/nhiem-vu/tu-kiem-tra" {
                    (date_row("Ngày kiểm tra"))
                    label { "Kết quả" input name="findings" type="text" required maxlength="2000"; }
                    label { "Số báo cáo gửi UBND tỉnh" input name="report" type="text" maxlength="200"; }
                    button type="submit" { "Ghi tự kiểm tra" } } }
            details.step #duty-review { summary { "Sơ kết, tổng kết" }
                form method="post" action="/nhiem-vu/so-ket" {
                    (date_row("Ngày"))
                    label { "Loại" select name="kind" { option value="preliminary" { "Sơ kết" } option value="final" { "Tổng kết" } } }
                    label { "Hình thức" input name="form" type="text" maxlength="500"; }
                    label { "Số báo cáo" input name="report" type="text" maxlength="200"; }
                    button type="submit" { "Ghi sơ kết, tổng kết" } } }
            details.step #duty-commend { summary { "Khen thưởng" }
                form method="post" action="/nhiem-vu/khen-thuong" {
                    (date_row("Ngày quyết định"))
                    label { "Người (tập thể) được khen" input name="person" type="text" required maxlength="500"; }
                    label { "Hình thức (giấy khen, bằng khen…)" input name="form" type="text" required maxlength="500"; }
                    label { "Cấp" select name="level" { @for l in [Level::Unit, Level::Province] { option value=(l.as_str()) { (crate::choices::level_label(l)) } } } }
                    button type="submit" { "Ghi khen thưởng" } } }
            details.step #duty-discipline { summary { "Xử lý kỷ luật" }
                form method="post" action="/nhiem-vu/ky-luat" {
                    (date_row("Ngày quyết định"))
                    label { "Tổ chức, cá nhân" input name="subject" type="text" required maxlength="500"; }
                    label { "Vi phạm" input name="violation" type="text" required maxlength="2000"; }
                    label { "Hình thức kỷ luật" input name="measure" type="text" required maxlength="500"; }
                    label { "Cấp" select name="level" { option value="unit" { "Đơn vị xử lý" } option value="province" { "Đề nghị UBND tỉnh xử lý" } } }
                    button type="submit" { "Ghi kỷ luật" } } }
            @if inspector {
                details.step #duty-inspect { summary { "Kiểm tra đơn vị (Sở Nội vụ)" }
                    form method="post" action="/nhiem-vu/kiem-tra" {
                        (date_row("Ngày kiểm tra"))
                        label { "Đơn vị được kiểm tra" select name="unit" required { @for (name, code) in &units { option value=(code) { (name) } } } }
                        label { "Kết quả" input name="findings" type="text" required maxlength="2000"; }
                        label { "Kiến nghị" input name="recommendations" type="text" maxlength="2000"; }
                        button type="submit" { "Ghi kết quả kiểm tra" } } }
            }
        }
    };
    Ok((format!("Nhiệm vụ của đơn vị năm {year}"), m))
}

/// Sở Nội vụ's opinion and UBND tỉnh's decision on a record sent upward, as lines under it.
fn upward(app: &App, steps: &[Upward], of: &str) -> Markup {
    html! {
        @for x in steps.iter().filter(|x| x.of == of) {
            div.sub {
                (x.stage.label_vi()) " ngày " (x.date.format("%d/%m/%Y").to_string()) ": "
                (if x.agree { "đồng ý" } else { "không đồng ý" })
                " — " (view::unit_name(app, x.by_unit.as_str()))
                @if !x.number.is_empty() { " (" (x.number) ")" }
            }
        }
    }
}

fn text(f: &Params, k: &str, what: &str, required: bool) -> Result<String, CliError> {
    let v = nfc(field(f, k));
    if v.chars().count() > 2000 {
        return Err(CliError::Usage(format!(
            "{what} quá dài: tối đa 2000 ký tự."
        )));
    }
    if required && v.is_empty() {
        return Err(CliError::Usage(format!("Thiếu {what}.")));
    }
    Ok(v)
}

/// Records one duty from its form; back to the screen of the record's year.
pub async fn record(
    State(web): State<Web>,
    Path(kind): Path<String>,
    Form(f): Form<Params>,
) -> Response {
    let r = web
        .with_app(move |app| {
            let date = form_date(field(&f, "date"), "Ngày")?
                .ok_or_else(|| CliError::Usage("Thiếu ngày.".into()))?;
            let id = App::new_event_id();
            let at = app.now_ms;
            let mut unit = None;
            let change = match kind.as_str() {
                "quan-triet" => Change::Entry(Entry::Dissemination(Dissemination {
                    id,
                    date,
                    form: text(&f, "form", "hình thức", true)?,
                    participants: form_count(&f, "participants", "Số người tham dự")?.unwrap_or(0),
                    note: text(&f, "note", "ghi chú", false)?,
                    at,
                })),
                "ke-hoach" => Change::Plan(Plan {
                    number: text(&f, "number", "số, ký hiệu kế hoạch", true)?,
                    date,
                    note: text(&f, "note", "ghi chú", false)?,
                }),
                "tu-kiem-tra" => Change::Entry(Entry::SelfInspection(SelfInspection {
                    id,
                    date,
                    findings: text(&f, "findings", "kết quả", true)?,
                    report: text(&f, "report", "số báo cáo", false)?,
                    at,
                })),
                "so-ket" => Change::Entry(Entry::Review(Review {
                    id,
                    kind: match field(&f, "kind") {
                        "final" => ReviewKind::Final,
                        _ => ReviewKind::Preliminary,
                    },
                    date,
                    form: text(&f, "form", "hình thức", false)?,
                    report: text(&f, "report", "số báo cáo", false)?,
                    at,
                })),
                "khen-thuong" => Change::Entry(Entry::Commendation(Commendation {
                    id,
                    person: text(&f, "person", "người được khen", true)?,
                    proposal: None,
                    form: text(&f, "form", "hình thức khen thưởng", true)?,
                    level: Level::parse(field(&f, "level")).unwrap_or(Level::Unit),
                    date,
                    at,
                })),
                "ky-luat" => Change::Entry(Entry::Discipline(Discipline {
                    id,
                    subject: text(&f, "subject", "tổ chức, cá nhân bị kỷ luật", true)?,
                    violation: text(&f, "violation", "vi phạm", true)?,
                    measure: text(&f, "measure", "hình thức kỷ luật", true)?,
                    level: Level::parse(field(&f, "level")).unwrap_or(Level::Unit),
                    date,
                    at,
                })),
                "de-nghi" => {
                    let stage = duty::upward_stage(app).ok_or_else(|| {
                        CliError::Refused(
                            "Chỉ Sở Nội vụ cho ý kiến và UBND tỉnh quyết định đề nghị của các đơn vị."
                                .into(),
                        )
                    })?;
                    let target_unit = app.known_unit(field(&f, "unit"))?;
                    let year = field(&f, "year").parse::<i32>().ok();
                    let (tg, change) = duty::upward(
                        app,
                        &target_unit,
                        field(&f, "of"),
                        year,
                        date,
                        stage,
                        field(&f, "agree") == "1",
                        &text(&f, "number", "số, ký hiệu văn bản", false)?,
                        &text(&f, "note", "ghi chú", false)?,
                    )?;
                    let rec = duty::record(app, &tg, &change)?;
                    return Ok(rec.uy.year);
                }
                "kiem-tra" => {
                    duty::check_inspector(app)?;
                    unit = Some(app.known_unit(field(&f, "unit"))?);
                    Change::Entry(Entry::Inspection(Inspection {
                        id,
                        date,
                        by_unit: app.unit.clone(),
                        findings: text(&f, "findings", "kết quả kiểm tra", true)?,
                        recommendations: text(&f, "recommendations", "kiến nghị", false)?,
                        at,
                    }))
                }
                other => {
                    return Err(CliError::NotFound(format!(
                        "Không có loại nhiệm vụ \"{other}\"."
                    )))
                }
            };
            let tg = duty::target(app, date, None, unit)?;
            let rec = duty::record(app, &tg, &change)?;
            Ok(rec.uy.year)
        })
        .await;
    match r {
        Ok(year) => Redirect::to(&format!("/nhiem-vu?nam={year}&da_ghi=1")).into_response(),
        Err(e) => {
            let mut page = page_of(&web, "duties", Some("/nhiem-vu".into()), move |app| {
                let year = app.today.year();
                let (title, m) = content(app, year, None)?;
                let msg = view::web_text(&e.to_string());
                let msg = if msg.starts_with("Không ghi được") {
                    msg
                } else {
                    format!("Không ghi được: {msg}")
                };
                Ok((
                    title,
                    html! { p #duty-error.message.error role="alert" { (msg) } (m) },
                ))
            })
            .await;
            if page.status().is_success() {
                *page.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            }
            page
        }
    }
}
