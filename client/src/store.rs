//! The local store: the only module that speaks SQL.
//!
//! One SQLite file (`doimoi.db`) in WAL mode with `synchronous=FULL`, so a command that returns
//! has its change on disk. Migrations are append-only, tracked by `PRAGMA user_version`.
//!
//! Documents are kept as a snapshot (`doc.snapshot`, an Automerge `save()`) plus incremental
//! change chunks (`doc_change`, each a `save_after(previous heads)`), so a small change never
//! rewrites the whole document. When a document has gathered [`COMPACT_AFTER`] chunks the next
//! write folds them into a new snapshot in the same transaction.
//!
//! `proposal_index` and `unit_year_index` are derived from the documents (lists, filters,
//! search) and can be rebuilt at any time (`doimoi reindex`).

use automerge::{ActorId, Automerge, ChangeHash, ReadDoc};
use doimoi_shared::ids::DocId;
use doimoi_shared::stored::pack;
use doimoi_shared::workflow::Flag;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::path::{Path, PathBuf};

pub mod blobs;

/// Chunks a document may gather before its next write compacts it.
pub const COMPACT_AFTER: i64 = 32;

const MIGRATIONS: &[&str] = &[
    // 1: documents, derived indexes, settings.
    r#"
    CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE doc(
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
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
    CREATE TABLE proposal_index(
        id TEXT PRIMARY KEY REFERENCES doc(id) ON DELETE CASCADE,
        unit TEXT NOT NULL,
        deciding_unit TEXT NOT NULL,
        title TEXT NOT NULL,
        proposer TEXT NOT NULL,
        field TEXT NOT NULL,
        basis TEXT NOT NULL,
        status TEXT NOT NULL,
        flags TEXT NOT NULL,
        open_due TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        folded TEXT NOT NULL
    );
    CREATE INDEX proposal_index_status ON proposal_index(status);
    CREATE INDEX proposal_index_created ON proposal_index(created_at);
    CREATE TABLE unit_year_index(
        id TEXT PRIMARY KEY REFERENCES doc(id) ON DELETE CASCADE,
        unit TEXT NOT NULL,
        year INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX unit_year_index_unit_year ON unit_year_index(unit, year);
    CREATE TABLE blob(sha256 TEXT PRIMARY KEY, bytes BLOB NOT NULL);
    "#,
    // 2: sync with the hub.
    r#"
    CREATE TABLE sync_doc(
        doc_id TEXT PRIMARY KEY REFERENCES doc(id) ON DELETE CASCADE,
        hub_heads BLOB NOT NULL
    );
    CREATE TABLE pending_pull(doc_id TEXT PRIMARY KEY);
    CREATE TABLE refused(
        n INTEGER PRIMARY KEY AUTOINCREMENT,
        doc_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        change TEXT NOT NULL,
        reason TEXT NOT NULL,
        bytes BLOB NOT NULL
    );
    "#,
    // 3: search text apart from the list columns, so listing does not read it.
    r#"
    CREATE TABLE proposal_search(
        id TEXT PRIMARY KEY REFERENCES proposal_index(id) ON DELETE CASCADE,
        folded TEXT NOT NULL
    );
    INSERT INTO proposal_search(id, folded) SELECT id, folded FROM proposal_index;
    ALTER TABLE proposal_index DROP COLUMN folded;
    "#,
    // 4: the search text with its diacritics too, so that a word typed with them matches them
    // (empty for rows written before; `doimoi reindex` fills it in, search falls back to folded).
    r#"
    ALTER TABLE proposal_search ADD COLUMN plain TEXT NOT NULL DEFAULT '';
    "#,
    // 5: attachments travel (`store/blobs.rs`): which documents reference which blobs, which
    // of this office's blobs the hub confirmed; the references of proposals stored before are
    // filled in once by the next sync (`blob.refs_pending`, set only when there are some).
    r#"
    CREATE TABLE attachment_ref(
        sha256 TEXT NOT NULL,
        doc_id TEXT NOT NULL REFERENCES doc(id) ON DELETE CASCADE,
        unit TEXT NOT NULL,
        size INTEGER NOT NULL,
        PRIMARY KEY(sha256, doc_id, unit, size)
    ) WITHOUT ROWID;
    CREATE TABLE blob_sent(sha256 TEXT PRIMARY KEY);
    INSERT INTO meta(key, value) SELECT 'blob.refs_pending', '1'
        WHERE EXISTS (SELECT 1 FROM doc WHERE kind = 'proposal')
        ON CONFLICT(key) DO UPDATE SET value = excluded.value;
    "#,
    // 6: pushes proportional to what changed. `pushed_n`: every change the hub lacks is in the
    // document's change chunks numbered from it on (set when the hub confirmed the document
    // whole; NULL: unknown, e.g. after a compaction with changes unconfirmed), so a push sends
    // those chunks as they were written instead of loading the document.
    r#"
    ALTER TABLE sync_doc ADD COLUMN pushed_n INTEGER;
    "#,
];

/// Errors of the store. Messages say what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("Không mở được kho dữ liệu tại {path}: {source}. Kiểm tra quyền ghi thư mục (--data hoặc DOIMOI_DATA).")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("Kho dữ liệu tại {0} được tạo bởi phiên bản doimoi mới hơn (lược đồ {1}). Hãy cập nhật doimoi.")]
    TooNew(PathBuf, i64),
    #[error("Lỗi cơ sở dữ liệu: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("Tài liệu {0} vừa được một lệnh khác trên máy này sửa cùng lúc; không có gì bị mất. Hãy chạy lại lệnh.")]
    Concurrent(String),
    #[error("Tài liệu {0} trong kho bị hỏng ({1}). Chạy `doimoi reindex` để kiểm tra, hoặc nhập lại bản sao bằng `doimoi import`.")]
    CorruptDoc(String, String),
}

/// Derived row of `proposal_index`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProposalRow {
    pub id: String,
    pub unit: String,
    pub deciding_unit: String,
    pub title: String,
    pub proposer: String,
    pub field: String,
    pub basis: String,
    pub status: String,
    /// Flags that do not depend on today's date (`conflict`, `invalid_event`, `late`).
    pub flags: Vec<Flag>,
    /// Earliest due date of a clock still running; `overdue` is derived from it at read time.
    pub open_due: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Diacritic-folded search text: written to `proposal_search`, left empty when rows are
    /// read back for lists (listing never reads it).
    #[serde(skip)]
    pub folded: String,
    /// The same text lower-cased with its diacritics (NFC), beside `folded`.
    #[serde(skip)]
    pub plain: String,
    /// The attachment records `(sha256, size, attaching unit)`: written to `attachment_ref`,
    /// left empty when rows are read back.
    #[serde(skip)]
    pub attachments: Vec<(String, u64, String)>,
}

