//! Operator commands for people's accounts (`user add|list|remove|passwd`) and the list of
//! device tokens (`token list`). Like the other operator commands they open the store
//! directly and work while the server runs.

use super::{normalize_name, password, Role};
use crate::store::Db;
use doimoi_shared::ids::UnitCode;
use doimoi_shared::org::Registry;
use doimoi_shared::text::escape_controls;

/// The system clock, ms.
fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A server time (ms) as people in Vietnam read it: `07/12/2026 14:05`.
pub fn time_vi(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&doimoi_shared::time::vietnam())
                .format("%d/%m/%Y %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// A server time (ms) as RFC 3339 (+07:00), for `--json`.
fn time_json(ms: i64) -> serde_json::Value {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| {
            serde_json::Value::from(
                t.with_timezone(&doimoi_shared::time::vietnam())
                    .to_rfc3339(),
            )
        })
        .unwrap_or(serde_json::Value::Null)
}

fn unit_name(reg: &Registry, code: &str) -> Option<String> {
    UnitCode::parse(code)
        .ok()
        .and_then(|c| reg.get(&c).map(|u| u.name.clone()))
}

/// An account to create, checked ([`user_new`]) before its password is asked.
pub struct NewUser {
    name: String,
    unit: UnitCode,
    role: Role,
}

/// Checks the name (well formed, not taken), the role and the unit (in the registry).
pub fn user_new(db: &Db, name: &str, unit: &str, role: &str) -> anyhow::Result<NewUser> {
    let name = normalize_name(name).map_err(anyhow::Error::msg)?;
    let role = Role::parse(role).ok_or_else(|| {
        anyhow::anyhow!(
            "vai trò \"{}\" không hợp lệ: dùng viewer (xem báo cáo) hoặc admin (quản trị)",
            escape_controls(role)
        )
    })?;
    let reg = db.registry()?;
    let unit = UnitCode::parse(unit.trim())
        .ok()
        .filter(|c| reg.get(c).is_some())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "không có đơn vị mã \"{}\" trong danh mục của {}; xem mã bằng `doimoi-hub org show`",
                escape_controls(unit.trim()),
                reg.province_name()
            )
        })?;
    if db.user_by_name(&name)?.is_some() {
        anyhow::bail!(
            "đã có tài khoản \"{name}\"; đổi mật khẩu bằng `doimoi-hub user passwd {name}`, hoặc xóa bằng `doimoi-hub user remove {name}`"
        );
    }
    Ok(NewUser { name, unit, role })
}

/// Creates a checked account with `password` (checked for strength).
pub fn user_create(db: &Db, new: NewUser, password: &str) -> anyhow::Result<String> {
    let NewUser { name, unit, role } = new;
    password::check_strength(&name, password).map_err(anyhow::Error::msg)?;
    let phc = password::hash(password).map_err(anyhow::Error::msg)?;
    if !db.add_user(&name, &unit, role, &phc, now_ms())? {
        anyhow::bail!("đã có tài khoản \"{name}\"");
    }
    let reg = db.registry()?;
    let unit_name = reg.get(&unit).map_or(unit.to_string(), |u| u.name.clone());
    Ok(format!(
        "Đã tạo tài khoản \"{name}\" ({}) của {unit_name} ({unit}); đăng nhập tại trang /reports của máy chủ.",
        role.label_vi()
    ))
}

/// Adds an account of `unit` with `role` and `password`.
pub fn user_add(
    db: &Db,
    name: &str,
    unit: &str,
    role: &str,
    password: &str,
) -> anyhow::Result<String> {
    user_create(db, user_new(db, name, unit, role)?, password)
}

/// Every account: name, unit, role, created, password set, sessions that have not ended (by
/// the session limits of `accounts`).
pub fn user_list(db: &Db, accounts: &super::AccountsConfig, json: bool) -> anyhow::Result<String> {
    let reg = db.registry()?;
    let now = now_ms();
    let ms = |s: u64| i64::try_from(s.saturating_mul(1000)).unwrap_or(i64::MAX);
    let users = db.users(
        now.saturating_sub(ms(accounts.session_idle_secs)),
        now.saturating_sub(ms(accounts.session_max_secs)),
    )?;
    if json {
        let rows: Vec<serde_json::Value> = users
            .iter()
            .map(|(u, sessions)| {
                serde_json::json!({
                    "name": u.name,
                    "unit": u.unit.as_str(),
                    "unit_name": unit_name(&reg, u.unit.as_str()),
                    "role": u.role.as_str(),
                    "created_at": time_json(u.created_at),
                    "password_at": time_json(u.password_at),
                    "sessions": sessions,
                })
            })
            .collect();
        return Ok(serde_json::to_string_pretty(&rows)? + "\n");
    }
    if users.is_empty() {
        return Ok("Chưa có tài khoản nào; tạo bằng `doimoi-hub user add TÊN --unit MÃ --role viewer|admin`.\n".into());
    }
    let mut s = format!("{} tài khoản:\n", users.len());
    for (u, sessions) in &users {
        s.push_str(&format!(
            "{:<20} {:<10} {} [{}] · tạo {} · đổi mật khẩu {} · {} phiên đang mở\n",
            u.name,
            u.unit.as_str(),
            unit_name(&reg, u.unit.as_str()).unwrap_or_else(|| "(không còn trong danh mục)".into()),
            u.role.label_vi(),
            time_vi(u.created_at),
            time_vi(u.password_at),
            sessions
        ));
    }
    Ok(s)
}

