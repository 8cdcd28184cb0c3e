//! XLSX: one sheet per table of the report, Vietnamese headers (bold, frozen), numbers as
//! numbers, dates as dates (dd/mm/yyyy), unit names indented by their depth, a "Tổng cộng" row
//! set apart below the filterable data (a blank row, bold, a border above, outside the
//! autofilter). Every sheet prints on A4 landscape, one page wide, with its header rows
//! repeated on each page and a print title in the page header.

use super::{
    kind_label, status_count, status_label, statuses, step_short, step_timeliness, summary,
    timeliness_values, unit_lines, DocInfo, RenderError, Val, TIMELINESS_LABELS,
};
use chrono::{Datelike, NaiveDate};
use doimoi_shared::report::{labels, DutyStatus, ListItem, Report};
use doimoi_shared::workflow::{Status, Step};
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format as XFormat, FormatAlign, FormatBorder, Workbook,
    Worksheet, XlsxError,
};

/// Deepest indentation used for unit names.
const MAX_DEPTH: usize = 6;

struct Styles {
    head: XFormat,
    title: XFormat,
    text: XFormat,
    bold: XFormat,
    num: XFormat,
    num_bold: XFormat,
    /// The totals row: bold, a border above.
    total_text: XFormat,
    total_num: XFormat,
    date: XFormat,
    /// Unit names by depth, plain and bold.
    names: Vec<XFormat>,
    names_bold: Vec<XFormat>,
    /// Summary labels by level.
    levels: [XFormat; 2],
}

impl Styles {
    fn new() -> Styles {
        let base = XFormat::new()
            .set_font_name("Times New Roman")
            .set_font_size(11);
        let name = |d: usize, bold: bool| {
            let f = base.clone().set_indent(u8::try_from(d).unwrap_or(0));
            if bold {
                f.set_bold()
            } else {
                f
            }
        };
        Styles {
            head: base
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_border(FormatBorder::Thin)
                .set_background_color("#DDEBF7"),
            title: base.clone().set_bold().set_font_size(13),
            text: base.clone(),
            bold: base.clone().set_bold(),
            num: base.clone().set_num_format("#,##0"),
            num_bold: base.clone().set_num_format("#,##0").set_bold(),
            total_text: base.clone().set_bold().set_border_top(FormatBorder::Thin),
            total_num: base
                .clone()
                .set_num_format("#,##0")
                .set_bold()
                .set_border_top(FormatBorder::Thin),
            date: base
                .clone()
                .set_num_format("dd/mm/yyyy")
                .set_align(FormatAlign::Left),
            names: (0..=MAX_DEPTH).map(|d| name(d, false)).collect(),
            names_bold: (0..=MAX_DEPTH).map(|d| name(d, true)).collect(),
            levels: [base.clone(), base.clone().set_indent(2)],
        }
    }

    fn name(&self, depth: u32, bold: bool) -> &XFormat {
        let d = usize::try_from(depth).unwrap_or(MAX_DEPTH).min(MAX_DEPTH);
        let v = if bold { &self.names_bold } else { &self.names };
        v.get(d).unwrap_or(&self.text)
    }
}

fn xerr(e: XlsxError) -> RenderError {
    RenderError::Xlsx(e.to_string())
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    let y = u16::try_from(d.year()).unwrap_or(1900);
    // Month and day are 1–12 and 1–31.
    ExcelDateTime::from_ymd(y, d.month() as u8, d.day() as u8)
}

fn write_date(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    d: NaiveDate,
    st: &Styles,
) -> Result<(), XlsxError> {
    ws.write_datetime_with_format(row, col, excel_date(d)?, &st.date)?;
    Ok(())
}

