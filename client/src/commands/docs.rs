//! Commands over whole documents: search, history, export / import, reindex, compact.

use super::proposal::print_rows;
use super::{local_time, Out};
use crate::app::App;
use crate::cli::{ExportArgs, IdArg, ImportArgs, SearchArgs};
use crate::error::CliError;
use automerge::{Automerge, ReadDoc};
use doimoi_shared::doc::{kind_of, parse_commit_message, proposal, unit_year, DocKind};
use doimoi_shared::ids::{DocId, UnitCode};
use doimoi_shared::workflow::Action;
use serde_json::json;

pub fn search(app: App, args: SearchArgs, out: Out) -> Result<(), CliError> {
    let query = args.text.join(" ");
    if crate::search::parse(&query).is_empty() {
        return Err(CliError::Usage(
            "Nhập từ cần tìm, ví dụ: `doimoi search \"sang tao\"` hoặc, để tìm đúng cụm từ, `doimoi search '\"đô thị\"'`.".into(),
        ));
    }
    let rows = crate::actions::proposal::search(&app, &query)?;
    print_rows(&app, &rows, out)
}

/// Vietnamese label of a commit message's action.
fn action_label(action: &str) -> String {
    match action {
        "proposal.create" => "Tạo dự thảo đề xuất".into(),
        "proposal.edit" => "Sửa nội dung đề xuất".into(),
        "proposal.comment" => "Ghi ý kiến".into(),
        "proposal.attach" => "Đính kèm tệp".into(),
        "unit-year.create" => "Lập hồ sơ nhiệm vụ năm".into(),
        "unit-year.edit" => "Cập nhật hồ sơ nhiệm vụ năm".into(),
        "unit-year.plan" => "Ghi kế hoạch thực hiện".into(),
        "unit-year.dissemination" => "Ghi quán triệt, phổ biến".into(),
        "unit-year.self_inspections" => "Ghi tự kiểm tra".into(),
        "unit-year.reviews" => "Ghi sơ kết, tổng kết".into(),
        "unit-year.commendations" => "Ghi khen thưởng".into(),
        "unit-year.disciplines" => "Ghi kỷ luật".into(),
        "unit-year.inspections" => "Ghi kết quả kiểm tra".into(),
        other => match other.strip_prefix("event.") {
            Some(step) => step_label(step).unwrap_or(other).to_string(),
            None => other.to_string(),
        },
    }
}

fn step_label(step: &str) -> Option<&'static str> {
    let sample = [
        Action::Submit,
        Action::Receive,
        Action::PartyOpinion { agree: true },
        Action::Vote {
            votes_for: 0,
            against: 0,
            abstain: 0,
            head_voted: None,
            members: None,
        },
        Action::Approve {
            pilot: false,
            by_head: false,
        },
        Action::Reject,
        Action::Escalate,
        Action::Answer {
            approve: true,
            pilot: false,
        },
        Action::Start,
        Action::Suspend,
        Action::Resume,
        Action::Terminate,
        Action::ReportResults { finished: None },
        Action::Evaluate {
            result: doimoi_shared::workflow::EvalResult::Completed,
            damage: false,
        },
        Action::Notify,
        Action::Protect {
            determination: doimoi_shared::workflow::Determination::NotLiable,
        },
        Action::Commend {
            level: doimoi_shared::workflow::Level::Unit,
        },
        Action::CommendOpinion { agree: true },
        Action::CommendDecide { granted: true },
        Action::Discipline {
            measure: String::new(),
        },
        Action::Resolve {
            keep: String::new(),
        },
    ];
    sample
        .iter()
        .find(|a| a.name() == step)
        .map(Action::label_vi)
}

/// For each event record of a proposal, the actor and operation counter that created it.
fn event_changes(doc: &Automerge) -> std::collections::HashMap<String, (automerge::ActorId, u64)> {
    let mut out = std::collections::HashMap::new();
    let Ok(Some((_, list))) = doc.get(automerge::ROOT, "events") else {
        return out;
    };
    for i in 0..doc.length(&list) {
        let Ok(Some((_, obj))) = doc.get(&list, i) else {
            continue;
        };
        let automerge::ObjId::Id(counter, actor, _) = &obj else {
            continue;
        };
        if let Ok(Some((automerge::Value::Scalar(v), _))) = doc.get(&obj, "id") {
            if let automerge::ScalarValue::Str(text) = v.as_ref() {
                out.insert(text.to_string(), (actor.clone(), *counter));
            }
        }
    }
    out
}

