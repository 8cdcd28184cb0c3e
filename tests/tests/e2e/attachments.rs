//! Attachments travel: a commune's file, attached offline, reaches the district and Sở Nội vụ
//! byte for byte; the hub refuses bytes that are not the file the documents name; a cut upload
//! and a cut download resume; an office outside the document's scope cannot fetch it.

use crate::harness::{BlobProxy, TestClient, TestHub};
use serde_json::Value;
use std::path::Path;

const MIB: usize = 1024 * 1024;

/// PDF-like bytes: a header, `len` bytes of a seeded sequence, an end marker.
fn pdf(len: usize, seed: u64) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    while out.len() < len - 6 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len - 6);
    out.extend_from_slice(b"%%EOF\n");
    out
}

/// The commune's proposal with `bytes` attached as `name`; returns (id, sha256).
fn attach(commune: &TestClient, name: &str, bytes: &[u8]) -> (String, String) {
    let id = commune.new_proposal("Số hóa hồ sơ một cửa", &[]);
    let file = commune.data.path().join(name);
    std::fs::write(&file, bytes).expect("write the file");
    let out = commune.json(&["proposal", "attach", &id, &file.display().to_string()]);
    let sha = out["sha256"].as_str().expect("sha256").to_string();
    assert_eq!(out["size"], bytes.len());
    (id, sha)
}

/// Writes the attachment out at `office` and returns its bytes.
fn written_out(office: &TestClient, id: &str, name: &str) -> Vec<u8> {
    let out = office.data.path().join(format!("out-{name}"));
    office.ok(&[
        "proposal",
        "attachment",
        id,
        name,
        "-o",
        &out.display().to_string(),
    ]);
    std::fs::read(&out).expect("read the written file")
}

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::new()
}

fn code(resp: reqwest::blocking::Response) -> (u16, String) {
    let status = resp.status().as_u16();
    let body: Value = resp
        .bytes()
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    (
        status,
        body["code"].as_str().unwrap_or_default().to_string(),
    )
}

fn offset(resp: &reqwest::blocking::Response) -> u64 {
    resp.headers()
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Upload-Offset")
}

#[test]
fn a_pdf_attached_offline_reaches_the_district_and_so_noi_vu_byte_identical() {
    let hub = TestHub::spawn();
    // Attached with no network at all.
    let commune = TestClient::offline("20335");
    let bytes = pdf(5 * MIB, 1);
    let (id, sha) = attach(&commune, "quyet-dinh.pdf", &bytes);
    // Not on the hub: written out here from the local copy.
    assert_eq!(written_out(&commune, &id, "quyet-dinh.pdf"), bytes);
    commune.ok(&[
        "init",
        "--unit",
        "20335",
        "--hub",
        &hub.url,
        "--token",
        &hub.token("20335"),
    ]);
    let up = commune.sync();
    assert_eq!(up["docs_up"], 1);
    assert_eq!(up["blobs_up"], 1, "{up}");
    assert_eq!(up["blob_bytes_up"], 5 * MIB);
    // Stored once, under its hash.
    let stored = hub
        .data
        .path()
        .join("blobs")
        .join(&sha[..2])
        .join(&sha[2..]);
    assert_eq!(std::fs::read(&stored).expect("the hub's file"), bytes);
    // Nothing more to send.
    let again = commune.sync();
    assert_eq!(again["blobs_up"], 0);
    assert_eq!(again["blobs_waiting"], 0);
    for unit in ["502", "49-SNV"] {
        let office = TestClient::new(unit, &hub.url, &hub.token(unit));
        let down = office.sync();
        assert_eq!(down["blobs_down"], 1, "{unit}: {down}");
        assert_eq!(down["blob_bytes_down"], 5 * MIB);
        let text = office.ok(&["sync"]);
        assert!(text.contains("Đồng bộ xong"), "{text}");
        assert_eq!(written_out(&office, &id, "quyet-dinh.pdf"), bytes, "{unit}");
        // By a prefix of the hash too.
        let by_hash = office.data.path().join("by-hash.pdf");
        office.ok(&[
            "proposal",
            "attachment",
            &id,
            &sha[..8],
            "-o",
            &by_hash.display().to_string(),
        ]);
        assert_eq!(std::fs::read(&by_hash).expect("read"), bytes);
        let err = office.fails(&["proposal", "attachment", &id, "bien-ban.pdf", "-o", "x"]);
        assert!(
            err.contains("không có tệp đính kèm tên \"bien-ban.pdf\"")
                && err.contains("quyet-dinh.pdf"),
            "{err}"
        );
    }
    // A second proposal with the same file: stored once on the hub, no bytes sent again.
    let (_, sha2) = attach(&commune, "quyet-dinh-ban-sao.pdf", &bytes);
    assert_eq!(sha2, sha);
    let dup = commune.sync();
    assert_eq!(dup["blobs_up"], 0, "{dup}");
    // A file over the 20 MiB limit is refused at once, offline.
    let big = commune.data.path().join("lon.pdf");
    std::fs::write(&big, vec![0u8; 20 * MIB + 1]).expect("write");
    let err = commune.fails(&["proposal", "attach", &id, &big.display().to_string()]);
    assert!(err.contains("giới hạn"), "{err}");
}

