//! `doimoi report`: pulls the consolidated report from the hub (reports are the one thing that
//! waits on the hub: they consolidate every office's data).

use super::Out;
use crate::app::App;
use crate::cli::ReportArgs;
use crate::error::CliError;

use crate::actions::report::{current_year, fetch, ReportQuery, FORMATS};

pub fn run(app: App, args: ReportArgs, out: Out) -> Result<(), CliError> {
    let period = match args.period.as_deref().map(str::trim) {
        Some(p) if !p.is_empty() => p.to_string(),
        _ => {
            let year = current_year(app.today);
            // Said on stderr so that the report itself (JSON, CSV on stdout) stays clean.
            eprintln!(
                "Không có --period: lập báo cáo năm {year} (từ 15/12/{} đến 14/12/{year}).",
                year - 1
            );
            year.to_string()
        }
    };
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
            period.as_str()
        )));
    }
    let bytes = fetch(
        &app,
        &ReportQuery {
            period: period.clone(),
            format: format.clone(),
            as_of: args.as_of.clone(),
            as_of_mode: args.as_of_mode.clone(),
            unit: args.unit.clone(),
            number: args.number.clone(),
            date: args.date.clone(),
        },
    )?;
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
                    period.as_str(),
                    bytes.len(),
                    path.display()
                )
            })
        }
        None => super::write_raw(&bytes),
    }
}
