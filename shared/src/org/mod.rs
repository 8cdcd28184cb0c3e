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

mod dataset;
pub mod diff;
#[cfg(test)]
mod tests;

use crate::ids::{IdError, UnitCode};
use crate::text::{fold, nfc};
use chrono::NaiveDate;
use dataset::{build_embedded, dataset, find_province, full_province_name};
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

/// Which registry to build from the embedded datasets: one structure, or the 2024 structure
/// with its continuation from 01/07/2025 (the default).
pub fn embedded_by(structure: &str, province: &str) -> Result<Registry, OrgError> {
    match structure.trim() {
        "" | "2024-2025" | "2024+2025" => Registry::embedded_continued(province),
        s => Registry::embedded(s.parse()?, province),
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
    /// Earlier forms of the same unit (same code), oldest first: a commune that carried on
    /// through the 2025 reorganisation under a new name and a new parent. `name`, `kind` and
    /// `parent` above are the form after the last of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub former: Vec<Former>,
}

/// An earlier form of a unit: its name, kind and parent up to and including `until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Former {
    /// Last day of this form.
    pub until: NaiveDate,
    pub name: String,
    pub kind: UnitKind,
    pub parent: Option<UnitCode>,
}

impl Unit {
    /// True when the unit exists on `date` (both bounds inclusive).
    pub fn is_valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= date) && self.valid_to.is_none_or(|t| date <= t)
    }

    /// The unit's name on `date`: the form in force then (the first form for a date before
    /// the unit existed, the last one after it ended).
    pub fn name_on(&self, date: NaiveDate) -> &str {
        self.former
            .iter()
            .find(|f| date <= f.until)
            .map_or(&self.name, |f| &f.name)
    }

    /// The unit as it was on `date` (see [`Unit::name_on`]), without earlier forms.
    pub fn as_on(&self, date: NaiveDate) -> Unit {
        let mut u = Unit {
            former: Vec::new(),
            ..self.clone()
        };
        if let Some(f) = self.former.iter().find(|f| date <= f.until) {
            u.name = f.name.clone();
            u.kind = f.kind;
            u.parent = f.parent.clone();
        }
        u
    }

    /// " (từ 01/07/2025)", " (đến 30/06/2025, tiếp nối: 48-SNV)", " (đến 30/06/2025 là
    /// Phường Tân Thạnh)": the unit's validity for a listing; empty for a unit that always was.
    pub fn validity_note(&self) -> String {
        use diff::vn_date;
        match (self.valid_from, self.valid_to) {
            (_, Some(t)) => format!(
                " (đến {}{})",
                vn_date(t),
                self.successor()
                    .map_or(String::new(), |s| format!(", tiếp nối: {s}"))
            ),
            (Some(f), None) => format!(" (từ {})", vn_date(f)),
            (None, None) => match self.former.last() {
                Some(f) => format!(" (đến {} là {})", vn_date(f.until), f.name),
                None => String::new(),
            },
        }
    }

    /// The unit as `org show --json` prints it (client and hub alike): code, name, kind,
    /// parent, and where present validity, successor and earlier forms.
    pub fn show_json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "code": self.code.as_str(),
            "name": self.name,
            "kind": self.kind.as_str(),
            "parent": self.parent.as_ref().map(|p| p.as_str()),
        });
        if let Some(map) = v.as_object_mut() {
            if let Some(d) = self.valid_from {
                map.insert("valid_from".into(), d.to_string().into());
            }
            if let Some(d) = self.valid_to {
                map.insert("valid_to".into(), d.to_string().into());
            }
            if let Some(s) = self.successor() {
                map.insert("successor".into(), s.as_str().into());
            }
            if !self.former.is_empty() {
                let former: Vec<serde_json::Value> = self
                    .former
                    .iter()
                    .map(|f| {
                        serde_json::json!({
                            "until": f.until.to_string(),
                            "name": f.name,
                            "kind": f.kind.as_str(),
                            "parent": f.parent.as_ref().map(|p| p.as_str()),
                        })
                    })
                    .collect();
                map.insert("former".into(), former.into());
            }
        }
        v
    }

    /// The unit that carries this one on after it ended (merged into, renamed to, continued
    /// by another code), if the registry records one.
    pub fn successor(&self) -> Option<&UnitCode> {
        self.lineage
            .iter()
            .find(|l| {
                matches!(
                    l.kind,
                    LineageKind::MergedInto | LineageKind::RenamedTo | LineageKind::ContinuedBy
                ) && l.unit != self.code
            })
            .map(|l| &l.unit)
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
    #[error("Cấu trúc \"{0}\" không hợp lệ: dùng 2024-2025 (cơ cấu 2024 và phần tiếp nối từ ngày 01/07/2025, mặc định), 2024 (trước ngày 01/07/2025) hoặc 2025 (từ ngày 01/07/2025).")]
    UnknownStructure(String),
    #[error("Loại đơn vị \"{0}\" không hợp lệ: dùng province, home_affairs, department, association, district hoặc commune.")]
    UnknownKind(String),
    #[error(transparent)]
    Code(#[from] IdError),
    #[error("Mã đơn vị {0} xuất hiện nhiều lần trong danh mục; mỗi đơn vị cần một mã riêng.")]
    DuplicateCode(UnitCode),
    #[error("Đơn vị {0} chưa có tên; hãy nhập tên chính thức của đơn vị.")]
    EmptyName(UnitCode),
    #[error("Danh mục phải có đúng một đơn vị UBND tỉnh đang hoạt động (không có ngày kết thúc), nhưng đang có {0}.")]
    ProvinceCount(usize),
    #[error("Đơn vị UBND tỉnh {0} và {1} có thời gian hoạt động trùng nhau; mỗi thời điểm chỉ có một UBND tỉnh.")]
    ProvinceOverlap(UnitCode, UnitCode),
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
/// A registry may span eras: units carry validity dates, lineage (where a unit went when it
/// ended) and earlier forms ([`Former`]). The built-in sample holds Tỉnh Quảng Nam's 2024
/// structure and its continuation from 01/07/2025 (Thành phố Đà Nẵng, two levels).
/// [`Registry::on`] gives the registry as it stood on one day, the view reports use.
///
/// Invariants (checked by [`Registry::from_units`], the only way to build one): codes are
/// unique; province units have no parent and never overlap in time, and exactly one of them
/// has no end date (the current one, `province`); every other unit has a parent in the
/// registry, its parent chain reaches a province unit, and the parents of its earlier forms are
/// in the registry.
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
    /// The built-in sample: Tỉnh Quảng Nam's 2024 structure and its continuation from
    /// 01/07/2025 (Thành phố Đà Nẵng), built from the embedded datasets.
    pub fn embedded_default() -> Registry {
        Registry::embedded_continued(DEFAULT_PROVINCE)
            .expect("the embedded datasets hold the default province (checked by tests)")
    }

    /// One province's 2024 structure and its continuation from 01/07/2025 in one registry
    /// (see the type's documentation). `province` is looked up in the 2024 dataset, as for
    /// [`Registry::embedded`].
    pub fn embedded_continued(province: &str) -> Result<Registry, OrgError> {
        let p = find_province(Structure::Y2024, province)?;
        dataset::build_continued(p)
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
        let current: Vec<usize> = provinces
            .iter()
            .copied()
            .filter(|&i| units[i].valid_to.is_none())
            .collect();
        let province_at = match current.as_slice() {
            [i] => *i,
            // A view of a registry on a past day may name an earlier province unit.
            _ => match provinces.iter().find(|&&i| units[i].code == province) {
                Some(&i) if current.is_empty() => i,
                _ => return Err(OrgError::ProvinceCount(current.len())),
            },
        };
        let root = &units[province_at];
        if root.code != province {
            return Err(OrgError::ProvinceMismatch {
                expected: province,
                found: root.code.clone(),
            });
        }
        for (n, &i) in provinces.iter().enumerate() {
            let a = &units[i];
            if a.parent.is_some() {
                return Err(OrgError::ProvinceHasParent(a.code.clone()));
            }
            for &j in &provinces[n + 1..] {
                let b = &units[j];
                let apart = a.valid_to.zip(b.valid_from).is_some_and(|(t, f)| t < f)
                    || b.valid_to.zip(a.valid_from).is_some_and(|(t, f)| t < f);
                if !apart {
                    return Err(OrgError::ProvinceOverlap(a.code.clone(), b.code.clone()));
                }
            }
        }
        for u in &units {
            for f in &u.former {
                if let Some(parent) = &f.parent {
                    if !index.contains_key(parent) {
                        return Err(OrgError::UnknownParent {
                            unit: u.code.clone(),
                            parent: parent.clone(),
                        });
                    }
                }
            }
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
            | UnitKind::District => self.root_of(u),
        }
    }

    /// The province unit at the top of `u`'s parent chain (Quảng Nam's for a unit of 2024,
    /// Đà Nẵng's for one of 2025 in the built-in sample).
    fn root_of<'a>(&'a self, u: &'a Unit) -> Option<&'a Unit> {
        let mut cur = u;
        for _ in 0..=self.units.len() {
            match &cur.parent {
                None => return (cur.kind == UnitKind::Province).then_some(cur),
                Some(p) => cur = self.get(p)?,
            }
        }
        None
    }

    /// [`Registry::superior`] in the structure of `date`: a commune's district before
    /// 01/07/2025, its province after.
    pub fn superior_on(&self, code: &UnitCode, date: NaiveDate) -> Option<&Unit> {
        let u = self.get(code)?;
        if u.former.is_empty() {
            return self.superior(code);
        }
        let form = u.as_on(date);
        let parent = form.parent.as_ref().and_then(|p| self.get(p));
        match form.kind {
            UnitKind::Province => None,
            UnitKind::Commune => parent,
            _ => parent.and_then(|p| self.root_of(p)),
        }
    }

    /// Units whose parent is `code`, in display order.
    pub fn children(&self, code: &UnitCode) -> Vec<&Unit> {
        self.units
            .iter()
            .filter(|u| u.parent.as_ref() == Some(code))
            .collect()
    }

    /// True when `code` is `ancestor` or lies below it in any of its forms (a commune that
    /// belonged to a district until 30/06/2025 is within that district). A province unit that
    /// ended lies within its successor. Unknown codes are within nothing, so scope checks fail
    /// closed.
    pub fn is_within(&self, code: &UnitCode, ancestor: &UnitCode) -> bool {
        let Some(start) = self.get(code) else {
            return false;
        };
        if start.former.is_empty() {
            // The common case: one form, one chain.
            let mut cur = Some(start);
            // Chains were checked acyclic; the bound only guards against misuse.
            for _ in 0..=self.units.len() {
                match cur {
                    Some(u) if &u.code == ancestor => return true,
                    Some(u) => cur = self.up(u),
                    None => return false,
                }
            }
            return false;
        }
        let mut todo = vec![start];
        let mut seen = 0usize;
        while let Some(u) = todo.pop() {
            if &u.code == ancestor {
                return true;
            }
            seen += 1;
            if seen > 4 * self.units.len() {
                return false;
            }
            todo.extend(self.up(u));
            todo.extend(
                u.former
                    .iter()
                    .filter_map(|f| f.parent.as_ref().and_then(|p| self.get(p))),
            );
        }
        false
    }

    /// The next unit up from `u` in its current form: its parent, or for a province unit that
    /// ended, its successor.
    fn up(&self, u: &Unit) -> Option<&Unit> {
        match &u.parent {
            Some(p) => self.get(p),
            None if u.valid_to.is_some() => u.successor().and_then(|s| self.get(s)),
            None => None,
        }
    }

    /// The registry as it stood on `date`: every unit in its form of that day (name, kind,
    /// parent), without earlier forms; units that did not exist then are kept with their
    /// validity, so lineage still resolves. The current province stays the registry's province.
    pub fn on(&self, date: NaiveDate) -> Registry {
        if self.units.iter().all(|u| u.former.is_empty()) {
            return self.clone();
        }
        Registry {
            units: self.units.iter().map(|u| u.as_on(date)).collect(),
            ..self.clone()
        }
    }

    /// True when some unit has an earlier form or the registry holds more than one province
    /// unit: it spans a reorganisation.
    pub fn spans_eras(&self) -> bool {
        self.units
            .iter()
            .any(|u| !u.former.is_empty() || (u.kind == UnitKind::Province && u.valid_to.is_some()))
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

    /// The structure in words: "2024", "2025", or "2024, tiếp nối từ 01/07/2025".
    pub fn structure_label(&self) -> String {
        if self.spans_eras() {
            "2024, tiếp nối bằng cơ cấu 2025 từ ngày 01/07/2025".to_string()
        } else {
            self.structure.as_str().to_string()
        }
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