#[test]
fn tampered_bytes_are_refused_cut_transfers_resume_and_other_districts_cannot_fetch() {
    let hub = TestHub::spawn();
    let token = hub.token("20335");
    // The commune's blob transfers fail (503): the document reaches the hub, the bytes do not.
    let blocked = BlobProxy::start(hub.port, true);
    let commune = TestClient::new("20335", &blocked.url, &token);
    let bytes = pdf(5 * MIB, 2);
    let (id, sha) = attach(&commune, "ke-hoach.pdf", &bytes);
    let r = commune.sync();
    assert_eq!(r["docs_up"], 1);
    assert_eq!(r["blobs_up"], 0);
    assert!(r["blob_error"].is_string(), "{r}");
    let url = format!("{}/v1/blobs/{sha}", hub.url);

    // The district, before the bytes are on the hub: told to sync later.
    let district = TestClient::new("502", &hub.url, &hub.token("502"));
    let d = district.sync();
    assert_eq!(d["blobs_down"], 0);
    assert_eq!(d["blobs_waiting"], 1, "{d}");
    let err = district.fails(&["proposal", "attachment", &id, "ke-hoach.pdf", "-o", "x.pdf"]);
    assert!(
        err.contains("chưa tải về") && err.contains("hãy đồng bộ"),
        "{err}"
    );

    // Other bytes under this hash: refused, nothing kept.
    let mut tampered = bytes.clone();
    tampered[1000] ^= 0xff;
    let resp = http()
        .put(&url)
        .bearer_auth(hub.token("502"))
        .body(tampered)
        .send()
        .expect("put");
    assert_eq!(code(resp), (422, "hash_mismatch".into()));
    let head = http().head(&url).bearer_auth(&token).send().expect("head");
    assert_eq!(head.status().as_u16(), 404);
    assert_eq!(offset(&head), 0);

    // An upload cut after 2 MiB: the hub keeps what arrived, and says so.
    let resp = http()
        .put(format!("{url}?offset=0"))
        .bearer_auth(&token)
        .body(bytes[..2 * MIB].to_vec())
        .send()
        .expect("put");
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(offset(&resp), 2 * MIB as u64);
    let resp = http()
        .put(format!("{url}?offset=0"))
        .bearer_auth(&token)
        .body(bytes.clone())
        .send()
        .expect("put");
    assert_eq!(offset(&resp), 2 * MIB as u64);
    assert_eq!(code(resp), (409, "upload_conflict".into()));
    // The commune's next sync sends only the rest.
    commune.ok(&["init", "--unit", "20335", "--hub", &hub.url]);
    let r = commune.sync();
    assert_eq!(r["blobs_up"], 1, "{r}");
    assert_eq!(r["blob_bytes_up"], 3 * MIB, "resumed from 2 MiB: {r}");

    // Another district's office: no document of its scope names this file.
    for unit in ["503", "20341"] {
        let other = hub.token(unit);
        let (status, c) = code(http().get(&url).bearer_auth(&other).send().expect("get"));
        assert_eq!((status, c.as_str()), (403, "out_of_scope"), "{unit}");
        let head = http().head(&url).bearer_auth(&other).send().expect("head");
        assert_eq!(head.status().as_u16(), 403);
        // (A small body: the hub answers before reading one.)
        let put = http()
            .put(&url)
            .bearer_auth(&other)
            .body(bytes[..1000].to_vec())
            .send()
            .expect("put");
        assert_eq!(code(put), (403, "out_of_scope".into()));
    }
    // Without a token, nothing.
    assert_eq!(http().get(&url).send().expect("get").status().as_u16(), 401);
    // A range, as a resuming download asks.
    let part = http()
        .get(&url)
        .bearer_auth(hub.token("502"))
        .header("range", format!("bytes={}-", 5 * MIB - 10))
        .send()
        .expect("get");
    assert_eq!(part.status().as_u16(), 206);
    assert_eq!(part.bytes().expect("body").as_ref(), &bytes[5 * MIB - 10..]);

    // The district's download is cut halfway; the next sync fetches only the rest.
    let cutting = BlobProxy::start(hub.port, false);
    district.ok(&["init", "--unit", "502", "--hub", &cutting.url]);
    let d = district.sync();
    assert_eq!(d["blobs_down"], 0, "{d}");
    assert!(d["blob_error"].is_string(), "{d}");
    let kept = partial_len(district.data.path(), &sha);
    assert!(
        kept > 0 && kept < 5 * MIB as u64,
        "partial download kept: {kept}"
    );
    let d = district.sync();
    assert_eq!(d["blobs_down"], 1, "{d}");
    assert_eq!(d["blob_bytes_down"], 5 * MIB as u64 - kept, "{d}");
    assert_eq!(written_out(&district, &id, "ke-hoach.pdf"), bytes);

    // The hub's copy damaged on its disk: an office refuses it, stores nothing, says so.
    let stored = hub
        .data
        .path()
        .join("blobs")
        .join(&sha[..2])
        .join(&sha[2..]);
    let mut damaged = std::fs::read(&stored).expect("the hub's file");
    damaged[10] ^= 0x01;
    std::fs::write(&stored, damaged).expect("damage it");
    let snv = TestClient::new("49-SNV", &hub.url, &hub.token("49-SNV"));
    let s = snv.sync();
    assert_eq!(s["blobs_down"], 0, "{s}");
    let refused = s["blobs_refused"].as_array().cloned().unwrap_or_default();
    assert_eq!(refused.len(), 1, "{s}");
    assert!(
        refused[0].as_str().unwrap_or_default().contains(&sha),
        "{s}"
    );
    let text = snv.ok(&["sync"]);
    assert!(text.contains("Tệp đính kèm bị từ chối"), "{text}");
    let err = snv.fails(&["proposal", "attachment", &id, "ke-hoach.pdf", "-o", "x.pdf"]);
    assert!(err.contains("chưa tải về"), "{err}");
}

