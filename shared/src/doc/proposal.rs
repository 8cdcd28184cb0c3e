//! The proposal document: the "Kế hoạch đề xuất đổi mới, sáng tạo" of one cadre (Decree 73
//! Art. 7.2), its event log, comments and attachment references.
//!
//! Root layout (schema 1):
//! `schema`, `kind`="proposal", `id`, `unit`, `created_at` (Timestamp ms);
//! scalars `title`, `proposer`, `position`, `basis`, `field`, `proposer_is_head`,
//! `proposer_is_deputy`, `leader`, `pilot`; Text objects for the prose fields in [`PROSE`];
//! lists `events`, `comments`, `attachments` of flat records.

use super::{
    commit, expect_kind, get_bool, get_obj, get_str, push_record, DocError, DocKind, MapFields,
    SCHEMA_VERSION,
};
use crate::ids::{DocId, UnitCode};
use crate::text::nfc;
use crate::workflow::{
    Action, Basis, Determination, EvalResult, Event, Level, ProposalFacts, Side,
};
use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ObjType, ReadDoc, ScalarValue, ROOT};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The prose fields of Decree 73 Art. 7.2, stored as Automerge Text. The names are the CLI
/// flag names (`--necessity`, …) and the JSON field names.
pub const PROSE: [&str; 9] = [
    "necessity",
    "content",
    "subjects",
    "scope",
    "timeline",
    "resources",
    "feasibility",
    "impact",
    "expected",
];

/// Prose fields Decree 73 Art. 7.2 makes mandatory before a proposal may be submitted:
/// (a) necessity; (b) content, scope, timeline, resources, feasibility; (c) impact, expected
/// effectiveness; (b) also names the subjects ("đối tượng").
pub const REQUIRED_FOR_SUBMIT: [&str; 9] = [
    "necessity",
    "content",
    "subjects",
    "scope",
    "timeline",
    "resources",
    "feasibility",
    "impact",
    "expected",
];

/// Vietnamese labels of the prose fields, for messages and documents.
pub fn prose_label(name: &str) -> &'static str {
    match name {
        "necessity" => "Sự cần thiết, mục đích, điểm nghẽn cần tháo gỡ",
        "content" => "Nội dung, nhiệm vụ, giải pháp",
        "subjects" => "Đối tượng",
        "scope" => "Phạm vi",
        "timeline" => "Thời gian thực hiện",
        "resources" => "Nguồn lực",
        "feasibility" => "Tính khả thi",
        "impact" => "Tác động tích cực, tiêu cực",
        "expected" => "Hiệu quả dự kiến",
        _ => "",
    }
}

/// A set of field values to write: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposalFields {
    pub title: Option<String>,
    pub proposer: Option<String>,
    pub position: Option<String>,
    pub proposer_is_head: Option<bool>,
    pub proposer_is_deputy: Option<bool>,
    pub leader: Option<bool>,
    pub basis: Option<Basis>,
    pub field: Option<String>,
    pub pilot: Option<bool>,
    pub necessity: Option<String>,
    pub content: Option<String>,
    pub subjects: Option<String>,
    pub scope: Option<String>,
    pub timeline: Option<String>,
    pub resources: Option<String>,
    pub feasibility: Option<String>,
    pub impact: Option<String>,
    pub expected: Option<String>,
}

impl ProposalFields {
    /// The prose value given for `name`, if any.
    pub fn prose(&self, name: &str) -> Option<&str> {
        match name {
            "necessity" => self.necessity.as_deref(),
            "content" => self.content.as_deref(),
            "subjects" => self.subjects.as_deref(),
            "scope" => self.scope.as_deref(),
            "timeline" => self.timeline.as_deref(),
            "resources" => self.resources.as_deref(),
            "feasibility" => self.feasibility.as_deref(),
            "impact" => self.impact.as_deref(),
            "expected" => self.expected.as_deref(),
            _ => None,
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == ProposalFields::default()
    }
}

/// A remark by any unit that can see the proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub id: String,
    pub at: i64,
    pub unit: UnitCode,
    #[serde(default)]
    pub by: String,
    pub text: String,
}

/// A file attached to the proposal, referenced by its SHA-256; the bytes live outside the
/// document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub sha256: String,
    pub name: String,
    pub size: u64,
    pub at: i64,
    pub unit: UnitCode,
}

