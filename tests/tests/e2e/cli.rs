//! The real `doimoi` binary in temporary folders, with no hub: a commune office offline, from
//! draft to protection; refusals that leave the store unchanged; two stores merging by file.

use crate::harness::TestClient;
use serde_json::Value;
use std::path::{Path, PathBuf};

const FULL: &[&str] = &[
    "--title",
    "Số hóa hồ sơ một cửa",
    "--proposer",
    "Nguyễn Văn An",
    "--position",
    "Chánh Văn phòng HĐND và UBND phường",
    "--leader",
    "--basis",
    "both",
    "--field",
    "Cải cách hành chính",
    "--necessity",
    "Hồ sơ giấy làm chậm việc giải quyết thủ tục",
    "--content",
    "Số hóa toàn bộ hồ sơ tiếp nhận tại bộ phận một cửa",
    "--subjects",
    "Công chức bộ phận một cửa; người dân, tổ chức nộp hồ sơ",
    "--scope",
    "Bộ phận một cửa của phường",
    "--timeline",
    "Sáu tháng",
    "--resources",
    "Ngân sách phường, hai công chức",
    "--feasibility",
    "Cao, đã có phần mềm của tỉnh",
    "--impact",
    "Giảm giấy tờ; cần tập huấn",
    "--expected",
    "Giảm một nửa thời gian xử lý",
];

fn new_proposal(o: &TestClient, extra: &[&str]) -> String {
    let mut args = vec!["proposal", "new"];
    args.extend_from_slice(FULL);
    args.extend_from_slice(extra);
    let v = o.json(&args);
    assert_eq!(v["status"], "draft");
    v["id"].as_str().expect("id").to_string()
}

fn steps(o: &TestClient, id: &str, list: &[&[&str]]) {
    for s in list {
        let mut args = vec!["proposal", s[0], id];
        args.extend_from_slice(&s[1..]);
        o.ok(&args);
    }
}

#[test]
fn a_proposal_goes_offline_from_draft_to_protection_and_survives_reopening() {
    let o = TestClient::offline("20335");
    let id = new_proposal(&o, &[]);
    steps(
        &o,
        &id,
        &[
            &["submit", "--by", "Nguyễn Văn An"],
            &["receive", "--by", "Văn thư"],
            &["party-opinion", "--agree"],
            &["vote", "--for", "4", "--against", "1"],
            &["approve", "--pilot", "--by", "Chủ tịch UBND phường"],
            &["start"],
            &["suspend", "--note", "Chờ kinh phí"],
            &["resume"],
            &["report-results"],
            &["party-opinion", "--agree"],
            &["evaluate", "--result", "completed"],
            &["notify"],
            &["protect", "--determination", "not-liable"],
            &["commend", "--level", "province"],
        ],
    );
    o.ok(&["comment", &id, "--text", "Đề nghị nhân rộng"]);
    let before = o.show(&id);
    assert_eq!(before["status"], "completed");
    assert_eq!(before["approved_by"], "vote");
    assert_eq!(before["approved_as_pilot"], true);
    assert_eq!(before["protection"], "not-liable");
    assert_eq!(before["leader"], true);
    assert_eq!(before["basis"], "both");
    // The province-level commendation proposed: it waits for Sở Nội vụ.
    assert_eq!(before["flags"], serde_json::json!(["awaiting_opinion"]));
    assert_eq!(before["events"].as_array().map(Vec::len), Some(14));
    assert_eq!(before["comments"][0]["text"], "Đề nghị nhân rộng");
    let deadlines: Vec<&str> = before["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .map(|d| d["state"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(deadlines, vec!["on_time"; 4]);

    // Another process on the same folder: everything is there.
    let after = o.show(&id);
    assert_eq!(before, after);
    let listed = o.json(&["proposal", "list", "--status", "completed"]);
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["unit"], "20335");
    // Diacritic-insensitive search, and history from the document.
    let found = o.json(&["search", "so hoa mot cua"]);
    assert_eq!(found.as_array().map(Vec::len), Some(1));
    let history = o.json(&["history", &id]);
    assert!(history.as_array().is_some_and(|h| h.len() >= 16));
    assert_eq!(history[0]["action"], "proposal.create");
    // The index is derived: rebuilding it gives the same list.
    let listed_before = o.json(&["proposal", "list"]);
    o.ok(&["reindex"]);
    o.ok(&["compact"]);
    assert_eq!(o.json(&["proposal", "list"]), listed_before);
    assert_eq!(o.show(&id), after);
}

