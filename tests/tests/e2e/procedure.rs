//! The procedure across offices through the hub.

use crate::harness::{eventually, TestClient, TestHub};
use serde_json::Value;
use std::time::Duration;

const COMMUNE: &str = "20335";
const DISTRICT: &str = "502";

fn decide(district: &TestClient, id: &str) {
    for step in [
        vec!["proposal", "receive", id],
        vec!["proposal", "party-opinion", id, "--agree"],
        vec!["proposal", "vote", id, "--for", "4", "--against", "1"],
        vec!["proposal", "approve", id, "--by", "Chủ tịch UBND thành phố"],
    ] {
        district.ok(&step);
    }
}

#[test]
fn a_commune_chairmans_proposal_made_while_the_hub_is_down_is_decided_by_the_district() {
    let mut hub = TestHub::spawn();
    let commune = TestClient::new(COMMUNE, &hub.url, &hub.token(COMMUNE));
    let district = TestClient::new(DISTRICT, &hub.url, &hub.token(DISTRICT));
    commune.before_the_reform();
    district.before_the_reform();
    hub.stop();

    let id = commune.new_proposal("Đề xuất của Chủ tịch phường", &["--proposer-is-head"]);
    commune.ok(&["proposal", "submit", &id]);
    let err = commune.fails(&["sync"]);
    assert!(err.contains("không kết nối được"), "{err}");
    assert_eq!(
        commune.json(&["status"])["last_error"]["kind"],
        "unreachable"
    );
    assert_eq!(commune.show(&id)["status"], "submitted");
    assert!(commune.json(&["status"])["pending_changes"].as_u64() > Some(0));

    hub.restart();
    let up = commune.sync();
    assert_eq!(up["docs_up"], 1);
    assert_eq!(commune.json(&["status"])["pending_changes"], 0);
    let down = district.sync();
    assert_eq!(down["docs_down"], 1);
    decide(&district, &id);
    district.sync();
    let back = commune.sync();
    assert_eq!(back["docs_down"], 1);
    let seen = commune.show(&id);
    assert_eq!(seen["status"], "approved");
    assert_eq!(seen["deciding_unit"], DISTRICT);
    assert_eq!(seen, district.show(&id));
    // Nothing new: one round trip, a few hundred bytes.
    let noop = commune.sync();
    assert_eq!(noop["round_trips"], 1);
    assert!(noop["bytes_up"].as_u64() < Some(1024) && noop["bytes_down"].as_u64() < Some(1024));
}

#[test]
fn offices_running_serve_see_each_others_work_without_a_manual_sync() {
    let hub = TestHub::spawn();
    let mut commune = TestClient::new(COMMUNE, &hub.url, &hub.token(COMMUNE));
    let mut district = TestClient::new(DISTRICT, &hub.url, &hub.token(DISTRICT));
    commune.before_the_reform();
    district.before_the_reform();
    commune.start_serve();
    district.start_serve();
    let id = commune.new_proposal("Đề xuất qua serve", &["--proposer-is-head"]);
    commune.ok(&["proposal", "submit", &id]);
    eventually(
        Duration::from_secs(60),
        "the district receives the submitted proposal",
        || district.ids().contains(&id) && district.show(&id)["status"] == "submitted",
    );
    decide(&district, &id);
    eventually(
        Duration::from_secs(60),
        "the commune sees the decision",
        || commune.show(&id)["status"] == "approved",
    );
    commune.stop_serve();
    district.stop_serve();
}

fn events_of(v: &Value) -> usize {
    v["events"].as_array().map(Vec::len).unwrap_or(0)
}

