//! The dashboard's page shell (inline CSS and the one small script: nothing is fetched from
//! elsewhere), the sign-in page and the error page.

use crate::render::escape;

const CSS: &str = "\
:root{--ink:#1b1f24;--muted:#5b6470;--line:#c9ced6;--soft:#f3f5f8;--accent:#1f4e8c;--bad:#b42318;--warn:#b54708;--ok:#1a7f37}\
*{box-sizing:border-box}\
body{font-family:'Times New Roman',Times,serif;color:var(--ink);margin:0;line-height:1.45;background:#fff}\
header.top{background:var(--accent);color:#fff;padding:.7rem 1.5rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;justify-content:space-between}\
header.top h1{font-size:1.25rem;margin:0;font-weight:bold}header.top .who{font-size:.95rem}\
header.top form{display:inline;margin:0}header.top button{background:transparent;color:#fff;border:1px solid #fff;padding:.2rem .7rem;font:inherit;cursor:pointer}\
main{max-width:76rem;margin:0 auto;padding:1rem 1.5rem 3rem}\
h2{font-size:1.2rem;margin:2rem 0 .6rem;padding-bottom:.2rem;border-bottom:2px solid var(--accent);color:var(--accent)}\
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}\
.note{color:var(--muted);font-size:.9rem;margin:.2rem 0}\
.err{color:var(--bad);font-weight:bold;margin:.25rem 0}\
.box{border:1px solid var(--line);background:var(--soft);padding:1rem 1.2rem;border-radius:6px}\
form.sel{display:grid;grid-template-columns:minmax(13rem,1fr) minmax(13rem,1fr) minmax(18rem,1.7fr);grid-template-areas:'period asof unit' 'silent asof unit' 'actions actions actions';gap:1rem 1.5rem;align-items:start}\
.f-period{grid-area:period}.f-asof{grid-area:asof}.f-unit{grid-area:unit}.f-silent{grid-area:silent}\
@media (max-width:52rem){form.sel{grid-template-columns:1fr;grid-template-areas:'period' 'asof' 'unit' 'silent' 'actions'}}\
.note code{white-space:nowrap;font-family:inherit;color:var(--ink)}\
form.sel fieldset{border:0;margin:0;padding:0;min-width:0}\
form.sel legend,form.sel label.t{display:block;font-weight:bold;margin-bottom:.25rem;padding:0}\
input,select,button{font:inherit}\
input[type=text],input[type=date],input[type=number],input[type=search],input[type=password],select{width:100%;padding:.35rem .45rem;border:1px solid #9aa3ae;border-radius:4px;background:#fff}\
.invalid input,.invalid select{border-color:var(--bad);outline:1px solid var(--bad)}\
label.r{display:block;margin:.3rem 0;font-weight:normal}\
select[size]{margin-top:.35rem}\
.actions{grid-area:actions;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}\
button.go{background:var(--accent);color:#fff;border:0;padding:.5rem 1.4rem;border-radius:4px;cursor:pointer;font-weight:bold}\
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.8rem;margin:1rem 0}\
.card{border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem}\
.card b{display:block;font-size:1.6rem;font-variant-numeric:tabular-nums}.card span{color:var(--muted);font-size:.9rem}\
.card.bad b{color:var(--bad)}\
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(30rem,1fr));gap:1rem 2rem}\
figure{margin:0}figcaption{font-weight:bold;margin-bottom:.3rem}\
svg{max-width:100%;height:auto;font-family:'Times New Roman',Times,serif}\
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;font-size:.9rem;margin:.2rem 0 .4rem}\
.legend i{display:inline-block;width:.9rem;height:.9rem;vertical-align:-.1rem;margin-right:.3rem;border-radius:2px}\
.dl a{display:inline-block;margin:.2rem .8rem .2rem 0;padding:.3rem .8rem;border:1px solid var(--accent);border-radius:4px;color:var(--accent);text-decoration:none}\
table{border-collapse:collapse;font-size:.9rem;margin:.4rem 0}\
th,td{border:1px solid #9aa3ae;padding:3px 7px;vertical-align:top}th{background:#e6ecf5;text-align:left}\
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
tr.silent td{background:#fdecea}tr.silent td.state{color:var(--bad);font-weight:bold}\
.wrap{overflow-x:auto;max-width:100%}\
.report h2{font-size:1.08rem;color:var(--ink);border-bottom:1px solid var(--line)}.report h3{font-size:1rem}.report table{font-size:.82rem}\
.report tr.sub td{font-weight:bold;background:#f6f6f6}.report tr.tot td{font-weight:bold;background:#eef3e8}\
.report tr.sec td{font-weight:bold;background:#f0f0f0}.report td.l1{padding-left:2em}\
.report .d1{padding-left:1.5em}.report .d2{padding-left:3em}.report .d3{padding-left:4.5em}\
.report .d4{padding-left:6em}.report .d5{padding-left:7.5em}.report .d6{padding-left:9em}\
.narrow{max-width:34rem;margin:3rem auto}\
@media print{header.top form,form.sel,.dl,.noprint{display:none}header.top{background:none;color:#000;border-bottom:2px solid #000}\
main{max-width:none;padding:0}h2{color:#000;border-color:#000;break-after:avoid}figure,tr{break-inside:avoid}\
.charts{grid-template-columns:1fr 1fr}tr.silent td{background:#eee}}";

/// A whole page: `title` in the tab, `top` in the blue band, then `body`.
pub fn page(title: &str, top: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{CSS}</style></head>
<body><header class="top">{top}</header><main>{body}</main></body></html>
"#,
        title = escape(title),
    )
}

/// The band's title.
pub const APP_TITLE: &str =
    "Báo cáo tổng hợp kết quả khuyến khích, bảo vệ cán bộ năng động, sáng tạo";

/// The sign-in page: `reason` (already HTML, may be empty) above the form; `next` the page to
/// come back to (kept only when safe); `name` the user name to show again.
pub fn sign_in(reason: &str, next: Option<&str>, name: &str) -> String {
    let next = next.and_then(super::target::safe_target);
    let back = match next {
        Some(n) => format!(
            r#"<input type="hidden" name="next" value="{}"><p class="note">Sau khi đăng nhập, trang sẽ mở lại báo cáo đã chọn.</p>"#,
            escape(n)
        ),
        None => String::new(),
    };
    let focus = if name.is_empty() { " autofocus" } else { "" };
    let again = if name.is_empty() { "" } else { " autofocus" };
    let body = format!(
        r#"<div class="narrow box" id="sign-in">
<h2 style="margin-top:0">Đăng nhập</h2>
{reason}
<form method="post" action="/reports/login">
<p><label class="t" for="name">Tên đăng nhập</label>
<input id="name" name="name" type="text" value="{name}" autocomplete="username" autocapitalize="none" spellcheck="false" maxlength="{max}" required{focus}></p>
<p><label class="t" for="password">Mật khẩu</label>
<input id="password" name="password" type="password" autocomplete="current-password" required{again}></p>
{back}
<p><button class="go" type="submit">Đăng nhập</button></p>
</form>
<p class="note">Tài khoản do người quản trị máy chủ tạo cho từng người (<code>doimoi-hub user add</code>); token của thiết bị chỉ dùng cho phần mềm doimoi ở văn phòng, không dùng để đăng nhập trang này.</p>
<p class="note">Phiên đăng nhập tự kết thúc khi lâu không dùng; dùng máy chung thì bấm “Đăng xuất” khi xong việc.</p>
</div>"#,
        name = escape(name),
        max = crate::users::MAX_NAME,
    );
    page(
        &format!("Đăng nhập — {APP_TITLE}"),
        &format!("<h1>{APP_TITLE}</h1>"),
        &body,
    )
}

/// A refusal as a page for people: what happened, what to do, and a link back.
pub fn error_page(title: &str, message: &str, back: &str) -> String {
    let body = format!(
        r#"<div class="narrow box"><h2 style="margin-top:0">{t}</h2><p class="err">{m}</p>
<p><a href="{b}">Quay lại trang báo cáo</a></p></div>"#,
        t = escape(title),
        m = escape(message),
        b = escape(back),
    );
    page(title, &format!("<h1>{APP_TITLE}</h1>"), &body)
}
