//! The ingress check: may `office` contribute these changes to this document? The hub runs it
//! on a scratch copy before writing anything. Honest clients write only through the core's
//! own checks (the same rules, per action) and push what they wrote as written; they run this
//! check before pushing only changes they cannot vouch for that way (a document compacted with
//! changes the hub lacks). A refusal means a bug, a calendar or registry the office had not
//! yet received, or tampering.
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
//! - a new event of a proposal fits the procedure (`workflow`): the acting unit has the
//!   authority and the step fits the state its author had seen; a concurrent rival makes a
//!   conflict, kept and flagged, not a refusal.
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

// A refusal is the rare path, and it names its change (32 bytes) besides the rule: boxing it
// would buy nothing measurable.
#![allow(clippy::result_large_err)]

mod objects;
mod phases;
mod reason;
#[cfg(test)]
mod tests;

pub use reason::Reason;

use crate::calendar::Calendar;
use crate::doc::MapFields;
use crate::ids::UnitCode;
use crate::org::Registry;
use automerge::{ActorId, Automerge, ChangeHash, ROOT};
use std::collections::BTreeSet;

/// Why a change was refused: the change, and the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Rejection {
    pub change: ChangeHash,
    pub reason: Reason,
}

/// Keys fixed by the first change.
const IMMUTABLE: [&str; 6] = ["schema", "kind", "id", "unit", "created_at", "year"];

/// Proposal fields that decide who has authority: frozen once the log has events.
const FROZEN_AFTER_SUBMIT: [&str; 3] = ["proposer_is_head", "proposer_is_deputy", "basis"];

fn reject(change: ChangeHash, reason: Reason) -> Rejection {
    Rejection { change, reason }
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
    calendar: &Calendar,
    bound: &dyn Fn(&ActorId) -> Option<UnitCode>,
) -> Result<BTreeSet<ActorId>, Rejection> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        check_changes_unguarded(after, before, office, registry, calendar, bound)
    }))
    .unwrap_or_else(|_| {
        let last = || after.get_changes_meta(before).last().map(|c| c.hash);
        let change = std::panic::catch_unwind(std::panic::AssertUnwindSafe(last))
            .ok()
            .flatten()
            .unwrap_or(ChangeHash([0; 32]));
        Err(reject(change, Reason::Unreadable))
    })
}

/// The phases of the check, in order (see [`phases`]).
fn check_changes_unguarded(
    after: &Automerge,
    before: &[ChangeHash],
    office: &UnitCode,
    registry: &Registry,
    calendar: &Calendar,
    bound: &dyn Fn(&ActorId) -> Option<UnitCode>,
) -> Result<BTreeSet<ActorId>, Rejection> {
    // Metadata of every new change (cheap: no operations); operations are decoded only for
    // the changes after a document's first (see the module's notes).
    let metas = after.get_changes_meta(before);
    let (Some(first), Some(last)) = (metas.first(), metas.last()) else {
        return Ok(BTreeSet::new());
    };
    let fresh = before.is_empty();
    let roots = phases::roots(&metas, fresh)?;
    // The root's fields now, in one pass.
    let root = MapFields::read(after, &ROOT);
    let doc = phases::identify(after, before, &root, &roots, (first.hash, last.hash))?;
    let check = phases::Check {
        after,
        before,
        office,
        registry,
        doc,
    };
    let records = check.records(&root)?;
    let to_bind = check.actors(&metas, bound)?;
    if fresh && check.doc.kind == crate::doc::DocKind::Proposal {
        // A proposal new to the receiver is judged whole by what it leaves: every change of
        // it is the office's own, so the op rules that protect what others wrote or saw have
        // nothing to protect.
        check.new_proposal_root(&root, &roots)?;
    } else {
        // Every new change but a document's first: the first creates the document and
        // nothing existed before it, so what it may do is read from the result (its records
        // are checked with every new record, and every element of a record list must be a
        // record). Decoding it would cost most of the check: it holds all the prose.
        let changes = if fresh {
            after.get_changes(&roots)
        } else {
            after.get_changes(before)
        };
        check.ops(&changes, &records.old)?;
    }
    let new_events: Vec<String> = if check.doc.kind == crate::doc::DocKind::Proposal {
        records
            .new
            .iter()
            .filter(|(list, _)| *list == "events")
            .filter_map(|(_, r)| objects::record_fields(after, r).id)
            .collect()
    } else {
        Vec::new()
    };
    let new_duty: Vec<(&'static str, String)> = if check.doc.kind == crate::doc::DocKind::UnitYear {
        records
            .new
            .iter()
            .map(|(list, r)| {
                (
                    *list,
                    objects::record_fields(after, r).id.unwrap_or_default(),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    check.new_records(records)?;
    check.procedure(&new_events, calendar)?;
    check.duty_entries(&new_duty)?;
    Ok(to_bind)
}