/// A document with local changes the hub has not confirmed.
#[derive(Debug, Clone)]
pub struct DirtyDoc {
    pub id: String,
    pub kind: String,
    /// Owner unit (from the index).
    pub unit: String,
    /// The hub heads last confirmed (empty: never synced).
    pub hub_heads: Vec<u8>,
    /// The document's heads now.
    pub heads: Vec<u8>,
    /// The first change chunk the hub may lack ([`Store::unconfirmed_chunks`]); `None`:
    /// unknown (the document is loaded and its changes since `hub_heads` computed).
    pub pushed_n: Option<i64>,
}

/// A local copy the hub refused, set aside.
#[derive(Debug, Clone)]
pub struct RefusedCopy {
    pub n: i64,
    pub doc_id: String,
    pub at: i64,
    pub change: String,
    pub reason: String,
}

/// A stored document's bytes, not yet loaded ([`Store::doc_bytes`]).
#[derive(Debug, Clone)]
pub struct DocBytes {
    pub id: DocId,
    pub kind: String,
    pub snapshot: Vec<u8>,
    /// The change chunks after the snapshot, concatenated.
    pub chunks: Vec<u8>,
}

impl DocBytes {
    /// The snapshot and the chunks concatenated: what `Automerge::load` loads to the whole
    /// document (pushed as it is when the hub holds nothing of it).
    pub fn whole(&self) -> Vec<u8> {
        let mut all = Vec::with_capacity(self.snapshot.len() + self.chunks.len());
        all.extend_from_slice(&self.snapshot);
        all.extend_from_slice(&self.chunks);
        all
    }

