//! What of a refused copy can still go (PROTOCOL.md §13, "a refusal sets aside only the
//! change"). When the hub (or the office's own check) refuses one change of a document, the
//! office's copy is kept aside whole (`doimoi refused`), and a new copy is rebuilt on the hub's
//! version with
//!
//! - every local change that does not depend on the refused one, as it was;
//! - the office's own comments and attachments that came after it (and so depend on it),
//!   written again as new records: a district's comment is not lost because another change of
//!   the same copy was refused.
//!
//! Steps of the procedure and prose edits made after the refused change are not replayed
//! (they may be what the refusal is about); they stay in the set-aside copy.

use super::proposal::{self, Attachment, Comment};
use super::{kind_of, DocError, DocKind};
use crate::ids::UnitCode;
use automerge::{ActorId, Automerge, ChangeHash};
use std::collections::HashSet;

/// What [`salvage`] kept.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Salvaged {
    /// Local changes kept as they were.
    pub kept: usize,
    /// Changes left out: the refused one and those that depend on it.
    pub dropped: usize,
    /// Comments and attachments of this office written again.
    pub rewritten: usize,
}

/// Rebuilds `local` on `base` (the hub's version, or the version the hub last confirmed)
/// without the change `refused` and the changes that depend on it, then writes again, as
/// `actor` (a new actor: the old one's sequence is broken by the refused change), the comments
/// and attachments of `unit` that only the dropped changes held. `None` when nothing of the
/// office's work is left to keep.
pub fn salvage(
    local: &Automerge,
    mut base: Automerge,
    refused: &ChangeHash,
    unit: &UnitCode,
    actor: ActorId,
) -> Result<Option<(Automerge, Salvaged)>, DocError> {
    let base_heads = base.get_heads();
    let mut bad: HashSet<ChangeHash> = HashSet::new();
    bad.insert(*refused);
    let mut good = Vec::new();
    let mut dropped = 0;
    // `get_changes` gives them in an order where every change follows its dependencies.
    for c in local.get_changes(&base_heads) {
        if bad.contains(&c.hash()) || c.deps().iter().any(|d| bad.contains(d)) {
            bad.insert(c.hash());
            dropped += 1;
        } else {
            good.push(c.clone());
        }
    }
    let kept = good.len();
    base.apply_changes(good)?;
    base.set_actor(actor);
    let mut rewritten = 0;
    if kind_of(local)? == DocKind::Proposal {
        let had = proposal::read(local)?;
        let now = proposal::read(&base)?;
        let mine = |u: &UnitCode| u == unit;
        let comments: Vec<&Comment> = had
            .comments
            .iter()
            .filter(|c| mine(&c.unit) && !now.comments.iter().any(|n| n.id == c.id))
            .collect();
        for c in comments {
            proposal::add_comment(&mut base, c)?;
            rewritten += 1;
        }
        let attachments: Vec<&Attachment> = had
            .attachments
            .iter()
            .filter(|a| {
                mine(&a.unit)
                    && !now
                        .attachments
                        .iter()
                        .any(|n| n.sha256 == a.sha256 && n.name == a.name)
            })
            .collect();
        for a in attachments {
            proposal::add_attachment(&mut base, a)?;
            rewritten += 1;
        }
    }
    if kept == 0 && rewritten == 0 {
        return Ok(None);
    }
    Ok(Some((
        base,
        Salvaged {
            kept,
            dropped,
            rewritten,
        },
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::proposal::ProposalFields;
    use crate::ids::DocId;
    use automerge::transaction::Transactable;
    use automerge::ROOT;

    fn u(s: &str) -> UnitCode {
        UnitCode::parse(s).expect("unit")
    }

    #[test]
    fn the_refused_change_goes_and_the_offices_comment_after_it_is_written_again() {
        let commune = u("20335");
        let district = u("502");
        let hub = proposal::create(
            ActorId::from([1u8; 16]),
            &DocId::from_bytes([9; 16]),
            &commune,
            0,
            &ProposalFields {
                title: Some("Số hóa hồ sơ".into()),
                ..Default::default()
            },
        )
        .expect("create");
        let mut local = hub.fork().with_actor(ActorId::from([2u8; 16]));
        // A comment before the bad change (kept as it was)...
        let comment = |id: &str, text: &str| Comment {
            id: id.into(),
            at: 1,
            unit: district.clone(),
            by: "Chuyên viên".into(),
            text: text.into(),
        };
        proposal::add_comment(&mut local, &comment("c1", "Đề nghị bổ sung")).expect("c1");
        // ...the change the hub refuses (the district edits the commune's title)...
        {
            let mut tx = local.transaction();
            tx.put(ROOT, "title", "Bị sửa").expect("put");
            tx.commit();
        }
        let refused = local.get_heads()[0];
        // ...and a comment after it, which depends on it.
        proposal::add_comment(&mut local, &comment("c2", "Đồng ý chủ trương")).expect("c2");
        let (doc, s) = salvage(
            &local,
            hub.clone(),
            &refused,
            &district,
            ActorId::from([3u8; 16]),
        )
        .expect("salvage")
        .expect("something kept");
        assert_eq!(
            s,
            Salvaged {
                kept: 1,
                dropped: 2,
                rewritten: 1
            }
        );
        let p = proposal::read(&doc).expect("read");
        assert_eq!(p.title, "Số hóa hồ sơ");
        let texts: Vec<&str> = p.comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, vec!["Đề nghị bổ sung", "Đồng ý chủ trương"]);
        // Nothing to keep when the refused change was all there was.
        let mut only = hub.fork().with_actor(ActorId::from([4u8; 16]));
        {
            let mut tx = only.transaction();
            tx.put(ROOT, "title", "Bị sửa").expect("put");
            tx.commit();
        }
        let refused = only.get_heads()[0];
        assert!(
            salvage(&only, hub, &refused, &district, ActorId::from([5u8; 16]))
                .expect("salvage")
                .is_none()
        );
    }
}
