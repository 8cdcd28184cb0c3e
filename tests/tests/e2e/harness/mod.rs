//! Harness for the end-to-end scenarios. [`TestHub`] runs the hub library inside the test
//! process on a port the OS picked (bound before it starts, so nothing sleeps to wait for it);
//! [`ProcessHub`] runs it as a process, for the scenario that kills it. [`TestClient`] runs
//! `doimoi` on a store in a temporary folder, with or without a hub; [`operator`] runs
//! `doimoi-hub`'s operator commands. Both binaries are this package's twins of `doimoi` and
//! `doimoi-hub` (`src/bin/`), which Cargo builds fresh for these tests. [`CutProxy`],
//! [`HoldProxy`] and [`BlobProxy`] sit between a client and the hub to spoil an answer.

mod client;
mod hub;
mod proxy;

pub use client::TestClient;
pub use hub::{operator, operator_with_input, ProcessHub, TestHub};
pub use proxy::{BlobProxy, CutProxy, HoldProxy};

use std::time::{Duration, Instant};

/// Polls `cond` until it holds or `limit` passes. For waiting on background processes (no
/// fixed sleeps: it returns as soon as the condition holds).
pub fn eventually(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for: {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
