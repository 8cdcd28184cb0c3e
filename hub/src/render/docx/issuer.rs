//! Who issues the report, to whom, and who signs, by the scope's kind (Decree 30/2020): the
//! issuer rules, free of any format.
//!
//! The issuer is the unit whose scope the report covers, except that the province's report is
//! made by Sở Nội vụ for UBND tỉnh (docs/domain.md §7–8):
//!
//! | scope | header (governing / issuing) | place | to | signs |
//! |---|---|---|---|---|
//! | province, Sở Nội vụ | UBND TỈNH … / **SỞ NỘI VỤ** | the province | UBND tỉnh | GIÁM ĐỐC |
//! | province without Sở Nội vụ | **ỦY BAN NHÂN DÂN / TỈNH …** | the province | Bộ Nội vụ | TM. ỦY BAN NHÂN DÂN, CHỦ TỊCH |
//! | department | UBND TỈNH … / **SỞ …** | the province | Sở Nội vụ | GIÁM ĐỐC (CHÁNH THANH TRA, …) |
//! | association | UBND TỈNH … / **HỘI …** | the province | Sở Nội vụ | TM. BAN THƯỜNG VỤ, CHỦ TỊCH |
//! | district | **ỦY BAN NHÂN DÂN / THÀNH PHỐ TAM KỲ** | Tam Kỳ | Sở Nội vụ | TM. ỦY BAN NHÂN DÂN, CHỦ TỊCH |
//! | commune | **ỦY BAN NHÂN DÂN / PHƯỜNG TÂN THẠNH** | Tân Thạnh | its district's UBND before 01/07/2025, Sở Nội vụ after | TM. ỦY BAN NHÂN DÂN, CHỦ TỊCH |

use super::*;

/// Who issues the report, to whom, and who signs: from the scope's kind.
pub(crate) struct Issuer {
    /// Upper case, not bold ("UBND TỈNH QUẢNG NAM"); none for a People's Committee, which
    /// names itself on two lines.
    pub(crate) governing: Option<String>,
    /// Upper case, bold, one line each (["ỦY BAN NHÂN DÂN", "PHƯỜNG TÂN THẠNH"], ["SỞ NỘI VỤ"]).
    pub(crate) issuing: Vec<String>,
    /// The issuing body in a sentence ("Sở Nội vụ", "Ủy ban nhân dân phường Tân Thạnh").
    pub(crate) sender: String,
    /// "BC-SNV", "BC-UBND".
    pub(crate) symbol: String,
    /// The place of the place-and-date line ("Quảng Nam", "Tam Kỳ", "Tân Thạnh").
    pub(crate) place: String,
    /// "Ủy ban nhân dân tỉnh Quảng Nam".
    pub(crate) addressee: String,
    /// The addressee in the closing sentence.
    pub(crate) addressee_short: String,
    /// Recipients' lines ("- Như trên;"), the last "- Lưu: VT.".
    pub(crate) copies: Vec<String>,
    /// Signature block lines above the name (upper case).
    pub(crate) signature: Vec<String>,
}

/// A name without a leading "Ủy ban nhân dân " / "UBND ".
fn without_committee(name: &str) -> &str {
    let n = name.trim();
    n.strip_prefix("Ủy ban nhân dân ")
        .or_else(|| n.strip_prefix("UBND "))
        .unwrap_or(n)
        .trim()
}

/// "UBND " + the unit's name upper-cased without "Ủy ban nhân dân" ("Ủy ban nhân dân tỉnh
/// Quảng Nam" → "UBND TỈNH QUẢNG NAM"): the governing line of a body under UBND tỉnh.
pub(crate) fn ubnd_upper(name: &str) -> String {
    format!("UBND {}", without_committee(name).to_uppercase())
}

/// The two bold lines of a People's Committee ("Thành phố Tam Kỳ" → "ỦY BAN NHÂN DÂN",
/// "THÀNH PHỐ TAM KỲ").
pub(crate) fn committee_lines(name: &str) -> Vec<String> {
    vec![
        "ỦY BAN NHÂN DÂN".to_string(),
        without_committee(name).to_uppercase(),
    ]
}

/// The People's Committee of a territorial unit ("Huyện Đông Giang" → "Ủy ban nhân dân huyện
/// Đông Giang"); names that already say so are kept.
pub(crate) fn committee(name: &str) -> String {
    let n = name.trim();
    if n.starts_with("Ủy ban nhân dân") {
        n.to_string()
    } else {
        format!("Ủy ban nhân dân {}", lower_first(n))
    }
}

/// The symbol part of a body's code ("49-SNV" → "SNV").
pub(crate) fn code_suffix(code: &str) -> &str {
    code.split_once('-').map_or(code, |(_, s)| s)
}

