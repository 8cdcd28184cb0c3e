//! What the benchmarks share: a seeded generator of realistic proposals (one vocabulary, three
//! levels of detail) and the office's clock. Included by each bench with `#[path]` (the client's
//! store and sync benches, the hub's report bench); each uses the part it needs. It depends on
//! `doimoi-shared` and the usual crates only, so every crate's benches can include it.
#![allow(dead_code)]

use anyhow::{Context, Result};
use chrono::{NaiveDate, NaiveTime, TimeZone};
use doimoi_shared::doc::proposal::ProposalFields;
use doimoi_shared::time::vietnam as vn_offset;
use doimoi_shared::workflow::Basis;

/// How much prose a generated proposal carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Every field of the plan, varied sentences (about 2 KB of prose).
    Rich,
    /// Every field the submit step requires, a sentence or two each.
    Plain,
    /// One short sentence per required field (documents for a 200,000-document hub).
    Small,
    /// Every field of the plan at length: [`Detail::Rich`] with more sentences in the fields
    /// a clerk writes most (about 3 KB of prose; the sync bench's prose workload).
    Prose,
}

/// A proposal's fields, generated from `rng`.
pub fn fields(rng: &mut Rng, detail: Detail) -> ProposalFields {
    match detail {
        Detail::Rich => rich_fields(rng),
        Detail::Plain => plain_fields(rng),
        Detail::Small => small_fields(rng),
        Detail::Prose => prose_fields(rng),
    }
}

/// SplitMix64: small, seeded, good enough for test data.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.next_u64() % 1000 < per_mille
    }
    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next_u64() % xs.len() as u64) as usize]
    }
    pub fn bytes16(&mut self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        b[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        b
    }
}

pub const VERBS: &[&str] = &[
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
pub const OBJECTS: &[&str] = &[
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
pub const METHODS: &[&str] = &[
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
pub const PLACES: &[&str] = &[
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
pub const FIELDS: &[&str] = &[
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
pub const SURNAMES: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
    "Alăng", "Bríu", "Bh'riu", "Clâu", "Pơloong", "Zơrâm", "Ating", "Hốih", "Arất",
];
pub const MIDDLE: &[&str] = &[
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
pub const GIVEN: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Lan", "Long", "Mai", "Nam",
    "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Xuân", "Bốn", "Nhớ", "Lợi",
    "Thiên", "Blông", "Grứ",
];
pub const POSITIONS: &[&str] = &[
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
pub const PROBLEMS: &[&str] = &[
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
pub const TASKS: &[&str] = &[
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
pub const GAINS: &[&str] = &[
    "rút ngắn 30% thời gian giải quyết hồ sơ",
    "giảm số lần người dân phải đến UBND xã",
    "tăng tỷ lệ hồ sơ trực tuyến lên trên 50%",
    "số liệu được cập nhật hằng ngày",
    "tiết kiệm chi phí in ấn, văn phòng phẩm",
    "tăng thu nhập cho hộ tham gia",
    "giảm vi phạm trong mùa khô",
    "người dân hài lòng hơn với dịch vụ công",
];
pub const SIGNERS: &[&str] = &[
    "Alăng Văn Bốn",
    "Bríu Thị Hoa",
    "Nguyễn Văn Hùng",
    "Clâu Nhớ",
    "Trần Thị Thảo",
];

pub fn person(rng: &mut Rng) -> String {
    format!(
        "{} {} {}",
        rng.pick(SURNAMES),
        rng.pick(MIDDLE),
        rng.pick(GIVEN)
    )
}

pub fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Rich content: every field of the proposal plan, a few varied sentences each (the store
/// bench's documents, about 2 KB of prose).
fn rich_fields(rng: &mut Rng) -> ProposalFields {
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

/// Rich content with more sentences in necessity, content, impact and expected (about 3 KB).
fn prose_fields(rng: &mut Rng) -> ProposalFields {
    let mut f = rich_fields(rng);
    let object = rng.pick(OBJECTS);
    let more = |rng: &mut Rng| {
        format!(
            " Thực tế cho thấy {} khi {}; vì vậy cần {} và {}.",
            rng.pick(PROBLEMS),
            lower_first(rng.pick(VERBS)),
            rng.pick(TASKS),
            rng.pick(TASKS)
        )
    };
    if let Some(t) = f.necessity.as_mut() {
        t.push_str(&more(rng));
        t.push_str(&format!(
            " Số liệu năm trước: {} lượt người dân phản ánh về {object}, {} phản ánh chưa được giải quyết đúng hạn.",
            rng.range(20, 400),
            rng.range(2, 60)
        ));
    }
    if let Some(t) = f.content.as_mut() {
        t.push_str(&more(rng));
        t.push_str(&more(rng));
        t.push_str(&format!(
            " Phân công: công chức {} chủ trì; {} phối hợp; trưởng thôn tuyên truyền đến từng hộ.",
            rng.pick(FIELDS).to_lowercase(),
            rng.pick(POSITIONS).to_lowercase()
        ));
    }
    if let Some(t) = f.impact.as_mut() {
        t.push_str(&more(rng));
    }
    if let Some(t) = f.expected.as_mut() {
        t.push_str(&format!(
            " Giảm {}% thời gian giải quyết; {}; {}.",
            rng.range(10, 60),
            rng.pick(GAINS),
            rng.pick(GAINS)
        ));
    }
    f
}

/// Plain content: every field the submit step requires, a sentence or two each (the sync
/// bench's documents).
fn plain_fields(rng: &mut Rng) -> ProposalFields {
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
        // Chosen, as the submit step requires.
        basis: Some(Basis::Qd20),
        ..ProposalFields::default()
    }
}

/// Milliseconds of `minutes` after 7:30 on `date` in Vietnam (an office's working morning).
pub fn office_ms(date: NaiveDate, minutes: u64) -> Result<i64> {
    let t = NaiveTime::from_hms_opt(7, 30, 0).context("time")?
        + chrono::Duration::minutes(i64::try_from(minutes)?);
    vn_offset()
        .from_local_datetime(&date.and_time(t))
        .single()
        .map(|d| d.timestamp_millis())
        .context("local time")
}
