//! The proposal procedure (docs/domain.md §4) as one pure function: [`derive`] takes a proposal's
//! facts and its event log (plus the org registry, the calendar, the configuration and today's
//! date) and returns its [`ProposalState`]: status, the deadline of each clocked step, flags, and
//! what happened to every event.
//!
//! ## Ordering
//! Events form a causal graph: each event lists in `prev` the events its author had seen last
//! (the frontier of the log), and carries a Lamport number `seq` (one more than the largest it
//! had seen). [`derive`] applies events in the total order `(seq, at, id)`, which respects
//! causality and is the same on every replica whatever order the events arrived in.
//!
//! ## Validity and conflicts
//! An event is *applied* when its acting unit had the authority for it and it fits the state
//! reached so far. Otherwise it is never applied, and is classified:
//! - **invalid** when it would not have fitted even in its author's own view (the state of its
//!   causal past) or lacks authority — a bug, a mistake, or tampering, kept for audit;
//! - **duplicate** when a concurrent event already did the same thing (two devices both
//!   recorded the receipt);
//! - **conflict** when it was legitimate in its author's view but a concurrent, different event
//!   took the step first (one office approved while another rejected). The first in the total
//!   order stands, and the state carries the `conflict` flag until a person resolves it with a
//!   `resolve` event that names the event to keep.

use crate::calendar::Calendar;
use crate::ids::UnitCode;
use crate::org::{Registry, UnitKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod refusal;
pub use refusal::{Allowed, Refusal};

/// Legal basis of a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Regulation 20-QĐ/TU of the provincial Standing Committee only.
    Qd20,
    /// Decree 73/2023/NĐ-CP (leaders and managers).
    Nd73,
    Both,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Qd20 => "qd20",
            Basis::Nd73 => "nd73",
            Basis::Both => "both",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "qd20" => Some(Basis::Qd20),
            "nd73" => Some(Basis::Nd73),
            "both" => Some(Basis::Both),
            _ => None,
        }
    }
    /// The law this basis names, in the Vietnamese form refusals cite.
    pub fn law_vi(self) -> &'static str {
        match self {
            Basis::Qd20 => "Quy định số 20-QĐ/TU ngày 01/7/2023 của Ban Thường vụ Tỉnh ủy",
            Basis::Nd73 | Basis::Both => "Nghị định số 73/2023/NĐ-CP",
        }
    }
    /// Whether Decree 73's protection rules apply.
    pub fn decree73(self) -> bool {
        matches!(self, Basis::Nd73 | Basis::Both)
    }
}

/// What the workflow needs to know about the proposal itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalFacts {
    /// The proposer's employing unit (the document's owner).
    pub unit: UnitCode,
    /// The proposer is the head of their unit: the superior unit decides.
    pub proposer_is_head: bool,
    /// The proposer is a deputy head of the deciding unit: excluded from the votes.
    pub proposer_is_deputy: bool,
    /// The proposer is a leader or manager (recorded, or as the head or a deputy head): the
    /// only proposers Decree 73 covers.
    pub leader: bool,
    pub basis: Basis,
    /// The basis was chosen explicitly (none is assumed).
    pub basis_chosen: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    For,
    Against,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvalResult {
    Completed,
    Partly,
    NotCompleted,
}

impl EvalResult {
    pub const ALL: [EvalResult; 3] = [
        EvalResult::Completed,
        EvalResult::Partly,
        EvalResult::NotCompleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EvalResult::Completed => "completed",
            EvalResult::Partly => "partly",
            EvalResult::NotCompleted => "not-completed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "completed" => Some(EvalResult::Completed),
            "partly" => Some(EvalResult::Partly),
            "not-completed" => Some(EvalResult::NotCompleted),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Determination {
    /// Completed: not held liable.
    NotLiable,
    /// Not or partly completed, right policy, pure motive, no damage: liability excluded.
    Excluded,
    /// Same with damage: considered for exclusion, exemption or reduction.
    Considered,
}

impl Determination {
    pub fn as_str(self) -> &'static str {
        match self {
            Determination::NotLiable => "not-liable",
            Determination::Excluded => "excluded",
            Determination::Considered => "considered",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "not-liable" => Some(Determination::NotLiable),
            "excluded" => Some(Determination::Excluded),
            "considered" => Some(Determination::Considered),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Commended at unit level.
    #[default]
    Unit,
    /// Proposed to the provincial chairman via Sở Nội vụ.
    Province,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Unit => "unit",
            Level::Province => "province",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "unit" => Some(Level::Unit),
            "province" => Some(Level::Province),
            _ => None,
        }
    }
}

/// One step of the procedure with its step-specific data. Matched exhaustively everywhere.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Action {
    Submit,
    Receive,
    PartyOpinion {
        agree: bool,
    },
    Vote {
        votes_for: u32,
        against: u32,
        abstain: u32,
        /// How the head voted; decides a tie.
        head_voted: Option<Side>,
        /// Members of the collective leadership (head and deputies), when recorded. A
        /// proposer who is a deputy does not vote: the votes must then number one fewer, and
        /// the majority is over the members who may vote.
        members: Option<u32>,
    },
    Approve {
        pilot: bool,
        /// Approved by the head's written decision on personal responsibility after a failed
        /// vote.
        by_head: bool,
    },
    Reject,
    Escalate,
    Answer {
        approve: bool,
        /// UBND tỉnh approves the proposal as a pilot.
        pilot: bool,
    },
    Start,
    Suspend,
    Resume,
    Terminate,
    ReportResults {
        /// The day implementation finished; the 5-working-day clock runs from it.
        finished: Option<NaiveDate>,
    },
    Evaluate {
        result: EvalResult,
        damage: bool,
    },
    /// The evaluation's conclusion notified (3 working days after the evaluation).
    Notify,
    Protect {
        determination: Determination,
    },
    /// A commendation: at unit level the deciding unit's own; at province level the deciding
    /// unit's proposal to the Chairman of UBND tỉnh through Sở Nội vụ.
    Commend {
        level: Level,
    },
    /// Sở Nội vụ receives the province-level commendation proposal and gives its opinion.
    CommendOpinion {
        agree: bool,
    },
    /// The Chairman of UBND tỉnh decides the province-level commendation (after Sở Nội vụ's
    /// opinion).
    CommendDecide {
        granted: bool,
    },
    Discipline {
        measure: String,
    },
    /// A person settles a conflict: `keep` is the event that stands; its concurrent rivals
    /// are set aside.
    Resolve {
        keep: String,
    },
}

