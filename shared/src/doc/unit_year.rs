//! The unit-year record: one per (unit, year), holding the plan's duties (docs/domain.md §3) —
//! dissemination sessions, the unit's own implementation plan, self-inspections, preliminary and
//! final reviews, commendations, discipline, and Sở Nội vụ inspections of the unit.
//!
//! Its id is derived from (unit, year) ([`DocId::unit_year`]) and its first change is
//! deterministic (a fixed actor derived from the id, time 0), so two devices that each create
//! the record offline produce the very same first change and merge without hiding each other's
//! containers.

use super::{
    commit, expect_kind, get_i64, get_obj, get_str, push_record, put_record, read_records,
    record_json, DocError, DocKind, SCHEMA_VERSION,
};
use crate::ids::{DocId, UnitCode};
use crate::text::nfc;
use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ObjType, ReadDoc, ROOT};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The lists of a unit-year record. The names are the `doimoi duty` subcommands' record kinds.
pub const LISTS: [&str; 6] = [
    "dissemination",
    "self_inspections",
    "reviews",
    "commendations",
    "disciplines",
    "inspections",
];

/// A session disseminating the regulation to cadres (deadline 31/07/2023).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dissemination {
    pub id: String,
    pub date: NaiveDate,
    /// Conference, document, online…
    pub form: String,
    #[serde(default)]
    pub participants: u32,
    #[serde(default)]
    pub note: String,
    pub at: i64,
}

/// The unit's own implementation plan as first issued (number/symbol and date; deadline
/// 31/07/2023). It is written once: a plan issued again is a [`PlanRevision`], so the first
/// issue (on time or late) stays what it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub number: String,
    pub date: NaiveDate,
    #[serde(default)]
    pub note: String,
}

/// A later issue of the unit's plan (amended, supplemented or replaced), kept beside the
/// first issue, never over it. Stored in the `plan` map under `rev-<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRevision {
    pub id: String,
    pub number: String,
    pub date: NaiveDate,
    #[serde(default)]
    pub note: String,
    pub at: i64,
}

/// The prefix of a revision's key in the `plan` map.
pub const REVISION_PREFIX: &str = "rev-";

/// The keys of the plan's first issue in the `plan` map (written once).
pub const PLAN_KEYS: [&str; 3] = ["number", "date", "note"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfInspection {
    pub id: String,
    pub date: NaiveDate,
    #[serde(default)]
    pub findings: String,
    /// Report number/symbol sent to UBND tỉnh via Sở Nội vụ.
    #[serde(default)]
    pub report: String,
    pub at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewKind {
    /// Sơ kết.
    Preliminary,
    /// Tổng kết.
    Final,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub id: String,
    pub kind: ReviewKind,
    pub date: NaiveDate,
    #[serde(default)]
    pub form: String,
    #[serde(default)]
    pub report: String,
    pub at: i64,
}

/// A commendation the unit decided itself (`level` unit), or one it proposes to the Chairman
/// of UBND tỉnh through Sở Nội vụ (`level` province): that one is only a proposal until UBND
/// tỉnh's [`Upward`] decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commendation {
    pub id: String,
    pub person: String,
    /// The proposal it rewards, when there is one.
    #[serde(default)]
    pub proposal: Option<DocId>,
    /// Praise, certificate of merit, early salary step…
    pub form: String,
    pub level: crate::workflow::Level,
    pub date: NaiveDate,
    pub at: i64,
}

/// Discipline the unit decided itself (`level` unit), or a violation by a cadre the provincial
/// Standing Committee manages, reported and proposed to UBND tỉnh through Sở Nội vụ (`level`
/// province: `measure` is the measure proposed, decided by UBND tỉnh's [`Upward`] decision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discipline {
    pub id: String,
    /// The organisation or person disciplined.
    pub subject: String,
    pub violation: String,
    pub measure: String,
    #[serde(default)]
    pub level: crate::workflow::Level,
    pub date: NaiveDate,
    pub at: i64,
}

