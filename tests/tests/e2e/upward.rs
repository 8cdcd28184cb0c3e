//! Duties that keep their history or go up a level (docs/domain.md §3): a unit plan issued
//! again is a revision beside the first issue; a province-level commendation or discipline is
//! proposed by the unit, given Sở Nội vụ's opinion, and decided by UBND tỉnh — three steps by
//! three offices, through the real hub, and the same records forged and pushed raw.

use crate::harness::{TestClient, TestHub};
use automerge::{ActorId, Automerge};
use chrono::NaiveDate;
use doimoi_shared::doc::unit_year::{self, Entry, Plan, Upward, UpwardStage};
use doimoi_shared::ids::UnitCode;
use doimoi_shared::wire;
use serde_json::{json, Value};

const COMMUNE: &str = "20335";

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// Pushes the whole of `doc` (a unit-year record) raw to the hub as `office`; the refusal's
/// reason, or `None` when the hub accepted it.
fn push_raw(hub: &TestHub, office: &str, doc: &mut Automerge) -> Option<String> {
    let id = unit_year::read(&*doc).expect("read").id;
    match crate::scope::raw_push_outcome(hub, &hub.token(office), id.as_str(), doc.save()) {
        wire::Outcome::Rejected { reason, .. } => Some(reason),
        _ => None,
    }
}

fn duty_record(show: &Value, year: i64) -> &Value {
    show.as_array()
        .expect("records")
        .iter()
        .find(|r| r["year"] == year)
        .unwrap_or_else(|| panic!("no record of {year} in {show}"))
}

