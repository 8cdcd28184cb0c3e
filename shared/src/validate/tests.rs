//! The ingress check's rules, each refused and accepted on real documents.

use super::objects::{check_preds, path_of, Place};
use super::*;
use crate::doc::proposal::{self, Comment, ProposalFields};
use crate::ids::DocId;
use crate::workflow::{Action, Event};
use automerge::legacy::{Key, ObjectId, OpId as LegacyOpId, OpType};
use automerge::{ObjId, ReadDoc};
use std::collections::HashMap;

fn cal() -> &'static crate::calendar::Calendar {
    crate::calendar::Calendar::embedded()
}

fn u(s: &str) -> UnitCode {
    UnitCode::parse(s).expect("valid")
}

fn base() -> Automerge {
    base_with(false)
}

/// A proposal of commune 20335; `head`: its chairman's own (district 502 decides).
fn base_with(head: bool) -> Automerge {
    // Every content khoản 2 Điều 7 Nghị định 73 requires, so that it may be submitted.
    let text = || Some("Nội dung".to_string());
    let f = ProposalFields {
        title: Some("Đề xuất".into()),
        proposer: Some("Lê Thị C".into()),
        proposer_is_head: head.then_some(true),
        basis: Some(crate::workflow::Basis::Qd20),
        necessity: text(),
        content: text(),
        subjects: text(),
        scope: text(),
        timeline: text(),
        resources: text(),
        feasibility: text(),
        impact: text(),
        expected: text(),
        ..ProposalFields::default()
    };
    proposal::create(
        ActorId::from([1u8; 16]),
        &DocId::from_bytes([1; 16]),
        &u("20335"),
        0,
        &f,
    )
    .expect("create")
}

fn event(unit: &str) -> Event {
    Event {
        id: "e1".into(),
        seq: 1,
        prev: vec![],
        at: 0,
        date: chrono::NaiveDate::from_ymd_opt(2024, 1, 2).expect("date"),
        unit: u(unit),
        by: String::new(),
        position: String::new(),
        note: String::new(),
        // The commune submits; another unit receives (as the deciding unit).
        action: if unit == "20335" {
            Action::Submit
        } else {
            Action::Receive
        },
    }
}

#[test]
fn the_owner_creates_and_edits_and_records_its_own_events() {
    let r = Registry::embedded_default();
    let mut doc = base();
    proposal::append_event(&mut doc, &event("20335")).expect("append");
    let bound = |_: &ActorId| None;
    let bind = check_changes(&doc, &[], &u("20335"), &r, cal(), &bound).expect("accepted");
    assert_eq!(bind.len(), 1);
}

#[test]
fn events_acting_as_another_unit_and_foreign_actors_are_refused() {
    let r = Registry::embedded_default();
    // The commune chairman's proposal, submitted: district 502 receives it.
    let mut doc = base_with(true);
    proposal::append_event(&mut doc, &event("20335")).expect("append");
    let before = doc.get_heads();
    let mut d = doc.fork();
    d.set_actor(ActorId::from([2u8; 16]));
    let mut receipt = event("502");
    receipt.id = "e2".into();
    proposal::append_event(&mut d, &receipt).expect("append");
    doc.merge(&mut d).expect("merge");
    let none = |_: &ActorId| None;
    let err = check_changes(&doc, &before, &u("20335"), &r, cal(), &none).expect_err("refused");
    assert!(
        matches!(&err.reason, Reason::ActsForAnother { named, .. } if named == "502"),
        "{}",
        err.reason
    );
    // The district may add its own event, but not edit the commune's content.
    assert!(check_changes(&doc, &before, &u("502"), &r, cal(), &none).is_ok());
    let mut e = doc.fork();
    e.set_actor(ActorId::from([3u8; 16]));
    let before = e.get_heads();
    let edit = ProposalFields {
        title: Some("Sửa".into()),
        ..ProposalFields::default()
    };
    proposal::edit(&mut e, &edit, &u("502"), 0).expect("edit");
    assert!(check_changes(&e, &before, &u("502"), &r, cal(), &none).is_err());
    // An actor bound to another office is refused.
    let other = |_: &ActorId| Some(u("20341"));
    assert!(check_changes(&e, &before, &u("20335"), &r, cal(), &other).is_err());
}

