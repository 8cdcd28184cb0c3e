//! `doimoi` under another name, built by this package so that `cargo test -p doimoi-tests`
//! runs the client code just built (`CARGO_BIN_EXE_doimoi-e2e-client`; the same name as the
//! client's binary would collide in the target folder).

fn main() -> std::process::ExitCode {
    doimoi_client::main_with(std::env::args_os())
}
