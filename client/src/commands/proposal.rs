//! `doimoi proposal …`: drafts, edits, lists, and every procedure step.

use super::{local_time, Out};
use crate::actions::proposal as actions;
use crate::app::{parse_date, App};
use crate::cli::{
    CommentArgs, DeterminationArg, EditArgs, FieldArgs, LevelArg, ProposalCmd, ResultArg, SideArg,
    StepArgs,
};
use crate::error::CliError;
use doimoi_shared::doc::proposal::{self, prose_label, Proposal, ProposalFields, PROSE};
use doimoi_shared::text::{fold, nfc};
use doimoi_shared::workflow::{
    Action, Basis, ClockState, Determination, EvalResult, Event, Flag, Level, Outcome,
    ProposalState, Side, Status,
};
use serde::Serialize;
use serde_json::{json, Map, Value};

pub fn run(mut app: App, cmd: ProposalCmd, out: Out) -> Result<(), CliError> {
    match cmd {
        ProposalCmd::New(args) => new(&mut app, args, out),
        ProposalCmd::Edit(args) => edit(&mut app, args, out),
        ProposalCmd::List {
            status,
            overdue,
            unit,
            year,
            field,
            waiting,
        } => list(
            &app,
            &ListFilter {
                status,
                overdue,
                unit,
                year,
                field,
                waiting,
            },
            out,
        ),
        ProposalCmd::Show(id) => show(&app, &id.id, out),
        ProposalCmd::Comment(args) => comment(app, args, out),
        ProposalCmd::Attach { id, file } => attach(&mut app, &id, &file, out),
        ProposalCmd::Attachment { id, name, output } => {
            super::attachment::write_out(&app, &id, &name, &output, out)
        }
        ProposalCmd::Submit(s) => step(&mut app, s, Action::Submit, out),
        ProposalCmd::Receive(s) => step(&mut app, s, Action::Receive, out),
        ProposalCmd::PartyOpinion { step: s, agree, .. } => {
            step(&mut app, s, Action::PartyOpinion { agree }, out)
        }
        ProposalCmd::Vote {
            step: s,
            votes_for,
            against,
            abstain,
            head_voted,
            members,
        } => {
            let head_voted = head_voted.map(|h| match h {
                SideArg::For => Side::For,
                SideArg::Against => Side::Against,
            });
            let action = Action::Vote {
                votes_for,
                against,
                abstain,
                head_voted,
                members,
            };
            step(&mut app, s, action, out)
        }
        ProposalCmd::Approve {
            step: s,
            pilot,
            by_head,
        } => step(&mut app, s, Action::Approve { pilot, by_head }, out),
        ProposalCmd::Reject(s) => step(&mut app, s, Action::Reject, out),
        ProposalCmd::Escalate(s) => step(&mut app, s, Action::Escalate, out),
        ProposalCmd::Answer {
            step: s,
            approve,
            pilot,
            ..
        } => step(&mut app, s, Action::Answer { approve, pilot }, out),
        ProposalCmd::Start(s) => step(&mut app, s, Action::Start, out),
        ProposalCmd::Suspend(s) => step(&mut app, s, Action::Suspend, out),
        ProposalCmd::Resume(s) => step(&mut app, s, Action::Resume, out),
        ProposalCmd::Terminate(s) => step(&mut app, s, Action::Terminate, out),
        ProposalCmd::ReportResults { step: s, finished } => {
            let finished = finished.map(|f| parse_date(&f, "--finished")).transpose()?;
            step(&mut app, s, Action::ReportResults { finished }, out)
        }
        ProposalCmd::Evaluate {
            step: s,
            result,
            damage,
        } => {
            let result = match result {
                ResultArg::Completed => EvalResult::Completed,
                ResultArg::Partly => EvalResult::Partly,
                ResultArg::NotCompleted => EvalResult::NotCompleted,
            };
            step(&mut app, s, Action::Evaluate { result, damage }, out)
        }
        ProposalCmd::Notify(s) => step(&mut app, s, Action::Notify, out),
        ProposalCmd::Protect {
            step: s,
            determination,
        } => {
            let determination = match determination {
                DeterminationArg::NotLiable => Determination::NotLiable,
                DeterminationArg::Excluded => Determination::Excluded,
                DeterminationArg::Considered => Determination::Considered,
            };
            step(&mut app, s, Action::Protect { determination }, out)
        }
        ProposalCmd::Commend { step: s, level } => {
            let level = match level {
                LevelArg::Unit => Level::Unit,
                LevelArg::Province => Level::Province,
            };
            step(&mut app, s, Action::Commend { level }, out)
        }
        ProposalCmd::CommendOpinion { step: s, agree, .. } => {
            step(&mut app, s, Action::CommendOpinion { agree }, out)
        }
        ProposalCmd::CommendDecide { step: s, grant, .. } => {
            step(&mut app, s, Action::CommendDecide { granted: grant }, out)
        }
        ProposalCmd::Discipline { step: s, measure } => step(
            &mut app,
            s,
            Action::Discipline {
                measure: nfc(measure.trim()),
            },
            out,
        ),
        ProposalCmd::Resolve { step: s, keep } => step(
            &mut app,
            s,
            Action::Resolve {
                keep: keep.trim().to_ascii_lowercase(),
            },
            out,
        ),
    }
}

