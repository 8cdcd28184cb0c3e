//! Automerge bytes at rest and on the wire, the same way in both stores.
//!
//! - **At rest**, a document's snapshot and change chunks are kept as one zstd frame each
//!   ([`pack`]) of Automerge's *uncompressed* encoding (`save_nocompress`, raw change chunks).
//!   Bytes that do not start with the zstd magic are Automerge bytes as they are (stores written
//!   before this, or anything Automerge wrote itself): [`unpack`] passes them through.
//! - **On the wire**, documents and changes travel unpacked and uncompressed by Automerge, so the
//!   one zstd stream of a sync body compresses across documents (they share keys, actor ids and
//!   words): a first pull of prose-heavy proposals is a third of what each document compressed
//!   on its own would be.
//! - A stored **snapshot** is any sequence of chunks that `Automerge::load` loads to the whole
//!   document: a document chunk, possibly followed by change chunks ([`leading_document`]). An
//!   office's never-pushed document is pushed, and a whole document is pulled, as its snapshot
//!   and change chunks concatenated, without loading it.

use std::borrow::Cow;

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
const CHUNK_MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// zstd level at rest: the fastest (a 7 KB proposal packs in tens of microseconds).
const LEVEL: i32 = 1;

/// The most one stored frame may unpack to (a document is far smaller; a damaged frame that
/// claims more is refused rather than allocated).
const MAX_UNPACKED: u64 = 256 << 20;

/// Packs Automerge bytes for storage: one zstd frame holding `bytes` (its size recorded in the
/// frame header). Empty bytes stay empty.
pub fn pack(bytes: &[u8]) -> Vec<u8> {
    thread_local! {
        // One compression context per thread (making one costs as much as packing a small
        // document).
        static PACKER: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
            std::cell::RefCell::new(zstd::bulk::Compressor::new(LEVEL).ok());
    }
    if bytes.is_empty() {
        return Vec::new();
    }
    // Compressing a byte slice in memory cannot fail but for allocation; the bytes as they
    // are remain a valid stored form.
    PACKER
        .with(|p| match p.borrow_mut().as_mut() {
            Some(c) => c.compress(bytes).ok(),
            None => zstd::bulk::compress(bytes, LEVEL).ok(),
        })
        .unwrap_or_else(|| bytes.to_vec())
}

/// Why stored bytes could not be unpacked.
#[derive(Debug, thiserror::Error)]
#[error("khối dữ liệu nén trong kho hỏng: {0}")]
pub struct Damaged(String);

/// The Automerge bytes of a stored value: a zstd frame unpacked, anything else as it is.
pub fn unpack(stored: &[u8]) -> Result<Cow<'_, [u8]>, Damaged> {
    if !stored.starts_with(&ZSTD_MAGIC) {
        return Ok(Cow::Borrowed(stored));
    }
    let size = zstd::zstd_safe::get_frame_content_size(stored)
        .map_err(|_| Damaged("khung zstd không đọc được".into()))?
        .ok_or_else(|| Damaged("khung zstd không ghi kích thước".into()))?;
    if size > MAX_UNPACKED {
        return Err(Damaged(format!("khung zstd khai {size} byte")));
    }
    let cap = usize::try_from(size).map_err(|e| Damaged(e.to_string()))?;
    zstd::bulk::decompress(stored, cap)
        .map(Cow::Owned)
        .map_err(|e| Damaged(e.to_string()))
}

/// The chunks of Automerge bytes: (type, start, end) each; `None` when the bytes are not a
/// sequence of whole chunks. Type 0 is a document, 1 a change, 2 a compressed change.
fn chunks(bytes: &[u8]) -> Option<Vec<(u8, usize, usize)>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let head = bytes.get(at..at + 9)?;
        if head[..4] != CHUNK_MAGIC {
            return None;
        }
        let kind = head[8];
        let mut p = at + 9;
        let mut len: u64 = 0;
        let mut done = false;
        for shift in (0..64).step_by(7) {
            let b = *bytes.get(p)?;
            p += 1;
            len |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                done = true;
                break;
            }
        }
        if !done {
            return None;
        }
        let end = p.checked_add(usize::try_from(len).ok()?)?;
        if end > bytes.len() {
            return None;
        }
        out.push((kind, at, end));
        at = end;
    }
    Some(out)
}

/// Whether `bytes` are exactly one Automerge document chunk, as `save()` writes it, and
/// nothing after it. Such bytes, once they load, can be stored as a snapshot as they are.
pub fn is_whole_document(bytes: &[u8]) -> bool {
    chunks(bytes).is_some_and(|c| c.len() == 1 && c[0].0 == 0)
}

