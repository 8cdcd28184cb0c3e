//! Renderers of the consolidated report ([`Report`], docs/domain.md §7): JSON, CSV, XLSX, DOCX
//! (Decree 30/2020 layout, docs/domain.md §8) and a self-contained HTML page.
//!
//! Every renderer is a pure function of the report and a little [`DocInfo`] (the document's
//! date, the current query for HTML links, the scope's superior for the DOCX header block), so
//! the same inputs give the same bytes (XLSX and DOCX included: their timestamps come from
//! [`DocInfo::today`]). Everything a reader sees is Vietnamese; the labels shared by several
//! formats live here.
//!
//! Layout: `csv.rs`, `xlsx.rs`, `docx.rs`, `html.rs`, one per format; this file holds the
//! format choice, the shared rows and labels, and the tests.

mod csv;
mod docx;
mod html;
mod narrative;
mod xlsx;

use chrono::{Datelike, NaiveDate};
use doimoi_shared::org::{Registry, UnitKind};
use doimoi_shared::report::{labels, Figures, Report, Timeliness, UnitRef, UnitReport};
use doimoi_shared::text::collation_key;
use doimoi_shared::workflow::{EvalResult, Status, Step};

/// An output format of the consolidated report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    Csv,
    Xlsx,
    Docx,
    Html,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Json,
        Format::Csv,
        Format::Xlsx,
        Format::Docx,
        Format::Html,
    ];

    /// `json`, `csv`, `xlsx`, `docx`, `html` (case and spaces do not matter; `excel`, `word`
    /// and `htm` are accepted too). The error is a Vietnamese message saying what to write.
    pub fn parse(s: &str) -> Result<Format, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "xlsx" | "excel" => Ok(Format::Xlsx),
            "docx" | "word" => Ok(Format::Docx),
            "html" | "htm" => Ok(Format::Html),
            _ => Err(format!(
                "Định dạng \"{}\" không được hỗ trợ; dùng một trong: json, csv, xlsx (Excel), docx (Word), html.",
                s.trim()
            )),
        }
    }

    /// The stable name, as in `?format=`.
    pub fn as_str(self) -> &'static str {
        self.extension()
    }

    /// The HTTP `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Html => "text/html; charset=utf-8",
        }
    }

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Docx => "docx",
            Format::Html => "html",
        }
    }

    /// Vietnamese name, for download links.
    pub fn label_vi(self) -> &'static str {
        match self {
            Format::Json => "JSON (dữ liệu)",
            Format::Csv => "CSV",
            Format::Xlsx => "Excel (.xlsx)",
            Format::Docx => "Word (.docx)",
            Format::Html => "Trang web",
        }
    }
}

/// The regulation the plan implements, as the document cites it (docs/domain.md §2). The hub's
/// `report_regulation` setting replaces it.
pub const DEFAULT_REGULATION: &str =
    "Quy định số 20-QĐ/TU ngày 01/7/2023 của Ban Thường vụ Tỉnh ủy";

/// The province's implementation plan, as the document cites it. Its number and date differ
/// from province to province and are not in the data: the hub's `report_plan` setting gives
/// them ("Kế hoạch số 123/KH-UBND ngày … của Ủy ban nhân dân tỉnh"); this default names the plan
/// without a number.
pub const DEFAULT_PLAN: &str = "Kế hoạch của Ủy ban nhân dân tỉnh thực hiện Quy định số 20-QĐ/TU";

/// What a document needs besides the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocInfo {
    /// The day the document is made: the files' own timestamps, and the place-and-date line
    /// unless [`DocInfo::date`] is given.
    pub today: NaiveDate,
    /// The current query string without `format` (`period=2024&scope=49`), for the HTML page's
    /// download links; may be empty.
    pub query: String,
    /// The scope unit's superior (a commune's district, UBND tỉnh for a department), for the
    /// DOCX header block and addressee of a report that is not the province's; `None` falls
    /// back to the province.
    pub superior: Option<UnitRef>,
    /// The document's number in the issuer's register ("125"; "05" below 10), or `None` for a
    /// blank "Số:      /BC-…" to fill in by hand.
    pub number: Option<String>,
    /// The signing date of the place-and-date line; `None` is [`DocInfo::today`].
    pub date: Option<NaiveDate>,
    /// How the text cites the regulation ([`DEFAULT_REGULATION`]).
    pub regulation: String,
    /// How the text cites the province's plan ([`DEFAULT_PLAN`]).
    pub plan: String,
}

