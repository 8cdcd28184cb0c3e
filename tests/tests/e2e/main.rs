//! End-to-end scenarios: a real hub, real clients, real HTTP.

mod harness;

mod failures;
mod procedure;
mod reports;
mod scope;
