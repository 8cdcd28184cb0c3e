//! The opened office: its store, unit, Automerge actor, registry, calendar and clock. Every
//! command that touches documents goes through [`App`], which keeps the index in step with the
//! documents in the same SQLite transaction.

use crate::error::CliError;
use crate::store::{ProposalRow, Store, StoreError, Write};
use automerge::{ActorId, Automerge, ChangeHash};
use chrono::{DateTime, NaiveDate, Utc};
use doimoi_shared::calendar::Calendar;
use doimoi_shared::doc::proposal::{self, Proposal};
use doimoi_shared::doc::unit_year::{self, UnitYear};
use doimoi_shared::ids::{hex, DocId, UnitCode};
use doimoi_shared::org::Registry;
use doimoi_shared::text::fold;
use doimoi_shared::workflow::{self, Flag, ProposalState, WorkflowConfig};
use std::path::{Path, PathBuf};

/// Settings keys in the store's `meta` table.
pub mod keys {
    pub const UNIT: &str = "unit";
    /// The unit's name as this office last knew it (a rename is announced once).
    pub const UNIT_NAME: &str = "unit_name";
    pub const ACTOR: &str = "actor";
    pub const REGISTRY: &str = "registry";
    pub const CALENDAR: &str = "calendar";
    pub const HUB: &str = "hub";
    pub const TOKEN: &str = "token";
    /// The province's own CA (PEM) the hub's HTTPS certificate is signed by, if any.
    pub const HUB_CA: &str = "hub_ca";
}

pub use doimoi_shared::time::vietnam as vn_offset;

/// The current time. `DOIMOI_NOW` (RFC 3339) replaces the clock, for demonstrations and tests
/// of deadlines.
pub fn now() -> Result<DateTime<Utc>, CliError> {
    match std::env::var("DOIMOI_NOW") {
        Ok(s) => DateTime::parse_from_rfc3339(&s)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| {
                CliError::Usage(format!(
                    "DOIMOI_NOW=\"{s}\" không phải thời điểm RFC 3339 ({e}).",
                ))
            }),
        Err(_) => Ok(Utc::now()),
    }
}

/// The data folder: `--data`, `DOIMOI_DATA`, or the platform's data folder.
pub fn data_dir(flag: Option<&Path>) -> Result<PathBuf, CliError> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    directories::ProjectDirs::from("vn", "doimoi", "doimoi")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| {
            CliError::Usage(
                "Không xác định được thư mục dữ liệu: dùng --data THƯ_MỤC hoặc biến môi trường DOIMOI_DATA."
                    .into(),
            )
        })
}

pub struct App {
    pub store: Store,
    pub unit: UnitCode,
    pub actor: ActorId,
    pub registry: Registry,
    pub calendar: Calendar,
    pub config: WorkflowConfig,
    pub now_ms: i64,
    pub today: NaiveDate,
}

impl App {
    /// Opens an initialised store.
    pub fn open(dir: &Path) -> Result<App, CliError> {
        let store = Store::open(dir)?;
        let not_init = || {
            CliError::Usage(format!(
                "Chưa khởi tạo doimoi cho văn phòng tại {}. Chạy `doimoi init --unit MÃ_ĐƠN_VỊ` (xem mã bằng `doimoi org show`).",
                dir.display()
            ))
        };
        let unit = store.get_meta(keys::UNIT)?.ok_or_else(not_init)?;
        let unit = UnitCode::parse(&unit).map_err(|e| CliError::Usage(e.to_string()))?;
        let actor = store.get_meta(keys::ACTOR)?.ok_or_else(not_init)?;
        let actor = ActorId::try_from(actor.as_str()).map_err(|e| {
            CliError::Usage(format!(
                "Mã thiết bị trong kho bị hỏng ({e}); khởi tạo lại kho."
            ))
        })?;
        let registry = match store.get_meta(keys::REGISTRY)? {
            Some(json) => Registry::from_json(&json).map_err(|e| CliError::Usage(e.to_string()))?,
            None => Registry::embedded_default(),
        };
        let calendar = match store.get_meta(keys::CALENDAR)? {
            Some(json) => Calendar::from_json(&json).map_err(|e| CliError::Usage(e.to_string()))?,
            None => Calendar::embedded_default(),
        };
        let now = now()?;
        Ok(App {
            store,
            unit,
            actor,
            registry,
            config: calendar.workflow_config(),
            calendar,
            now_ms: now.timestamp_millis(),
            today: now.with_timezone(&vn_offset()).date_naive(),
        })
    }