impl DocInfo {
    pub fn new(today: NaiveDate) -> DocInfo {
        DocInfo {
            today,
            query: String::new(),
            superior: None,
            number: None,
            date: None,
            regulation: DEFAULT_REGULATION.to_string(),
            plan: DEFAULT_PLAN.to_string(),
        }
    }

    /// Sets the query of the HTML download links, dropping any `format` parameter.
    pub fn with_query(mut self, query: &str) -> DocInfo {
        self.query = query_without_format(query);
        self
    }

    /// Sets the scope unit's superior from the registry.
    /// The scope unit's superior on the signing date (a commune's district for a report
    /// signed before 01/07/2025, the province after), named as it was then. Call after
    /// [`DocInfo::with_number_and_date`].
    pub fn with_superior_from(mut self, registry: &Registry, report: &Report) -> DocInfo {
        let day = self.date.unwrap_or(self.today);
        // A superior that ended before the signing date is addressed as its successor (a
        // district's report signed after 01/07/2025 goes to the city, not to Quảng Nam).
        let sup = registry.superior_on(&report.scope.code, day).map(|u| {
            match u.valid_to.filter(|t| *t < day) {
                Some(_) => doimoi_shared::org::diff::successor(registry, u)
                    .and_then(|(c, _)| registry.get(&c))
                    .unwrap_or(u),
                None => u,
            }
        });
        self.superior = sup.map(|u| UnitRef {
            code: u.code.clone(),
            name: u.name_on(day).to_string(),
        });
        self
    }

    /// Sets the document's number and signing date as a user wrote them (`number=125`,
    /// `date=2025-01-05`); empty values are none. The error is a Vietnamese message saying
    /// what to write.
    pub fn with_number_and_date(
        mut self,
        number: Option<&str>,
        date: Option<&str>,
    ) -> Result<DocInfo, String> {
        self.number = match number.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => Some(doc_number(n)?),
            None => None,
        };
        self.date = match date.map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                format!(
                    "Ngày ký văn bản \"{d}\" không hợp lệ; ghi theo dạng YYYY-MM-DD, ví dụ 2025-01-05."
                )
            })?),
            None => None,
        };
        Ok(self)
    }

    /// Sets how the text cites the regulation and the plan; `None` or blank keeps the default.
    pub fn with_references(mut self, regulation: Option<&str>, plan: Option<&str>) -> DocInfo {
        if let Some(r) = regulation.map(str::trim).filter(|r| !r.is_empty()) {
            self.regulation = doimoi_shared::text::nfc(r);
        }
        if let Some(p) = plan.map(str::trim).filter(|p| !p.is_empty()) {
            self.plan = doimoi_shared::text::nfc(p);
        }
        self
    }

    /// The day of the place-and-date line.
    pub fn doc_date(&self) -> NaiveDate {
        self.date.unwrap_or(self.today)
    }
}

/// A document number as Decree 30 writes it: the register's number, with a leading zero below
/// 10 ("5" → "05", "125" → "125"). Only digits are accepted: the symbol ("BC-UBND") is the
/// issuer's and written by the renderer.
pub fn doc_number(n: &str) -> Result<String, String> {
    let t = n.trim();
    let valid = !t.is_empty() && t.len() <= 7 && t.bytes().all(|b| b.is_ascii_digit());
    if !valid {
        return Err(format!(
            "Số văn bản \"{t}\" không hợp lệ; chỉ ghi số thứ tự trong sổ văn bản đi (ví dụ 125), ký hiệu \"BC-…\" do hệ thống ghi."
        ));
    }
    let digits = t.trim_start_matches('0');
    match digits.parse::<u32>() {
        Ok(0) | Err(_) => Err(format!(
            "Số văn bản \"{t}\" không hợp lệ; số thứ tự bắt đầu từ 1."
        )),
        Ok(v) => Ok(format!("{v:02}")),
    }
}

/// `query` without its `format` parameter(s) (and without a leading `?`).
pub fn query_without_format(query: &str) -> String {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|kv| !kv.is_empty())
        .filter(|kv| kv.split('=').next() != Some("format"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Why a report could not be rendered. Messages reach the user.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("Không tạo được dữ liệu JSON của báo cáo: {0}")]
    Json(String),
    #[error("Không tạo được tệp Excel của báo cáo: {0}")]
    Xlsx(String),
    #[error("Không tạo được tệp Word của báo cáo: {0}")]
    Docx(String),
}

