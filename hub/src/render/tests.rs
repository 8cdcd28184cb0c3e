//! Renderer tests over a small report of Quảng Nam (2024 structure).

use super::*;
use doimoi_shared::ids::UnitCode;
use doimoi_shared::report::{
    build, Clock, Mark, MarkKind, Period, Point, ProposalRow, UnitYearRow,
};
use doimoi_shared::workflow::{ApprovedBy, Level, Step};
use std::io::Read;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

fn code(s: &str) -> UnitCode {
    UnitCode::parse(s).expect("test unit code")
}

fn pt(status: Status) -> Point {
    Point {
        status,
        approved_by: None,
        pilot: false,
        escalated: false,
        answer: None,
        conflict: false,
    }
}

fn proposal(id: &str, unit: &str, title: &str, submitted: Option<&str>) -> ProposalRow {
    ProposalRow {
        id: id.to_string(),
        unit: code(unit),
        title: title.to_string(),
        field: "Cải cách hành chính".to_string(),
        basis: "qd20".into(),
        created: d("2024-01-10"),
        submitted: submitted.map(d),
        timeline: Vec::new(),
        clocks: Vec::new(),
        marks: Vec::new(),
    }
}

fn mark(kind: MarkKind, date: &str) -> Mark {
    Mark {
        event: format!("e-{}-{date}", kind.as_str()),
        date: d(date),
        kind,
    }
}

fn rows() -> (Vec<ProposalRow>, Vec<UnitYearRow>) {
    // Approved by vote as a pilot, now implementing; decision on time.
    let mut p1 = proposal("a1", "20335", "Số hóa hồ sơ một cửa", Some("2024-02-01"));
    let approved = Point {
        approved_by: Some(ApprovedBy::Vote),
        pilot: true,
        ..pt(Status::Approved)
    };
    p1.timeline = vec![
        (d("2024-02-01"), pt(Status::Submitted)),
        (d("2024-02-10"), approved),
        (
            d("2024-03-01"),
            Point {
                status: Status::Implementing,
                ..approved
            },
        ),
    ];
    p1.clocks = vec![Clock {
        step: doimoi_shared::workflow::Step::Decision,
        from: d("2024-02-01"),
        due: d("2024-02-13"),
        done: Some(d("2024-02-10")),
    }];

    // Escalated to UBND tỉnh, unanswered: pending, and its answer overdue.
    let mut p2 = proposal(
        "b2",
        "502",
        "Khoán chi \"hành chính\" <cấp huyện> & tự chủ",
        Some("2024-03-05"),
    );
    p2.timeline = vec![
        (d("2024-03-05"), pt(Status::Submitted)),
        (
            d("2024-03-20"),
            Point {
                escalated: true,
                ..pt(Status::Escalated)
            },
        ),
    ];
    p2.clocks = vec![Clock {
        step: doimoi_shared::workflow::Step::Answer,
        from: d("2024-03-20"),
        due: d("2024-04-20"),
        done: None,
    }];
    p2.marks = vec![mark(MarkKind::Escalate, "2024-03-20")];

    // Rejected, with a conflict to resolve.
    let mut p3 = proposal(
        "c3",
        "49-SNV",
        "Tuyển dụng công chức trực tuyến",
        Some("2024-04-01"),
    );
    p3.timeline = vec![
        (d("2024-04-01"), pt(Status::Submitted)),
        (
            d("2024-04-15"),
            Point {
                conflict: true,
                ..pt(Status::Rejected)
            },
        ),
    ];

    // Completed: evaluated, protected, commended at unit level.
    let mut p4 = proposal(
        "d4",
        "20335",
        "Chợ 4.0 không dùng tiền mặt",
        Some("2024-01-15"),
    );
    let by_head = Point {
        approved_by: Some(ApprovedBy::HeadDecision),
        ..pt(Status::Approved)
    };
    p4.timeline = vec![
        (d("2024-01-15"), pt(Status::Submitted)),
        (d("2024-01-25"), by_head),
        (
            d("2024-09-01"),
            Point {
                status: Status::Completed,
                ..by_head
            },
        ),
    ];
    p4.marks = vec![
        mark(MarkKind::EvaluateCompleted, "2024-09-01"),
        mark(MarkKind::ProtectNotLiable, "2024-09-10"),
        mark(MarkKind::CommendUnit, "2024-10-01"),
    ];

    // A draft never submitted.
    let p5 = proposal("e5", "20341", "Dự thảo chưa nộp", None);

    let year = |unit: &str| UnitYearRow {
        id: format!("uy-{unit}"),
        unit: code(unit),
        year: 2024,
        plan: None,
        dissemination: Vec::new(),
        self_inspections: Vec::new(),
        reviews: Vec::new(),
        commendations: Vec::new(),
        disciplines: Vec::new(),
        inspections: Vec::new(),
        plan_revisions: Vec::new(),
        discipline_proposals: Vec::new(),
        decisions: Vec::new(),
    };
    let mut y1 = year("20335");
    y1.plan = Some(("12/KH-UBND".to_string(), d("2023-07-20")));
    y1.dissemination = vec![d("2023-07-15")];
    y1.self_inspections = vec![d("2024-05-01")];
    y1.reviews = vec![(d("2024-06-01"), false)];
    y1.commendations = vec![(d("2024-07-01"), Level::Province, None)];
    y1.inspections = vec![d("2024-08-01")];
    let mut y2 = year("502");
    y2.dissemination = vec![d("2023-09-01")];
    y2.disciplines = vec![d("2024-05-05")];
    (vec![p1, p2, p3, p4, p5], vec![y1, y2])
}

/// Tỉnh Quảng Nam in the 2024 structure alone (the fixture's rows are of 2024).
fn qn2024() -> Registry {
    Registry::embedded(doimoi_shared::org::Structure::Y2024, "49").expect("Quảng Nam 2024")
}

