//! Operator commands, usable while the server runs (they open the same SQLite store):
//! `org show`, `org import`, `token issue`, `token revoke`, `calendar override`, `reindex`
//! (`user …` and `token list` are in [`crate::users::ops`]).

use crate::auth::token_hash;
use crate::store::{keys, Db};
use doimoi_shared::calendar::{Calendar, CalendarOverrides};
use doimoi_shared::ids::UnitCode;
use doimoi_shared::org::diff::Change;
use doimoi_shared::org::Registry;
use std::path::Path;

pub fn org_show(db: &Db, json: bool) -> anyhow::Result<String> {
    let reg = db.registry()?;
    if json {
        let units: Vec<serde_json::Value> = reg.units().iter().map(|u| u.show_json()).collect();
        return Ok(serde_json::to_string_pretty(&units)?);
    }
    let mut s = format!(
        "{} — cơ cấu {} — {} đơn vị\n",
        reg.province_name(),
        reg.structure_label(),
        reg.units().len()
    );
    for u in reg.units() {
        s.push_str(&format!(
            "{:<10} {} [{}]{}\n",
            u.code,
            u.name,
            u.kind.label_vi(),
            u.validity_note()
        ));
    }
    Ok(s)
}

/// A registry read for import, with what it would change.
pub struct ImportPlan {
    registry: Registry,
    /// What the operator reads before confirming.
    pub summary: String,
    /// Whether anything would change at all.
    pub changes: bool,
}

/// Reads a province of an embedded dataset (by name or code; `structure` 2024, 2025 or
/// 2024-2025) or a registry file (JSON), and says what importing it would change: units added,
/// ended, renamed, moved, removed, and the offices whose tokens would stop working.
pub fn org_import_plan(db: &Db, what: &str, structure: &str) -> anyhow::Result<ImportPlan> {
    let reg = if Path::new(what).is_file() {
        let text = std::fs::read_to_string(what)?;
        Registry::from_json(&text)
            .map_err(|e| anyhow::anyhow!("tệp danh mục {what} không hợp lệ: {e}"))?
    } else {
        doimoi_shared::org::embedded_by(structure, what).map_err(|e| anyhow::anyhow!("{e}"))?
    };
    let old = db.registry()?;
    let changes = doimoi_shared::org::diff::diff(&old, &reg);
    let tokens = db.live_tokens_by_unit()?;
    let mut s = format!(
        "Danh mục mới: {} (cơ cấu {}, {} đơn vị) thay cho {} (cơ cấu {}, {} đơn vị).\n",
        reg.province_name(),
        reg.structure_label(),
        reg.units().len(),
        old.province_name(),
        old.structure_label(),
        old.units().len()
    );
    let count = |f: Pick| changes.iter().filter(|c| f(c)).count();
    let groups: [(&str, Pick); 6] = [
        ("Thêm", |c| matches!(c, Change::Added { .. })),
        ("Thôi hoạt động", |c| {
            matches!(c, Change::Ended { .. })
        }),
        ("Đổi đơn vị kế tục", |c| {
            matches!(c, Change::Successor { .. })
        }),
        ("Đổi tên", |c| matches!(c, Change::Renamed { .. })),
        ("Đổi đơn vị cấp trên", |c| {
            matches!(c, Change::Moved { .. })
        }),
        ("Bỏ khỏi danh mục", |c| {
            matches!(c, Change::Removed { .. })
        }),
    ];
    for (title, pick) in groups {
        let n = count(pick);
        if n == 0 {
            continue;
        }
        s.push_str(&format!("\n{title} ({n} đơn vị):\n"));
        for c in changes.iter().filter(|c| pick(c)).take(MAX_LISTED) {
            s.push_str(&format!("  - {c}\n"));
        }
        if n > MAX_LISTED {
            s.push_str(&format!("  … và {} đơn vị khác\n", n - MAX_LISTED));
        }
    }
    let mut stop = Vec::new();
    let mut warned = Vec::new();
    for (unit, n) in &tokens {
        let Ok(code) = UnitCode::parse(unit) else {
            continue;
        };
        let name = old.get(&code).map_or(unit.as_str(), |u| u.name.as_str());
        match changes.iter().find(|c| c.code() == &code) {
            _ if reg.get(&code).is_none() => stop.push(format!("{name} ({unit}): {n} token")),
            Some(
                c @ (Change::Ended { .. } | Change::Successor { .. } | Change::Renamed { .. }),
            ) => warned.push(format!("{name} ({unit}), {n} token: {c}")),
            _ => {}
        }
    }
    if !stop.is_empty() {
        s.push_str(&format!(
            "\nToken của {} văn phòng sẽ KHÔNG còn dùng được (đơn vị không còn trong danh mục):\n",
            stop.len()
        ));
        for line in &stop {
            s.push_str(&format!("  - {line}\n"));
        }
    }
    if !warned.is_empty() {
        s.push_str(&format!(
            "\nToken của {} văn phòng vẫn dùng được; văn phòng được báo ở lần đồng bộ tới:\n",
            warned.len()
        ));
        for line in &warned {
            s.push_str(&format!("  - {line}\n"));
        }
    }
    let any = !changes.is_empty() || old.province_code() != reg.province_code();
    if !any {
        s.push_str("\nKhông có đơn vị nào thay đổi.\n");
    }
    Ok(ImportPlan {
        registry: reg,
        summary: s,
        changes: any,
    })
}