/// The step of a proposal sent upward that another unit takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpwardStage {
    /// Sở Nội vụ receives the proposal and gives its opinion.
    Opinion,
    /// UBND tỉnh (its Chairman) decides.
    Decision,
}

impl UpwardStage {
    pub fn label_vi(self) -> &'static str {
        match self {
            UpwardStage::Opinion => "Sở Nội vụ tiếp nhận, cho ý kiến",
            UpwardStage::Decision => "UBND tỉnh quyết định",
        }
    }
}

/// Sở Nội vụ's opinion on, or UBND tỉnh's decision about, a unit's province-level commendation
/// or discipline proposal (`of`, a record of the same list). Written by that body into the
/// unit's record, beside the proposal it answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upward {
    pub id: String,
    pub stage: UpwardStage,
    /// The id of the proposing record (same list).
    pub of: String,
    /// Sở Nội vụ (opinion) or UBND tỉnh (decision).
    pub by_unit: UnitCode,
    /// Opinion: agrees with the proposal. Decision: commends / disciplines as proposed.
    pub agree: bool,
    /// The document's number and symbol.
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub note: String,
    pub date: NaiveDate,
    pub at: i64,
}

/// A Sở Nội vụ inspection of this unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspection {
    pub id: String,
    pub date: NaiveDate,
    /// The inspecting unit (normally Sở Nội vụ).
    pub by_unit: UnitCode,
    #[serde(default)]
    pub findings: String,
    #[serde(default)]
    pub recommendations: String,
    pub at: i64,
}

/// The day Quy định số 20-QĐ/TU was issued (01/07/2023): nothing could disseminate it before.
pub const REGULATION_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2023, 7, 1) {
    Some(d) => d,
    None => panic!("valid date"),
};

fn dmy(d: &NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Why a duty record cannot be what it says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryRefusal {
    #[error(
        "ngày phổ biến ({}) trước ngày ban hành Quy định số 20-QĐ/TU ngày 01/7/2023 của Ban Thường vụ Tỉnh ủy: không thể phổ biến một quy định chưa có",
        dmy(date)
    )]
    DisseminationBeforeRegulation { date: NaiveDate },
    #[error(
        "kế hoạch ban hành lại ngày {} trước ngày ban hành lần đầu ({}): ngày ban hành lại phải từ ngày ban hành lần đầu trở về sau",
        dmy(date),
        dmy(first)
    )]
    RevisionBeforePlan { date: NaiveDate, first: NaiveDate },
    #[error("bản ghi thiếu thông tin bắt buộc hoặc sai dạng, phần mềm không đọc được")]
    Unreadable,
    #[error("chưa có kế hoạch ban hành lần đầu để ghi bản ban hành lại")]
    RevisionWithoutPlan,
    #[error("không có đề nghị mã {of} trong hồ sơ nhiệm vụ này")]
    UpwardUnknown { of: String },
    #[error(
        "đề nghị mã {of} là việc của đơn vị (cấp đơn vị), không trình UBND tỉnh: chỉ đề nghị cấp tỉnh mới qua Sở Nội vụ để UBND tỉnh quyết định"
    )]
    UpwardNotProvince { of: String },
    #[error("chỉ Sở Nội vụ tiếp nhận và cho ý kiến về đề nghị trình UBND tỉnh")]
    OpinionNotHomeAffairs,
    #[error("chỉ UBND tỉnh (Chủ tịch UBND tỉnh) quyết định đề nghị trình qua Sở Nội vụ")]
    DecisionNotProvince,
    #[error(
        "Sở Nội vụ chưa cho ý kiến về đề nghị mã {of}: đề nghị trình Chủ tịch UBND tỉnh qua Sở Nội vụ, nên UBND tỉnh quyết định sau khi có ý kiến của Sở Nội vụ"
    )]
    DecisionWithoutOpinion { of: String },
    #[error("đề nghị mã {of} đã có bước \"{}\" ngày {}; không ghi lần thứ hai", stage.label_vi(), dmy(date))]
    UpwardTwice {
        of: String,
        stage: UpwardStage,
        date: NaiveDate,
    },
    #[error(
        "ngày {} trước ngày của bước trước ({}): {} không thể trước đề nghị hay ý kiến nó trả lời",
        dmy(date),
        dmy(before),
        stage.label_vi()
    )]
    UpwardBeforePrevious {
        stage: UpwardStage,
        date: NaiveDate,
        before: NaiveDate,
    },
}

