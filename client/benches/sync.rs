//! Sync benchmark: the real release `doimoi-hub` (spawned on a port the OS picks) and offices
//! that are in-process [`App`]s calling [`sync_once`], so every pass is timed precisely. Each
//! figure is printed next to its target with PASS/FAIL, and a summary closes the run.
//!
//! Run (release): `cargo bench -p doimoi-client --bench sync`
//! Options after `--`:
//! - `--big`: scenario 6 on the full 200,000-document store (generated once, about 6 minutes on
//!   2 cores, then cached); without it scenario 6 uses 50,000 documents (about 80 s, cached).
//! - `--big-docs N`: scenario 6 on N documents; `--rebuild-big` regenerates its cached store;
//!   `--skip-big` skips scenario 6.
//! - `--only 1,3,5`: only some scenarios (3 and 4 share the district they build).
//! - `--micro`: per-document costs (build, save, load, check, read) and nothing else.
//! - `--hub-micro`: the hub's handling of scenario 2's two pushes of 500 new documents,
//!   in-process (no HTTP, no client), on a fresh store each round: a steady figure to profile;
//!   `--prefill N` alternates rounds with a store that first took N documents of a district.
//!
//! `DOIMOI_BENCH_KEEP=1` keeps the work folder (`target/bench-sync-work`, with the hub's log);
//! `DOIMOI_BENCH_HUB_LOG=debug` sets the hub's `RUST_LOG` (default `info`), e.g. for the push's
//! check and commit times.
//!
//! The hub binary is `target/release/doimoi-hub`; the bench runs
//! `cargo build --release -p doimoi-hub` first when it is missing or older than the hub's or
//! the shared crate's sources. The hub logs (at `info` by default) into its data folder (`hub.log`).
//!
//! Scenarios (one hub for 1–5, in this order, so the hub's document cache is as cold as in
//! real use when it matters):
//! - setup: district 513 (Thăng Bình) writes 2,000 proposals and pushes them; district 507
//!   (Điện Bàn) writes 5,000 and pushes them (times printed for information).
//! 1. no-op sync of district 507 (5,000 documents, synced), 200 times at 40/s (under the hub's
//!    50 requests/s per token): round trips, bytes each way, hub CPU per request
//!    (`/proc/<hub>/stat` utime+stime delta / 200, USER_HZ = 100, i.e. 10 ms a tick), and wall
//!    time per sync.
//! 2. commune 20437 (Tây Giang) pushes 1,000 new proposals of 10 events each: round trips,
//!    bytes up against the documents' own compacted size (sum of `save().len()`), time.
//! 3. district 513 records one event on each of 100 of its documents and syncs: bytes up
//!    against the new changes' own bytes (sum of `save_after(heads before)`), time. The hub's
//!    document cache no longer holds those documents: 6,000 others were pushed since.
//! 4. a new device of district 513 pulls its 2,000 documents: time.
//! 5. 300 offices (one token each, cycling over the province's 234 communes) do no-op syncs
//!    over raw HTTP from one async client (`reqwest` on a current-thread tokio runtime, sharing
//!    the 2 cores with the hub): the cursor, registry and calendar versions are learnt with one
//!    request each, then 20 requests per office back to back (closed loop: throughput), then
//!    20 per office at 2,000 requests/s in all (open loop: latency from the scheduled send).
//!    Each token sends 41 requests, far under the rate limit (50/s, burst 200).
//! 6. hub memory with many stored documents: the store is generated directly through
//!    `doimoi_hub::store::Db::commit_docs` (small proposals: short content, three events;
//!    cached in `target/bench-sync-hub-<N>k`, copied to a work folder each run). The real hub
//!    then serves Sở Nội vụ's first sync (30 feed pages, 3,000 documents pulled) and pushes of a
//!    comment to 250 documents of each of 10 units (filling its document cache), 200 no-op
//!    syncs of a district, and 300 offices' no-op syncs at once (as in 5, closed loop); then
//!    VmRSS/VmHWM are read from `/proc/<hub>/status`.
//!
//! Documents are written through the library as the CLI writes them (`proposal::create` /
//! `append_event`, every event checked with `check_next`, index rows from `index_row`), from a
//! fixed seed; the approach and the content generator come from `benches/store.rs`.

use anyhow::{anyhow, bail, Context, Result};
use automerge::{ActorId, Automerge, ChangeHash};
use chrono::{Days, NaiveDate, NaiveTime, TimeZone};
use doimoi_client::app::{index_row, vn_offset, App};
use doimoi_client::store::Store;
use doimoi_client::sync::hub_client::HubClient;
use doimoi_client::sync::{sync_once, SyncReport};
use doimoi_shared::doc::proposal::{self, Proposal, ProposalFields};
use doimoi_shared::doc::DocKind;
use doimoi_shared::ids::{hex, DocId, UnitCode};
use doimoi_shared::org::Registry;
use doimoi_shared::text::nfc;
use doimoi_shared::wire::{self, Heads, PullDoc, PushDoc, SyncRequest, SyncResponse};
use doimoi_shared::workflow::{
    check_next, Action, Basis, Determination, EvalResult, Event, Level, WorkflowConfig,
};
use serde_bytes::ByteBuf;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

const SEED: u64 = 0x646f_696d_6f69_2032;
/// Documents per store transaction while writing an office's documents.
const BATCH: usize = 250;
/// Clock ticks per second of `/proc/<pid>/stat` (USER_HZ, 100 on Linux).
const USER_HZ: f64 = 100.0;

const DISTRICT_SMALL: &str = "513";
const DISTRICT_SMALL_DOCS: usize = 2_000;
const DISTRICT_BIG: &str = "507";
const DISTRICT_BIG_DOCS: usize = 5_000;
const COMMUNE: &str = "20437";
const COMMUNE_DOCS: usize = 1_000;
const NOOP_SYNCS: usize = 200;
/// No-op syncs per second in scenario 1, below the hub's 50 requests/s per token.
const NOOP_RATE: f64 = 40.0;
const OFFICES: usize = 300;
const REQUESTS_PER_OFFICE: usize = 20;
const OPEN_LOOP_RATE: f64 = 2_000.0;
/// Documents of the generated hub store in scenario 6: `--big` for the full 200,000 (its first
/// generation takes about 6 minutes on 2 cores), 50,000 otherwise (about 80 s); both are
/// cached in `target/`.
const BIG_DOCS: usize = 200_000;
const DEFAULT_BIG_DOCS: usize = 50_000;
const BUILT: &str = "bench-built.txt";
/// Documents changed by pushes in scenario 6, per unit (10 units).
const PUSHES_PER_UNIT: usize = 250;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let skip_big = args.iter().any(|a| a == "--skip-big");
    let rebuild_big = args.iter().any(|a| a == "--rebuild-big");
    let big_docs = match args.iter().position(|a| a == "--big-docs") {
        Some(i) => args
            .get(i + 1)
            .context("--big-docs needs a number")?
            .parse::<usize>()
            .context("--big-docs needs a number")?
            .max(1000),
        None if args.iter().any(|a| a == "--big") => BIG_DOCS,
        None => DEFAULT_BIG_DOCS,
    };
    let only: Option<Vec<u32>> = match args.iter().position(|a| a == "--only") {
        Some(i) => Some(
            args.get(i + 1)
                .context("--only needs a list such as 1,3,5")?
                .split(',')
                .map(|s| s.trim().parse::<u32>().context("--only needs numbers"))
                .collect::<Result<_>>()?,
        ),
        None => None,
    };
    let wants = |n: u32| only.as_ref().is_none_or(|o| o.contains(&n));
    if args.iter().any(|a| a == "--micro") {
        return micro();
    }
    if args.iter().any(|a| a == "--hub-micro") {
        let prefill = match args.iter().position(|a| a == "--prefill") {
            Some(i) => args
                .get(i + 1)
                .and_then(|n| n.parse().ok())
                .context("--prefill takes a number of documents")?,
            None => 0,
        };
        return hub_micro(prefill);
    }
    let started = Instant::now();
    let bins = Bins::find()?;
    println!(
        "doimoi: {}\ndoimoi-hub: {}",
        bins.doimoi.display(),
        bins.hub.display()
    );
    let work = bins.target.join("bench-sync-work");
    if work.exists() {
        std::fs::remove_dir_all(&work).with_context(|| format!("removing {}", work.display()))?;
    }
    std::fs::create_dir_all(&work)?;
    let mut results = Results::default();

    if (1..=5).any(wants) {
        scenarios_1_to_5(&bins, &work, &wants, &mut results)?;
    }
    if wants(6) && !skip_big {
        scenario_6(&bins, big_docs, rebuild_big, &mut results)?;
    } else if wants(6) {
        println!("\nScenario 6 skipped (--skip-big).");
    }
    if std::env::var_os("DOIMOI_BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&work);
    }
    results.summary();
    println!(
        "\nTotal bench time {:.0} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Results

struct Row {
    name: String,
    value: String,
    target: String,
    pass: Option<bool>,
}

#[derive(Default)]
struct Results {
    rows: Vec<Row>,
}

impl Results {
    /// Records and prints one figure. `pass: None` is information without a target.
    fn add(&mut self, name: &str, value: String, target: &str, pass: Option<bool>) {
        let verdict = match pass {
            Some(true) => "PASS",
            Some(false) => "FAIL",
            None => "",
        };
        println!("  {name:<50} {value:>24}  {target:<12} {verdict}");
        self.rows.push(Row {
            name: name.to_string(),
            value,
            target: target.to_string(),
            pass,
        });
    }

    fn summary(&self) {
        println!("\nSummary");
        for r in self.rows.iter().filter(|r| r.pass.is_some()) {
            println!(
                "  {:<50} {:>24}  {:<12} {}",
                r.name,
                r.value,
                r.target,
                if r.pass == Some(true) { "PASS" } else { "FAIL" }
            );
        }
        let failed = self.rows.iter().filter(|r| r.pass == Some(false)).count();
        let total = self.rows.iter().filter(|r| r.pass.is_some()).count();
        println!("  {} of {total} targets met.", total - failed);
    }
}

fn header(title: &str) {
    println!("\n{title}");
}

fn kb(bytes: usize) -> String {
    if bytes < 10_000 {
        format!("{bytes} B")
    } else {
        format!("{:.1} KB", bytes as f64 / 1000.0)
    }
}

struct Spread {
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
}

fn spread(mut xs: Vec<f64>) -> Spread {
    xs.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = ((xs.len() as f64 - 1.0) * q).round() as usize;
        xs.get(i).copied().unwrap_or(f64::NAN)
    };
    Spread {
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
        max: xs.last().copied().unwrap_or(f64::NAN),
    }
}

