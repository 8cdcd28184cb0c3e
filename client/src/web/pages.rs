//! The handlers: each reads the request into typed inputs, calls the application functions of
//! [`crate::actions`] on a blocking thread, and renders the result (or the Vietnamese error).

use super::view::{self, unit_name, vn_date, Shell};
use super::{Web, WithStatus, MAX_FIELD};
use crate::actions::proposal::{self as actions, ListFilter, StepInput, StepKind};
use crate::actions::report::{self, ReportQuery};
use crate::app::{keys, App};
use crate::error::CliError;
use crate::store::ProposalRow;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use chrono::NaiveDate;
use doimoi_shared::doc::proposal::{prose_label, Proposal, ProposalFields};
use doimoi_shared::ids::DocId;
use doimoi_shared::workflow::{
    Action, Basis, ClockState, Determination, EvalResult, Flag, Level, Outcome, ProposalState,
    Side, Status,
};
use maud::{html, Markup};
use std::collections::{HashMap, HashSet};

pub(super) type Params = HashMap<String, String>;

/// Runs `f` for a page: the shell around its content, or the error page.
pub(super) async fn page_of<F>(
    web: &Web,
    active: &'static str,
    back: Option<String>,
    f: F,
) -> Response
where
    F: FnOnce(&mut App) -> Result<(String, Markup), CliError> + Send + 'static,
{
    let r = web
        .with_app(move |app| {
            let shell = Shell::of(app)?;
            Ok(match f(app) {
                Ok((title, content)) => Ok(view::page(&shell, active, &title, content)),
                Err(e) => Err((shell, e)),
            })
        })
        .await;
    match r {
        Ok(Ok(m)) => Html(m.into_string()).into_response(),
        Ok(Err((shell, e))) => view::error_response(Some(&shell), &e, back.as_deref()),
        Err(e) => view::error_response(None, &e, None),
    }
}

/// A proposal id from the path: a full id of a stored proposal (the app never takes prefixes).
fn doc_id(app: &App, s: &str) -> Result<DocId, CliError> {
    let id = DocId::parse(s.trim())
        .map_err(|_| CliError::NotFound(format!("Không có đề xuất mã \"{s}\" trong kho.")))?;
    if !app.store.doc_exists(&id)? {
        return Err(CliError::NotFound(format!(
            "Không có đề xuất mã \"{s}\" trong kho của văn phòng."
        )));
    }
    Ok(id)
}

pub(super) fn field<'a>(p: &'a Params, k: &str) -> &'a str {
    p.get(k).map(|s| s.trim()).unwrap_or("")
}

fn opt(p: &Params, k: &str) -> Option<String> {
    let v = field(p, k);
    (!v.is_empty()).then(|| v.to_string())
}

/// A date typed in a form (`YYYY-MM-DD` from a date input, or dd/mm/yyyy).
pub(super) fn form_date(s: &str, what: &str) -> Result<Option<NaiveDate>, CliError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .map(Some)
        .map_err(|_| {
            CliError::Usage(format!(
                "{what} \"{s}\" không phải ngày hợp lệ: chọn ngày trong lịch, hoặc gõ dạng ngày/tháng/năm, ví dụ 31/07/2024."
            ))
        })
}

pub(super) fn form_count(p: &Params, k: &str, what: &str) -> Result<Option<u32>, CliError> {
    let v = field(p, k);
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<u32>().map(Some).map_err(|_| {
        CliError::Usage(format!(
            "{what} \"{v}\" không hợp lệ: nhập một số nguyên không âm."
        ))
    })
}

fn checked(p: &Params, k: &str) -> bool {
    matches!(field(p, k), "1" | "on" | "true" | "có")
}

// ---------------------------------------------------------------- sign-in, assets, status

pub async fn sign_in(State(web): State<Web>, Query(q): Query<Params>) -> Response {
    let given = field(&q, "k");
    if !super::same_secret(given, &web.inner.secret) {
        return view::sign_in_needed().into_response_with(StatusCode::FORBIDDEN);
    }
    let cookie = format!(
        "{}={}; HttpOnly; SameSite=Strict; Path=/",
        super::cookie_name(web.inner.port),
        web.inner.secret
    );
    // An optional page of the app to land on (a path of this app only).
    let target = field(&q, "den");
    let target = if target.starts_with('/')
        && target.chars().all(|c| c.is_ascii_graphic())
        && !target.starts_with("//")
        && !target.contains('\\')
        && !target.contains("://")
    {
        target
    } else {
        "/"
    };
    ([(header::SET_COOKIE, cookie)], Redirect::to(target)).into_response()
}

pub async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("assets/app.css"),
    )
        .into_response()
}

pub async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("assets/app.js"),
    )
        .into_response()
}

pub async fn not_found(State(web): State<Web>) -> Response {
    page_of(&web, "", Some("/".into()), |_| {
        Err(CliError::NotFound(
            "Không có trang này trong ứng dụng.".into(),
        ))
    })
    .await
}

/// The banner's state, for the page's script (polled every few seconds).
pub async fn status_json(State(web): State<Web>) -> Response {
    match web
        .with_app(|app| {
            Ok(view::Banner::of(
                &crate::actions::status::sync_status(app, false)?,
                app.store.index_version()?,
            ))
        })
        .await
    {
        Ok(b) => axum::Json(b).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// "Đồng bộ ngay": wakes the sync loop; back to the page the person was on.
pub async fn sync_now(State(web): State<Web>, headers: HeaderMap) -> Response {
    web.sync_now();
    if wants_json(&headers) {
        return axum::Json(serde_json::json!({"ok": true})).into_response();
    }
    Redirect::to("/").into_response()
}

fn wants_json(h: &HeaderMap) -> bool {
    h.get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

// ---------------------------------------------------------------- home

/// The most items a section of the home page lists (the rest through the list's filters).
const HOME_MAX: usize = 20;

pub async fn home(State(web): State<Web>) -> Response {
    page_of(&web, "home", None, |app| {
        let all = app.store.list_proposals(None)?;
        let rows = actions::filter_rows(
            app,
            &all,
            &ListFilter {
                waiting: true,
                ..ListFilter::default()
            },
        );
        let (drafts, steps): (Vec<&ProposalRow>, Vec<&ProposalRow>) = rows
            .into_iter()
            .partition(|r| r.status == Status::Draft.as_str());
        let conflicts: Vec<&ProposalRow> = all
            .iter()
            .filter(|r| r.flags.contains(&Flag::Conflict))
            .collect();
        let refused = app.store.refused()?;
        let missing = crate::actions::duty::missing(app)?;
        let soon = app.calendar.add_working_days(app.today, 2);
        let content = html! {
            h1 { "Việc cần làm" }
            section #waiting {
                h2 { "Bước chờ đơn vị tôi xử lý (" (steps.len()) ")" }
                @if steps.is_empty() {
                    p.empty { "Không có đề xuất nào đang chờ đơn vị xử lý." }
                } @else {
                    table.list {
                        thead { tr { th { "Đề xuất" } th { "Bước cần làm" } th { "Hạn" } } }
                        tbody {
                            @for r in steps.iter().take(HOME_MAX) {
                                @let due = r.open_due.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
                                @let mark = due.map(|d| if app.today > d { "overdue" } else if d <= soon { "soon" } else { "" }).unwrap_or("");
                                tr class=(mark) {
                                    td { a href=(format!("/de-xuat/{}", r.id)) { (r.title) } div.sub { (unit_name(app, &r.unit)) } }
                                    td { (actions::next_step(r).map(|(l, _)| l).unwrap_or("")) }
                                    td {
                                        @if let Some(d) = due {
                                            (d.format("%d/%m/%Y").to_string())
                                            @if app.today > d {
                                                " " span.badge.red { "Quá hạn " (app.calendar.working_days_between(d, app.today)) " ngày làm việc" }
                                            } @else if d <= soon {
                                                " " span.badge.amber { "Sắp đến hạn: còn " (app.calendar.working_days_between(app.today, d)) " ngày làm việc" }
                                            } @else {
                                                " " span.sub { "còn " (app.calendar.working_days_between(app.today, d)) " ngày làm việc" }
                                            }
                                        } @else { "—" }
                                    }
                                }
                            }
                        }
                    }
                    @if steps.len() > HOME_MAX { p { a href="/de-xuat?cho_toi=1" { "Xem tất cả " (steps.len()) " đề xuất chờ đơn vị xử lý" } } }
                }
            }
            section #drafts {
                h2 { "Dự thảo chưa nộp (" (drafts.len()) ")" }
                @if drafts.is_empty() {
                    p.empty { "Không có dự thảo nào." }
                } @else {
                    ul { @for r in drafts.iter().take(HOME_MAX) { li { a href=(format!("/de-xuat/{}/sua", r.id)) { (r.title) } " — " (r.proposer) } } }
                    @if drafts.len() > HOME_MAX { p { a href="/de-xuat?trang_thai=draft" { "Xem tất cả " (drafts.len()) " dự thảo" } } }
                }
                p { a.button href="/de-xuat/moi" { "Lập đề xuất mới" } }
            }
            @if !conflicts.is_empty() {
                section #conflicts {
                    h2 { "Xung đột cần giải quyết (" (conflicts.len()) ")" }
                    p.sub { "Hai văn phòng đã ghi hai quyết định khác nhau khi chưa kết nối. Mở đề xuất để chọn quyết định được giữ." }
                    ul { @for r in conflicts.iter().take(HOME_MAX) { li { a href=(format!("/de-xuat/{}", r.id)) { (r.title) } } } }
                }
            }
            @if !refused.is_empty() {
                section #refused {
                    h2 { "Bản bị máy chủ từ chối (" (refused.len()) ")" }
                    p.sub { "Máy chủ không nhận các thay đổi này; bản của văn phòng được cất riêng và đã lấy bản của máy chủ." }
                    ul {
                        @for r in &refused {
                            li {
                                (crate::commands::local_time(r.at)) " — "
                                @if let Some(row) = all.iter().find(|x| x.id == r.doc_id) {
                                    a href=(format!("/de-xuat/{}", row.id)) { (row.title) }
                                } @else { "Tài liệu " (r.doc_id) }
                                ": " (view::web_text(&r.reason))
                            }
                        }
                    }
                }
            }
            section #duties-missing {
                h2 { "Nhiệm vụ của đơn vị chưa ghi" }
                @if missing.is_empty() {
                    p.empty { "Đã ghi đủ các nhiệm vụ theo dõi được." }
                } @else {
                    ul { @for m in &missing { li { (m) } } }
                    p { a href="/nhiem-vu" { "Xem nhiệm vụ của đơn vị" } }
                }
            }
        };
        Ok(("Việc cần làm".to_string(), content))
    })
    .await
}