/// Checks a record on its own, before it is written (the client) or accepted (the hub's
/// ingress check); [`check_entry_in`] adds the checks against the record it joins.
pub fn check_entry(entry: &Entry) -> Result<(), EntryRefusal> {
    match entry {
        Entry::Dissemination(x) if x.date < REGULATION_DATE => {
            Err(EntryRefusal::DisseminationBeforeRegulation { date: x.date })
        }
        _ => Ok(()),
    }
}

/// Checks `entry` against the record `uy` it joins (which may already hold it: a record is
/// never compared with itself) and the kind of unit writing it (`office_kind`).
pub fn check_entry_in(
    uy: &UnitYear,
    entry: &Entry,
    office_kind: Option<crate::org::UnitKind>,
) -> Result<(), EntryRefusal> {
    use crate::org::UnitKind;
    check_entry(entry)?;
    match entry {
        Entry::PlanRevision(r) => {
            let first = uy.plan.as_ref().ok_or(EntryRefusal::RevisionWithoutPlan)?;
            if r.date < first.date {
                return Err(EntryRefusal::RevisionBeforePlan {
                    date: r.date,
                    first: first.date,
                });
            }
            Ok(())
        }
        Entry::CommendationStep(x) | Entry::DisciplineStep(x) => {
            let (proposed, steps) = match entry {
                Entry::CommendationStep(_) => (
                    uy.commendations
                        .iter()
                        .find(|c| c.id == x.of)
                        .map(|c| (c.level, c.date)),
                    &uy.commendation_steps,
                ),
                _ => (
                    uy.disciplines
                        .iter()
                        .find(|c| c.id == x.of)
                        .map(|c| (c.level, c.date)),
                    &uy.discipline_steps,
                ),
            };
            let (level, proposed_on) =
                proposed.ok_or_else(|| EntryRefusal::UpwardUnknown { of: x.of.clone() })?;
            if level != crate::workflow::Level::Province {
                return Err(EntryRefusal::UpwardNotProvince { of: x.of.clone() });
            }
            let others = || steps.iter().filter(|s| s.of == x.of && s.id != x.id);
            if let Some(s) = others().find(|s| s.stage == x.stage) {
                return Err(EntryRefusal::UpwardTwice {
                    of: x.of.clone(),
                    stage: x.stage,
                    date: s.date,
                });
            }
            let before = match x.stage {
                UpwardStage::Opinion => {
                    if office_kind != Some(UnitKind::HomeAffairs) {
                        return Err(EntryRefusal::OpinionNotHomeAffairs);
                    }
                    proposed_on
                }
                UpwardStage::Decision => {
                    if office_kind != Some(UnitKind::Province) {
                        return Err(EntryRefusal::DecisionNotProvince);
                    }
                    others()
                        .find(|s| s.stage == UpwardStage::Opinion)
                        .map(|s| s.date)
                        .ok_or_else(|| EntryRefusal::DecisionWithoutOpinion { of: x.of.clone() })?
                }
            };
            if x.date < before {
                return Err(EntryRefusal::UpwardBeforePrevious {
                    stage: x.stage,
                    date: x.date,
                    before,
                });
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// One record to append to a unit-year document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Dissemination(Dissemination),
    SelfInspection(SelfInspection),
    Review(Review),
    Commendation(Commendation),
    Discipline(Discipline),
    Inspection(Inspection),
    /// A later issue of the plan (kept in the `plan` map, not a list).
    PlanRevision(PlanRevision),
    /// Sở Nội vụ's opinion or UBND tỉnh's decision on a province-level commendation.
    CommendationStep(Upward),
    /// Sở Nội vụ's opinion or UBND tỉnh's decision on a province-level discipline proposal.
    DisciplineStep(Upward),
}

impl Entry {
    /// The record's id.
    pub fn id(&self) -> &str {
        match self {
            Entry::Dissemination(x) => &x.id,
            Entry::SelfInspection(x) => &x.id,
            Entry::Review(x) => &x.id,
            Entry::Commendation(x) => &x.id,
            Entry::Discipline(x) => &x.id,
            Entry::Inspection(x) => &x.id,
            Entry::PlanRevision(x) => &x.id,
            Entry::CommendationStep(x) | Entry::DisciplineStep(x) => &x.id,
        }
    }

    fn list(&self) -> &'static str {
        match self {
            Entry::Dissemination(_) => "dissemination",
            Entry::SelfInspection(_) => "self_inspections",
            Entry::Review(_) => "reviews",
            Entry::Commendation(_) | Entry::CommendationStep(_) => "commendations",
            Entry::Discipline(_) | Entry::DisciplineStep(_) => "disciplines",
            Entry::Inspection(_) => "inspections",
            Entry::PlanRevision(_) => "plan",
        }
    }
    fn at(&self) -> i64 {
        match self {
            Entry::Dissemination(x) => x.at,
            Entry::SelfInspection(x) => x.at,
            Entry::Review(x) => x.at,
            Entry::Commendation(x) => x.at,
            Entry::Discipline(x) => x.at,
            Entry::Inspection(x) => x.at,
            Entry::PlanRevision(x) => x.at,
            Entry::CommendationStep(x) | Entry::DisciplineStep(x) => x.at,
        }
    }
}

/// Everything a unit-year record holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitYear {
    pub id: DocId,
    pub unit: UnitCode,
    pub year: i32,
    /// The plan as first issued.
    pub plan: Option<Plan>,
    /// Later issues of the plan, oldest first.
    pub plan_revisions: Vec<PlanRevision>,
    pub dissemination: Vec<Dissemination>,
    pub self_inspections: Vec<SelfInspection>,
    pub reviews: Vec<Review>,
    pub commendations: Vec<Commendation>,
    /// Sở Nội vụ's opinions and UBND tỉnh's decisions on province-level commendations.
    pub commendation_steps: Vec<Upward>,
    pub disciplines: Vec<Discipline>,
    /// Sở Nội vụ's opinions and UBND tỉnh's decisions on province-level discipline proposals.
    pub discipline_steps: Vec<Upward>,
    pub inspections: Vec<Inspection>,
    /// Records that could not be read (newer client or tampering).
    pub unreadable: Vec<String>,
}

/// The fixed actor of a unit-year record's first change.
fn genesis_actor(id: &DocId) -> ActorId {
    let mut b = [0u8; 16];
    for (i, chunk) in id.as_str().as_bytes().chunks(2).take(16).enumerate() {
        let s = std::str::from_utf8(chunk).unwrap_or("00");
        b[i] = u8::from_str_radix(s, 16).unwrap_or(0);
    }
    ActorId::from(b)
}

/// Creates the record with its deterministic first change, then switches to `actor`.
pub fn create(actor: ActorId, unit: &UnitCode, year: i32) -> Result<Automerge, DocError> {
    let id = DocId::unit_year(unit, year);
    let mut doc = Automerge::new().with_actor(genesis_actor(&id));
    doc.transact_with::<_, _, DocError, _>(
        |_| commit("unit-year.create", unit.as_str(), 0),
        |tx| {
            tx.put(ROOT, "schema", SCHEMA_VERSION)?;
            tx.put(ROOT, "kind", "unit_year")?;
            tx.put(ROOT, "id", id.as_str())?;
            tx.put(ROOT, "unit", unit.as_str())?;
            tx.put(ROOT, "year", i64::from(year))?;
            tx.put_object(ROOT, "plan", ObjType::Map)?;
            for key in LISTS {
                tx.put_object(ROOT, key, ObjType::List)?;
            }
            Ok(())
        },
    )
    .map_err(|f| f.error)?;
    doc.set_actor(actor);
    Ok(doc)
}

/// What [`issue_plan`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanIssued {
    /// The plan's first issue.
    First,
    /// A revision: the n-th later issue (1-based).
    Revision(usize),
}