impl Action {
    /// The step name, as used on the command line (`doimoi proposal STEP`).
    pub fn name(&self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Receive => "receive",
            Action::PartyOpinion { .. } => "party-opinion",
            Action::Vote { .. } => "vote",
            Action::Approve { .. } => "approve",
            Action::Reject => "reject",
            Action::Escalate => "escalate",
            Action::Answer { .. } => "answer",
            Action::Start => "start",
            Action::Suspend => "suspend",
            Action::Resume => "resume",
            Action::Terminate => "terminate",
            Action::ReportResults { .. } => "report-results",
            Action::Evaluate { .. } => "evaluate",
            Action::Notify => "notify",
            Action::Protect { .. } => "protect",
            Action::Commend { .. } => "commend",
            Action::CommendOpinion { .. } => "commend-opinion",
            Action::CommendDecide { .. } => "commend-decide",
            Action::Discipline { .. } => "discipline",
            Action::Resolve { .. } => "resolve",
        }
    }

    /// Vietnamese label for history and reports.
    pub fn label_vi(&self) -> &'static str {
        match self {
            Action::Submit => "Nộp đề xuất",
            Action::Receive => "Tiếp nhận đề xuất",
            Action::PartyOpinion { .. } => "Ý kiến cấp ủy",
            Action::Vote { .. } => "Họp tập thể lãnh đạo, biểu quyết",
            Action::Approve { .. } => "Phê duyệt",
            Action::Reject => "Không phê duyệt",
            Action::Escalate => "Báo cáo UBND tỉnh (qua Sở Nội vụ)",
            Action::Answer { .. } => "UBND tỉnh trả lời",
            Action::Start => "Bắt đầu triển khai",
            Action::Suspend => "Tạm dừng",
            Action::Resume => "Tiếp tục triển khai",
            Action::Terminate => "Chấm dứt",
            Action::ReportResults { .. } => "Báo cáo kết quả",
            Action::Evaluate { .. } => "Đánh giá kết quả",
            Action::Notify => "Thông báo kết luận",
            Action::Protect { .. } => "Xác định bảo vệ",
            Action::Commend { level: Level::Unit } => "Khen thưởng",
            Action::Commend {
                level: Level::Province,
            } => "Đề nghị Chủ tịch UBND tỉnh khen thưởng",
            Action::CommendOpinion { .. } => "Sở Nội vụ cho ý kiến về đề nghị khen thưởng",
            Action::CommendDecide { .. } => "Chủ tịch UBND tỉnh quyết định khen thưởng",
            Action::Discipline { .. } => "Xử lý kỷ luật",
            Action::Resolve { .. } => "Giải quyết xung đột",
        }
    }
}

/// One entry of a proposal's event log, as stored in the document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Event {
    /// Random id (16 hex digits), unique within the document.
    pub id: String,
    /// Lamport number: one more than the largest `seq` its author had seen.
    pub seq: u64,
    /// The events its author had seen last (the frontier of the log when it was recorded).
    pub prev: Vec<String>,
    /// When it was recorded, milliseconds since the Unix epoch (UTC).
    pub at: i64,
    /// The day the step took place (the office's calendar date, +07:00).
    pub date: NaiveDate,
    /// The unit that acted.
    pub unit: UnitCode,
    /// The person who acted and their position, as typed by the clerk.
    pub by: String,
    pub position: String,
    pub note: String,
    pub action: Action,
}

/// Rules that docs/domain.md §9 marks uncertain are configuration, not code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowConfig {
    /// Working days for the decision after receipt (Decree 73: 7).
    pub decision_days: u32,
    /// Working days for the results report after implementation finished (5).
    pub report_days: u32,
    /// Working days for the evaluation after the results report (7).
    pub evaluation_days: u32,
    /// Working days to notify the evaluation's conclusion (3).
    pub notify_days: u32,
    /// Working days for UBND tỉnh to answer an escalation; `None` = no clock (Art. 8.2's text
    /// was not available).
    pub answer_days: Option<u32>,
    /// Whether a Party committee opinion must precede the vote (and so the approval) and the evaluation.
    pub require_party_opinion: bool,
}

impl Default for WorkflowConfig {
    fn default() -> Self {
        WorkflowConfig {
            decision_days: 7,
            report_days: 5,
            evaluation_days: 7,
            notify_days: 3,
            answer_days: None,
            require_party_opinion: true,
        }
    }
}

/// Where a proposal stands. The names are the `status` strings of the CLI, the API and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Submitted,
    Received,
    /// The collective vote failed; the head may still approve in writing, or reject.
    VoteFailed,
    /// The collective vote passed; awaiting the head's decision.
    VotePassed,
    Approved,
    Rejected,
    /// Sent to UBND tỉnh via Sở Nội vụ; awaiting the answer.
    Escalated,
    Implementing,
    Suspended,
    Terminated,
    ResultsReported,
    Completed,
    PartlyCompleted,
    NotCompleted,
}

impl Status {
    pub const ALL: [Status; 15] = [
        Status::Draft,
        Status::Submitted,
        Status::Received,
        Status::VoteFailed,
        Status::VotePassed,
        Status::Approved,
        Status::Rejected,
        Status::Escalated,
        Status::Implementing,
        Status::Suspended,
        Status::Terminated,
        Status::ResultsReported,
        Status::Completed,
        Status::PartlyCompleted,
        Status::NotCompleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Received => "received",
            Status::VoteFailed => "vote_failed",
            Status::VotePassed => "vote_passed",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Escalated => "escalated",
            Status::Implementing => "implementing",
            Status::Suspended => "suspended",
            Status::Terminated => "terminated",
            Status::ResultsReported => "results_reported",
            Status::Completed => "completed",
            Status::PartlyCompleted => "partly_completed",
            Status::NotCompleted => "not_completed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Status::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Status::Draft => "Dự thảo",
            Status::Submitted => "Đã nộp",
            Status::Received => "Đã tiếp nhận",
            Status::VoteFailed => "Biểu quyết không đạt",
            Status::VotePassed => "Biểu quyết đạt",
            Status::Approved => "Đã phê duyệt",
            Status::Rejected => "Không phê duyệt",
            Status::Escalated => "Chờ UBND tỉnh cho ý kiến",
            Status::Implementing => "Đang triển khai",
            Status::Suspended => "Tạm dừng",
            Status::Terminated => "Chấm dứt",
            Status::ResultsReported => "Đã báo cáo kết quả",
            Status::Completed => "Hoàn thành",
            Status::PartlyCompleted => "Hoàn thành một phần",
            Status::NotCompleted => "Không hoàn thành",
        }
    }

    /// Whether the proposal's content may still be edited.
    pub fn editable(self) -> bool {
        matches!(
            self,
            Status::Draft
                | Status::Submitted
                | Status::Received
                | Status::VoteFailed
                | Status::VotePassed
        )
    }
}

