//! Counters exposed at `GET /metrics` in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Metrics {
    pub sync_requests: AtomicU64,
    pub events_requests: AtomicU64,
    pub bytes_in: AtomicU64,
    pub bytes_out: AtomicU64,
    pub docs_accepted: AtomicU64,
    pub rejections: AtomicU64,
    pub auth_failures: AtomicU64,
    pub rate_limited: AtomicU64,
    pub sync_micros: AtomicU64,
    /// Connections closed at once: too many open from one address, or in total.
    pub connections_refused: AtomicU64,
    /// Pushes refused because a document was outside the office's scope (403).
    pub out_of_scope: AtomicU64,
    /// Sign-ins to the pages refused: a wrong name or password.
    pub signin_failures: AtomicU64,
    /// Sign-ins to the pages refused unchecked: too many failures, wait.
    pub signin_limited: AtomicU64,
}

impl Metrics {
    pub fn render(&self, docs: i64, cached: usize) -> String {
        let mut s = String::new();
        let mut c = |name: &str, help: &str, v: u64| {
            let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}");
        };
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        c(
            "doimoi_sync_requests_total",
            "Sync requests handled.",
            g(&self.sync_requests),
        );
        c(
            "doimoi_events_requests_total",
            "Long-poll requests handled.",
            g(&self.events_requests),
        );
        c(
            "doimoi_sync_bytes_in_total",
            "Compressed request bytes received.",
            g(&self.bytes_in),
        );
        c(
            "doimoi_sync_bytes_out_total",
            "Compressed response bytes sent.",
            g(&self.bytes_out),
        );
        c(
            "doimoi_docs_accepted_total",
            "Documents merged with new changes.",
            g(&self.docs_accepted),
        );
        c(
            "doimoi_changes_rejected_total",
            "Pushes refused by the ingress check.",
            g(&self.rejections),
        );
        c(
            "doimoi_out_of_scope_total",
            "Pushes refused with 403 out_of_scope: a document outside the office's scope.",
            g(&self.out_of_scope),
        );
        c(
            "doimoi_connections_refused_total",
            "Connections closed at once: too many open from one address or in total.",
            g(&self.connections_refused),
        );
        c(
            "doimoi_auth_failures_total",
            "Requests with a missing, unknown or revoked token.",
            g(&self.auth_failures),
        );
        c(
            "doimoi_rate_limited_total",
            "Requests refused by the per-token rate limit.",
            g(&self.rate_limited),
        );
        c(
            "doimoi_signin_failures_total",
            "Sign-ins to the pages refused for a wrong user name or password.",
            g(&self.signin_failures),
        );
        c(
            "doimoi_signin_limited_total",
            "Sign-ins to the pages refused unchecked after too many failures.",
            g(&self.signin_limited),
        );
        c(
            "doimoi_sync_seconds_micros_total",
            "Time spent handling sync requests, microseconds.",
            g(&self.sync_micros),
        );
        let _ = writeln!(s, "# HELP doimoi_documents Documents stored.\n# TYPE doimoi_documents gauge\ndoimoi_documents {docs}");
        let _ = writeln!(s, "# HELP doimoi_documents_cached Documents held in memory.\n# TYPE doimoi_documents_cached gauge\ndoimoi_documents_cached {cached}");
        s
    }
}