/// Records an issue of the unit's plan: the first issue when there is none yet, otherwise a
/// revision beside it (checked with [`check_entry_in`]: not dated before the first issue).
pub fn issue_plan(
    doc: &mut Automerge,
    plan: &Plan,
    id: &str,
    unit: &UnitCode,
    now_ms: i64,
) -> Result<Result<PlanIssued, EntryRefusal>, DocError> {
    let uy = read(doc)?;
    if uy.plan.is_none() {
        set_plan(doc, plan, unit, now_ms)?;
        return Ok(Ok(PlanIssued::First));
    }
    let entry = Entry::PlanRevision(PlanRevision {
        id: id.to_string(),
        number: plan.number.clone(),
        date: plan.date,
        note: plan.note.clone(),
        at: now_ms,
    });
    if let Err(refusal) = check_entry_in(&uy, &entry, None) {
        return Ok(Err(refusal));
    }
    add(doc, &entry, unit)?;
    Ok(Ok(PlanIssued::Revision(uy.plan_revisions.len() + 1)))
}

/// Writes the plan's first issue (the `plan` map's own keys). Use [`issue_plan`]: the hub
/// refuses a second write of these keys.
pub fn set_plan(
    doc: &mut Automerge,
    plan: &Plan,
    unit: &UnitCode,
    now_ms: i64,
) -> Result<(), DocError> {
    expect_kind(doc, DocKind::UnitYear)?;
    doc.transact_with::<_, _, DocError, _>(
        |_| commit("unit-year.plan", unit.as_str(), now_ms),
        |tx| {
            let map = get_obj(tx, &ROOT, "plan", ObjType::Map)?;
            crate::limits::check("number", &plan.number)?;
            crate::limits::check("note", &plan.note)?;
            tx.put(&map, "number", nfc(plan.number.trim()))?;
            tx.put(&map, "date", plan.date.to_string())?;
            tx.put(&map, "note", nfc(plan.note.trim()))?;
            Ok(())
        },
    )
    .map_err(|f| f.error)?;
    Ok(())
}

