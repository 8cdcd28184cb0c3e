//! Proposal actions: create, edit, record a step, comment, attach, list, and which steps this
//! office may take now.

use crate::app::App;
use crate::error::CliError;
use crate::store::ProposalRow;
use chrono::NaiveDate;
use doimoi_shared::doc::proposal::{self, Attachment, Comment, Proposal, ProposalFields};
use doimoi_shared::ids::{hex, DocId};
use doimoi_shared::text::{fold, nfc};
use doimoi_shared::workflow::{
    self, check_next, Action, Determination, EvalResult, Event, Flag, Level, Outcome,
    ProposalState, Refusal, Side, Status,
};

/// Creates a draft from `fields` (a title and a proposer are required). Returns its id and the
/// proposal as stored.
pub fn create(app: &mut App, fields: &ProposalFields) -> Result<(DocId, Proposal), CliError> {
    if fields.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Err(CliError::Usage(
            "Thiếu tên đề xuất: thêm --title \"…\".".into(),
        ));
    }
    if fields
        .proposer
        .as_deref()
        .is_none_or(|t| t.trim().is_empty())
    {
        return Err(CliError::Usage(
            "Thiếu người đề xuất: thêm --proposer \"Họ và tên\".".into(),
        ));
    }
    check_head_deputy(fields)?;
    let id = DocId::from_bytes(App::random_bytes());
    let doc = proposal::create(app.actor.clone(), &id, &app.unit, app.now_ms, fields)?;
    let p = app.save_proposal(&doc, None)?;
    Ok((id, p))
}

/// The proposer cannot be both the head and a deputy.
pub fn check_head_deputy(fields: &ProposalFields) -> Result<(), CliError> {
    if fields.proposer_is_head == Some(true) && fields.proposer_is_deputy == Some(true) {
        return Err(CliError::Usage(
            "Người đề xuất không thể vừa là người đứng đầu (--proposer-is-head) vừa là cấp phó (--proposer-is-deputy).".into(),
        ));
    }
    Ok(())
}

/// Writes `fields` into a proposal this office may still edit (prose through Automerge text
/// edits: only the difference is spliced, so another device's concurrent edits merge). Returns
/// whether anything changed.
pub fn edit(app: &mut App, id: &DocId, fields: &ProposalFields) -> Result<bool, CliError> {
    check_head_deputy(fields)?;
    let (mut doc, p) = app.load_proposal(id)?;
    let state = app.state(&p);
    check_editable(app, &p, &state)?;
    let authority_change = (fields
        .proposer_is_head
        .is_some_and(|v| v != p.proposer_is_head))
        || (fields
            .proposer_is_deputy
            .is_some_and(|v| v != p.proposer_is_deputy))
        || (fields.basis.is_some_and(|b| b != p.basis));
    if authority_change && !p.events.is_empty() {
        return Err(CliError::Refused(
            "Đề xuất đã nộp: người đứng đầu / cấp phó / căn cứ pháp lý quyết định thẩm quyền nên không sửa được nữa. Nếu ghi nhầm, lập đề xuất mới.".into(),
        ));
    }
    let before = doc.get_heads();
    let unit = app.unit.clone();
    let changed = proposal::edit(&mut doc, fields, &unit, app.now_ms)?;
    if changed {
        app.save_proposal(&doc, Some(&before))?;
    }
    Ok(changed)
}

/// Whether this office may still edit the proposal's contents: the proposer's unit only, and
/// only before its contents were decided.
pub fn check_editable(app: &App, p: &Proposal, state: &ProposalState) -> Result<(), CliError> {
    if !state.status.editable() {
        return Err(CliError::Refused(format!(
            "Đề xuất đã ở trạng thái \"{}\": nội dung kế hoạch đã được quyết định, không sửa được nữa. Ghi ý kiến bằng `doimoi comment`.",
            state.status.label_vi()
        )));
    }
    if p.unit != app.unit {
        return Err(CliError::Refused(format!(
            "Chỉ đơn vị của người đề xuất ({}) được sửa nội dung đề xuất; đơn vị khác ghi ý kiến bằng `doimoi comment`.",
            app.unit_label(&p.unit)
        )));
    }
    Ok(())
}

