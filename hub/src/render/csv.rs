//! CSV: UTF-8 with a byte-order mark (so Excel reads Vietnamese right), RFC 4180 quoting, CRLF
//! line ends; one Vietnamese header row, one row per unit (its own figures), a "Tổng cộng" row.
//!
//! One-off duties are written per unit as 1/0 (empty for a unit without them) so that the
//! totals row is their sum; dates as dd/mm/yyyy.

use super::{
    date, evaluation, kind_label, status_count, statuses, step_timeliness, timeliness_values,
    TIMELINESS_LABELS,
};
use doimoi_shared::report::{labels, DutyStatus, Figures, Report};
use doimoi_shared::workflow::{EvalResult, Step};

/// Appends one field, quoted when it must be.
fn field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

fn row<I, S>(out: &mut String, fields: I)
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, f.as_ref());
    }
    out.push_str("\r\n");
}

fn header() -> Vec<String> {
    let mut h: Vec<String> = [
        "Mã đơn vị",
        "Tên đơn vị",
        "Loại đơn vị",
        "Mã đơn vị cấp trên",
        "Số đề xuất nộp trong kỳ",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    h.extend(statuses().map(|s| format!("Trạng thái: {}", s.label_vi())));
    h.extend(
        [
            "Đề xuất từ kỳ trước chuyển sang",
            "Dự thảo chưa nộp",
            "Phê duyệt theo biểu quyết",
            "Phê duyệt theo quyết định của người đứng đầu",
            "Phê duyệt theo ý kiến UBND tỉnh",
            "Phê duyệt thí điểm",
            "Trình UBND tỉnh trong kỳ",
            "UBND tỉnh trả lời trong kỳ",
            "Chờ UBND tỉnh trả lời (đến ngày cuối kỳ)",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    for step in Step::ALL {
        for l in TIMELINESS_LABELS {
            h.push(format!("{}: {}", labels::step(step), l.to_lowercase()));
        }
    }
    for e in EvalResult::ALL {
        h.push(format!(
            "Đánh giá: {}",
            labels::evaluation(e).to_lowercase()
        ));
    }
    h.extend(
        [
            "Đánh giá có thiệt hại",
            "Bảo vệ: không bị xem xét trách nhiệm",
            "Bảo vệ: loại trừ trách nhiệm",
            "Bảo vệ: xem xét loại trừ, miễn, giảm nhẹ trách nhiệm",
            "Khen thưởng cấp đơn vị",
            "Đề nghị Chủ tịch UBND tỉnh khen thưởng",
            "Chủ tịch UBND tỉnh quyết định khen thưởng",
            "Chủ tịch UBND tỉnh không khen thưởng",
            "Kỷ luật (đơn vị quyết định)",
            "Kỷ luật: đề nghị UBND tỉnh",
            "Kỷ luật: UBND tỉnh quyết định",
            "Kỷ luật: UBND tỉnh không áp dụng",
            "Tự kiểm tra",
            "Kiểm tra của Sở Nội vụ",
            "Sơ kết",
            "Tổng kết",
            "Phổ biến: đã thực hiện (1 = có)",
            "Phổ biến: ngày",
            "Phổ biến: đúng hạn (1 = có)",
            "Kế hoạch: đã ban hành (1 = có)",
            "Kế hoạch: số, ký hiệu",
            "Kế hoạch: ngày",
            "Kế hoạch: đúng hạn (1 = có)",
            "Đã cập nhật nhiệm vụ trong kỳ (1 = có)",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    h
}

/// The figures' columns (everything from "Số đề xuất" to "Tổng kết").
fn figures(out: &mut Vec<String>, f: &Figures) {
    let mut n = |v: u64| out.push(v.to_string());
    n(f.proposals);
    for s in statuses() {
        n(status_count(f, s));
    }
    n(f.carried_over.proposals);
    n(f.drafts);
    n(f.approved.by_vote);
    n(f.approved.by_head_decision);
    n(f.approved.by_province);
    n(f.approved.pilot);
    n(f.escalations.total);
    n(f.escalations.answered);
    n(f.escalations.pending);
    for step in Step::ALL {
        for v in timeliness_values(&step_timeliness(f, step)) {
            n(v);
        }
    }
    for e in EvalResult::ALL {
        n(evaluation(f, e));
    }
    n(f.evaluations_with_damage);
    n(f.protection.not_liable);
    n(f.protection.excluded);
    n(f.protection.considered);
    n(f.commendations.unit_level);
    n(f.commendations.proposed_to_province);
    n(f.commendations.granted_by_province);
    n(f.commendations.not_granted_by_province);
    n(f.disciplines);
    n(f.disciplines_upward.proposed_to_province);
    n(f.disciplines_upward.decided_by_province);
    n(f.disciplines_upward.not_applied_by_province);
    n(f.self_inspections);
    n(f.inspections);
    n(f.reviews.preliminary);
    n(f.reviews.final_);
}

fn flag(b: bool) -> String {
    if b { "1" } else { "0" }.to_string()
}

fn duty(out: &mut Vec<String>, d: Option<&DutyStatus>, with_number: bool) {
    match d {
        Some(d) => {
            out.push(flag(d.done));
            if with_number {
                out.push(d.number_text());
            }
            out.push(d.date.map(date).unwrap_or_default());
            out.push(flag(d.on_time));
        }
        None => {
            let n = if with_number { 4 } else { 3 };
            out.extend(std::iter::repeat_n(String::new(), n));
        }
    }
}

pub(super) fn render(report: &Report) -> Vec<u8> {
    let mut out = String::with_capacity(512 * (report.units.len() + 2));
    out.push('\u{FEFF}');
    row(&mut out, header());
    let mut cells: Vec<String> = Vec::with_capacity(80);
    for u in &report.units {
        cells.clear();
        cells.push(u.code.to_string());
        cells.push(u.display_name());
        cells.push(kind_label(u.kind).to_string());
        cells.push(u.parent.as_ref().map(|p| p.to_string()).unwrap_or_default());
        figures(&mut cells, &u.figures);
        duty(&mut cells, u.disseminated.as_ref(), false);
        duty(&mut cells, u.plan.as_ref(), true);
        cells.push(if u.has_duties {
            flag(u.reported)
        } else {
            String::new()
        });
        row(&mut out, &cells);
    }
    let t = &report.totals;
    cells.clear();
    cells.extend([
        String::new(),
        "Tổng cộng".to_string(),
        String::new(),
        String::new(),
    ]);
    figures(&mut cells, t);
    let done = |d: &doimoi_shared::report::DutyCount| (d.on_time + d.late).to_string();
    cells.extend([
        done(&t.dissemination),
        String::new(),
        t.dissemination.on_time.to_string(),
        done(&t.plans),
        String::new(),
        String::new(),
        t.plans.on_time.to_string(),
        t.completeness.reported.to_string(),
    ]);
    row(&mut out, &cells);
    out.into_bytes()
}
