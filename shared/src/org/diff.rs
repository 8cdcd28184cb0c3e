//! What replacing one registry by another changes, unit by unit: shown to the hub operator
//! before an import (`doimoi-hub org import`) and to offices whose unit changed.

use super::{Registry, Unit};
use crate::ids::UnitCode;
use chrono::{Duration, NaiveDate};
use std::fmt;

/// One unit's change between two registries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// In the new registry only.
    Added { code: UnitCode, name: String },
    /// In the old registry only: documents of the unit can no longer be placed, and tokens of
    /// its offices stop working.
    Removed { code: UnitCode, name: String },
    /// Still listed, but now ends on `last_day`; `successor` carries its work on, if known.
    Ended {
        code: UnitCode,
        name: String,
        last_day: NaiveDate,
        successor: Option<(UnitCode, String)>,
    },
    /// The same end, but a new record of where the unit's work went (the operator recorded a
    /// merger the dataset does not know).
    Successor {
        code: UnitCode,
        name: String,
        successor: Option<(UnitCode, String)>,
    },
    /// A new current name.
    Renamed {
        code: UnitCode,
        from: String,
        to: String,
    },
    /// A new current parent.
    Moved {
        code: UnitCode,
        name: String,
        from: Option<String>,
        to: Option<String>,
    },
}

impl Change {
    pub fn code(&self) -> &UnitCode {
        match self {
            Change::Added { code, .. }
            | Change::Removed { code, .. }
            | Change::Ended { code, .. }
            | Change::Successor { code, .. }
            | Change::Renamed { code, .. }
            | Change::Moved { code, .. } => code,
        }
    }
}

/// `dd/mm/yyyy`.
pub fn vn_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Added { code, name } => write!(f, "thêm {name} ({code})"),
            Change::Removed { code, name } => {
                write!(f, "bỏ {name} ({code}) khỏi danh mục")
            }
            Change::Ended {
                code,
                name,
                last_day,
                successor,
            } => {
                let from = vn_date(*last_day + Duration::days(1));
                match successor {
                    Some((s, sname)) => write!(
                        f,
                        "{name} ({code}) thôi hoạt động từ ngày {from}, công việc chuyển cho {sname} ({s})"
                    ),
                    None => write!(f, "{name} ({code}) thôi hoạt động từ ngày {from}"),
                }
            }
            Change::Successor {
                code,
                name,
                successor,
            } => match successor {
                Some((s, sname)) => {
                    write!(f, "{name} ({code}): công việc chuyển cho {sname} ({s})")
                }
                None => write!(f, "{name} ({code}): không còn ghi đơn vị kế tục"),
            },
            Change::Renamed { code, from, to } => {
                write!(f, "{from} ({code}) đổi tên thành {to}")
            }
            Change::Moved {
                code,
                name,
                from,
                to,
            } => write!(
                f,
                "{name} ({code}) chuyển từ {} sang {}",
                from.as_deref().unwrap_or("(không có cấp trên)"),
                to.as_deref().unwrap_or("(không có cấp trên)")
            ),
        }
    }
}

/// The changes from `old` to `new`, in `old`'s display order then the added units in
/// `new`'s order.
pub fn diff(old: &Registry, new: &Registry) -> Vec<Change> {
    let name_of = |r: &Registry, c: &Option<UnitCode>| {
        c.as_ref()
            .map(|c| r.get(c).map_or_else(|| c.to_string(), |u| u.name.clone()))
    };
    let mut out = Vec::new();
    for o in old.units() {
        let Some(n) = new.get(&o.code) else {
            out.push(Change::Removed {
                code: o.code.clone(),
                name: o.name.clone(),
            });
            continue;
        };
        if let Some(last_day) = n.valid_to.filter(|_| n.valid_to != o.valid_to) {
            out.push(Change::Ended {
                code: n.code.clone(),
                name: o.name.clone(),
                last_day,
                successor: successor(new, n),
            });
        } else if n.lineage != o.lineage {
            out.push(Change::Successor {
                code: n.code.clone(),
                name: n.name.clone(),
                successor: successor(new, n),
            });
        }
        if n.name != o.name {
            out.push(Change::Renamed {
                code: n.code.clone(),
                from: o.name.clone(),
                to: n.name.clone(),
            });
        }
        if n.parent != o.parent {
            out.push(Change::Moved {
                code: n.code.clone(),
                name: n.name.clone(),
                from: name_of(old, &o.parent),
                to: name_of(new, &n.parent),
            });
        }
    }
    for n in new.units() {
        if old.get(&n.code).is_none() {
            out.push(Change::Added {
                code: n.code.clone(),
                name: n.name.clone(),
            });
        }
    }
    out
}

/// The unit that carries `u`'s work on in `r`, following lineage to the end.
pub fn successor(r: &Registry, u: &Unit) -> Option<(UnitCode, String)> {
    let mut cur = u;
    let mut found = None;
    for _ in 0..32 {
        let Some(next) = cur.successor().and_then(|s| r.get(s)) else {
            break;
        };
        found = Some((next.code.clone(), next.name.clone()));
        cur = next;
    }
    found
}

/// What became of `unit` by `today` in `r`, in one sentence for its office: renamed, merged
/// or ended. `None` while it exists under the name the office knew (`known_name`).
pub fn notice_for(
    r: &Registry,
    unit: &UnitCode,
    known_name: &str,
    today: NaiveDate,
) -> Option<String> {
    let Some(u) = r.get(unit) else {
        return Some(format!(
            "Đơn vị {known_name} ({unit}) không còn trong danh mục đơn vị của máy chủ; liên hệ người quản trị máy chủ (Sở Nội vụ)."
        ));
    };
    if let Some(last) = u.valid_to.filter(|t| *t < today) {
        let from = vn_date(last + Duration::days(1));
        return Some(match successor(r, u) {
            Some((s, name)) => format!(
                "Đơn vị {} ({unit}) đã thôi hoạt động từ ngày {from}; công việc do {name} ({s}) tiếp tục. Hồ sơ cũ vẫn được giữ; hồ sơ mới nên do {name} ({s}) ghi.",
                u.name
            ),
            None => format!(
                "Đơn vị {} ({unit}) đã thôi hoạt động từ ngày {from}; danh mục không ghi đơn vị kế tục. Hồ sơ cũ vẫn được giữ; hãy hỏi người quản trị máy chủ trước khi ghi hồ sơ mới.",
                u.name
            ),
        });
    }
    if u.name != known_name {
        return Some(format!(
            "Đơn vị {known_name} ({unit}) nay mang tên {}; hồ sơ và token của văn phòng vẫn dùng được như trước.",
            u.name
        ));
    }
    None
}
