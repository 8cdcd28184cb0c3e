//! `doimoi search`: the query language and the ranking, apart from the store.
//!
//! A query is words and "quoted phrases". Every word and every phrase must be found, as whole
//! syllables (Vietnamese words are written syllable by syllable): `đô thị` in quotes matches
//! the two syllables next to each other and nothing else. A word typed without diacritics
//! matches with or without them (`so hoa` finds "Số hóa"); a word typed with diacritics
//! matches those diacritics only (`thị` does not find "thí điểm"), as long as the store keeps
//! the text with its diacritics (`doimoi reindex` fills it in for a store written before).
//! Results are ranked: matches in the title first, then phrases found whole, then the rest.

use doimoi_shared::text::fold;

/// One required part of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Syllables as typed, lower-cased.
    pub syllables: Vec<String>,
    /// A quoted phrase: the syllables must be adjacent.
    pub phrase: bool,
}

/// Splits `query` into words and quoted phrases.
pub fn parse(query: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    // Typographic quotes count as quotes too.
    let q = query.replace(['“', '”', '„'], "\"");
    for (i, part) in q.split('"').enumerate() {
        let syllables = syllables(part);
        if syllables.is_empty() {
            continue;
        }
        if i % 2 == 1 {
            terms.push(Term {
                syllables,
                phrase: true,
            });
        } else {
            terms.extend(syllables.into_iter().map(|s| Term {
                syllables: vec![s],
                phrase: false,
            }));
        }
    }
    terms
}

/// The syllables of a text, lower-cased, NFC, split at anything that is not a letter or digit.
pub fn syllables(text: &str) -> Vec<String> {
    doimoi_shared::text::nfc(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The folded syllables every candidate must contain (the store's quick filter).
pub fn folded_words(terms: &[Term]) -> Vec<String> {
    let mut out: Vec<String> = terms
        .iter()
        .flat_map(|t| t.syllables.iter().map(|s| fold(s)))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A text prepared for matching: its syllables as written and folded.
struct Prepared {
    plain: Vec<String>,
    folded: Vec<String>,
}

impl Prepared {
    fn new(text: &str) -> Prepared {
        let plain = syllables(text);
        let folded = plain.iter().map(|s| fold(s)).collect();
        Prepared { plain, folded }
    }

    /// Whether the syllable at `i` is the query syllable `q`: exactly when `q` carries
    /// diacritics and the text kept them, else folded.
    fn syllable_is(&self, i: usize, q: &str, q_folded: &str, exact: bool) -> bool {
        if exact && !self.plain.is_empty() {
            self.plain[i] == q
        } else {
            self.folded[i] == q_folded
        }
    }

    fn contains(&self, t: &Term) -> bool {
        let n = t.syllables.len();
        if n == 0 || self.folded.len() < n {
            return false;
        }
        let qf: Vec<String> = t.syllables.iter().map(|s| fold(s)).collect();
        let exact: Vec<bool> = t
            .syllables
            .iter()
            .zip(&qf)
            .map(|(s, f)| s != f && self.plain.len() == self.folded.len())
            .collect();
        (0..=self.folded.len() - n).any(|start| {
            (0..n).all(|k| self.syllable_is(start + k, &t.syllables[k], &qf[k], exact[k]))
        })
    }
}

/// The rank of a candidate (`None` when a term is missing): its title and its whole text,
/// the latter with diacritics (`plain`, empty for rows indexed before it was kept) and folded.
pub fn score(terms: &[Term], title: &str, plain: &str, folded: &str) -> Option<u32> {
    let title = Prepared::new(title);
    let body = if plain.is_empty() {
        // Only the folded text is known: diacritics cannot be told apart.
        let folded_syllables = syllables(folded);
        Prepared {
            plain: Vec::new(),
            folded: folded_syllables,
        }
    } else {
        Prepared::new(plain)
    };
    let mut total = 0;
    for t in terms {
        if title.contains(t) {
            total += if t.phrase { 30 } else { 20 };
        } else if body.contains(t) {
            total += if t.phrase { 3 } else { 1 };
        } else {
            return None;
        }
    }
    // Words typed together and found together rank above words found apart.
    if terms.len() > 1 {
        let all = Term {
            syllables: terms.iter().flat_map(|t| t.syllables.clone()).collect(),
            phrase: true,
        };
        if title.contains(&all) {
            total += 10;
        } else if body.contains(&all) {
            total += 2;
        }
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(query: &str, title: &str, body: &str) -> Option<u32> {
        let terms = parse(query);
        score(
            &terms,
            title,
            &format!("{title} {body}"),
            &fold(&format!("{title} {body}")),
        )
    }

    #[test]
    fn quoted_phrases_need_their_syllables_together() {
        assert_eq!(
            parse("\"đô thị\" xanh"),
            vec![
                Term {
                    syllables: vec!["đô".into(), "thị".into()],
                    phrase: true
                },
                Term {
                    syllables: vec!["xanh".into()],
                    phrase: false
                },
            ]
        );
        assert!(s("\"đô thị\"", "Chỉnh trang đô thị", "").is_some());
        assert!(s("\"đô thị\"", "Thị trấn", "Kinh đô cũ").is_none());
        assert!(s("\"do thi\"", "Chỉnh trang đô thị", "").is_some());
    }

    #[test]
    fn every_word_is_required_as_a_whole_syllable() {
        assert!(s("so hoa mot cua", "Số hóa hồ sơ một cửa", "").is_some());
        assert!(s("so hoa xanh", "Số hóa hồ sơ một cửa", "").is_none());
        // "do" is not found inside "đổi".
        assert!(s("do", "Đổi mới", "").is_none());
    }

    #[test]
    fn diacritics_typed_are_diacritics_meant() {
        assert!(s("đô thị", "Thí điểm", "do đó").is_none());
        assert!(s("do thi", "Thí điểm", "do đó").is_some());
        // Rows indexed before the text kept its diacritics match folded.
        let terms = parse("đô thị");
        assert!(score(&terms, "Thí điểm", "", "thi diem do do").is_some());
    }

    #[test]
    fn the_title_ranks_first_then_words_together() {
        let in_title = s("đô thị", "Chỉnh trang đô thị", "").expect("title");
        let in_body = s("đô thị", "Chỉnh trang", "đô thị xanh").expect("body");
        let apart = s("đô thị", "Chỉnh trang", "đô cũ, thị trấn").expect("apart");
        assert!(in_title > in_body, "{in_title} {in_body}");
        assert!(in_body > apart, "{in_body} {apart}");
    }
}
