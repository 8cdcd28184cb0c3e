//! Store benchmark: a commune office (Xã Ch'ơm, unit 20335) with 10,000 proposals of about ten
//! procedure events each, then the figures that matter to a clerk: opening the store, listing,
//! searching, and whole `doimoi` commands (time and peak memory), each against its target.
//!
//! Run (release): `cargo bench -p doimoi-client --bench store`
//! Options after `--`: `--rebuild` rebuilds the cached store, `--runs N` (default 20).
//!
//! The store is built once into `target/bench-store-10k` (rebuilt when missing, incomplete or
//! with `--rebuild`): the real `doimoi init`, then documents written through the library exactly
//! as the CLI writes them (`proposal::create` / `edit` / `append_event` / `add_comment`, every
//! event checked with `check_next` first, index rows from `App::index_row`). Most documents are
//! saved whole (one snapshot); one in ten is saved the way the CLI saves them, one chunk per
//! command. Content is generated from a fixed seed, so every build is the same store.
//!
//! Measurements run on a fresh copy (`target/bench-store-10k-work`), so `proposal new` never
//! grows the cached store. Peak memory of a command is read with `getrusage(RUSAGE_CHILDREN)`
//! in a fresh helper process (this binary re-run with `--measure-rss`) that spawns that one
//! command and waits for it.

use anyhow::{anyhow, bail, Context, Result};
use automerge::Automerge;
use chrono::{Days, NaiveDate, NaiveTime, TimeZone};
use doimoi_client::app::{vn_offset, App};
use doimoi_client::store::{Store, Write};
use doimoi_shared::doc::proposal::{self, Comment, Proposal, ProposalFields};
use doimoi_shared::ids::{hex, DocId, UnitCode};
use doimoi_shared::text::{fold, nfc};
use doimoi_shared::workflow::{
    check_next, deciding_unit, Action, Basis, Determination, EvalResult, Event, Flag, Level,
    ProposalState, Side,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const PROPOSALS: usize = 10_000;
/// Documents per store transaction while building.
const BATCH: usize = 250;
const UNIT: &str = "20335";
const SEED: u64 = 0x646f_696d_6f69_2031;
const DEFAULT_RUNS: usize = 20;
/// Marker written last by a successful build (with a summary of what was built).
const BUILT: &str = "bench-built.txt";

/// Queries: a selective one (about 0.5 % of proposals) and a broad one (most of them).
const SELECTIVE: &str = "sâm Ngọc Linh";
const BROAD: &str = "sáng tạo";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--measure-rss") {
        return measure_rss_helper(args.get(1..).unwrap_or_default());
    }
    let rebuild = args.iter().any(|a| a == "--rebuild");
    let runs = match args.iter().position(|a| a == "--runs") {
        Some(i) => args
            .get(i + 1)
            .context("--runs needs a number")?
            .parse::<usize>()
            .context("--runs needs a number")?
            .max(1),
        None => DEFAULT_RUNS,
    };
    let bin = doimoi_bin()?;
    let target = target_dir()?;
    let cached = target.join("bench-store-10k");
    if rebuild || !cached.join(BUILT).exists() {
        let t = Instant::now();
        build_store(&bin, &cached)?;
        println!(
            "Built the store in {:.1} s: {}",
            t.elapsed().as_secs_f64(),
            cached.display()
        );
    } else {
        println!(
            "Using the cached store {} (pass `-- --rebuild` to rebuild it).",
            cached.display()
        );
    }
    let info = read_info(&cached)?;
    let work = target.join("bench-store-10k-work");
    fresh_copy(&cached, &work)?;
    measure(&bin, &work, &info, runs)
}

// ---------------------------------------------------------------------------------------------
// Locations

/// The `doimoi` binary cargo built for this bench (release profile), else the one next to it.
fn doimoi_bin() -> Result<PathBuf> {
    if let Some(p) = option_env!("CARGO_BIN_EXE_doimoi") {
        let p = PathBuf::from(p);
        if p.exists() {
            return Ok(p);
        }
    }
    let exe = std::env::current_exe().context("current_exe")?;
    let p = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("doimoi"))
        .context("no folder above the bench executable")?;
    if p.exists() {
        Ok(p)
    } else {
        bail!(
            "{} not found: run `cargo build --release -p doimoi-client` first.",
            p.display()
        )
    }
}

/// `target/` (the bench executable is `target/release/deps/store-…`).
fn target_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("current_exe")?;
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .context("the bench executable is not under target/<profile>/deps")
}

fn fresh_copy(from: &Path, to: &Path) -> Result<()> {
    if to.exists() {
        std::fs::remove_dir_all(to).with_context(|| format!("removing {}", to.display()))?;
    }
    std::fs::create_dir_all(to)?;
    for name in ["doimoi.db", "doimoi.db-wal"] {
        let src = from.join(name);
        if src.exists() {
            std::fs::copy(&src, to.join(name))
                .with_context(|| format!("copying {}", src.display()))?;
        }
    }
    Ok(())
}

fn store_bytes(dir: &Path) -> u64 {
    ["doimoi.db", "doimoi.db-wal"]
        .iter()
        .filter_map(|n| std::fs::metadata(dir.join(n)).ok())
        .map(|m| m.len())
        .sum()
}

