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

pub mod app;
pub mod cli;
pub mod commands;
pub mod error;
pub mod store;
pub mod sync;

pub use error::CliError;

/// Runs one parsed command.
pub fn run(cli: cli::Cli) -> Result<(), CliError> {
    commands::dispatch(cli)
}
