//! The official datasets behind the registry: the 2024 and 2025 administrative-unit datasets
//! and the standard provincial bodies, embedded in the crate; finding a province by name or
//! code; building a province's registry (units, parents, validity) and deriving lineage across
//! the 2025 reorganisation.

use super::*;

const DVHC_2024: &str = include_str!("../../data/dvhc-2024.json");
const DVHC_2025: &str = include_str!("../../data/dvhc-2025.json");
const PROVINCIAL_BODIES: &str = include_str!("../../data/provincial-bodies.json");

/// A province of `dvhc-2024.json` (with districts) or `dvhc-2025.json` (with communes).
/// Strings borrow from the embedded text.
#[derive(Deserialize)]
pub(super) struct RawProvince<'a> {
    pub(super) code: u32,
    #[serde(borrow)]
    pub(super) name: Cow<'a, str>,
    #[serde(borrow, rename = "type")]
    pub(super) kind: Cow<'a, str>,
    #[serde(default, borrow)]
    pub(super) districts: Vec<RawDistrict<'a>>,
    #[serde(default, borrow)]
    pub(super) communes: Vec<RawCommune<'a>>,
}

#[derive(Deserialize)]
pub(super) struct RawDistrict<'a> {
    pub(super) code: u32,
    #[serde(borrow)]
    pub(super) name: Cow<'a, str>,
    #[serde(default, borrow)]
    pub(super) communes: Vec<RawCommune<'a>>,
}

#[derive(Deserialize)]
pub(super) struct RawCommune<'a> {
    pub(super) code: u32,
    #[serde(borrow)]
    pub(super) name: Cow<'a, str>,
}

/// `provincial-bodies.json`: `[abbreviation, name]` pairs.
#[derive(Deserialize)]
pub(super) struct RawBodies<'a> {
    #[serde(borrow)]
    pub(super) departments_2024: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    #[serde(borrow)]
    pub(super) departments_2025: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    #[serde(borrow)]
    pub(super) associations: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

pub(super) type Parsed<T> = Result<T, String>;

pub(super) fn parsed<T>(
    cell: &'static OnceLock<Parsed<T>>,
    parse: fn() -> Parsed<T>,
) -> Result<&'static T, OrgError> {
    cell.get_or_init(parse)
        .as_ref()
        .map_err(|e| OrgError::EmbeddedData(e.clone()))
}

pub(super) fn dataset(structure: Structure) -> Result<&'static [RawProvince<'static>], OrgError> {
    static Y2024: OnceLock<Parsed<Vec<RawProvince<'static>>>> = OnceLock::new();
    static Y2025: OnceLock<Parsed<Vec<RawProvince<'static>>>> = OnceLock::new();
    let v = match structure {
        Structure::Y2024 => parsed(&Y2024, || {
            serde_json::from_str(DVHC_2024).map_err(|e| format!("dvhc-2024.json: {e}"))
        })?,
        Structure::Y2025 => parsed(&Y2025, || {
            serde_json::from_str(DVHC_2025).map_err(|e| format!("dvhc-2025.json: {e}"))
        })?,
    };
    Ok(v)
}

pub(super) fn bodies() -> Result<&'static RawBodies<'static>, OrgError> {
    static BODIES: OnceLock<Parsed<RawBodies<'static>>> = OnceLock::new();
    parsed(&BODIES, || {
        serde_json::from_str(PROVINCIAL_BODIES).map_err(|e| format!("provincial-bodies.json: {e}"))
    })
}

/// 2025 commune code → code of its 2025 province.
pub(super) fn communes_2025() -> Result<&'static HashMap<u32, u32>, OrgError> {
    static MAP: OnceLock<Result<HashMap<u32, u32>, String>> = OnceLock::new();
    MAP.get_or_init(|| {
        let ps = dataset(Structure::Y2025).map_err(|e| e.to_string())?;
        Ok(ps
            .iter()
            .flat_map(|p| p.communes.iter().map(move |c| (c.code, p.code)))
            .collect())
    })
    .as_ref()
    .map_err(|e| OrgError::EmbeddedData(e.clone()))
}

pub(super) const PREFIX_PROVINCE: &str = "Tỉnh ";
pub(super) const PREFIX_CITY: &str = "Thành phố ";