/// Turns the field flags (and `--file`) into the fields to write.
fn fields_from_args(args: &FieldArgs) -> Result<ProposalFields, CliError> {
    let mut f = match &args.file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError::io(format!("Không đọc được tệp {}", path.display()), e))?;
            toml::from_str::<FileFields>(&text)
                .map_err(|e| {
                    CliError::Usage(format!(
                        "Tệp {} không đúng định dạng: {e}. Dùng các khóa trùng tên cờ, ví dụ title = \"…\", proposer-is-head = true.",
                        path.display()
                    ))
                })?
                .into_fields()?
        }
        None => ProposalFields::default(),
    };
    let set = |slot: &mut Option<String>, v: &Option<String>| {
        if let Some(v) = v {
            *slot = Some(nfc(v));
        }
    };
    set(&mut f.title, &args.title);
    set(&mut f.proposer, &args.proposer);
    set(&mut f.position, &args.position);
    set(&mut f.field, &args.field);
    set(&mut f.necessity, &args.necessity);
    set(&mut f.content, &args.content);
    set(&mut f.subjects, &args.subjects);
    set(&mut f.scope, &args.scope);
    set(&mut f.timeline, &args.timeline);
    set(&mut f.resources, &args.resources);
    set(&mut f.feasibility, &args.feasibility);
    set(&mut f.impact, &args.impact);
    set(&mut f.expected, &args.expected);
    if args.proposer_is_head {
        f.proposer_is_head = Some(true);
    }
    if args.proposer_is_deputy {
        f.proposer_is_deputy = Some(true);
    }
    if args.leader {
        f.leader = Some(true);
    }
    if args.pilot {
        f.pilot = Some(true);
    }
    if let Some(b) = &args.basis {
        f.basis = Some(parse_basis(b)?);
    }
    actions::check_head_deputy(&f)?;
    Ok(f)
}

fn parse_basis(s: &str) -> Result<Basis, CliError> {
    crate::choices::find(crate::choices::BASES, s).ok_or_else(|| {
        CliError::Usage(format!(
            "--basis \"{s}\" không hợp lệ: dùng {}.",
            crate::choices::describe(crate::choices::BASES)
        ))
    })
}

/// `--file proposal.toml`: the same names as the flags.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileFields {
    title: Option<String>,
    proposer: Option<String>,
    position: Option<String>,
    proposer_is_head: Option<bool>,
    proposer_is_deputy: Option<bool>,
    leader: Option<bool>,
    basis: Option<String>,
    field: Option<String>,
    necessity: Option<String>,
    content: Option<String>,
    subjects: Option<String>,
    scope: Option<String>,
    timeline: Option<String>,
    resources: Option<String>,
    feasibility: Option<String>,
    impact: Option<String>,
    expected: Option<String>,
    pilot: Option<bool>,
}

impl FileFields {
    fn into_fields(self) -> Result<ProposalFields, CliError> {
        let n = |v: Option<String>| v.map(|s| nfc(&s));
        Ok(ProposalFields {
            title: n(self.title),
            proposer: n(self.proposer),
            position: n(self.position),
            proposer_is_head: self.proposer_is_head,
            proposer_is_deputy: self.proposer_is_deputy,
            leader: self.leader,
            basis: self.basis.as_deref().map(parse_basis).transpose()?,
            field: n(self.field),
            pilot: self.pilot,
            necessity: n(self.necessity),
            content: n(self.content),
            subjects: n(self.subjects),
            scope: n(self.scope),
            timeline: n(self.timeline),
            resources: n(self.resources),
            feasibility: n(self.feasibility),
            impact: n(self.impact),
            expected: n(self.expected),
        })
    }
}