fn report_for(scope: &str) -> Report {
    let registry = qn2024();
    let (p, u) = rows();
    let period = Period::parse("2024").expect("period");
    build(&registry, &p, &u, &period, None, &code(scope)).expect("report")
}

fn report() -> Report {
    report_for("49")
}

fn info() -> DocInfo {
    DocInfo::new(d("2025-01-05")).with_query("period=2024&scope=49&format=html")
}

fn unit<'a>(r: &'a Report, c: &str) -> &'a UnitReport {
    r.units
        .iter()
        .find(|u| u.code.as_str() == c)
        .expect("unit in report")
}

/// The fixture counts what it should (so the format tests below compare real numbers).
#[test]
fn the_fixture_has_figures_to_compare() {
    let r = report();
    assert_eq!(r.totals.proposals, 4);
    assert_eq!(unit(&r, "20335").figures.proposals, 2);
    assert_eq!(unit(&r, "502").figures.proposals, 1);
    assert_eq!(r.lists.escalations_pending.len(), 1);
    assert_eq!(r.lists.overdue.len(), 1);
    assert_eq!(r.lists.conflicts.len(), 1);
    assert!(unit(&r, "502").subtree.is_some());
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

/// A small RFC 4180 reader for the tests.
fn parse_csv(s: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

#[test]
fn csv_has_a_bom_a_header_a_row_per_unit_and_the_totals() {
    let r = report();
    let bytes = render(&r, Format::Csv, &info()).expect("csv");
    assert!(bytes.starts_with("\u{FEFF}".as_bytes()));
    let text = String::from_utf8(bytes).expect("utf-8");
    assert!(text.ends_with("\r\n"));
    let rows = parse_csv(text.trim_start_matches('\u{FEFF}'));
    assert_eq!(rows.len(), r.units.len() + 2);
    let header = &rows[0];
    assert_eq!(header[0], "Mã đơn vị");
    assert_eq!(header[4], "Số đề xuất nộp trong kỳ");
    assert!(rows.iter().all(|row| row.len() == header.len()));
    let statuses: Vec<Status> = statuses().collect();
    for (i, s) in statuses.iter().enumerate() {
        assert_eq!(header[5 + i], format!("Trạng thái: {}", s.label_vi()));
    }
    let check = |row: &[String], f: &Figures| {
        assert_eq!(row[4], f.proposals.to_string());
        for (i, s) in statuses.iter().enumerate() {
            assert_eq!(row[5 + i], status_count(f, *s).to_string(), "{s:?}");
        }
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("column {name}"))
        };
        assert_eq!(
            row[col("Chờ UBND tỉnh trả lời (đến ngày cuối kỳ)")],
            f.escalations.pending.to_string()
        );
        assert_eq!(row[col("Tự kiểm tra")], f.self_inspections.to_string());
        assert_eq!(
            row[col("Quyết định phê duyệt (7 ngày làm việc): đúng hạn")],
            step_timeliness(f, Step::Decision).on_time.to_string()
        );
    };
    for (u, row) in r.units.iter().zip(&rows[1..]) {
        assert_eq!(row[0], u.code.as_str());
        assert_eq!(row[1], u.name);
        check(row, &u.figures);
    }
    let last = rows.last().expect("totals row");
    assert_eq!(last[1], "Tổng cộng");
    check(last, &r.totals);
    // A unit name with a comma is quoted and reads back whole.
    assert!(rows
        .iter()
        .any(|row| row[1] == "Sở Văn hóa, Thể thao và Du lịch"));
    // Duties: 20335 disseminated on time and issued its plan.
    let row = rows.iter().find(|row| row[0] == "20335").expect("20335");
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    assert_eq!(row[col("Phổ biến: ngày")], "15/07/2023");
    assert_eq!(row[col("Kế hoạch: số, ký hiệu")], "12/KH-UBND");
    assert_eq!(row[col("Phổ biến: đúng hạn (1 = có)")], "1");
}

#[test]
fn the_same_report_gives_the_same_bytes() {
    let r = report();
    for f in Format::ALL {
        let a = render(&r, f, &info()).expect("first");
        let b = render(&report(), f, &info()).expect("second");
        assert!(a == b, "{f:?} differs between two renderings");
    }
    let json = render(&r, Format::Json, &info()).expect("json");
    assert_eq!(json, serde_json::to_vec(&r).expect("json"));
}

// ---------------------------------------------------------------------------------------------
// XLSX
// ---------------------------------------------------------------------------------------------

