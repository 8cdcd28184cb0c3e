//! The org registry: every unit that takes part in the plan in one province — the provincial
//! People's Committee (UBND tỉnh), Sở Nội vụ, the other departments, the provincial associations,
//! and the districts and communes — with its kind, parent, validity dates and lineage.
//!
//! The registry is not a CRDT (docs/domain.md §6): the hub operator owns it, bumps its
//! `version`, and clients receive it whole on sync (`to_json` / `from_json`). A starting registry
//! for any province is built from the official administrative-unit datasets embedded in this crate:
//!
//! - `data/dvhc-2024.json`: the three-level structure in force until 30/06/2025
//!   (63 provinces → districts → communes);
//! - `data/dvhc-2025.json`: the two-level structure from 01/07/2025 (34 provinces → communes);
//! - `data/provincial-bodies.json`: the standard departments (one set per structure) and
//!   associations.
//!
//! The datasets are parsed lazily, once per process, the first time a registry is built or the
//! province list is asked for; nothing is parsed when the registry arrives by sync.
//!
//! Codes (see [`UnitCode`]): provinces keep their official 2-digit code ("49"), districts 3 digits
//! ("502"), communes 5 digits ("20335"); departments and associations are `PP-ABBR` with the
//! abbreviation folded to upper-case ASCII ("49-SNV", "49-SKHDT").
//!
//! Lineage is derived from what the datasets allow: in a 2024 registry, a commune whose code is
//! also a 2025 commune code (the 2025 commune's seat) is `ContinuedBy` that code, and the province
//! is `MergedInto` (or `ContinuedBy`) the 2025 province that holds most of its commune codes.

use crate::ids::{IdError, UnitCode};
use crate::text::{fold, nfc};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;
use unicode_normalization::{is_nfc_quick, IsNormalized};

/// Code of the province a fresh installation starts with (Tỉnh Quảng Nam).
pub const DEFAULT_PROVINCE: &str = "49";

/// Version of the registries built from the embedded datasets; the hub operator's edits
/// count up from here.
pub const EMBEDDED_VERSION: u32 = 1;

/// First day of the two-level structure: 01/07/2025.
pub const REFORM_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2025, 7, 1) {
    Some(d) => d,
    None => panic!("invalid reform date"),
};

/// Last day of the three-level structure: 30/06/2025.
pub const LAST_DAY_2024_STRUCTURE: NaiveDate = match NaiveDate::from_ymd_opt(2025, 6, 30) {
    Some(d) => d,
    None => panic!("invalid date"),
};

const DVHC_2024: &str = include_str!("../data/dvhc-2024.json");
const DVHC_2025: &str = include_str!("../data/dvhc-2025.json");
const PROVINCIAL_BODIES: &str = include_str!("../data/provincial-bodies.json");

/// Abbreviation of Sở Nội vụ in `provincial-bodies.json`: that department gets its own kind.
const HOME_AFFAIRS_ABBR: &str = "SNV";

// ---------------------------------------------------------------------------------------------
// Kinds, structures, lineage, units
// ---------------------------------------------------------------------------------------------

/// What a unit is; decides who its superior is and which duties it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// The provincial People's Committee (UBND tỉnh): answers escalated proposals.
    Province,
    /// Sở Nội vụ: follows every unit, consolidates reports.
    HomeAffairs,
    /// Any other department, board or office under UBND tỉnh.
    Department,
    /// A provincial association (hội).
    Association,
    /// District level (huyện, quận, thị xã, thành phố thuộc tỉnh); only before 01/07/2025.
    District,
    /// Commune level (xã, phường, thị trấn, đặc khu).
    Commune,
}

impl UnitKind {
    pub const ALL: [UnitKind; 6] = [
        UnitKind::Province,
        UnitKind::HomeAffairs,
        UnitKind::Department,
        UnitKind::Association,
        UnitKind::District,
        UnitKind::Commune,
    ];

    /// The stable machine name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Province => "province",
            UnitKind::HomeAffairs => "home_affairs",
            UnitKind::Department => "department",
            UnitKind::Association => "association",
            UnitKind::District => "district",
            UnitKind::Commune => "commune",
        }
    }

    /// The Vietnamese label shown to users.
    pub fn label_vi(self) -> &'static str {
        match self {
            UnitKind::Province => "UBND tỉnh",
            UnitKind::HomeAffairs => "Sở Nội vụ",
            UnitKind::Department => "Sở, ban, ngành",
            UnitKind::Association => "Hội",
            UnitKind::District => "Cấp huyện",
            UnitKind::Commune => "Cấp xã",
        }
    }
}