/// How an approval came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovedBy {
    Vote,
    HeadDecision,
    Province,
}

/// A flag on a proposal's state. The names are the `flags` strings of the CLI and the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Two concurrent decisions: a person must keep one.
    Conflict,
    /// An event was not applied (no authority, out of order): kept for audit.
    InvalidEvent,
    /// A clocked step was done after its due date.
    Late,
    /// A clocked step is past its due date and not done.
    Overdue,
    /// Approved by the unit although the Party committee's opinion disagreed (allowed: the
    /// head decides; shown so that nobody misses it).
    AgainstPartyOpinion,
    /// A province-level commendation proposed, waiting for Sở Nội vụ's opinion.
    AwaitingOpinion,
    /// Sở Nội vụ gave its opinion; waiting for the Chairman of UBND tỉnh's decision.
    AwaitingDecision,
}

impl Flag {
    pub const ALL: [Flag; 7] = [
        Flag::Conflict,
        Flag::InvalidEvent,
        Flag::Late,
        Flag::Overdue,
        Flag::AgainstPartyOpinion,
        Flag::AwaitingOpinion,
        Flag::AwaitingDecision,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Conflict => "conflict",
            Flag::InvalidEvent => "invalid_event",
            Flag::Late => "late",
            Flag::Overdue => "overdue",
            Flag::AgainstPartyOpinion => "against_party_opinion",
            Flag::AwaitingOpinion => "awaiting_opinion",
            Flag::AwaitingDecision => "awaiting_decision",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Flag::ALL.into_iter().find(|f| f.as_str() == s.trim())
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Flag::Conflict => "xung đột cần người giải quyết",
            Flag::Overdue => "quá hạn",
            Flag::InvalidEvent => "có bước không hợp lệ",
            Flag::Late => "có bước trễ hạn",
            Flag::AgainstPartyOpinion => "phê duyệt khi cấp ủy không đồng ý",
            Flag::AwaitingOpinion => "đề nghị khen thưởng chờ Sở Nội vụ cho ý kiến",
            Flag::AwaitingDecision => "đề nghị khen thưởng chờ Chủ tịch UBND tỉnh quyết định",
        }
    }
}

/// A step of the procedure that runs against a legal clock, in procedure order. The names are
/// the `step` strings of deadlines in the CLI, the API and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The decision, 7 working days from receipt.
    Decision,
    /// UBND tỉnh's answer to an escalation (no clock unless configured).
    Answer,
    /// The results report, 5 working days after implementation finished.
    ResultsReport,
    /// The evaluation, 7 working days from the results report.
    Evaluation,
    /// Notifying the evaluation's conclusion, 3 working days.
    Notification,
}

impl Step {
    pub const ALL: [Step; 5] = [
        Step::Decision,
        Step::Answer,
        Step::ResultsReport,
        Step::Evaluation,
        Step::Notification,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Step::Decision => "decision",
            Step::Answer => "answer",
            Step::ResultsReport => "results_report",
            Step::Evaluation => "evaluation",
            Step::Notification => "notification",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Step::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    /// Its position in [`Step::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Vietnamese label, with the clock.
    pub fn label_vi(self) -> &'static str {
        match self {
            Step::Decision => "Quyết định (7 ngày làm việc từ khi tiếp nhận)",
            Step::Answer => "UBND tỉnh trả lời",
            Step::ResultsReport => "Báo cáo kết quả (5 ngày làm việc sau khi kết thúc)",
            Step::Evaluation => "Đánh giá (7 ngày làm việc từ khi có báo cáo)",
            Step::Notification => "Thông báo kết luận (3 ngày làm việc)",
        }
    }
}

/// Where a clocked step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Not done, not yet due.
    Open,
    /// Not done and past its due date.
    Overdue,
    /// Done by its due date.
    OnTime,
    /// Done after its due date.
    Late,
}

impl ClockState {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockState::Open => "open",
            ClockState::Overdue => "overdue",
            ClockState::OnTime => "on_time",
            ClockState::Late => "late",
        }
    }

    /// Where a step due on `due` stands on `today`, done on `done` if it was.
    pub fn of(due: NaiveDate, done: Option<NaiveDate>, today: NaiveDate) -> ClockState {
        match done {
            Some(d) if d <= due => ClockState::OnTime,
            Some(_) => ClockState::Late,
            None if today > due => ClockState::Overdue,
            None => ClockState::Open,
        }
    }
}

/// A clocked step and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    pub step: Step,
    /// The day the clock started (counting starts the day after).
    pub from: NaiveDate,
    pub due: NaiveDate,
    /// The day the step was done, if it was.
    pub done: Option<NaiveDate>,
    pub state: ClockState,
}

fn display<S: serde::Serializer>(r: &Refusal, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(r)
}