#[derive(Serialize)]
struct Created {
    id: String,
    status: &'static str,
    unit: String,
}

fn new(app: &mut App, args: FieldArgs, out: Out) -> Result<(), CliError> {
    let fields = fields_from_args(&args)?;
    let (id, p) = actions::create(app, &fields)?;
    out.emit(
        &Created {
            id: id.to_string(),
            status: Status::Draft.as_str(),
            unit: app.unit.to_string(),
        },
        || format!("Đã tạo dự thảo đề xuất \"{}\".\nMã: {}", p.title, id),
    )
}

fn edit(app: &mut App, args: EditArgs, out: Out) -> Result<(), CliError> {
    let id = app.resolve_id(&args.id)?;
    let mut fields = fields_from_args(&args.fields)?;
    for flag in &args.unset {
        match flag.as_str() {
            "proposer-is-head" => fields.proposer_is_head = Some(false),
            "proposer-is-deputy" => fields.proposer_is_deputy = Some(false),
            "leader" => fields.leader = Some(false),
            "pilot" => fields.pilot = Some(false),
            other => {
                return Err(CliError::Usage(format!(
                    "--unset \"{other}\" không hợp lệ: dùng proposer-is-head, proposer-is-deputy, leader hoặc pilot."
                )))
            }
        }
    }
    if fields.is_empty() {
        return Err(CliError::Usage(
            "Không có gì để sửa: thêm ít nhất một cờ, ví dụ --content \"…\".".into(),
        ));
    }
    let changed = actions::edit(app, &id, &fields)?;
    out.emit(&json!({"id": id.to_string(), "changed": changed}), || {
        if changed {
            format!("Đã lưu thay đổi của đề xuất {id}.")
        } else {
            "Không có thay đổi nào (giá trị mới trùng giá trị cũ).".into()
        }
    })
}

/// The filters of `proposal list`, as typed.
struct ListFilter {
    status: Option<String>,
    overdue: bool,
    unit: Option<String>,
    year: Option<i32>,
    field: Option<String>,
    waiting: bool,
}

fn list(app: &App, f: &ListFilter, out: Out) -> Result<(), CliError> {
    let status = match f.status.as_deref() {
        Some(s) => Some(crate::choices::status(s).ok_or_else(|| {
            let all: Vec<String> = Status::ALL
                .iter()
                .map(|s| format!("{} ({})", s.as_str(), s.label_vi()))
                .collect();
            CliError::Usage(format!(
                "--status \"{s}\" không hợp lệ. Các trạng thái: {}.",
                all.join(", ")
            ))
        })?),
        None => None,
    };
    let units: Option<Vec<String>> = match f.unit.as_deref() {
        Some(u) => Some(matching_units(app, u)?),
        None => None,
    };
    let rows = actions::list(
        app,
        &actions::ListFilter {
            status,
            overdue: f.overdue,
            units,
            year: f.year,
            field: f.field.clone(),
            waiting: f.waiting,
        },
    )?;
    print_rows(app, &rows, out)
}

/// The codes of the units `input` names: a code, or every unit whose name contains it
/// (diacritics optional).
fn matching_units(app: &App, input: &str) -> Result<Vec<String>, CliError> {
    let key = fold(input);
    let codes: Vec<String> = app
        .registry
        .units()
        .iter()
        .filter(|u| u.code.as_str() == input.trim() || fold(&u.name).contains(&key))
        .map(|u| u.code.to_string())
        .collect();
    if codes.is_empty() {
        return Err(CliError::Usage(format!(
            "Không có đơn vị nào có mã hoặc tên \"{input}\". Xem danh sách bằng `doimoi org show --find \"{input}\"`."
        )));
    }
    Ok(codes)
}

/// A stored `YYYY-MM-DD` as dd/mm/yyyy.
fn vn_date(iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_else(|_| iso.to_string())
}

