//! `doimoi duty …`: the unit's yearly duties (docs/domain.md §3), kept in unit-year records.

use super::Out;
use crate::actions::duty::{plan_deadline, Change, Target};
use crate::app::{parse_date, App};
use crate::cli::{DutyCmd, DutyCommon, LevelArg, ReviewKindArg};
use crate::error::CliError;
use chrono::NaiveDate;
use doimoi_shared::doc::unit_year::{
    Commendation, Discipline, Dissemination, Entry, Inspection, Plan, Review, ReviewKind,
    SelfInspection,
};
use doimoi_shared::ids::UnitCode;
use doimoi_shared::text::nfc;
use doimoi_shared::workflow::Level;
use serde_json::json;

fn target(app: &App, common: &DutyCommon, unit: Option<UnitCode>) -> Result<Target, CliError> {
    let date = parse_date(&common.date, "--date")?;
    crate::actions::duty::target(app, date, common.year, unit)
}

fn t(s: &str) -> String {
    nfc(s.trim())
}

fn level(l: LevelArg) -> Level {
    match l {
        LevelArg::Unit => Level::Unit,
        LevelArg::Province => Level::Province,
    }
}

pub fn run(mut app: App, cmd: DutyCmd, out: Out) -> Result<(), CliError> {
    let id = App::new_event_id;
    let now = app.now_ms;
    let (tg, change): (Target, Change) = match cmd {
        DutyCmd::Show { year, unit } => return show(&app, year, unit.as_deref(), out),
        DutyCmd::Plan {
            common,
            number,
            note,
        } => {
            if number.trim().is_empty() {
                return Err(CliError::Usage(
                    "Thiếu số, ký hiệu kế hoạch: --number \"12/KH-UBND\".".into(),
                ));
            }
            let tg = target(&app, &common, None)?;
            let plan = Plan {
                number: t(&number),
                date: tg.date,
                note: t(&note),
            };
            (tg, Change::Plan(plan))
        }
        DutyCmd::Disseminate {
            common,
            form,
            participants,
            note,
        } => {
            let tg = target(&app, &common, None)?;
            let e = Entry::Dissemination(Dissemination {
                id: id(),
                date: tg.date,
                form: t(&form),
                participants,
                note: t(&note),
                at: now,
            });
            (tg, Change::Entry(e))
        }
        DutyCmd::SelfInspect {
            common,
            findings,
            report,
        } => {
            let tg = target(&app, &common, None)?;
            let e = Entry::SelfInspection(SelfInspection {
                id: id(),
                date: tg.date,
                findings: t(&findings),
                report: t(&report),
                at: now,
            });
            (tg, Change::Entry(e))
        }
        DutyCmd::Review {
            common,
            kind,
            form,
            report,
        } => {
            let tg = target(&app, &common, None)?;
            let kind = match kind {
                ReviewKindArg::Preliminary => ReviewKind::Preliminary,
                ReviewKindArg::Final => ReviewKind::Final,
            };
            let e = Entry::Review(Review {
                id: id(),
                kind,
                date: tg.date,
                form: t(&form),
                report: t(&report),
                at: now,
            });
            (tg, Change::Entry(e))
        }
        DutyCmd::Commend {
            common,
            person,
            form,
            level: l,
            proposal,
        } => {
            let tg = target(&app, &common, None)?;
            let proposal = proposal.as_deref().map(|p| app.resolve_id(p)).transpose()?;
            let e = Entry::Commendation(Commendation {
                id: id(),
                person: t(&person),
                proposal,
                form: t(&form),
                level: level(l),
                date: tg.date,
                at: now,
            });
            (tg, Change::Entry(e))
        }
        DutyCmd::Discipline {
            common,
            subject,
            violation,
            measure,
        } => {
            let tg = target(&app, &common, None)?;
            let e = Entry::Discipline(Discipline {
                id: id(),
                subject: t(&subject),
                violation: t(&violation),
                measure: t(&measure),
                date: tg.date,
                at: now,
            });
            (tg, Change::Entry(e))
        }
        DutyCmd::Inspect {
            common,
            unit,
            findings,
            recommendations,
        } => {
            crate::actions::duty::check_inspector(&app)?;
            let inspected = app.known_unit(&unit)?;
            let tg = target(&app, &common, Some(inspected))?;
            let e = Entry::Inspection(Inspection {
                id: id(),
                date: tg.date,
                by_unit: app.unit.clone(),
                findings: t(&findings),
                recommendations: t(&recommendations),
                at: now,
            });
            (tg, Change::Entry(e))
        }
    };
    let uy = crate::actions::duty::record(&mut app, &tg, &change)?;
    out.emit(
        &json!({"id": uy.id.to_string(), "unit": uy.unit.as_str(), "year": uy.year}),
        || {
            format!(
                "Đã ghi vào hồ sơ nhiệm vụ năm {} của {}.",
                uy.year,
                app.unit_label(&uy.unit)
            )
        },
    )
}

