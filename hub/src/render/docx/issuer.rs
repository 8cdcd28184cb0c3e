//! Who issues the report, to whom, and who signs, by the scope's kind (Decree 30/2020): the
//! issuer rules, free of any format.

use super::*;

/// Who issues the report, to whom, and who signs: from the scope's kind.
pub(super) struct Issuer {
    /// Upper case, not bold ("UBND TỈNH QUẢNG NAM"); none for a body with no governing body.
    pub(super) governing: Option<String>,
    /// Upper case, bold ("SỞ NỘI VỤ").
    pub(super) issuing: String,
    /// The issuing body in a sentence ("Sở Nội vụ").
    pub(super) sender: String,
    /// "BC-SNV".
    pub(super) symbol: String,
    /// "Ủy ban nhân dân tỉnh Quảng Nam".
    pub(super) addressee: String,
    /// The addressee in the closing sentence.
    pub(super) addressee_short: String,
    /// Recipients' lines ("- Như trên;").
    pub(super) copies: Vec<String>,
    /// Signature block lines above the name (upper case).
    pub(super) signature: Vec<String>,
}

/// "UBND " + the unit's name upper-cased without "Ủy ban nhân dân" ("Huyện Đông Giang" →
/// "UBND HUYỆN ĐÔNG GIANG").
pub(super) fn ubnd_upper(name: &str) -> String {
    let rest = name
        .trim()
        .strip_prefix("Ủy ban nhân dân ")
        .or_else(|| name.trim().strip_prefix("UBND "))
        .unwrap_or(name.trim());
    format!("UBND {}", rest.to_uppercase())
}

/// The People's Committee of a territorial unit ("Huyện Đông Giang" → "Ủy ban nhân dân huyện
/// Đông Giang"); names that already say so are kept.
pub(super) fn committee(name: &str) -> String {
    let n = name.trim();
    if n.starts_with("Ủy ban nhân dân") {
        n.to_string()
    } else {
        format!("Ủy ban nhân dân {}", lower_first(n))
    }
}

/// The symbol part of a body's code ("49-SNV" → "SNV").
pub(super) fn code_suffix(code: &str) -> &str {
    code.split_once('-').map_or(code, |(_, s)| s)
}

pub(super) fn ubnd_signature() -> Vec<String> {
    vec![
        "TM. ỦY BAN NHÂN DÂN".to_string(),
        "KT. CHỦ TỊCH".to_string(),
        "PHÓ CHỦ TỊCH".to_string(),
    ]
}

pub(super) fn body_signature(name: &str, kind: UnitKind) -> Vec<String> {
    let pair = |a: &str, b: &str| vec![a.to_string(), b.to_string()];
    if kind == UnitKind::Association {
        return pair("TM. BAN THƯỜNG VỤ", "CHỦ TỊCH");
    }
    let n = name.trim();
    if n.starts_with("Sở ") {
        pair("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    } else if n.starts_with("Ban ") {
        pair("KT. TRƯỞNG BAN", "PHÓ TRƯỞNG BAN")
    } else if n.starts_with("Văn phòng") {
        pair("KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG")
    } else if n.starts_with("Thanh tra") {
        pair("KT. CHÁNH THANH TRA", "PHÓ CHÁNH THANH TRA")
    } else {
        vec!["THỦ TRƯỞNG ĐƠN VỊ".to_string()]
    }
}

pub(super) fn issuer(report: &Report, info: &DocInfo) -> Issuer {
    let province = &report.province;
    let province_upper = ubnd_upper(&province.name);
    // "tỉnh Quảng Nam" of "Ủy ban nhân dân tỉnh Quảng Nam".
    let province_tail = province
        .name
        .strip_prefix("Ủy ban nhân dân ")
        .unwrap_or(&province.name)
        .to_string();
    let home_affairs_full = report
        .home_affairs
        .as_ref()
        .map(|h| format!("{} {}", h.name, province_tail));
    let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let scope = &report.scope;
    match report.scope_kind {
        UnitKind::Province | UnitKind::HomeAffairs => match &report.home_affairs {
            Some(h) => Issuer {
                governing: Some(province_upper),
                issuing: h.name.to_uppercase(),
                sender: h.name.clone(),
                symbol: format!("BC-{}", code_suffix(h.code.as_str())),
                addressee: province.name.clone(),
                addressee_short: "Ủy ban nhân dân tỉnh".to_string(),
                copies: lines(&[
                    "- Như trên;",
                    "- Chủ tịch, các Phó Chủ tịch UBND tỉnh (b/c);",
                    "- Lưu: VT, CCVC.",
                ]),
                signature: lines(&["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]),
            },
            None => Issuer {
                governing: None,
                issuing: province_upper,
                sender: province.name.clone(),
                symbol: "BC-UBND".to_string(),
                addressee: "Bộ Nội vụ".to_string(),
                addressee_short: "Bộ Nội vụ".to_string(),
                copies: lines(&["- Như trên;", "- Lưu: VT."]),
                signature: ubnd_signature(),
            },
        },
        UnitKind::District => Issuer {
            governing: Some(province_upper),
            issuing: ubnd_upper(&scope.name),
            sender: committee(&scope.name),
            symbol: "BC-UBND".to_string(),
            addressee: home_affairs_full
                .clone()
                .unwrap_or_else(|| province.name.clone()),
            addressee_short: report
                .home_affairs
                .as_ref()
                .map_or_else(|| province.name.clone(), |h| h.name.clone()),
            copies: lines(&["- Như trên;", "- UBND tỉnh (b/c);", "- Lưu: VT."]),
            signature: ubnd_signature(),
        },
        UnitKind::Department | UnitKind::Association => Issuer {
            governing: (report.scope_kind == UnitKind::Department).then_some(province_upper),
            issuing: scope.name.to_uppercase(),
            sender: scope.name.clone(),
            symbol: format!("BC-{}", code_suffix(scope.code.as_str())),
            addressee: home_affairs_full
                .clone()
                .unwrap_or_else(|| province.name.clone()),
            addressee_short: report
                .home_affairs
                .as_ref()
                .map_or_else(|| province.name.clone(), |h| h.name.clone()),
            copies: lines(&["- Như trên;", "- UBND tỉnh (b/c);", "- Lưu: VT."]),
            signature: body_signature(&scope.name, report.scope_kind),
        },
        UnitKind::Commune => {
            let superior = info
                .superior
                .as_ref()
                .map_or(province.name.as_str(), |s| s.name.as_str());
            let to = committee(superior);
            Issuer {
                governing: Some(ubnd_upper(superior)),
                issuing: ubnd_upper(&scope.name),
                sender: committee(&scope.name),
                symbol: "BC-UBND".to_string(),
                addressee: to.clone(),
                addressee_short: to,
                copies: lines(&["- Như trên;", "- Lưu: VT."]),
                signature: ubnd_signature(),
            }
        }
    }
}
