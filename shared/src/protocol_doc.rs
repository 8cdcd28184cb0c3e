//! `PROTOCOL.md` checked against the code: a third party implements a client from that page
//! alone, so what it states about the wire and the documents must be what this build does.
//!
//! What is checked, and how `PROTOCOL.md` marks it:
//! - fenced blocks with the info string `json wire:TYPE` (optionally `wire:TYPE#label`): the
//!   JSON equivalent of a value of `TYPE` from [`crate::wire`] (byte strings written as arrays
//!   of numbers, as serde_json reads and writes them). Each must deserialise into `TYPE` and
//!   serialise back to the very same JSON, so a misspelled, missing or extra field fails; the
//!   CBOR types then round-trip through [`wire::encode_as`] / [`wire::decode_as`] in both
//!   encodings. `json wire-partial:TYPE` blocks may leave out fields that have defaults; every
//!   field they do give must come back unchanged. `json wire:Registry` and `json
//!   wire:Calendar` blocks are the JSON carried in `Versioned::json`.
//! - `cbor-diag wire:TYPE#label` blocks: the CBOR diagnostic notation (RFC 8949 §8) of the
//!   `json wire:TYPE#label` block, as this build encodes and decodes it.
//! - `json doc:unit-year-genesis`: the id and first change of a unit-year record.
//! - tables after an HTML comment `<!-- check:NAME -->`: the error codes (with this list of
//!   the hub's codes, [`HUB_ERROR_CODES`]), the root keys of both document kinds, the event
//!   kinds and their fields, the record fields of every list, the report's JSON keys.
//!
//! Run with `cargo test -p doimoi-shared --lib protocol_doc`.

use crate::doc::{proposal, unit_year};
use crate::ids::{DocId, UnitCode};
use crate::org::Registry;
use crate::wire::{self, Encoding};
use crate::workflow::{Action, Basis, Determination, EvalResult, Event, Level, Side};
use automerge::{ActorId, Automerge, ObjId, ObjType, ReadDoc, ScalarValue, Value, ROOT};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

const DOC: &str = include_str!("../../PROTOCOL.md");

/// Every error code the hub answers with, and its HTTP status (`hub/src/error.rs`,
/// `hub/src/routes/`, `hub/src/reports.rs`). `shared` cannot see the hub's code, so this list
/// is kept by hand: when the hub gains, loses or renames a code, update this list and the
/// table in `PROTOCOL.md` together (the test compares the two).
const HUB_ERROR_CODES: [(u16, &str); 15] = [
    (400, "bad_request"),
    (400, "protocol_version"),
    (401, "unauthorized"),
    (401, "token_revoked"),
    (403, "out_of_scope"),
    (404, "not_found"),
    (409, "upload_conflict"),
    (413, "too_large"),
    (415, "unsupported_encoding"),
    (416, "range_not_satisfiable"),
    (422, "hash_mismatch"),
    (429, "rate_limited"),
    (500, "internal"),
    (503, "busy"),
    (507, "storage_full"),
];

/// A fenced block of `PROTOCOL.md`.
struct Block {
    /// The info string's first word (`json`, `cbor-diag`, …).
    lang: String,
    /// The info string's second word (`wire:SyncRequest#push`, …), if any.
    tag: String,
    text: String,
    /// Line number of the opening fence (1-based), for messages.
    line: usize,
}

fn blocks() -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in DOC.lines().enumerate() {
        match open.as_mut() {
            None => {
                // Fences may be indented (inside a list item).
                if let Some(info) = line.trim_start().strip_prefix("```") {
                    let mut words = info.split_whitespace();
                    open = Some(Block {
                        lang: words.next().unwrap_or_default().to_string(),
                        tag: words.next().unwrap_or_default().to_string(),
                        text: String::new(),
                        line: i + 1,
                    });
                }
            }
            Some(b) => {
                if line.trim() == "```" {
                    out.extend(open.take());
                } else {
                    b.text.push_str(line);
                    b.text.push('\n');
                }
            }
        }
    }
    assert!(open.is_none(), "PROTOCOL.md ends inside a fenced block");
    out
}

