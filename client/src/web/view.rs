//! The page shell (header, navigation, sync banner) and the pieces pages share. Every value
//! goes through maud, which escapes it.

use crate::actions::status::SyncStatus;
use crate::app::App;
use crate::commands::local_time;
use crate::error::CliError;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};

/// What every page shows around its content.
pub struct Shell {
    pub office: String,
    pub banner: Banner,
}

impl Shell {
    pub fn of(app: &App) -> Result<Shell, CliError> {
        Ok(Shell {
            office: unit_name(app, app.unit.as_str()),
            banner: Banner::of(
                &crate::actions::status::sync_status(app, false)?,
                app.store.index_version()?,
            ),
        })
    }
}

/// The sync banner, in words.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Banner {
    /// `ok`, `offline` or `none` (no hub configured).
    pub state: &'static str,
    pub headline: String,
    pub last: String,
    pub pending: usize,
    pub pending_text: String,
    pub error: String,
    /// Changes when the list of proposals changes (home and list pages refresh on it).
    pub version: String,
}

impl Banner {
    pub fn of(s: &SyncStatus, version: String) -> Banner {
        let configured = s.hub.as_deref().is_some_and(|h| !h.is_empty());
        let (state, headline) = if !configured {
            (
                "none",
                "Chưa cấu hình máy chủ: dữ liệu chỉ lưu trên máy này".to_string(),
            )
        } else if s.last_error.is_some() {
            ("offline", "Mất kết nối với máy chủ".to_string())
        } else if s.last_sync.is_some() {
            ("ok", "Đã kết nối với máy chủ".to_string())
        } else {
            ("offline", "Chưa đồng bộ với máy chủ lần nào".to_string())
        };
        Banner {
            state,
            headline,
            last: match s.last_sync {
                Some(t) => format!("Đồng bộ gần nhất: {}", local_time(t)),
                None => "Chưa đồng bộ lần nào".into(),
            },
            pending: s.pending_documents,
            pending_text: format!("Tài liệu chờ gửi: {}", s.pending_documents),
            error: s
                .last_error_kind
                .as_deref()
                .map(plain_error)
                .unwrap_or_default()
                .to_string(),
            version,
        }
    }
}

/// The last sync error in plain words, by its kind.
fn plain_error(kind: &str) -> &'static str {
    match kind {
        "unreachable" => "Không kết nối được máy chủ. Dữ liệu vẫn được lưu trên máy; doimoi tự đồng bộ khi có kết nối.",
        "unauthorized" => "Máy chủ không nhận mã truy cập (token) của máy này: vào Cài đặt để nhập token mới.",
        "token_revoked" => "Mã truy cập (token) của máy này đã bị thu hồi: xin token mới từ người quản trị máy chủ.",
        "out_of_scope" => "Máy chủ từ chối một tài liệu ngoài phạm vi của văn phòng.",
        "local" => "Lỗi khi đọc dữ liệu trên máy trong lúc đồng bộ.",
        _ => "Máy chủ đang quá tải hoặc gặp lỗi; doimoi sẽ thử lại.",
    }
}

/// A unit's name ("Phường Tân Thạnh"), never a bare code when the registry knows it.
pub fn unit_name(app: &App, code: &str) -> String {
    doimoi_shared::ids::UnitCode::parse(code)
        .ok()
        .and_then(|c| app.registry.get(&c).map(|u| u.name.clone()))
        .unwrap_or_else(|| format!("Đơn vị {code}"))
}

/// dd/mm/yyyy of a stored `YYYY-MM-DD`.
pub fn vn_date(iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_else(|_| iso.to_string())
}

const NAV: [(&str, &str, &str); 5] = [
    ("home", "/", "Việc cần làm"),
    ("list", "/de-xuat", "Đề xuất"),
    ("duties", "/nhiem-vu", "Nhiệm vụ của đơn vị"),
    ("reports", "/bao-cao", "Báo cáo"),
    ("settings", "/cai-dat", "Cài đặt"),
];

/// The whole page around `content`.
pub fn page(shell: &Shell, active: &str, title: &str, content: Markup) -> Markup {
    let b = &shell.banner;
    html! {
        (DOCTYPE)
        html lang="vi" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — Đổi mới, sáng tạo" }
                link rel="stylesheet" href="/static/app.css";
                script src="/static/app.js" defer {}
            }
            body {
                header.top {
                    div.brand {
                        span.app { "Đổi mới, sáng tạo" }
                        span #office.office { (shell.office) }
                    }
                    nav {
                        @for (key, href, label) in NAV {
                            a href=(href) class=(if key == active { "active" } else { "" }) { (label) }
                        }
                    }
                }
                div #sync.banner data-state=(b.state) data-version=(b.version) data-live=(if active == "home" || active == "list" { "1" } else { "" }) {
                    span #sync-headline.headline { (b.headline) }
                    span #sync-last { (b.last) }
                    span #sync-pending data-count=(b.pending) { (b.pending_text) }
                    span #sync-error.error { (b.error) }
                    @if b.state != "none" {
                        form method="post" action="/dong-bo" {
                            button #sync-now type="submit" { "Đồng bộ ngay" }
                        }
                    } @else {
                        a href="/cai-dat" { "Cấu hình máy chủ" }
                    }
                }
                main { (content) }
            }
        }
    }
}