/// The province's name with its level: the 2025 dataset names most provinces bare
/// ("Cao Bằng"), the 2024 one always prefixed ("Tỉnh Cao Bằng").
pub(super) fn full_province_name(p: &RawProvince<'_>) -> String {
    let name = canonical_name(&p.name);
    if name.starts_with(PREFIX_PROVINCE) || name.starts_with(PREFIX_CITY) {
        name
    } else if p.kind.starts_with("thành phố") {
        format!("{PREFIX_CITY}{name}")
    } else {
        format!("{PREFIX_PROVINCE}{name}")
    }
}

/// The name without its level prefix, folded: "quang nam".
pub(super) fn bare_folded(full: &str) -> String {
    let f = fold(full);
    strip_level(&f).to_string()
}

/// Drops a leading "tinh", "thanh pho", "tp" from a folded name or query.
pub(super) fn strip_level(folded: &str) -> &str {
    for prefix in ["tinh ", "thanh pho ", "tp. ", "tp.", "tp "] {
        if let Some(rest) = folded.strip_prefix(prefix) {
            return rest.trim_start();
        }
    }
    folded
}

/// Common short forms people type for a province, folded, mapped to the folded bare name.
pub(super) const ALIASES: &[(&str, &str)] = &[
    ("hcm", "ho chi minh"),
    ("tphcm", "ho chi minh"),
    ("sai gon", "ho chi minh"),
    ("hn", "ha noi"),
    ("thua thien hue", "hue"),
    ("brvt", "ba ria - vung tau"),
    ("ba ria vung tau", "ba ria - vung tau"),
];

