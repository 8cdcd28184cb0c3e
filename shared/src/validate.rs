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
//!
//! A document's first change (the only one without dependencies, accepted only with a document
//! new to the receiver) creates it: nothing existed before it, so it is judged by what it leaves
//! rather than op by op — made by the owning unit (for a proposal), every element of its record
//! lists a record, and every record naming the office as above. Its operations are not decoded:
//! they hold every character of the prose and would cost most of the check.
//!
//! A proposal new to the receiver is judged whole by what it leaves, all its changes alike: it
//! is created by its owner (the office), every actor in it is the office's, and nobody else has
//! seen any state of it, so no op of it can touch what another unit wrote or saw. What the op
//! rules would still guard is read from the result: the keys set once and the containers are
//! those of the first change; the prose fields are texts; nothing else
//! at the root is an object; the record lists hold records naming the office. (An edit or
//! removal of the office's own record before the first push is invisible and harmless.) Forged
//! predecessors in it can only remove the office's own values, which the result shows; a
//! document that makes Automerge panic is refused. A new unit-year record (its first change is
//! shared by every unit) is still checked op by op.

use crate::doc::{DocKind, MapFields};
use crate::ids::UnitCode;
use crate::org::{Registry, UnitKind};
use automerge::legacy::{ElementId, Key, ObjectId, OpId as LegacyOpId, OpType};
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

/// The elements of a record list (at `heads`, or now): index, and the record's object when
/// the element is a record (a map).
fn list_items(
    doc: &Automerge,
    list: &ObjId,
    heads: Option<&[ChangeHash]>,
) -> Vec<(usize, Option<ObjId>)> {
    let item = |i: automerge::iter::ListRangeItem<'_>| {
        let record = matches!(
            i.value,
            automerge::ValueRef::Object(automerge::ObjType::Map)
        )
        .then(|| i.id());
        (i.index, record)
    };
    match heads {
        Some(h) => doc.list_range_at(list, .., h).map(item).collect(),
        None => doc.list_range(list, ..).map(item).collect(),
    }
}

/// The objects of the records in the root's list `list` at `heads`.
fn records_at(doc: &Automerge, list: &str, heads: &[ChangeHash]) -> HashSet<ObjId> {
    let Ok(Some((Value::Object(_), list_id))) = doc.get_at(ROOT, list, heads) else {
        return HashSet::new();
    };
    list_items(doc, &list_id, Some(heads))
        .into_iter()
        .filter_map(|(_, r)| r)
        .collect()
}

/// The string fields a rule reads from a record (`id`, `unit`, `by_unit`), in one pass over
/// the record's keys.
#[derive(Default)]
struct RecordFields {
    id: Option<String>,
    unit: Option<String>,
    by_unit: Option<String>,
}

fn record_fields(doc: &Automerge, record: &ObjId) -> RecordFields {
    let mut f = RecordFields::default();
    for item in doc.map_range(record, ..) {
        let slot = match item.key.as_ref() {
            "id" => &mut f.id,
            "unit" => &mut f.unit,
            "by_unit" => &mut f.by_unit,
            _ => continue,
        };
        if let automerge::ValueRef::Scalar(automerge::ScalarValueRef::Str(v)) = &item.value {
            *slot = Some(v.to_string());
        }
    }
    f
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

/// Where an object sits, as far as the rules care: the root key it hangs under, its depth
/// (1 for the object at that key) and, below a record list, the record it belongs to (the
/// object at depth 2).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Place {
    key: String,
    depth: usize,
    record: Option<ObjId>,
}

impl Place {
    fn of_path(obj: &ObjId, path: &[(ObjId, Prop)]) -> Option<Place> {
        let Some((_, Prop::Map(k))) = path.first() else {
            return None;
        };
        Some(Place {
            key: k.clone(),
            depth: path.len(),
            record: match path.len() {
                0 | 1 => None,
                2 => Some(obj.clone()),
                _ => Some(path[2].0.clone()),
            },
        })
    }

    /// The place of an object made in `parent` (an object's parent never changes, so the op
    /// that makes it tells where it is without asking the document).
    fn child(&self, parent: &ObjId, child: &ObjId) -> Place {
        Place {
            key: self.key.clone(),
            depth: self.depth + 1,
            record: match self.depth {
                1 => Some(child.clone()),
                2 => Some(parent.clone()),
                _ => self.record.clone(),
            },
        }
    }
}

