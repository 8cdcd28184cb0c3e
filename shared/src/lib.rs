//! # doimoi-shared
//!
//! Everything the office client and the hub must agree on, pure and free of I/O
//! (no tokio, axum, rusqlite or reqwest here — see `ARCHITECTURE.md`):
//!
//! - [`ids`]: validated identifiers (unit codes, document ids, event ids).
//! - [`text`]: NFC normalisation and diacritic-insensitive folding for search.
//! - [`time`]: Vietnam's calendar day (+07:00), the one place that knows the offset.
//! - [`heads`]: the one encoding of a document's heads (wire and both stores).
//! - [`org`]: the org registry (units, kinds, parents, validity, lineage), built from the
//!   official administrative-unit datasets embedded in this crate.
//! - [`calendar`]: the working-day calendar (weekends, public holidays, yearly swaps) as data.
//! - [`doc`]: the only code that knows Automerge paths — typed read/write of the proposal and
//!   unit-year documents.
//! - [`workflow`]: one pure function from a proposal's events to its state (status, deadlines,
//!   flags), including authority, ordering and conflict rules.
//! - [`scope`]: which office may see and sync which documents.
//! - [`validate`]: the hub's ingress check of incoming changes (honest clients run it too).
//! - [`wire`]: the sync protocol's wire types and encoding.
//! - [`par`]: an ordered parallel map over the cores (pure CPU work, no I/O).
//! - [`report`]: the consolidated report: periods, projection rows, figures.
//! - [`stored`]: Automerge bytes at rest (packed with zstd) and on the wire.
//! - [`blob`]: attachment bytes between offices and the hub: names, limits, headers.
//!
//! Time and ids are always passed in; nothing here reads the clock or the disk.

pub mod blob;
pub mod calendar;
#[cfg(feature = "cli")]
pub mod clap_vi;
pub mod doc;
pub mod heads;
pub mod ids;
pub mod limits;
pub mod org;
pub mod par;
#[cfg(test)]
mod protocol_doc;
pub mod report;
pub mod scope;
pub mod stored;
pub mod text;
pub mod time;
pub mod validate;
pub mod wire;
pub mod workflow;