#[test]
fn xlsx_reads_back_with_numbers_as_numbers() {
    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
    let r = report();
    let bytes = render(&r, Format::Xlsx, &info()).expect("xlsx");
    let mut wb: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("open xlsx");
    assert_eq!(
        wb.sheet_names(),
        vec![
            "Tổng hợp",
            "Theo đơn vị và trạng thái",
            "Đúng hạn",
            "Nhiệm vụ đơn vị",
            "Danh sách"
        ]
    );
    let sheet = wb
        .worksheet_range("Theo đơn vị và trạng thái")
        .expect("status sheet");
    let rows: Vec<&[Data]> = sheet.rows().collect();
    let text = |c: &Data| match c {
        Data::String(s) => s.clone(),
        other => panic!("expected text, got {other:?}"),
    };
    assert_eq!(text(&rows[0][1]), "Tên đơn vị");
    assert_eq!(text(&rows[0][5]), Status::Submitted.label_vi());
    let numbers = |row: &[Data], f: &Figures| {
        let want: Vec<f64> = std::iter::once(f.proposals)
            .chain(statuses().map(|s| status_count(f, s)))
            .map(|n| n as f64)
            .collect();
        for (i, w) in want.iter().enumerate() {
            match &row[4 + i] {
                Data::Float(v) => assert_eq!(v, w, "column {}", 4 + i),
                other => panic!("expected a number, got {other:?}"),
            }
        }
    };
    // Own lines match the units, and sum to the totals row, which stands apart below a blank
    // row.
    let mut own = 0;
    assert!(rows[rows.len() - 2].iter().all(|c| *c == Data::Empty));
    for row in &rows[1..rows.len() - 2] {
        let c = text(&row[0]);
        let u = unit(&r, &c);
        if text(&row[3]) == "Đơn vị" {
            own += 1;
            numbers(row, &u.figures);
        } else {
            let sub = u.subtree.as_deref().expect("subtree");
            numbers(row, sub);
        }
    }
    assert_eq!(own, r.units.len());
    let last = rows.last().expect("totals");
    assert_eq!(text(&last[1]), "Tổng cộng");
    numbers(last, &r.totals);

    // The summary has dates as dates and figures as numbers.
    let summary = wb.worksheet_range("Tổng hợp").expect("summary");
    let find = |label: &str| {
        summary
            .rows()
            .find(|row| matches!(&row[0], Data::String(s) if s == label))
            .map(|row| row[1].clone())
            .unwrap_or_else(|| panic!("summary line {label}"))
    };
    assert!(matches!(find("Từ ngày"), Data::DateTime(_)));
    assert_eq!(find("Đề xuất nộp trong kỳ"), Data::Float(4.0));

    let lists = wb.worksheet_range("Danh sách").expect("lists");
    assert_eq!(lists.height(), 4);
    let timeliness = wb.worksheet_range("Đúng hạn").expect("timeliness");
    let last = timeliness.rows().next_back().expect("totals");
    assert_eq!(last[4], Data::Float(1.0), "decisions on time");
}

/// Every sheet prints on A4 landscape, one page wide, with its header rows repeated and a print
/// title; the autofilter covers the data rows, not the totals.
#[test]
fn xlsx_sheets_have_print_setup_and_totals_outside_the_filter() {
    use calamine::{open_workbook_from_rs, Reader, Xlsx};
    let r = report();
    let bytes = render(&r, Format::Xlsx, &info()).expect("xlsx");
    let parts = unzip(&bytes);
    let workbook = &parts["xl/workbook.xml"];
    for n in 1..=5 {
        let sheet = &parts[&format!("xl/worksheets/sheet{n}.xml")];
        for want in [
            "<pageSetUpPr fitToPage=\"1\"/>",
            "paperSize=\"9\"",
            "orientation=\"landscape\"",
            "fitToHeight=\"0\"",
            "<oddHeader>",
            "<oddFooter>",
        ] {
            assert!(sheet.contains(want), "sheet{n} lacks {want}");
        }
        assert!(
            !sheet.contains("fitToWidth=\"0\""),
            "sheet{n}: one page wide"
        );
        assert!(
            sheet.contains("Quảng Nam"),
            "sheet{n}: print title names the scope"
        );
        // One print-titles name per sheet, local to it.
        assert!(
            workbook.contains(&format!(
                "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"{}\">",
                n - 1
            )),
            "sheet{n}: print titles"
        );
    }
    let mut wb: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).expect("open xlsx");
    // Status (sheet2), timeliness (sheet3), duties (sheet4): the filter ends above the totals.
    for (n, name) in [
        (2, "Theo đơn vị và trạng thái"),
        (3, "Đúng hạn"),
        (4, "Nhiệm vụ đơn vị"),
    ] {
        let sheet = &parts[&format!("xl/worksheets/sheet{n}.xml")];
        let filter = sheet
            .split("<autoFilter ref=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("sheet{n} has an autofilter"));
        let last_row: u32 = filter
            .rsplit(':')
            .next()
            .map(|c| c.trim_start_matches(|ch: char| ch.is_ascii_alphabetic()))
            .and_then(|d| d.parse().ok())
            .expect("filter's last row");
        let range = wb.worksheet_range(name).expect("sheet");
        let height = range.height() as u32;
        let totals = range.rows().next_back().expect("totals");
        assert!(
            totals
                .iter()
                .any(|c| matches!(c, calamine::Data::String(s) if s == "Tổng cộng")),
            "{name}: totals last"
        );
        // 1-based: the totals row is `height`, the blank row above it `height - 1`.
        assert_eq!(last_row, height - 2, "{name}: {filter}");
    }
}

// ---------------------------------------------------------------------------------------------
// DOCX
// ---------------------------------------------------------------------------------------------

fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, String> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut out = std::collections::BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).expect("entry");
        let mut s = String::new();
        f.read_to_string(&mut s).expect("utf-8 part");
        out.insert(f.name().expect("entry name").to_string(), s);
    }
    out
}

/// Checks that `xml` is well formed: tags balance, attributes are quoted, entities are known.
fn assert_well_formed(name: &str, xml: &str) {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        let text = &rest[..start];
        for (i, _) in text.match_indices('&') {
            let ent = &text[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&apos;"]
                    .iter()
                    .any(|e| ent.starts_with(e)),
                "{name}: bare & in {:?}",
                &ent[..ent.len().min(20)]
            );
        }
        let end = rest[start..].find('>').expect("tag closes") + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if let Some(closing) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("{name}: stray </{closing}>"));
            assert_eq!(open, closing, "{name}: <{open}> closed by </{closing}>");
        } else if !tag.ends_with('/') {
            stack.push(tag.split([' ', '\n']).next().unwrap_or(tag));
        }
        assert_eq!(
            tag.matches('"').count() % 2,
            0,
            "{name}: unbalanced quotes in <{tag}>"
        );
    }
    assert!(stack.is_empty(), "{name}: unclosed {stack:?}");
}