/// The rows (cells, trimmed) of the table following `<!-- check:NAME -->`, without the
/// header and separator rows.
fn table(name: &str) -> Vec<Vec<String>> {
    let marker = format!("<!-- check:{name} -->");
    let mut lines = DOC.lines().skip_while(|l| l.trim() != marker);
    assert!(
        lines.next().is_some(),
        "PROTOCOL.md has no table marked {marker}"
    );
    let rows: Vec<Vec<String>> = lines
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| l.trim_start().starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.trim().trim_matches('|').split('|').collect();
            cells.iter().map(|c| c.trim().to_string()).collect()
        })
        .collect();
    assert!(rows.len() > 2, "the table marked {marker} has no rows");
    rows.into_iter().skip(2).collect()
}

/// The spans between backticks in a table cell.
fn ticks(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The first span between backticks in a cell (the key a row is about).
fn key(cell: &str) -> String {
    ticks(cell).into_iter().next().unwrap_or_default()
}

/// Whether the CBOR of a type is what travels (sync bodies), or JSON (errors, news, and the
/// registry and calendar carried as text inside `Versioned`).
#[derive(Clone, Copy, PartialEq)]
enum Travels {
    Cbor,
    Json,
}

/// Checks one example of type `T` (see the module's notes).
fn check<T>(doc: &Json, partial: bool, travels: Travels) -> Result<(), String>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let value: T =
        serde_json::from_value(doc.clone()).map_err(|e| format!("does not deserialise: {e}"))?;
    let back = serde_json::to_value(&value).map_err(|e| format!("does not serialise: {e}"))?;
    if partial {
        subset(doc, &back, "")?;
    } else if &back != doc {
        return Err(format!(
            "the code writes it differently (a misspelled, missing or extra field?)\n  \
             PROTOCOL.md: {doc}\n  code:        {back}"
        ));
    }
    if travels == Travels::Cbor {
        for enc in [Encoding::Gzip, Encoding::Zstd] {
            let body = wire::encode_as(&value, enc).map_err(|e| format!("{enc:?}: {e}"))?;
            let again: T =
                wire::decode_as(&body, 1 << 20, enc).map_err(|e| format!("{enc:?}: {e}"))?;
            if again != value {
                return Err(format!(
                    "{enc:?}: changed by the CBOR round trip: {again:?}"
                ));
            }
        }
    }
    Ok(())
}

/// Every field of `doc` is in `code` with the same value (objects and arrays recursively).
fn subset(doc: &Json, code: &Json, path: &str) -> Result<(), String> {
    match (doc, code) {
        (Json::Object(d), Json::Object(c)) => {
            for (k, v) in d {
                let here = format!("{path}.{k}");
                let Some(cv) = c.get(k) else {
                    return Err(format!("{here}: no such field in the code"));
                };
                subset(v, cv, &here)?;
            }
            Ok(())
        }
        (Json::Array(d), Json::Array(c)) if d.len() == c.len() => d
            .iter()
            .zip(c)
            .enumerate()
            .try_for_each(|(i, (dv, cv))| subset(dv, cv, &format!("{path}[{i}]"))),
        _ if doc == code => Ok(()),
        _ => Err(format!(
            "{path}: PROTOCOL.md has {doc}, the code makes it {code}"
        )),
    }
}

/// Checks a `wire:` or `wire-partial:` example by its type's name.
fn check_named(ty: &str, doc: &Json, partial: bool) -> Result<(), String> {
    use crate::wire::*;
    use Travels::{Cbor, Json as J};
    match ty {
        "SyncRequest" => check::<SyncRequest>(doc, partial, Cbor),
        "PushDoc" => check::<PushDoc>(doc, partial, Cbor),
        "PullDoc" => check::<PullDoc>(doc, partial, Cbor),
        "SyncResponse" => check::<SyncResponse>(doc, partial, Cbor),
        "DocResult" => check::<DocResult>(doc, partial, Cbor),
        "Outcome" => check::<Outcome>(doc, partial, Cbor),
        "FeedEntry" => check::<FeedEntry>(doc, partial, Cbor),
        "Versioned" => check::<Versioned>(doc, partial, Cbor),
        "Heads" => check::<Heads>(doc, partial, Cbor),
        "ErrorBody" => check::<ErrorBody>(doc, partial, J),
        "News" => check::<News>(doc, partial, J),
        "Registry" => check::<Registry>(doc, partial, J),
        "Calendar" => check::<crate::calendar::Calendar>(doc, partial, J),
        other => Err(format!("no wire type named {other}")),
    }
}

