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

/// `doimoi-hub user add NAME --unit UNIT --role ROLE --password-stdin` with `password`.
fn user_add(
    dir: &std::path::Path,
    name: &str,
    unit: &str,
    role: &str,
    password: &str,
) -> std::process::Output {
    crate::harness::operator_with_input(
        dir,
        &[
            "user",
            "add",
            name,
            "--unit",
            unit,
            "--role",
            role,
            "--password-stdin",
        ],
        &format!("{password}\n"),
    )
}

fn said(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn people_s_accounts_are_added_listed_given_a_new_password_and_removed() {
    let dir = tempfile::tempdir().expect("temp");
    let ok = user_add(
        dir.path(),
        "Nguyen.Van.An",
        "502",
        "viewer",
        "Tam Kỳ xanh sạch 2026",
    );
    assert!(ok.status.success(), "{}", said(&ok));
    assert!(said(&ok).contains("Thành phố Tam Kỳ"), "{}", said(&ok));
    // The password is stored as an Argon2id hash only.
    let db = std::fs::read(dir.path().join("hub.db")).expect("db");
    let plain = "Tam Kỳ xanh sạch 2026".as_bytes();
    assert!(!db.windows(plain.len()).any(|w| w == plain));
    assert!(db.windows(10).any(|w| w == b"$argon2id$"));
    // Refusals, in Vietnamese, with a status that says so; nothing is created.
    for (args, says) in [
        (("binh", "502", "viewer", "ngắn"), "ít nhất 10 ký tự"),
        (
            ("binh", "99999", "viewer", "một mật khẩu đủ dài"),
            "không có đơn vị mã \"99999\"",
        ),
        (
            ("binh", "502", "root", "một mật khẩu đủ dài"),
            "vai trò \"root\" không hợp lệ",
        ),
        (
            ("nguyễn", "502", "viewer", "một mật khẩu đủ dài"),
            "tên đăng nhập",
        ),
        (
            ("nguyen.van.an", "502", "admin", "một mật khẩu đủ dài"),
            "đã có tài khoản",
        ),
    ] {
        let out = user_add(dir.path(), args.0, args.1, args.2, args.3);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("Lỗi: ") && err.contains(says),
            "{args:?}: {err}"
        );
    }
    let admin = user_add(
        dir.path(),
        "snv.admin",
        "49-SNV",
        "admin",
        "Sở Nội vụ quản trị",
    );
    assert!(admin.status.success(), "{}", said(&admin));
    let list = hub(dir.path(), &["user", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    let rows = v.as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{v}");
    assert_eq!(rows[0]["name"], "nguyen.van.an");
    assert_eq!(rows[0]["unit"], "502");
    assert_eq!(rows[0]["role"], "viewer");
    assert_eq!(rows[1]["role"], "admin");
    assert_eq!(rows[1]["unit_name"], "Sở Nội vụ");
    let text = said(&hub(dir.path(), &["user", "list"]));
    assert!(
        text.contains("2 tài khoản") && text.contains("quản trị"),
        "{text}"
    );
    // A new password; the weak one is refused first.
    let weak = crate::harness::operator_with_input(
        dir.path(),
        &["user", "passwd", "nguyen.van.an", "--password-stdin"],
        "aaaaaaaaaaaa\n",
    );
    assert!(!weak.status.success());
    assert!(said(&weak).contains("dễ đoán"), "{}", said(&weak));
    let passwd = crate::harness::operator_with_input(
        dir.path(),
        &["user", "passwd", "nguyen.van.an", "--password-stdin"],
        "Một câu mới dễ nhớ\n",
    );
    assert!(passwd.status.success(), "{}", said(&passwd));
    let unknown = crate::harness::operator_with_input(
        dir.path(),
        &["user", "passwd", "khong.co", "--password-stdin"],
        "Một câu mới dễ nhớ\n",
    );
    assert!(!unknown.status.success());
    assert!(said(&unknown).contains("không có tài khoản"));
    assert!(hub(dir.path(), &["user", "remove", "nguyen.van.an"])
        .status
        .success());
    let again = hub(dir.path(), &["user", "remove", "nguyen.van.an"]);
    assert!(!again.status.success());
    assert!(said(&again).contains("không có tài khoản \"nguyen.van.an\""));
}

#[test]
fn token_list_shows_each_device_and_revoking_what_does_not_exist_is_an_error() {
    let dir = tempfile::tempdir().expect("temp");
    let issue = |unit: &str| {
        let out = hub(dir.path(), &["token", "issue", unit, "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        v["token"].as_str().expect("token").to_string()
    };
    let empty = hub(dir.path(), &["token", "list"]);
    assert!(empty.status.success());
    assert!(said(&empty).contains("Chưa cấp token nào"));
    let first = issue("20335");
    let _second = issue("502");
    assert!(hub(dir.path(), &["token", "revoke", &first])
        .status
        .success());
    let list = hub(dir.path(), &["token", "list", "--json"]);
    assert!(list.status.success());
    let v: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    let rows = v.as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{v}");
    assert_eq!(rows[0]["unit"], "20335");
    assert_eq!(rows[0]["unit_name"], "Phường Bàn Thạch");
    assert_eq!(rows[0]["revoked"], true);
    assert!(rows[0]["revoked_at"].is_string());
    assert!(rows[0]["issued_at"]
        .as_str()
        .is_some_and(|t| t.ends_with("+07:00")));
    assert_eq!(rows[0]["last_sync_at"], serde_json::Value::Null);
    assert_eq!(rows[1]["unit"], "502");
    assert_eq!(rows[1]["revoked"], false);
    assert!(rows[0]["device"].as_i64() < rows[1]["device"].as_i64());
    // No token is ever shown again, not even hashed.
    assert!(!String::from_utf8_lossy(&list.stdout).contains(&first));
    let text = said(&hub(dir.path(), &["token", "list"]));
    for part in [
        "2 token (1 đang dùng, 1 đã thu hồi)",
        "20335 Phường Bàn Thạch",
        "502 Thành phố Tam Kỳ",
        "chưa đồng bộ",
        "đã thu hồi",
        "đang dùng",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    // Revoking what does not exist: an error, in Vietnamese, and nothing changes.
    for (what, says) in [
        (
            "dm_0000000000000000000000000000000000000000",
            "máy chủ không cấp token này",
        ),
        (first.as_str(), "đã bị thu hồi từ trước"),
        ("20341", "không có token nào đang hiệu lực"),
        ("99999", "không có đơn vị mã \"99999\""),
        ("tam ky", "không phải token"),
    ] {
        let out = hub(dir.path(), &["token", "revoke", what]);
        assert!(!out.status.success(), "{what}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("Lỗi: ") && err.contains(says),
            "{what}: {err}"
        );
    }
    let after: serde_json::Value =
        serde_json::from_slice(&hub(dir.path(), &["token", "list", "--json"]).stdout)
            .expect("json");
    assert_eq!(after, v);
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
