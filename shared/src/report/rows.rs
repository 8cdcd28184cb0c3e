//! Projection rows: what a report needs of one document, computed once per merge.

use super::Key;
use crate::calendar::Calendar;
use crate::doc::proposal::Proposal;
use crate::doc::unit_year::{ReviewKind, UnitYear};
use crate::ids::UnitCode;
use crate::org::Registry;
use crate::workflow::{
    derive, Action, ApprovedBy, Determination, EvalResult, Flag, Level, Outcome, Status, Step,
    WorkflowConfig,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A proposal's reportable state from some day on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<ApprovedBy>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub pilot: bool,
    /// Whether the proposal was ever escalated to UBND tỉnh.
    #[serde(default, skip_serializing_if = "is_false")]
    pub escalated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<bool>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub conflict: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A clocked step (from the workflow's deadlines).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    pub step: Step,
    pub from: NaiveDate,
    pub due: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done: Option<NaiveDate>,
}

/// An event of interest to reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkKind {
    Escalate,
    Answer,
    EvaluateCompleted,
    EvaluatePartly,
    EvaluateNotCompleted,
    /// An evaluation that found damage (recorded besides its result).
    Damage,
    ProtectNotLiable,
    ProtectExcluded,
    ProtectConsidered,
    CommendUnit,
    CommendProvince,
    /// UBND tỉnh's decision on a province-level commendation: granted / not granted.
    CommendGranted,
    CommendNotGranted,
    Discipline,
}

impl MarkKind {
    /// The stable name, as stored in the hub's event projection.
    pub fn as_str(self) -> &'static str {
        match self {
            MarkKind::Escalate => "escalate",
            MarkKind::Answer => "answer",
            MarkKind::EvaluateCompleted => "evaluate_completed",
            MarkKind::EvaluatePartly => "evaluate_partly",
            MarkKind::EvaluateNotCompleted => "evaluate_not_completed",
            MarkKind::Damage => "damage",
            MarkKind::ProtectNotLiable => "protect_not_liable",
            MarkKind::ProtectExcluded => "protect_excluded",
            MarkKind::ProtectConsidered => "protect_considered",
            MarkKind::CommendUnit => "commend_unit",
            MarkKind::CommendProvince => "commend_province",
            MarkKind::CommendGranted => "commend_granted",
            MarkKind::CommendNotGranted => "commend_not_granted",
            MarkKind::Discipline => "discipline",
        }
    }

    pub fn parse(s: &str) -> Option<MarkKind> {
        MARK_KINDS.into_iter().find(|k| k.as_str() == s)
    }
}

/// One event of interest: its id, day and kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub event: String,
    pub date: NaiveDate,
    pub kind: MarkKind,
}

/// What a report needs of one proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalRow {
    pub id: String,
    pub unit: UnitCode,
    pub title: String,
    pub field: String,
    /// `qd20`, `nd73`, `both`.
    pub basis: Key,
    /// The day the document was created (+07:00).
    pub created: NaiveDate,
    /// The day of the first valid submission.
    pub submitted: Option<NaiveDate>,
    /// The state after each day that had events, in date order (only days that changed it).
    pub timeline: Vec<(NaiveDate, Point)>,
    pub clocks: Vec<Clock>,
    pub marks: Vec<Mark>,
}

use crate::time::day_at as vn_date;

