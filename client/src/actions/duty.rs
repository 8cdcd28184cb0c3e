//! The unit's yearly duties (docs/domain.md §3), kept in unit-year records: what `doimoi duty`
//! records and shows, and what the web app's "Nhiệm vụ của đơn vị" screen does.

use crate::app::App;
use crate::error::CliError;
use chrono::{Datelike, NaiveDate};
use doimoi_shared::doc::unit_year::{self, Entry, Plan, PlanIssued, UnitYear, Upward, UpwardStage};
use doimoi_shared::ids::{DocId, UnitCode};
use doimoi_shared::org::UnitKind;
use doimoi_shared::workflow::Level;

/// The plan's deadline for dissemination and the unit's own plan.
pub fn plan_deadline() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 7, 31).unwrap_or_default()
}

/// The deadline of `unit`'s one-off duties: 31/07/2023, or 30 days after its creation for a
/// unit created later (a commune of 01/07/2025: 31/07/2025), as the report counts it.
pub fn deadline_of(app: &App, unit: &UnitCode) -> NaiveDate {
    app.registry
        .get(unit)
        .map(doimoi_shared::report::duty_deadline)
        .unwrap_or_else(plan_deadline)
}

/// "đúng hạn (31/07/2023)" or "sau hạn 31/07/2023": a one-off duty done on `d` against
/// `deadline`.
pub fn timeliness(d: NaiveDate, deadline: NaiveDate) -> String {
    let dl = deadline.format("%d/%m/%Y");
    if d <= deadline {
        format!("đúng hạn ({dl})")
    } else {
        format!("sau hạn {dl}")
    }
}

/// Where a duty record goes: the unit's record of a year, and the day it happened.
pub struct Target {
    pub unit: UnitCode,
    pub year: i32,
    pub date: NaiveDate,
}

/// Checks the day (not in the future) and the year (the day's, unless given), for `unit`
/// (this office's unit when `None`).
pub fn target(
    app: &App,
    date: NaiveDate,
    year: Option<i32>,
    unit: Option<UnitCode>,
) -> Result<Target, CliError> {
    if date > app.today {
        return Err(CliError::Usage(format!(
            "Ngày {} (--date) chưa đến: chỉ ghi việc đã diễn ra (hôm nay là ngày {}).",
            date.format("%d/%m/%Y"),
            app.today.format("%d/%m/%Y")
        )));
    }
    let year = year.unwrap_or_else(|| date.year());
    if !(2000..=2100).contains(&year) {
        return Err(CliError::Usage(format!("--year {year} không hợp lệ.")));
    }
    Ok(Target {
        unit: unit.unwrap_or_else(|| app.unit.clone()),
        year,
        date,
    })
}

/// Only Sở Nội vụ records its inspections of units.
pub fn check_inspector(app: &App) -> Result<(), CliError> {
    let me = app.registry.get(&app.unit).map(|u| u.kind);
    if me != Some(UnitKind::HomeAffairs) {
        return Err(CliError::Refused(
            "Chỉ Sở Nội vụ ghi kết quả kiểm tra các đơn vị. Đơn vị tự kiểm tra thì dùng `doimoi duty self-inspect`."
                .into(),
        ));
    }
    Ok(())
}

/// One thing to write into a unit-year record.
pub enum Change {
    Plan(Plan),
    Entry(Entry),
}

/// A duty written: the record after it, what to tell the person (a plan re-issued, a
/// proposal sent upward), and the plan's revision number when it was a re-issue.
pub struct Recorded {
    pub uy: UnitYear,
    pub done: String,
    pub revision: Option<usize>,
}

