//! Cut-off responses, a hub killed mid-sync, malformed requests: retries converge, nothing is
//! lost or doubled, bad input gets a clear 4xx.

use crate::harness::{CutProxy, HoldProxy, ProcessHub, TestClient, TestHub};
use std::time::Duration;

#[test]
fn a_sync_cut_off_in_the_middle_of_the_response_converges_on_retry() {
    let hub = TestHub::spawn();
    let token = hub.token("20335");
    let proxy = CutProxy::start(hub.port);
    let via_proxy = TestClient::new("20335", &proxy.url, &token);
    let ids: Vec<String> = (0..5)
        .map(|i| via_proxy.new_proposal(&format!("Đề xuất {i}"), &[]))
        .collect();
    for id in &ids {
        via_proxy.ok(&["proposal", "submit", id]);
    }
    let err = via_proxy.fails(&["sync"]);
    assert!(!err.is_empty());
    // The hub applied the request; the client did not hear it. Retrying directly converges.
    via_proxy.ok(&["init", "--unit", "20335", "--hub", &hub.url]);
    let r = via_proxy.sync();
    assert_eq!(r["docs_up"], 5);
    let second = TestClient::new("20335", &hub.url, &hub.token("20335"));
    second.sync();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(second.ids(), expected);
    for id in &ids {
        let a = via_proxy.show(id);
        assert_eq!(a, second.show(id));
        assert_eq!(
            a["events"].as_array().map(Vec::len),
            Some(1),
            "no event doubled"
        );
    }
    assert_eq!(via_proxy.json(&["status"])["pending_changes"], 0);
}

