//! The hub's SQLite store: the only code that speaks SQL (this module, and the report
//! projection's tables in [`projection`]).
//!
//! WAL mode, `synchronous=FULL`, append-only migrations by `PRAGMA user_version`.
//! - `doc` + `doc_change`: each document as a snapshot plus incremental change chunks
//!   (compacted in the background, [`Db::compact_some`]).
//! - `feed`: one row per document, moved to a new `seq` whenever it changes; clients page
//!   through it by cursor, so "nothing new" is one indexed query and never loads a document.
//! - `token`: device tokens, stored only as SHA-256, with when each device last synced.
//! - `account`, `session`: people's accounts for the hub's pages (Argon2id password hashes)
//!   and their sessions (SHA-256 of the cookie only); SQL in [`users`].
//! - `actor_binding`: Automerge actor → the office that first sent it.
//! - `heads_log`: the hub's heads of a document at every accepted change, with server time
//!   (for "as of" reports).
//! - `meta`: registry and calendar in force, with versions.
//! - `proj_proposal`, `proj_event`, `proj_unit_year`: the report projection, written in the
//!   same transaction as each merge; [`projection`] holds their SQL.
//! - `blob_ref`: the attachment blobs each document references, written with each merge;
//!   [`blobs`] holds its SQL.

pub mod blobs;
pub mod projection;
pub mod users;

use automerge::{ActorId, Automerge, ChangeHash};
use doimoi_shared::calendar::Calendar;
use doimoi_shared::ids::UnitCode;
use doimoi_shared::org::Registry;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

