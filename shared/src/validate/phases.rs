//! The ingress check's phases, in the order [`super::check_changes`] runs them. Each returns the
//! first rule broken, naming the change that broke it.

use super::objects::{
    check_preds, list_items, path_of, record_fields, record_lists, records_at, Place,
};
use super::{reject, Reason, Rejection, FROZEN_AFTER_SUBMIT, IMMUTABLE};
use crate::doc::{DocKind, MapFields};
use crate::ids::UnitCode;
use crate::org::{Registry, UnitKind};
use automerge::legacy::{ElementId, Key, ObjectId, OpId as LegacyOpId, OpType};
use automerge::{ActorId, Automerge, Change, ChangeHash, ObjId, Prop, ReadDoc, Value, ROOT};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Phase 1, lineage: a document's first change is the only change without dependencies; it
/// may only arrive with a document new to the receiver (`fresh`), and only once. Returns the
/// first change's hash when it is among the new changes.
pub(super) fn roots(
    metas: &[automerge::ChangeMetadata<'_>],
    fresh: bool,
) -> Result<Vec<ChangeHash>, Rejection> {
    let roots: Vec<ChangeHash> = metas
        .iter()
        .filter(|c| c.deps.is_empty())
        .map(|c| c.hash)
        .collect();
    if (!fresh && !roots.is_empty()) || roots.len() > 1 {
        let h = roots
            .first()
            .copied()
            .or(metas.first().map(|c| c.hash))
            .unwrap_or(ChangeHash([0; 32]));
        return Err(reject(h, Reason::SecondRoot));
    }
    Ok(roots)
}

/// The document being checked, as its root says.
pub(super) struct Subject {
    pub kind: DocKind,
    pub owner: UnitCode,
    pub id: String,
    /// The document is new to the receiver.
    pub fresh: bool,
    /// The first and last of the new changes.
    pub first: ChangeHash,
    pub last: ChangeHash,
}

/// Phase 2, identity: the root reads as a doimoi document with an owner; the kind and owner
/// are those the receiver held; a unit-year record's id and first change are those derived
/// from (unit, year).
pub(super) fn identify(
    after: &Automerge,
    before: &[ChangeHash],
    root: &MapFields,
    roots: &[ChangeHash],
    (first, last): (ChangeHash, ChangeHash),
) -> Result<Subject, Rejection> {
    let fresh = before.is_empty();
    let kind = root
        .kind()
        .map_err(|e| reject(first, Reason::InvalidDocument(e.to_string())))?;
    let owner = root
        .str("unit")
        .and_then(|u| UnitCode::parse(&u).ok())
        .ok_or_else(|| reject(first, Reason::NoOwner))?;
    let id = root.str("id").unwrap_or_default();
    if !fresh {
        let old_unit = match after.get_at(ROOT, "unit", before) {
            Ok(Some((Value::Scalar(s), _))) => s.as_str().map(str::to_string),
            _ => None,
        };
        if old_unit.as_deref() != Some(owner.as_str()) {
            return Err(reject(first, Reason::OwnerChanged));
        }
    }
    if kind == DocKind::UnitYear {
        let year = root.i64("year").and_then(|y| i32::try_from(y).ok());
        let expected = year.map(|y| crate::ids::DocId::unit_year(&owner, y));
        if expected.as_ref().map(|d| d.as_str()) != Some(id.as_str()) {
            return Err(reject(first, Reason::UnitYearId));
        }
        if let (Some(root), Some(y)) = (roots.first(), year) {
            let genesis = crate::doc::unit_year::create(ActorId::from([0u8; 16]), &owner, y)
                .ok()
                .and_then(|d| d.get_changes(&[]).first().map(|c| c.hash()));
            if genesis.as_ref() != Some(root) {
                return Err(reject(*root, Reason::UnitYearGenesis));
            }
        }
    }
    Ok(Subject {
        kind,
        owner,
        id,
        fresh,
        first,
        last,
    })
}

/// The records of the document's lists: those the receiver held, and those the new changes
/// add (with their list).
pub(super) struct Records {
    pub old: HashSet<ObjId>,
    pub new: Vec<(&'static str, ObjId)>,
}

/// One check of one push: the document after the new changes, the receiver's heads before
/// them, the office sending them.
pub(super) struct Check<'a> {
    pub after: &'a Automerge,
    pub before: &'a [ChangeHash],
    pub office: &'a UnitCode,
    pub registry: &'a Registry,
    pub doc: Subject,
}

impl Check<'_> {
    /// Phase 3, records: every record list is a list, of records only in a new document; no
    /// record the receiver held was removed.
    pub(super) fn records(&self, root: &MapFields) -> Result<Records, Rejection> {
        let doc = &self.doc;
        let mut out = Records {
            old: HashSet::new(),
            new: Vec::new(),
        };
        for &list in record_lists(doc.kind) {
            let items = match root.obj(list) {
                Some((list_id, automerge::ObjType::List)) => list_items(self.after, list_id, None),
                Some(_) => return Err(reject(doc.first, Reason::NotARecordList { list })),
                None => Vec::new(),
            };
            if doc.fresh {
                if let Some((index, _)) = items.iter().find(|(_, r)| r.is_none()) {
                    return Err(reject(
                        doc.first,
                        Reason::NotARecord {
                            list,
                            index: *index,
                        },
                    ));
                }
            }
            let before_set = if doc.fresh {
                HashSet::new()
            } else {
                records_at(self.after, list, self.before)
            };
            let recs: Vec<ObjId> = items.into_iter().filter_map(|(_, r)| r).collect();
            let now: HashSet<&ObjId> = recs.iter().collect();
            // Records are never removed (the op rules forbid it; checked on the result too).
            if before_set.iter().any(|r| !now.contains(r)) {
                return Err(reject(doc.last, Reason::RecordRemoved { list }));
            }
            for r in recs {
                if !before_set.contains(&r) {
                    out.new.push((list, r));
                }
            }
            out.old.extend(before_set);
        }
        Ok(out)
    }

    /// Phase 4, actors: no change's actor is bound to another office (the shared first change
    /// of a unit-year record binds nothing); only the owner creates its proposal. Returns the
    /// actors to bind to the office.
    pub(super) fn actors(
        &self,
        metas: &[automerge::ChangeMetadata<'_>],
        bound: &dyn Fn(&ActorId) -> Option<UnitCode>,
    ) -> Result<BTreeSet<ActorId>, Rejection> {
        let (doc, office) = (&self.doc, self.office);
        let mut to_bind = BTreeSet::new();
        for change in metas {
            let actor = change.actor.as_ref();
            let genesis = change.deps.is_empty();
            if !(genesis && doc.kind == DocKind::UnitYear) {
                match bound(actor) {
                    Some(other) if &other != office => {
                        return Err(reject(
                            change.hash,
                            Reason::ForeignActor {
                                actor: actor.to_hex_string(),
                                bound: other,
                                office: office.clone(),
                            },
                        ))
                    }
                    Some(_) => {}
                    None => {
                        to_bind.insert(actor.clone());
                    }
                }
            }
            if genesis && doc.kind == DocKind::Proposal && &doc.owner != office {
                return Err(reject(
                    change.hash,
                    Reason::NotCreator {
                        owner: doc.owner.clone(),
                    },
                ));
            }
        }
        Ok(to_bind)
    }

    /// Phase 5, a proposal new to the receiver judged by what it leaves: the fixed keys
    /// ([`IMMUTABLE`]) and every container (the prose texts, the record lists) hold what the
    /// first change (`genesis`) set; a prose field is a text; nothing else at the root is an
    /// object.
    /// The prose field `key` of the document after the push within its length limit.
    fn prose_within_limit(&self, key: &str) -> Result<(), Reason> {
        if let Ok(Some((Value::Object(automerge::ObjType::Text), text))) = self.after.get(ROOT, key)
        {
            crate::limits::check_len(key, self.after.length(&text)).map_err(Reason::TooLong)?;
        }
        Ok(())
    }

    pub(super) fn new_proposal_root(
        &self,
        root: &MapFields,
        genesis: &[ChangeHash],
    ) -> Result<(), Rejection> {
        // Every text within its limit: the short fields and the prose.
        for key in ["title", "proposer", "position", "field"] {
            if let Ok(Some((Value::Scalar(v), _))) = self.after.get(ROOT, key) {
                if let Some(s) = v.as_str() {
                    crate::limits::check(key, s)
                        .map_err(|e| reject(self.doc.first, Reason::TooLong(e)))?;
                }
            }
        }
        for key in crate::doc::proposal::PROSE {
            self.prose_within_limit(key)
                .map_err(|why| reject(self.doc.first, why))?;
        }
        let set_first: HashMap<String, ObjId> = self
            .after
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
                let key = key.to_string();
                let reason = if is_prose {
                    Reason::ProseIsText { key }
                } else {
                    Reason::SetOnce { key }
                };
                // The change that set the value, when Automerge can tell.
                let change = self.after.hash_for_opid(id).unwrap_or(self.doc.first);
                return Err(reject(change, reason));
            }
        }
        Ok(())
    }

    /// Phase 6, op by op: every op's predecessors are ops on its own key; at the root only the
    /// owner's scalar fields change (not the fixed keys, the containers, the prose or, once
    /// the log has events, the fields that decide authority); record lists only grow by new
    /// records, and records the receiver held are never edited; the rest of a document is its
    /// owner's.
    pub(super) fn ops(
        &self,
        changes: &[Change],
        old_records: &HashSet<ObjId>,
    ) -> Result<(), Rejection> {
        let has_events_before = !self.doc.fresh
            && self.doc.kind == DocKind::Proposal
            && match self.after.get_at(ROOT, "events", self.before) {
                Ok(Some((Value::Object(_), list))) => self.after.length_at(&list, self.before) > 0,
                _ => false,
            };
        let mut paths: HashMap<ObjId, Vec<(ObjId, Prop)>> = HashMap::new();
        let mut prose_touched: BTreeSet<(&'static str, ChangeHash)> = BTreeSet::new();
        // Places of objects, from the ops that made them or, failing that, from the document.
        let mut places: HashMap<ObjId, Place> = HashMap::new();
        let mut current: Option<(ObjId, Place)> = None;
        // The target (object and key) of every op of the new changes, by op id: what an op
        // may name as its predecessor.
        let mut targets: HashMap<LegacyOpId, (ObjectId, Key)> = HashMap::new();
        for change in changes {
            let hash = change.hash();
            let expanded = change.decode();
            let actor = &expanded.actor_id;
            for (i, op) in expanded.operations.iter().enumerate() {
                // The op's own id: a change's ops take consecutive counters from its start.
                let counter = expanded.start_op.get() + i as u64;
                let made = matches!(op.action, OpType::Make(_))
                    .then(|| ObjId::Id(counter, actor.clone(), 0));
                // An op supersedes exactly its predecessors, and Automerge does not check that
                // they are ops on the same key: a forged predecessor would delete any value or
                // record of the document. Each must be an op on the op's own object and key.
                check_preds(self.after, op, &expanded.deps, &targets)
                    .map_err(|why| reject(hash, why))?;
                let key = if op.insert {
                    // Ops on the inserted element name it by the insert's id.
                    Key::Seq(ElementId::Id(LegacyOpId(counter, actor.clone())))
                } else {
                    op.key.clone()
                };
                targets.insert(LegacyOpId(counter, actor.clone()), (op.obj.clone(), key));
                match &op.obj {
                    ObjectId::Root => self
                        .root_op(op, has_events_before)
                        .map_err(|why| reject(hash, why))?,
                    ObjectId::Id(opid) => {
                        // An object's place is the same for every op on it (a text field gets
                        // one op per character, in a row): found once per object, and the
                        // last object's kept at hand.
                        let same = matches!(&current, Some((ObjId::Id(c, a, _), _))
                            if *c == opid.counter() && a == opid.actor());
                        if !same {
                            let obj = ObjId::Id(opid.counter(), opid.actor().clone(), 0);
                            let place = match places.get(&obj) {
                                Some(p) => p.clone(),
                                None => {
                                    let path =
                                        path_of(self.after, &obj, &mut paths).map_err(|e| {
                                            reject(
                                                hash,
                                                Reason::UnknownObject {
                                                    detail: Some(e.to_string()),
                                                },
                                            )
                                        })?;
                                    Place::of_path(&obj, &path)
                                        .ok_or_else(|| reject(hash, Reason::DetachedObject))?
                                }
                            };
                            current = Some((obj, place));
                        }
                        let Some((obj, place)) = &current else {
                            return Err(reject(hash, Reason::UnknownObject { detail: None }));
                        };
                        if let Some(child) = &made {
                            places.insert(child.clone(), place.child(obj, child));
                        }
                        if place.depth == 1 && self.doc.kind == DocKind::Proposal {
                            if let Some(k) = crate::doc::proposal::PROSE
                                .iter()
                                .find(|k| **k == place.key)
                            {
                                prose_touched.insert((*k, hash));
                            }
                        }
                        self.object_op(op, place, old_records)
                            .map_err(|why| reject(hash, why))?;
                    }
                }
            }
        }
        // The prose edited: each within its limit once the changes are applied.
        let mut seen = HashSet::new();
        for (key, hash) in prose_touched {
            if seen.insert(key) {
                self.prose_within_limit(key)
                    .map_err(|why| reject(hash, why))?;
            }
        }
        Ok(())
    }

    /// An op on a key of the root.
    fn root_op(&self, op: &automerge::legacy::Op, has_events_before: bool) -> Result<(), Reason> {
        let Key::Map(k) = &op.key else {
            return Err(Reason::RootOp);
        };
        let (after, doc) = (self.after, &self.doc);
        let holds_container =
            matches!(after.get(ROOT, k.as_str()), Ok(Some((Value::Object(_), _))))
                || matches!(
                    after.get_at(ROOT, k.as_str(), self.before),
                    Ok(Some((Value::Object(_), _)))
                );
        let is_prose = crate::doc::proposal::PROSE.contains(&k.as_str());
        let key = || k.to_string();
        if IMMUTABLE.contains(&k.as_str())
            || matches!(op.action, OpType::Make(_))
            || (holds_container && !is_prose)
            || doc.kind == DocKind::UnitYear
        {
            return Err(Reason::SetOnce { key: key() });
        }
        if is_prose {
            return Err(Reason::ProseIsText { key: key() });
        }
        if let OpType::Put(automerge::ScalarValue::Str(s)) = &op.action {
            crate::limits::check(k, s).map_err(Reason::TooLong)?;
        }
        if &doc.owner != self.office {
            return Err(Reason::NotOwnerContent {
                owner: doc.owner.clone(),
                key: key(),
            });
        }
        if has_events_before && FROZEN_AFTER_SUBMIT.contains(&k.as_str()) {
            return Err(Reason::FrozenAfterSubmit { key: key() });
        }
        Ok(())
    }

    /// An op on an object below the root, at `place`.
    fn object_op(
        &self,
        op: &automerge::legacy::Op,
        place: &Place,
        old_records: &HashSet<ObjId>,
    ) -> Result<(), Reason> {
        let doc = &self.doc;
        let k = &place.key;
        if doc.kind == DocKind::UnitYear && k == "plan" {
            return self.plan_op(op, place);
        }
        if record_lists(doc.kind).contains(&k.as_str()) {
            if place.depth == 1 {
                // On the list itself: only inserting new record maps.
                if !op.insert || !matches!(op.action, OpType::Make(automerge::ObjType::Map)) {
                    return Err(Reason::AppendOnly { list: k.clone() });
                }
            } else {
                let Some(record) = &place.record else {
                    return Err(Reason::UnknownObject { detail: None });
                };
                if old_records.contains(record) {
                    return Err(Reason::RecordEdited { list: k.clone() });
                }
            }
        } else if &doc.owner != self.office {
            return Err(match doc.kind {
                DocKind::Proposal => Reason::NotOwnerContent {
                    owner: doc.owner.clone(),
                    key: k.clone(),
                },
                DocKind::UnitYear => Reason::NotOwnerUnitYear {
                    owner: doc.owner.clone(),
                },
            });
        }
        Ok(())
    }

    /// An op in a unit-year record's `plan` map: the owner writes the first issue's keys once
    /// and adds revisions as new maps under `rev-…` keys; nothing already there changes.
    fn plan_op(&self, op: &automerge::legacy::Op, place: &Place) -> Result<(), Reason> {
        use crate::doc::unit_year::{PLAN_KEYS, REVISION_PREFIX};
        let doc = &self.doc;
        if &doc.owner != self.office {
            return Err(Reason::NotOwnerUnitYear {
                owner: doc.owner.clone(),
            });
        }
        let plan_before = match self.after.get_at(ROOT, "plan", self.before) {
            Ok(Some((Value::Object(_), id))) => Some(id),
            _ => None,
        };
        let held = |key: &str| {
            plan_before
                .as_ref()
                .and_then(|p| match self.after.get_at(p, key, self.before) {
                    Ok(Some((_, id))) => Some(id),
                    _ => None,
                })
        };
        if matches!(op.action, OpType::Delete) {
            return Err(Reason::PlanOverwritten);
        }
        if place.depth == 1 {
            let Key::Map(name) = &op.key else {
                return Err(Reason::PlanKey { key: String::new() });
            };
            if PLAN_KEYS.contains(&name.as_str()) {
                if matches!(op.action, OpType::Make(_)) {
                    return Err(Reason::PlanKey {
                        key: name.to_string(),
                    });
                }
                // The first issue is written once: a value that replaces another (the op has
                // a predecessor) is an overwrite, in this push or an earlier one. Two devices
                // writing a first issue concurrently each replace nothing: both are kept.
                if !op.pred.is_empty() {
                    return Err(Reason::PlanOverwritten);
                }
                if let OpType::Put(automerge::ScalarValue::Str(s)) = &op.action {
                    crate::limits::check(name, s).map_err(Reason::TooLong)?;
                }
                return Ok(());
            }
            if name.starts_with(REVISION_PREFIX)
                && matches!(op.action, OpType::Make(automerge::ObjType::Map))
            {
                if held(name).is_some() {
                    return Err(Reason::PlanOverwritten);
                }
                return Ok(());
            }
            return Err(Reason::PlanKey {
                key: name.to_string(),
            });
        }
        // Inside a revision: only a revision new in this push is written, each field once.
        let Some(rev) = &place.record else {
            return Err(Reason::UnknownObject { detail: None });
        };
        if !op.pred.is_empty() {
            return Err(Reason::PlanOverwritten);
        }
        let old = plan_before.as_ref().is_some_and(|p| {
            self.after
                .map_range_at(p, .., self.before)
                .any(|item| &item.id() == rev)
        });
        if old {
            return Err(Reason::PlanOverwritten);
        }
        Ok(())
    }

    /// Phase 7, new records: each names the office (a Sở Nội vụ inspection names Sở Nội vụ in
    /// `by_unit`; a duty entry belongs to the record's own unit), and a new proposal record
    /// does not reuse an existing id.
    pub(super) fn new_records(&self, records: Records) -> Result<(), Rejection> {
        let (doc, office) = (&self.doc, self.office);
        let is_home_affairs =
            self.registry.get(office).map(|u| u.kind) == Some(UnitKind::HomeAffairs);
        let mut old_ids: HashSet<String> = HashSet::new();
        if doc.kind == DocKind::Proposal {
            for r in &records.old {
                if let Some(id) = record_fields(self.after, r).id {
                    old_ids.insert(id);
                }
            }
        }
        for (list, record) in records.new {
            if let Ok(json) = crate::doc::record_json(self.after, &record) {
                crate::limits::check_object(&json)
                    .map_err(|e| reject(doc.last, Reason::TooLong(e)))?;
            }
            let f = record_fields(self.after, &record);
            let id = f.id.clone().unwrap_or_default();
            if doc.kind == DocKind::Proposal && !id.is_empty() && !old_ids.insert(id.clone()) {
                return Err(reject(doc.last, Reason::DuplicateRecordId { id }));
            }
            let ok = match (doc.kind, list) {
                (DocKind::Proposal, _) => f.unit.as_deref() == Some(office.as_str()),
                (DocKind::UnitYear, "inspections") => {
                    is_home_affairs && f.by_unit.as_deref() == Some(office.as_str())
                }
                // Sở Nội vụ's opinion or UBND tỉnh's decision on the unit's proposal sent
                // upward: written by that body, named in `by_unit` (which body may take which
                // stage is phase 9's `check_entry_in`).
                (DocKind::UnitYear, "commendations" | "disciplines") if f.stage.is_some() => {
                    f.by_unit.as_deref() == Some(office.as_str())
                }
                (DocKind::UnitYear, _) => &doc.owner == office,
            };
            if !ok {
                let named = f
                    .unit
                    .or(f.by_unit)
                    .unwrap_or_else(|| doc.owner.to_string());
                return Err(reject(
                    doc.last,
                    Reason::ActsForAnother {
                        id,
                        list,
                        doc: doc.id.clone(),
                        named,
                        office: office.clone(),
                    },
                ));
            }
        }
        Ok(())
    }

    /// Phase 8, the procedure: each new event of a proposal fits the procedure in its
    /// author's own view (the rules of `workflow::check_next`, re-run on the whole log).
    pub(super) fn procedure(
        &self,
        new_events: &[String],
        calendar: &crate::calendar::Calendar,
    ) -> Result<(), Rejection> {
        if new_events.is_empty() || self.doc.kind != DocKind::Proposal {
            return Ok(());
        }
        let invalid_doc =
            |e: crate::doc::DocError| reject(self.doc.last, Reason::InvalidDocument(e.to_string()));
        let mut p = crate::doc::proposal::read_without_prose(self.after).map_err(invalid_doc)?;
        let submission = p.events.iter().find(|e| {
            matches!(e.action, crate::workflow::Action::Submit) && new_events.contains(&e.id)
        });
        // A new submission needs the plan's mandatory contents (only then is the prose read).
        if let Some(e) = submission.cloned() {
            crate::doc::proposal::read_prose(self.after, &mut p).map_err(invalid_doc)?;
            let missing = p.missing_for_submit();
            if !missing.is_empty() {
                return Err(reject(
                    self.doc.last,
                    Reason::Procedure {
                        id: e.id.clone(),
                        step: e.action.label_vi(),
                        doc: self.doc.id.clone(),
                        refusal: crate::workflow::Refusal::MissingContents {
                            missing: missing.join("; "),
                        },
                    },
                ));
            }
        }
        let invalid = crate::workflow::invalid_events(
            &p.facts(),
            &p.events,
            self.registry,
            calendar,
            &calendar.workflow_config(),
        );
        for (id, refusal) in invalid {
            if new_events.contains(&id) {
                let step = p
                    .events
                    .iter()
                    .find(|e| e.id == id)
                    .map(|e| e.action.label_vi())
                    .unwrap_or("");
                return Err(reject(
                    self.doc.last,
                    Reason::Procedure {
                        id,
                        step,
                        doc: self.doc.id.clone(),
                        refusal,
                    },
                ));
            }
        }
        Ok(())
    }

    /// Phase 9, duty records: each new record of a unit-year record is what it says against
    /// the record it joins (`unit_year::check_entry_in`): dissemination not before the
    /// regulation, a plan revision not before the first issue, Sở Nội vụ's opinion and UBND
    /// tỉnh's decision on a province-level proposal in that order, by those bodies.
    pub(super) fn duty_entries(&self, new: &[(&'static str, String)]) -> Result<(), Rejection> {
        use crate::doc::unit_year::{self, Entry};
        if self.doc.kind != DocKind::UnitYear {
            return Ok(());
        }
        let uy = unit_year::read(self.after)
            .map_err(|e| reject(self.doc.last, Reason::InvalidDocument(e.to_string())))?;
        let plan_before: HashSet<String> = match self.after.get_at(ROOT, "plan", self.before) {
            Ok(Some((Value::Object(_), p))) if !self.before.is_empty() => self
                .after
                .map_range_at(&p, .., self.before)
                .map(|i| i.key.to_string())
                .collect(),
            _ => HashSet::new(),
        };
        let new_ids: Vec<&String> = new.iter().map(|(_, id)| id).collect();
        let is_new = |id: &String| new_ids.contains(&id);
        // Every new record reads as the record of its list it claims to be.
        for (list, id) in new {
            let known = match *list {
                "dissemination" => uy.dissemination.iter().any(|x| &x.id == id),
                "self_inspections" => uy.self_inspections.iter().any(|x| &x.id == id),
                "reviews" => uy.reviews.iter().any(|x| &x.id == id),
                "commendations" => {
                    uy.commendations.iter().any(|x| &x.id == id)
                        || uy.commendation_steps.iter().any(|x| &x.id == id)
                }
                "disciplines" => {
                    uy.disciplines.iter().any(|x| &x.id == id)
                        || uy.discipline_steps.iter().any(|x| &x.id == id)
                }
                "inspections" => uy.inspections.iter().any(|x| &x.id == id),
                _ => false,
            };
            if !known || id.is_empty() {
                return Err(reject(
                    self.doc.last,
                    Reason::Entry {
                        id: id.clone(),
                        doc: self.doc.id.clone(),
                        refusal: unit_year::EntryRefusal::Unreadable,
                    },
                ));
            }
        }
        let entries = uy
            .dissemination
            .iter()
            .filter(|x| is_new(&x.id))
            .map(|x| (x.id.clone(), Entry::Dissemination(x.clone())))
            .chain(
                uy.commendation_steps
                    .iter()
                    .filter(|x| is_new(&x.id))
                    .map(|x| (x.id.clone(), Entry::CommendationStep(x.clone()))),
            )
            .chain(
                uy.discipline_steps
                    .iter()
                    .filter(|x| is_new(&x.id))
                    .map(|x| (x.id.clone(), Entry::DisciplineStep(x.clone()))),
            )
            .chain(
                uy.plan_revisions
                    .iter()
                    .filter(|x| {
                        !plan_before.contains(&format!("{}{}", unit_year::REVISION_PREFIX, x.id))
                    })
                    .map(|x| (x.id.clone(), Entry::PlanRevision(x.clone()))),
            );
        // Every new revision of the plan reads as one.
        if let Ok(Some((Value::Object(_), p))) = self.after.get(ROOT, "plan") {
            for item in self.after.map_range(&p, ..) {
                let key = item.key.to_string();
                let Some(id) = key.strip_prefix(unit_year::REVISION_PREFIX) else {
                    continue;
                };
                if !plan_before.contains(&key) && !uy.plan_revisions.iter().any(|r| r.id == id) {
                    return Err(reject(
                        self.doc.last,
                        Reason::Entry {
                            id: id.to_string(),
                            doc: self.doc.id.clone(),
                            refusal: unit_year::EntryRefusal::Unreadable,
                        },
                    ));
                }
            }
        }
        let office_kind = self.registry.get(self.office).map(|u| u.kind);
        for (id, entry) in entries {
            if let Err(refusal) = unit_year::check_entry_in(&uy, &entry, office_kind) {
                return Err(reject(
                    self.doc.last,
                    Reason::Entry {
                        id,
                        doc: self.doc.id.clone(),
                        refusal,
                    },
                ));
            }
        }
        Ok(())
    }
}
