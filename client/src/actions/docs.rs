//! Whole documents: export to a file's bytes, import (merge) a file's bytes.

use crate::app::App;
use crate::error::CliError;
use automerge::{Automerge, LoadOptions, OnPartialLoad, ReadDoc};
use doimoi_shared::doc::{kind_of, proposal, unit_year, DocKind};
use doimoi_shared::ids::DocId;

/// The whole document `id` as saved bytes (what `doimoi export` writes).
pub fn export(app: &App, id: &DocId) -> Result<Vec<u8>, CliError> {
    let (_, doc) = app
        .store
        .load_doc(id, &app.actor)?
        .ok_or_else(|| CliError::NotFound(format!("Không có tài liệu {id}.")))?;
    Ok(doc.save())
}

fn foreign(file: &str, why: &str) -> CliError {
    CliError::Usage(format!(
        "Tệp {file} không nhập được: {why}. Chỉ nhập tệp tạo bằng `doimoi export` của doimoi; không có gì bị thay đổi."
    ))
}

/// A document file imported: its id and kind, whether it was new here, and how many changes
/// it added.
pub struct Imported {
    pub id: DocId,
    pub kind: DocKind,
    pub is_new: bool,
    pub added: usize,
}

/// Imports a document file (`file` names it in messages): checks it is a complete doimoi
/// document of a unit of this registry sharing its first change with any local copy, then
/// merges and saves it in one transaction.
pub fn import(app: &mut App, file: &str, bytes: &[u8]) -> Result<Imported, CliError> {
    // A damaged file may make Automerge panic while loading or merging it: it is refused like
    // any other damaged file, and nothing is written (the store's transaction is not reached).
    without_panic(|| import_checked(app, file, bytes)).unwrap_or_else(|| {
        Err(foreign(
            file,
            "tệp bị hỏng: dữ liệu Automerge không đọc được",
        ))
    })
}

/// Runs `f`, turning a panic inside it (Automerge on some damaged files) into `None`, with
/// the panic's own message kept off the terminal.
fn without_panic<T>(f: impl FnOnce() -> T) -> Option<T> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    r.ok()
}

fn import_checked(app: &mut App, file: &str, bytes: &[u8]) -> Result<Imported, CliError> {
    if bytes.is_empty() {
        return Err(foreign(file, "tệp rỗng"));
    }
    let mut incoming = Automerge::load_with_options(
        bytes,
        LoadOptions::new().on_partial_load(OnPartialLoad::Error),
    )
    .map_err(|e| foreign(file, &format!("không phải tài liệu Automerge hợp lệ ({e})")))?;
    if !incoming.get_missing_deps(&[]).is_empty() {
        return Err(foreign(file, "tài liệu thiếu một phần lịch sử"));
    }
    let kind = kind_of(&incoming).map_err(|e| foreign(file, &e.to_string()))?;
    let (id, unit) = match kind {
        DocKind::Proposal => {
            let p = proposal::read(&incoming).map_err(|e| foreign(file, &e.to_string()))?;
            (p.id, p.unit)
        }
        DocKind::UnitYear => {
            let u = unit_year::read(&incoming).map_err(|e| foreign(file, &e.to_string()))?;
            if u.id != DocId::unit_year(&u.unit, u.year) {
                return Err(foreign(
                    file,
                    "mã hồ sơ nhiệm vụ không khớp với đơn vị và năm",
                ));
            }
            (u.id, u.unit)
        }
    };
    if app.registry.get(&unit).is_none() {
        return Err(foreign(
            file,
            &format!(
                "tài liệu thuộc đơn vị {unit}, không có trong danh mục của {}",
                app.registry.province_name()
            ),
        ));
    }
    let existing = app.store.load_doc(&id, &app.actor)?;
    let (doc, before, added, is_new) = match existing {
        Some((local_kind, mut local)) => {
            if local_kind != kind.as_str() {
                return Err(foreign(
                    file,
                    "cùng mã với một tài liệu khác loại trong kho",
                ));
            }
            // Same document only if it shares the local document's first change.
            let first = local.get_changes_meta(&[]).first().map(|c| c.hash);
            if let Some(h) = first {
                if incoming.get_change_meta_by_hash(&h).is_none() {
                    return Err(foreign(
                        file,
                        "cùng mã nhưng không cùng lịch sử với tài liệu trong kho",
                    ));
                }
            }
            let before = local.get_heads();
            local
                .merge(&mut incoming)
                .map_err(|e| foreign(file, &format!("không hợp nhất được ({e})")))?;
            let added = local.get_changes(&before).len();
            (local, Some(before), added, false)
        }
        None => {
            incoming.set_actor(app.actor.clone());
            let n = incoming.get_changes(&[]).len();
            (incoming, None, n, true)
        }
    };
    match kind {
        DocKind::Proposal => {
            app.save_proposal(&doc, before.as_deref())?;
        }
        DocKind::UnitYear => {
            app.save_unit_year(&doc, before.as_deref())?;
        }
    }
    Ok(Imported {
        id,
        kind,
        is_new,
        added,
    })
}