    /// Loads the document and sets its actor to `actor`.
    pub fn load(&self, actor: &ActorId) -> Result<Automerge, StoreError> {
        let corrupt = |e: String| StoreError::CorruptDoc(self.id.to_string(), e);
        let mut doc = Automerge::load(&self.snapshot).map_err(|e| corrupt(e.to_string()))?;
        if !self.chunks.is_empty() {
            doc.load_incremental(&self.chunks)
                .map_err(|e| corrupt(e.to_string()))?;
        }
        if !doc.get_missing_deps(&[]).is_empty() {
            return Err(corrupt("thiếu thay đổi phụ thuộc".into()));
        }
        doc.set_actor(actor.clone());
        Ok(doc)
    }
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// The store holds the device token: its files are the user's alone (0600), created so before
/// SQLite opens them (SQLite gives its `-wal` and `-shm` files the database file's mode) and
/// tightened on stores made before; a folder doimoi creates (`new_dir`) is too (0700).
#[cfg(unix)]
fn private(new_dir: Option<&Path>, db: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if let Some(dir) = new_dir {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    // Never open an existing database file here: closing a descriptor of it would drop the
    // POSIX locks another connection of this process holds on it (SQLite's own warning), and
    // corrupt it. A new one is created empty, with its mode, before SQLite first opens it.
    if !db.exists() {
        match std::fs::OpenOptions::new()
            .create_new(true)
            .write(true)
            .mode(0o600)
            .open(db)
        {
            Ok(_) => {}
            // Another process made it meanwhile: its mode is tightened below.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    for suffix in ["", "-wal", "-shm"] {
        let f = db.with_file_name(format!("doimoi.db{suffix}"));
        if f.exists() {
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn private(_new_dir: Option<&Path>, _db: &Path) -> std::io::Result<()> {
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, and migrates it.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let new_dir = !dir.exists();
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
            path: dir.to_path_buf(),
            source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
        })?;
        let path = dir.join("doimoi.db");
        private(new_dir.then_some(dir), &path).map_err(|e| StoreError::Open {
            path: path.clone(),
            source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
        })?;
        let conn = Connection::open(&path).map_err(|source| StoreError::Open {
            path: path.clone(),
            source,
        })?;
        Self::setup(conn, path)
    }

    /// An in-memory store, for tests.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory()?;
        Self::setup(conn, PathBuf::from(":memory:"))
    }

    fn setup(mut conn: Connection, path: PathBuf) -> Result<Store, StoreError> {
        let wrap = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(wrap)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(wrap)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(wrap)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(wrap)?;
        // Lists and searches scan the index tables: keep them in memory between queries.
        conn.pragma_update(None, "cache_size", -32_000)
            .map_err(wrap)?;
        // Migrate under the write lock, re-reading the version inside it: another `doimoi`
        // process may be opening the same store.
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
        Ok(Store { conn, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    // ---- settings ----

    pub fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Writes several settings atomically.
    pub fn set_meta_all(&mut self, pairs: &[(&str, &str)]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        for (k, v) in pairs {
            tx.execute(
                "INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![k, v],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    // ---- documents ----

    pub fn doc_exists(&self, id: &DocId) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM doc WHERE id = ?1", [id.as_str()], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Ids of stored documents starting with `prefix` (for short ids typed by users).
    pub fn doc_ids_with_prefix(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM doc WHERE id >= ?1 AND id < ?1 || 'g' ORDER BY id LIMIT 5")?;
        let rows = stmt.query_map([prefix], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Loads a document (snapshot + chunks) and sets its actor to `actor`.
    pub fn load_doc(
        &self,
        id: &DocId,
        actor: &ActorId,
    ) -> Result<Option<(String, Automerge)>, StoreError> {
        match self.doc_bytes(id)? {
            Some(b) => Ok(Some((b.kind.clone(), b.load(actor)?))),
            None => Ok(None),
        }
    }

    /// A document's stored bytes (snapshot + chunks), read without loading them, so several
    /// can be loaded at once on other threads ([`DocBytes::load`]).
    pub fn doc_bytes(&self, id: &DocId) -> Result<Option<DocBytes>, StoreError> {
        // Snapshot and chunks from one read transaction (a compaction by another process may
        // commit in between otherwise).
        let tx = self.conn.unchecked_transaction()?;
        let row: Option<(String, Vec<u8>)> = tx
            .query_row(
                "SELECT kind, snapshot FROM doc WHERE id = ?1",
                [id.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((kind, snapshot)) = row else {
            return Ok(None);
        };
        let chunks = chunks_from(&tx, id.as_str(), 0)?;
        drop(tx);
        Ok(Some(DocBytes {
            id: id.clone(),
            kind,
            snapshot: unpack(id.as_str(), &snapshot)?,
            chunks,
        }))
    }

    /// The document's change chunks numbered `from` on, unpacked and concatenated: what the
    /// hub lacks of it when `from` is its [`DirtyDoc::pushed_n`].
    pub fn unconfirmed_chunks(&self, id: &str, from: i64) -> Result<Vec<u8>, StoreError> {
        chunks_from(&self.conn, id, from)
    }

    /// Begins a write. Everything done through the returned [`Write`] lands atomically on
    /// `commit`.
    pub fn write(&mut self) -> Result<Write<'_>, StoreError> {
        // IMMEDIATE: the write lock is taken at once, so what is read inside is what is
        // overwritten (another `doimoi` process waits up to the busy timeout).
        Ok(Write {
            tx: self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?,
        })
    }

    // ---- queries over the index ----

    pub fn list_proposals(&self, status: Option<&str>) -> Result<Vec<ProposalRow>, StoreError> {
        let sql = format!(
            "SELECT {PROPOSAL_COLS} FROM proposal_index {}",
            if status.is_some() {
                "WHERE status = ?1"
            } else {
                ""
            }
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = match status {
            Some(s) => stmt
                .query_map([s], proposal_row)?
                .collect::<Result<Vec<_>, _>>()?,
            None => stmt
                .query_map([], proposal_row)?
                .collect::<Result<Vec<_>, _>>()?,
        };
        newest_first(&mut rows);
        Ok(rows)
    }

    /// Proposals whose folded text contains every folded word of the query.
    pub fn search_proposals(
        &self,
        folded_words: &[String],
    ) -> Result<Vec<ProposalRow>, StoreError> {
        let mut sql = "SELECT id FROM proposal_search WHERE 1".to_string();
        for i in 0..folded_words.len() {
            // GLOB scans much faster than instr(); its wildcards in the words are escaped.
            sql.push_str(&format!(" AND folded GLOB ?{}", i + 1));
        }
        let sql = format!("SELECT {PROPOSAL_COLS} FROM proposal_index WHERE id IN ({sql})");
        let patterns: Vec<String> = folded_words
            .iter()
            .map(|w| format!("*{}*", glob_escape(w)))
            .collect();
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt
            .query_map(rusqlite::params_from_iter(patterns.iter()), proposal_row)?
            .collect::<Result<Vec<_>, _>>()?;
        newest_first(&mut rows);
        Ok(rows)
    }

    /// Candidates for a search: the rows whose folded text contains every folded word, with
    /// their search texts as `folded` and `plain`, newest first.
    pub fn search_candidates(
        &self,
        folded_words: &[String],
    ) -> Result<Vec<ProposalRow>, StoreError> {
        let mut sql = format!(
            "SELECT {}, s.folded, s.plain FROM proposal_index p JOIN proposal_search s ON s.id = p.id WHERE 1",
            PROPOSAL_COLS
                .split(", ")
                .map(|c| format!("p.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for i in 0..folded_words.len() {
            sql.push_str(&format!(" AND s.folded GLOB ?{}", i + 1));
        }
        let patterns: Vec<String> = folded_words
            .iter()
            .map(|w| format!("*{}*", glob_escape(w)))
            .collect();
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt
            .query_map(rusqlite::params_from_iter(patterns.iter()), |r| {
                let mut row = proposal_row(r)?;
                row.folded = r.get(12)?;
                row.plain = r.get(13)?;
                Ok(row)
            })?
            .collect::<Result<Vec<_>, _>>()?;
        newest_first(&mut rows);
        Ok(rows)
    }

    pub fn proposal_row(&self, id: &DocId) -> Result<Option<ProposalRow>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {PROPOSAL_COLS} FROM proposal_index WHERE id = ?1"),
                [id.as_str()],
                proposal_row,
            )
            .optional()?)
    }

    pub fn unit_year_ids(
        &self,
        year: Option<i32>,
    ) -> Result<Vec<(String, String, i32)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, unit, year FROM unit_year_index WHERE ?1 IS NULL OR year = ?1 ORDER BY year, unit",
        )?;
        let rows = stmt
            .query_map([year], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Every document id and kind, for rebuilding indexes.
    pub fn all_docs(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT id, kind FROM doc ORDER BY id")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// A value that changes when what the lists show changes (the web app's home page and
    /// list refresh on it): the rows' count, the latest write time, and a checksum of the
    /// statuses, due dates and flags by row (the write time alone misses writes within one
    /// millisecond, or under a fixed `DOIMOI_NOW`).
    pub fn index_version(&self) -> Result<String, StoreError> {
        let (n, last, sum): (i64, i64, f64) = self.conn.query_row(
            "SELECT COUNT(*), COALESCE(MAX(updated_at), 0),
                    TOTAL((rowid % 10007 + 1) * (length(status) * 131
                          + length(COALESCE(open_due, '')) * 17 + length(flags)))
             FROM proposal_index",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let unit_years: i64 =
            self.conn
                .query_row("SELECT COUNT(*) FROM unit_year_index", [], |r| r.get(0))?;
        Ok(format!("{n}-{last}-{sum}-{unit_years}"))
    }

    pub fn count_docs(&self) -> Result<(i64, i64), StoreError> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*), COALESCE(SUM(chunks), 0) FROM doc",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// Documents whose local heads differ from what the hub confirmed: (id, kind, owner unit,
    /// hub heads).
    pub fn dirty_docs(&self, limit: usize) -> Result<Vec<DirtyDoc>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.id, d.kind, COALESCE(p.unit, u.unit, ''), COALESCE(s.hub_heads, X''), d.heads, s.pushed_n
             FROM doc d
             LEFT JOIN sync_doc s ON s.doc_id = d.id
             LEFT JOIN proposal_index p ON p.id = d.id
             LEFT JOIN unit_year_index u ON u.id = d.id
             WHERE s.hub_heads IS NULL OR s.hub_heads != d.heads
             ORDER BY d.id LIMIT ?1",
        )?;
        let lim = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map([lim], |r| {
                Ok(DirtyDoc {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    unit: r.get(2)?,
                    hub_heads: r.get(3)?,
                    heads: r.get(4)?,
                    pushed_n: r.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn count_dirty(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM doc d LEFT JOIN sync_doc s ON s.doc_id = d.id WHERE s.hub_heads IS NULL OR s.hub_heads != d.heads",
            [],
            |r| r.get(0),
        )?)
    }

    pub fn hub_heads(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT hub_heads FROM sync_doc WHERE doc_id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn doc_heads(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT heads FROM doc WHERE id = ?1", [id], |r| r.get(0))
            .optional()?)
    }

    pub fn pending_pulls(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT doc_id FROM pending_pull ORDER BY doc_id LIMIT ?1")?;
        let lim = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map([lim], |r| r.get(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn count_pending_pulls(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM pending_pull", [], |r| r.get(0))?)
    }

    /// Refused copies set aside, oldest first.
    pub fn refused(&self) -> Result<Vec<RefusedCopy>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT n, doc_id, at, change, reason FROM refused ORDER BY n")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(RefusedCopy {
                    n: r.get(0)?,
                    doc_id: r.get(1)?,
                    at: r.get(2)?,
                    change: r.get(3)?,
                    reason: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn refused_bytes(&self, n: i64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT bytes FROM refused WHERE n = ?1", [n], |r| r.get(0))
            .optional()?)
    }

    /// A counter that changes whenever another connection commits (for `doimoi serve`).
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "data_version", |r| r.get(0))?)
    }

    pub fn get_blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT bytes FROM blob WHERE sha256 = ?1", [sha256], |r| {
                r.get(0)
            })
            .optional()?)
    }
}

const PROPOSAL_COLS: &str =
    "id, unit, deciding_unit, title, proposer, field, basis, status, flags, open_due, created_at, updated_at";

/// Newest first, then by id. Sorting here is cheaper than walking the date index row by row.
fn newest_first(rows: &mut [ProposalRow]) {
    rows.sort_unstable_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// Escapes GLOB's special characters so a word matches literally.
fn glob_escape(w: &str) -> String {
    let mut out = String::with_capacity(w.len());
    for c in w.chars() {
        match c {
            '*' | '?' | '[' => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            c => out.push(c),
        }
    }
    out
}

fn proposal_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ProposalRow> {
    let flags: String = r.get(8)?;
    Ok(ProposalRow {
        id: r.get(0)?,
        unit: r.get(1)?,
        deciding_unit: r.get(2)?,
        title: r.get(3)?,
        proposer: r.get(4)?,
        field: r.get(5)?,
        basis: r.get(6)?,
        status: r.get(7)?,
        // A flag this version does not know (written by a newer one) is left out.
        flags: flags.split(',').filter_map(Flag::parse).collect(),
        open_due: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
        folded: String::new(),
        plain: String::new(),
        attachments: Vec::new(),
    })
}

/// One atomic write to the store.
pub struct Write<'a> {
    tx: Transaction<'a>,
}

impl Write<'_> {
    /// Persists `doc`. For a stored document, `before` are the heads it was loaded at and only
    /// the changes since are appended (compacting when due); a new document is saved whole.
    ///
    /// If another process wrote the document after it was loaded, the stored and the given
    /// versions are merged (nothing is lost) and the merged document is returned, so the
    /// caller can derive its index from it.
    pub fn save_doc(
        &self,
        id: &DocId,
        kind: &str,
        doc: &Automerge,
        before: Option<&[ChangeHash]>,
        now_ms: i64,
    ) -> Result<Option<Automerge>, StoreError> {
        let existing: Option<(i64, Vec<u8>, bool)> = self
            .tx
            .prepare_cached(
                "SELECT d.chunks, d.heads, EXISTS(SELECT 1 FROM sync_doc s WHERE s.doc_id = d.id AND s.hub_heads != X'')
                 FROM doc d WHERE d.id = ?1",
            )?
            .query_row([id.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((chunks, stored_heads, confirmed)) = existing else {
            self.tx.execute(
                "INSERT INTO doc(id, kind, snapshot, heads, chunks, updated_at) VALUES(?1, ?2, ?3, ?4, 0, ?5)",
                params![id.as_str(), kind, pack(&doc.save_nocompress()), encode_heads(&doc.get_heads()), now_ms],
            )?;
            return Ok(None);
        };
        let (doc, base, merged) = match before {
            Some(b) if encode_heads(b) == stored_heads => {
                (std::borrow::Cow::Borrowed(doc), b.to_vec(), false)
            }
            _ => {
                // Written meanwhile (or no base given): merge into the stored version.
                let mut current = self.load_in_tx(id)?;
                let base = current.get_heads();
                let mut ours = doc.clone();
                current
                    .merge(&mut ours)
                    .map_err(|_| StoreError::Concurrent(id.to_string()))?;
                (std::borrow::Cow::Owned(current), base, true)
            }
        };
        let heads = encode_heads(&doc.get_heads());
        // A document the hub never confirmed is kept as one snapshot (it is pushed whole, and
        // a compact document is what the hub loads fastest); saving it uncompressed costs tens
        // of microseconds. Once confirmed, changes are appended as written, to be pushed as
        // they are.
        if confirmed && chunks + 1 < COMPACT_AFTER {
            let bytes = doc.save_after(&base);
            if !bytes.is_empty() {
                self.tx.execute(
                    "INSERT INTO doc_change(doc_id, n, bytes) VALUES(?1, COALESCE((SELECT MAX(n) + 1 FROM doc_change WHERE doc_id = ?1), 0), ?2)",
                    params![id.as_str(), pack(&bytes)],
                )?;
                self.tx.execute(
                    "UPDATE doc SET heads = ?2, chunks = chunks + 1, updated_at = ?3 WHERE id = ?1",
                    params![id.as_str(), heads, now_ms],
                )?;
            }
        } else {
            // Compaction: one snapshot replaces the snapshot and every chunk.
            self.replace_snapshot(id, &doc, now_ms)?;
        }
        Ok(merged.then(|| doc.into_owned()))
    }

    /// Persists a document new to this store from bytes that are its whole saved form (a
    /// document chunk, maybe followed by change chunks, that loads as `doc`), already packed
    /// for storage (`stored::pack`, done where the document was loaded, off the writer's
    /// path), without saving it again. If another process stored the document meanwhile,
    /// merges as [`Write::save_doc`] does.
    pub fn save_new_doc_bytes(
        &self,
        id: &DocId,
        kind: &str,
        doc: &Automerge,
        packed: &[u8],
        now_ms: i64,
    ) -> Result<Option<Automerge>, StoreError> {
        let exists = self
            .tx
            .prepare_cached("SELECT 1 FROM doc WHERE id = ?1")?
            .query_row([id.as_str()], |_| Ok(()))
            .optional()?
            .is_some();
        if exists {
            return self.save_doc(id, kind, doc, None, now_ms);
        }
        self.tx
            .prepare_cached(
                "INSERT INTO doc(id, kind, snapshot, heads, chunks, updated_at) VALUES(?1, ?2, ?3, ?4, 0, ?5)",
            )?
            .execute(params![
                id.as_str(),
                kind,
                packed,
                encode_heads(&doc.get_heads()),
                now_ms
            ])?;
        Ok(None)
    }

    /// Replaces a document's snapshot and chunks by one snapshot of `doc`. The hub's
    /// confirmation stays usable for pushes only when it covers the whole document (then no
    /// chunk, from 0 on, holds anything it lacks).
    fn replace_snapshot(&self, id: &DocId, doc: &Automerge, now_ms: i64) -> Result<(), StoreError> {
        let heads = encode_heads(&doc.get_heads());
        self.tx
            .prepare_cached("DELETE FROM doc_change WHERE doc_id = ?1")?
            .execute([id.as_str()])?;
        self.tx
            .prepare_cached(
                "UPDATE doc SET snapshot = ?2, heads = ?3, chunks = 0, updated_at = ?4 WHERE id = ?1",
            )?
            .execute(params![id.as_str(), pack(&doc.save_nocompress()), heads, now_ms])?;
        self.tx
            .prepare_cached(
                "UPDATE sync_doc SET pushed_n = CASE WHEN hub_heads = ?2 THEN 0 END WHERE doc_id = ?1",
            )?
            .execute(params![id.as_str(), heads])?;
        Ok(())
    }

    fn load_in_tx(&self, id: &DocId) -> Result<Automerge, StoreError> {
        let corrupt = |e: String| StoreError::CorruptDoc(id.to_string(), e);
        let snapshot: Vec<u8> = self.tx.query_row(
            "SELECT snapshot FROM doc WHERE id = ?1",
            [id.as_str()],
            |r| r.get(0),
        )?;
        let mut doc = Automerge::load(&unpack(id.as_str(), &snapshot)?)
            .map_err(|e| corrupt(e.to_string()))?;
        let all = chunks_from(&self.tx, id.as_str(), 0)?;
        if !all.is_empty() {
            doc.load_incremental(&all)
                .map_err(|e| corrupt(e.to_string()))?;
        }
        Ok(doc)
    }

    /// Marks a point inside the write that [`Write::rollback_to_savepoint`] returns to (one
    /// level: the next call replaces it).
    pub fn savepoint(&self) -> Result<(), StoreError> {
        self.tx.execute_batch("SAVEPOINT one_doc")?;
        Ok(())
    }

    /// Keeps what was written since [`Write::savepoint`].
    pub fn release(&self) -> Result<(), StoreError> {
        self.tx.execute_batch("RELEASE one_doc")?;
        Ok(())
    }

    /// Undoes what was written since [`Write::savepoint`] (the rest of the write stays).
    pub fn rollback_to_savepoint(&self) -> Result<(), StoreError> {
        self.tx
            .execute_batch("ROLLBACK TO one_doc; RELEASE one_doc")?;
        Ok(())
    }

    /// Deletes a document (after its refused copy was set aside and the hub has none).
    pub fn delete_doc(&self, id: &str) -> Result<(), StoreError> {
        self.tx.execute("DELETE FROM doc WHERE id = ?1", [id])?;
        Ok(())
    }

    pub fn doc_heads(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .tx
            .query_row("SELECT heads FROM doc WHERE id = ?1", [id], |r| r.get(0))
            .optional()?)
    }

    /// Forgets what the hub confirmed (every document becomes unconfirmed, offered again
    /// whole) and the feed position (read again from the start): the hub was restored from a
    /// backup and may lack what it confirmed since.
    pub fn forget_hub_state(&self, cursor_key: &str) -> Result<(), StoreError> {
        self.tx.execute("DELETE FROM sync_doc", [])?;
        // The office's attachments are offered again too (a backup holds no blob files).
        self.tx.execute("DELETE FROM blob_sent", [])?;
        self.tx
            .execute("DELETE FROM meta WHERE key = ?1", [cursor_key])?;
        Ok(())
    }

    /// Records the heads the hub confirmed. When they are the document's own heads, the hub
    /// holds all of it: whatever is written next is in chunks after the last one now
    /// (`pushed_n`). Otherwise the earlier `pushed_n` stays true (the hub only learnt more),
    /// except when the hub confirmed nothing (empty heads: it is offered whole again).
    pub fn set_hub_heads(&self, id: &str, heads: &[u8]) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO sync_doc(doc_id, hub_heads, pushed_n) VALUES(?1, ?2,
                   CASE WHEN ?2 = (SELECT heads FROM doc WHERE id = ?1)
                        THEN (SELECT COALESCE(MAX(n) + 1, 0) FROM doc_change WHERE doc_id = ?1) END)
                 ON CONFLICT(doc_id) DO UPDATE SET hub_heads = excluded.hub_heads,
                   pushed_n = CASE WHEN excluded.hub_heads = X'' THEN NULL
                                   ELSE COALESCE(excluded.pushed_n, sync_doc.pushed_n) END",
            )?
            .execute(params![id, heads])?;
        Ok(())
    }

    pub fn add_pending_pull(&self, id: &str) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO pending_pull(doc_id) VALUES(?1) ON CONFLICT DO NOTHING",
            [id],
        )?;
        Ok(())
    }

    pub fn remove_pending_pull(&self, id: &str) -> Result<(), StoreError> {
        self.tx
            .execute("DELETE FROM pending_pull WHERE doc_id = ?1", [id])?;
        Ok(())
    }

    pub fn add_refused(
        &self,
        id: &str,
        at: i64,
        change: &str,
        reason: &str,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO refused(doc_id, at, change, reason, bytes) VALUES(?1, ?2, ?3, ?4, ?5)",
            params![id, at, change, reason, bytes],
        )?;
        Ok(())
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    pub fn put_proposal_row(&self, row: &ProposalRow) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO proposal_index(id, unit, deciding_unit, title, proposer, field, basis, status, flags, open_due, created_at, updated_at)
             VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT(id) DO UPDATE SET unit = excluded.unit, deciding_unit = excluded.deciding_unit, title = excluded.title,
               proposer = excluded.proposer, field = excluded.field, basis = excluded.basis, status = excluded.status,
               flags = excluded.flags, open_due = excluded.open_due, created_at = excluded.created_at,
               updated_at = excluded.updated_at",
            params![
                row.id,
                row.unit,
                row.deciding_unit,
                row.title,
                row.proposer,
                row.field,
                row.basis,
                row.status,
                row.flags.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(","),
                row.open_due,
                row.created_at,
                row.updated_at
            ],
        )?;
        self.tx.execute(
            "INSERT INTO proposal_search(id, folded, plain) VALUES(?1, ?2, ?3) ON CONFLICT(id) DO UPDATE SET folded = excluded.folded, plain = excluded.plain",
            params![row.id, row.folded, row.plain],
        )?;
        self.put_attachment_refs(&row.id, &row.attachments)?;
        Ok(())
    }

    pub fn put_unit_year_row(&self, id: &DocId, unit: &str, year: i32) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO unit_year_index(id, unit, year) VALUES(?1, ?2, ?3) ON CONFLICT(id) DO NOTHING",
            params![id.as_str(), unit, year],
        )?;
        Ok(())
    }

