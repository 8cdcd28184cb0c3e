//! Living through the 2025 reorganisation with the built-in registry (Quảng Nam's 2024
//! structure continued by Đà Nẵng from 01/07/2025): proposals of 2024 under districts, a
//! commune that carries on under a new name, one merged into it (the operator records the
//! merger), one that ended with no successor; the reports of 2024, 2025 and the current year
//! each reconcile and show every record where it belongs.

use crate::harness::{TestClient, TestHub};
use serde_json::Value;

/// Carries on after 01/07/2025 as Phường Bàn Thạch (same code).
const GOES_ON: &str = "20335";
/// Ended on 30/06/2025; the operator records that it merged into [`GOES_ON`].
const MERGED: &str = "20344";
/// Ended on 30/06/2025 with no successor known.
const ENDED: &str = "20347";

fn submitted(c: &TestClient, title: &str, date: &str) -> String {
    let id = c.new_proposal(title, &[]);
    c.ok(&["proposal", "submit", &id, "--date", date]);
    id
}

fn unit<'a>(r: &'a Value, code: &str) -> Option<&'a Value> {
    r["units"]
        .as_array()
        .and_then(|u| u.iter().find(|x| x["code"] == code))
}

/// Every proposal of the period, and every one carried into it, is on exactly one line.
fn reconciles(r: &Value) {
    let units = r["units"].as_array().expect("units");
    for key in ["proposals", "drafts"] {
        let sum: u64 = units.iter().map(|u| u[key].as_u64().unwrap_or(0)).sum();
        assert_eq!(Some(sum), r["totals"][key].as_u64(), "{key}");
    }
    let carried: u64 = units
        .iter()
        .map(|u| u["carried_over"]["proposals"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(
        Some(carried),
        r["totals"]["carried_over"]["proposals"].as_u64()
    );
}

#[test]
fn reports_before_across_and_after_the_2025_reorganisation_each_reconcile() {
    let mut hub = TestHub::spawn();
    let goes_on = TestClient::new(GOES_ON, &hub.url, &hub.token(GOES_ON));
    let merged = TestClient::new(MERGED, &hub.url, &hub.token(MERGED));
    let ended = TestClient::new(ENDED, &hub.url, &hub.token(ENDED));
    let snv = TestClient::new("49-SNV", &hub.url, &hub.token("49-SNV"));

    // ---- 2024: three communes of Thành phố Tam Kỳ ----
    hub.restart_at("2024-05-10T10:00:00+07:00");
    for c in [&goes_on, &merged, &ended] {
        c.set_now("2024-05-10T09:00:00+07:00");
    }
    submitted(&goes_on, "Một cửa số", "2024-05-06");
    submitted(&merged, "Sổ tay điện tử", "2024-05-07");
    submitted(&ended, "Bản đồ số", "2024-05-08");
    for c in [&goes_on, &merged, &ended] {
        c.sync();
    }

    // ---- 2026: the commune that carried on keeps working under its new name ----
    hub.restart_at("2026-03-10T10:00:00+07:00");
    for c in [&goes_on, &merged, &ended, &snv] {
        c.set_now("2026-03-10T09:00:00+07:00");
    }
    let now = submitted(&goes_on, "Chuyển đổi số phường", "2026-03-02");
    goes_on.sync();
    assert!(goes_on.json(&["status"])["unit_notice"].is_null());
    // The ended commune's office is warned before it records, and told where its work went.
    let out = ended
        .cmd(&["comment", &now, "--text", "x"])
        .output()
        .expect("run");
    let warned = String::from_utf8_lossy(&out.stderr);
    assert!(
        warned.contains("đã thôi hoạt động từ ngày 01/07/2025"),
        "{warned}"
    );
    // The operator records the merger the dataset does not know.
    let mut reg: Value =
        serde_json::from_str(&doimoi_shared::org::Registry::embedded_default().to_json())
            .expect("registry");
    let units = reg["units"].as_array_mut().expect("units");
    let m = units
        .iter_mut()
        .find(|u| u["code"] == MERGED)
        .expect("the merged commune");
    m["lineage"] =
        serde_json::json!([{"kind": "merged_into", "unit": GOES_ON, "date": "2025-07-01"}]);
    reg["version"] = Value::from(2);
    let file = hub.data.path().join("registry.json");
    std::fs::write(&file, reg.to_string()).expect("write");
    let plan = hub.op(&["org", "import", file.to_str().expect("path"), "--yes"]);
    let said = String::from_utf8_lossy(&plan.stdout);
    assert!(said.contains("Đã nhập danh mục"), "{said}");
    assert!(
        said.contains("Đổi đơn vị kế tục (1 đơn vị)") && said.contains("Phường Hòa Hương (20344)"),
        "{said}"
    );
    let told = merged.sync();
    assert!(
        told["unit_notice"]
            .as_str()
            .is_some_and(|n| n.contains("Phường Bàn Thạch (20335) tiếp tục")),
        "{told}"
    );
    snv.sync();

    let report = |period: &str| -> Value { snv.json(&["report", "--period", period]) };

    // ---- 2024: districts, and each commune under its 2024 name ----
    let r = report("2024");
    reconciles(&r);
    assert_eq!(r["totals"]["proposals"], 3);
    let line = unit(&r, GOES_ON).expect("the commune in 2024");
    assert_eq!(line["name"], "Phường Tân Thạnh");
    assert_eq!(line["parent"], "502");
    assert_eq!(line["proposals"], 1);
    assert_eq!(
        unit(&r, MERGED).map(|u| u["proposals"].clone()),
        Some(1.into())
    );
    assert_eq!(
        unit(&r, ENDED).map(|u| u["proposals"].clone()),
        Some(1.into())
    );
    assert_eq!(
        unit(&r, "502").map(|u| u["subtree"]["proposals"].clone()),
        Some(3.into())
    );
    assert!(r["units"].as_array().is_some_and(|u| u
        .iter()
        .filter(|x| x["kind"] == "district")
        .count()
        == 17));

    // ---- 2025 (15/12/2024–14/12/2025), across the change: the merged commune rolls into its
    // successor, the ended one keeps a line marked as ceased ----
    let r = report("2025");
    reconciles(&r);
    assert_eq!(r["totals"]["carried_over"]["proposals"], 3);
    let line = unit(&r, GOES_ON).expect("the commune that carried on");
    assert_eq!(line["name"], "Phường Bàn Thạch");
    assert_eq!(
        line["carried_over"]["proposals"], 2,
        "its own and the merged one's"
    );
    assert_eq!(line["merged_from"], serde_json::json!([MERGED]));
    assert!(unit(&r, MERGED).is_none(), "rolled into its successor");
    let gone = unit(&r, ENDED).expect("the ended commune keeps its line");
    assert_eq!(gone["ceased"], "2025-06-30");
    assert_eq!(gone["carried_over"]["proposals"], 1);

    // ---- the current year: no districts; every record placed ----
    let r = report("2026");
    reconciles(&r);
    assert_eq!(r["totals"]["proposals"], 1);
    assert_eq!(r["totals"]["carried_over"]["proposals"], 3);
    assert!(r["units"]
        .as_array()
        .is_some_and(|u| u.iter().all(|x| x["kind"] != "district")));
    let line = unit(&r, GOES_ON).expect("Phường Bàn Thạch");
    assert_eq!(line["proposals"], 1);
    assert_eq!(line["carried_over"]["proposals"], 2);
    assert_eq!(
        unit(&r, ENDED).map(|u| u["ceased"].clone()),
        Some("2025-06-30".into())
    );
    // The HTML says so in words.
    let html = snv.ok(&["report", "--period", "2026", "--format", "html"]);
    assert!(
        html.contains("đã thôi hoạt động từ ngày 01/07/2025"),
        "the ended commune is marked in the document"
    );
}