// ---------------------------------------------------------------------------------------------
// Binaries and processes

struct Bins {
    doimoi: PathBuf,
    hub: PathBuf,
    /// `target/`.
    target: PathBuf,
}

impl Bins {
    fn find() -> Result<Bins> {
        let exe = std::env::current_exe().context("current_exe")?;
        // target/release/deps/sync-…
        let release = exe
            .ancestors()
            .nth(2)
            .map(Path::to_path_buf)
            .context("the bench executable is not under target/<profile>/deps")?;
        let target = release
            .parent()
            .map(Path::to_path_buf)
            .context("no target folder")?;
        let doimoi = match option_env!("CARGO_BIN_EXE_doimoi") {
            Some(p) if Path::new(p).exists() => PathBuf::from(p),
            _ => release.join("doimoi"),
        };
        if !doimoi.exists() {
            bail!(
                "{} not found: run `cargo build --release -p doimoi-client` first.",
                doimoi.display()
            );
        }
        let hub = release.join("doimoi-hub");
        ensure_hub_built(&hub)?;
        Ok(Bins {
            doimoi,
            hub,
            target,
        })
    }
}

fn newest_mtime(dir: &Path) -> Option<SystemTime> {
    let mut newest = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let t = if path.is_dir() {
            newest_mtime(&path)
        } else {
            entry.metadata().ok().and_then(|m| m.modified().ok())
        };
        newest = newest.max(t);
    }
    newest
}

/// Builds the release hub when it is missing or older than its sources.
fn ensure_hub_built(hub: &Path) -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("workspace root")?
        .to_path_buf();
    let built = std::fs::metadata(hub).and_then(|m| m.modified()).ok();
    let sources = [
        "hub/src",
        "hub/Cargo.toml",
        "shared/src",
        "shared/data",
        "Cargo.lock",
    ]
    .iter()
    .filter_map(|p| {
        let p = root.join(p);
        if p.is_dir() {
            newest_mtime(&p)
        } else {
            std::fs::metadata(&p).and_then(|m| m.modified()).ok()
        }
    })
    .max();
    let stale = match (built, sources) {
        (None, _) => true,
        (Some(b), Some(s)) => s > b,
        (Some(_), None) => false,
    };
    if !stale {
        return Ok(());
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    println!(
        "{} is {}: running `cargo build --release -p doimoi-hub` …",
        hub.display(),
        if built.is_none() {
            "missing"
        } else {
            "older than its sources"
        }
    );
    let status = Command::new(&cargo)
        .args(["build", "--release", "-p", "doimoi-hub"])
        .current_dir(&root)
        .status()
        .with_context(|| format!("running {cargo}"))?;
    if !status.success() || !hub.exists() {
        bail!("building doimoi-hub failed: run `cargo build --release -p doimoi-hub` and retry");
    }
    Ok(())
}

fn run_ok(cmd: &mut Command) -> Result<Vec<u8>> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out.stdout)
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .context("malformed /proc/<pid>/stat")?;
    // Fields after the command: state is field 3, utime 14, stime 15.
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = f.get(11).context("utime")?.parse()?;
    let stime: u64 = f.get(12).context("stime")?.parse()?;
    Ok(utime + stime)
}

fn ticks_ms(ticks: u64) -> f64 {
    ticks as f64 * 1000.0 / USER_HZ
}

/// A `VmRSS:`-style line of `/proc/<pid>/status`, in kB.
fn status_kb(pid: u32, key: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("{key} not in /proc/{pid}/status"))
}

/// A running `doimoi-hub` on its own data folder.
struct Hub {
    child: Child,
    url: String,
    data: PathBuf,
    bin: PathBuf,
}

