//! Command-line interface definitions (clap). Flag names are an interface other tools rely on:
//! add to them, never rename.

use crate::choices;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "doimoi",
    version,
    about = "doimoi — ghi nhận đề xuất đổi mới, sáng tạo và nhiệm vụ của đơn vị, làm việc cả khi không có mạng"
)]
pub struct Cli {
    /// Thư mục dữ liệu của đơn vị trên máy này (mặc định: thư mục dữ liệu của hệ điều hành).
    #[arg(long, global = true, env = "DOIMOI_DATA", value_name = "THƯ_MỤC")]
    pub data: Option<PathBuf>,
    /// In kết quả dạng JSON (cho chương trình khác đọc).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Danh mục đơn vị của tỉnh.
    #[command(subcommand)]
    Org(OrgCmd),
    /// Thiết lập máy này cho một đơn vị (không cần mạng).
    Init(InitArgs),
    /// Đề xuất đổi mới, sáng tạo và các bước xử lý.
    #[command(subcommand)]
    Proposal(Box<ProposalCmd>),
    /// Ghi ý kiến vào một đề xuất (đơn vị nào xem được đề xuất đều ghi được).
    Comment(CommentArgs),
    /// Nhiệm vụ hằng năm của đơn vị (quán triệt, kế hoạch, tự kiểm tra, sơ kết, tổng kết…).
    #[command(subcommand)]
    Duty(DutyCmd),
    /// Tìm đề xuất (gõ có dấu hay không dấu đều được: "sang tao" tìm ra "sáng tạo"; đặt cụm từ trong ngoặc kép để tìm đúng cụm).
    Search(SearchArgs),
    /// Lịch sử xử lý một hồ sơ: ai làm gì, khi nào.
    History(IdArg),
    /// Xuất một hồ sơ ra tệp (để chuyển cho đơn vị khác).
    Export(ExportArgs),
    /// Nhập tệp hồ sơ (từ `doimoi export`) và hợp nhất vào dữ liệu của máy này.
    Import(ImportArgs),
    /// Lịch ngày làm việc, ngày nghỉ.
    #[command(subcommand)]
    Calendar(CalendarCmd),
    /// Đồng bộ một lần với máy chủ: gửi thay đổi của đơn vị, nhận dữ liệu mới.
    Sync,
    /// Chạy nền để tự đồng bộ (sau mỗi thay đổi, định kỳ 30 giây, khi máy chủ có dữ liệu mới;
    /// giãn thời gian thử lại khi không kết nối được).
    /// Cũng phục vụ ứng dụng web của văn phòng trên máy này (mở bằng `doimoi open`).
    Serve {
        /// Số giây giữa hai lần đồng bộ định kỳ.
        #[arg(long, default_value_t = 30, value_name = "GIÂY")]
        interval: u64,
        /// Địa chỉ của ứng dụng web (chỉ nên dùng địa chỉ của chính máy này).
        #[arg(long, default_value = "127.0.0.1:8686", value_name = "IP:CỔNG")]
        listen: String,
    },
    /// Mở ứng dụng web của văn phòng trong trình duyệt (tự chạy `doimoi serve` nếu chưa chạy).
    Open {
        /// Chỉ in địa chỉ (kèm mã bí mật dùng một lần) để dán vào trình duyệt.
        #[arg(long)]
        print: bool,
    },
    /// Tình trạng đồng bộ: máy chủ, lần đồng bộ gần nhất, thay đổi chưa gửi, lỗi gần nhất.
    Status,
    /// Báo cáo tổng hợp gửi UBND tỉnh, lấy từ máy chủ.
    Report(ReportArgs),
    /// Các bản máy chủ đã từ chối, được giữ riêng.
    #[command(subcommand)]
    Refused(RefusedCmd),
    /// Xây dựng lại chỉ mục danh sách và tìm kiếm từ các hồ sơ.
    Reindex,
    /// Thu gọn dữ liệu: gộp các thay đổi của mỗi hồ sơ thành một bản.
    Compact,
}

#[derive(Debug, Subcommand)]
pub enum OrgCmd {
    /// Liệt kê các đơn vị (danh mục của máy này, hoặc danh mục có sẵn khi chưa `doimoi init`).
    Show(OrgShowArgs),
    /// Liệt kê các tỉnh, thành phố trong bộ dữ liệu có sẵn.
    Provinces(StructureArg),
}

