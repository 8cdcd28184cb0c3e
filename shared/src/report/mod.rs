//! The consolidated report Sở Nội vụ sends to UBND tỉnh (docs/domain.md §7).
//!
//! Three parts, all pure:
//! - [`Period`]: Decree 09/2019 reporting periods (year 15/12–14/12, six months, quarter) and
//!   plain date ranges.
//! - The projection rows ([`ProposalRow`], [`UnitYearRow`]): what the hub keeps per document
//!   in its projection tables, updated with every merge. A row holds the proposal's state
//!   *over time* (the state after each day that had events), its clocked steps and its events of
//!   interest, so a report for any cut-off date is computed from rows alone.
//! - [`build`]: rows + registry + period + cut-off → [`Report`], per unit (rolled up along
//!   lineage and the hierarchy) and in total. The same inputs give the same report, in the same
//!   order, every time.
//!
//! Counting rules (stated once here, and in the report's own notes):
//! - "Proposals" are those submitted within the period up to the cut-off; their status is the
//!   status at the cut-off. Proposals submitted before the period and still open when it began
//!   are counted apart as carried over. Drafts never submitted are counted apart too.
//! - Activities (evaluations, protection determinations, commendations, discipline,
//!   self-inspections, inspections, reviews) count when their date falls within the period, up to
//!   the cut-off, whichever proposal they belong to.
//! - A clocked step counts in the period its clock started in; at the cut-off it is on time,
//!   late, open (due date not passed) or overdue.
//! - Lists (escalations awaiting UBND tỉnh, overdue steps, conflicts) show every proposal in
//!   scope as it stood at the cut-off.

mod build;
mod period;
mod rows;

pub use build::{build, duty_deadline, row_units};
pub use period::{parse_date, Period, PeriodKind};
pub use rows::{Clock, Mark, MarkKind, Point, ProposalRow, UnitYearRow};

use crate::ids::UnitCode;
use crate::org::UnitKind;
use crate::workflow::{EvalResult, Status, Step};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A figure's key: a status, step or result name (static), or a field as recorded.
pub type Key = Cow<'static, str>;

/// The plan's deadline for dissemination and the units' own plans (docs/domain.md §3).
pub const DUTY_DEADLINE: NaiveDate = match NaiveDate::from_ymd_opt(2023, 7, 31) {
    Some(d) => d,
    None => panic!("valid date"),
};

/// Days a unit created after [`DUTY_DEADLINE`] (a 2025 commune) has for the same duties.
pub const NEW_UNIT_DUTY_DAYS: i64 = 30;

/// Why a report cannot be made. Messages reach the user: Vietnamese, saying what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("Kỳ báo cáo \"{0}\" không hợp lệ. Dùng: 2024 (năm, 15/12/2023–14/12/2024), 2024-6T hoặc 2024-H1 (6 tháng đầu năm), 2024-H2, 2024-Q1…2024-Q4 (quý), hoặc khoảng ngày 2024-01-01..2024-12-31.")]
    Period(String),
    #[error("Ngày \"{0}\" không hợp lệ; ghi theo dạng YYYY-MM-DD, ví dụ 2024-12-14.")]
    Date(String),
    #[error("Đơn vị {0} không có trong danh mục đơn vị; xem `doimoi org show`.")]
    UnknownUnit(UnitCode),
    #[error("Ngày \"tính đến\" {as_of} trước ngày bắt đầu kỳ báo cáo {start}; chọn ngày trong hoặc sau kỳ.")]
    AsOfBeforePeriod { as_of: NaiveDate, start: NaiveDate },
}

/// A unit as the report names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRef {
    pub code: UnitCode,
    pub name: String,
}

/// The period as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodOut {
    /// The canonical spelling (`2024`, `2024-H1`, `2024-Q3`, `2024-01-01..2024-03-31`).
    pub code: String,
    /// Vietnamese wording ("năm 2024", "6 tháng đầu năm 2024", …).
    pub label: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// How approvals came about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approvals {
    /// Approved by the collective vote and the head's decision.
    pub by_vote: u64,
    /// Approved by the head's written decision after a failed vote.
    pub by_head_decision: u64,
    /// Approved by UBND tỉnh's answer to an escalation.
    pub by_province: u64,
    /// Of all approved, approved as a pilot.
    pub pilot: u64,
}