#[test]
fn comments_name_their_unit() {
    let r = Registry::embedded_default();
    let mut doc = base();
    let before = doc.get_heads();
    let c = Comment {
        id: "c1".into(),
        at: 0,
        unit: u("502"),
        by: String::new(),
        text: "Ý kiến".into(),
    };
    proposal::add_comment(&mut doc, &c).expect("comment");
    let none = |_: &ActorId| None;
    assert!(check_changes(&doc, &before, &u("502"), &r, cal(), &none).is_ok());
    assert!(check_changes(&doc, &before, &u("20335"), &r, cal(), &none).is_err());
}

#[test]
fn a_second_root_cannot_take_a_document_over() {
    let r = Registry::embedded_default();
    let doc = base();
    let before = doc.get_heads();
    // A district builds a rival document with the same id, owner 502, and merges it in.
    let f = ProposalFields::default();
    let mut rival = proposal::create(
        ActorId::from([7u8; 16]),
        &DocId::from_bytes([1; 16]),
        &u("502"),
        0,
        &f,
    )
    .expect("create");
    let mut merged = doc.clone();
    merged.merge(&mut rival).expect("merge");
    let none = |_: &ActorId| None;
    let err = check_changes(&merged, &before, &u("502"), &r, cal(), &none).expect_err("refused");
    assert_eq!(err.reason, Reason::SecondRoot);
}

#[test]
fn containers_cannot_be_deleted_and_authority_facts_freeze_after_submit() {
    use automerge::transaction::Transactable;
    let r = Registry::embedded_default();
    let none = |_: &ActorId| None;
    let mut doc = base();
    let before = doc.get_heads();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.delete(ROOT, "events"))
        .map_err(|f| f.error)
        .expect("delete");
    assert!(check_changes(&doc, &before, &u("20335"), &r, cal(), &none).is_err());

    let mut doc = base();
    proposal::append_event(&mut doc, &event("20335")).expect("append");
    let before = doc.get_heads();
    let edit = ProposalFields {
        proposer_is_head: Some(true),
        ..ProposalFields::default()
    };
    proposal::edit(&mut doc, &edit, &u("20335"), 0).expect("edit");
    let err = check_changes(&doc, &before, &u("20335"), &r, cal(), &none).expect_err("frozen");
    assert_eq!(
        err.reason,
        Reason::FrozenAfterSubmit {
            key: "proposer_is_head".into()
        }
    );
    // A duplicate event id is refused too.
    let before = doc.get_heads();
    proposal::append_event(&mut doc, &event("20335")).expect("append");
    assert!(check_changes(&doc, &before, &u("20335"), &r, cal(), &none).is_err());
}

