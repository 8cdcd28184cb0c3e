//! The dashboard in a real headless Chromium, driven through chromedriver (WebDriver): a hub
//! with offices that synced proposals, people's accounts made with `doimoi-hub user add`,
//! sign-in through the form (a wrong password and a pasted device token refused first), a period
//! typed, a unit picked through the searchable list, the charts, the overdue steps and the
//! offices read back from the page and compared with the JSON report, a bookmarked report
//! followed through sign-in, a viewer who does not see the offices, signing out, a removed
//! account. Screenshots go to `target/screenshots/` (under `CARGO_TARGET_DIR` when set).
//!
//! Without chromedriver the test is skipped with a loud message, unless `CI` is set: then it
//! fails (`.ci/run` installs `chromium` and `chromium-driver`).

use crate::harness::{TestClient, TestHub};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// chromedriver: `$CHROMEDRIVER`, else the first on `PATH`, else Debian's.
pub(crate) fn chromedriver() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMEDRIVER").map(PathBuf::from) {
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("chromedriver"))
        .chain([PathBuf::from("/usr/bin/chromedriver")])
        .find(|p| p.is_file())
}

pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// A chromedriver process on a free port of the loopback, stopped on drop.
pub(crate) struct Driver {
    child: Child,
    pub(crate) url: String,
}

impl Driver {
    pub(crate) fn start(exe: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(exe)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", exe.display()));
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not listen on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `target/screenshots`, under `CARGO_TARGET_DIR` when set.
pub(crate) fn screenshots() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshots folder");
    dir
}

/// A proposal submitted on `sub` and received on `rec`, its decision still to come.
fn received(c: &TestClient, title: &str, sub: &str, rec: &str) -> String {
    let id = c.new_proposal(title, &[]);
    c.step(&id, "submit", sub, &[]);
    c.step(&id, "receive", rec, &[]);
    id
}

/// The password of the accounts.
const PASSWORD: &str = "Sở Nội vụ tổng hợp 2026";

/// Whole numbers as the page writes them (`1.234`).
fn num(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

#[test]
fn the_dashboard_works_in_a_real_browser() {
    let Some(exe) = chromedriver() else {
        assert!(
            !in_ci(),
            "CI is set but chromedriver is missing: install the Debian packages chromium and chromium-driver (.ci/run does)"
        );
        // Straight to the process's stderr: the test harness captures `eprintln!` of a test
        // that passes, and a skip must be seen.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "\n{bar}\nSKIPPED the_dashboard_works_in_a_real_browser: chromedriver not found \
             (install chromium and chromium-driver, or set CHROMEDRIVER). With CI set, this fails.\n{bar}\n",
            bar = "!".repeat(78)
        );
        return;
    };

    // The offices. District 502 synced 40 days ago and not since; commune 20341 has a token
    // and never synced; commune 20335 syncs now.
    let mut hub = TestHub::spawn();
    let snv = hub.token("49-SNV");
    hub.restart_at(&(chrono::Utc::now() - chrono::Duration::days(40)).to_rfc3339());
    let district = TestClient::new("502", &hub.url, &hub.token("502"));
    received(
        &district,
        "Ứng dụng trợ lý ảo trả lời câu hỏi của công dân",
        "2025-05-05",
        "2025-05-06",
    );
    district.sync();
    hub.restart_at(&chrono::Utc::now().to_rfc3339());
    let _silent = hub.token("20341");
    hub.user("snv.admin", "49-SNV", "admin", PASSWORD);
    hub.user("snv.xem", "49-SNV", "viewer", PASSWORD);
    let commune = TestClient::new("20335", &hub.url, &hub.token("20335"));
    received(&commune, "Số hóa hồ sơ một cửa", "2025-03-03", "2025-03-04");
    let approved = received(
        &commune,
        "Bản đồ số quản lý đất đai",
        "2025-04-01",
        "2025-04-02",
    );
    commune.step(&approved, "party-opinion", "2025-04-03", &["--agree"]);
    commune.step(
        &approved,
        "vote",
        "2025-04-03",
        &["--for", "3", "--against", "1"],
    );
    // (Not on 07/04/2025: Giỗ Tổ Hùng Vương, a day off.)
    commune.step(&approved, "approve", "2025-04-08", &[]);
    let draft = commune.new_proposal("Tổ công nghệ số cộng đồng", &[]);
    commune.step(&draft, "submit", "2025-06-20", &[]);
    // The commune's yearly duties: it reported in the period, the district did not.
    commune.ok(&[
        "duty",
        "self-inspect",
        "--date",
        "2025-03-20",
        "--findings",
        "Đạt yêu cầu",
    ]);
    commune.sync();

    // The JSON report the page must agree with.
    let body = reqwest::blocking::Client::new()
        .get(format!(
            "{}/v1/reports/consolidated?period=2025&unit=502",
            hub.url
        ))
        .bearer_auth(&snv)
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.text())
        .expect("the JSON report");
    let json: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(json["totals"]["proposals"], 4, "{json}");
    assert_eq!(json["lists"]["overdue"].as_array().map(Vec::len), Some(2));