/// Renders `report` as `format`.
pub fn render(report: &Report, format: Format, info: &DocInfo) -> Result<Vec<u8>, RenderError> {
    match format {
        Format::Json => serde_json::to_vec(report).map_err(|e| RenderError::Json(e.to_string())),
        Format::Csv => Ok(csv::render(report)),
        Format::Xlsx => xlsx::render(report, info),
        Format::Docx => docx::render(report, info),
        Format::Html => Ok(html::render(report, info)),
    }
}

/// An ASCII file name for the report (`bao-cao-2024-49.docx`), for `Content-Disposition`.
pub fn file_name(report: &Report, format: Format) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!(
        "bao-cao-{}-{}.{}",
        clean(&report.period.code.replace("..", "_")),
        clean(report.scope.code.as_str()),
        format.extension()
    )
}

// ---------------------------------------------------------------------------------------------
// Shared rows and labels
// ---------------------------------------------------------------------------------------------

/// Statuses of submitted proposals, in procedure order (every status but `draft`).
pub(crate) fn statuses() -> impl Iterator<Item = Status> + Clone {
    Status::ALL.into_iter().filter(|s| *s != Status::Draft)
}

pub(crate) fn status_count(f: &Figures, s: Status) -> u64 {
    f.by_status.get(&s).copied().unwrap_or(0)
}

pub(crate) fn step_timeliness(f: &Figures, step: Step) -> Timeliness {
    f.timeliness.get(&step).cloned().unwrap_or_default()
}

pub(crate) fn evaluation(f: &Figures, result: EvalResult) -> u64 {
    f.evaluations.get(&result).copied().unwrap_or(0)
}

/// The four timeliness outcomes, with their labels.
pub(crate) const TIMELINESS_LABELS: [&str; 4] =
    ["Đúng hạn", "Trễ hạn", "Đang trong hạn", "Quá hạn"];

pub(crate) fn timeliness_values(t: &Timeliness) -> [u64; 4] {
    [t.on_time, t.late, t.open, t.overdue]
}

/// Short label of a clocked step, for narrow table headers.
pub(crate) fn step_short(step: &str) -> &'static str {
    match step {
        "decision" => "Quyết định phê duyệt",
        "answer" => "UBND tỉnh trả lời",
        "results_report" => "Báo cáo kết quả",
        "evaluation" => "Đánh giá kết quả",
        "notification" => "Thông báo kết luận",
        _ => "",
    }
}

/// The field of proposals whose field was not recorded (as the report names it).
pub(crate) const FIELD_NOT_RECORDED: &str = "(chưa ghi)";

/// The fields of `f` with their counts, in Vietnamese collation order, the proposals without a
/// field last.
pub(crate) fn fields_sorted(f: &Figures) -> Vec<(&str, u64)> {
    let mut v: Vec<(&str, u64)> = f.by_field.iter().map(|(k, n)| (k.as_str(), *n)).collect();
    v.sort_by_cached_key(|(k, _)| (*k == FIELD_NOT_RECORDED, collation_key(k)));
    v
}

/// The legal bases of `f` with their Vietnamese labels and counts: the regulation, the decree,
/// both, then any other value as recorded.
pub(crate) fn bases_sorted(f: &Figures) -> Vec<(String, u64)> {
    let rank = |b: &str| match b {
        "qd20" => 0,
        "nd73" => 1,
        "both" => 2,
        _ => 3,
    };
    let mut v: Vec<(&str, u64)> = f.by_basis.iter().map(|(k, n)| (k.as_ref(), *n)).collect();
    v.sort_by_cached_key(|(k, _)| (rank(k), collation_key(k)));
    v.into_iter()
        .map(|(k, n)| {
            let label = match (k, labels::basis(k)) {
                ("both", _) => "Cả Quy định 20-QĐ/TU và Nghị định 73/2023/NĐ-CP".to_string(),
                (_, "") => k.to_string(),
                (_, l) => l.to_string(),
            };
            (label, n)
        })
        .collect()
}

/// Proposals approved in any way.
/// The duty annex's activity columns, in its order: self-inspections, inspections,
/// preliminary and final reviews, commendations at unit level and proposed to the province,
/// disciplines.
pub(crate) fn activity_counts(f: &Figures) -> [u64; 7] {
    [
        f.self_inspections,
        f.inspections,
        f.reviews.preliminary,
        f.reviews.final_,
        f.commendations.unit_level,
        f.commendations.proposed_to_province,
        f.disciplines,
    ]
}

