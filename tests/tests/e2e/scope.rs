//! Scope and authentication: what an office may see and send.

use crate::harness::{TestClient, TestHub};
use doimoi_shared::wire::{self, Heads, PushDoc, SyncRequest, PROTOCOL_VERSION};

#[test]
fn a_commune_never_receives_another_communes_documents() {
    let hub = TestHub::spawn();
    let a = TestClient::new("20335", &hub.url, &hub.token("20335"));
    let b = TestClient::new("20341", &hub.url, &hub.token("20341"));
    let district = TestClient::new("502", &hub.url, &hub.token("502"));
    let other_district = TestClient::new("503", &hub.url, &hub.token("503"));
    let snv = TestClient::new("49-SNV", &hub.url, &hub.token("49-SNV"));
    let ida = a.new_proposal("Của phường Tân Thạnh", &[]);
    let idb = b.new_proposal("Của phường An Mỹ", &[]);
    a.sync();
    b.sync();
    a.sync();
    assert_eq!(a.ids(), vec![ida.clone()]);
    assert_eq!(b.ids(), vec![idb.clone()]);
    district.sync();
    let mut both = vec![ida, idb];
    both.sort();
    assert_eq!(district.ids(), both);
    other_district.sync();
    assert!(other_district.ids().is_empty());
    snv.sync();
    assert_eq!(snv.ids(), both);
}

/// Pushes a document file's bytes straight to the hub with a token (what a tampered client
/// could send).
fn raw_push(hub: &TestHub, token: &str, id: &str, bytes: Vec<u8>) -> (u16, String) {
    let (status, body) = raw_push_bytes(hub, token, id, bytes);
    (status, String::from_utf8_lossy(&body).to_string())
}

pub(crate) fn raw_push_bytes(
    hub: &TestHub,
    token: &str,
    id: &str,
    bytes: Vec<u8>,
) -> (u16, Vec<u8>) {
    let doc = automerge::Automerge::load(&bytes).expect("document");
    let heads = doc.get_heads();
    let kind = doimoi_shared::doc::kind_of(&doc).expect("a doimoi document");
    push(hub, token, id, kind, &[], bytes, &heads)
}

/// The outcome the hub gave the one document of a raw push (answered 200).
pub(crate) fn raw_push_outcome(
    hub: &TestHub,
    token: &str,
    id: &str,
    bytes: Vec<u8>,
) -> wire::Outcome {
    let (status, body) = raw_push_bytes(hub, token, id, bytes);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let resp: wire::SyncResponse = wire::decode(&body, 1 << 26).expect("response");
    resp.results[0].outcome.clone()
}

/// Pushes `changes` of a proposal on top of `have` straight to the hub, claiming `heads`.
fn raw_push_changes(
    hub: &TestHub,
    token: &str,
    id: &str,
    have: &[automerge::ChangeHash],
    changes: Vec<u8>,
    heads: &[automerge::ChangeHash],
) -> (u16, Vec<u8>) {
    let kind = doimoi_shared::doc::DocKind::Proposal;
    push(hub, token, id, kind, have, changes, heads)
}

fn push(
    hub: &TestHub,
    token: &str,
    id: &str,
    kind: doimoi_shared::doc::DocKind,
    have: &[automerge::ChangeHash],
    changes: Vec<u8>,
    heads: &[automerge::ChangeHash],
) -> (u16, Vec<u8>) {
    let req = SyncRequest {
        version: PROTOCOL_VERSION,
        push: vec![PushDoc {
            id: doimoi_shared::ids::DocId::parse(id).expect("a document id"),
            kind,
            have: Heads::from_hashes(have),
            changes: serde_bytes::ByteBuf::from(changes),
            heads: Heads::from_hashes(heads),
        }],
        ..SyncRequest::default()
    };
    let resp = reqwest::blocking::Client::new()
        .post(format!("{}/v1/sync", hub.url))
        .bearer_auth(token)
        .body(wire::encode(&req).expect("encode"))
        .send()
        .expect("send");
    let status = resp.status().as_u16();
    (status, resp.bytes().map(|b| b.to_vec()).unwrap_or_default())
}