/// A name as a static string when it is one of `names` (no allocation), else owned.
fn known(s: &str, names: &[&'static str]) -> Key {
    names
        .iter()
        .find(|n| **n == s)
        .map_or_else(|| Key::Owned(s.to_string()), |n| Key::Borrowed(n))
}

/// The legal bases' names.
const BASES: [&str; 3] = ["qd20", "nd73", "both"];

fn point(state: &crate::workflow::ProposalState) -> Point {
    Point {
        status: state.status,
        approved_by: state.approved_by,
        pilot: state.pilot,
        escalated: state.escalated_on.is_some(),
        answer: state.answer,
        conflict: state.flags.contains(&Flag::Conflict),
    }
}

impl ProposalRow {
    /// Projects a proposal: derives its state after each day that had events.
    pub fn project(
        p: &Proposal,
        registry: &Registry,
        calendar: &Calendar,
        config: &WorkflowConfig,
    ) -> ProposalRow {
        let facts = p.facts();
        let mut events = p.events.clone();
        events.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.seq.cmp(&b.seq)));
        let mut timeline: Vec<(NaiveDate, Point)> = Vec::new();
        let mut i = 0;
        while i < events.len() {
            let day = events[i].date;
            while i < events.len() && events[i].date == day {
                i += 1;
            }
            let state = derive(&facts, &events[..i], registry, calendar, config, day);
            let pt = point(&state);
            if timeline.last().map(|(_, last)| *last) != Some(pt) {
                timeline.push((day, pt));
            }
        }
        let today = events
            .last()
            .map(|e| e.date)
            .unwrap_or_else(|| vn_date(p.created_at));
        let state = derive(&facts, &events, registry, calendar, config, today);
        let by_id: HashMap<&str, &crate::workflow::Event> =
            events.iter().map(|e| (e.id.as_str(), e)).collect();
        let mut marks = Vec::new();
        let mut submitted = None;
        for o in &state.events {
            if o.outcome != Outcome::Applied {
                continue;
            }
            let Some(e) = by_id.get(o.id.as_str()) else {
                continue;
            };
            let mut mark = |kind| {
                marks.push(Mark {
                    event: e.id.clone(),
                    date: e.date,
                    kind,
                })
            };
            match &e.action {
                Action::Submit => {
                    submitted = Some(submitted.map_or(e.date, |s: NaiveDate| s.min(e.date)));
                }
                Action::Escalate => mark(MarkKind::Escalate),
                Action::Answer { .. } => mark(MarkKind::Answer),
                Action::Evaluate { result, damage } => {
                    mark(match result {
                        EvalResult::Completed => MarkKind::EvaluateCompleted,
                        EvalResult::Partly => MarkKind::EvaluatePartly,
                        EvalResult::NotCompleted => MarkKind::EvaluateNotCompleted,
                    });
                    if *damage {
                        mark(MarkKind::Damage);
                    }
                }
                Action::Protect { determination } => mark(match determination {
                    Determination::NotLiable => MarkKind::ProtectNotLiable,
                    Determination::Excluded => MarkKind::ProtectExcluded,
                    Determination::Considered => MarkKind::ProtectConsidered,
                }),
                Action::Commend { level } => mark(match level {
                    Level::Unit => MarkKind::CommendUnit,
                    Level::Province => MarkKind::CommendProvince,
                }),
                Action::CommendDecide { granted } => mark(if *granted {
                    MarkKind::CommendGranted
                } else {
                    MarkKind::CommendNotGranted
                }),
                Action::Discipline { .. } => mark(MarkKind::Discipline),
                _ => {}
            }
        }
        marks.sort_by(|a, b| (a.date, a.kind, &a.event).cmp(&(b.date, b.kind, &b.event)));
        let clocks = state
            .deadlines
            .iter()
            .map(|d| Clock {
                step: d.step,
                from: d.from,
                due: d.due,
                done: d.done,
            })
            .collect();
        ProposalRow {
            id: p.id.to_string(),
            unit: p.unit.clone(),
            title: p.title.clone(),
            field: p.field.trim().to_string(),
            basis: Key::Borrowed(p.basis.as_str()),
            created: vn_date(p.created_at),
            submitted,
            timeline,
            clocks,
            marks,
        }
    }

    /// The state at the end of `day`; `None` when nothing had happened yet (a draft).
    pub fn at(&self, day: NaiveDate) -> Option<Point> {
        let n = self.timeline.partition_point(|(d, _)| *d <= day);
        n.checked_sub(1).map(|i| self.timeline[i].1)
    }

    /// The latest day with events.
    pub fn last_day(&self) -> Option<NaiveDate> {
        self.timeline.last().map(|(d, _)| *d)
    }
}