/// What the procedure made of an event, when it did not take effect as recorded.
fn outcome_note(o: &doimoi_shared::workflow::Outcome) -> Option<String> {
    use doimoi_shared::workflow::Outcome;
    match o {
        Outcome::Applied => None,
        Outcome::Invalid { reason } => Some(format!("không có hiệu lực: {reason}")),
        Outcome::Duplicate { .. } => Some("trùng với bước đã ghi".into()),
        Outcome::Conflict { reason, .. } => Some(format!("xung đột: {reason}")),
        Outcome::SetAside { .. } => Some("đã gạt bỏ khi giải quyết xung đột".into()),
    }
}

pub fn history(app: App, args: IdArg, out: Out) -> Result<(), CliError> {
    let id = app.resolve_id(&args.id)?;
    let (_, doc) = app
        .store
        .load_doc(&id, &app.actor)?
        .ok_or_else(|| CliError::NotFound(format!("Không có tài liệu {id}.")))?;
    let kind = kind_of(&doc)?;
    // Who did what comes from the validated records, never from a change's free message: each
    // event record is tied to the change that wrote it (its actor and operation counter), and
    // its unit is the one the hub checked against that device when it accepted it.
    let (events, outcomes, owner) = match kind {
        DocKind::Proposal => {
            let p = proposal::read(&doc)?;
            let state = app.state(&p);
            let owner = p.unit.clone();
            (p.events, state.events, Some(owner))
        }
        DocKind::UnitYear => (
            Vec::new(),
            Vec::new(),
            unit_year::read(&doc).ok().map(|u| u.unit),
        ),
    };
    let written_by = event_changes(&doc);
    let mut rows = Vec::new();
    for meta in doc.get_changes_meta(&[]) {
        let event = events.iter().find(|e| {
            written_by
                .get(e.id.as_str())
                .is_some_and(|(actor, counter)| {
                    *actor == *meta.actor && meta.start_op <= *counter && *counter <= meta.max_op
                })
        });
        let (action, unit, outcome) = match event {
            Some(e) => {
                let outcome = outcomes
                    .iter()
                    .find(|o| o.id == e.id)
                    .map(|o| outcome_note(&o.outcome));
                (
                    format!("event.{}", e.action.name()),
                    Some(e.unit.to_string()),
                    outcome.flatten(),
                )
            }
            None => {
                // Content changes: the kind of change a message names is shown only when it is
                // not a procedure step (a step is always an event record); the unit is the
                // document's owner for a unit-year record, unknown otherwise.
                let (action, _) = parse_commit_message(meta.message.as_deref().unwrap_or(""));
                let action = if action.starts_with("event.") || action_label(action) == action {
                    match kind {
                        DocKind::Proposal => "proposal.edit".to_string(),
                        DocKind::UnitYear => "unit-year.edit".to_string(),
                    }
                } else {
                    action.to_string()
                };
                let unit = match kind {
                    DocKind::UnitYear => owner.as_ref().map(|u| u.to_string()),
                    DocKind::Proposal => None,
                };
                (action, unit, None)
            }
        };
        rows.push(json!({
            "time": meta.timestamp * 1000,
            "label": action_label(&action),
            "action": action,
            "unit": unit,
            "device": meta.actor.to_hex_string().chars().take(8).collect::<String>(),
            "change": meta.hash.to_string(),
            "event": event.map(|e| e.id.clone()),
            "date": event.map(|e| e.date.to_string()),
            "by": event.map(|e| e.by.clone()),
            "note": event.map(|e| e.note.clone()),
            "outcome": outcome,
        }));
    }
    rows.sort_by_key(|r| r["time"].as_i64().unwrap_or(0));
    out.emit(&rows, || {
        let mut s = format!("Lịch sử tài liệu {id}\n");
        for r in &rows {
            let unit = r["unit"].as_str().unwrap_or("");
            let unit = UnitCode::parse(unit)
                .map(|u| app.unit_label(&u))
                .unwrap_or_default();
            let by = r["by"]
                .as_str()
                .filter(|b| !b.is_empty())
                .map(|b| format!(", {b}"))
                .unwrap_or_default();
            let note = r["note"]
                .as_str()
                .filter(|b| !b.is_empty())
                .map(|b| format!(" — {b}"))
                .unwrap_or_default();
            let outcome = r["outcome"]
                .as_str()
                .map(|o| format!(" ({o})"))
                .unwrap_or_default();
            s.push_str(&format!(
                "{}  {}  {}{}{}{}  [thiết bị {}]\n",
                local_time(r["time"].as_i64().unwrap_or(0)),
                r["label"].as_str().unwrap_or(""),
                unit,
                by,
                note,
                outcome,
                r["device"].as_str().unwrap_or("")
            ));
        }
        s
    })
}

