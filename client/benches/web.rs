//! The office web app on a store of 10,000 proposals: each page's time as the browser's HTTP
//! client sees it (server time plus the loopback) and its weight.
//!
//! `cargo bench -p doimoi-client --bench web` builds the store once into
//! `target/bench-web-10k` (through the application functions: 10,000 drafts, a third of them
//! submitted; `-- --rebuild` builds it again), starts the real `doimoi serve` on it, signs in
//! as a browser does and asks for every page 21 times, printing the median and the slowest.

use anyhow::{bail, Context, Result};
use doimoi_client::actions::proposal::{self as actions, StepInput};
use doimoi_client::app::App;
use doimoi_shared::doc::proposal::ProposalFields;
use doimoi_shared::workflow::Action;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PROPOSALS: usize = 10_000;
const RUNS: usize = 21;
const BUILT: &str = "bench-built";

fn main() -> Result<()> {
    let rebuild = std::env::args().any(|a| a == "--rebuild");
    let bin = doimoi_bin()?;
    let exe = std::env::current_exe().context("current_exe")?;
    let target = exe
        .ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .context("the bench executable is not under target/<profile>/deps")?;
    let dir = target.join("bench-web-10k");
    if rebuild || !dir.join(BUILT).exists() {
        let t = Instant::now();
        build(&bin, &dir)?;
        println!(
            "Built {PROPOSALS} proposals in {:.1} s: {}",
            t.elapsed().as_secs_f64(),
            dir.display()
        );
    }
    measure(&bin, &dir)
}

fn doimoi_bin() -> Result<PathBuf> {
    if let Some(p) = option_env!("CARGO_BIN_EXE_doimoi") {
        return Ok(PathBuf::from(p));
    }
    bail!("the doimoi binary is not known to this bench")
}

fn build(bin: &Path, dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    let ok = Command::new(bin)
        .arg("--data")
        .arg(dir)
        .args(["init", "--unit", "20335"])
        .stdout(Stdio::null())
        .status()?
        .success();
    if !ok {
        bail!("doimoi init failed");
    }
    let mut app = App::open(dir)?;
    let fields = [
        "Chuyển đổi số",
        "Cải cách hành chính",
        "Kinh tế",
        "Giáo dục",
        "Y tế",
    ];
    for i in 0..PROPOSALS {
        let s = |v: String| Some(v);
        let f = ProposalFields {
            title: s(format!("Đề xuất số {i}: số hóa quy trình {}", i % 97)),
            proposer: s(format!("Nguyễn Văn {}", i % 300)),
            position: s("Chuyên viên".into()),
            basis: Some(doimoi_shared::workflow::Basis::Qd20),
            field: s(fields[i % fields.len()].to_string()),
            necessity: s(format!("Thủ tục chậm, hồ sơ giấy nhiều lần {i}")),
            content: s(format!("Số hóa hồ sơ một cửa, xây dựng kho dữ liệu {i}")),
            subjects: s("Công chức và người dân".into()),
            scope: s("Toàn phường".into()),
            timeline: s("Sáu tháng".into()),
            resources: s("Ngân sách phường".into()),
            feasibility: s("Cao".into()),
            impact: s("Tích cực".into()),
            expected: s("Giảm thời gian".into()),
            ..ProposalFields::default()
        };
        let (id, _) = actions::create(&mut app, &f)?;
        if i % 3 == 0 {
            let input = StepInput {
                note: "Số liệu thử".into(),
                ..StepInput::default()
            };
            actions::record_step(&mut app, &id, &input, Action::Submit)?;
        }
    }
    std::fs::write(dir.join(BUILT), PROPOSALS.to_string())?;
    Ok(())
}

/// `doimoi serve` on the store, stopped on drop.
struct Serve(std::process::Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn measure(bin: &Path, dir: &Path) -> Result<()> {
    let _ = std::fs::remove_file(dir.join("web.json"));
    let _serve = Serve(
        Command::new(bin)
            .arg("--data")
            .arg(dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let started = Instant::now();
    let web: serde_json::Value = loop {
        if let Some(v) = std::fs::read_to_string(dir.join("web.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
        {
            break v;
        }
        if started.elapsed() > Duration::from_secs(30) {
            bail!("doimoi serve did not start");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let base = format!("http://{}", web["address"].as_str().unwrap_or_default());
    let http = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let r = http
        .get(format!(
            "{base}/vao?k={}",
            web["secret"].as_str().unwrap_or_default()
        ))
        .send()?;
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .to_string();
    let app = App::open(dir)?;
    let id = app
        .store
        .list_proposals(Some("submitted"))?
        .first()
        .map(|r| r.id.clone())
        .context("a submitted proposal")?;
    drop(app);
    let pages = [
        ("Việc cần làm", "/".to_string()),
        ("Đề xuất, trang 1", "/de-xuat".to_string()),
        ("Đề xuất, trang 100", "/de-xuat?trang=100".to_string()),
        (
            "Đề xuất, lọc trạng thái và lĩnh vực",
            "/de-xuat?trang_thai=submitted&linh_vuc=Y+t%E1%BA%BF".to_string(),
        ),
        (
            "Đề xuất, tìm một",
            "/de-xuat?q=kho+du+lieu+9999".to_string(),
        ),
        (
            "Đề xuất, tìm khớp tất cả",
            "/de-xuat?q=so+hoa+quy+trinh".to_string(),
        ),
        ("Trang đề xuất", format!("/de-xuat/{id}")),
        ("Sửa đề xuất", format!("/de-xuat/{id}/sua")),
        ("Nhiệm vụ", "/nhiem-vu".to_string()),
        ("Trạng thái (mỗi 2 giây)", "/api/trang-thai".to_string()),
    ];
    println!(
        "{:<38} {:>10} {:>10} {:>10}",
        "page", "median ms", "max ms", "bytes"
    );
    for (name, path) in pages {
        let mut times = Vec::with_capacity(RUNS);
        let mut size = 0;
        for _ in 0..RUNS {
            let t = Instant::now();
            let r = http
                .get(format!("{base}{path}"))
                .header("Cookie", &cookie)
                .send()?;
            if !r.status().is_success() {
                bail!("{path}: {}", r.status());
            }
            size = r.bytes()?.len();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{:<38} {:>10.1} {:>10.1} {:>10}",
            name,
            times[RUNS / 2],
            times[RUNS - 1],
            size
        );
    }
    Ok(())
}