/// Everything a proposal document holds, read back typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub id: DocId,
    pub unit: UnitCode,
    pub created_at: i64,
    pub title: String,
    pub proposer: String,
    pub position: String,
    pub proposer_is_head: bool,
    pub proposer_is_deputy: bool,
    pub leader: bool,
    /// The legal basis; `qd20` when none was chosen yet (see `basis_chosen`).
    pub basis: Basis,
    /// Whether the clerk chose the basis (a proposal is not submitted without).
    pub basis_chosen: bool,
    pub field: String,
    pub pilot: bool,
    /// Prose fields in the order of [`PROSE`].
    pub prose: Vec<(String, String)>,
    pub events: Vec<Event>,
    /// Log entries that could not be read (a newer client, or tampering): index and reason.
    pub unreadable: Vec<String>,
    pub comments: Vec<Comment>,
    pub attachments: Vec<Attachment>,
}

impl Proposal {
    pub fn facts(&self) -> ProposalFacts {
        ProposalFacts {
            unit: self.unit.clone(),
            proposer_is_head: self.proposer_is_head,
            proposer_is_deputy: self.proposer_is_deputy,
            leader: self.leader || self.proposer_is_head || self.proposer_is_deputy,
            basis: self.basis,
            basis_chosen: self.basis_chosen,
        }
    }

    pub fn prose(&self, name: &str) -> &str {
        self.prose
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// Mandatory Art. 7.2 contents (and title, proposer) still missing: their labels.
    pub fn missing_for_submit(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.title.trim().is_empty() {
            missing.push("Tên đề xuất (--title)");
        }
        if self.proposer.trim().is_empty() {
            missing.push("Người đề xuất (--proposer)");
        }
        for name in REQUIRED_FOR_SUBMIT {
            if self.prose(name).trim().is_empty() {
                missing.push(prose_label(name));
            }
        }
        missing
    }

    /// The Lamport number and frontier a new event must carry.
    pub fn next_position(&self) -> (u64, Vec<String>) {
        let seq = self.events.iter().map(|e| e.seq).max().unwrap_or(0) + 1;
        let referenced: BTreeSet<&str> = self
            .events
            .iter()
            .flat_map(|e| e.prev.iter().map(String::as_str))
            .collect();
        let mut frontier: Vec<String> = self
            .events
            .iter()
            .filter(|e| !referenced.contains(e.id.as_str()))
            .map(|e| e.id.clone())
            .collect();
        frontier.sort();
        (seq, frontier)
    }
}

/// Creates a new proposal document: every container in one first change.
pub fn create(
    actor: ActorId,
    id: &DocId,
    unit: &UnitCode,
    now_ms: i64,
    fields: &ProposalFields,
) -> Result<Automerge, DocError> {
    crate::limits::check_fields(fields)?;
    let mut doc = Automerge::new().with_actor(actor);
    doc.transact_with::<_, _, DocError, _>(
        |_| commit("proposal.create", unit.as_str(), now_ms),
        |tx| {
            tx.put(ROOT, "schema", SCHEMA_VERSION)?;
            tx.put(ROOT, "kind", "proposal")?;
            tx.put(ROOT, "id", id.as_str())?;
            tx.put(ROOT, "unit", unit.as_str())?;
            tx.put(ROOT, "created_at", ScalarValue::Timestamp(now_ms))?;
            for key in ["title", "proposer", "position", "field"] {
                tx.put(ROOT, key, "")?;
            }
            // Not chosen yet: the clerk names the basis before submitting.
            tx.put(ROOT, "basis", "")?;
            for key in ["proposer_is_head", "proposer_is_deputy", "leader", "pilot"] {
                tx.put(ROOT, key, false)?;
            }
            for key in PROSE {
                tx.put_object(ROOT, key, ObjType::Text)?;
            }
            for key in ["events", "comments", "attachments"] {
                tx.put_object(ROOT, key, ObjType::List)?;
            }
            write_fields(tx, fields)?;
            Ok(())
        },
    )
    .map_err(|f| f.error)?;
    Ok(doc)
}

fn write_fields(
    tx: &mut automerge::transaction::Transaction<'_>,
    f: &ProposalFields,
) -> Result<(), DocError> {
    let strings = [
        ("title", &f.title),
        ("proposer", &f.proposer),
        ("position", &f.position),
        ("field", &f.field),
    ];
    for (key, value) in strings {
        if let Some(v) = value {
            let v = nfc(v.trim());
            if get_str(tx, &ROOT, key)?.as_deref() != Some(v.as_str()) {
                tx.put(ROOT, key, v)?;
            }
        }
    }
    let flags = [
        ("proposer_is_head", f.proposer_is_head),
        ("proposer_is_deputy", f.proposer_is_deputy),
        ("leader", f.leader),
        ("pilot", f.pilot),
    ];
    for (key, value) in flags {
        if let Some(v) = value {
            if get_bool(tx, &ROOT, key)? != v {
                tx.put(ROOT, key, v)?;
            }
        }
    }
    if let Some(b) = f.basis {
        if get_str(tx, &ROOT, "basis")?.as_deref() != Some(b.as_str()) {
            tx.put(ROOT, "basis", b.as_str())?;
        }
    }
    for key in PROSE {
        if let Some(v) = f.prose(key) {
            let text = get_obj(tx, &ROOT, key, ObjType::Text)?;
            // Diff-based: only the changed characters become operations.
            super::set_text(tx, &text, &nfc(v))?;
        }
    }
    Ok(())
}

/// Writes the given fields as one change. Returns whether anything changed.
pub fn edit(
    doc: &mut Automerge,
    fields: &ProposalFields,
    unit: &UnitCode,
    now_ms: i64,
) -> Result<bool, DocError> {
    expect_kind(doc, DocKind::Proposal)?;
    crate::limits::check_fields(fields)?;
    let before = doc.get_heads();
    doc.transact_with::<_, _, DocError, _>(
        |_| commit("proposal.edit", unit.as_str(), now_ms),
        |tx| write_fields(tx, fields),
    )
    .map_err(|f| f.error)?;
    Ok(doc.get_heads() != before)
}

/// Stored form of an event: a flat record. Field names are part of the document schema.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct EventRecord {
    id: String,
    seq: u64,
    #[serde(default)]
    prev: Vec<String>,
    at: i64,
    date: String,
    unit: String,
    #[serde(default)]
    by: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    note: String,
    action: String,
    #[serde(default)]
    agree: Option<bool>,
    #[serde(default, rename = "for")]
    votes_for: Option<u32>,
    #[serde(default)]
    against: Option<u32>,
    #[serde(default)]
    abstain: Option<u32>,
    #[serde(default)]
    head_voted: Option<Side>,
    #[serde(default)]
    members: Option<u32>,
    #[serde(default)]
    pilot: Option<bool>,
    #[serde(default)]
    by_head: Option<bool>,
    #[serde(default)]
    approve: Option<bool>,
    #[serde(default)]
    finished: Option<String>,
    #[serde(default)]
    result: Option<EvalResult>,
    #[serde(default)]
    damage: Option<bool>,
    #[serde(default)]
    determination: Option<Determination>,
    #[serde(default)]
    level: Option<Level>,
    #[serde(default)]
    measure: Option<String>,
    #[serde(default)]
    keep: Option<String>,
}