    /// Opens the store for a command that records something: warns first (stderr) when the
    /// office's unit has ended.
    pub fn open_to_record(dir: &Path) -> Result<App, CliError> {
        let app = App::open(dir)?;
        app.warn_if_unit_ended();
        Ok(app)
    }

    /// What became of this office's unit (renamed, merged, ended), as the office should be
    /// told: [`doimoi_shared::org::diff::notice_for`] against the name it knew.
    pub fn unit_notice(&self) -> Option<String> {
        let known = self
            .store
            .get_meta(keys::UNIT_NAME)
            .ok()
            .flatten()
            .or_else(|| self.registry.get(&self.unit).map(|u| u.name.clone()))
            .unwrap_or_default();
        doimoi_shared::org::diff::notice_for(&self.registry, &self.unit, &known, self.today)
    }

    /// Prints a warning on stderr when the office's unit has ended (it records anyway: the
    /// hub decides, and history is sometimes entered late).
    pub fn warn_if_unit_ended(&self) {
        let ended = self
            .registry
            .get(&self.unit)
            .is_none_or(|u| u.valid_to.is_some_and(|t| t < self.today));
        if ended {
            if let Some(n) = self.unit_notice() {
                eprintln!("Cảnh báo: {n}");
            }
        }
    }

    /// A fresh random id (16 bytes) from the OS generator.
    pub fn random_bytes() -> [u8; 16] {
        *uuid::Uuid::new_v4().as_bytes()
    }

    pub fn new_event_id() -> String {
        hex(&Self::random_bytes()[..8])
    }

    /// Resolves a full id or a unique prefix (at least 4 characters) of a stored document.
    pub fn resolve_id(&self, s: &str) -> Result<DocId, CliError> {
        if let Ok(id) = DocId::parse(s) {
            if self.store.doc_exists(&id)? {
                return Ok(id);
            }
        }
        let p = s.trim().to_ascii_lowercase();
        if p.len() >= 4 && p.chars().all(|c| c.is_ascii_hexdigit()) {
            let found = self.store.doc_ids_with_prefix(&p)?;
            match found.as_slice() {
                [one] => return DocId::parse(one).map_err(|e| CliError::Usage(e.to_string())),
                [] => {}
                _ => {
                    return Err(CliError::Usage(format!(
                        "Mã \"{s}\" khớp với nhiều tài liệu ({}). Gõ thêm ký tự của mã.",
                        found.join(", ")
                    )))
                }
            }
        }
        Err(CliError::NotFound(format!(
            "Không có tài liệu mã \"{s}\" trong kho. Xem danh sách bằng `doimoi proposal list`, hoặc nhập tệp bằng `doimoi import`."
        )))
    }

    /// Loads a proposal document and reads it.
    pub fn load_proposal(&self, id: &DocId) -> Result<(Automerge, Proposal), CliError> {
        let (kind, doc) = self
            .store
            .load_doc(id, &self.actor)?
            .ok_or_else(|| CliError::NotFound(format!("Không có đề xuất mã {id} trong kho.")))?;
        if kind != "proposal" {
            return Err(CliError::Usage(format!(
                "Tài liệu {id} không phải đề xuất (loại {kind})."
            )));
        }
        let p = proposal::read(&doc)?;
        Ok((doc, p))
    }

    pub fn state(&self, p: &Proposal) -> ProposalState {
        workflow::derive(
            &p.facts(),
            &p.events,
            &self.registry,
            &self.calendar,
            &self.config,
            self.today,
        )
    }

    /// The index row of a proposal in a given state.
    pub fn index_row(&self, p: &Proposal, state: &ProposalState) -> ProposalRow {
        index_row(p, state, self.now_ms)
    }
}

/// The index row of a proposal in a given state, written at `now_ms`.
pub fn index_row(p: &Proposal, state: &ProposalState, now_ms: i64) -> ProposalRow {
    let mut text = format!(
        "{} {} {} {} {}",
        p.id, p.title, p.proposer, p.position, p.field
    );
    for (_, v) in &p.prose {
        text.push(' ');
        text.push_str(v);
    }
    let open_due = state
        .deadlines
        .iter()
        .filter(|d| d.done.is_none())
        .map(|d| d.due)
        .min()
        .map(|d| d.to_string());
    ProposalRow {
        id: p.id.to_string(),
        unit: p.unit.to_string(),
        deciding_unit: state.deciding_unit.to_string(),
        title: p.title.clone(),
        proposer: p.proposer.clone(),
        field: p.field.clone(),
        basis: p.basis.as_str().to_string(),
        status: state.status.as_str().to_string(),
        flags: state
            .flags
            .iter()
            .filter(|f| **f != Flag::Overdue)
            .copied()
            .collect(),
        open_due,
        created_at: p.created_at,
        updated_at: now_ms,
        folded: fold(&text),
        plain: doimoi_shared::text::nfc(&text).to_lowercase(),
        attachments: p
            .attachments
            .iter()
            .map(|a| (a.sha256.clone(), a.size, a.unit.to_string()))
            .collect(),
    }
}

