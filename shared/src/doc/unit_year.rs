//! The unit-year record: one per (unit, year), holding the plan's duties (docs/domain.md §3) —
//! dissemination sessions, the unit's own implementation plan, self-inspections, preliminary and
//! final reviews, commendations, discipline, and Sở Nội vụ inspections of the unit.
//!
//! Its id is derived from (unit, year) ([`DocId::unit_year`]) and its first change is
//! deterministic (a fixed actor derived from the id, time 0), so two devices that each create
//! the record offline produce the very same first change and merge without hiding each other's
//! containers.

use super::{
    commit, expect_kind, get_i64, get_obj, get_str, push_record, read_records, DocError, DocKind,
    SCHEMA_VERSION,
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

/// The unit's own implementation plan (number/symbol and date; deadline 31/07/2023).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub number: String,
    pub date: NaiveDate,
    #[serde(default)]
    pub note: String,
}

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discipline {
    pub id: String,
    /// The organisation or person disciplined.
    pub subject: String,
    pub violation: String,
    pub measure: String,
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

/// Why a duty record cannot be what it says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryRefusal {
    #[error(
        "ngày phổ biến ({}) trước ngày ban hành Quy định số 20-QĐ/TU ngày 01/7/2023 của Ban Thường vụ Tỉnh ủy: không thể phổ biến một quy định chưa có",
        date.format("%d/%m/%Y")
    )]
    DisseminationBeforeRegulation { date: NaiveDate },
}

/// Checks a record before it is written (the client) or accepted (the hub's ingress check).
pub fn check_entry(entry: &Entry) -> Result<(), EntryRefusal> {
    match entry {
        Entry::Dissemination(x) if x.date < REGULATION_DATE => {
            Err(EntryRefusal::DisseminationBeforeRegulation { date: x.date })
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
}

impl Entry {
    fn list(&self) -> &'static str {
        match self {
            Entry::Dissemination(_) => "dissemination",
            Entry::SelfInspection(_) => "self_inspections",
            Entry::Review(_) => "reviews",
            Entry::Commendation(_) => "commendations",
            Entry::Discipline(_) => "disciplines",
            Entry::Inspection(_) => "inspections",
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
        }
    }
}

/// Everything a unit-year record holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitYear {
    pub id: DocId,
    pub unit: UnitCode,
    pub year: i32,
    pub plan: Option<Plan>,
    pub dissemination: Vec<Dissemination>,
    pub self_inspections: Vec<SelfInspection>,
    pub reviews: Vec<Review>,
    pub commendations: Vec<Commendation>,
    pub disciplines: Vec<Discipline>,
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

/// Sets (or corrects) the unit's implementation plan.
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
            let list = get_obj(tx, &ROOT, entry.list(), ObjType::List)?;
            match entry {
                Entry::Dissemination(x) => push_record(tx, &list, x),
                Entry::SelfInspection(x) => push_record(tx, &list, x),
                Entry::Review(x) => push_record(tx, &list, x),
                Entry::Commendation(x) => push_record(tx, &list, x),
                Entry::Discipline(x) => push_record(tx, &list, x),
                Entry::Inspection(x) => push_record(tx, &list, x),
            }
        },
    )
    .map_err(|f| f.error)?;
    Ok(())
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
    Ok(UnitYear {
        id,
        unit,
        year,
        plan,
        dissemination: collect(read_records(doc, &ROOT, "dissemination")?, &mut unreadable),
        self_inspections: collect(
            read_records(doc, &ROOT, "self_inspections")?,
            &mut unreadable,
        ),
        reviews: collect(read_records(doc, &ROOT, "reviews")?, &mut unreadable),
        commendations: collect(read_records(doc, &ROOT, "commendations")?, &mut unreadable),
        disciplines: collect(read_records(doc, &ROOT, "disciplines")?, &mut unreadable),
        inspections: collect(read_records(doc, &ROOT, "inspections")?, &mut unreadable),
        unreadable,
    })
}