#[test]
fn docx_has_the_decree_30_layout_and_the_annexes() {
    let r = report();
    let bytes = render(&r, Format::Docx, &info()).expect("docx");
    let parts = unzip(&bytes);
    for part in [
        "[Content_Types].xml",
        "_rels/.rels",
        "word/_rels/document.xml.rels",
        "word/document.xml",
        "word/styles.xml",
        "word/settings.xml",
        "word/header1.xml",
        "word/header2.xml",
        "docProps/core.xml",
        "docProps/app.xml",
    ] {
        let xml = parts.get(part).unwrap_or_else(|| panic!("missing {part}"));
        assert_well_formed(part, xml);
    }
    let doc = &parts["word/document.xml"];
    for want in [
        "UBND TỈNH QUẢNG NAM",
        "SỞ NỘI VỤ",
        "Số:        /BC-SNV",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Quảng Nam, ngày 05 tháng 01 năm 2025",
        "BÁO CÁO",
        &r.title,
        "Kính gửi: Ủy ban nhân dân tỉnh Quảng Nam.",
        "I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO, PHỔ BIẾN, QUÁN TRIỆT",
        "II. KẾT QUẢ THỰC HIỆN",
        "III. ĐÁNH GIÁ CHUNG",
        "IV. NHIỆM VỤ THỜI GIAN TỚI",
        "V. KIẾN NGHỊ, ĐỀ XUẤT",
        "[Nội dung do người soạn thảo bổ sung]",
        "Nơi nhận:",
        "- Lưu: VT.",
        "GIÁM ĐỐC",
        "Phụ lục I",
        "Phụ lục II",
        "Phụ lục III",
        "Phụ lục IV",
        "Phụ lục V",
        "TỔNG HỢP ĐỀ XUẤT THEO LĨNH VỰC VÀ CĂN CỨ PHÁP LÝ",
        "Cải cách hành chính",
        "TỔNG HỢP ĐỀ XUẤT THEO ĐƠN VỊ VÀ TRẠNG THÁI",
        "Tổng cộng",
        "<w:titlePg/>",
        "<w:tbl>",
        "<w:tblHeader/>",
        "w:orient=\"landscape\"",
        "w:type=\"first\"",
        // Figures written into sentences.
        "Có 2 đề xuất được phê duyệt, trong đó 1 đề xuất theo kết quả biểu quyết",
        "Có 1 đề xuất được trình Ủy ban nhân dân tỉnh cho ý kiến.",
        // The regulation and the plan are cited.
        "Thực hiện Quy định số 20-QĐ/TU ngày 01/7/2023 của Ban Thường vụ Tỉnh ủy và Kế hoạch",
        // The units with nothing to show are one line.
        "Các đơn vị còn lại (",
        // The title with quotes and angle brackets is escaped.
        "Khoán chi &quot;hành chính&quot; &lt;cấp huyện&gt; &amp; tự chủ",
    ] {
        assert!(doc.contains(want), "document.xml lacks {want:?}");
    }
    let d = &r.totals.dissemination;
    assert!(doc.contains(&format!(
        "Có {}/{} đơn vị đã tổ chức phổ biến, quán triệt Quy định số 20-QĐ/TU ngày 01/7/2023 của Ban Thường vụ Tỉnh ủy, trong đó {} đơn vị đúng hạn",
        d.on_time + d.late,
        d.units,
        d.on_time
    )));
    // No clause with a zero count, no "1/1".
    for bad in [
        " 0 đề xuất",
        " 0 đơn vị",
        " 0 trường hợp",
        " 0 cuộc",
        "1/1 đơn vị",
        "CCVC",
    ] {
        assert!(!doc.contains(bad), "document.xml has {bad:?}");
    }
    // Each annex is a section of its own whose page numbers start at 1.
    assert_eq!(doc.matches("<w:pgNumType w:start=\"1\"/>").count(), 5);
    assert_eq!(doc.matches("w:orient=\"landscape\"").count(), 5);
    assert!(!doc.contains("pageBreakBefore"));
    // Margins: top/bottom 20 mm, left 30 mm, right 15 mm; A4.
    assert!(doc.contains(
        "<w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1134\" w:right=\"850\" w:bottom=\"1134\" w:left=\"1701\""
    ));
    assert!(parts["word/header1.xml"].contains(" PAGE "));
    assert!(!parts["word/header2.xml"].contains("PAGE"));
    assert!(parts["word/styles.xml"].contains("Times New Roman"));
    // The units with proposals have their own lines in the annexes.
    for u in r.units.iter().filter(|u| u.figures.proposals > 0) {
        assert!(doc.contains(&escape(&u.name)), "{} missing", u.name);
    }
}

/// The text of `document.xml`'s paragraphs, one per line (runs joined, markup dropped).
fn paragraphs(doc: &str) -> Vec<String> {
    doc.split("</w:p>")
        .map(|p| {
            let mut out = String::new();
            let mut rest = p;
            while let Some(i) = rest.find("<w:t") {
                let after = &rest[i + 4..];
                if !(after.starts_with('>') || after.starts_with(' ')) {
                    rest = after;
                    continue;
                }
                let Some(open_end) = after.find('>') else {
                    break;
                };
                let body = &after[open_end + 1..];
                let Some(close) = body.find("</w:t>") else {
                    break;
                };
                out.push_str(&body[..close]);
                rest = &body[close..];
            }
            out
        })
        .collect()
}

fn docx_text(r: &Report, info: &DocInfo) -> Vec<String> {
    let parts = unzip(&render(r, Format::Docx, info).expect("docx"));
    let doc = &parts["word/document.xml"];
    assert_well_formed("word/document.xml", doc);
    paragraphs(doc)
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect()
}

/// `lines` holds `want` as consecutive lines.
fn has_run(lines: &[String], want: &[&str]) -> bool {
    lines
        .windows(want.len())
        .any(|w| w.iter().zip(want).all(|(a, b)| a == b))
}