/// Who records a step, when, and why: everything of a step but its action.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    /// The acting unit's code; `None` is this office's unit (the only one it may name).
    pub acting_unit: Option<String>,
    /// The day it happened; `None` is today.
    pub date: Option<NaiveDate>,
    pub by: String,
    pub position: String,
    pub note: String,
}

/// A step recorded: the event written and the proposal's state after it.
pub struct Recorded {
    pub event: Event,
    pub state: ProposalState,
}

/// Records one procedure step: checks the date, the contents (for a submission), authority
/// and order first, and writes nothing on refusal.
pub fn record_step(
    app: &mut App,
    id: &DocId,
    input: &StepInput,
    action: Action,
) -> Result<Recorded, CliError> {
    let acting = match &input.acting_unit {
        Some(code) => app.known_unit(code)?,
        None => app.unit.clone(),
    };
    let date = input.date.unwrap_or(app.today);
    if date > app.today {
        return Err(CliError::Usage(format!(
            "Ngày {} (--date) chưa đến: chỉ ghi các bước đã diễn ra (hôm nay là ngày {}).",
            date.format("%d/%m/%Y"),
            app.today.format("%d/%m/%Y")
        )));
    }
    let (mut doc, p) = app.load_proposal(id)?;
    if matches!(action, Action::Submit) {
        let missing = p.missing_for_submit();
        if !missing.is_empty() {
            return Err(CliError::Refused(format!(
                "Chưa nộp được: khoản 2 Điều 7 Nghị định 73/2023/NĐ-CP yêu cầu kế hoạch đề xuất có đủ nội dung. Còn thiếu: {}. Bổ sung bằng `doimoi proposal edit {}`.",
                missing.join("; "),
                &id.as_str()[..8]
            )));
        }
    }
    let event = new_event(&p, acting, date, input, action, app.now_ms);
    if let Err(reason) = check(app, &p, &event) {
        return Err(CliError::Refused(format!(
            "Không ghi được: {}. Không có gì bị thay đổi.",
            refusal_vi(&reason)
        )));
    }
    let before = doc.get_heads();
    proposal::append_event(&mut doc, &event)?;
    let p = app.save_proposal(&doc, Some(&before))?;
    let state = app.state(&p);
    Ok(Recorded { event, state })
}

fn new_event(
    p: &Proposal,
    unit: doimoi_shared::ids::UnitCode,
    date: NaiveDate,
    input: &StepInput,
    action: Action,
    now_ms: i64,
) -> Event {
    let (seq, prev) = p.next_position();
    Event {
        id: App::new_event_id(),
        seq,
        prev,
        at: now_ms,
        date,
        unit,
        by: nfc(input.by.trim()),
        position: nfc(input.position.trim()),
        note: nfc(input.note.trim()),
        action,
    }
}

/// The office's own-unit rule, then the procedure's rules for the next event.
fn check(app: &App, p: &Proposal, event: &Event) -> Result<(), Refusal> {
    workflow::check_office(&app.unit, event, &app.registry).and_then(|()| {
        check_next(
            &p.facts(),
            &p.events,
            event,
            &app.registry,
            &app.calendar,
            &app.config,
        )
    })
}

/// The kinds of step a person can choose, in the procedure's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    Submit,
    Receive,
    PartyOpinion,
    Vote,
    Approve,
    Reject,
    Escalate,
    Answer,
    Start,
    Suspend,
    Resume,
    Terminate,
    ReportResults,
    Evaluate,
    Notify,
    Protect,
    Commend,
    CommendOpinion,
    CommendDecide,
    Discipline,
    Resolve,
}

impl StepKind {
    pub const ALL: [StepKind; 21] = [
        StepKind::Submit,
        StepKind::Receive,
        StepKind::PartyOpinion,
        StepKind::Vote,
        StepKind::Approve,
        StepKind::Reject,
        StepKind::Escalate,
        StepKind::Answer,
        StepKind::Start,
        StepKind::Suspend,
        StepKind::Resume,
        StepKind::Terminate,
        StepKind::ReportResults,
        StepKind::Evaluate,
        StepKind::Notify,
        StepKind::Protect,
        StepKind::Commend,
        StepKind::CommendOpinion,
        StepKind::CommendDecide,
        StepKind::Discipline,
        StepKind::Resolve,
    ];