/// A unit's name from the registry (its code when unknown).
fn unit_name(app: &App, code: &str) -> String {
    doimoi_shared::ids::UnitCode::parse(code)
        .ok()
        .and_then(|c| app.registry.get(&c).map(|u| u.name.clone()))
        .unwrap_or_else(|| code.to_string())
}

pub fn print_rows(app: &App, rows: &[crate::store::ProposalRow], out: Out) -> Result<(), CliError> {
    let json: Vec<Value> = rows
        .iter()
        .map(|r| {
            let next = actions::next_step(r);
            json!({
                "id": r.id,
                "title": r.title,
                "status": r.status,
                "status_label": Status::parse(&r.status).map(|s| s.label_vi()),
                "unit": r.unit,
                "unit_name": unit_name(app, &r.unit),
                "deciding_unit": r.deciding_unit,
                "proposer": r.proposer,
                "field": r.field,
                "basis": r.basis,
                "flags": app.row_flags(r),
                "created_at": r.created_at,
                "next_step": next.as_ref().map(|(l, _)| *l),
                "next_unit": next.as_ref().map(|(_, u)| u.clone()),
                "next_due": r.open_due,
            })
        })
        .collect();
    out.emit(&json, || {
        if rows.is_empty() {
            return "Không có đề xuất nào.".into();
        }
        let mut s = format!("{} đề xuất\n", rows.len());
        for r in rows {
            let label = Status::parse(&r.status).map(|s| s.label_vi()).unwrap_or("");
            let flags = app.row_flags(r);
            let flags = if flags.is_empty() {
                String::new()
            } else {
                format!("  [{}]", flags_vi(&flags))
            };
            s.push_str(&format!(
                "\n{}  {}{}\n    {} · {}",
                &r.id[..12],
                r.title,
                flags,
                label,
                unit_name(app, &r.unit),
            ));
            if !r.proposer.is_empty() {
                s.push_str(&format!(" · Người đề xuất: {}", r.proposer));
            }
            s.push('\n');
            if let Some((step, who)) = actions::next_step(r) {
                s.push_str(&format!(
                    "    Bước tiếp theo: {step} ({})",
                    unit_name(app, &who)
                ));
                if let Some(due) = r.open_due.as_deref() {
                    s.push_str(&format!(", hạn {}", vn_date(due)));
                }
                s.push('\n');
            }
        }
        s
    })
}

/// The JSON form of an event with its outcome: the stored record (`action` is the step name)
/// plus `step`, `label` and the outcome.
fn event_json(e: &Event, outcome: Option<&Outcome>) -> Value {
    let mut m = proposal::event_record_json(e);
    m.insert("step".into(), json!(e.action.name()));
    m.insert("label".into(), json!(e.action.label_vi()));
    if let Some(o) = outcome {
        if let Ok(Value::Object(om)) = serde_json::to_value(o) {
            m.extend(om);
        }
    }
    Value::Object(m)
}

