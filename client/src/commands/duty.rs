//! `doimoi duty …`: the unit's yearly duties (docs/domain.md §3), kept in unit-year records.

use super::Out;
use crate::actions::duty::{Change, Target};
use crate::app::{parse_date, App};
use crate::cli::{DutyCmd, DutyCommon, LevelArg, ReviewKindArg, UpwardArgs};
use crate::error::CliError;
use doimoi_shared::doc::unit_year::{
    Commendation, Discipline, Dissemination, Entry, Inspection, Plan, Review, ReviewKind,
    SelfInspection, Upward, UpwardStage,
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
            level: l,
        } => {
            let tg = target(&app, &common, None)?;
            let e = Entry::Discipline(Discipline {
                id: id(),
                subject: t(&subject),
                violation: t(&violation),
                measure: t(&measure),
                level: l.map(level).unwrap_or_default(),
                date: tg.date,
                at: now,
            });
            (tg, Change::Entry(e))
        }
        DutyCmd::Opinion {
            common,
            upward,
            agree,
            ..
        } => upward_step(&app, &common, upward, UpwardStage::Opinion, agree)?,
        DutyCmd::Decide {
            common,
            upward,
            grant,
            ..
        } => upward_step(&app, &common, upward, UpwardStage::Decision, grant)?,
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
    let crate::actions::duty::Recorded { uy, done, revision } =
        crate::actions::duty::record(&mut app, &tg, &change)?;
    let mut value = json!({"id": uy.id.to_string(), "unit": uy.unit.as_str(), "year": uy.year});
    match &change {
        Change::Plan(_) => value["plan_issue"] = json!(revision.map_or(1, |n| n + 1)),
        Change::Entry(e) => value["record"] = json!(e.id()),
    }
    out.emit(&value, || {
        format!(
            "Đã ghi vào hồ sơ nhiệm vụ năm {} của {}.{done}",
            uy.year,
            app.unit_label(&uy.unit)
        )
    })
}

/// Sở Nội vụ's opinion or UBND tỉnh's decision on a unit's proposal sent upward
/// (`actions::duty::upward`).
fn upward_step(
    app: &App,
    common: &DutyCommon,
    args: UpwardArgs,
    stage: UpwardStage,
    agree: bool,
) -> Result<(Target, Change), CliError> {
    let unit = app.known_unit(&args.unit)?;
    let date = parse_date(&common.date, "--date")?;
    crate::actions::duty::upward(
        app,
        &unit,
        &args.of,
        common.year,
        date,
        stage,
        agree,
        &args.number,
        &args.note,
    )
}