#[test]
fn the_hub_itself_refuses_an_event_acting_as_another_unit() {
    let hub = TestHub::spawn();
    let commune = TestClient::new("20335", &hub.url, &hub.token("20335"));
    commune.before_the_reform();
    let id = commune.new_proposal("Đề xuất của Chủ tịch", &["--proposer-is-head"]);
    commune.ok(&["proposal", "submit", &id]);
    // The district's receipt written into the commune's copy (the client refuses to).
    let file = forge_district_receipt(&commune, &id);
    // Sent straight to the hub, past the client's own check.
    let (status, body) = raw_push_bytes(
        &hub,
        &hub.token("20335"),
        &id,
        std::fs::read(&file).expect("read"),
    );
    assert_eq!(status, 200);
    let resp: wire::SyncResponse = wire::decode(&body, 1 << 26).expect("response");
    match &resp.results[0].outcome {
        wire::Outcome::Rejected { change, reason } => {
            assert_eq!(change.len(), 64, "names the change");
            assert!(reason.contains("502") && reason.contains(&id), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(hub.metric("doimoi_documents"), 0, "nothing of it is stored");
    assert_eq!(hub.metric("doimoi_changes_rejected_total"), 1);
}

#[test]
fn a_commune_token_cannot_push_another_units_document() {
    let hub = TestHub::spawn();
    let b = TestClient::new("20341", &hub.url, &hub.token("20341"));
    let id = b.new_proposal("Của phường An Mỹ", &[]);
    let file = b.data.path().join("b.automerge");
    b.ok(&["export", &id, "-o", file.to_str().expect("path")]);
    let (status, body) = raw_push(
        &hub,
        &hub.token("20335"),
        &id,
        std::fs::read(&file).expect("read"),
    );
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("ngoài phạm vi") && body.contains(&id),
        "{body}"
    );
    assert_eq!(hub.metric("doimoi_documents"), 0, "nothing of it is stored");
    // Counted for the operator.
    assert_eq!(hub.metric("doimoi_out_of_scope_total"), 1);
}

#[test]
fn metrics_can_require_their_own_token() {
    let hub = TestHub::spawn_with_config("metrics_token = \"giam-sat-123\"");
    let get = |auth: Option<&str>| {
        let mut r = reqwest::blocking::Client::new().get(format!("{}/metrics", hub.url));
        if let Some(a) = auth {
            r = r.bearer_auth(a);
        }
        let resp = r.send().expect("metrics");
        (resp.status().as_u16(), resp.text().unwrap_or_default())
    };
    let (status, body) = get(None);
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("token giám sát"), "{body}");
    assert_eq!(get(Some("sai")).0, 401);
    // A device token is not the monitoring token either.
    assert_eq!(get(Some(&hub.token("20335"))).0, 401);
    let (status, body) = get(Some("giam-sat-123"));
    assert_eq!(status, 200);
    assert!(body.contains("doimoi_sync_requests_total"), "{body}");
}

/// The commune's copy of `id` with a receipt naming district 502 appended, written to a file.
fn forge_district_receipt(commune: &TestClient, id: &str) -> std::path::PathBuf {
    let file = commune.data.path().join("tampered.automerge");
    commune.ok(&["export", id, "-o", file.to_str().expect("path")]);
    let mut doc = automerge::Automerge::load(&std::fs::read(&file).expect("read")).expect("load");
    doc.set_actor(automerge::ActorId::from([0x42u8; 16]));
    let p = doimoi_shared::doc::proposal::read(&doc).expect("proposal");
    let (seq, prev) = p.next_position();
    let receipt = doimoi_shared::workflow::Event {
        id: "00000000000f0502".into(),
        seq,
        prev,
        at: p.events.last().map_or(0, |e| e.at + 1000),
        date: p.events.last().map(|e| e.date).expect("submitted"),
        unit: doimoi_shared::ids::UnitCode::parse("502").expect("unit"),
        by: String::new(),
        position: String::new(),
        note: String::new(),
        action: doimoi_shared::workflow::Action::Receive,
    };
    doimoi_shared::doc::proposal::append_event(&mut doc, &receipt).expect("append");
    std::fs::write(&file, doc.save()).expect("write");
    file
}

/// Commune 20335 and its district 502, and the commune chairman's own proposal (so the
/// district decides it), submitted and synced by the commune before 01/07/2025.
fn chairmans_proposal_synced(hub: &TestHub) -> (TestClient, TestClient, String) {
    let commune = TestClient::new("20335", &hub.url, &hub.token("20335"));
    let district = TestClient::new("502", &hub.url, &hub.token("502"));
    commune.before_the_reform();
    district.before_the_reform();
    let id = commune.new_proposal("Đề xuất của Chủ tịch", &["--proposer-is-head"]);
    commune.ok(&["proposal", "submit", &id]);
    commune.sync();
    (commune, district, id)
}

#[test]
fn an_event_acting_as_the_district_is_refused_and_the_local_copy_set_aside() {
    let hub = TestHub::spawn();
    let (commune, district, id) = chairmans_proposal_synced(&hub);
    // The district's receipt written into the commune's copy (the client refuses to record it,
    // so it comes in a file): set aside when the office syncs.
    let file = forge_district_receipt(&commune, &id);
    commune.ok(&["import", file.to_str().expect("path")]);
    let r = commune.sync();
    assert_eq!(r["refused"], serde_json::json!([id.clone()]));
    let refused = commune.json(&["refused", "list"]);
    assert!(
        refused[0]["reason"]
            .as_str()
            .is_some_and(|s| s.contains("502")),
        "{refused}"
    );
    // The hub's version (submitted) is back, and the refused copy can be exported.
    assert_eq!(commune.show(&id)["status"], "submitted");
    let out = commune.data.path().join("refused.automerge");
    commune.ok(&["refused", "export", "1", "-o", out.to_str().expect("path")]);
    assert!(std::fs::metadata(&out).is_ok_and(|m| m.len() > 0));
    // The office continues under a new actor: its next steps sync normally.
    commune.ok(&["comment", &id, "--text", "Xin lỗi, ghi nhầm"]);
    let again = commune.sync();
    assert_eq!(again["docs_up"], 1);
    assert_eq!(again["refused"], serde_json::json!([]));
    district.sync();
    assert_eq!(district.show(&id)["status"], "submitted");
    assert_eq!(
        district.show(&id)["comments"][0]["text"],
        "Xin lỗi, ghi nhầm"
    );
}

#[test]
fn a_revoked_or_unknown_token_is_refused_at_once() {
    let hub = TestHub::spawn();
    let token = hub.token("20335");
    let c = TestClient::new("20335", &hub.url, &token);
    c.new_proposal("Trước khi bị thu hồi", &[]);
    c.sync();
    hub.op(&["token", "revoke", &token]);
    c.new_proposal("Sau khi bị thu hồi", &[]);
    let err = c.fails(&["sync"]);
    assert!(err.contains("thu hồi"), "{err}");
    assert_eq!(c.json(&["status"])["last_error"]["kind"], "token_revoked");
    assert_eq!(c.ids().len(), 2, "local data stays");
    let stranger = TestClient::new("20335", &hub.url, "dm_not-a-real-token");
    let err = stranger.fails(&["sync"]);
    assert!(err.contains("Token không hợp lệ"), "{err}");
}

#[test]
fn a_forged_predecessor_cannot_erase_another_units_record() {
    use automerge::{ReadDoc, ROOT};
    let hub = TestHub::spawn();
    let (commune, district, id) = chairmans_proposal_synced(&hub);
    district.sync();
    let export = |name: &str| {
        let file = district.data.path().join(name);
        district.ok(&["export", &id, "-o", file.to_str().expect("path")]);
        automerge::Automerge::load(&std::fs::read(&file).expect("read")).expect("load")
    };
    let base = export("base.automerge");
    // The district's own receipt, honest, then rewritten: its new record names the commune's
    // submission as the op it replaces (Automerge would drop that record).
    district.ok(&["proposal", "receive", &id]);
    let honest = export("after.automerge");
    let mut change = honest
        .get_changes(&base.get_heads())
        .pop()
        .expect("the receipt")
        .decode();
    let Ok(Some((_, events))) = base.get(ROOT, "events") else {
        panic!("events list")
    };
    let Ok(Some((_, automerge::ObjId::Id(counter, actor, _)))) = base.get(&events, 0) else {
        panic!("the submission")
    };
    let insert = change
        .operations
        .iter_mut()
        .find(|op| op.insert)
        .expect("the record's insert");
    insert.pred = vec![automerge::legacy::OpId(counter, actor)].into();
    change.hash = None;
    let change = automerge::Change::from(change);
    let mut forged = base.clone();
    forged.apply_changes([change.clone()]).expect("apply");
    assert_eq!(
        forged.length(&events),
        1,
        "the forgery drops the submission"
    );
    // Sent whole, or as the one change on top of the hub's version: the hub refuses the
    // document (the record is gone, or Automerge itself panics reading the forgery back),
    // hands back its own version, and never fails the request.
    let token = hub.token("502");
    for (have, bytes) in [
        (Vec::new(), forged.save()),
        (base.get_heads(), change.raw_bytes().to_vec()),
    ] {
        let (status, body) = raw_push_changes(&hub, &token, &id, &have, bytes, &[change.hash()]);
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let resp: wire::SyncResponse = wire::decode(&body, 1 << 26).expect("response");
        let result = &resp.results[0];
        match &result.outcome {
            wire::Outcome::Rejected { reason, .. } => {
                assert!(
                    reason.contains("không được xóa") || reason.contains("không đọc được"),
                    "{reason}"
                )
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        let theirs = automerge::Automerge::load(&result.changes).expect("the hub's version");
        assert_eq!(theirs.get_heads(), base.get_heads());
    }
    // The hub's copy still has the commune's submission, and only it.
    commune.sync();
    let shown = commune.json(&["proposal", "show", &id]);
    assert_eq!(shown["events"].as_array().map(Vec::len), Some(1), "{shown}");
}