/// The full JSON of `proposal show`: the fields under their flag names, plus the state.
pub fn proposal_json(p: &Proposal, st: &ProposalState) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(p.id.as_str()));
    m.insert("unit".into(), json!(p.unit.as_str()));
    m.insert("title".into(), json!(p.title));
    m.insert("proposer".into(), json!(p.proposer));
    m.insert("position".into(), json!(p.position));
    m.insert("proposer-is-head".into(), json!(p.proposer_is_head));
    m.insert("proposer-is-deputy".into(), json!(p.proposer_is_deputy));
    m.insert("leader".into(), json!(p.leader));
    m.insert(
        "basis".into(),
        json!(if p.basis_chosen { p.basis.as_str() } else { "" }),
    );
    m.insert("field".into(), json!(p.field));
    m.insert("pilot".into(), json!(p.pilot));
    for (k, v) in &p.prose {
        m.insert(k.clone(), json!(v));
    }
    m.insert("created_at".into(), json!(p.created_at));
    m.insert("status".into(), json!(st.status.as_str()));
    m.insert("status_label".into(), json!(st.status.label_vi()));
    m.insert("deciding_unit".into(), json!(st.deciding_unit.as_str()));
    m.insert("approved_by".into(), json!(st.approved_by));
    m.insert("approved_as_pilot".into(), json!(st.pilot));
    m.insert("vote_passed".into(), json!(st.vote_passed));
    m.insert("answer".into(), json!(st.answer));
    m.insert(
        "evaluation".into(),
        json!(st.evaluation.map(|r| r.as_str())),
    );
    m.insert("damage".into(), json!(st.damage));
    m.insert(
        "protection".into(),
        json!(st.protection.map(|d| d.as_str())),
    );
    m.insert(
        "province_commendation".into(),
        json!(st.province_commendation.as_ref().map(|u| json!({
            "proposed_on": u.proposed_on,
            "opinion": u.opinion.map(|(agree, d)| json!({"agree": agree, "date": d})),
            "decision": u.decision.map(|(granted, d)| json!({"granted": granted, "date": d})),
        }))),
    );
    m.insert(
        "commendations".into(),
        json!(st
            .commendations
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()),
    );
    m.insert("disciplines".into(), json!(st.disciplines));
    m.insert("deadlines".into(), json!(st.deadlines));
    m.insert("flags".into(), json!(st.flags));
    let events: Vec<Value> = p
        .events
        .iter()
        .map(|e| {
            let o = st.events.iter().find(|o| o.id == e.id).map(|o| &o.outcome);
            event_json(e, o)
        })
        .collect();
    m.insert("events".into(), Value::Array(events));
    m.insert("unreadable_events".into(), json!(p.unreadable));
    m.insert("comments".into(), json!(p.comments));
    m.insert("attachments".into(), json!(p.attachments));
    Value::Object(m)
}

fn show(app: &App, id: &str, out: Out) -> Result<(), CliError> {
    let id = app.resolve_id(id)?;
    let (_, p) = app.load_proposal(&id)?;
    let st = app.state(&p);
    out.emit(&proposal_json(&p, &st), || human_show(app, &p, &st))
}

fn flags_vi(flags: &[Flag]) -> String {
    flags
        .iter()
        .map(|f| f.label_vi())
        .collect::<Vec<_>>()
        .join(", ")
}

fn yes(b: bool) -> &'static str {
    if b {
        "có"
    } else {
        "không"
    }
}

/// The facts the procedure recorded, as `proposal show` prints them.
fn decisions(app: &App, p: &Proposal, st: &ProposalState) -> String {
    let lines = actions::decision_lines(app, p, st);
    let mut s = String::new();
    if !lines.is_empty() {
        s.push_str("\nQuá trình xem xét, quyết định:\n");
        for l in lines {
            s.push_str(&format!("  {l}\n"));
        }
    }
    s
}

