//! The hub's HTTP edge, called in-process: requests go to `doimoi_hub::app(state)` with
//! `tower::ServiceExt::oneshot`, no socket. Each refusal carries the stable `code` of its JSON
//! body, and a refused push of a real proposal leaves the store without documents.

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use doimoi_hub::config::Config;
use doimoi_hub::state::{AppState, Inner};
use doimoi_hub::store::Db;
use doimoi_shared::doc::proposal::{self, ProposalFields};
use doimoi_shared::ids::{DocId, UnitCode};
use doimoi_shared::wire::{self, Heads, PushDoc, SyncRequest, PROTOCOL_VERSION};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tower::ServiceExt;

/// A hub's state on a fresh store in a temporary folder, with these lines of TOML
/// configuration.
fn hub_state(toml: &str) -> (tempfile::TempDir, AppState) {
    let data = tempfile::tempdir().expect("temp dir");
    let mut config: Config = toml::from_str(toml).expect("hub configuration");
    config.data = data.path().to_path_buf();
    let db = Db::open(data.path(), 4).expect("open the hub's store");
    let inner = Inner::new(
        db,
        config,
        tokio_util::sync::CancellationToken::new(),
        "test".into(),
    )
    .expect("the hub's state");
    (data, AppState(Arc::new(inner)))
}

/// A new device token of `unit` (as `doimoi-hub token issue` makes it).
fn token(state: &AppState, unit: &str) -> String {
    doimoi_hub::ops::token_issue(&state.0.db, unit)
        .expect("issue a token")
        .0
}

/// Documents the hub has stored.
fn stored(state: &AppState) -> i64 {
    state.0.db.count_docs().expect("count documents")
}

/// A sync request pushing one new, complete proposal of commune 20335 (which the hub stores
/// when the request is accepted), gzip-encoded as `doimoi` sends it.
fn push_body() -> Vec<u8> {
    let unit = UnitCode::parse("20335").expect("unit code");
    let id = DocId::from_bytes([7; 16]);
    let fields = ProposalFields {
        title: Some("Số hóa hồ sơ một cửa".into()),
        proposer: Some("Nguyễn Văn An".into()),
        content: Some("Số hóa toàn bộ hồ sơ tiếp nhận tại bộ phận một cửa".into()),
        ..ProposalFields::default()
    };
    let doc = proposal::create(
        automerge::ActorId::random(),
        &id,
        &unit,
        1_700_000_000_000,
        &fields,
    )
    .expect("a proposal");
    let req = SyncRequest {
        version: PROTOCOL_VERSION,
        push: vec![PushDoc {
            id: id.clone(),
            kind: doimoi_shared::doc::DocKind::Proposal,
            have: Heads::default(),
            changes: serde_bytes::ByteBuf::from(doc.save()),
            heads: Heads::from_hashes(&doc.get_heads()),
        }],
        ..SyncRequest::default()
    };
    wire::encode(&req).expect("encode")
}

/// A sync request with nothing to push or pull.
fn empty_body() -> Vec<u8> {
    wire::encode(&SyncRequest {
        version: PROTOCOL_VERSION,
        ..SyncRequest::default()
    })
    .expect("encode")
}

/// `POST /v1/sync` with this body and these extra headers.
fn sync_request(body: Vec<u8>, headers: &[(header::HeaderName, impl AsRef<str>)]) -> Request<Body> {
    let mut req = Request::post("/v1/sync");
    for (name, value) in headers {
        req = req.header(name, value.as_ref());
    }
    req.body(Body::from(body)).expect("request")
}

/// The `Authorization` value for a token.
fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// Sends `req` to the hub's router; the answer's status, headers and body.
async fn send(state: &AppState, req: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let resp = doimoi_hub::app(state.clone())
        .oneshot(req)
        .await
        .expect("the router answers");
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("the answer's body");
    (parts.status, parts.headers, bytes.to_vec())
}

/// The stable `code` and the `message` of a JSON error body.
fn error_of(body: &[u8]) -> (String, String) {
    let v: serde_json::Value = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("a JSON error body ({e}): {}", String::from_utf8_lossy(body)));
    let field = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    (field("code"), field("message"))
}

