//! `doimoi`: thin entry point. Parses the command line, runs it, prints any error in
//! Vietnamese on stderr and exits non-zero ([`doimoi_client::main_with`]).

fn main() -> std::process::ExitCode {
    doimoi_client::main_with(std::env::args_os())
}
