//! The annexes on landscape pages, each a section of its own whose page numbers start again
//! at 1: tables by unit with a line only for the units that have something to show and one
//! line for the rest, the lists, and the breakdowns by field and legal basis.

use super::*;

pub(super) fn annex_title(
    x: &mut Xml,
    report: &Report,
    info: &DocInfo,
    who: &Issuer,
    number: &str,
    title: &str,
) {
    x.p_open("PL", "<w:keepNext/>");
    x.run(rpr::NONE, &format!("Phụ lục {number}"));
    x.p_close();
    x.p("PL", rpr::NONE, &title.to_uppercase());
    x.p_open("C", "<w:keepNext/>");
    x.run(
        rpr::I,
        &format!(
            "(Kèm theo Báo cáo {} của {})",
            number_and_date(who, info),
            who.sender
        ),
    );
    x.p_close();
    x.p_open("C", "<w:keepNext/><w:spacing w:after=\"120\"/>");
    x.run(
        rpr::I,
        &format!(
            "Kỳ báo cáo: {} (từ ngày {} đến ngày {}); số liệu tính đến ngày {}",
            report.period.label,
            date(report.period.start),
            date(report.period.end),
            date(report.cutoff)
        ),
    );
    x.p_close();
}

pub(super) fn sub_title(x: &mut Xml, text: &str) {
    x.p_open(
        "L",
        "<w:keepNext/><w:spacing w:before=\"200\" w:after=\"80\"/>",
    );
    x.run(rpr::B, text);
    x.p_close();
}

pub(super) fn indent(depth: u32) -> u32 {
    depth.min(6) * DEPTH_INDENT
}

pub(super) fn annexes(x: &mut Xml, report: &Report, info: &DocInfo, who: &Issuer) {
    annex_statuses(x, report, info, who);
    x.raw(&format!("<w:p><w:pPr>{}</w:pPr></w:p>", annex_sect_pr()));
    annex_timeliness(x, report, info, who);
    x.raw(&format!("<w:p><w:pPr>{}</w:pPr></w:p>", annex_sect_pr()));
    annex_duties(x, report, info, who);
    x.raw(&format!("<w:p><w:pPr>{}</w:pPr></w:p>", annex_sect_pr()));
    annex_lists(x, report, info, who);
    x.raw(&format!("<w:p><w:pPr>{}</w:pPr></w:p>", annex_sect_pr()));
    annex_fields(x, report, info, who);
    sub_title(x, "Ghi chú về cách tính số liệu");
    for n in &report.notes {
        x.p("L", rpr::S11, &format!("- {n}"));
    }
    // The last annex's section properties are the body's own (document.rs).
}

/// The unit lines with something to show by `show`, and how many units' own lines were left
/// out.
pub(super) fn shown_lines<'a>(
    report: &'a Report,
    show: impl Fn(&Figures) -> bool,
) -> (Vec<UnitLine<'a>>, u64) {
    let mut omitted = 0u64;
    let mut out = Vec::new();
    for line in unit_lines(report) {
        if show(line.figures) {
            out.push(line);
        } else if !line.subtree {
            omitted += 1;
        }
    }
    (out, omitted)
}

/// The line standing for the units left out of a table: "Các đơn vị còn lại (N đơn vị): …".
pub(super) fn rest_text(omitted: u64, shown_units: usize, what: &str) -> String {
    match (omitted, shown_units) {
        (1, 0) => format!("Đơn vị: {what}"),
        (n, 0) => format!("Tất cả {} đơn vị: {what}", num(n)),
        (n, _) => format!("Các đơn vị còn lại ({} đơn vị): {what}", num(n)),
    }
}

/// A table row of an empty STT cell and `text` across the other `columns - 1` columns.
pub(super) fn rest_row(x: &mut Xml, columns: usize, text: &str) {
    x.tr_open(false);
    x.cell("TN", "", 0);
    x.tc_open(0, columns.saturating_sub(1), None);
    x.cell_p("TC", text, 0);
    x.raw("</w:tc>");
    x.tr_close();
}

