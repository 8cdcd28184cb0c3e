//! The operator commands of the real `doimoi-hub` binary, on a data folder with no hub running.

use crate::harness::operator as hub;
use crate::harness::{TestClient, TestHub};

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

/// A backup taken while offices sync (a storm of syncs from three offices), restored into an
/// empty folder and verified; the hub on it converges with every office: what they synced
/// after the backup comes back at their next sync.
#[test]
fn a_backup_during_a_sync_storm_restores_to_a_hub_every_office_converges_with() {
    let mut running = TestHub::spawn();
    let offices: Vec<TestClient> = ["20335", "20341", "502"]
        .iter()
        .map(|u| TestClient::new(u, &running.url, &running.token(u)))
        .collect();
    // Sở Nội vụ's new device (its token issued before the backup) will read the restored hub.
    let fresh = TestClient::new("49-SNV", &running.url, &running.token("49-SNV"));
    for (i, o) in offices.iter().enumerate() {
        o.new_proposal(&format!("Trước khi sao lưu {i}"), &[]);
        o.sync();
    }
    // The storm: each office keeps creating and syncing while the backup is taken.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let file = running
        .data
        .path()
        .join("..")
        .join(format!("doimoi-backup-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let offices: Vec<TestClient> = std::thread::scope(|s| {
        let storm: Vec<_> = offices
            .into_iter()
            .map(|o| {
                let stop = stop.clone();
                s.spawn(move || {
                    let mut n = 0;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) && n < 30 {
                        o.new_proposal(&format!("Trong lúc sao lưu {n}"), &[]);
                        o.sync();
                        n += 1;
                    }
                    o
                })
            })
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(300));
        let out = running.op(&["backup", file.to_str().expect("path")]);
        assert!(String::from_utf8_lossy(&out.stdout).contains("Đã sao lưu"));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        storm
            .into_iter()
            .map(|h| h.join().expect("office thread"))
            .collect()
    });
    // After the backup: more work, synced to the old hub only.
    let after: Vec<String> = offices
        .iter()
        .map(|o| {
            let id = o.new_proposal("Sau khi sao lưu", &[]);
            o.sync();
            id
        })
        .collect();
    // A backup is never written over.
    let again = doimoi_hub_op_fails(&running, &["backup", file.to_str().expect("path")]);
    assert!(again.contains("đã có"), "{again}");

    // The disk is lost: restore into an empty folder and serve from it on the same address.
    let restored = tempfile::tempdir().expect("dir");
    let out = hub(restored.path(), &["restore", file.to_str().expect("path")]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("mọi tài liệu đọc được") && said.contains("khớp"),
        "{said}"
    );
    // Restoring over a store is refused.
    let over = hub(restored.path(), &["restore", file.to_str().expect("path")]);
    assert!(!over.status.success());
    assert!(String::from_utf8_lossy(&over.stderr).contains("thư mục trống"));
    let path = restored.path().to_path_buf();
    running.reconfigure(|c| c.data = path);
    // The work done after the backup is not on the restored hub until the offices sync.
    fresh.sync();
    assert!(after.iter().all(|id| !fresh.ids().contains(id)));
    for o in &offices {
        let r = o.sync();
        assert_eq!(r["hub_restored"], true, "{r}");
    }
    fresh.sync();
    let mut all: Vec<String> = offices.iter().flat_map(|o| o.ids()).collect();
    all.sort();
    all.dedup();
    assert_eq!(
        fresh.ids(),
        all,
        "Sở Nội vụ sees every office's work on the restored hub"
    );
    for id in &after {
        assert!(fresh.ids().contains(id));
    }
    // And a second sync is quiet.
    for o in &offices {
        let r = o.sync();
        assert!(r.get("hub_restored").is_none(), "{r}");
        assert_eq!(r["docs_up"], 0);
    }
}

fn doimoi_hub_op_fails(running: &TestHub, args: &[&str]) -> String {
    let out = hub(running.data.path(), args);
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}
