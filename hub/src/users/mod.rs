//! People's own accounts for the hub's pages (`/reports`): user names, roles, passwords hashed
//! with Argon2id ([`password`]), server-side sessions ([`session`]), the sign-in limiter
//! ([`limit`]) and the operator commands `user …` and `token list` ([`ops`]).
//!
//! A user belongs to one unit of the registry, and the pages show what a device token of that
//! unit would see (the scope rule of [`crate::reports::scope_for`]). Role `viewer` sees the
//! reports of that scope; role `admin` also sees the offices in scope with their devices' last
//! sync (the dashboard's offices table). Device tokens never sign in to the pages: they stay the
//! offices' credential for the API (`Authorization: Bearer`).

pub mod limit;
pub mod ops;
pub mod password;
pub mod session;

use doimoi_shared::ids::UnitCode;
use serde::Deserialize;

/// What a user may see beyond the reports of the unit's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The reports of the unit's scope.
    Viewer,
    /// The reports, and the offices in scope with their devices' last sync.
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match doimoi_shared::text::fold(s.trim()).as_str() {
            "viewer" | "xem" => Some(Role::Viewer),
            "admin" | "quan tri" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Admin => "admin",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Viewer => "xem báo cáo",
            Role::Admin => "quản trị",
        }
    }
}

/// A stored account (without its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub unit: UnitCode,
    pub role: Role,
    /// When the account was created and its password last set (server time, ms).
    pub created_at: i64,
    pub password_at: i64,
}

impl User {
    /// The identity the report layer works with: the user's unit. Its id is the user's,
    /// negated, so that the per-device rate limiter keeps users and devices apart.
    pub fn viewer(&self) -> crate::store::Device {
        crate::store::Device {
            id: -self.id,
            unit: self.unit.clone(),
        }
    }
}

/// The `[accounts]` table of the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountsConfig {
    /// A session unused for this long ends (default 8 hours).
    pub session_idle_secs: u64,
    /// A session ends this long after signing in, used or not (default 7 days).
    pub session_max_secs: u64,
    /// Failed sign-ins in a row for one user name, and from one client address, before the
    /// next attempt must wait.
    pub max_failures_per_name: u32,
    pub max_failures_per_address: u32,
    /// The first wait, doubled at each further failure, up to `max_lockout_secs`.
    pub lockout_secs: u64,
    pub max_lockout_secs: u64,
    /// The session cookie's `Secure` flag: by default set when the hub serves HTTPS itself
    /// (`tls_cert`); set `true` behind a reverse proxy that terminates HTTPS.
    pub secure_cookie: Option<bool>,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        AccountsConfig {
            session_idle_secs: 8 * 3600,
            session_max_secs: 7 * 24 * 3600,
            max_failures_per_name: 5,
            max_failures_per_address: 20,
            lockout_secs: 30,
            max_lockout_secs: 3600,
            secure_cookie: None,
        }
    }
}

/// Longest user name.
pub const MAX_NAME: usize = 64;

/// A user name as stored: trimmed, lower case; ASCII letters, digits and `.`, `_`, `-`, from 2
/// to [`MAX_NAME`] characters, starting with a letter or a digit.
pub fn normalize_name(name: &str) -> Result<String, String> {
    let n = name.trim().to_ascii_lowercase();
    let ok = (2..=MAX_NAME).contains(&n.len())
        && n.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(n)
    } else {
        Err(format!(
            "tên đăng nhập \"{}\" không hợp lệ: chỉ gồm chữ cái không dấu, chữ số và các dấu . _ - (từ 2 đến {MAX_NAME} ký tự, bắt đầu bằng chữ hoặc số), ví dụ nguyen.van.an",
            doimoi_shared::text::escape_controls(name.trim())
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_folded_to_lower_case_and_checked() {
        assert_eq!(
            normalize_name(" Nguyen.Van-An_2 ").as_deref(),
            Ok("nguyen.van-an_2")
        );
        for bad in ["", "a", ".an", "nguyễn", "an an", "x/y", &"a".repeat(65)] {
            let e = normalize_name(bad).expect_err(bad);
            assert!(e.contains("không hợp lệ"), "{e}");
        }
        assert_eq!(Role::parse("Admin"), Some(Role::Admin));
        assert_eq!(Role::parse("quản trị"), Some(Role::Admin));
        assert_eq!(Role::parse("viewer"), Some(Role::Viewer));
        assert_eq!(Role::parse("root"), None);
    }
}