const MIGRATIONS: &[&str] = &[
    r#"
    CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE doc(
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        unit TEXT NOT NULL,
        snapshot BLOB NOT NULL,
        heads BLOB NOT NULL,
        chunks INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE doc_change(
        doc_id TEXT NOT NULL REFERENCES doc(id) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        bytes BLOB NOT NULL,
        PRIMARY KEY(doc_id, n)
    );
    CREATE TABLE feed(
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        doc_id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        unit TEXT NOT NULL,
        heads BLOB NOT NULL
    );
    CREATE INDEX feed_unit_seq ON feed(unit, seq);
    CREATE TABLE token(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        hash TEXT NOT NULL UNIQUE,
        unit TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        revoked_at INTEGER
    );
    CREATE INDEX token_unit ON token(unit);
    CREATE TABLE actor_binding(
        actor BLOB PRIMARY KEY,
        unit TEXT NOT NULL,
        device INTEGER NOT NULL,
        bound_at INTEGER NOT NULL
    );
    CREATE TABLE heads_log(
        doc_id TEXT NOT NULL,
        accepted_at INTEGER NOT NULL,
        device INTEGER NOT NULL,
        heads BLOB NOT NULL
    );
    CREATE INDEX heads_log_doc ON heads_log(doc_id, accepted_at);
"#,
    r#"
    CREATE TABLE proj_proposal(
        doc_id TEXT PRIMARY KEY,
        unit TEXT NOT NULL,
        submitted TEXT,
        last_day TEXT,
        status TEXT NOT NULL,
        row BLOB NOT NULL
    );
    CREATE INDEX proj_proposal_unit ON proj_proposal(unit);
    CREATE TABLE proj_event(
        doc_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        day TEXT NOT NULL,
        unit TEXT NOT NULL,
        PRIMARY KEY(doc_id, event_id, kind)
    );
    CREATE INDEX proj_event_day ON proj_event(day);
    CREATE TABLE proj_unit_year(
        doc_id TEXT PRIMARY KEY,
        unit TEXT NOT NULL,
        year INTEGER NOT NULL,
        row TEXT NOT NULL
    );
    CREATE INDEX proj_unit_year_unit ON proj_unit_year(unit);
"#,
    // When each device last synced (server time, ms), for the dashboard's list of offices.
    r#"
    ALTER TABLE token ADD COLUMN last_sync_at INTEGER;
"#,
    // Which documents reference which attachment blobs (`blobs.rs`), for the blob endpoints'
    // authorization; filled by each merge and by the projection's rebuild.
    r#"
    CREATE TABLE blob_ref(
        sha256 TEXT NOT NULL,
        doc_id TEXT NOT NULL,
        unit TEXT NOT NULL,
        size INTEGER NOT NULL,
        PRIMARY KEY(sha256, doc_id, size)
    ) WITHOUT ROWID;
"#,
    // People's accounts for the hub's pages and their sessions ([`users`]).
    r#"
    CREATE TABLE account(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        unit TEXT NOT NULL,
        role TEXT NOT NULL,
        password TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        password_at INTEGER NOT NULL
    );
    CREATE TABLE session(
        hash TEXT PRIMARY KEY,
        account INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        seen_at INTEGER NOT NULL
    );
    CREATE INDEX session_account ON session(account);
"#,
    // Documents packed at rest (`doimoi_shared::stored`): nothing to change in the tables (bytes
    // written before are read as they are), but a hub binary from before cannot read the packed
    // ones, so the store's version moves on and such a binary refuses the store as too new
    // instead of failing on each document.
    r#"
    CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
"#,
];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("không mở được kho dữ liệu {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("kho dữ liệu {0} do phiên bản doimoi-hub mới hơn tạo (lược đồ {1}); hãy cập nhật doimoi-hub")]
    TooNew(PathBuf, i64),
    #[error("lỗi cơ sở dữ liệu: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("tài liệu {0} trong kho bị hỏng: {1}")]
    Corrupt(String, String),
    #[error("không tạo được thư mục dữ liệu {0}: {1}")]
    Dir(PathBuf, std::io::Error),
    #[error("{what} trong kho không đọc được ({detail}); nhập lại bằng `doimoi-hub org import` hoặc `doimoi-hub calendar override`")]
    Setting { what: &'static str, detail: String },
}

impl StoreError {
    /// The disk (or the store's quota) is full: nothing was written, and writes resume once
    /// there is room.
    pub fn is_full(&self) -> bool {
        match self {
            StoreError::Sql(rusqlite::Error::SqliteFailure(e, _))
            | StoreError::Open {
                source: rusqlite::Error::SqliteFailure(e, _),
                ..
            } => e.code == rusqlite::ErrorCode::DiskFull,
            StoreError::Dir(_, e) => e.kind() == std::io::ErrorKind::StorageFull,
            _ => false,
        }
    }
}

/// Settings keys in the `meta` table.
pub mod keys {
    pub const REGISTRY: &str = "registry";
    pub const REGISTRY_VERSION: &str = "registry_version";
    pub const CALENDAR: &str = "calendar";
    pub const CALENDAR_VERSION: &str = "calendar_version";
    /// Version of the report projection the tables were built with.
    pub const PROJECTION_VERSION: &str = "projection_version";
    /// Random; new when the store is restored from a backup (sent in every sync answer).
    pub const STORE_EPOCH: &str = "store_epoch";
}

fn open_conn(path: &Path) -> Result<Connection, StoreError> {
    let wrap = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let conn = Connection::open(path).map_err(wrap)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(wrap)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(wrap)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(wrap)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(wrap)?;
    // After a burst of pushes the WAL is cut back to this size at the next checkpoint instead
    // of staying at its peak (see also `Db::checkpoint`).
    conn.pragma_update(None, "journal_size_limit", 4 * 1024 * 1024)
        .map_err(wrap)?;
    // Room for every statement a push's commit and the lookups run (rusqlite keeps 16), so
    // none is parsed again per document.
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// One writer connection and a few readers.
pub struct Db {
    write: Mutex<Connection>,
    reads: Vec<Mutex<Connection>>,
    next: AtomicUsize,
    pub path: PathBuf,
}

/// A token's owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: i64,
    pub unit: UnitCode,
}

/// A device token's activity, for the dashboard's list of offices ([`Db::device_activity`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceActivity {
    pub id: i64,
    pub unit: String,
    /// When the token was issued (server time, ms).
    pub issued_at: i64,
    /// The device's last authenticated sync (server time, ms, to the minute), if any.
    pub last_sync_at: Option<i64>,
}

/// A feed row.
#[derive(Debug, Clone)]
pub struct FeedRow {
    pub seq: i64,
    pub doc_id: String,
    pub kind: String,
    pub unit: String,
    pub heads: Vec<u8>,
}

/// What one accepted push writes.
pub struct DocWrite<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub unit: &'a str,
    pub doc: &'a Automerge,
    /// Heads before the merge; `None` for a document new to the hub.
    pub before: Option<&'a [ChangeHash]>,
    pub bind: Vec<ActorId>,
    /// The document's report projection after the merge.
    pub proj: &'a crate::projection::Projected,
    /// For a new document: its bytes as received when they are one saved document chunk that
    /// loads as `doc` (stored as the snapshot instead of saving `doc` again).
    pub snapshot: Option<&'a [u8]>,
    /// For a stored document: the changes since `before` as received, when they are exactly
    /// those (stored as the new chunk instead of encoding them again).
    pub changes: Option<&'a [u8]>,
}

