//! `doimoi`: thin entry point. Parses the command line, runs it, prints any error in
//! Vietnamese on stderr and exits non-zero.

use clap::Parser;

fn main() {
    let cli = doimoi_client::cli::Cli::parse();
    if let Err(e) = doimoi_client::run(cli) {
        eprintln!("Lỗi: {e}");
        std::process::exit(e.exit_code());
    }
}
