//! `doimoi-hub` under another name, built by this package so that `cargo test -p doimoi-tests`
//! runs the hub code just built (`CARGO_BIN_EXE_doimoi-e2e-hub`): the operator commands, and the
//! one scenario that kills the hub with SIGKILL. The system allocator stands in for mimalloc,
//! as it does for the hubs the scenarios run in-process.

fn main() -> std::process::ExitCode {
    doimoi_hub::cli::main_with(std::env::args_os())
}
