//! A hub on a network, under traffic meant to stall it: connections that never finish their
//! headers or their body, and compression bombs. The hub keeps answering `/healthz` and the
//! offices keep syncing.

use crate::harness::{TestClient, TestHub};
use doimoi_shared::wire::{self, SyncRequest, PROTOCOL_VERSION};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const COMMUNE: &str = "20335";

/// `/healthz` answers, and how long it took.
fn healthz(url: &str) -> Duration {
    let started = Instant::now();
    let resp = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
        .get(format!("{url}/healthz"))
        .send()
        .expect("/healthz answers");
    assert!(resp.status().is_success(), "{}", resp.status());
    started.elapsed()
}

#[test]
fn two_thousand_idle_half_open_connections_do_not_stall_the_hub() {
    doimoi_hub::serve::raise_nofile();
    let hub = TestHub::spawn_with_config(
        "header_timeout_secs = 5\nrequest_timeout_secs = 3\nmax_connections_per_ip = 256",
    );
    let port = hub.port;
    let office = TestClient::new(COMMUNE, &hub.url, &hub.token(COMMUNE));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // 2,000 connections from another address of the loopback, each sending half a request
    // and then nothing.
    let held: Vec<tokio::net::TcpStream> = rt.block_on(async {
        use tokio::io::AsyncWriteExt;
        let mut v = Vec::new();
        for _ in 0..2000 {
            let sock = tokio::net::TcpSocket::new_v4().expect("socket");
            sock.bind("127.0.0.2:0".parse().expect("addr"))
                .expect("bind");
            let Ok(mut s) = sock
                .connect(format!("127.0.0.1:{port}").parse().expect("addr"))
                .await
            else {
                continue;
            };
            let _ = s
                .write_all(b"POST /v1/sync HTTP/1.1\r\nHost: hub\r\nX-Slow: ")
                .await;
            v.push(s);
        }
        v
    });
    assert!(held.len() >= 1900, "only {} connections opened", held.len());
    // The hub still answers at once, and an office syncs.
    let took = healthz(&hub.url);
    assert!(took < Duration::from_secs(1), "/healthz took {took:?}");
    let id = office.new_proposal("Đề xuất gửi khi máy chủ bị giữ kết nối", &[]);
    let r = office.sync();
    assert_eq!(r["docs_up"], 1, "{r}");
    let refused = hub.metric("doimoi_connections_refused_total");
    assert!(
        refused >= 1000,
        "connections beyond the per-address cap are closed at once: {refused} refused"
    );
    // The ones the hub kept are closed after the header timeout.
    std::thread::sleep(Duration::from_secs(6));
    let closed = rt.block_on(async {
        use tokio::io::AsyncReadExt;
        let mut closed = 0;
        for mut s in held {
            let mut buf = [0u8; 64];
            match tokio::time::timeout(Duration::from_millis(200), s.read(&mut buf)).await {
                Ok(Ok(_)) | Ok(Err(_)) => closed += 1,
                Err(_) => {}
            }
        }
        closed
    });
    assert!(closed >= 1990, "{closed} of the idle connections closed");

    // A body that starts and stops: the request's time limit ends it.
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let started = Instant::now();
    write!(
        s,
        "POST /v1/sync HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer {}\r\nContent-Type: {}\r\nContent-Length: 100000\r\n\r\nabc",
        hub.token(COMMUNE),
        wire::CONTENT_TYPE
    )
    .expect("write");
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty()
            || answer.starts_with("HTTP/1.1 408")
            || answer.starts_with("HTTP/1.1 400"),
        "{answer}"
    );
    // The office's proposal reached the hub: nothing left to push.
    assert_eq!(office.sync()["docs_up"], 0);
    assert_eq!(
        office.show(&id)["title"],
        "Đề xuất gửi khi máy chủ bị giữ kết nối"
    );
}