impl fmt::Display for UnitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for UnitKind {
    type Err = OrgError;
    fn from_str(s: &str) -> Result<Self, OrgError> {
        let t = s.trim();
        UnitKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| OrgError::UnknownKind(s.to_string()))
    }
}

/// Which administrative structure a registry follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Structure {
    /// Three levels (province → district → commune), until 30/06/2025.
    #[serde(rename = "2024")]
    Y2024,
    /// Two levels (province → commune), from 01/07/2025.
    #[serde(rename = "2025")]
    Y2025,
}

impl Structure {
    pub fn as_str(self) -> &'static str {
        match self {
            Structure::Y2024 => "2024",
            Structure::Y2025 => "2025",
        }
    }

    /// The structure in force on `date`.
    pub fn on(date: NaiveDate) -> Structure {
        if date < REFORM_DATE {
            Structure::Y2024
        } else {
            Structure::Y2025
        }
    }

    /// Validity bounds every unit built from this structure's dataset gets.
    pub fn validity(self) -> (Option<NaiveDate>, Option<NaiveDate>) {
        match self {
            Structure::Y2024 => (None, Some(LAST_DAY_2024_STRUCTURE)),
            Structure::Y2025 => (Some(REFORM_DATE), None),
        }
    }
}

impl fmt::Display for Structure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Structure {
    type Err = OrgError;
    fn from_str(s: &str) -> Result<Self, OrgError> {
        match s.trim() {
            "2024" => Ok(Structure::Y2024),
            "2025" => Ok(Structure::Y2025),
            _ => Err(OrgError::UnknownStructure(s.to_string())),
        }
    }
}

/// How a unit relates to the unit named in a [`Lineage`] entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineageKind {
    /// This unit ceased and became part of the other unit.
    MergedInto,
    /// This unit was created from part of the other unit.
    SplitFrom,
    /// This unit got a new name (and possibly a new code) as the other unit.
    RenamedTo,
    /// This unit's work carries on as the other unit (same code in a new structure, or the
    /// seat of a merged commune).
    ContinuedBy,
}

/// One step in a unit's history: reports over a period roll the unit's data up along these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lineage {
    pub kind: LineageKind,
    pub unit: UnitCode,
    /// The day the change took effect.
    pub date: NaiveDate,
}

/// An organisational unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub code: UnitCode,
    /// Official name, NFC, exactly as spelled in the national list (single spaces).
    pub name: String,
    pub kind: UnitKind,
    /// The unit this one belongs to; `None` only for the province unit.
    pub parent: Option<UnitCode>,
    /// First day the unit exists in this form; `None` when it predates the registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<NaiveDate>,
    /// Last day the unit exists in this form; `None` while it still exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<NaiveDate>,
    /// Where the unit went (or came from) across reorganisations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lineage: Vec<Lineage>,
}

