//! Why the procedure refuses an event: one variant per rule, with the data the rule looked at.
//! Callers decide on the variant (tests match it, the web app can show "steps allowed now");
//! people read the [`Display`](std::fmt::Display) form, a Vietnamese sentence that names the
//! rule and says what to do.

use super::{Basis, Determination, EvalResult, Status};
use chrono::NaiveDate;

/// The unit that may take a step, as named in a refusal for lack of authority. Each holds the
/// unit's display name ("Name (code)").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowed {
    /// The proposer's unit (submission).
    ProposerUnit(String),
    /// UBND tỉnh (the answer to an escalation).
    Province(String),
    /// The proposer's unit or the deciding unit (start, results report); names the deciding unit.
    ProposerOrDeciding(String),
    /// The deciding unit, or Sở Nội vụ / UBND tỉnh (discipline).
    DecidingOrProvinceBody(String),
    /// Sở Nội vụ (its opinion on a proposal sent to UBND tỉnh through it).
    HomeAffairs,
    /// The deciding unit; `head_proposed` when it is the superior because the proposer is the
    /// head of their unit.
    Deciding { unit: String, head_proposed: bool },
}

/// A rule of the procedure that an event breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A provincial body that no longer exists on the step's date.
    #[error("{unit} đã thôi hoạt động từ sau ngày {}: bước \"{step}\" do cơ quan kế tục ghi", ended.format("%d/%m/%Y"))]
    BodyEnded {
        unit: String,
        ended: chrono::NaiveDate,
        step: &'static str,
    },
    /// The acting unit is not in the registry.
    #[error("đơn vị {unit} không có trong danh mục đơn vị")]
    UnknownUnit { unit: String },
    /// The acting unit lacks the authority for the step.
    #[error("{unit} không có thẩm quyền thực hiện bước \"{step}\": chỉ {allowed} được thực hiện")]
    NoAuthority {
        /// The acting unit's display name.
        unit: String,
        /// The step's Vietnamese label.
        step: &'static str,
        allowed: Allowed,
    },
    /// An office records the steps of its own unit only (the hub refuses any other).
    #[error("văn phòng của {office} chỉ ghi các bước do chính đơn vị mình thực hiện, không ghi thay {acting}: bước của {acting} do văn phòng {acting} ghi trên máy của mình")]
    ActingForAnother { acting: String, office: String },
    /// The step is dated before the step it follows.
    #[error(
        "ngày của bước \"{step}\" ({}) trước ngày của bước trước đó ({}): các bước phải theo thứ tự thời gian",
        date.format("%d/%m/%Y"),
        previous.format("%d/%m/%Y")
    )]
    DateBeforePrevious {
        step: &'static str,
        date: NaiveDate,
        previous: NaiveDate,
    },
    /// A step dated on a day off carries a note saying why (work on a weekend or holiday
    /// happens, but the record must say so).
    #[error(
        "ngày {} là ngày nghỉ ({day}): ghi bước \"{step}\" vào ngày nghỉ thì phải có ghi chú lý do (--note), hoặc kiểm tra lại ngày (--date)",
        date.format("%d/%m/%Y")
    )]
    DayOffWithoutNote {
        step: &'static str,
        date: NaiveDate,
        day: String,
    },
    /// The step does not fit the proposal's status.
    #[error("bước \"{step}\" không đúng trình tự: hồ sơ đang ở trạng thái \"{}\", bước này chỉ thực hiện khi {expected}", status.label_vi())]
    OutOfOrder {
        step: &'static str,
        status: Status,
        /// When the step may be taken, in words.
        expected: &'static str,
    },
    /// The legal basis is chosen, never assumed.
    #[error("chưa chọn căn cứ pháp lý của đề xuất (--basis qd20: Quy định số 20-QĐ/TU ngày 01/7/2023 của Ban Thường vụ Tỉnh ủy; nd73: Nghị định số 73/2023/NĐ-CP; both: cả hai): phải chọn trước khi nộp")]
    BasisNotChosen,
    /// Decree 73 covers leaders and managers only.
    #[error("Nghị định số 73/2023/NĐ-CP chỉ áp dụng đối với người đề xuất là cán bộ lãnh đạo, quản lý: căn cứ \"{}\" cần ghi người đề xuất là lãnh đạo, quản lý (--leader, hoặc là người đứng đầu, cấp phó); nếu không, chọn căn cứ qd20 (Quy định số 20-QĐ/TU)", basis.as_str())]
    Decree73NotLeader { basis: Basis },
    /// The proposal plan lacks contents khoản 2 Điều 7 of Decree 73 makes mandatory.
    #[error("chưa nộp được: khoản 2 Điều 7 Nghị định số 73/2023/NĐ-CP yêu cầu kế hoạch đề xuất có đủ nội dung; còn thiếu: {missing}")]
    MissingContents { missing: String },
    /// Escalation follows the collective leadership's meeting.
    #[error("chưa họp tập thể lãnh đạo: chỉ báo cáo UBND tỉnh (qua Sở Nội vụ) xin ý kiến sau khi có ý kiến cấp ủy cùng cấp và tập thể lãnh đạo đã họp, biểu quyết")]
    EscalationBeforeVote,
    /// A pilot is a way of approving.
    #[error("UBND tỉnh chỉ cho thí điểm khi đồng ý (--approve --pilot), không thể vừa không đồng ý vừa thí điểm")]
    PilotWithoutApproval,
    #[error("biểu quyết không có phiếu nào: nhập số phiếu --for, --against")]
    NoVotes,
    /// The votes cast do not add up to the members who may vote.
    #[error(
        "tổng số phiếu ({cast}) phải bằng số thành viên được biểu quyết ({eligible}){}",
        if *proposer_is_deputy { " (người đề xuất là cấp phó nên không biểu quyết)" } else { "" }
    )]
    VoteCount {
        cast: u64,
        eligible: u64,
        proposer_is_deputy: bool,
    },
    #[error("số phiếu ngang nhau: phải ghi ý kiến của người đứng đầu (--head-voted for|against) để quyết định")]
    TieWithoutHead,
    #[error("biểu quyết đã đạt: phê duyệt theo kết quả biểu quyết, không dùng --by-head")]
    HeadDecisionAfterPassedVote,
    #[error("biểu quyết không đạt (không quá 50%): chỉ người đứng đầu có thể phê duyệt bằng văn bản và chịu trách nhiệm cá nhân (--by-head), hoặc không phê duyệt")]
    ApprovalAfterFailedVote,
    #[error("chưa có ý kiến của cấp ủy cùng cấp: ghi bước party-opinion trước khi phê duyệt")]
    NoPartyOpinionBeforeApproval,
    #[error("ngày kết thúc triển khai (--finished) không thể sau ngày báo cáo kết quả")]
    FinishedAfterReport,
    /// Implementation cannot finish before it started.
    #[error(
        "ngày kết thúc triển khai ({}) trước ngày bắt đầu triển khai ({}): không thể kết thúc trước khi bắt đầu",
        finished.format("%d/%m/%Y"),
        started.format("%d/%m/%Y")
    )]
    FinishedBeforeStart {
        finished: NaiveDate,
        started: NaiveDate,
    },
    #[error(
        "chưa có ý kiến của cấp ủy cùng cấp về kết quả: ghi bước party-opinion trước khi đánh giá"
    )]
    NoPartyOpinionBeforeEvaluation,
    #[error("đã có quyết định xác định bảo vệ cho đề xuất này")]
    AlreadyProtected,
    /// The determination follows from the evaluation's result and damage, under every basis
    /// (docs/domain.md §4.3): completed → not held liable; partly or not completed without
    /// damage → liability excluded; with damage → considered.
    #[error(
        "theo {}, kết quả đánh giá \"{}\"{} dẫn tới xác định \"{}\", không phải \"{}\": xác định bảo vệ phải theo kết quả đánh giá",
        basis.law_vi(),
        result.as_str(),
        if *damage { " có thiệt hại" } else { " không có thiệt hại" },
        expected.as_str(),
        got.as_str()
    )]
    ProtectionAgainstEvaluation {
        basis: Basis,
        result: EvalResult,
        damage: bool,
        expected: Determination,
        got: Determination,
    },
    /// The proposer is a deputy: the vote must name the members so that the proposer's vote
    /// is left out.
    #[error("người đề xuất là cấp phó nên không được biểu quyết (Nghị định số 73/2023/NĐ-CP): phải ghi số thành viên tập thể lãnh đạo (--members) để số phiếu không tính người đề xuất")]
    DeputyProposerWithoutMembers,
    /// The Party committee's opinion comes before the collective-leadership vote.
    #[error("chưa có ý kiến của cấp ủy cùng cấp: ghi bước party-opinion trước khi họp tập thể lãnh đạo biểu quyết")]
    NoPartyOpinionBeforeVote,
    /// The Party committee's opinion on the decision is given before the vote, not after.
    #[error("ý kiến của cấp ủy cùng cấp về đề xuất phải có trước khi tập thể lãnh đạo biểu quyết; sau biểu quyết không ghi thêm ý kiến cấp ủy (ý kiến về kết quả ghi sau khi báo cáo kết quả)")]
    PartyOpinionAfterVote,
    #[error("đã ghi khen thưởng ở cấp này cho đề xuất")]
    AlreadyCommended,
    #[error("đề xuất chưa được đề nghị Chủ tịch UBND tỉnh khen thưởng (bước \"commend --level province\" của đơn vị quyết định)")]
    NoProvinceCommendation,
    #[error("Chủ tịch UBND tỉnh quyết định khen thưởng sau khi có ý kiến của Sở Nội vụ: đề nghị được trình qua Sở Nội vụ")]
    DecisionBeforeOpinion,
    #[error("đã ghi bước \"{step}\" cho đề xuất này; không ghi lần thứ hai")]
    UpwardTwice { step: &'static str },
    #[error("phải ghi hình thức kỷ luật (--measure)")]
    NoDisciplineMeasure,
    /// A `resolve` names an event that is not part of a conflict.
    #[error("không có xung đột nào liên quan tới sự kiện này để giải quyết")]
    NothingToResolve,
    /// Two events of the log carry the same id.
    #[error("sự kiện trùng mã {id}")]
    DuplicateId { id: String },
}

impl std::fmt::Display for Allowed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Allowed::ProposerUnit(u) => write!(f, "đơn vị của người đề xuất, {u}"),
            Allowed::Province(u) => write!(f, "UBND tỉnh, {u}"),
            Allowed::ProposerOrDeciding(u) => {
                write!(f, "đơn vị của người đề xuất hoặc đơn vị quyết định, {u}")
            }
            Allowed::HomeAffairs => f.write_str("Sở Nội vụ"),
            Allowed::DecidingOrProvinceBody(u) => {
                write!(f, "đơn vị quyết định, {u}, hoặc Sở Nội vụ / UBND tỉnh")
            }
            Allowed::Deciding {
                unit,
                head_proposed,
            } => {
                write!(f, "đơn vị quyết định, {unit}")?;
                if *head_proposed {
                    f.write_str(
                        " (người đề xuất là người đứng đầu nên cấp trên trực tiếp quyết định)",
                    )?;
                }
                Ok(())
            }
        }
    }
}