/// How many change chunks `bytes` are, when they are only change chunks (what `save_after`
/// writes: one chunk per change).
pub fn change_count(bytes: &[u8]) -> Option<usize> {
    let chunks = chunks(bytes)?;
    chunks
        .iter()
        .all(|c| c.0 == 1 || c.0 == 2)
        .then_some(chunks.len())
}

/// When `bytes` are one Automerge document chunk followed only by change chunks (what a
/// stored snapshot, or a snapshot and its chunks concatenated, is): the length of the
/// document chunk. Such bytes, once they load, can be stored as a snapshot as they are.
pub fn leading_document(bytes: &[u8]) -> Option<usize> {
    let chunks = chunks(bytes)?;
    let (first, rest) = chunks.split_first()?;
    (first.0 == 0 && rest.iter().all(|c| c.0 == 1 || c.0 == 2)).then_some(first.2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{Automerge, ObjType, ROOT};

    fn doc_with_changes() -> (Automerge, Vec<u8>, Vec<u8>) {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        let text = tx
            .put_object(ROOT, "necessity", ObjType::Text)
            .unwrap_or(ROOT);
        let _ = tx.splice_text(&text, 0, 0, "Hiện nay, công tác tiếp nhận hồ sơ còn chậm.");
        tx.commit();
        let snapshot = doc.save_nocompress();
        let base = doc.get_heads();
        for i in 0..3 {
            let mut tx = doc.transaction();
            let _ = tx.splice_text(&text, 0, 0, &format!("Bổ sung {i}. "));
            tx.commit();
        }
        let changes = doc.save_after(&base);
        (doc, snapshot, changes)
    }

    #[test]
    fn a_snapshot_followed_by_changes_loads_whole_and_packs_round_trip() {
        let (doc, snapshot, changes) = doc_with_changes();
        let mut both = snapshot.clone();
        both.extend_from_slice(&changes);
        assert_eq!(leading_document(&both), Some(snapshot.len()));
        assert_eq!(leading_document(&snapshot), Some(snapshot.len()));
        // Changes alone, or a document after a change, are not a snapshot.
        assert_eq!(leading_document(&changes), None);
        let mut wrong = changes.clone();
        wrong.extend_from_slice(&snapshot);
        assert_eq!(leading_document(&wrong), None);
        assert_eq!(leading_document(&both[..both.len() - 1]), None);
        assert_eq!(leading_document(b""), None);
        assert_eq!(change_count(&changes), Some(3));
        assert_eq!(change_count(&both), None);
        // Automerge loads the concatenation to the whole document.
        let loaded = Automerge::load(&both).expect("loads");
        assert_eq!(loaded.get_heads(), doc.get_heads());
        // Packed at rest and back, and unpacked values concatenate.
        let (p1, p2) = (pack(&snapshot), pack(&changes));
        assert_eq!(&p1[..4], &ZSTD_MAGIC);
        let mut unpacked = unpack(&p1).expect("unpacks").into_owned();
        unpacked.extend_from_slice(&unpack(&p2).expect("unpacks"));
        assert_eq!(unpacked, both);
        // Automerge bytes stored before packing existed pass through.
        assert_eq!(unpack(&both).expect("raw").as_ref(), &both[..]);
        assert!(pack(b"").is_empty());
    }

    #[test]
    fn a_damaged_frame_is_an_error_not_a_panic() {
        let (_, snapshot, _) = doc_with_changes();
        let mut p = pack(&snapshot);
        let n = p.len();
        p.truncate(n - 3);
        assert!(unpack(&p).is_err());
        let mut lying = pack(&snapshot);
        lying[5] ^= 0xff;
        let _ = unpack(&lying);
    }

    #[test]
    fn whole_documents_are_told_from_changes_and_damaged_bytes() {
        use automerge::transaction::Transactable;
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, "a", 1i64).expect("put");
        let before = doc.get_heads();
        doc.put(automerge::ROOT, "b", 2i64).expect("put");
        let saved = doc.save();
        assert!(is_whole_document(&saved));
        // Changes, two documents, trailing or missing bytes are not one document chunk.
        assert!(!is_whole_document(&doc.save_after(&before)));
        assert!(!is_whole_document(&[saved.clone(), saved.clone()].concat()));
        assert!(!is_whole_document(&[saved.clone(), vec![0]].concat()));
        assert!(!is_whole_document(&saved[..saved.len() - 1]));
        assert!(!is_whole_document(&[]));
    }
}