// ---------------------------------------------------------------- list

const PAGE: usize = 50;

/// The sync state of the listed records: those the hub has not confirmed, those it refused.
fn sync_states(
    app: &App,
    rows: &[&ProposalRow],
) -> Result<(HashSet<String>, HashSet<String>), CliError> {
    let mut dirty = HashSet::new();
    for r in rows {
        let local = app.store.doc_heads(&r.id)?;
        if local.is_none() || app.store.hub_heads(&r.id)? != local {
            dirty.insert(r.id.clone());
        }
    }
    let refused: HashSet<String> = app.store.refused()?.into_iter().map(|r| r.doc_id).collect();
    Ok((dirty, refused))
}

fn sync_label(
    r: &ProposalRow,
    states: &(HashSet<String>, HashSet<String>),
) -> (&'static str, &'static str) {
    let (dirty, refused) = states;
    if r.flags.contains(&Flag::Conflict) {
        ("conflict", "xung đột")
    } else if refused.contains(&r.id) {
        ("refused", "bị máy chủ từ chối")
    } else if dirty.contains(&r.id) {
        ("pending", "chưa gửi")
    } else {
        ("synced", "đã đồng bộ")
    }
}

pub async fn list(State(web): State<Web>, Query(q): Query<Params>) -> Response {
    page_of(&web, "list", Some("/de-xuat".into()), move |app| {
        let status = match field(&q, "trang_thai") {
            "" => None,
            s => Some(Status::parse(s).ok_or_else(|| {
                CliError::Usage(format!("Trạng thái \"{s}\" không có trong danh sách."))
            })?),
        };
        let unit = opt(&q, "don_vi");
        let year = match field(&q, "nam") {
            "" => None,
            y => Some(y.parse::<i32>().map_err(|_| {
                CliError::Usage(format!("Năm \"{y}\" không hợp lệ: nhập năm, ví dụ 2025."))
            })?),
        };
        let field_f = opt(&q, "linh_vuc");
        let waiting = checked(&q, "cho_toi");
        let overdue = checked(&q, "qua_han");
        let query = field(&q, "q").to_string();
        let page: usize = field(&q, "trang").parse().unwrap_or(1).max(1);
        let filter = ListFilter {
            status,
            overdue,
            units: unit.clone().map(|u| vec![u]),
            year,
            field: field_f.clone(),
            waiting,
        };
        let all = app.store.list_proposals(None)?;
        let mut rows = actions::filter_rows(app, &all, &filter);
        if !query.is_empty() {
            let keep: HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
            let found = actions::search(app, &query)?;
            let order: HashMap<&str, usize> = found
                .iter()
                .enumerate()
                .map(|(i, r)| (r.id.as_str(), i))
                .collect();
            rows.retain(|r| keep.contains(r.id.as_str()) && order.contains_key(r.id.as_str()));
            rows.sort_by_key(|r| order.get(r.id.as_str()).copied().unwrap_or(usize::MAX));
        }
        let units: HashSet<&str> = all.iter().map(|r| r.unit.as_str()).collect();
        let mut unit_opts: Vec<(String, String)> = units
            .into_iter()
            .map(|u| (unit_name(app, u), u.to_string()))
            .collect();
        unit_opts.sort_by(|a, b| doimoi_shared::text::cmp_vi(&a.0, &b.0));
        let fields = known_fields(&all);
        let years: std::collections::BTreeSet<i32> =
            all.iter().filter_map(actions::created_year).collect();
        let years: Vec<i32> = years.into_iter().rev().collect();
        let total = rows.len();
        let pages = total.div_ceil(PAGE).max(1);
        let page = page.min(pages);
        let shown: Vec<&ProposalRow> = rows.iter().skip((page - 1) * PAGE).take(PAGE).copied().collect();
        let states = sync_states(app, &shown)?;
        let link = |n: usize| {
            let mut pairs: Vec<(String, String)> = q
                .iter()
                .filter(|(k, _)| k.as_str() != "trang")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            pairs.sort();
            pairs.push(("trang".into(), n.to_string()));
            format!("/de-xuat?{}", encode_query(&pairs))
        };
        let content = html! {
            h1 { "Đề xuất" }
            p { a.button href="/de-xuat/moi" { "Lập đề xuất mới" } }
            form #filters.filters method="get" action="/de-xuat" {
                label { "Tìm (gõ có dấu hoặc không dấu)" input #q type="search" name="q" value=(query) placeholder="ví dụ: so hoa"; }
                label { "Trạng thái"
                    select #f-status name="trang_thai" {
                        option value="" { "Tất cả" }
                        @for s in Status::ALL { option value=(s.as_str()) selected[status == Some(s)] { (s.label_vi()) } }
                    }
                }
                label { "Đơn vị"
                    select #f-unit name="don_vi" {
                        option value="" { "Tất cả" }
                        @for (name, code) in &unit_opts { option value=(code) selected[unit.as_deref() == Some(code.as_str())] { (name) } }
                    }
                }
                label { "Năm"
                    select #f-year name="nam" {
                        option value="" { "Tất cả" }
                        @for y in &years { option value=(y) selected[year == Some(*y)] { (y) } }
                    }
                }
                label { "Lĩnh vực"
                    select #f-field name="linh_vuc" {
                        option value="" { "Tất cả" }
                        @for f in &fields { option value=(f) selected[field_f.as_deref() == Some(f.as_str())] { (f) } }
                    }
                }
                label.check { input #f-waiting type="checkbox" name="cho_toi" value="1" checked[waiting]; " Chờ đơn vị tôi xử lý" }
                label.check { input #f-overdue type="checkbox" name="qua_han" value="1" checked[overdue]; " Quá hạn" }
                button #f-apply type="submit" { "Lọc" }
                a href="/de-xuat" { "Bỏ lọc" }
            }
            p #count { (total) " đề xuất" @if pages > 1 { " · trang " (page) "/" (pages) } }
            table #proposals.list {
                thead { tr { th { "Tên đề xuất" } th { "Người đề xuất" } th { "Đơn vị" } th { "Trạng thái" } th { "Bước tiếp theo" } th { "Hạn" } th { "Đồng bộ" } } }
                tbody {
                    @for r in &shown {
                        @let (cls, label) = sync_label(r, &states);
                        @let next = actions::next_step(r);
                        @let flags = app.row_flags(r);
                        tr data-id=(r.id) class=(if flags.contains(&Flag::Overdue) { "overdue" } else { "" }) {
                            td { a href=(format!("/de-xuat/{}", r.id)) { (r.title) } }
                            td { (r.proposer) }
                            td { (unit_name(app, &r.unit)) }
                            td { (Status::parse(&r.status).map(|s| s.label_vi()).unwrap_or("")) }
                            td { @if let Some((l, who)) = &next { (l) div.sub { (unit_name(app, who)) } } @else { "—" } }
                            td { @if next.is_some() { (r.open_due.as_deref().map(vn_date).unwrap_or_else(|| "—".into())) } @else { "—" }
                                 @if flags.contains(&Flag::Overdue) { " " span.badge.red { "Quá hạn" } } }
                            td { span class=(format!("sync {cls}")) { (label) } }
                        }
                    }
                }
            }
            @if pages > 1 {
                nav.pages {
                    @if page > 1 { a #prev href=(link(page - 1)) { "‹ Trang trước" } }
                    @if page < pages { a #next href=(link(page + 1)) { "Trang sau ›" } }
                }
            }
        };
        Ok(("Đề xuất".to_string(), content))
    })
    .await
}