    /// A representative action of this kind, for asking the procedure whether the kind fits.
    fn sample(self) -> Action {
        match self {
            StepKind::Submit => Action::Submit,
            StepKind::Receive => Action::Receive,
            StepKind::PartyOpinion => Action::PartyOpinion { agree: true },
            StepKind::Vote => Action::Vote {
                votes_for: 1,
                against: 0,
                abstain: 0,
                head_voted: None,
                members: None,
            },
            StepKind::Approve => Action::Approve {
                pilot: false,
                by_head: false,
            },
            StepKind::Reject => Action::Reject,
            StepKind::Escalate => Action::Escalate,
            StepKind::Answer => Action::Answer {
                approve: true,
                pilot: false,
            },
            StepKind::Start => Action::Start,
            StepKind::Suspend => Action::Suspend,
            StepKind::Resume => Action::Resume,
            StepKind::Terminate => Action::Terminate,
            StepKind::ReportResults => Action::ReportResults { finished: None },
            StepKind::Evaluate => Action::Evaluate {
                result: EvalResult::Completed,
                damage: false,
            },
            StepKind::Notify => Action::Notify,
            StepKind::Protect => Action::Protect {
                determination: Determination::NotLiable,
            },
            StepKind::Commend => Action::Commend { level: Level::Unit },
            StepKind::CommendOpinion => Action::CommendOpinion { agree: true },
            StepKind::CommendDecide => Action::CommendDecide { granted: true },
            StepKind::Discipline => Action::Discipline {
                measure: "—".into(),
            },
            StepKind::Resolve => Action::Resolve {
                keep: String::new(),
            },
        }
    }