impl EventRecord {
    fn from_event(e: &Event) -> Self {
        let mut r = EventRecord {
            id: e.id.clone(),
            seq: e.seq,
            prev: e.prev.clone(),
            at: e.at,
            date: e.date.to_string(),
            unit: e.unit.to_string(),
            by: e.by.clone(),
            position: e.position.clone(),
            note: e.note.clone(),
            action: e.action.name().to_string(),
            agree: None,
            votes_for: None,
            against: None,
            abstain: None,
            head_voted: None,
            members: None,
            pilot: None,
            by_head: None,
            approve: None,
            finished: None,
            result: None,
            damage: None,
            determination: None,
            level: None,
            measure: None,
            keep: None,
        };
        match &e.action {
            Action::Submit
            | Action::Receive
            | Action::Reject
            | Action::Escalate
            | Action::Start
            | Action::Suspend
            | Action::Resume
            | Action::Terminate
            | Action::Notify => {}
            Action::PartyOpinion { agree } => r.agree = Some(*agree),
            Action::Vote {
                votes_for,
                against,
                abstain,
                head_voted,
                members,
            } => {
                r.members = *members;
                r.votes_for = Some(*votes_for);
                r.against = Some(*against);
                r.abstain = Some(*abstain);
                r.head_voted = *head_voted;
            }
            Action::Approve { pilot, by_head } => {
                r.pilot = Some(*pilot);
                r.by_head = Some(*by_head);
            }
            Action::Answer { approve, pilot } => {
                r.approve = Some(*approve);
                // Written only when true: an answer without it reads as before.
                if *pilot {
                    r.pilot = Some(true);
                }
            }
            Action::ReportResults { finished } => r.finished = finished.map(|d| d.to_string()),
            Action::Evaluate { result, damage } => {
                r.result = Some(*result);
                r.damage = Some(*damage);
            }
            Action::Protect { determination } => r.determination = Some(*determination),
            Action::Commend { level } => r.level = Some(*level),
            Action::CommendOpinion { agree } => r.agree = Some(*agree),
            Action::CommendDecide { granted } => r.approve = Some(*granted),
            Action::Discipline { measure } => r.measure = Some(measure.clone()),
            Action::Resolve { keep } => r.keep = Some(keep.clone()),
        }
        r
    }