#[test]
fn a_reissued_plan_is_kept_beside_the_first_issue_and_the_first_stays_on_time() {
    let hub = TestHub::spawn();
    let commune = TestClient::new(COMMUNE, &hub.url, &hub.token(COMMUNE));
    let snv = TestClient::new("49-SNV", &hub.url, &hub.token("49-SNV"));
    commune.set_now("2024-03-04T09:00:00+07:00");
    let first = commune.json(&[
        "duty",
        "plan",
        "--date",
        "2023-07-20",
        "--number",
        "12/KH-UBND",
    ]);
    assert_eq!(first["plan_issue"], 1);
    commune.sync();
    let text = commune.ok(&[
        "duty",
        "plan",
        "--date",
        "2024-03-02",
        "--year",
        "2023",
        "--number",
        "15/KH-UBND",
        "--note",
        "Thay thế Kế hoạch số 12/KH-UBND",
    ]);
    assert!(
        text.contains("bản ban hành lại (lần 2)") && text.contains("số 12/KH-UBND ngày 20/07/2023"),
        "{text}"
    );
    // A third issue dated before the first is refused with the rule, nothing written.
    let err = commune.fails(&[
        "duty",
        "plan",
        "--date",
        "2023-07-10",
        "--year",
        "2023",
        "--number",
        "9/KH-UBND",
    ]);
    assert!(
        err.contains("trước ngày ban hành lần đầu (20/07/2023)"),
        "{err}"
    );
    commune.sync();

    // Sở Nội vụ sees both issues; the province's report keeps the first issue on time.
    snv.sync();
    let show = snv.json(&["duty", "show", "--unit", COMMUNE, "--year", "2023"]);
    let rec = duty_record(&show, 2023);
    assert_eq!(rec["plan"]["number"], "12/KH-UBND");
    assert_eq!(rec["plan_revisions"][0]["number"], "15/KH-UBND");
    assert_eq!(rec["plan_revisions"].as_array().map(Vec::len), Some(1));
    let text = snv.ok(&["duty", "show", "--unit", COMMUNE, "--year", "2023"]);
    assert!(
        text.contains("Kế hoạch thực hiện: số 12/KH-UBND ngày 20/07/2023 — đúng hạn (31/07/2023)")
            && text.contains("Kế hoạch ban hành lại (lần 2): số 15/KH-UBND ngày 02/03/2024 — Thay thế Kế hoạch số 12/KH-UBND"),
        "{text}"
    );
    assert!(
        text.lines().all(|l| l == l.trim_end()),
        "trailing blanks:\n{text}"
    );
    let r = snv.json(&["report", "--period", "2024"]);
    let line = r["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["code"] == COMMUNE)
        .expect("the commune's line");
    assert_eq!(line["plan"]["on_time"], true, "{}", line["plan"]);
    assert_eq!(line["plan"]["number"], "12/KH-UBND");
    assert_eq!(
        line["plan"]["revisions"],
        json!([["15/KH-UBND", "2024-03-02"]])
    );

    // The old way, forged: the first issue written over is refused by the hub.
    let unit = UnitCode::parse(COMMUNE).expect("unit");
    let mut forged = unit_year::create(ActorId::from([0x55u8; 16]), &unit, 2023).expect("create");
    let plan = |number: &str, date: &str| Plan {
        number: number.into(),
        date: day(date),
        note: String::new(),
    };
    unit_year::set_plan(&mut forged, &plan("12/KH-UBND", "2023-07-20"), &unit, 1).expect("set");
    unit_year::set_plan(&mut forged, &plan("15/KH-UBND", "2024-03-02"), &unit, 2).expect("set");
    let reason = push_raw(&hub, COMMUNE, &mut forged).expect("refused");
    assert!(reason.contains("không được ghi đè"), "{reason}");
}

#[test]
fn commendation_and_discipline_go_up_through_home_affairs_to_ubnd_tinh() {
    let hub = TestHub::spawn();
    let commune = TestClient::new(COMMUNE, &hub.url, &hub.token(COMMUNE));
    let snv = TestClient::new("49-SNV", &hub.url, &hub.token("49-SNV"));
    let province = TestClient::new("49", &hub.url, &hub.token("49"));
    for c in [&commune, &snv, &province] {
        c.set_now("2024-11-29T09:00:00+07:00");
    }
    let proposed = commune.json(&[
        "duty",
        "commend",
        "--date",
        "2024-10-10",
        "--person",
        "Trần Thị Bình",
        "--form",
        "Bằng khen của Chủ tịch UBND tỉnh",
        "--level",
        "province",
    ]);
    let c_id = proposed["record"].as_str().expect("record id").to_string();
    let disc = commune.json(&[
        "duty",
        "discipline",
        "--date",
        "2024-10-11",
        "--subject",
        "Lê Văn C",
        "--violation",
        "Lợi dụng đổi mới để trục lợi",
        "--measure",
        "Cảnh cáo",
        "--level",
        "province",
    ]);
    let k_id = disc["record"].as_str().expect("record id").to_string();
    // The commune cannot give Sở Nội vụ's opinion itself.
    let err = commune.fails(&[
        "duty",
        "opinion",
        "--unit",
        COMMUNE,
        "--of",
        &c_id,
        "--agree",
        "--date",
        "2024-10-12",
    ]);
    assert!(err.contains("chỉ Sở Nội vụ"), "{err}");
    commune.sync();

    // UBND tỉnh cannot decide before Sở Nội vụ's opinion.
    province.sync();
    let err = province.fails(&[
        "duty",
        "decide",
        "--unit",
        COMMUNE,
        "--of",
        &c_id,
        "--grant",
        "--date",
        "2024-10-20",
    ]);
    assert!(err.contains("Sở Nội vụ chưa cho ý kiến"), "{err}");

    snv.sync();
    let text = snv.ok(&["duty", "show", "--unit", COMMUNE, "--year", "2024"]);
    assert!(
        text.contains(&format!("(mã {c_id})")) && text.contains("chờ Sở Nội vụ cho ý kiến"),
        "{text}"
    );
    for of in [&c_id, &k_id] {
        snv.ok(&[
            "duty",
            "opinion",
            "--unit",
            COMMUNE,
            "--of",
            of,
            "--agree",
            "--date",
            "2024-10-15",
            "--number",
            "45/SNV-CCVC",
        ]);
    }
    // Sở Nội vụ does not decide.
    let err = snv.fails(&[
        "duty",
        "decide",
        "--unit",
        COMMUNE,
        "--of",
        &c_id,
        "--grant",
        "--date",
        "2024-10-16",
    ]);
    assert!(err.contains("chỉ UBND tỉnh"), "{err}");
    snv.sync();

    province.sync();
    province.ok(&[
        "duty",
        "decide",
        "--unit",
        COMMUNE,
        "--of",
        &c_id,
        "--grant",
        "--date",
        "2024-10-21",
        "--number",
        "2345/QĐ-UBND",
    ]);
    // A decision in the next year finds the proposal's record of 2024 by itself.
    province.set_now("2025-01-10T09:00:00+07:00");
    province.ok(&[
        "duty",
        "decide",
        "--unit",
        COMMUNE,
        "--of",
        &k_id,
        "--refuse",
        "--date",
        "2025-01-06",
    ]);
    // Each once.
    let err = province.fails(&[
        "duty",
        "decide",
        "--unit",
        COMMUNE,
        "--of",
        &c_id,
        "--refuse",
        "--date",
        "2025-01-07",
    ]);
    assert!(err.contains("không ghi lần thứ hai"), "{err}");
    province.sync();

    // The commune sees where its proposals went.
    commune.sync();
    let text = commune.ok(&["duty", "show", "--year", "2024"]);
    assert!(
        text.contains("Sở Nội vụ tiếp nhận, cho ý kiến: đồng ý ngày 15/10/2024")
            && text.contains("UBND tỉnh quyết định: chấp thuận ngày 21/10/2024")
            && text.contains("văn bản số 2345/QĐ-UBND")
            && text.contains("UBND tỉnh quyết định: không chấp thuận ngày 06/01/2025"),
        "{text}"
    );

    // The report counts proposed and decided apart.
    let r = snv.json(&["report", "--period", "2024"]);
    let t = &r["totals"];
    assert_eq!(
        t["commendations"],
        json!({"unit_level": 0, "proposed_to_province": 1, "granted_by_province": 1, "not_granted_by_province": 0}),
        "{t}"
    );
    assert_eq!(
        t["disciplines_upward"],
        json!({"proposed_to_province": 1, "decided_by_province": 0, "not_applied_by_province": 0})
    );
    assert_eq!(t["disciplines"], 0, "the unit decided no discipline itself");
    // UBND tỉnh's decision of January 2025 counts in 2025.
    let t = &snv.json(&["report", "--period", "2025"])["totals"];
    assert_eq!(
        t["disciplines_upward"],
        json!({"proposed_to_province": 0, "decided_by_province": 0, "not_applied_by_province": 1})
    );

    // Forged: the commune writes UBND tỉnh's decision into its own record, naming UBND tỉnh,
    // then naming itself.
    let unit = UnitCode::parse(COMMUNE).expect("unit");
    let forge = |actor: u8, by_unit: &str| {
        let mut doc = unit_year::create(ActorId::from([actor; 16]), &unit, 2024).expect("create");
        let c = unit_year::Commendation {
            id: "00000000000c0001".into(),
            person: "Nguyễn Văn D".into(),
            proposal: None,
            form: "Bằng khen".into(),
            level: doimoi_shared::workflow::Level::Province,
            date: day("2024-10-01"),
            at: 1,
        };
        unit_year::add(&mut doc, &Entry::Commendation(c), &unit).expect("add");
        let decision = Upward {
            id: "00000000000c0002".into(),
            stage: UpwardStage::Decision,
            of: "00000000000c0001".into(),
            by_unit: UnitCode::parse(by_unit).expect("unit"),
            agree: true,
            number: String::new(),
            note: String::new(),
            date: day("2024-10-02"),
            at: 2,
        };
        unit_year::add(&mut doc, &Entry::CommendationStep(decision), &unit).expect("add");
        doc
    };
    let reason = push_raw(&hub, COMMUNE, &mut forge(0x44, "49")).expect("refused");
    assert!(
        reason.contains("mỗi đơn vị chỉ ghi các bước của chính mình"),
        "{reason}"
    );
    let reason = push_raw(&hub, COMMUNE, &mut forge(0x45, COMMUNE)).expect("refused");
    assert!(reason.contains("chỉ UBND tỉnh"), "{reason}");
}

/// A unit created on 01/07/2025 has 30 days for its plan, as the report counts it: the CLI and
/// its list of what is missing say so too.
#[test]
fn a_unit_created_in_2025_is_held_to_its_own_duty_deadline() {
    let c = TestClient::offline("20242"); // Phường Hải Châu, from 01/07/2025
    c.set_now("2025-08-20T09:00:00+07:00");
    c.ok(&[
        "duty",
        "plan",
        "--date",
        "2025-07-20",
        "--number",
        "5/KH-UBND",
    ]);
    let text = c.ok(&["duty", "show", "--year", "2025"]);
    assert!(
        text.contains("ngày 20/07/2025 — đúng hạn (31/07/2025)"),
        "{text}"
    );
    assert!(!text.contains("31/07/2023"), "{text}");
}