/// Selects one kind of change for a group of an import's summary.
type Pick = fn(&Change) -> bool;

/// Units listed by name per group in an import's summary; the rest are counted.
const MAX_LISTED: usize = 30;

/// Stores the planned registry under a new version (offices receive it on their next sync)
/// and rebuilds the report projection.
pub fn org_import_apply(db: &Db, plan: ImportPlan) -> anyhow::Result<String> {
    let reg = plan.registry;
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
        reg.structure_label(),
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
pub const PROJECTION_VERSION: &str = "3";

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

/// Revokes a token, or every token of a unit. A token the hub never issued, one already
/// revoked, or a unit without a live token is an error (nothing was revoked).
pub fn token_revoke(db: &Db, what: &str) -> anyhow::Result<String> {
    let now = chrono::Utc::now().timestamp_millis();
    let what = what.trim();
    if what.starts_with("dm_") {
        let hash = token_hash(what);
        match db.device(&hash)? {
            None => anyhow::bail!(
                "máy chủ không cấp token này (có thể đã chép sai); xem các token bằng `doimoi-hub token list`"
            ),
            Some((_, true)) => anyhow::bail!("token này đã bị thu hồi từ trước"),
            Some((_, false)) => {}
        }
        let n = db.revoke(Some(&hash), None, now)?;
        if n == 0 {
            anyhow::bail!("token này đã bị thu hồi từ trước");
        }
        return Ok("Đã thu hồi token; thiết bị bị từ chối ngay từ yêu cầu tới.".into());
    }
    let shown = doimoi_shared::text::escape_controls(what);
    let code = UnitCode::parse(what)
        .map_err(|_| anyhow::anyhow!("\"{shown}\" không phải token (dm_…) hay mã đơn vị"))?;
    let n = db.revoke(None, Some(&code), now)?;
    if n == 0 {
        let reg = db.registry()?;
        match reg.get(&code) {
            Some(u) => anyhow::bail!(
                "đơn vị {code} ({}) không có token nào đang hiệu lực; xem các token bằng `doimoi-hub token list`",
                u.name
            ),
            None => anyhow::bail!(
                "không có đơn vị mã \"{code}\" trong danh mục của {} và không có token nào của mã này; xem các token bằng `doimoi-hub token list`",
                reg.province_name()
            ),
        }
    }
    Ok(format!("Đã thu hồi {n} token của đơn vị {code}."))
}

/// Applies the Government's yearly announcement (a JSON file of overrides) to the calendar in
/// force; offices receive it on their next sync.
pub fn calendar_override(db: &Db, file: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("không đọc được tệp {}: {e}", file.display()))?;
    let o: CalendarOverrides = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "tệp {} không đúng định dạng ({e}); dạng đúng: {{\"days_off\":[{{\"date\":\"2027-02-04\",\"name\":\"…\"}}],\"working_days\":[…],\"remove\":[\"2027-09-03\"],\"answer_days\":15}}",
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
    let answer = match (o.answer_days, next.answer_days()) {
        (None, _) => String::new(),
        (Some(_), Some(n)) => {
            format!(" Thời hạn UBND tỉnh trả lời đề xuất được trình: {n} ngày làm việc.")
        }
        (Some(_), None) => " Bỏ thời hạn UBND tỉnh trả lời đề xuất được trình.".to_string(),
    };
    Ok(format!(
        "Đã cập nhật lịch làm việc (phiên bản {version}): {} ngày nghỉ, {} ngày làm bù, {} ngày bỏ.{answer} Các văn phòng nhận ở lần đồng bộ tới.\n{}",
        o.days_off.len(),
        o.working_days.len(),
        o.remove.len(),
        reindex(db)?
    ))
}