/// Header row(s) written, frozen, widths set.
fn header(
    ws: &mut Worksheet,
    row: u32,
    titles: &[&str],
    widths: &[f64],
    st: &Styles,
) -> Result<(), XlsxError> {
    for (c, t) in titles.iter().enumerate() {
        ws.write_string_with_format(row, col(c), *t, &st.head)?;
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(col(c), *w)?;
    }
    ws.set_row_height(row, 45)?;
    ws.set_freeze_panes(row + 1, 0)?;
    Ok(())
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// Print setup of a sheet: A4 landscape, one page wide (as many pages long as needed), the
/// header rows `first..=last` repeated on every page, the sheet's title and the report's
/// scope and period in the page header, page numbers in the footer.
fn print_setup(
    ws: &mut Worksheet,
    report: &Report,
    title: &str,
    first: u32,
    last: u32,
) -> Result<(), XlsxError> {
    ws.set_paper_size(9);
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_margins(0.4, 0.4, 0.6, 0.5, 0.25, 0.25);
    ws.set_print_center_horizontally(true);
    ws.set_repeat_rows(first, last)?;
    // Header and footer codes start with "&": a literal one is doubled. Excel takes at most
    // 255 characters.
    let text =
        format!("{title} — {}, {}", report.scope.name, report.period.label).replace('&', "&&");
    let text: String = text.chars().take(200).collect();
    ws.set_header(format!("&C&\"Times New Roman,Bold\"&11{text}"));
    ws.set_footer("&C&\"Times New Roman,Regular\"&9Trang &P/&N");
    Ok(())
}

pub(super) fn render(report: &Report, info: &DocInfo) -> Result<Vec<u8>, RenderError> {
    let st = Styles::new();
    let mut wb = Workbook::new();
    let created = excel_date(info.today).map_err(xerr)?;
    let props = DocProperties::new()
        .set_title(report.title.as_str())
        .set_author("doimoi")
        .set_company(report.scope.name.as_str())
        .set_creation_datetime(&created);
    wb.set_properties(&props);
    // The sheets are independent: built on every core, added in order.
    type Build = fn(&Report, &Styles) -> Result<Worksheet, XlsxError>;
    let builders: [Build; 5] = [
        summary_sheet,
        status_sheet,
        timeliness_sheet,
        duties_sheet,
        lists_sheet,
    ];
    let sheets =
        doimoi_shared::par::try_map(builders.to_vec(), |b| b(report, &st)).map_err(xerr)?;
    for ws in sheets {
        wb.push_worksheet(ws);
    }
    // Fast deflate: a province workbook of 12,000 units spent most of its time compressing at
    // the default level; level 1 costs a few per cent in size.
    wb.set_zip_compression_level(1);
    wb.save_to_buffer().map_err(xerr)
}

fn summary_sheet(report: &Report, st: &Styles) -> Result<Worksheet, XlsxError> {
    let mut ws = Worksheet::new();
    ws.set_name("Tổng hợp")?;
    header(&mut ws, 0, &["Chỉ tiêu", "Số liệu"], &[70.0, 22.0], st)?;
    print_setup(&mut ws, report, "Tổng hợp số liệu", 0, 0)?;
    let mut r = 1u32;
    ws.write_string_with_format(r, 0, report.title.as_str(), &st.title)?;
    r += 1;
    for line in summary(report) {
        match &line.value {
            None => {
                r += 1;
                ws.write_string_with_format(r, 0, line.label.as_str(), &st.bold)?;
            }
            Some(v) => {
                let f = &st.levels[usize::from(line.level.min(1))];
                ws.write_string_with_format(r, 0, line.label.as_str(), f)?;
                match v {
                    Val::Num(n) => {
                        ws.write_number_with_format(r, 1, *n as f64, &st.num)?;
                    }
                    Val::Text(t) => {
                        ws.write_string_with_format(r, 1, t.as_str(), &st.text)?;
                    }
                    Val::Date(d) => write_date(&mut ws, r, 1, *d, st)?,
                }
            }
        }
        r += 1;
    }
    r += 1;
    ws.write_string_with_format(r, 0, "Ghi chú về cách tính số liệu", &st.bold)?;
    for n in &report.notes {
        r += 1;
        ws.write_string_with_format(r, 0, n.as_str(), &st.text)?;
    }
    Ok(ws)
}

/// Columns shared by the unit tables: code, name, kind, scope of the line.
const UNIT_COLS: [&str; 4] = ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Phạm vi số liệu"];
const UNIT_WIDTHS: [f64; 4] = [10.0, 42.0, 14.0, 11.0];

fn unit_cells(
    ws: &mut Worksheet,
    r: u32,
    line: &super::UnitLine<'_>,
    st: &Styles,
) -> Result<(), XlsxError> {
    let fmt = if line.subtree { &st.bold } else { &st.text };
    ws.write_string_with_format(r, 0, line.unit.code.as_str(), fmt)?;
    ws.write_string_with_format(r, 1, line.name(), st.name(line.unit.depth, line.subtree))?;
    ws.write_string_with_format(r, 2, kind_label(line.unit.kind), fmt)?;
    ws.write_string_with_format(r, 3, line.scope_label(), fmt)?;
    Ok(())
}

/// The totals row's first cells: "Tổng cộng" and the border across the unit columns.
fn totals_cells(ws: &mut Worksheet, r: u32, st: &Styles) -> Result<(), XlsxError> {
    ws.write_blank(r, 0, &st.total_text)?;
    ws.write_string_with_format(r, 1, "Tổng cộng", &st.total_text)?;
    ws.write_blank(r, 2, &st.total_text)?;
    ws.write_blank(r, 3, &st.total_text)?;
    Ok(())
}

fn numbers(
    ws: &mut Worksheet,
    r: u32,
    first: u16,
    values: impl IntoIterator<Item = u64>,
    bold: bool,
    st: &Styles,
) -> Result<(), XlsxError> {
    let f = if bold { &st.num_bold } else { &st.num };
    for (i, v) in values.into_iter().enumerate() {
        ws.write_number_with_format(r, first + col(i), v as f64, f)?;
    }
    Ok(())
}

/// The totals row's numbers: bold, a border above.
fn total_numbers(
    ws: &mut Worksheet,
    r: u32,
    first: u16,
    values: impl IntoIterator<Item = u64>,
    st: &Styles,
) -> Result<(), XlsxError> {
    for (i, v) in values.into_iter().enumerate() {
        ws.write_number_with_format(r, first + col(i), v as f64, &st.total_num)?;
    }
    Ok(())
}

fn status_values(f: &doimoi_shared::report::Figures) -> Vec<u64> {
    std::iter::once(f.proposals)
        .chain(statuses().map(|s| status_count(f, s)))
        .chain([f.carried_over.proposals, f.drafts])
        .collect()
}

fn status_sheet(report: &Report, st: &Styles) -> Result<Worksheet, XlsxError> {
    let mut ws = Worksheet::new();
    ws.set_name("Theo đơn vị và trạng thái")?;
    let labels: Vec<&str> = statuses().map(Status::label_vi).collect();
    let mut titles: Vec<&str> = UNIT_COLS.to_vec();
    titles.push("Số đề xuất nộp trong kỳ");
    titles.extend(labels);
    titles.push("Từ kỳ trước chuyển sang");
    titles.push("Dự thảo chưa nộp");
    let mut widths = UNIT_WIDTHS.to_vec();
    widths.resize(titles.len(), 10.0);
    header(&mut ws, 0, &titles, &widths, st)?;
    print_setup(&mut ws, report, "Đề xuất theo đơn vị và trạng thái", 0, 0)?;
    let mut r = 1u32;
    for line in unit_lines(report) {
        unit_cells(&mut ws, r, &line, st)?;
        numbers(&mut ws, r, 4, status_values(line.figures), line.subtree, st)?;
        r += 1;
    }
    // The filter covers the data rows only; the totals stand one row below.
    ws.autofilter(0, 0, r.saturating_sub(1).max(1), col(titles.len() - 1))?;
    r += 1;
    totals_cells(&mut ws, r, st)?;
    total_numbers(&mut ws, r, 4, status_values(&report.totals), st)?;
    Ok(ws)
}

fn timeliness_values_all(f: &doimoi_shared::report::Figures) -> Vec<u64> {
    Step::ALL
        .into_iter()
        .flat_map(|s| timeliness_values(&step_timeliness(f, s)))
        .collect()
}

fn timeliness_sheet(report: &Report, st: &Styles) -> Result<Worksheet, XlsxError> {
    let mut ws = Worksheet::new();
    ws.set_name("Đúng hạn")?;
    // Two header rows: the steps over their four outcomes.
    for (c, t) in UNIT_COLS.iter().enumerate() {
        ws.merge_range(0, col(c), 1, col(c), t, &st.head)?;
        ws.set_column_width(col(c), UNIT_WIDTHS[c])?;
    }
    for (i, step) in Step::ALL.into_iter().enumerate() {
        let first = col(UNIT_COLS.len() + 4 * i);
        ws.merge_range(0, first, 0, first + 3, labels::step(step), &st.head)?;
        for (j, l) in TIMELINESS_LABELS.iter().enumerate() {
            ws.write_string_with_format(1, first + col(j), *l, &st.head)?;
            ws.set_column_width(first + col(j), 10.0)?;
        }
    }
    ws.set_row_height(0, 32)?;
    ws.set_row_height(1, 32)?;
    ws.set_freeze_panes(2, 0)?;
    print_setup(
        &mut ws,
        report,
        "Thời hạn thực hiện các bước theo đơn vị",
        0,
        1,
    )?;
    let mut r = 2u32;
    for line in unit_lines(report) {
        unit_cells(&mut ws, r, &line, st)?;
        numbers(
            &mut ws,
            r,
            4,
            timeliness_values_all(line.figures),
            line.subtree,
            st,
        )?;
        r += 1;
    }
    let last_col = col(UNIT_COLS.len() + 4 * Step::ALL.len() - 1);
    ws.autofilter(1, 0, r.saturating_sub(1).max(2), last_col)?;
    r += 1;
    totals_cells(&mut ws, r, st)?;
    total_numbers(&mut ws, r, 4, timeliness_values_all(&report.totals), st)?;
    Ok(ws)
}

fn duty_state(d: &DutyStatus) -> &'static str {
    match (d.done, d.on_time) {
        (true, true) => "Đúng hạn",
        (true, false) => "Trễ hạn",
        (false, _) => "Chưa thực hiện",
    }
}

