//! HTML: one self-contained page (inline CSS, no scripts or external assets): title, period,
//! cut-off, links to the other formats, the summary figures, the tables by unit (names
//! indented by depth, "cả địa bàn" lines in bold), the lists and the counting notes.

use super::narrative::{narrative, Block};
use super::{
    date, escape_into, kind_label, num, status_count, status_label, statuses, step_short,
    step_timeliness, summary, timeliness_values, unit_lines, DocInfo, Format, UnitLine, Val,
    TIMELINESS_LABELS,
};
use doimoi_shared::report::{labels, DutyStatus, Figures, ListItem, Report};
use doimoi_shared::workflow::{Status, Step};

const CSS: &str = "\
body{font-family:'Times New Roman',Times,serif;margin:1.5rem;color:#111;line-height:1.4}\
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #999}\
.meta{margin:.2rem 0;color:#333}.dl a{margin-right:1rem}\
.wrap{overflow-x:auto;max-width:100%}\
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}\
th,td{border:1px solid #888;padding:2px 6px}th{background:#e8eef7;position:sticky;top:0}\
td.n{text-align:right;font-variant-numeric:tabular-nums}\
tr.sub td{font-weight:bold;background:#f6f6f6}tr.tot td{font-weight:bold;background:#eef3e8}\
tr.sec td{font-weight:bold;background:#f0f0f0}td.l1{padding-left:2em}\
.d1{padding-left:1.5em}.d2{padding-left:3em}.d3{padding-left:4.5em}.d4{padding-left:6em}\
.d5{padding-left:7.5em}.d6{padding-left:9em}\
@media print{.dl{display:none}th{position:static}}";

struct Page {
    s: String,
}

impl Page {
    fn raw(&mut self, x: &str) {
        self.s.push_str(x);
    }

    fn text(&mut self, t: &str) {
        escape_into(&mut self.s, t);
    }

    /// `<tag>text</tag>`.
    fn el(&mut self, tag: &str, text: &str) {
        self.raw("<");
        self.raw(tag);
        self.raw(">");
        self.text(text);
        self.raw("</");
        self.raw(tag.split(' ').next().unwrap_or(tag));
        self.raw(">");
    }

    fn td(&mut self, text: &str) {
        self.el("td", text);
    }

    fn n(&mut self, v: u64) {
        self.raw("<td class=\"n\">");
        self.raw(&num(v));
        self.raw("</td>");
    }

    fn head(&mut self, titles: &[&str]) {
        self.raw("<thead><tr>");
        for t in titles {
            self.el("th", t);
        }
        self.raw("</tr></thead>");
    }

    fn name_cell(&mut self, name: &str, depth: u32) {
        let d = depth.min(6);
        if d == 0 {
            self.raw("<td>");
        } else {
            self.raw(&format!("<td class=\"d{d}\">"));
        }
        self.text(name);
        self.raw("</td>");
    }

    fn unit_row_open(&mut self, line: &UnitLine<'_>) {
        self.raw(if line.subtree {
            "<tr class=\"sub\">"
        } else {
            "<tr>"
        });
        self.td(line.unit.code.as_str());
        self.name_cell(&line.name(), line.unit.depth);
    }

    fn totals_row_open(&mut self) {
        self.raw("<tr class=\"tot\"><td></td><td>Tổng cộng</td>");
    }
}

