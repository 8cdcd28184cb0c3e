//! The CLI's error: a Vietnamese message that names the rule broken and what to do.

use crate::store::StoreError;
use doimoi_shared::doc::DocError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Wrong or missing input; nothing was written.
    #[error("{0}")]
    Usage(String),
    /// The thing named does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The procedure refuses the step (order or authority); nothing was written.
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Doc(#[from] DocError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    /// The hub could not be reached or refused the sync; local data is unchanged.
    #[error("{0}")]
    Sync(String),
}

impl CliError {
    /// Exit status: 2 for wrong input, 3 for a refused step, 4 for a missing object, 5 for a
    /// failed sync, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Refused(_) => 3,
            CliError::NotFound(_) => 4,
            CliError::Sync(_) => 5,
            CliError::Store(_) | CliError::Doc(_) | CliError::Io { .. } => 1,
        }
    }

    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        CliError::Io {
            what: what.into(),
            source,
        }
    }
}