    let driver = Driver::start(&exe);
    let shots = screenshots();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the WebDriver client");
    runtime.block_on(async {
        let mut caps = serde_json::Map::new();
        let mut chrome = json!({"args": [
            "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
            "--window-size=1366,900", "--lang=vi-VN", "--hide-scrollbars",
        ]});
        if Path::new("/usr/bin/chromium").is_file() {
            chrome["binary"] = json!("/usr/bin/chromium");
        }
        caps.insert("goog:chromeOptions".into(), chrome);
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .expect("a Chromium session (is the chromium package installed?)");
        let result = scenario(&c, &hub, &snv, &json, &shots).await;
        let _ = c.close().await;
        result.expect("the browser scenario");
    });
}

pub(crate) type Step<T = ()> = Result<T, fantoccini::error::CmdError>;

pub(crate) async fn shot(c: &Client, dir: &Path, name: &str, full: bool) -> Step {
    if full {
        let h = c
            .execute(
                "return Math.ceil(document.documentElement.scrollHeight);",
                vec![],
            )
            .await?
            .as_u64()
            .unwrap_or(900);
        c.set_window_size(1366, u32::try_from(h.clamp(600, 12_000)).unwrap_or(900))
            .await?;
    }
    let png = c.screenshot().await?;
    std::fs::write(dir.join(name), png).expect("write a screenshot");
    if full {
        c.set_window_size(1366, 900).await?;
    }
    Ok(())
}

/// A screenshot of the window scrolled to the element `css`.
async fn shot_at(c: &Client, dir: &Path, name: &str, css: &str) -> Step {
    c.execute(
        "document.querySelector(arguments[0]).scrollIntoView();",
        vec![json!(css)],
    )
    .await?;
    let png = c.screenshot().await?;
    std::fs::write(dir.join(name), png).expect("write a screenshot");
    Ok(())
}

