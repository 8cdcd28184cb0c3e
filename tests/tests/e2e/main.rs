//! End-to-end scenarios: a real hub, real clients, real HTTP; the command lines of both
//! binaries.

mod harness;

mod cli;
mod failures;
mod operator;
mod procedure;
mod reports;
mod scope;