#[test]
fn submitting_needs_the_mandatory_contents() {
    let o = TestClient::offline("20335");
    let v = o.json(&[
        "proposal",
        "new",
        "--title",
        "Ý tưởng",
        "--proposer",
        "Lê Văn C",
    ]);
    let id = v["id"].as_str().expect("id");
    let err = o.fails(&["proposal", "submit", id]);
    assert!(err.contains("Nghị định 73"), "{err}");
    assert!(err.contains("Sự cần thiết"), "{err}");
    assert_eq!(o.show(id)["status"], "draft");
}

#[test]
fn steps_out_of_order_or_without_authority_are_refused_and_change_nothing() {
    let o = TestClient::offline("20335");
    let id = new_proposal(&o, &[]);
    o.ok(&["proposal", "submit", &id]);
    let before = o.snapshot();
    // Order: approval before receipt and vote.
    let err = o.fails(&["proposal", "approve", &id]);
    assert!(err.contains("trình tự"), "{err}");
    // Acting as another unit (another commune, the district): an office records its own steps.
    let err = o.fails(&["proposal", "receive", &id, "--acting-unit", "20341"]);
    assert!(
        err.contains("không ghi thay") && err.contains("20341"),
        "{err}"
    );
    let err = o.fails(&["proposal", "receive", &id, "--acting-unit", "502"]);
    assert!(
        err.contains("không ghi thay") && err.contains("502"),
        "{err}"
    );
    // Unknown unit, unknown id, wrong flags, bad date.
    let err = o.fails(&["proposal", "receive", &id, "--acting-unit", "99999"]);
    assert!(err.contains("Không có đơn vị"), "{err}");
    let err = o.fails(&["proposal", "receive", "0123456789abcdef0123456789abcdef"]);
    assert!(err.contains("Không có tài liệu"), "{err}");
    o.fails(&["proposal", "vote", &id, "--for", "many"]);
    let err = o.fails(&["proposal", "receive", &id, "--date", "31/12/2024"]);
    assert!(err.contains("NĂM-THÁNG-NGÀY"), "{err}");
    assert_eq!(o.snapshot(), before);
}

#[test]
fn the_commune_heads_own_proposal_is_decided_by_the_district() {
    let commune = TestClient::offline("20335");
    let district = TestClient::offline("502");
    commune.before_the_reform();
    district.before_the_reform();
    let id = new_proposal(&commune, &["--proposer-is-head"]);
    commune.ok(&["proposal", "submit", &id]);
    assert!(commune
        .fails(&["proposal", "receive", &id])
        .contains("cấp trên"));
    let file = commune.data.path().join("p.automerge");
    commune.ok(&["export", &id, "-o", file.to_str().expect("path")]);
    district.ok(&["import", file.to_str().expect("path")]);
    steps(
        &district,
        &id,
        &[
            &["receive"],
            &["party-opinion", "--agree"],
            &["vote", "--for", "3", "--against", "0"],
            &["approve"],
        ],
    );
    assert_eq!(district.show(&id)["status"], "approved");
    assert_eq!(district.show(&id)["deciding_unit"], "502");
}

fn export(o: &TestClient, id: &str, name: &str) -> PathBuf {
    let file = o.data.path().join(name);
    o.ok(&["export", id, "-o", file.to_str().expect("path")]);
    file
}

fn import(o: &TestClient, file: &Path) -> Value {
    o.json(&["import", file.to_str().expect("path")])
}