/// What a report needs of one unit-year record: the dates of each duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitYearRow {
    pub id: String,
    pub unit: UnitCode,
    pub year: i32,
    /// The unit's plan: number/symbol and date.
    pub plan: Option<(String, NaiveDate)>,
    pub dissemination: Vec<NaiveDate>,
    pub self_inspections: Vec<NaiveDate>,
    pub reviews: Vec<(NaiveDate, bool)>,
    /// Commendation records: day, level, and the proposal they reward, if any.
    pub commendations: Vec<(NaiveDate, Level, Option<String>)>,
    /// Discipline the unit decided itself.
    pub disciplines: Vec<NaiveDate>,
    pub inspections: Vec<NaiveDate>,
    /// Later issues of the plan: number and day.
    #[serde(default)]
    pub plan_revisions: Vec<(String, NaiveDate)>,
    /// Discipline proposed to UBND tỉnh through Sở Nội vụ.
    #[serde(default)]
    pub discipline_proposals: Vec<NaiveDate>,
    /// UBND tỉnh's decisions on the unit's proposals sent upward: day, whether about a
    /// commendation (else a discipline), whether granted.
    #[serde(default)]
    pub decisions: Vec<(NaiveDate, bool, bool)>,
}

impl UnitYearRow {
    pub fn project(r: &UnitYear) -> UnitYearRow {
        let dates = |v: Vec<NaiveDate>| {
            let mut v = v;
            v.sort();
            v
        };
        UnitYearRow {
            id: r.id.to_string(),
            unit: r.unit.clone(),
            year: r.year,
            plan: r.plan.as_ref().map(|p| (p.number.clone(), p.date)),
            dissemination: dates(r.dissemination.iter().map(|x| x.date).collect()),
            self_inspections: dates(r.self_inspections.iter().map(|x| x.date).collect()),
            reviews: {
                let mut v: Vec<(NaiveDate, bool)> = r
                    .reviews
                    .iter()
                    .map(|x| (x.date, x.kind == ReviewKind::Final))
                    .collect();
                v.sort();
                v
            },
            commendations: {
                let mut v: Vec<_> = r
                    .commendations
                    .iter()
                    .map(|x| (x.date, x.level, x.proposal.as_ref().map(|p| p.to_string())))
                    .collect();
                v.sort_by(|a, b| (a.0, a.1.as_str(), &a.2).cmp(&(b.0, b.1.as_str(), &b.2)));
                v
            },
            disciplines: dates(
                r.disciplines
                    .iter()
                    .filter(|x| x.level == Level::Unit)
                    .map(|x| x.date)
                    .collect(),
            ),
            inspections: dates(r.inspections.iter().map(|x| x.date).collect()),
            plan_revisions: r
                .plan_revisions
                .iter()
                .map(|x| (x.number.clone(), x.date))
                .collect(),
            discipline_proposals: dates(
                r.disciplines
                    .iter()
                    .filter(|x| x.level == Level::Province)
                    .map(|x| x.date)
                    .collect(),
            ),
            decisions: {
                let decided = |steps: &[crate::doc::unit_year::Upward], commendation: bool| {
                    steps
                        .iter()
                        .filter(|s| s.stage == crate::doc::unit_year::UpwardStage::Decision)
                        .map(|s| (s.date, commendation, s.agree))
                        .collect::<Vec<_>>()
                };
                let mut v = decided(&r.commendation_steps, true);
                v.extend(decided(&r.discipline_steps, false));
                v.sort();
                v
            },
        }
    }

    /// Whether any of the unit's duty records, or an inspection of the unit, is dated within
    /// `[from, to]`: the unit's data was brought up to date in the period.
    pub fn recorded_within(&self, from: NaiveDate, to: NaiveDate) -> bool {
        let within = |d: &NaiveDate| from <= *d && *d <= to;
        self.plan.as_ref().is_some_and(|(_, d)| within(d))
            || self.dissemination.iter().any(within)
            || self.self_inspections.iter().any(within)
            || self.reviews.iter().any(|(d, _)| within(d))
            || self.commendations.iter().any(|(d, _, _)| within(d))
            || self.disciplines.iter().any(within)
            || self.inspections.iter().any(within)
            || self.plan_revisions.iter().any(|(_, d)| within(d))
            || self.discipline_proposals.iter().any(within)
            || self.decisions.iter().any(|(d, _, _)| within(d))
    }
}

