use super::*;
use doimoi_shared::report::build;

fn device(unit: &str) -> Device {
    Device {
        id: 1,
        unit: UnitCode::parse(unit).expect("code"),
    }
}

fn query(pairs: &[(&str, &str)]) -> DashQuery {
    let mut q = DashQuery::default();
    for (k, v) in pairs {
        let v = Some((*v).to_string());
        match *k {
            "period" => q.period = v,
            "as_of" => q.as_of = v,
            "as_of_mode" => q.as_of_mode = v,
            "unit" => q.unit = v,
            "silent_days" => q.silent_days = v,
            _ => {}
        }
    }
    q
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 7).expect("date")
}

#[test]
fn the_selection_is_read_with_a_message_by_each_field_it_cannot_use() {
    let r = Registry::embedded_default();
    let snv = device("49-SNV");
    let s = Selection::parse(&DashQuery::default(), &r, &snv, today());
    assert_eq!(s.period, "2026");
    assert!(!s.errors.any());
    assert_eq!(s.report_query(), "period=2026");

    let s = Selection::parse(
        &query(&[
            ("period", "2026-Q5"),
            ("as_of", "2026-13-01"),
            ("as_of_mode", "sometime"),
            ("unit", "không có đơn vị này"),
            ("silent_days", "0"),
        ]),
        &r,
        &snv,
        today(),
    );
    assert!(s
        .errors
        .period
        .as_deref()
        .is_some_and(|m| m.contains("2026-Q5")));
    assert!(s
        .errors
        .as_of
        .as_deref()
        .is_some_and(|m| m.contains("2026-13-01")));
    assert!(s.errors.as_of_mode.is_some());
    assert!(s
        .errors
        .unit
        .as_deref()
        .is_some_and(|m| m.contains("Không tìm thấy")));
    assert!(s.errors.silent_days.is_some());
    assert_eq!(s.unit_typed, "không có đơn vị này");

    // A name without diacritics finds the unit; the query carries its code.
    let s = Selection::parse(
        &query(&[
            ("period", "2026-h1"),
            ("unit", "thanh pho tam ky"),
            ("as_of", "2026-03-01"),
            ("as_of_mode", "happened"),
            ("silent_days", "30"),
        ]),
        &r,
        &snv,
        today(),
    );
    assert!(!s.errors.any(), "{:?}", s.errors);
    assert_eq!(
        s.report_query(),
        "period=2026-h1&as_of=2026-03-01&as_of_mode=happened&unit=502"
    );
    assert_eq!(
        s.page_link(),
        "/reports?period=2026-h1&as_of=2026-03-01&as_of_mode=happened&unit=502&silent_days=30"
    );

    // An as-of date before the period, and a unit outside the office's scope.
    let s = Selection::parse(
        &query(&[("as_of", "2020-01-01"), ("unit", "49")]),
        &r,
        &device("502"),
        today(),
    );
    assert!(s
        .errors
        .as_of
        .as_deref()
        .is_some_and(|m| m.contains("trước ngày bắt đầu")));
    assert!(
        s.errors
            .unit
            .as_deref()
            .is_some_and(|m| m.contains("Sở Nội vụ")),
        "{:?}",
        s.errors.unit
    );
}

#[test]
fn the_list_of_units_follows_the_report_scope_rule() {
    let r = Registry::embedded_default();
    assert_eq!(visible_units(&r, &device("49-SNV")).len(), r.units().len());
    let district = visible_units(&r, &device("502"));
    assert!(district.len() > 1);
    assert!(district
        .iter()
        .all(|u| r.is_within(&u.code, &UnitCode::parse("502").expect("code"))));
    assert_eq!(visible_units(&r, &device("20335")).len(), 1);
    let commune = r
        .get(&UnitCode::parse("20335").expect("code"))
        .expect("unit");
    let label = unit_label(&r, commune);
    assert!(
        label.starts_with("Phường Bàn Thạch — Ủy ban nhân dân thành phố Đà Nẵng")
            && label.contains("(trước đây: Phường Tân Thạnh — Thành phố Tam Kỳ)"),
        "{label}"
    );
    let district = r.get(&UnitCode::parse("502").expect("code")).expect("unit");
    assert_eq!(
        unit_label(&r, district),
        "Thành phố Tam Kỳ (đã thôi hoạt động)"
    );
}

#[test]
fn the_report_body_is_embedded_without_its_heading_and_the_charts_carry_the_figures() {
    let r = Registry::embedded_default();
    let period = Period::parse("2024").expect("period");
    let report = build(&r, &[], &[], &period, None, r.province_code()).expect("report");
    let body = report_body(&report, &crate::render::DocInfo::new(today()));
    assert!(
        body.contains("Tổng hợp số liệu") && body.contains("Ghi chú"),
        "{body}"
    );
    assert!(!body.contains("<h1>") && !body.contains("<body") && !body.contains("</html>"));

    let (groups, districts) = charts::completeness_groups(&report);
    assert!(districts);
    let expected: u64 = groups.iter().map(|g| g.expected).sum();
    assert_eq!(expected, report.totals.completeness.expected);
    assert!(groups.iter().any(|g| g.label == "Thành phố Tam Kỳ"));
    let svg = charts::status_chart(&report.totals);
    assert!(
        svg.contains(r#"data-key="submitted" data-value="0""#),
        "{svg}"
    );
    let svg = charts::timeliness_chart(&report.totals);
    assert!(svg.contains(r#"data-step="decision""#));
}
