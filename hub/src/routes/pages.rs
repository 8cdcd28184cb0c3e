//! The hub's one web page: `GET /reports` — sign in with a device token (kept in an HttpOnly
//! cookie), choose a period, open the HTML report or download XLSX / DOCX / CSV / JSON from
//! `GET /v1/reports/consolidated`, which accepts the cookie as well as a bearer token.

use crate::auth::{cookie_token, cross_site, token_hash, TOKEN_COOKIE};
use crate::render::escape;
use crate::state::AppState;
use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

#[derive(serde::Deserialize)]
pub struct Login {
    token: String,
}

fn page(body: &str) -> Html<String> {
    Html(format!(
        r#"<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Báo cáo tổng hợp — doimoi</title>
<style>
body{{font-family:"Times New Roman",serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#111}}
h1{{font-size:1.4rem}} label{{display:block;margin:.8rem 0 .2rem}}
input,select,button{{font-size:1rem;padding:.35rem;width:100%;box-sizing:border-box}}
button{{width:auto;margin-top:1rem;padding:.4rem 1.2rem}} .note{{color:#555;font-size:.9rem}}
.err{{color:#a00}}
</style></head><body>{body}</body></html>"#
    ))
}

fn login_form(message: &str) -> Html<String> {
    page(&format!(
        r#"<h1>Báo cáo tổng hợp kết quả khuyến khích, bảo vệ cán bộ năng động, sáng tạo</h1>
{message}
<form method="post" action="/reports/login">
<label for="token">Token của thiết bị (do người quản trị cấp bằng <code>doimoi-hub token issue</code>)</label>
<input id="token" name="token" type="password" autocomplete="off" required>
<button type="submit">Đăng nhập</button>
</form>
<p class="note">Token được giữ trong cookie của trình duyệt này cho đến khi đóng trình duyệt.</p>"#
    ))
}

/// `GET /reports`.
pub(super) async fn reports(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = cookie_token(&headers) else {
        return login_form("").into_response();
    };
    let inner = state.0.clone();
    let hash = token_hash(&token);
    let found = tokio::task::spawn_blocking(move || {
        let dev = inner.db.device(&hash)?;
        let reg = inner.registry().ok().map(|(_, r)| r);
        Ok::<_, crate::store::StoreError>((dev, reg))
    })
    .await;
    let (device, registry) = match found {
        Ok(Ok((Some((d, false)), Some(r)))) => (d, r),
        Ok(Ok((Some((_, true)), _))) => {
            return login_form(r#"<p class="err">Token đã bị thu hồi; nhập token mới.</p>"#)
                .into_response()
        }
        _ => {
            return login_form(r#"<p class="err">Token không hợp lệ; nhập lại.</p>"#)
                .into_response()
        }
    };
    let unit_name = registry
        .get(&device.unit)
        .map_or(device.unit.to_string(), |u| u.name.clone());
    // The Decree 09 year under way (it ends on 14/12), in Vietnam's calendar.
    let today = state.0.today();
    let year = {
        use chrono::Datelike;
        let late = today.month() == 12 && today.day() >= 15;
        (today.year() + i32::from(late)).to_string()
    };
    let body = format!(
        r#"<h1>Báo cáo tổng hợp kết quả khuyến khích, bảo vệ cán bộ năng động, sáng tạo</h1>
<p>Đơn vị: <b>{unit}</b> ({code})</p>
<form method="get" action="/v1/reports/consolidated">
<label for="period">Kỳ báo cáo</label>
<input id="period" name="period" value="{year}" required>
<p class="note">Năm: {year} (15/12 năm trước – 14/12); 6 tháng: {year}-H1, {year}-H2; quý: {year}-Q1…Q4; hoặc khoảng ngày 2024-01-01..2024-12-31.</p>
<label for="as_of">Tính đến ngày (để trống: số liệu hiện tại)</label>
<input id="as_of" name="as_of" type="date">
<label for="unit">Đơn vị (để trống: toàn bộ phạm vi của đơn vị mình)</label>
<input id="unit" name="unit" placeholder="ví dụ 502">
<label for="format">Định dạng</label>
<select id="format" name="format">
<option value="html">Xem trên trình duyệt (HTML)</option>
<option value="xlsx">Excel (XLSX)</option>
<option value="docx">Word — báo cáo theo Nghị định 30/2020 (DOCX)</option>
<option value="csv">CSV</option>
<option value="json">JSON</option>
</select>
<button type="submit">Lập báo cáo</button>
</form>
<form method="post" action="/reports/logout"><button type="submit">Đăng xuất</button></form>"#,
        unit = escape(&unit_name),
        code = escape(device.unit.as_str()),
    );
    page(&body).into_response()
}

fn redirect_with_cookie(cookie: &str) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    let h = resp.headers_mut();
    h.insert(header::LOCATION, HeaderValue::from_static("/reports"));
    if let Ok(v) = HeaderValue::from_str(cookie) {
        h.insert(header::SET_COOKIE, v);
    }
    resp
}

fn refused_cross_site() -> Response {
    (
        StatusCode::FORBIDDEN,
        login_form(r#"<p class="err">Yêu cầu đến từ trang khác bị từ chối; mở trang /reports của máy chủ rồi đăng nhập.</p>"#),
    )
        .into_response()
}

/// `POST /reports/login`: keeps the token in an HttpOnly, same-site cookie.
pub(super) async fn login(headers: HeaderMap, Form(f): Form<Login>) -> Response {
    if cross_site(&headers) {
        return refused_cross_site();
    }
    let token = f.token.trim();
    if token.is_empty() || !token.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return login_form(
            r#"<p class="err">Token chỉ gồm chữ, số và dấu gạch dưới; nhập lại.</p>"#,
        )
        .into_response();
    }
    redirect_with_cookie(&format!(
        "{TOKEN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"
    ))
}

/// `POST /reports/logout`.
pub(super) async fn logout(headers: HeaderMap) -> Response {
    if cross_site(&headers) {
        return refused_cross_site();
    }
    redirect_with_cookie(&format!(
        "{TOKEN_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
    ))
}