pub(crate) fn approved_total(f: &Figures) -> u64 {
    f.approved.by_vote + f.approved.by_head_decision + f.approved.by_province
}

/// One line of a unit table: a unit's own figures, or those of it and every unit under it.
pub(crate) struct UnitLine<'a> {
    pub unit: &'a UnitReport,
    pub figures: &'a Figures,
    /// The "cả địa bàn" line of a unit with units under it.
    pub subtree: bool,
}

impl UnitLine<'_> {
    /// The name as a table shows it.
    pub fn name(&self) -> String {
        if self.subtree {
            format!("{} (cả địa bàn)", self.unit.name)
        } else {
            self.unit.display_name()
        }
    }

    pub fn scope_label(&self) -> &'static str {
        if self.subtree {
            "Cả địa bàn"
        } else {
            "Đơn vị"
        }
    }
}

/// The lines of a unit table, in report order: each unit's own figures, preceded, for a unit
/// below the scope unit with units under it (a district), by its "cả địa bàn" line. The scope
/// unit's own subtree is the totals line, so it is not repeated. Summing the own lines gives the
/// totals.
pub(crate) fn unit_lines(report: &Report) -> impl Iterator<Item = UnitLine<'_>> {
    report.units.iter().flat_map(|u| {
        let sub = match &u.subtree {
            Some(s) if u.depth > 0 => Some(UnitLine {
                unit: u,
                figures: s.as_ref(),
                subtree: true,
            }),
            _ => None,
        };
        sub.into_iter().chain(std::iter::once(UnitLine {
            unit: u,
            figures: &u.figures,
            subtree: false,
        }))
    })
}

/// The Vietnamese label of a status name, or the name itself when unknown.
pub(crate) fn status_label(s: &str) -> &str {
    match Status::parse(s) {
        Some(st) => st.label_vi(),
        None => s,
    }
}

pub(crate) fn kind_label(k: UnitKind) -> &'static str {
    k.label_vi()
}

/// A value of the summary.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Num(u64),
    Text(String),
    Date(NaiveDate),
}

/// One line of the summary: a section heading (no value) or a labelled figure.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SummaryLine {
    pub label: String,
    pub value: Option<Val>,
    /// 0 = a figure of its own, 1 = a part of the figure above.
    pub level: u8,
}