pub(crate) async fn wait_url(c: &Client, what: &str, cond: impl Fn(&str) -> bool) -> Step<String> {
    let started = Instant::now();
    loop {
        let url = c.current_url().await?.to_string();
        if cond(&url) {
            return Ok(url);
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}; at {url}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn find(c: &Client, css: &str) -> Step<fantoccini::elements::Element> {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
}

pub(crate) async fn attr(c: &Client, css: &str, name: &str) -> Step<String> {
    Ok(find(c, css).await?.attr(name).await?.unwrap_or_default())
}

async fn sign_in(c: &Client, name: &str, password: &str) -> Step {
    let field = find(c, "#name").await?;
    field.clear().await?;
    field.send_keys(name).await?;
    let field = find(c, "#password").await?;
    field.clear().await?;
    field.send_keys(password).await?;
    // The page before the submit: the next page has replaced it once this element is gone
    // (a sign-in page answering a sign-in page has the same elements, so finding one of them
    // right after the click could find the old one and use it after it is gone).
    let before = find(c, "html").await?;
    find(c, "form[action='/reports/login'] button[type=submit]")
        .await?
        .click()
        .await?;
    let started = Instant::now();
    while before.tag_name().await.is_ok() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "timed out waiting for the page after signing in"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

async fn scenario(c: &Client, hub: &TestHub, snv: &str, json: &Value, shots: &Path) -> Step {
    // Sign in through the form: a wrong password and a device token are refused first.
    c.goto(&format!("{}/reports", hub.url)).await?;
    find(c, "#name").await?;
    shot(c, shots, "01-sign-in.png", false).await?;
    sign_in(c, "snv.admin", "Sở Nội vụ tổng hợp 2025").await?;
    let refused = find(c, "#sign-in-error").await?.text().await?;
    assert!(
        refused.contains("Tên đăng nhập hoặc mật khẩu không đúng"),
        "{refused}"
    );
    assert!(c.get_named_cookie("doimoi_session").await.is_err());
    shot(c, shots, "01a-wrong-password.png", false).await?;
    sign_in(c, "snv.admin", snv).await?;
    assert!(find(c, "#sign-in-error")
        .await?
        .text()
        .await?
        .contains("không đúng"));
    assert!(c.get_named_cookie("doimoi_session").await.is_err());
    sign_in(c, "snv.admin", PASSWORD).await?;
    find(c, "#selection").await?;
    assert_eq!(find(c, "#office").await?.text().await?, "Sở Nội vụ");
    assert_eq!(find(c, "#user").await?.text().await?, "snv.admin");

    // Choose the period and pick the district by name through the searchable list.
    let period = find(c, "#period").await?;
    period.clear().await?;
    period.send_keys("2025").await?;
    let count =
        "return [...document.querySelectorAll('#unit option')].filter(o => !o.hidden).length;";
    let all = c.execute(count, vec![]).await?.as_u64().unwrap_or(0);
    find(c, "#unit-search").await?.send_keys("tam ky").await?;
    let shown = c.execute(count, vec![]).await?.as_u64().unwrap_or(0);
    assert!(shown > 1 && shown < all / 4, "{shown} of {all} shown");
    let option = find(c, "#unit option[value='502']").await?;
    assert_eq!(option.text().await?, "Thành phố Tam Kỳ (đã thôi hoạt động)");
    option.click().await?;
    find(c, "#show").await?.click().await?;
    wait_url(c, "the district's dashboard", |u| {
        u.contains("unit=502") && u.contains("period=2025")
    })
    .await?;
    assert!(find(c, "#selected")
        .await?
        .text()
        .await?
        .contains("Thành phố Tam Kỳ"));

    // The figures of the page are the JSON report's.
    let totals = &json["totals"];
    assert_eq!(
        find(c, "#card-proposals b").await?.text().await?,
        num(totals["proposals"].as_u64().unwrap_or(u64::MAX))
    );
    let statuses = totals["by_status"].as_object().expect("by_status");
    for (status, n) in statuses {
        let css = format!("#chart-status g[data-key='{status}']");
        assert_eq!(
            attr(c, &css, "data-value").await?,
            n.to_string(),
            "{status}"
        );
    }
    for (step, t) in totals["timeliness"].as_object().expect("timeliness") {
        let css = format!("#chart-timeliness g[data-step='{step}']");
        for key in ["on_time", "late", "open", "overdue"] {
            let name = format!("data-{}", key.replace('_', "-"));
            assert_eq!(
                attr(c, &css, &name).await?,
                t[key].to_string(),
                "{step} {key}"
            );
        }
    }
    let sum = |attr: &str| {
        format!(
            "return [...document.querySelectorAll('#chart-completeness g.group')].reduce((s, g) => s + Number(g.getAttribute('{attr}')), 0);"
        )
    };
    let expected = c.execute(&sum("data-expected"), vec![]).await?;
    let reported = c.execute(&sum("data-reported"), vec![]).await?;
    assert_eq!(
        expected.as_u64(),
        totals["completeness"]["expected"].as_u64()
    );
    assert_eq!(
        reported.as_u64(),
        totals["completeness"]["reported"].as_u64()
    );
    assert!(reported.as_u64() > Some(0), "{reported}");

    // The overdue steps, with unit names and titles.
    let overdue = c.find_all(Locator::Css("#overdue tbody tr")).await?;
    let listed = json["lists"]["overdue"].as_array().expect("overdue");
    assert_eq!(overdue.len(), listed.len());
    let table = find(c, "#overdue").await?.text().await?;
    for item in listed {
        assert!(
            table.contains(item["title"].as_str().unwrap_or("?")),
            "{table}"
        );
        assert!(
            table.contains(item["unit_name"].as_str().unwrap_or("?")),
            "{table}"
        );
    }
    assert!(table.contains("Quyết định phê duyệt"), "{table}");

    // The offices: the district silent for 40 days and the commune that never synced are
    // marked; the commune that just synced is not.
    for (unit, class) in [("502", "silent"), ("20341", "silent"), ("20335", "ok")] {
        let css = format!("#offices tr[data-unit='{unit}']");
        assert_eq!(attr(c, &css, "class").await?, class, "{unit}");
    }
    let offices = find(c, "#offices").await?.text().await?;
    // Offices are named as their units are called today.
    assert!(
        offices.contains("Chưa đồng bộ lần nào") && offices.contains("Phường Bàn Thạch"),
        "{offices}"
    );

    // Every format of the same selection.
    for f in ["xlsx", "docx", "csv", "json", "html"] {
        let href = attr(c, &format!("#dl-{f}"), "href").await?;
        assert!(
            href.contains("/v1/reports/consolidated?period=2025&unit=502&format=")
                && href.ends_with(f),
            "{href}"
        );
    }
    shot(c, shots, "02-dashboard.png", true).await?;
    shot(c, shots, "02a-dashboard-top.png", false).await?;
    shot_at(c, shots, "02b-dashboard-charts.png", "h2 + .charts").await?;
    shot_at(c, shots, "02c-dashboard-overdue-offices.png", "#overdue").await?;
    shot_at(c, shots, "02d-dashboard-report.png", "#report").await?;

    // A typo in the period: the dashboard again, the message by the field.
    let period = find(c, "#period").await?;
    period.clear().await?;
    period.send_keys("2025-Q7").await?;
    find(c, "#show").await?.click().await?;
    let message = find(c, "#period-error").await?.text().await?;
    assert!(message.contains("2025-Q7"), "{message}");
    shot(c, shots, "03-error-by-field.png", false).await?;

    // A bookmarked report, opened without the cookie: sign in, then the report itself.
    c.delete_all_cookies().await?;
    let bookmark = format!(
        "{}/v1/reports/consolidated?period=2025&unit=502&format=html",
        hub.url
    );
    c.goto(&bookmark).await?;
    find(c, "#name").await?;
    assert!(c.current_url().await?.as_str().contains("/reports?next="));
    shot(c, shots, "04-sign-in-for-a-bookmark.png", false).await?;
    sign_in(c, "snv.admin", PASSWORD).await?;
    wait_url(c, "the bookmarked report", |u| u == bookmark).await?;
    let source = c.source().await?;
    assert!(
        source.contains("Thành phố Tam Kỳ") && source.contains("Tổng hợp số liệu"),
        "{source}"
    );
    shot(c, shots, "05-bookmarked-report.png", false).await?;

    // A bookmarked dashboard comes back with its selection.
    c.delete_all_cookies().await?;
    c.goto(&format!(
        "{}/reports?period=2025&as_of=2025-06-30&as_of_mode=happened&unit=502",
        hub.url
    ))
    .await?;
    sign_in(c, "snv.admin", PASSWORD).await?;
    find(c, "#chart-status").await?;
    assert!(
        find(c, "#unit option[value='502']")
            .await?
            .is_selected()
            .await?
    );
    assert!(find(c, "#mode-happened").await?.is_selected().await?);
    assert_eq!(attr(c, "#as_of", "value").await?, "2025-06-30");

    // The whole province: completeness by district, then by kind for the provincial bodies.
    c.goto(&format!("{}/reports?period=2025", hub.url)).await?;
    let groups = c
        .find_all(Locator::Css("#chart-completeness g.group"))
        .await?;
    assert!(groups.len() >= 17, "{} groups", groups.len());
    shot_at(c, shots, "07-province-charts.png", "h2 + .charts").await?;

    // Signing out ends the session: the sign-in page again.
    find(c, "#sign-out").await?.click().await?;
    find(c, "#name").await?;
    assert!(c.get_named_cookie("doimoi_session").await.is_err());

    // A viewer of the same office: the same figures, without the offices' last syncs.
    sign_in(c, "snv.xem", PASSWORD).await?;
    find(c, "#chart-status").await?;
    assert_eq!(find(c, "#office").await?.text().await?, "Sở Nội vụ");
    let hidden = c
        .execute(
            "return document.querySelector('#offices') === null && document.querySelector('#card-silent') === null;",
            vec![],
        )
        .await?;
    assert_eq!(hidden, json!(true));
    shot(c, shots, "08-viewer.png", false).await?;

    // A removed account: its session ends at once, the sign-in page says why.
    hub.op(&["user", "remove", "snv.xem"]);
    c.refresh().await?;
    find(c, "#name").await?;
    assert!(c.source().await?.contains("không còn hiệu lực"));
    shot(c, shots, "06-session-ended.png", false).await?;
    Ok(())
}
