//! The `doimoi-hub` command line: flags, the operator commands, and `serve` (the default),
//! which starts tracing, binds, and calls [`crate::run`] until Ctrl-C or SIGTERM. It lives in
//! the library so that `main.rs` and the end-to-end tests' twin binary run the same code.

use crate::config::Config;
use crate::ops;
use crate::store::Db;
use crate::users::ops as users;
use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(name = "doimoi-hub", version, about = "Máy chủ đồng bộ doimoi")]
struct Cli {
    /// Data folder (default ./doimoi-hub-data; env DOIMOI_HUB_DATA).
    #[arg(long, global = true, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Configuration file (TOML; env DOIMOI_HUB_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to listen on (default 127.0.0.1:8787; env DOIMOI_HUB_LISTEN).
    #[arg(long, global = true, value_name = "IP:PORT")]
    listen: Option<SocketAddr>,
    /// HTTPS: the server's certificate chain, PEM (with --tls-key).
    #[arg(long, global = true, value_name = "FILE")]
    tls_cert: Option<PathBuf>,
    /// HTTPS: the certificate's private key, PEM (with --tls-cert).
    #[arg(long, global = true, value_name = "FILE")]
    tls_key: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the server (the default).
    Serve,
    /// The org registry.
    #[command(subcommand)]
    Org(OrgCmd),
    /// Device tokens.
    #[command(subcommand)]
    Token(TokenCmd),
    /// The working-day calendar distributed to the offices.
    #[command(subcommand)]
    Calendar(CalendarCmd),
    /// Rebuild the report tables from the documents.
    Reindex,
    /// Write a consistent copy of the store to FILE, while the hub serves.
    Backup { file: PathBuf },
    /// Restore a backup FILE into an empty data folder (--data), verified.
    Restore { file: PathBuf },
    /// People's accounts for the hub's pages (/reports).
    #[command(subcommand)]
    User(UserCmd),
}