/// A proposal created in one change by `actor`, with `extra` written in the same change.
fn created_with(
    actor: u8,
    unit: &str,
    extra: impl FnOnce(&mut automerge::transaction::Transaction<'_>, &ObjId),
) -> Automerge {
    use automerge::transaction::Transactable;
    let mut doc = Automerge::new().with_actor(ActorId::from([actor; 16]));
    let mut tx = doc.transaction();
    tx.put(ROOT, "schema", 1i64).expect("put");
    tx.put(ROOT, "kind", "proposal").expect("put");
    tx.put(ROOT, "id", DocId::from_bytes([4; 16]).as_str())
        .expect("put");
    tx.put(ROOT, "unit", unit).expect("put");
    let events = tx
        .put_object(ROOT, "events", automerge::ObjType::List)
        .expect("list");
    for key in ["comments", "attachments"] {
        tx.put_object(ROOT, key, automerge::ObjType::List)
            .expect("list");
    }
    extra(&mut tx, &events);
    tx.commit();
    doc
}

#[test]
fn a_new_documents_first_change_is_judged_by_what_it_leaves() {
    use automerge::transaction::Transactable;
    let r = Registry::embedded_default();
    let none = |_: &ActorId| None;
    // Clean: accepted, its actor bound.
    let doc = created_with(1, "20335", |_, _| {});
    let bind = check_changes(&doc, &[], &u("20335"), &r, cal(), &none).expect("accepted");
    assert_eq!(bind.len(), 1);
    // An event acting as the district, written in the creating change itself.
    let doc = created_with(1, "20335", |tx, events| {
        let e = tx
            .insert_object(events, 0, automerge::ObjType::Map)
            .expect("record");
        tx.put(&e, "id", "e1").expect("put");
        tx.put(&e, "unit", "502").expect("put");
    });
    let err = check_changes(&doc, &[], &u("20335"), &r, cal(), &none).expect_err("refused");
    assert!(
        matches!(&err.reason, Reason::ActsForAnother { named, .. } if named == "502"),
        "{}",
        err.reason
    );
    // Something that is not a record in a record list.
    let doc = created_with(1, "20335", |tx, events| {
        tx.insert(events, 0, "không phải bản ghi").expect("insert");
    });
    let err = check_changes(&doc, &[], &u("20335"), &r, cal(), &none).expect_err("refused");
    assert!(
        matches!(
            err.reason,
            Reason::NotARecord {
                list: "events",
                index: 0
            }
        ),
        "{}",
        err.reason
    );
    // Another unit's proposal, created by this office.
    let doc = created_with(1, "20341", |_, _| {});
    assert!(check_changes(&doc, &[], &u("20335"), &r, cal(), &none).is_err());
    // An actor bound to another office, even in the first change.
    let doc = created_with(1, "20335", |_, _| {});
    let other = |_: &ActorId| Some(u("20341"));
    assert!(check_changes(&doc, &[], &u("20335"), &r, cal(), &other).is_err());
    // A new proposal is judged by what it leaves, all its changes: the owner rewritten
    // after creation is refused (the result names the office, but not as the first
    // change set it).
    let mut doc = created_with(1, "20341", |_, _| {});
    doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "unit", "20335"))
        .map_err(|f| f.error)
        .expect("rewrite");
    let err = check_changes(&doc, &[], &u("20335"), &r, cal(), &none).expect_err("refused");
    assert_eq!(err.reason, Reason::SetOnce { key: "unit".into() });
    // The office's own record, then its removal (with the heads before the removal).
    let removed = || {
        let mut doc = created_with(1, "20335", |tx, events| {
            let e = tx
                .insert_object(events, 0, automerge::ObjType::Map)
                .expect("record");
            tx.put(&e, "unit", "20335").expect("put");
        });
        let held = doc.get_heads();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            let Some((_, events)) = tx.get(ROOT, "events")? else {
                return Ok(());
            };
            tx.delete(&events, 0)
        })
        .map_err(|f| f.error)
        .expect("delete");
        (doc, held)
    };
    // Removed before the first push: nobody saw it, and the result is a clean document.
    let (doc, _) = removed();
    assert!(check_changes(&doc, &[], &u("20335"), &r, cal(), &none).is_ok());
    // Once the hub holds the record, removing it is refused.
    let (doc, held) = removed();
    assert!(check_changes(&doc, &held, &u("20335"), &r, cal(), &none).is_err());
    // What the first change did not set up, added later: a prose field replaced by a plain
    // string, a new container at the root, a fixed key set again.
    type Edit = fn(&mut automerge::transaction::Transaction<'_>);
    let later: [(&str, Edit); 4] = [
        ("content", |tx| {
            tx.put(ROOT, "content", "chữ thường").expect("put");
        }),
        ("extra", |tx| {
            tx.put_object(ROOT, "extra", automerge::ObjType::Map)
                .expect("map");
        }),
        ("events", |tx| {
            tx.put_object(ROOT, "events", automerge::ObjType::List)
                .expect("list");
        }),
        ("id", |tx| {
            tx.put(ROOT, "id", DocId::from_bytes([5; 16]).as_str())
                .expect("put");
        }),
    ];
    for (key, edit) in later {
        let mut doc = created_with(1, "20335", |_, _| {});
        let mut tx = doc.transaction();
        edit(&mut tx);
        let (changed, _) = tx.commit();
        let err = check_changes(&doc, &[], &u("20335"), &r, cal(), &none).expect_err(key);
        assert!(
            matches!(&err.reason, Reason::SetOnce { key: k } | Reason::ProseIsText { key: k } if k == key),
            "{key}: {}",
            err.reason
        );
        assert_eq!(Some(err.change), changed, "{key}: the change that set it");
    }
}

