//! The SQL of people's accounts (`account`), their sessions (`session`) and the operator's
//! list of device tokens.

use super::{Db, StoreError};
use crate::users::{Role, User};
use doimoi_shared::ids::UnitCode;
use rusqlite::{params, OptionalExtension, Row};

/// A device token as `doimoi-hub token list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// The device's number (the token's row).
    pub id: i64,
    pub unit: String,
    /// Server time, ms.
    pub issued_at: i64,
    pub last_sync_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A stored session: its user, when it began and when it was last used (server time, ms).
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user: User,
    pub created_at: i64,
    pub seen_at: i64,
}

const USER_COLUMNS: &str = "a.id, a.name, a.unit, a.role, a.created_at, a.password_at";

/// An `account` row read with [`USER_COLUMNS`] from column `at`; `None` when its unit or role
/// no longer parse (then it cannot sign in).
fn user_at(r: &Row<'_>, at: usize) -> rusqlite::Result<Option<User>> {
    let unit: String = r.get(at + 2)?;
    let role: String = r.get(at + 3)?;
    Ok(match (UnitCode::parse(&unit).ok(), Role::parse(&role)) {
        (Some(unit), Some(role)) => Some(User {
            id: r.get(at)?,
            name: r.get(at + 1)?,
            unit,
            role,
            created_at: r.get(at + 4)?,
            password_at: r.get(at + 5)?,
        }),
        _ => None,
    })
}

impl Db {
    /// Adds an account; `false` when the name is taken.
    pub fn add_user(
        &self,
        name: &str,
        unit: &UnitCode,
        role: Role,
        phc: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let n = self.writer().execute(
            "INSERT INTO account(name, unit, role, password, created_at, password_at) VALUES(?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT(name) DO NOTHING",
            params![name, unit.as_str(), role.as_str(), phc, now],
        )?;
        Ok(n > 0)
    }

    /// Every account by name, with the count of its sessions used since `idle_before` and
    /// begun since `begun_before` (ms): those that have not ended.
    pub fn users(
        &self,
        idle_before: i64,
        begun_before: i64,
    ) -> Result<Vec<(User, i64)>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare(&format!(
            "SELECT {USER_COLUMNS}, (SELECT COUNT(*) FROM session s WHERE s.account = a.id AND s.seen_at >= ?1 AND s.created_at >= ?2) FROM account a ORDER BY a.name"
        ))?;
        let rows = stmt.query_map(params![idle_before, begun_before], |r| {
            Ok((user_at(r, 0)?, r.get::<_, i64>(6)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            if let (Some(u), n) = row? {
                out.push((u, n));
            }
        }
        Ok(out)
    }

    /// An account by name, with its password hash.
    pub fn user_by_name(&self, name: &str) -> Result<Option<(User, String)>, StoreError> {
        let found = self
            .reader()
            .query_row(
                &format!("SELECT {USER_COLUMNS}, a.password FROM account a WHERE a.name = ?1"),
                [name],
                |r| Ok((user_at(r, 0)?, r.get::<_, String>(6)?)),
            )
            .optional()?;
        Ok(found.and_then(|(u, phc)| u.map(|u| (u, phc))))
    }

    /// Removes an account and its sessions; `false` when there is none of that name.
    pub fn remove_user(&self, name: &str) -> Result<bool, StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        tx.execute(
            "DELETE FROM session WHERE account IN (SELECT id FROM account WHERE name = ?1)",
            [name],
        )?;
        let n = tx.execute("DELETE FROM account WHERE name = ?1", [name])?;
        tx.commit()?;
        Ok(n > 0)
    }

    /// Sets an account's password and ends its sessions; `false` when there is none of that
    /// name.
    pub fn set_password(&self, name: &str, phc: &str, now: i64) -> Result<bool, StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let n = tx.execute(
            "UPDATE account SET password = ?2, password_at = ?3 WHERE name = ?1",
            params![name, phc, now],
        )?;
        tx.execute(
            "DELETE FROM session WHERE account IN (SELECT id FROM account WHERE name = ?1)",
            [name],
        )?;
        tx.commit()?;
        Ok(n > 0)
    }

    /// Starts a session (stored by the SHA-256 of its cookie) and drops the sessions that
    /// ended: unused since `idle_before` or begun before `begun_before` (ms).
    pub fn add_session(
        &self,
        hash: &str,
        user: i64,
        now: i64,
        idle_before: i64,
        begun_before: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        tx.execute(
            "DELETE FROM session WHERE seen_at < ?1 OR created_at < ?2",
            params![idle_before, begun_before],
        )?;
        tx.execute(
            "INSERT INTO session(hash, account, created_at, seen_at) VALUES(?1, ?2, ?3, ?3)",
            params![hash, user, now],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A session by the SHA-256 of its cookie.
    pub fn session(&self, hash: &str) -> Result<Option<SessionRow>, StoreError> {
        let found = self
            .reader()
            .query_row(
                &format!(
                    "SELECT {USER_COLUMNS}, s.created_at, s.seen_at FROM session s JOIN account a ON a.id = s.account WHERE s.hash = ?1"
                ),
                [hash],
                |r| Ok((user_at(r, 0)?, r.get::<_, i64>(6)?, r.get::<_, i64>(7)?)),
            )
            .optional()?;
        Ok(found.and_then(|(u, created_at, seen_at)| {
            u.map(|user| SessionRow {
                user,
                created_at,
                seen_at,
            })
        }))
    }

    /// Records that a session was used at `now`.
    pub fn touch_session(&self, hash: &str, now: i64) -> Result<(), StoreError> {
        self.writer().execute(
            "UPDATE session SET seen_at = ?2 WHERE hash = ?1 AND seen_at < ?2",
            params![hash, now],
        )?;
        Ok(())
    }

    /// Ends a session; `false` when there was none.
    pub fn delete_session(&self, hash: &str) -> Result<bool, StoreError> {
        Ok(self
            .writer()
            .execute("DELETE FROM session WHERE hash = ?1", [hash])?
            > 0)
    }

    /// Every device token, revoked or not, in issue order.
    pub fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare(
            "SELECT id, unit, issued_at, last_sync_at, revoked_at FROM token ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(TokenRow {
                id: r.get(0)?,
                unit: r.get(1)?,
                issued_at: r.get(2)?,
                last_sync_at: r.get(3)?,
                revoked_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