pub fn export(app: App, args: ExportArgs, out: Out) -> Result<(), CliError> {
    let id = app.resolve_id(&args.id)?;
    let bytes = crate::actions::docs::export(&app, &id)?;
    // Write beside the target, then rename: a cut-off export never leaves half a file.
    let tmp = args.output.with_extension("doimoi-tmp");
    std::fs::write(&tmp, &bytes)
        .map_err(|e| CliError::io(format!("Không ghi được tệp {}", tmp.display()), e))?;
    std::fs::rename(&tmp, &args.output)
        .map_err(|e| CliError::io(format!("Không ghi được tệp {}", args.output.display()), e))?;
    out.emit(&json!({"id": id.to_string(), "file": args.output.display().to_string(), "bytes": bytes.len()}), || {
        format!("Đã xuất tài liệu {id} ra {} ({} byte).", args.output.display(), bytes.len())
    })
}

pub fn import(mut app: App, args: ImportArgs, out: Out) -> Result<(), CliError> {
    let file = &args.file;
    let bytes = std::fs::read(file)
        .map_err(|e| CliError::io(format!("Không đọc được tệp {}", file.display()), e))?;
    let crate::actions::docs::Imported {
        id,
        kind,
        is_new,
        added,
    } = crate::actions::docs::import(&mut app, &file.display().to_string(), &bytes)?;
    out.emit(
        &json!({"id": id.to_string(), "kind": kind.as_str(), "new": is_new, "changes_added": added}),
        || {
            if is_new {
                format!("Đã nhập tài liệu mới {id} ({} thay đổi).", added)
            } else if added == 0 {
                format!("Tài liệu {id} đã có đủ trong kho; không có gì mới.")
            } else {
                format!("Đã hợp nhất {} thay đổi mới vào tài liệu {id}.", added)
            }
        },
    )
}

pub fn reindex(mut app: App, out: Out) -> Result<(), CliError> {
    let docs = app.store.all_docs()?;
    let mut rows = Vec::new();
    let mut years = Vec::new();
    let mut broken = Vec::new();
    for (id, _kind) in &docs {
        let Ok(doc_id) = DocId::parse(id) else {
            broken.push(format!("{id}: mã không hợp lệ"));
            continue;
        };
        let loaded = match app.store.load_doc(&doc_id, &app.actor) {
            Ok(Some((_, doc))) => doc,
            Ok(None) => continue,
            Err(e) => {
                broken.push(format!("{id}: {e}"));
                continue;
            }
        };
        match kind_of(&loaded) {
            Ok(DocKind::Proposal) => match proposal::read(&loaded) {
                Ok(p) => {
                    let st = app.state(&p);
                    rows.push(app.index_row(&p, &st));
                }
                Err(e) => broken.push(format!("{id}: {e}")),
            },
            Ok(DocKind::UnitYear) => match unit_year::read(&loaded) {
                Ok(u) => years.push((u.id, u.unit.to_string(), u.year)),
                Err(e) => broken.push(format!("{id}: {e}")),
            },
            Err(e) => broken.push(format!("{id}: {e}")),
        }
    }
    let w = app.store.write()?;
    w.clear_indexes()?;
    for r in &rows {
        w.put_proposal_row(r)?;
    }
    for (id, unit, year) in &years {
        w.put_unit_year_row(id, unit, *year)?;
    }
    w.commit()?;
    out.emit(
        &json!({"proposals": rows.len(), "unit_years": years.len(), "broken": broken}),
        || {
            let mut s = format!(
                "Đã dựng lại chỉ mục: {} đề xuất, {} hồ sơ nhiệm vụ năm.",
                rows.len(),
                years.len()
            );
            for b in &broken {
                s.push_str(&format!("\nTài liệu hỏng: {b}"));
            }
            s
        },
    )
}

pub fn compact(mut app: App, out: Out) -> Result<(), CliError> {
    let (_, before_chunks) = app.store.count_docs()?;
    let docs = app.store.all_docs()?;
    let now = app.now_ms;
    let mut n = 0usize;
    for (id, _) in docs {
        let Ok(doc_id) = DocId::parse(&id) else {
            continue;
        };
        let Some((_, doc)) = app.store.load_doc(&doc_id, &app.actor)? else {
            continue;
        };
        let w = app.store.write()?;
        w.compact(&doc_id, &doc, now)?;
        w.commit()?;
        n += 1;
    }
    out.emit(
        &json!({"documents": n, "chunks_folded": before_chunks}),
        || format!("Đã nén {n} tài liệu ({before_chunks} phần thay đổi gộp vào ảnh chụp)."),
    )
}
