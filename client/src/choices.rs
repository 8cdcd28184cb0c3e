//! The fixed choices of the command line (evaluation result, protection, commendation level,
//! legal basis, the head's vote, review kind, status) with their Vietnamese labels. A choice is
//! accepted by its code (`completed`) or by its label (`"hoàn thành"`), compared without
//! diacritics, case or the difference between `-`, `_` and a space ([`doimoi_shared::text::fold`]).

use crate::cli::{DeterminationArg, LevelArg, ResultArg, ReviewKindArg, SideArg};
use doimoi_shared::text::fold;
use doimoi_shared::workflow::{Basis, Determination, EvalResult, Level, Status};

/// One choice: its value, its code and its labels (the first is the one shown).
pub struct Choice<T> {
    pub value: T,
    pub code: &'static str,
    pub labels: &'static [&'static str],
}

const fn c<T>(value: T, code: &'static str, labels: &'static [&'static str]) -> Choice<T> {
    Choice {
        value,
        code,
        labels,
    }
}

fn key(s: &str) -> String {
    fold(&s.replace(['-', '_'], " "))
}

/// The choice `input` names, by code or label.
pub fn find<T: Copy>(table: &[Choice<T>], input: &str) -> Option<T> {
    let k = key(input);
    table
        .iter()
        .find(|ch| key(ch.code) == k || ch.labels.iter().any(|l| key(l) == k))
        .map(|ch| ch.value)
}

/// "completed (hoàn thành), partly (…) hoặc not-completed (…)".
pub fn describe<T>(table: &[Choice<T>]) -> String {
    let items: Vec<String> = table
        .iter()
        .map(|ch| format!("{} ({})", ch.code, ch.labels[0]))
        .collect();
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} hoặc {last}", rest.join(", ")),
        _ => items.join(""),
    }
}

fn parse<T: Copy>(table: &[Choice<T>], s: &str) -> Result<T, String> {
    find(table, s).ok_or_else(|| format!("dùng {}", describe(table)))
}

pub const RESULTS: &[Choice<ResultArg>] = &[
    c(ResultArg::Completed, "completed", &["hoàn thành"]),
    c(
        ResultArg::Partly,
        "partly",
        &["hoàn thành một phần", "một phần"],
    ),
    c(
        ResultArg::NotCompleted,
        "not-completed",
        &["không hoàn thành"],
    ),
];

pub const DETERMINATIONS: &[Choice<DeterminationArg>] = &[
    c(
        DeterminationArg::NotLiable,
        "not-liable",
        &["không bị xem xét trách nhiệm", "không xem xét trách nhiệm"],
    ),
    c(
        DeterminationArg::Excluded,
        "excluded",
        &[
            "được loại trừ trách nhiệm",
            "loại trừ trách nhiệm",
            "loại trừ",
        ],
    ),
    c(
        DeterminationArg::Considered,
        "considered",
        &[
            "được xem xét loại trừ, miễn hoặc giảm nhẹ trách nhiệm",
            "xem xét loại trừ, miễn hoặc giảm nhẹ trách nhiệm",
            "giảm nhẹ trách nhiệm",
            "xem xét",
        ],
    ),
];

pub const LEVELS: &[Choice<LevelArg>] = &[
    c(LevelArg::Unit, "unit", &["cấp đơn vị", "đơn vị"]),
    c(LevelArg::Province, "province", &["cấp tỉnh", "tỉnh"]),
];

pub const SIDES: &[Choice<SideArg>] = &[
    c(SideArg::For, "for", &["tán thành", "đồng ý"]),
    c(
        SideArg::Against,
        "against",
        &["không tán thành", "không đồng ý"],
    ),
];

pub const REVIEW_KINDS: &[Choice<ReviewKindArg>] = &[
    c(ReviewKindArg::Preliminary, "preliminary", &["sơ kết"]),
    c(ReviewKindArg::Final, "final", &["tổng kết"]),
];

pub const BASES: &[Choice<Basis>] = &[
    c(
        Basis::Qd20,
        "qd20",
        &["Quy định 20-QĐ/TU", "Quy định 20", "QĐ 20"],
    ),
    c(
        Basis::Nd73,
        "nd73",
        &["Nghị định 73/2023/NĐ-CP", "Nghị định 73", "NĐ 73"],
    ),
    c(
        Basis::Both,
        "both",
        &[
            "Quy định 20-QĐ/TU và Nghị định 73/2023/NĐ-CP",
            "cả hai",
            "Quy định 20 và Nghị định 73",
        ],
    ),
];

/// The label of a legal basis, as a clerk reads it.
pub fn basis_label(b: Basis) -> &'static str {
    BASES
        .iter()
        .find(|ch| ch.value == b)
        .map_or("", |ch| ch.labels[0])
}

pub fn result_label(r: EvalResult) -> &'static str {
    match r {
        EvalResult::Completed => "Hoàn thành",
        EvalResult::Partly => "Hoàn thành một phần",
        EvalResult::NotCompleted => "Không hoàn thành",
    }
}

pub fn determination_label(d: Determination) -> &'static str {
    match d {
        Determination::NotLiable => "Không bị xem xét trách nhiệm",
        Determination::Excluded => "Được loại trừ trách nhiệm",
        Determination::Considered => "Được xem xét loại trừ, miễn hoặc giảm nhẹ trách nhiệm",
    }
}

pub fn level_label(l: Level) -> &'static str {
    match l {
        Level::Unit => "Khen thưởng cấp đơn vị",
        Level::Province => "Khen thưởng cấp tỉnh",
    }
}

/// A status by code (`received`) or label (`"Đã tiếp nhận"`).
pub fn status(s: &str) -> Option<Status> {
    let k = key(s);
    Status::ALL
        .into_iter()
        .find(|st| key(st.as_str()) == k || key(st.label_vi()) == k)
}

pub fn parse_result(s: &str) -> Result<ResultArg, String> {
    parse(RESULTS, s)
}
pub fn parse_determination(s: &str) -> Result<DeterminationArg, String> {
    parse(DETERMINATIONS, s)
}
pub fn parse_level(s: &str) -> Result<LevelArg, String> {
    parse(LEVELS, s)
}
pub fn parse_side(s: &str) -> Result<SideArg, String> {
    parse(SIDES, s)
}
pub fn parse_review_kind(s: &str) -> Result<ReviewKindArg, String> {
    parse(REVIEW_KINDS, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_labels_are_accepted_without_diacritics_or_case() {
        assert!(matches!(
            parse_result("hoàn thành"),
            Ok(ResultArg::Completed)
        ));
        assert!(matches!(
            parse_result("Hoan Thanh Mot Phan"),
            Ok(ResultArg::Partly)
        ));
        assert!(matches!(
            parse_result("not_completed"),
            Ok(ResultArg::NotCompleted)
        ));
        assert!(matches!(parse_level("cấp tỉnh"), Ok(LevelArg::Province)));
        assert!(matches!(
            parse_determination("loai tru"),
            Ok(DeterminationArg::Excluded)
        ));
        assert_eq!(find(BASES, "Nghị định 73"), Some(Basis::Nd73));
        assert_eq!(find(BASES, "BOTH"), Some(Basis::Both));
        assert_eq!(status("Đã tiếp nhận"), Some(Status::Received));
        assert_eq!(status("da tiep nhan"), Some(Status::Received));
        assert_eq!(status("vote-passed"), Some(Status::VotePassed));
        let e = parse_result("xong").expect_err("unknown");
        assert!(e.contains("completed (hoàn thành)"), "{e}");
        assert!(e.contains(" hoặc not-completed"), "{e}");
    }
}
