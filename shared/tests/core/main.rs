//! The core's behaviour through its public API, in one test binary: documents as Automerge
//! sees them, and the procedure over whole event logs (properties included).

mod documents;
mod workflow;
