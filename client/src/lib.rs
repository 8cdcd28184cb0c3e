//! # doimoi-client
//!
//! The office client: a local Automerge store in SQLite ([`store`]) and the `doimoi` CLI
//! ([`cli`], [`commands`]). Everything works offline; documents are the source of truth and the
//! index tables are derived from them.
//!
//! Layout: `cli.rs` (clap definitions), `commands/` (one file per command group, all output
//! text in Vietnamese), `app.rs` (the opened office: store, unit, actor, registry, calendar),
//! `store.rs` (the only SQL), `sync.rs` (one sync pass) with `sync/hub_client.rs` (the only
//! code that knows hub URLs) and `sync/worker.rs` (`doimoi serve`), `error.rs`.

pub mod actions;
pub mod app;
pub mod choices;
pub mod clap_vi;
pub mod cli;
pub mod commands;
pub mod error;
pub mod search;
pub mod store;
pub mod sync;
pub mod web;

pub use error::CliError;

/// Runs one parsed command.
pub fn run(cli: cli::Cli) -> Result<(), CliError> {
    commands::dispatch(cli)
}

/// Runs the command line `args` (the program name first, as `std::env::args_os` gives it):
/// help and version on stdout with status 0, usage errors in Vietnamese ([`clap_vi::message`])
/// on stderr with status 2, any other error in Vietnamese on stderr with
/// [`CliError::exit_code`]. `main.rs` and the end-to-end tests' twin binary call it.
pub fn main_with<I, T>(args: I) -> std::process::ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    let cli = match clap_vi::parse_from(args.clone()) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with status 0, usage errors to stderr with 2.
            match clap_vi::message(&e, &args) {
                Some(m) => eprintln!("Lỗi: {m}"),
                None => {
                    let _ = e.print();
                }
            }
            return std::process::ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "Lỗi: {}",
                doimoi_shared::text::escape_controls(&e.to_string())
            );
            std::process::ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
        }
    }
}
