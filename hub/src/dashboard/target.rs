//! Where a browser goes back to after signing in, and whether a request comes from a browser
//! at all (the report API answers people with pages and programs with JSON).

use axum::http::{header, HeaderMap};

/// The longest return target kept (a report link is far shorter).
const MAX_TARGET: usize = 2_000;

/// `next` when it is safe to send a browser to after signing in: a relative path on this hub
/// to the dashboard or the report API (`/reports…`, `/v1/reports/consolidated…`), printable
/// ASCII without spaces or backslashes. Anything else (`https://elsewhere`, `//elsewhere`,
/// `/\elsewhere`, another page of the hub) gives `None`: no open redirect.
pub fn safe_target(next: &str) -> Option<&str> {
    let next = next.trim();
    if next.is_empty()
        || next.len() > MAX_TARGET
        || !next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
    {
        return None;
    }
    let (path, _) = next.split_once(['?', '#']).unwrap_or((next, ""));
    let ours = path == "/reports" || path == "/v1/reports/consolidated";
    ours.then_some(next)
}

/// Whether the request is a person's browser: it accepts HTML and carries no
/// `Authorization` header (programs send the bearer token, or do not ask for HTML).
pub fn is_browser(headers: &HeaderMap) -> bool {
    let html = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/html"));
    html && !headers.contains_key(header::AUTHORIZATION)
}

/// A query-string value, percent-encoded (everything but ASCII letters, digits and `-_.~`).
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The sign-in address that comes back to `target` afterwards.
pub fn sign_in_then(target: &str) -> String {
    format!("/reports?next={}", enc(target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_hubs_own_report_paths_are_return_targets() {
        for ok in [
            "/reports",
            "/reports?period=2026&unit=502",
            "/v1/reports/consolidated?period=2024&format=html",
        ] {
            assert_eq!(safe_target(ok), Some(ok), "{ok}");
        }
        for bad in [
            "",
            "https://evil.example/reports",
            "//evil.example/reports",
            "/\\evil.example",
            "/reports\\..\\x",
            "/reportsx",
            "/v1/sync",
            "/metrics",
            "reports",
            "/reports?x=a b",
            "/reports?x=\u{e9}",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_target(bad), None, "{bad}");
        }
    }

    #[test]
    fn browsers_are_told_from_programs() {
        let mut h = HeaderMap::new();
        assert!(!is_browser(&h));
        h.insert(
            header::ACCEPT,
            "text/html,application/xhtml+xml,*/*;q=0.8"
                .parse()
                .expect("header"),
        );
        assert!(is_browser(&h));
        h.insert(
            header::AUTHORIZATION,
            "Bearer dm_x".parse().expect("header"),
        );
        assert!(!is_browser(&h));
        assert_eq!(enc("2024-01-01..2024-12-31"), "2024-01-01..2024-12-31");
        assert_eq!(
            sign_in_then("/reports?period=2026&unit=502"),
            "/reports?next=%2Freports%3Fperiod%3D2026%26unit%3D502"
        );
    }
}
