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
use std::collections::{BTreeSet, HashSet};

/// Why a change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub change: ChangeHash,
    pub reason: String,
}

/// Keys fixed by the first change.
const IMMUTABLE: [&str; 5] = ["schema", "kind", "id", "unit", "created_at"];

fn reject(change: ChangeHash, reason: impl Into<String>) -> Rejection {
    Rejection {
        change,
        reason: reason.into(),
    }
}

/// The record lists of each document kind and the field naming a record's unit.
fn record_lists(kind: DocKind) -> &'static [&'static str] {
    match kind {
        DocKind::Proposal => &["events", "comments", "attachments"],
        DocKind::UnitYear => &[
            "dissemination",
            "self_inspections",
            "reviews",
            "commendations",
            "disciplines",
            "inspections",
        ],
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
    let kind =
        kind_of(after).map_err(|e| reject(first_hash, format!("tài liệu không hợp lệ: {e}")))?;
    let owner = str_field(after, &ROOT, "unit")
        .and_then(|u| UnitCode::parse(&u).ok())
        .ok_or_else(|| reject(first_hash, "tài liệu thiếu đơn vị sở hữu"))?;
    let doc_id = str_field(after, &ROOT, "id").unwrap_or_default();
    let is_home_affairs = registry.get(office).map(|u| u.kind) == Some(UnitKind::HomeAffairs);

    // Records that existed before, per list; and the record lists' objects.
    let lists = record_lists(kind);
    let mut old_records: HashSet<ObjId> = HashSet::new();
    let mut new_records: Vec<(&str, ObjId)> = Vec::new();
    for list in lists {
        let before_set = if before.is_empty() {
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
    for change in &new_changes {
        let hash = change.hash();
        let actor = change.actor_id();
        let genesis = change.deps().is_empty();
        let shared_genesis = genesis && kind == DocKind::UnitYear && change.seq() == 1;
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
                    match &op.key {
                        Key::Map(k) => {
                            if !genesis
                                && (IMMUTABLE.contains(&k.as_str())
                                    || matches!(op.action, OpType::Make(_)))
                            {
                                return Err(reject(
                                    hash,
                                    format!("mục \"{k}\" chỉ được đặt khi tạo tài liệu"),
                                ));
                            }
                            if kind == DocKind::Proposal && &owner != office && !genesis {
                                return Err(reject(
                                hash,
                                format!("chỉ đơn vị {owner} được sửa nội dung đề xuất (mục \"{k}\")"),
                            ));
                            }
                        }
                        Key::Seq(_) => {
                            return Err(reject(hash, "thao tác không hợp lệ ở gốc tài liệu"))
                        }
                    }
                }
                ObjectId::Id(opid) => {
                    let obj = ObjId::Id(opid.counter(), opid.actor().clone(), 0);
                    let path = after
                        .parents(&obj)
                        .map_err(|e| reject(hash, format!("đối tượng không rõ: {e}")))?
                        .path();
                    let Some((_, Prop::Map(k))) = path.first() else {
                        return Err(reject(hash, "đối tượng không gắn vào tài liệu"));
                    };
                    if lists.contains(&k.as_str()) {
                        if path.len() == 1 {
                            // On the list itself: only inserting new records.
                            if matches!(op.action, OpType::Delete) || !op.insert {
                                return Err(reject(hash, format!("danh sách \"{k}\" chỉ được ghi thêm, không được xóa hay sửa")));
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
                    } else if kind == DocKind::Proposal && &owner != office && !genesis {
                        return Err(reject(
                            hash,
                            format!("chỉ đơn vị {owner} được sửa nội dung đề xuất (mục \"{k}\")"),
                        ));
                    } else if kind == DocKind::UnitYear && &owner != office && !genesis {
                        return Err(reject(
                            hash,
                            format!("chỉ đơn vị {owner} được sửa hồ sơ nhiệm vụ của mình"),
                        ));
                    }
                }
            }
        }
    }

    // Every new record names the office.
    let last = new_changes.last().map(|c| c.hash()).unwrap_or(first_hash);
    for (list, record) in new_records {
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
            let id = str_field(after, &record, "id").unwrap_or_default();
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
}
