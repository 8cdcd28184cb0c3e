//! The report's figures written into sentences (sections I and II of the document), shared by
//! the DOCX body and the HTML page. The text only says what the records say: a clause whose
//! count is zero is left out, a paragraph with nothing to say says "chưa phát sinh", and a
//! report of one unit speaks of "đơn vị", not "các đơn vị" or "1/1 đơn vị".

use super::{approved_total, date, evaluation, num, status_count, step_timeliness, DocInfo};
use doimoi_shared::report::{labels, DutyCount, Report, DUTY_DEADLINE, NEW_UNIT_DUTY_DAYS};
use doimoi_shared::workflow::{EvalResult, Status, Step};

/// One piece of the narrative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    /// A section heading ("I. …", "1. …").
    Heading(String),
    /// A paragraph of body text.
    Para(String),
    /// A place for people to write the narrative.
    Placeholder,
}

/// Joins clauses the Vietnamese way: "a", "a và b", "a, b và c".
pub(crate) fn join(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} và {last}", init.join(", ")),
    }
}

/// `(count, clause)` pairs with a zero count left out, each clause after its count
/// ("2 đề xuất tạm dừng").
fn counted(items: &[(u64, &str)]) -> Vec<String> {
    items
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{} {what}", num(*n)))
        .collect()
}

/// Who the sentences speak of: the units of the report, or the one unit.
struct Subject {
    many: bool,
}

impl Subject {
    /// "các đơn vị" / "đơn vị".
    fn units(&self) -> &'static str {
        if self.many {
            "các đơn vị"
        } else {
            "đơn vị"
        }
    }
}

/// A one-off duty (dissemination, the unit's plan) across the units that have it.
/// `done` is the verb phrase ("tổ chức phổ biến, quán triệt …"), `deadline` the parenthesis.
pub(crate) fn duty_sentence(d: &DutyCount, done: &str, deadline: &str) -> String {
    let done_units = d.on_time + d.late;
    match d.units {
        0 => format!("Không có đơn vị thuộc phạm vi báo cáo phải {done}."),
        1 => match (d.on_time, d.late) {
            (1, _) => format!("Đơn vị đã {done} đúng hạn ({deadline})."),
            (_, 1) => format!("Đơn vị đã {done} nhưng trễ hạn ({deadline})."),
            _ => format!("Đơn vị chưa {done} ({deadline})."),
        },
        n if done_units == 0 => {
            format!("Cả {} đơn vị đều chưa {done} ({deadline}).", num(n))
        }
        n => {
            let all = done_units == n;
            let mut s = if all {
                format!("Tất cả {} đơn vị đã {done}", num(n))
            } else {
                format!("Có {}/{} đơn vị đã {done}", num(done_units), num(n))
            };
            let timing = if d.late == 0 {
                if all || done_units > 1 {
                    " và đều đúng hạn".to_string()
                } else {
                    " đúng hạn".to_string()
                }
            } else if d.on_time == 0 {
                if done_units > 1 {
                    " nhưng đều trễ hạn".to_string()
                } else {
                    " nhưng trễ hạn".to_string()
                }
            } else {
                format!(
                    ", trong đó {} đơn vị đúng hạn, {} đơn vị trễ hạn",
                    num(d.on_time),
                    num(d.late)
                )
            };
            s.push_str(&timing);
            s.push_str(&format!(" ({deadline})"));
            if d.not_done > 0 {
                s.push_str(&format!("; {} đơn vị chưa thực hiện", num(d.not_done)));
            }
            s.push('.');
            s
        }
    }
}