/// What became of one event.
/// The refusals serialize as their Vietnamese sentence (the `reason` of the JSON output).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Applied,
    Invalid {
        #[serde(serialize_with = "display")]
        reason: Refusal,
    },
    Duplicate {
        of: String,
    },
    Conflict {
        with: String,
        #[serde(serialize_with = "display")]
        reason: Refusal,
    },
    /// Set aside by a person's `resolve` event.
    SetAside {
        by: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventOutcome {
    pub id: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Everything [`derive`] concludes about a proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProposalState {
    pub status: Status,
    /// The unit whose head decides (the proposer's unit, or its superior when the proposer is
    /// the head).
    pub deciding_unit: UnitCode,
    pub received_on: Option<NaiveDate>,
    pub vote_passed: Option<bool>,
    pub approved_by: Option<ApprovedBy>,
    pub pilot: bool,
    pub decided_on: Option<NaiveDate>,
    pub escalated_on: Option<NaiveDate>,
    /// UBND tỉnh's answer to an escalation (true = approve).
    pub answer: Option<bool>,
    pub evaluation: Option<EvalResult>,
    pub damage: bool,
    pub protection: Option<Determination>,
    pub commendations: Vec<Level>,
    /// The province-level commendation sent upward: Sở Nội vụ's opinion and UBND tỉnh's
    /// decision, as far as they are recorded.
    pub province_commendation: Option<Upward>,
    pub disciplines: Vec<String>,
    pub deadlines: Vec<Deadline>,
    /// Sorted, each once.
    pub flags: Vec<Flag>,
    /// One entry per event, in the order they were considered.
    pub events: Vec<EventOutcome>,
}

/// A proposal sent upward to UBND tỉnh through Sở Nội vụ, and how far it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Upward {
    pub proposed_on: NaiveDate,
    /// Sở Nội vụ's opinion (true = agrees) and its day.
    pub opinion: Option<(bool, NaiveDate)>,
    /// UBND tỉnh's decision (true = granted) and its day.
    pub decision: Option<(bool, NaiveDate)>,
}

/// Mutable fold state (private): the procedural position plus the records.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fold {
    status: Status,
    received_on: Option<NaiveDate>,
    vote_passed: Option<bool>,
    approved_by: Option<ApprovedBy>,
    pilot: bool,
    decided_on: Option<NaiveDate>,
    escalated_on: Option<NaiveDate>,
    answer: Option<bool>,
    answered_on: Option<NaiveDate>,
    /// The first day of implementation.
    started_on: Option<NaiveDate>,
    finished_on: Option<NaiveDate>,
    reported_on: Option<NaiveDate>,
    evaluated_on: Option<NaiveDate>,
    notified_on: Option<NaiveDate>,
    evaluation: Option<EvalResult>,
    damage: bool,
    protection: Option<Determination>,
    commendations: Vec<Level>,
    province_commendation: Option<Upward>,
    disciplines: Vec<String>,
    /// A Party opinion was given since receipt (for approval) / since the results report (for
    /// evaluation).
    party_opinion: bool,
    /// Whether the last Party opinion agreed.
    party_agree: Option<bool>,
    /// Approved by the unit after a disagreeing Party opinion.
    against_party: bool,
    /// The date of the last applied step: a later step cannot have taken place before it.
    last_date: Option<NaiveDate>,
}

impl Fold {
    fn new() -> Self {
        Fold {
            status: Status::Draft,
            received_on: None,
            vote_passed: None,
            approved_by: None,
            pilot: false,
            decided_on: None,
            escalated_on: None,
            answer: None,
            answered_on: None,
            started_on: None,
            finished_on: None,
            reported_on: None,
            evaluated_on: None,
            notified_on: None,
            evaluation: None,
            damage: false,
            protection: None,
            commendations: Vec::new(),
            province_commendation: None,
            disciplines: Vec::new(),
            party_opinion: false,
            party_agree: None,
            against_party: false,
            last_date: None,
        }
    }
}

/// Context shared by every check of one derivation.
struct Ctx<'a> {
    facts: &'a ProposalFacts,
    registry: &'a Registry,
    /// Days off: a step dated on one needs a note saying why.
    calendar: &'a Calendar,
    config: &'a WorkflowConfig,
    deciding: UnitCode,
}

