//! The report's body on portrait pages: the header block, the numbered sections with the
//! figures written into sentences, the recipients and the signature.

use super::*;

pub(super) fn header_block(x: &mut Xml, report: &Report, info: &DocInfo, who: &Issuer) {
    let left = 3_700;
    let right = PORTRAIT_TEXT - left;
    x.table_open(&[left, right], false);
    x.tr_open(false);
    // Left: governing body, issuing body, rule, number.
    x.tc_layout(left);
    if let Some(g) = &who.governing {
        x.p("Hdr", rpr::S13, g);
    }
    x.p("Hdr", rpr::B13, &who.issuing);
    let chars = who.issuing.chars().count().min(30) as u32;
    x.short_rule(left, (chars * 150 / 2).clamp(700, 2_000), 40);
    x.p_open("Hdr", "<w:spacing w:before=\"120\"/>");
    x.run(rpr::S13, &format!("Số:        /{}", who.symbol));
    x.p_close();
    x.raw("</w:tc>");
    // Right: national name, motto, place and date.
    x.tc_layout(right);
    x.p("Hdr", rpr::B12, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
    x.p("Hdr", rpr::BU13, "Độc lập - Tự do - Hạnh phúc");
    x.p_open("Hdr", "<w:spacing w:before=\"240\"/>");
    x.run(
        rpr::I,
        &format!(
            "{}, {}",
            place(&report.province.name),
            date_words(info.today)
        ),
    );
    x.p_close();
    x.raw("</w:tc>");
    x.tr_close();
    x.table_close();

    x.p_open("C", "<w:spacing w:before=\"360\"/>");
    x.run(rpr::B, "BÁO CÁO");
    x.p_close();
    x.p("C", rpr::B, &report.title);
    x.short_rule(PORTRAIT_TEXT, 2_400, 120);
    x.p_open("C", "<w:spacing w:before=\"240\" w:after=\"120\"/>");
    x.run(rpr::NONE, &format!("Kính gửi: {}.", who.addressee));
    x.p_close();
}

pub(super) fn duty_sentence(
    d: &DutyCount,
    done_phrase: &str,
    not_done_phrase: &str,
    deadline: &str,
) -> String {
    if d.units == 0 {
        return format!("Không có đơn vị thuộc phạm vi báo cáo phải {done_phrase}.");
    }
    format!(
        "Có {}/{} đơn vị đã {done_phrase}, trong đó {} đơn vị đúng hạn ({deadline}), {} đơn vị trễ hạn; {} đơn vị {not_done_phrase}.",
        num(d.on_time + d.late),
        num(d.units),
        num(d.on_time),
        num(d.late),
        num(d.not_done),
    )
}

pub(super) fn sections(x: &mut Xml, report: &Report, who: &Issuer) {
    let t = &report.totals;
    let cutoff = date(report.cutoff);
    x.body(&format!(
        "{} báo cáo {} (số liệu tính từ ngày {} đến hết ngày {}) như sau:",
        who.sender,
        lower_first(&report.title),
        date(report.period.start),
        cutoff
    ));

    // I.
    x.heading("I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO, PHỔ BIẾN, QUÁN TRIỆT");
    x.placeholder();
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
    x.body(&duty_sentence(
        &t.dissemination,
        "tổ chức phổ biến, quán triệt Quy định",
        "chưa thực hiện",
        &deadline,
    ));
    x.body(&duty_sentence(
        &t.plans,
        "ban hành kế hoạch thực hiện",
        "chưa ban hành",
        &deadline,
    ));
    x.body(&format!(
        "Trong kỳ, các đơn vị đã tổ chức {} cuộc sơ kết và {} cuộc tổng kết việc thực hiện (chi tiết tại Phụ lục III).",
        num(t.reviews.preliminary),
        num(t.reviews.final_)
    ));

    // II.
    x.heading("II. KẾT QUẢ THỰC HIỆN");
    x.heading("1. Tiếp nhận, xem xét và phê duyệt đề xuất");
    let s = |st: Status| num(status_count(t, st));
    let mut received = format!(
        "Trong kỳ, các đơn vị đã tiếp nhận {} đề xuất đổi mới, sáng tạo của cán bộ (chi tiết theo đơn vị và trạng thái tại Phụ lục I).",
        num(t.proposals)
    );
    if t.carried_over.proposals > 0 {
        received.push_str(&format!(
            " Ngoài ra, {} đề xuất nộp từ kỳ trước tiếp tục được xem xét, thực hiện trong kỳ.",
            num(t.carried_over.proposals)
        ));
    }
    x.body(&received);
    let in_review = [
        Status::Submitted,
        Status::Received,
        Status::VoteFailed,
        Status::VotePassed,
    ]
    .into_iter()
    .map(|st| status_count(t, st))
    .sum::<u64>();
    x.body(&format!(
        "Đến ngày {cutoff}, có {} đề xuất đang được xem xét (đã nộp, đã tiếp nhận hoặc đã biểu quyết, chưa có quyết định).",
        num(in_review)
    ));
    x.body(&format!(
        "Số đề xuất được phê duyệt: {}, trong đó {} đề xuất được phê duyệt theo kết quả biểu quyết của tập thể lãnh đạo, {} đề xuất do người đứng đầu quyết định phê duyệt bằng văn bản, {} đề xuất được phê duyệt theo ý kiến của Ủy ban nhân dân tỉnh; {} đề xuất được phê duyệt thực hiện thí điểm.",
        num(approved_total(t)),
        num(t.approved.by_vote),
        num(t.approved.by_head_decision),
        num(t.approved.by_province),
        num(t.approved.pilot),
    ));
    x.body(&format!(
        "Số đề xuất không được phê duyệt: {}.",
        s(Status::Rejected)
    ));
    x.body(&format!(
        "Số đề xuất trình Ủy ban nhân dân tỉnh cho ý kiến: {}, trong đó {} đề xuất đã có ý kiến trả lời, {} đề xuất đang chờ ý kiến (danh sách tại Phụ lục IV).",
        num(t.escalations.total),
        num(t.escalations.answered),
        num(t.escalations.pending),
    ));

    x.heading("2. Tổ chức thực hiện và đánh giá kết quả");
    x.body(&format!(
        "Đến ngày {cutoff}, trong số các đề xuất nộp trong kỳ: {} đề xuất đang triển khai thực hiện, {} đề xuất tạm dừng, {} đề xuất chấm dứt thực hiện, {} đề xuất đã báo cáo kết quả, chờ đánh giá; {} đề xuất hoàn thành, {} đề xuất hoàn thành một phần, {} đề xuất không hoàn thành.",
        s(Status::Implementing),
        s(Status::Suspended),
        s(Status::Terminated),
        s(Status::ResultsReported),
        s(Status::Completed),
        s(Status::PartlyCompleted),
        s(Status::NotCompleted),
    ));
    let evals: u64 = EvalResult::ALL.into_iter().map(|e| evaluation(t, e)).sum();
    x.body(&format!(
        "Trong kỳ đã đánh giá kết quả thực hiện {} đề xuất: {} hoàn thành, {} hoàn thành một phần, {} không hoàn thành; {} trường hợp có thiệt hại.",
        num(evals),
        num(evaluation(t, EvalResult::Completed)),
        num(evaluation(t, EvalResult::Partly)),
        num(evaluation(t, EvalResult::NotCompleted)),
        num(t.evaluations_with_damage),
    ));

    x.heading("3. Thời hạn thực hiện các bước");
    x.body("Việc thực hiện các bước có thời hạn (tính theo các bước có thời hạn bắt đầu trong kỳ, chi tiết theo đơn vị tại Phụ lục II):");
    for step in Step::ALL {
        let v = step_timeliness(t, step);
        let line = if timeliness_values(&v).iter().all(|n| *n == 0) {
            format!("- {}: chưa phát sinh.", labels::step(step))
        } else {
            format!(
                "- {}: {} đúng hạn, {} trễ hạn, {} đang trong hạn, {} quá hạn chưa thực hiện.",
                labels::step(step),
                num(v.on_time),
                num(v.late),
                num(v.open),
                num(v.overdue)
            )
        };
        x.body(&line);
    }
    if !report.lists.overdue.is_empty() {
        x.body(&format!(
            "Có {} bước đã quá hạn nhưng chưa thực hiện tính đến ngày {cutoff} (danh sách tại Phụ lục IV).",
            num(report.lists.overdue.len() as u64)
        ));
    }

    x.heading("4. Bảo vệ cán bộ năng động, sáng tạo");
    let p = &t.protection;
    x.body(&format!(
        "Trong kỳ đã xem xét, kết luận việc bảo vệ {} trường hợp, trong đó {} trường hợp hoàn thành, không bị xem xét trách nhiệm; {} trường hợp được loại trừ trách nhiệm; {} trường hợp có thiệt hại được xem xét loại trừ, miễn hoặc giảm nhẹ trách nhiệm.",
        num(p.not_liable + p.excluded + p.considered),
        num(p.not_liable),
        num(p.excluded),
        num(p.considered),
    ));

    x.heading("5. Khen thưởng, xử lý vi phạm");
    x.body(&format!(
        "Có {} trường hợp được khen thưởng ở cấp đơn vị; {} trường hợp được đề nghị Chủ tịch Ủy ban nhân dân tỉnh khen thưởng.",
        num(t.commendations.unit_level),
        num(t.commendations.proposed_to_province),
    ));
    x.body(&format!(
        "Số trường hợp vi phạm bị xử lý kỷ luật: {}.",
        num(t.disciplines)
    ));

    x.heading("6. Công tác kiểm tra");
    x.body(&format!(
        "Các đơn vị đã tự kiểm tra {} cuộc; Sở Nội vụ đã kiểm tra {} cuộc tại các đơn vị.",
        num(t.self_inspections),
        num(t.inspections),
    ));

    x.heading("7. Tình hình cập nhật kết quả của các đơn vị");
    let c = &t.completeness;
    let mut line = format!(
        "Có {}/{} đơn vị đã cập nhật kết quả thực hiện nhiệm vụ trong kỳ trên hệ thống",
        num(c.reported),
        num(c.expected)
    );
    if c.expected > c.reported {
        line.push_str(&format!(
            "; {} đơn vị chưa cập nhật (chi tiết tại Phụ lục III).",
            num(c.expected - c.reported)
        ));
    } else {
        line.push('.');
    }
    x.body(&line);
    if !report.lists.conflicts.is_empty() {
        x.body(&format!(
            "Có {} đề xuất có dữ liệu xung đột cần đơn vị rà soát, xử lý (danh sách tại Phụ lục IV).",
            num(report.lists.conflicts.len() as u64)
        ));
    }

    // III–V: written by people.
    x.heading("III. ĐÁNH GIÁ CHUNG");
    x.heading("1. Ưu điểm");
    x.placeholder();
    x.heading("2. Hạn chế, nguyên nhân");
    x.placeholder();
    x.heading("IV. NHIỆM VỤ THỜI GIAN TỚI");
    x.placeholder();
    x.heading("V. KIẾN NGHỊ, ĐỀ XUẤT");
    x.placeholder();
    x.body(&format!(
        "Trên đây là báo cáo {} của {}, kính báo cáo {}./.",
        lower_first(&report.title),
        who.sender,
        who.addressee_short
    ));
}

pub(super) fn signature(x: &mut Xml, who: &Issuer) {
    let left = 4_400;
    let right = PORTRAIT_TEXT - left;
    x.p("L", rpr::NONE, "");
    x.table_open(&[left, right], false);
    x.tr_open(false);
    x.tc_layout(left);
    x.p("L", rpr::BI12, "Nơi nhận:");
    for c in &who.copies {
        x.p("L", rpr::S11, c);
    }
    x.raw("</w:tc>");
    x.tc_layout(right);
    for l in &who.signature {
        x.p("C", rpr::B, l);
    }
    for _ in 0..4 {
        x.p("C", rpr::NONE, "");
    }
    x.p("C", rpr::B, "[Họ và tên]");
    x.raw("</w:tc>");
    x.tr_close();
    x.table_close();
}