/// `doc` with `edit`'s last change re-applied after `forge` rewrote its operations (as a
/// tampering client could: Automerge applies predecessors without checking their keys).
fn forged(
    doc: &Automerge,
    edit: &Automerge,
    forge: impl FnOnce(&mut Vec<automerge::legacy::Op>),
) -> Automerge {
    let last = edit
        .get_changes(&doc.get_heads())
        .pop()
        .expect("a new change");
    let mut expanded = last.decode();
    forge(&mut expanded.operations);
    expanded.hash = None;
    let mut out = doc.clone();
    out.apply_changes([automerge::Change::from(expanded)])
        .expect("apply");
    out
}

fn op_id(id: &ObjId) -> LegacyOpId {
    match id {
        ObjId::Id(c, a, _) => LegacyOpId(*c, a.clone()),
        ObjId::Root => panic!("root has no op"),
    }
}

#[test]
fn predecessors_must_be_ops_on_the_same_key() {
    let r = Registry::embedded_default();
    let none = |_: &ActorId| None;
    // The commune chairman's proposal with its submission; the district adds its receipt.
    let mut doc = base_with(true);
    proposal::append_event(&mut doc, &event("20335")).expect("append");
    let before = doc.get_heads();
    let mut district = doc.fork();
    district.set_actor(ActorId::from([2u8; 16]));
    let mut e = event("502");
    e.id = "e2".into();
    proposal::append_event(&mut district, &e).expect("append");
    let honest = forged(&doc, &district, |_| {});
    assert!(check_changes(&honest, &before, &u("502"), &r, cal(), &none).is_ok());
    // Its insert names the commune's event as predecessor: that event would vanish.
    let Ok(Some((_, events))) = doc.get(ROOT, "events") else {
        panic!("events")
    };
    let Ok(Some((_, victim))) = doc.get(&events, 0) else {
        panic!("record")
    };
    let hidden = forged(&doc, &district, |ops| {
        if let Some(insert) = ops.iter_mut().find(|o| o.insert) {
            insert.pred = vec![op_id(&victim)].into();
        }
    });
    // (The forgery works: the commune's event is gone from the result.)
    assert_eq!(hidden.length(&events), 1);
    let err = check_changes(&hidden, &before, &u("502"), &r, cal(), &none).expect_err("refused");
    assert_eq!(err.reason, Reason::RecordRemoved { list: "events" });
    // A put in its own record naming the proposal's title as predecessor: refused the same
    // way, whatever Automerge would make of it.
    let Ok(Some((_, title))) = doc.get(ROOT, "title") else {
        panic!("title")
    };
    let retitled = forged(&doc, &district, |ops| {
        if let Some(put) = ops.iter_mut().find(|o| !o.insert && o.key.is_map_key()) {
            put.pred = vec![op_id(&title)].into();
        }
    });
    // (Automerge itself panics reading this one back: refused all the same.)
    assert!(check_changes(&retitled, &before, &u("502"), &r, cal(), &none).is_err());
    // The owner editing a field may supersede that field's value, not another's.
    let mut owner = doc.fork();
    owner.set_actor(ActorId::from([1u8; 16]));
    let edit = ProposalFields {
        title: Some("Tên mới".into()),
        ..ProposalFields::default()
    };
    proposal::edit(&mut owner, &edit, &u("20335"), 0).expect("edit");
    let edited = forged(&doc, &owner, |_| {});
    assert!(check_changes(&edited, &before, &u("20335"), &r, cal(), &none).is_ok());
    let Ok(Some((_, basis))) = doc.get(ROOT, "basis") else {
        panic!("basis")
    };
    let unfrozen = forged(&doc, &owner, |ops| {
        if let Some(put) = ops.iter_mut().find(|o| o.key == Key::Map("title".into())) {
            put.pred = vec![op_id(&basis)].into();
        }
    });
    assert!(matches!(unfrozen.get(ROOT, "basis"), Ok(None)));
    assert!(check_changes(&unfrozen, &before, &u("20335"), &r, cal(), &none).is_err());
    // The rule itself, on the honest edit's ops: the title's put names the old title and
    // passes; named as the predecessor of another key's op, or of an insert, it fails.
    let change = edited.get_changes(&before).pop().expect("edit").decode();
    let targets = HashMap::new();
    let put = change
        .operations
        .iter()
        .find(|o| o.key == Key::Map("title".into()))
        .expect("title put");
    assert_eq!(put.pred.len(), 1);
    assert!(check_preds(&edited, put, &change.deps, &targets).is_ok());
    let mut other_key = put.clone();
    other_key.key = Key::Map("field".into());
    assert!(check_preds(&edited, &other_key, &change.deps, &targets).is_err());
    let mut insert = put.clone();
    insert.insert = true;
    assert!(check_preds(&edited, &insert, &change.deps, &targets).is_err());
}

