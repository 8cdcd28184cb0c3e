//! The consolidated report: every number of a scenario with proposals in every state across
//! several units and two periods, formats read back, lineage roll-up, "as of", access.

use crate::harness::{TestClient, TestHub};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const C1: &str = "20335";
/// Merged into C1 on 01/07/2024 in this scenario's registry.
const C2: &str = "20341";
const DISTRICT: &str = "502";

/// Submitted on `sub`, received on `rec`.
fn received(c: &TestClient, title: &str, sub: &str, rec: &str) -> String {
    let id = c.new_proposal(title, &[]);
    c.step(&id, "submit", sub, &[]);
    c.step(&id, "receive", rec, &[]);
    id
}

/// Received 04/03/2024, party opinion and a vote that passes (or fails) on 05/03/2024.
fn voted(c: &TestClient, title: &str, pass: bool) -> String {
    let id = received(c, title, "2024-03-01", "2024-03-04");
    c.step(&id, "party-opinion", "2024-03-05", &["--agree"]);
    let tally: &[&str] = if pass {
        &["--for", "3", "--against", "1"]
    } else {
        &["--for", "1", "--against", "3"]
    };
    c.step(&id, "vote", "2024-03-05", tally);
    id
}

/// Approved by vote on 06/03/2024.
fn approved(c: &TestClient, title: &str) -> String {
    let id = voted(c, title, true);
    c.step(&id, "approve", "2024-03-06", &[]);
    id
}

/// Approved, started 01/04/2024, finished 31/05/2024, results reported 03/06/2024.
fn reported(c: &TestClient, title: &str) -> String {
    let id = approved(c, title);
    c.step(&id, "start", "2024-04-01", &[]);
    c.step(
        &id,
        "report-results",
        "2024-06-03",
        &["--finished", "2024-05-31"],
    );
    // The Party committee's opinion on the results, before the evaluation.
    c.step(&id, "party-opinion", "2024-06-04", &["--agree"]);
    id
}

/// The scenario's registry: the sample province with commune C2 merged into C1 on 01/07/2024.
fn registry_with_merger(dir: &std::path::Path) -> std::path::PathBuf {
    let reg = doimoi_shared::org::Registry::embedded_default();
    let mut v: Value = serde_json::from_str(&reg.to_json()).expect("registry json");
    let units = v["units"].as_array_mut().expect("units");
    let c2 = units
        .iter_mut()
        .find(|u| u["code"] == C2)
        .expect("C2 in the registry");
    c2["valid_to"] = json!("2024-06-30");
    c2["lineage"] = json!([{"kind": "merged_into", "unit": C1, "date": "2024-07-01"}]);
    v["version"] = json!(v["version"].as_u64().unwrap_or(1) + 1);
    let path = dir.join("registry.json");
    std::fs::write(&path, v.to_string()).expect("write registry");
    path
}

fn statuses(pairs: &[(&str, u64)]) -> Value {
    let all = [
        "submitted",
        "received",
        "vote_failed",
        "vote_passed",
        "approved",
        "rejected",
        "escalated",
        "implementing",
        "suspended",
        "terminated",
        "results_reported",
        "completed",
        "partly_completed",
        "not_completed",
    ];
    let m: BTreeMap<&str, u64> = all
        .iter()
        .map(|s| {
            (
                *s,
                pairs.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n),
            )
        })
        .collect();
    json!(m)
}

fn timeliness(on_time: u64, late: u64, open: u64, overdue: u64) -> Value {
    json!({"on_time": on_time, "late": late, "open": open, "overdue": overdue})
}

fn unit<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["code"] == code)
        .unwrap_or_else(|| panic!("unit {code} in the report"))
}

