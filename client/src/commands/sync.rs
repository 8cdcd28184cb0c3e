//! `doimoi sync`, `doimoi serve`, `doimoi status`, `doimoi refused`.

use super::{local_time, Out};
use crate::app::App;
use crate::cli::RefusedCmd;
use crate::error::CliError;
use crate::sync::{hub_for, sync_once, SyncError};
use serde_json::json;
use std::io::IsTerminal;
use std::path::Path;

fn sync_error(e: SyncError) -> CliError {
    match e {
        SyncError::Local(c) => c,
        // Every hub error reads as one sentence ending with a full stop.
        SyncError::Hub(h) => CliError::Sync(format!("{}.", h.to_string().trim_end_matches('.'))),
    }
}

pub fn sync(mut app: App, out: Out) -> Result<(), CliError> {
    let hub = hub_for(&app)?;
    // A progress bar for long first syncs, on a terminal only.
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template("Đồng bộ {bar:30} {pos}/{len} tài liệu")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let mut progress = |done: usize, total: usize| {
        if let Some(b) = &bar {
            if total > 200 {
                b.set_length(total as u64);
                b.set_position(done as u64);
            }
        }
    };
    let report = sync_once(&mut app, &hub, &mut progress).map_err(sync_error)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    out.emit(&report, || {
        let mut s = format!(
            "Đồng bộ xong với {}: gửi {} tài liệu ({} byte), nhận {} tài liệu ({} byte), {} lượt trao đổi.",
            hub.base(),
            report.docs_up,
            report.bytes_up,
            report.docs_down,
            report.bytes_down,
            report.round_trips
        );
        for id in &report.refused {
            s.push_str(&format!(
                "\nMáy chủ từ chối thay đổi của tài liệu {id}: bản của văn phòng đã được cất riêng (xem `doimoi refused list`), đã lấy bản của máy chủ."
            ));
            if report.salvaged.contains(id) {
                s.push_str(" Phần việc khác của văn phòng trong tài liệu này (ý kiến, tệp đính kèm, các thay đổi không phụ thuộc vào thay đổi bị từ chối) được giữ lại và gửi lại.");
            }
        }
        if let Some(n) = &report.unit_notice {
            s.push_str(&format!("\nThông báo về đơn vị: {n}"));
        }
        if report.hub_restored {
            s.push_str("\nMáy chủ đã được khôi phục từ bản sao lưu: văn phòng đã gửi lại toàn bộ tài liệu của mình để máy chủ có đủ.");
        }
        s.push_str(&crate::sync::blobs::text(&report));
        s
    })
}

/// `doimoi serve`: the background sync and the office web app, one process per store.
pub fn serve(dir: &Path, interval: u64, listen: &str, out: Out) -> Result<(), CliError> {
    crate::web::serve(dir, listen, interval, out.json)
}

/// `doimoi open`: the app in the browser, or its address.
pub fn open(dir: &Path, print: bool, out: Out) -> Result<(), CliError> {
    let url = crate::web::open(dir, print)?;
    out.emit(&json!({ "url": url }), || {
        if url.is_empty() {
            "Đã mở ứng dụng trong trình duyệt.".into()
        } else if print {
            url.clone()
        } else {
            format!(
                "Không mở được trình duyệt trên máy này. Dán địa chỉ sau vào trình duyệt:\n{url}"
            )
        }
    })
}

pub fn status(app: App, out: Out) -> Result<(), CliError> {
    let crate::actions::status::SyncStatus {
        hub,
        last_sync,
        last_error,
        last_error_kind,
        pending_changes: pending,
        pending_documents: pending_docs,
        refused_copies: refused,
    } = crate::actions::status::sync_status(&app, true)?;
    let value = json!({
        "unit": app.unit.as_str(),
        "hub": hub,
        "last_sync": last_sync.map(|t| chrono::DateTime::from_timestamp_millis(t).map(|d| d.to_rfc3339())),
        "pending_changes": pending,
        "pending_documents": pending_docs,
        "last_error": last_error.as_ref().map(|m| json!({"kind": last_error_kind, "message": m})),
        "refused_copies": refused,
        "unit_notice": app.unit_notice(),
    });
    out.emit(&value, || {
        let mut s = format!("Văn phòng: {}\n", app.unit_label(&app.unit));
        s.push_str(&format!(
            "Máy chủ: {}\n",
            hub.clone()
                .unwrap_or_else(|| "chưa cấu hình (chỉ làm việc ngoại tuyến)".into())
        ));
        s.push_str(&format!(
            "Đồng bộ thành công gần nhất: {}\n",
            last_sync
                .map(local_time)
                .unwrap_or_else(|| "chưa có".into())
        ));
        s.push_str(&format!(
            "Thay đổi chưa gửi: {pending} (trong {pending_docs} tài liệu)\n"
        ));
        if let Some(e) = &last_error {
            s.push_str(&format!("Lỗi gần nhất: {e}\n"));
        }
        if refused > 0 {
            s.push_str(&format!(
                "Bản bị máy chủ từ chối, đã cất riêng: {refused} (`doimoi refused list`)\n"
            ));
        }
        if let Some(n) = app.unit_notice() {
            s.push_str(&format!("Thông báo về đơn vị: {n}\n"));
        }
        s
    })
}

pub fn refused(app: App, cmd: RefusedCmd, out: Out) -> Result<(), CliError> {
    match cmd {
        RefusedCmd::List => {
            let rows = app.store.refused()?;
            let v: Vec<_> = rows
                .iter()
                .map(|r| json!({"n": r.n, "id": r.doc_id, "at": r.at, "change": r.change, "reason": r.reason}))
                .collect();
            out.emit(&v, || {
                if rows.is_empty() {
                    return "Không có bản nào bị từ chối.".into();
                }
                rows.iter()
                    .map(|r| {
                        format!(
                            "{}. {} tài liệu {}: {}\n",
                            r.n,
                            local_time(r.at),
                            r.doc_id,
                            r.reason
                        )
                    })
                    .collect()
            })
        }
        RefusedCmd::Export { n, output } => {
            let bytes = app.store.refused_bytes(n)?.ok_or_else(|| {
                CliError::NotFound(format!(
                    "Không có bản bị từ chối số {n} (xem `doimoi refused list`)."
                ))
            })?;
            std::fs::write(&output, &bytes)
                .map_err(|e| CliError::io(format!("Không ghi được tệp {}", output.display()), e))?;
            out.emit(
                &json!({"n": n, "file": output.display().to_string()}),
                || format!("Đã ghi bản bị từ chối số {n} ra {}.", output.display()),
            )
        }
    }
}