    pub fn put_blob(&self, sha256: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO blob(sha256, bytes) VALUES(?1, ?2) ON CONFLICT(sha256) DO NOTHING",
            params![sha256, bytes],
        )?;
        Ok(())
    }

    /// Empties the derived indexes (before a rebuild).
    pub fn clear_indexes(&self) -> Result<(), StoreError> {
        self.tx.execute_batch(
            "DELETE FROM proposal_search; DELETE FROM proposal_index; DELETE FROM unit_year_index; DELETE FROM attachment_ref;",
        )?;
        Ok(())
    }

    /// Rewrites a document as a single snapshot.
    pub fn compact(&self, id: &DocId, doc: &Automerge, now_ms: i64) -> Result<(), StoreError> {
        self.replace_snapshot(id, doc, now_ms)
    }

    /// Makes everything durable (WAL + synchronous=FULL: on disk when this returns).
    pub fn commit(self) -> Result<(), StoreError> {
        self.tx.commit()?;
        Ok(())
    }
}

/// Stored Automerge bytes unpacked ([`doimoi_shared::stored`]); damage names the document.
fn unpack(id: &str, stored: &[u8]) -> Result<Vec<u8>, StoreError> {
    doimoi_shared::stored::unpack(stored)
        .map(std::borrow::Cow::into_owned)
        .map_err(|e| StoreError::CorruptDoc(id.to_string(), e.to_string()))
}