fn duty_numbers(f: &doimoi_shared::report::Figures) -> [u64; 8] {
    let [a, b, c, d, e, g, h] = super::activity_counts(f);
    [
        a,
        b,
        c,
        d,
        e,
        g,
        h,
        f.protection.not_liable + f.protection.excluded + f.protection.considered,
    ]
}

fn duties_sheet(report: &Report, st: &Styles) -> Result<Worksheet, XlsxError> {
    let mut ws = Worksheet::new();
    ws.set_name("Nhiệm vụ đơn vị")?;
    let mut titles: Vec<&str> = UNIT_COLS.to_vec();
    titles.extend([
        "Phổ biến, quán triệt: tình trạng",
        "Phổ biến, quán triệt: ngày",
        "Hạn thực hiện",
        "Kế hoạch: tình trạng",
        "Kế hoạch: số, ký hiệu",
        "Kế hoạch: ngày",
        "Tự kiểm tra",
        "Kiểm tra của Sở Nội vụ",
        "Sơ kết",
        "Tổng kết",
        "Khen thưởng cấp đơn vị",
        "Đề nghị Chủ tịch UBND tỉnh khen thưởng",
        "Kỷ luật",
        "Kết luận bảo vệ",
        "Đã cập nhật trong kỳ",
    ]);
    let mut widths = UNIT_WIDTHS.to_vec();
    widths.extend([
        15.0, 12.0, 12.0, 15.0, 16.0, 12.0, 10.0, 11.0, 9.0, 9.0, 11.0, 13.0, 9.0, 10.0, 11.0,
    ]);
    header(&mut ws, 0, &titles, &widths, st)?;
    print_setup(
        &mut ws,
        report,
        "Tình hình thực hiện nhiệm vụ của các đơn vị",
        0,
        0,
    )?;
    let mut r = 1u32;
    for u in &report.units {
        let line = super::UnitLine {
            unit: u,
            figures: &u.figures,
            subtree: false,
        };
        unit_cells(&mut ws, r, &line, st)?;
        let dash = "—";
        match &u.disseminated {
            Some(d) => {
                ws.write_string_with_format(r, 4, duty_state(d), &st.text)?;
                if let Some(x) = d.date {
                    write_date(&mut ws, r, 5, x, st)?;
                }
                write_date(&mut ws, r, 6, d.deadline, st)?;
            }
            None => {
                ws.write_string_with_format(r, 4, dash, &st.text)?;
            }
        }
        match &u.plan {
            Some(p) => {
                ws.write_string_with_format(r, 7, duty_state(p), &st.text)?;
                if p.number.is_some() {
                    ws.write_string_with_format(r, 8, p.number_text(), &st.text)?;
                }
                if let Some(x) = p.date {
                    write_date(&mut ws, r, 9, x, st)?;
                }
            }
            None => {
                ws.write_string_with_format(r, 7, dash, &st.text)?;
            }
        }
        numbers(&mut ws, r, 10, duty_numbers(&u.figures), false, st)?;
        let reported = if !u.has_duties {
            dash
        } else if u.reported {
            "Có"
        } else {
            "Chưa"
        };
        ws.write_string_with_format(r, 18, reported, &st.text)?;
        r += 1;
    }
    ws.autofilter(0, 0, r.saturating_sub(1).max(1), col(titles.len() - 1))?;
    r += 1;
    let t = &report.totals;
    totals_cells(&mut ws, r, st)?;
    for c in 4..=9 {
        ws.write_blank(r, c, &st.total_text)?;
    }
    let duty_sum = |d: &doimoi_shared::report::DutyCount| {
        format!(
            "{} đúng hạn, {} trễ hạn, {} chưa",
            d.on_time, d.late, d.not_done
        )
    };
    ws.write_string_with_format(r, 4, duty_sum(&t.dissemination), &st.total_text)?;
    ws.write_string_with_format(r, 7, duty_sum(&t.plans), &st.total_text)?;
    total_numbers(&mut ws, r, 10, duty_numbers(t), st)?;
    ws.write_string_with_format(
        r,
        18,
        format!("{}/{}", t.completeness.reported, t.completeness.expected),
        &st.total_text,
    )?;
    Ok(ws)
}