/// One indented line of `duty show`: the parts that are there, joined (no trailing blanks for
/// empty ones).
fn push_line(s: &mut String, parts: &[&str]) {
    let parts: Vec<&str> = parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect();
    s.push_str("  ");
    s.push_str(&parts.join(" — "));
    s.push('\n');
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
        let steps_of = |steps: &[Upward], of: &str| -> Vec<String> {
            steps
                .iter()
                .filter(|x| x.of == of)
                .map(|x| {
                    let verdict = match (x.stage, x.agree) {
                        (UpwardStage::Opinion, true) => "đồng ý",
                        (UpwardStage::Opinion, false) => "không đồng ý",
                        (UpwardStage::Decision, true) => "chấp thuận",
                        (UpwardStage::Decision, false) => "không chấp thuận",
                    };
                    let mut t = format!(
                        "{}: {} ngày {} ({})",
                        x.stage.label_vi(),
                        verdict,
                        x.date.format("%d/%m/%Y"),
                        app.unit_label(&x.by_unit)
                    );
                    if !x.number.is_empty() {
                        t.push_str(&format!(", văn bản số {}", x.number));
                    }
                    if !x.note.is_empty() {
                        t.push_str(&format!(", {}", x.note));
                    }
                    t
                })
                .collect()
        };
        let pending = |steps: &[Upward], of: &str| -> &'static str {
            let has = |st| steps.iter().any(|x| x.of == of && x.stage == st);
            if has(UpwardStage::Decision) {
                ""
            } else if has(UpwardStage::Opinion) {
                "chờ Chủ tịch UBND tỉnh quyết định"
            } else {
                "chờ Sở Nội vụ cho ý kiến"
            }
        };
        for r in &records {
            s.push_str(&format!(
                "Nhiệm vụ năm {} — {}\n",
                r.year,
                app.unit_label(&r.unit)
            ));
            match &r.plan {
                Some(p) => {
                    let head = format!(
                        "Kế hoạch thực hiện: số {} ngày {}",
                        p.number,
                        p.date.format("%d/%m/%Y")
                    );
                    let when = crate::actions::duty::timeliness(
                        p.date,
                        crate::actions::duty::deadline_of(app, &r.unit),
                    );
                    push_line(&mut s, &[head.as_str(), when.as_str(), p.note.as_str()]);
                }
                None => push_line(&mut s, &["Kế hoạch thực hiện: chưa ban hành"]),
            }
            for (n, x) in r.plan_revisions.iter().enumerate() {
                let head = format!(
                    "Kế hoạch ban hành lại (lần {}): số {} ngày {}",
                    n + 2,
                    x.number,
                    x.date.format("%d/%m/%Y")
                );
                push_line(&mut s, &[head.as_str(), x.note.as_str()]);
            }
            if r.dissemination.is_empty() {
                push_line(&mut s, &["Quán triệt, phổ biến: chưa ghi"]);
            }
            for d in &r.dissemination {
                let head = format!(
                    "Quán triệt, phổ biến ngày {} ({}, {} người)",
                    d.date.format("%d/%m/%Y"),
                    d.form,
                    d.participants
                );
                let when = crate::actions::duty::timeliness(
                    d.date,
                    crate::actions::duty::deadline_of(app, &r.unit),
                );
                push_line(&mut s, &[head.as_str(), when.as_str(), d.note.as_str()]);
            }
            for x in &r.self_inspections {
                let head = format!("Tự kiểm tra ngày {}", x.date.format("%d/%m/%Y"));
                push_line(
                    &mut s,
                    &[head.as_str(), x.findings.as_str(), x.report.as_str()],
                );
            }
            for x in &r.reviews {
                let k = match x.kind {
                    ReviewKind::Preliminary => "Sơ kết",
                    ReviewKind::Final => "Tổng kết",
                };
                let head = format!("{k} ngày {}", x.date.format("%d/%m/%Y"));
                push_line(&mut s, &[head.as_str(), x.form.as_str(), x.report.as_str()]);
            }
            for x in &r.commendations {
                let head = match x.level {
                    Level::Unit => format!("Khen thưởng ngày {}", x.date.format("%d/%m/%Y")),
                    Level::Province => format!(
                        "Đề nghị Chủ tịch UBND tỉnh khen thưởng ngày {} (mã {})",
                        x.date.format("%d/%m/%Y"),
                        x.id
                    ),
                };
                let mut parts = vec![head, x.person.clone(), x.form.clone()];
                if x.level == Level::Province {
                    parts.extend(steps_of(&r.commendation_steps, &x.id));
                    parts.push(pending(&r.commendation_steps, &x.id).to_string());
                }
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                push_line(&mut s, &parts);
            }
            for x in &r.disciplines {
                let head = match x.level {
                    Level::Unit => format!("Kỷ luật ngày {}", x.date.format("%d/%m/%Y")),
                    Level::Province => format!(
                        "Báo cáo, đề xuất UBND tỉnh xử lý vi phạm ngày {} (mã {})",
                        x.date.format("%d/%m/%Y"),
                        x.id
                    ),
                };
                let mut parts = vec![
                    head,
                    x.subject.clone(),
                    x.violation.clone(),
                    x.measure.clone(),
                ];
                if x.level == Level::Province {
                    parts.extend(steps_of(&r.discipline_steps, &x.id));
                    parts.push(pending(&r.discipline_steps, &x.id).to_string());
                }
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                push_line(&mut s, &parts);
            }
            for x in &r.inspections {
                let head = format!(
                    "Kiểm tra của {} ngày {}",
                    app.unit_label(&x.by_unit),
                    x.date.format("%d/%m/%Y")
                );
                push_line(
                    &mut s,
                    &[
                        head.as_str(),
                        x.findings.as_str(),
                        x.recommendations.as_str(),
                    ],
                );
            }
            for u in &r.unreadable {
                push_line(&mut s, &["Bản ghi không đọc được", u.as_str()]);
            }
        }
        s
    })
}