pub(super) fn annex_statuses(x: &mut Xml, report: &Report, info: &DocInfo, who: &Issuer) {
    annex_title(
        x,
        report,
        info,
        who,
        "I",
        "Tổng hợp đề xuất theo đơn vị và trạng thái",
    );
    let n_status = statuses().count();
    let name_w = 3_170;
    let stt_w = 500;
    let num_w = (LANDSCAPE_TEXT - name_w - stt_w) / (n_status as u32 + 1);
    let mut widths = vec![stt_w, name_w];
    widths.resize(n_status + 3, num_w);
    let mut titles = vec!["STT", "Đơn vị", "Số đề xuất nộp trong kỳ"];
    titles.extend(statuses().map(Status::label_vi));
    x.table_open(&widths, true);
    x.head_row(&titles, &widths);
    let (lines, omitted) = shown_lines(report, |f| f.proposals > 0);
    let mut stt = 0u64;
    for line in &lines {
        x.tr_open(false);
        let bold = line.subtree;
        if bold {
            x.cell("TN", "", 0);
        } else {
            stt += 1;
            x.cell("TN", &stt.to_string(), 0);
        }
        x.cell(
            if bold { "TCB" } else { "TC" },
            &line.name(),
            indent(line.unit.depth),
        );
        x.num_cell(line.figures.proposals, bold);
        for st in statuses() {
            x.num_cell(status_count(line.figures, st), bold);
        }
        x.tr_close();
    }
    if omitted > 0 {
        rest_row(
            x,
            widths.len(),
            &rest_text(omitted, stt as usize, "chưa phát sinh đề xuất nộp trong kỳ"),
        );
    }
    x.tr_open(false);
    x.cell("TN", "", 0);
    x.cell("TCB", "Tổng cộng", 0);
    x.num_cell(report.totals.proposals, true);
    for st in statuses() {
        x.num_cell(status_count(&report.totals, st), true);
    }
    x.tr_close();
    x.table_close();
    let extra = counted_parts(&[
        (
            report.totals.carried_over.proposals,
            "đề xuất nộp từ kỳ trước chuyển sang",
        ),
        (report.totals.drafts, "dự thảo chưa nộp"),
    ]);
    if !extra.is_empty() {
        x.p(
            "L",
            rpr::S11,
            &format!("Ngoài ra (không tính vào bảng): {}.", extra.join("; ")),
        );
    }
}

/// `(count, what)` with the zero counts left out ("2 dự thảo chưa nộp").
pub(super) fn counted_parts(items: &[(u64, &str)]) -> Vec<String> {
    items
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, w)| format!("{} {w}", num(*n)))
        .collect()
}