fn encode_query(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes a query component.
fn pct(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The fields offered as choices: the usual ones and those already used in the store.
fn known_fields(all: &[ProposalRow]) -> Vec<String> {
    const USUAL: [&str; 11] = [
        "Cải cách hành chính",
        "Chuyển đổi số",
        "Kinh tế",
        "Văn hóa - Xã hội",
        "Giáo dục",
        "Y tế",
        "Đất đai, tài nguyên và môi trường",
        "Xây dựng, đô thị",
        "Nông nghiệp",
        "Quốc phòng, an ninh",
        "Tổ chức bộ máy, cán bộ",
    ];
    let set: HashSet<&str> = USUAL
        .into_iter()
        .chain(all.iter().map(|r| r.field.as_str()))
        .filter(|f| !f.trim().is_empty())
        .collect();
    let mut v: Vec<String> = set.into_iter().map(str::to_string).collect();
    v.sort_by(|a, b| doimoi_shared::text::cmp_vi(a, b));
    v
}

// ---------------------------------------------------------------- the proposal form

/// The fields a form posts, into the fields to write. Only the names present are written
/// (autosave sends the one being typed); `full` treats a missing checkbox as unticked.
fn fields_from_form(p: &Params, full: bool) -> Result<ProposalFields, CliError> {
    let mut f = ProposalFields::default();
    let text = |k: &str| -> Result<Option<String>, CliError> {
        match p.get(k) {
            Some(v) if v.chars().count() > MAX_FIELD => Err(CliError::Usage(format!(
                "Nội dung quá dài ({} ký tự): mỗi mục tối đa {MAX_FIELD} ký tự.",
                v.chars().count()
            ))),
            Some(v) => Ok(Some(doimoi_shared::text::nfc(v).replace("\r\n", "\n"))),
            None => Ok(None),
        }
    };
    f.title = text("title")?.map(|s| s.trim().to_string());
    f.proposer = text("proposer")?.map(|s| s.trim().to_string());
    f.position = text("position")?.map(|s| s.trim().to_string());
    f.field = text("field")?.map(|s| s.trim().to_string());
    f.necessity = text("necessity")?;
    f.content = text("content")?;
    f.subjects = text("subjects")?;
    f.scope = text("scope")?;
    f.timeline = text("timeline")?;
    f.resources = text("resources")?;
    f.feasibility = text("feasibility")?;
    f.impact = text("impact")?;
    f.expected = text("expected")?;
    let flag = |k: &str| -> Option<bool> {
        match p.get(k) {
            Some(v) => Some(matches!(v.as_str(), "1" | "on" | "true")),
            None if full => Some(false),
            None => None,
        }
    };
    f.proposer_is_head = flag("proposer_is_head");
    f.proposer_is_deputy = flag("proposer_is_deputy");
    f.leader = flag("leader");
    f.pilot = flag("pilot");
    if let Some(b) = p.get("basis") {
        let b = b.trim();
        if !b.is_empty() {
            f.basis = Some(Basis::parse(b).ok_or_else(|| {
                CliError::Usage(format!("Căn cứ pháp lý \"{b}\" không có trong danh sách."))
            })?);
        }
    }
    Ok(f)
}

/// Art. 7.2 of Decree 73, point by point, with the prose fields under each.
const PLAN_POINTS: [(&str, &[&str]); 3] = [
    (
        "a) Sự cần thiết, mục đích; điểm nghẽn, vướng mắc trong cơ chế, chính sách cần tháo gỡ",
        &["necessity"],
    ),
    (
        "b) Nội dung, nhiệm vụ, giải pháp; đối tượng, phạm vi, thời gian thực hiện; nguồn lực và tính khả thi",
        &["content", "subjects", "scope", "timeline", "resources", "feasibility"],
    ),
    (
        "c) Tác động tích cực, tiêu cực và hiệu quả dự kiến",
        &["impact", "expected"],
    ),
];

fn form_markup(
    p: Option<&Proposal>,
    fields: &[String],
    missing: &[String],
    error: Option<&str>,
) -> Markup {
    let id = p.map(|p| p.id.to_string()).unwrap_or_default();
    let action = if id.is_empty() {
        "/de-xuat/moi".to_string()
    } else {
        format!("/de-xuat/{id}/sua")
    };
    let text = |k: &str| -> String {
        match (p, k) {
            (None, _) => String::new(),
            (Some(p), "title") => p.title.clone(),
            (Some(p), "proposer") => p.proposer.clone(),
            (Some(p), "position") => p.position.clone(),
            (Some(p), "field") => p.field.clone(),
            (Some(p), k) => p.prose(k).to_string(),
        }
    };
    let basis = p.filter(|p| p.basis_chosen).map(|p| p.basis);
    let cur_field = text("field");
    html! {
        @if let Some(e) = error { p #form-error.message.error role="alert" { (e) } }
        @if !missing.is_empty() {
            div #missing.message.error role="alert" {
                p { "Chưa nộp được: khoản 2 Điều 7 Nghị định 73/2023/NĐ-CP yêu cầu kế hoạch đề xuất có đủ nội dung. Còn thiếu:" }
                ul { @for m in missing { li { (m) } } }
            }
        }
        form #proposal-form.plan method="post" action=(action) data-id=(id) {
            p.save-state { span #save-state aria-live="polite" { @if id.is_empty() { "Nhập tên đề xuất và người đề xuất để bắt đầu lưu tự động." } @else { "Dự thảo được lưu tự động khi gõ." } } }
            fieldset {
                legend { "Thông tin chung" }
                label for="title" { "Tên đề xuất" }
                input #title type="text" name="title" value=(text("title")) maxlength="500" required;
                label for="proposer" { "Người đề xuất (họ và tên)" }
                input #proposer type="text" name="proposer" value=(text("proposer")) maxlength="200" required;
                label for="position" { "Chức vụ, chức danh" }
                input #position type="text" name="position" value=(text("position")) maxlength="200";
                div.checks {
                    label.check { input #proposer_is_head type="checkbox" name="proposer_is_head" value="1" checked[p.is_some_and(|p| p.proposer_is_head)]; " Người đề xuất là người đứng đầu đơn vị" }
                    label.check { input #proposer_is_deputy type="checkbox" name="proposer_is_deputy" value="1" checked[p.is_some_and(|p| p.proposer_is_deputy)]; " Người đề xuất là cấp phó của người đứng đầu" }
                    label.check { input #leader type="checkbox" name="leader" value="1" checked[p.is_some_and(|p| p.leader)]; " Người đề xuất là cán bộ lãnh đạo, quản lý" }
                    label.check { input #pilot type="checkbox" name="pilot" value="1" checked[p.is_some_and(|p| p.pilot)]; " Đề nghị thực hiện thí điểm" }
                }
                label for="basis" { "Căn cứ pháp lý" }
                select #basis name="basis" {
                    option value="" selected[basis.is_none()] { "— Chọn căn cứ —" }
                    @for ch in crate::choices::BASES {
                        option value=(ch.value.as_str()) selected[basis == Some(ch.value)] { (ch.labels[0]) }
                    }
                }
                label for="field" { "Lĩnh vực" }
                select #field name="field" {
                    option value="" selected[cur_field.is_empty()] { "— Chọn lĩnh vực —" }
                    @for f in fields { option value=(f) selected[*f == cur_field] { (f) } }
                }
            }
            fieldset {
                legend { "Kế hoạch đề xuất (khoản 2 Điều 7 Nghị định 73/2023/NĐ-CP)" }
                @for (point, names) in PLAN_POINTS {
                    h3 { (point) }
                    @for name in names.iter() {
                        label for=(name) { (prose_label(name)) }
                        textarea id=(name) name=(name) rows="5" { (text(name)) }
                    }
                }
            }
            div.actions {
                button #save type="submit" { "Lưu dự thảo" }
                @if !id.is_empty() {
                    button #submit-proposal type="submit" formaction=(format!("/de-xuat/{id}/nop")) { "Nộp đề xuất" }
                    a href=(format!("/de-xuat/{id}")) { "Xem đề xuất" }
                }
            }
        }
    }
}

pub async fn new_form(State(web): State<Web>) -> Response {
    page_of(&web, "list", None, |app| {
        let all = app.store.list_proposals(None)?;
        Ok((
            "Lập đề xuất mới".to_string(),
            html! { h1 { "Lập đề xuất mới" } (form_markup(None, &known_fields(&all), &[], None)) },
        ))
    })
    .await
}

/// Creates a draft from the form (the script's first save, or the form posted without it).
pub async fn create(
    State(web): State<Web>,
    headers: HeaderMap,
    Form(form): Form<Params>,
) -> Response {
    let json = wants_json(&headers);
    let r = web
        .with_app(move |app| {
            let fields = fields_from_form(&form, !json)?;
            let (id, _) = actions::create(app, &fields)?;
            Ok(id)
        })
        .await;
    match (r, json) {
        (Ok(id), true) => {
            axum::Json(serde_json::json!({"ok": true, "id": id.to_string()})).into_response()
        }
        (Ok(id), false) => Redirect::to(&format!("/de-xuat/{id}/sua")).into_response(),
        (Err(e), true) => json_error(&e),
        (Err(e), false) => {
            page_of(&web, "list", Some("/de-xuat/moi".into()), move |_| Err(e)).await
        }
    }
}

fn json_error(e: &CliError) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        axum::Json(serde_json::json!({"ok": false, "error": view::web_text(&e.to_string())})),
    )
        .into_response()
}

pub async fn edit_form(State(web): State<Web>, Path(id): Path<String>) -> Response {
    page_of(&web, "list", Some("/de-xuat".into()), move |app| {
        let id = doc_id(app, &id)?;
        let (_, p) = app.load_proposal(&id)?;
        edit_page(app, &p, &[], None)
    })
    .await
}

fn edit_page(
    app: &App,
    p: &Proposal,
    missing: &[String],
    error: Option<&str>,
) -> Result<(String, Markup), CliError> {
    let st = app.state(p);
    actions::check_editable(app, p, &st)?;
    let all = app.store.list_proposals(None)?;
    Ok((
        format!("Sửa đề xuất: {}", p.title),
        html! {
            h1 { "Đề xuất: " (p.title) }
            p.sub { "Trạng thái: " (st.status.label_vi()) " · Đơn vị: " (unit_name(app, p.unit.as_str())) }
            (form_markup(Some(p), &known_fields(&all), missing, error))
        },
    ))
}

/// The whole form posted (without the script): saves every field.
pub async fn save_form(
    State(web): State<Web>,
    Path(id): Path<String>,
    Form(form): Form<Params>,
) -> Response {
    let back = format!("/de-xuat/{id}/sua");
    page_of(&web, "list", Some(back), move |app| {
        let id = doc_id(app, &id)?;
        let fields = fields_from_form(&form, true)?;
        let r = actions::edit(app, &id, &fields);
        let (_, p) = app.load_proposal(&id)?;
        match r {
            Ok(_) => edit_page(app, &p, &[], None),
            Err(e) => edit_page(app, &p, &[], Some(&view::web_text(&e.to_string()))),
        }
    })
    .await
}

/// Autosave: the fields posted (usually the one being typed) written through the core's edit,
/// prose as a splice of the difference.
pub async fn autosave(
    State(web): State<Web>,
    Path(id): Path<String>,
    Form(form): Form<Params>,
) -> Response {
    let r = web
        .with_app(move |app| {
            let id = doc_id(app, &id)?;
            let fields = fields_from_form(&form, false)?;
            if fields.is_empty() {
                return Ok(false);
            }
            actions::edit(app, &id, &fields)
        })
        .await;
    match r {
        Ok(changed) => {
            axum::Json(serde_json::json!({"ok": true, "changed": changed})).into_response()
        }
        Err(e) => json_error(&e),
    }
}

/// "Nộp đề xuất": saves what the form holds, then records the submission; a refusal lists
/// what is missing and writes no submission.
pub async fn submit(
    State(web): State<Web>,
    Path(id): Path<String>,
    Form(form): Form<Params>,
) -> Response {
    let back = format!("/de-xuat/{id}/sua");
    let r = web
        .with_app(move |app| {
            let id = doc_id(app, &id)?;
            if form.contains_key("title") {
                actions::edit(app, &id, &fields_from_form(&form, true)?)?;
            }
            let (_, p) = app.load_proposal(&id)?;
            let missing: Vec<String> = p
                .missing_for_submit()
                .iter()
                .map(|m| view::web_text(m))
                .collect();
            match actions::record_step(app, &id, &StepInput::default(), Action::Submit) {
                Ok(_) => Ok(Ok(id)),
                Err(e) => {
                    let shell = Shell::of(app)?;
                    let (title, content) = if missing.is_empty() {
                        edit_page(app, &p, &[], Some(&view::web_text(&e.to_string())))?
                    } else {
                        edit_page(app, &p, &missing, None)?
                    };
                    Ok(Err(view::page(&shell, "list", &title, content)))
                }
            }
        })
        .await;
    match r {
        Ok(Ok(id)) => Redirect::to(&format!("/de-xuat/{id}")).into_response(),
        Ok(Err(page)) => page.into_response_with(StatusCode::UNPROCESSABLE_ENTITY),
        Err(e) => page_of(&web, "list", Some(back), move |_| Err(e)).await,
    }
}

// ---------------------------------------------------------------- the proposal page

pub async fn show(State(web): State<Web>, Path(id): Path<String>) -> Response {
    page_of(&web, "list", Some("/de-xuat".into()), move |app| {
        let id = doc_id(app, &id)?;
        proposal_page(app, &id, None, None)
    })
    .await
}

/// The version of a proposal (its heads), for the page's script to notice changes.
pub async fn version(State(web): State<Web>, Path(id): Path<String>) -> Response {
    let r = web
        .with_app(move |app| {
            let id = doc_id(app, &id)?;
            Ok(app
                .store
                .doc_heads(id.as_str())?
                .map(|h| doimoi_shared::ids::hex(&h))
                .unwrap_or_default())
        })
        .await;
    match r {
        Ok(v) => axum::Json(serde_json::json!({ "version": v })).into_response(),
        Err(e) => json_error(&e),
    }
}

fn yes(b: bool) -> &'static str {
    if b {
        "có"
    } else {
        "không"
    }
}

fn proposal_page(
    app: &App,
    id: &DocId,
    error: Option<(&str, String)>,
    notice: Option<String>,
) -> Result<(String, Markup), CliError> {
    let (_, p) = app.load_proposal(id)?;
    let st = app.state(&p);
    let allowed = actions::allowed_steps(app, &p, &st);
    let version = app
        .store
        .doc_heads(id.as_str())?
        .map(|h| doimoi_shared::ids::hex(&h))
        .unwrap_or_default();
    let editable = actions::check_editable(app, &p, &st).is_ok();
    let lines = actions::decision_lines(app, &p, &st);
    let content = html! {
        article #proposal data-id=(p.id.as_str()) data-version=(version) {
            div.title-row {
                h1 #title { (p.title) }
                div.noprint {
                    @if editable { a.button href=(format!("/de-xuat/{}/sua", p.id)) { "Sửa nội dung" } " " }
                    button #print type="button" { "In" }
                    " "
                    a href=(format!("/de-xuat/{}/xuat", p.id)) { "Xuất tệp tài liệu" }
                }
            }
            p { span #status.status { (st.status.label_vi()) }
                @for f in &st.flags { " " span.badge.red { (f.label_vi()) } } }
            @if let Some(n) = &notice { p #notice.message.ok role="status" { (n) } }
            @if let Some((step, e)) = &error {
                div #refusal.message.error role="alert" {
                    p { b { "Không ghi được bước “" (step) "”." } }
                    p { (e) }
                }
            }
            section.facts {
                h2 { "Thông tin đề xuất" }
                dl {
                    dt { "Đơn vị của người đề xuất" } dd { (unit_name(app, p.unit.as_str())) }
                    dt { "Đơn vị quyết định" } dd #deciding { (unit_name(app, st.deciding_unit.as_str())) }
                    dt { "Người đề xuất" } dd { (p.proposer) @if !p.position.is_empty() { ", " (p.position) } }
                    dt { "Là người đứng đầu" } dd { (yes(p.proposer_is_head)) }
                    dt { "Là cấp phó" } dd { (yes(p.proposer_is_deputy)) }
                    dt { "Là lãnh đạo, quản lý" } dd { (yes(p.leader)) }
                    dt { "Căn cứ pháp lý" } dd { @if p.basis_chosen { (crate::choices::basis_label(p.basis)) } @else { "chưa chọn" } }
                    dt { "Lĩnh vực" } dd { @if p.field.is_empty() { "—" } @else { (p.field) } }
                    dt { "Đề nghị thí điểm" } dd { (yes(p.pilot)) }
                    dt { "Mã hồ sơ" } dd.code { (p.id.as_str()) }
                }
            }
            @if !lines.is_empty() {
                section #decisions.decisions {
                    h2 { "Quá trình xem xét, quyết định" }
                    ul { @for l in &lines { li { (l) } } }
                }
            }
            @if !st.deadlines.is_empty() {
                section #deadlines.noprint {
                    h2 { "Thời hạn" }
                    table.list {
                        thead { tr { th { "Bước" } th { "Hạn" } th { "Tình trạng" } } }
                        tbody {
                            @for d in &st.deadlines {
                                tr class=(d.state.as_str()) {
                                    td { (d.step.label_vi()) }
                                    td { (d.due.format("%d/%m/%Y").to_string()) }
                                    td { (match d.state { ClockState::OnTime => "đúng hạn", ClockState::Late => "trễ hạn", ClockState::Overdue => "quá hạn", ClockState::Open => "đang chạy" })
                                         @if d.state == ClockState::Open { " (còn " (app.calendar.working_days_between(app.today, d.due)) " ngày làm việc)" } }
                                }
                            }
                        }
                    }
                }
            }
            section #steps.noprint {
                h2 { "Bước đơn vị có thể thực hiện" }
                @if allowed.is_empty() {
                    p.empty { "Hiện không có bước nào do văn phòng này thực hiện." }
                    @if let Some(row) = app.store.proposal_row(id)? {
                        @if let Some((l, who)) = actions::next_step(&row) {
                            p #next { "Bước tiếp theo: " (l) " — do " (unit_name(app, &who)) " thực hiện"
                              @if let Some(d) = row.open_due.as_deref() { ", hạn " (vn_date(d)) } "." }
                        }
                    }
                }
                @for k in &allowed { (step_form(app, &p, &st, *k)) }
            }
            section.plan-print {
                h2 { "Kế hoạch đề xuất" }
                @for (point, names) in PLAN_POINTS {
                    h3 { (point) }
                    @for name in names.iter() {
                        h4 { (prose_label(name)) }
                        @let v = p.prose(name);
                        @if v.trim().is_empty() { p.empty { "(chưa có nội dung)" } }
                        @else { @for para in v.split('\n') { p.prose { (para) } } }
                    }
                }
            }
            section #timeline {
                h2 { "Diễn biến" }
                @if p.events.is_empty() { p.empty { "Chưa có bước nào." } }
                @else {
                    table.list {
                        thead { tr { th { "Ngày" } th { "Bước" } th { "Đơn vị" } th { "Người thực hiện" } th { "Ghi chú" } } }
                        tbody {
                            @for e in &p.events {
                                @let o = st.events.iter().find(|o| o.id == e.id).map(|o| &o.outcome);
                                tr {
                                    td { (e.date.format("%d/%m/%Y").to_string()) }
                                    td { (e.action.label_vi())
                                        @match o {
                                            Some(Outcome::Invalid { reason }) => { div.sub.red { "không hợp lệ: " (reason.to_string()) } }
                                            Some(Outcome::Duplicate { .. }) => { div.sub { "(trùng)" } }
                                            Some(Outcome::Conflict { .. }) => { div.sub.red { "xung đột" } }
                                            Some(Outcome::SetAside { .. }) => { div.sub { "(đã gạt bỏ khi giải quyết xung đột)" } }
                                            _ => {}
                                        }
                                    }
                                    td { (unit_name(app, e.unit.as_str())) }
                                    td { (e.by) @if !e.position.is_empty() { ", " (e.position) } }
                                    td { (e.note) }
                                }
                            }
                        }
                    }
                }
            }
            section #comments.noprint {
                h2 { "Ý kiến" }
                @if p.comments.is_empty() { p.empty { "Chưa có ý kiến." } }
                ul { @for c in &p.comments { li { span.sub { (crate::commands::local_time(c.at)) " · " (unit_name(app, c.unit.as_str())) @if !c.by.is_empty() { ", " (c.by) } } div { (c.text) } } } }
                form #comment-form method="post" action=(format!("/de-xuat/{}/y-kien", p.id)) {
                    label for="comment-by" { "Người ghi" } input #comment-by type="text" name="by" maxlength="200";
                    label for="comment-text" { "Ý kiến" } textarea #comment-text name="text" rows="3" required {}
                    button type="submit" { "Ghi ý kiến" }
                }
            }
            section #attachments.noprint {
                h2 { "Tệp đính kèm" }
                @if p.attachments.is_empty() { p.empty { "Chưa có tệp đính kèm." } }
                ul { @for a in &p.attachments { li { a href=(format!("/de-xuat/{}/dinh-kem/{}", p.id, a.sha256)) { (a.name) } " (" (a.size) " byte) · " (unit_name(app, a.unit.as_str())) } } }
                form #attach-form data-action=(format!("/de-xuat/{}/dinh-kem", p.id)) {
                    label for="attach-file" { "Chọn tệp (tối đa 20 MB)" } input #attach-file type="file" name="file";
                    button type="submit" { "Đính kèm" }
                    span #attach-state aria-live="polite" {}
                }
            }
        }
    };
    Ok((p.title.clone(), content))
}