/// The report's figures as labelled lines, in the order of the document's sections.
pub(crate) fn summary(report: &Report) -> Vec<SummaryLine> {
    let t = &report.totals;
    let mut out = Vec::with_capacity(96);
    let head = |out: &mut Vec<SummaryLine>, label: &str| {
        out.push(SummaryLine {
            label: label.to_string(),
            value: None,
            level: 0,
        })
    };
    let line = |out: &mut Vec<SummaryLine>, level: u8, label: &str, v: Val| {
        out.push(SummaryLine {
            label: label.to_string(),
            value: Some(v),
            level,
        })
    };
    use Val::{Date, Num, Text};

    head(&mut out, "Thông tin chung");
    line(
        &mut out,
        0,
        "Phạm vi báo cáo",
        Text(report.scope.name.clone()),
    );
    line(&mut out, 0, "Kỳ báo cáo", Text(report.period.label.clone()));
    line(&mut out, 0, "Từ ngày", Date(report.period.start));
    line(&mut out, 0, "Đến ngày", Date(report.period.end));
    line(&mut out, 0, "Số liệu tính đến ngày", Date(report.cutoff));
    if let Some(a) = report.as_of {
        line(&mut out, 0, "Theo dữ liệu máy chủ nhận đến ngày", Date(a));
    }
    line(
        &mut out,
        0,
        "Số đơn vị trong báo cáo",
        Num(report.units.len() as u64),
    );

    head(&mut out, "Đề xuất");
    line(&mut out, 0, "Đề xuất nộp trong kỳ", Num(t.proposals));
    for s in statuses() {
        line(&mut out, 1, s.label_vi(), Num(status_count(t, s)));
    }
    line(
        &mut out,
        0,
        "Đề xuất từ kỳ trước chuyển sang",
        Num(t.carried_over.proposals),
    );
    line(&mut out, 0, "Dự thảo chưa nộp (không tính)", Num(t.drafts));

    head(&mut out, "Phê duyệt");
    line(
        &mut out,
        0,
        "Đề xuất được phê duyệt",
        Num(approved_total(t)),
    );
    line(
        &mut out,
        1,
        "Theo kết quả biểu quyết của tập thể lãnh đạo",
        Num(t.approved.by_vote),
    );
    line(
        &mut out,
        1,
        "Theo quyết định bằng văn bản của người đứng đầu",
        Num(t.approved.by_head_decision),
    );
    line(
        &mut out,
        1,
        "Theo ý kiến của UBND tỉnh",
        Num(t.approved.by_province),
    );
    line(
        &mut out,
        1,
        "Trong đó: thực hiện thí điểm",
        Num(t.approved.pilot),
    );
    line(
        &mut out,
        0,
        "Đề xuất trình UBND tỉnh cho ý kiến trong kỳ",
        Num(t.escalations.total),
    );
    line(
        &mut out,
        0,
        "UBND tỉnh trả lời trong kỳ",
        Num(t.escalations.answered),
    );
    line(
        &mut out,
        0,
        "Đang chờ UBND tỉnh trả lời (đến ngày cuối kỳ)",
        Num(t.escalations.pending),
    );

    head(&mut out, "Lĩnh vực, căn cứ");
    for (field, n) in fields_sorted(t) {
        line(&mut out, 0, &format!("Lĩnh vực: {field}"), Num(n));
    }
    for (label, n) in bases_sorted(t) {
        line(&mut out, 0, &format!("Căn cứ: {label}"), Num(n));
    }

    head(&mut out, "Thời hạn các bước");
    for step in Step::ALL {
        let v = timeliness_values(&step_timeliness(t, step));
        for (label, n) in TIMELINESS_LABELS.iter().zip(v) {
            line(
                &mut out,
                0,
                &format!("{}: {}", labels::step(step), label.to_lowercase()),
                Num(n),
            );
        }
    }

    head(&mut out, "Đánh giá kết quả, bảo vệ cán bộ");
    for e in EvalResult::ALL {
        line(
            &mut out,
            0,
            &format!("Đánh giá: {}", labels::evaluation(e).to_lowercase()),
            Num(evaluation(t, e)),
        );
    }
    line(
        &mut out,
        0,
        "Đánh giá có thiệt hại",
        Num(t.evaluations_with_damage),
    );
    line(
        &mut out,
        0,
        "Bảo vệ: không bị xem xét trách nhiệm",
        Num(t.protection.not_liable),
    );
    line(
        &mut out,
        0,
        "Bảo vệ: được loại trừ trách nhiệm",
        Num(t.protection.excluded),
    );
    line(
        &mut out,
        0,
        "Bảo vệ: được xem xét loại trừ, miễn hoặc giảm nhẹ trách nhiệm",
        Num(t.protection.considered),
    );

    head(&mut out, "Khen thưởng, kỷ luật, kiểm tra");
    line(
        &mut out,
        0,
        "Khen thưởng ở cấp đơn vị",
        Num(t.commendations.unit_level),
    );
    line(
        &mut out,
        0,
        "Đề nghị Chủ tịch UBND tỉnh khen thưởng (qua Sở Nội vụ)",
        Num(t.commendations.proposed_to_province),
    );
    line(
        &mut out,
        1,
        "Chủ tịch UBND tỉnh quyết định khen thưởng",
        Num(t.commendations.granted_by_province),
    );
    line(
        &mut out,
        1,
        "Chủ tịch UBND tỉnh quyết định không khen thưởng",
        Num(t.commendations.not_granted_by_province),
    );
    line(
        &mut out,
        0,
        "Xử lý vi phạm, kỷ luật (đơn vị quyết định)",
        Num(t.disciplines),
    );
    line(
        &mut out,
        0,
        "Báo cáo, đề xuất UBND tỉnh xử lý vi phạm (qua Sở Nội vụ)",
        Num(t.disciplines_upward.proposed_to_province),
    );
    line(
        &mut out,
        1,
        "UBND tỉnh quyết định xử lý kỷ luật",
        Num(t.disciplines_upward.decided_by_province),
    );
    line(
        &mut out,
        1,
        "UBND tỉnh quyết định không áp dụng hình thức đề xuất",
        Num(t.disciplines_upward.not_applied_by_province),
    );
    line(
        &mut out,
        0,
        "Tự kiểm tra của đơn vị",
        Num(t.self_inspections),
    );
    line(&mut out, 0, "Kiểm tra của Sở Nội vụ", Num(t.inspections));
    line(&mut out, 0, "Sơ kết", Num(t.reviews.preliminary));
    line(&mut out, 0, "Tổng kết", Num(t.reviews.final_));

    for (title, d) in [
        ("Phổ biến, quán triệt Quy định", &t.dissemination),
        ("Ban hành kế hoạch thực hiện", &t.plans),
    ] {
        head(&mut out, title);
        line(&mut out, 0, "Đơn vị phải thực hiện", Num(d.units));
        line(&mut out, 1, "Đúng hạn", Num(d.on_time));
        line(&mut out, 1, "Trễ hạn", Num(d.late));
        line(&mut out, 1, "Chưa thực hiện", Num(d.not_done));
    }

    head(&mut out, "Cập nhật kết quả thực hiện");
    line(
        &mut out,
        0,
        "Đơn vị phải cập nhật trong kỳ",
        Num(t.completeness.expected),
    );
    line(&mut out, 1, "Đã cập nhật", Num(t.completeness.reported));
    out
}