pub(super) fn annex_timeliness(x: &mut Xml, report: &Report, info: &DocInfo, who: &Issuer) {
    annex_title(
        x,
        report,
        info,
        who,
        "II",
        "Tình hình thực hiện đúng hạn các bước",
    );
    // 1. By step.
    sub_title(x, "1. Tổng hợp theo bước");
    let widths = [500, 5_070, 1_800, 1_800, 1_800, 1_800, 1_800];
    x.table_open(&widths, true);
    let mut titles = vec!["STT", "Bước"];
    titles.extend(TIMELINESS_LABELS);
    titles.push("Tổng số");
    x.head_row(&titles, &widths);
    for (i, step) in Step::ALL.into_iter().enumerate() {
        let v = timeliness_values(&step_timeliness(&report.totals, step));
        x.tr_open(false);
        x.cell("TN", &(i + 1).to_string(), 0);
        x.cell("TC", labels::step(step), 0);
        for n in v {
            x.num_cell(n, false);
        }
        x.num_cell(v.iter().sum(), false);
        x.tr_close();
    }
    x.table_close();
    let e = &report.totals.escalations;
    let answer = timeliness_values(&step_timeliness(&report.totals, Step::Answer));
    if answer.iter().all(|n| *n == 0) && (e.answered > 0 || e.pending > 0) {
        x.p(
            "L",
            rpr::S11,
            &format!(
                "Bước \"UBND tỉnh trả lời\" chưa có quy định về thời hạn: {}.",
                counted_parts(&[
                    (e.answered, "đề xuất được UBND tỉnh trả lời trong kỳ"),
                    (e.pending, "đề xuất đang chờ ý kiến đến ngày cuối kỳ"),
                ])
                .join(", ")
            ),
        );
    }

    // 2. By unit: each step over its four outcomes.
    sub_title(x, "2. Theo đơn vị");
    let stt_w = 500;
    let cells = Step::ALL.len() * 4;
    let num_w = 560;
    let name_w = LANDSCAPE_TEXT - stt_w - num_w * cells as u32;
    let mut widths = vec![stt_w, name_w];
    widths.resize(cells + 2, num_w);
    x.table_open(&widths, true);
    x.tr_open(true);
    x.head_cell("STT", &widths, 0, 1, Some(true));
    x.head_cell("Đơn vị", &widths, 1, 1, Some(true));
    for (i, step) in Step::ALL.into_iter().enumerate() {
        x.head_cell(step_short(step.as_str()), &widths, 2 + 4 * i, 4, None);
    }
    x.tr_close();
    x.tr_open(true);
    x.head_cell("", &widths, 0, 1, Some(false));
    x.head_cell("", &widths, 1, 1, Some(false));
    for i in 0..Step::ALL.len() {
        for (j, l) in TIMELINESS_LABELS.iter().enumerate() {
            x.head_cell(l, &widths, 2 + 4 * i + j, 1, None);
        }
    }
    x.tr_close();
    let mut stt = 0u64;
    let row = |x: &mut Xml, f: &Figures, bold: bool| {
        for step in Step::ALL {
            for n in timeliness_values(&step_timeliness(f, step)) {
                x.num_cell(n, bold);
            }
        }
    };
    let (lines, omitted) = shown_lines(report, |f| {
        Step::ALL.into_iter().any(|s| {
            timeliness_values(&step_timeliness(f, s))
                .iter()
                .any(|n| *n > 0)
        })
    });
    for line in &lines {
        x.tr_open(false);
        if line.subtree {
            x.cell("TN", "", 0);
        } else {
            stt += 1;
            x.cell("TN", &stt.to_string(), 0);
        }
        x.cell(
            if line.subtree { "TCB" } else { "TC" },
            &line.name(),
            indent(line.unit.depth),
        );
        row(x, line.figures, line.subtree);
        x.tr_close();
    }
    if omitted > 0 {
        rest_row(
            x,
            widths.len(),
            &rest_text(
                omitted,
                stt as usize,
                "chưa phát sinh bước có thời hạn trong kỳ",
            ),
        );
    }
    x.tr_open(false);
    x.cell("TN", "", 0);
    x.cell("TCB", "Tổng cộng", 0);
    row(x, &report.totals, true);
    x.tr_close();
    x.table_close();
}

pub(super) fn duty_cells(x: &mut Xml, d: Option<&DutyStatus>, with_number: bool) {
    match d {
        Some(d) => {
            let state = match (d.done, d.on_time) {
                (true, true) => "Đúng hạn",
                (true, false) => "Trễ hạn",
                (false, _) => "Chưa",
            };
            if with_number {
                x.cell("TC", &d.number_text(), 0);
            }
            x.cell("TN", &d.date.map(date).unwrap_or_default(), 0);
            x.cell("TN", state, 0);
        }
        None => {
            let n = if with_number { 3 } else { 2 };
            for _ in 0..n {
                x.cell("TN", "—", 0);
            }
        }
    }
}