#[test]
fn edits_in_two_stores_merge_by_file_both_ways_keeping_both() {
    let a = TestClient::offline("20335");
    let b = TestClient::offline("20335");
    let id = new_proposal(&a, &[]);
    let first = import(&b, &export(&a, &id, "a0.automerge"));
    assert_eq!(first["new"], true);
    // A edits the same prose field at the start, B at the end and another field.
    a.ok(&[
        "proposal",
        "edit",
        &id,
        "--content",
        "Khẩn: Số hóa toàn bộ hồ sơ tiếp nhận tại bộ phận một cửa",
    ]);
    b.ok(&[
        "proposal",
        "edit",
        &id,
        "--content",
        "Số hóa toàn bộ hồ sơ tiếp nhận tại bộ phận một cửa và lưu trữ điện tử",
        "--timeline",
        "Tám tháng",
    ]);
    import(&b, &export(&a, &id, "a1.automerge"));
    let back = import(&a, &export(&b, &id, "b1.automerge"));
    assert_eq!(back["new"], false);
    let sa = a.show(&id);
    let sb = b.show(&id);
    assert_eq!(sa, sb);
    assert_eq!(
        sa["content"],
        "Khẩn: Số hóa toàn bộ hồ sơ tiếp nhận tại bộ phận một cửa và lưu trữ điện tử"
    );
    assert_eq!(sa["timeline"], "Tám tháng");
    // Importing the same file again adds nothing.
    assert_eq!(
        import(&a, &export(&b, &id, "b2.automerge"))["changes_added"],
        0
    );
}