impl Ctx<'_> {
    fn unit_name(&self, code: &UnitCode) -> String {
        self.registry
            .get(code)
            .map(|u| format!("{} ({})", u.name, code))
            .unwrap_or_else(|| code.to_string())
    }

    fn is_home_affairs(&self, code: &UnitCode) -> bool {
        self.registry
            .get(code)
            .is_some_and(|u| u.kind == UnitKind::HomeAffairs)
    }

    fn is_province_body(&self, code: &UnitCode) -> bool {
        self.registry
            .get(code)
            .is_some_and(|u| matches!(u.kind, UnitKind::Province | UnitKind::HomeAffairs))
    }

    /// `Ok(())` when `unit` may record `action` on this proposal; otherwise the rule broken.
    pub fn authority(&self, unit: &UnitCode, action: &Action) -> Result<(), Refusal> {
        if self.registry.get(unit).is_none() {
            return Err(Refusal::UnknownUnit {
                unit: unit.to_string(),
            });
        }
        let own = unit == &self.facts.unit;
        let deciding = unit == &self.deciding;
        // UBND tỉnh: the current one or one it carries on (a registry spanning a merger).
        let province = self
            .registry
            .get(unit)
            .is_some_and(|u| u.kind == UnitKind::Province);
        let ok = match action {
            Action::Submit => own,
            Action::ReportResults { .. } | Action::Start => own || deciding,
            Action::Receive
            | Action::PartyOpinion { .. }
            | Action::Vote { .. }
            | Action::Approve { .. }
            | Action::Reject
            | Action::Escalate
            | Action::Suspend
            | Action::Resume
            | Action::Terminate
            | Action::Evaluate { .. }
            | Action::Notify
            | Action::Protect { .. } => deciding,
            Action::Answer { .. } => province,
            Action::Commend { .. } => deciding,
            Action::CommendOpinion { .. } => self.is_home_affairs(unit),
            Action::CommendDecide { .. } => province,
            Action::Discipline { .. } => deciding || self.is_province_body(unit),
            Action::Resolve { .. } => deciding || province,
        };
        if ok {
            return Ok(());
        }
        let allowed = match action {
            Action::Submit => Allowed::ProposerUnit(self.unit_name(&self.facts.unit)),
            Action::Answer { .. } | Action::CommendDecide { .. } => {
                Allowed::Province(self.unit_name(&self.registry.province().code))
            }
            Action::CommendOpinion { .. } => Allowed::HomeAffairs,
            Action::ReportResults { .. } | Action::Start => {
                Allowed::ProposerOrDeciding(self.unit_name(&self.deciding))
            }
            Action::Discipline { .. } => {
                Allowed::DecidingOrProvinceBody(self.unit_name(&self.deciding))
            }
            Action::Receive
            | Action::PartyOpinion { .. }
            | Action::Vote { .. }
            | Action::Approve { .. }
            | Action::Reject
            | Action::Escalate
            | Action::Suspend
            | Action::Resume
            | Action::Terminate
            | Action::Evaluate { .. }
            | Action::Notify
            | Action::Protect { .. }
            | Action::Commend { .. }
            | Action::Resolve { .. } => Allowed::Deciding {
                unit: self.unit_name(&self.deciding),
                head_proposed: self.facts.proposer_is_head,
            },
        };
        Err(Refusal::NoAuthority {
            unit: self.unit_name(unit),
            step: action.label_vi(),
            allowed,
        })
    }

    /// Applies `ev` to `s` when it fits the procedure; otherwise says why it does not.
    fn apply(&self, s: &mut Fold, ev: &Event) -> Result<(), Refusal> {
        // A provincial body acts while it exists: after a reorganisation its successor answers.
        if matches!(
            ev.action,
            Action::Answer { .. } | Action::CommendOpinion { .. } | Action::CommendDecide { .. }
        ) {
            if let Some(u) = self.registry.get(&ev.unit) {
                if let Some(ended) = u.valid_to.filter(|t| *t < ev.date) {
                    return Err(Refusal::BodyEnded {
                        unit: self.unit_name(&ev.unit),
                        ended,
                        step: ev.action.label_vi(),
                    });
                }
            }
        }
        self.authority(&ev.unit, &ev.action)?;
        let d = ev.date;
        let st = s.status;
        // A step on a day off (weekend, holiday) happens, but the record says why.
        if !self.calendar.is_working_day(d) && ev.note.trim().is_empty() {
            return Err(Refusal::DayOffWithoutNote {
                step: ev.action.label_vi(),
                date: d,
                day: self
                    .calendar
                    .day_off_name(d)
                    .map(str::to_string)
                    .unwrap_or_else(|| "ngày nghỉ cuối tuần".to_string()),
            });
        }
        if let Some(last) = s.last_date {
            if d < last {
                return Err(Refusal::DateBeforePrevious {
                    step: ev.action.label_vi(),
                    date: d,
                    previous: last,
                });
            }
        }
        let order = |expected: &'static str| Refusal::OutOfOrder {
            step: ev.action.label_vi(),
            status: st,
            expected,
        };
        match &ev.action {
            Action::Submit => {
                if st != Status::Draft {
                    return Err(order("hồ sơ còn là dự thảo"));
                }
                if !self.facts.basis_chosen {
                    return Err(Refusal::BasisNotChosen);
                }
                if self.facts.basis.decree73() && !self.facts.leader {
                    return Err(Refusal::Decree73NotLeader {
                        basis: self.facts.basis,
                    });
                }
                s.status = Status::Submitted;
            }
            Action::Receive => {
                if st != Status::Submitted {
                    return Err(order("hồ sơ đã được nộp"));
                }
                s.status = Status::Received;
                s.received_on = Some(d);
                s.party_opinion = false;
            }
            Action::PartyOpinion { agree } => match st {
                // Before the vote on the decision, and again before the evaluation.
                Status::Received | Status::ResultsReported => {
                    s.party_opinion = true;
                    s.party_agree = Some(*agree);
                }
                Status::VotePassed | Status::VoteFailed => return Err(Refusal::PartyOpinionAfterVote),
                _ => return Err(order("đã tiếp nhận (trước khi biểu quyết) hoặc đã báo cáo kết quả (trước khi đánh giá)")),
            },
            Action::Vote { votes_for, against, abstain, head_voted, members } => {
                if st != Status::Received {
                    return Err(order("đã tiếp nhận và chưa biểu quyết"));
                }
                if self.config.require_party_opinion && !s.party_opinion {
                    return Err(Refusal::NoPartyOpinionBeforeVote);
                }
                let cast = u64::from(*votes_for) + u64::from(*against) + u64::from(*abstain);
                if cast == 0 {
                    return Err(Refusal::NoVotes);
                }
                // A proposer who is a deputy never votes: the members must be recorded so
                // that the votes can be checked to leave them out.
                if self.facts.proposer_is_deputy && members.is_none() {
                    return Err(Refusal::DeputyProposerWithoutMembers);
                }
                // The members who may vote: all, less the proposer when a deputy.
                let total = match members {
                    Some(m) => {
                        let eligible = u64::from(*m).saturating_sub(u64::from(self.facts.proposer_is_deputy));
                        if cast != eligible {
                            return Err(Refusal::VoteCount {
                                cast,
                                eligible,
                                proposer_is_deputy: self.facts.proposer_is_deputy,
                            });
                        }
                        eligible
                    }
                    None => cast,
                };
                let passed = match (u64::from(*votes_for) * 2).cmp(&total) {
                    std::cmp::Ordering::Greater => true,
                    std::cmp::Ordering::Less => false,
                    std::cmp::Ordering::Equal => match head_voted {
                        Some(Side::For) => true,
                        Some(Side::Against) => false,
                        None => {
                            return Err(Refusal::TieWithoutHead)
                        }
                    },
                };
                s.vote_passed = Some(passed);
                s.status = if passed { Status::VotePassed } else { Status::VoteFailed };
            }
            Action::Approve { pilot, by_head } => {
                let how = match (st, by_head) {
                    (Status::VotePassed, false) => ApprovedBy::Vote,
                    (Status::VoteFailed, true) => ApprovedBy::HeadDecision,
                    (Status::VotePassed, true) => {
                        return Err(Refusal::HeadDecisionAfterPassedVote)
                    }
                    (Status::VoteFailed, false) => {
                        return Err(Refusal::ApprovalAfterFailedVote)
                    }
                    _ => return Err(order("tập thể lãnh đạo đã biểu quyết")),
                };
                if self.config.require_party_opinion && !s.party_opinion {
                    return Err(Refusal::NoPartyOpinionBeforeApproval);
                }
                s.approved_by = Some(how);
                s.against_party = s.party_agree == Some(false);
                s.pilot = *pilot;
                s.status = Status::Approved;
                s.decided_on = Some(d);
            }
            Action::Reject => {
                if !matches!(st, Status::VotePassed | Status::VoteFailed) {
                    return Err(order("tập thể lãnh đạo đã biểu quyết"));
                }
                s.status = Status::Rejected;
                s.decided_on = Some(d);
            }
            Action::Escalate => {
                // The collective leadership (after the Party committee's opinion) decides that
                // a proposal needs the higher authority: after the vote, before the decision.
                if st == Status::Received {
                    return Err(Refusal::EscalationBeforeVote);
                }
                if !matches!(st, Status::VotePassed | Status::VoteFailed) {
                    return Err(order("tập thể lãnh đạo đã biểu quyết và chưa quyết định"));
                }
                s.status = Status::Escalated;
                s.escalated_on = Some(d);
                s.decided_on = Some(d);
            }
            Action::Answer { approve, pilot } => {
                if st != Status::Escalated {
                    return Err(order("đã báo cáo UBND tỉnh xin ý kiến"));
                }
                if *pilot && !*approve {
                    return Err(Refusal::PilotWithoutApproval);
                }
                s.pilot = *pilot;
                s.answer = Some(*approve);
                s.answered_on = Some(d);
                if *approve {
                    s.status = Status::Approved;
                    s.approved_by = Some(ApprovedBy::Province);
                } else {
                    s.status = Status::Rejected;
                }
            }
            Action::Start => {
                if st != Status::Approved {
                    return Err(order("đã được phê duyệt"));
                }
                s.status = Status::Implementing;
                s.started_on = Some(d);
            }
            Action::Suspend => {
                if st != Status::Implementing {
                    return Err(order("đang triển khai"));
                }
                s.status = Status::Suspended;
            }
            Action::Resume => {
                if st != Status::Suspended {
                    return Err(order("đang tạm dừng"));
                }
                s.status = Status::Implementing;
            }
            Action::Terminate => {
                if !matches!(st, Status::Implementing | Status::Suspended) {
                    return Err(order("đang triển khai hoặc tạm dừng"));
                }
                s.status = Status::Terminated;
            }
            Action::ReportResults { finished } => {
                if !matches!(st, Status::Implementing | Status::Terminated) {
                    return Err(order("đang triển khai hoặc đã chấm dứt"));
                }
                let fin = finished.unwrap_or(d);
                if fin > d {
                    return Err(Refusal::FinishedAfterReport);
                }
                if let Some(started) = s.started_on.filter(|st| fin < *st) {
                    return Err(Refusal::FinishedBeforeStart {
                        finished: fin,
                        started,
                    });
                }
                s.finished_on = Some(fin);
                s.reported_on = Some(d);
                s.status = Status::ResultsReported;
                s.party_opinion = false;
            }
            Action::Evaluate { result, damage } => {
                if st != Status::ResultsReported {
                    return Err(order("đã có báo cáo kết quả"));
                }
                if self.config.require_party_opinion && !s.party_opinion {
                    return Err(Refusal::NoPartyOpinionBeforeEvaluation);
                }
                s.evaluation = Some(*result);
                s.damage = *damage;
                s.evaluated_on = Some(d);
                s.status = match result {
                    EvalResult::Completed => Status::Completed,
                    EvalResult::Partly => Status::PartlyCompleted,
                    EvalResult::NotCompleted => Status::NotCompleted,
                };
            }
            Action::Notify => {
                if s.evaluation.is_none() || s.notified_on.is_some() {
                    return Err(order("đã đánh giá và chưa thông báo kết luận"));
                }
                s.notified_on = Some(d);
            }
            Action::Protect { determination } => {
                let Some(result) = s.evaluation else {
                    return Err(order("đã đánh giá kết quả"));
                };
                if s.protection.is_some() {
                    return Err(Refusal::AlreadyProtected);
                }
                // The same table under every basis (docs/domain.md §4.3).
                let expected = match (result, s.damage) {
                    (EvalResult::Completed, _) => Determination::NotLiable,
                    (_, false) => Determination::Excluded,
                    (_, true) => Determination::Considered,
                };
                if *determination != expected {
                    return Err(Refusal::ProtectionAgainstEvaluation {
                        basis: self.facts.basis,
                        result,
                        damage: s.damage,
                        expected,
                        got: *determination,
                    });
                }
                s.protection = Some(*determination);
            }
            Action::Commend { level } => {
                if s.evaluation != Some(EvalResult::Completed) {
                    return Err(order("đề xuất được đánh giá hoàn thành"));
                }
                if s.commendations.contains(level) {
                    return Err(Refusal::AlreadyCommended);
                }
                s.commendations.push(*level);
                if *level == Level::Province {
                    s.province_commendation = Some(Upward {
                        proposed_on: d,
                        opinion: None,
                        decision: None,
                    });
                }
            }
            Action::CommendOpinion { agree } => {
                let Some(up) = s.province_commendation.as_mut() else {
                    return Err(Refusal::NoProvinceCommendation);
                };
                if up.opinion.is_some() {
                    return Err(Refusal::UpwardTwice {
                        step: ev.action.label_vi(),
                    });
                }
                up.opinion = Some((*agree, d));
            }
            Action::CommendDecide { granted } => {
                let Some(up) = s.province_commendation.as_mut() else {
                    return Err(Refusal::NoProvinceCommendation);
                };
                if up.opinion.is_none() {
                    return Err(Refusal::DecisionBeforeOpinion);
                }
                if up.decision.is_some() {
                    return Err(Refusal::UpwardTwice {
                        step: ev.action.label_vi(),
                    });
                }
                up.decision = Some((*granted, d));
            }
            Action::Discipline { measure } => {
                if st == Status::Draft {
                    return Err(order("đã được nộp"));
                }
                if measure.trim().is_empty() {
                    return Err(Refusal::NoDisciplineMeasure);
                }
                s.disciplines.push(measure.clone());
            }
            Action::Resolve { .. } => {
                // Handled before the fold (it selects which events take part).
                return Ok(());
            }
        }
        s.last_date = Some(d);
        Ok(())
    }

    /// Whether `a` does the same thing as `b` (a concurrent duplicate rather than a rival).
    fn same_effect(a: &Event, b: &Event) -> bool {
        a.action == b.action && a.unit == b.unit
    }
}