/// A document's change chunks numbered `from` on, unpacked and concatenated in order.
fn chunks_from(conn: &Connection, id: &str, from: i64) -> Result<Vec<u8>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT bytes FROM doc_change WHERE doc_id = ?1 AND n >= ?2 ORDER BY n")?;
    let mut all = Vec::new();
    for c in stmt.query_map(params![id, from], |r| r.get::<_, Vec<u8>>(0))? {
        all.extend_from_slice(
            &doimoi_shared::stored::unpack(&c?)
                .map_err(|e| StoreError::CorruptDoc(id.to_string(), e.to_string()))?,
        );
    }
    Ok(all)
}

/// Heads as stored and sent: [`doimoi_shared::heads`].
pub use doimoi_shared::heads::encode as encode_heads;

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::ROOT;

    fn actor() -> ActorId {
        ActorId::from([7u8; 16])
    }

    #[test]
    fn small_changes_append_chunks_and_compaction_folds_them(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let mut store = Store::open_in_memory()?;
        let id = DocId::from_bytes([1; 16]);
        let mut doc = Automerge::new().with_actor(actor());
        doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "n", 0i64))
            .map_err(|f| f.error)?;
        let w = store.write()?;
        w.save_doc(&id, "proposal", &doc, None, 0)?;
        // Confirmed by the hub: later changes are appended as chunks.
        w.set_hub_heads(id.as_str(), &encode_heads(&doc.get_heads()))?;
        w.commit()?;
        let mut most = 0;
        for i in 1..(COMPACT_AFTER + 5) {
            let (_, mut doc) = store.load_doc(&id, &actor())?.ok_or("missing")?;
            let before = doc.get_heads();
            doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "n", i))
                .map_err(|f| f.error)?;
            let w = store.write()?;
            w.save_doc(&id, "proposal", &doc, Some(&before), i)?;
            w.commit()?;
            let (_, chunks) = store.count_docs()?;
            assert!(chunks < COMPACT_AFTER, "chunks {chunks} never compacted");
            most = most.max(chunks);
        }
        assert_eq!(
            most,
            COMPACT_AFTER - 1,
            "small changes are appended as chunks"
        );
        let (_, doc) = store.load_doc(&id, &actor())?.ok_or("missing")?;
        let v = doc
            .get(ROOT, "n")?
            .and_then(|(v, _)| v.as_scalar().and_then(|s| s.as_i64()));
        assert_eq!(v, Some(COMPACT_AFTER + 4));
        Ok(())
    }

    /// Writes `n` = `i` as one change and saves it as the CLI does.
    fn edit(store: &mut Store, id: &DocId, i: i64) -> Result<(), Box<dyn std::error::Error>> {
        let (_, mut doc) = store.load_doc(id, &actor())?.ok_or("missing")?;
        let before = doc.get_heads();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "n", i))
            .map_err(|f| f.error)?;
        let w = store.write()?;
        w.save_doc(id, "proposal", &doc, Some(&before), i)?;
        w.commit()?;
        Ok(())
    }

    #[test]
    fn what_the_hub_lacks_is_pushed_as_written_and_compaction_keeps_it_known(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let mut store = Store::open_in_memory()?;
        let id = DocId::from_bytes([2; 16]);
        let mut doc = Automerge::new().with_actor(actor());
        doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "n", 0i64))
            .map_err(|f| f.error)?;
        let w = store.write()?;
        w.save_doc(&id, "proposal", &doc, None, 0)?;
        w.commit()?;
        // Never confirmed: every write keeps one snapshot (pushed whole), packed at rest.
        edit(&mut store, &id, 1)?;
        assert_eq!(store.count_docs()?, (1, 0));
        let raw: Vec<u8> = store.conn.query_row(
            "SELECT snapshot FROM doc WHERE id = ?1",
            [id.as_str()],
            |r| r.get(0),
        )?;
        assert_eq!(&raw[..4], &[0x28, 0xb5, 0x2f, 0xfd], "packed with zstd");
        let dirty = store.dirty_docs(10)?;
        assert_eq!((dirty.len(), dirty[0].pushed_n), (1, None));
        // The hub confirms it whole: later changes are chunks, pushed from the next one on.
        let heads = store.doc_heads(id.as_str())?.ok_or("heads")?;
        let w = store.write()?;
        w.set_hub_heads(id.as_str(), &heads)?;
        w.commit()?;
        assert!(store.dirty_docs(10)?.is_empty());
        edit(&mut store, &id, 2)?;
        edit(&mut store, &id, 3)?;
        assert_eq!(store.count_docs()?, (1, 2));
        let d = store.dirty_docs(10)?.pop().ok_or("dirty")?;
        assert_eq!(d.pushed_n, Some(0));
        // Exactly the two changes the hub lacks, as written, applying on the hub's version.
        let pushed = store.unconfirmed_chunks(id.as_str(), 0)?;
        assert_eq!(doimoi_shared::stored::change_count(&pushed), Some(2));
        let mut hub = Automerge::load(&doimoi_shared::stored::unpack(&raw)?)?;
        hub.load_incremental(&pushed)?;
        assert_eq!(encode_heads(&hub.get_heads()), d.heads);
        // Confirmed in part (the hub took the first change only): the older mark stays.
        let (_, now) = store.load_doc(&id, &actor())?.ok_or("missing")?;
        let first = now
            .get_changes_meta(&[])
            .into_iter()
            .find(|c| c.seq == 3)
            .map(|c| c.hash)
            .ok_or("change")?;
        let w = store.write()?;
        w.set_hub_heads(id.as_str(), &encode_heads(&[first]))?;
        w.commit()?;
        assert_eq!(store.dirty_docs(10)?[0].pushed_n, Some(0));
        // Confirmed whole again, then compacted: still known (nothing lacking), from chunk 0.
        let heads = store.doc_heads(id.as_str())?.ok_or("heads")?;
        let w = store.write()?;
        w.set_hub_heads(id.as_str(), &heads)?;
        w.compact(&id, &now, 9)?;
        w.commit()?;
        edit(&mut store, &id, 4)?;
        let d = store.dirty_docs(10)?.pop().ok_or("dirty")?;
        assert_eq!(d.pushed_n, Some(0));
        assert_eq!(
            doimoi_shared::stored::change_count(&store.unconfirmed_chunks(id.as_str(), 0)?),
            Some(1)
        );
        // Compacted with a change the hub lacks: unknown, the document is loaded to push.
        let (_, now) = store.load_doc(&id, &actor())?.ok_or("missing")?;
        let w = store.write()?;
        w.compact(&id, &now, 10)?;
        w.commit()?;
        assert_eq!(store.dirty_docs(10)?[0].pushed_n, None);
        // The hub confirmed nothing (asked for a resend): offered whole.
        let w = store.write()?;
        w.set_hub_heads(id.as_str(), &[])?;
        w.commit()?;
        assert_eq!(store.dirty_docs(10)?[0].pushed_n, None);
        Ok(())
    }

    #[test]
    fn documents_stored_before_packing_still_load_and_push(
    ) -> Result<(), Box<dyn std::error::Error>> {
        // As stores before migration 6 hold them: `save()` and a raw `save_after` chunk.
        let store = Store::open_in_memory()?;
        let id = DocId::from_bytes([3; 16]);
        let mut doc = Automerge::new().with_actor(actor());
        doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "n", 1i64))
            .map_err(|f| f.error)?;
        let snapshot = doc.save();
        let before = doc.get_heads();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "n", 2i64))
            .map_err(|f| f.error)?;
        store.conn.execute(
            "INSERT INTO doc(id, kind, snapshot, heads, chunks, updated_at) VALUES(?1, 'proposal', ?2, ?3, 1, 0)",
            params![id.as_str(), snapshot, encode_heads(&doc.get_heads())],
        )?;
        store.conn.execute(
            "INSERT INTO doc_change(doc_id, n, bytes) VALUES(?1, 0, ?2)",
            params![id.as_str(), doc.save_after(&before)],
        )?;
        let bytes = store.doc_bytes(&id)?.ok_or("missing")?;
        assert_eq!(bytes.load(&actor())?.get_heads(), doc.get_heads());
        // Pushed whole as stored: what Automerge loads.
        assert_eq!(
            Automerge::load(&bytes.whole())?.get_heads(),
            doc.get_heads()
        );
        Ok(())
    }

    #[test]
    fn a_newer_store_is_refused() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        {
            let store = Store::open(dir.path())?;
            store.conn.pragma_update(None, "user_version", 99)?;
        }
        assert!(matches!(
            Store::open(dir.path()),
            Err(StoreError::TooNew(_, 99))
        ));
        Ok(())
    }
}