fn on_time(d: NaiveDate) -> &'static str {
    if d <= plan_deadline() {
        "đúng hạn (31/07/2023)"
    } else {
        "sau hạn 31/07/2023"
    }
}

fn show(app: &App, year: Option<i32>, unit: Option<&str>, out: Out) -> Result<(), CliError> {
    let unit = match unit {
        Some(u) => app.known_unit(u)?,
        None => app.unit.clone(),
    };
    let records = crate::actions::duty::records(app, &unit, year)?;
    out.emit(&records, || {
        if records.is_empty() {
            return format!(
                "Chưa ghi nhiệm vụ nào của {}{}.",
                app.unit_label(&unit),
                year.map(|y| format!(" năm {y}")).unwrap_or_default()
            );
        }
        let mut s = String::new();
        for r in &records {
            s.push_str(&format!(
                "Nhiệm vụ năm {} — {}\n",
                r.year,
                app.unit_label(&r.unit)
            ));
            match &r.plan {
                Some(p) => s.push_str(&format!(
                    "  Kế hoạch thực hiện: số {} ngày {} — {}\n",
                    p.number,
                    p.date.format("%d/%m/%Y"),
                    on_time(p.date)
                )),
                None => s.push_str("  Kế hoạch thực hiện: chưa ban hành\n"),
            }
            if r.dissemination.is_empty() {
                s.push_str("  Quán triệt, phổ biến: chưa ghi\n");
            }
            for d in &r.dissemination {
                s.push_str(&format!(
                    "  Quán triệt, phổ biến {} ({}, {} người) — {}\n",
                    d.date.format("%d/%m/%Y"),
                    d.form,
                    d.participants,
                    on_time(d.date)
                ));
            }
            for x in &r.self_inspections {
                s.push_str(&format!(
                    "  Tự kiểm tra {}: {} {}\n",
                    x.date.format("%d/%m/%Y"),
                    x.findings,
                    x.report
                ));
            }
            for x in &r.reviews {
                let k = match x.kind {
                    ReviewKind::Preliminary => "Sơ kết",
                    ReviewKind::Final => "Tổng kết",
                };
                s.push_str(&format!(
                    "  {k} {}: {} {}\n",
                    x.date.format("%d/%m/%Y"),
                    x.form,
                    x.report
                ));
            }
            for x in &r.commendations {
                let l = match x.level {
                    Level::Unit => "cấp đơn vị",
                    Level::Province => "đề nghị Chủ tịch UBND tỉnh",
                };
                s.push_str(&format!(
                    "  Khen thưởng {}: {} — {} ({l})\n",
                    x.date.format("%d/%m/%Y"),
                    x.person,
                    x.form
                ));
            }
            for x in &r.disciplines {
                s.push_str(&format!(
                    "  Kỷ luật {}: {} — {} — {}\n",
                    x.date.format("%d/%m/%Y"),
                    x.subject,
                    x.violation,
                    x.measure
                ));
            }
            for x in &r.inspections {
                s.push_str(&format!(
                    "  Kiểm tra của {} ngày {}: {} {}\n",
                    x.by_unit,
                    x.date.format("%d/%m/%Y"),
                    x.findings,
                    x.recommendations
                ));
            }
        }
        s
    })
}