/// The small form of one step: the common fields (date defaulting to today, who, note) and
/// the step's own.
fn step_form(app: &App, p: &Proposal, st: &ProposalState, k: StepKind) -> Markup {
    let name = k.name();
    let today = app.today.format("%Y-%m-%d").to_string();
    let conflicts: Vec<(String, String)> = st
        .events
        .iter()
        .filter_map(|o| match &o.outcome {
            Outcome::Conflict { with, .. } => Some((o.id.clone(), with.clone())),
            _ => None,
        })
        .collect();
    let describe = |id: &str| -> String {
        p.events
            .iter()
            .find(|e| e.id == id)
            .map(|e| {
                format!(
                    "{} ngày {} — {}",
                    e.action.label_vi(),
                    e.date.format("%d/%m/%Y"),
                    actions::who(app, e)
                )
            })
            .unwrap_or_else(|| id.to_string())
    };
    let failed_vote = st.vote_passed == Some(false);
    html! {
        details.step id=(format!("step-{name}")) {
            summary { (k.label_vi()) }
            form method="post" action=(format!("/de-xuat/{}/buoc/{name}", p.id)) {
                @match k {
                    StepKind::PartyOpinion => {
                        fieldset.inline { legend { "Ý kiến của cấp ủy" }
                            label.check { input type="radio" name="agree" value="1" checked; " Đồng ý" }
                            label.check { input type="radio" name="agree" value="0"; " Không đồng ý" } }
                    }
                    StepKind::Vote => {
                        div.row {
                            label { "Số phiếu tán thành" input name="for" type="number" min="0" required; }
                            label { "Không tán thành" input name="against" type="number" min="0" value="0"; }
                            label { "Không biểu quyết" input name="abstain" type="number" min="0" value="0"; }
                            label { "Số thành viên tập thể lãnh đạo" input name="members" type="number" min="1"; }
                        }
                        label { "Ý kiến của người đứng đầu (khi số phiếu ngang nhau)"
                            select name="head_voted" { option value="" { "—" } option value="for" { "Tán thành" } option value="against" { "Không tán thành" } } }
                    }
                    StepKind::Approve => {
                        label.check { input type="checkbox" name="pilot" value="1"; " Phê duyệt thực hiện thí điểm" }
                        @if failed_vote { input type="hidden" name="by_head" value="1"; p.sub { "Biểu quyết không đạt: người đứng đầu quyết định bằng văn bản, chịu trách nhiệm cá nhân." } }
                    }
                    StepKind::Answer => {
                        fieldset.inline { legend { "Ý kiến của UBND tỉnh" }
                            label.check { input type="radio" name="approve" value="1" checked; " Đồng ý" }
                            label.check { input type="radio" name="approve" value="0"; " Không đồng ý" } }
                        label.check { input type="checkbox" name="pilot" value="1"; " Đồng ý thực hiện thí điểm" }
                    }
                    StepKind::ReportResults => {
                        label { "Ngày kết thúc thực hiện" input name="finished" type="date" max=(today); }
                    }
                    StepKind::Evaluate => {
                        label { "Kết quả"
                            select name="result" {
                                @for r in [EvalResult::Completed, EvalResult::Partly, EvalResult::NotCompleted] {
                                    option value=(r.as_str()) { (crate::choices::result_label(r)) } } } }
                        label.check { input type="checkbox" name="damage" value="1"; " Có thiệt hại" }
                    }
                    StepKind::Protect => {
                        label { "Kết luận"
                            select name="determination" {
                                @for d in [Determination::NotLiable, Determination::Excluded, Determination::Considered] {
                                    option value=(d.as_str()) { (crate::choices::determination_label(d)) } } } }
                    }
                    StepKind::Commend => {
                        label { "Hình thức"
                            select name="level" {
                                @for l in [Level::Unit, Level::Province] { option value=(l.as_str()) { (crate::choices::level_label(l)) } } } }
                    }
                    StepKind::CommendOpinion => {
                        fieldset.inline { legend { "Ý kiến của Sở Nội vụ về đề nghị khen thưởng" }
                            label.check { input type="radio" name="agree" value="1" checked; " Đồng ý" }
                            label.check { input type="radio" name="agree" value="0"; " Không đồng ý" } }
                    }
                    StepKind::CommendDecide => {
                        fieldset.inline { legend { "Quyết định của Chủ tịch UBND tỉnh" }
                            label.check { input type="radio" name="granted" value="1" checked; " Khen thưởng" }
                            label.check { input type="radio" name="granted" value="0"; " Không khen thưởng" } }
                    }
                    StepKind::Discipline => {
                        label { "Hình thức kỷ luật" input name="measure" type="text" required maxlength="500"; }
                    }
                    StepKind::Resolve => {
                        fieldset { legend { "Hai quyết định mâu thuẫn: chọn quyết định được giữ" }
                            @for (a, b) in &conflicts {
                                label.check { input type="radio" name="keep" value=(b) checked; " " (describe(b)) }
                                label.check { input type="radio" name="keep" value=(a); " " (describe(a)) }
                            }
                        }
                    }
                    _ => {}
                }
                div.row {
                    label { "Ngày thực hiện" input name="date" type="date" value=(today) max=(today) required; }
                    label { "Người thực hiện" input name="by" type="text" maxlength="200"; }
                    label { "Chức vụ" input name="position" type="text" maxlength="200"; }
                }
                label { "Ghi chú (bắt buộc nếu ngày thực hiện là ngày nghỉ)" input name="note" type="text" maxlength="2000"; }
                button type="submit" { (k.label_vi()) }
            }
        }
    }
}