/// Writes `change` into the record of `tg` (created when missing), after the record's rules:
/// a plan is issued (a second one is a revision beside the first), an entry is checked
/// against the record (or alone, in a new record) before it is added.
pub fn record(app: &mut App, tg: &Target, change: &Change) -> Result<Recorded, CliError> {
    let (mut doc, existed) = app.unit_year_doc(&tg.unit, tg.year)?;
    let before = existed.then(|| doc.get_heads());
    let me = app.unit.clone();
    let refused = |r: unit_year::EntryRefusal| CliError::Refused(format!("Không ghi được: {r}."));
    let mut done = String::new();
    let mut revision = None;
    match &change {
        Change::Plan(p) => {
            match unit_year::issue_plan(&mut doc, p, &App::new_event_id(), &me, app.now_ms)?
                .map_err(refused)?
            {
                PlanIssued::First => done = " Đây là kế hoạch ban hành lần đầu.".into(),
                PlanIssued::Revision(n) => {
                    revision = Some(n);
                    if let Some(first) = unit_year::read(&doc)?.plan {
                        done = format!(
                        " Đã ghi là bản ban hành lại (lần {}); kế hoạch ban hành lần đầu số {} ngày {} được giữ nguyên.",
                        n + 1,
                        first.number,
                        first.date.format("%d/%m/%Y")
                    );
                    }
                }
            }
        }
        Change::Entry(e) => {
            let office_kind = app.registry.get(&me).map(|u| u.kind);
            if existed {
                unit_year::check_entry_in(&unit_year::read(&doc)?, e, office_kind)
                    .map_err(refused)?;
            } else {
                unit_year::check_entry(e).map_err(refused)?;
            }
            done = match e {
                Entry::Commendation(c) if c.level == Level::Province => {
                    format!(" Đề nghị mã {} chờ Sở Nội vụ cho ý kiến, trình Chủ tịch UBND tỉnh quyết định.", c.id)
                }
                Entry::Discipline(c) if c.level == Level::Province => {
                    format!(
                        " Đề nghị mã {} chờ Sở Nội vụ cho ý kiến, trình UBND tỉnh quyết định.",
                        c.id
                    )
                }
                _ => String::new(),
            };
            unit_year::add(&mut doc, e, &me)?
        }
    }
    let uy = app.save_unit_year(&doc, before.as_deref())?;
    Ok(Recorded { uy, done, revision })
}

/// The unit-year records of `unit` (of `year`, or every year), as stored here.
pub fn records(app: &App, unit: &UnitCode, year: Option<i32>) -> Result<Vec<UnitYear>, CliError> {
    let mut records: Vec<UnitYear> = Vec::new();
    for (id, u, _) in app.store.unit_year_ids(year)? {
        if u != unit.as_str() {
            continue;
        }
        let id = DocId::parse(&id).map_err(|e| CliError::Usage(e.to_string()))?;
        if let Some((_, doc)) = app.store.load_doc(&id, &app.actor)? {
            records.push(unit_year::read(&doc)?);
        }
    }
    Ok(records)
}

/// The duties of this office's unit that nothing records yet: the one-off dissemination and
/// plan (any year), and this year's self-inspection. UBND tỉnh has none of these duties.
pub fn missing(app: &App) -> Result<Vec<String>, CliError> {
    let kind = app.registry.get(&app.unit).map(|u| u.kind);
    if matches!(kind, Some(UnitKind::Province) | None) {
        return Ok(Vec::new());
    }
    let year = app.today.year();
    let all = records(app, &app.unit, None)?;
    let mut out = Vec::new();
    if all.iter().all(|r| r.dissemination.is_empty()) {
        out.push(format!(
            "Quán triệt, phổ biến Quy định 20-QĐ/TU (hạn {}): chưa ghi",
            deadline_of(app, &app.unit).format("%d/%m/%Y")
        ));
    }
    if all.iter().all(|r| r.plan.is_none()) {
        out.push(format!(
            "Kế hoạch thực hiện của đơn vị (hạn {}): chưa ghi",
            deadline_of(app, &app.unit).format("%d/%m/%Y")
        ));
    }
    if !all
        .iter()
        .any(|r| r.year == year && !r.self_inspections.is_empty())
    {
        out.push(format!("Tự kiểm tra năm {year}: chưa ghi"));
    }
    Ok(out)
}

/// Which step of a proposal sent upward this office takes: Sở Nội vụ gives its opinion, UBND
/// tỉnh decides; other offices take none.
pub fn upward_stage(app: &App) -> Option<UpwardStage> {
    match app.registry.get(&app.unit).map(|u| u.kind) {
        Some(UnitKind::HomeAffairs) => Some(UpwardStage::Opinion),
        Some(UnitKind::Province) => Some(UpwardStage::Decision),
        _ => None,
    }
}

