//! `doimoi proposal attachment ID NAME -o FILE`: writes out an attachment's bytes (here once
//! attached on this machine, or downloaded by sync: `sync/blobs.rs`); and the size limit
//! `doimoi proposal attach` keeps to.

use super::Out;
use crate::app::App;
use crate::error::CliError;
use doimoi_shared::blob::DEFAULT_MAX_BYTES;
use doimoi_shared::doc::proposal::Attachment;
use serde_json::json;
use std::io::Write as _;
use std::path::Path;

/// Refuses a file larger than the hub accepts by default (it could never travel).
pub fn check_size(file: &Path) -> Result<(), CliError> {
    let len = std::fs::metadata(file)
        .map_err(|e| CliError::io(format!("Không đọc được tệp {}", file.display()), e))?
        .len();
    if len > DEFAULT_MAX_BYTES {
        return Err(CliError::Usage(format!(
            "Tệp {} có {len} byte, lớn hơn giới hạn {DEFAULT_MAX_BYTES} byte (20 MiB) của tệp đính kèm; hãy nén hoặc chia nhỏ tệp. Không có gì được ghi.",
            file.display()
        )));
    }
    Ok(())
}

/// The attachment named `name` (its file name, or a prefix of at least 6 digits of its hash).
fn find<'a>(list: &'a [Attachment], name: &str, id: &str) -> Result<&'a Attachment, CliError> {
    let wanted = doimoi_shared::text::nfc(name.trim());
    let by_name: Vec<&Attachment> = list.iter().filter(|a| a.name == wanted).collect();
    let by_hash: Vec<&Attachment> = if wanted.len() >= 6 {
        let lower = wanted.to_lowercase();
        list.iter()
            .filter(|a| a.sha256.starts_with(&lower))
            .collect()
    } else {
        Vec::new()
    };
    let found = if by_name.is_empty() { by_hash } else { by_name };
    let mut distinct: Vec<&Attachment> = found.clone();
    distinct.sort_by(|a, b| a.sha256.cmp(&b.sha256));
    distinct.dedup_by(|a, b| a.sha256 == b.sha256);
    match distinct.as_slice() {
        [one] => Ok(one),
        [] => {
            let names: Vec<&str> = list.iter().map(|a| a.name.as_str()).collect();
            Err(CliError::NotFound(if names.is_empty() {
                format!("Đề xuất {id} không có tệp đính kèm nào.")
            } else {
                format!(
                    "Đề xuất {id} không có tệp đính kèm tên \"{wanted}\". Các tệp đính kèm: {}.",
                    names.join(", ")
                )
            }))
        }
        many => Err(CliError::Usage(format!(
            "Có {} tệp đính kèm khác nhau khớp \"{wanted}\" trong đề xuất {id}; ghi vài ký tự đầu của mã SHA-256 (xem `doimoi proposal show {id}`).",
            many.len()
        ))),
    }
}

pub fn write_out(app: &App, id: &str, name: &str, output: &Path, out: Out) -> Result<(), CliError> {
    let id = app.resolve_id(id)?;
    let (_, p) = app.load_proposal(&id)?;
    let a = find(&p.attachments, name, id.as_str())?;
    let bytes = app.store.get_blob(&a.sha256)?.ok_or_else(|| {
        CliError::NotFound(format!(
            "Nội dung tệp \"{}\" chưa tải về máy này, hãy đồng bộ (`doimoi sync`); tệp được tải sau khi văn phòng đính kèm đã đồng bộ.",
            a.name
        ))
    })?;
    // Written beside the target, then moved into place: never a half-written file.
    let tmp = output.with_extension("doimoi-tmp");
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(&bytes)?;
        f.sync_all()
    });
    let written = written.and_then(|()| std::fs::rename(&tmp, output));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(CliError::io(
            format!("Không ghi được tệp {}", output.display()),
            e,
        ));
    }
    out.emit(
        &json!({
            "id": id.to_string(),
            "name": a.name,
            "sha256": a.sha256,
            "size": bytes.len(),
            "output": output.display().to_string(),
        }),
        || {
            format!(
                "Đã ghi tệp đính kèm {} ({} byte) ra {}.",
                a.name,
                bytes.len(),
                output.display()
            )
        },
    )
}
