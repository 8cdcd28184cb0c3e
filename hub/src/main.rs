//! `doimoi-hub`: thin entry point. With no command (or `serve`) it runs the server on the
//! embedded default; the other commands are for the operator and work while it runs. The
//! command line itself is [`doimoi_hub::cli`].

#[global_allocator]
static GLOBAL: doimoi_hub_alloc::MiMalloc = doimoi_hub_alloc::MiMalloc;

fn main() -> std::process::ExitCode {
    doimoi_hub_alloc::configure();
    doimoi_hub::cli::main_with(std::env::args_os())
}