/// `(type, label, partial)` of a `wire:` tag.
fn wire_tag(tag: &str) -> Option<(&str, &str, bool)> {
    let (partial, rest) = match tag.strip_prefix("wire-partial:") {
        Some(rest) => (true, rest),
        None => (false, tag.strip_prefix("wire:")?),
    };
    let (ty, label) = rest.split_once('#').unwrap_or((rest, ""));
    Some((ty, label, partial))
}

#[test]
fn every_wire_example_is_what_the_code_reads_and_writes() {
    let mut failures = Vec::new();
    let mut seen = BTreeSet::new();
    for b in blocks().iter().filter(|b| b.lang == "json") {
        let Some((ty, _, partial)) = wire_tag(&b.tag) else {
            continue;
        };
        seen.insert(ty.to_string());
        let result = serde_json::from_str::<Json>(&b.text)
            .map_err(|e| format!("not JSON: {e}"))
            .and_then(|doc| {
                check_named(ty, &doc, partial)?;
                if ty == "ErrorBody" {
                    let code = doc["code"].as_str().unwrap_or_default();
                    if !HUB_ERROR_CODES.iter().any(|(_, c)| *c == code) {
                        return Err(format!("the hub has no error code {code:?}"));
                    }
                }
                Ok(())
            });
        if let Err(e) = result {
            failures.push(format!("PROTOCOL.md:{} ({}): {e}", b.line, b.tag));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    for ty in [
        "SyncRequest",
        "SyncResponse",
        "DocResult",
        "Outcome",
        "ErrorBody",
        "News",
        "Registry",
        "Calendar",
    ] {
        assert!(seen.contains(ty), "PROTOCOL.md has no example of {ty}");
    }
}

/// CBOR diagnostic notation of a decoded value.
fn diag(v: &ciborium::Value) -> String {
    use ciborium::Value as C;
    match v {
        C::Integer(i) => i128::from(*i).to_string(),
        C::Bytes(b) => format!("h'{}'", crate::ids::hex(b)),
        C::Float(f) => f.to_string(),
        C::Text(s) => serde_json::to_string(s).unwrap_or_default(),
        C::Bool(b) => b.to_string(),
        C::Null => "null".into(),
        C::Tag(t, v) => format!("{t}({})", diag(v)),
        C::Array(items) => {
            let items: Vec<String> = items.iter().map(diag).collect();
            format!("[{}]", items.join(", "))
        }
        C::Map(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", diag(k), diag(v)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
        other => format!("{other:?}"),
    }
}

/// `text` without the white space outside string literals (`"…"` and `h'…'`).
fn squeeze(text: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        match quote {
            Some(q) => {
                out.push(c);
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None if c.is_whitespace() => {}
            None => {
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    out
}

/// The CBOR of the value a JSON example stands for, as this build encodes it and reads it
/// back (zstd body).
fn cbor_of(ty: &str, doc: &Json) -> Result<ciborium::Value, String> {
    fn encoded<T: Serialize + DeserializeOwned>(doc: &Json) -> Result<ciborium::Value, String> {
        let value: T = serde_json::from_value(doc.clone()).map_err(|e| e.to_string())?;
        let body = wire::encode_as(&value, Encoding::Zstd).map_err(|e| e.to_string())?;
        wire::decode_as(&body, 1 << 20, Encoding::Zstd).map_err(|e| e.to_string())
    }
    use crate::wire::*;
    match ty {
        "SyncRequest" => encoded::<SyncRequest>(doc),
        "SyncResponse" => encoded::<SyncResponse>(doc),
        "DocResult" => encoded::<DocResult>(doc),
        "Outcome" => encoded::<Outcome>(doc),
        other => Err(format!("no CBOR diagnostic for {other}")),
    }
}

#[test]
fn cbor_diagnostics_are_what_the_encoder_writes() {
    let all = blocks();
    let mut checked = 0;
    for b in all.iter().filter(|b| b.lang == "cbor-diag") {
        let (ty, label, _) = wire_tag(&b.tag)
            .unwrap_or_else(|| panic!("PROTOCOL.md:{}: cbor-diag without wire:TYPE#label", b.line));
        let json = all
            .iter()
            .find(|j| j.lang == "json" && j.tag == b.tag)
            .unwrap_or_else(|| {
                panic!(
                    "PROTOCOL.md:{}: no ```json {} block for {label}",
                    b.line, b.tag
                )
            });
        let doc: Json = serde_json::from_str(&json.text).expect("the JSON example parses");
        let cbor = cbor_of(ty, &doc).unwrap_or_else(|e| panic!("PROTOCOL.md:{}: {e}", b.line));
        let made = diag(&cbor);
        assert_eq!(
            squeeze(&b.text),
            squeeze(&made),
            "PROTOCOL.md:{}: the CBOR the code writes is\n{made}",
            b.line
        );
        checked += 1;
    }
    assert!(checked > 0, "PROTOCOL.md has no CBOR diagnostic example");
}

#[test]
fn the_error_code_table_spells_every_code_as_the_hub_does() {
    let rows = table("error-codes");
    let mut listed = BTreeSet::new();
    for row in &rows {
        let status: u16 = row[0]
            .parse()
            .unwrap_or_else(|_| panic!("not a status: {:?}", row[0]));
        let code = key(&row[1]);
        assert!(
            HUB_ERROR_CODES.contains(&(status, code.as_str())),
            "PROTOCOL.md lists {status} `{code}`, which the hub does not answer with \
             (HUB_ERROR_CODES: {HUB_ERROR_CODES:?})"
        );
        listed.insert((status, code));
    }
    for (status, code) in HUB_ERROR_CODES {
        assert!(
            listed.contains(&(status, code.to_string())),
            "PROTOCOL.md's error table lacks {status} `{code}`"
        );
    }
    assert!(DOC.contains(wire::CONTENT_TYPE), "the media type is named");
    let title = format!("version {}", wire::PROTOCOL_VERSION);
    assert!(
        DOC.lines().next().is_some_and(|l| l.contains(&title)),
        "the title names the protocol version"
    );
}

// ---------------------------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------------------------

fn u(code: &str) -> UnitCode {
    UnitCode::parse(code).expect("a valid code")
}

/// The Automerge type of a map's value, as `PROTOCOL.md` names it.
fn type_name(doc: &Automerge, obj: &ObjId, key: &str) -> String {
    match doc.get(obj, key).expect("readable") {
        Some((Value::Object(t), _)) => match t {
            ObjType::Map | ObjType::Table => "Map",
            ObjType::List => "List",
            ObjType::Text => "Text",
        }
        .into(),
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Str(_) => "Str",
            ScalarValue::Int(_) => "Int",
            ScalarValue::Uint(_) => "Uint",
            ScalarValue::F64(_) => "F64",
            ScalarValue::Timestamp(_) => "Timestamp",
            ScalarValue::Boolean(_) => "Boolean",
            ScalarValue::Counter(_) => "Counter",
            ScalarValue::Bytes(_) => "Bytes",
            _ => "other",
        }
        .into(),
        None => "absent".into(),
    }
}

/// Every key of the map `obj` with its type.
fn fields(doc: &Automerge, obj: &ObjId) -> BTreeMap<String, String> {
    doc.keys(obj)
        .map(|k| {
            let t = type_name(doc, obj, &k);
            (k, t)
        })
        .collect()
}

/// The `| `key` | Type | …` rows of a checked table.
fn typed_rows(name: &str) -> BTreeMap<String, String> {
    table(name)
        .iter()
        .map(|r| (key(&r[0]), r[1].clone()))
        .collect()
}

fn the_list(doc: &Automerge, key: &str) -> ObjId {
    match doc.get(ROOT, key).expect("readable") {
        Some((Value::Object(ObjType::List), id)) => id,
        other => panic!("{key} is not a list: {other:?}"),
    }
}

/// The records of the root list `key`, as maps of field → type.
fn records(doc: &Automerge, key: &str) -> Vec<BTreeMap<String, String>> {
    let list = the_list(doc, key);
    (0..doc.length(&list))
        .map(|i| match doc.get(&list, i).expect("readable") {
            Some((Value::Object(ObjType::Map), rec)) => fields(doc, &rec),
            other => panic!("{key}[{i}] is not a record: {other:?}"),
        })
        .collect()
}

fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
}

#[test]
fn the_document_root_tables_are_what_documents_hold() {
    let p = proposal::create(
        ActorId::from([1u8; 16]),
        &DocId::from_bytes([7; 16]),
        &u("20335"),
        0,
        &proposal::ProposalFields::default(),
    )
    .expect("create");
    assert_eq!(
        typed_rows("proposal-root"),
        fields(&p, &ROOT),
        "PROTOCOL.md's proposal root table (left) against a new proposal (right)"
    );
    let y = unit_year::create(ActorId::from([1u8; 16]), &u("20335"), 2024).expect("create");
    assert_eq!(
        typed_rows("unit-year-root"),
        fields(&y, &ROOT),
        "PROTOCOL.md's unit-year root table (left) against a new record (right)"
    );
    let plan = match y.get(ROOT, "plan").expect("readable") {
        Some((Value::Object(ObjType::Map), id)) => id,
        other => panic!("plan is not a map: {other:?}"),
    };
    let mut y = y;
    unit_year::set_plan(
        &mut y,
        &unit_year::Plan {
            number: "45/KH-UBND".into(),
            date: day("2023-07-25"),
            note: "ghi chú".into(),
        },
        &u("20335"),
        1,
    )
    .expect("plan");
    assert_eq!(typed_rows("record-plan"), fields(&y, &plan), "plan");
}

/// One action of every kind; the match (no wildcard) breaks the build when a kind is added,
/// so that `PROTOCOL.md` is updated with it.
fn every_action() -> Vec<Action> {
    let all = vec![
        Action::Submit,
        Action::Receive,
        Action::PartyOpinion { agree: true },
        Action::Vote {
            votes_for: 3,
            against: 1,
            abstain: 0,
            head_voted: Some(Side::For),
            members: Some(4),
        },
        Action::Approve {
            pilot: true,
            by_head: false,
        },
        Action::Reject,
        Action::Escalate,
        Action::Answer {
            approve: true,
            pilot: true,
        },
        Action::Start,
        Action::Suspend,
        Action::Resume,
        Action::Terminate,
        Action::ReportResults {
            finished: Some(day("2025-03-31")),
        },
        Action::Evaluate {
            result: EvalResult::Completed,
            damage: false,
        },
        Action::Notify,
        Action::Protect {
            determination: Determination::NotLiable,
        },
        Action::Commend { level: Level::Unit },
        Action::CommendOpinion { agree: true },
        Action::CommendDecide { granted: true },
        Action::Discipline {
            measure: "Khiển trách".into(),
        },
        Action::Resolve {
            keep: "0011223344556677".into(),
        },
    ];
    for a in &all {
        match a {
            Action::Submit
            | Action::Receive
            | Action::PartyOpinion { .. }
            | Action::Vote { .. }
            | Action::Approve { .. }
            | Action::Reject
            | Action::Escalate
            | Action::Answer { .. }
            | Action::Start
            | Action::Suspend
            | Action::Resume
            | Action::Terminate
            | Action::ReportResults { .. }
            | Action::Evaluate { .. }
            | Action::Notify
            | Action::Protect { .. }
            | Action::Commend { .. }
            | Action::CommendOpinion { .. }
            | Action::CommendDecide { .. }
            | Action::Discipline { .. }
            | Action::Resolve { .. } => {}
        }
    }
    all
}

#[test]
fn the_event_tables_are_what_event_records_hold() {
    let mut doc = proposal::create(
        ActorId::from([1u8; 16]),
        &DocId::from_bytes([7; 16]),
        &u("20335"),
        0,
        &proposal::ProposalFields {
            basis: Some(Basis::Nd73),
            ..Default::default()
        },
    )
    .expect("create");
    let actions = every_action();
    for (i, action) in actions.iter().enumerate() {
        let event = Event {
            id: format!("{i:016x}"),
            seq: i as u64 + 1,
            prev: if i == 0 {
                vec![]
            } else {
                vec![format!("{:016x}", i - 1)]
            },
            at: 1_735_689_600_000,
            date: day("2025-01-01"),
            unit: u("20335"),
            by: "Nguyễn Văn An".into(),
            position: "Chủ tịch".into(),
            note: String::new(),
            action: action.clone(),
        };
        proposal::append_event(&mut doc, &event).expect("append");
    }
    let common = typed_rows("event-fields");
    let specific = typed_rows("event-specific");
    let kinds: BTreeMap<String, BTreeSet<String>> = table("event-kinds")
        .iter()
        .map(|r| (key(&r[0]), ticks(&r[2]).into_iter().collect()))
        .collect();
    let names: BTreeSet<String> = actions.iter().map(|a| a.name().to_string()).collect();
    assert_eq!(
        kinds.keys().cloned().collect::<BTreeSet<_>>(),
        names,
        "PROTOCOL.md's event kinds (left) against the code's (right)"
    );
    for (action, record) in actions.iter().zip(records(&doc, "events")) {
        let name = action.name();
        for (field, ty) in &common {
            assert_eq!(
                record.get(field),
                Some(ty),
                "common field `{field}` of a `{name}` event"
            );
        }
        let own: BTreeMap<&String, &String> = record
            .iter()
            .filter(|(f, _)| !common.contains_key(*f))
            .collect();
        assert_eq!(
            own.keys().map(|f| (*f).clone()).collect::<BTreeSet<_>>(),
            kinds[name],
            "kind-specific fields of `{name}` (right: PROTOCOL.md)"
        );
        for (field, ty) in own {
            assert_eq!(
                specific.get(field),
                Some(ty),
                "type of `{field}` (`{name}` event)"
            );
        }
    }
}

#[test]
fn the_record_tables_are_what_record_lists_hold() {
    let me = u("20335");
    let mut p = proposal::create(
        ActorId::from([1u8; 16]),
        &DocId::from_bytes([7; 16]),
        &me,
        0,
        &proposal::ProposalFields::default(),
    )
    .expect("create");
    proposal::add_comment(
        &mut p,
        &proposal::Comment {
            id: "00aa11bb22cc33dd".into(),
            at: 1,
            unit: me.clone(),
            by: "Trần Thị Bình".into(),
            text: "Đề nghị nhân rộng".into(),
        },
    )
    .expect("comment");
    proposal::add_attachment(
        &mut p,
        &proposal::Attachment {
            sha256: "ab".repeat(32),
            name: "ke-hoach.pdf".into(),
            size: 1024,
            at: 1,
            unit: me.clone(),
        },
    )
    .expect("attachment");
    let mut y = unit_year::create(ActorId::from([1u8; 16]), &me, 2024).expect("create");
    let date = day("2024-05-20");
    use unit_year::Entry;
    let entries = [
        Entry::Dissemination(unit_year::Dissemination {
            id: "1".into(),
            date,
            form: "Hội nghị".into(),
            participants: 35,
            note: "n".into(),
            at: 1,
        }),
        Entry::SelfInspection(unit_year::SelfInspection {
            id: "2".into(),
            date,
            findings: "f".into(),
            report: "12/BC-UBND".into(),
            at: 1,
        }),
        Entry::Review(unit_year::Review {
            id: "3".into(),
            kind: unit_year::ReviewKind::Preliminary,
            date,
            form: "Hội nghị".into(),
            report: "r".into(),
            at: 1,
        }),
        Entry::Commendation(unit_year::Commendation {
            id: "4".into(),
            person: "Nguyễn Văn An".into(),
            proposal: Some(DocId::from_bytes([7; 16])),
            form: "Giấy khen".into(),
            level: Level::Unit,
            date,
            at: 1,
        }),
        Entry::Discipline(unit_year::Discipline {
            id: "5".into(),
            subject: "s".into(),
            violation: "v".into(),
            measure: "Khiển trách".into(),
            level: Level::Unit,
            date,
            at: 1,
        }),
        Entry::Inspection(unit_year::Inspection {
            id: "6".into(),
            date,
            by_unit: u("49-SNV"),
            findings: "f".into(),
            recommendations: "r".into(),
            at: 1,
        }),
    ];
    for e in &entries {
        unit_year::add(&mut y, e, &me).expect("add");
    }
    let mut lists: Vec<(&Automerge, &str)> = vec![(&p, "comments"), (&p, "attachments")];
    lists.extend(unit_year::LISTS.iter().map(|l| (&y, *l)));
    for (doc, list) in lists {
        let got = records(doc, list);
        assert_eq!(got.len(), 1, "{list}");
        assert_eq!(
            typed_rows(&format!("record-{list}")),
            got[0],
            "PROTOCOL.md's `{list}` table (left) against a record (right)"
        );
    }
}

#[test]
fn the_unit_year_genesis_example_is_the_first_change_the_code_makes() {
    let block = blocks()
        .into_iter()
        .find(|b| b.tag == "doc:unit-year-genesis")
        .expect("PROTOCOL.md has the unit-year genesis example");
    let doc: Json = serde_json::from_str(&block.text).expect("JSON");
    let unit = u(doc["unit"].as_str().expect("unit"));
    let year = i32::try_from(doc["year"].as_i64().expect("year")).expect("a year");
    // The actor the record goes on with does not change its first change.
    let created = unit_year::create(ActorId::from([9u8; 16]), &unit, year).expect("create");
    let first = created.get_changes(&[]);
    assert_eq!(first.len(), 1);
    let c = &first[0];
    let made = serde_json::json!({
        "unit": unit.as_str(),
        "year": year,
        "id": DocId::unit_year(&unit, year).as_str(),
        "actor": c.actor_id().to_hex_string(),
        "seq": c.seq(),
        "start_op": c.start_op().get(),
        "time": c.timestamp(),
        "message": c.message(),
        "deps": c.deps().iter().map(|h| h.to_string()).collect::<Vec<_>>(),
        "hash": c.hash().to_string(),
    });
    assert_eq!(
        doc, made,
        "PROTOCOL.md:{} (left) against the code",
        block.line
    );
}

#[test]
fn the_report_key_tables_are_the_reports_json() {
    let registry = Registry::embedded_default();
    let period = crate::report::Period::parse("2024").expect("period");
    let province = registry.province_code().clone();
    let report = crate::report::build(&registry, &[], &[], &period, None, &province)
        .expect("an empty report");
    let json = serde_json::to_value(&report).expect("JSON");
    let keys = |v: &Json| -> BTreeSet<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let listed =
        |name: &str| -> BTreeSet<String> { table(name).iter().map(|r| key(&r[0])).collect() };
    assert_eq!(listed("report-keys"), keys(&json), "the report's keys");
    assert_eq!(listed("figures-keys"), keys(&json["totals"]), "figures");
    let unit = &json["units"][0];
    let mut unit_keys = listed("unit-keys");
    unit_keys.extend(listed("figures-keys"));
    assert_eq!(
        unit_keys,
        keys(unit),
        "a unit line: its own keys and the figures"
    );
    assert_eq!(listed("period-keys"), keys(&json["period"]), "period");
}