impl Hub {
    fn spawn(bin: &Path, data: &Path) -> Result<Hub> {
        std::fs::create_dir_all(data)?;
        let log = std::fs::File::create(data.join("hub.log"))?;
        let mut child = Command::new(bin)
            .arg("--data")
            .arg(data)
            .args(["--listen", "127.0.0.1:0"])
            .env(
                "RUST_LOG",
                std::env::var("DOIMOI_BENCH_HUB_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .with_context(|| format!("spawning {}", bin.display()))?;
        let stdout = child.stdout.take().context("hub stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .map(str::to_string);
        let Some(url) = url else {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "doimoi-hub printed no address ({line:?}); see {}",
                data.join("hub.log").display()
            );
        };
        Ok(Hub {
            child,
            url,
            data: data.to_path_buf(),
            bin: bin.to_path_buf(),
        })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn cpu_ticks(&self) -> Result<u64> {
        cpu_ticks(self.pid())
    }

    /// Prints the hub's resident memory and threads now (information).
    fn note_rss(&self) {
        if let (Ok(kb), Ok(threads)) = (
            status_kb(self.pid(), "VmRSS:"),
            status_kb(self.pid(), "Threads:"),
        ) {
            println!(
                "  (hub VmRSS now {:.0} MB, {threads} threads)",
                kb as f64 / 1024.0
            );
        }
    }

    fn op(&self, args: &[&str]) -> Result<Vec<u8>> {
        run_ok(
            Command::new(&self.bin)
                .arg("--data")
                .arg(&self.data)
                .args(args),
        )
    }

    /// A new device token for an office (`doimoi-hub token issue CODE --json`).
    fn token(&self, unit: &str) -> Result<String> {
        let out = self.op(&["token", "issue", unit, "--json"])?;
        let v: serde_json::Value = serde_json::from_slice(&out)?;
        v["token"]
            .as_str()
            .map(str::to_string)
            .context("no token in `token issue --json`")
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One office device: a store initialised by the real `doimoi init`, opened in-process.
struct Office {
    dir: PathBuf,
    app: App,
    hub: HubClient,
}

impl Office {
    fn new(bins: &Bins, hub: &Hub, unit: &str, dir: &Path) -> Result<Office> {
        let token = hub.token(unit)?;
        std::fs::create_dir_all(dir)?;
        run_ok(
            Command::new(&bins.doimoi)
                .args(["init", "--unit", unit, "--hub", &hub.url, "--token", &token])
                .arg("--data")
                .arg(dir),
        )?;
        let app = App::open(dir)?;
        let client = HubClient::new(&hub.url, &token)?;
        Ok(Office {
            dir: dir.to_path_buf(),
            app,
            hub: client,
        })
    }

    fn sync(&mut self) -> Result<SyncReport> {
        let report = sync_once(&mut self.app, &self.hub, &mut |_, _| {})?;
        if !report.refused.is_empty() {
            bail!("the hub refused {} documents", report.refused.len());
        }
        Ok(report)
    }
}

// ---------------------------------------------------------------------------------------------
// Deterministic content (after benches/store.rs)

/// SplitMix64: small, seeded, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next_u64() % xs.len() as u64) as usize]
    }
    fn bytes16(&mut self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        b[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        b
    }
}

const VERBS: &[&str] = &[
    "Ứng dụng công nghệ thông tin trong",
    "Đổi mới",
    "Cải tiến",
    "Số hóa",
    "Nâng cao hiệu quả",
    "Tinh gọn quy trình",
    "Xây dựng mô hình",
    "Thí điểm",
    "Rút ngắn thời gian",
    "Chuẩn hóa",
    "Đơn giản hóa thủ tục",
    "Chuyển đổi số",
];
const OBJECTS: &[&str] = &[
    "tiếp nhận và trả kết quả hồ sơ hành chính",
    "quản lý đất đai",
    "thu gom rác thải sinh hoạt",
    "đăng ký hộ tịch",
    "chi trả trợ cấp xã hội",
    "tuyên truyền, phổ biến giáo dục pháp luật",
    "phòng, chống thiên tai và tìm kiếm cứu nạn",
    "tiêm chủng mở rộng",
    "quản lý thủy lợi nội đồng",
    "khuyến nông, chuyển giao kỹ thuật",
    "dạy nghề cho lao động nông thôn",
    "bảo vệ và phát triển rừng",
    "xây dựng nông thôn mới",
    "giảm nghèo bền vững",
    "phát triển du lịch cộng đồng",
    "chứng thực bản sao",
    "cấp nước sinh hoạt tập trung",
    "lưu trữ hồ sơ, tài liệu",
];
const METHODS: &[&str] = &[
    "bằng phần mềm dùng chung của tỉnh",
    "qua nhóm Zalo của từng thôn",
    "theo cơ chế một cửa liên thông",
    "với sự tham gia của cộng đồng dân cư",
    "bằng mã QR",
    "gắn với chuyển đổi số",
    "theo hướng công khai, minh bạch",
    "trên nền tảng dịch vụ công trực tuyến",
];
const PLACES: &[&str] = &[
    "tại bộ phận một cửa",
    "tại các thôn",
    "trên địa bàn",
    "tại khu dân cư số 3",
    "tại trường mầm non",
    "tại trạm y tế",
];
const FIELDS: &[&str] = &[
    "Cải cách hành chính",
    "Chuyển đổi số",
    "Nông nghiệp, nông thôn",
    "Văn hóa, xã hội",
    "Quốc phòng, an ninh",
    "Tài nguyên, môi trường",
    "Y tế",
    "Giáo dục",
];
const SURNAMES: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
    "Alăng", "Bríu", "Clâu", "Zơrâm",
];
const MIDDLE: &[&str] = &["Văn", "Thị", "Đức", "Minh", "Ngọc", "Thanh", "Hữu", "Quang"];
const GIVEN: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Lan", "Long", "Mai", "Nam",
    "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn",
];
const POSITIONS: &[&str] = &[
    "Chuyên viên Văn phòng",
    "Chuyên viên Phòng Nội vụ",
    "Chuyên viên Phòng Tài chính - Kế hoạch",
    "Công chức Tư pháp - Hộ tịch",
    "Công chức Văn hóa - Xã hội",
    "Công chức Tài chính - Kế toán",
];
const PROBLEMS: &[&str] = &[
    "thời gian giải quyết kéo dài",
    "người dân phải đi lại nhiều lần",
    "số liệu phân tán, thiếu chính xác",
    "thiếu nhân lực có chuyên môn",
    "hồ sơ giấy dễ thất lạc, hư hỏng",
    "chi phí thực hiện cao",
];
const TASKS: &[&str] = &[
    "tập huấn cho cán bộ thôn",
    "xây dựng quy chế phối hợp giữa các bộ phận",
    "bố trí điểm tiếp nhận lưu động vào ngày chợ phiên",
    "số hóa sổ sách từ năm 2015",
    "khảo sát ý kiến người dân trước và sau khi thực hiện",
    "ban hành hướng dẫn chi tiết từng bước",
    "kiểm tra, đôn đốc hằng tháng",
];
const GAINS: &[&str] = &[
    "rút ngắn 30% thời gian giải quyết hồ sơ",
    "giảm số lần người dân phải đến trụ sở",
    "tăng tỷ lệ hồ sơ trực tuyến lên trên 50%",
    "số liệu được cập nhật hằng ngày",
    "tiết kiệm chi phí in ấn, văn phòng phẩm",
    "người dân hài lòng hơn với dịch vụ công",
];

fn person(rng: &mut Rng) -> String {
    format!(
        "{} {} {}",
        rng.pick(SURNAMES),
        rng.pick(MIDDLE),
        rng.pick(GIVEN)
    )
}

/// Realistic, varied content for one proposal (every field the submit step requires).
fn fields(rng: &mut Rng) -> ProposalFields {
    let verb = rng.pick(VERBS);
    let object = rng.pick(OBJECTS);
    let method = rng.pick(METHODS);
    let place = rng.pick(PLACES);
    let necessity = format!(
        "Hiện nay, công tác {object} {place} còn {} và {}. Qua theo dõi {} tháng gần đây, {} hồ sơ bị chậm. Đề xuất nhằm tháo gỡ điểm nghẽn, phát huy tinh thần đổi mới, sáng tạo, dám nghĩ, dám làm.",
        rng.pick(PROBLEMS),
        rng.pick(PROBLEMS),
        rng.range(3, 18),
        rng.range(5, 120)
    );
    let content = format!(
        "{verb} {object} {method}. Các nhiệm vụ: (1) {}; (2) {}; (3) {}.",
        rng.pick(TASKS),
        rng.pick(TASKS),
        rng.pick(TASKS)
    );
    let subjects = format!(
        "Cán bộ, công chức; {} hộ dân tại {} thôn, khu phố.",
        rng.range(40, 900),
        rng.range(1, 9)
    );
    let scope = format!("Áp dụng {place}; có thể nhân rộng ra các đơn vị lân cận.");
    let m = rng.range(1, 12);
    let y = rng.range(2021, 2025);
    let timeline = format!(
        "Từ tháng {m}/{y} đến tháng {}/{}; sơ kết sau {} tháng.",
        (m + 5) % 12 + 1,
        y + 1,
        rng.range(3, 6)
    );
    let resources = format!(
        "Kinh phí dự kiến {} triệu đồng; nhân lực gồm {} công chức; sử dụng máy tính hiện có.",
        rng.range(0, 250),
        rng.range(1, 6)
    );
    let feasibility =
        "Được cấp ủy, chính quyền thống nhất chủ trương; người dân đồng tình ủng hộ.".to_string();
    let impact = format!(
        "Tích cực: {}; {}. Tiêu cực: không đáng kể.",
        rng.pick(GAINS),
        rng.pick(GAINS)
    );
    let expected = format!(
        "{}; tạo chuyển biến rõ nét trong {object}.",
        rng.pick(GAINS)
    );
    ProposalFields {
        title: Some(format!("{verb} {object} {method}")),
        proposer: Some(person(rng)),
        position: Some(rng.pick(POSITIONS).to_string()),
        proposer_is_head: Some(false),
        proposer_is_deputy: Some(false),
        leader: Some(false),
        basis: Some(Basis::Qd20),
        field: Some(rng.pick(FIELDS).to_string()),
        pilot: Some(false),
        necessity: Some(necessity),
        content: Some(content),
        subjects: Some(subjects),
        scope: Some(scope),
        timeline: Some(timeline),
        resources: Some(resources),
        feasibility: Some(feasibility),
        impact: Some(impact),
        expected: Some(expected),
    }
}

/// A proposal's procedure, all steps by its own unit (the proposer is not the head, so the
/// unit decides itself): ten events from submission to the protection determination.
fn ten_steps() -> Vec<(Action, u64, u64)> {
    vec![
        (Action::Submit, 1, 20),
        (Action::Receive, 0, 3),
        (Action::PartyOpinion { agree: true }, 1, 3),
        (
            Action::Vote {
                votes_for: 5,
                against: 1,
                abstain: 1,
                head_voted: None,
                members: None,
            },
            0,
            2,
        ),
        (
            Action::Approve {
                pilot: false,
                by_head: false,
            },
            0,
            3,
        ),
        (Action::Start, 1, 15),
        (Action::ReportResults { finished: None }, 30, 200),
        (Action::PartyOpinion { agree: true }, 1, 3),
        (
            Action::Evaluate {
                result: EvalResult::Completed,
                damage: false,
            },
            1,
            5,
        ),
        (
            Action::Protect {
                determination: Determination::NotLiable,
            },
            1,
            10,
        ),
    ]
}

fn office_ms(date: NaiveDate, minutes: u64) -> Result<i64> {
    let t = NaiveTime::from_hms_opt(7, 30, 0).context("time")?
        + chrono::Duration::minutes(i64::try_from(minutes)?);
    vn_offset()
        .from_local_datetime(&date.and_time(t))
        .single()
        .map(|d| d.timestamp_millis())
        .context("local time")
}

/// What generated documents are checked against and dated by.
struct Ctx<'a> {
    registry: &'a Registry,
    config: &'a WorkflowConfig,
    today: NaiveDate,
    now_ms: i64,
}

impl<'a> Ctx<'a> {
    fn of(app: &'a App) -> Ctx<'a> {
        Ctx {
            registry: &app.registry,
            config: &app.config,
            today: app.today,
            now_ms: app.now_ms,
        }
    }

    /// Dated now, in the office's time zone.
    fn now(registry: &'a Registry, config: &'a WorkflowConfig) -> Ctx<'a> {
        let now = chrono::Utc::now();
        Ctx {
            registry,
            config,
            today: now.with_timezone(&vn_offset()).date_naive(),
            now_ms: now.timestamp_millis(),
        }
    }
}

/// The next event of `p`, recorded by `unit` on `date`, checked against the procedure.
fn make_event(
    rng: &mut Rng,
    ctx: &Ctx<'_>,
    p: &Proposal,
    unit: &UnitCode,
    action: Action,
    date: NaiveDate,
    at: i64,
) -> Result<Event> {
    let (seq, prev) = p.next_position();
    let by = match action {
        Action::Submit => p.proposer.clone(),
        Action::Vote { .. } => String::new(),
        _ => person(rng),
    };
    let event = Event {
        id: hex(&rng.bytes16()[..8]),
        seq,
        prev,
        at,
        date,
        unit: unit.clone(),
        by: nfc(&by),
        position: String::new(),
        note: String::new(),
        action,
    };
    check_next(&p.facts(), &p.events, &event, ctx.registry, ctx.config).map_err(|reason| {
        anyhow!(
            "generated step {} of {} refused: {reason}",
            event.action.name(),
            p.id
        )
    })?;
    Ok(event)
}

/// One proposal of `unit` with the first `steps` of the ten-step procedure, created by
/// `actor`, dated so that everything happened before now.
fn build_proposal(
    rng: &mut Rng,
    ctx: &Ctx<'_>,
    actor: &ActorId,
    unit: &UnitCode,
    steps: usize,
    content: &ProposalFields,
) -> Result<(Automerge, Proposal)> {
    let (today, now_ms) = (ctx.today, ctx.now_ms);
    let id = DocId::from_bytes(rng.bytes16());
    let plan: Vec<(Action, u64)> = ten_steps()
        .into_iter()
        .take(steps)
        .map(|(a, lo, hi)| (a, rng.range(lo, hi)))
        .collect();
    let span: u64 = plan.iter().map(|(_, g)| g).sum::<u64>() + 1;
    let created = today
        .checked_sub_days(Days::new(span + rng.range(0, 900)))
        .context("date out of range")?;
    let created_at = office_ms(created, rng.range(0, 480))?.min(now_ms - 3_600_000);
    let mut doc = proposal::create(actor.clone(), &id, unit, created_at, content)?;
    let mut p = proposal::read(&doc)?;
    let (mut date, mut last_at, n) = (created, created_at, plan.len());
    for (k, (mut action, gap)) in plan.into_iter().enumerate() {
        date = date
            .checked_add_days(Days::new(gap))
            .context("date out of range")?;
        if let Action::ReportResults { finished } = &mut action {
            *finished = Some(date.checked_sub_days(Days::new(1)).unwrap_or(date));
        }
        let latest = now_ms - i64::try_from(n - k)? * 60_000;
        let at = office_ms(date, rng.range(0, 540))?
            .max(last_at + 60_000)
            .min(latest);
        last_at = at;
        let event = make_event(rng, ctx, &p, unit, action, date, at)?;
        proposal::append_event(&mut doc, &event)?;
        p.events.push(event);
    }
    Ok((doc, p))
}

/// Writes `n` proposals of ten events into an office's store, as the CLI would (each saved
/// whole, with its index row). Returns their ids and the sum of their compacted sizes.
fn write_office_docs(office: &mut Office, n: usize, rng: &mut Rng) -> Result<(Vec<DocId>, usize)> {
    let mut store = Store::open(&office.dir)?;
    let app = &office.app;
    let ctx = Ctx::of(app);
    let mut ids = Vec::with_capacity(n);
    let mut saved = 0usize;
    let mut done = 0;
    while done < n {
        let k = BATCH.min(n - done);
        let w = store.write()?;
        for _ in 0..k {
            let content = fields(rng);
            let (doc, p) = build_proposal(rng, &ctx, &app.actor, &app.unit, 10, &content)?;
            let at = p.events.last().map(|e| e.at).unwrap_or(p.created_at);
            let bytes = doc.save();
            saved += bytes.len();
            w.save_doc(&p.id, "proposal", &doc, None, at)?;
            let st = app.state(&p);
            w.put_proposal_row(&index_row(&p, &st, at))?;
            ids.push(p.id.clone());
        }
        w.commit()?;
        done += k;
    }
    Ok((ids, saved))
}

// ---------------------------------------------------------------------------------------------
// The hub's push handling alone (`--hub-micro`).

fn hub_micro(prefill: usize) -> Result<()> {
    let registry = Registry::embedded_default();
    let config = WorkflowConfig::default();
    let ctx = Ctx::now(&registry, &config);
    let mut rng = Rng(SEED);
    let mut pages_of = |unit: &UnitCode, actor: u8, n: usize| -> Result<Vec<Vec<PushDoc>>> {
        let actor = ActorId::from([actor; 16]);
        let mut pages: Vec<Vec<PushDoc>> = Vec::new();
        for k in 0..n {
            if k % 500 == 0 {
                pages.push(Vec::with_capacity(500));
            }
            let content = fields(&mut rng);
            let (doc, p) = build_proposal(&mut rng, &ctx, &actor, unit, 10, &content)?;
            if let Some(page) = pages.last_mut() {
                page.push(PushDoc {
                    id: p.id.clone(),
                    kind: DocKind::Proposal,
                    have: Heads::default(),
                    changes: ByteBuf::from(doc.save()),
                    heads: Heads::from_hashes(&doc.get_heads()),
                });
            }
        }
        Ok(pages)
    };
    let unit = UnitCode::parse(COMMUNE)?;
    let pages = pages_of(&unit, 9, COMMUNE_DOCS)?;
    let district = UnitCode::parse(DISTRICT_BIG)?;
    let before = pages_of(&district, 8, prefill)?;
    let push = |inner: &doimoi_hub::state::Inner,
                device: &doimoi_hub::store::Device,
                pages: &[Vec<PushDoc>]|
     -> Result<Vec<f64>> {
        let mut times = Vec::new();
        for page in pages {
            let req = SyncRequest {
                version: wire::PROTOCOL_VERSION,
                cursor: 0,
                push: page.clone(),
                pull: Vec::new(),
                feed_limit: 1,
                registry_version: 0,
                calendar_version: 0,
            };
            let r = Instant::now();
            let answer = doimoi_hub::sync::handle(inner, device, req, ctx.now_ms)
                .map_err(|e| anyhow!("{e}"))?;
            times.push(r.elapsed().as_secs_f64() * 1000.0);
            if let Some(bad) = answer
                .results
                .iter()
                .find(|d| !matches!(d.outcome, wire::Outcome::Ok))
            {
                bail!("the hub did not accept {}: {:?}", bad.id, bad.outcome);
            }
        }
        Ok(times)
    };
    // Rounds alternate between an empty store and, with `--prefill N`, one that first took N
    // documents of another unit (as the full run's hub has), so drift hits both alike.
    let variants: Vec<usize> = if prefill > 0 {
        vec![0, prefill]
    } else {
        vec![0]
    };
    let rounds = 5;
    let mut totals: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    for round in 0..rounds {
        for (v, &held) in variants.iter().enumerate() {
            let dir = tempfile::tempdir()?;
            let db = doimoi_hub::store::Db::open(dir.path(), 4)?;
            let token = |db: &doimoi_hub::store::Db, u: &UnitCode| -> Result<_> {
                let id = db.add_token(&format!("bench-{}-{round}", u.as_str()), u, ctx.now_ms)?;
                Ok(doimoi_hub::store::Device {
                    id,
                    unit: u.clone(),
                })
            };
            let device = token(&db, &unit)?;
            let other = token(&db, &district)?;
            let hub_config = doimoi_hub::config::Config {
                data: dir.path().to_path_buf(),
                ..Default::default()
            };
            let inner = doimoi_hub::state::Inner::new(
                db,
                hub_config,
                tokio_util::sync::CancellationToken::new(),
            )
            .map_err(|e| anyhow!("{e}"))?;
            if held > 0 {
                push(&inner, &other, &before)?;
            }
            let t = Instant::now();
            let times = push(&inner, &device, &pages)?;
            let total = t.elapsed().as_secs_f64() * 1000.0;
            println!(
                "round {} (store holding {held}): {} ms ({})",
                round + 1,
                total.round(),
                times
                    .iter()
                    .map(|t| format!("{t:.0}"))
                    .collect::<Vec<_>>()
                    .join(" + ")
            );
            totals[v].push(total);
        }
    }
    for (v, held) in variants.iter().enumerate() {
        let t = std::mem::take(&mut totals[v]);
        let min = t.iter().copied().fold(f64::INFINITY, f64::min);
        let s = spread(t);
        println!(
            "hub handling of {COMMUNE_DOCS} new documents in pages of 500, store holding {held}: median {:.0} ms (min {min:.0}, max {:.0})",
            s.p50, s.max
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Per-document costs (`--micro`): what one pushed or pulled proposal costs either side.

fn micro() -> Result<()> {
    let registry = Registry::embedded_default();
    let config = WorkflowConfig::default();
    let ctx = Ctx::now(&registry, &config);
    let unit = UnitCode::parse(COMMUNE)?;
    let actor = ActorId::from([7u8; 16]);
    let mut rng = Rng(SEED);
    let n = 200;
    let mut docs = Vec::with_capacity(n);
    let t = Instant::now();
    for _ in 0..n {
        let content = fields(&mut rng);
        docs.push(build_proposal(&mut rng, &ctx, &actor, &unit, 10, &content)?.0);
    }
    let per = |t: Instant| t.elapsed().as_secs_f64() * 1000.0 / n as f64;
    println!("build (create + 10 events):  {:.3} ms", per(t));
    let t = Instant::now();
    let mut small_saved = 0;
    for _ in 0..n {
        let content = small_fields(&mut rng);
        let (d, _) = build_proposal(&mut rng, &ctx, &actor, &unit, 3, &content)?;
        small_saved += d.save().len();
    }
    println!(
        "small (create + 3 events):   {:.3} ms ({} B saved)",
        per(t),
        small_saved / n
    );
    let t = Instant::now();
    let saved: Vec<Vec<u8>> = docs.iter().map(|d| d.save()).collect();
    println!(
        "save:                        {:.3} ms ({} B)",
        per(t),
        saved[0].len()
    );
    let rss0 = status_kb(std::process::id(), "VmRSS:")?;
    let t = Instant::now();
    let held: Vec<Automerge> = saved
        .iter()
        .map(|b| Automerge::load(b))
        .collect::<Result<_, _>>()?;
    println!("load:                        {:.3} ms", per(t));
    let rss1 = status_kb(std::process::id(), "VmRSS:")?;
    println!(
        "memory of a loaded document: {:.0} KB (RSS growth over {n} held)",
        rss1.saturating_sub(rss0) as f64 / n as f64
    );
    drop(held);
    let t = Instant::now();
    for b in &saved {
        Automerge::load_unverified_heads(b)?;
    }
    println!("load_unverified_heads:       {:.3} ms", per(t));
    let t = Instant::now();
    for b in &saved {
        let mut d = Automerge::new();
        d.load_incremental(b)?;
    }
    println!("load_incremental into empty: {:.3} ms", per(t));
    let raw: Vec<Vec<u8>> = docs
        .iter()
        .map(|d| {
            d.get_changes(&[])
                .into_iter()
                .flat_map(|c| c.raw_bytes().to_vec())
                .collect()
        })
        .collect();
    let t = Instant::now();
    for b in &raw {
        Automerge::load(b)?;
    }
    println!(
        "load of the raw changes:     {:.3} ms ({} B)",
        per(t),
        raw[0].len()
    );
    let t = Instant::now();
    for b in &raw {
        let mut d = Automerge::new();
        d.load_incremental(b)?;
    }
    println!("load_incremental raw changes: {:.3} ms", per(t));
    let t = Instant::now();
    for d in &docs {
        d.get_changes(&[]);
    }
    println!("get_changes(&[]):            {:.3} ms", per(t));
    let t = Instant::now();
    for d in &docs {
        d.get_changes_meta(&[]);
    }
    println!("get_changes_meta(&[]):       {:.3} ms", per(t));
    let t = Instant::now();
    for d in &docs {
        for c in d.get_changes(&[]) {
            c.decode();
        }
    }
    println!("get_changes + decode:        {:.3} ms", per(t));
    let t = Instant::now();
    for d in &docs {
        let genesis: Vec<ChangeHash> = d
            .get_changes_meta(&[])
            .iter()
            .filter(|c| c.deps.is_empty())
            .map(|c| c.hash)
            .collect();
        for c in d.get_changes(&genesis) {
            c.decode();
        }
    }
    println!("get_changes + decode after the first: {:.3} ms", per(t));
    let stats = automerge::ReadDoc::stats(&docs[0]);
    println!(
        "a document: {} ops in {} changes",
        stats.num_ops, stats.num_changes
    );
    let bound = |_: &ActorId| None;
    let t = Instant::now();
    for d in &docs {
        doimoi_shared::validate::check_changes(d, &[], &unit, &registry, &bound)
            .map_err(|r| anyhow!(r.reason))?;
    }
    println!("check_changes (whole doc):   {:.3} ms", per(t));
    let t = Instant::now();
    for d in &docs {
        proposal::read(d)?;
    }
    println!("proposal::read:              {:.3} ms", per(t));
    let t = Instant::now();
    for d in &docs {
        proposal::read_without_prose(d)?;
    }
    println!("proposal::read_without_prose: {:.3} ms", per(t));
    let req = SyncRequest {
        version: wire::PROTOCOL_VERSION,
        cursor: 0,
        push: saved
            .iter()
            .zip(&docs)
            .map(|(b, d)| PushDoc {
                id: DocId::from_bytes(rng.bytes16()),
                kind: DocKind::Proposal,
                have: Heads::default(),
                changes: ByteBuf::from(b.clone()),
                heads: Heads::from_hashes(&d.get_heads()),
            })
            .collect(),
        pull: Vec::new(),
        feed_limit: 0,
        registry_version: 0,
        calendar_version: 0,
    };
    let t = Instant::now();
    let body = wire::encode(&req)?;
    println!(
        "wire::encode of {n} pushed:   {:.3} ms per document ({} B)",
        per(t),
        body.len() / n
    );
    let t = Instant::now();
    let _: SyncRequest = wire::decode(&body, 1 << 30)?;
    println!(
        "wire::decode of {n} pushed:   {:.3} ms per document",
        per(t)
    );
    let t = Instant::now();
    let body = wire::encode_as(&req, wire::Encoding::Zstd)?;
    println!(
        "zstd encode of {n} pushed:    {:.3} ms per document ({} B)",
        per(t),
        body.len() / n
    );
    let t = Instant::now();
    let _: SyncRequest = wire::decode_as(&body, 1 << 30, wire::Encoding::Zstd)?;
    println!(
        "zstd decode of {n} pushed:    {:.3} ms per document",
        per(t)
    );
    let calendar = doimoi_shared::calendar::Calendar::embedded_default();
    let read: Vec<Proposal> = docs
        .iter()
        .map(proposal::read_without_prose)
        .collect::<Result<_, _>>()?;
    let t = Instant::now();
    for p in &read {
        doimoi_shared::report::ProposalRow::project(p, &registry, &calendar, &config);
    }
    println!("report row (project):        {:.3} ms", per(t));
    let t = Instant::now();
    for d in &docs {
        d.get_heads();
    }
    println!("get_heads:                   {:.3} ms", per(t));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Scenarios 1–5

fn scenarios_1_to_5(
    bins: &Bins,
    work: &Path,
    wants: &dyn Fn(u32) -> bool,
    results: &mut Results,
) -> Result<()> {
    let hub = Hub::spawn(&bins.hub, &work.join("hub"))?;
    println!(
        "\nHub {} (pid {}), data {}",
        hub.url,
        hub.pid(),
        hub.data.display()
    );
    let mut rng = Rng(SEED);

    // Setup: district 513 with 2,000 documents, then district 507 with 5,000, both pushed.
    let mut small = None;
    if wants(3) || wants(4) {
        header(&format!(
            "Setup: district {DISTRICT_SMALL} writes {DISTRICT_SMALL_DOCS} proposals (10 events each) and pushes them"
        ));
        let mut office = Office::new(bins, &hub, DISTRICT_SMALL, &work.join("d513"))?;
        let t = Instant::now();
        let (ids, size) = write_office_docs(&mut office, DISTRICT_SMALL_DOCS, &mut rng)?;
        println!(
            "  written locally in {:.1} s ({} compacted)",
            t.elapsed().as_secs_f64(),
            kb(size)
        );
        let t = Instant::now();
        let r = office.sync()?;
        println!(
            "  pushed in {:.2} s: {} round trips, {} up, {} down, {} documents",
            t.elapsed().as_secs_f64(),
            r.round_trips,
            kb(r.bytes_up),
            kb(r.bytes_down),
            r.docs_up
        );
        if r.docs_up != DISTRICT_SMALL_DOCS {
            bail!("pushed {} documents, not {DISTRICT_SMALL_DOCS}", r.docs_up);
        }
        hub.note_rss();
        small = Some((office, ids));
    }
    if wants(1) {
        header(&format!(
            "Setup: district {DISTRICT_BIG} writes {DISTRICT_BIG_DOCS} proposals (10 events each) and pushes them"
        ));
        let mut office = Office::new(bins, &hub, DISTRICT_BIG, &work.join("d507"))?;
        let t = Instant::now();
        let (_, size) = write_office_docs(&mut office, DISTRICT_BIG_DOCS, &mut rng)?;
        println!(
            "  written locally in {:.1} s ({} compacted)",
            t.elapsed().as_secs_f64(),
            kb(size)
        );
        let t = Instant::now();
        let r = office.sync()?;
        println!(
            "  pushed in {:.2} s: {} round trips, {} up, {} down, {} documents",
            t.elapsed().as_secs_f64(),
            r.round_trips,
            kb(r.bytes_up),
            kb(r.bytes_down),
            r.docs_up
        );
        if r.docs_up != DISTRICT_BIG_DOCS {
            bail!("pushed {} documents, not {DISTRICT_BIG_DOCS}", r.docs_up);
        }
        hub.note_rss();
        scenario_1(&hub, &mut office, results)?;
        hub.note_rss();
    }
    if wants(2) {
        scenario_2(bins, &hub, work, &mut rng, results)?;
        hub.note_rss();
    }
    if let Some((mut office, ids)) = small {
        if wants(3) {
            scenario_3(&mut office, &ids, &mut rng, results)?;
            hub.note_rss();
        }
        if wants(4) {
            scenario_4(bins, &hub, work, results)?;
            hub.note_rss();
        }
    }
    if wants(5) {
        scenario_5(&hub, results)?;
        hub.note_rss();
    }
    header("Hub A memory after scenarios 1–5 (information)");
    let (rss, hwm) = (
        status_kb(hub.pid(), "VmRSS:")?,
        status_kb(hub.pid(), "VmHWM:")?,
    );
    results.add(
        "hub VmRSS / VmHWM",
        format!("{:.0} / {:.0} MB", rss as f64 / 1024.0, hwm as f64 / 1024.0),
        "",
        None,
    );
    Ok(())
}

fn scenario_1(hub: &Hub, office: &mut Office, results: &mut Results) -> Result<()> {
    header(&format!(
        "1. No-op sync of district {DISTRICT_BIG} holding {DISTRICT_BIG_DOCS} documents ({NOOP_SYNCS} syncs at {NOOP_RATE:.0}/s, under the hub's 50 requests/s per token)"
    ));
    let (docs, _) = office.app.store.count_docs()?;
    println!("  the office holds {docs} documents");
    // Warm-up: the first pass after the push may still read the feed's last page.
    office.sync()?;
    let pace = Duration::from_secs_f64(1.0 / NOOP_RATE);
    let mut walls = Vec::with_capacity(NOOP_SYNCS);
    let (mut max_rt, mut max_up, mut max_down, mut moved) = (0, 0, 0, 0);
    let cpu0 = hub.cpu_ticks()?;
    let start = Instant::now();
    for i in 0..NOOP_SYNCS {
        let due = start + pace * u32::try_from(i)?;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let t = Instant::now();
        let r = office.sync()?;
        walls.push(t.elapsed().as_secs_f64() * 1000.0);
        max_rt = max_rt.max(r.round_trips);
        max_up = max_up.max(r.bytes_up);
        max_down = max_down.max(r.bytes_down);
        moved += r.docs_up + r.docs_down;
    }
    // Let the last answers' work settle before reading the hub's CPU time.
    std::thread::sleep(Duration::from_millis(50));
    let cpu = hub.cpu_ticks()? - cpu0;
    if moved != 0 {
        bail!("the no-op syncs moved {moved} documents");
    }
    let per_req = ticks_ms(cpu) / NOOP_SYNCS as f64;
    let w = spread(walls);
    results.add(
        "1. round trips per no-op sync (max)",
        max_rt.to_string(),
        "= 1",
        Some(max_rt == 1),
    );
    results.add(
        "1. bytes up per no-op sync (max)",
        kb(max_up),
        "< 1 KB",
        Some(max_up < 1000),
    );
    results.add(
        "1. bytes down per no-op sync (max)",
        kb(max_down),
        "< 1 KB",
        Some(max_down < 1000),
    );
    results.add(
        &format!("1. hub CPU per request ({cpu} ticks / {NOOP_SYNCS})"),
        format!("{per_req:.2} ms"),
        "< 2 ms",
        Some(per_req < 2.0),
    );
    results.add(
        "1. wall time per no-op sync, p50 / p95 / max",
        format!("{:.1} / {:.1} / {:.1} ms", w.p50, w.p95, w.max),
        "",
        None,
    );
    Ok(())
}

fn scenario_2(
    bins: &Bins,
    hub: &Hub,
    work: &Path,
    rng: &mut Rng,
    results: &mut Results,
) -> Result<()> {
    header(&format!(
        "2. Commune {COMMUNE} pushes {COMMUNE_DOCS} new proposals of 10 events each"
    ));
    let mut office = Office::new(bins, hub, COMMUNE, &work.join("c20437"))?;
    let (_, own) = write_office_docs(&mut office, COMMUNE_DOCS, rng)?;
    let t = Instant::now();
    let r = office.sync()?;
    let secs = t.elapsed().as_secs_f64();
    if r.docs_up != COMMUNE_DOCS {
        bail!("pushed {} documents, not {COMMUNE_DOCS}", r.docs_up);
    }
    let ratio = r.bytes_up as f64 / own as f64;
    results.add(
        "2. round trips",
        r.round_trips.to_string(),
        "<= 5",
        Some(r.round_trips <= 5),
    );
    results.add(
        "2. bytes up / documents' compacted size",
        format!("{} / {} = {ratio:.3}x", kb(r.bytes_up), kb(own)),
        "<= 1.3x",
        Some(ratio <= 1.3),
    );
    results.add("2. bytes down", kb(r.bytes_down), "", None);
    results.add(
        "2. end-to-end time",
        format!("{:.0} ms", secs * 1000.0),
        "< 1 s",
        Some(secs < 1.0),
    );
    Ok(())
}

fn scenario_3(
    office: &mut Office,
    ids: &[DocId],
    rng: &mut Rng,
    results: &mut Results,
) -> Result<()> {
    header(&format!(
        "3. District {DISTRICT_SMALL} (holding {DISTRICT_SMALL_DOCS}, synced) records one event on each of 100 documents"
    ));
    let mut new_bytes = 0usize;
    let unit = office.app.unit.clone();
    for id in ids.iter().take(100) {
        let (mut doc, p) = office.app.load_proposal(id)?;
        let before: Vec<ChangeHash> = doc.get_heads();
        let last = p.events.last().context("no events")?;
        let date = last
            .date
            .checked_add_days(Days::new(rng.range(1, 10)))
            .context("date")?
            .min(office.app.today);
        let at = (last.at + 86_400_000).min(office.app.now_ms - 1000);
        let event = make_event(
            rng,
            &Ctx::of(&office.app),
            &p,
            &unit,
            Action::Commend { level: Level::Unit },
            date,
            at,
        )?;
        proposal::append_event(&mut doc, &event)?;
        new_bytes += doc.save_after(&before).len();
        office.app.save_proposal(&doc, Some(&before))?;
    }
    let t = Instant::now();
    let r = office.sync()?;
    let secs = t.elapsed().as_secs_f64();
    if r.docs_up != 100 {
        bail!("pushed {} documents, not 100", r.docs_up);
    }
    let ratio = r.bytes_up as f64 / new_bytes as f64;
    results.add("3. round trips", r.round_trips.to_string(), "", None);
    results.add(
        "3. bytes up / new changes' own bytes",
        format!("{} / {} = {ratio:.2}x", kb(r.bytes_up), kb(new_bytes)),
        "<= 2x",
        Some(ratio <= 2.0),
    );
    results.add("3. bytes down", kb(r.bytes_down), "", None);
    results.add(
        "3. time",
        format!("{:.0} ms", secs * 1000.0),
        "< 300 ms",
        Some(secs < 0.3),
    );
    Ok(())
}

fn scenario_4(bins: &Bins, hub: &Hub, work: &Path, results: &mut Results) -> Result<()> {
    header(&format!(
        "4. A new device of district {DISTRICT_SMALL} pulls its {DISTRICT_SMALL_DOCS} documents"
    ));
    let mut office = Office::new(bins, hub, DISTRICT_SMALL, &work.join("d513-new"))?;
    let t = Instant::now();
    let r = office.sync()?;
    let secs = t.elapsed().as_secs_f64();
    let (docs, _) = office.app.store.count_docs()?;
    let rows = office.app.store.list_proposals(None)?.len();
    if docs != i64::try_from(DISTRICT_SMALL_DOCS)? || rows != DISTRICT_SMALL_DOCS {
        bail!("the new device holds {docs} documents and {rows} index rows, not {DISTRICT_SMALL_DOCS}");
    }
    results.add(
        "4. round trips / bytes down",
        format!("{} / {}", r.round_trips, kb(r.bytes_down)),
        "",
        None,
    );
    results.add(
        "4. time",
        format!("{:.2} s", secs),
        "< 2 s",
        Some(secs < 2.0),
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Scenario 5: many offices over raw HTTP

#[derive(Clone)]
struct Peer {
    token: String,
    /// The encoded no-op request (cursor at the top, registry and calendar up to date).
    body: Arc<Vec<u8>>,
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: Vec<u8>,
) -> Result<(u16, Vec<u8>)> {
    let resp = client
        .post(url)
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, wire::CONTENT_TYPE)
        .header(reqwest::header::CONTENT_ENCODING, wire::CONTENT_ENCODING)
        .body(body)
        .send()
        .await?;
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await?;
    Ok((status, bytes.to_vec()))
}

/// Outcome of one load phase.
struct Phase {
    latencies_ms: Vec<f64>,
    errors: usize,
    wall: f64,
    hub_ticks: u64,
    own_ticks: u64,
}

/// Issues `OFFICES` tokens with `doimoi-hub token issue`, cycling over the registry's communes.
fn commune_tokens(hub: &Hub) -> Result<Vec<String>> {
    let org: serde_json::Value = serde_json::from_slice(&hub.op(&["org", "show", "--json"])?)?;
    let communes: Vec<String> = org
        .as_array()
        .context("org show --json is not a list")?
        .iter()
        .filter(|u| u["kind"] == "commune")
        .filter_map(|u| u["code"].as_str().map(str::to_string))
        .collect();
    if communes.is_empty() {
        bail!("no communes in the hub's registry");
    }
    let t = Instant::now();
    let mut tokens = Vec::with_capacity(OFFICES);
    for i in 0..OFFICES {
        tokens.push(hub.token(&communes[i % communes.len()])?);
    }
    println!(
        "  {OFFICES} tokens issued with `doimoi-hub token issue` in {:.1} s ({} communes; {} of them get a second device)",
        t.elapsed().as_secs_f64(),
        communes.len(),
        OFFICES.saturating_sub(communes.len())
    );
    Ok(tokens)
}

/// One request per token to learn the cursor and the registry and calendar versions; returns
/// each office's encoded no-op request.
async fn learn_peers(
    client: &reqwest::Client,
    url: &str,
    tokens: Vec<String>,
) -> Result<Vec<Peer>> {
    let mut peers = Vec::with_capacity(tokens.len());
    for token in tokens {
        let first = SyncRequest {
            version: wire::PROTOCOL_VERSION,
            ..SyncRequest::default()
        };
        let (status, bytes) = post(client, url, &token, wire::encode(&first)?).await?;
        if status != 200 {
            bail!("first request answered {status}");
        }
        let mut req = SyncRequest {
            version: wire::PROTOCOL_VERSION,
            ..SyncRequest::default()
        };
        let mut resp: SyncResponse = wire::decode(&bytes, 1 << 30)?;
        loop {
            req.cursor = resp.cursor;
            if let Some(r) = resp.registry {
                req.registry_version = r.version;
            }
            if let Some(c) = resp.calendar {
                req.calendar_version = c.version;
            }
            if !resp.more {
                break;
            }
            // A commune with more than a page of documents: read the feed to its end.
            let (_, bytes) = post(client, url, &token, wire::encode(&req)?).await?;
            resp = wire::decode(&bytes, 1 << 30)?;
        }
        peers.push(Peer {
            token,
            body: Arc::new(wire::encode(&req)?),
        });
    }
    Ok(peers)
}

fn http_client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(OFFICES * 2)
        .timeout(Duration::from_secs(30))
        .build()?)
}

fn scenario_5(hub: &Hub, results: &mut Results) -> Result<()> {
    header(&format!(
        "5. {OFFICES} offices doing no-op syncs over raw HTTP ({REQUESTS_PER_OFFICE} requests each per phase)"
    ));
    let tokens = commune_tokens(hub)?;
    println!(
        "  every token sends {} requests in all, under the hub's rate limit (50/s per token, burst 200), so no request is limited",
        1 + 2 * REQUESTS_PER_OFFICE
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let url = format!("{}/v1/sync", hub.url);
    let hub_pid = hub.pid();
    let (closed, open) = rt.block_on(async move {
        let client = http_client()?;
        let peers = learn_peers(&client, &url, tokens).await?;
        // The no-op answer is small and empty: check one.
        {
            let p = &peers[0];
            let (status, bytes) = post(&client, &url, &p.token, p.body.to_vec()).await?;
            let resp: SyncResponse = wire::decode(&bytes, 1 << 20)?;
            if status != 200 || !resp.feed.is_empty() || resp.registry.is_some() {
                bail!("the no-op request is not a no-op (status {status})");
            }
            println!(
                "  no-op request {} B, answer {} B",
                p.body.len(),
                bytes.len()
            );
        }
        let closed = load_phase(&client, &url, &peers, hub_pid, None).await?;
        let open = load_phase(&client, &url, &peers, hub_pid, Some(OPEN_LOOP_RATE)).await?;
        Ok::<_, anyhow::Error>((closed, open))
    })?;
    let n = (OFFICES * REQUESTS_PER_OFFICE) as f64;
    for (name, phase) in [("closed loop", &closed), ("open loop 2,000/s", &open)] {
        let s = spread(phase.latencies_ms.clone());
        let rate = n / phase.wall;
        println!(
            "  {name}: {n:.0} requests in {:.2} s, {} errors; hub CPU {:.0} ms ({:.2} ms/request), load generator CPU {:.0} ms",
            phase.wall,
            phase.errors,
            ticks_ms(phase.hub_ticks),
            ticks_ms(phase.hub_ticks) / n,
            ticks_ms(phase.own_ticks)
        );
        if phase.errors > 0 {
            bail!("{} requests failed in the {name} phase", phase.errors);
        }
        if name == "closed loop" {
            results.add(
                "5. throughput, 300 offices back to back",
                format!("{rate:.0} req/s"),
                ">= 2,000/s",
                Some(rate >= 2000.0),
            );
            results.add(
                "5. latency p50 / p99 (closed loop, information)",
                format!("{:.1} / {:.1} ms", s.p50, s.p99),
                "",
                None,
            );
        } else {
            // The open loop sends on a fixed schedule of 2,000/s: the check is that the hub
            // kept it (3% allowed for the timer's jitter); throughput is the closed loop's.
            results.add(
                "5. sustained rate, open loop",
                format!("{rate:.0} req/s"),
                "kept 2,000/s",
                Some(rate >= 0.97 * OPEN_LOOP_RATE),
            );
            results.add(
                "5. latency p50 (open loop at 2,000/s)",
                format!("{:.1} ms", s.p50),
                "",
                None,
            );
            results.add(
                "5. latency p99 (open loop at 2,000/s)",
                format!("{:.1} ms (max {:.1})", s.p99, s.max),
                "< 50 ms",
                Some(s.p99 < 50.0),
            );
        }
    }
    Ok(())
}

/// Every peer sends `REQUESTS_PER_OFFICE` requests. `rate: None` sends each request as soon as
/// the previous answer arrives (closed loop); `Some(r)` schedules requests at `r` per second in
/// all, evenly spread, and measures latency from the scheduled time (open loop).
async fn load_phase(
    client: &reqwest::Client,
    url: &str,
    peers: &[Peer],
    hub_pid: u32,
    rate: Option<f64>,
) -> Result<Phase> {
    let hub0 = cpu_ticks(hub_pid)?;
    let own0 = cpu_ticks(std::process::id())?;
    let start = tokio::time::Instant::now() + Duration::from_millis(20);
    let interval = rate.map(|r| Duration::from_secs_f64(peers.len() as f64 / r));
    let mut set = tokio::task::JoinSet::new();
    for (i, p) in peers.iter().enumerate() {
        let (client, url, p) = (client.clone(), url.to_string(), p.clone());
        let offset = interval
            .map(|iv| iv.mul_f64(i as f64 / peers.len() as f64))
            .unwrap_or_default();
        set.spawn(async move {
            let mut lat = Vec::with_capacity(REQUESTS_PER_OFFICE);
            let mut errors = 0usize;
            tokio::time::sleep_until(start + offset).await;
            for k in 0..REQUESTS_PER_OFFICE {
                let from = match interval {
                    Some(iv) => {
                        let due = start + offset + iv * u32::try_from(k).unwrap_or(0);
                        tokio::time::sleep_until(due).await;
                        due
                    }
                    None => tokio::time::Instant::now(),
                };
                match post(&client, &url, &p.token, p.body.to_vec()).await {
                    Ok((200, bytes)) => {
                        lat.push(from.elapsed().as_secs_f64() * 1000.0);
                        let ok = wire::decode::<SyncResponse>(&bytes, 1 << 20)
                            .is_ok_and(|r| r.feed.is_empty() && r.registry.is_none());
                        if !ok {
                            errors += 1;
                        }
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        });
    }
    let mut latencies_ms = Vec::with_capacity(peers.len() * REQUESTS_PER_OFFICE);
    let mut errors = 0;
    while let Some(done) = set.join_next().await {
        let (lat, e) = done?;
        latencies_ms.extend(lat);
        errors += e;
    }
    let wall = start.elapsed().as_secs_f64();
    Ok(Phase {
        latencies_ms,
        errors,
        wall,
        hub_ticks: cpu_ticks(hub_pid)? - hub0,
        own_ticks: cpu_ticks(std::process::id())? - own0,
    })
}

// ---------------------------------------------------------------------------------------------
// Scenario 6: hub memory with many stored documents

/// The Automerge actor of a unit's (generated) device.
fn unit_actor(unit: &UnitCode) -> ActorId {
    let mut b = [0u8; 16];
    for (i, c) in unit.as_str().bytes().enumerate() {
        b[i % 16] ^= c;
    }
    b[15] ^= 0x5a;
    ActorId::from(b)
}

/// Short content: every field the submit step requires, one short sentence each.
fn small_fields(rng: &mut Rng) -> ProposalFields {
    let object = rng.pick(OBJECTS);
    let line = |s: &str| Some(s.to_string());
    ProposalFields {
        title: Some(format!("{} {object}", rng.pick(VERBS))),
        proposer: Some(person(rng)),
        position: Some(rng.pick(POSITIONS).to_string()),
        field: Some(rng.pick(FIELDS).to_string()),
        necessity: Some(format!("Công tác {object} còn {}.", rng.pick(PROBLEMS))),
        content: Some(format!("Thực hiện {}.", rng.pick(TASKS))),
        subjects: line("Cán bộ, công chức và người dân."),
        scope: line("Trên địa bàn."),
        timeline: line("Trong năm."),
        resources: line("Nhân lực hiện có."),
        feasibility: line("Khả thi."),
        impact: line("Tích cực."),
        expected: Some(format!("{}.", rng.pick(GAINS))),
        ..ProposalFields::default()
    }
}

/// Generates a hub store of `total` documents in `dir` through `Db::commit_docs`: small
/// proposals (one-sentence content; submitted, received, party opinion), spread over the
/// province's districts and communes, each unit's created by its own bound actor.
fn build_big(dir: &Path, total: usize) -> Result<()> {
    use doimoi_hub::store::{Db, Device, DocWrite};
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    let registry = Registry::embedded_default();
    let config = WorkflowConfig::default();
    let units: Vec<UnitCode> = registry
        .units()
        .iter()
        .filter(|u| {
            matches!(
                u.kind,
                doimoi_shared::org::UnitKind::District | doimoi_shared::org::UnitKind::Commune
            )
        })
        .map(|u| u.code.clone())
        .collect();
    let db = Db::open(dir, 1)?;
    // Generation only: no fsync per transaction (the store is checked complete at the end).
    db.writer().pragma_update(None, "synchronous", "OFF")?;
    let ctx = Ctx::now(&registry, &config);
    let now_ms = ctx.now_ms;
    let t = Instant::now();
    // Documents are made on every core, in chunks, and written here as they come.
    const CHUNK: usize = 500;
    let chunks = total.div_ceil(CHUNK);
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8);
    type Chunk = Vec<(usize, String, Automerge)>;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Chunk>>(workers);
    std::thread::scope(|s| -> Result<()> {
        for w in 0..workers {
            let (tx, units, ctx) = (tx.clone(), &units, &ctx);
            s.spawn(move || {
                for c in (w..chunks).step_by(workers) {
                    let make = || -> Result<Chunk> {
                        let mut rng = Rng(SEED ^ 0x200_000 ^ ((c as u64) << 20));
                        let mut out = Vec::with_capacity(CHUNK);
                        for j in c * CHUNK..((c + 1) * CHUNK).min(total) {
                            let u = j % units.len();
                            let unit = &units[u];
                            let content = small_fields(&mut rng);
                            let (doc, p) = build_proposal(
                                &mut rng,
                                ctx,
                                &unit_actor(unit),
                                unit,
                                3,
                                &content,
                            )?;
                            out.push((u, p.id.to_string(), doc));
                        }
                        Ok(out)
                    };
                    if tx.send(make()).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut done = 0;
        for chunk in rx {
            let chunk = chunk?;
            done += chunk.len();
            // One commit per unit's share of the chunk (the device binds the unit's actor).
            let mut by_unit: Vec<usize> = chunk.iter().map(|(u, _, _)| *u).collect();
            by_unit.sort_unstable();
            by_unit.dedup();
            for u in by_unit {
                let unit = &units[u];
                let device = Device {
                    id: 0,
                    unit: unit.clone(),
                };
                let writes: Vec<DocWrite<'_>> = chunk
                    .iter()
                    .filter(|(x, _, _)| *x == u)
                    .map(|(_, id, doc)| DocWrite {
                        id,
                        kind: "proposal",
                        unit: unit.as_str(),
                        doc,
                        before: None,
                        bind: vec![unit_actor(unit)],
                        // The generated store is for sync, not reports.
                        proj: &doimoi_hub::projection::Projected::None,
                        snapshot: None,
                    })
                    .collect();
                db.commit_docs(&writes, &device, now_ms)?;
            }
            if done % 20_000 < CHUNK {
                println!("  {done} documents ({:.0} s)", t.elapsed().as_secs_f64());
            }
        }
        Ok(())
    })?;
    let n = db.count_docs()?;
    drop(db);
    std::fs::write(
        dir.join(BUILT),
        format!("documents={n}\nseconds={:.0}\n", t.elapsed().as_secs_f64()),
    )?;
    Ok(())
}

fn scenario_6(bins: &Bins, big_docs: usize, rebuild: bool, results: &mut Results) -> Result<()> {
    use doimoi_hub::store::Db;
    header(&format!("6. Hub memory with {big_docs} stored documents"));
    let cached = bins
        .target
        .join(format!("bench-sync-hub-{}k", big_docs / 1000));
    let built = std::fs::read_to_string(cached.join(BUILT)).unwrap_or_default();
    if rebuild || !built.contains(&format!("documents={big_docs}\n")) {
        println!(
            "  generating the store in {} (once; `-- --rebuild-big` regenerates it) …",
            cached.display()
        );
        let t = Instant::now();
        build_big(&cached, big_docs)?;
        println!("  generated in {:.0} s", t.elapsed().as_secs_f64());
    } else {
        println!("  using the cached store {}", cached.display());
    }
    // The report projection, once, in the cache (a store cached before it existed would
    // otherwise be projected by the hub at every start, inside the timings below).
    {
        let t = Instant::now();
        let db = Db::open(&cached, 1)?;
        if doimoi_hub::ops::ensure_projection(&db)?.is_some() {
            println!(
                "  projected the cached store for reports in {:.0} s (once)",
                t.elapsed().as_secs_f64()
            );
        }
    }
    let data = bins.target.join("bench-sync-work").join("hub-big");
    std::fs::create_dir_all(&data)?;
    for name in ["hub.db", "hub.db-wal"] {
        let src = cached.join(name);
        if src.exists() {
            std::fs::copy(&src, data.join(name))?;
        }
    }
    let db_mb = std::fs::metadata(data.join("hub.db"))?.len() as f64 / 1e6;
    // Documents to push to later, by unit (read before the hub starts).
    let units = [
        "20335", "20398", "20500", "20551", "20641", "20791", "20965", "506", "517", "512",
    ];
    let mut targets: Vec<(String, Vec<(String, Automerge)>)> = Vec::new();
    {
        let db = Db::open(&data, 1)?;
        let top = db.max_seq()?;
        for u in units {
            let rows = db.feed(0, Some(&[u.to_string()]), PUSHES_PER_UNIT)?;
            let mut docs = Vec::with_capacity(PUSHES_PER_UNIT);
            for r in &rows {
                let doc = db.load_doc(&r.doc_id)?.context("document")?;
                docs.push((r.doc_id.clone(), doc));
            }
            targets.push((u.to_string(), docs));
        }
        println!(
            "  {} documents, {db_mb:.0} MB of SQLite, feed top {top}",
            db.count_docs()?
        );
    }
    let hub = Hub::spawn(&bins.hub, &data)?;
    let pid = hub.pid();
    std::thread::sleep(Duration::from_millis(200));
    let base = status_kb(pid, "VmRSS:")?;
    println!("  hub started: VmRSS {:.0} MB", base as f64 / 1024.0);

    // Sở Nội vụ's new device: first sync, reading 30 feed pages (30,000 entries) and pulling
    // 3,000 documents.
    let snv = HubClient::new(&hub.url, &hub.token("49-SNV")?)?;
    let t = Instant::now();
    let mut req = SyncRequest {
        version: wire::PROTOCOL_VERSION,
        ..SyncRequest::default()
    };
    let mut announced: Vec<DocId> = Vec::new();
    let (mut up, mut down, mut trips) = (0, 0, 0);
    for _ in 0..30 {
        let (resp, u, d) = snv.sync(&req)?;
        up += u;
        down += d;
        trips += 1;
        announced.extend(resp.feed.iter().map(|e| e.id.clone()));
        req.cursor = resp.cursor;
        if let Some(r) = resp.registry {
            req.registry_version = r.version;
        }
        if let Some(c) = resp.calendar {
            req.calendar_version = c.version;
        }
        if !resp.more {
            break;
        }
    }
    let mut pulled = 0;
    for page in announced.chunks(500).take(6) {
        req.pull = page
            .iter()
            .map(|id| PullDoc {
                id: id.clone(),
                heads: Heads::default(),
            })
            .collect();
        let (resp, u, d) = snv.sync(&req)?;
        up += u;
        down += d;
        trips += 1;
        pulled += resp.results.len();
    }
    req.pull.clear();
    println!(
        "  SNV first sync: {} feed entries, {pulled} documents pulled, {trips} round trips, {} up, {} down, {:.1} s",
        announced.len(),
        kb(up),
        kb(down),
        t.elapsed().as_secs_f64()
    );
    hub.note_rss();

    // Pushes: a comment on PUSHES_PER_UNIT documents of each of 10 units, by a new device of
    // that unit, 100 documents a request (enough to fill the hub's document cache).
    let t = Instant::now();
    let mut pushed = 0;
    let mut rng = Rng(SEED ^ 66);
    for (unit, docs) in targets {
        let client = HubClient::new(&hub.url, &hub.token(&unit)?)?;
        let code = UnitCode::parse(&unit)?;
        let actor = ActorId::from(rng.bytes16());
        let mut push = Vec::new();
        for (id, doc) in docs {
            let before = doc.get_heads();
            let mut doc = doc.with_actor(actor.clone());
            let c = proposal::Comment {
                id: hex(&rng.bytes16()[..8]),
                at: chrono::Utc::now().timestamp_millis(),
                unit: code.clone(),
                by: person(&mut rng),
                text: "Đề nghị bổ sung số liệu.".into(),
            };
            proposal::add_comment(&mut doc, &c)?;
            push.push(PushDoc {
                id: DocId::parse(&id)?,
                kind: DocKind::Proposal,
                have: Heads::from_hashes(&before),
                changes: ByteBuf::from(doc.save_after(&before)),
                heads: Heads::from_hashes(&doc.get_heads()),
            });
        }
        for page in push.chunks(100) {
            let n = page.len();
            let (resp, _, _) = client.sync(&SyncRequest {
                version: wire::PROTOCOL_VERSION,
                push: page.to_vec(),
                feed_limit: 1,
                registry_version: req.registry_version,
                calendar_version: req.calendar_version,
                ..SyncRequest::default()
            })?;
            let ok = resp
                .results
                .iter()
                .filter(|r| r.outcome == wire::Outcome::Ok)
                .count();
            if ok != n {
                bail!("{unit}: {ok} of {n} pushes accepted");
            }
            pushed += n;
        }
    }
    println!(
        "  {pushed} documents changed by pushes from 10 units in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    hub.note_rss();

    // No-op syncs of a district on the big store: hub CPU per request.
    let district = HubClient::new(&hub.url, &hub.token("502")?)?;
    let mut dreq = SyncRequest {
        version: wire::PROTOCOL_VERSION,
        registry_version: req.registry_version,
        calendar_version: req.calendar_version,
        ..SyncRequest::default()
    };
    loop {
        let (resp, _, _) = district.sync(&dreq)?;
        dreq.cursor = resp.cursor;
        if !resp.more {
            break;
        }
    }
    let cpu0 = hub.cpu_ticks()?;
    let start = Instant::now();
    let pace = Duration::from_secs_f64(1.0 / NOOP_RATE);
    for i in 0..NOOP_SYNCS {
        let due = start + pace * u32::try_from(i)?;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        district.sync(&dreq)?;
    }
    std::thread::sleep(Duration::from_millis(50));
    let per_req = ticks_ms(hub.cpu_ticks()? - cpu0) / NOOP_SYNCS as f64;
    results.add(
        "6. district no-op, hub CPU per request (information)",
        format!("{per_req:.2} ms"),
        "",
        None,
    );
    hub.note_rss();

    // Then 300 offices at once, back to back, as in scenario 5.
    let tokens = commune_tokens(&hub)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let url = format!("{}/v1/sync", hub.url);
    let phase = rt.block_on(async move {
        let client = http_client()?;
        let peers = learn_peers(&client, &url, tokens).await?;
        load_phase(&client, &url, &peers, pid, None).await
    })?;
    let n = (OFFICES * REQUESTS_PER_OFFICE) as f64;
    if phase.errors > 0 {
        bail!("{} of {n} requests failed", phase.errors);
    }
    println!(
        "  {OFFICES} offices: {n:.0} no-op requests in {:.2} s ({:.0} req/s)",
        phase.wall,
        n / phase.wall
    );
    let (rss, hwm) = (status_kb(pid, "VmRSS:")?, status_kb(pid, "VmHWM:")?);
    results.add(
        "6. hub VmRSS after the syncs",
        format!("{:.0} MB", rss as f64 / 1024.0),
        "< 300 MB",
        Some(rss < 300 * 1024),
    );
    results.add(
        "6. hub VmHWM (peak)",
        format!("{:.0} MB", hwm as f64 / 1024.0),
        "< 300 MB",
        Some(hwm < 300 * 1024),
    );
    drop(hub);
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}
