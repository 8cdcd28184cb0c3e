//! Operator commands, usable while the server runs (they open the same SQLite store):
//! `org show`, `org import`, `token issue`, `token revoke`, `calendar override`, `reindex`.

use crate::auth::token_hash;
use crate::store::{keys, Db};
use doimoi_shared::calendar::{Calendar, CalendarOverrides};
use doimoi_shared::ids::UnitCode;
use doimoi_shared::org::{Registry, Structure};
use std::path::Path;

pub fn org_show(db: &Db, json: bool) -> anyhow::Result<String> {
    let reg = db.registry()?;
    if json {
        let units: Vec<serde_json::Value> = reg
            .units()
            .iter()
            .map(|u| {
                serde_json::json!({
                    "code": u.code.as_str(),
                    "name": u.name,
                    "kind": u.kind.as_str(),
                    "parent": u.parent.as_ref().map(|p| p.as_str()),
                })
            })
            .collect();
        return Ok(serde_json::to_string_pretty(&units)?);
    }
    let mut s = format!(
        "{} — cơ cấu {} — {} đơn vị\n",
        reg.province_name(),
        reg.structure().as_str(),
        reg.units().len()
    );
    for u in reg.units() {
        s.push_str(&format!(
            "{:<10} {} [{}]\n",
            u.code,
            u.name,
            u.kind.label_vi()
        ));
    }
    Ok(s)
}

/// Imports a province of an embedded dataset (by name or code) or a registry file (JSON).
pub fn org_import(db: &Db, what: &str, structure: &str) -> anyhow::Result<String> {
    let reg = if Path::new(what).is_file() {
        let text = std::fs::read_to_string(what)?;
        Registry::from_json(&text)
            .map_err(|e| anyhow::anyhow!("tệp danh mục {what} không hợp lệ: {e}"))?
    } else {
        let s: Structure = structure.parse().map_err(|_| {
            anyhow::anyhow!("--structure \"{structure}\" không hợp lệ: dùng 2024 hoặc 2025")
        })?;
        Registry::embedded(s, what).map_err(|e| anyhow::anyhow!("{e}"))?
    };
    let version: u32 = db
        .get_meta(keys::REGISTRY_VERSION)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        + 1;
    let json = reg.to_json();
    let v = version.to_string();
    let mut pairs = vec![
        (keys::REGISTRY, json.as_str()),
        (keys::REGISTRY_VERSION, v.as_str()),
    ];
    let cal;
    if db.get_meta(keys::CALENDAR)?.is_none() {
        cal = Calendar::embedded_default().to_json();
        pairs.push((keys::CALENDAR, cal.as_str()));
    }
    db.set_meta(&pairs)?;
    Ok(format!(
        "Đã nhập danh mục {} (cơ cấu {}, {} đơn vị), phiên bản {version}. Các văn phòng nhận ở lần đồng bộ tới.\n{}",
        reg.province_name(),
        reg.structure().as_str(),
        reg.units().len(),
        reindex(db)?
    ))
}

/// Rebuilds the report projection from the documents (`doimoi-hub reindex`; also after the
/// registry or the calendar changed, since statuses and deadlines depend on them).
pub fn reindex(db: &Db) -> anyhow::Result<String> {
    let started = std::time::Instant::now();
    let n = crate::store::projection::reindex(db, &db.registry()?, &db.calendar()?)?;
    db.set_meta(&[(keys::PROJECTION_VERSION, PROJECTION_VERSION)])?;
    Ok(format!(
        "Đã dựng lại bảng số liệu báo cáo từ {n} tài liệu trong {:.1} giây.",
        started.elapsed().as_secs_f64()
    ))
}

/// Version of the report projection's rows: a store built with another is reindexed.
pub const PROJECTION_VERSION: &str = "1";

/// Reindexes when the store's projection was built with another version (or never).
pub fn ensure_projection(db: &Db) -> anyhow::Result<Option<String>> {
    if db.get_meta(keys::PROJECTION_VERSION)?.as_deref() == Some(PROJECTION_VERSION) {
        return Ok(None);
    }
    let msg = reindex(db)?;
    Ok(Some(msg))
}

/// Issues a new token for one device of `unit`; returns it (shown once, stored hashed).
pub fn token_issue(db: &Db, unit: &str) -> anyhow::Result<(String, UnitCode)> {
    let reg = db.registry()?;
    let code = UnitCode::parse(unit).map_err(|e| anyhow::anyhow!("{e}"))?;
    if reg.get(&code).is_none() {
        anyhow::bail!(
            "không có đơn vị mã \"{code}\" trong danh mục của {}; xem mã bằng `doimoi-hub org show`",
            reg.province_name()
        );
    }
    let raw = format!(
        "dm_{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    db.add_token(
        &token_hash(&raw),
        &code,
        chrono::Utc::now().timestamp_millis(),
    )?;
    Ok((raw, code))
}

/// Revokes a token, or every token of a unit.
pub fn token_revoke(db: &Db, what: &str) -> anyhow::Result<String> {
    let now = chrono::Utc::now().timestamp_millis();
    if what.starts_with("dm_") {
        let n = db.revoke(Some(&token_hash(what)), None, now)?;
        if n == 0 {
            anyhow::bail!("không có token đang hiệu lực như vậy");
        }
        return Ok("Đã thu hồi token; thiết bị bị từ chối ngay từ yêu cầu tới.".into());
    }
    let code = UnitCode::parse(what)
        .map_err(|_| anyhow::anyhow!("\"{what}\" không phải token (dm_…) hay mã đơn vị"))?;
    let n = db.revoke(None, Some(&code), now)?;
    Ok(format!("Đã thu hồi {n} token của đơn vị {code}."))
}

/// Applies the Government's yearly announcement (a JSON file of overrides) to the calendar in
/// force; offices receive it on their next sync.
pub fn calendar_override(db: &Db, file: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("không đọc được tệp {}: {e}", file.display()))?;
    let o: CalendarOverrides = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "tệp {} không đúng định dạng ({e}); dạng đúng: {{\"days_off\":[{{\"date\":\"2027-02-04\",\"name\":\"…\"}}],\"working_days\":[…],\"remove\":[\"2027-09-03\"]}}",
            file.display()
        )
    })?;
    let current = db.calendar()?;
    let next = current.with_overrides(&o);
    let version: u32 = db
        .get_meta(keys::CALENDAR_VERSION)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        + 1;
    let json = next.to_json();
    let v = version.to_string();
    db.set_meta(&[
        (keys::CALENDAR, json.as_str()),
        (keys::CALENDAR_VERSION, v.as_str()),
    ])?;
    Ok(format!(
        "Đã cập nhật lịch làm việc (phiên bản {version}): {} ngày nghỉ, {} ngày làm bù, {} ngày bỏ. Các văn phòng nhận ở lần đồng bộ tới.\n{}",
        o.days_off.len(),
        o.working_days.len(),
        o.remove.len(),
        reindex(db)?
    ))
}
