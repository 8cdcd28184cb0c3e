//! One module per command group. Each prints Vietnamese text, or JSON on stdout with `--json`.

mod attachment;
mod calendar;
mod docs;
mod duty;
mod init;
mod org;
mod proposal;
mod report;
mod sync;

use crate::app::{data_dir, App};
use crate::cli::{Cli, Command};
use crate::error::CliError;
use serde::Serialize;

/// Output mode, chosen by `--json`.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub json: bool,
}

impl Out {
    /// Prints `value` as JSON when `--json`, else the text `human` builds.
    pub fn emit<T: Serialize>(
        &self,
        value: &T,
        human: impl FnOnce() -> String,
    ) -> Result<(), CliError> {
        if self.json {
            let s = serde_json::to_string_pretty(value)
                .map_err(|e| CliError::Usage(format!("Không tạo được JSON: {e}")))?;
            write_stdout(s.as_bytes())?;
        } else {
            let text = human();
            if !text.is_empty() {
                let text = doimoi_shared::text::escape_controls(text.trim_end());
                write_stdout(text.as_bytes())?;
            }
        }
        Ok(())
    }
}

/// Writes `bytes` and a newline to stdout. When the reader has gone (`doimoi proposal list |
/// head`), the process ends quietly with status 0 instead of `println!`'s panic.
pub fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    write_raw(bytes).and_then(|()| write_raw(b"\n"))
}

/// Writes `bytes` to stdout as they are (see [`write_stdout`] for a closed pipe).
pub fn write_raw(bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(source) => Err(CliError::Io {
            what: "Không ghi được ra màn hình".into(),
            source,
        }),
    }
}

pub fn dispatch(cli: Cli) -> Result<(), CliError> {
    let out = Out { json: cli.json };
    let dir = data_dir(cli.data.as_deref())?;
    match cli.command {
        Command::Org(cmd) => org::run(&dir, cmd, out),
        Command::Init(args) => init::run(&dir, args, out),
        Command::Proposal(cmd) => {
            let app = App::open(&dir)?;
            if cmd.records() {
                app.warn_if_unit_ended();
            }
            proposal::run(app, *cmd, out)
        }
        Command::Comment(args) => proposal::comment(App::open_to_record(&dir)?, args, out),
        Command::Duty(cmd) => duty::run(App::open_to_record(&dir)?, cmd, out),
        Command::Search(args) => docs::search(App::open(&dir)?, args, out),
        Command::History(args) => docs::history(App::open(&dir)?, args, out),
        Command::Export(args) => docs::export(App::open(&dir)?, args, out),
        Command::Import(args) => docs::import(App::open(&dir)?, args, out),
        Command::Sync => sync::sync(App::open(&dir)?, out),
        Command::Serve { interval, listen } => sync::serve(&dir, interval, &listen, out),
        Command::Open { print } => sync::open(&dir, print, out),
        Command::Status => sync::status(App::open(&dir)?, out),
        Command::Report(args) => report::run(App::open(&dir)?, args, out),
        Command::Refused(cmd) => sync::refused(App::open(&dir)?, cmd, out),
        Command::Reindex => docs::reindex(App::open(&dir)?, out),
        Command::Compact => docs::compact(App::open(&dir)?, out),
        Command::Calendar(cmd) => calendar::run(App::open(&dir)?, cmd, out),
    }
}

/// Formats milliseconds since the epoch as local (+07:00) date and time.
pub fn local_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&crate::app::vn_offset())
                .format("%d/%m/%Y %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}
