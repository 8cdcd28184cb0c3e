//! Vietnamese text helpers: NFC normalisation for storage, diacritic-insensitive folding for
//! search ("sang tao" matches "sáng tạo", "D" matches "Đ").

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Returns `s` in Unicode NFC, the form every stored string takes (ARCHITECTURE.md, invariant 6).
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// Folds `s` for comparison: decomposes, drops combining marks, maps đ/Đ to d and lower-cases.
/// Runs of white space become one space.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = true;
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            c => c,
        };
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
            continue;
        }
        last_space = false;
        out.extend(c.to_lowercase());
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// True when every word of `query` occurs in `haystack`, both folded.
pub fn matches(haystack_folded: &str, query: &str) -> bool {
    let q = fold(query);
    q.split(' ').all(|w| haystack_folded.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_tones_and_maps_d() {
        assert_eq!(fold("Sáng tạo"), "sang tao");
        assert_eq!(fold("ĐỔI MỚI"), "doi moi");
        assert_eq!(fold("Xã Ch'ơm"), "xa ch'om");
        assert_eq!(fold("  Thị   trấn\tP Rao "), "thi tran p rao");
    }

    #[test]
    fn nfd_input_becomes_nfc() {
        let nfd = "Đo\u{0302}\u{0300}ng";
        assert_eq!(nfc(nfd), "Đồng");
        assert_eq!(fold(nfd), fold("Đồng"));
    }

    #[test]
    fn search_matches_all_words_in_any_order() {
        let h = fold("Đề xuất đổi mới, sáng tạo trong cải cách hành chính");
        assert!(matches(&h, "sang tao"));
        assert!(matches(&h, "cai cach doi moi"));
        assert!(!matches(&h, "giao thong"));
    }
}