pub(super) fn find_province(
    structure: Structure,
    query: &str,
) -> Result<&'static RawProvince<'static>, OrgError> {
    let ps = dataset(structure)?;
    let q = fold(query.trim());
    if q.is_empty() {
        return Err(OrgError::UnknownProvince(query.to_string()));
    }
    if q.bytes().all(|b| b.is_ascii_digit()) {
        return q
            .parse::<u32>()
            .ok()
            .and_then(|code| ps.iter().find(|p| p.code == code))
            .ok_or_else(|| OrgError::UnknownProvince(query.to_string()));
    }
    let bare = strip_level(&q);
    let bare = ALIASES
        .iter()
        .find(|(alias, _)| *alias == bare)
        .map_or(bare, |(_, name)| name);
    let names: Vec<(String, &RawProvince<'static>)> = ps
        .iter()
        .map(|p| (bare_folded(&full_province_name(p)), p))
        .collect();
    if let Some((_, p)) = names.iter().find(|(n, _)| n == bare) {
        return Ok(p);
    }
    // A unique partial match ("kon tum" is whole, but "vung tau" or "bac lieu" typed short).
    let words: Vec<&str> = bare.split(' ').filter(|w| !w.is_empty()).collect();
    let partial: Vec<&RawProvince<'static>> = names
        .iter()
        .filter(|(n, _)| words.iter().all(|w| n.split(' ').any(|nw| nw == *w)))
        .map(|(_, p)| *p)
        .collect();
    match partial.as_slice() {
        [p] => Ok(p),
        [] => Err(merged_hint(structure, bare)
            .unwrap_or_else(|| OrgError::UnknownProvince(query.to_string()))),
        many => Err(OrgError::Ambiguous(
            query.to_string(),
            many.iter()
                .map(|p| format!("{} (mã {:02})", full_province_name(p), p.code))
                .collect(),
        )),
    }
}

/// For a 2025 lookup of a province that only exists in 2024, the error that says where it went.
pub(super) fn merged_hint(structure: Structure, bare: &str) -> Option<OrgError> {
    if structure != Structure::Y2025 {
        return None;
    }
    let old = dataset(Structure::Y2024)
        .ok()?
        .iter()
        .find(|p| bare_folded(&full_province_name(p)) == bare)?;
    let into = successor_province(old).ok()??;
    let new = dataset(Structure::Y2025)
        .ok()?
        .iter()
        .find(|p| p.code == into)?;
    Some(OrgError::MergedProvince {
        name: full_province_name(old),
        into: format!("{into:02}"),
        into_name: full_province_name(new),
    })
}

/// The 2025 province holding most of the 2024 province's commune codes (ties: the province's
/// own code, then the lowest code). `None` when none of its codes survive.
pub(super) fn successor_province(p: &RawProvince<'_>) -> Result<Option<u32>, OrgError> {
    let map = communes_2025()?;
    let mut counts: HashMap<u32, usize> = HashMap::new();
    for c in p.districts.iter().flat_map(|d| &d.communes) {
        if let Some(&np) = map.get(&c.code) {
            *counts.entry(np).or_default() += 1;
        }
    }
    Ok(counts
        .into_iter()
        .max_by_key(|&(code, n)| (n, code == p.code, std::cmp::Reverse(code)))
        .map(|(code, _)| code))
}

pub(super) fn code(s: String) -> Result<UnitCode, OrgError> {
    Ok(UnitCode::parse(&s)?)
}

/// "Ủy ban nhân dân " + the province name with a lower-case first letter.
pub(super) fn committee_name(full: &str) -> String {
    let mut chars = full.chars();
    let first: String = chars
        .next()
        .map(|c| c.to_lowercase().collect())
        .unwrap_or_default();
    format!("Ủy ban nhân dân {first}{}", chars.as_str())
}

/// Body names in the dataset say "tỉnh"; centrally-run cities say "thành phố".
pub(super) fn localise_body_name(name: &str, city: bool) -> String {
    let name = canonical_name(name);
    match name.strip_suffix(" tỉnh") {
        Some(stem) if city => format!("{stem} thành phố"),
        _ => name,
    }
}

pub(super) fn build_embedded(
    structure: Structure,
    p: &RawProvince<'_>,
) -> Result<Registry, OrgError> {
    let bodies = bodies()?;
    let departments = match structure {
        Structure::Y2024 => &bodies.departments_2024,
        Structure::Y2025 => &bodies.departments_2025,
    };
    let full = full_province_name(p);
    let city = full.starts_with(PREFIX_CITY);
    let (valid_from, valid_to) = structure.validity();
    let province = code(format!("{:02}", p.code))?;
    let unit = |code: UnitCode, name: String, kind: UnitKind, parent: Option<&UnitCode>| Unit {
        code,
        name,
        kind,
        parent: parent.cloned(),
        valid_from,
        valid_to,
        lineage: Vec::new(),
        former: Vec::new(),
    };

    let n_communes: usize =
        p.communes.len() + p.districts.iter().map(|d| d.communes.len()).sum::<usize>();
    let mut units = Vec::with_capacity(
        1 + departments.len() + bodies.associations.len() + p.districts.len() + n_communes,
    );

    let mut root = unit(
        province.clone(),
        committee_name(&full),
        UnitKind::Province,
        None,
    );
    if structure == Structure::Y2024 {
        if let Some(next) = successor_province(p)? {
            root.lineage.push(Lineage {
                kind: if next == p.code {
                    LineageKind::ContinuedBy
                } else {
                    LineageKind::MergedInto
                },
                unit: code(format!("{next:02}"))?,
                date: REFORM_DATE,
            });
        }
    }
    units.push(root);

    let body = |abbr: &str| {
        code(format!(
            "{}-{}",
            p.code_str(),
            fold(abbr).to_ascii_uppercase()
        ))
    };
    // Sở Nội vụ first, then the other departments in dataset order.
    let (home, others): (Vec<_>, Vec<_>) = departments
        .iter()
        .partition(|(abbr, _)| abbr == HOME_AFFAIRS_ABBR);
    for (abbr, name) in home {
        units.push(unit(
            body(abbr)?,
            localise_body_name(name, city),
            UnitKind::HomeAffairs,
            Some(&province),
        ));
    }
    for (abbr, name) in others {
        units.push(unit(
            body(abbr)?,
            localise_body_name(name, city),
            UnitKind::Department,
            Some(&province),
        ));
    }
    for (abbr, name) in &bodies.associations {
        units.push(unit(
            body(abbr)?,
            localise_body_name(name, city),
            UnitKind::Association,
            Some(&province),
        ));
    }

    let continued = match structure {
        Structure::Y2024 => Some(communes_2025()?),
        Structure::Y2025 => None,
    };
    let commune = |c: &RawCommune<'_>, parent: &UnitCode| -> Result<Unit, OrgError> {
        let mut u = unit(
            code(format!("{:05}", c.code))?,
            canonical_name(&c.name),
            UnitKind::Commune,
            Some(parent),
        );
        if continued.is_some_and(|m| m.contains_key(&c.code)) {
            u.lineage.push(Lineage {
                kind: LineageKind::ContinuedBy,
                unit: u.code.clone(),
                date: REFORM_DATE,
            });
        }
        Ok(u)
    };
    for d in &p.districts {
        let dc = code(format!("{:03}", d.code))?;
        units.push(unit(
            dc.clone(),
            canonical_name(&d.name),
            UnitKind::District,
            Some(&province),
        ));
        for c in &d.communes {
            units.push(commune(c, &dc)?);
        }
    }
    for c in &p.communes {
        units.push(commune(c, &province)?);
    }

    Registry::from_units(province, full, structure, EMBEDDED_VERSION, units)
}