    /// The step's name (`doimoi proposal STEP`), also the web form's.
    pub fn name(self) -> &'static str {
        self.sample().name()
    }

    pub fn label_vi(self) -> &'static str {
        self.sample().label_vi()
    }

    pub fn parse(name: &str) -> Option<StepKind> {
        StepKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Whether a refusal is about the step itself (who or when) rather than the details a person
/// fills in (vote counts, a result, a level…): only the former hide a step.
fn hides_step(r: &Refusal) -> bool {
    matches!(
        r,
        Refusal::UnknownUnit { .. }
            | Refusal::NoAuthority { .. }
            | Refusal::ActingForAnother { .. }
            | Refusal::OutOfOrder { .. }
            | Refusal::EscalationBeforeVote
            | Refusal::HeadDecisionAfterPassedVote
            | Refusal::ApprovalAfterFailedVote
            | Refusal::NoPartyOpinionBeforeApproval
            | Refusal::NoPartyOpinionBeforeEvaluation
            | Refusal::NoPartyOpinionBeforeVote
            | Refusal::PartyOpinionAfterVote
            | Refusal::AlreadyProtected
            | Refusal::NothingToResolve
    )
}

/// The steps this office may take now on `p`: each kind whose representative action, dated
/// today by this office's unit, the procedure ([`check_next`]) does not refuse for who or when.
/// An approval after a failed vote is offered (by the head's decision); a resolution only when
/// the log has a conflict.
pub fn allowed_steps(app: &App, p: &Proposal, state: &ProposalState) -> Vec<StepKind> {
    let input = StepInput {
        note: "—".into(),
        ..StepInput::default()
    };
    StepKind::ALL
        .into_iter()
        .filter(|kind| {
            let mut action = kind.sample();
            match (&mut action, state.vote_passed) {
                (Action::Approve { by_head, .. }, Some(false)) => *by_head = true,
                (Action::Resolve { keep }, _) => {
                    match state
                        .events
                        .iter()
                        .find(|o| matches!(o.outcome, workflow::Outcome::Conflict { .. }))
                    {
                        Some(o) => *keep = o.id.clone(),
                        None => return false,
                    }
                }
                _ => {}
            }
            if matches!(action, Action::Submit) && !p.events.is_empty() {
                return false;
            }
            let event = new_event(p, app.unit.clone(), app.today, &input, action, app.now_ms);
            match check(app, p, &event) {
                Ok(()) => true,
                Err(r) => !hides_step(&r),
            }
        })
        .collect()
}

/// A refusal as the clerk reads it: the shared wording, with the labels of results and
/// determinations instead of their codes and the command to type in backticks.
pub fn refusal_vi(r: &Refusal) -> String {
    match r {
        Refusal::ProtectionAgainstEvaluation {
            basis,
            result,
            damage,
            expected,
            got,
        } => format!(
            "theo {}, kết quả \"{}\"{} dẫn tới kết luận \"{}\", không phải \"{}\"",
            basis.law_vi(),
            crate::choices::result_label(*result).to_lowercase(),
            if *damage { " có thiệt hại" } else { "" },
            crate::choices::determination_label(*expected).to_lowercase(),
            crate::choices::determination_label(*got).to_lowercase(),
        ),
        Refusal::NoPartyOpinionBeforeApproval => "chưa có ý kiến của cấp ủy cùng cấp: ghi ý kiến cấp ủy (`doimoi proposal party-opinion`) trước khi phê duyệt".into(),
        Refusal::NoPartyOpinionBeforeEvaluation => "chưa có ý kiến của cấp ủy cùng cấp về kết quả: ghi ý kiến cấp ủy (`doimoi proposal party-opinion`) trước khi đánh giá".into(),
        Refusal::TieWithoutHead => "số phiếu ngang nhau: phải ghi ý kiến của người đứng đầu (--head-voted \"tán thành\" hoặc \"không tán thành\") để quyết định".into(),
        other => other.to_string(),
    }
}

/// Adds a comment by this office.
pub fn comment(app: &mut App, id: &DocId, by: &str, text: &str) -> Result<Comment, CliError> {
    let text = nfc(text.trim());
    if text.is_empty() {
        return Err(CliError::Usage("Ý kiến trống: thêm --text \"…\".".into()));
    }
    let (mut doc, _) = app.load_proposal(id)?;
    let before = doc.get_heads();
    let c = Comment {
        id: App::new_event_id(),
        at: app.now_ms,
        unit: app.unit.clone(),
        by: nfc(by.trim()),
        text,
    };
    proposal::add_comment(&mut doc, &c)?;
    app.save_proposal(&doc, Some(&before))?;
    Ok(c)
}

/// Attaches a file: the reference in the document and the bytes in the local store, in one
/// transaction.
pub fn attach(app: &mut App, id: &DocId, name: &str, bytes: &[u8]) -> Result<Attachment, CliError> {
    use sha2::Digest;
    let sha = hex(&sha2::Sha256::digest(bytes));
    let (mut doc, _) = app.load_proposal(id)?;
    let before = doc.get_heads();
    let a = Attachment {
        sha256: sha.clone(),
        name: nfc(name),
        size: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
        at: app.now_ms,
        unit: app.unit.clone(),
    };
    proposal::add_attachment(&mut doc, &a)?;
    app.save_proposal_with(&doc, Some(&before), Some((&sha, bytes)))?;
    Ok(a)
}

/// The filters of a proposal list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<Status>,
    pub overdue: bool,
    /// Unit codes; `None` is every unit.
    pub units: Option<Vec<String>>,
    pub year: Option<i32>,
    /// Folded or not: compared folded.
    pub field: Option<String>,
    /// Only those whose next step is this office's.
    pub waiting: bool,
}

/// The proposals of the index that pass `f`, newest first (reads the index, never a document).
pub fn list(app: &App, f: &ListFilter) -> Result<Vec<ProposalRow>, CliError> {
    let rows = app.store.list_proposals(f.status.map(Status::as_str))?;
    Ok(filter_rows(app, &rows, f).into_iter().cloned().collect())
}