/// The action a step form describes.
fn action_from_form(k: StepKind, f: &Params) -> Result<Action, CliError> {
    Ok(match k {
        StepKind::Submit => Action::Submit,
        StepKind::Receive => Action::Receive,
        StepKind::PartyOpinion => Action::PartyOpinion {
            agree: field(f, "agree") != "0",
        },
        StepKind::Vote => Action::Vote {
            votes_for: form_count(f, "for", "Số phiếu tán thành")?
                .ok_or_else(|| CliError::Usage("Nhập số phiếu tán thành.".into()))?,
            against: form_count(f, "against", "Số phiếu không tán thành")?.unwrap_or(0),
            abstain: form_count(f, "abstain", "Số không biểu quyết")?.unwrap_or(0),
            head_voted: match field(f, "head_voted") {
                "for" => Some(Side::For),
                "against" => Some(Side::Against),
                _ => None,
            },
            members: form_count(f, "members", "Số thành viên")?,
        },
        StepKind::Approve => Action::Approve {
            pilot: checked(f, "pilot"),
            by_head: checked(f, "by_head"),
        },
        StepKind::Reject => Action::Reject,
        StepKind::Escalate => Action::Escalate,
        StepKind::Answer => Action::Answer {
            approve: field(f, "approve") != "0",
            pilot: checked(f, "pilot"),
        },
        StepKind::Start => Action::Start,
        StepKind::Suspend => Action::Suspend,
        StepKind::Resume => Action::Resume,
        StepKind::Terminate => Action::Terminate,
        StepKind::ReportResults => Action::ReportResults {
            finished: form_date(field(f, "finished"), "Ngày kết thúc")?,
        },
        StepKind::Evaluate => Action::Evaluate {
            result: EvalResult::parse(field(f, "result"))
                .ok_or_else(|| CliError::Usage("Chọn kết quả đánh giá.".into()))?,
            damage: checked(f, "damage"),
        },
        StepKind::Notify => Action::Notify,
        StepKind::Protect => Action::Protect {
            determination: Determination::parse(field(f, "determination"))
                .ok_or_else(|| CliError::Usage("Chọn kết luận về bảo vệ.".into()))?,
        },
        StepKind::Commend => Action::Commend {
            level: Level::parse(field(f, "level"))
                .ok_or_else(|| CliError::Usage("Chọn hình thức khen thưởng.".into()))?,
        },
        StepKind::CommendOpinion => Action::CommendOpinion {
            agree: field(f, "agree") != "0",
        },
        StepKind::CommendDecide => Action::CommendDecide {
            granted: field(f, "granted") != "0",
        },
        StepKind::Discipline => Action::Discipline {
            measure: doimoi_shared::text::nfc(field(f, "measure")),
        },
        StepKind::Resolve => Action::Resolve {
            keep: field(f, "keep").to_ascii_lowercase(),
        },
    })
}

