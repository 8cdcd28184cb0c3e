//! Reading what the rules look at: record lists and their records, where an object sits, and
//! whether an op's predecessors are ops on its own key.

use super::Reason;
use crate::doc::DocKind;
use automerge::legacy::{ElementId, Key, ObjectId, OpId as LegacyOpId};
use automerge::{Automerge, ChangeHash, ObjId, Prop, ReadDoc, Value, ROOT};
use std::collections::{HashMap, HashSet};

/// The record lists of each document kind.
pub(super) fn record_lists(kind: DocKind) -> &'static [&'static str] {
    match kind {
        DocKind::Proposal => &["events", "comments", "attachments"],
        DocKind::UnitYear => &crate::doc::unit_year::LISTS,
    }
}

/// The elements of a record list (at `heads`, or now): index, and the record's object when
/// the element is a record (a map).
pub(super) fn list_items(
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
pub(super) fn records_at(doc: &Automerge, list: &str, heads: &[ChangeHash]) -> HashSet<ObjId> {
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
pub(super) struct RecordFields {
    pub id: Option<String>,
    pub unit: Option<String>,
    pub by_unit: Option<String>,
    /// An upward step's stage (Sở Nội vụ's opinion, UBND tỉnh's decision).
    pub stage: Option<String>,
}

pub(super) fn record_fields(doc: &Automerge, record: &ObjId) -> RecordFields {
    let mut f = RecordFields::default();
    for item in doc.map_range(record, ..) {
        let slot = match item.key.as_ref() {
            "id" => &mut f.id,
            "unit" => &mut f.unit,
            "by_unit" => &mut f.by_unit,
            "stage" => &mut f.stage,
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
pub(super) fn path_of(
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
pub(super) struct Place {
    pub key: String,
    pub depth: usize,
    pub record: Option<ObjId>,
}

impl Place {
    pub fn of_path(obj: &ObjId, path: &[(ObjId, Prop)]) -> Option<Place> {
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
    pub fn child(&self, parent: &ObjId, child: &ObjId) -> Place {
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
pub(super) fn check_preds(
    after: &Automerge,
    op: &automerge::legacy::Op,
    deps: &[ChangeHash],
    targets: &HashMap<LegacyOpId, (ObjectId, Key)>,
) -> Result<(), Reason> {
    if op.pred.is_empty() {
        return Ok(());
    }
    if op.insert {
        return Err(Reason::ForeignPredecessor);
    }
    for p in op.pred.iter() {
        if let Some((obj, key)) = targets.get(p) {
            if obj != &op.obj || key != &op.key {
                return Err(Reason::ForeignPredecessor);
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
            return Err(Reason::ForeignPredecessor);
        }
    }
    Ok(())
}
