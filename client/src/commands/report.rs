//! `doimoi report`: pulls the consolidated report from the hub (reports are the one thing that
//! waits on the hub: they consolidate every office's data).

use super::Out;
use crate::app::App;
use crate::cli::ReportArgs;
use crate::error::CliError;
use crate::sync::hub_for;
use std::io::Write;

const FORMATS: [&str; 5] = ["json", "csv", "xlsx", "docx", "html"];

pub fn run(app: App, args: ReportArgs, out: Out) -> Result<(), CliError> {
    let format = args.format.trim().to_ascii_lowercase();
    if !FORMATS.contains(&format.as_str()) {
        return Err(CliError::Usage(format!(
            "Định dạng \"{}\" không hỗ trợ; dùng một trong: {}.",
            args.format,
            FORMATS.join(", ")
        )));
    }
    let binary = matches!(format.as_str(), "xlsx" | "docx");
    if binary && args.output.is_none() {
        return Err(CliError::Usage(format!(
            "Tệp {format} cần nơi lưu: thêm -o TỆP, ví dụ -o bao-cao-{}.{format}.",
            args.period.trim()
        )));
    }
    let hub = hub_for(&app)?;
    let mut query = vec![("period", args.period.trim()), ("format", format.as_str())];
    if let Some(d) = args.as_of.as_deref() {
        query.push(("as_of", d.trim()));
    }
    if let Some(m) = args.as_of_mode.as_deref() {
        query.push(("as_of_mode", m.trim()));
    }
    if let Some(u) = args.unit.as_deref() {
        query.push(("unit", u.trim()));
    }
    if let Some(n) = args.number.as_deref() {
        query.push(("number", n.trim()));
    }
    if let Some(d) = args.date.as_deref() {
        query.push(("date", d.trim()));
    }
    let bytes = hub.report(&query).map_err(|e| {
        CliError::Sync(format!(
            "Không lấy được báo cáo: {e}. Báo cáo tổng hợp được lập trên máy chủ, cần kết nối mạng."
        ))
    })?;
    match &args.output {
        Some(path) => {
            // Written beside the target, then renamed: a reader never sees half a file.
            let tmp = path.with_extension(format!("{format}.part"));
            let io = |what: String| move |source| CliError::Io { what, source };
            std::fs::write(&tmp, &bytes)
                .map_err(io(format!("Không ghi được tệp {}", tmp.display())))?;
            std::fs::rename(&tmp, path)
                .map_err(io(format!("Không ghi được tệp {}", path.display())))?;
            let summary = serde_json::json!({
                "file": path.display().to_string(),
                "format": format,
                "bytes": bytes.len(),
            });
            out.emit(&summary, || {
                format!(
                    "Đã lưu báo cáo kỳ {} ({format}, {} byte) vào {}.",
                    args.period.trim(),
                    bytes.len(),
                    path.display()
                )
            })
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(&bytes)
                .and_then(|_| stdout.flush())
                .map_err(|source| CliError::Io {
                    what: "Không ghi được ra màn hình".into(),
                    source,
                })
        }
    }
}