#[test]
fn a_hub_killed_and_restarted_mid_sync_loses_and_doubles_nothing() {
    // A process, so that it can be killed with SIGKILL.
    let mut hub = ProcessHub::spawn();
    let token = hub.token("20335");
    // The sync's first round trip passes; the hub stores the second page and answers, but the
    // proxy holds the answer back: the sync is still waiting for it when the hub is killed, and
    // fails when the proxy then closes the connection without it.
    // Three requests pass: `doimoi init`'s check of /healthz, the sync's own check of it,
    // and the sync's first round trip.
    let proxy = HoldProxy::start(hub.port, 3);
    let c = TestClient::new("20335", &proxy.url, &token);
    // Enough documents for several pages (of 20, see DOIMOI_SYNC_PAGE below).
    let (n, page) = (80, 20);
    let file = c.data.path().join("many.toml");
    std::fs::write(
        &file,
        "title = \"Đề xuất hàng loạt\"\nproposer = \"Lê Văn B\"\n",
    )
    .expect("write");
    for _ in 0..n {
        c.ok(&["proposal", "new", "--file", file.to_str().expect("path")]);
    }
    let mut sync = c
        .cmd(&["sync"])
        .env("DOIMOI_SYNC_PAGE", page.to_string())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn sync");
    proxy.wait_held(Duration::from_secs(120));
    assert_eq!(
        hub.metric("doimoi_documents"),
        2 * page,
        "two pages of four stored"
    );
    assert!(
        sync.try_wait().expect("poll the sync").is_none(),
        "the sync is under way when the hub is killed"
    );
    hub.kill();
    proxy.cut();
    let cut = sync.wait_with_output().expect("the sync ends");
    let err = String::from_utf8_lossy(&cut.stderr);
    assert_eq!(
        cut.status.code(),
        Some(5),
        "the sync under way failed: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(c.json(&["status"])["last_error"]["kind"], "unreachable");
    assert!(c.json(&["status"])["pending_changes"].as_u64() > Some(0));
    hub.restart();
    assert_eq!(
        hub.metric("doimoi_documents"),
        2 * page,
        "every page the hub answered survived the kill"
    );
    let r = c.sync();
    assert!(r["round_trips"].as_u64() >= Some(1));
    assert_eq!(c.json(&["status"])["pending_changes"], 0);
    assert_eq!(hub.metric("doimoi_documents"), n);
    let other = TestClient::new("20335", &hub.url, &hub.token("20335"));
    other.sync();
    assert_eq!(other.ids(), c.ids());
}

#[test]
fn malformed_truncated_and_oversized_requests_get_a_clear_4xx() {
    // A 1 MB limit, so the over-limit body fits in the socket buffers: the client has sent it
    // all before the hub answers 413 and closes (a 70 MB body races the close and may see a
    // reset instead of the answer).
    let hub = TestHub::spawn_with_config("max_body_bytes = 1048576\n");
    let token = hub.token("20335");
    let client = reqwest::blocking::Client::new();
    let post = |body: Vec<u8>, auth: Option<&str>| {
        let mut req = client.post(format!("{}/v1/sync", hub.url)).body(body);
        if let Some(t) = auth {
            req = req.bearer_auth(t);
        }
        let resp = req.send().expect("send");
        (resp.status().as_u16(), resp.text().unwrap_or_default())
    };
    let (s, body) = post(b"not gzip at all".to_vec(), Some(&token));
    assert_eq!(s, 400, "{body}");
    assert!(body.contains("không đọc được"), "{body}");
    let good = doimoi_shared::wire::encode(&doimoi_shared::wire::SyncRequest {
        version: doimoi_shared::wire::PROTOCOL_VERSION,
        ..Default::default()
    })
    .expect("encode");
    let (s, _) = post(good[..good.len() / 2].to_vec(), Some(&token));
    assert_eq!(s, 400);
    let wrong_version = doimoi_shared::wire::encode(&doimoi_shared::wire::SyncRequest {
        version: 99,
        ..Default::default()
    })
    .expect("encode");
    let (s, body) = post(wrong_version, Some(&token));
    assert_eq!(s, 400);
    assert!(body.contains("Phiên bản giao thức 99"), "{body}");
    let (s, body) = post(good.clone(), None);
    assert_eq!(s, 401);
    assert!(body.contains("Thiếu token"), "{body}");
    let (s, body) = post(vec![0u8; 1024 * 1024 + 1], Some(&token));
    assert_eq!(s, 413, "{body}");
    assert!(body.contains("giới hạn 1 MB"), "{body}");
    let (s, _) = post(good.clone(), Some(&token));
    assert_eq!(s, 200);
    // The body's compression is named by Content-Encoding (gzip when unnamed, as above): an
    // encoding the hub cannot read is refused by name, a zstd body is read and answered in
    // zstd when asked for, in gzip otherwise.
    let send = |body: Vec<u8>, encoding: &str, accept: Option<&str>| {
        let mut req = client
            .post(format!("{}/v1/sync", hub.url))
            .bearer_auth(&token)
            .header("content-encoding", encoding)
            .body(body);
        if let Some(a) = accept {
            req = req.header("accept-encoding", a);
        }
        let resp = req.send().expect("send");
        let status = resp.status().as_u16();
        let answered = resp
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap_or_default().to_string());
        (status, answered, resp.bytes().expect("body").to_vec())
    };
    let (s, _, body) = send(good.clone(), "br", None);
    assert_eq!(s, 415);
    let error: serde_json::Value = serde_json::from_slice(&body).expect("error body");
    let message = error["message"].as_str().unwrap_or_default();
    assert_eq!(error["code"], "unsupported_encoding");
    assert!(
        message.contains("\"br\"") && message.contains("zstd"),
        "{message}"
    );
    let request = doimoi_shared::wire::SyncRequest {
        version: doimoi_shared::wire::PROTOCOL_VERSION,
        ..Default::default()
    };
    let zstd = doimoi_shared::wire::Encoding::Zstd;
    let body = doimoi_shared::wire::encode_as(&request, zstd).expect("encode");
    let (s, answered, bytes) = send(body.clone(), "zstd", Some("gzip, zstd"));
    assert_eq!((s, answered.as_deref()), (200, Some("zstd")));
    let resp: doimoi_shared::wire::SyncResponse =
        doimoi_shared::wire::decode_as(&bytes, 1 << 26, zstd).expect("zstd answer");
    assert_eq!(resp.version, doimoi_shared::wire::PROTOCOL_VERSION);
    let (s, answered, bytes) = send(body, "zstd", None);
    assert_eq!((s, answered.as_deref()), (200, Some("gzip")));
    let _: doimoi_shared::wire::SyncResponse =
        doimoi_shared::wire::decode(&bytes, 1 << 26).expect("gzip answer");
    let (s, _, _) = send(good[..good.len() / 2].to_vec(), "zstd", None);
    assert_eq!(s, 400);
    let health = reqwest::blocking::get(format!("{}/healthz", hub.url)).expect("healthz");
    assert_eq!(health.status().as_u16(), 200);
}