#[test]
fn contradictory_decisions_in_two_stores_are_both_kept_with_a_conflict_flag() {
    let a = TestClient::offline("20335");
    let b = TestClient::offline("20335");
    let id = new_proposal(&a, &[]);
    steps(
        &a,
        &id,
        &[
            &["submit"],
            &["receive"],
            &["party-opinion", "--agree"],
            &[
                "vote",
                "--for",
                "2",
                "--against",
                "2",
                "--head-voted",
                "for",
            ],
        ],
    );
    import(&b, &export(&a, &id, "base.automerge"));
    a.ok(&["proposal", "approve", &id]);
    b.ok(&["proposal", "reject", &id]);
    import(&b, &export(&a, &id, "a.automerge"));
    import(&a, &export(&b, &id, "b.automerge"));
    let sa = a.show(&id);
    let sb = b.show(&id);
    assert_eq!(sa, sb);
    assert_eq!(sa["flags"], serde_json::json!(["conflict"]));
    let steps: Vec<&str> = sa["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["step"].as_str().unwrap_or(""))
        .collect();
    assert!(
        steps.contains(&"approve") && steps.contains(&"reject"),
        "{steps:?}"
    );
    let status = sa["status"].as_str().expect("status");
    assert!(status == "approved" || status == "rejected");
    // The conflict shows in the list too, and a person can settle it.
    assert_eq!(
        a.json(&["proposal", "list"])[0]["flags"],
        serde_json::json!(["conflict"])
    );
    let reject_id = sa["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["step"] == "reject")
        .and_then(|e| e["id"].as_str())
        .expect("reject event")
        .to_string();
    a.ok(&["proposal", "resolve", &id, "--keep", &reject_id]);
    let settled = a.show(&id);
    assert_eq!(settled["status"], "rejected");
    assert_eq!(settled["flags"], serde_json::json!([]));
}

#[test]
fn corrupt_or_foreign_import_files_are_refused_and_nothing_is_written() {
    let o = TestClient::offline("20335");
    let id = new_proposal(&o, &[]);
    let before = o.snapshot();
    let dir = o.data.path();
    let garbage = dir.join("garbage.automerge");
    std::fs::write(&garbage, b"this is not an automerge document").expect("write");
    let err = o.fails(&["import", garbage.to_str().expect("path")]);
    assert!(err.contains("không nhập được"), "{err}");
    // A truncated export.
    let good = export(&o, &id, "good.automerge");
    let bytes = std::fs::read(&good).expect("read");
    let cut = dir.join("cut.automerge");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    assert!(o
        .fails(&["import", cut.to_str().expect("path")])
        .contains("không nhập được"));
    // An empty file, and a missing one.
    let empty = dir.join("empty.automerge");
    std::fs::write(&empty, b"").expect("write");
    assert!(o
        .fails(&["import", empty.to_str().expect("path")])
        .contains("rỗng"));
    o.fails(&["import", dir.join("missing").to_str().expect("path")]);
    // A proposal of a unit from another province's registry.
    let other = TestClient::init(&["--unit", "26734", "--province", "79"]);
    let foreign_id = new_proposal(&other, &[]);
    let foreign = export(&other, &foreign_id, "foreign.automerge");
    let err = o.fails(&["import", foreign.to_str().expect("path")]);
    assert!(err.contains("không có trong danh mục"), "{err}");
    assert_eq!(o.snapshot(), before);
}

#[test]
fn unknown_units_and_double_initialisation_are_refused() {
    let o = TestClient::uninitialised();
    let err = o.fails(&["init", "--unit", "99999"]);
    assert!(err.contains("Không có đơn vị"), "{err}");
    let err = o.fails(&["proposal", "list"]);
    assert!(err.contains("doimoi init"), "{err}");
    o.ok(&["init", "--unit", "20437"]);
    let err = o.fails(&["init", "--unit", "20335"]);
    assert!(err.contains("đã được khởi tạo"), "{err}");
}

#[test]
fn org_show_lists_the_embedded_province_with_exact_names() {
    let o = TestClient::uninitialised();
    let units = o.json(&["org", "show"]);
    let units = units.as_array().expect("array");
    // A unit of 2024 is listed under its current name, with its 2024 name as an earlier form
    // when it carried on after 01/07/2025.
    let find = |name: &str| {
        units
            .iter()
            .find(|u| u["name"] == name || u["former"][0]["name"] == name)
            .cloned()
    };
    let chom = find("Xã Ch'ơm").expect("Xã Ch'ơm listed");
    assert_eq!(chom["kind"], "commune");
    assert!(find("Thị trấn P Rao").is_some());
    let tan_thanh = find("Phường Tân Thạnh").expect("Phường Tân Thạnh");
    assert_eq!(tan_thanh["code"], "20335");
    assert_eq!(tan_thanh["name"], "Phường Bàn Thạch");
    assert_eq!(tan_thanh["former"][0]["parent"], "502");
    assert_eq!(tan_thanh["former"][0]["until"], "2025-06-30");
    let tam_ky = find("Thành phố Tam Kỳ").expect("the district");
    assert_eq!(tam_ky["valid_to"], "2025-06-30");
    assert_eq!(units[0]["kind"], "province");
    assert!(units.iter().any(|u| u["kind"] == "home_affairs"));
    for kind in ["department", "association", "district"] {
        assert!(units.iter().any(|u| u["kind"] == kind), "no {kind}");
    }
    let other = o.json(&[
        "org",
        "show",
        "--province",
        "Đà Nẵng",
        "--structure",
        "2025",
    ]);
    assert!(other
        .as_array()
        .is_some_and(|u| u.iter().all(|x| x["kind"] != "district")));
}

#[test]
fn nfd_input_is_stored_as_nfc() {
    let o = TestClient::offline("20335");
    let nfd_title = "Đe\u{0302}\u{0300} xua\u{0302}\u{0301}t so\u{0302}\u{0301} ho\u{0301}a";
    let v = o.json(&["proposal", "new", "--title", nfd_title, "--proposer", "A"]);
    let id = v["id"].as_str().expect("id");
    assert_eq!(o.show(id)["title"], "Đề xuất số hóa");
}

#[test]
fn yearly_duties_are_recorded_and_shown() {
    let o = TestClient::offline("20335");
    o.ok(&[
        "duty",
        "disseminate",
        "--date",
        "2023-07-20",
        "--form",
        "Hội nghị",
        "--participants",
        "35",
    ]);
    o.ok(&[
        "duty",
        "plan",
        "--date",
        "2023-07-25",
        "--number",
        "45/KH-UBND",
    ]);
    o.ok(&[
        "duty",
        "self-inspect",
        "--date",
        "2023-12-10",
        "--findings",
        "Đạt",
    ]);
    o.ok(&[
        "duty",
        "review",
        "--date",
        "2023-12-12",
        "--kind",
        "preliminary",
    ]);
    o.ok(&[
        "duty",
        "commend",
        "--date",
        "2023-12-20",
        "--person",
        "Nguyễn Văn An",
        "--form",
        "Giấy khen",
        "--level",
        "unit",
    ]);
    o.ok(&[
        "duty",
        "discipline",
        "--date",
        "2023-12-21",
        "--subject",
        "Ông X",
        "--violation",
        "Cản trở",
        "--measure",
        "Khiển trách",
    ]);
    let err = o.fails(&["duty", "inspect", "--date", "2023-12-22", "--unit", "20335"]);
    assert!(err.contains("Sở Nội vụ"), "{err}");
    let v = o.json(&["duty", "show", "--year", "2023"]);
    let r = &v[0];
    assert_eq!(r["plan"]["number"], "45/KH-UBND");
    assert_eq!(r["dissemination"][0]["participants"], 35);
    for list in [
        "self_inspections",
        "reviews",
        "commendations",
        "disciplines",
    ] {
        assert_eq!(r[list].as_array().map(Vec::len), Some(1), "{list}");
    }
    assert!(o.ok(&["duty", "show"]).contains("đúng hạn"));
}

#[test]
fn a_proposal_can_be_written_from_a_toml_file_with_the_flag_names() {
    let o = TestClient::offline("20335");
    let file = o.data.path().join("de-xuat.toml");
    std::fs::write(
        &file,
        "title = \"Ứng dụng bản đồ số\"\nproposer = \"Võ Thị E\"\nproposer-is-head = true\nbasis = \"nd73\"\ncontent = \"Bản đồ số hóa đất đai\"\n",
    )
    .expect("write");
    let id = o.json(&["proposal", "new", "--file", file.to_str().expect("path")])["id"]
        .as_str()
        .expect("id")
        .to_string();
    let p = o.show(&id);
    assert_eq!(p["title"], "Ứng dụng bản đồ số");
    assert_eq!(p["proposer-is-head"], true);
    assert_eq!(p["basis"], "nd73");
    // Today a commune's superior is the city (districts ended on 30/06/2025).
    assert_eq!(p["deciding_unit"], "48");
    o.ok(&["proposal", "edit", &id, "--unset", "proposer-is-head"]);
    assert_eq!(o.show(&id)["deciding_unit"], "20335");
    std::fs::write(&file, "title = \"x\"\nunknown-key = 1\n").expect("write");
    let err = o.fails(&["proposal", "new", "--file", file.to_str().expect("path")]);
    assert!(err.contains("không đúng định dạng"), "{err}");
}

#[test]
fn the_governments_yearly_swap_can_override_the_calendar() {
    let o = TestClient::offline("20335");
    let due = |o: &TestClient| o.json(&["calendar", "add", "2027-09-01", "1"])["due"].clone();
    // By default 2027-09-02 and the assumed adjacent 03/09 are off.
    assert_eq!(due(&o), "2027-09-06");
    let file = o.data.path().join("swap.json");
    std::fs::write(&file, r#"{"days_off":[{"date":"2027-09-01","name":"Quốc khánh (liền kề)"}],"working_days":[],"remove":["2027-09-03"]}"#)
        .expect("write");
    o.ok(&["calendar", "override", file.to_str().expect("path")]);
    assert_eq!(due(&o), "2027-09-03");
    std::fs::write(&file, "{not json").expect("write");
    assert!(o
        .fails(&["calendar", "override", file.to_str().expect("path")])
        .contains("không đúng định dạng"));
}

#[test]
fn output_piped_into_a_reader_that_stops_early_ends_quietly() {
    use std::process::Stdio;
    let o = TestClient::offline("20335");
    for i in 0..25 {
        o.new_proposal(&format!("Đề xuất số {i}"), &[]);
    }
    for args in [
        &["proposal", "list"][..],
        &["--json", "proposal", "list"][..],
    ] {
        let mut child = o
            .cmd(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn doimoi");
        // The reader goes away before the list is written, as `head -n 0` would.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{err}");
        assert_ne!(out.status.code(), Some(101), "{err}");
        assert!(err.is_empty(), "{err}");
    }
}

#[test]
fn help_is_vietnamese_and_usage_errors_say_what_to_do() {
    let o = TestClient::offline("20335");
    let help = o.ok(&["proposal", "vote", "--help"]);
    assert!(help.contains("Cách dùng: doimoi proposal vote"), "{help}");
    assert!(help.contains("Số phiếu tán thành"), "{help}");
    assert!(help.contains("[mặc định: 0]"), "{help}");
    assert!(!help.contains("Usage"), "{help}");
    let help = o.ok(&["proposal", "start", "-h"]);
    assert!(help.starts_with("Bắt đầu triển khai"), "{help}");
    assert!(o.ok(&["--version"]).starts_with("doimoi "));
    let out = o.run(&["proposal", "vote", "abcd", "--against", "1"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim(),
        "Lỗi: Thiếu tham số --for. Xem `doimoi proposal vote --help`."
    );
    let err = o.fails(&["proposal", "evaluate", "abcd", "--result", "xong"]);
    assert!(
        err.contains("Giá trị \"xong\" của --result không hợp lệ"),
        "{err}"
    );
    let err = o.fails(&["propsal", "list"]);
    assert!(err.contains("Có phải ý bạn là `proposal`?"), "{err}");
}

#[test]
fn choices_take_their_vietnamese_labels_and_show_tells_every_fact_by_name() {
    let o = TestClient::offline("20335");
    o.set_now("2025-03-03T09:00:00+07:00");
    let mut args = vec!["proposal", "new"];
    args.extend(FULL.iter().map(|a| if *a == "both" { "Ca hai" } else { a }));
    let id = o.json(&args)["id"].as_str().expect("id").to_string();
    o.ok(&["proposal", "submit", &id]);
    o.ok(&["proposal", "receive", &id]);
    let listed = o.json(&["proposal", "list", "--status", "Đã tiếp nhận"]);
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["next_step"], "Lấy ý kiến cấp ủy, biểu quyết");
    let waiting = o.ok(&["proposal", "list", "--waiting", "--unit", "ban thach"]);
    assert!(waiting.contains("Phường Bàn Thạch"), "{waiting}");
    assert!(
        waiting.contains("Người đề xuất: Nguyễn Văn An"),
        "{waiting}"
    );
    assert!(waiting.contains("Đã tiếp nhận"), "{waiting}");
    assert!(
        waiting.contains(
            "Bước tiếp theo: Lấy ý kiến cấp ủy, biểu quyết (Phường Bàn Thạch), hạn 12/03/2025"
        ),
        "{waiting}"
    );
    assert_eq!(
        o.json(&["proposal", "list", "--overdue"]),
        serde_json::json!([])
    );
    assert_eq!(
        o.json(&["proposal", "list", "--year", "2024"]),
        serde_json::json!([])
    );
    assert_eq!(
        o.json(&["proposal", "list", "--field", "cai cach"])
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    steps(
        &o,
        &id,
        &[
            &["party-opinion", "--agree"],
            &[
                "vote",
                "--for",
                "4",
                "--against",
                "1",
                "--head-voted",
                "tán thành",
            ],
            &[
                "approve",
                "--by",
                "Trần Văn Bình",
                "--position",
                "Chủ tịch UBND phường",
            ],
            &["start"],
            &["report-results"],
            &["party-opinion", "--agree"],
            &["evaluate", "--result", "Hoàn thành"],
            &["notify"],
            &["protect", "--determination", "không bị xem xét trách nhiệm"],
            &["commend", "--level", "cấp tỉnh"],
        ],
    );
    let v = o.show(&id);
    assert_eq!(v["basis"], "both");
    assert_eq!(v["evaluation"], "completed");
    assert_eq!(v["protection"], "not-liable");
    assert_eq!(v["commendations"], serde_json::json!(["province"]));
    let text = o.ok(&["proposal", "show", &id]);
    for want in [
        "Căn cứ: Quy định 20-QĐ/TU và Nghị định 73/2023/NĐ-CP",
        "Ý kiến cấp ủy ngày 03/03/2025: đồng ý",
        "Biểu quyết ngày 03/03/2025: 4 tán thành, 1 không tán thành, 0 không biểu quyết; người đứng đầu tán thành",
        "phê duyệt — Trần Văn Bình, Chủ tịch UBND phường (Phường Bàn Thạch)",
        "Đánh giá ngày 03/03/2025: hoàn thành; không có thiệt hại",
        "Bảo vệ người đề xuất ngày 03/03/2025: không bị xem xét trách nhiệm",
        "Đề nghị Chủ tịch UBND tỉnh khen thưởng ngày 03/03/2025",
        "Kết quả biểu quyết: đạt",
    ] {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
    for raw in [" both", "20335 ", "completed", "not-liable", "province"] {
        assert!(!text.contains(raw), "{raw:?} in:\n{text}");
    }
}

#[test]
fn search_takes_phrases_requires_every_word_and_ranks_titles_first() {
    let o = TestClient::offline("20335");
    let together = o.new_proposal("Chỉnh trang đô thị", &[]);
    let apart = o.new_proposal("Thị trấn xanh", &["--subjects", "Giữ gìn kinh đô cũ"]);
    let in_body = o.new_proposal("Cải tạo vỉa hè", &["--subjects", "Vỉa hè đô thị"]);
    let ids = |v: Value| -> Vec<String> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|p| p["id"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(
        ids(o.json(&["search", "\"đô thị\""])),
        vec![together.clone(), in_body.clone()]
    );
    // Unquoted, the words may be apart; both together in the title rank first.
    let found = ids(o.json(&["search", "đô", "thị"]));
    assert_eq!(found.len(), 3);
    assert_eq!(found[0], together);
    assert!(found.contains(&apart) && found.contains(&in_body));
    assert_eq!(ids(o.json(&["search", "do thi", "chinh"])), vec![together]);
    assert_eq!(
        o.json(&["search", "đô thị", "trăng"]),
        serde_json::json!([])
    );
}

#[test]
fn messages_give_dates_as_dd_mm_yyyy_and_labels_not_codes() {
    let o = TestClient::offline("20335");
    o.set_now("2025-03-03T09:00:00+07:00");
    let id = new_proposal(&o, &[]);
    let err = o.fails(&["proposal", "submit", &id, "--date", "2025-03-04"]);
    assert!(err.contains("Ngày 04/03/2025 (--date) chưa đến"), "{err}");
    assert!(err.contains("hôm nay là ngày 03/03/2025"), "{err}");
    steps(
        &o,
        &id,
        &[
            &["submit"],
            &["receive"],
            &["party-opinion", "--agree"],
            &["vote", "--for", "4", "--against", "1"],
            &["approve"],
            &["start"],
            &["report-results"],
            &["party-opinion", "--agree"],
            &["evaluate", "--result", "partly", "--damage"],
            &["notify"],
        ],
    );
    let err = o.fails(&["proposal", "protect", &id, "--determination", "excluded"]);
    assert!(
        err.contains("kết quả \"hoàn thành một phần\" có thiệt hại dẫn tới kết luận \"được xem xét loại trừ, miễn hoặc giảm nhẹ trách nhiệm\""),
        "{err}"
    );
    for bad in ["..", ".).", "partly", "considered"] {
        assert!(!err.contains(bad), "{bad:?} in {err}");
    }
}

/// Who did what comes from the validated records, never from a change's free message: a prose
/// edit whose message claims UBND tỉnh's approval shows as an edit, by nobody's unit.
#[test]
fn history_is_derived_from_the_records_not_from_commit_messages() {
    use automerge::transaction::{CommitOptions, Transactable};
    use automerge::{ObjType, ReadDoc, Value as AmValue, ROOT};
    let o = TestClient::offline("20335");
    let id = new_proposal(&o, &[]);
    o.ok(&["proposal", "submit", &id]);
    let file = o.data.path().join("p.automerge");
    o.ok(&["export", &id, "-o", file.to_str().expect("path")]);
    let bytes = std::fs::read(&file).expect("read");
    let mut doc = automerge::AutoCommit::load(&bytes).expect("load");
    match doc.get(ROOT, "title").expect("title") {
        Some((AmValue::Object(ObjType::Text), obj)) => {
            doc.splice_text(&obj, 0, 0, "Khẩn: ").expect("edit");
        }
        _ => doc.put(ROOT, "title", "Khẩn: đề xuất").expect("edit"),
    }
    let forged = doc
        .commit_with(CommitOptions::default().with_message("event.approve@49"))
        .expect("a change");
    std::fs::write(&file, doc.save()).expect("write");
    o.ok(&["import", file.to_str().expect("path")]);

    let history = o.json(&["history", &id]);
    let rows = history.as_array().expect("rows");
    assert!(
        rows.iter()
            .all(|r| r["action"] != "event.approve" && r["unit"] != "49"),
        "{history:#}"
    );
    let edit = rows
        .iter()
        .find(|r| r["change"] == forged.to_string().as_str())
        .expect("the forged edit");
    assert_eq!(edit["action"], "proposal.edit");
    assert!(edit["unit"].is_null());
    // The real step is there, with the unit that recorded it.
    let submit = rows.iter().find(|r| r["action"] == "event.submit");
    assert_eq!(submit.map(|r| r["unit"].clone()), Some("20335".into()));
    assert_eq!(o.show(&id)["status"], "submitted");
    let text = o.ok(&["history", &id]);
    assert!(!text.contains("Phê duyệt"), "{text}");
}