#[test]
fn memoised_paths_are_the_paths_automerge_gives() {
    use automerge::transaction::Transactable;
    let mut doc = base();
    proposal::append_event(&mut doc, &event("20335")).expect("append");
    // Nested and invisible objects too: a list in a record, a deleted record.
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        let list = tx.put_object(ROOT, "extra", automerge::ObjType::List)?;
        let a = tx.insert_object(&list, 0, automerge::ObjType::Map)?;
        let inner = tx.put_object(&a, "inner", automerge::ObjType::List)?;
        tx.insert_object(&inner, 0, automerge::ObjType::Text)?;
        tx.insert_object(&list, 1, automerge::ObjType::Map)?;
        tx.delete(&list, 0)?;
        Ok(())
    })
    .map_err(|f| f.error)
    .expect("edit");
    let mut objects = Vec::new();
    for c in doc.get_changes(&[]) {
        for op in c.decode().operations {
            if let ObjectId::Id(o) = &op.obj {
                objects.push(ObjId::Id(o.counter(), o.actor().clone(), 0));
            }
        }
    }
    let mut memo = HashMap::new();
    // Children before parents and the reverse: the memo must not matter.
    for obj in objects.iter().rev().chain(objects.iter()) {
        let want = doc.parents(obj).expect("parents").path();
        assert_eq!(path_of(&doc, obj, &mut memo).expect("path"), want);
    }
    assert!(objects.len() > 5);
    // The place of an object made by an op, worked out from its parent's, is the place
    // its path in the document gives (the op's id counted from the change's start).
    let mut checked = 0;
    for c in doc.get_changes(&[]) {
        let e = c.decode();
        for (i, op) in e.operations.iter().enumerate() {
            let (OpType::Make(_), ObjectId::Id(o)) = (&op.action, &op.obj) else {
                continue;
            };
            let parent = ObjId::Id(o.counter(), o.actor().clone(), 0);
            let child = ObjId::Id(e.start_op.get() + i as u64, e.actor_id.clone(), 0);
            let place = |obj: &ObjId| {
                let path = doc.parents(obj).expect("parents").path();
                Place::of_path(obj, &path).expect("attached")
            };
            assert_eq!(place(&parent).child(&parent, &child), place(&child));
            checked += 1;
        }
    }
    assert!(checked >= 5, "{checked}");
}

#[test]
fn a_unit_year_record_must_have_its_derived_id_and_first_change() {
    use automerge::transaction::Transactable;
    let r = Registry::embedded_default();
    let none = |_: &ActorId| None;
    let good =
        crate::doc::unit_year::create(ActorId::from([1u8; 16]), &u("20335"), 2024).expect("create");
    assert!(check_changes(&good, &[], &u("20335"), &r, cal(), &none).is_ok());
    // Same content under another first change: refused.
    let mut forged = Automerge::new().with_actor(ActorId::from([9u8; 16]));
    let id = DocId::unit_year(&u("20335"), 2024);
    forged
        .transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(ROOT, "schema", 1i64)?;
            tx.put(ROOT, "kind", "unit_year")?;
            tx.put(ROOT, "id", id.as_str())?;
            tx.put(ROOT, "unit", "20335")?;
            tx.put(ROOT, "year", 2024i64)?;
            Ok(())
        })
        .map_err(|f| f.error)
        .expect("forge");
    assert!(check_changes(&forged, &[], &u("502"), &r, cal(), &none).is_err());
}