fn partial_len(data: &Path, sha: &str) -> u64 {
    std::fs::metadata(data.join("blobs-partial").join(sha))
        .map(|m| m.len())
        .unwrap_or(0)
}

#[test]
fn the_hub_refuses_an_attachment_record_larger_than_its_limit() {
    let hub = TestHub::spawn_with_config("max_blob_bytes = 1000");
    let commune = TestClient::new("20335", &hub.url, &hub.token("20335"));
    let (id, _) = attach(&commune, "bien-ban.pdf", &pdf(2000, 3));
    let r = commune.sync();
    assert_eq!(r["refused"], serde_json::json!([id]), "{r}");
    let list = commune.json(&["refused", "list"]);
    let reason = list[0]["reason"].as_str().unwrap_or_default().to_string();
    assert!(
        reason.contains("bien-ban.pdf") && reason.contains("giới hạn 1000 byte"),
        "{list}"
    );
}

/// A backup holds no attachment bytes: a hub restored without them gets them back from the
/// attaching office, which offers its attachments again when it sees the restored hub.
#[test]
fn attachments_come_back_to_a_hub_restored_without_its_blob_files() {
    let mut hub = TestHub::spawn();
    let commune = TestClient::new("20335", &hub.url, &hub.token("20335"));
    let district_token = hub.token("502");
    let bytes = pdf(MIB, 4);
    let (id, _) = attach(&commune, "bien-ban.pdf", &bytes);
    assert_eq!(commune.sync()["blobs_up"], 1);
    let file = hub
        .data
        .path()
        .join("..")
        .join(format!("doimoi-att-backup-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let out = hub.op(&["backup", file.to_str().expect("path")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = tempfile::tempdir().expect("dir");
    let out = crate::harness::operator(restored.path(), &["restore", file.to_str().expect("path")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_file(&file);
    let path = restored.path().to_path_buf();
    hub.reconfigure(|c| c.data = path);
    let r = commune.sync();
    assert_eq!(r["hub_restored"], true, "{r}");
    assert_eq!(r["blobs_up"], 1, "{r}");
    let district = TestClient::new("502", &hub.url, &district_token);
    assert_eq!(district.sync()["blobs_down"], 1);
    assert_eq!(written_out(&district, &id, "bien-ban.pdf"), bytes);
}
