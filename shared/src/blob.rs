//! Attachment bytes ("blobs") between offices and the hub (`PROTOCOL.md` §21): what both sides
//! agree on. A blob is named by the SHA-256 of its bytes (64 lower-case hex digits), the hash
//! an attachment record carries ([`crate::doc::proposal::Attachment`]).

/// The largest attachment by default (the hub's `max_blob_bytes`), 20 MiB. `doimoi proposal
/// attach` refuses larger files; the hub refuses larger attachment records and uploads.
pub const DEFAULT_MAX_BYTES: u64 = 20 * 1024 * 1024;

/// The answer header saying how many bytes of a blob the hub holds (of an upload under way,
/// or the whole blob).
pub const UPLOAD_OFFSET: &str = "upload-offset";

/// Content type of a blob's bytes, both ways.
pub const CONTENT_TYPE: &str = "application/octet-stream";

/// Whether `s` names a blob: 64 lower-case hex digits.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lower_case_hex_of_64_digits_names_a_blob() {
        let ok = "ab".repeat(32);
        assert!(is_sha256(&ok));
        assert!(!is_sha256(&ok.to_uppercase()));
        assert!(!is_sha256(&ok[..62]));
        assert!(!is_sha256(&format!("{}zz", &ok[..62])));
        assert!(!is_sha256("../../etc/passwd"));
    }
}