/// The rows of `rows` that pass `f` (for a caller that already read the index).
pub fn filter_rows<'a>(app: &App, rows: &'a [ProposalRow], f: &ListFilter) -> Vec<&'a ProposalRow> {
    let field = f.field.as_deref().map(fold);
    let me = app.unit.to_string();
    rows.iter()
        .filter(|r| f.status.is_none_or(|s| r.status == s.as_str()))
        .filter(|r| !f.overdue || app.row_flags(r).contains(&Flag::Overdue))
        .filter(|r| f.units.as_ref().is_none_or(|u| u.contains(&r.unit)))
        .filter(|r| f.year.is_none_or(|y| created_year(r) == Some(y)))
        .filter(|r| {
            field
                .as_ref()
                .is_none_or(|k| fold(&r.field).contains(k.as_str()))
        })
        .filter(|r| !f.waiting || next_step(r).is_some_and(|(_, who)| who == me))
        .collect()
}

/// The report year (Decree 09: it ends on 14/12) in which a listed proposal was created, as
/// `proposal list --year` and the report count it.
pub fn created_year(r: &ProposalRow) -> Option<i32> {
    chrono::DateTime::from_timestamp_millis(r.created_at).map(|t| {
        crate::actions::report::current_year(t.with_timezone(&crate::app::vn_offset()).date_naive())
    })
}

/// Proposals matching a search query (the language of `doimoi search`), best first.
pub fn search(app: &App, query: &str) -> Result<Vec<ProposalRow>, CliError> {
    use crate::search;
    let terms = search::parse(query);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let candidates = app.store.search_candidates(&search::folded_words(&terms))?;
    let mut ranked: Vec<(u32, ProposalRow)> = candidates
        .into_iter()
        .filter_map(|r| search::score(&terms, &r.title, &r.plain, &r.folded).map(|s| (s, r)))
        .collect();
    // Stable: equal ranks keep the store's order, newest first.
    ranked.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
    Ok(ranked.into_iter().map(|(_, r)| r).collect())
}

/// The next step of a listed proposal and the code of the unit that takes it (`None` once the
/// procedure has nothing left to wait for).
pub fn next_step(r: &ProposalRow) -> Option<(&'static str, String)> {
    let owner = r.unit.clone();
    let decider = r.deciding_unit.clone();
    let (label, who) = match Status::parse(&r.status)? {
        Status::Draft => ("Gửi đề xuất", owner),
        Status::Submitted => ("Tiếp nhận", decider),
        Status::Received => ("Lấy ý kiến cấp ủy, biểu quyết", decider),
        Status::VotePassed => ("Phê duyệt", decider),
        Status::VoteFailed => ("Người đứng đầu quyết định", decider),
        Status::Approved => ("Triển khai thực hiện", owner),
        Status::Escalated => ("UBND tỉnh cho ý kiến", decider),
        Status::Implementing => ("Báo cáo kết quả", owner),
        Status::Suspended => ("Tiếp tục hoặc chấm dứt thực hiện", decider),
        Status::ResultsReported => ("Đánh giá kết quả", decider),
        Status::Rejected
        | Status::Terminated
        | Status::Completed
        | Status::PartlyCompleted
        | Status::NotCompleted => return None,
    };
    Some((label, who))
}

/// "Nguyễn Văn A, Chủ tịch (UBND phường X)": who took a step.
pub fn who(app: &App, e: &Event) -> String {
    let mut w = e.by.clone();
    if !e.position.is_empty() {
        if !w.is_empty() {
            w.push_str(", ");
        }
        w.push_str(&e.position);
    }
    let unit = app
        .registry
        .get(&e.unit)
        .map(|u| u.name.clone())
        .unwrap_or_else(|| e.unit.to_string());
    if w.is_empty() {
        unit
    } else {
        format!("{w} ({unit})")
    }
}