pub(super) fn annex_duties(x: &mut Xml, report: &Report, info: &DocInfo, who: &Issuer) {
    annex_title(
        x,
        report,
        info,
        who,
        "III",
        "Tình hình thực hiện nhiệm vụ của các đơn vị",
    );
    // STT, unit | dissemination: date, state | plan: number, date, state | self-inspections,
    // inspections, preliminary, final reviews | commendations: unit, province | discipline |
    // reported.
    let widths = [
        500, 3_064, 1_050, 1_000, 1_350, 1_050, 1_000, 820, 820, 700, 700, 820, 820, 700, 1_126,
    ];
    x.table_open(&widths, true);
    x.tr_open(true);
    x.head_cell("STT", &widths, 0, 1, Some(true));
    x.head_cell("Đơn vị", &widths, 1, 1, Some(true));
    x.head_cell("Phổ biến, quán triệt", &widths, 2, 2, None);
    x.head_cell("Kế hoạch thực hiện", &widths, 4, 3, None);
    x.head_cell("Tự kiểm tra", &widths, 7, 1, Some(true));
    x.head_cell("Sở Nội vụ kiểm tra", &widths, 8, 1, Some(true));
    x.head_cell("Sơ kết", &widths, 9, 1, Some(true));
    x.head_cell("Tổng kết", &widths, 10, 1, Some(true));
    x.head_cell("Khen thưởng", &widths, 11, 2, None);
    x.head_cell("Kỷ luật", &widths, 13, 1, Some(true));
    x.head_cell("Đã cập nhật trong kỳ", &widths, 14, 1, Some(true));
    x.tr_close();
    x.tr_open(true);
    x.head_cell("", &widths, 0, 1, Some(false));
    x.head_cell("", &widths, 1, 1, Some(false));
    for (i, t) in ["Ngày", "Tình trạng", "Số, ký hiệu", "Ngày", "Tình trạng"]
        .iter()
        .enumerate()
    {
        x.head_cell(t, &widths, 2 + i, 1, None);
    }
    for i in 7..=10 {
        x.head_cell("", &widths, i, 1, Some(false));
    }
    x.head_cell("Cấp đơn vị", &widths, 11, 1, None);
    x.head_cell("Đề nghị tỉnh", &widths, 12, 1, None);
    x.head_cell("", &widths, 13, 1, Some(false));
    x.head_cell("", &widths, 14, 1, Some(false));
    x.tr_close();
    let counts = |x: &mut Xml, f: &Figures, bold: bool| {
        for n in crate::render::activity_counts(f) {
            x.num_cell(n, bold);
        }
    };
    let (shown, omitted) = duty_units(report);
    for (i, u) in shown.iter().enumerate() {
        x.tr_open(false);
        x.cell("TN", &(i + 1).to_string(), 0);
        x.cell("TC", &u.display_name(), indent(u.depth));
        duty_cells(x, u.disseminated.as_ref(), false);
        duty_cells(x, u.plan.as_ref(), true);
        counts(x, &u.figures, false);
        let reported = match (u.has_duties, u.reported) {
            (false, _) => "—",
            (true, true) => "Có",
            (true, false) => "Chưa",
        };
        x.cell("TN", reported, 0);
        x.tr_close();
    }
    if omitted > 0 {
        rest_row(
            x,
            widths.len(),
            &rest_text(
                omitted,
                shown.len(),
                "chưa phổ biến, quán triệt; chưa ban hành kế hoạch; chưa phát sinh hoạt động và chưa cập nhật trong kỳ",
            ),
        );
    }
    let t = &report.totals;
    let sum = |d: &DutyCount| {
        let parts = counted_parts(&[
            (d.on_time, "đúng hạn"),
            (d.late, "trễ hạn"),
            (d.not_done, "chưa"),
        ]);
        if parts.is_empty() {
            "—".to_string()
        } else {
            parts.join("; ")
        }
    };
    x.tr_open(false);
    x.cell("TN", "", 0);
    x.cell("TCB", "Tổng cộng", 0);
    x.tc_open(0, 2, None);
    x.cell_p("TNB", &sum(&t.dissemination), 0);
    x.raw("</w:tc>");
    x.tc_open(0, 3, None);
    x.cell_p("TNB", &sum(&t.plans), 0);
    x.raw("</w:tc>");
    counts(x, t, true);
    x.cell(
        "TNB",
        &format!(
            "{}/{}",
            num(t.completeness.reported),
            num(t.completeness.expected)
        ),
        0,
    );
    x.tr_close();
    x.table_close();
}

/// The units the duties annex shows (those with anything recorded) and how many units with
/// duties had nothing (units without duties and nothing recorded, UBND tỉnh, are left out).
pub(super) fn duty_units(report: &Report) -> (Vec<&UnitReport>, u64) {
    let mut omitted = 0;
    let mut shown = Vec::new();
    for u in &report.units {
        let f = &u.figures;
        let done = |d: Option<&DutyStatus>| d.is_some_and(|d| d.done);
        let something = done(u.disseminated.as_ref())
            || done(u.plan.as_ref())
            || u.reported
            || crate::render::activity_counts(f).iter().any(|n| *n > 0);
        if something {
            shown.push(u);
        } else if u.has_duties {
            omitted += 1;
        }
    }
    (shown, omitted)
}