#[derive(Debug, Args)]
pub struct StructureArg {
    /// Cơ cấu hành chính: 2024 (tỉnh – huyện – xã) hoặc 2025 (hai cấp).
    #[arg(long, default_value = "2024", value_name = "NĂM")]
    pub structure: String,
}

#[derive(Debug, Args)]
pub struct OrgShowArgs {
    /// Tỉnh, thành phố trong bộ dữ liệu có sẵn, theo tên hoặc mã (mặc định: tỉnh của máy này,
    /// hoặc Quảng Nam).
    #[arg(long, value_name = "TỈNH")]
    pub province: Option<String>,
    /// Cơ cấu hành chính: 2024-2025 (mặc định), 2024 hoặc 2025.
    #[arg(long, value_name = "CƠ_CẤU")]
    pub structure: Option<String>,
    /// Chỉ các đơn vị có tên hoặc mã khớp (gõ có dấu hay không dấu đều được).
    #[arg(long, value_name = "TỪ_KHÓA")]
    pub find: Option<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Mã đơn vị của máy này (xem `doimoi org show`).
    #[arg(long, value_name = "MÃ")]
    pub unit: String,
    /// Địa chỉ máy chủ để đồng bộ, ví dụ http://may-chu:8787.
    #[arg(long, value_name = "ĐỊA_CHỈ")]
    pub hub: Option<String>,
    /// Token của máy này, do người quản trị máy chủ cấp.
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Chứng chỉ gốc (tệp PEM) của tỉnh, khi máy chủ dùng HTTPS với chứng chỉ do tỉnh tự cấp.
    #[arg(long, value_name = "TỆP")]
    pub ca: Option<std::path::PathBuf>,
    /// Tỉnh, thành phố trong bộ dữ liệu có sẵn, theo tên hoặc mã (mặc định: Quảng Nam).
    #[arg(long, value_name = "TỈNH")]
    pub province: Option<String>,
    /// Cơ cấu hành chính: 2024-2025 (mặc định), 2024 hoặc 2025.
    #[arg(long, value_name = "CƠ_CẤU")]
    pub structure: Option<String>,
}

// The proposal's fields, as flags (`proposal new` and `proposal edit`).
#[derive(Debug, Args, Default, Clone)]
pub struct FieldArgs {
    /// Tên đề xuất.
    #[arg(long, value_name = "TÊN")]
    pub title: Option<String>,
    /// Họ và tên người đề xuất.
    #[arg(long, value_name = "HỌ_TÊN")]
    pub proposer: Option<String>,
    /// Chức vụ của người đề xuất.
    #[arg(long, value_name = "CHỨC_VỤ")]
    pub position: Option<String>,
    /// Người đề xuất là người đứng đầu đơn vị (khi đó cấp trên quyết định).
    #[arg(long)]
    pub proposer_is_head: bool,
    /// Người đề xuất là cấp phó (không tham gia biểu quyết tập thể).
    #[arg(long)]
    pub proposer_is_deputy: bool,
    /// Người đề xuất là lãnh đạo, quản lý (áp dụng Nghị định 73).
    #[arg(long)]
    pub leader: bool,
    /// Căn cứ: `qd20` (Quy định 20-QĐ/TU), `nd73` (Nghị định 73/2023/NĐ-CP) hoặc `both` (cả hai);
    /// gõ mã hay tên đều được.
    #[arg(long, value_name = "CĂN_CỨ")]
    pub basis: Option<String>,
    /// Lĩnh vực của đề xuất.
    #[arg(long, value_name = "LĨNH_VỰC")]
    pub field: Option<String>,
    /// Sự cần thiết.
    #[arg(long, value_name = "NỘI_DUNG")]
    pub necessity: Option<String>,
    /// Nội dung đề xuất.
    #[arg(long, value_name = "NỘI_DUNG")]
    pub content: Option<String>,
    /// Đối tượng áp dụng.
    #[arg(long, value_name = "NỘI_DUNG")]
    pub subjects: Option<String>,
    /// Phạm vi thực hiện.
    #[arg(long, value_name = "NỘI_DUNG")]
    pub scope: Option<String>,
    /// Thời gian thực hiện.
    #[arg(long, value_name = "NỘI_DUNG")]
    pub timeline: Option<String>,
    /// Nguồn lực thực hiện.
    #[arg(long, value_name = "NỘI_DUNG")]
    pub resources: Option<String>,
    /// Tính khả thi.
    #[arg(long, value_name = "NỘI_DUNG")]
    pub feasibility: Option<String>,
    /// Tác động, rủi ro có thể xảy ra.
    #[arg(long, value_name = "NỘI_DUNG")]
    pub impact: Option<String>,
    /// Kết quả dự kiến.
    #[arg(long, value_name = "NỘI_DUNG")]
    pub expected: Option<String>,
    /// Đề xuất thực hiện thí điểm.
    #[arg(long)]
    pub pilot: bool,
    /// Đọc các trường từ tệp TOML cùng tên với các tùy chọn (ví dụ `proposer-is-head = true`).
    #[arg(long, value_name = "proposal.toml")]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// Mã đề xuất (hoặc vài ký tự đầu, ít nhất 4).
    #[arg(value_name = "MÃ_ĐỀ_XUẤT")]
    pub id: String,
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Bỏ một đánh dấu đã đặt: `proposer-is-head`, `proposer-is-deputy`, `leader` hoặc `pilot`.
    #[arg(long, value_name = "ĐÁNH_DẤU")]
    pub unset: Vec<String>,
}