/// A province's 2024 registry and its continuation from 01/07/2025 in one registry: the 2025
/// province that took most of its communes (itself, or the one it merged into) with all of that
/// province's 2025 units. A unit whose code carries on (a commune's seat, a province or body
/// that kept its code) keeps one entry, its 2024 name and parent as its earlier form; a department or association whose abbreviation exists in both
/// sets is continued by the new one; the 2024 province merged into (or continued by) the new
/// one. Units of 2024 with no known successor end on 30/06/2025 and stay for their history.
pub(super) fn build_continued(p: &RawProvince<'_>) -> Result<Registry, OrgError> {
    let old = build_embedded(Structure::Y2024, p)?;
    let Some(next) = successor_province(p)? else {
        return Ok(old);
    };
    let q = dataset(Structure::Y2025)?
        .iter()
        .find(|np| np.code == next)
        .ok_or_else(|| OrgError::EmbeddedData(format!("không có tỉnh mã {next:02} năm 2025")))?;
    let new = build_embedded(Structure::Y2025, q)?;
    let old_prefix = format!("{}-", p.code_str());
    let new_prefix = format!("{}-", q.code_str());
    let mut old_units: Vec<Unit> = old.units().to_vec();
    let mut units: Vec<Unit> = Vec::with_capacity(old_units.len() + new.units().len());
    let mut carried: HashMap<UnitCode, Former> = HashMap::new();
    let new_codes: std::collections::HashSet<&UnitCode> =
        new.units().iter().map(|u| &u.code).collect();
    for u in &mut old_units {
        // Same code on both sides (a commune's seat, a province or body that kept its code):
        // one unit, with its 2024 form as an earlier form.
        if new_codes.contains(&u.code) {
            carried.insert(
                u.code.clone(),
                Former {
                    until: LAST_DAY_2024_STRUCTURE,
                    name: u.name.clone(),
                    kind: u.kind,
                    parent: u.parent.clone(),
                },
            );
            continue;
        }
        if let Some(abbr) = u.code.as_str().strip_prefix(&old_prefix) {
            let successor = code(format!("{new_prefix}{abbr}"))?;
            if new_codes.contains(&successor) && successor != u.code {
                u.lineage.push(Lineage {
                    kind: LineageKind::ContinuedBy,
                    unit: successor,
                    date: REFORM_DATE,
                });
            }
        }
    }
    // The current province and its bodies first, then the communes of 2025 (earlier forms
    // attached), then what ended: the 2024 province, bodies, districts and communes.
    for u in new.units() {
        let mut u = u.clone();
        if let Some(f) = carried.remove(&u.code) {
            u.valid_from = None;
            u.former.push(f);
        }
        units.push(u);
    }
    units.extend(
        old_units
            .into_iter()
            .filter(|u| !new_codes.contains(&u.code)),
    );
    Registry::from_units(
        new.province_code().clone(),
        new.province_name().to_string(),
        Structure::Y2025,
        EMBEDDED_VERSION,
        units,
    )
}

impl RawProvince<'_> {
    fn code_str(&self) -> String {
        format!("{:02}", self.code)
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------
