//! The report's body on portrait pages: the header block, the numbered sections with the
//! figures written into sentences, the recipients and the signature.

use super::*;

pub(super) fn header_block(x: &mut Xml, report: &Report, info: &DocInfo, who: &Issuer) {
    let left = 3_900;
    let right = PORTRAIT_TEXT - left;
    x.table_open(&[left, right], false);
    x.tr_open(false);
    // Left: governing body, issuing body, rule, number.
    x.tc_layout(left);
    if let Some(g) = &who.governing {
        x.p("Hdr", rpr::S13, g);
    }
    for line in &who.issuing {
        x.p("Hdr", rpr::B13, line);
    }
    let chars = who
        .issuing
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .min(30) as u32;
    x.short_rule(left, (chars * 150 / 2).clamp(700, 2_000), 40);
    x.p_open("Hdr", "<w:spacing w:before=\"120\"/>");
    x.run(rpr::S13, &number_line(who, info));
    x.p_close();
    x.raw("</w:tc>");
    // Right: national name, motto, place and date.
    x.tc_layout(right);
    x.p("Hdr", rpr::B12, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
    x.p("Hdr", rpr::BU13, "Độc lập - Tự do - Hạnh phúc");
    x.p_open("Hdr", "<w:spacing w:before=\"240\"/>");
    x.run(
        rpr::I,
        &format!("{}, {}", who.place, date_words(info.doc_date())),
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

pub(super) fn sections(x: &mut Xml, report: &Report, info: &DocInfo, who: &Issuer) {
    x.body(&format!(
        "Thực hiện {} và {}, {} báo cáo {} (số liệu tính từ ngày {} đến hết ngày {}) như sau:",
        info.regulation,
        info.plan,
        who.sender,
        lower_first(&report.title),
        date(report.period.start),
        date(report.cutoff)
    ));
    for block in narrative(report, info) {
        match block {
            Block::Heading(h) => x.heading(&h),
            Block::Para(p) => x.body(&p),
            Block::Placeholder => x.placeholder(),
        }
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
    // The closing sentence stays on the signature's page: a signature never stands alone.
    x.p_open("Normal", "<w:keepNext/>");
    x.run(
        rpr::NONE,
        &format!(
            "Trên đây là báo cáo {} của {}, kính báo cáo {}./.",
            lower_first(&report.title),
            who.sender,
            who.addressee_short
        ),
    );
    x.p_close();
}

pub(super) fn signature(x: &mut Xml, who: &Issuer) {
    let left = 4_400;
    let right = PORTRAIT_TEXT - left;
    x.p_open("L", "<w:keepNext/>");
    x.p_close();
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