impl Unit {
    /// True when the unit exists on `date` (both bounds inclusive).
    pub fn is_valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= date) && self.valid_to.is_none_or(|t| date <= t)
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Why a registry could not be built or read. Messages reach the user, so they are Vietnamese
/// and say what to do next.
#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    #[error("Không tìm thấy tỉnh \"{0}\" trong bộ dữ liệu đơn vị hành chính (cấu trúc 2024: 63 tỉnh, thành phố; cấu trúc 2025: 34 tỉnh, thành phố). Dùng `doimoi org provinces` để xem danh sách tên và mã.")]
    UnknownProvince(String),
    #[error("Tên tỉnh \"{0}\" khớp với nhiều tỉnh: {names}. Hãy ghi đầy đủ tên hoặc dùng mã tỉnh (xem `doimoi org provinces`).", names = .1.join("; "))]
    Ambiguous(String, Vec<String>),
    #[error("{name} không còn trong bộ dữ liệu năm 2025: từ ngày 01/07/2025 đã hợp nhất vào {into_name} (mã {into}). Dùng mã {into} với cấu trúc 2025, hoặc chọn cấu trúc 2024.")]
    MergedProvince {
        name: String,
        into: String,
        into_name: String,
    },
    #[error("Không đọc được danh mục đơn vị (JSON): {0}")]
    Json(String),
    #[error(
        "Dữ liệu đơn vị hành chính đi kèm chương trình bị lỗi: {0}. Hãy báo cho quản trị hệ thống."
    )]
    EmbeddedData(String),
    #[error("Cấu trúc \"{0}\" không hợp lệ: dùng 2024 (trước ngày 01/07/2025) hoặc 2025 (từ ngày 01/07/2025).")]
    UnknownStructure(String),
    #[error("Loại đơn vị \"{0}\" không hợp lệ: dùng province, home_affairs, department, association, district hoặc commune.")]
    UnknownKind(String),
    #[error(transparent)]
    Code(#[from] IdError),
    #[error("Mã đơn vị {0} xuất hiện nhiều lần trong danh mục; mỗi đơn vị cần một mã riêng.")]
    DuplicateCode(UnitCode),
    #[error("Đơn vị {0} chưa có tên; hãy nhập tên chính thức của đơn vị.")]
    EmptyName(UnitCode),
    #[error("Danh mục phải có đúng một đơn vị UBND tỉnh, nhưng đang có {0}.")]
    ProvinceCount(usize),
    #[error(
        "Danh mục ghi mã tỉnh {expected} nhưng đơn vị UBND tỉnh có mã {found}; hãy sửa cho khớp."
    )]
    ProvinceMismatch { expected: UnitCode, found: UnitCode },
    #[error("Đơn vị UBND tỉnh {0} không được có đơn vị cấp trên.")]
    ProvinceHasParent(UnitCode),
    #[error("Đơn vị {0} chưa có đơn vị cấp trên; mọi đơn vị trừ UBND tỉnh phải thuộc một đơn vị trong danh mục.")]
    MissingParent(UnitCode),
    #[error(
        "Đơn vị {unit} ghi đơn vị cấp trên {parent}, nhưng mã {parent} không có trong danh mục."
    )]
    UnknownParent { unit: UnitCode, parent: UnitCode },
    #[error("Quan hệ cấp trên của đơn vị {0} tạo thành vòng lặp, không dẫn về UBND tỉnh; hãy sửa đơn vị cấp trên.")]
    ParentCycle(UnitCode),
}

// ---------------------------------------------------------------------------------------------
// Registry
// ---------------------------------------------------------------------------------------------

/// The units of one province, in display order, with an index by code.
///
/// Invariants (checked by [`Registry::from_units`], the only way to build one): codes are
/// unique; exactly one unit is the province and it has no parent; every other unit has a parent
/// in the registry and its parent chain reaches the province.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RegistryData")]
pub struct Registry {
    province: UnitCode,
    province_name: String,
    structure: Structure,
    version: u32,
    units: Vec<Unit>,
    /// Position of each unit in `units`; rebuilt, never stored.
    #[serde(skip)]
    index: HashMap<UnitCode, usize>,
    /// Position of the province unit in `units`.
    #[serde(skip)]
    province_at: usize,
}

/// The stored form of a [`Registry`]; validated into one by [`Registry::from_units`].
#[derive(Deserialize)]
struct RegistryData {
    province: UnitCode,
    province_name: String,
    structure: Structure,
    version: u32,
    units: Vec<Unit>,
}

impl TryFrom<RegistryData> for Registry {
    type Error = OrgError;
    fn try_from(d: RegistryData) -> Result<Self, OrgError> {
        Registry::from_units(d.province, d.province_name, d.structure, d.version, d.units)
    }
}

impl Registry {
    /// Tỉnh Quảng Nam in the 2024 structure, built from the embedded datasets.
    pub fn embedded_default() -> Registry {
        Registry::embedded(Structure::Y2024, DEFAULT_PROVINCE)
            .expect("the embedded datasets hold the default province (checked by tests)")
    }

    /// Builds the registry of one province from the embedded datasets. `province` is the
    /// official code ("49", "1", "01") or the name, compared without diacritics and with or
    /// without the "Tỉnh"/"Thành phố" prefix ("quang nam", "Tỉnh Quảng Nam").
    pub fn embedded(structure: Structure, province: &str) -> Result<Registry, OrgError> {
        let p = find_province(structure, province)?;
        build_embedded(structure, p)
    }