#[test]
fn a_new_event_the_procedure_refuses_is_refused() {
    let r = Registry::embedded_default();
    let none = |_: &ActorId| None;
    // A receipt of a proposal never submitted: out of order.
    let mut doc = base();
    let mut e = event("20335");
    e.action = Action::Receive;
    proposal::append_event(&mut doc, &e).expect("append");
    let err = check_changes(&doc, &[], &u("20335"), &r, cal(), &none).expect_err("refused");
    assert!(
        matches!(
            &err.reason,
            Reason::Procedure { id, refusal: crate::workflow::Refusal::OutOfOrder { .. }, .. } if id == "e1"
        ),
        "{:?}",
        err.reason
    );
    assert!(err.to_string().contains("không hợp lệ"), "{err}");
    // The submission itself fits.
    let mut doc = base();
    proposal::append_event(&mut doc, &event("20335")).expect("append");
    assert!(check_changes(&doc, &[], &u("20335"), &r, cal(), &none).is_ok());
}

#[test]
fn a_dissemination_dated_before_the_regulation_is_refused() {
    use crate::doc::unit_year::{self, Dissemination, Entry};
    let r = Registry::embedded_default();
    let none = |_: &ActorId| None;
    let record = |date: &str| {
        let mut doc =
            unit_year::create(ActorId::from([1u8; 16]), &u("20335"), 2023).expect("create");
        let e = Entry::Dissemination(Dissemination {
            id: "d1".into(),
            date: chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("date"),
            form: "Hội nghị".into(),
            participants: 30,
            note: String::new(),
            at: 0,
        });
        unit_year::add(&mut doc, &e, &u("20335")).expect("add");
        doc
    };
    let err = check_changes(&record("2023-06-15"), &[], &u("20335"), &r, cal(), &none)
        .expect_err("before the regulation");
    assert!(
        matches!(&err.reason, Reason::Entry { id, .. } if id == "d1"),
        "{:?}",
        err.reason
    );
    assert!(err.to_string().contains("Quy định số 20-QĐ/TU"), "{err}");
    assert!(check_changes(&record("2023-07-01"), &[], &u("20335"), &r, cal(), &none).is_ok());
}

fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// A unit's plan issued twice: the first issue stays, the second is a revision beside it; an
/// overwrite of the first issue, a revision dated before it, or a revision edited later is
/// refused.
#[test]
fn a_reissued_plan_is_a_revision_and_the_first_issue_is_never_overwritten() {
    use crate::doc::unit_year::{self, EntryRefusal, Plan, PlanIssued};
    let r = Registry::embedded_default();
    let none = |_: &ActorId| None;
    let me = u("20335");
    let plan = |number: &str, date: &str| Plan {
        number: number.into(),
        date: day(date),
        note: String::new(),
    };
    let mut doc = unit_year::create(ActorId::from([1u8; 16]), &me, 2023).expect("create");
    let first = unit_year::issue_plan(&mut doc, &plan("12/KH-UBND", "2023-07-20"), "a1", &me, 1)
        .expect("write")
        .expect("fits");
    assert_eq!(first, PlanIssued::First);
    assert!(check_changes(&doc, &[], &me, &r, cal(), &none).is_ok());
    let held = doc.get_heads();

    // Issued again: a revision, accepted.
    let mut again = doc.clone();
    let second = unit_year::issue_plan(&mut again, &plan("15/KH-UBND", "2024-03-02"), "b2", &me, 2)
        .expect("write")
        .expect("fits");
    assert_eq!(second, PlanIssued::Revision(1));
    check_changes(&again, &held, &me, &r, cal(), &none).expect("a revision is accepted");
    let uy = unit_year::read(&again).expect("read");
    assert_eq!(uy.plan, Some(plan("12/KH-UBND", "2023-07-20")));
    assert_eq!(uy.plan_revisions.len(), 1);
    assert_eq!(uy.plan_revisions[0].number, "15/KH-UBND");

    // The old way (writing the plan's keys again) is refused.
    let mut overwrite = doc.clone();
    unit_year::set_plan(&mut overwrite, &plan("15/KH-UBND", "2024-03-02"), &me, 3).expect("write");
    let err = check_changes(&overwrite, &held, &me, &r, cal(), &none).expect_err("overwrite");
    assert_eq!(err.reason, Reason::PlanOverwritten, "{err}");

    // A revision dated before the first issue: refused by the client's check and the hub's.
    assert_eq!(
        unit_year::issue_plan(&mut doc.clone(), &plan("9/KH", "2023-07-01"), "c3", &me, 4)
            .expect("write"),
        Err(EntryRefusal::RevisionBeforePlan {
            date: day("2023-07-01"),
            first: day("2023-07-20")
        })
    );
    let mut early = doc.clone();
    let e = unit_year::Entry::PlanRevision(unit_year::PlanRevision {
        id: "c3".into(),
        number: "9/KH".into(),
        date: day("2023-07-01"),
        note: String::new(),
        at: 4,
    });
    unit_year::add(&mut early, &e, &me).expect("add");
    let err = check_changes(&early, &held, &me, &r, cal(), &none).expect_err("early");
    assert!(
        matches!(
            &err.reason,
            Reason::Entry {
                refusal: EntryRefusal::RevisionBeforePlan { .. },
                ..
            }
        ),
        "{err}"
    );

    // A revision the hub holds is never edited.
    let held2 = again.get_heads();
    let mut edit = again.clone();
    let rev = match edit.get(ROOT, "plan").expect("plan") {
        Some((_, plan)) => match edit.get(&plan, "rev-b2").expect("rev") {
            Some((_, rev)) => rev,
            None => panic!("no revision"),
        },
        None => panic!("no plan"),
    };
    let mut tx = edit.transaction();
    automerge::transaction::Transactable::put(&mut tx, &rev, "number", "99/KH").expect("put");
    tx.commit();
    let err = check_changes(&edit, &held2, &me, &r, cal(), &none).expect_err("edit");
    assert_eq!(err.reason, Reason::PlanOverwritten, "{err}");

    // Another unit cannot touch the plan.
    let mut other = doc.clone();
    unit_year::issue_plan(&mut other, &plan("1/KH", "2024-01-05"), "d4", &me, 5)
        .expect("write")
        .expect("fits");
    let err = check_changes(&other, &held, &u("20341"), &r, cal(), &none).expect_err("other");
    assert!(
        matches!(
            err.reason,
            Reason::NotOwnerUnitYear { .. } | Reason::NotCreator { .. }
        ),
        "{err}"
    );
}