pub(super) fn render(report: &Report, info: &DocInfo) -> Vec<u8> {
    let mut p = Page {
        s: String::with_capacity(16_384 + report.units.len() * 2_500),
    };
    p.raw("<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">");
    p.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    p.el(
        "title",
        &format!("Báo cáo {} — {}", report.period.label, report.scope.name),
    );
    p.raw("<style>");
    p.raw(CSS);
    p.raw("</style></head><body>");

    p.raw("<header>");
    p.el("h1", &format!("Báo cáo: {}", report.title));
    p.el(
        "p class=\"meta\"",
        &format!("Phạm vi: {}", report.scope.name),
    );
    p.el(
        "p class=\"meta\"",
        &format!(
            "Kỳ báo cáo: {} (từ ngày {} đến ngày {}); số liệu tính đến ngày {}{}.",
            report.period.label,
            date(report.period.start),
            date(report.period.end),
            date(report.cutoff),
            report
                .as_of
                .map(|a| format!(", theo dữ liệu máy chủ nhận đến ngày {}", date(a)))
                .unwrap_or_default()
        ),
    );
    p.raw("<p class=\"dl\">Tải về: ");
    for (i, f) in Format::ALL
        .into_iter()
        .filter(|f| *f != Format::Html)
        .enumerate()
    {
        if i > 0 {
            p.raw(" · ");
        }
        let href = if info.query.is_empty() {
            format!("?format={}", f.as_str())
        } else {
            format!("?{}&format={}", info.query, f.as_str())
        };
        p.raw("<a href=\"");
        p.text(&href);
        p.raw("\">");
        p.text(f.label_vi());
        p.raw("</a>");
    }
    p.raw("</p></header>");

    narrative_section(&mut p, report, info);
    summary_section(&mut p, report);
    status_section(&mut p, report);
    timeliness_section(&mut p, report);
    duties_section(&mut p, report);
    lists_section(&mut p, report);

    p.el("h2", "Ghi chú về cách tính số liệu");
    p.raw("<ul>");
    for n in &report.notes {
        p.el("li", n);
    }
    p.raw("</ul></body></html>\n");
    p.s.into_bytes()
}

/// The figures in sentences, as the Word document writes them (without the places left for
/// people to write).
fn narrative_section(p: &mut Page, report: &Report, info: &DocInfo) {
    p.el("h2", "Kết quả thực hiện");
    for block in narrative(report, info) {
        match block {
            Block::Heading(h) => p.el("h3", &h),
            Block::Para(t) => p.el("p", &t),
            Block::Placeholder => {}
        }
    }
}

fn summary_section(p: &mut Page, report: &Report) {
    p.el("h2", "Tổng hợp số liệu");
    p.raw("<table>");
    p.head(&["Chỉ tiêu", "Số liệu"]);
    p.raw("<tbody>");
    for line in summary(report) {
        match &line.value {
            None => {
                p.raw("<tr class=\"sec\"><td colspan=\"2\">");
                p.text(&line.label);
                p.raw("</td></tr>");
            }
            Some(v) => {
                p.raw("<tr>");
                p.raw(if line.level > 0 {
                    "<td class=\"l1\">"
                } else {
                    "<td>"
                });
                p.text(&line.label);
                p.raw("</td>");
                match v {
                    Val::Num(n) => p.n(*n),
                    Val::Text(t) => p.td(t),
                    Val::Date(d) => p.td(&date(*d)),
                }
                p.raw("</tr>");
            }
        }
    }
    p.raw("</tbody></table>");
}

fn status_values(f: &Figures) -> impl Iterator<Item = u64> + '_ {
    std::iter::once(f.proposals).chain(statuses().map(move |s| status_count(f, s)))
}

fn status_section(p: &mut Page, report: &Report) {
    p.el("h2", "Đề xuất theo đơn vị và trạng thái");
    p.raw("<div class=\"wrap\"><table>");
    let mut titles = vec!["Mã", "Đơn vị", "Số đề xuất nộp trong kỳ"];
    titles.extend(statuses().map(Status::label_vi));
    titles.push("Từ kỳ trước chuyển sang");
    p.head(&titles);
    p.raw("<tbody>");
    for line in unit_lines(report) {
        p.unit_row_open(&line);
        for v in status_values(line.figures) {
            p.n(v);
        }
        p.n(line.figures.carried_over.proposals);
        p.raw("</tr>");
    }
    p.raw("</tbody><tfoot>");
    p.totals_row_open();
    for v in status_values(&report.totals) {
        p.n(v);
    }
    p.n(report.totals.carried_over.proposals);
    p.raw("</tr></tfoot></table></div>");
}

fn timeliness_section(p: &mut Page, report: &Report) {
    p.el("h2", "Thời hạn thực hiện các bước");
    p.raw("<div class=\"wrap\"><table><thead><tr><th rowspan=\"2\">Mã</th><th rowspan=\"2\">Đơn vị</th>");
    for step in Step::ALL {
        p.raw("<th colspan=\"4\" title=\"");
        p.text(labels::step(step));
        p.raw("\">");
        p.text(step_short(step.as_str()));
        p.raw("</th>");
    }
    p.raw("</tr><tr>");
    for _ in Step::ALL {
        for l in TIMELINESS_LABELS {
            p.el("th", l);
        }
    }
    p.raw("</tr></thead><tbody>");
    let values = |p: &mut Page, f: &Figures| {
        for step in Step::ALL {
            for v in timeliness_values(&step_timeliness(f, step)) {
                p.n(v);
            }
        }
    };
    for line in unit_lines(report) {
        p.unit_row_open(&line);
        values(p, line.figures);
        p.raw("</tr>");
    }
    p.raw("</tbody><tfoot>");
    p.totals_row_open();
    values(p, &report.totals);
    p.raw("</tr></tfoot></table></div>");
}