// ---------------------------------------------------------------------------------------------
// Compact binary form of a proposal row (the hub's `proj_proposal.row`): a province report
// reads every row, so decoding must cost well under a microsecond; JSON took ten.
// ---------------------------------------------------------------------------------------------

const CODEC_VERSION: u8 = 1;
const NO_DAY: i32 = i32::MIN;

fn day_num(d: NaiveDate) -> i32 {
    chrono::Datelike::num_days_from_ce(&d)
}

fn num_day(n: i32) -> Option<NaiveDate> {
    (n != NO_DAY).then(|| NaiveDate::from_num_days_from_ce_opt(n))?
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn len(&mut self, n: usize) {
        let mut n = n as u64;
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.0.push(b);
                return;
            }
            self.0.push(b | 0x80);
        }
    }
    fn day(&mut self, d: Option<NaiveDate>) {
        self.0
            .extend_from_slice(&d.map_or(NO_DAY, day_num).to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("hàng số liệu bị cắt cụt".into());
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn len(&mut self) -> Result<usize, String> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return usize::try_from(n).map_err(|e| e.to_string());
            }
        }
        Err("độ dài không hợp lệ".into())
    }
    fn day(&mut self) -> Result<Option<NaiveDate>, String> {
        let b = self.take(4)?;
        Ok(num_day(i32::from_le_bytes([b[0], b[1], b[2], b[3]])))
    }
    fn req_day(&mut self) -> Result<NaiveDate, String> {
        self.day()?.ok_or_else(|| "thiếu ngày".to_string())
    }
    fn str(&mut self) -> Result<String, String> {
        Ok(self.slice()?.to_string())
    }
    fn slice(&mut self) -> Result<&'a str, String> {
        let n = self.len()?;
        std::str::from_utf8(self.take(n)?).map_err(|e| e.to_string())
    }
    fn key(&mut self, names: &[&'static str]) -> Result<Key, String> {
        Ok(known(self.slice()?, names))
    }
}

const MARK_KINDS: [MarkKind; 14] = [
    MarkKind::Escalate,
    MarkKind::Answer,
    MarkKind::EvaluateCompleted,
    MarkKind::EvaluatePartly,
    MarkKind::EvaluateNotCompleted,
    MarkKind::Damage,
    MarkKind::ProtectNotLiable,
    MarkKind::ProtectExcluded,
    MarkKind::ProtectConsidered,
    MarkKind::CommendUnit,
    MarkKind::CommendProvince,
    MarkKind::CommendGranted,
    MarkKind::CommendNotGranted,
    MarkKind::Discipline,
];