fn lines(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The signature of a People's Committee's document: on behalf of the committee, its chair.
pub(crate) fn ubnd_signature() -> Vec<String> {
    lines(&["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"])
}

/// Who signs for a department or association: its head, by the body's kind and name.
pub(crate) fn body_signature(name: &str, kind: UnitKind) -> Vec<String> {
    if kind == UnitKind::Association {
        return lines(&["TM. BAN THƯỜNG VỤ", "CHỦ TỊCH"]);
    }
    let n = name.trim();
    let head = if n.starts_with("Sở ") {
        "GIÁM ĐỐC"
    } else if n.starts_with("Ban ") {
        "TRƯỞNG BAN"
    } else if n.starts_with("Văn phòng") {
        "CHÁNH VĂN PHÒNG"
    } else if n.starts_with("Thanh tra") {
        "CHÁNH THANH TRA"
    } else {
        "THỦ TRƯỞNG CƠ QUAN"
    };
    lines(&[head])
}

pub(crate) fn issuer(report: &Report, info: &DocInfo) -> Issuer {
    let province = &report.province;
    let province_place = place(&province.name);
    // "tỉnh Quảng Nam" of "Ủy ban nhân dân tỉnh Quảng Nam".
    let province_tail = without_committee(&province.name).to_string();
    // Sở Nội vụ as an addressee ("Sở Nội vụ tỉnh Quảng Nam"), or UBND tỉnh without one.
    let (home_affairs_full, home_affairs_short) = match &report.home_affairs {
        Some(h) => (format!("{} {}", h.name, province_tail), h.name.clone()),
        None => (province.name.clone(), province.name.clone()),
    };
    let keep = |extra: &[&str]| {
        let mut v = lines(&["- Như trên;"]);
        v.extend(lines(extra));
        v.push("- Lưu: VT.".to_string());
        v
    };
    let scope = &report.scope;
    match report.scope_kind {
        UnitKind::Province | UnitKind::HomeAffairs => match &report.home_affairs {
            Some(h) => Issuer {
                governing: Some(ubnd_upper(&province.name)),
                issuing: vec![h.name.to_uppercase()],
                sender: h.name.clone(),
                symbol: format!("BC-{}", code_suffix(h.code.as_str())),
                place: province_place,
                addressee: province.name.clone(),
                addressee_short: "Ủy ban nhân dân tỉnh".to_string(),
                copies: keep(&["- Chủ tịch, các Phó Chủ tịch UBND tỉnh;"]),
                signature: lines(&["GIÁM ĐỐC"]),
            },
            None => Issuer {
                governing: None,
                issuing: committee_lines(&province.name),
                sender: province.name.clone(),
                symbol: "BC-UBND".to_string(),
                place: province_place,
                addressee: "Bộ Nội vụ".to_string(),
                addressee_short: "Bộ Nội vụ".to_string(),
                copies: keep(&[]),
                signature: ubnd_signature(),
            },
        },
        UnitKind::District => Issuer {
            governing: None,
            issuing: committee_lines(&scope.name),
            sender: committee(&scope.name),
            symbol: "BC-UBND".to_string(),
            place: local_place(&scope.name),
            addressee: home_affairs_full,
            addressee_short: home_affairs_short,
            copies: keep(&[]),
            signature: ubnd_signature(),
        },
        UnitKind::Department | UnitKind::Association => Issuer {
            governing: Some(ubnd_upper(&province.name)),
            issuing: vec![scope.name.to_uppercase()],
            sender: scope.name.clone(),
            symbol: format!("BC-{}", code_suffix(scope.code.as_str())),
            place: province_place,
            addressee: home_affairs_full,
            addressee_short: home_affairs_short,
            copies: keep(&[]),
            signature: body_signature(&scope.name, report.scope_kind),
        },
        UnitKind::Commune => {
            // Before 01/07/2025 a commune reports to its district; after, with no districts,
            // to Sở Nội vụ like every unit under UBND tỉnh.
            let district = info
                .superior
                .as_ref()
                .filter(|s| s.code != province.code)
                .map(|s| committee(&s.name));
            let (addressee, addressee_short) = match district {
                Some(d) => (d.clone(), d),
                None => (home_affairs_full, home_affairs_short),
            };
            Issuer {
                governing: None,
                issuing: committee_lines(&scope.name),
                sender: committee(&scope.name),
                symbol: "BC-UBND".to_string(),
                place: local_place(&scope.name),
                addressee,
                addressee_short,
                copies: keep(&[]),
                signature: ubnd_signature(),
            }
        }
    }
}

/// "Số: 125/BC-UBND", or "Số:        /BC-UBND" with room to write the number by hand.
pub(crate) fn number_line(who: &Issuer, info: &DocInfo) -> String {
    match &info.number {
        Some(n) => format!("Số: {n}/{}", who.symbol),
        None => format!("Số:        /{}", who.symbol),
    }
}

/// "số 125/BC-UBND ngày 05 tháng 01 năm 2025" (the number left blank when not given), for the
/// annexes' "Kèm theo Báo cáo …" line.
pub(crate) fn number_and_date(who: &Issuer, info: &DocInfo) -> String {
    let n = info.number.as_deref().unwrap_or("       ");
    format!("số {n}/{} {}", who.symbol, date_words(info.doc_date()))
}