    fn into_event(self) -> Result<Event, String> {
        let date = |s: &str| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("ngày \"{s}\": {e}"))
        };
        let need = |what: &str| format!("sự kiện {} ({}) thiếu \"{what}\"", self.id, self.action);
        let action = match self.action.as_str() {
            "submit" => Action::Submit,
            "receive" => Action::Receive,
            "party-opinion" => Action::PartyOpinion {
                agree: self.agree.ok_or_else(|| need("agree"))?,
            },
            "vote" => Action::Vote {
                votes_for: self.votes_for.ok_or_else(|| need("for"))?,
                against: self.against.ok_or_else(|| need("against"))?,
                abstain: self.abstain.unwrap_or(0),
                head_voted: self.head_voted,
                members: self.members,
            },
            "approve" => Action::Approve {
                pilot: self.pilot.unwrap_or(false),
                by_head: self.by_head.unwrap_or(false),
            },
            "reject" => Action::Reject,
            "escalate" => Action::Escalate,
            "answer" => Action::Answer {
                approve: self.approve.ok_or_else(|| need("approve"))?,
                pilot: self.pilot.unwrap_or(false),
            },
            "start" => Action::Start,
            "suspend" => Action::Suspend,
            "resume" => Action::Resume,
            "terminate" => Action::Terminate,
            "report-results" => Action::ReportResults {
                finished: self.finished.as_deref().map(date).transpose()?,
            },
            "evaluate" => Action::Evaluate {
                result: self.result.ok_or_else(|| need("result"))?,
                damage: self.damage.unwrap_or(false),
            },
            "notify" => Action::Notify,
            "protect" => Action::Protect {
                determination: self.determination.ok_or_else(|| need("determination"))?,
            },
            "commend" => Action::Commend {
                level: self.level.ok_or_else(|| need("level"))?,
            },
            "commend-opinion" => Action::CommendOpinion {
                agree: self.agree.ok_or_else(|| need("agree"))?,
            },
            "commend-decide" => Action::CommendDecide {
                granted: self.approve.ok_or_else(|| need("approve"))?,
            },
            "discipline" => Action::Discipline {
                measure: self.measure.clone().ok_or_else(|| need("measure"))?,
            },
            "resolve" => Action::Resolve {
                keep: self.keep.clone().ok_or_else(|| need("keep"))?,
            },
            other => return Err(format!("bước không biết: {other}")),
        };
        Ok(Event {
            unit: UnitCode::parse(&self.unit).map_err(|e| e.to_string())?,
            date: date(&self.date)?,
            id: self.id,
            seq: self.seq,
            prev: self.prev,
            at: self.at,
            by: self.by,
            position: self.position,
            note: self.note,
            action,
        })
    }
}

/// Appends `record` to the list `list` of a proposal as one change.
fn append<T: Serialize>(
    doc: &mut Automerge,
    list: &str,
    record: &T,
    action: &str,
    unit: &UnitCode,
    at: i64,
) -> Result<(), DocError> {
    expect_kind(doc, DocKind::Proposal)?;
    doc.transact_with::<_, _, DocError, _>(
        |_| commit(action, unit.as_str(), at),
        |tx| {
            let obj = get_obj(tx, &ROOT, list, ObjType::List)?;
            push_record(tx, &obj, record)
        },
    )
    .map_err(|f| f.error)?;
    Ok(())
}