// Options every procedure step takes (each step command has its own description).
#[derive(Debug, Args, Clone)]
pub struct StepArgs {
    /// Mã đề xuất (hoặc vài ký tự đầu, ít nhất 4).
    #[arg(value_name = "MÃ_ĐỀ_XUẤT")]
    pub id: String,
    /// Mã đơn vị thực hiện bước này (mặc định: đơn vị của máy này).
    #[arg(long, value_name = "MÃ")]
    pub acting_unit: Option<String>,
    /// Họ và tên người thực hiện.
    #[arg(long, value_name = "HỌ_TÊN")]
    pub by: Option<String>,
    /// Chức vụ của người thực hiện.
    #[arg(long, value_name = "CHỨC_VỤ")]
    pub position: Option<String>,
    /// Ghi chú.
    #[arg(long, value_name = "GHI_CHÚ")]
    pub note: Option<String>,
    /// Ngày thực hiện, dạng NĂM-THÁNG-NGÀY, ví dụ 2025-03-31 (mặc định: hôm nay).
    #[arg(long, value_name = "NĂM-THÁNG-NGÀY")]
    pub date: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SideArg {
    For,
    Against,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultArg {
    Completed,
    Partly,
    NotCompleted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeterminationArg {
    NotLiable,
    Excluded,
    Considered,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelArg {
    Unit,
    Province,
}

#[derive(Debug, Subcommand)]
pub enum ProposalCmd {
    /// Tạo dự thảo đề xuất.
    New(FieldArgs),
    /// Sửa nội dung đề xuất.
    Edit(EditArgs),
    /// Danh sách đề xuất.
    List {
        /// Chỉ các đề xuất ở trạng thái này (mã như `draft`, `received`, `approved`… hoặc tên như
        /// "Đã tiếp nhận"; có dấu hay không dấu đều được).
        #[arg(long, value_name = "TRẠNG_THÁI")]
        status: Option<String>,
        /// Chỉ các đề xuất đang quá hạn xử lý.
        #[arg(long)]
        overdue: bool,
        /// Chỉ đề xuất của đơn vị này (mã, hoặc tên gõ có dấu hay không dấu).
        #[arg(long, value_name = "ĐƠN_VỊ")]
        unit: Option<String>,
        /// Chỉ đề xuất tạo trong năm báo cáo này (Nghị định 09/2019: từ 15/12 năm trước đến
        /// 14/12 năm này), như kỳ báo cáo năm của `doimoi report`.
        #[arg(long, value_name = "NĂM")]
        year: Option<i32>,
        /// Chỉ đề xuất thuộc lĩnh vực có tên chứa từ này (có dấu hay không dấu đều được).
        #[arg(long, value_name = "LĨNH_VỰC")]
        field: Option<String>,
        /// Chỉ đề xuất đang chờ đơn vị của máy này xử lý bước tiếp theo.
        #[arg(long)]
        waiting: bool,
    },
    /// Xem đầy đủ một đề xuất: nội dung, trạng thái, thời hạn, cảnh báo và các bước đã làm.
    Show(IdArg),
    /// Gửi đề xuất (cần đủ các nội dung bắt buộc theo khoản 2 Điều 7 Nghị định 73/2023/NĐ-CP).
    Submit(StepArgs),
    /// Tiếp nhận đề xuất (bắt đầu tính thời hạn 7 ngày làm việc để quyết định).
    Receive(StepArgs),
    /// Ghi ý kiến của cấp ủy cùng cấp.
    PartyOpinion {
        #[command(flatten)]
        step: StepArgs,
        /// Cấp ủy đồng ý.
        #[arg(
            long,
            conflicts_with = "disagree",
            required_unless_present = "disagree"
        )]
        agree: bool,
        /// Cấp ủy không đồng ý.
        #[arg(long)]
        disagree: bool,
    },
    /// Ghi kết quả biểu quyết của tập thể lãnh đạo.
    Vote {
        #[command(flatten)]
        step: StepArgs,
        /// Số phiếu tán thành.
        #[arg(long = "for", value_name = "SỐ")]
        votes_for: u32,
        /// Số phiếu không tán thành.
        #[arg(long, value_name = "SỐ")]
        against: u32,
        /// Số phiếu không biểu quyết.
        #[arg(long, value_name = "SỐ", default_value_t = 0)]
        abstain: u32,
        /// Người đứng đầu biểu quyết thế nào (quyết định khi số phiếu ngang nhau): `for` (tán
        /// thành) hoặc `against` (không tán thành); gõ mã hay tên đều được.
        #[arg(long, value_parser = choices::parse_side, value_name = "Ý_KIẾN")]
        head_voted: Option<SideArg>,
        /// Số thành viên tập thể lãnh đạo (người đứng đầu và cấp phó); dùng để kiểm tra số phiếu
        /// và loại cấp phó là người đề xuất.
        #[arg(long, value_name = "SỐ")]
        members: Option<u32>,
    },
    /// Phê duyệt đề xuất (sau biểu quyết; thêm --by-head khi người đứng đầu quyết định sau
    /// biểu quyết không đạt).
    Approve {
        #[command(flatten)]
        step: StepArgs,
        /// Phê duyệt để thực hiện thí điểm.
        #[arg(long)]
        pilot: bool,
        /// Người đứng đầu quyết định sau biểu quyết không đạt.
        #[arg(long)]
        by_head: bool,
    },
    /// Không phê duyệt đề xuất.
    Reject(StepArgs),
    /// Trình UBND tỉnh (qua Sở Nội vụ) cho ý kiến.
    Escalate(StepArgs),
    /// Ghi ý kiến của UBND tỉnh về đề xuất đã trình.
    Answer {
        #[command(flatten)]
        step: StepArgs,
        /// UBND tỉnh đồng ý.
        #[arg(long, conflicts_with = "reject", required_unless_present = "reject")]
        approve: bool,
        /// UBND tỉnh không đồng ý.
        #[arg(long)]
        reject: bool,
        /// UBND tỉnh đồng ý cho thực hiện thí điểm (dùng cùng --approve).
        #[arg(long, requires = "approve")]
        pilot: bool,
    },
    /// Bắt đầu triển khai thực hiện đề xuất đã phê duyệt.
    Start(StepArgs),
    /// Tạm dừng thực hiện đề xuất.
    Suspend(StepArgs),
    /// Tiếp tục thực hiện đề xuất đã tạm dừng.
    Resume(StepArgs),
    /// Chấm dứt thực hiện đề xuất.
    Terminate(StepArgs),
    /// Ghi báo cáo kết quả thực hiện của người thực hiện.
    ReportResults {
        #[command(flatten)]
        step: StepArgs,
        /// Ngày kết thúc thực hiện, dạng NĂM-THÁNG-NGÀY (mặc định: ngày báo cáo).
        #[arg(long, value_name = "NĂM-THÁNG-NGÀY")]
        finished: Option<String>,
    },
    /// Đánh giá kết quả thực hiện đề xuất.
    Evaluate {
        #[command(flatten)]
        step: StepArgs,
        /// Kết quả: `completed` (hoàn thành), `partly` (hoàn thành một phần) hoặc
        /// `not-completed` (không hoàn thành); gõ mã hay tên đều được.
        #[arg(long, value_parser = choices::parse_result, value_name = "KẾT_QUẢ")]
        result: ResultArg,
        /// Việc thực hiện có gây thiệt hại.
        #[arg(long)]
        damage: bool,
    },
    /// Thông báo kết luận đánh giá.
    Notify(StepArgs),
    /// Xác định việc bảo vệ người đề xuất (miễn, loại trừ hoặc xem xét giảm nhẹ trách nhiệm).
    Protect {
        #[command(flatten)]
        step: StepArgs,
        /// Kết luận: `not-liable` (không bị xem xét trách nhiệm), `excluded` (được loại trừ trách
        /// nhiệm) hoặc `considered` (được xem xét loại trừ, miễn hoặc giảm nhẹ trách nhiệm); gõ
        /// mã hay tên đều được.
        #[arg(long, value_parser = choices::parse_determination, value_name = "KẾT_LUẬN")]
        determination: DeterminationArg,
    },
    /// Khen thưởng người có đề xuất thực hiện thành công (cấp đơn vị), hoặc đề nghị Chủ tịch
    /// UBND tỉnh khen thưởng qua Sở Nội vụ (cấp tỉnh).
    Commend {
        #[command(flatten)]
        step: StepArgs,
        /// Cấp khen thưởng: `unit` (cấp đơn vị) hoặc `province` (đề nghị cấp tỉnh); gõ mã hay tên đều được.
        #[arg(long, value_parser = choices::parse_level, value_name = "CẤP")]
        level: LevelArg,
    },
    /// Sở Nội vụ tiếp nhận và cho ý kiến về đề nghị Chủ tịch UBND tỉnh khen thưởng (do Sở Nội vụ ghi).
    CommendOpinion {
        #[command(flatten)]
        step: StepArgs,
        /// Sở Nội vụ đồng ý với đề nghị.
        #[arg(
            long,
            conflicts_with = "disagree",
            required_unless_present = "disagree"
        )]
        agree: bool,
        /// Sở Nội vụ không đồng ý với đề nghị.
        #[arg(long)]
        disagree: bool,
    },
    /// Ghi quyết định của Chủ tịch UBND tỉnh về đề nghị khen thưởng (do UBND tỉnh ghi, sau ý kiến của Sở Nội vụ).
    CommendDecide {
        #[command(flatten)]
        step: StepArgs,
        /// Chủ tịch UBND tỉnh quyết định khen thưởng.
        #[arg(long, conflicts_with = "refuse", required_unless_present = "refuse")]
        grant: bool,
        /// Chủ tịch UBND tỉnh không khen thưởng.
        #[arg(long)]
        refuse: bool,
    },
    /// Ghi hình thức kỷ luật đối với người đề xuất.
    Discipline {
        #[command(flatten)]
        step: StepArgs,
        /// Hình thức kỷ luật.
        #[arg(long, value_name = "HÌNH_THỨC")]
        measure: String,
    },
    /// Giải quyết xung đột: giữ lại một trong các bước mâu thuẫn nhau.
    Resolve {
        #[command(flatten)]
        step: StepArgs,
        /// Mã bước cần giữ (xem `doimoi proposal show`).
        #[arg(long, value_name = "MÃ_BƯỚC")]
        keep: String,
    },
    /// Ghi ý kiến vào đề xuất.
    Comment(CommentArgs),
    /// Đính kèm tệp (tối đa 20 MiB; hồ sơ ghi mã SHA-256 của tệp, nội dung tệp được gửi tới
    /// mọi văn phòng thấy đề xuất khi đồng bộ).
    Attach {
        /// Mã đề xuất (hoặc vài ký tự đầu, ít nhất 4).
        #[arg(value_name = "MÃ_ĐỀ_XUẤT")]
        id: String,
        /// Tệp cần đính kèm.
        #[arg(value_name = "TỆP")]
        file: PathBuf,
    },
    /// Ghi một tệp đính kèm của đề xuất ra tệp.
    Attachment {
        /// Mã đề xuất (hoặc vài ký tự đầu, ít nhất 4).
        #[arg(value_name = "MÃ_ĐỀ_XUẤT")]
        id: String,
        /// Tên tệp đính kèm (như `doimoi proposal show` liệt kê), hoặc vài ký tự đầu của mã
        /// SHA-256 (ít nhất 6).
        #[arg(value_name = "TÊN")]
        name: String,
        /// Tệp sẽ ghi.
        #[arg(short = 'o', long = "output", value_name = "TỆP")]
        output: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct CommentArgs {
    /// Mã đề xuất (hoặc vài ký tự đầu, ít nhất 4).
    #[arg(value_name = "MÃ_ĐỀ_XUẤT")]
    pub id: String,
    /// Nội dung ý kiến.
    #[arg(long, value_name = "NỘI_DUNG")]
    pub text: String,
    /// Họ và tên người cho ý kiến.
    #[arg(long, value_name = "HỌ_TÊN")]
    pub by: Option<String>,
}

#[derive(Debug, Args)]
pub struct IdArg {
    /// Mã hồ sơ (hoặc vài ký tự đầu, ít nhất 4).
    #[arg(value_name = "MÃ")]
    pub id: String,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Từ cần tìm; mọi từ đều phải có; cụm từ đặt trong ngoặc kép, ví dụ '"đô thị"'.
    #[arg(value_name = "TỪ_KHÓA")]
    pub text: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Mã hồ sơ (hoặc vài ký tự đầu, ít nhất 4).
    #[arg(value_name = "MÃ")]
    pub id: String,
    /// Tệp sẽ ghi.
    #[arg(short = 'o', long = "output", value_name = "TỆP")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Kỳ báo cáo theo Nghị định 09/2019/NĐ-CP: 2024 (15/12/2023 – 14/12/2024), 2024-H1,
    /// 2024-H2, 2024-Q1…Q4, hoặc 2024-01-01..2024-12-31 (mặc định: năm báo cáo hiện tại).
    #[arg(long, value_name = "KỲ")]
    pub period: Option<String>,
    /// Báo cáo như tại ngày này (NĂM-THÁNG-NGÀY).
    #[arg(long = "as-of", value_name = "NĂM-THÁNG-NGÀY")]
    pub as_of: Option<String>,
    /// Cách tính theo --as-of: `received` (những gì máy chủ đã nhận đến hết ngày đó, mặc định)
    /// hoặc `happened` (theo ngày ghi trên hồ sơ, dù nhận lúc nào).
    #[arg(long = "as-of-mode", value_name = "received|happened")]
    pub as_of_mode: Option<String>,
    /// Chỉ báo cáo đơn vị này và các đơn vị trực thuộc (mặc định: toàn bộ phạm vi của máy này).
    #[arg(long, value_name = "MÃ")]
    pub unit: Option<String>,
    /// Định dạng: `json`, `csv`, `xlsx`, `docx` hoặc `html`.
    #[arg(long, default_value = "json", value_name = "ĐỊNH_DẠNG")]
    pub format: String,
    /// Tệp sẽ ghi (json, csv và html không có tùy chọn này thì in ra màn hình).
    #[arg(short = 'o', long = "output", value_name = "TỆP")]
    pub output: Option<PathBuf>,
    /// Số văn bản trong sổ văn bản đi (ví dụ 125), ghi vào dòng "Số:" của văn bản Word; không có
    /// thì để trống.
    #[arg(long, value_name = "SỐ")]
    pub number: Option<String>,
    /// Ngày ký văn bản (NĂM-THÁNG-NGÀY), ghi vào dòng địa danh, ngày tháng của văn bản Word
    /// (mặc định: hôm nay).
    #[arg(long, value_name = "NĂM-THÁNG-NGÀY")]
    pub date: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Tệp hồ sơ (từ `doimoi export`).
    #[arg(value_name = "TỆP")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct DutyCommon {
    /// Năm của nhiệm vụ (mặc định: năm của --date).
    #[arg(long, value_name = "NĂM")]
    pub year: Option<i32>,
    /// Ngày thực hiện, dạng NĂM-THÁNG-NGÀY.
    #[arg(long, value_name = "NĂM-THÁNG-NGÀY")]
    pub date: String,
}

/// Which proposal sent upward a step of Sở Nội vụ or UBND tỉnh answers.
#[derive(Debug, Args)]
pub struct UpwardArgs {
    /// Mã đơn vị đề nghị (xem `doimoi org show`).
    #[arg(long, value_name = "MÃ")]
    pub unit: String,
    /// Mã bản ghi đề nghị (xem `doimoi duty show --unit MÃ`); không ghi --year thì tìm trong
    /// hồ sơ nhiệm vụ các năm của đơn vị.
    #[arg(long, value_name = "MÃ_ĐỀ_NGHỊ")]
    pub of: String,
    /// Số, ký hiệu văn bản.
    #[arg(long, default_value = "", value_name = "SỐ_KÝ_HIỆU")]
    pub number: String,
    /// Ghi chú.
    #[arg(long, default_value = "", value_name = "GHI_CHÚ")]
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewKindArg {
    Preliminary,
    Final,
}

#[derive(Debug, Subcommand)]
pub enum DutyCmd {
    /// Ghi việc quán triệt, phổ biến quy định (hạn 31/07/2023).
    Disseminate {
        #[command(flatten)]
        common: DutyCommon,
        /// Hình thức: hội nghị, văn bản, trực tuyến…
        #[arg(long, value_name = "HÌNH_THỨC")]
        form: String,
        /// Số người tham dự.
        #[arg(long, default_value_t = 0, value_name = "SỐ")]
        participants: u32,
        /// Ghi chú.
        #[arg(long, default_value = "", value_name = "GHI_CHÚ")]
        note: String,
    },
    /// Ghi kế hoạch thực hiện của đơn vị (hạn 31/07/2023).
    Plan {
        #[command(flatten)]
        common: DutyCommon,
        /// Số, ký hiệu văn bản, ví dụ 12/KH-UBND.
        #[arg(long, value_name = "SỐ_KÝ_HIỆU")]
        number: String,
        /// Ghi chú.
        #[arg(long, default_value = "", value_name = "GHI_CHÚ")]
        note: String,
    },
    /// Ghi việc tự kiểm tra hằng năm.
    SelfInspect {
        #[command(flatten)]
        common: DutyCommon,
        /// Kết quả kiểm tra.
        #[arg(long, default_value = "", value_name = "NỘI_DUNG")]
        findings: String,
        /// Báo cáo kiểm tra (số, ký hiệu hoặc tóm tắt).
        #[arg(long, default_value = "", value_name = "NỘI_DUNG")]
        report: String,
    },
    /// Ghi việc sơ kết hoặc tổng kết.
    Review {
        #[command(flatten)]
        common: DutyCommon,
        /// Loại: `preliminary` (sơ kết) hoặc `final` (tổng kết); gõ mã hay tên đều được.
        #[arg(long, value_parser = choices::parse_review_kind, value_name = "LOẠI")]
        kind: ReviewKindArg,
        /// Hình thức tổ chức.
        #[arg(long, default_value = "", value_name = "HÌNH_THỨC")]
        form: String,
        /// Báo cáo sơ kết, tổng kết (số, ký hiệu hoặc tóm tắt).
        #[arg(long, default_value = "", value_name = "NỘI_DUNG")]
        report: String,
    },
    /// Ghi việc khen thưởng cán bộ.
    Commend {
        #[command(flatten)]
        common: DutyCommon,
        /// Họ và tên người được khen thưởng.
        #[arg(long, value_name = "HỌ_TÊN")]
        person: String,
        /// Hình thức khen thưởng.
        #[arg(long, value_name = "HÌNH_THỨC")]
        form: String,
        /// Cấp khen thưởng: `unit` (đơn vị khen thưởng) hoặc `province` (đề nghị Chủ tịch UBND
        /// tỉnh khen thưởng qua Sở Nội vụ); gõ mã hay tên đều được.
        #[arg(long, value_parser = choices::parse_level, value_name = "CẤP")]
        level: LevelArg,
        /// Mã đề xuất được khen thưởng.
        #[arg(long, value_name = "MÃ_ĐỀ_XUẤT")]
        proposal: Option<String>,
    },
    /// Ghi việc xử lý kỷ luật.
    Discipline {
        #[command(flatten)]
        common: DutyCommon,
        /// Người bị kỷ luật.
        #[arg(long, value_name = "HỌ_TÊN")]
        subject: String,
        /// Hành vi vi phạm.
        #[arg(long, value_name = "NỘI_DUNG")]
        violation: String,
        /// Hình thức kỷ luật (cấp tỉnh: hình thức đề xuất).
        #[arg(long, value_name = "HÌNH_THỨC")]
        measure: String,
        /// Cấp xử lý: `unit` (đơn vị quyết định, mặc định) hoặc `province` (cán bộ thuộc diện
        /// Ban Thường vụ Tỉnh ủy quản lý: báo cáo, đề xuất UBND tỉnh qua Sở Nội vụ).
        #[arg(long, value_parser = choices::parse_level, value_name = "CẤP")]
        level: Option<LevelArg>,
    },
    /// Sở Nội vụ tiếp nhận, cho ý kiến về đề nghị khen thưởng hoặc xử lý kỷ luật cấp tỉnh của
    /// một đơn vị (do Sở Nội vụ ghi).
    Opinion {
        #[command(flatten)]
        common: DutyCommon,
        #[command(flatten)]
        upward: UpwardArgs,
        /// Sở Nội vụ đồng ý với đề nghị.
        #[arg(
            long,
            conflicts_with = "disagree",
            required_unless_present = "disagree"
        )]
        agree: bool,
        /// Sở Nội vụ không đồng ý với đề nghị.
        #[arg(long)]
        disagree: bool,
    },
    /// Ghi quyết định của Chủ tịch UBND tỉnh về đề nghị khen thưởng hoặc xử lý kỷ luật của một
    /// đơn vị, sau ý kiến của Sở Nội vụ (do UBND tỉnh ghi).
    Decide {
        #[command(flatten)]
        common: DutyCommon,
        #[command(flatten)]
        upward: UpwardArgs,
        /// Quyết định khen thưởng, hoặc áp dụng hình thức kỷ luật được đề xuất.
        #[arg(long, conflicts_with = "refuse", required_unless_present = "refuse")]
        grant: bool,
        /// Không khen thưởng, hoặc không áp dụng hình thức kỷ luật được đề xuất.
        #[arg(long)]
        refuse: bool,
    },
    /// Ghi việc Sở Nội vụ kiểm tra một đơn vị (do Sở Nội vụ ghi).
    Inspect {
        #[command(flatten)]
        common: DutyCommon,
        /// Mã đơn vị được kiểm tra.
        #[arg(long, value_name = "MÃ")]
        unit: String,
        /// Kết quả kiểm tra.
        #[arg(long, default_value = "", value_name = "NỘI_DUNG")]
        findings: String,
        /// Kiến nghị.
        #[arg(long, default_value = "", value_name = "NỘI_DUNG")]
        recommendations: String,
    },
    /// Xem các nhiệm vụ đã ghi.
    Show {
        /// Năm cần xem.
        #[arg(long, value_name = "NĂM")]
        year: Option<i32>,
        /// Mã đơn vị khác cần xem (mặc định: đơn vị của máy này).
        #[arg(long, value_name = "MÃ")]
        unit: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RefusedCmd {
    /// Liệt kê các bản bị từ chối.
    List,
    /// Ghi một bản bị từ chối ra tệp (để xem lại hoặc nhập ở máy khác).
    Export {
        /// Số thứ tự do `doimoi refused list` hiển thị.
        #[arg(value_name = "SỐ")]
        n: i64,
        /// Tệp sẽ ghi.
        #[arg(short = 'o', long = "output", value_name = "TỆP")]
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum CalendarCmd {
    /// Ngày nghỉ và ngày làm bù trong năm.
    Show {
        /// Năm cần xem (mặc định: năm nay).
        #[arg(long, value_name = "NĂM")]
        year: Option<i32>,
    },
    /// Áp dụng thông báo hằng năm của Chính phủ: tệp JSON các ngày thay đổi
    /// (`{"days_off":[{"date":…,"name":…}],"working_days":[…],"remove":[…]}`).
    Override {
        /// Tệp JSON.
        #[arg(value_name = "TỆP")]
        file: PathBuf,
    },
    /// Tính ngày: ngày sau một ngày cho trước N ngày làm việc.
    Add {
        /// Ngày bắt đầu, dạng NĂM-THÁNG-NGÀY.
        #[arg(value_name = "NĂM-THÁNG-NGÀY")]
        date: String,
        /// Số ngày làm việc.
        #[arg(value_name = "SỐ_NGÀY")]
        days: u32,
    },
}

impl ProposalCmd {
    /// Whether the command records something (everything but `list`, `show` and `attachment`).
    pub fn records(&self) -> bool {
        !matches!(
            self,
            ProposalCmd::List { .. } | ProposalCmd::Show(_) | ProposalCmd::Attachment { .. }
        )
    }
}