impl App {
    /// Flags of an index row as of today (adds `overdue` from the stored open due date).
    pub fn row_flags(&self, row: &ProposalRow) -> Vec<Flag> {
        let mut flags = row.flags.clone();
        let overdue = row
            .open_due
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .is_some_and(|due| self.today > due);
        if overdue {
            flags.push(Flag::Overdue);
            flags.sort();
        }
        flags
    }

    /// Persists a proposal document and its index row in one transaction.
    pub fn save_proposal(
        &mut self,
        doc: &Automerge,
        before: Option<&[ChangeHash]>,
    ) -> Result<Proposal, CliError> {
        self.save_proposal_with(doc, before, None)
    }

    /// Like [`App::save_proposal`], also storing an attachment's bytes `(sha256, bytes)` in the
    /// same transaction.
    pub fn save_proposal_with(
        &mut self,
        doc: &Automerge,
        before: Option<&[ChangeHash]>,
        blob: Option<(&str, &[u8])>,
    ) -> Result<Proposal, CliError> {
        self.save_proposal_and(doc, before, |w| match blob {
            Some((sha, bytes)) => w.put_blob(sha, bytes),
            None => Ok(()),
        })
    }

    /// Like [`App::save_proposal`], also running `also` in the same transaction, after the
    /// document is written (sync records the hub's heads together with the merge it saves).
    pub fn save_proposal_and(
        &mut self,
        doc: &Automerge,
        before: Option<&[ChangeHash]>,
        also: impl FnOnce(&Write<'_>) -> Result<(), StoreError>,
    ) -> Result<Proposal, CliError> {
        let p = proposal::read(doc)?;
        let state = self.state(&p);
        let row = self.index_row(&p, &state);
        let now = self.now_ms;
        let App {
            store,
            registry,
            calendar,
            config,
            today,
            ..
        } = self;
        let w = store.write()?;
        let merged = w.save_doc(&p.id, "proposal", doc, before, now)?;
        let p = match merged {
            // Another process wrote meanwhile: index the merged document.
            Some(m) => {
                let p = proposal::read(&m)?;
                let state =
                    workflow::derive(&p.facts(), &p.events, registry, calendar, config, *today);
                w.put_proposal_row(&index_row(&p, &state, now))?;
                p
            }
            None => {
                w.put_proposal_row(&row)?;
                p
            }
        };
        also(&w)?;
        w.commit()?;
        Ok(p)
    }

    /// Loads the unit-year record, creating it (deterministically) when absent.
    pub fn unit_year_doc(&self, unit: &UnitCode, year: i32) -> Result<(Automerge, bool), CliError> {
        let id = DocId::unit_year(unit, year);
        match self.store.load_doc(&id, &self.actor)? {
            Some((_, doc)) => Ok((doc, true)),
            None => Ok((unit_year::create(self.actor.clone(), unit, year)?, false)),
        }
    }

    /// Persists a unit-year record and its index row in one transaction.
    pub fn save_unit_year(
        &mut self,
        doc: &Automerge,
        before: Option<&[ChangeHash]>,
    ) -> Result<UnitYear, CliError> {
        self.save_unit_year_and(doc, before, |_| Ok(()))
    }

    /// Like [`App::save_unit_year`], also running `also` in the same transaction, after the
    /// document is written.
    pub fn save_unit_year_and(
        &mut self,
        doc: &Automerge,
        before: Option<&[ChangeHash]>,
        also: impl FnOnce(&Write<'_>) -> Result<(), StoreError>,
    ) -> Result<UnitYear, CliError> {
        let uy = unit_year::read(doc)?;
        let now = self.now_ms;
        let w = self.store.write()?;
        let _ = w.save_doc(&uy.id, "unit_year", doc, before, now)?;
        w.put_unit_year_row(&uy.id, uy.unit.as_str(), uy.year)?;
        also(&w)?;
        w.commit()?;
        Ok(uy)
    }

    pub fn unit_label(&self, code: &UnitCode) -> String {
        match self.registry.get(code) {
            Some(u) => format!("{} ({})", u.name, u.code),
            None => code.to_string(),
        }
    }

    /// Parses a unit code and checks it is in the registry.
    pub fn known_unit(&self, s: &str) -> Result<UnitCode, CliError> {
        let code = UnitCode::parse(s).map_err(|e| CliError::Usage(e.to_string()))?;
        if self.registry.get(&code).is_none() {
            return Err(CliError::Usage(format!(
                "Không có đơn vị mã \"{code}\" trong danh mục của {}. Xem mã bằng `doimoi org show`.",
                self.registry.province_name()
            )));
        }
        Ok(code)
    }
}

/// Everything indexing a document needs apart from the store: documents received by sync are
/// read and derived on several threads, then written in one transaction.
pub struct Indexer<'a> {
    pub registry: &'a Registry,
    pub calendar: &'a Calendar,
    pub config: &'a WorkflowConfig,
    pub today: NaiveDate,
    pub now_ms: i64,
}

/// A document's index, derived from it ([`Indexer::index`]).
pub enum Indexed {
    Proposal(Box<ProposalRow>),
    UnitYear { unit: String, year: i32 },
}

impl Indexed {
    /// The `doc.kind` this index belongs to.
    pub fn kind(&self) -> &'static str {
        match self {
            Indexed::Proposal(_) => "proposal",
            Indexed::UnitYear { .. } => "unit_year",
        }
    }
}