/// Sorts events into the canonical total order `(seq, at, id)`.
pub fn canonical_order(events: &[Event]) -> Vec<&Event> {
    let mut v: Vec<&Event> = events.iter().collect();
    v.sort_by(|a, b| (a.seq, a.at, &a.id).cmp(&(b.seq, b.at, &b.id)));
    v
}

/// The ids of every event causally before `id` (its ancestors through `prev`).
fn ancestors<'a>(id: &str, by_id: &HashMap<&'a str, &'a Event>) -> BTreeSet<&'a str> {
    let mut out = BTreeSet::new();
    let mut stack: Vec<&str> = by_id
        .get(id)
        .map(|e| e.prev.iter().map(String::as_str).collect())
        .unwrap_or_default();
    while let Some(p) = stack.pop() {
        if let Some(e) = by_id.get(p) {
            if out.insert(e.id.as_str()) {
                stack.extend(e.prev.iter().map(String::as_str));
            }
        }
    }
    out
}

/// The unit whose head decides on a proposal of `facts`, in the structure of today's
/// registry (a proposal not yet submitted).
pub fn deciding_unit(facts: &ProposalFacts, registry: &Registry) -> UnitCode {
    deciding_unit_on(facts, registry, None)
}

/// The unit whose head decides on a proposal of `facts` submitted on `submitted`: the
/// superior of the proposer's unit as it stood that day (a commune's district before
/// 01/07/2025, the province after), the current structure when `None`.
pub fn deciding_unit_on(
    facts: &ProposalFacts,
    registry: &Registry,
    submitted: Option<NaiveDate>,
) -> UnitCode {
    if facts.proposer_is_head {
        let sup = match submitted {
            Some(d) => registry.superior_on(&facts.unit, d),
            None => registry.superior(&facts.unit),
        };
        if let Some(sup) = sup {
            return sup.code.clone();
        }
    }
    facts.unit.clone()
}