/// Appends one record as one change.
pub fn add(doc: &mut Automerge, entry: &Entry, unit: &UnitCode) -> Result<(), DocError> {
    expect_kind(doc, DocKind::UnitYear)?;
    doc.transact_with::<_, _, DocError, _>(
        |_| {
            commit(
                &format!("unit-year.{}", entry.list()),
                unit.as_str(),
                entry.at(),
            )
        },
        |tx| {
            if let Entry::PlanRevision(x) = entry {
                let map = get_obj(tx, &ROOT, "plan", ObjType::Map)?;
                let rev =
                    tx.put_object(&map, format!("{REVISION_PREFIX}{}", x.id), ObjType::Map)?;
                return put_record(tx, &rev, x);
            }
            let list = get_obj(tx, &ROOT, entry.list(), ObjType::List)?;
            match entry {
                Entry::Dissemination(x) => push_record(tx, &list, x),
                Entry::SelfInspection(x) => push_record(tx, &list, x),
                Entry::Review(x) => push_record(tx, &list, x),
                Entry::Commendation(x) => push_record(tx, &list, x),
                Entry::Discipline(x) => push_record(tx, &list, x),
                Entry::Inspection(x) => push_record(tx, &list, x),
                Entry::CommendationStep(x) | Entry::DisciplineStep(x) => push_record(tx, &list, x),
                Entry::PlanRevision(_) => Ok(()),
            }
        },
    )
    .map_err(|f| f.error)?;
    Ok(())
}