    /// Code (2 digits) and full name ("Tỉnh Quảng Nam", "Thành phố Hà Nội") of every province
    /// of the structure, in official order.
    pub fn provinces(structure: Structure) -> Vec<(String, String)> {
        match dataset(structure) {
            Ok(ps) => ps
                .iter()
                .map(|p| (format!("{:02}", p.code), full_province_name(p)))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Builds a registry from units in display order, checking its invariants. Names are
    /// normalised (NFC, trimmed, single spaces).
    pub fn from_units(
        province: UnitCode,
        province_name: String,
        structure: Structure,
        version: u32,
        mut units: Vec<Unit>,
    ) -> Result<Registry, OrgError> {
        let mut index = HashMap::with_capacity(units.len());
        let mut provinces = Vec::new();
        for (i, u) in units.iter_mut().enumerate() {
            u.name = canonical_name(&u.name);
            if u.name.is_empty() {
                return Err(OrgError::EmptyName(u.code.clone()));
            }
            if index.insert(u.code.clone(), i).is_some() {
                return Err(OrgError::DuplicateCode(u.code.clone()));
            }
            if u.kind == UnitKind::Province {
                provinces.push(i);
            }
        }
        let province_at = match provinces.as_slice() {
            [i] => *i,
            other => return Err(OrgError::ProvinceCount(other.len())),
        };
        let root = &units[province_at];
        if root.code != province {
            return Err(OrgError::ProvinceMismatch {
                expected: province,
                found: root.code.clone(),
            });
        }
        if root.parent.is_some() {
            return Err(OrgError::ProvinceHasParent(root.code.clone()));
        }
        // Every parent chain must reach the province: walking more steps than there are units
        // means a cycle. Chains are short (≤ 3), so this is linear in practice.
        for u in &units {
            if u.kind == UnitKind::Province {
                continue;
            }
            let mut cur = u;
            let mut steps = 0usize;
            while cur.kind != UnitKind::Province {
                let parent = cur
                    .parent
                    .as_ref()
                    .ok_or_else(|| OrgError::MissingParent(cur.code.clone()))?;
                let &at = index.get(parent).ok_or_else(|| OrgError::UnknownParent {
                    unit: cur.code.clone(),
                    parent: parent.clone(),
                })?;
                cur = &units[at];
                steps += 1;
                if steps > units.len() {
                    return Err(OrgError::ParentCycle(u.code.clone()));
                }
            }
        }
        Ok(Registry {
            province,
            province_name: canonical_name(&province_name),
            structure,
            version,
            units,
            index,
            province_at,
        })
    }

    /// Compact JSON, the form the hub sends on sync.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a registry is plain data with string keys")
    }

    /// Reads and validates a registry written by [`Registry::to_json`].
    pub fn from_json(s: &str) -> Result<Registry, OrgError> {
        let d: RegistryData = serde_json::from_str(s).map_err(|e| OrgError::Json(e.to_string()))?;
        Registry::try_from(d)
    }

    /// All units in display order: province, Sở Nội vụ, departments, associations, then each
    /// district followed by its communes.
    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    pub fn get(&self, code: &UnitCode) -> Option<&Unit> {
        self.index.get(code).map(|&i| &self.units[i])
    }

    /// The UBND tỉnh unit.
    pub fn province(&self) -> &Unit {
        &self.units[self.province_at]
    }

    /// Sở Nội vụ, when the registry has one.
    pub fn home_affairs(&self) -> Option<&Unit> {
        self.units.iter().find(|u| u.kind == UnitKind::HomeAffairs)
    }

    /// The unit `code` belongs to.
    pub fn parent(&self, code: &UnitCode) -> Option<&Unit> {
        self.get(code)?.parent.as_ref().and_then(|p| self.get(p))
    }

    /// The unit whose head decides when the proposer is the head of `code`: a commune's
    /// parent (its district in 2024, the province in 2025); the province for districts,
    /// departments, associations and Sở Nội vụ; `None` for the province and unknown codes.
    pub fn superior(&self, code: &UnitCode) -> Option<&Unit> {
        let u = self.get(code)?;
        match u.kind {
            UnitKind::Province => None,
            UnitKind::Commune => self.parent(code),
            UnitKind::HomeAffairs
            | UnitKind::Department
            | UnitKind::Association
            | UnitKind::District => Some(self.province()),
        }
    }

    /// Units whose parent is `code`, in display order.
    pub fn children(&self, code: &UnitCode) -> Vec<&Unit> {
        self.units
            .iter()
            .filter(|u| u.parent.as_ref() == Some(code))
            .collect()
    }

    /// True when `code` is `ancestor` or lies below it. Unknown codes are within nothing, so
    /// scope checks fail closed.
    pub fn is_within(&self, code: &UnitCode, ancestor: &UnitCode) -> bool {
        let mut cur = self.get(code);
        // Chains were checked acyclic; the bound only guards against misuse.
        for _ in 0..=self.units.len() {
            match cur {
                Some(u) if &u.code == ancestor => return true,
                Some(u) => cur = u.parent.as_ref().and_then(|p| self.get(p)),
                None => return false,
            }
        }
        false
    }

    /// Units whose name or code contains every word of `query`, ignoring diacritics and case
    /// ("xa ch'om", "20335", "snv"). A unit whose code equals the query comes first; the rest
    /// keep display order. An empty query returns every unit.
    pub fn search(&self, query: &str) -> Vec<&Unit> {
        let q = fold(query);
        let words: Vec<&str> = q.split(' ').filter(|w| !w.is_empty()).collect();
        let mut exact = Vec::new();
        let mut rest = Vec::new();
        for u in &self.units {
            let code = u.code.as_str().to_ascii_lowercase();
            if code == q {
                exact.push(u);
                continue;
            }
            let hay = format!("{} {}", fold(&u.name), code);
            if words.iter().all(|w| hay.contains(w)) {
                rest.push(u);
            }
        }
        exact.extend(rest);
        exact
    }

    /// Units of one kind, in display order.
    pub fn of_kind(&self, kind: UnitKind) -> impl Iterator<Item = &Unit> {
        self.units.iter().filter(move |u| u.kind == kind)
    }

    pub fn province_code(&self) -> &UnitCode {
        &self.province
    }

    pub fn structure(&self) -> Structure {
        self.structure
    }

    /// Full name of the province ("Tỉnh Quảng Nam", "Thành phố Đà Nẵng").
    pub fn province_name(&self) -> &str {
        &self.province_name
    }

    /// Counts up each time the hub operator changes the registry.
    pub fn version(&self) -> u32 {
        self.version
    }
}

/// Trims, collapses runs of white space (a few dataset names have double spaces) and
/// normalises to NFC.
fn canonical_name(s: &str) -> String {
    // Fast path for the common case (every embedded name but ten): already canonical.
    let tidy = !s.starts_with(char::is_whitespace)
        && !s.ends_with(char::is_whitespace)
        && !s
            .as_bytes()
            .windows(2)
            .any(|w| w[0].is_ascii_whitespace() && w[1].is_ascii_whitespace())
        && !s.chars().any(|c| c.is_whitespace() && c != ' ');
    if tidy && is_nfc_quick(s.chars()) == IsNormalized::Yes {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    nfc(&out)
}

// ---------------------------------------------------------------------------------------------
// Embedded datasets
// ---------------------------------------------------------------------------------------------

/// A province of `dvhc-2024.json` (with districts) or `dvhc-2025.json` (with communes).
/// Strings borrow from the embedded text.
#[derive(Deserialize)]
struct RawProvince<'a> {
    code: u32,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    districts: Vec<RawDistrict<'a>>,
    #[serde(default, borrow)]
    communes: Vec<RawCommune<'a>>,
}

#[derive(Deserialize)]
struct RawDistrict<'a> {
    code: u32,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(default, borrow)]
    communes: Vec<RawCommune<'a>>,
}