#[derive(Subcommand)]
enum UserCmd {
    /// Create an account of a unit (the password is asked twice on a terminal, or read from
    /// the first line of standard input).
    Add {
        name: String,
        /// The unit's code: the pages show what a device of this unit would see.
        #[arg(long, value_name = "CODE")]
        unit: String,
        /// viewer (the reports of the unit's scope) or admin (also the offices' last syncs).
        #[arg(long, default_value = "viewer")]
        role: String,
        /// Read the password from standard input even on a terminal.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the accounts.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove an account (its sessions end at once).
    Remove { name: String },
    /// Set an account's password (its sessions end at once).
    Passwd {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum CalendarCmd {
    /// Apply the Government's yearly swaps (JSON: days_off, working_days, remove).
    Override { file: PathBuf },
}

#[derive(Subcommand)]
enum OrgCmd {
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Import a province of the embedded datasets (name or code) or a registry JSON file:
    /// shows what changes and asks for confirmation.
    Import {
        what: String,
        /// 2024-2025 (the 2024 structure and its continuation from 01/07/2025), 2024 or 2025.
        #[arg(long, default_value = "2024-2025")]
        structure: String,
        /// Apply without asking (scripts).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum TokenCmd {
    /// Issue a token for one device of an office (printed once).
    Issue {
        code: String,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token, or every token of an office.
    Revoke { what: String },
    /// List the tokens: office, device, issued, last sync, revoked.
    List {
        #[arg(long)]
        json: bool,
    },
}

/// Runs the command line `args` (the program name first, as `std::env::args_os` gives it):
/// clap's usage errors and help as `Cli::parse` prints them, any other error in Vietnamese on
/// stderr with exit status 1.
pub fn main_with<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with status 0, usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match real_main(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Lỗi: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Asks "Áp dụng?" on a terminal; `false` without one (a script must pass `--yes`).
fn confirm() -> anyhow::Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    print!("Áp dụng danh mục mới? Gõ \"có\" để áp dụng: ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let answer = doimoi_shared::text::fold(line.trim());
    Ok(matches!(answer.as_str(), "co" | "c" | "yes" | "y"))
}

fn real_main(cli: Cli) -> anyhow::Result<()> {
    let mut config = Config::load(cli.config.as_deref(), cli.data.as_deref(), cli.listen)?;
    if cli.tls_cert.is_some() || cli.tls_key.is_some() {
        config.tls_cert = cli.tls_cert.clone().or(config.tls_cert);
        config.tls_key = cli.tls_key.clone().or(config.tls_key);
    }
    match cli.command.unwrap_or(Cmd::Serve) {
        Cmd::Serve => serve(config),
        Cmd::Org(OrgCmd::Show { json }) => {
            print!("{}", ops::org_show(&Db::open(&config.data, 1)?, json)?);
            Ok(())
        }
        Cmd::Org(OrgCmd::Import {
            what,
            structure,
            yes,
        }) => {
            let db = Db::open(&config.data, 1)?;
            let plan = ops::org_import_plan(&db, &what, &structure)?;
            println!("{}", plan.summary);
            if !plan.changes {
                println!("Danh mục giữ nguyên.");
                return Ok(());
            }
            if !yes && !confirm()? {
                anyhow::bail!(
                    "Chưa nhập danh mục, không có gì thay đổi. Để áp dụng, chạy lại lệnh với --yes (hoặc trả lời \"có\" khi được hỏi)."
                );
            }
            println!("{}", ops::org_import_apply(&db, plan)?);
            Ok(())
        }
        Cmd::Token(TokenCmd::Issue { code, json }) => {
            let (token, unit) = ops::token_issue(&Db::open(&config.data, 1)?, &code)?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "token": token, "unit": unit.as_str() })
                );
            } else {
                println!("Token cho một thiết bị của đơn vị {unit} (chỉ hiện một lần, hãy lưu lại):\n{token}");
            }
            Ok(())
        }
        Cmd::Calendar(CalendarCmd::Override { file }) => {
            println!(
                "{}",
                ops::calendar_override(&Db::open(&config.data, 1)?, &file)?
            );
            Ok(())
        }
        Cmd::Backup { file } => {
            println!("{}", crate::backup::backup(&config.data, &file)?);
            Ok(())
        }
        Cmd::Restore { file } => {
            println!("{}", crate::backup::restore(&config.data, &file)?);
            Ok(())
        }
        Cmd::Reindex => {
            println!("{}", ops::reindex(&Db::open(&config.data, 1)?)?);
            Ok(())
        }
        Cmd::Token(TokenCmd::Revoke { what }) => {
            println!("{}", ops::token_revoke(&Db::open(&config.data, 1)?, &what)?);
            Ok(())
        }
        Cmd::Token(TokenCmd::List { json }) => {
            print!("{}", users::token_list(&Db::open(&config.data, 1)?, json)?);
            Ok(())
        }
        Cmd::User(cmd) => user(&config, cmd),
    }
}

fn user(config: &Config, cmd: UserCmd) -> anyhow::Result<()> {
    let out = match cmd {
        UserCmd::Add {
            name,
            unit,
            role,
            password_stdin,
        } => {
            let db = Db::open(&config.data, 1)?;
            // The name, the unit and the role are checked before the password is asked.
            let new = users::user_new(&db, &name, &unit, &role)?;
            let password = users::read_new_password(password_stdin)?;
            users::user_create(&db, new, &password)?
        }
        UserCmd::List { json } => {
            users::user_list(&Db::open(&config.data, 1)?, &config.accounts, json)?
        }
        UserCmd::Remove { name } => users::user_remove(&Db::open(&config.data, 1)?, &name)?,
        UserCmd::Passwd {
            name,
            password_stdin,
        } => {
            let db = Db::open(&config.data, 1)?;
            users::user_exists(&db, &name)?;
            let password = users::read_new_password(password_stdin)?;
            users::user_passwd(&db, &name, &password)?
        }
    };
    println!("{}", out.trim_end());
    Ok(())
}

fn serve(config: Config) -> anyhow::Result<()> {
    // `try_init`: a process that already set a subscriber keeps it (the library must not
    // panic for being called twice).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(config.blocking_threads.max(1))
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| anyhow::anyhow!("không mở được cổng {}: {e}", config.listen))?;
        if let Some(n) = crate::serve::raise_nofile() {
            tracing::info!(open_files = n, "open-file limit");
        }
        let data = config.data.display().to_string();
        // The first line on stdout is the address (test harnesses read it), written once the
        // store has opened.
        let announce = move |addr: std::net::SocketAddr, https: bool| {
            use std::io::Write;
            let scheme = if https { "https" } else { "http" };
            println!("doimoi-hub đang chạy tại {scheme}://{addr} (dữ liệu: {data})");
            let _ = std::io::stdout().flush();
        };
        let shutdown = CancellationToken::new();
        let signal = shutdown.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutting down");
            signal.cancel();
        });
        crate::run_announcing(listener, config, shutdown, announce).await
    })
}

async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
