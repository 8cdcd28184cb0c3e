//! `doimoi-hub backup FILE` and `doimoi-hub restore FILE`.
//!
//! A backup is a consistent copy of the store taken while the hub serves (SQLite's `VACUUM
//! INTO` reads one snapshot of the WAL database; pushes go on meanwhile). A restore goes into an
//! empty data folder, and is verified before it is put in place: every document loads, and the
//! report tables rebuilt from the documents are row for row those of the backup. The restored
//! store gets a new *epoch* (`store_epoch`), which the hub sends with every sync answer: an
//! office that sees the epoch change offers all its documents again (and reads the feed from
//! the start), so what it synced after the backup comes back to the hub.

use crate::store::{keys, Db};
use std::path::Path;

/// A new random epoch.
pub fn new_epoch() -> String {
    doimoi_shared::ids::hex(uuid::Uuid::new_v4().as_bytes())
}

/// The store's epoch, made on first use.
pub fn epoch(db: &Db) -> anyhow::Result<String> {
    if let Some(e) = db.get_meta(keys::STORE_EPOCH)?.filter(|e| !e.is_empty()) {
        return Ok(e);
    }
    let e = new_epoch();
    db.set_meta(&[(keys::STORE_EPOCH, e.as_str())])?;
    Ok(e)
}

/// Writes a consistent copy of the store at `data` into `file` (which must not exist).
pub fn backup(data: &Path, file: &Path) -> anyhow::Result<String> {
    if file.exists() {
        anyhow::bail!(
            "tệp {} đã có; chọn tên tệp sao lưu khác (không ghi đè bản sao lưu cũ)",
            file.display()
        );
    }
    let db_path = data.join("hub.db");
    if !db_path.exists() {
        anyhow::bail!(
            "không có kho dữ liệu tại {} (--data); không có gì để sao lưu",
            data.display()
        );
    }
    let started = std::time::Instant::now();
    let db = Db::open(data, 1)?;
    let docs = db.count_docs()?;
    let target = file
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("đường dẫn {} không đọc được", file.display()))?;
    db.writer()
        .execute("VACUUM INTO ?1", [target])
        .map_err(|e| anyhow::anyhow!("không ghi được bản sao lưu {}: {e}", file.display()))?;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    Ok(format!(
        "Đã sao lưu {docs} tài liệu vào {} ({:.1} MB) trong {:.1} giây. Máy chủ vẫn phục vụ trong lúc sao lưu.",
        file.display(),
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    ))
}

/// The report tables, row by row, sorted: what a restore compares before and after rebuilding.
fn projection_rows(db: &Db) -> anyhow::Result<Vec<String>> {
    let conn = db.writer();
    let mut rows = Vec::new();
    for (table, cols) in [
        (
            "proj_proposal",
            "doc_id, unit, submitted, last_day, status, hex(row)",
        ),
        ("proj_event", "doc_id, event_id, kind, day, unit"),
        ("proj_unit_year", "doc_id, unit, year, row"),
    ] {
        let mut stmt = conn.prepare(&format!(
            "SELECT '{table}' || '|' || {} FROM {table}",
            cols.split(", ")
                .map(|c| format!("COALESCE({c}, '')"))
                .collect::<Vec<_>>()
                .join(" || '|' || ")
        ))?;
        let found = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.extend(found);
    }
    rows.sort();
    Ok(rows)
}

/// Restores `file` (a backup) into the empty data folder `data`, verified.
pub fn restore(data: &Path, file: &Path) -> anyhow::Result<String> {
    let started = std::time::Instant::now();
    if data.join("hub.db").exists() {
        anyhow::bail!(
            "thư mục dữ liệu {} đã có kho (hub.db): khôi phục vào một thư mục trống (--data THƯ_MỤC_MỚI), hoặc chuyển kho cũ đi trước",
            data.display()
        );
    }
    if !file.is_file() {
        anyhow::bail!("không có tệp sao lưu {}", file.display());
    }
    std::fs::create_dir_all(data)
        .map_err(|e| anyhow::anyhow!("không tạo được thư mục {}: {e}", data.display()))?;
    // Verified in a folder of its own, moved into place only when it holds.
    let work = data.join("restoring");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    std::fs::create_dir_all(&work)?;
    let result = (|| -> anyhow::Result<(i64, usize)> {
        std::fs::copy(file, work.join("hub.db"))
            .map_err(|e| anyhow::anyhow!("không đọc được tệp sao lưu {}: {e}", file.display()))?;
        let db = Db::open(&work, 1).map_err(|e| {
            anyhow::anyhow!(
                "tệp {} không phải bản sao lưu doimoi-hub dùng được ({e})",
                file.display()
            )
        })?;
        let docs = db.count_docs()?;
        // Every document loads.
        let ids: Vec<String> = {
            let conn = db.writer();
            let mut stmt = conn.prepare("SELECT id FROM doc ORDER BY id")?;
            let ids = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            ids
        };
        for id in &ids {
            match db.load_doc(id) {
                Ok(Some(_)) => {}
                Ok(None) => {
                    anyhow::bail!("tài liệu {id} có trong danh sách nhưng không có dữ liệu")
                }
                Err(e) => anyhow::bail!("tài liệu {id} không đọc được: {e}"),
            }
        }
        // The report tables rebuild to what the backup holds.
        let before = projection_rows(&db)?;
        crate::ops::reindex(&db)?;
        let after = projection_rows(&db)?;
        if before != after {
            let differ = before.iter().zip(&after).filter(|(a, b)| a != b).count()
                + before.len().abs_diff(after.len());
            anyhow::bail!(
                "bảng số liệu báo cáo dựng lại từ tài liệu khác bản sao lưu ở {differ} dòng: bản sao lưu không nhất quán, không khôi phục"
            );
        }
        db.set_meta(&[(keys::STORE_EPOCH, new_epoch().as_str())])?;
        Ok((docs, before.len()))
    })();
    match result {
        Ok((docs, rows)) => {
            for name in ["hub.db", "hub.db-wal", "hub.db-shm"] {
                let from = work.join(name);
                if from.exists() {
                    std::fs::rename(&from, data.join(name))?;
                }
            }
            std::fs::remove_dir_all(&work)?;
            Ok(format!(
                "Đã khôi phục {docs} tài liệu từ {} vào {} trong {:.1} giây: mọi tài liệu đọc được, {rows} dòng số liệu báo cáo dựng lại khớp bản sao lưu. Các văn phòng tự gửi lại những gì đã đồng bộ sau lúc sao lưu ở lần đồng bộ tới.",
                file.display(),
                data.display(),
                started.elapsed().as_secs_f64()
            ))
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&work);
            Err(e)
        }
    }
}