/// Takes a step through the core; a refusal shows the page with the rule, and writes nothing.
pub async fn step(
    State(web): State<Web>,
    Path((id, name)): Path<(String, String)>,
    Form(form): Form<Params>,
) -> Response {
    let r = web
        .with_app(move |app| {
            let id = doc_id(app, &id)?;
            let kind = StepKind::parse(&name)
                .ok_or_else(|| CliError::NotFound(format!("Không có bước \"{name}\".")))?;
            let result = action_from_form(kind, &form).and_then(|action| {
                let input = StepInput {
                    acting_unit: None,
                    date: form_date(field(&form, "date"), "Ngày thực hiện")?,
                    by: field(&form, "by").to_string(),
                    position: field(&form, "position").to_string(),
                    note: field(&form, "note").to_string(),
                };
                actions::record_step(app, &id, &input, action)
            });
            let shell = Shell::of(app)?;
            match result {
                Ok(rec) => Ok(Ok((id, rec.event.action.label_vi()))),
                Err(e) => {
                    let (title, content) = proposal_page(
                        app,
                        &id,
                        Some((kind.label_vi(), view::web_text(&e.to_string()))),
                        None,
                    )?;
                    let status = match e {
                        CliError::Usage(_) => StatusCode::BAD_REQUEST,
                        _ => StatusCode::CONFLICT,
                    };
                    Ok(Err((status, view::page(&shell, "list", &title, content))))
                }
            }
        })
        .await;
    match r {
        Ok(Ok((id, _))) => Redirect::to(&format!("/de-xuat/{id}")).into_response(),
        Ok(Err((status, page))) => page.into_response_with(status),
        Err(e) => page_of(&web, "list", Some("/de-xuat".into()), move |_| Err(e)).await,
    }
}