#[derive(Deserialize)]
struct RawCommune<'a> {
    code: u32,
    #[serde(borrow)]
    name: Cow<'a, str>,
}

/// `provincial-bodies.json`: `[abbreviation, name]` pairs.
#[derive(Deserialize)]
struct RawBodies<'a> {
    #[serde(borrow)]
    departments_2024: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    #[serde(borrow)]
    departments_2025: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    #[serde(borrow)]
    associations: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

type Parsed<T> = Result<T, String>;

fn parsed<T>(
    cell: &'static OnceLock<Parsed<T>>,
    parse: fn() -> Parsed<T>,
) -> Result<&'static T, OrgError> {
    cell.get_or_init(parse)
        .as_ref()
        .map_err(|e| OrgError::EmbeddedData(e.clone()))
}

fn dataset(structure: Structure) -> Result<&'static [RawProvince<'static>], OrgError> {
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

fn bodies() -> Result<&'static RawBodies<'static>, OrgError> {
    static BODIES: OnceLock<Parsed<RawBodies<'static>>> = OnceLock::new();
    parsed(&BODIES, || {
        serde_json::from_str(PROVINCIAL_BODIES).map_err(|e| format!("provincial-bodies.json: {e}"))
    })
}

/// 2025 commune code → code of its 2025 province.
fn communes_2025() -> Result<&'static HashMap<u32, u32>, OrgError> {
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

const PREFIX_PROVINCE: &str = "Tỉnh ";
const PREFIX_CITY: &str = "Thành phố ";

/// The province's name with its level: the 2025 dataset names most provinces bare
/// ("Cao Bằng"), the 2024 one always prefixed ("Tỉnh Cao Bằng").
fn full_province_name(p: &RawProvince<'_>) -> String {
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
fn bare_folded(full: &str) -> String {
    let f = fold(full);
    strip_level(&f).to_string()
}

/// Drops a leading "tinh", "thanh pho", "tp" from a folded name or query.
fn strip_level(folded: &str) -> &str {
    for prefix in ["tinh ", "thanh pho ", "tp. ", "tp.", "tp "] {
        if let Some(rest) = folded.strip_prefix(prefix) {
            return rest.trim_start();
        }
    }
    folded
}

/// Common short forms people type for a province, folded, mapped to the folded bare name.
const ALIASES: &[(&str, &str)] = &[
    ("hcm", "ho chi minh"),
    ("tphcm", "ho chi minh"),
    ("sai gon", "ho chi minh"),
    ("hn", "ha noi"),
    ("thua thien hue", "hue"),
    ("brvt", "ba ria - vung tau"),
    ("ba ria vung tau", "ba ria - vung tau"),
];

fn find_province(
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
fn merged_hint(structure: Structure, bare: &str) -> Option<OrgError> {
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
fn successor_province(p: &RawProvince<'_>) -> Result<Option<u32>, OrgError> {
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

fn code(s: String) -> Result<UnitCode, OrgError> {
    Ok(UnitCode::parse(&s)?)
}

/// "Ủy ban nhân dân " + the province name with a lower-case first letter.
fn committee_name(full: &str) -> String {
    let mut chars = full.chars();
    let first: String = chars
        .next()
        .map(|c| c.to_lowercase().collect())
        .unwrap_or_default();
    format!("Ủy ban nhân dân {first}{}", chars.as_str())
}

/// Body names in the dataset say "tỉnh"; centrally-run cities say "thành phố".
fn localise_body_name(name: &str, city: bool) -> String {
    let name = canonical_name(name);
    match name.strip_suffix(" tỉnh") {
        Some(stem) if city => format!("{stem} thành phố"),
        _ => name,
    }
}

fn build_embedded(structure: Structure, p: &RawProvince<'_>) -> Result<Registry, OrgError> {
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

impl RawProvince<'_> {
    fn code_str(&self) -> String {
        format!("{:02}", self.code)
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use unicode_normalization::is_nfc;

    fn c(s: &str) -> UnitCode {
        UnitCode::parse(s).expect("valid code")
    }

    fn count(r: &Registry, kind: UnitKind) -> usize {
        r.of_kind(kind).count()
    }

    #[test]
    fn default_registry_is_quang_nam_2024_with_dataset_counts() {
        let r = Registry::embedded_default();
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
        let r = Registry::embedded_default();
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
        let r = Registry::embedded_default();
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
        let r = Registry::embedded_default();
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
        let r = Registry::embedded_default();
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
        let r = Registry::embedded_default();
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
        let r = Registry::embedded_default();
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
        };
        let build = |units| {
            Registry::from_units(c("49"), "Tỉnh Quảng Nam".into(), Structure::Y2024, 2, units)
        };
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
}