fn lists_sheet(report: &Report, st: &Styles) -> Result<Worksheet, XlsxError> {
    let mut ws = Worksheet::new();
    ws.set_name("Danh sách")?;
    let titles = [
        "Danh sách",
        "Mã đề xuất",
        "Tên đề xuất",
        "Mã đơn vị",
        "Đơn vị",
        "Trạng thái",
        "Bước",
        "Ngày (trình UBND tỉnh / hạn)",
    ];
    header(
        &mut ws,
        0,
        &titles,
        &[24.0, 30.0, 56.0, 11.0, 36.0, 22.0, 22.0, 14.0],
        st,
    )?;
    print_setup(&mut ws, report, "Danh sách đề xuất cần theo dõi", 0, 0)?;
    let lists: [(&str, &[ListItem]); 3] = [
        (
            "Chờ UBND tỉnh cho ý kiến",
            &report.lists.escalations_pending,
        ),
        ("Quá hạn", &report.lists.overdue),
        ("Xung đột dữ liệu", &report.lists.conflicts),
    ];
    let mut r = 1u32;
    for (name, items) in lists {
        for it in items {
            ws.write_string_with_format(r, 0, name, &st.text)?;
            ws.write_string_with_format(r, 1, it.id.as_str(), &st.text)?;
            ws.write_string_with_format(r, 2, cell_text(&it.title).as_ref(), &st.text)?;
            ws.write_string_with_format(r, 3, it.unit.as_str(), &st.text)?;
            ws.write_string_with_format(r, 4, it.unit_name.as_str(), &st.text)?;
            ws.write_string_with_format(r, 5, status_label(&it.status), &st.text)?;
            ws.write_string_with_format(r, 6, step_short(&it.step), &st.text)?;
            if let Some(d) = it.date {
                write_date(&mut ws, r, 7, d, st)?;
            }
            r += 1;
        }
    }
    if r == 1 {
        ws.write_string_with_format(r, 0, "Không có đề xuất nào trong các danh sách.", &st.text)?;
    } else {
        ws.autofilter(0, 0, r - 1, col(titles.len() - 1))?;
    }
    Ok(ws)
}

/// A text as an Excel cell can hold it (32,767 characters): the core keeps every field below
/// that; a longer one (from data older than the limits) is cut with a note, never a failed
/// report.
fn cell_text(s: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 32_000;
    if s.chars().count() <= MAX {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut cut: String = s.chars().take(MAX).collect();
    cut.push_str("… (đã cắt bớt, xem toàn văn trong hồ sơ)");
    std::borrow::Cow::Owned(cut)
}
