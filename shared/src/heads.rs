//! The one encoding of a document's heads, on the wire and in both stores: the 32-byte change
//! hashes, sorted, concatenated.

use automerge::ChangeHash;

/// Encodes `hashes` (in any order).
pub fn encode(hashes: &[ChangeHash]) -> Vec<u8> {
    let mut sorted: Vec<&ChangeHash> = hashes.iter().collect();
    sorted.sort();
    let mut out = Vec::with_capacity(hashes.len() * 32);
    for h in sorted {
        out.extend_from_slice(h.as_ref());
    }
    out
}

/// Decodes what [`encode`] wrote; `None` when the bytes are not a whole number of hashes.
pub fn decode(bytes: &[u8]) -> Option<Vec<ChangeHash>> {
    if !bytes.len().is_multiple_of(32) {
        return None;
    }
    bytes
        .chunks_exact(32)
        .map(|c| ChangeHash::try_from(c).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_round_trip_sorted_and_refuse_partial_hashes() {
        let (a, b) = (ChangeHash([2; 32]), ChangeHash([1; 32]));
        let bytes = encode(&[a, b]);
        assert_eq!(bytes.len(), 64);
        assert_eq!(decode(&bytes), Some(vec![b, a]));
        assert_eq!(decode(&bytes[..40]), None);
        assert_eq!(decode(&[]), Some(vec![]));
    }
}