/// A stored document's bytes and heads ([`Db::whole_bytes`]).
pub type WholeSnapshot = (Vec<u8>, Vec<u8>);

pub use doimoi_shared::heads::encode as encode_heads;

/// Stored Automerge bytes unpacked ([`doimoi_shared::stored`]); damage names the document.
fn unpack(id: &str, stored: &[u8]) -> Result<Vec<u8>, StoreError> {
    doimoi_shared::stored::unpack(stored)
        .map(std::borrow::Cow::into_owned)
        .map_err(|e| StoreError::Corrupt(id.to_string(), e.to_string()))
}

/// A document's change chunks, unpacked and concatenated in order.
fn chunks_of(conn: &Connection, id: &str) -> Result<Vec<u8>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT bytes FROM doc_change WHERE doc_id = ?1 ORDER BY n")?;
    let mut all = Vec::new();
    for c in stmt.query_map([id], |r| r.get::<_, Vec<u8>>(0))? {
        all.extend_from_slice(&unpack(id, &c?)?);
    }
    Ok(all)
}

pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves SQLite consistent (transactions roll back).
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Db {
    pub fn open(dir: &Path, readers: usize) -> Result<Db, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Dir(dir.to_path_buf(), e))?;
        let path = dir.join("hub.db");
        let mut conn = open_conn(&path)?;
        // Migrate under the write lock, re-reading the version inside it: another process
        // (the server and an operator command) may be opening the same store.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
        if version > known {
            return Err(StoreError::TooNew(path, version));
        }
        for (i, m) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            tx.execute_batch(m)?;
            tx.pragma_update(None, "user_version", i + 1)?;
        }
        tx.commit()?;
        let mut reads = Vec::new();
        for _ in 0..readers.max(1) {
            reads.push(Mutex::new(open_conn(&path)?));
        }
        Ok(Db {
            write: Mutex::new(conn),
            reads,
            next: AtomicUsize::new(0),
            path,
        })
    }

    pub(crate) fn reader(&self) -> std::sync::MutexGuard<'_, Connection> {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.reads.len();
        lock(&self.reads[i])
    }

    pub fn writer(&self) -> std::sync::MutexGuard<'_, Connection> {
        lock(&self.write)
    }

    /// Caps the store's size at about `bytes` (SQLite's `max_page_count`): past it a write
    /// fails as on a full disk ([`StoreError::is_full`]). `None` lifts the cap.
    pub fn set_quota(&self, bytes: Option<u64>) -> Result<(), StoreError> {
        let conn = self.writer();
        let page: i64 = conn.pragma_query_value(None, "page_size", |r| r.get(0))?;
        let pages = match bytes {
            Some(b) => i64::try_from(b).unwrap_or(i64::MAX) / page.max(512),
            None => 4_294_967_294,
        };
        conn.pragma_update(None, "max_page_count", pages.max(1))?;
        Ok(())
    }

    // ---- settings ----

    pub fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .reader()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_meta(&self, pairs: &[(&str, &str)]) -> Result<(), StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        for (k, v) in pairs {
            tx.execute(
                "INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![k, v],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A version number kept in `meta` (1 when never set).
    fn version(&self, key: &str) -> Result<u32, StoreError> {
        Ok(self
            .get_meta(key)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(1))
    }

    /// The version of the registry in force (cheap: read on every sync).
    pub fn registry_version(&self) -> Result<u32, StoreError> {
        self.version(keys::REGISTRY_VERSION)
    }

    /// The registry in force: the one imported by the operator, or the embedded default.
    pub fn registry(&self) -> Result<Registry, StoreError> {
        match self.get_meta(keys::REGISTRY)? {
            Some(json) => Registry::from_json(&json).map_err(|e| StoreError::Setting {
                what: "danh mục đơn vị",
                detail: e.to_string(),
            }),
            None => Ok(Registry::embedded_default()),
        }
    }

    /// The version of the calendar in force (cheap: read on every sync).
    pub fn calendar_version(&self) -> Result<u32, StoreError> {
        self.version(keys::CALENDAR_VERSION)
    }

    /// The calendar in force, as JSON.
    pub fn calendar_json(&self) -> Result<String, StoreError> {
        Ok(match self.get_meta(keys::CALENDAR)? {
            Some(j) => j,
            None => Calendar::embedded_default().to_json(),
        })
    }

    /// The calendar in force: the operator's, or the embedded default.
    pub fn calendar(&self) -> Result<Calendar, StoreError> {
        Calendar::from_json(&self.calendar_json()?).map_err(|e| StoreError::Setting {
            what: "lịch làm việc",
            detail: e.to_string(),
        })
    }

    // ---- tokens ----

    pub fn add_token(&self, hash: &str, unit: &UnitCode, now: i64) -> Result<i64, StoreError> {
        let conn = self.writer();
        conn.execute(
            "INSERT INTO token(hash, unit, issued_at) VALUES(?1, ?2, ?3)",
            params![hash, unit.as_str(), now],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// Revokes one token by hash, or every token of a unit. Returns how many.
    pub fn revoke(
        &self,
        hash: Option<&str>,
        unit: Option<&UnitCode>,
        now: i64,
    ) -> Result<usize, StoreError> {
        let conn = self.writer();
        let n = match (hash, unit) {
            (Some(h), _) => conn.execute(
                "UPDATE token SET revoked_at = ?2 WHERE hash = ?1 AND revoked_at IS NULL",
                params![h, now],
            )?,
            (None, Some(u)) => conn.execute(
                "UPDATE token SET revoked_at = ?2 WHERE unit = ?1 AND revoked_at IS NULL",
                params![u.as_str(), now],
            )?,
            (None, None) => 0,
        };
        Ok(n)
    }

    /// Live (not revoked) tokens per unit code.
    pub fn live_tokens_by_unit(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare(
            "SELECT unit, COUNT(*) FROM token WHERE revoked_at IS NULL GROUP BY unit ORDER BY unit",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Records that a device synced at `now` (ms), unless what is recorded is less than a
    /// minute older: most syncs write nothing. Returns whether it wrote.
    pub fn touch_device(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        let n = self.writer().execute(
            "UPDATE token SET last_sync_at = ?2 WHERE id = ?1 AND (last_sync_at IS NULL OR last_sync_at <= ?2 - 60000)",
            params![id, now],
        )?;
        Ok(n > 0)
    }

    /// Every live (not revoked) device token with its last sync, in issue order.
    pub fn device_activity(&self) -> Result<Vec<DeviceActivity>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT id, unit, issued_at, last_sync_at FROM token WHERE revoked_at IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(DeviceActivity {
                id: r.get(0)?,
                unit: r.get(1)?,
                issued_at: r.get(2)?,
                last_sync_at: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The device of a live token.
    pub fn device(&self, hash: &str) -> Result<Option<(Device, bool)>, StoreError> {
        let row: Option<(i64, String, Option<i64>)> = self
            .reader()
            .query_row(
                "SELECT id, unit, revoked_at FROM token WHERE hash = ?1",
                [hash],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        Ok(row.and_then(|(id, unit, revoked)| {
            UnitCode::parse(&unit)
                .ok()
                .map(|unit| (Device { id, unit }, revoked.is_some()))
        }))
    }

    // ---- documents ----

    /// Owner unit, kind and heads of a stored document (no document is loaded).
    pub fn doc_info(&self, id: &str) -> Result<Option<(String, String, Vec<u8>)>, StoreError> {
        Ok(self
            .reader()
            .prepare_cached("SELECT kind, unit, heads FROM doc WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?)
    }

    /// A stored document's bytes as `Automerge::load` takes them (its snapshot and change
    /// chunks, unpacked and concatenated) and its heads, read in one read transaction without
    /// loading it: what a first pull sends. `None` when it is not stored.
    pub fn whole_bytes(&self, id: &str) -> Result<Option<WholeSnapshot>, StoreError> {
        let guard = self.reader();
        // Snapshot and chunks from one read transaction: a compaction committing in between
        // cannot make the read miss changes.
        let conn = guard.unchecked_transaction()?;
        let row: Option<(Vec<u8>, Vec<u8>)> = conn
            .prepare_cached("SELECT snapshot, heads FROM doc WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((snapshot, heads)) = row else {
            return Ok(None);
        };
        let mut all = unpack(id, &snapshot)?;
        all.extend_from_slice(&chunks_of(&conn, id)?);
        Ok(Some((all, heads)))
    }

    pub fn load_doc(&self, id: &str) -> Result<Option<Automerge>, StoreError> {
        let Some((bytes, _)) = self.whole_bytes(id)? else {
            return Ok(None);
        };
        let doc = Automerge::load(&bytes)
            .map_err(|e| StoreError::Corrupt(id.to_string(), e.to_string()))?;
        Ok(Some(doc))
    }

    pub fn bound_unit(&self, actor: &ActorId) -> Result<Option<String>, StoreError> {
        Ok(self
            .reader()
            .prepare_cached("SELECT unit FROM actor_binding WHERE actor = ?1")?
            .query_row([actor.to_bytes()], |r| r.get(0))
            .optional()?)
    }

    /// Writes every accepted document of one request in one transaction: changes, feed,
    /// heads log and actor bindings. Returns the new feed position.
    pub fn commit_docs(
        &self,
        writes: &[DocWrite<'_>],
        device: &Device,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        // Actors bound in this transaction (a device's actor writes most of its documents).
        let mut bound: std::collections::HashSet<&automerge::ActorId> =
            std::collections::HashSet::new();
        for w in writes {
            let heads = w.doc.get_heads();
            let heads_bytes = encode_heads(&heads);
            match w.before {
                Some(before) => {
                    let bytes = doimoi_shared::stored::pack(&match w.changes {
                        Some(c) => std::borrow::Cow::Borrowed(c),
                        None => std::borrow::Cow::Owned(w.doc.save_after(before)),
                    });
                    tx.prepare_cached(
                        "INSERT INTO doc_change(doc_id, n, bytes) VALUES(?1, COALESCE((SELECT MAX(n) + 1 FROM doc_change WHERE doc_id = ?1), 0), ?2)",
                    )?
                    .execute(params![w.id, bytes])?;
                    tx.prepare_cached(
                        "UPDATE doc SET heads = ?2, chunks = chunks + 1, updated_at = ?3 WHERE id = ?1",
                    )?
                    .execute(params![w.id, heads_bytes, now])?;
                }
                None => {
                    // Packed at rest: the bytes as the office sent them (a snapshot, maybe
                    // followed by change chunks, that loads as `doc`), or the document saved.
                    let snapshot = doimoi_shared::stored::pack(&match w.snapshot {
                        Some(b) => std::borrow::Cow::Borrowed(b),
                        None => std::borrow::Cow::Owned(w.doc.save_nocompress()),
                    });
                    tx.prepare_cached(
                        "INSERT INTO doc(id, kind, unit, snapshot, heads, chunks, updated_at) VALUES(?1, ?2, ?3, ?4, ?5, 0, ?6)",
                    )?
                    .execute(params![w.id, w.kind, w.unit, snapshot, heads_bytes, now])?;
                }
            }
            projection::write(&tx, w.id, w.proj)?;
            blobs::write_refs(&tx, w.id, w.kind, w.unit, w.doc)?;
            if w.before.is_some() {
                // A document new to the hub has no feed row yet.
                tx.prepare_cached("DELETE FROM feed WHERE doc_id = ?1")?
                    .execute([w.id])?;
            }
            tx.prepare_cached(
                "INSERT INTO feed(doc_id, kind, unit, heads) VALUES(?1, ?2, ?3, ?4)",
            )?
            .execute(params![w.id, w.kind, w.unit, heads_bytes])?;
            tx.prepare_cached(
                "INSERT INTO heads_log(doc_id, accepted_at, device, heads) VALUES(?1, ?2, ?3, ?4)",
            )?
            .execute(params![w.id, now, device.id, heads_bytes])?;
            for a in w.bind.iter().filter(|a| bound.insert(a)) {
                tx.prepare_cached(
                    "INSERT INTO actor_binding(actor, unit, device, bound_at) VALUES(?1, ?2, ?3, ?4) ON CONFLICT(actor) DO NOTHING",
                )?
                .execute(params![a.to_bytes(), device.unit.as_str(), device.id, now])?;
            }
        }
        let seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM feed", [], |r| r.get(0))?;
        tx.commit()?;
        Ok(seq)
    }

    /// Feed rows after `cursor`, for the given units (`None` = all), at most `limit`.
    pub fn feed(
        &self,
        cursor: i64,
        units: Option<&[String]>,
        limit: usize,
    ) -> Result<Vec<FeedRow>, StoreError> {
        let conn = self.reader();
        let lim = i64::try_from(limit).unwrap_or(i64::MAX);
        let map = |r: &rusqlite::Row<'_>| {
            Ok(FeedRow {
                seq: r.get(0)?,
                doc_id: r.get(1)?,
                kind: r.get(2)?,
                unit: r.get(3)?,
                heads: r.get(4)?,
            })
        };
        let rows = match units {
            None => {
                let mut stmt = conn.prepare_cached(
                    "SELECT seq, doc_id, kind, unit, heads FROM feed WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                )?;
                let rows = stmt
                    .query_map(params![cursor, lim], map)?
                    .collect::<Result<Vec<_>, _>>()?;
                rows
            }
            Some(units) => {
                let list = units.iter().map(|_| "?").collect::<Vec<_>>().join(",");
                let sql = format!(
                    "SELECT seq, doc_id, kind, unit, heads FROM feed WHERE seq > ? AND unit IN ({list}) ORDER BY seq LIMIT ?"
                );
                let mut stmt = conn.prepare_cached(&sql)?;
                let mut values: Vec<rusqlite::types::Value> = vec![cursor.into()];
                values.extend(
                    units
                        .iter()
                        .map(|u| rusqlite::types::Value::from(u.clone())),
                );
                values.push(lim.into());
                let rows = stmt
                    .query_map(rusqlite::params_from_iter(values), map)?
                    .collect::<Result<Vec<_>, _>>()?;
                rows
            }
        };
        Ok(rows)
    }

    pub fn max_seq(&self) -> Result<i64, StoreError> {
        Ok(self
            .reader()
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM feed", [], |r| r.get(0))?)
    }

    pub fn count_docs(&self) -> Result<i64, StoreError> {
        Ok(self
            .reader()
            .query_row("SELECT COUNT(*) FROM doc", [], |r| r.get(0))?)
    }

    /// Folds the change chunks of up to `max` documents with at least `min_chunks` chunks into
    /// new snapshots. Returns how many were compacted.
    pub fn compact_some(&self, min_chunks: i64, max: usize) -> Result<usize, StoreError> {
        let ids: Vec<String> = {
            let conn = self.reader();
            let mut stmt = conn.prepare("SELECT id FROM doc WHERE chunks >= ?1 LIMIT ?2")?;
            let lim = i64::try_from(max).unwrap_or(i64::MAX);
            let rows = stmt.query_map(params![min_chunks, lim], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut n = 0;
        for id in ids {
            // Under the writer lock so no push interleaves between load and replace.
            let mut conn = self.writer();
            let snapshot: Vec<u8> =
                conn.query_row("SELECT snapshot FROM doc WHERE id = ?1", [&id], |r| {
                    r.get(0)
                })?;
            let mut all = unpack(&id, &snapshot)?;
            all.extend_from_slice(&chunks_of(&conn, &id)?);
            let doc = Automerge::load(&all)
                .map_err(|e| StoreError::Corrupt(id.clone(), e.to_string()))?;
            let tx = conn.transaction()?;
            tx.execute("DELETE FROM doc_change WHERE doc_id = ?1", [&id])?;
            tx.execute(
                "UPDATE doc SET snapshot = ?2, chunks = 0 WHERE id = ?1",
                params![id, doimoi_shared::stored::pack(&doc.save_nocompress())],
            )?;
            tx.commit()?;
            n += 1;
        }
        Ok(n)
    }

    /// When the WAL has grown past `keep` bytes (a burst of pushes), writes it back into the
    /// database and truncates it, so the file does not stay at its peak size. Returns the WAL's
    /// size before, when it did (readers in the middle of a read leave it for the next time).
    pub fn checkpoint_if_over(&self, keep: u64) -> Result<Option<u64>, StoreError> {
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        if size <= keep {
            return Ok(None);
        }
        let conn = self.writer();
        let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        Ok((busy == 0).then_some(size))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wal_grown_by_a_burst_is_written_back_and_truncated(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let db = Db::open(dir.path(), 1)?;
        let wal = dir.path().join("hub.db-wal");
        {
            let conn = db.writer();
            conn.execute_batch("CREATE TABLE burst(b BLOB)")?;
            for _ in 0..64 {
                conn.execute("INSERT INTO burst(b) VALUES(zeroblob(65536))", [])?;
            }
        }
        let before = std::fs::metadata(&wal)?.len();
        assert!(before > 1 << 20, "the burst grew the WAL ({before} B)");
        // Under the threshold nothing is done; over it, written back and cut to nothing.
        assert_eq!(db.checkpoint_if_over(u64::MAX)?, None);
        assert_eq!(db.checkpoint_if_over(1 << 20)?, Some(before));
        assert_eq!(std::fs::metadata(&wal)?.len(), 0);
        let n: i64 = db
            .reader()
            .query_row("SELECT COUNT(*) FROM burst", [], |r| r.get(0))?;
        assert_eq!(n, 64);
        Ok(())
    }
}