// ---------------------------------------------------------------------------------------------
// Deterministic content

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
    fn chance(&mut self, per_mille: u64) -> bool {
        self.next_u64() % 1000 < per_mille
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
    "Tăng cường phối hợp trong",
    "Huy động nguồn lực xã hội hóa cho",
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
    "giữ gìn an ninh trật tự ở thôn",
    "tiêm chủng mở rộng",
    "quản lý thủy lợi nội đồng",
    "khuyến nông, chuyển giao kỹ thuật",
    "chăm sóc người cao tuổi",
    "dạy nghề cho lao động nông thôn",
    "quản lý chợ phiên",
    "thu ngân sách trên địa bàn",
    "bảo vệ và phát triển rừng",
    "phòng cháy, chữa cháy rừng",
    "xây dựng nông thôn mới",
    "giảm nghèo bền vững",
    "bảo tồn văn hóa truyền thống Cơ Tu",
    "phát triển du lịch cộng đồng",
    "chăn nuôi bò sinh sản",
    "trồng và chăm sóc cây dược liệu",
    "chứng thực bản sao",
    "quản lý nhân khẩu",
    "cấp nước sinh hoạt tập trung",
    "vận động học sinh đến trường",
    "phòng, chống tảo hôn",
    "tiếp công dân",
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
    "thông qua tổ công nghệ số cộng đồng",
    "trên nền tảng dịch vụ công trực tuyến",
    "bằng sổ tay điện tử",
    "theo phương châm dân biết, dân bàn, dân làm, dân kiểm tra",
];
const PLACES: &[&str] = &[
    "tại bộ phận một cửa UBND xã",
    "tại các thôn",
    "trên địa bàn xã",
    "tại thôn Arớh",
    "tại thôn Ch'ơm",
    "tại thôn Ating",
    "tại thôn Z'lao",
    "tại thôn Bhlô",
    "tại khu dân cư Dầm",
    "tại trường mầm non xã",
    "tại trạm y tế xã",
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
    "Xây dựng Đảng, chính quyền",
    "Lao động, việc làm",
];
const SURNAMES: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
    "Alăng", "Bríu", "Bh'riu", "Clâu", "Pơloong", "Zơrâm", "Ating", "Hốih", "Arất",
];
const MIDDLE: &[&str] = &[
    "Văn",
    "Thị",
    "Đức",
    "Minh",
    "Ngọc",
    "Thanh",
    "Hữu",
    "Quang",
    "Thị Kim",
    "Công",
];
const GIVEN: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Lan", "Long", "Mai", "Nam",
    "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Xuân", "Bốn", "Nhớ", "Lợi",
    "Thiên", "Blông", "Grứ",
];
const POSITIONS: &[&str] = &[
    "Công chức Văn phòng - Thống kê",
    "Công chức Tư pháp - Hộ tịch",
    "Công chức Địa chính - Xây dựng - Nông nghiệp và Môi trường",
    "Công chức Văn hóa - Xã hội",
    "Công chức Tài chính - Kế toán",
    "Chỉ huy trưởng Ban Chỉ huy quân sự xã",
    "Trưởng Công an xã",
    "Chủ tịch Ủy ban Mặt trận Tổ quốc xã",
    "Bí thư Đoàn Thanh niên xã",
    "Chủ tịch Hội Phụ nữ xã",
];
const PROBLEMS: &[&str] = &[
    "thời gian giải quyết kéo dài",
    "người dân phải đi lại nhiều lần",
    "số liệu phân tán, thiếu chính xác",
    "thiếu nhân lực có chuyên môn",
    "địa bàn rộng, giao thông khó khăn vào mùa mưa",
    "hồ sơ giấy dễ thất lạc, hư hỏng",
    "chi phí thực hiện cao",
    "sự phối hợp giữa các thôn chưa chặt chẽ",
    "người dân chưa quen sử dụng điện thoại thông minh",
    "nhiều hộ ở xa trung tâm xã",
];
const TASKS: &[&str] = &[
    "tập huấn cho cán bộ thôn",
    "xây dựng quy chế phối hợp giữa các bộ phận",
    "lập nhóm Zalo từng thôn để thông báo kịp thời",
    "bố trí điểm tiếp nhận lưu động vào ngày chợ phiên",
    "số hóa sổ sách từ năm 2015",
    "lắp đặt camera tại các điểm giao cắt",
    "phối hợp với Hội Nông dân, Hội Phụ nữ",
    "khảo sát ý kiến người dân trước và sau khi thực hiện",
    "ban hành hướng dẫn chi tiết từng bước",
    "trồng thử nghiệm trên diện tích 2 ha",
    "in tờ rơi song ngữ Việt - Cơ Tu",
    "kiểm tra, đôn đốc hằng tháng",
];
const GAINS: &[&str] = &[
    "rút ngắn 30% thời gian giải quyết hồ sơ",
    "giảm số lần người dân phải đến UBND xã",
    "tăng tỷ lệ hồ sơ trực tuyến lên trên 50%",
    "số liệu được cập nhật hằng ngày",
    "tiết kiệm chi phí in ấn, văn phòng phẩm",
    "tăng thu nhập cho hộ tham gia",
    "giảm vi phạm trong mùa khô",
    "người dân hài lòng hơn với dịch vụ công",
];
const SIGNERS: &[&str] = &[
    "Alăng Văn Bốn",
    "Bríu Thị Hoa",
    "Nguyễn Văn Hùng",
    "Clâu Nhớ",
    "Trần Thị Thảo",
];

