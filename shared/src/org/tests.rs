//! The registry built from the embedded datasets.

use super::*;
use std::collections::HashSet;
use unicode_normalization::is_nfc;

fn c(s: &str) -> UnitCode {
    UnitCode::parse(s).expect("valid code")
}

/// Tỉnh Quảng Nam in the 2024 structure alone.
fn qn2024() -> Registry {
    Registry::embedded(Structure::Y2024, DEFAULT_PROVINCE).expect("Quảng Nam 2024")
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

#[test]
fn the_default_registry_holds_quang_nam_2024_and_its_continuation_da_nang_2025() {
    let r = Registry::embedded_default();
    assert!(r.spans_eras());
    assert_eq!(r.province_code(), &c("48"));
    assert_eq!(r.province_name(), "Thành phố Đà Nẵng");
    assert_eq!(r.structure(), Structure::Y2025);
    // Both provinces: Quảng Nam ended on 30/06/2025, merged into Đà Nẵng.
    let qn = r.get(&c("49")).expect("Quảng Nam");
    assert_eq!(qn.valid_to, Some(LAST_DAY_2024_STRUCTURE));
    assert_eq!(qn.successor(), Some(&c("48")));
    assert_eq!(r.province().valid_to, None);
    // 280 units of 2024, 94 communes and 1 + 14 + 9 bodies of 2025; 78 communes carry on.
    assert_eq!(count(&r, UnitKind::District), 17);
    assert_eq!(count(&r, UnitKind::Province), 2);
    assert_eq!(count(&r, UnitKind::Commune), 234 + 94 - 78);
    // A commune that carried on: one entry, its 2024 form kept.
    let u = r.get(&c("20335")).expect("20335");
    assert_eq!(u.name, "Phường Bàn Thạch");
    assert_eq!(u.parent, Some(c("48")));
    assert_eq!(u.name_on(day("2024-05-01")), "Phường Tân Thạnh");
    assert_eq!(u.name_on(day("2025-07-01")), "Phường Bàn Thạch");
    assert!(u.is_valid_on(day("2023-01-01")) && u.is_valid_on(day("2026-12-07")));
    // Its superior follows the day: the district in 2024, the city after.
    assert_eq!(
        r.superior_on(&c("20335"), day("2024-05-01"))
            .map(|s| s.code.clone()),
        Some(c("502"))
    );
    assert_eq!(
        r.superior_on(&c("20335"), day("2026-01-05"))
            .map(|s| s.code.clone()),
        Some(c("48"))
    );
    assert_eq!(r.superior(&c("502")).map(|s| s.code.clone()), Some(c("49")));
    // A commune with no successor in the dataset ends; Sở Nội vụ carries on under a new code.
    let ended = r
        .of_kind(UnitKind::Commune)
        .find(|u| u.valid_to.is_some())
        .expect("an ended commune");
    assert_eq!(ended.valid_to, Some(LAST_DAY_2024_STRUCTURE));
    let snv = r.get(&c("49-SNV")).expect("49-SNV");
    assert_eq!(snv.successor(), Some(&c("48-SNV")));
    assert!(r
        .get(&c("48-SNV"))
        .is_some_and(|u| u.valid_from == Some(REFORM_DATE)));
    // Scope: a commune is within its former district and within the current province.
    assert!(r.is_within(&c("20335"), &c("502")));
    assert!(r.is_within(&c("20335"), &c("48")));
    assert!(
        r.is_within(&c("20398"), &c("48")),
        "2024 units roll up to the successor"
    );
    assert!(!r.is_within(&c("20335"), &c("503")));
    // The view of a day before the change has districts; after it, none of them above a commune.
    let v24 = r.on(day("2024-12-14"));
    assert_eq!(
        v24.get(&c("20335")).map(|u| u.parent.clone()),
        Some(Some(c("502")))
    );
    assert_eq!(
        v24.get(&c("20335")).map(|u| u.name.as_str()),
        Some("Phường Tân Thạnh")
    );
    assert!(!v24.is_within(&c("20335"), &c("503")));
    let v26 = r.on(day("2026-12-07"));
    assert!(!v26.is_within(&c("20335"), &c("502")));
    // Round trip keeps the earlier forms.
    let back = Registry::from_json(&r.to_json()).expect("round trip");
    assert_eq!(back, r);
}

fn count(r: &Registry, kind: UnitKind) -> usize {
    r.of_kind(kind).count()
}

#[test]
fn quang_nam_2024_has_the_dataset_counts() {
    let r = qn2024();
    assert_eq!(r.province_code(), &c("49"));
    assert_eq!(r.province_name(), "Tỉnh Quảng Nam");
    assert_eq!(r.structure(), Structure::Y2024);
    assert_eq!(r.version(), EMBEDDED_VERSION);
    assert_eq!(r.province().name, "Ủy ban nhân dân tỉnh Quảng Nam");
    // Expected numbers computed from the JSON files with python3.
    assert_eq!(count(&r, UnitKind::Province), 1);
    assert_eq!(count(&r, UnitKind::HomeAffairs), 1);
    assert_eq!(count(&r, UnitKind::Department), 18);
    assert_eq!(count(&r, UnitKind::Association), 9);
    assert_eq!(count(&r, UnitKind::District), 17);
    assert_eq!(count(&r, UnitKind::Commune), 234);
    assert_eq!(r.units().len(), 280);
    let names: HashSet<&str> = r.units().iter().map(|u| u.name.as_str()).collect();
    assert!(names.contains("Xã Ch'ơm"));
    assert!(names.contains("Thị trấn P Rao"));
    assert!(r.units().iter().all(|u| is_nfc(&u.name)));
    let ha = r.home_affairs().expect("Sở Nội vụ");
    assert_eq!(
        (ha.code.as_str(), ha.name.as_str()),
        ("49-SNV", "Sở Nội vụ")
    );
    for (code, kind) in [
        ("49-SKHDT", UnitKind::Department),
        ("49-SNGV", UnitKind::Department),
        ("49-TTR", UnitKind::Department),
        ("49-HDY", UnitKind::Association),
        ("502", UnitKind::District),
        ("20335", UnitKind::Commune),
    ] {
        assert_eq!(r.get(&c(code)).map(|u| u.kind), Some(kind), "{code}");
    }
    assert!(r
        .units()
        .iter()
        .all(|u| u.valid_to == Some(LAST_DAY_2024_STRUCTURE)));
    assert!(r.units().iter().all(|u| u.valid_from.is_none()));
}

#[test]
fn units_are_in_display_order() {
    let r = qn2024();
    let kinds: Vec<UnitKind> = r.units().iter().map(|u| u.kind).collect();
    assert_eq!(kinds[0], UnitKind::Province);
    assert_eq!(kinds[1], UnitKind::HomeAffairs);
    assert!(kinds[2..20].iter().all(|k| *k == UnitKind::Department));
    assert!(kinds[20..29].iter().all(|k| *k == UnitKind::Association));
    assert_eq!(r.units()[29].code, c("502"));
    // Each commune follows its own district.
    let mut district = None;
    for u in &r.units()[29..] {
        match u.kind {
            UnitKind::District => district = Some(u.code.clone()),
            _ => assert_eq!(u.parent, district, "{}", u.code),
        }
    }
}

#[test]
fn every_province_of_2024_builds_with_its_continuation() {
    for (code, name) in Registry::provinces(Structure::Y2024) {
        let r = Registry::embedded_continued(&code).expect(&name);
        assert!(r.spans_eras(), "{name}");
        assert_eq!(r.province().valid_to, None, "{name}");
        // The 2024 province is still there, as itself or as the earlier form of its successor.
        let old = r.get(&c(&code)).expect("the 2024 province");
        assert!(old.valid_to.is_some() || !old.former.is_empty(), "{name}");
        assert!(r.units().iter().all(|u| is_nfc(&u.name)));
    }
}

#[test]
fn every_province_of_both_structures_builds() {
    let mut totals = HashMap::new();
    for (structure, expected) in [(Structure::Y2024, 63), (Structure::Y2025, 34)] {
        let list = Registry::provinces(structure);
        assert_eq!(list.len(), expected);
        for (code, name) in &list {
            let r = Registry::embedded(structure, code).expect(name);
            assert_eq!(r.province_name(), name);
            assert_eq!(r.province().code.as_str(), code);
            let codes: HashSet<&UnitCode> = r.units().iter().map(|u| &u.code).collect();
            assert_eq!(codes.len(), r.units().len(), "{name}");
            for u in r.units() {
                assert!(is_nfc(&u.name));
                assert!(!u.name.contains("  "), "{}", u.name);
                match &u.parent {
                    None => assert_eq!(u.kind, UnitKind::Province),
                    Some(p) => assert!(r.get(p).is_some(), "{}", u.code),
                }
                assert!(r.is_within(&u.code, &r.province().code));
                *totals.entry((structure, u.kind)).or_insert(0usize) += 1;
            }
            // Reachable by name too.
            assert_eq!(
                Registry::embedded(structure, name)
                    .map(|r| r.province().code.clone())
                    .ok(),
                Some(c(code))
            );
        }
    }
    assert_eq!(totals[&(Structure::Y2024, UnitKind::District)], 696);
    assert_eq!(totals[&(Structure::Y2024, UnitKind::Commune)], 10_051);
    assert_eq!(totals[&(Structure::Y2025, UnitKind::Commune)], 3_321);
    assert!(!totals.contains_key(&(Structure::Y2025, UnitKind::District)));
}

#[test]
fn two_level_registry_hangs_communes_on_the_province() {
    let r = Registry::embedded(Structure::Y2025, "Đà Nẵng").expect("Đà Nẵng");
    assert_eq!(r.province_name(), "Thành phố Đà Nẵng");
    assert_eq!(r.province().name, "Ủy ban nhân dân thành phố Đà Nẵng");
    assert_eq!(count(&r, UnitKind::Department), 12);
    assert_eq!(count(&r, UnitKind::Commune), 94);
    assert_eq!(
        r.get(&c("48-TTR")).map(|u| u.name.as_str()),
        Some("Thanh tra thành phố")
    );
    assert!(r
        .units()
        .iter()
        .all(|u| u.valid_from == Some(REFORM_DATE) && u.valid_to.is_none()));
    let cb = Registry::embedded(Structure::Y2025, "cao bang").expect("Cao Bằng");
    assert_eq!(cb.province().name, "Ủy ban nhân dân tỉnh Cao Bằng");
    assert_eq!(cb.province_name(), "Tỉnh Cao Bằng");
}

#[test]
fn provinces_are_found_by_code_or_name_without_diacritics() {
    for q in ["quang nam", "Tỉnh Quảng Nam", "49", "  QUẢNG NAM "] {
        let r = Registry::embedded(Structure::Y2024, q).expect(q);
        assert_eq!(r.province().code, c("49"), "{q}");
    }
    for q in ["ha noi", "1", "01", "Thành phố Hà Nội", "tp hà nội"] {
        let r = Registry::embedded(Structure::Y2024, q).expect(q);
        assert_eq!(r.province().code, c("01"), "{q}");
        assert_eq!(r.province().name, "Ủy ban nhân dân thành phố Hà Nội");
    }
    assert_eq!(
        Registry::embedded(Structure::Y2024, "hoa binh")
            .map(|r| r.province().code.clone())
            .ok(),
        Some(c("17"))
    );
    assert_eq!(
        Registry::embedded(Structure::Y2024, "vung tau")
            .map(|r| r.province().code.clone())
            .ok(),
        Some(c("77"))
    );
}

#[test]
fn unknown_or_ambiguous_provinces_are_refused() {
    for q in ["Atlantis", "", "99", "quang nam 2"] {
        assert!(
            matches!(
                Registry::embedded(Structure::Y2024, q),
                Err(OrgError::UnknownProvince(_))
            ),
            "{q}"
        );
    }
    match Registry::embedded(Structure::Y2024, "quang") {
        Err(OrgError::Ambiguous(q, names)) => {
            assert_eq!(q, "quang");
            assert!(names.iter().any(|n| n.contains("Quảng Nam")));
        }
        other => panic!("expected Ambiguous, got {other:?}"),
    }
    let msg = Registry::embedded(Structure::Y2024, "Atlantis")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(msg.contains("Không tìm thấy tỉnh \"Atlantis\""));
    assert!(msg.contains("doimoi org provinces"));
    match Registry::embedded(Structure::Y2025, "quang nam") {
        Err(e @ OrgError::MergedProvince { .. }) => {
            assert!(e.to_string().contains("Thành phố Đà Nẵng (mã 48)"), "{e}");
        }
        other => panic!("expected MergedProvince, got {other:?}"),
    }
}

#[test]
fn superior_follows_the_structure() {
    let r = qn2024();
    let sup = |s: &str| r.superior(&c(s)).map(|u| u.code.to_string());
    assert_eq!(sup("20398"), Some("503".into()));
    assert_eq!(sup("20335"), Some("502".into()));
    assert_eq!(sup("503"), Some("49".into()));
    assert_eq!(sup("49-SNV"), Some("49".into()));
    assert_eq!(sup("49-STP"), Some("49".into()));
    assert_eq!(sup("49-HCTD"), Some("49".into()));
    assert_eq!(sup("49"), None);
    assert_eq!(sup("99999"), None);

    let r25 = Registry::embedded(Structure::Y2025, "48").expect("Đà Nẵng");
    let commune = r25.of_kind(UnitKind::Commune).next().expect("a commune");
    assert_eq!(
        r25.superior(&commune.code).map(|u| u.code.clone()),
        Some(c("48"))
    );
}

#[test]
fn is_within_walks_the_parent_chain() {
    let r = qn2024();
    assert!(r.is_within(&c("20335"), &c("20335")));
    assert!(r.is_within(&c("20335"), &c("502")));
    assert!(r.is_within(&c("20335"), &c("49")));
    assert!(r.is_within(&c("49-SNV"), &c("49")));
    assert!(!r.is_within(&c("20335"), &c("503")));
    assert!(!r.is_within(&c("49"), &c("503")));
    assert!(!r.is_within(&c("99999"), &c("49")));
    assert_eq!(r.children(&c("503")).len(), 13);
    assert_eq!(
        r.parent(&c("20398")).map(|u| u.code.clone()),
        Some(c("503"))
    );
}

#[test]
fn search_ignores_diacritics_and_matches_codes() {
    let r = qn2024();
    let hits = r.search("xa ch'om");
    assert_eq!(hits.first().map(|u| u.name.as_str()), Some("Xã Ch'ơm"));
    assert_eq!(
        r.search("20335").first().map(|u| u.code.clone()),
        Some(c("20335"))
    );
    assert_eq!(
        r.search("so noi vu").first().map(|u| u.code.clone()),
        Some(c("49-SNV"))
    );
    assert_eq!(r.search("49-snv").len(), 1);
    assert!(r.search("khong co don vi nay").is_empty());
}

#[test]
fn json_round_trip_keeps_units_and_index() {
    let r = qn2024();
    let json = r.to_json();
    let back = Registry::from_json(&json).expect("round trip");
    assert_eq!(back, r);
    assert_eq!(back.get(&c("20335")), r.get(&c("20335")));
    assert_eq!(back.province().code, c("49"));
    assert_eq!(
        back.superior(&c("20335")).map(|u| u.code.clone()),
        Some(c("502"))
    );
    let via_serde: Registry = serde_json::from_str(&json).expect("serde path");
    assert_eq!(via_serde, r);
    assert!(json.contains("\"structure\":\"2024\""));
    assert!(json.contains("\"kind\":\"home_affairs\""));
    assert!(matches!(Registry::from_json("{"), Err(OrgError::Json(_))));
}

#[test]
fn quang_nam_merges_into_da_nang() {
    let r = qn2024();
    assert_eq!(
        r.province().lineage,
        vec![Lineage {
            kind: LineageKind::MergedInto,
            unit: c("48"),
            date: REFORM_DATE
        }]
    );
    let continued = r
        .of_kind(UnitKind::Commune)
        .filter(|u| {
            u.lineage
                .iter()
                .any(|l| l.kind == LineageKind::ContinuedBy && l.unit == u.code)
        })
        .count();
    assert_eq!(continued, 78);
    let hn = Registry::embedded(Structure::Y2024, "01").expect("Hà Nội");
    assert_eq!(hn.province().lineage[0].kind, LineageKind::ContinuedBy);
    assert_eq!(hn.province().lineage[0].unit, c("01"));
    let r25 = Registry::embedded(Structure::Y2025, "48").expect("Đà Nẵng");
    assert!(r25.units().iter().all(|u| u.lineage.is_empty()));
}

#[test]
fn from_units_checks_invariants() {
    let unit = |code: &str, kind, parent: Option<&str>| Unit {
        code: c(code),
        name: format!("Đơn vị {code}"),
        kind,
        parent: parent.map(c),
        valid_from: None,
        valid_to: None,
        lineage: Vec::new(),
        former: Vec::new(),
    };
    let build =
        |units| Registry::from_units(c("49"), "Tỉnh Quảng Nam".into(), Structure::Y2024, 2, units);
    let good = vec![
        unit("49", UnitKind::Province, None),
        unit("502", UnitKind::District, Some("49")),
        unit("20335", UnitKind::Commune, Some("502")),
    ];
    assert!(build(good.clone()).is_ok());
    let mut dup = good.clone();
    dup.push(unit("502", UnitKind::District, Some("49")));
    assert!(matches!(build(dup), Err(OrgError::DuplicateCode(_))));
    let mut orphan = good.clone();
    orphan.push(unit("20336", UnitKind::Commune, Some("999")));
    assert!(matches!(build(orphan), Err(OrgError::UnknownParent { .. })));
    let mut two = good.clone();
    two.push(unit("48", UnitKind::Province, None));
    assert!(matches!(build(two), Err(OrgError::ProvinceCount(2))));
    assert!(matches!(
        build(good[1..].to_vec()),
        Err(OrgError::ProvinceCount(0))
    ));
    let cycle = vec![
        unit("49", UnitKind::Province, None),
        unit("502", UnitKind::District, Some("503")),
        unit("503", UnitKind::District, Some("502")),
    ];
    assert!(matches!(build(cycle), Err(OrgError::ParentCycle(_))));
    let mut nfd = good;
    nfd[2].name = "Xa\u{0303}  Ch'o\u{031B}m ".into();
    let r = build(nfd).expect("normalised");
    assert_eq!(
        r.get(&c("20335")).map(|u| u.name.as_str()),
        Some("Xã Ch'ơm")
    );
}

#[test]
fn kinds_and_structures_parse_and_label() {
    assert_eq!("2025".parse::<Structure>().ok(), Some(Structure::Y2025));
    assert_eq!(" 2024 ".parse::<Structure>().ok(), Some(Structure::Y2024));
    assert!("2023".parse::<Structure>().is_err());
    assert_eq!(Structure::on(LAST_DAY_2024_STRUCTURE), Structure::Y2024);
    assert_eq!(Structure::on(REFORM_DATE), Structure::Y2025);
    for k in UnitKind::ALL {
        assert_eq!(k.as_str().parse::<UnitKind>().ok(), Some(k));
        assert_eq!(
            serde_json::to_string(&k).ok(),
            Some(format!("\"{}\"", k.as_str()))
        );
    }
    assert_eq!(UnitKind::Commune.label_vi(), "Cấp xã");
    assert_eq!(UnitKind::Province.label_vi(), "UBND tỉnh");
}

#[test]
fn the_diff_and_the_notices_say_what_became_of_each_unit() {
    use super::diff::{diff, notice_for, Change};
    let old = qn2024();
    let new = Registry::embedded_default();
    let d = diff(&old, &new);
    assert!(d.iter().any(|ch| matches!(ch,
        Change::Renamed { code, to, .. } if code == &c("20335") && to == "Phường Bàn Thạch")));
    assert!(d.iter().any(|ch| matches!(ch,
        Change::Moved { code, to: Some(to), .. } if code == &c("20335") && to == "Ủy ban nhân dân thành phố Đà Nẵng")));
    assert!(d
        .iter()
        .any(|ch| matches!(ch, Change::Added { code, .. } if code == &c("48-SNV"))));
    assert!(d.iter().all(|ch| !matches!(ch, Change::Removed { .. })));
    assert!(diff(&new, &new).is_empty());
    let back = diff(&new, &qn2024());
    assert!(back
        .iter()
        .any(|ch| matches!(ch, Change::Removed { code, .. } if code == &c("48"))));

    let after = day("2026-01-05");
    let snv = notice_for(&new, &c("49-SNV"), "Sở Nội vụ", after).expect("ended");
    assert!(
        snv.contains("01/07/2025") && snv.contains("(48-SNV)"),
        "{snv}"
    );
    let renamed = notice_for(&new, &c("20335"), "Phường Tân Thạnh", after).expect("renamed");
    assert!(
        renamed.contains("nay mang tên Phường Bàn Thạch"),
        "{renamed}"
    );
    assert_eq!(
        notice_for(&new, &c("20335"), "Phường Bàn Thạch", after),
        None
    );
    assert_eq!(
        notice_for(&new, &c("502"), "Thành phố Tam Kỳ", day("2024-05-01")),
        None,
        "a district before the change is fine"
    );
    let gone = notice_for(&new, &c("99999"), "Xã Thử", after).expect("unknown");
    assert!(gone.contains("không còn trong danh mục"), "{gone}");
}