/// Sections I and II: the figures in sentences, with placeholders where people write.
pub(crate) fn narrative(report: &Report, info: &DocInfo) -> Vec<Block> {
    let t = &report.totals;
    let who = Subject {
        many: report.units.len() > 1,
    };
    let cutoff = date(report.cutoff);
    let mut out = Vec::with_capacity(48);
    let h = |out: &mut Vec<Block>, s: &str| out.push(Block::Heading(s.to_string()));
    // Paragraphs of the current subsection; "chưa phát sinh" when it would be empty.
    let flush = |out: &mut Vec<Block>, paras: &mut Vec<String>, empty: &str| {
        if paras.is_empty() {
            out.push(Block::Para(empty.to_string()));
        }
        out.extend(paras.drain(..).map(Block::Para));
    };
    let mut p: Vec<String> = Vec::new();

    // I.
    h(
        &mut out,
        "I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO, PHỔ BIẾN, QUÁN TRIỆT",
    );
    out.push(Block::Placeholder);
    let later_units = report
        .units
        .iter()
        .filter_map(|u| u.disseminated.as_ref())
        .any(|d| d.deadline != DUTY_DEADLINE);
    let deadline = if later_units {
        format!(
            "hạn ngày {}; đơn vị thành lập sau ngày này: trong {} ngày kể từ ngày thành lập",
            date(DUTY_DEADLINE),
            NEW_UNIT_DUTY_DAYS
        )
    } else {
        format!("hạn ngày {}", date(DUTY_DEADLINE))
    };
    out.push(Block::Para(duty_sentence(
        &t.dissemination,
        &format!("tổ chức phổ biến, quán triệt {}", info.regulation),
        &deadline,
    )));
    out.push(Block::Para(duty_sentence(
        &t.plans,
        "ban hành kế hoạch thực hiện",
        &deadline,
    )));
    let reviews = counted(&[
        (t.reviews.preliminary, "cuộc sơ kết"),
        (t.reviews.final_, "cuộc tổng kết"),
    ]);
    if !reviews.is_empty() {
        out.push(Block::Para(format!(
            "Trong kỳ, {} đã tổ chức {} việc thực hiện (chi tiết tại Phụ lục III).",
            who.units(),
            join(&reviews)
        )));
    }

    // II.1
    h(&mut out, "II. KẾT QUẢ THỰC HIỆN");
    h(&mut out, "1. Tiếp nhận, xem xét và phê duyệt đề xuất");
    if t.proposals == 0 {
        p.push(format!(
            "Trong kỳ, cán bộ của {} chưa nộp đề xuất đổi mới, sáng tạo nào.",
            who.units()
        ));
    } else {
        p.push(format!(
            "Trong kỳ, cán bộ của {} đã nộp {} đề xuất đổi mới, sáng tạo (chi tiết theo đơn vị và trạng thái tại Phụ lục I; theo lĩnh vực và căn cứ tại Phụ lục V).",
            who.units(),
            num(t.proposals)
        ));
    }
    if t.carried_over.proposals > 0 {
        p.push(format!(
            "Ngoài ra, {} đề xuất nộp từ kỳ trước tiếp tục được xem xét, thực hiện trong kỳ.",
            num(t.carried_over.proposals)
        ));
    }
    let in_review = [
        Status::Submitted,
        Status::Received,
        Status::VoteFailed,
        Status::VotePassed,
    ]
    .into_iter()
    .map(|st| status_count(t, st))
    .sum::<u64>();
    if in_review > 0 {
        p.push(format!(
            "Đến ngày {cutoff}, {} đề xuất đang được xem xét (đã nộp, đã tiếp nhận hoặc đã biểu quyết, chưa có quyết định).",
            num(in_review)
        ));
    }
    let approved = approved_total(t);
    if approved > 0 {
        let ways = [
            (
                t.approved.by_vote,
                "theo kết quả biểu quyết của tập thể lãnh đạo",
            ),
            (
                t.approved.by_head_decision,
                "do người đứng đầu quyết định phê duyệt bằng văn bản",
            ),
            (
                t.approved.by_province,
                "theo ý kiến của Ủy ban nhân dân tỉnh",
            ),
        ];
        let nonzero: Vec<&(u64, &str)> = ways.iter().filter(|(n, _)| *n > 0).collect();
        let mut s = match nonzero.as_slice() {
            [(_, how)] => format!("Có {} đề xuất được phê duyệt {how}", num(approved)),
            _ => format!(
                "Có {} đề xuất được phê duyệt, trong đó {}",
                num(approved),
                join(
                    &nonzero
                        .iter()
                        .map(|(n, how)| format!("{} đề xuất {how}", num(*n)))
                        .collect::<Vec<_>>()
                )
            ),
        };
        match t.approved.pilot {
            0 => {}
            n if n == approved && approved > 1 => s.push_str("; tất cả được thực hiện thí điểm"),
            n if n == approved => s.push_str(", thực hiện thí điểm"),
            n => s.push_str(&format!(
                "; {} đề xuất được phê duyệt thực hiện thí điểm",
                num(n)
            )),
        }
        s.push('.');
        p.push(s);
    }
    let rejected = status_count(t, Status::Rejected);
    if rejected > 0 {
        p.push(format!(
            "Có {} đề xuất không được phê duyệt.",
            num(rejected)
        ));
    }
    let e = &t.escalations;
    if e.total > 0 {
        p.push(format!(
            "Có {} đề xuất được trình Ủy ban nhân dân tỉnh cho ý kiến.",
            num(e.total)
        ));
    }
    if e.answered > 0 {
        p.push(format!(
            "Trong kỳ, Ủy ban nhân dân tỉnh đã có ý kiến trả lời {} đề xuất.",
            num(e.answered)
        ));
    }
    let waiting = report.lists.escalations_pending.len() as u64;
    if waiting > 0 {
        p.push(format!(
            "Tính đến ngày {cutoff}, {} đề xuất (kể cả đề xuất nộp từ kỳ trước) đang chờ Ủy ban nhân dân tỉnh cho ý kiến (danh sách tại Phụ lục IV).",
            num(waiting)
        ));
    }
    flush(&mut out, &mut p, "Trong kỳ chưa phát sinh.");

    // II.2
    h(&mut out, "2. Tổ chức thực hiện và đánh giá kết quả");
    let s = |st: Status| status_count(t, st);
    let states = counted(&[
        (s(Status::Implementing), "đề xuất đang triển khai thực hiện"),
        (s(Status::Suspended), "đề xuất tạm dừng"),
        (s(Status::Terminated), "đề xuất chấm dứt thực hiện"),
        (
            s(Status::ResultsReported),
            "đề xuất đã báo cáo kết quả, chờ đánh giá",
        ),
        (s(Status::Completed), "đề xuất hoàn thành"),
        (s(Status::PartlyCompleted), "đề xuất hoàn thành một phần"),
        (s(Status::NotCompleted), "đề xuất không hoàn thành"),
    ]);
    if !states.is_empty() {
        p.push(format!(
            "Đến ngày {cutoff}, trong số các đề xuất nộp trong kỳ có {}.",
            join(&states)
        ));
    }
    let evals: u64 = EvalResult::ALL.into_iter().map(|e| evaluation(t, e)).sum();
    if evals > 0 {
        let results: Vec<(u64, &str)> = EvalResult::ALL
            .into_iter()
            .map(|e| {
                (
                    evaluation(t, e),
                    match e {
                        EvalResult::Completed => "hoàn thành",
                        EvalResult::Partly => "hoàn thành một phần",
                        EvalResult::NotCompleted => "không hoàn thành",
                    },
                )
            })
            .collect();
        let nonzero: Vec<&(u64, &str)> = results.iter().filter(|(n, _)| *n > 0).collect();
        let mut line = match nonzero.as_slice() {
            [(_, r)] if evals == 1 => {
                format!("Trong kỳ đã đánh giá kết quả thực hiện 1 đề xuất, kết quả: {r}")
            }
            [(_, r)] => format!(
                "Trong kỳ đã đánh giá kết quả thực hiện {} đề xuất, đều {r}",
                num(evals)
            ),
            _ => format!(
                "Trong kỳ đã đánh giá kết quả thực hiện {} đề xuất: {}",
                num(evals),
                join(
                    &nonzero
                        .iter()
                        .map(|(n, r)| format!("{} {r}", num(*n)))
                        .collect::<Vec<_>>()
                )
            ),
        };
        if t.evaluations_with_damage > 0 {
            line.push_str(&format!(
                "; {} trường hợp có thiệt hại",
                num(t.evaluations_with_damage)
            ));
        }
        line.push('.');
        p.push(line);
    }
    flush(&mut out, &mut p, "Trong kỳ chưa phát sinh.");

    // II.3
    h(&mut out, "3. Thời hạn thực hiện các bước");
    let mut steps: Vec<String> = Vec::new();
    for step in Step::ALL {
        let v = step_timeliness(t, step);
        let outcomes = counted(&[
            (v.on_time, "đúng hạn"),
            (v.late, "trễ hạn"),
            (v.open, "đang trong hạn"),
            (v.overdue, "quá hạn chưa thực hiện"),
        ]);
        if !outcomes.is_empty() {
            steps.push(format!("- {}: {}.", labels::step(step), join(&outcomes)));
        } else if step == Step::Answer && (e.answered > 0 || e.pending > 0) {
            // No clock for UBND tỉnh's answer (none is set): say what the records hold.
            let parts = counted(&[
                (e.answered, "đề xuất được trả lời trong kỳ"),
                (e.pending, "đề xuất đang chờ ý kiến đến ngày cuối kỳ"),
            ]);
            steps.push(format!(
                "- {}: {} (chưa quy định thời hạn trả lời).",
                labels::step(step),
                join(&parts)
            ));
        }
    }
    if !steps.is_empty() {
        p.push("Việc thực hiện các bước có thời hạn (tính theo các bước có thời hạn bắt đầu trong kỳ, chi tiết theo đơn vị tại Phụ lục II):".to_string());
        p.extend(steps);
    }
    if !report.lists.overdue.is_empty() {
        p.push(format!(
            "Tính đến ngày {cutoff}, {} bước đã quá hạn nhưng chưa thực hiện (kể cả bước của đề xuất nộp từ kỳ trước; danh sách tại Phụ lục IV).",
            num(report.lists.overdue.len() as u64)
        ));
    }
    flush(
        &mut out,
        &mut p,
        "Trong kỳ chưa phát sinh bước nào có thời hạn.",
    );

    // II.4
    h(&mut out, "4. Bảo vệ cán bộ năng động, sáng tạo");
    let pr = &t.protection;
    let total = pr.not_liable + pr.excluded + pr.considered;
    let kinds = [
        (pr.not_liable, "không bị xem xét trách nhiệm"),
        (pr.excluded, "được loại trừ trách nhiệm"),
        (
            pr.considered,
            "được xem xét loại trừ, miễn hoặc giảm nhẹ trách nhiệm",
        ),
    ];
    let nonzero: Vec<&(u64, &str)> = kinds.iter().filter(|(n, _)| *n > 0).collect();
    match nonzero.as_slice() {
        [] => {}
        [(_, what)] => p.push(format!(
            "Trong kỳ đã có kết luận về việc bảo vệ {} trường hợp, kết luận: {what}.",
            num(total)
        )),
        _ => p.push(format!(
            "Trong kỳ đã có kết luận về việc bảo vệ {} trường hợp, trong đó {}.",
            num(total),
            join(
                &nonzero
                    .iter()
                    .map(|(n, what)| format!("{} trường hợp {what}", num(*n)))
                    .collect::<Vec<_>>()
            )
        )),
    }
    flush(
        &mut out,
        &mut p,
        "Trong kỳ chưa phát sinh việc kết luận bảo vệ cán bộ.",
    );

    // II.5
    h(&mut out, "5. Khen thưởng, xử lý vi phạm");
    let commended = counted(&[
        (
            t.commendations.unit_level,
            "trường hợp được khen thưởng ở cấp đơn vị",
        ),
        (
            t.commendations.proposed_to_province,
            "trường hợp được đề nghị Chủ tịch Ủy ban nhân dân tỉnh khen thưởng (qua Sở Nội vụ)",
        ),
    ]);
    if !commended.is_empty() {
        p.push(format!("Trong kỳ có {}.", join(&commended)));
    }
    let decided = counted(&[
        (
            t.commendations.granted_by_province,
            "trường hợp được khen thưởng",
        ),
        (
            t.commendations.not_granted_by_province,
            "trường hợp không khen thưởng",
        ),
    ]);
    if !decided.is_empty() {
        p.push(format!(
            "Chủ tịch Ủy ban nhân dân tỉnh đã quyết định {}.",
            join(&decided)
        ));
    }
    if t.disciplines > 0 {
        p.push(format!(
            "Có {} trường hợp vi phạm bị đơn vị xử lý kỷ luật.",
            num(t.disciplines)
        ));
    }
    let up = &t.disciplines_upward;
    if up.proposed_to_province > 0 {
        p.push(format!(
            "Có {} trường hợp vi phạm của cán bộ thuộc diện Ban Thường vụ Tỉnh ủy quản lý được báo cáo, đề xuất Ủy ban nhân dân tỉnh (qua Sở Nội vụ) xử lý.",
            num(up.proposed_to_province)
        ));
    }
    let disc_decided = counted(&[
        (up.decided_by_province, "trường hợp xử lý kỷ luật"),
        (
            up.not_applied_by_province,
            "trường hợp không áp dụng hình thức kỷ luật được đề xuất",
        ),
    ]);
    if !disc_decided.is_empty() {
        p.push(format!(
            "Ủy ban nhân dân tỉnh đã quyết định {}.",
            join(&disc_decided)
        ));
    }
    flush(
        &mut out,
        &mut p,
        "Trong kỳ chưa phát sinh việc khen thưởng, xử lý vi phạm.",
    );

    // II.6
    h(&mut out, "6. Công tác kiểm tra");
    let mut checks = Vec::new();
    if t.self_inspections > 0 {
        checks.push(format!(
            "{} đã tự kiểm tra {} cuộc",
            if who.many {
                "Các đơn vị"
            } else {
                "Đơn vị"
            },
            num(t.self_inspections)
        ));
    }
    if t.inspections > 0 {
        checks.push(format!(
            "Sở Nội vụ đã kiểm tra {} cuộc tại {}",
            num(t.inspections),
            who.units()
        ));
    }
    if !checks.is_empty() {
        p.push(format!("{} (chi tiết tại Phụ lục III).", checks.join("; ")));
    }
    flush(
        &mut out,
        &mut p,
        "Trong kỳ chưa phát sinh việc tự kiểm tra, kiểm tra.",
    );

    // II.7
    h(&mut out, "7. Tình hình cập nhật kết quả trên hệ thống");
    let c = &t.completeness;
    let updated = "cập nhật kết quả thực hiện nhiệm vụ trong kỳ trên hệ thống";
    match c.expected {
        0 => {}
        1 if c.reported >= 1 => p.push(format!("Đơn vị đã {updated}.")),
        1 => p.push(format!("Đơn vị chưa {updated}.")),
        n if c.reported >= n => p.push(format!("Tất cả {} đơn vị đã {updated}.", num(n))),
        n if c.reported == 0 => p.push(format!(
            "Cả {} đơn vị đều chưa {updated} (chi tiết tại Phụ lục III).",
            num(n)
        )),
        n => p.push(format!(
            "Có {}/{} đơn vị đã {updated}; {} đơn vị chưa cập nhật (chi tiết tại Phụ lục III).",
            num(c.reported),
            num(n),
            num(n - c.reported)
        )),
    }
    if !report.lists.conflicts.is_empty() {
        p.push(format!(
            "Có {} đề xuất có dữ liệu xung đột cần đơn vị rà soát, xử lý (danh sách tại Phụ lục IV).",
            num(report.lists.conflicts.len() as u64)
        ));
    }
    flush(
        &mut out,
        &mut p,
        "Không có đơn vị phải cập nhật kết quả trong kỳ.",
    );
    out
}