pub async fn comment(
    State(web): State<Web>,
    Path(id): Path<String>,
    Form(form): Form<Params>,
) -> Response {
    let back = format!("/de-xuat/{id}");
    let r = web
        .with_app(move |app| {
            let id = doc_id(app, &id)?;
            let text = field(&form, "text");
            if text.chars().count() > MAX_FIELD {
                return Err(CliError::Usage(format!(
                    "Ý kiến quá dài: tối đa {MAX_FIELD} ký tự."
                )));
            }
            if text.is_empty() {
                return Err(CliError::Usage(
                    "Ý kiến trống: nhập nội dung ý kiến.".into(),
                ));
            }
            actions::comment(app, &id, field(&form, "by"), text)?;
            Ok(id)
        })
        .await;
    match r {
        Ok(id) => Redirect::to(&format!("/de-xuat/{id}#comments")).into_response(),
        Err(e) => page_of(&web, "list", Some(back), move |_| Err(e)).await,
    }
}

/// An attachment's bytes, posted by the page's script with the file name in the query.
pub async fn attach(
    State(web): State<Web>,
    Path(id): Path<String>,
    Query(q): Query<Params>,
    body: Bytes,
) -> Response {
    let r = web
        .with_app(move |app| {
            let id = doc_id(app, &id)?;
            let name = field(&q, "ten");
            let name = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
            if name.is_empty() || name.chars().count() > 255 {
                return Err(CliError::Usage(
                    "Tên tệp trống hoặc quá dài (tối đa 255 ký tự).".into(),
                ));
            }
            if body.is_empty() {
                return Err(CliError::Usage("Tệp rỗng: chọn tệp khác.".into()));
            }
            actions::attach(app, &id, name, &body)
        })
        .await;
    match r {
        Ok(a) => axum::Json(serde_json::json!({"ok": true, "name": a.name, "size": a.size}))
            .into_response(),
        Err(e) => json_error(&e),
    }
}

pub async fn attachment(
    State(web): State<Web>,
    Path((id, sha)): Path<(String, String)>,
) -> Response {
    let r = web
        .with_app(move |app| {
            let id = doc_id(app, &id)?;
            let (_, p) = app.load_proposal(&id)?;
            let a = p
                .attachments
                .iter()
                .find(|a| a.sha256 == sha)
                .cloned()
                .ok_or_else(|| CliError::NotFound("Không có tệp đính kèm này.".into()))?;
            let bytes = app.store.get_blob(&a.sha256)?.ok_or_else(|| {
                CliError::NotFound(format!(
                    "Tệp “{}” do {} đính kèm; nội dung tệp chỉ có trên máy của văn phòng đó.",
                    a.name,
                    unit_name(app, a.unit.as_str())
                ))
            })?;
            Ok((a.name, bytes))
        })
        .await;
    match r {
        Ok((name, bytes)) => download(&name, "application/octet-stream", bytes),
        Err(e) => page_of(&web, "list", None, move |_| Err(e)).await,
    }
}

/// A file download with its name (ASCII fallback and UTF-8 name).
fn download(name: &str, mime: &'static str, bytes: Vec<u8>) -> Response {
    let ascii: String = doimoi_shared::text::fold(name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        pct(name)
    );
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

pub async fn export(State(web): State<Web>, Path(id): Path<String>) -> Response {
    let r = web
        .with_app(move |app| {
            let id = doc_id(app, &id)?;
            Ok((id.to_string(), crate::actions::docs::export(app, &id)?))
        })
        .await;
    match r {
        Ok((id, bytes)) => download(
            &format!("de-xuat-{}.automerge", &id[..8]),
            "application/octet-stream",
            bytes,
        ),
        Err(e) => page_of(&web, "list", None, move |_| Err(e)).await,
    }
}

// ---------------------------------------------------------------- reports

/// The report asked for: the app's names, or the hub's own (`period`, `as_of`…), which the
/// report's own download links carry.
fn report_query(q: &Params, today: NaiveDate, format: &str) -> ReportQuery {
    let either = |ours: &str, hubs: &str| opt(q, ours).or_else(|| opt(q, hubs));
    ReportQuery {
        period: either("ky", "period").unwrap_or_else(|| report::current_year(today).to_string()),
        format: format.to_string(),
        as_of: either("den_ngay", "as_of"),
        as_of_mode: either("cach_tinh", "as_of_mode"),
        unit: either("don_vi", "unit"),
        number: None,
        date: None,
    }
}

fn report_params(q: &ReportQuery) -> String {
    let mut pairs = vec![("ky".to_string(), q.period.clone())];
    for (k, v) in [
        ("den_ngay", &q.as_of),
        ("cach_tinh", &q.as_of_mode),
        ("don_vi", &q.unit),
    ] {
        if let Some(v) = v {
            pairs.push((k.to_string(), v.clone()));
        }
    }
    encode_query(&pairs)
}

pub async fn reports(State(web): State<Web>, Query(q): Query<Params>) -> Response {
    page_of(&web, "reports", None, move |app| {
        let rq = report_query(&q, app.today, "html");
        let show = checked(&q, "xem");
        // The units an office may ask for: its own and those under it; every unit for UBND
        // tỉnh and Sở Nội vụ (the hub decides in the end).
        let province_wide = app.registry.get(&app.unit).is_some_and(|u| {
            matches!(
                u.kind,
                doimoi_shared::org::UnitKind::Province | doimoi_shared::org::UnitKind::HomeAffairs
            )
        });
        let mut units: Vec<(String, String)> = app
            .registry
            .units()
            .iter()
            .filter(|u| {
                province_wide || u.code == app.unit || app.registry.is_within(&u.code, &app.unit)
            })
            .map(|u| (u.name.clone(), u.code.to_string()))
            .collect();
        units.sort_by(|a, b| doimoi_shared::text::cmp_vi(&a.0, &b.0));
        let fetched = if show {
            Some(report::fetch(app, &rq).map(|_| ()))
        } else {
            None
        };
        let params = report_params(&rq);
        let content = html! {
            h1 { "Báo cáo tổng hợp" }
            form #report-form.filters method="get" action="/bao-cao" {
                input type="hidden" name="xem" value="1";
                label { "Kỳ báo cáo" input #period type="text" name="ky" value=(rq.period) placeholder="2025, 2025-H1, 2025-Q3"; }
                label { "Tính đến ngày" input #as-of type="date" name="den_ngay" value=(rq.as_of.clone().unwrap_or_default()); }
                label { "Cách tính"
                    select name="cach_tinh" {
                        option value="" { "Theo dữ liệu máy chủ đã nhận" }
                        option value="happened" selected[rq.as_of_mode.as_deref() == Some("happened")] { "Theo ngày ghi trên hồ sơ" }
                    }
                }
                label { "Đơn vị"
                    select #report-unit name="don_vi" {
                        option value="" { "Theo phạm vi của văn phòng" }
                        @for (name, code) in &units { option value=(code) selected[rq.unit.as_deref() == Some(code.as_str())] { (name) } }
                    }
                }
                button #report-show type="submit" { "Xem báo cáo" }
            }
            @match &fetched {
                Some(Ok(())) => {
                    p.downloads {
                        "Tải về: "
                        a #dl-docx href=(format!("/bao-cao/tai?{params}&dinh_dang=docx")) { "Văn bản Word (DOCX)" } " · "
                        a #dl-xlsx href=(format!("/bao-cao/tai?{params}&dinh_dang=xlsx")) { "Bảng tính Excel (XLSX)" } " · "
                        a #dl-csv href=(format!("/bao-cao/tai?{params}&dinh_dang=csv")) { "CSV" }
                    }
                    iframe #report-frame title="Báo cáo" sandbox="allow-downloads" src=(format!("/bao-cao/xem?{params}")) {}
                }
                Some(Err(e)) => {
                    div #report-error.message.error role="alert" {
                        p { b { "Không lấy được báo cáo từ máy chủ." } }
                        p { "Báo cáo tổng hợp số liệu của mọi văn phòng nên chỉ lập được khi máy này kết nối được máy chủ. Các việc khác vẫn làm bình thường khi không có mạng; hãy thử lại khi có kết nối." }
                        p.sub { (view::web_text(&e.to_string())) }
                    }
                }
                None => { p.sub { "Chọn kỳ báo cáo và bấm “Xem báo cáo”. Báo cáo lấy từ máy chủ nên cần kết nối mạng." } }
            }
        };
        Ok(("Báo cáo".to_string(), content))
    })
    .await
}