/// Escalations to UBND tỉnh (via Sở Nội vụ): those sent in the period and the answers given
/// in it (whenever the proposal was submitted), and those still unanswered at the cut-off
/// (whenever they were sent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalations {
    pub total: u64,
    pub answered: u64,
    pub pending: u64,
}

/// One clocked step's timeliness.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeliness {
    pub on_time: u64,
    pub late: u64,
    pub open: u64,
    pub overdue: u64,
}

/// Protection determinations (Decree 73 Art. 11–12 and the provincial regulation).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protection {
    /// Completed: not held liable.
    pub not_liable: u64,
    /// Not or partly completed, right policy, no damage: liability excluded.
    pub excluded: u64,
    /// With damage: considered for exclusion, exemption or reduction.
    pub considered: u64,
}

/// Commendations: at unit level, and proposed to the provincial chairman.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commendations {
    pub unit_level: u64,
    pub proposed_to_province: u64,
    /// Decided by the Chairman of UBND tỉnh in the period: commended.
    #[serde(default)]
    pub granted_by_province: u64,
    /// Decided by the Chairman of UBND tỉnh in the period: not commended.
    #[serde(default)]
    pub not_granted_by_province: u64,
}

/// Discipline of cadres the provincial Standing Committee manages: proposed to UBND tỉnh
/// through Sở Nội vụ, and decided by UBND tỉnh.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisciplinesUpward {
    pub proposed_to_province: u64,
    pub decided_by_province: u64,
    /// UBND tỉnh decided not to apply the proposed measure.
    pub not_applied_by_province: u64,
}

/// Preliminary and final reviews (sơ kết, tổng kết).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reviews {
    pub preliminary: u64,
    #[serde(rename = "final")]
    pub final_: u64,
}

/// A one-off duty (dissemination, the unit's plan) across units.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutyCount {
    /// Units that must do it.
    pub units: u64,
    pub on_time: u64,
    pub late: u64,
    pub not_done: u64,
}

/// Units that recorded their yearly duties in the period, out of those that had to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completeness {
    pub expected: u64,
    pub reported: u64,
}

/// Proposals submitted before the period and still open when it began.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarriedOver {
    pub proposals: u64,
    /// Status at the cut-off.
    pub by_status: BTreeMap<Status, u64>,
}

/// Every figure of the report, for one unit, one subtree or the whole scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// Proposals submitted in the period (up to the cut-off).
    pub proposals: u64,
    /// Their status at the cut-off: status (named as `doimoi proposal show` names it) → count;
    /// every status a submitted proposal can have is present, zeros included.
    pub by_status: BTreeMap<Status, u64>,
    pub approved: Approvals,
    pub escalations: Escalations,
    /// Field (lĩnh vực) → count; "(chưa ghi)" when not recorded.
    pub by_field: BTreeMap<String, u64>,
    /// Legal basis (`qd20`, `nd73`, `both`) → count.
    pub by_basis: BTreeMap<Key, u64>,
    pub carried_over: CarriedOver,
    /// Drafts created but never submitted by the cut-off (not part of `proposals`).
    pub drafts: u64,
    /// Clocked step (`decision`, `answer`, `results_report`, `evaluation`, `notification`) →
    /// timeliness of the clocks started in the period.
    pub timeliness: BTreeMap<Step, Timeliness>,
    /// Evaluations in the period: `completed`, `partly`, `not-completed` → count.
    pub evaluations: BTreeMap<EvalResult, u64>,
    /// Evaluations in the period that found damage.
    pub evaluations_with_damage: u64,
    pub protection: Protection,
    pub commendations: Commendations,
    /// Discipline decided in the period by the units themselves.
    pub disciplines: u64,
    #[serde(default)]
    pub disciplines_upward: DisciplinesUpward,
    pub self_inspections: u64,
    /// Inspections by Sở Nội vụ.
    pub inspections: u64,
    pub reviews: Reviews,
    pub dissemination: DutyCount,
    pub plans: DutyCount,
    pub completeness: Completeness,
}