pub(super) fn annex_lists(x: &mut Xml, report: &Report, info: &DocInfo, who: &Issuer) {
    annex_title(x, report, info, who, "IV", "Danh sách đề xuất cần theo dõi");
    let lists = &report.lists;
    let empty = |x: &mut Xml| x.p("L", rpr::I, "Không có.");

    sub_title(x, "1. Đề xuất đang chờ Ủy ban nhân dân tỉnh cho ý kiến");
    if lists.escalations_pending.is_empty() {
        empty(x);
    } else {
        let widths = [500, 4_000, 8_070, 2_000];
        list_table(
            x,
            &widths,
            &["STT", "Đơn vị", "Tên đề xuất", "Ngày trình"],
            &lists.escalations_pending,
            |x, it| {
                x.cell("TN", &it.date.map(date).unwrap_or_default(), 0);
            },
        );
    }

    sub_title(x, "2. Các bước đã quá hạn nhưng chưa thực hiện");
    if lists.overdue.is_empty() {
        empty(x);
    } else {
        let widths = [500, 3_400, 5_070, 2_300, 1_300, 2_000];
        list_table(
            x,
            &widths,
            &["STT", "Đơn vị", "Tên đề xuất", "Bước", "Hạn", "Trạng thái"],
            &lists.overdue,
            |x, it| {
                x.cell("TC", step_short(&it.step), 0);
                x.cell("TN", &it.date.map(date).unwrap_or_default(), 0);
                x.cell("TC", status_label(&it.status), 0);
            },
        );
    }

    sub_title(x, "3. Đề xuất có dữ liệu xung đột cần rà soát, xử lý");
    if lists.conflicts.is_empty() {
        empty(x);
    } else {
        let widths = [500, 4_000, 7_570, 2_500];
        list_table(
            x,
            &widths,
            &["STT", "Đơn vị", "Tên đề xuất", "Trạng thái"],
            &lists.conflicts,
            |x, it| {
                x.cell("TC", status_label(&it.status), 0);
            },
        );
    }
}

pub(super) fn list_table(
    x: &mut Xml,
    widths: &[u32],
    titles: &[&str],
    items: &[ListItem],
    rest: impl Fn(&mut Xml, &ListItem),
) {
    x.table_open(widths, true);
    x.head_row(titles, widths);
    for (i, it) in items.iter().enumerate() {
        x.tr_open(false);
        x.cell("TN", &(i + 1).to_string(), 0);
        x.cell("TC", &it.unit_name, 0);
        x.cell("TC", &it.title, 0);
        rest(x, it);
        x.tr_close();
    }
    x.table_close();
}

pub(super) fn annex_fields(x: &mut Xml, report: &Report, info: &DocInfo, who: &Issuer) {
    annex_title(
        x,
        report,
        info,
        who,
        "V",
        "Tổng hợp đề xuất theo lĩnh vực và căn cứ pháp lý",
    );
    let t = &report.totals;
    let table = |x: &mut Xml, head: &str, rows: &[(String, u64)]| {
        let widths = [700, 9_870, 4_000];
        x.table_open(&widths, true);
        x.head_row(&["STT", head, "Số đề xuất nộp trong kỳ"], &widths);
        for (i, (label, n)) in rows.iter().enumerate() {
            x.tr_open(false);
            x.cell("TN", &(i + 1).to_string(), 0);
            x.cell("TC", label, 0);
            x.num_cell(*n, false);
            x.tr_close();
        }
        x.tr_open(false);
        x.cell("TN", "", 0);
        x.cell("TCB", "Tổng cộng", 0);
        x.num_cell(rows.iter().map(|(_, n)| n).sum(), true);
        x.tr_close();
        x.table_close();
    };
    sub_title(x, "1. Theo lĩnh vực");
    let fields: Vec<(String, u64)> = fields_sorted(t)
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(f, n)| (f.to_string(), n))
        .collect();
    if fields.is_empty() {
        x.p("L", rpr::I, "Chưa phát sinh.");
    } else {
        table(x, "Lĩnh vực", &fields);
    }
    sub_title(x, "2. Theo căn cứ pháp lý");
    let bases: Vec<(String, u64)> = bases_sorted(t)
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect();
    if bases.is_empty() {
        x.p("L", rpr::I, "Chưa phát sinh.");
    } else {
        table(x, "Căn cứ", &bases);
    }
}