/// The hub's HTML report, shown in the page's frame (its own styles, no script). Its own
/// download links (`?period=…&format=xlsx`) come back here and download the file.
pub async fn report_view(State(web): State<Web>, Query(mut q): Query<Params>) -> Response {
    let format = field(&q, "format").to_ascii_lowercase();
    if matches!(format.as_str(), "csv" | "xlsx" | "docx" | "json") {
        q.insert("dinh_dang".into(), format);
        return report_download(State(web), Query(q)).await;
    }
    let r = web
        .with_app(move |app| report::fetch(app, &report_query(&q, app.today, "html")))
        .await;
    match r {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => view::error_response(None, &e, None),
    }
}

pub async fn report_download(State(web): State<Web>, Query(q): Query<Params>) -> Response {
    let format = field(&q, "dinh_dang").to_ascii_lowercase();
    let r = web
        .with_app(move |app| {
            let rq = report_query(&q, app.today, &format);
            if !matches!(rq.format.as_str(), "docx" | "xlsx" | "csv" | "json") {
                return Err(CliError::Usage(
                    "Định dạng tải về: docx, xlsx, csv hoặc json.".into(),
                ));
            }
            let bytes = report::fetch(app, &rq)?;
            Ok((rq, bytes))
        })
        .await;
    match r {
        Ok((rq, bytes)) => {
            let mime = match rq.format.as_str() {
                "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "json" => "application/json",
                _ => "text/csv; charset=utf-8",
            };
            download(&format!("bao-cao-{}.{}", rq.period, rq.format), mime, bytes)
        }
        Err(e) => page_of(&web, "reports", Some("/bao-cao".into()), move |_| Err(e)).await,
    }
}

// ---------------------------------------------------------------- settings

pub async fn settings(State(web): State<Web>) -> Response {
    page_of(&web, "settings", None, |app| settings_page(app, None)).await
}

fn settings_page(app: &App, notice: Option<(bool, String)>) -> Result<(String, Markup), CliError> {
    let hub = app.store.get_meta(keys::HUB)?.unwrap_or_default();
    let token = app.store.get_meta(keys::TOKEN)?.unwrap_or_default();
    let year = chrono::Datelike::year(&app.today);
    let days = app.calendar.days_off_in(year);
    let content = html! {
        h1 { "Cài đặt" }
        @if let Some((ok, n)) = &notice {
            p #settings-notice class=(if *ok { "message ok" } else { "message error" }) role="status" { (n) }
        }
        section {
            h2 { "Văn phòng" }
            dl {
                dt { "Đơn vị" } dd { (unit_name(app, app.unit.as_str())) }
                dt { "Tỉnh, thành phố" } dd { (app.registry.province_name()) }
                dt { "Tệp dữ liệu trên máy" } dd.code { (app.store.path().display().to_string()) }
            }
            @if let Some(n) = app.unit_notice() { p.message.error { (n) } }
        }
        section {
            h2 { "Máy chủ đồng bộ" }
            form #hub-form method="post" action="/cai-dat/may-chu" {
                label for="hub" { "Địa chỉ máy chủ" }
                input #hub type="url" name="hub" value=(hub) placeholder="http://may-chu:8787";
                label for="token" { "Mã truy cập (token) của máy này" }
                input #token type="password" name="token" autocomplete="off" placeholder=(if token.is_empty() { "chưa có" } else { "đã có — để trống nếu không đổi" });
                button type="submit" { "Lưu" }
            }
            form method="post" action="/cai-dat/kiem-tra" {
                button #check-hub type="submit" { "Kiểm tra kết nối" }
            }
        }
        section {
            h2 { "Nhập tài liệu từ tệp" }
            p.sub { "Nhận tệp tài liệu (.automerge) từ văn phòng khác khi không có mạng: tệp được hợp nhất vào bản trên máy. Để xuất một đề xuất ra tệp, mở đề xuất và bấm “Xuất tệp tài liệu”." }
            form #import-form data-action="/cai-dat/nhap" {
                input #import-file type="file" name="file";
                button type="submit" { "Nhập tệp" }
                span #import-state aria-live="polite" {}
            }
        }
        section {
            h2 { "Lịch ngày nghỉ năm " (year) }
            table.list {
                thead { tr { th { "Ngày" } th { "Ngày nghỉ" } } }
                tbody { @for (d, name) in days.iter().filter(|(d, _)| chrono::Datelike::weekday(d).number_from_monday() < 6) { tr { td { (d.format("%d/%m/%Y").to_string()) } td { (name) } } } }
            }
            p.sub { "Thứ Bảy, Chủ nhật là ngày nghỉ hằng tuần. Lịch do máy chủ cập nhật theo thông báo của Chính phủ." }
        }
    };
    Ok(("Cài đặt".to_string(), content))
}

pub async fn set_hub(State(web): State<Web>, Form(form): Form<Params>) -> Response {
    let w = web.clone();
    let r = page_of(&web, "settings", Some("/cai-dat".into()), move |app| {
        let hub = field(&form, "hub").trim_end_matches('/').to_string();
        let token = field(&form, "token").to_string();
        crate::actions::settings::set_hub(
            app,
            &hub,
            (!token.is_empty()).then_some(token.as_str()),
        )?;
        settings_page(
            app,
            Some((
                true,
                "Đã lưu địa chỉ máy chủ và mã truy cập; doimoi đồng bộ lại với máy chủ mới.".into(),
            )),
        )
    })
    .await;
    w.start_sync(std::time::Duration::from_secs(30));
    r
}

pub async fn check_hub(State(web): State<Web>) -> Response {
    page_of(&web, "settings", Some("/cai-dat".into()), |app| {
        let notice = match crate::actions::settings::check_hub(app) {
            Ok(()) => (true, "Kết nối được máy chủ.".to_string()),
            Err(e) => (false, view::web_text(&e.to_string())),
        };
        settings_page(app, Some(notice))
    })
    .await
}

pub async fn import(State(web): State<Web>, Query(q): Query<Params>, body: Bytes) -> Response {
    let r = web
        .with_app(move |app| {
            let name = field(&q, "ten").to_string();
            crate::actions::docs::import(app, &name, &body)
        })
        .await;
    match r {
        Ok(i) => axum::Json(serde_json::json!({
            "ok": true,
            "message": if i.is_new { format!("Đã nhập tài liệu mới ({} thay đổi).", i.added) }
                else if i.added == 0 { "Tài liệu đã có đủ trên máy; không có gì mới.".to_string() }
                else { format!("Đã hợp nhất {} thay đổi mới.", i.added) },
            "id": i.id.to_string(),
        }))
        .into_response(),
        Err(e) => json_error(&e),
    }
}