/// The day a proposal was first submitted, from its events (and `next`, about to be added).
fn submitted_on<'a>(events: impl IntoIterator<Item = &'a Event>) -> Option<NaiveDate> {
    events
        .into_iter()
        .filter(|e| matches!(e.action, Action::Submit))
        .map(|e| e.date)
        .min()
}

/// Checks whether `unit` may record `action` next, against the current event log: the same
/// rules [`derive`] applies, used by honest clients before writing anything.
pub fn check_next(
    facts: &ProposalFacts,
    events: &[Event],
    next: &Event,
    registry: &Registry,
    calendar: &Calendar,
    config: &WorkflowConfig,
) -> Result<(), Refusal> {
    let ctx = Ctx {
        facts,
        registry,
        calendar,
        config,
        deciding: deciding_unit_on(
            facts,
            registry,
            submitted_on(events.iter().chain(std::iter::once(next))),
        ),
    };
    if let Action::Resolve { keep } = &next.action {
        ctx.authority(&next.unit, &next.action)?;
        let (_, outcomes) = settle(&ctx, events);
        let conflicted = outcomes
            .iter()
            .any(|o| matches!(o.outcome, Outcome::Conflict { .. }));
        let known = outcomes.iter().any(|o| {
            &o.id == keep && matches!(o.outcome, Outcome::Conflict { .. } | Outcome::Applied)
        });
        if !conflicted || !known {
            return Err(Refusal::NothingToResolve);
        }
        return Ok(());
    }
    let (mut f, _) = settle(&ctx, events);
    ctx.apply(&mut f, next)
}

/// Whether the office of `office` may record `event`: only as its own unit. The hub refuses
/// an event naming another unit (`validate`); the client refuses it before writing anything.
pub fn check_office(office: &UnitCode, event: &Event, registry: &Registry) -> Result<(), Refusal> {
    if &event.unit == office {
        return Ok(());
    }
    let name = |code: &UnitCode| {
        registry
            .get(code)
            .map(|u| format!("{} ({})", u.name, code))
            .unwrap_or_else(|| code.to_string())
    };
    Err(Refusal::ActingForAnother {
        acting: name(&event.unit),
        office: name(office),
    })
}

/// The events of the log that the procedure refuses outright (no authority, or not fitting even
/// in their author's own view), with the rule each breaks: what the hub's ingress check refuses
/// among the events pushed to it. Conflicts and duplicates are legitimate and not listed.
pub fn invalid_events(
    facts: &ProposalFacts,
    events: &[Event],
    registry: &Registry,
    calendar: &Calendar,
    config: &WorkflowConfig,
) -> Vec<(String, Refusal)> {
    let ctx = Ctx {
        facts,
        registry,
        calendar,
        config,
        deciding: deciding_unit_on(facts, registry, submitted_on(events)),
    };
    let (_, outcomes) = settle(&ctx, events);
    outcomes
        .into_iter()
        .filter_map(|o| match o.outcome {
            Outcome::Invalid { reason } => Some((o.id, reason)),
            _ => None,
        })
        .collect()
}

/// Runs the fold over `events` (already filtered), returning the final fold and each event's
/// outcome. Events set aside by resolutions must be removed by the caller.
fn run_fold(ctx: &Ctx<'_>, events: &[Event], classify_rejects: bool) -> (Fold, Vec<EventOutcome>) {
    let by_id: HashMap<&str, &Event> = events.iter().map(|e| (e.id.as_str(), e)).collect();
    let order = canonical_order(events);
    let mut s = Fold::new();
    let mut outcomes = Vec::with_capacity(order.len());
    // Which applied event last moved the status, for naming the rival of a conflict.
    let mut applied: Vec<&Event> = Vec::new();
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for ev in order {
        if !seen.insert(ev.id.as_str()) {
            outcomes.push(EventOutcome {
                id: ev.id.clone(),
                outcome: Outcome::Invalid {
                    reason: Refusal::DuplicateId { id: ev.id.clone() },
                },
            });
            continue;
        }
        if matches!(ev.action, Action::Resolve { .. }) {
            let outcome = match ctx.authority(&ev.unit, &ev.action) {
                Ok(()) => Outcome::Applied,
                Err(reason) => Outcome::Invalid { reason },
            };
            outcomes.push(EventOutcome {
                id: ev.id.clone(),
                outcome,
            });
            continue;
        }
        let mut trial = s.clone();
        match ctx.apply(&mut trial, ev) {
            Ok(()) => {
                s = trial;
                applied.push(ev);
                outcomes.push(EventOutcome {
                    id: ev.id.clone(),
                    outcome: Outcome::Applied,
                });
            }
            Err(reason) if classify_rejects => {
                let outcome = classify(ctx, ev, reason, &by_id, &applied);
                outcomes.push(EventOutcome {
                    id: ev.id.clone(),
                    outcome,
                });
            }
            Err(reason) => {
                outcomes.push(EventOutcome {
                    id: ev.id.clone(),
                    outcome: Outcome::Invalid { reason },
                });
            }
        }
    }
    (s, outcomes)
}