fn human_show(app: &App, p: &Proposal, st: &ProposalState) -> String {
    let mut s = String::new();
    s.push_str(&format!("{}\nMã: {}\n", p.title, p.id));
    s.push_str(&format!("Trạng thái: {}", st.status.label_vi()));
    if !st.flags.is_empty() {
        s.push_str(&format!("  [{}]", flags_vi(&st.flags)));
    }
    s.push('\n');
    s.push_str(&format!("Đơn vị: {}\n", app.unit_label(&p.unit)));
    s.push_str(&format!(
        "Đơn vị quyết định: {}\n",
        app.unit_label(&st.deciding_unit)
    ));
    s.push_str(&format!(
        "Người đề xuất: {}{}\n",
        p.proposer,
        if p.position.is_empty() {
            String::new()
        } else {
            format!(", {}", p.position)
        }
    ));
    s.push_str(&format!(
        "Người đề xuất là người đứng đầu: {} · Là cấp phó: {} · Là lãnh đạo, quản lý: {} · Đề nghị thí điểm: {} · Căn cứ: {} · Lĩnh vực: {}\n",
        yes(p.proposer_is_head),
        yes(p.proposer_is_deputy),
        yes(p.leader),
        yes(p.pilot),
        if p.basis_chosen {
            crate::choices::basis_label(p.basis)
        } else {
            "chưa chọn"
        },
        if p.field.is_empty() { "—" } else { p.field.as_str() }
    ));
    s.push_str(&decisions(app, p, st));
    for name in PROSE {
        let v = p.prose(name);
        if !v.is_empty() {
            s.push_str(&format!(
                "\n{}:\n  {}\n",
                prose_label(name),
                v.replace('\n', "\n  ")
            ));
        }
    }
    if !st.deadlines.is_empty() {
        s.push_str("\nThời hạn:\n");
        for d in &st.deadlines {
            let state = match d.state {
                ClockState::OnTime => "đúng hạn",
                ClockState::Late => "trễ hạn",
                ClockState::Overdue => "QUÁ HẠN",
                ClockState::Open => "đang chạy",
            };
            s.push_str(&format!(
                "  {}: hạn {} — {}\n",
                d.step.label_vi(),
                d.due.format("%d/%m/%Y"),
                state
            ));
        }
    }
    if !p.events.is_empty() {
        s.push_str("\nCác bước:\n");
        for e in &p.events {
            let o = st.events.iter().find(|o| o.id == e.id).map(|o| &o.outcome);
            let mark = match o {
                Some(Outcome::Applied) | None => String::new(),
                Some(Outcome::Invalid { reason }) => format!("  ✗ không hợp lệ: {reason}"),
                Some(Outcome::Duplicate { .. }) => "  (trùng)".into(),
                Some(Outcome::Conflict { with, .. }) => format!("  ⚠ xung đột với {with}"),
                Some(Outcome::SetAside { .. }) => "  (đã gạt bỏ khi giải quyết xung đột)".into(),
            };
            s.push_str(&format!(
                "  {} {} {} — {}{}{}\n",
                e.date.format("%d/%m/%Y"),
                e.id,
                e.action.label_vi(),
                unit_name(app, e.unit.as_str()),
                if e.by.is_empty() {
                    String::new()
                } else {
                    format!(", {}", e.by)
                },
                mark
            ));
        }
    }
    if !p.comments.is_empty() {
        s.push_str("\nÝ kiến:\n");
        for c in &p.comments {
            s.push_str(&format!(
                "  {} {}{}: {}\n",
                local_time(c.at),
                unit_name(app, c.unit.as_str()),
                if c.by.is_empty() {
                    String::new()
                } else {
                    format!(", {}", c.by)
                },
                c.text
            ));
        }
    }
    if !p.attachments.is_empty() {
        s.push_str("\nTệp đính kèm:\n");
        for a in &p.attachments {
            s.push_str(&format!(
                "  {} ({} byte) sha256 {}\n",
                a.name,
                a.size,
                &a.sha256[..16]
            ));
        }
    }
    s
}

/// Records one procedure step: checks authority and order first, writes nothing on refusal.
fn step(app: &mut App, args: StepArgs, action: Action, out: Out) -> Result<(), CliError> {
    let id = app.resolve_id(&args.id)?;
    let input = actions::StepInput {
        acting_unit: args.acting_unit.clone(),
        date: args
            .date
            .as_deref()
            .map(|d| parse_date(d, "--date"))
            .transpose()?,
        by: args.by.clone().unwrap_or_default(),
        position: args.position.clone().unwrap_or_default(),
        note: args.note.clone().unwrap_or_default(),
    };
    let actions::Recorded { event, state: st } = actions::record_step(app, &id, &input, action)?;
    out.emit(
        &json!({"id": id.to_string(), "event": event.id, "step": event.action.name(), "status": st.status.as_str(), "flags": st.flags}),
        || {
            format!(
                "Đã ghi bước \"{}\" ({}). Trạng thái: {}.",
                event.action.label_vi(),
                event.id,
                st.status.label_vi()
            )
        },
    )
}

pub fn comment(mut app: App, args: CommentArgs, out: Out) -> Result<(), CliError> {
    let id = app.resolve_id(&args.id)?;
    let c = actions::comment(&mut app, &id, args.by.as_deref().unwrap_or(""), &args.text)?;
    out.emit(&json!({"id": id.to_string(), "comment": c.id}), || {
        format!("Đã ghi ý kiến vào đề xuất {id}.")
    })
}

fn attach(app: &mut App, id: &str, file: &std::path::Path, out: Out) -> Result<(), CliError> {
    let id = app.resolve_id(id)?;
    super::attachment::check_size(file)?;
    let bytes = std::fs::read(file)
        .map_err(|e| CliError::io(format!("Không đọc được tệp {}", file.display()), e))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let a = actions::attach(app, &id, &name, &bytes)?;
    out.emit(
        &json!({"id": id.to_string(), "sha256": a.sha256, "size": a.size}),
        || format!("Đã đính kèm {} ({} byte).", a.name, a.size),
    )
}
