//! The ingress check: may `office` contribute these changes to this document? The hub runs it
//! on a scratch copy before writing anything; honest clients run it before pushing, so a
//! refusal means a bug or tampering.
//!
//! Rules, for each change new to the receiver:
//! - its Automerge actor is not bound to another office (the receiver binds unbound actors to
//!   the office that first sent them; the deterministic first change of a unit-year record is
//!   shared by everyone and binds nothing);
//! - records (events, comments, attachments, duty entries) are append-only: no op may touch a
//!   record that existed before, nor delete list elements;
//! - a new event, comment or attachment names `office` as its unit; a new duty entry belongs to
//!   the record's unit, except a Sở Nội vụ inspection which names Sở Nội vụ;
//! - the proposal's content (root fields, prose) is edited by its owning unit only; `schema`,
//!   `kind`, `id`, `unit` and the containers are set once, in the first change.

use crate::doc::{kind_of, DocKind};
use crate::ids::UnitCode;
use crate::org::{Registry, UnitKind};
use automerge::legacy::{Key, ObjectId, OpType};
use automerge::{ActorId, Automerge, ChangeHash, ObjId, Prop, ReadDoc, Value, ROOT};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Why a change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub change: ChangeHash,
    pub reason: String,
}

/// Keys fixed by the first change.
const IMMUTABLE: [&str; 6] = ["schema", "kind", "id", "unit", "created_at", "year"];

/// Proposal fields that decide who has authority: frozen once the log has events.
const FROZEN_AFTER_SUBMIT: [&str; 3] = ["proposer_is_head", "proposer_is_deputy", "basis"];

fn reject(change: ChangeHash, reason: impl Into<String>) -> Rejection {
    Rejection {
        change,
        reason: reason.into(),
    }
}

/// The record lists of each document kind.
fn record_lists(kind: DocKind) -> &'static [&'static str] {
    match kind {
        DocKind::Proposal => &["events", "comments", "attachments"],
        DocKind::UnitYear => &crate::doc::unit_year::LISTS,
    }
}

/// The objects of the records in `list` (at `heads`, or now).
fn records(doc: &Automerge, list: &str, heads: Option<&[ChangeHash]>) -> HashSet<ObjId> {
    let found = match heads {
        Some(h) => doc.get_at(ROOT, list, h),
        None => doc.get(ROOT, list),
    };
    let Ok(Some((Value::Object(_), list_id))) = found else {
        return HashSet::new();
    };
    let n = match heads {
        Some(h) => doc.length_at(&list_id, h),
        None => doc.length(&list_id),
    };
    (0..n)
        .filter_map(|i| {
            let item = match heads {
                Some(h) => doc.get_at(&list_id, i, h),
                None => doc.get(&list_id, i),
            };
            match item {
                Ok(Some((Value::Object(_), id))) => Some(id),
                _ => None,
            }
        })
        .collect()
}

fn str_field(doc: &Automerge, obj: &ObjId, key: &str) -> Option<String> {
    match doc.get(obj, key) {
        Ok(Some((Value::Scalar(s), _))) => s.as_str().map(str::to_string),
        _ => None,
    }
}

/// The path of `obj` in `doc` from the root, as `doc.parents(obj)?.path()` gives it, reusing
/// the paths already known in `memo` for its ancestors (one parent lookup per new object
/// instead of one per level).
fn path_of(
    doc: &Automerge,
    obj: &ObjId,
    memo: &mut HashMap<ObjId, Vec<(ObjId, Prop)>>,
) -> Result<Vec<(ObjId, Prop)>, automerge::AutomergeError> {
    if let Some(p) = memo.get(obj) {
        return Ok(p.clone());
    }
    // Parents from `obj` upwards, until one whose path is known (or the root).
    let mut up = Vec::new();
    let mut base = Vec::new();
    for parent in doc.parents(obj)? {
        let known = memo.get(&parent.obj).cloned();
        up.push((parent.obj, parent.prop));
        if let Some(b) = known {
            base = b;
            break;
        }
    }
    up.reverse();
    base.extend(up);
    memo.insert(obj.clone(), base.clone());
    Ok(base)
}