#[test]
fn concurrent_prose_edits_on_two_devices_and_a_district_comment_all_survive() {
    let hub = TestHub::spawn();
    let a = TestClient::new(COMMUNE, &hub.url, &hub.token(COMMUNE));
    let b = TestClient::new(COMMUNE, &hub.url, &hub.token(COMMUNE));
    let district = TestClient::new(DISTRICT, &hub.url, &hub.token(DISTRICT));
    let id = a.new_proposal("Đề xuất sửa đồng thời", &[]);
    a.sync();
    b.sync();
    district.sync();
    a.ok(&[
        "proposal",
        "edit",
        &id,
        "--content",
        "Khẩn: Số hóa hồ sơ một cửa",
    ]);
    b.ok(&[
        "proposal",
        "edit",
        &id,
        "--content",
        "Số hóa hồ sơ một cửa và lưu trữ",
        "--scope",
        "Toàn phường",
    ]);
    district.ok(&["comment", &id, "--text", "Đề nghị bổ sung kinh phí"]);
    for _ in 0..2 {
        a.sync();
        b.sync();
        district.sync();
    }
    let (sa, sb, sd) = (a.show(&id), b.show(&id), district.show(&id));
    assert_eq!(sa, sb);
    assert_eq!(sa, sd);
    assert_eq!(sa["content"], "Khẩn: Số hóa hồ sơ một cửa và lưu trữ");
    assert_eq!(sa["scope"], "Toàn phường");
    assert_eq!(sa["comments"][0]["unit"], DISTRICT);
    assert_eq!(events_of(&sa), 0);
}

#[test]
fn contradictory_offline_decisions_are_kept_with_the_same_state_everywhere() {
    let hub = TestHub::spawn();
    let a = TestClient::new(COMMUNE, &hub.url, &hub.token(COMMUNE));
    let b = TestClient::new(COMMUNE, &hub.url, &hub.token(COMMUNE));
    let sn = TestClient::new("49-SNV", &hub.url, &hub.token("49-SNV"));
    let id = a.new_proposal("Đề xuất tranh chấp", &[]);
    for step in [
        vec!["proposal", "submit", &id],
        vec!["proposal", "receive", &id],
        vec!["proposal", "party-opinion", &id, "--agree"],
        vec!["proposal", "vote", &id, "--for", "3", "--against", "1"],
    ] {
        a.ok(&step);
    }
    a.sync();
    b.sync();
    // Offline at two places: one approves, the other rejects.
    a.ok(&["proposal", "approve", &id]);
    b.ok(&["proposal", "reject", &id]);
    a.sync();
    b.sync();
    a.sync();
    sn.sync();
    let (sa, sb, ss) = (a.show(&id), b.show(&id), sn.show(&id));
    assert_eq!(sa, sb);
    assert_eq!(sa, ss);
    assert_eq!(sa["flags"], serde_json::json!(["conflict"]));
    let steps: Vec<&str> = sa["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["step"].as_str())
        .collect();
    assert!(steps.contains(&"approve") && steps.contains(&"reject"));
}

#[test]
fn the_calendar_and_the_registry_travel_to_the_offices_through_sync() {
    let hub = TestHub::spawn();
    let c = TestClient::new(COMMUNE, &hub.url, &hub.token(COMMUNE));
    let due = |c: &TestClient| c.json(&["calendar", "add", "2027-09-01", "1"])["due"].clone();
    assert_eq!(due(&c), "2027-09-06");
    let file = hub.data.path().join("swap.json");
    std::fs::write(
        &file,
        r#"{"days_off":[{"date":"2027-09-01","name":"Quốc khánh (liền kề)"}],"working_days":[],"remove":["2027-09-03"]}"#,
    )
    .expect("write");
    hub.op(&["calendar", "override", file.to_str().expect("path")]);
    c.sync();
    assert_eq!(due(&c), "2027-09-03");
    // A registry imported by the operator reaches the office too.
    let before = c.json(&["org", "show"]).as_array().map(Vec::len);
    let moved = hub.data.path().join("registry.json");
    let mut reg = doimoi_shared::org::Registry::embedded_default().to_json();
    reg = reg.replace("Phường Bàn Thạch", "Phường Bàn Thạch Mới");
    std::fs::write(&moved, reg).expect("write");
    hub.op(&["org", "import", moved.to_str().expect("path"), "--yes"]);
    let r = c.sync();
    assert_eq!(c.json(&["org", "show"]).as_array().map(Vec::len), before);
    // The office is told, once, that its unit has a new name.
    let notice = r["unit_notice"].as_str().unwrap_or_default();
    assert!(notice.contains("nay mang tên Phường Bàn Thạch Mới"), "{r}");
    let noop = c.sync();
    assert!(
        noop["bytes_down"].as_u64() < Some(1024),
        "registry and calendar are not resent"
    );
}