/// Sở Nội vụ's opinion (`stage` Opinion) or UBND tỉnh's decision on the proposal `of` (a
/// province-level commendation or discipline record) of `unit`, dated `date`: what to write and
/// where. The record's year is the proposal's own, found among the unit's records when `year`
/// is not given.
#[allow(clippy::too_many_arguments)]
pub fn upward(
    app: &App,
    unit: &UnitCode,
    of: &str,
    year: Option<i32>,
    date: NaiveDate,
    stage: UpwardStage,
    agree: bool,
    number: &str,
    note: &str,
) -> Result<(Target, Change), CliError> {
    let mut tg = target(app, date, year, Some(unit.clone()))?;
    let of = of.trim().to_string();
    if year.is_none() {
        // The proposal answered may be of an earlier year than the answer: its record's year.
        for r in records(app, unit, None)? {
            if r.commendations.iter().any(|c| c.id == of)
                || r.disciplines.iter().any(|c| c.id == of)
            {
                tg.year = r.year;
                break;
            }
        }
    }
    let (doc, existed) = app.unit_year_doc(&tg.unit, tg.year)?;
    let uy = unit_year::read(&doc)?;
    let commendation = uy.commendations.iter().any(|c| c.id == of);
    let discipline = uy.disciplines.iter().any(|c| c.id == of);
    if !existed || !(commendation || discipline) {
        return Err(CliError::Usage(format!(
            "Không có đề nghị mã {of} trong hồ sơ nhiệm vụ năm {} của {}: xem mã bằng `doimoi duty show --unit {} --year {}` (nếu chưa thấy, hãy đồng bộ trước).",
            tg.year,
            app.unit_label(&tg.unit),
            tg.unit,
            tg.year
        )));
    }
    let x = Upward {
        id: App::new_event_id(),
        stage,
        of,
        by_unit: app.unit.clone(),
        agree,
        number: doimoi_shared::text::nfc(number.trim()),
        note: doimoi_shared::text::nfc(note.trim()),
        date: tg.date,
        at: app.now_ms,
    };
    let e = if commendation {
        Entry::CommendationStep(x)
    } else {
        Entry::DisciplineStep(x)
    };
    Ok((tg, Change::Entry(e)))
}

/// A province-level proposal of a unit waiting for this office's step (Sở Nội vụ's opinion,
/// or UBND tỉnh's decision after it).
pub struct Awaiting {
    pub unit: UnitCode,
    pub year: i32,
    pub of: String,
    pub commendation: bool,
    /// Who or what, and the form or measure proposed.
    pub what: String,
    pub proposed_on: NaiveDate,
    /// Sở Nội vụ's opinion (agrees, day), for UBND tỉnh.
    pub opinion: Option<(bool, NaiveDate)>,
}

/// The proposals sent upward that wait for this office's step, oldest first (empty for offices
/// that take none).
pub fn awaiting_upward(app: &App) -> Result<Vec<Awaiting>, CliError> {
    let Some(stage) = upward_stage(app) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (id, _, _) in app.store.unit_year_ids(None)? {
        let id = DocId::parse(&id).map_err(|e| CliError::Usage(e.to_string()))?;
        let Some((_, doc)) = app.store.load_doc(&id, &app.actor)? else {
            continue;
        };
        let r = unit_year::read(&doc)?;
        let mut push = |of: &str, commendation: bool, what: String, date, steps: &[Upward]| {
            let has = |st| steps.iter().find(|s| s.of == of && s.stage == st);
            let opinion = has(UpwardStage::Opinion).map(|s| (s.agree, s.date));
            let waiting = match stage {
                UpwardStage::Opinion => opinion.is_none(),
                UpwardStage::Decision => opinion.is_some() && has(UpwardStage::Decision).is_none(),
            };
            if waiting {
                out.push(Awaiting {
                    unit: r.unit.clone(),
                    year: r.year,
                    of: of.to_string(),
                    commendation,
                    what,
                    proposed_on: date,
                    opinion,
                });
            }
        };
        for c in r
            .commendations
            .iter()
            .filter(|c| c.level == Level::Province)
        {
            push(
                &c.id,
                true,
                format!("{} — {}", c.person, c.form),
                c.date,
                &r.commendation_steps,
            );
        }
        for d in r.disciplines.iter().filter(|d| d.level == Level::Province) {
            push(
                &d.id,
                false,
                format!("{} — {} — {}", d.subject, d.violation, d.measure),
                d.date,
                &r.discipline_steps,
            );
        }
    }
    out.sort_by(|a, b| (a.proposed_on, &a.of).cmp(&(b.proposed_on, &b.of)));
    Ok(out)
}