/// A unit's province-level commendation or discipline goes up: Sở Nội vụ gives its opinion,
/// then UBND tỉnh decides, each writing into the unit's record; any other order or body is
/// refused.
#[test]
fn province_level_commendation_and_discipline_go_up_through_home_affairs() {
    use crate::doc::unit_year::{
        self, Commendation, Discipline, Entry, EntryRefusal, Upward, UpwardStage,
    };
    use crate::workflow::Level;
    let r = Registry::embedded_default();
    let none = |_: &ActorId| None;
    let (me, snv, ubnd) = (u("20335"), u("49-SNV"), u("49"));
    let mut doc = unit_year::create(ActorId::from([1u8; 16]), &me, 2024).expect("create");
    let commend = |id: &str, level: Level| {
        Entry::Commendation(Commendation {
            id: id.into(),
            person: "Nguyễn Văn A".into(),
            proposal: None,
            form: "Bằng khen".into(),
            level,
            date: day("2024-03-01"),
            at: 1,
        })
    };
    unit_year::add(&mut doc, &commend("c1", Level::Province), &me).expect("add");
    unit_year::add(&mut doc, &commend("c2", Level::Unit), &me).expect("add");
    let disc = Entry::Discipline(Discipline {
        id: "k1".into(),
        subject: "Trần Văn B".into(),
        violation: "Lợi dụng đổi mới để trục lợi".into(),
        measure: "Cảnh cáo".into(),
        level: Level::Province,
        date: day("2024-03-02"),
        at: 1,
    });
    unit_year::add(&mut doc, &disc, &me).expect("add");
    check_changes(&doc, &[], &me, &r, cal(), &none).expect("the unit proposes");
    let held = doc.get_heads();
    let step = |id: &str, of: &str, stage, by: &UnitCode, date: &str| Upward {
        id: id.into(),
        stage,
        of: of.into(),
        by_unit: by.clone(),
        agree: true,
        number: "45/SNV-CCVC".into(),
        note: String::new(),
        date: day(date),
        at: 2,
    };
    let try_step = |entry: Entry, office: &UnitCode| {
        let mut d = doc.clone();
        d.set_actor(ActorId::from([7u8; 16]));
        unit_year::add(&mut d, &entry, office).expect("add");
        check_changes(&d, &held, office, &r, cal(), &none).map(|_| d)
    };
    let entry_refusal = |res: Result<Automerge, Rejection>| match res {
        Err(Rejection {
            reason: Reason::Entry { refusal, .. },
            ..
        }) => refusal,
        Err(e) => panic!("another rule: {e}"),
        Ok(_) => panic!("accepted"),
    };
    // UBND tỉnh cannot decide before Sở Nội vụ's opinion.
    let early =
        Entry::CommendationStep(step("s1", "c1", UpwardStage::Decision, &ubnd, "2024-03-05"));
    assert!(matches!(
        entry_refusal(try_step(early, &ubnd)),
        EntryRefusal::DecisionWithoutOpinion { .. }
    ));
    // The unit cannot write Sở Nội vụ's opinion itself.
    let own = Entry::CommendationStep(step("s1", "c1", UpwardStage::Opinion, &me, "2024-03-05"));
    assert_eq!(
        entry_refusal(try_step(own, &me)),
        EntryRefusal::OpinionNotHomeAffairs
    );
    // An opinion naming Sở Nội vụ but pushed by the unit acts for another.
    let forged =
        Entry::CommendationStep(step("s1", "c1", UpwardStage::Opinion, &snv, "2024-03-05"));
    let err = try_step(forged, &me).expect_err("forged");
    assert!(matches!(err.reason, Reason::ActsForAnother { .. }), "{err}");
    // A unit-level commendation does not go up.
    let unit_level =
        Entry::CommendationStep(step("s1", "c2", UpwardStage::Opinion, &snv, "2024-03-05"));
    assert!(matches!(
        entry_refusal(try_step(unit_level, &snv)),
        EntryRefusal::UpwardNotProvince { .. }
    ));
    // Not dated before the proposal.
    let before =
        Entry::CommendationStep(step("s1", "c1", UpwardStage::Opinion, &snv, "2024-02-05"));
    assert!(matches!(
        entry_refusal(try_step(before, &snv)),
        EntryRefusal::UpwardBeforePrevious { .. }
    ));
    // Sở Nội vụ's opinion, then UBND tỉnh's decision: accepted.
    let opinion =
        Entry::CommendationStep(step("s1", "c1", UpwardStage::Opinion, &snv, "2024-03-05"));
    let d1 = try_step(opinion, &snv).expect("Sở Nội vụ's opinion");
    let held1 = d1.get_heads();
    let mut d2 = d1.clone();
    d2.set_actor(ActorId::from([8u8; 16]));
    let by_snv =
        Entry::CommendationStep(step("s2", "c1", UpwardStage::Decision, &snv, "2024-03-08"));
    unit_year::add(&mut d2, &by_snv, &snv).expect("add");
    let err = check_changes(&d2, &held1, &snv, &r, cal(), &none).expect_err("snv decides");
    assert!(
        matches!(
            err.reason,
            Reason::Entry {
                refusal: EntryRefusal::DecisionNotProvince,
                ..
            }
        ),
        "{err}"
    );
    let mut d3 = d1.clone();
    d3.set_actor(ActorId::from([8u8; 16]));
    let decision =
        Entry::CommendationStep(step("s3", "c1", UpwardStage::Decision, &ubnd, "2024-03-08"));
    unit_year::add(&mut d3, &decision, &ubnd).expect("add");
    check_changes(&d3, &held1, &ubnd, &r, cal(), &none).expect("UBND tỉnh decides");
    // The discipline proposal goes the same way.
    let d_opinion =
        Entry::DisciplineStep(step("s4", "k1", UpwardStage::Opinion, &snv, "2024-03-06"));
    let d4 = try_step(d_opinion, &snv).expect("opinion on the discipline");
    let uy = unit_year::read(&d4).expect("read");
    assert_eq!(uy.discipline_steps.len(), 1);
    assert_eq!(uy.disciplines[0].level, Level::Province);
    // The report rows count what was decided.
    let row = crate::report::UnitYearRow::project(&unit_year::read(&d3).expect("read"));
    assert_eq!(row.decisions, vec![(day("2024-03-08"), true, true)]);
    assert_eq!(row.discipline_proposals, vec![day("2024-03-02")]);
    assert!(row.disciplines.is_empty());
}