/// Removes an account; its sessions end at once.
pub fn user_remove(db: &Db, name: &str) -> anyhow::Result<String> {
    let name = normalize_name(name).map_err(anyhow::Error::msg)?;
    if !db.remove_user(&name)? {
        anyhow::bail!("không có tài khoản \"{name}\"; xem danh sách bằng `doimoi-hub user list`");
    }
    Ok(format!(
        "Đã xóa tài khoản \"{name}\"; các phiên đăng nhập của tài khoản kết thúc ngay."
    ))
}

/// The stored form of `name` when there is such an account; an error otherwise.
pub fn user_exists(db: &Db, name: &str) -> anyhow::Result<String> {
    let name = normalize_name(name).map_err(anyhow::Error::msg)?;
    if db.user_by_name(&name)?.is_none() {
        anyhow::bail!("không có tài khoản \"{name}\"; xem danh sách bằng `doimoi-hub user list`");
    }
    Ok(name)
}

/// Sets an account's password; its sessions end at once.
pub fn user_passwd(db: &Db, name: &str, password: &str) -> anyhow::Result<String> {
    let name = user_exists(db, name)?;
    password::check_strength(&name, password).map_err(anyhow::Error::msg)?;
    let phc = password::hash(password).map_err(anyhow::Error::msg)?;
    if !db.set_password(&name, &phc, now_ms())? {
        anyhow::bail!("không có tài khoản \"{name}\"");
    }
    Ok(format!(
        "Đã đổi mật khẩu của \"{name}\"; các phiên đăng nhập cũ của tài khoản kết thúc ngay."
    ))
}

/// Every device token: the office (code and name), the device's number, when it was issued,
/// its last sync, and whether it was revoked.
pub fn token_list(db: &Db, json: bool) -> anyhow::Result<String> {
    let reg = db.registry()?;
    let tokens = db.tokens()?;
    if json {
        let rows: Vec<serde_json::Value> = tokens
            .iter()
            .map(|t| {
                serde_json::json!({
                    "device": t.id,
                    "unit": t.unit,
                    "unit_name": unit_name(&reg, &t.unit),
                    "issued_at": time_json(t.issued_at),
                    "last_sync_at": t.last_sync_at.map_or(serde_json::Value::Null, time_json),
                    "revoked": t.revoked_at.is_some(),
                    "revoked_at": t.revoked_at.map_or(serde_json::Value::Null, time_json),
                })
            })
            .collect();
        return Ok(serde_json::to_string_pretty(&rows)? + "\n");
    }
    if tokens.is_empty() {
        return Ok("Chưa cấp token nào; cấp bằng `doimoi-hub token issue MÃ_ĐƠN_VỊ`.\n".into());
    }
    let live = tokens.iter().filter(|t| t.revoked_at.is_none()).count();
    let mut s = format!(
        "{} token ({} đang dùng, {} đã thu hồi):\n{:<9} {:<40} {:<17} {:<17} {}\n",
        tokens.len(),
        live,
        tokens.len() - live,
        "Thiết bị",
        "Văn phòng",
        "Cấp lúc",
        "Đồng bộ lần cuối",
        "Tình trạng"
    );
    for t in &tokens {
        let office = format!(
            "{} {}",
            t.unit,
            unit_name(&reg, &t.unit).unwrap_or_else(|| "(không còn trong danh mục)".into())
        );
        s.push_str(&format!(
            "{:<9} {:<40} {:<17} {:<17} {}\n",
            t.id,
            office,
            time_vi(t.issued_at),
            t.last_sync_at
                .map_or_else(|| "chưa đồng bộ".to_string(), time_vi),
            t.revoked_at.map_or_else(
                || "đang dùng".to_string(),
                |at| format!("đã thu hồi {}", time_vi(at))
            ),
        ));
    }
    Ok(s)
}

/// Reads a new password: on a terminal asked twice without echo (unless `from_stdin`),
/// otherwise the first line of standard input.
pub fn read_new_password(from_stdin: bool) -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal, Write};
    let stdin = std::io::stdin();
    if from_stdin || !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        let p = line.trim_end_matches(['\n', '\r']).to_string();
        if p.is_empty() {
            anyhow::bail!("không đọc được mật khẩu từ đầu vào chuẩn (dòng đầu tiên trống)");
        }
        return Ok(p);
    }
    let ask = |prompt: &str| -> anyhow::Result<String> {
        eprint!("{prompt}");
        std::io::stderr().flush()?;
        let line = read_hidden_line()?;
        Ok(line.trim_end_matches(['\n', '\r']).to_string())
    };
    let first = ask("Mật khẩu mới: ")?;
    let second = ask("Nhập lại mật khẩu: ")?;
    if first != second {
        anyhow::bail!("hai lần nhập mật khẩu không giống nhau; không có gì thay đổi");
    }
    Ok(first)
}

/// One line from the terminal with its echo off (restored afterwards).
fn read_hidden_line() -> anyhow::Result<String> {
    use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions};
    use std::io::BufRead;
    let stdin = std::io::stdin();
    let before = tcgetattr(&stdin).ok();
    if let Some(t) = &before {
        let mut quiet = t.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        quiet.local_modes.insert(LocalModes::ECHONL);
        let _ = tcsetattr(&stdin, OptionalActions::Now, &quiet);
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if let Some(t) = &before {
        let _ = tcsetattr(&stdin, OptionalActions::Now, t);
    }
    read?;
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_in_vietnam() {
        // 2026-12-07T07:05:00Z is 14:05 in Hà Nội.
        assert_eq!(time_vi(1_796_627_100_000), "07/12/2026 14:05");
    }
}