/// Decides whether an event that did not fit is invalid, a duplicate or a conflict.
fn classify(
    ctx: &Ctx<'_>,
    ev: &Event,
    reason: Refusal,
    by_id: &HashMap<&str, &Event>,
    applied: &[&Event],
) -> Outcome {
    if ctx.authority(&ev.unit, &ev.action).is_err() {
        return Outcome::Invalid { reason };
    }
    let past = ancestors(&ev.id, by_id);
    // Applied events the author had not seen: its concurrent rivals.
    let rivals: Vec<&&Event> = applied
        .iter()
        .filter(|a| !past.contains(a.id.as_str()))
        .collect();
    if rivals.is_empty() {
        return Outcome::Invalid { reason };
    }
    // Would it have fitted in its author's own view?
    let mut own: Vec<Event> = past
        .iter()
        .filter_map(|id| by_id.get(id).map(|e| (*e).clone()))
        .collect();
    own.retain(|e| !matches!(e.action, Action::Resolve { .. }));
    let (mut view, _) = run_fold(ctx, &own, false);
    if ctx.apply(&mut view, ev).is_err() {
        return Outcome::Invalid { reason };
    }
    if let Some(dup) = rivals.iter().find(|a| Ctx::same_effect(a, ev)) {
        return Outcome::Duplicate { of: dup.id.clone() };
    }
    // Name the earliest concurrent applied event as the rival.
    let with = rivals.first().map(|a| a.id.clone()).unwrap_or_default();
    Outcome::Conflict { with, reason }
}

/// Derives the state of a proposal from its events. Pure: the same inputs give the same state
/// on every replica, whatever order the events were merged in.
pub fn derive(
    facts: &ProposalFacts,
    events: &[Event],
    registry: &Registry,
    calendar: &Calendar,
    config: &WorkflowConfig,
    today: NaiveDate,
) -> ProposalState {
    let ctx = Ctx {
        facts,
        registry,
        calendar,
        config,
        deciding: deciding_unit_on(facts, registry, submitted_on(events)),
    };
    derive_with_ctx(&ctx, events, calendar, today)
}

/// Applies resolutions, then folds the remaining events: the final fold and every event's
/// outcome.
fn settle(ctx: &Ctx<'_>, events: &[Event]) -> (Fold, Vec<EventOutcome>) {
    // Resolutions by a unit with authority set aside the rivals of the event they keep.
    let by_id: HashMap<&str, &Event> = events.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut set_aside: BTreeMap<String, String> = BTreeMap::new();
    for ev in canonical_order(events) {
        if let Action::Resolve { keep } = &ev.action {
            if ctx.authority(&ev.unit, &ev.action).is_err() || !by_id.contains_key(keep.as_str()) {
                continue;
            }
            let seen = ancestors(&ev.id, &by_id);
            if !seen.contains(keep.as_str()) {
                continue;
            }
            let keep_past = ancestors(keep, &by_id);
            // Rivals: events the resolver had seen that are concurrent with `keep` (neither
            // before nor after it); this includes everything built on the rival branch.
            for other in seen.iter() {
                if *other == keep.as_str() || keep_past.contains(other) {
                    continue;
                }
                let other_past = ancestors(other, &by_id);
                if other_past.contains(keep.as_str()) {
                    continue;
                }
                set_aside
                    .entry((*other).to_string())
                    .or_insert_with(|| ev.id.clone());
            }
        }
    }
    let kept: Vec<Event> = events
        .iter()
        .filter(|e| !set_aside.contains_key(&e.id))
        .cloned()
        .collect();
    let (fold, mut outcomes) = run_fold(ctx, &kept, true);
    for (id, by) in &set_aside {
        outcomes.push(EventOutcome {
            id: id.clone(),
            outcome: Outcome::SetAside { by: by.clone() },
        });
    }

    (fold, outcomes)
}

fn derive_with_ctx(
    ctx: &Ctx<'_>,
    events: &[Event],
    calendar: &Calendar,
    today: NaiveDate,
) -> ProposalState {
    let (fold, outcomes) = settle(ctx, events);
    let mut flags: BTreeSet<Flag> = BTreeSet::new();
    match &fold.province_commendation {
        Some(Upward { opinion: None, .. }) => {
            flags.insert(Flag::AwaitingOpinion);
        }
        Some(Upward {
            opinion: Some(_),
            decision: None,
            ..
        }) => {
            flags.insert(Flag::AwaitingDecision);
        }
        _ => {}
    }
    for o in &outcomes {
        match o.outcome {
            Outcome::Invalid { .. } => {
                flags.insert(Flag::InvalidEvent);
            }
            Outcome::Conflict { .. } => {
                flags.insert(Flag::Conflict);
            }
            Outcome::Applied | Outcome::Duplicate { .. } | Outcome::SetAside { .. } => {}
        }
    }

    let c = ctx.config;
    let clocks = [
        (
            Step::Decision,
            fold.received_on,
            Some(c.decision_days),
            fold.decided_on,
        ),
        (
            Step::Answer,
            fold.escalated_on,
            c.answer_days,
            fold.answered_on,
        ),
        (
            Step::ResultsReport,
            fold.finished_on,
            Some(c.report_days),
            fold.reported_on,
        ),
        (
            Step::Evaluation,
            fold.reported_on,
            Some(c.evaluation_days),
            fold.evaluated_on,
        ),
        (
            Step::Notification,
            fold.evaluated_on,
            Some(c.notify_days),
            fold.notified_on,
        ),
    ];
    let deadlines: Vec<Deadline> = clocks
        .into_iter()
        .filter_map(|(step, from, days, done)| {
            let (from, days) = (from?, days?);
            let due = calendar.add_working_days(from, days);
            Some(Deadline {
                step,
                from,
                due,
                done,
                state: ClockState::of(due, done, today),
            })
        })
        .collect();
    if fold.against_party {
        flags.insert(Flag::AgainstPartyOpinion);
    }
    for d in &deadlines {
        match d.state {
            ClockState::Overdue => {
                flags.insert(Flag::Overdue);
            }
            ClockState::Late => {
                flags.insert(Flag::Late);
            }
            ClockState::Open | ClockState::OnTime => {}
        }
    }

    ProposalState {
        status: fold.status,
        deciding_unit: ctx.deciding.clone(),
        received_on: fold.received_on,
        vote_passed: fold.vote_passed,
        approved_by: fold.approved_by,
        pilot: fold.pilot,
        decided_on: fold.decided_on,
        escalated_on: fold.escalated_on,
        answer: fold.answer,
        evaluation: fold.evaluation,
        damage: fold.damage,
        protection: fold.protection,
        commendations: fold.commendations,
        province_commendation: fold.province_commendation,
        disciplines: fold.disciplines,
        deadlines,
        flags: flags.into_iter().collect(),
        events: outcomes,
    }
}