/// A body that decompresses to far more than was sent: refused as soon as the ratio shows it,
/// never held whole; 16 at once leave the hub small and answering.
#[test]
fn compression_bombs_are_refused_while_decoding_and_the_hub_stays_small() {
    // A hub process of its own: its memory is its own, whatever else the tests run.
    let hub = crate::harness::ProcessHub::spawn();
    let pid = hub.pid().expect("hub process");
    let office = TestClient::new(COMMUNE, &hub.url, &hub.token(COMMUNE));
    let token = hub.token(COMMUNE);
    // 300 MiB of zeros behind a valid CBOR start, gzip: about 300 KB.
    let bomb = {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let req = SyncRequest {
            version: PROTOCOL_VERSION,
            ..SyncRequest::default()
        };
        let mut cbor = Vec::new();
        ciborium::into_writer(&req, &mut cbor).expect("cbor");
        gz.write_all(&cbor).expect("write");
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..300 {
            gz.write_all(&zeros).expect("write");
        }
        gz.finish().expect("gzip")
    };
    assert!(bomb.len() < 1 << 20, "{}", bomb.len());
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (url, token, bomb) = (hub.url.clone(), token.clone(), bomb.clone());
            std::thread::spawn(move || {
                let resp = reqwest::blocking::Client::new()
                    .post(format!("{url}/v1/sync"))
                    .bearer_auth(token)
                    .header("content-type", wire::CONTENT_TYPE)
                    .header("content-encoding", "gzip")
                    .body(bomb)
                    .send()
                    .expect("send");
                let status = resp.status().as_u16();
                let body: serde_json::Value =
                    serde_json::from_slice(&resp.bytes().expect("body")).expect("json error body");
                (status, body)
            })
        })
        .collect();
    while threads.iter().any(|t| !t.is_finished()) {
        std::thread::sleep(Duration::from_millis(20));
    }
    for t in threads {
        let (status, body) = t.join().expect("thread");
        assert!(status == 413 || status == 503, "{status} {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("giải nén quá lớn") || message.contains("đang bận"),
            "{body}"
        );
    }
    // The hub's peak resident memory over its whole life, bombs included.
    let peak = status_kib(pid, "VmHWM:");
    assert!(
        peak > 0 && peak < 300 * 1024,
        "the hub's peak memory: {peak} KiB"
    );
    assert!(healthz(&hub.url) < Duration::from_secs(1));
    office.new_proposal("Sau các gói nén bất thường", &[]);
    assert_eq!(office.sync()["docs_up"], 1);
}

/// A memory figure of process `pid` from `/proc/PID/status`, KiB (Linux).
fn status_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// A test CA, and a certificate for 127.0.0.1 / localhost signed by it: (CA PEM, cert PEM,
/// key PEM).
fn test_ca() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(
        rcgen::DnType::CommonName,
        "CA Sở Thông tin tỉnh (thử nghiệm)",
    );
    let ca_cert = ca.self_signed(&ca_key).expect("CA cert");
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().expect("key");
    let params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .expect("params");
    let cert = params.signed_by(&key, &issuer).expect("cert");
    (ca_cert.pem(), cert.pem(), key.serialize_pem())
}