/// Checks every change `after` holds beyond `before` (the receiver's heads before applying).
/// `bound` returns the office an actor is bound to. On success, returns the actors to bind to
/// `office`.
pub fn check_changes(
    after: &Automerge,
    before: &[ChangeHash],
    office: &UnitCode,
    registry: &Registry,
    bound: &dyn Fn(&ActorId) -> Option<UnitCode>,
) -> Result<BTreeSet<ActorId>, Rejection> {
    let new_changes = after.get_changes(before);
    let Some(first) = new_changes.first() else {
        return Ok(BTreeSet::new());
    };
    let first_hash = first.hash();
    let fresh = before.is_empty();
    // A document's first change is the only change without dependencies; it may only arrive
    // with a document new to the receiver, and only once.
    let roots: Vec<ChangeHash> = new_changes
        .iter()
        .filter(|c| c.deps().is_empty())
        .map(|c| c.hash())
        .collect();
    if (!fresh && !roots.is_empty()) || roots.len() > 1 {
        let h = roots.first().copied().unwrap_or(first_hash);
        return Err(reject(
            h,
            "một thay đổi không nối vào lịch sử của tài liệu (tạo lại gốc tài liệu)",
        ));
    }
    let kind =
        kind_of(after).map_err(|e| reject(first_hash, format!("tài liệu không hợp lệ: {e}")))?;
    let owner = str_field(after, &ROOT, "unit")
        .and_then(|u| UnitCode::parse(&u).ok())
        .ok_or_else(|| reject(first_hash, "tài liệu thiếu đơn vị sở hữu"))?;
    let doc_id = str_field(after, &ROOT, "id").unwrap_or_default();
    if !fresh {
        // Kind and owner are those the receiver already held.
        let old_unit = match after.get_at(ROOT, "unit", before) {
            Ok(Some((Value::Scalar(s), _))) => s.as_str().map(str::to_string),
            _ => None,
        };
        if old_unit.as_deref() != Some(owner.as_str()) {
            return Err(reject(
                first_hash,
                "không được đổi đơn vị sở hữu của tài liệu",
            ));
        }
    }
    if kind == DocKind::UnitYear {
        // The record's id and first change are determined by (unit, year).
        let year = match after.get(ROOT, "year") {
            Ok(Some((Value::Scalar(s), _))) => s.as_i64().and_then(|y| i32::try_from(y).ok()),
            _ => None,
        };
        let expected = year.map(|y| crate::ids::DocId::unit_year(&owner, y));
        if expected.as_ref().map(|d| d.as_str()) != Some(doc_id.as_str()) {
            return Err(reject(
                first_hash,
                "mã hồ sơ nhiệm vụ không khớp với đơn vị và năm",
            ));
        }
        if let (Some(root), Some(y)) = (roots.first(), year) {
            let genesis = crate::doc::unit_year::create(ActorId::from([0u8; 16]), &owner, y)
                .ok()
                .and_then(|d| d.get_changes(&[]).first().map(|c| c.hash()));
            if genesis.as_ref() != Some(root) {
                return Err(reject(
                    *root,
                    "thay đổi đầu tiên của hồ sơ nhiệm vụ không đúng mẫu",
                ));
            }
        }
    }
    let is_home_affairs = registry.get(office).map(|u| u.kind) == Some(UnitKind::HomeAffairs);
    // The proposal's procedural facts are frozen once it has events.
    let has_events_before = !fresh
        && kind == DocKind::Proposal
        && match after.get_at(ROOT, "events", before) {
            Ok(Some((Value::Object(_), list))) => after.length_at(&list, before) > 0,
            _ => false,
        };

    // Records that existed before, per list; and the record lists' objects.
    let lists = record_lists(kind);
    let mut old_records: HashSet<ObjId> = HashSet::new();
    let mut new_records: Vec<(&str, ObjId)> = Vec::new();
    for list in lists {
        let before_set = if fresh {
            HashSet::new()
        } else {
            records(after, list, Some(before))
        };
        for r in records(after, list, None) {
            if !before_set.contains(&r) {
                new_records.push((list, r));
            }
        }
        old_records.extend(before_set);
    }

    let mut to_bind = BTreeSet::new();
    let mut paths: HashMap<ObjId, Vec<(ObjId, Prop)>> = HashMap::new();
    let mut current: Option<(ObjId, Vec<(ObjId, Prop)>)> = None;
    for change in &new_changes {
        let hash = change.hash();
        let actor = change.actor_id();
        let genesis = change.deps().is_empty();
        let shared_genesis = genesis && kind == DocKind::UnitYear;
        if !shared_genesis {
            match bound(actor) {
                Some(other) if &other != office => {
                    return Err(reject(
                        hash,
                        format!(
                        "thay đổi của thiết bị {} đã gắn với đơn vị {other}, không phải {office}",
                        actor.to_hex_string()
                    ),
                    ))
                }
                Some(_) => {}
                None => {
                    to_bind.insert(actor.clone());
                }
            }
        }
        if genesis && kind == DocKind::Proposal && &owner != office {
            return Err(reject(
                hash,
                format!("chỉ đơn vị {owner} được tạo đề xuất của mình"),
            ));
        }
        for op in change.decode().operations {
            match &op.obj {
                ObjectId::Root => {
                    let Key::Map(k) = &op.key else {
                        return Err(reject(hash, "thao tác không hợp lệ ở gốc tài liệu"));
                    };
                    if genesis {
                        continue;
                    }
                    let holds_container =
                        matches!(after.get(ROOT, k.as_str()), Ok(Some((Value::Object(_), _))))
                            || matches!(
                                after.get_at(ROOT, k.as_str(), before),
                                Ok(Some((Value::Object(_), _)))
                            );
                    let is_prose = crate::doc::proposal::PROSE.contains(&k.as_str());
                    if IMMUTABLE.contains(&k.as_str())
                        || matches!(op.action, OpType::Make(_))
                        || (holds_container && !is_prose)
                        || kind == DocKind::UnitYear
                    {
                        return Err(reject(
                            hash,
                            format!("mục \"{k}\" chỉ được đặt khi tạo tài liệu"),
                        ));
                    }
                    if is_prose {
                        return Err(reject(
                            hash,
                            format!("mục \"{k}\" là văn bản, chỉ sửa được nội dung"),
                        ));
                    }
                    if &owner != office {
                        return Err(reject(
                            hash,
                            format!("chỉ đơn vị {owner} được sửa nội dung đề xuất (mục \"{k}\")"),
                        ));
                    }
                    if has_events_before && FROZEN_AFTER_SUBMIT.contains(&k.as_str()) {
                        return Err(reject(
                            hash,
                            format!(
                                "mục \"{k}\" quyết định thẩm quyền, không sửa được sau khi đã nộp"
                            ),
                        ));
                    }
                }
                ObjectId::Id(opid) => {
                    // An object's path in `after` is the same for every op on it (a text field
                    // gets one op per character, in a row): computed once per object, and the
                    // last object's kept at hand.
                    let same = matches!(&current, Some((ObjId::Id(c, a, _), _))
                        if *c == opid.counter() && a == opid.actor());
                    if !same {
                        let obj = ObjId::Id(opid.counter(), opid.actor().clone(), 0);
                        let path = path_of(after, &obj, &mut paths)
                            .map_err(|e| reject(hash, format!("đối tượng không rõ: {e}")))?;
                        current = Some((obj, path));
                    }
                    let Some((obj, path)) = &current else {
                        return Err(reject(hash, "đối tượng không rõ"));
                    };
                    let Some((_, Prop::Map(k))) = path.first() else {
                        return Err(reject(hash, "đối tượng không gắn vào tài liệu"));
                    };
                    if lists.contains(&k.as_str()) {
                        if path.len() == 1 {
                            // On the list itself: only inserting new record maps.
                            if !op.insert
                                || !matches!(op.action, OpType::Make(automerge::ObjType::Map))
                            {
                                return Err(reject(
                                    hash,
                                    format!("danh sách \"{k}\" chỉ được ghi thêm bản ghi, không được xóa hay sửa"),
                                ));
                            }
                        } else {
                            let record = if path.len() == 2 {
                                obj.clone()
                            } else {
                                path[2].0.clone()
                            };
                            if old_records.contains(&record) {
                                return Err(reject(
                                    hash,
                                    format!("bản ghi đã có trong \"{k}\" không được sửa"),
                                ));
                            }
                        }
                    } else if genesis {
                        continue;
                    } else if kind == DocKind::Proposal && &owner != office {
                        return Err(reject(
                            hash,
                            format!("chỉ đơn vị {owner} được sửa nội dung đề xuất (mục \"{k}\")"),
                        ));
                    } else if kind == DocKind::UnitYear && &owner != office {
                        return Err(reject(
                            hash,
                            format!("chỉ đơn vị {owner} được sửa hồ sơ nhiệm vụ của mình"),
                        ));
                    }
                }
            }
        }
    }

    // Every new record names the office, and a new event does not reuse an existing id.
    let last = new_changes.last().map(|c| c.hash()).unwrap_or(first_hash);
    let mut old_ids: HashSet<String> = HashSet::new();
    if kind == DocKind::Proposal {
        for r in &old_records {
            if let Some(id) = str_field(after, r, "id") {
                old_ids.insert(id);
            }
        }
    }
    for (list, record) in new_records {
        let id = str_field(after, &record, "id").unwrap_or_default();
        if kind == DocKind::Proposal && !id.is_empty() && !old_ids.insert(id.clone()) {
            return Err(reject(
                last,
                format!("bản ghi {id} trùng mã với một bản ghi đã có"),
            ));
        }
        let ok = match (kind, list) {
            (DocKind::Proposal, _) => {
                str_field(after, &record, "unit").as_deref() == Some(office.as_str())
            }
            (DocKind::UnitYear, "inspections") => {
                is_home_affairs
                    && str_field(after, &record, "by_unit").as_deref() == Some(office.as_str())
            }
            (DocKind::UnitYear, _) => &owner == office,
        };
        if !ok {
            let named = str_field(after, &record, "unit")
                .or_else(|| str_field(after, &record, "by_unit"))
                .unwrap_or_else(|| owner.to_string());
            return Err(reject(
                last,
                format!(
                    "bản ghi {id} trong \"{list}\" của tài liệu {doc_id} ghi đơn vị thực hiện {named}, nhưng được gửi bởi đơn vị {office}: mỗi đơn vị chỉ ghi các bước của chính mình"
                ),
            ));
        }
    }
    Ok(to_bind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::proposal::{self, Comment, ProposalFields};
    use crate::ids::DocId;
    use crate::workflow::{Action, Event};

    fn u(s: &str) -> UnitCode {
        UnitCode::parse(s).expect("valid")
    }

    fn base() -> Automerge {
        let f = ProposalFields {
            title: Some("Đề xuất".into()),
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
            action: Action::Receive,
        }
    }

    #[test]
    fn the_owner_creates_and_edits_and_records_its_own_events() {
        let r = Registry::embedded_default();
        let mut doc = base();
        proposal::append_event(&mut doc, &event("20335")).expect("append");
        let bound = |_: &ActorId| None;
        let bind = check_changes(&doc, &[], &u("20335"), &r, &bound).expect("accepted");
        assert_eq!(bind.len(), 1);
    }

    #[test]
    fn events_acting_as_another_unit_and_foreign_actors_are_refused() {
        let r = Registry::embedded_default();
        let mut doc = base();
        let before = doc.get_heads();
        let mut d = doc.fork();
        d.set_actor(ActorId::from([2u8; 16]));
        proposal::append_event(&mut d, &event("502")).expect("append");
        doc.merge(&mut d).expect("merge");
        let none = |_: &ActorId| None;
        let err = check_changes(&doc, &before, &u("20335"), &r, &none).expect_err("refused");
        assert!(err.reason.contains("502"), "{}", err.reason);
        // The district may add its own event, but not edit the commune's content.
        assert!(check_changes(&doc, &before, &u("502"), &r, &none).is_ok());
        let mut e = doc.fork();
        e.set_actor(ActorId::from([3u8; 16]));
        let before = e.get_heads();
        let edit = ProposalFields {
            title: Some("Sửa".into()),
            ..ProposalFields::default()
        };
        proposal::edit(&mut e, &edit, &u("502"), 0).expect("edit");
        assert!(check_changes(&e, &before, &u("502"), &r, &none).is_err());
        // An actor bound to another office is refused.
        let other = |_: &ActorId| Some(u("20341"));
        assert!(check_changes(&e, &before, &u("20335"), &r, &other).is_err());
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
        assert!(check_changes(&doc, &before, &u("502"), &r, &none).is_ok());
        assert!(check_changes(&doc, &before, &u("20335"), &r, &none).is_err());
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
        let err = check_changes(&merged, &before, &u("502"), &r, &none).expect_err("refused");
        assert!(err.reason.contains("gốc"), "{}", err.reason);
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
        assert!(check_changes(&doc, &before, &u("20335"), &r, &none).is_err());

        let mut doc = base();
        proposal::append_event(&mut doc, &event("20335")).expect("append");
        let before = doc.get_heads();
        let edit = ProposalFields {
            proposer_is_head: Some(true),
            ..ProposalFields::default()
        };
        proposal::edit(&mut doc, &edit, &u("20335"), 0).expect("edit");
        let err = check_changes(&doc, &before, &u("20335"), &r, &none).expect_err("frozen");
        assert!(err.reason.contains("proposer_is_head"), "{}", err.reason);
        // A duplicate event id is refused too.
        let before = doc.get_heads();
        proposal::append_event(&mut doc, &event("20335")).expect("append");
        assert!(check_changes(&doc, &before, &u("20335"), &r, &none).is_err());
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
    }

    #[test]
    fn a_unit_year_record_must_have_its_derived_id_and_first_change() {
        use automerge::transaction::Transactable;
        let r = Registry::embedded_default();
        let none = |_: &ActorId| None;
        let good = crate::doc::unit_year::create(ActorId::from([1u8; 16]), &u("20335"), 2024)
            .expect("create");
        assert!(check_changes(&good, &[], &u("20335"), &r, &none).is_ok());
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
        assert!(check_changes(&forged, &[], &u("502"), &r, &none).is_err());
    }
}
