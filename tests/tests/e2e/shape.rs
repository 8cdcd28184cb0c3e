//! What a sync sends, as the office stored it: a new device's first pull takes the documents
//! whole with the feed, page by page; an office's changes go as they were written, and a
//! document compacted with changes the hub lacks still goes whole and checked; the hub holds
//! the same documents either way.

use crate::harness::*;

#[test]
fn a_new_device_takes_the_documents_whole_with_the_feed_page_by_page() {
    let hub = TestHub::spawn();
    let a = TestClient::new("20335", &hub.url, &hub.token("20335"));
    let ids: Vec<String> = (0..5)
        .map(|i| a.new_proposal(&format!("Số hóa hồ sơ một cửa, đợt {i}"), &[]))
        .collect();
    a.ok(&[
        "proposal",
        "comment",
        &ids[0],
        "--text",
        "Đề nghị nhân rộng",
    ]);
    assert_eq!(a.sync()["docs_up"], 5);

    // Pages of two: three round trips, each answer carrying its feed entries' documents; the
    // device asks for none of them by name.
    let b = TestClient::new("20335", &hub.url, &hub.token("20335"));
    let out = b
        .cmd(&["sync", "--json"])
        .env("DOIMOI_SYNC_PAGE", "2")
        .output()
        .expect("sync");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(r["docs_down"], 5, "{r}");
    assert_eq!(r["round_trips"], 3, "{r}");
    assert!(
        r["bytes_up"].as_u64() < Some(600),
        "no pull request names the documents: {r}"
    );
    let mut want = ids.clone();
    want.sort();
    assert_eq!(b.ids(), want);
    for id in &ids {
        assert_eq!(b.show(id), a.show(id));
    }
    assert_eq!(b.json(&["status"])["pending_changes"], 0);
    // Nothing left: one round trip, nothing moved.
    let again = b.sync();
    assert_eq!(
        (again["round_trips"].as_u64(), again["docs_down"].as_u64()),
        (Some(1), Some(0))
    );

    // Later news comes the usual way: the feed names it, the device pulls it.
    a.ok(&["proposal", "comment", &ids[1], "--text", "Bổ sung kinh phí"]);
    a.sync();
    let news = b.sync();
    assert_eq!(news["docs_down"], 1, "{news}");
    assert_eq!(news["round_trips"], 2, "{news}");
    assert_eq!(b.show(&ids[1]), a.show(&ids[1]));
}

#[test]
fn changes_go_as_written_and_past_a_compaction_go_whole_and_checked() {
    let hub = TestHub::spawn();
    let a = TestClient::new("20335", &hub.url, &hub.token("20335"));
    let id = a.new_proposal("Số hóa sổ hộ tịch", &[]);
    a.sync();
    // A few comments after the hub confirmed the document: each stored as the change it is,
    // pushed as such (a few hundred bytes, not the document).
    for i in 0..3 {
        a.ok(&["proposal", "comment", &id, "--text", &format!("Ý kiến {i}")]);
    }
    let small = a.sync();
    assert_eq!(small["docs_up"], 1);
    assert!(
        small["bytes_up"].as_u64() < Some(2_000),
        "three comments, not the whole document: {small}"
    );
    // Forty more offline: the store folds them into a new snapshot on the way (32 changes),
    // so the office computes what the hub lacks from the document itself.
    for i in 0..40 {
        a.ok(&[
            "proposal",
            "comment",
            &id,
            "--text",
            &format!("Ý kiến bổ sung {i}"),
        ]);
    }
    assert_eq!(a.sync()["docs_up"], 1);
    assert_eq!(a.json(&["status"])["pending_changes"], 0);
    let b = TestClient::new("20335", &hub.url, &hub.token("20335"));
    b.sync();
    let seen = b.show(&id);
    assert_eq!(
        seen["comments"].as_array().map(Vec::len),
        Some(43),
        "{seen}"
    );
    assert_eq!(seen, a.show(&id));
    // And the next change goes as written again.
    a.ok(&["proposal", "comment", &id, "--text", "Ý kiến cuối"]);
    let last = a.sync();
    assert!(last["bytes_up"].as_u64() < Some(2_000), "{last}");
    b.sync();
    assert_eq!(b.show(&id), a.show(&id));
}
