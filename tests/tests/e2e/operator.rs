//! The operator commands of the real `doimoi-hub` binary, on a data folder with no hub running.

use crate::harness::operator as hub;

#[test]
fn tokens_are_issued_per_device_and_revoked_by_token_or_office() {
    let dir = tempfile::tempdir().expect("temp");
    let out = hub(dir.path(), &["token", "issue", "20335", "--json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let token = v["token"].as_str().expect("token").to_string();
    assert!(token.starts_with("dm_") && token.len() > 40);
    // A second device of the same office gets another token.
    let out2 = hub(dir.path(), &["token", "issue", "20335", "--json"]);
    let v2: serde_json::Value = serde_json::from_slice(&out2.stdout).expect("json");
    assert_ne!(v2["token"], v["token"]);
    // The token is stored only hashed.
    let db = std::fs::read(dir.path().join("hub.db")).expect("db");
    assert!(!db.windows(token.len()).any(|w| w == token.as_bytes()));
    let bad = hub(dir.path(), &["token", "issue", "99999"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("không có đơn vị"));
    assert!(hub(dir.path(), &["token", "revoke", &token])
        .status
        .success());
    let again = hub(dir.path(), &["token", "revoke", &token]);
    assert!(!again.status.success());
    let all = hub(dir.path(), &["token", "revoke", "20335"]);
    assert!(String::from_utf8_lossy(&all.stdout).contains("1 token"));
}

#[test]
fn org_show_and_import_speak_the_clients_json_shape() {
    let dir = tempfile::tempdir().expect("temp");
    let out = hub(dir.path(), &["org", "show", "--json"]);
    let units: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    // The built-in sample: Quảng Nam's 2024 structure continued by Đà Nẵng from 01/07/2025.
    assert_eq!(units[0]["code"], "48");
    assert_eq!(units[0]["kind"], "province");
    let qn = units
        .as_array()
        .and_then(|u| u.iter().find(|x| x["code"] == "49"));
    assert_eq!(qn.map(|x| x["successor"].clone()), Some("48".into()));
    assert!(units.as_array().is_some_and(|u| u
        .iter()
        .any(|x| x["name"] == "Xã Ch'ơm" || x["former"][0]["name"] == "Xã Ch'ơm")));
    let token = hub(dir.path(), &["token", "issue", "503", "--json"]);
    assert!(token.status.success());
    // Replacing it by Đà Nẵng's 2025 structure alone: the operator sees what would change,
    // and nothing happens without a confirmation.
    let args = ["org", "import", "Đà Nẵng", "--structure", "2025"];
    let plan = hub(dir.path(), &args);
    assert!(!plan.status.success(), "needs --yes without a terminal");
    let said = String::from_utf8_lossy(&plan.stdout);
    assert!(said.contains("Bỏ khỏi danh mục"), "{said}");
    assert!(
        said.contains("KHÔNG còn dùng được") && said.contains("Thành phố Hội An (503)"),
        "{said}"
    );
    assert!(String::from_utf8_lossy(&plan.stderr).contains("--yes"));
    let out = hub(dir.path(), &["org", "show", "--json"]);
    let still: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(still, units, "nothing changed");
    let imp = hub(dir.path(), &[&args[..], &["--yes"]].concat());
    assert!(
        imp.status.success(),
        "{}",
        String::from_utf8_lossy(&imp.stderr)
    );
    let out = hub(dir.path(), &["org", "show", "--json"]);
    let units: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(units[0]["code"], "48");
    assert!(units
        .as_array()
        .is_some_and(|u| u.iter().all(|x| x["code"] != "49")));
    // Back to the sample: the units of 2024 return, the 2025 communes get their earlier forms.
    let back = hub(dir.path(), &["org", "import", "49", "--yes"]);
    let said = String::from_utf8_lossy(&back.stdout);
    assert!(back.status.success() && said.contains("Thêm"), "{said}");
    assert!(said.contains("Đã nhập danh mục"), "{said}");
    let bad = hub(dir.path(), &["org", "import", "Atlantis"]);
    assert!(!bad.status.success());
}