/// Whether `op`'s predecessors are ops on its own object and key: none for an insert; for a
/// map key, values visible at the key in the change's past (`deps`) or ops of the same push on
/// that key; for a list or text element, the element itself (its insert) or ops of the same
/// push on it.
fn check_preds(
    after: &Automerge,
    op: &automerge::legacy::Op,
    deps: &[ChangeHash],
    targets: &HashMap<LegacyOpId, (ObjectId, Key)>,
) -> Result<(), String> {
    if op.pred.is_empty() {
        return Ok(());
    }
    let wrong =
        || "một thao tác thay thế giá trị của mục khác (tham chiếu không hợp lệ)".to_string();
    if op.insert {
        return Err(wrong());
    }
    for p in op.pred.iter() {
        if let Some((obj, key)) = targets.get(p) {
            if obj != &op.obj || key != &op.key {
                return Err(wrong());
            }
            continue;
        }
        let ok = match &op.key {
            Key::Map(k) => {
                let obj = match &op.obj {
                    ObjectId::Root => ROOT,
                    ObjectId::Id(o) => ObjId::Id(o.counter(), o.actor().clone(), 0),
                };
                after
                    .get_all_at(&obj, k.as_str(), deps)
                    .map(|values| {
                        values.iter().any(|(_, id)| {
                            matches!(id, ObjId::Id(c, a, _) if *c == p.counter() && a == p.actor())
                        })
                    })
                    .unwrap_or(false)
            }
            Key::Seq(ElementId::Id(e)) => e == p,
            Key::Seq(ElementId::Head) => false,
        };
        if !ok {
            return Err(wrong());
        }
    }
    Ok(())
}

/// The root of a proposal new to the receiver, judged by what it leaves: the fixed keys
/// ([`IMMUTABLE`]) and every container (the prose texts, the record lists) hold what the first
/// change (`genesis`) set; a prose field is a text; nothing else at the root is an object.
fn check_new_proposal_root(
    after: &Automerge,
    root: &MapFields,
    genesis: &[ChangeHash],
    first: ChangeHash,
) -> Result<(), Rejection> {
    let set_first: HashMap<String, ObjId> = after
        .map_range_at(ROOT, .., genesis)
        .map(|item| (item.key.to_string(), item.id()))
        .collect();
    let lists = record_lists(DocKind::Proposal);
    for (key, id, ty) in root.entries() {
        let is_prose = crate::doc::proposal::PROSE.contains(&key);
        let from_first = set_first.get(key) == Some(id);
        let allowed = match ty {
            Some(automerge::ObjType::Text) => is_prose && from_first,
            Some(automerge::ObjType::List) => lists.contains(&key) && from_first,
            Some(_) => false,
            None => !is_prose && (from_first || !IMMUTABLE.contains(&key)),
        };
        if !allowed {
            let reason = if is_prose {
                format!("mục \"{key}\" là văn bản, chỉ sửa được nội dung")
            } else {
                format!("mục \"{key}\" chỉ được đặt khi tạo tài liệu")
            };
            // The change that set the value, when Automerge can tell.
            return Err(reject(after.hash_for_opid(id).unwrap_or(first), reason));
        }
    }
    Ok(())
}

/// Checks every change `after` holds beyond `before` (the receiver's heads before applying).
/// `bound` returns the office an actor is bound to. On success, returns the actors to bind to
/// `office`.
///
/// Forged changes can make Automerge itself panic while they are read (seen with predecessors
/// naming ops of other objects); such a panic refuses the changes instead of unwinding into
/// the caller.
pub fn check_changes(
    after: &Automerge,
    before: &[ChangeHash],
    office: &UnitCode,
    registry: &Registry,
    bound: &dyn Fn(&ActorId) -> Option<UnitCode>,
) -> Result<BTreeSet<ActorId>, Rejection> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        check_changes_unguarded(after, before, office, registry, bound)
    }))
    .unwrap_or_else(|_| {
        let last = || after.get_changes_meta(before).last().map(|c| c.hash);
        let change = std::panic::catch_unwind(std::panic::AssertUnwindSafe(last))
            .ok()
            .flatten()
            .unwrap_or(ChangeHash([0; 32]));
        Err(reject(
            change,
            "thay đổi không đọc được (dữ liệu Automerge không hợp lệ)",
        ))
    })
}