#[test]
fn an_office_syncs_over_https_trusting_the_provinces_own_ca() {
    let dir = tempfile::tempdir().expect("dir");
    let (ca, cert, key) = test_ca();
    let (ca_file, cert_file, key_file) = (
        dir.path().join("ca.pem"),
        dir.path().join("hub.pem"),
        dir.path().join("hub-key.pem"),
    );
    std::fs::write(&ca_file, ca).expect("write");
    std::fs::write(&cert_file, cert).expect("write");
    std::fs::write(&key_file, key).expect("write");
    let hub = TestHub::spawn_with_config(&format!(
        "tls_cert = {:?}\ntls_key = {:?}",
        cert_file.display().to_string(),
        key_file.display().to_string()
    ));
    let url = format!("https://127.0.0.1:{}", hub.port);
    // Without the CA: refused, told what to do.
    let stranger = TestClient::new(COMMUNE, &url, &hub.token(COMMUNE));
    stranger.new_proposal("Gửi qua HTTPS", &[]);
    let out = stranger.run(&["sync"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("chứng chỉ") && err.contains("--ca"), "{err}");
    // With it: the sync goes through.
    let office = TestClient::init(&[
        "--unit",
        COMMUNE,
        "--hub",
        &url,
        "--token",
        &hub.token(COMMUNE),
        "--ca",
        ca_file.to_str().expect("path"),
    ]);
    let id = office.new_proposal("Gửi qua HTTPS", &[]);
    assert_eq!(office.sync()["docs_up"], 1);
    let district = TestClient::init(&[
        "--unit",
        "502",
        "--hub",
        &url,
        "--token",
        &hub.token("502"),
        "--ca",
        ca_file.to_str().expect("path"),
    ]);
    district.sync();
    assert!(district.ids().contains(&id));
    // Plain HTTP to the HTTPS port is not served.
    let plain = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
        .get(format!("http://127.0.0.1:{}/healthz", hub.port))
        .send();
    assert!(plain.map(|r| !r.status().is_success()).unwrap_or(true));
    // A file that is not a certificate is refused by init.
    let bad = dir.path().join("not-a-cert.pem");
    std::fs::write(&bad, "xin chào").expect("write");
    let c = TestClient::uninitialised();
    let err = c.fails(&[
        "init",
        "--unit",
        COMMUNE,
        "--ca",
        bad.to_str().expect("path"),
    ]);
    assert!(err.contains("không phải chứng chỉ PEM"), "{err}");
}

/// A full disk (here the store's quota): the push is answered 507 in Vietnamese, `/healthz`
/// says degraded, nothing accepted before is lost, and the office's work goes through once
/// there is room again.
#[test]
fn a_full_store_refuses_pushes_with_507_and_resumes_when_there_is_room() {
    let mut hub = TestHub::spawn();
    let office = TestClient::new(COMMUNE, &hub.url, &hub.token(COMMUNE));
    let district = TestClient::new("502", &hub.url, &hub.token("502"));
    let first = office.new_proposal("Đề xuất đã nhận trước khi đầy", &[]);
    office.sync();
    let db = hub.data.path().join("hub.db");
    hub.reconfigure(|c| {
        // The store as it is now, and two pages of room.
        let conn = rusqlite::Connection::open(&db).expect("hub.db");
        let pages: u64 = conn
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .expect("page_count");
        let page: u64 = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .expect("page_size");
        c.max_store_bytes = Some((pages + 2) * page);
    });
    // A proposal with long prose does not fit.
    let words = [
        "cải",
        "cách",
        "hành",
        "chính",
        "số",
        "hóa",
        "hồ",
        "sơ",
        "một",
        "cửa",
        "liên",
        "thông",
        "người",
        "dân",
        "doanh",
        "nghiệp",
        "xã",
        "phường",
        "tiết",
        "kiệm",
    ];
    // Five prose fields of 18,000 characters each (within the limit), words in no repeating
    // order (prose does not compress to nothing).
    let mut seed: u64 = 7;
    let mut texts = Vec::new();
    for _ in 0..5 {
        let mut long = String::new();
        while long.chars().count() < 18_000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            long.push_str(words[(seed >> 33) as usize % words.len()]);
            long.push(' ');
        }
        texts.push(long);
    }
    let long = texts[0].clone();
    let second = office.new_proposal("Đề xuất khi máy chủ đầy", &[]);
    for (field, text) in [
        "--content",
        "--necessity",
        "--scope",
        "--impact",
        "--expected",
    ]
    .iter()
    .zip(&texts)
    {
        office.ok(&["proposal", "edit", &second, field, text]);
    }
    let out = office.run(&["sync"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("hết chỗ lưu trữ") && err.contains("507"),
        "{err}"
    );
    let health = reqwest::blocking::get(format!("{}/healthz", hub.url)).expect("healthz");
    assert_eq!(health.status().as_u16(), 503);
    assert!(health.text().unwrap_or_default().contains("degraded"));
    // What was accepted before is still served.
    district.sync();
    assert!(district.ids().contains(&first));
    // Room again: the office's work goes through, nothing lost.
    hub.reconfigure(|c| c.max_store_bytes = None);
    office.sync();
    district.sync();
    assert!(district.ids().contains(&second));
    let got = district.show(&second);
    assert_eq!(
        got["content"].as_str().map(str::len),
        Some(long.len()),
        "the whole prose arrived"
    );
    assert!(healthz(&hub.url) < Duration::from_secs(1));
}

/// The office's side: its store (holding the device token) is its user's alone; a damaged
/// file to import is refused without a panic and writes nothing; a title from another office
/// cannot drive the terminal.
#[test]
fn the_office_keeps_its_token_private_refuses_damaged_files_and_escapes_control_characters() {
    use std::os::unix::fs::PermissionsExt;
    let hub = TestHub::spawn();
    let commune = TestClient::new(COMMUNE, &hub.url, &hub.token(COMMUNE));
    let district = TestClient::new("502", &hub.url, &hub.token("502"));
    commune.sync();
    for f in ["doimoi.db", "doimoi.db-wal", "doimoi.db-shm"] {
        let path = commune.data.path().join(f);
        if let Ok(m) = std::fs::metadata(&path) {
            assert_eq!(m.permissions().mode() & 0o777, 0o600, "{f}");
        }
    }
    // A title with a terminal escape and a right-to-left override.
    let id = commune.new_proposal(
        "Số hóa\u{1b}[2J\u{1b}]0;pwned\u{7}hồ sơ\u{202e}txt.exe",
        &[],
    );
    commune.sync();
    district.sync();
    let list = district.ok(&["proposal", "list"]);
    assert!(
        !list.contains('\u{1b}') && !list.contains('\u{202e}'),
        "{list:?}"
    );
    assert!(list.contains("\\u{1b}[2J"), "{list}");
    // Damaged copies of a real export: each refused with a message or imported, never a
    // panic; the store still opens and lists the same proposals after them all.
    let file = commune.data.path().join("p.automerge");
    commune.ok(&["export", &id, "-o", file.to_str().expect("path")]);
    let good = std::fs::read(&file).expect("read");
    let before = district.ids();
    let target = TestClient::offline("502");
    let mut refused = 0;
    for i in 0..120usize {
        let mut bad = good.clone();
        match i % 3 {
            0 => bad.truncate(good.len() * i / 120),
            1 => {
                let at = (i * 7919) % bad.len();
                bad[at] ^= 0x5a;
            }
            _ => {
                let at = (i * 104_729) % bad.len();
                bad[at] = bad[at].wrapping_add(1);
                let at2 = (at + 13) % bad.len();
                bad[at2] = 0xff;
            }
        }
        let path = target.data.path().join(format!("bad-{i}.automerge"));
        std::fs::write(&path, &bad).expect("write");
        let out = target.run(&["import", path.to_str().expect("path")]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "file {i}: {err}");
        if !out.status.success() {
            refused += 1;
            assert!(err.starts_with("Lỗi: "), "file {i}: {err}");
        }
    }
    assert!(refused > 60, "{refused} refused");
    assert_eq!(district.ids(), before);
    target.ok(&["proposal", "list"]);
}

/// Text of any length: the office refuses what is longer than the field allows, with the
/// limit; the hub refuses it forged; the longest allowed texts go through every report format.
#[test]
fn texts_longer_than_their_field_are_refused_and_the_longest_allowed_are_reported() {
    let hub = TestHub::spawn();
    let office = TestClient::new(COMMUNE, &hub.url, &hub.token(COMMUNE));
    let snv = TestClient::new("49-SNV", &hub.url, &hub.token("49-SNV"));
    let long_title = "Đ".repeat(501);
    let err = office.fails(&[
        "proposal",
        "new",
        "--title",
        &long_title,
        "--proposer",
        "An",
    ]);
    assert!(
        err.contains("tên đề xuất") && err.contains("501") && err.contains("500"),
        "{err}"
    );
    // The longest allowed: a 500-character title and 20,000-character prose.
    let title = format!("Đề xuất {}", "rất dài ".repeat(61))
        .chars()
        .take(500)
        .collect::<String>();
    let id = office.new_proposal(&title, &[]);
    let prose = "nội dung ".repeat(2_300);
    let prose: String = prose.chars().take(20_000).collect();
    office.ok(&["proposal", "edit", &id, "--content", &prose]);
    let err = office.fails(&["proposal", "edit", &id, "--content", &format!("{prose}x")]);
    assert!(
        err.contains("20000") || err.contains("20.000") || err.contains("20 000"),
        "{err}"
    );
    office.step(&id, "submit", "2024-03-01", &[]);
    office.sync();
    for format in ["json", "xlsx", "docx", "csv", "html"] {
        let out = snv.run(&[
            "report",
            "--period",
            "2024",
            "--format",
            format,
            "-o",
            "/dev/null",
        ]);
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Written into the device, never renamed over it.
    assert!(std::fs::metadata("/dev/null").is_ok_and(|m| !m.is_file()));
    // Forged past the office's check: refused by the hub with the limit.
    let unit = doimoi_shared::ids::UnitCode::parse(COMMUNE).expect("unit");
    let doc_id = doimoi_shared::ids::DocId::from_bytes([0x3c; 16]);
    let mut doc = doimoi_shared::doc::proposal::create(
        automerge::ActorId::from([0x3du8; 16]),
        &doc_id,
        &unit,
        0,
        &doimoi_shared::doc::proposal::ProposalFields::default(),
    )
    .expect("create");
    {
        use automerge::transaction::Transactable;
        let mut tx = doc.transaction();
        tx.put(automerge::ROOT, "title", "x".repeat(40_000))
            .expect("put");
        tx.commit();
    }
    match crate::scope::raw_push_outcome(&hub, &hub.token(COMMUNE), doc_id.as_str(), doc.save()) {
        wire::Outcome::Rejected { reason, .. } => {
            assert!(
                reason.contains("40000") && reason.contains("500"),
                "{reason}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}