fn duty_text(d: Option<&DutyStatus>) -> String {
    match d {
        None => "—".to_string(),
        Some(d) => {
            let state = match (d.done, d.on_time) {
                (true, true) => "Đúng hạn",
                (true, false) => "Trễ hạn",
                (false, _) => "Chưa thực hiện",
            };
            let mut s = state.to_string();
            if d.number.is_some() {
                s.push_str(&format!(" — {}", d.number_text()));
            }
            if let Some(x) = d.date {
                s.push_str(&format!(" ({})", date(x)));
            }
            s
        }
    }
}

fn duties_section(p: &mut Page, report: &Report) {
    p.el("h2", "Tình hình thực hiện nhiệm vụ của các đơn vị");
    p.raw("<div class=\"wrap\"><table>");
    p.head(&[
        "Mã",
        "Đơn vị",
        "Loại",
        "Phổ biến, quán triệt",
        "Kế hoạch thực hiện",
        "Tự kiểm tra",
        "Sở Nội vụ kiểm tra",
        "Sơ kết",
        "Tổng kết",
        "Khen thưởng cấp đơn vị",
        "Đề nghị tỉnh khen thưởng",
        "Kỷ luật",
        "Đã cập nhật trong kỳ",
    ]);
    p.raw("<tbody>");
    let counts = |p: &mut Page, f: &Figures| {
        for v in super::activity_counts(f) {
            p.n(v);
        }
    };
    for u in &report.units {
        p.raw("<tr>");
        p.td(u.code.as_str());
        p.name_cell(&u.display_name(), u.depth);
        p.td(kind_label(u.kind));
        p.td(&duty_text(u.disseminated.as_ref()));
        p.td(&duty_text(u.plan.as_ref()));
        counts(p, &u.figures);
        p.td(match (u.has_duties, u.reported) {
            (false, _) => "—",
            (true, true) => "Có",
            (true, false) => "Chưa",
        });
        p.raw("</tr>");
    }
    let t = &report.totals;
    let sum = |d: &doimoi_shared::report::DutyCount| {
        format!(
            "{}/{} đã thực hiện ({} đúng hạn, {} trễ hạn); {} chưa",
            num(d.on_time + d.late),
            num(d.units),
            num(d.on_time),
            num(d.late),
            num(d.not_done)
        )
    };
    p.raw("</tbody><tfoot>");
    p.totals_row_open();
    p.td("");
    p.td(&sum(&t.dissemination));
    p.td(&sum(&t.plans));
    counts(p, t);
    p.td(&format!(
        "{}/{}",
        num(t.completeness.reported),
        num(t.completeness.expected)
    ));
    p.raw("</tr></tfoot></table></div>");
}

fn list_table(p: &mut Page, title: &str, items: &[ListItem], date_title: &str, with_step: bool) {
    p.el("h3", &format!("{title} ({})", num(items.len() as u64)));
    if items.is_empty() {
        p.el("p", "Không có.");
        return;
    }
    p.raw("<div class=\"wrap\"><table>");
    let mut titles = vec!["STT", "Đơn vị", "Tên đề xuất", "Mã đề xuất", "Trạng thái"];
    if with_step {
        titles.push("Bước");
    }
    if !date_title.is_empty() {
        titles.push(date_title);
    }
    p.head(&titles);
    p.raw("<tbody>");
    for (i, it) in items.iter().enumerate() {
        p.raw("<tr>");
        p.n(i as u64 + 1);
        p.td(&it.unit_name);
        p.td(&it.title);
        p.raw("<td><code>");
        p.text(&it.id);
        p.raw("</code></td>");
        p.td(status_label(&it.status));
        if with_step {
            p.td(step_short(&it.step));
        }
        if !date_title.is_empty() {
            p.td(&it.date.map(date).unwrap_or_default());
        }
        p.raw("</tr>");
    }
    p.raw("</tbody></table></div>");
}

fn lists_section(p: &mut Page, report: &Report) {
    p.el("h2", "Danh sách đề xuất cần theo dõi");
    let l = &report.lists;
    list_table(
        p,
        "Đề xuất đang chờ Ủy ban nhân dân tỉnh cho ý kiến",
        &l.escalations_pending,
        "Ngày trình",
        false,
    );
    list_table(
        p,
        "Các bước đã quá hạn nhưng chưa thực hiện",
        &l.overdue,
        "Hạn",
        true,
    );
    list_table(
        p,
        "Đề xuất có dữ liệu xung đột cần rà soát, xử lý",
        &l.conflicts,
        "",
        false,
    );
}