/// A whole number with Vietnamese digit grouping (`12.345`).
pub(crate) fn num(n: u64) -> String {
    let s = n.to_string();
    // Digits are ASCII: byte offsets are character offsets.
    let head = match s.len() % 3 {
        0 => s.len().min(3),
        r => r,
    };
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    out.push_str(&s[..head]);
    let mut i = head;
    while i < s.len() {
        out.push('.');
        out.push_str(&s[i..i + 3]);
        i += 3;
    }
    out
}

/// `dd/mm/yyyy`.
pub(crate) fn date(d: NaiveDate) -> String {
    format!("{:02}/{:02}/{}", d.day(), d.month(), d.year())
}

/// The Decree 30 date words: `ngày 05 tháng 01 năm 2025` (days below 10 and months 1 and 2
/// take a leading zero), `ngày 15 tháng 3 năm 2025`.
pub(crate) fn date_words(d: NaiveDate) -> String {
    let month = if d.month() <= 2 {
        format!("{:02}", d.month())
    } else {
        d.month().to_string()
    };
    format!("ngày {:02} tháng {month} năm {}", d.day(), d.year())
}

/// The place of the place-and-date line: the province's name without "Ủy ban nhân dân" and
/// "tỉnh"/"thành phố" ("Ủy ban nhân dân tỉnh Quảng Nam" → "Quảng Nam").
pub(crate) fn place(province_name: &str) -> String {
    let n = province_name.trim();
    let n = strip_prefix_ci(n, "Ủy ban nhân dân ")
        .or_else(|| strip_prefix_ci(n, "UBND "))
        .unwrap_or(n);
    let n = strip_prefix_ci(n, "tỉnh ")
        .or_else(|| strip_prefix_ci(n, "thành phố "))
        .unwrap_or(n);
    n.trim().to_string()
}

/// The place of a district's or commune's place-and-date line: its name without the kind
/// ("Thành phố Tam Kỳ" → "Tam Kỳ", "Phường Tân Thạnh" → "Tân Thạnh"), or the full name when
/// the name is a number ("Phường 1", "Quận 3"), as Decree 30 asks.
pub(crate) fn local_place(name: &str) -> String {
    let n = name.trim();
    let n = strip_prefix_ci(n, "Ủy ban nhân dân ").unwrap_or(n);
    const KINDS: [&str; 8] = [
        "thành phố ",
        "thị xã ",
        "thị trấn ",
        "huyện ",
        "quận ",
        "xã ",
        "phường ",
        "đặc khu ",
    ];
    let rest = KINDS
        .iter()
        .find_map(|k| strip_prefix_ci(n, k))
        .map(str::trim)
        .filter(|r| !r.is_empty() && !r.starts_with(|c: char| c.is_ascii_digit()));
    let out = rest.unwrap_or(n);
    // "ủy ban nhân dân phường 1" → "Phường 1": the line starts with a capital.
    let mut chars = out.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    (head.to_lowercase() == prefix.to_lowercase()).then(|| &s[prefix.len()..])
}

/// A unit's name with a lower-case first letter ("Huyện Đông Giang" → "huyện Đông Giang").
pub(crate) fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Text safe for XML and HTML: `&`, `<`, `>`, quotes escaped, characters XML forbids dropped,
/// line breaks turned into spaces.
pub(crate) fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

/// [`escape_into`] into a new string.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    escape_into(&mut out, s);
    out
}

#[cfg(test)]
mod tests;