/// Appends an event to the log as one change.
pub fn append_event(doc: &mut Automerge, event: &Event) -> Result<(), DocError> {
    let action = format!("event.{}", event.action.name());
    append(
        doc,
        "events",
        &EventRecord::from_event(event),
        &action,
        &event.unit,
        event.at,
    )
}

pub fn add_comment(doc: &mut Automerge, c: &Comment) -> Result<(), DocError> {
    append(doc, "comments", c, "proposal.comment", &c.unit, c.at)
}

pub fn add_attachment(doc: &mut Automerge, a: &Attachment) -> Result<(), DocError> {
    append(doc, "attachments", a, "proposal.attach", &a.unit, a.at)
}

/// The event as its stored flat record (step-specific fields included, absent ones omitted),
/// for JSON output.
pub fn event_record_json(event: &Event) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::to_value(EventRecord::from_event(event)) {
        Ok(serde_json::Value::Object(m)) => m.into_iter().filter(|(_, v)| !v.is_null()).collect(),
        _ => serde_json::Map::new(),
    }
}

/// The readable attachment records of a proposal, read alone (the root and the `attachments`
/// list, nothing else): what the hub indexes and checks for blob transfers
/// ([`crate::blob`]). A document without the list has none.
pub fn attachments<D: ReadDoc>(doc: &D) -> Vec<Attachment> {
    let root = MapFields::read(doc, &ROOT);
    root.records::<_, Attachment>(doc, "attachments")
        .map(|v| v.into_iter().filter_map(Result::ok).collect())
        .unwrap_or_default()
}

/// Reads the whole proposal.
pub fn read<D: ReadDoc>(doc: &D) -> Result<Proposal, DocError> {
    read_with(doc, true)
}

/// [`read`] without the prose (left empty): what the procedure, the index of reports and the
/// checks need, at about half the cost (the prose is most of a document's operations).
pub fn read_without_prose<D: ReadDoc>(doc: &D) -> Result<Proposal, DocError> {
    read_with(doc, false)
}

/// Fills in the prose of a proposal read by [`read_without_prose`] from the same document.
pub fn read_prose<D: ReadDoc>(doc: &D, p: &mut Proposal) -> Result<(), DocError> {
    let root = MapFields::read(doc, &ROOT);
    p.prose.clear();
    for key in PROSE {
        p.prose.push((key.to_string(), root.text(doc, key)?));
    }
    Ok(())
}

fn read_with<D: ReadDoc>(doc: &D, with_prose: bool) -> Result<Proposal, DocError> {
    // The root's fields in one pass.
    let root = MapFields::read(doc, &ROOT);
    root.expect_kind(DocKind::Proposal)?;
    let s = |k: &str| root.str(k).unwrap_or_default();
    let id = DocId::parse(&s("id")).map_err(|e| DocError::Corrupt(e.to_string()))?;
    let unit = UnitCode::parse(&s("unit")).map_err(|e| DocError::Corrupt(e.to_string()))?;
    let mut prose = Vec::with_capacity(PROSE.len());
    if with_prose {
        for key in PROSE {
            prose.push((key.to_string(), root.text(doc, key)?));
        }
    }
    let mut events = Vec::new();
    let mut unreadable = Vec::new();
    for r in root.records::<_, EventRecord>(doc, "events")? {
        match r.and_then(EventRecord::into_event) {
            Ok(e) => events.push(e),
            Err(why) => unreadable.push(why),
        }
    }
    let comments = root
        .records::<_, Comment>(doc, "comments")?
        .into_iter()
        .filter_map(Result::ok)
        .collect();
    let attachments = root
        .records::<_, Attachment>(doc, "attachments")?
        .into_iter()
        .filter_map(Result::ok)
        .collect();
    Ok(Proposal {
        id,
        unit,
        created_at: root.i64("created_at").unwrap_or(0),
        title: s("title"),
        proposer: s("proposer"),
        position: s("position"),
        proposer_is_head: root.bool("proposer_is_head"),
        proposer_is_deputy: root.bool("proposer_is_deputy"),
        leader: root.bool("leader"),
        basis: Basis::parse(&s("basis")).unwrap_or(Basis::Qd20),
        basis_chosen: Basis::parse(&s("basis")).is_some(),
        field: s("field"),
        pilot: root.bool("pilot"),
        prose,
        events,
        unreadable,
        comments,
        attachments,
    })
}