#[test]
fn the_consolidated_report_counts_every_state_across_units_and_periods() {
    let hub = TestHub::spawn();
    let file = registry_with_merger(hub.data.path());
    hub.op(&["org", "import", file.to_str().expect("path"), "--yes"]);
    let c1 = TestClient::new(C1, &hub.url, &hub.token(C1));
    let c2 = TestClient::new(C2, &hub.url, &hub.token(C2));
    let district = TestClient::new(DISTRICT, &hub.url, &hub.token(DISTRICT));
    let province = TestClient::new("49", &hub.url, &hub.token("49"));
    let snv = TestClient::new("49-SNV", &hub.url, &hub.token("49-SNV"));

    // ---- 2024 (15/12/2023 – 14/12/2024) ----
    let sub = c1.new_proposal("Chỉ nộp", &[]);
    c1.step(&sub, "submit", "2024-03-01", &[]);
    received(
        &c1,
        "Đã tiếp nhận, quá hạn quyết định",
        "2024-03-01",
        "2024-03-04",
    );
    voted(&c1, "Biểu quyết không đạt", false);
    voted(&c1, "Biểu quyết đạt, chưa quyết định", true);
    approved(&c1, "Phê duyệt theo biểu quyết");
    let head = voted(&c1, "Phê duyệt bằng văn bản của người đứng đầu", false);
    c1.step(&head, "approve", "2024-03-20", &["--by-head"]);
    let pilot = voted(&c1, "Phê duyệt thí điểm", true);
    c1.step(&pilot, "approve", "2024-03-06", &["--pilot"]);
    let rej = voted(&c1, "Không phê duyệt", true);
    c1.step(&rej, "reject", "2024-03-06", &[]);
    // C2 (merged into C1 later) escalates one, left unanswered.
    // (Escalated after the Party opinion and the vote.)
    let esc_pending = voted(&c2, "Chờ UBND tỉnh", true);
    c2.step(&esc_pending, "escalate", "2024-03-06", &[]);
    let esc_answered = voted(&c1, "UBND tỉnh đồng ý", true);
    c1.step(&esc_answered, "escalate", "2024-03-06", &[]);
    let implementing = approved(&c1, "Đang triển khai");
    c1.step(&implementing, "start", "2024-04-01", &[]);
    let suspended = approved(&c1, "Tạm dừng");
    c1.step(&suspended, "start", "2024-04-01", &[]);
    c1.step(&suspended, "suspend", "2024-05-02", &[]);
    let terminated = approved(&c1, "Chấm dứt");
    c1.step(&terminated, "start", "2024-04-01", &[]);
    c1.step(&terminated, "terminate", "2024-05-02", &[]);
    reported(&c1, "Đã báo cáo kết quả, quá hạn đánh giá");
    let completed = reported(&c1, "Hoàn thành");
    c1.step(
        &completed,
        "evaluate",
        "2024-06-10",
        &["--result", "completed"],
    );
    c1.step(&completed, "notify", "2024-06-12", &[]);
    c1.step(
        &completed,
        "protect",
        "2024-06-14",
        &["--determination", "not-liable"],
    );
    c1.step(&completed, "commend", "2024-06-20", &["--level", "unit"]);
    let partly = reported(&c1, "Hoàn thành một phần, có thiệt hại");
    c1.step(
        &partly,
        "evaluate",
        "2024-06-10",
        &["--result", "partly", "--damage"],
    );
    c1.step(&partly, "notify", "2024-06-20", &[]);
    c1.step(
        &partly,
        "protect",
        "2024-06-21",
        &["--determination", "considered"],
    );
    let not_completed = reported(&c1, "Không hoàn thành");
    c1.step(
        &not_completed,
        "evaluate",
        "2024-06-10",
        &["--result", "not-completed"],
    );
    c1.step(
        &not_completed,
        "protect",
        "2024-06-14",
        &["--determination", "excluded"],
    );
    c1.step(
        &not_completed,
        "discipline",
        "2024-06-25",
        &["--measure", "Khiển trách"],
    );
    // Carried into 2025: approved and started in November 2024, completed in March 2025.
    let carried = received(&c1, "Chuyển tiếp sang năm 2025", "2024-11-04", "2024-11-04");
    c1.step(&carried, "party-opinion", "2024-11-05", &["--agree"]);
    c1.step(
        &carried,
        "vote",
        "2024-11-05",
        &["--for", "3", "--against", "1"],
    );
    c1.step(&carried, "approve", "2024-11-06", &[]);
    c1.step(&carried, "start", "2024-11-07", &[]);
    // ---- 2025 (15/12/2024 – 14/12/2025) ----
    c1.step(
        &carried,
        "report-results",
        "2025-03-04",
        &["--finished", "2025-03-03"],
    );
    c1.step(&carried, "party-opinion", "2025-03-04", &["--agree"]);
    c1.step(
        &carried,
        "evaluate",
        "2025-03-05",
        &["--result", "completed"],
    );
    received(&c1, "Đề xuất năm 2025", "2025-03-03", "2025-03-03");

    // Duties.
    c1.ok(&[
        "duty",
        "disseminate",
        "--date",
        "2023-07-20",
        "--form",
        "Hội nghị",
        "--participants",
        "40",
    ]);
    c1.ok(&[
        "duty",
        "plan",
        "--date",
        "2023-07-25",
        "--number",
        "15/KH-UBND",
    ]);
    c1.ok(&[
        "duty",
        "self-inspect",
        "--date",
        "2024-11-20",
        "--findings",
        "Đạt",
    ]);
    c1.ok(&[
        "duty",
        "review",
        "--date",
        "2024-06-28",
        "--kind",
        "preliminary",
    ]);
    c1.ok(&[
        "duty",
        "commend",
        "--date",
        "2024-10-10",
        "--person",
        "Trần Thị Bình",
        "--form",
        "Bằng khen",
        "--level",
        "province",
    ]);
    c1.ok(&[
        "duty",
        "discipline",
        "--date",
        "2024-09-09",
        "--subject",
        "Lê Văn C",
        "--violation",
        "Cản trở",
        "--measure",
        "Khiển trách",
    ]);
    district.ok(&[
        "duty",
        "disseminate",
        "--date",
        "2023-08-15",
        "--form",
        "Văn bản",
    ]);
    // A draft created on 01/05/2024 and never submitted.
    c1.set_now("2024-05-01T09:00:00+07:00");
    c1.new_proposal("Dự thảo chưa nộp", &[]);

    for c in [&c1, &c2, &district] {
        c.sync();
    }
    // UBND tỉnh answers the escalation; Sở Nội vụ inspects C1.
    province.sync();
    province.step(&esc_answered, "answer", "2024-03-15", &["--approve"]);
    province.sync();
    snv.ok(&[
        "duty",
        "inspect",
        "--unit",
        C1,
        "--date",
        "2024-10-01",
        "--findings",
        "Tốt",
    ]);
    snv.sync();

    // ---- the 2024 report, province-wide, from Sở Nội vụ ----
    let r = snv.json(&["report", "--period", "2024"]);
    assert_eq!(r["period"]["start"], "2023-12-15");
    assert_eq!(r["period"]["end"], "2024-12-14");
    let t = &r["totals"];
    assert_eq!(t["proposals"], 18, "{t}");
    assert_eq!(
        t["by_status"],
        statuses(&[
            ("submitted", 1),
            ("received", 1),
            ("vote_failed", 1),
            ("vote_passed", 1),
            ("approved", 4),
            ("rejected", 1),
            ("escalated", 1),
            ("implementing", 2),
            ("suspended", 1),
            ("terminated", 1),
            ("results_reported", 1),
            ("completed", 1),
            ("partly_completed", 1),
            ("not_completed", 1),
        ])
    );
    assert_eq!(
        t["approved"],
        json!({"by_vote": 10, "by_head_decision": 1, "by_province": 1, "pilot": 1})
    );
    assert_eq!(
        t["escalations"],
        json!({"total": 2, "answered": 1, "pending": 1})
    );
    assert_eq!(t["drafts"], 1);
    assert_eq!(t["carried_over"]["proposals"], 0);
    assert_eq!(t["by_basis"], json!({"both": 0, "nd73": 0, "qd20": 18}));
    assert_eq!(t["timeliness"]["decision"], timeliness(13, 1, 0, 3));
    assert_eq!(t["timeliness"]["results_report"], timeliness(4, 0, 0, 0));
    assert_eq!(t["timeliness"]["evaluation"], timeliness(3, 0, 0, 1));
    assert_eq!(t["timeliness"]["notification"], timeliness(1, 1, 0, 1));
    assert_eq!(t["timeliness"]["answer"], timeliness(0, 0, 0, 0));
    assert_eq!(
        t["evaluations"],
        json!({"completed": 1, "partly": 1, "not-completed": 1})
    );
    assert_eq!(t["evaluations_with_damage"], 1);
    assert_eq!(
        t["protection"],
        json!({"not_liable": 1, "excluded": 1, "considered": 1})
    );
    assert_eq!(
        t["commendations"],
        json!({"unit_level": 1, "proposed_to_province": 1, "granted_by_province": 0, "not_granted_by_province": 0})
    );
    assert_eq!(t["disciplines"], 2);
    assert_eq!(t["self_inspections"], 1);
    assert_eq!(t["inspections"], 1);
    assert_eq!(t["reviews"], json!({"preliminary": 1, "final": 0}));
    // 280 units: the province has no duties and C2 rolls into C1.
    assert_eq!(
        t["dissemination"],
        json!({"units": 278, "on_time": 1, "late": 1, "not_done": 276})
    );
    assert_eq!(
        t["plans"],
        json!({"units": 278, "on_time": 1, "late": 0, "not_done": 277})
    );
    assert_eq!(t["completeness"], json!({"expected": 278, "reported": 1}));

    // Per unit: C2's data rolled into C1; the district and the province roll up their units.
    let units = r["units"].as_array().expect("units");
    assert_eq!(units.len(), 279);
    assert!(
        units.iter().all(|u| u["code"] != C2),
        "C2 ceased and merged"
    );
    let u1 = unit(&r, C1);
    assert_eq!(u1["merged_from"], json!([C2]));
    assert_eq!(u1["proposals"], 18);
    assert_eq!(u1["by_status"], t["by_status"]);
    assert_eq!(u1["disseminated"]["date"], "2023-07-20");
    assert_eq!(u1["disseminated"]["on_time"], true);
    assert_eq!(u1["plan"]["number"], "15/KH-UBND");
    assert_eq!(u1["reported"], true);
    let d = unit(&r, DISTRICT);
    assert_eq!(d["proposals"], 0);
    assert_eq!(d["subtree"]["proposals"], 18);
    assert_eq!(d["subtree"]["by_status"], t["by_status"]);
    assert_eq!(d["disseminated"]["on_time"], false);
    assert_eq!(unit(&r, "49")["subtree"]["proposals"], 18);
    let sum: u64 = units
        .iter()
        .map(|u| u["proposals"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(sum, 18);

    // Lists.
    let pending = r["lists"]["escalations_pending"].as_array().expect("list");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["id"], esc_pending.as_str());
    assert_eq!(pending[0]["unit"], C1);
    assert_eq!(pending[0]["date"], "2024-03-06");
    let overdue: Vec<&str> = r["lists"]["overdue"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|i| i["step"].as_str())
        .collect();
    let mut sorted = overdue.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "decision",
            "decision",
            "decision",
            "evaluation",
            "notification"
        ]
    );
    assert_eq!(r["lists"]["conflicts"], json!([]));

    // ---- the 2025 report ----
    let r25 = snv.json(&["report", "--period", "2025"]);
    let t = &r25["totals"];
    assert_eq!(t["proposals"], 1);
    assert_eq!(t["by_status"], statuses(&[("received", 1)]));
    // Open when 2025 began: everything of 2024 but the rejected, terminated and evaluated.
    assert_eq!(t["carried_over"]["proposals"], 13);
    assert_eq!(
        t["carried_over"]["by_status"],
        statuses(&[
            ("submitted", 1),
            ("received", 1),
            ("vote_failed", 1),
            ("vote_passed", 1),
            ("approved", 4),
            ("escalated", 1),
            ("implementing", 1),
            ("suspended", 1),
            ("results_reported", 1),
            ("completed", 1),
        ])
    );
    assert_eq!(t["timeliness"]["decision"], timeliness(0, 0, 0, 1));
    assert_eq!(t["timeliness"]["results_report"], timeliness(1, 0, 0, 0));
    assert_eq!(t["timeliness"]["evaluation"], timeliness(1, 0, 0, 0));
    assert_eq!(t["timeliness"]["notification"], timeliness(0, 0, 0, 1));
    assert_eq!(
        t["evaluations"],
        json!({"completed": 1, "partly": 0, "not-completed": 0})
    );
    assert_eq!(
        t["protection"],
        json!({"not_liable": 0, "excluded": 0, "considered": 0})
    );
    assert_eq!(t["self_inspections"], 0);
    // Every unit that existed in the period owes its duties: the 2024 units (but the province
    // and the merged commune) and, from 01/07/2025, the units that began then — Đà Nẵng's
    // bodies stand for Quảng Nam's that carry on under them, 16 communes are new.
    // C1 submitted a proposal in 2025: its data is up to date, though it has no yearly record.
    assert_eq!(t["completeness"], json!({"expected": 296, "reported": 1}));

    // ---- the same request twice: byte-identical JSON and CSV ----
    for format in ["json", "csv"] {
        let a = snv.ok(&["report", "--period", "2024", "--format", format]);
        let b = snv.ok(&["report", "--period", "2024", "--format", format]);
        assert_eq!(a, b, "{format} differs between two requests");
        assert!(a.len() > 1000, "{format}: {} bytes", a.len());
    }

    // ---- the district's own subtree; the commune only itself, never the province ----
    let rd = district.json(&["report", "--period", "2024"]);
    assert_eq!(rd["scope"]["code"], DISTRICT);
    assert_eq!(rd["totals"]["proposals"], 18);
    assert!(rd["units"]
        .as_array()
        .expect("units")
        .iter()
        .all(|u| u["code"] == DISTRICT || u["parent"] == DISTRICT));
    let rc = c1.json(&["report", "--period", "2024"]);
    assert_eq!(rc["scope"]["code"], C1);
    assert_eq!(rc["totals"]["proposals"], 18);
    let err = c1.fails(&["report", "--period", "2024", "--unit", "49"]);
    assert!(err.contains("Sở Nội vụ"), "{err}");
    let err = district.fails(&["report", "--period", "2024", "--unit", "49-SNV"]);
    assert!(err.contains("chỉ được xem"), "{err}");
    let err = snv.fails(&["report", "--period", "2024-Q7"]);
    assert!(err.contains("2024-H1"), "{err}");

    // ---- XLSX read back: the same numbers, as numbers ----
    let dir = tempfile::tempdir().expect("temp dir");
    let xlsx = dir.path().join("bao-cao-2024.xlsx");
    snv.ok(&[
        "report",
        "--period",
        "2024",
        "--format",
        "xlsx",
        "-o",
        xlsx.to_str().expect("path"),
    ]);
    check_xlsx(&xlsx, &r);

    // ---- DOCX: Decree 30 header lines and the annex tables ----
    let docx = dir.path().join("bao-cao-2024.docx");
    snv.ok(&[
        "report",
        "--period",
        "2024",
        "--format",
        "docx",
        "-o",
        docx.to_str().expect("path"),
    ]);
    let xml = docx_text(&docx);
    // Issued today: Quảng Nam's Sở Nội vụ carries on as Đà Nẵng's since 01/07/2025.
    for line in [
        "UBND THÀNH PHỐ ĐÀ NẴNG",
        "SỞ NỘI VỤ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BÁO CÁO",
        "Kính gửi",
        "Nơi nhận",
        "Phụ lục I",
        "/BC-SNV",
    ] {
        assert!(xml.contains(line), "the DOCX lacks {line:?}");
    }
    assert!(xml.contains("<w:tbl>"), "the DOCX has tables");
    assert!(xml.contains("<w:titlePg"), "no page number on page 1");
    assert!(xml.contains("18"), "the DOCX carries the figures");

    // ---- HTML ----
    let html = snv.ok(&["report", "--period", "2024", "--format", "html"]);
    assert!(
        html.contains("Phường Tân Thạnh") && html.contains("<table"),
        "{}",
        &html[..200.min(html.len())]
    );

    // ---- `doimoi-hub reindex` rebuilds identical tables, hence identical reports ----
    let json_before = snv.ok(&["report", "--period", "2024"]);
    let tables = projection_dump(&hub);
    assert!(tables.lines().count() > 25, "{tables}");
    let out = hub.op(&["reindex"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Đã dựng lại"));
    assert_eq!(projection_dump(&hub), tables);
    assert_eq!(snv.ok(&["report", "--period", "2024"]), json_before);
}

/// Every row of the hub's projection tables, in a stable order.
fn projection_dump(hub: &TestHub) -> String {
    let conn = rusqlite::Connection::open_with_flags(
        hub.data.path().join("hub.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open hub.db");
    let mut out = String::new();
    for sql in [
        "SELECT doc_id || ' ' || unit || ' ' || IFNULL(submitted, '-') || ' ' || IFNULL(last_day, '-') || ' ' || status || ' ' || hex(row) FROM proj_proposal ORDER BY doc_id",
        "SELECT doc_id || ' ' || event_id || ' ' || kind || ' ' || day || ' ' || unit FROM proj_event ORDER BY doc_id, event_id, kind",
        "SELECT doc_id || ' ' || unit || ' ' || year || ' ' || row FROM proj_unit_year ORDER BY doc_id",
    ] {
        let mut stmt = conn.prepare(sql).expect("query");
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).expect("rows");
        for r in rows {
            out.push_str(&r.expect("row"));
            out.push('\n');
        }
    }
    out
}

/// Every status count of the XLSX's units-by-status sheet's totals row equals the JSON's.
fn check_xlsx(path: &std::path::Path, report: &Value) {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let mut book: Xlsx<_> = open_workbook(path).expect("open xlsx");
    let names = book.sheet_names().to_vec();
    assert!(names.len() >= 4, "{names:?}");
    let sheet = names
        .iter()
        .find(|n| n.contains("trạng thái"))
        .unwrap_or_else(|| panic!("a units-by-status sheet in {names:?}"))
        .clone();
    let range = book.worksheet_range(&sheet).expect("sheet");
    let rows: Vec<&[Data]> = range.rows().collect();
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    let total = rows
        .iter()
        .find(|r| r.iter().any(|c| *c == "Tổng cộng"))
        .expect("a totals row");
    let col = |label: &str| {
        header
            .iter()
            .position(|h| h == label)
            .unwrap_or_else(|| panic!("column {label:?} in {header:?}"))
    };
    let number = |c: &Data| match c {
        Data::Float(f) => *f as u64,
        Data::Int(i) => *i as u64,
        other => panic!("{other:?} is not a number"),
    };
    for s in doimoi_shared::workflow::Status::ALL {
        if s == doimoi_shared::workflow::Status::Draft {
            continue;
        }
        let want = report["totals"]["by_status"][s.as_str()]
            .as_u64()
            .expect("count");
        assert_eq!(number(&total[col(s.label_vi())]), want, "{}", s.label_vi());
    }
    // Each unit's line too.
    let code_col = col("Mã đơn vị");
    let line = rows.iter().find(|r| r[code_col] == C1).expect("C1's line");
    assert_eq!(
        number(&line[col(doimoi_shared::workflow::Status::Approved.label_vi())]),
        4
    );
}

fn docx_text(path: &std::path::Path) -> String {
    use std::io::Read;
    let f = std::fs::File::open(path).expect("open docx");
    let mut zip = zip::ZipArchive::new(f).expect("a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("word/document.xml")
        .read_to_string(&mut xml)
        .expect("read");
    xml
}

#[test]
fn data_entered_late_is_explained_as_known_and_counted_as_happened() {
    let mut hub = TestHub::spawn();
    let c = TestClient::new(C1, &hub.url, &hub.token(C1));
    let snv = TestClient::new("49-SNV", &hub.url, &hub.token("49-SNV"));
    // On time: submitted 04/03/2024, at the hub on 10/03.
    hub.restart_at("2024-03-10T10:00:00+07:00");
    let on_time = c.new_proposal("Đúng lúc", &[]);
    c.step(&on_time, "submit", "2024-03-04", &[]);
    c.sync();
    // Entered late: submitted 05/03/2024 on paper, typed in and synced on 20/05.
    hub.restart_at("2024-05-20T10:00:00+07:00");
    let late = c.new_proposal("Nhập muộn", &[]);
    c.step(&late, "submit", "2024-03-05", &[]);
    c.sync();
    snv.sync();

    let args = |mode: &str| {
        let mut a = vec!["report", "--period", "2024", "--as-of", "2024-03-31"];
        if !mode.is_empty() {
            a.extend(["--as-of-mode", mode]);
        }
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = |mode: &str| {
        let a = args(mode);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        snv.ok(&a)
    };
    // As known on 31/03: one proposal, and the report says why the other is missing.
    let known: Value = serde_json::from_str(&run("")).expect("json");
    assert_eq!(known["as_of_mode"], "received");
    assert_eq!(known["totals"]["proposals"], 1);
    let notes = known["notes"].to_string();
    assert!(notes.contains("máy chủ đã nhận đến hết ngày đó"), "{notes}");
    assert!(
        notes.contains("Có 1 đề xuất nộp trong kỳ đến ngày 31/03/2024 nhưng máy chủ nhận sau"),
        "{notes}"
    );
    assert_eq!(run("received"), run(""), "received is the default");
    // As happened by 31/03: both, by the dates written on them.
    let happened: Value = serde_json::from_str(&run("happened")).expect("json");
    assert_eq!(happened["as_of_mode"], "happened");
    assert_eq!(happened["totals"]["proposals"], 2);
    assert_eq!(
        happened["totals"]["by_status"],
        statuses(&[("submitted", 2)])
    );
    assert!(happened["notes"][0]
        .as_str()
        .is_some_and(|n| n.contains("theo ngày ghi trên hồ sơ")));
    // Both reproducible: the same bytes twice.
    assert_eq!(run("happened"), run("happened"));
    assert_eq!(run(""), run(""));
    // A wrong mode is a clear error.
    let err = snv.fails(&[
        "report",
        "--period",
        "2024",
        "--as-of",
        "2024-03-31",
        "--as-of-mode",
        "hom-qua",
    ]);
    assert!(err.contains("happened"), "{err}");
}

#[test]
fn as_of_a_past_date_gives_what_the_hub_knew_and_what_had_happened_then() {
    let mut hub = TestHub::spawn();
    let c = TestClient::new(C1, &hub.url, &hub.token(C1));
    let snv = TestClient::new("49-SNV", &hub.url, &hub.token("49-SNV"));

    // Known to the hub on 10/03/2024.
    hub.restart_at("2024-03-10T10:00:00+07:00");
    let p1 = voted(&c, "Thứ nhất", true);
    let p2 = c.new_proposal("Thứ hai", &[]);
    c.step(&p2, "submit", "2024-03-04", &[]);
    c.sync();
    // Known on 20/04/2024: P1's approval (dated 08/03), P2's receipt, a third proposal.
    hub.restart_at("2024-04-20T10:00:00+07:00");
    c.step(&p1, "approve", "2024-03-08", &[]);
    c.step(&p2, "receive", "2024-04-15", &[]);
    let p3 = c.new_proposal("Thứ ba", &[]);
    c.step(&p3, "submit", "2024-04-16", &[]);
    c.sync();
    snv.sync();
    // The reports are asked for on 02/05/2024.
    hub.restart_at("2024-05-02T10:00:00+07:00");

    let at = |as_of: &str| snv.json(&["report", "--period", "2024", "--as-of", as_of]);
    let march = at("2024-03-31");
    assert_eq!(march["as_of"], "2024-03-31");
    assert_eq!(march["totals"]["proposals"], 2);
    assert_eq!(
        march["totals"]["by_status"],
        statuses(&[("vote_passed", 1), ("submitted", 1)]),
        "the approval dated 08/03 reached the hub only on 20/04"
    );
    let april = at("2024-04-30");
    assert_eq!(april["totals"]["proposals"], 3);
    assert_eq!(
        april["totals"]["by_status"],
        statuses(&[("approved", 1), ("received", 1), ("submitted", 1)])
    );
    // The same as-of request twice: the same bytes.
    let again = snv.ok(&["report", "--period", "2024", "--as-of", "2024-03-31"]);
    assert_eq!(
        again,
        snv.ok(&["report", "--period", "2024", "--as-of", "2024-03-31"])
    );
    // Without as-of, the period's end cuts events by their date: Q1 ends on 14/03.
    let q1 = snv.json(&["report", "--period", "2024-Q1"]);
    assert_eq!(q1["totals"]["proposals"], 2);
    assert_eq!(
        q1["totals"]["by_status"],
        statuses(&[("approved", 1), ("submitted", 1)])
    );
    // A store whose projection is missing (made before reports existed) is projected again
    // when the hub starts: the same report.
    let full = snv.ok(&["report", "--period", "2024"]);
    let conn = rusqlite::Connection::open(hub.data.path().join("hub.db")).expect("open hub.db");
    conn.execute_batch(
        "DELETE FROM proj_proposal; DELETE FROM proj_event; DELETE FROM proj_unit_year;
         DELETE FROM meta WHERE key = 'projection_version';",
    )
    .expect("drop the projection");
    drop(conn);
    assert_ne!(snv.ok(&["report", "--period", "2024"]), full);
    hub.restart();
    assert_eq!(snv.ok(&["report", "--period", "2024"]), full);
    // An as-of date before the period is refused with a reason; one still to come too.
    let err = snv.fails(&["report", "--period", "2024", "--as-of", "2023-01-01"]);
    assert!(err.contains("trước ngày bắt đầu kỳ"), "{err}");
    let err = snv.fails(&["report", "--period", "2024", "--as-of", "2024-06-01"]);
    assert!(
        err.contains("chưa đến (hôm nay là ngày 02/05/2024)"),
        "{err}"
    );
    // The year under way is counted up to the day the report is made, not to its end (a step
    // due later is not counted overdue ahead of its day)…
    let year = snv.json(&["report", "--period", "2024"]);
    assert_eq!(year["cutoff"], "2024-05-02");
    assert!(year["notes"][0]
        .as_str()
        .is_some_and(|n| n.contains("đến hết ngày 02/05/2024")));
    // …and a past quarter is counted to its end.
    assert_eq!(q1["cutoff"], "2024-03-14");
}

#[test]
fn the_hub_page_signs_in_with_a_persons_account_and_downloads_the_report() {
    let hub = TestHub::spawn();
    let token = hub.token("49-SNV");
    let password = "Sở Nội vụ tổng hợp 2026";
    hub.user("snv", "49-SNV", "viewer", password);
    let http = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = http
        .get(format!("{}/reports", hub.url))
        .send()
        .expect("page")
        .text()
        .expect("text");
    assert!(
        page.contains("Tên đăng nhập") && page.contains("Mật khẩu"),
        "{page}"
    );
    // A device token signs nobody in to the pages, neither as a password nor as the form's
    // old field.
    for form in [
        vec![("name", "snv"), ("password", token.as_str())],
        vec![("token", token.as_str())],
    ] {
        let refused = http
            .post(format!("{}/reports/login", hub.url))
            .form(&form)
            .send()
            .expect("login");
        assert_eq!(refused.status().as_u16(), 401);
        assert!(refused.headers().get("set-cookie").is_none());
    }
    let login = http
        .post(format!("{}/reports/login", hub.url))
        .form(&[("name", "snv"), ("password", password)])
        .send()
        .expect("login");
    assert_eq!(login.status().as_u16(), 303);
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("doimoi_session="))
        .and_then(|v| v.split(';').next())
        .expect("a cookie")
        .to_string();
    let form = http
        .get(format!("{}/reports", hub.url))
        .header("cookie", &cookie)
        .send()
        .expect("form")
        .text()
        .expect("text");
    assert!(
        form.contains("Sở Nội vụ") && form.contains("Xem báo cáo"),
        "{form}"
    );
    let xlsx = http
        .get(format!(
            "{}/v1/reports/consolidated?period=2024&format=xlsx",
            hub.url
        ))
        .header("cookie", &cookie)
        .send()
        .expect("xlsx");
    assert_eq!(xlsx.status().as_u16(), 200);
    let disposition = xlsx
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(disposition.contains(".xlsx"), "{disposition}");
    assert!(xlsx.bytes().expect("bytes").starts_with(b"PK"));
    // The cookie is for reports only: sync with it alone is unauthenticated.
    let sync = http
        .post(format!("{}/v1/sync", hub.url))
        .header("cookie", &cookie)
        .body(Vec::new())
        .send()
        .expect("sync");
    assert_eq!(sync.status().as_u16(), 401);
    // A sign-in posted from another site is refused (login CSRF).
    let forged = http
        .post(format!("{}/reports/login", hub.url))
        .header("sec-fetch-site", "cross-site")
        .form(&[("name", "snv"), ("password", password)])
        .send()
        .expect("forged");
    assert_eq!(forged.status().as_u16(), 403);
    assert!(forged.headers().get("set-cookie").is_none());
    // A device token kept in the pages' old cookie opens nothing.
    let bad = http
        .get(format!("{}/v1/reports/consolidated?period=2024", hub.url))
        .header("cookie", format!("doimoi_token={token}"))
        .send()
        .expect("bad");
    assert_eq!(bad.status().as_u16(), 401);
    assert!(bad.text().unwrap_or_default().contains("Thiếu token"));
    // Failures are counted (an empty form is not an attempt), and the client's address is
    // held back after 20 (`max_failures_per_address`): the last of these and the next sign-in
    // are refused unchecked.
    assert_eq!(hub.metric("doimoi_signin_failures_total"), 1);
    for i in 0..20 {
        let name = format!("khach{i}");
        let _ = http
            .post(format!("{}/reports/login", hub.url))
            .form(&[("name", name.as_str()), ("password", "không phải mật khẩu")])
            .send()
            .expect("login");
    }
    let held = http
        .post(format!("{}/reports/login", hub.url))
        .form(&[("name", "snv"), ("password", password)])
        .send()
        .expect("login");
    assert_eq!(held.status().as_u16(), 429);
    assert!(held.text().unwrap_or_default().contains("hãy chờ"));
    assert_eq!(hub.metric("doimoi_signin_failures_total"), 20);
    assert_eq!(hub.metric("doimoi_signin_limited_total"), 2);
}

/// The document's number and signing date, given to `doimoi report` (and so to the hub's
/// endpoint), are written in the Word document; a wrong one is refused with the reason.
#[test]
fn the_document_number_and_date_reach_the_docx() {
    let hub = TestHub::spawn();
    let c = TestClient::new(C1, &hub.url, &hub.token(C1));
    let dir = tempfile::tempdir().expect("temp dir");
    let docx = dir.path().join("bao-cao.docx");
    c.ok(&[
        "report",
        "--period",
        "2024",
        "--format",
        "docx",
        "--number",
        "125",
        "--date",
        "2025-01-06",
        "-o",
        docx.to_str().expect("path"),
    ]);
    let xml = docx_text(&docx);
    for want in [
        "Số: 125/BC-UBND",
        "Tân Thạnh, ngày 06 tháng 01 năm 2025",
        "ỦY BAN NHÂN DÂN",
        "PHƯỜNG TÂN THẠNH",
        "Kính gửi: Ủy ban nhân dân thành phố Tam Kỳ.",
        "(Kèm theo Báo cáo số 125/BC-UBND ngày 06 tháng 01 năm 2025 của Ủy ban nhân dân phường Tân Thạnh)",
    ] {
        assert!(xml.contains(want), "the DOCX lacks {want:?}");
    }
    // Without them, the number is left blank to fill in by hand.
    c.ok(&[
        "report",
        "--period",
        "2024",
        "--format",
        "docx",
        "-o",
        docx.to_str().expect("path"),
    ]);
    assert!(docx_text(&docx).contains("Số:        /BC-UBND"));
    // The endpoint refuses a number with a symbol, and a date it cannot read.
    let http = reqwest::blocking::Client::new();
    let get = |q: &str| {
        http.get(format!(
            "{}/v1/reports/consolidated?period=2024&format=docx&{q}",
            hub.url
        ))
        .bearer_auth(hub.token(C1))
        .send()
        .expect("request")
    };
    let bad = get("number=125%2FBC-UBND");
    assert_eq!(bad.status().as_u16(), 400);
    assert!(bad.text().unwrap_or_default().contains("Số văn bản"));
    let bad = get("date=06%2F01%2F2025");
    assert_eq!(bad.status().as_u16(), 400);
    assert!(bad.text().unwrap_or_default().contains("YYYY-MM-DD"));
    let err = c.fails(&[
        "report",
        "--period",
        "2024",
        "--format",
        "docx",
        "--number",
        "x",
        "-o",
        docx.to_str().expect("path"),
    ]);
    assert!(err.contains("Số văn bản"), "{err}");
}

#[test]
fn a_report_without_period_is_the_current_decree_09_year_and_says_so() {
    let hub = TestHub::spawn();
    let c1 = TestClient::new(C1, &hub.url, &hub.token(C1));
    // 20/12/2024 is past 14/12: the Decree 09 year under way is 2025.
    c1.set_now("2024-12-20T09:00:00+07:00");
    let out = c1.run(&["--json", "report"]);
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Không có --period: lập báo cáo năm 2025 (từ 15/12/2024 đến 14/12/2025)."),
        "{err}"
    );
    let r: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(r["period"]["start"], "2024-12-15");
    assert_eq!(r["period"]["end"], "2025-12-14");
}