fn person(rng: &mut Rng) -> String {
    format!(
        "{} {} {}",
        rng.pick(SURNAMES),
        rng.pick(MIDDLE),
        rng.pick(GIVEN)
    )
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Realistic, varied content for one proposal.
fn fields(rng: &mut Rng) -> ProposalFields {
    let verb = rng.pick(VERBS);
    let object = rng.pick(OBJECTS);
    let method = rng.pick(METHODS);
    let place = rng.pick(PLACES);
    let mut title = format!("{verb} {object} {method}");
    if rng.chance(500) {
        title = format!("{title} {place}");
    }
    let innovation = if rng.chance(800) {
        "phát huy tinh thần đổi mới, sáng tạo, dám nghĩ, dám làm, dám chịu trách nhiệm vì lợi ích chung"
    } else {
        "cải tiến cách làm, nâng cao chất lượng phục vụ Nhân dân"
    };
    let necessity = format!(
        "Hiện nay, công tác {object} {place} còn {} và {}. Qua theo dõi {} tháng gần đây, {} hồ sơ bị chậm. Đề xuất nhằm tháo gỡ điểm nghẽn, {innovation}.",
        rng.pick(PROBLEMS),
        rng.pick(PROBLEMS),
        rng.range(3, 18),
        rng.range(5, 120)
    );
    let mut content = format!(
        "{} {object} {method}. Các nhiệm vụ: (1) {}; (2) {}; (3) {}. Giải pháp trọng tâm là {} và {}.",
        verb,
        rng.pick(TASKS),
        rng.pick(TASKS),
        rng.pick(TASKS),
        lower_first(rng.pick(VERBS)),
        rng.pick(TASKS)
    );
    if rng.chance(5) {
        content.push_str(" Kết hợp trồng sâm Ngọc Linh dưới tán rừng phòng hộ của xã.");
    }
    let subjects = format!(
        "Cán bộ, công chức UBND xã; {} hộ dân tại {} thôn; học sinh và giáo viên trên địa bàn.",
        rng.range(40, 900),
        rng.range(1, 9)
    );
    let scope = format!(
        "Áp dụng {}; có thể nhân rộng ra các xã lân cận của huyện Tây Giang.",
        rng.pick(PLACES)
    );
    let m = rng.range(1, 12);
    let y = rng.range(2021, 2026);
    let timeline = format!(
        "Từ tháng {m}/{y} đến tháng {}/{}; sơ kết sau {} tháng, tổng kết khi kết thúc.",
        (m + 5) % 12 + 1,
        y + 1,
        rng.range(3, 6)
    );
    let resources = format!(
        "Kinh phí dự kiến {} triệu đồng từ {}; nhân lực gồm {} công chức và {} cán bộ thôn; sử dụng máy tính, điện thoại hiện có.",
        rng.range(0, 250),
        rng.pick(&[
            "ngân sách xã",
            "nguồn xã hội hóa",
            "Chương trình mục tiêu quốc gia",
            "ngân sách xã và đóng góp của Nhân dân",
        ]),
        rng.range(1, 6),
        rng.range(0, 14)
    );
    let feasibility = format!(
        "Được cấp ủy, chính quyền thống nhất chủ trương; {}; người dân đồng tình ủng hộ. Đã có kinh nghiệm {} ở xã bạn.",
        rng.pick(&[
            "công chức đã được tập huấn",
            "hạ tầng mạng đã phủ sóng các thôn",
            "quy trình đơn giản, dễ làm theo",
            "không phát sinh biên chế",
        ]),
        lower_first(rng.pick(VERBS))
    );
    let impact = format!(
        "Tích cực: {}; {}. Tiêu cực: {}.",
        rng.pick(GAINS),
        rng.pick(GAINS),
        rng.pick(&[
            "giai đoạn đầu công chức phải làm song song hai cách",
            "một số hộ cao tuổi cần được hỗ trợ thêm",
            "phát sinh chi phí duy trì phần mềm",
            "không đáng kể",
        ])
    );
    let expected = format!(
        "{}; {}; tạo chuyển biến rõ nét trong {object}.",
        rng.pick(GAINS),
        rng.pick(GAINS)
    );
    let position = rng.pick(POSITIONS);
    let basis = match rng.next_u64() % 20 {
        0..=11 => Basis::Qd20,
        12..=16 => Basis::Nd73,
        _ => Basis::Both,
    };
    ProposalFields {
        title: Some(title),
        proposer: Some(person(rng)),
        position: Some(position.to_string()),
        proposer_is_head: Some(false),
        proposer_is_deputy: Some(false),
        leader: Some(basis.decree73()),
        basis: Some(basis),
        field: Some(rng.pick(FIELDS).to_string()),
        pilot: Some(rng.chance(100)),
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

// ---------------------------------------------------------------------------------------------
// Procedure paths

#[derive(Clone, Copy)]
enum Role {
    /// The proposer's unit (this office).
    Own,
    /// The unit whose head decides (this office, or its district when the proposer is the head).
    Deciding,
    /// UBND tỉnh.
    Province,
}

struct Step {
    action: Action,
    role: Role,
    /// Calendar days after the previous step (or after creation for the first).
    gap: u64,
}

struct Plan<'r> {
    rng: &'r mut Rng,
    steps: Vec<Step>,
    /// Result and damage of the evaluation, once planned.
    evaluated: Option<(EvalResult, bool)>,
}

impl Plan<'_> {
    fn add(&mut self, action: Action, role: Role, lo: u64, hi: u64) -> &mut Self {
        let gap = self.rng.range(lo, hi);
        self.steps.push(Step { action, role, gap });
        self
    }
    fn submit(&mut self) -> &mut Self {
        self.add(Action::Submit, Role::Own, 1, 20)
    }
    fn receive(&mut self) -> &mut Self {
        self.add(Action::Receive, Role::Deciding, 0, 3)
    }
    fn opinion(&mut self) -> &mut Self {
        self.add(Action::PartyOpinion { agree: true }, Role::Deciding, 1, 3)
    }
    fn vote(&mut self, pass: bool) -> &mut Self {
        let members = u32::try_from(self.rng.range(7, 9)).unwrap_or(7);
        let votes_for = if pass {
            members / 2 + 1 + u32::try_from(self.rng.range(0, 2)).unwrap_or(0)
        } else {
            u32::try_from(self.rng.range(0, 3)).unwrap_or(0)
        };
        let rest = members - votes_for;
        let against = rest - u32::try_from(self.rng.range(0, u64::from(rest.min(1)))).unwrap_or(0);
        let abstain = rest - against;
        let head_voted = if self.rng.chance(200) {
            Some(if pass { Side::For } else { Side::Against })
        } else {
            None
        };
        let action = Action::Vote {
            votes_for,
            against,
            abstain,
            head_voted,
            members: None,
        };
        self.add(action, Role::Deciding, 0, 2)
    }
    /// Gap before a decision: usually within the 7 working days, sometimes late.
    fn decision_gap(&mut self) -> (u64, u64) {
        if self.rng.chance(120) {
            (9, 20)
        } else {
            (0, 3)
        }
    }
    fn approve(&mut self, by_head: bool) -> &mut Self {
        let (lo, hi) = self.decision_gap();
        let pilot = self.rng.chance(80);
        self.add(Action::Approve { pilot, by_head }, Role::Deciding, lo, hi)
    }
    fn reject(&mut self) -> &mut Self {
        let (lo, hi) = self.decision_gap();
        self.add(Action::Reject, Role::Deciding, lo, hi)
    }
    fn escalate(&mut self) -> &mut Self {
        let (lo, hi) = self.decision_gap();
        self.add(Action::Escalate, Role::Deciding, lo, hi)
    }
    fn answer(&mut self) -> &mut Self {
        self.add(Action::Answer { approve: true }, Role::Province, 10, 40)
    }
    fn start(&mut self) -> &mut Self {
        self.add(Action::Start, Role::Own, 1, 15)
    }
    fn suspend(&mut self) -> &mut Self {
        self.add(Action::Suspend, Role::Deciding, 20, 90)
    }
    fn resume(&mut self) -> &mut Self {
        self.add(Action::Resume, Role::Deciding, 5, 30)
    }
    fn terminate(&mut self) -> &mut Self {
        self.add(Action::Terminate, Role::Deciding, 5, 30)
    }
    fn report(&mut self) -> &mut Self {
        // `finished` is set when dates are known (a few days before the report).
        self.add(Action::ReportResults { finished: None }, Role::Own, 30, 200)
    }
    fn evaluate(&mut self, result: EvalResult) -> &mut Self {
        let damage = result != EvalResult::Completed && self.rng.chance(300);
        self.evaluated = Some((result, damage));
        self.add(Action::Evaluate { result, damage }, Role::Deciding, 1, 5)
    }
    fn protect(&mut self) -> &mut Self {
        let determination = match self.evaluated {
            Some((EvalResult::Completed, _)) | None => Determination::NotLiable,
            Some((_, false)) => Determination::Excluded,
            Some((_, true)) => Determination::Considered,
        };
        // Decree 73 fixes the determination; under Regulation 20 the same one is recorded.
        self.add(Action::Protect { determination }, Role::Deciding, 1, 10)
    }
    fn notify(&mut self) -> &mut Self {
        self.add(Action::Notify, Role::Deciding, 0, 3)
    }
    fn commend(&mut self) -> &mut Self {
        self.add(
            Action::Commend { level: Level::Unit },
            Role::Deciding,
            3,
            20,
        )
    }
    /// submit, receive, party opinion, vote, approve, start.
    fn approved_and_started(&mut self) -> &mut Self {
        self.submit()
            .receive()
            .opinion()
            .vote(true)
            .approve(false)
            .start()
    }
    /// … report, party opinion, evaluate.
    fn reported_and_evaluated(&mut self, result: EvalResult) -> &mut Self {
        self.report().opinion().evaluate(result)
    }
}

/// Chooses a procedure path. Returns the steps and how recent the proposal must be (days of
/// the window its creation date is drawn from).
fn plan(rng: &mut Rng) -> (Vec<Step>, u64) {
    let roll = rng.next_u64() % 1000;
    let sub = rng.next_u64() % 100;
    let mut p = Plan {
        rng,
        steps: Vec::with_capacity(12),
        evaluated: None,
    };
    let window = match roll {
        // Completed (10, 11 or 12 events).
        0..=329 => {
            p.approved_and_started()
                .reported_and_evaluated(EvalResult::Completed);
            match sub {
                0..=54 => p.protect(),
                55..=74 => p.notify(),
                75..=89 => p.notify().protect(),
                _ => p.notify().protect().commend(),
            };
            1500
        }
        // Vote failed, approved by the head's written decision, completed or partly.
        330..=359 => {
            let r = if sub < 60 {
                EvalResult::Completed
            } else {
                EvalResult::Partly
            };
            p.submit()
                .receive()
                .opinion()
                .vote(false)
                .approve(true)
                .start()
                .reported_and_evaluated(r)
                .protect();
            1500
        }
        // Escalated to UBND tỉnh, approved by its answer, completed.
        360..=389 => {
            p.submit()
                .receive()
                .opinion()
                .vote(sub < 70)
                .escalate()
                .answer()
                .start()
                .reported_and_evaluated(EvalResult::Completed);
            1500
        }
        390..=489 => {
            p.approved_and_started()
                .reported_and_evaluated(EvalResult::Partly)
                .protect();
            1500
        }
        490..=539 => {
            p.approved_and_started()
                .reported_and_evaluated(EvalResult::NotCompleted)
                .protect();
            1500
        }
        540..=619 => {
            p.approved_and_started()
                .suspend()
                .resume()
                .report()
                .opinion();
            700
        }
        620..=769 => {
            p.approved_and_started().suspend().resume();
            if sub < 60 {
                p.suspend().resume();
            }
            500
        }
        770..=799 => {
            p.submit()
                .receive()
                .opinion()
                .vote(true)
                .opinion()
                .approve(false)
                .start()
                .suspend()
                .resume()
                .suspend();
            500
        }
        800..=839 => {
            p.approved_and_started()
                .suspend()
                .resume()
                .suspend()
                .terminate();
            900
        }
        // Stopped earlier in the procedure.
        840..=899 => {
            if sub < 75 {
                p.submit().receive().opinion().vote(true).approve(false);
            } else {
                p.submit()
                    .receive()
                    .opinion()
                    .vote(false)
                    .opinion()
                    .approve(true);
            }
            200
        }
        900..=924 => {
            p.submit().receive().opinion().vote(false).reject();
            600
        }
        925..=934 => {
            p.submit().receive().opinion().vote(true).escalate();
            120
        }
        935..=949 => {
            p.submit().receive().opinion().vote(true);
            60
        }
        950..=959 => {
            p.submit().receive().opinion().vote(false);
            60
        }
        960..=974 => {
            p.submit().receive();
            if sub < 50 {
                p.opinion();
            }
            45
        }
        975..=984 => {
            p.submit();
            30
        }
        _ => 60, // draft
    };
    (p.steps, window)
}

fn by_for(
    rng: &mut Rng,
    action: &Action,
    proposer: &str,
    own_position: &str,
) -> (String, String, String) {
    let signer = rng.pick(SIGNERS).to_string();
    match action {
        Action::Submit => (
            proposer.to_string(),
            own_position.to_string(),
            String::new(),
        ),
        Action::Receive => (
            person(rng),
            "Công chức Văn phòng - Thống kê".into(),
            "Hồ sơ đủ thành phần theo Điều 7.2".into(),
        ),
        Action::PartyOpinion { .. } => (
            signer,
            "Bí thư Đảng ủy xã".into(),
            "Thống nhất chủ trương".into(),
        ),
        Action::Vote { .. } => (
            String::new(),
            String::new(),
            format!("Họp tập thể lãnh đạo ngày thứ {}", rng.range(2, 6)),
        ),
        Action::Approve { .. } | Action::Reject => (
            signer,
            "Chủ tịch UBND".into(),
            format!("Quyết định số {}/QĐ-UBND", rng.range(10, 480)),
        ),
        Action::Answer { .. } => (
            String::new(),
            "UBND tỉnh".into(),
            format!("Văn bản số {}/UBND-NC", rng.range(100, 9000)),
        ),
        Action::Evaluate { .. } => (
            signer,
            "Chủ tịch UBND".into(),
            "Theo báo cáo của Hội đồng đánh giá".into(),
        ),
        _ => (person(rng), String::new(), String::new()),
    }
}

// ---------------------------------------------------------------------------------------------
// Building the store

#[derive(Default)]
struct BuildStats {
    statuses: BTreeMap<String, usize>,
    flags: BTreeMap<String, usize>,
    events: usize,
    events_hist: BTreeMap<usize, usize>,
    chunked: usize,
    edited: usize,
    comments: usize,
    show_whole: Option<String>,
    show_chunked: Option<String>,
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

fn build_store(bin: &Path, dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir)?;
    let out = Command::new(bin)
        .args(["init", "--unit", UNIT, "--data"])
        .arg(dir)
        .output()
        .with_context(|| format!("running {}", bin.display()))?;
    if !out.status.success() {
        bail!(
            "doimoi init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut app = App::open(dir)?;
    // A second connection does the writes, so `app` stays free for `index_row`/`state`.
    let mut store = Store::open(dir)?;
    let mut rng = Rng(SEED);
    let mut stats = BuildStats::default();
    let t = Instant::now();
    let mut done = 0;
    while done < PROPOSALS {
        let n = BATCH.min(PROPOSALS - done);
        let w = store.write()?;
        for i in 0..n {
            let chunked = (done + i) % 10 == 3;
            build_one(&mut app, &w, &mut rng, chunked, &mut stats)?;
        }
        w.commit()?;
        done += n;
        if done.is_multiple_of(2000) {
            println!(
                "  {done} proposals written ({:.1} s)",
                t.elapsed().as_secs_f64()
            );
        }
    }
    drop(store);
    drop(app);
    // Check: the index has every proposal and no flag a valid path would not give.
    let app = App::open(dir)?;
    let rows = app.store.list_proposals(None)?;
    if rows.len() != PROPOSALS {
        bail!("the index has {} rows, not {PROPOSALS}", rows.len());
    }
    if let Some(bad) = rows.iter().find(|r| {
        r.flags
            .iter()
            .any(|f| matches!(f, Flag::InvalidEvent | Flag::Conflict))
    }) {
        bail!("proposal {} has flags {:?}", bad.id, bad.flags);
    }
    drop(app);
    let mut info = String::new();
    info.push_str(&format!("proposals={PROPOSALS}\nevents={}\n", stats.events));
    info.push_str(&format!(
        "chunked={}\nedited={}\ncomments={}\n",
        stats.chunked, stats.edited, stats.comments
    ));
    info.push_str(&format!(
        "show_whole={}\nshow_chunked={}\n",
        stats.show_whole.unwrap_or_default(),
        stats.show_chunked.unwrap_or_default()
    ));
    for (k, v) in &stats.statuses {
        info.push_str(&format!("status.{k}={v}\n"));
    }
    for (k, v) in &stats.flags {
        info.push_str(&format!("flag.{k}={v}\n"));
    }
    for (k, v) in &stats.events_hist {
        info.push_str(&format!("events_per_doc.{k:02}={v}\n"));
    }
    std::fs::write(dir.join(BUILT), info)?;
    Ok(())
}

/// Writes one proposal the way the CLI would have: `new`, maybe `edit`, its steps, maybe
/// comments. `chunked`: one save (snapshot, then one chunk per command) and one index-row
/// update per command, as the CLI does; otherwise the finished document is saved whole.
fn build_one(
    app: &mut App,
    w: &Write<'_>,
    rng: &mut Rng,
    chunked: bool,
    stats: &mut BuildStats,
) -> Result<()> {
    let id = DocId::from_bytes(rng.bytes16());
    let mut full = fields(rng);
    let proposer_is_head = rng.chance(30);
    if proposer_is_head {
        full.proposer_is_head = Some(true);
        full.position = Some("Chủ tịch UBND xã".into());
        full.leader = Some(true);
    } else if rng.chance(70) {
        full.proposer_is_deputy = Some(true);
        full.position = Some("Phó Chủ tịch UBND xã".into());
        full.leader = Some(true);
    }
    let (mut steps, window) = plan(rng);

    // Dates: the whole path ends on or before today.
    let today = app.today;
    let span: u64 = steps.iter().map(|s| s.gap).sum::<u64>() + 1;
    let back = span + rng.range(0, window);
    let created = today
        .checked_sub_days(Days::new(back))
        .context("date out of range")?;
    let created_at = office_ms(created, rng.range(0, 480))?.min(app.now_ms - 3_600_000);
    // One in five drafts is written in two goes: the basics, then the prose by `edit`.
    let edited = rng.chance(200);
    let first = if edited {
        ProposalFields {
            necessity: None,
            subjects: None,
            scope: None,
            timeline: None,
            resources: None,
            feasibility: None,
            impact: None,
            expected: None,
            ..full.clone()
        }
    } else {
        full.clone()
    };
    let save = |app: &mut App,
                doc: &Automerge,
                before: Option<&[automerge::ChangeHash]>,
                at: i64|
     -> Result<(Proposal, ProposalState)> {
        app.now_ms = at;
        w.save_doc(&id, "proposal", doc, before, at)?;
        let p = proposal::read(doc)?;
        let st = app.state(&p);
        w.put_proposal_row(&app.index_row(&p, &st))?;
        Ok((p, st))
    };
    // What the last save wrote (the final document once everything is saved).
    let mut saved = None;
    let unit = app.unit.clone();
    let mut doc = proposal::create(app.actor.clone(), &id, &unit, created_at, &first)?;
    if chunked {
        saved = Some(save(app, &doc, None, created_at)?);
    }
    let mut last_at = created_at;
    if edited {
        let rest = ProposalFields {
            necessity: full.necessity.clone(),
            subjects: full.subjects.clone(),
            scope: full.scope.clone(),
            timeline: full.timeline.clone(),
            resources: full.resources.clone(),
            feasibility: full.feasibility.clone(),
            impact: full.impact.clone(),
            expected: full.expected.clone(),
            ..ProposalFields::default()
        };
        let before = doc.get_heads();
        last_at = created_at + i64::try_from(rng.range(10, 300))? * 60_000;
        if proposal::edit(&mut doc, &rest, &unit, last_at)? && chunked {
            saved = Some(save(app, &doc, Some(&before), last_at)?);
        }
        stats.edited += 1;
    }
    let mut p: Proposal = proposal::read(&doc)?;
    let facts = p.facts();
    let deciding = deciding_unit(&facts, &app.registry);
    let province: UnitCode = app.registry.province().code.clone();
    let proposer = p.proposer.clone();
    let own_position = p.position.clone();
    let n = steps.len();
    let mut date = created;
    for (k, step) in steps.iter_mut().enumerate() {
        date = date
            .checked_add_days(Days::new(step.gap))
            .context("date out of range")?;
        if let Action::ReportResults { finished } = &mut step.action {
            let prev = p.events.last().map(|e| e.date).unwrap_or(created);
            let fin = date
                .checked_sub_days(Days::new(rng.range(0, 4)))
                .unwrap_or(date)
                .max(prev);
            *finished = Some(fin);
        }
        // Recorded during office hours that day, never after now, always after the last write.
        let latest = app.now_ms - i64::try_from(n - k)? * 60_000;
        let at = office_ms(date, rng.range(0, 540))?
            .max(last_at + 60_000)
            .min(latest);
        last_at = at;
        let unit = match step.role {
            Role::Own => app.unit.clone(),
            Role::Deciding => deciding.clone(),
            Role::Province => province.clone(),
        };
        let (by, position, note) = by_for(rng, &step.action, &proposer, &own_position);
        let (seq, prev) = p.next_position();
        let event = Event {
            id: hex(&rng.bytes16()[..8]),
            seq,
            prev,
            at,
            date,
            unit,
            by: nfc(by.trim()),
            position: nfc(position.trim()),
            note: nfc(note.trim()),
            action: step.action.clone(),
        };
        if date > today {
            bail!("generated a step in the future ({date})");
        }
        if matches!(event.action, Action::Submit) && !p.missing_for_submit().is_empty() {
            bail!("submit with missing fields: {:?}", p.missing_for_submit());
        }
        check_next(&facts, &p.events, &event, &app.registry, &app.config).map_err(|reason| {
            anyhow!(
                "generated step {} of {id} refused: {reason}",
                event.action.name()
            )
        })?;
        let before = doc.get_heads();
        proposal::append_event(&mut doc, &event)?;
        if chunked {
            saved = Some(save(app, &doc, Some(&before), at)?);
        }
        p.events.push(event);
    }
    // Comments from colleagues on some proposals.
    let comments = if rng.chance(150) { rng.range(1, 3) } else { 0 };
    for _ in 0..comments {
        let at = (last_at + i64::try_from(rng.range(1, 72))? * 3_600_000).min(app.now_ms - 1000);
        last_at = last_at.max(at);
        let c = Comment {
            id: hex(&rng.bytes16()[..8]),
            at,
            unit: app.unit.clone(),
            by: person(rng),
            text: nfc(&format!(
                "Đề nghị bổ sung số liệu về {} và làm rõ {}.",
                rng.pick(OBJECTS),
                rng.pick(&["kinh phí", "tiến độ", "đối tượng áp dụng", "cách đánh giá"])
            )),
        };
        let before = doc.get_heads();
        proposal::add_comment(&mut doc, &c)?;
        if chunked {
            saved = Some(save(app, &doc, Some(&before), at)?);
        }
        stats.comments += 1;
    }
    if !chunked {
        saved = Some(save(app, &doc, None, last_at)?);
    }
    // Tally what was written, from the index row's own derivation.
    let (p, st) = saved.context("nothing saved")?;
    *stats
        .statuses
        .entry(st.status.as_str().to_string())
        .or_default() += 1;
    for f in &st.flags {
        *stats.flags.entry(f.as_str().to_string()).or_default() += 1;
    }
    stats.events += p.events.len();
    *stats.events_hist.entry(p.events.len()).or_default() += 1;
    if chunked {
        stats.chunked += 1;
    }
    if p.events.len() >= 10 && st.status.as_str() == "completed" {
        let slot = if chunked {
            &mut stats.show_chunked
        } else {
            &mut stats.show_whole
        };
        if slot.is_none() {
            *slot = Some(id.to_string());
        }
    }
    Ok(())
}

fn read_info(dir: &Path) -> Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(dir.join(BUILT))?;
    Ok(text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Measuring

struct Stats {
    min: f64,
    median: f64,
    max: f64,
}

fn stats(mut xs: Vec<f64>) -> Stats {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    let median = if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    };
    Stats {
        min: xs[0],
        median,
        max: xs[n - 1],
    }
}

/// Runs `f` once to warm up, then `runs` times; milliseconds of each timed run.
fn time_ms<T>(runs: usize, mut f: impl FnMut() -> Result<T>) -> Result<(Stats, T)> {
    let mut last = f()?;
    let mut xs = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        last = f()?;
        xs.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok((stats(xs), last))
}

fn run_doimoi(bin: &Path, args: &[String]) -> Result<usize> {
    let out = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {}", bin.display()))?;
    if !out.status.success() {
        bail!(
            "`doimoi {}` failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out.stdout.len())
}

/// `--measure-rss PROGRAM ARGS…`: runs the one command, waits, prints the peak resident set of
/// the (only) child in KiB.
fn measure_rss_helper(cmd: &[String]) -> Result<()> {
    let (prog, rest) = cmd.split_first().context("--measure-rss PROGRAM ARGS…")?;
    let status = Command::new(prog)
        .args(rest)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .with_context(|| format!("running {prog}"))?;
    if !status.success() {
        bail!("{prog} exited with {status}");
    }
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)?;
    println!("{}", usage.max_rss());
    Ok(())
}

/// Peak memory (bytes) of one run of `prog args`, measured in a fresh helper process.
fn peak_rss(prog: &Path, args: &[String]) -> Result<u64> {
    let exe = std::env::current_exe()?;
    let out = Command::new(exe)
        .arg("--measure-rss")
        .arg(prog)
        .args(args)
        .stdin(Stdio::null())
        .output()?;
    if !out.status.success() {
        bail!(
            "measuring the memory of {} {}: {}",
            prog.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let kib: u64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .context("helper output")?;
    Ok(kib * 1024)
}

struct Row {
    what: String,
    figure: String,
    target: String,
    pass: Option<bool>,
}

fn timed_row(what: &str, s: &Stats, target_ms: Option<f64>) -> Row {
    Row {
        what: what.to_string(),
        figure: format!("{:>8.2} {:>8.2} {:>8.2}", s.min, s.median, s.max),
        target: target_ms.map_or_else(|| "—".into(), |t| format!("< {t:.0} ms")),
        pass: target_ms.map(|t| s.median < t),
    }
}

fn mem_row(what: &str, bytes: u64) -> Row {
    const LIMIT: u64 = 100_000_000;
    Row {
        what: what.to_string(),
        figure: format!("{:>26}", format!("{:.1} MB", bytes as f64 / 1e6)),
        target: "< 100 MB".into(),
        pass: Some(bytes < LIMIT),
    }
}

fn measure(bin: &Path, dir: &Path, info: &BTreeMap<String, String>, runs: usize) -> Result<()> {
    let get = |k: &str| info.get(k).cloned().unwrap_or_default();
    let data = dir.display().to_string();
    let bytes = store_bytes(dir);
    println!();
    println!(
        "Store: {} proposals, {} events ({} saved chunk by chunk, {} edited, {} comments)",
        get("proposals"),
        get("events"),
        get("chunked"),
        get("edited"),
        get("comments")
    );
    let statuses: Vec<String> = info
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("status.").map(|s| format!("{s} {v}")))
        .collect();
    println!("Statuses: {}", statuses.join(", "));
    let flags: Vec<String> = info
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("flag.").map(|s| format!("{s} {v}")))
        .collect();
    println!("Flags (as built): {}", flags.join(", "));
    let hist: Vec<String> = info
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("events_per_doc.")
                .and_then(|s| s.parse::<usize>().ok())
                .map(|s| format!("{s}:{v}"))
        })
        .collect();
    println!("Events per proposal (count:proposals): {}", hist.join(" "));
    println!(
        "Store file: {} bytes ({:.1} MB) in {}",
        bytes,
        bytes as f64 / 1e6,
        dir.join("doimoi.db").display()
    );

    let mut rows = Vec::new();

    // In-process, through the library.
    let (s, _) = time_ms(runs, || Ok(App::open(dir)?))?;
    rows.push(timed_row("open store: App::open", &s, Some(100.0)));
    let app = App::open(dir)?;
    let (s, n) = time_ms(runs, || Ok(app.store.list_proposals(None)?.len()))?;
    rows.push(timed_row(
        &format!("list all: list_proposals(None) → {n} rows"),
        &s,
        Some(50.0),
    ));
    let (s, n) = time_ms(runs, || {
        Ok(app.store.list_proposals(Some("approved"))?.len())
    })?;
    rows.push(timed_row(
        &format!("list approved: list_proposals(Some(\"approved\")) → {n}"),
        &s,
        Some(50.0),
    ));
    for (label, q) in [("selective", SELECTIVE), ("broad", BROAD)] {
        let words: Vec<String> = fold(q)
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        let (s, n) = time_ms(runs, || Ok(app.store.search_proposals(&words)?.len()))?;
        rows.push(timed_row(
            &format!("search {label} \"{}\" → {n} rows", fold(q)),
            &s,
            Some(50.0),
        ));
    }
    drop(app);

    // Whole processes.
    let arg = |v: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        a.push("--data".into());
        a.push(data.clone());
        a
    };
    let list = arg(&["proposal", "list", "--json"]);
    let search = arg(&["search", "sang tao"]);
    let show_whole = arg(&["proposal", "show", &get("show_whole")]);
    let show_chunked = arg(&["proposal", "show", &get("show_chunked")]);
    let new = arg(&[
        "proposal",
        "new",
        "--title",
        "Số hóa sổ theo dõi cấp nước sinh hoạt tập trung tại thôn Arớh",
        "--proposer",
        "Bríu Thị Hoa",
        "--position",
        "Công chức Văn hóa - Xã hội",
    ]);
    // `new` last: it adds proposals to the (work copy of the) store.
    let processes: [(&str, &Vec<String>, Option<f64>); 5] = [
        ("process: doimoi proposal list --json", &list, None),
        ("process: doimoi search \"sang tao\"", &search, None),
        (
            "process: doimoi proposal show (snapshot)",
            &show_whole,
            None,
        ),
        (
            "process: doimoi proposal show (chunks)",
            &show_chunked,
            None,
        ),
        ("process: doimoi proposal new", &new, Some(30.0)),
    ];
    for (label, a, target) in &processes {
        let (s, out_bytes) = time_ms(runs, || run_doimoi(bin, a))?;
        rows.push(timed_row(
            &format!("{label} ({} B out)", out_bytes),
            &s,
            *target,
        ));
    }
    let baseline = peak_rss(Path::new("/bin/true"), &[]).ok();
    for (label, a, _) in &processes {
        let b = peak_rss(bin, a)?;
        rows.push(mem_row(
            &format!("peak memory: {}", label.trim_start_matches("process: ")),
            b,
        ));
    }

    println!();
    println!(
        "Figures in ms over {runs} runs after one warm-up (min, median, max); PASS when the median meets the target."
    );
    let w = rows
        .iter()
        .map(|r| r.what.chars().count())
        .max()
        .unwrap_or(20);
    println!(
        "{:<w$}  {:>8} {:>8} {:>8}  {:<9}  result",
        "measurement", "min", "median", "max", "target"
    );
    println!("{}", "-".repeat(w + 46));
    for r in &rows {
        let res = match r.pass {
            Some(true) => "PASS",
            Some(false) => "FAIL",
            None => "(info)",
        };
        let pad = w - r.what.chars().count();
        println!(
            "{}{}  {}  {:<9}  {res}",
            r.what,
            " ".repeat(pad),
            r.figure,
            r.target
        );
    }
    println!("{}", "-".repeat(w + 46));
    if let Some(b) = baseline {
        println!(
            "(peak memory floor of the helper that spawns each command, /bin/true: {:.1} MB)",
            b as f64 / 1e6
        );
    }
    let failed = rows.iter().filter(|r| r.pass == Some(false)).count();
    if failed == 0 {
        println!("All targets met.");
    } else {
        println!("{failed} target(s) NOT met.");
    }
    Ok(())
}
