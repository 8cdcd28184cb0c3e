//! End-to-end scenarios: a real hub, real clients, real HTTP; the command lines of both
//! binaries; the hub's HTTP edge called in-process.

mod harness;

mod attachments;
mod browser;
mod cli;
mod failures;
mod hostile;
mod http;
mod operator;
mod procedure;
mod reorganisation;
mod reports;
mod rules;
mod scope;
mod shape;
mod upward;
mod webapp;