impl ProposalRow {
    /// The compact binary form (see [`ProposalRow::decode`]).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(128 + self.title.len()));
        w.u8(CODEC_VERSION);
        for s in [
            self.id.as_str(),
            self.unit.as_str(),
            self.title.as_str(),
            self.field.as_str(),
            self.basis.as_ref(),
        ] {
            w.str(s);
        }
        w.day(Some(self.created));
        w.day(self.submitted);
        w.len(self.timeline.len());
        for (d, p) in &self.timeline {
            w.day(Some(*d));
            w.u8(Status::ALL.iter().position(|s| *s == p.status).unwrap_or(0) as u8);
            let flags = u8::from(p.pilot)
                | u8::from(p.escalated) << 1
                | u8::from(p.conflict) << 2
                | u8::from(p.answer.is_some()) << 3
                | u8::from(p.answer == Some(true)) << 4;
            w.u8(flags);
            w.u8(match p.approved_by {
                None => 0,
                Some(ApprovedBy::Vote) => 1,
                Some(ApprovedBy::HeadDecision) => 2,
                Some(ApprovedBy::Province) => 3,
            });
        }
        w.len(self.clocks.len());
        for c in &self.clocks {
            w.str(c.step.as_str());
            w.day(Some(c.from));
            w.day(Some(c.due));
            w.day(c.done);
        }
        w.len(self.marks.len());
        for m in &self.marks {
            w.day(Some(m.date));
            w.u8(MARK_KINDS.iter().position(|k| *k == m.kind).unwrap_or(0) as u8);
            // Event ids live in `proj_event`; reports do not need them here.
            w.str("");
        }
        w.0
    }

    /// Reads the form [`ProposalRow::encode`] writes.
    pub fn decode(bytes: &[u8]) -> Result<ProposalRow, String> {
        let mut r = Reader(bytes);
        let v = r.u8()?;
        if v != CODEC_VERSION {
            return Err(format!(
                "phiên bản hàng số liệu {v} không biết; chạy `doimoi-hub reindex`"
            ));
        }
        let id = r.str()?;
        let unit = UnitCode::parse(&r.str()?).map_err(|e| e.to_string())?;
        let (title, field, basis) = (r.str()?, r.str()?, r.key(&BASES)?);
        let created = r.req_day()?;
        let submitted = r.day()?;
        let n = r.len()?;
        let mut timeline = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            let d = r.req_day()?;
            let status = *Status::ALL
                .get(usize::from(r.u8()?))
                .ok_or("trạng thái không hợp lệ")?;
            let flags = r.u8()?;
            let approved_by = match r.u8()? {
                0 => None,
                1 => Some(ApprovedBy::Vote),
                2 => Some(ApprovedBy::HeadDecision),
                3 => Some(ApprovedBy::Province),
                _ => return Err("cách phê duyệt không hợp lệ".into()),
            };
            if timeline
                .last()
                .is_some_and(|(prev, _): &(NaiveDate, Point)| *prev >= d)
            {
                return Err("các mốc trạng thái không theo thứ tự ngày".into());
            }
            timeline.push((
                d,
                Point {
                    status,
                    approved_by,
                    pilot: flags & 1 != 0,
                    escalated: flags & 2 != 0,
                    conflict: flags & 4 != 0,
                    answer: (flags & 8 != 0).then_some(flags & 16 != 0),
                },
            ));
        }
        let n = r.len()?;
        let mut clocks = Vec::with_capacity(n.min(16));
        for _ in 0..n {
            clocks.push(Clock {
                step: Step::parse(r.slice()?).ok_or("bước có thời hạn không biết")?,
                from: r.req_day()?,
                due: r.req_day()?,
                done: r.day()?,
            });
        }
        let n = r.len()?;
        let mut marks = Vec::with_capacity(n.min(16));
        for _ in 0..n {
            let date = r.req_day()?;
            let kind = *MARK_KINDS
                .get(usize::from(r.u8()?))
                .ok_or("loại sự kiện không hợp lệ")?;
            marks.push(Mark {
                event: r.str()?,
                date,
                kind,
            });
        }
        if !r.0.is_empty() {
            return Err("hàng số liệu có dữ liệu thừa".into());
        }
        Ok(ProposalRow {
            id,
            unit,
            title,
            field,
            basis,
            created,
            submitted,
            timeline,
            clocks,
            marks,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binary_form_reads_back_what_was_written() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let row = ProposalRow {
            id: "0123456789abcdef0123456789abcdef".into(),
            unit: UnitCode::parse("20335").expect("code"),
            title: "Số hóa hồ sơ một cửa".into(),
            field: "Cải cách hành chính".into(),
            basis: Key::Borrowed("nd73"),
            created: d("2024-02-29"),
            submitted: Some(d("2024-03-01")),
            timeline: vec![
                (
                    d("2024-03-01"),
                    Point {
                        status: Status::Submitted,
                        approved_by: None,
                        pilot: false,
                        escalated: false,
                        answer: None,
                        conflict: false,
                    },
                ),
                (
                    d("2024-03-20"),
                    Point {
                        status: Status::Approved,
                        approved_by: Some(ApprovedBy::Province),
                        pilot: true,
                        escalated: true,
                        answer: Some(true),
                        conflict: true,
                    },
                ),
            ],
            clocks: vec![Clock {
                step: Step::Decision,
                from: d("2024-03-04"),
                due: d("2024-03-13"),
                done: None,
            }],
            marks: vec![Mark {
                event: "abc".into(),
                date: d("2024-03-06"),
                kind: MarkKind::CommendProvince,
            }],
        };
        let bytes = row.encode();
        // Event ids are not kept in the binary form.
        let mut want = row.clone();
        want.marks[0].event.clear();
        assert_eq!(ProposalRow::decode(&bytes), Ok(want));
        for cut in 0..bytes.len() {
            assert!(ProposalRow::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }
}
