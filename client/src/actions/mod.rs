//! The application functions: each action a clerk can take, with plain typed inputs and typed
//! results or a [`CliError`](crate::CliError). The command line (`commands/`) and the office web
//! app (`web/`) both call these and nothing else to change a document, so a rule lives in one
//! place (the one-core rule, `ARCHITECTURE.md`). Output formatting stays with the callers.

pub mod docs;
pub mod duty;
pub mod proposal;
pub mod report;
pub mod settings;
pub mod status;