#[tokio::test]
async fn a_push_without_a_valid_token_is_refused_with_401_and_nothing_is_stored() {
    let (_data, state) = hub_state("");
    let good = token(&state, "20335");
    // What the case is, its Authorization header, and what the refusal says to do.
    let cases = [
        ("no token", None, "Thiếu token"),
        (
            "a Basic scheme",
            Some("Basic MjAzMzU6c2VjcmV0"),
            "Bearer TOKEN",
        ),
        ("a bare token", Some(good.as_str()), "Bearer TOKEN"),
        (
            "an unknown token",
            Some("Bearer dm_not-a-real-token"),
            "Token không hợp lệ",
        ),
    ];
    for (what, auth, says) in cases {
        let headers: Vec<_> = auth
            .map(|a| (header::AUTHORIZATION, a))
            .into_iter()
            .collect();
        let (status, _, body) = send(&state, sync_request(push_body(), &headers)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
        let (code, message) = error_of(&body);
        assert_eq!(code, "unauthorized", "{what}");
        assert!(message.contains(says), "{what}: {message}");
    }
    assert_eq!(stored(&state), 0, "nothing of the pushes is stored");
    assert_eq!(
        state.0.metrics.auth_failures.load(Ordering::Relaxed),
        cases.len() as u64
    );
    // The same push with the token as it should be is stored.
    let auth = [(header::AUTHORIZATION, bearer(&good))];
    let (status, _, _) = send(&state, sync_request(push_body(), &auth)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stored(&state), 1);
}

#[tokio::test]
async fn a_revoked_token_is_refused_with_401_and_the_code_token_revoked() {
    let (_data, state) = hub_state("");
    let token = token(&state, "20335");
    let auth = [(header::AUTHORIZATION, bearer(&token))];
    let (status, _, _) = send(&state, sync_request(empty_body(), &auth)).await;
    assert_eq!(status, StatusCode::OK, "the token works before");
    doimoi_hub::ops::token_revoke(&state.0.db, &token).expect("revoke");
    let (status, _, body) = send(&state, sync_request(push_body(), &auth)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (code, message) = error_of(&body);
    assert_eq!(code, "token_revoked");
    assert!(message.contains("thu hồi"), "{message}");
    assert_eq!(stored(&state), 0);
}

#[tokio::test]
async fn a_body_over_max_body_bytes_is_refused_with_413_and_nothing_is_stored() {
    let limit = 256;
    let (_data, state) = hub_state(&format!("max_body_bytes = {limit}\n"));
    let auth = [(header::AUTHORIZATION, bearer(&token(&state, "20335")))];
    let body = push_body();
    assert!(body.len() > limit, "the push is {} bytes", body.len());
    let (status, _, answer) = send(&state, sync_request(body, &auth)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (code, message) = error_of(&answer);
    assert_eq!(code, "too_large");
    assert!(message.contains("max_body_bytes"), "{message}");
    assert_eq!(stored(&state), 0);
    // A request under the limit goes through.
    let small = empty_body();
    assert!(small.len() <= limit);
    let (status, _, _) = send(&state, sync_request(small, &auth)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_body_compressed_with_brotli_is_refused_with_415_and_nothing_is_stored() {
    let (_data, state) = hub_state("");
    let headers = [
        (header::AUTHORIZATION, bearer(&token(&state, "20335"))),
        (header::CONTENT_ENCODING, "br".to_string()),
    ];
    let (status, _, body) = send(&state, sync_request(push_body(), &headers)).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (code, message) = error_of(&body);
    assert_eq!(code, "unsupported_encoding");
    assert!(message.contains("\"br\""), "{message}");
    assert_eq!(stored(&state), 0);
}

#[tokio::test]
async fn a_device_over_its_rate_is_refused_with_429_and_other_devices_are_not() {
    let (_data, state) = hub_state("rate_per_sec = 0.001\nrate_burst = 2.0\n");
    let auth = [(header::AUTHORIZATION, bearer(&token(&state, "20335")))];
    for _ in 0..2 {
        let (status, _, _) = send(&state, sync_request(empty_body(), &auth)).await;
        assert_eq!(status, StatusCode::OK, "within the burst");
    }
    let (status, _, body) = send(&state, sync_request(push_body(), &auth)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (code, message) = error_of(&body);
    assert_eq!(code, "rate_limited");
    assert!(message.contains("giây"), "{message}");
    assert_eq!(stored(&state), 0);
    assert_eq!(state.0.metrics.rate_limited.load(Ordering::Relaxed), 1);
    // The limit is per device: another device of the same office is served.
    let other = [(header::AUTHORIZATION, bearer(&token(&state, "20335")))];
    let (status, _, _) = send(&state, sync_request(push_body(), &other)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stored(&state), 1);
}

/// The password of every account the tests make.
const PASSWORD: &str = "Mật khẩu đủ dài 2026";

/// A person's account of `unit` with `role`, as `doimoi-hub user add` makes it.
fn user(state: &AppState, name: &str, unit: &str, role: &str) {
    doimoi_hub::users::ops::user_add(&state.0.db, name, unit, role, PASSWORD).expect("add a user");
}

/// `POST /reports/login` with this form body and these extra headers.
fn login_form(body: String, headers: &[(header::HeaderName, &str)]) -> Request<Body> {
    let mut req = Request::post("/reports/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "hub.example:8787");
    for (name, value) in headers {
        req = req.header(name, *value);
    }
    req.body(Body::from(body)).expect("request")
}

/// `POST /reports/login` with a user name and a password (and `next`, when given).
fn login(name: &str, password: &str, next: Option<&str>) -> Request<Body> {
    use doimoi_hub::dashboard::target::enc;
    let mut body = format!("name={}&password={}", enc(name), enc(password));
    if let Some(n) = next {
        body.push_str(&format!("&next={}", enc(n)));
    }
    login_form(body, &[])
}

/// Every `Set-Cookie` of an answer.
fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_string)
        .collect()
}

/// The session a sign-in's answer set, if any.
fn session_of(headers: &HeaderMap) -> Option<String> {
    set_cookies(headers).iter().find_map(|c| {
        c.strip_prefix("doimoi_session=")
            .and_then(|v| v.split(';').next())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    })
}

/// Signs `name` in with [`PASSWORD`]; the session cookie's value.
async fn sign_in(state: &AppState, name: &str) -> String {
    let (status, headers, body) = send(state, login(name, PASSWORD, None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{}", text(&body));
    session_of(&headers).expect("a session cookie")
}

#[tokio::test]
async fn the_session_cookie_opens_reports_but_is_refused_for_sync() {
    let (_data, state) = hub_state("");
    user(&state, "snv", "49-SNV", "viewer");
    let cookie = format!(
        "theme=dark; doimoi_session={}",
        sign_in(&state, "snv").await
    );
    let report = Request::get("/v1/reports/consolidated?period=2024")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .expect("request");
    let (status, headers, body) = send(&state, report).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert!(headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json")));
    let report: serde_json::Value = serde_json::from_slice(&body).expect("a JSON report");
    assert_eq!(report["period"]["start"], "2023-12-15");
    assert_eq!(report["totals"]["proposals"], 0);
    // Sở Nội vụ's user sees the province (Đà Nẵng's today, the continuation of Quảng Nam).
    assert_eq!(report["scope"]["code"], "48");
    // The same cookie, and no Authorization, on sync: unauthenticated.
    let (status, _, body) = send(
        &state,
        sync_request(push_body(), &[(header::COOKIE, cookie.as_str())]),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_of(&body).0, "unauthorized");
    assert_eq!(stored(&state), 0);
}

#[tokio::test]
async fn a_sign_in_posted_from_another_site_is_refused_with_403_and_sets_no_cookie() {
    let (_data, state) = hub_state("");
    user(&state, "snv", "49-SNV", "viewer");
    let body = format!(
        "name=snv&password={}",
        doimoi_hub::dashboard::target::enc(PASSWORD)
    );
    for (what, headers) in [
        (
            "Sec-Fetch-Site",
            [(
                header::HeaderName::from_static("sec-fetch-site"),
                "cross-site",
            )],
        ),
        ("Origin", [(header::ORIGIN, "https://elsewhere.example")]),
    ] {
        let (status, headers, _) = send(&state, login_form(body.clone(), &headers)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
        assert!(headers.get(header::SET_COOKIE).is_none(), "{what}");
    }
    // From the hub's own page: signed in.
    let same_site = [
        (
            header::HeaderName::from_static("sec-fetch-site"),
            "same-origin",
        ),
        (header::ORIGIN, "http://hub.example:8787"),
    ];
    let (status, headers, _) = send(&state, login_form(body, &same_site)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cookie = set_cookies(&headers)
        .into_iter()
        .find(|c| c.starts_with("doimoi_session="))
        .expect("a cookie");
    assert!(
        cookie.ends_with("; HttpOnly; SameSite=Strict; Path=/"),
        "{cookie}"
    );
    // 32 random bytes, in hex.
    let value = session_of(&headers).expect("a session");
    assert!(
        value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()),
        "{value}"
    );
}

/// What a browser's navigation sends as `Accept`.
const BROWSER_ACCEPT: &str =
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

/// A browser's `GET` of `uri`, with the page's session cookie when given.
fn browse(uri: &str, session: Option<&str>) -> Request<Body> {
    let mut req = Request::get(uri).header(header::ACCEPT, BROWSER_ACCEPT);
    if let Some(t) = session {
        req = req.header(header::COOKIE, format!("doimoi_session={t}"));
    }
    req.body(Body::empty()).expect("request")
}

fn location(headers: &HeaderMap) -> String {
    headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

#[tokio::test]
async fn a_bookmarked_report_opened_without_the_cookie_goes_through_sign_in_and_back() {
    let (_data, state) = hub_state("");
    user(&state, "snv", "49-SNV", "viewer");
    let report = "/v1/reports/consolidated?period=2024&unit=502&format=html";
    // A browser without the cookie is sent to sign in, with the way back.
    let (status, headers, _) = send(&state, browse(report, None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let to = location(&headers);
    assert_eq!(
        to,
        "/reports?next=%2Fv1%2Freports%2Fconsolidated%3Fperiod%3D2024%26unit%3D502%26format%3Dhtml"
    );
    let (status, _, body) = send(&state, browse(&to, None)).await;
    assert_eq!(status, StatusCode::OK);
    let page = text(&body);
    assert!(
        page.contains("Đăng nhập") && page.contains(r#"name="next""#),
        "{page}"
    );
    assert!(
        page.contains(
            r#"value="/v1/reports/consolidated?period=2024&amp;unit=502&amp;format=html""#
        ),
        "{page}"
    );
    // Signing in with it comes back to the report, which the cookie now opens.
    let (status, headers, _) = send(&state, login("snv", PASSWORD, Some(report))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), report);
    let session = session_of(&headers).expect("a session");
    let (status, headers, body) = send(&state, browse(report, Some(&session))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html")));
    assert!(text(&body).contains("Thành phố Tam Kỳ"));
    // A bookmarked dashboard comes back to itself too.
    let (status, _, body) = send(&state, browse("/reports?period=2026&unit=502", None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text(&body).contains(r#"value="/reports?period=2026&amp;unit=502""#));
}

#[tokio::test]
async fn sign_in_never_sends_a_browser_to_another_site() {
    let (_data, state) = hub_state("");
    user(&state, "snv", "49-SNV", "viewer");
    for next in [
        "https://evil.example/reports",
        "//evil.example/reports",
        "/\\evil.example",
        "/metrics",
        "javascript:alert(1)",
    ] {
        let (status, headers, _) = send(&state, login("snv", PASSWORD, Some(next))).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(location(&headers), "/reports", "{next}");
        let session = session_of(&headers).expect("a session");
        // Nor does the signed-in page follow it.
        let (status, headers, _) = send(
            &state,
            browse(
                &format!("/reports?next={}", doimoi_hub::dashboard::target::enc(next)),
                Some(&session),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{next}");
        assert!(headers.get(header::LOCATION).is_none(), "{next}");
    }
}

#[tokio::test]
async fn programs_keep_their_json_errors_and_browsers_get_pages() {
    let (_data, state) = hub_state("");
    let good = token(&state, "502");
    user(&state, "tamky", "502", "viewer");
    let session = sign_in(&state, "tamky").await;
    let report = "/v1/reports/consolidated?period=2024";
    // Programs: no Accept, or a bearer token even when asking for HTML: JSON as before.
    let plain = Request::get(report).body(Body::empty()).expect("request");
    let (status, _, body) = send(&state, plain).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (code, message) = error_of(&body);
    assert_eq!(code, "unauthorized");
    assert!(message.starts_with("Thiếu token"), "{message}");
    let bearer_html = Request::get(report)
        .header(header::ACCEPT, BROWSER_ACCEPT)
        .header(header::AUTHORIZATION, "Bearer dm_wrong")
        .body(Body::empty())
        .expect("request");
    let (status, _, body) = send(&state, bearer_html).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_of(&body).0, "unauthorized");
    let scope = Request::get("/v1/reports/consolidated?period=2024&unit=49")
        .header(header::AUTHORIZATION, bearer(&good))
        .body(Body::empty())
        .expect("request");
    let (status, _, body) = send(&state, scope).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_of(&body).0, "out_of_scope");

    // A browser: a query the dashboard can explain goes back to it, the message by the field.
    for (uri, back, field, says) in [
        (
            "/v1/reports/consolidated?period=2024-Q7&format=xlsx",
            "/reports?period=2024-Q7",
            "period-error",
            "2024-Q7",
        ),
        (
            "/v1/reports/consolidated?period=2024&unit=49&format=html",
            "/reports?period=2024&unit=49",
            "unit-error",
            "không được xem báo cáo",
        ),
        (
            "/v1/reports/consolidated?period=2024&unit=99999",
            "/reports?period=2024&unit=99999",
            "unit-error",
            "Không tìm thấy",
        ),
    ] {
        let (status, headers, _) = send(&state, browse(uri, Some(&session))).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(location(&headers), back, "{uri}");
        let (status, _, body) = send(&state, browse(back, Some(&session))).await;
        assert_eq!(status, StatusCode::OK, "{back}");
        let page = text(&body);
        let at = page
            .find(&format!(r#"id="{field}""#))
            .unwrap_or_else(|| panic!("{field} in {page}"));
        assert!(page[at..].contains(says), "{says} in {page}");
        assert!(!page.contains(r#""code":"#), "no JSON in {page}");
    }
    // One it cannot: a page saying what is wrong.
    let (status, headers, body) = send(
        &state,
        browse(
            "/v1/reports/consolidated?period=2024&format=pdf",
            Some(&session),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html")));
    let page = text(&body);
    assert!(
        page.contains("Định dạng \u{201c}pdf\u{201d}")
            || page.contains("Định dạng &quot;pdf&quot;"),
        "{page}"
    );
    assert!(page.contains(r#"href="/reports?period=2024""#), "{page}");
}

#[tokio::test]
async fn an_unknown_or_ended_session_shows_sign_in_with_the_reason() {
    let (_data, state) = hub_state("");
    user(&state, "snv", "49-SNV", "viewer");
    let wrong = "ab".repeat(32);
    let (status, headers, body) = send(&state, browse("/reports?period=2024", Some(&wrong))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let page = text(&body);
    assert!(
        page.contains("không còn hiệu lực") && page.contains(r#"name="password""#),
        "{page}"
    );
    assert!(page.contains(r#"value="/reports?period=2024""#), "{page}");
    assert!(
        set_cookies(&headers)
            .iter()
            .any(|c| c.starts_with("doimoi_session=;") && c.contains("Max-Age=0")),
        "the dead cookie is removed"
    );
    // A removed account's session ends at once; through the report API, a browser is sent to
    // the same sign-in page.
    let good = sign_in(&state, "snv").await;
    let (status, _, _) = send(&state, browse("/reports?period=2024", Some(&good))).await;
    assert_eq!(status, StatusCode::OK);
    doimoi_hub::users::ops::user_remove(&state.0.db, "snv").expect("remove");
    let (status, _, body) = send(&state, browse("/reports?period=2024", Some(&good))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(text(&body).contains("bị xóa"));
    let (status, headers, _) = send(
        &state,
        browse("/v1/reports/consolidated?period=2024", Some(&good)),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location(&headers).starts_with("/reports?next=%2Fv1%2Freports"));
}

#[tokio::test]
async fn the_dashboard_shows_each_mistake_next_to_its_field_and_the_report_otherwise() {
    let (_data, state) = hub_state("");
    user(&state, "snv.admin", "49-SNV", "admin");
    let snv = sign_in(&state, "snv.admin").await;
    let (status, _, body) = send(
        &state,
        browse(
            "/reports?period=2024-Q5&as_of=2024-02-30&as_of_mode=x&unit=xa+khong+co&silent_days=abc",
            Some(&snv),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let page = text(&body);
    for field in [
        "period-error",
        "as_of-error",
        "as_of_mode-error",
        "unit-error",
        "silent_days-error",
    ] {
        assert!(
            page.contains(&format!(r#"id="{field}""#)),
            "{field}: {page}"
        );
    }
    assert!(!page.contains(r#"id="chart-status""#));
    // A unit by name, diacritics optional: the report of that district, with the charts, the
    // tables and the downloads of the same selection.
    let (status, _, body) = send(
        &state,
        browse(
            "/reports?period=2024&unit=thanh+pho+tam+ky&as_of=2024-06-30&as_of_mode=happened",
            Some(&snv),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let page = text(&body);
    for part in [
        r#"id="chart-status""#,
        r#"id="chart-timeliness""#,
        r#"id="chart-completeness""#,
        r#"id="overdue-none""#,
        r#"<option value="502" selected>Thành phố Tam Kỳ (đã thôi hoạt động)</option>"#,
        r#"href="/v1/reports/consolidated?period=2024&amp;as_of=2024-06-30&amp;as_of_mode=happened&amp;unit=502&amp;format=xlsx""#,
        r#"id="mode-happened" checked"#,
        "Tổng hợp số liệu",
    ] {
        assert!(page.contains(part), "{part}: {page}");
    }
}

#[tokio::test]
async fn each_sync_records_when_the_device_last_synced() {
    let (_data, state) = hub_state("");
    let t = token(&state, "20335");
    let before = state.0.db.device_activity().expect("activity");
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].last_sync_at, None);
    let auth = [(header::AUTHORIZATION, bearer(&t))];
    let (status, _, _) = send(&state, sync_request(empty_body(), &auth)).await;
    assert_eq!(status, StatusCode::OK);
    let after = state.0.db.device_activity().expect("activity");
    let at = after[0].last_sync_at.expect("recorded");
    assert!((state.0.now_ms() - at).abs() < 60_000);
    // Within the minute, nothing more is written.
    assert!(!state
        .0
        .db
        .touch_device(after[0].id, at + 1_000)
        .expect("touch"));
    assert!(state
        .0
        .db
        .touch_device(after[0].id, at + 61_000)
        .expect("touch"));
}

#[tokio::test]
async fn a_user_signs_in_and_sees_the_scope_of_their_unit_and_admins_see_the_offices() {
    let (_data, state) = hub_state("");
    user(&state, "tamky", "502", "viewer");
    user(&state, "tamky.admin", "502", "admin");
    let _device = token(&state, "502");
    // A viewer of the district: its own scope, no offices' table.
    let viewer = sign_in(&state, "TamKy").await;
    let (status, _, body) = send(&state, browse("/reports?period=2024", Some(&viewer))).await;
    assert_eq!(status, StatusCode::OK);
    let page = text(&body);
    for part in [
        r#"<b id="office">Thành phố Tam Kỳ</b>"#,
        r#"<b id="user">tamky</b> (xem báo cáo)"#,
        r#"id="sign-out""#,
        r#"id="chart-status""#,
        "Toàn bộ phạm vi: Thành phố Tam Kỳ",
    ] {
        assert!(page.contains(part), "{part}: {page}");
    }
    assert!(!page.contains(r#"id="offices""#) && !page.contains("card-silent"));
    assert!(!page.contains(r#"id="silent_days""#));
    // Outside the district: refused by the field, as for a device of that unit.
    let (_, _, body) = send(
        &state,
        browse("/reports?period=2024&unit=49", Some(&viewer)),
    )
    .await;
    assert!(text(&body).contains(r#"id="unit-error""#));
    // Its API answers are the district's too.
    let (status, _, body) = send(
        &state,
        Request::get("/v1/reports/consolidated?period=2024")
            .header(header::COOKIE, format!("doimoi_session={viewer}"))
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let report: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(report["scope"]["code"], "502");
    // An administrator of the same unit also sees the offices and their last sync.
    let admin = sign_in(&state, "tamky.admin").await;
    let (status, _, body) = send(&state, browse("/reports?period=2024", Some(&admin))).await;
    assert_eq!(status, StatusCode::OK);
    let page = text(&body);
    assert!(
        page.contains(r#"id="offices""#)
            && page.contains(r#"id="card-silent""#)
            && page.contains("(quản trị)"),
        "{page}"
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_in_vietnamese_and_sets_nothing() {
    let (_data, state) = hub_state("");
    user(&state, "snv", "49-SNV", "admin");
    let device = token(&state, "49-SNV");
    for (what, name, password) in [
        ("a wrong password", "snv", "Mật khẩu đủ dài 2025"),
        ("an unknown user", "khong.co", PASSWORD),
        ("a device token in the password", "snv", device.as_str()),
        ("a name that cannot exist", "nguyễn văn an", PASSWORD),
    ] {
        let (status, headers, body) = send(&state, login(name, password, None)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
        assert!(set_cookies(&headers).is_empty(), "{what}: nothing is set");
        let page = text(&body);
        assert!(
            page.contains("Tên đăng nhập hoặc mật khẩu không đúng"),
            "{what}: {page}"
        );
        // The form again, the name kept, the password not.
        assert!(page.contains(r#"id="password""#), "{what}");
        assert!(!page.contains(password), "{what}");
    }
    assert_eq!(state.0.metrics.signin_failures.load(Ordering::Relaxed), 4);
    let (_, _, metrics) = send(
        &state,
        Request::get("/metrics")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert!(text(&metrics).contains("doimoi_signin_failures_total 4"));
    // The page's old form (a device token alone) signs nobody in.
    let (status, headers, body) = send(&state, login_form(format!("token={device}"), &[])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(session_of(&headers).is_none());
    assert!(text(&body).contains("Nhập tên đăng nhập và mật khẩu"));
    // Nor does a device token kept in the old cookie open the pages or the report API.
    let (status, _, body) = send(
        &state,
        Request::get("/reports?period=2024")
            .header(header::ACCEPT, BROWSER_ACCEPT)
            .header(header::COOKIE, format!("doimoi_token={device}"))
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let page = text(&body);
    assert!(
        page.contains(r#"id="sign-in""#) && !page.contains("chart-status"),
        "{page}"
    );
    let (status, _, _) = send(
        &state,
        Request::get("/v1/reports/consolidated?period=2024")
            .header(header::COOKIE, format!("doimoi_token={device}"))
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The right password still works, the name's case aside.
    let (status, headers, _) = send(&state, login("SNV", PASSWORD, None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(session_of(&headers).is_some());
}

/// A sign-in from the client address `ip`, as the connection loop records it.
fn login_from(name: &str, password: &str, ip: [u8; 4]) -> Request<Body> {
    let mut req = login(name, password, None);
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            ip, 40000,
        ))));
    req
}

#[tokio::test]
async fn repeated_failures_must_wait_and_are_told_how_long() {
    let (_data, state) = hub_state(
        "[accounts]\nmax_failures_per_name = 3\nmax_failures_per_address = 5\nlockout_secs = 2\n",
    );
    user(&state, "snv", "49-SNV", "viewer");
    for i in 1..=3 {
        let (status, _, body) =
            send(&state, login_from("snv", "sai mật khẩu rồi", [10, 0, 0, 1])).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "failure {i}");
        let page = text(&body);
        assert_eq!(
            page.contains("hãy chờ 2 giây"),
            i == 3,
            "failure {i}: {page}"
        );
    }
    // Locked: even the right password is refused unchecked, with how long to wait.
    let (status, headers, body) = send(&state, login_from("snv", PASSWORD, [10, 0, 0, 2])).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(session_of(&headers).is_none());
    let page = text(&body);
    assert!(
        page.contains("Đăng nhập sai quá nhiều lần") && page.contains("giây"),
        "{page}"
    );
    assert_eq!(state.0.metrics.signin_limited.load(Ordering::Relaxed), 1);
    assert_eq!(state.0.metrics.signin_failures.load(Ordering::Relaxed), 3);
    // After the wait, the right password signs in.
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let (status, headers, _) = send(&state, login_from("snv", PASSWORD, [10, 0, 0, 2])).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(session_of(&headers).is_some());
    // One address trying many names is held back too.
    for name in ["a1", "a2", "a3", "a4", "a5"] {
        let (status, _, _) =
            send(&state, login_from(name, "sai mật khẩu rồi", [10, 0, 0, 9])).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
    }
    let (status, _, _) = send(&state, login_from("a6", "sai mật khẩu rồi", [10, 0, 0, 9])).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Another address is not.
    let (status, _, _) = send(&state, login_from("snv", PASSWORD, [10, 0, 0, 3])).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_idle_or_old_session_sends_the_person_back_to_sign_in() {
    use std::time::Duration;
    // Idle: unused for more than a second.
    let (_data, state) = hub_state("[accounts]\nsession_idle_secs = 1\n");
    user(&state, "snv", "49-SNV", "viewer");
    let session = sign_in(&state, "snv").await;
    let (status, _, _) = send(&state, browse("/reports?period=2024", Some(&session))).await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let (status, headers, body) =
        send(&state, browse("/reports?period=2024", Some(&session))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let page = text(&body);
    assert!(
        page.contains("Phiên đăng nhập đã hết hạn vì không dùng quá 1 giây"),
        "{page}"
    );
    assert!(page.contains(r#"id="password""#));
    assert!(set_cookies(&headers)
        .iter()
        .any(|c| c.contains("Max-Age=0")));
    // The ended session is gone for the report API too.
    let (status, headers, _) = send(
        &state,
        browse("/v1/reports/consolidated?period=2024", Some(&session)),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location(&headers).starts_with("/reports?next="));

    // Old: in use all along, but begun more than 3 seconds ago.
    let (_data, state) = hub_state("[accounts]\nsession_idle_secs = 2\nsession_max_secs = 3\n");
    user(&state, "snv", "49-SNV", "viewer");
    let session = sign_in(&state, "snv").await;
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(1_200)).await;
        // (The report API, quick on an empty hub, keeps the timing clear of the limits.)
        let api = Request::get("/v1/reports/consolidated?period=2024")
            .header(header::COOKIE, format!("doimoi_session={session}"))
            .body(Body::empty())
            .expect("request");
        let (status, _, _) = send(&state, api).await;
        assert_eq!(status, StatusCode::OK, "in use, under the limits");
    }
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let (status, _, body) = send(&state, browse("/reports?period=2024", Some(&session))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(text(&body).contains("mỗi phiên dùng tối đa 3 giây"));
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let (_data, state) = hub_state("");
    user(&state, "snv", "49-SNV", "viewer");
    let session = sign_in(&state, "snv").await;
    let sessions = || {
        let list = doimoi_hub::users::ops::user_list(&state.0.db, &state.0.config.accounts, true)
            .expect("user list");
        let v: serde_json::Value = serde_json::from_str(&list).expect("json");
        v[0]["sessions"].as_i64()
    };
    assert_eq!(sessions(), Some(1));
    let logout = Request::post("/reports/logout")
        .header(header::COOKIE, format!("doimoi_session={session}"))
        .body(Body::empty())
        .expect("request");
    let (status, headers, _) = send(&state, logout).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/reports");
    assert!(set_cookies(&headers)
        .iter()
        .any(|c| c.starts_with("doimoi_session=;") && c.contains("Max-Age=0")));
    assert_eq!(sessions(), Some(0), "the session is gone from the hub");
    // The cookie a browser might still send opens nothing any more.
    let (status, _, body) = send(&state, browse("/reports?period=2024", Some(&session))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(text(&body).contains("đã đăng xuất"));
    let (status, _, body) = send(
        &state,
        Request::get("/v1/reports/consolidated?period=2024")
            .header(header::COOKIE, format!("doimoi_session={session}"))
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_of(&body).0, "unauthorized");
}

#[tokio::test]
async fn a_new_password_ends_the_sessions_and_https_cookies_are_secure() {
    let (_data, state) = hub_state("[accounts]\nsecure_cookie = true\n");
    user(&state, "snv", "49-SNV", "viewer");
    let (status, headers, _) = send(&state, login("snv", PASSWORD, None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(set_cookies(&headers)
        .iter()
        .any(|c| c.starts_with("doimoi_session=") && c.ends_with("; Secure")));
    let session = session_of(&headers).expect("a session");
    doimoi_hub::users::ops::user_passwd(&state.0.db, "snv", "Một mật khẩu mới hẳn")
        .expect("passwd");
    let (status, _, _) = send(&state, browse("/reports?period=2024", Some(&session))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = send(&state, login("snv", PASSWORD, None)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old password no longer works"
    );
    let (status, _, _) = send(&state, login("snv", "Một mật khẩu mới hẳn", None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // A hub serving HTTPS itself sets `Secure` without being told.
    let (_data, state) = hub_state("tls_cert = \"hub.pem\"\ntls_key = \"hub.key\"\n");
    user(&state, "snv", "49-SNV", "viewer");
    let (status, headers, _) = send(&state, login("snv", PASSWORD, None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(set_cookies(&headers)
        .iter()
        .any(|c| c.starts_with("doimoi_session=") && c.ends_with("; Secure")));
}
