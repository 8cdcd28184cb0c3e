//! Vietnamese text helpers: NFC normalisation for storage, diacritic-insensitive folding for
//! search ("sang tao" matches "sáng tạo", "D" matches "Đ"), and the Vietnamese collation for
//! sorting names and fields for display ("Đô thị" after "Dân", before "Giáo dục").

use std::cmp::Ordering;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Returns `s` in Unicode NFC, the form every stored string takes (ARCHITECTURE.md, invariant 6).
/// `s` made safe to print on a terminal: control characters other than newline and tab, and
/// the bidirectional overrides that reorder what a terminal shows, written as `\u{…}` escapes
/// (a title from another office cannot move the cursor, clear the screen or disguise text).
pub fn escape_controls(s: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

pub fn nfc(s: &str) -> String {
    // Text written through this crate is NFC already: the quick check skips recomposing it.
    if unicode_normalization::is_nfc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes {
        return s.to_string();
    }
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

/// The letters in the order of the Vietnamese alphabet, the letters it lacks (f, j, w, z)
/// placed where the Latin alphabet has them.
const ALPHABET: [&str; 33] = [
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o",
    "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
];

/// Combining marks that make a letter of its own (ă, â, ê, ô, ơ, ư): breve, circumflex, horn.
fn letter_mark(c: char) -> bool {
    matches!(c, '\u{0306}' | '\u{0302}' | '\u{031B}')
}

/// The tone a combining mark writes, in dictionary order (level tone = 0): huyền, hỏi, ngã,
/// sắc, nặng.
fn tone(c: char) -> Option<u8> {
    match c {
        '\u{0300}' => Some(1),
        '\u{0309}' => Some(2),
        '\u{0303}' => Some(3),
        '\u{0301}' => Some(4),
        '\u{0323}' => Some(5),
        _ => None,
    }
}

/// A sort key for Vietnamese text ([`collation_key`]): compares the base letters in the order
/// of the Vietnamese alphabet (a ă â b c d đ e ê g … u ư v x y) first, then the tones (level,
/// huyền, hỏi, ngã, sắc, nặng), then letter case, then the text itself, so that distinct texts
/// never compare equal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CollationKey {
    /// Per character: separators (white space, punctuation) 1, digits 10–19, letters 100 +
    /// their rank in [`ALPHABET`], anything else 1,000 + its code point.
    primary: Vec<u32>,
    /// Per letter, its tone.
    tones: Vec<u8>,
    /// Per letter, 1 when upper case.
    case: Vec<u8>,
    text: String,
}

/// The Vietnamese collation key of `s` (any normalisation form; runs of separators count as
/// one).
pub fn collation_key(s: &str) -> CollationKey {
    let mut key = CollationKey {
        primary: Vec::with_capacity(s.len()),
        tones: Vec::new(),
        case: Vec::new(),
        text: nfc(s),
    };
    let mut chars = s.nfd().peekable();
    let mut letter = String::with_capacity(8);
    while let Some(c) = chars.next() {
        if is_combining_mark(c) {
            // A mark with no base letter: ignored.
            continue;
        }
        letter.clear();
        letter.extend(c.to_lowercase());
        let mut t = 0u8;
        while let Some(&m) = chars.peek() {
            if !is_combining_mark(m) {
                break;
            }
            chars.next();
            if letter_mark(m) {
                letter.push(m);
            } else if let Some(x) = tone(m) {
                t = x;
            }
        }
        let letter_nfc = nfc(&letter);
        if let Some(rank) = ALPHABET.iter().position(|l| *l == letter_nfc) {
            key.primary.push(100 + rank as u32);
            key.tones.push(t);
            key.case.push(u8::from(c.is_uppercase()));
        } else if let Some(d) = c.to_digit(10) {
            key.primary.push(10 + d);
        } else if c.is_whitespace() || c.is_ascii_punctuation() || c.is_control() {
            if key.primary.last() != Some(&1) {
                key.primary.push(1);
            }
        } else {
            key.primary.push(1_000 + u32::from(c));
        }
    }
    key
}

/// Compares two texts in the Vietnamese collation ([`collation_key`]).
pub fn cmp_vi(a: &str, b: &str) -> Ordering {
    collation_key(a).cmp(&collation_key(b))
}

/// True when every word of `query` occurs in `haystack`, both folded.
pub fn matches(haystack_folded: &str, query: &str) -> bool {
    let q = fold(query);
    q.split(' ').all(|w| haystack_folded.contains(w))
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_are_escaped_for_the_terminal() {
        assert_eq!(
            super::escape_controls("Cải cách\nhành chính"),
            "Cải cách\nhành chính"
        );
        assert_eq!(
            super::escape_controls("A\u{1b}[2JB\u{202e}C\rD"),
            "A\\u{1b}[2JB\\u{202e}C\\u{d}D"
        );
    }

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

    #[test]
    fn collation_follows_the_vietnamese_alphabet() {
        let mut v = vec![
            "Y tế",
            "Giáo dục",
            "Đô thị",
            "Ê-đê",
            "Ăn uống",
            "Dân tộc",
            "Di dân",
            "An ninh",
            "Chăn nuôi",
            "Cải cách hành chính",
            "Ấp",
            "Ơn",
            "Ông",
            "Ưu đãi",
            "Uống",
            "Ê",
            "Em",
            "(chưa ghi)",
            "Xây dựng",
        ];
        v.sort_by(|a, b| cmp_vi(a, b));
        assert_eq!(
            v,
            vec![
                "(chưa ghi)",
                "An ninh",
                "Ăn uống",
                "Ấp",
                "Cải cách hành chính",
                "Chăn nuôi",
                "Dân tộc",
                "Di dân",
                "Đô thị",
                "Em",
                "Ê",
                "Ê-đê",
                "Giáo dục",
                "Ông",
                "Ơn",
                "Uống",
                "Ưu đãi",
                "Xây dựng",
                "Y tế",
            ]
        );
        // "Đ" comes after every "D" and before "E", whatever follows.
        assert_eq!(cmp_vi("Đa", "Dz"), Ordering::Greater);
        assert_eq!(cmp_vi("Đz", "E"), Ordering::Less);
        // Byte order would put "Đ" after "Z": the collation does not.
        assert_eq!(cmp_vi("Đô thị", "Zalo"), Ordering::Less);
    }

    #[test]
    fn tones_are_a_secondary_key_in_dictionary_order() {
        let mut v = vec!["mạ", "má", "mã", "mả", "mà", "ma"];
        v.sort_by(|a, b| cmp_vi(a, b));
        assert_eq!(v, vec!["ma", "mà", "mả", "mã", "má", "mạ"]);
        // Letters decide before tones: "mà" < "mac" although à has a tone.
        assert_eq!(cmp_vi("mà", "mac"), Ordering::Less);
        assert_eq!(cmp_vi("mác", "mai"), Ordering::Less);
        // Shorter prefix first; separators count once and before letters.
        assert_eq!(cmp_vi("Dân", "Dân tộc"), Ordering::Less);
        assert_eq!(cmp_vi("Dân tộc", "Dâng"), Ordering::Less);
        assert_eq!(
            collation_key("Dân  tộc").primary,
            collation_key("Dân tộc").primary
        );
    }

    #[test]
    fn collation_is_total_and_ignores_the_normalisation_form() {
        let nfd = "Đo\u{0302}\u{0300}ng";
        assert_eq!(cmp_vi(nfd, "Đồng"), Ordering::Equal);
        assert_eq!(collation_key(nfd), collation_key("Đồng"));
        // Case only breaks ties; distinct texts never compare equal.
        assert_eq!(cmp_vi("an", "An"), Ordering::Less);
        assert_eq!(cmp_vi("An", "an ninh"), Ordering::Less);
        assert_ne!(cmp_vi("a-b", "a b"), Ordering::Equal);
        // Digits before letters, numbers by digit.
        assert_eq!(cmp_vi("Phường 1", "Phường An"), Ordering::Less);
    }
}