/// The records of a list holding a unit's own records (`T`) and the upward steps answering
/// them ([`Upward`], told apart by their `stage`).
fn split_upward<T: serde::de::DeserializeOwned>(
    rows: Vec<Result<serde_json::Value, String>>,
    unreadable: &mut Vec<String>,
) -> (Vec<T>, Vec<Upward>) {
    let (mut own, mut steps) = (Vec::new(), Vec::new());
    for row in rows {
        let parsed = row.and_then(|v| {
            if v.get("stage").is_some() {
                serde_json::from_value::<Upward>(v)
                    .map(|x| steps.push(x))
                    .map_err(|e| e.to_string())
            } else {
                serde_json::from_value::<T>(v)
                    .map(|x| own.push(x))
                    .map_err(|e| e.to_string())
            }
        });
        if let Err(e) = parsed {
            unreadable.push(e);
        }
    }
    (own, steps)
}

/// The plan's revisions (maps under `rev-…` keys of the plan map), oldest first.
fn plan_revisions<D: ReadDoc>(
    doc: &D,
    plan: &automerge::ObjId,
    unreadable: &mut Vec<String>,
) -> Result<Vec<PlanRevision>, DocError> {
    let keys: Vec<String> = doc
        .map_range(plan, ..)
        .filter(|i| i.key.starts_with(REVISION_PREFIX))
        .map(|i| i.key.to_string())
        .collect();
    let mut out = Vec::new();
    for key in keys {
        let rev = get_obj(doc, plan, &key, ObjType::Map)?;
        match serde_json::from_value::<PlanRevision>(record_json(doc, &rev)?) {
            Ok(r) => out.push(r),
            Err(e) => unreadable.push(format!("plan.{key}: {e}")),
        }
    }
    out.sort_by(|a, b| (a.date, a.at, &a.id).cmp(&(b.date, b.at, &b.id)));
    Ok(out)
}

fn collect<T>(rows: Vec<Result<T, String>>, unreadable: &mut Vec<String>) -> Vec<T> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        match r {
            Ok(x) => out.push(x),
            Err(e) => unreadable.push(e),
        }
    }
    out
}

pub fn read<D: ReadDoc>(doc: &D) -> Result<UnitYear, DocError> {
    expect_kind(doc, DocKind::UnitYear)?;
    let id = DocId::parse(&get_str(doc, &ROOT, "id")?.unwrap_or_default())
        .map_err(|e| DocError::Corrupt(e.to_string()))?;
    let unit = UnitCode::parse(&get_str(doc, &ROOT, "unit")?.unwrap_or_default())
        .map_err(|e| DocError::Corrupt(e.to_string()))?;
    let year = get_i64(doc, &ROOT, "year")?
        .and_then(|y| i32::try_from(y).ok())
        .ok_or_else(|| DocError::Corrupt("thiếu năm".into()))?;
    let plan_obj = get_obj(doc, &ROOT, "plan", ObjType::Map)?;
    let plan = match (
        get_str(doc, &plan_obj, "number")?,
        get_str(doc, &plan_obj, "date")?,
    ) {
        (Some(number), Some(date)) => {
            NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                .ok()
                .map(|date| Plan {
                    number,
                    date,
                    note: get_str(doc, &plan_obj, "note")
                        .ok()
                        .flatten()
                        .unwrap_or_default(),
                })
        }
        _ => None,
    };
    let mut unreadable = Vec::new();
    let plan_revisions = plan_revisions(doc, &plan_obj, &mut unreadable)?;
    let (commendations, commendation_steps) =
        split_upward(read_records(doc, &ROOT, "commendations")?, &mut unreadable);
    let (disciplines, discipline_steps) =
        split_upward(read_records(doc, &ROOT, "disciplines")?, &mut unreadable);
    Ok(UnitYear {
        id,
        unit,
        year,
        plan,
        plan_revisions,
        commendations,
        commendation_steps,
        disciplines,
        discipline_steps,
        dissemination: collect(read_records(doc, &ROOT, "dissemination")?, &mut unreadable),
        self_inspections: collect(
            read_records(doc, &ROOT, "self_inspections")?,
            &mut unreadable,
        ),
        reviews: collect(read_records(doc, &ROOT, "reviews")?, &mut unreadable),
        inspections: collect(read_records(doc, &ROOT, "inspections")?, &mut unreadable),
        unreadable,
    })
}