/// A page with a message only (an error, a refusal), with a way back.
pub fn message_page(shell: &Shell, title: &str, message: &str, back: Option<&str>) -> Markup {
    page(
        shell,
        "",
        title,
        html! {
            h1 { (title) }
            p.message.error role="alert" { (message) }
            @if let Some(href) = back {
                p { a href=(href) { "Quay lại" } }
            }
        },
    )
}

/// The page for a browser without the cookie: how to open the app.
pub fn sign_in_needed() -> Markup {
    html! {
        (DOCTYPE)
        html lang="vi" {
            head {
                meta charset="utf-8";
                title { "Mở ứng dụng — Đổi mới, sáng tạo" }
                link rel="stylesheet" href="/static/app.css";
            }
            body {
                main {
                    h1 { "Cần mở ứng dụng từ máy của văn phòng" }
                    p { "Để bảo vệ dữ liệu, trang này chỉ mở được bằng đường dẫn do doimoi cấp. Trên máy của văn phòng, chạy lệnh:" }
                    pre { "doimoi open" }
                    p { "Lệnh này mở trình duyệt đúng địa chỉ (hoặc in ra địa chỉ để dán vào trình duyệt)." }
                }
            }
        }
    }
}

/// An error of an action as a page: its Vietnamese message, with the status it deserves.
pub fn error_response(shell: Option<&Shell>, e: &CliError, back: Option<&str>) -> Response {
    let status = match e {
        CliError::Usage(_) => StatusCode::BAD_REQUEST,
        CliError::NotFound(_) => StatusCode::NOT_FOUND,
        CliError::Refused(_) => StatusCode::CONFLICT,
        CliError::Sync(_) => StatusCode::BAD_GATEWAY,
        CliError::Store(_) | CliError::Doc(_) | CliError::Io { .. } => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    let title = match e {
        CliError::NotFound(_) => "Không tìm thấy",
        CliError::Refused(_) => "Không thực hiện được",
        CliError::Usage(_) => "Thông tin chưa đúng",
        CliError::Sync(_) => "Không kết nối được máy chủ",
        _ => "Có lỗi khi xử lý",
    };
    let msg = web_text(&e.to_string());
    let body = match shell {
        Some(s) => message_page(s, title, &msg, back),
        None => html! {
            (DOCTYPE)
            html lang="vi" { head { meta charset="utf-8"; title { (title) } link rel="stylesheet" href="/static/app.css"; }
                body { main { h1 { (title) } p.message.error role="alert" { (msg) } p { a href="/" { "Về trang chính" } } } } }
        },
    };
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body.into_string(),
    )
        .into_response()
}

/// A message of the core written for the command line, made readable in the app: the
/// commands in backticks and the flags named in parentheses are dropped.
pub fn web_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    // "(--title)", "(--date)": drop flag names in parentheses.
    while let Some(i) = rest.find(" (--") {
        out.push_str(&rest[..i]);
        match rest[i..].find(')') {
            Some(j) => rest = &rest[i + j + 1..],
            None => {
                rest = &rest[i..];
                break;
            }
        }
    }
    out.push_str(rest);
    // A sentence that tells which command to type: replaced by what to do in the app.
    let mut cleaned = String::with_capacity(out.len());
    for sentence in out.split_inclusive(". ") {
        if sentence.contains("`doimoi") {
            if let Some(i) = sentence.find(" bằng `doimoi") {
                cleaned.push_str(sentence[..i].trim_end());
                cleaned.push_str(if sentence.ends_with(". ") { ". " } else { "." });
            } else if let Some(i) = sentence.find(" (`doimoi") {
                let tail = sentence[i..]
                    .find(')')
                    .map_or("", |j| &sentence[i + j + 1..]);
                cleaned.push_str(&sentence[..i]);
                cleaned.push_str(tail);
            }
            continue;
        }
        cleaned.push_str(sentence);
    }
    cleaned.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_hints_are_dropped_from_messages() {
        assert_eq!(
            web_text("Còn thiếu: Tên đề xuất (--title); Phạm vi. Bổ sung bằng `doimoi proposal edit abcd`."),
            "Còn thiếu: Tên đề xuất; Phạm vi. Bổ sung."
        );
        assert_eq!(
            web_text("Không ghi được: chưa có ý kiến của cấp ủy cùng cấp: ghi ý kiến cấp ủy (`doimoi proposal party-opinion`) trước khi phê duyệt. Không có gì bị thay đổi."),
            "Không ghi được: chưa có ý kiến của cấp ủy cùng cấp: ghi ý kiến cấp ủy trước khi phê duyệt. Không có gì bị thay đổi."
        );
    }
}