/// A one-off duty of one unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutyStatus {
    pub done: bool,
    pub date: Option<NaiveDate>,
    pub deadline: NaiveDate,
    pub on_time: bool,
    /// The plan's number and symbol (plans only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Later issues of the plan, by the cut-off: number and day (plans only). The status above
    /// is the first issue's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<(String, NaiveDate)>,
}

impl DutyStatus {
    /// The plan's number, followed by its later issues: "12/KH-UBND; ban hành lại: 15/KH-UBND
    /// ngày 02/3/2024".
    pub fn number_text(&self) -> String {
        let mut s = self.number.clone().unwrap_or_default();
        if !self.revisions.is_empty() {
            let revs: Vec<String> = self
                .revisions
                .iter()
                .map(|(n, d)| format!("{n} ngày {}", d.format("%d/%m/%Y")))
                .collect();
            s.push_str(&format!("; ban hành lại: {}", revs.join("; ")));
        }
        s
    }
}

/// One unit's line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitReport {
    pub code: UnitCode,
    pub name: String,
    pub kind: UnitKind,
    pub parent: Option<UnitCode>,
    /// Depth below the report's scope unit (0 = the scope unit).
    pub depth: u32,
    /// Units whose data rolls into this one (ceased and merged into it, by lineage).
    pub merged_from: Vec<UnitCode>,
    /// This unit's own figures (with what rolled into it by lineage).
    #[serde(flatten)]
    pub figures: Figures,
    /// Whether the unit has the plan's duties (every unit but UBND tỉnh).
    pub has_duties: bool,
    /// Whether, when and how timely the unit disseminated the regulation (`figures.dissemination`
    /// counts the same as 0/1 for sums).
    pub disseminated: Option<DutyStatus>,
    pub plan: Option<DutyStatus>,
    /// Recorded its yearly duties in the period.
    pub reported: bool,
    /// The unit and every unit under it, for units that have units under them in the report.
    pub subtree: Option<Box<Figures>>,
    /// The unit's last day, when it ceased before the period's end and the registry names no
    /// unit that continues it: its records keep a line of their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceased: Option<NaiveDate>,
    /// Why the registry cannot place this line's records (the unit is not in the registry): the
    /// line stands for them so that nothing is left out of the figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unplaced: Option<String>,
}

impl UnitReport {
    /// The unit's name as a report shows it, with what a reader must know about the line (a
    /// unit that ceased, records the registry cannot place).
    pub fn display_name(&self) -> String {
        match (&self.unplaced, self.ceased) {
            (Some(why), _) => format!("{} ({why})", self.name),
            (None, Some(last)) => format!(
                "{} (đã thôi hoạt động từ ngày {})",
                self.name,
                last.succ_opt().unwrap_or(last).format("%d/%m/%Y")
            ),
            (None, None) => self.name.clone(),
        }
    }
}

/// A proposal named in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListItem {
    pub id: String,
    pub title: String,
    /// The unit it is reported under.
    pub unit: UnitCode,
    pub unit_name: String,
    pub status: String,
    /// The step concerned (overdue items), or empty.
    pub step: String,
    /// Escalated on (escalations), due date (overdue steps), or empty.
    pub date: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lists {
    pub escalations_pending: Vec<ListItem>,
    pub overdue: Vec<ListItem>,
    pub conflicts: Vec<ListItem>,
}

/// The two readings of "as of D".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AsOfMode {
    /// "As known on D": the documents as the hub had received them by the end of D, and
    /// what they record up to D. Reproducible: later arrivals never change it.
    Received,
    /// "As happened by D": every record the hub holds today, counted by the dates written on
    /// it up to D, whatever day it arrived.
    Happened,
}