impl App {
    /// The store (to write), the actor and an indexer over the rest, borrowed together: what
    /// merging documents from the hub needs.
    pub fn indexing(&mut self) -> (&mut Store, &ActorId, Indexer<'_>) {
        let App {
            store,
            actor,
            registry,
            calendar,
            config,
            today,
            now_ms,
            ..
        } = self;
        let indexer = Indexer {
            registry,
            calendar,
            config,
            today: *today,
            now_ms: *now_ms,
        };
        (store, actor, indexer)
    }
}

impl Indexer<'_> {
    /// The document's own id and its index (as [`App::save_proposal`] and
    /// [`App::save_unit_year`] derive them).
    pub fn index(&self, doc: &Automerge) -> Result<(DocId, Indexed), doimoi_shared::doc::DocError> {
        match doimoi_shared::doc::kind_of(doc)? {
            doimoi_shared::doc::DocKind::Proposal => {
                let p = proposal::read(doc)?;
                let row = self.row(&p);
                Ok((p.id, Indexed::Proposal(Box::new(row))))
            }
            doimoi_shared::doc::DocKind::UnitYear => {
                let uy = unit_year::read(doc)?;
                Ok((
                    uy.id,
                    Indexed::UnitYear {
                        unit: uy.unit.to_string(),
                        year: uy.year,
                    },
                ))
            }
        }
    }

    fn row(&self, p: &Proposal) -> ProposalRow {
        let state = workflow::derive(
            &p.facts(),
            &p.events,
            self.registry,
            self.calendar,
            self.config,
            self.today,
        );
        index_row(p, &state, self.now_ms)
    }

    /// Writes `doc` and its index inside `w`. `whole`: the document's whole saved form, packed
    /// for storage (`stored::pack`), stored as it is when the store has no copy yet. If another process wrote the
    /// document meanwhile, the versions are merged and the merged one is indexed.
    pub fn write(
        &self,
        w: &Write<'_>,
        id: &DocId,
        index: &Indexed,
        doc: &Automerge,
        before: Option<&[ChangeHash]>,
        whole: Option<&[u8]>,
    ) -> Result<(), CliError> {
        let kind = index.kind();
        let merged = match (whole, before) {
            (Some(packed), None) => w.save_new_doc_bytes(id, kind, doc, packed, self.now_ms)?,
            _ => w.save_doc(id, kind, doc, before, self.now_ms)?,
        };
        match index {
            Indexed::Proposal(row) => match merged {
                Some(m) => {
                    let p = proposal::read(&m)?;
                    w.put_proposal_row(&self.row(&p))?;
                }
                None => w.put_proposal_row(row)?,
            },
            Indexed::UnitYear { unit, year } => w.put_unit_year_row(id, unit, *year)?,
        }
        Ok(())
    }
}

/// Parses a YYYY-MM-DD date typed by a user.
pub fn parse_date(s: &str, flag: &str) -> Result<NaiveDate, CliError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        CliError::Usage(format!(
            "{flag} \"{s}\" không phải ngày hợp lệ: dùng dạng NĂM-THÁNG-NGÀY, ví dụ 2024-07-31."
        ))
    })
}