fn check_changes_unguarded(
    after: &Automerge,
    before: &[ChangeHash],
    office: &UnitCode,
    registry: &Registry,
    bound: &dyn Fn(&ActorId) -> Option<UnitCode>,
) -> Result<BTreeSet<ActorId>, Rejection> {
    // Metadata of every new change (cheap: no operations); operations are decoded below only
    // for the changes after a document's first (see the module's notes).
    let metas = after.get_changes_meta(before);
    let Some(first) = metas.first() else {
        return Ok(BTreeSet::new());
    };
    let first_hash = first.hash;
    let fresh = before.is_empty();
    // A document's first change is the only change without dependencies; it may only arrive
    // with a document new to the receiver, and only once.
    let roots: Vec<ChangeHash> = metas
        .iter()
        .filter(|c| c.deps.is_empty())
        .map(|c| c.hash)
        .collect();
    if (!fresh && !roots.is_empty()) || roots.len() > 1 {
        let h = roots.first().copied().unwrap_or(first_hash);
        return Err(reject(
            h,
            "một thay đổi không nối vào lịch sử của tài liệu (tạo lại gốc tài liệu)",
        ));
    }
    let last_hash = metas.last().map_or(first_hash, |c| c.hash);
    // The root's fields now, in one pass.
    let root = MapFields::read(after, &ROOT);
    let kind = root
        .kind()
        .map_err(|e| reject(first_hash, format!("tài liệu không hợp lệ: {e}")))?;
    let owner = root
        .str("unit")
        .and_then(|u| UnitCode::parse(&u).ok())
        .ok_or_else(|| reject(first_hash, "tài liệu thiếu đơn vị sở hữu"))?;
    let doc_id = root.str("id").unwrap_or_default();
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
        let year = root.i64("year").and_then(|y| i32::try_from(y).ok());
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
        let items = match root.obj(list) {
            Some((list_id, automerge::ObjType::List)) => list_items(after, list_id, None),
            Some(_) => {
                return Err(reject(
                    first_hash,
                    format!("mục \"{list}\" phải là danh sách bản ghi"),
                ))
            }
            None => Vec::new(),
        };
        if fresh {
            if let Some((i, _)) = items.iter().find(|(_, r)| r.is_none()) {
                return Err(reject(
                    first_hash,
                    format!(
                        "danh sách \"{list}\" chỉ chứa bản ghi (phần tử {i} không phải bản ghi)"
                    ),
                ));
            }
        }
        let before_set = if fresh {
            HashSet::new()
        } else {
            records_at(after, list, before)
        };
        let recs: Vec<ObjId> = items.into_iter().filter_map(|(_, r)| r).collect();
        let now: HashSet<&ObjId> = recs.iter().collect();
        // Records are never removed (the op rules below forbid it; checked on the result too).
        if before_set.iter().any(|r| !now.contains(r)) {
            return Err(reject(
                last_hash,
                format!("bản ghi đã có trong \"{list}\" không được xóa"),
            ));
        }
        for r in recs {
            if !before_set.contains(&r) {
                new_records.push((list, r));
            }
        }
        old_records.extend(before_set);
    }

    let mut to_bind = BTreeSet::new();
    for change in &metas {
        let hash = change.hash;
        let actor = change.actor.as_ref();
        let genesis = change.deps.is_empty();
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
    }
    // A proposal new to the receiver is judged whole by what it leaves (see the module's
    // notes): every change of it is the office's own, so the op rules that protect what others
    // wrote or saw have nothing to protect, and what remains is read from the result.
    let whole_by_result = fresh && kind == DocKind::Proposal;
    if whole_by_result {
        check_new_proposal_root(after, &root, &roots, first_hash)?;
    }
    // The operations of every new change but a document's first: the first creates the
    // document and nothing existed before it, so what it may do is read from the result (the
    // records it adds are checked with every new record below, and every element of a record
    // list must be a record). Decoding it would cost most of the check: it holds every
    // character of the prose.
    let decoded = if whole_by_result {
        Vec::new()
    } else if fresh {
        after.get_changes(&roots)
    } else {
        after.get_changes(before)
    };
    let mut paths: HashMap<ObjId, Vec<(ObjId, Prop)>> = HashMap::new();
    // Places of objects, from the ops that made them or, failing that, from the document.
    let mut places: HashMap<ObjId, Place> = HashMap::new();
    let mut current: Option<(ObjId, Place)> = None;
    // The target (object and key) of every op of the new changes, by op id: what an op may
    // name as its predecessor.
    let mut targets: HashMap<LegacyOpId, (ObjectId, Key)> = HashMap::new();
    for change in &decoded {
        let hash = change.hash();
        let expanded = change.decode();
        let actor = &expanded.actor_id;
        for (i, op) in expanded.operations.iter().enumerate() {
            // The op's own id: a change's ops take consecutive counters from its start.
            let counter = expanded.start_op.get() + i as u64;
            let made =
                matches!(op.action, OpType::Make(_)).then(|| ObjId::Id(counter, actor.clone(), 0));
            // An op supersedes exactly its predecessors, and Automerge does not check that
            // they are ops on the same key: a forged predecessor would delete any value or
            // record of the document. Each must be an op on the op's own object and key.
            if let Err(why) = check_preds(after, op, &expanded.deps, &targets) {
                return Err(reject(hash, why));
            }
            let key = if op.insert {
                // Ops on the inserted element name it by the insert's id.
                Key::Seq(ElementId::Id(LegacyOpId(counter, actor.clone())))
            } else {
                op.key.clone()
            };
            targets.insert(LegacyOpId(counter, actor.clone()), (op.obj.clone(), key));
            match &op.obj {
                ObjectId::Root => {
                    let Key::Map(k) = &op.key else {
                        return Err(reject(hash, "thao tác không hợp lệ ở gốc tài liệu"));
                    };
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
                    // An object's place is the same for every op on it (a text field gets one
                    // op per character, in a row): found once per object, and the last
                    // object's kept at hand.
                    let same = matches!(&current, Some((ObjId::Id(c, a, _), _))
                        if *c == opid.counter() && a == opid.actor());
                    if !same {
                        let obj = ObjId::Id(opid.counter(), opid.actor().clone(), 0);
                        let place = match places.get(&obj) {
                            Some(p) => p.clone(),
                            None => {
                                let path = path_of(after, &obj, &mut paths).map_err(|e| {
                                    reject(hash, format!("đối tượng không rõ: {e}"))
                                })?;
                                Place::of_path(&obj, &path).ok_or_else(|| {
                                    reject(hash, "đối tượng không gắn vào tài liệu")
                                })?
                            }
                        };
                        current = Some((obj, place));
                    }
                    let Some((obj, place)) = &current else {
                        return Err(reject(hash, "đối tượng không rõ"));
                    };
                    if let Some(child) = &made {
                        places.insert(child.clone(), place.child(obj, child));
                    }
                    let k = &place.key;
                    if lists.contains(&k.as_str()) {
                        if place.depth == 1 {
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
                            let Some(record) = &place.record else {
                                return Err(reject(hash, "đối tượng không rõ"));
                            };
                            if old_records.contains(record) {
                                return Err(reject(
                                    hash,
                                    format!("bản ghi đã có trong \"{k}\" không được sửa"),
                                ));
                            }
                        }
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
    let last = last_hash;
    let mut old_ids: HashSet<String> = HashSet::new();
    if kind == DocKind::Proposal {
        for r in &old_records {
            if let Some(id) = record_fields(after, r).id {
                old_ids.insert(id);
            }
        }
    }
    for (list, record) in new_records {
        let f = record_fields(after, &record);
        let id = f.id.clone().unwrap_or_default();
        if kind == DocKind::Proposal && !id.is_empty() && !old_ids.insert(id.clone()) {
            return Err(reject(
                last,
                format!("bản ghi {id} trùng mã với một bản ghi đã có"),
            ));
        }
        let ok = match (kind, list) {
            (DocKind::Proposal, _) => f.unit.as_deref() == Some(office.as_str()),
            (DocKind::UnitYear, "inspections") => {
                is_home_affairs && f.by_unit.as_deref() == Some(office.as_str())
            }
            (DocKind::UnitYear, _) => &owner == office,
        };
        if !ok {
            let named = f.unit.or(f.by_unit).unwrap_or_else(|| owner.to_string());
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
        let bind = check_changes(&doc, &[], &u("20335"), &r, &none).expect("accepted");
        assert_eq!(bind.len(), 1);
        // An event acting as the district, written in the creating change itself.
        let doc = created_with(1, "20335", |tx, events| {
            let e = tx
                .insert_object(events, 0, automerge::ObjType::Map)
                .expect("record");
            tx.put(&e, "id", "e1").expect("put");
            tx.put(&e, "unit", "502").expect("put");
        });
        let err = check_changes(&doc, &[], &u("20335"), &r, &none).expect_err("refused");
        assert!(err.reason.contains("502"), "{}", err.reason);
        // Something that is not a record in a record list.
        let doc = created_with(1, "20335", |tx, events| {
            tx.insert(events, 0, "không phải bản ghi").expect("insert");
        });
        let err = check_changes(&doc, &[], &u("20335"), &r, &none).expect_err("refused");
        assert!(err.reason.contains("events"), "{}", err.reason);
        // Another unit's proposal, created by this office.
        let doc = created_with(1, "20341", |_, _| {});
        assert!(check_changes(&doc, &[], &u("20335"), &r, &none).is_err());
        // An actor bound to another office, even in the first change.
        let doc = created_with(1, "20335", |_, _| {});
        let other = |_: &ActorId| Some(u("20341"));
        assert!(check_changes(&doc, &[], &u("20335"), &r, &other).is_err());
        // A new proposal is judged by what it leaves, all its changes: the owner rewritten
        // after creation is refused (the result names the office, but not as the first
        // change set it).
        let mut doc = created_with(1, "20341", |_, _| {});
        doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "unit", "20335"))
            .map_err(|f| f.error)
            .expect("rewrite");
        let err = check_changes(&doc, &[], &u("20335"), &r, &none).expect_err("refused");
        assert!(err.reason.contains("unit"), "{}", err.reason);
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
        assert!(check_changes(&doc, &[], &u("20335"), &r, &none).is_ok());
        // Once the hub holds the record, removing it is refused.
        let (doc, held) = removed();
        assert!(check_changes(&doc, &held, &u("20335"), &r, &none).is_err());
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
            let err = check_changes(&doc, &[], &u("20335"), &r, &none).expect_err(key);
            assert!(err.reason.contains(key), "{key}: {}", err.reason);
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
        // The commune's proposal with its own event; the district adds its event.
        let mut doc = base();
        proposal::append_event(&mut doc, &event("20335")).expect("append");
        let before = doc.get_heads();
        let mut district = doc.fork();
        district.set_actor(ActorId::from([2u8; 16]));
        let mut e = event("502");
        e.id = "e2".into();
        proposal::append_event(&mut district, &e).expect("append");
        let honest = forged(&doc, &district, |_| {});
        assert!(check_changes(&honest, &before, &u("502"), &r, &none).is_ok());
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
        let err = check_changes(&hidden, &before, &u("502"), &r, &none).expect_err("refused");
        assert!(err.reason.contains("không được xóa"), "{}", err.reason);
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
        assert!(check_changes(&retitled, &before, &u("502"), &r, &none).is_err());
        // The owner editing a field may supersede that field's value, not another's.
        let mut owner = doc.fork();
        owner.set_actor(ActorId::from([1u8; 16]));
        let edit = ProposalFields {
            title: Some("Tên mới".into()),
            ..ProposalFields::default()
        };
        proposal::edit(&mut owner, &edit, &u("20335"), 0).expect("edit");
        let edited = forged(&doc, &owner, |_| {});
        assert!(check_changes(&edited, &before, &u("20335"), &r, &none).is_ok());
        let Ok(Some((_, basis))) = doc.get(ROOT, "basis") else {
            panic!("basis")
        };
        let unfrozen = forged(&doc, &owner, |ops| {
            if let Some(put) = ops.iter_mut().find(|o| o.key == Key::Map("title".into())) {
                put.pred = vec![op_id(&basis)].into();
            }
        });
        assert!(matches!(unfrozen.get(ROOT, "basis"), Ok(None)));
        assert!(check_changes(&unfrozen, &before, &u("20335"), &r, &none).is_err());
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