/// Each issuer kind's header block, place, addressee, recipients and signature (Decree 30).
#[test]
fn docx_issuer_block_for_every_kind() {
    let registry = qn2024();
    struct Want {
        scope: &'static str,
        header: &'static [&'static str],
        place: &'static str,
        to: &'static str,
        copies: &'static [&'static str],
        signature: &'static [&'static str],
    }
    let cases = [
        Want {
            scope: "49",
            header: &["UBND TỈNH QUẢNG NAM", "SỞ NỘI VỤ", "Số:        /BC-SNV"],
            place: "Quảng Nam, ngày 05 tháng 01 năm 2025",
            to: "Kính gửi: Ủy ban nhân dân tỉnh Quảng Nam.",
            copies: &[
                "Nơi nhận:",
                "- Như trên;",
                "- Chủ tịch, các Phó Chủ tịch UBND tỉnh;",
                "- Lưu: VT.",
            ],
            signature: &["GIÁM ĐỐC"],
        },
        Want {
            scope: "49-SNV",
            header: &["UBND TỈNH QUẢNG NAM", "SỞ NỘI VỤ", "Số:        /BC-SNV"],
            place: "Quảng Nam, ngày 05 tháng 01 năm 2025",
            to: "Kính gửi: Ủy ban nhân dân tỉnh Quảng Nam.",
            copies: &[
                "Nơi nhận:",
                "- Như trên;",
                "- Chủ tịch, các Phó Chủ tịch UBND tỉnh;",
                "- Lưu: VT.",
            ],
            signature: &["GIÁM ĐỐC"],
        },
        Want {
            scope: "49-STP",
            header: &["UBND TỈNH QUẢNG NAM", "SỞ TƯ PHÁP", "Số:        /BC-STP"],
            place: "Quảng Nam, ngày 05 tháng 01 năm 2025",
            to: "Kính gửi: Sở Nội vụ tỉnh Quảng Nam.",
            copies: &["Nơi nhận:", "- Như trên;", "- Lưu: VT."],
            signature: &["GIÁM ĐỐC"],
        },
        Want {
            scope: "49-TTR",
            header: &[
                "UBND TỈNH QUẢNG NAM",
                "THANH TRA TỈNH",
                "Số:        /BC-TTR",
            ],
            place: "Quảng Nam, ngày 05 tháng 01 năm 2025",
            to: "Kính gửi: Sở Nội vụ tỉnh Quảng Nam.",
            copies: &["Nơi nhận:", "- Như trên;", "- Lưu: VT."],
            signature: &["CHÁNH THANH TRA"],
        },
        Want {
            scope: "49-HDY",
            header: &[
                "UBND TỈNH QUẢNG NAM",
                "HỘI ĐÔNG Y TỈNH",
                "Số:        /BC-HDY",
            ],
            place: "Quảng Nam, ngày 05 tháng 01 năm 2025",
            to: "Kính gửi: Sở Nội vụ tỉnh Quảng Nam.",
            copies: &["Nơi nhận:", "- Như trên;", "- Lưu: VT."],
            signature: &["TM. BAN THƯỜNG VỤ", "CHỦ TỊCH"],
        },
        Want {
            scope: "502",
            header: &["ỦY BAN NHÂN DÂN", "THÀNH PHỐ TAM KỲ", "Số:        /BC-UBND"],
            place: "Tam Kỳ, ngày 05 tháng 01 năm 2025",
            to: "Kính gửi: Sở Nội vụ tỉnh Quảng Nam.",
            copies: &["Nơi nhận:", "- Như trên;", "- Lưu: VT."],
            signature: &["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
        },
        Want {
            scope: "20335",
            header: &["ỦY BAN NHÂN DÂN", "PHƯỜNG TÂN THẠNH", "Số:        /BC-UBND"],
            place: "Tân Thạnh, ngày 05 tháng 01 năm 2025",
            to: "Kính gửi: Ủy ban nhân dân thành phố Tam Kỳ.",
            copies: &["Nơi nhận:", "- Như trên;", "- Lưu: VT."],
            signature: &["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
        },
    ];
    for w in cases {
        let r = report_for(w.scope);
        let info = info().with_superior_from(&registry, &r);
        let lines = docx_text(&r, &info);
        assert!(
            has_run(&lines, w.header),
            "{}: header {:?}",
            w.scope,
            &lines[..6]
        );
        // The header block starts the document: nothing above the issuing body.
        assert_eq!(lines[0], w.header[0], "{}", w.scope);
        assert!(lines.iter().any(|l| l == w.place), "{}: place", w.scope);
        assert!(lines.iter().any(|l| l == w.to), "{}: addressee", w.scope);
        assert!(has_run(&lines, w.copies), "{}: recipients", w.scope);
        assert!(has_run(&lines, w.signature), "{}: signature", w.scope);
        // No "UBND …" form for a People's Committee issuing, no deputy signing.
        assert!(!lines
            .iter()
            .any(|l| l == "UBND PHƯỜNG TÂN THẠNH" || l == "UBND THÀNH PHỐ TAM KỲ"));
        assert!(!lines.iter().any(|l| l.starts_with("KT. ")), "{}", w.scope);
    }

    // After 01/07/2025 a commune reports to Sở Nội vụ, from its own place.
    let r25 = Registry::embedded(doimoi_shared::org::Structure::Y2025, "Đà Nẵng").expect("Đà Nẵng");
    let commune = r25
        .of_kind(UnitKind::Commune)
        .find(|u| u.name.starts_with("Phường "))
        .expect("a phường");
    let period = Period::parse("2025-07-01..2025-12-14").expect("period");
    let r = build(&r25, &[], &[], &period, None, &commune.code).expect("report");
    let info25 = DocInfo::new(d("2025-12-20")).with_superior_from(&r25, &r);
    let lines = docx_text(&r, &info25);
    let name = commune.name.trim_start_matches("Phường ");
    assert!(has_run(
        &lines,
        &["ỦY BAN NHÂN DÂN", &commune.name.to_uppercase()]
    ));
    assert!(lines
        .iter()
        .any(|l| l == &format!("{name}, ngày 20 tháng 12 năm 2025")));
    assert!(
        lines
            .iter()
            .any(|l| l == "Kính gửi: Sở Nội vụ thành phố Đà Nẵng."),
        "{:?}",
        &lines[..12]
    );

    // A province without Sở Nội vụ reports itself, as a People's Committee.
    let mut r = report();
    r.home_affairs = None;
    let lines = docx_text(&r, &info());
    assert!(has_run(
        &lines,
        &["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NAM", "Số:        /BC-UBND"]
    ));
    assert!(has_run(&lines, &["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]));
}

/// The number and signing date given at the request fill the "Số:" line, the place-and-date
/// line and every annex's reference.
#[test]
fn docx_number_and_date_are_written_where_given() {
    let registry = qn2024();
    let r = report_for("20335");
    let info = info()
        .with_superior_from(&registry, &r)
        .with_number_and_date(Some("5"), Some("2025-02-03"))
        .expect("valid");
    assert_eq!(info.number.as_deref(), Some("05"));
    let lines = docx_text(&r, &info);
    assert!(lines.iter().any(|l| l == "Số: 05/BC-UBND"));
    assert!(lines
        .iter()
        .any(|l| l == "Tân Thạnh, ngày 03 tháng 02 năm 2025"));
    let annex_refs = lines
        .iter()
        .filter(|l| {
            l.as_str()
                == "(Kèm theo Báo cáo số 05/BC-UBND ngày 03 tháng 02 năm 2025 của Ủy ban nhân dân phường Tân Thạnh)"
        })
        .count();
    assert_eq!(annex_refs, 5);
    // The file's own timestamps stay the day it was made.
    let parts = unzip(&render(&r, Format::Docx, &info).expect("docx"));
    assert!(parts["docProps/core.xml"].contains("2025-01-05T00:00:00Z"));

    assert_eq!(doc_number("125"), Ok("125".to_string()));
    assert_eq!(doc_number(" 007 "), Ok("07".to_string()));
    for bad in ["", "0", "12/BC-UBND", "abc", "12345678"] {
        let e = doc_number(bad).expect_err(bad);
        assert!(e.contains("Số văn bản"), "{e}");
    }
    let e = DocInfo::new(d("2025-01-05"))
        .with_number_and_date(None, Some("05/01/2025"))
        .expect_err("date");
    assert!(e.contains("YYYY-MM-DD"), "{e}");
    let blank = DocInfo::new(d("2025-01-05"))
        .with_number_and_date(Some(" "), Some(""))
        .expect("blank is none");
    assert_eq!((blank.number, blank.date), (None, None));
}

fn narrative_text(r: &Report) -> Vec<String> {
    narrative::narrative(r, &info())
        .into_iter()
        .filter_map(|b| match b {
            narrative::Block::Para(p) => Some(p),
            _ => None,
        })
        .collect()
}

fn assert_no_zero_clauses(text: &[String]) {
    for p in text {
        for bad in [" 0 ", "1/1 đơn vị", "(hoàn thành)"] {
            assert!(!p.contains(bad), "{bad:?} in {p:?}");
        }
        assert!(!p.starts_with("0 "), "{p:?}");
    }
}

/// Zero, one and many: no clause with a zero count, "đơn vị" for one unit, "chưa phát sinh"
/// where a paragraph would be empty.
#[test]
fn sentences_read_naturally_for_zero_one_and_many() {
    let registry = qn2024();
    let period = Period::parse("2024").expect("period");
    // Zero: a commune that recorded nothing.
    let empty = build(&registry, &[], &[], &period, None, &code("20335")).expect("report");
    let text = narrative_text(&empty);
    assert_no_zero_clauses(&text);
    assert!(text.contains(&"Đơn vị chưa tổ chức phổ biến, quán triệt Quy định số 20-QĐ/TU ngày 01/7/2023 của Ban Thường vụ Tỉnh ủy (hạn ngày 31/07/2023).".to_string()), "{text:#?}");
    assert!(text.contains(
        &"Trong kỳ, cán bộ của đơn vị chưa nộp đề xuất đổi mới, sáng tạo nào.".to_string()
    ));
    assert!(
        text.iter().filter(|p| p.contains("chưa phát sinh")).count() >= 5,
        "{text:#?}"
    );
    assert!(text.contains(
        &"Đơn vị chưa cập nhật kết quả thực hiện nhiệm vụ trong kỳ trên hệ thống.".to_string()
    ));

    // One unit with records.
    let one = report_for("20335");
    let text = narrative_text(&one);
    assert_no_zero_clauses(&text);
    assert!(text.iter().all(|p| !p.contains("các đơn vị")), "{text:#?}");
    assert!(text.contains(
        &"Đơn vị đã ban hành kế hoạch thực hiện đúng hạn (hạn ngày 31/07/2023).".to_string()
    ));
    assert!(text.contains(
        &"Đơn vị đã cập nhật kết quả thực hiện nhiệm vụ trong kỳ trên hệ thống.".to_string()
    ));

    // Many units.
    let many = report();
    let text = narrative_text(&many);
    assert_no_zero_clauses(&text);
    assert!(text
        .iter()
        .any(|p| p.starts_with("Trong kỳ, cán bộ của các đơn vị đã nộp 4 đề xuất")));
    let d = &many.totals.dissemination;
    assert!(text
        .iter()
        .any(|p| p.starts_with(&format!("Có 2/{} đơn vị đã tổ chức phổ biến", d.units))));

    // Duty sentences over every mix.
    let duty = |units, on_time, late| {
        narrative::duty_sentence(
            &doimoi_shared::report::DutyCount {
                units,
                on_time,
                late,
                not_done: units - on_time - late,
            },
            "ban hành kế hoạch",
            "hạn ngày 31/07/2023",
        )
    };
    assert_eq!(
        duty(1, 0, 1),
        "Đơn vị đã ban hành kế hoạch nhưng trễ hạn (hạn ngày 31/07/2023)."
    );
    assert_eq!(
        duty(3, 3, 0),
        "Tất cả 3 đơn vị đã ban hành kế hoạch và đều đúng hạn (hạn ngày 31/07/2023)."
    );
    assert_eq!(
        duty(3, 0, 0),
        "Cả 3 đơn vị đều chưa ban hành kế hoạch (hạn ngày 31/07/2023)."
    );
    assert_eq!(duty(3, 0, 2), "Có 2/3 đơn vị đã ban hành kế hoạch nhưng đều trễ hạn (hạn ngày 31/07/2023); 1 đơn vị chưa thực hiện.");
    assert_eq!(duty(4, 1, 1), "Có 2/4 đơn vị đã ban hành kế hoạch, trong đó 1 đơn vị đúng hạn, 1 đơn vị trễ hạn (hạn ngày 31/07/2023); 2 đơn vị chưa thực hiện.");
    assert_eq!(
        narrative::join(&["a".into(), "b".into(), "c".into()]),
        "a, b và c"
    );
}

/// The protection paragraph and UBND tỉnh's answers say what the records hold.
#[test]
fn protection_and_answers_follow_the_recorded_figures() {
    let mut r = report();
    r.totals.protection = doimoi_shared::report::Protection {
        not_liable: 0,
        excluded: 2,
        considered: 1,
    };
    r.totals.escalations = doimoi_shared::report::Escalations {
        total: 3,
        answered: 2,
        pending: 1,
    };
    r.totals.timeliness.remove(&Step::Answer);
    let text = narrative_text(&r);
    assert!(text.contains(&"Trong kỳ đã có kết luận về việc bảo vệ 3 trường hợp, trong đó 2 trường hợp được loại trừ trách nhiệm và 1 trường hợp được xem xét loại trừ, miễn hoặc giảm nhẹ trách nhiệm.".to_string()), "{text:#?}");
    assert!(text
        .iter()
        .all(|p| !p.contains("không bị xem xét trách nhiệm")));
    assert!(text.contains(&"- UBND tỉnh trả lời: 2 đề xuất được trả lời trong kỳ và 1 đề xuất đang chờ ý kiến đến ngày cuối kỳ (chưa quy định thời hạn trả lời).".to_string()), "{text:#?}");
    assert!(text.contains(&"Có 3 đề xuất được trình Ủy ban nhân dân tỉnh cho ý kiến.".to_string()));
    assert!(text
        .contains(&"Trong kỳ, Ủy ban nhân dân tỉnh đã có ý kiến trả lời 2 đề xuất.".to_string()));
    assert!(text
        .iter()
        .all(|p| !(p.contains("UBND tỉnh trả lời") && p.contains("chưa phát sinh"))));
    // The summary's labels state the determinations, not the evaluation.
    let labels: Vec<String> = summary(&r).into_iter().map(|l| l.label).collect();
    assert!(labels.contains(&"Bảo vệ: không bị xem xét trách nhiệm".to_string()));
    assert!(labels
        .iter()
        .all(|l| !l.contains("(hoàn thành)") && !l.contains("có thiệt hại, xem xét")));
}

/// Fields are listed in Vietnamese collation order, the unrecorded last.
#[test]
fn fields_follow_the_vietnamese_collation() {
    let mut r = report();
    r.totals.by_field = [
        ("Y tế", 1),
        ("(chưa ghi)", 1),
        ("Đô thị", 2),
        ("Dân tộc", 1),
        ("Cải cách hành chính", 3),
        ("Giáo dục", 1),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_string(), n))
    .collect();
    let order: Vec<&str> = fields_sorted(&r.totals)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        order,
        [
            "Cải cách hành chính",
            "Dân tộc",
            "Đô thị",
            "Giáo dục",
            "Y tế",
            "(chưa ghi)"
        ]
    );
    let html = String::from_utf8(render(&r, Format::Html, &info()).expect("html")).expect("utf-8");
    let at = |s: &str| html.find(&format!("Lĩnh vực: {s}")).expect(s);
    assert!(at("Dân tộc") < at("Đô thị") && at("Đô thị") < at("Giáo dục"));
    let parts = unzip(&render(&r, Format::Docx, &info()).expect("docx"));
    let doc = &parts["word/document.xml"];
    let at = |s: &str| doc.find(&format!("<w:t>{s}</w:t>")).expect(s);
    assert!(at("Dân tộc") < at("Đô thị") && at("Đô thị") < at("Giáo dục"));
}

#[test]
fn places_of_districts_and_communes() {
    assert_eq!(local_place("Thành phố Tam Kỳ"), "Tam Kỳ");
    assert_eq!(local_place("Phường Tân Thạnh"), "Tân Thạnh");
    assert_eq!(local_place("Huyện Đông Giang"), "Đông Giang");
    assert_eq!(local_place("Thị xã Điện Bàn"), "Điện Bàn");
    assert_eq!(local_place("Thị trấn Prao"), "Prao");
    assert_eq!(local_place("Đặc khu Lý Sơn"), "Lý Sơn");
    assert_eq!(local_place("Xã Tam Thanh"), "Tam Thanh");
    // Named by a number: the full name.
    assert_eq!(local_place("Phường 1"), "Phường 1");
    assert_eq!(local_place("Quận 3"), "Quận 3");
}

// ---------------------------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------------------------

#[test]
fn html_is_one_escaped_page_with_every_unit_and_download_links() {
    let r = report();
    let html = String::from_utf8(render(&r, Format::Html, &info()).expect("html")).expect("utf-8");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html lang=\"vi\">"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(!html.contains("<script"));
    assert!(!html.contains("http://") && !html.contains("https://"));
    for u in &r.units {
        assert!(html.contains(&escape(&u.name)), "{} missing", u.name);
    }
    assert!(html.contains("Thành phố Tam Kỳ (cả địa bàn)"));
    assert!(html.contains("class=\"d2\""), "communes are indented");
    assert!(html.contains("href=\"?period=2024&amp;scope=49&amp;format=xlsx\""));
    assert!(html.contains("href=\"?period=2024&amp;scope=49&amp;format=docx\""));
    assert!(!html.contains("format=html"));
    assert!(html.contains("Khoán chi &quot;hành chính&quot; &lt;cấp huyện&gt; &amp; tự chủ"));
    for n in &r.notes {
        assert!(html.contains(&escape(n)));
    }
    assert_well_formed(
        "html",
        html.trim_start_matches("<!DOCTYPE html>\n")
            .replace("<meta charset=\"utf-8\">", "")
            .replace(
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
                "",
            )
            .as_str(),
    );
}

// ---------------------------------------------------------------------------------------------
// Small parts
// ---------------------------------------------------------------------------------------------

#[test]
fn formats_parse_and_name_themselves() {
    for f in Format::ALL {
        assert_eq!(Format::parse(f.extension()), Ok(f));
        assert_eq!(Format::parse(&f.as_str().to_uppercase()), Ok(f));
    }
    assert_eq!(Format::parse(" Excel "), Ok(Format::Xlsx));
    let e = Format::parse("pdf").expect_err("pdf");
    assert!(e.contains("pdf") && e.contains("docx"), "{e}");
    assert!(Format::Csv.content_type().starts_with("text/csv"));
    assert_eq!(file_name(&report(), Format::Docx), "bao-cao-2024-49.docx");
    assert_eq!(
        query_without_format("?period=2024&format=html&scope=502"),
        "period=2024&scope=502"
    );
}

#[test]
fn decree_30_dates_and_places() {
    assert_eq!(date_words(d("2025-01-05")), "ngày 05 tháng 01 năm 2025");
    assert_eq!(date_words(d("2025-02-15")), "ngày 15 tháng 02 năm 2025");
    assert_eq!(date_words(d("2025-03-15")), "ngày 15 tháng 3 năm 2025");
    assert_eq!(date_words(d("2025-12-09")), "ngày 09 tháng 12 năm 2025");
    assert_eq!(place("Ủy ban nhân dân tỉnh Quảng Nam"), "Quảng Nam");
    assert_eq!(place("Ủy ban nhân dân thành phố Hà Nội"), "Hà Nội");
    assert_eq!(place("Tỉnh Quảng Nam"), "Quảng Nam");
    assert_eq!(num(0), "0");
    assert_eq!(num(999), "999");
    assert_eq!(num(12_000), "12.000");
    assert_eq!(num(1_234_567), "1.234.567");
    assert_eq!(
        escape("a & <b> \"c\"\u{1}"),
        "a &amp; &lt;b&gt; &quot;c&quot;"
    );
}

/// A province-sized report (12,000 units) renders quickly. Timing is only asserted in release
/// builds: `cargo test --release -p doimoi-hub --lib render -- --ignored`.
#[test]
#[ignore = "large; run in release"]
fn a_province_of_12000_units_renders_fast() {
    let base = report();
    let mut big = base.clone();
    while big.units.len() < 12_000 {
        big.units.extend(base.units.iter().skip(1).cloned());
    }
    big.units.truncate(12_000);
    for f in [Format::Docx, Format::Xlsx, Format::Html, Format::Csv] {
        let t = std::time::Instant::now();
        let bytes = render(&big, f, &info()).expect("render");
        let took = t.elapsed();
        eprintln!("{f:?}: {} bytes in {took:?}", bytes.len());
        if f == Format::Docx && !cfg!(debug_assertions) {
            assert!(took < std::time::Duration::from_secs(2), "{took:?}");
        }
    }
}

/// Writes the fixture in every format to the folder `$DOIMOI_RENDER_SAMPLES`, to open in Word,
/// LibreOffice, Excel or a browser: `DOIMOI_RENDER_SAMPLES=/tmp/s cargo test -p doimoi-hub --lib
/// render::tests::write_samples -- --ignored`.
#[test]
#[ignore = "writes files; set DOIMOI_RENDER_SAMPLES"]
fn write_samples() {
    let Some(dir) = std::env::var_os("DOIMOI_RENDER_SAMPLES") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("samples folder");
    let registry = qn2024();
    for scope in ["49", "502", "20335"] {
        let r = report_for(scope);
        let info = info().with_superior_from(&registry, &r);
        for f in Format::ALL {
            let bytes = render(&r, f, &info).expect("render");
            std::fs::write(dir.join(file_name(&r, f)), bytes).expect("write sample");
        }
    }
}

/// A superior that ended before the signing date is addressed as its successor.
#[test]
fn a_report_signed_after_the_reorganisation_goes_to_the_superiors_successor() {
    let registry = Registry::embedded_default();
    let period = Period::parse("2024").expect("period");
    let r = build(&registry, &[], &[], &period, None, &code("502")).expect("report");
    let signed = |day: &str| {
        info()
            .with_number_and_date(None, Some(day))
            .expect("date")
            .with_superior_from(&registry, &r)
            .superior
            .map(|u| u.code.to_string())
    };
    assert_eq!(signed("2025-01-06").as_deref(), Some("49"));
    assert_eq!(signed("2026-01-05").as_deref(), Some("48"));
}