impl AsOfMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AsOfMode::Received => "received",
            AsOfMode::Happened => "happened",
        }
    }

    /// `received` (default when empty) or `happened`.
    pub fn parse(s: &str) -> Result<AsOfMode, String> {
        match s.trim() {
            "" | "received" => Ok(AsOfMode::Received),
            "happened" => Ok(AsOfMode::Happened),
            other => Err(format!(
                "Cách tính \"{other}\" không hợp lệ: dùng received (theo số liệu máy chủ đã nhận đến ngày chốt) hoặc happened (theo ngày ghi trên hồ sơ)."
            )),
        }
    }

    /// How the report says which reading it is.
    pub fn label(self) -> &'static str {
        match self {
            AsOfMode::Received => "theo số liệu máy chủ đã nhận đến hết ngày đó",
            AsOfMode::Happened => "theo ngày ghi trên hồ sơ, kể cả hồ sơ máy chủ nhận sau ngày đó",
        }
    }
}

/// The first note of a report: the days it counts, and how "as of" reads the records.
pub(crate) fn cutoff_note(start: NaiveDate, cutoff: NaiveDate, mode: Option<AsOfMode>) -> String {
    let fmt = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
    format!(
        "Số liệu tính từ ngày {} đến hết ngày {}{}.",
        fmt(start),
        fmt(cutoff),
        mode.map_or(String::new(), |m| format!(" {}", m.label()))
    )
}

impl Report {
    /// Marks the report as read in `mode` (the builder assumes [`AsOfMode::Received`]); no
    /// effect without an as-of date.
    pub fn set_as_of_mode(&mut self, mode: AsOfMode) {
        if self.as_of.is_none() {
            return;
        }
        self.as_of_mode = Some(mode);
        let start = self.period.start;
        if let Some(first) = self.notes.first_mut() {
            *first = cutoff_note(start, self.cutoff, Some(mode));
        }
    }
}

/// The consolidated report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// One-line summary, as the document's title.
    pub title: String,
    pub period: PeriodOut,
    /// The "as of" date asked for, if any.
    pub as_of: Option<NaiveDate>,
    /// How `as_of` reads the records: what the hub had received by then, or what the records
    /// say had happened by then whenever it arrived. `None` without `as_of`.
    #[serde(default)]
    pub as_of_mode: Option<AsOfMode>,
    /// The day the figures stand at: the period's end, or the as-of date when earlier.
    pub cutoff: NaiveDate,
    /// The unit the report covers (the province, a district, one unit).
    pub scope: UnitRef,
    pub scope_kind: UnitKind,
    /// The province and Sở Nội vụ, for the document's header blocks.
    pub province: UnitRef,
    pub home_affairs: Option<UnitRef>,
    pub totals: Figures,
    /// Every unit in scope that existed in the period, in registry order, after lineage
    /// roll-up.
    pub units: Vec<UnitReport>,
    pub lists: Lists,
    /// The counting rules, in Vietnamese, for the reader.
    pub notes: Vec<String>,
}

/// Labels for the figures, shared by every format.
pub mod labels {
    use crate::workflow::{EvalResult, Step};

    /// Vietnamese label of a clocked step, the form for reports.
    pub fn step(step: Step) -> &'static str {
        match step {
            Step::Decision => "Quyết định phê duyệt (7 ngày làm việc)",
            Step::Answer => "UBND tỉnh trả lời",
            Step::ResultsReport => "Báo cáo kết quả (5 ngày làm việc)",
            Step::Evaluation => "Đánh giá kết quả (7 ngày làm việc)",
            Step::Notification => "Thông báo kết luận (3 ngày làm việc)",
        }
    }

    /// Vietnamese label of a legal basis.
    pub fn basis(b: &str) -> &'static str {
        match b {
            "qd20" => "Quy định 20-QĐ/TU",
            "nd73" => "Nghị định 73/2023/NĐ-CP",
            "both" => "Cả hai",
            _ => "",
        }
    }

    /// Vietnamese label of an evaluation result.
    pub fn evaluation(e: EvalResult) -> &'static str {
        match e {
            EvalResult::Completed => "Hoàn thành",
            EvalResult::Partly => "Hoàn thành một phần",
            EvalResult::NotCompleted => "Không hoàn thành",
        }
    }
}
