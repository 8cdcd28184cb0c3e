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
    assert_eq!(units[0]["code"], "49");
    assert_eq!(units[0]["kind"], "province");
    assert!(units
        .as_array()
        .is_some_and(|u| u.iter().any(|x| x["name"] == "Xã Ch'ơm")));
    let imp = hub(
        dir.path(),
        &["org", "import", "Đà Nẵng", "--structure", "2025"],
    );
    assert!(
        imp.status.success(),
        "{}",
        String::from_utf8_lossy(&imp.stderr)
    );
    let out = hub(dir.path(), &["org", "show", "--json"]);
    let units: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(units[0]["code"], "48");
    let bad = hub(dir.path(), &["org", "import", "Atlantis"]);
    assert!(!bad.status.success());
}