#[test]
fn a_wrong_token_or_hub_address_is_told_as_such() {
    let hub = TestHub::spawn();
    let o = TestClient::new("20335", &hub.url, "dm_not_a_real_token");
    let err = o.fails(&["sync"]);
    assert!(err.contains("token không đúng"), "{err}");
    assert!(!err.contains("mạng"), "{err}");
    let o = TestClient::init(&[
        "--unit",
        "20335",
        "--hub",
        "http://doimoi-no-such-host.invalid:8787",
        "--token",
        "dm_x",
    ]);
    let err = o.fails(&["sync"]);
    assert!(err.contains("không tìm thấy máy chủ"), "{err}");
}

/// A refusal sets aside only the refused change: a district's copy holds a forbidden edit of the
/// commune's title (made past the client, e.g. by a tampered tool) and, after it, the district's
/// legitimate comment. The sync refuses the edit, keeps the whole copy aside, and the comment
/// still reaches the hub and the commune.
#[test]
fn a_refused_change_does_not_take_the_offices_other_work_with_it() {
    let hub = TestHub::spawn();
    let commune = TestClient::new("20335", &hub.url, &hub.token("20335"));
    let district = TestClient::new("502", &hub.url, &hub.token("502"));
    let id = commune.new_proposal("Số hóa hồ sơ một cửa", &[]);
    commune.sync();
    district.sync();
    // A comment before the bad change.
    district.ok(&["comment", &id, "--text", "Đề nghị bổ sung dự toán"]);
    // The forbidden edit, brought in by file with an actor of its own.
    let file = district.data.path().join("copy.automerge");
    district.ok(&["export", &id, "-o", file.to_str().expect("path")]);
    let mut doc = automerge::Automerge::load(&std::fs::read(&file).expect("read")).expect("load");
    doc.set_actor(automerge::ActorId::from([0x66u8; 16]));
    {
        use automerge::transaction::Transactable;
        let mut tx = doc.transaction();
        tx.put(automerge::ROOT, "title", "Tên do huyện sửa")
            .expect("put");
        tx.commit();
    }
    std::fs::write(&file, doc.save()).expect("write");
    district.ok(&["import", file.to_str().expect("path")]);
    // The district's legitimate comment, after it (it depends on the bad change).
    district.ok(&[
        "comment",
        &id,
        "--text",
        "Đồng ý chủ trương, đề nghị triển khai",
    ]);
    let r = district.sync();
    assert_eq!(r["refused"], serde_json::json!([id.clone()]), "{r}");
    assert_eq!(r["salvaged"], serde_json::json!([id.clone()]), "{r}");
    let text = district.ok(&["refused", "list"]);
    assert!(text.contains(&id), "{text}");
    commune.sync();
    let seen = commune.show(&id);
    assert_eq!(seen["title"], "Số hóa hồ sơ một cửa");
    let comments: Vec<String> = seen["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .map(|c| c["text"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        comments,
        vec![
            "Đề nghị bổ sung dự toán".to_string(),
            "Đồng ý chủ trương, đề nghị triển khai".to_string()
        ]
    );
    // The district's copy agrees with the hub; nothing is left pending.
    assert_eq!(district.show(&id)["title"], "Số hóa hồ sơ một cửa");
    assert_eq!(district.json(&["status"])["pending_changes"], 0);
}