/// The facts the procedure recorded: Party opinions, the vote, the decision and by whom, the
/// province's answer, the evaluation, protection, commendations and disciplines.
pub fn decision_lines(app: &App, p: &Proposal, st: &ProposalState) -> Vec<String> {
    let applied = p.events.iter().filter(|e| {
        matches!(
            st.events.iter().find(|o| o.id == e.id).map(|o| &o.outcome),
            Some(Outcome::Applied) | None
        )
    });
    let mut lines: Vec<String> = Vec::new();
    for e in applied {
        let day = e.date.format("%d/%m/%Y");
        match &e.action {
            Action::PartyOpinion { agree } => lines.push(format!(
                "Ý kiến cấp ủy ngày {day}: {}",
                if *agree {
                    "đồng ý"
                } else {
                    "không đồng ý"
                }
            )),
            Action::Vote {
                votes_for,
                against,
                abstain,
                head_voted,
                members,
            } => {
                let mut l = format!(
                    "Biểu quyết ngày {day}: {votes_for} tán thành, {against} không tán thành, {abstain} không biểu quyết"
                );
                if let Some(m) = members {
                    l.push_str(&format!(" (tập thể lãnh đạo {m} người)"));
                }
                if let Some(h) = head_voted {
                    l.push_str(match h {
                        Side::For => "; người đứng đầu tán thành",
                        Side::Against => "; người đứng đầu không tán thành",
                    });
                }
                lines.push(l);
            }
            Action::Approve { pilot, by_head } => lines.push(format!(
                "Quyết định ngày {day}: phê duyệt{}{} — {}",
                if *pilot {
                    " thực hiện thí điểm"
                } else {
                    ""
                },
                if *by_head {
                    " (người đứng đầu quyết định sau biểu quyết không đạt)"
                } else {
                    ""
                },
                who(app, e)
            )),
            Action::Reject => lines.push(format!(
                "Quyết định ngày {day}: không phê duyệt — {}",
                who(app, e)
            )),
            Action::Escalate => lines.push(format!("Trình UBND tỉnh ngày {day} — {}", who(app, e))),
            Action::Answer { approve, pilot } => lines.push(format!(
                "Ý kiến của UBND tỉnh ngày {day}: {} — {}",
                match (approve, pilot) {
                    (true, true) => "đồng ý thí điểm",
                    (true, false) => "đồng ý",
                    (false, _) => "không đồng ý",
                },
                who(app, e)
            )),
            Action::ReportResults { finished: Some(f) } => lines.push(format!(
                "Báo cáo kết quả ngày {day}; kết thúc thực hiện ngày {}",
                f.format("%d/%m/%Y")
            )),
            Action::Evaluate { result, damage } => lines.push(format!(
                "Đánh giá ngày {day}: {}; {} — {}",
                crate::choices::result_label(*result).to_lowercase(),
                if *damage {
                    "có thiệt hại"
                } else {
                    "không có thiệt hại"
                },
                who(app, e)
            )),
            Action::Protect { determination } => lines.push(format!(
                "Bảo vệ người đề xuất ngày {day}: {}",
                crate::choices::determination_label(*determination).to_lowercase()
            )),
            Action::Commend { .. } => lines.push(format!(
                "{} ngày {day} — {}",
                e.action.label_vi(),
                who(app, e)
            )),
            Action::CommendOpinion { agree } => lines.push(format!(
                "Ý kiến của Sở Nội vụ về đề nghị khen thưởng ngày {day}: {} — {}",
                if *agree {
                    "đồng ý"
                } else {
                    "không đồng ý"
                },
                who(app, e)
            )),
            Action::CommendDecide { granted } => lines.push(format!(
                "Chủ tịch UBND tỉnh quyết định ngày {day}: {} — {}",
                if *granted {
                    "khen thưởng"
                } else {
                    "không khen thưởng"
                },
                who(app, e)
            )),
            Action::Discipline { measure } => {
                lines.push(format!("Kỷ luật ngày {day}: {measure} — {}", who(app, e)))
            }
            _ => {}
        }
    }
    if let Some(passed) = st.vote_passed {
        lines.push(format!(
            "Kết quả biểu quyết: {}",
            if passed { "đạt" } else { "không đạt" }
        ));
    }
    if let Some(by) = st.approved_by {
        lines.push(format!(
            "Phê duyệt: {}{}",
            match by {
                doimoi_shared::workflow::ApprovedBy::Vote => "theo kết quả biểu quyết",
                doimoi_shared::workflow::ApprovedBy::HeadDecision =>
                    "người đứng đầu quyết định, chịu trách nhiệm cá nhân",
                doimoi_shared::workflow::ApprovedBy::Province => "UBND tỉnh đồng ý",
            },
            if st.pilot {
                ", thực hiện thí điểm"
            } else {
                ""
            }
        ));
    }
    lines
}
