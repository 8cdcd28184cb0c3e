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
#[command(
    name = "doimoi-hub",
    version,
    about = "doimoi-hub — máy chủ đồng bộ và tổng hợp báo cáo của tỉnh (chạy không có lệnh con: phục vụ)"
)]
struct Cli {
    /// Thư mục dữ liệu của máy chủ (mặc định ./doimoi-hub-data; biến môi trường DOIMOI_HUB_DATA).
    #[arg(long, global = true, value_name = "THƯ_MỤC")]
    data: Option<PathBuf>,
    /// Tệp cấu hình TOML (biến môi trường DOIMOI_HUB_CONFIG; xem docs/operations.md).
    #[arg(long, global = true, value_name = "TỆP")]
    config: Option<PathBuf>,
    /// Địa chỉ nhận kết nối (mặc định 127.0.0.1:8787; biến môi trường DOIMOI_HUB_LISTEN).
    #[arg(long, global = true, value_name = "IP:CỔNG")]
    listen: Option<SocketAddr>,
    /// HTTPS: chuỗi chứng chỉ của máy chủ, dạng PEM (dùng cùng --tls-key).
    #[arg(long, global = true, value_name = "TỆP")]
    tls_cert: Option<PathBuf>,
    /// HTTPS: khóa riêng của chứng chỉ, dạng PEM (dùng cùng --tls-cert).
    #[arg(long, global = true, value_name = "TỆP")]
    tls_key: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Chạy máy chủ (mặc định khi không ghi lệnh).
    Serve,
    /// Danh mục đơn vị của tỉnh.
    #[command(subcommand)]
    Org(OrgCmd),
    /// Token của các thiết bị văn phòng.
    #[command(subcommand)]
    Token(TokenCmd),
    /// Lịch ngày làm việc, ngày nghỉ gửi tới các văn phòng.
    #[command(subcommand)]
    Calendar(CalendarCmd),
    /// Dựng lại bảng số liệu báo cáo từ các tài liệu.
    Reindex,
    /// Sao lưu kho dữ liệu vào TỆP trong khi máy chủ vẫn phục vụ.
    Backup {
        /// Tệp sao lưu sẽ tạo (không ghi đè tệp đã có).
        #[arg(value_name = "TỆP")]
        file: PathBuf,
    },
    /// Khôi phục bản sao lưu TỆP vào thư mục dữ liệu trống (--data), có kiểm tra.
    Restore {
        /// Tệp sao lưu (từ `doimoi-hub backup`).
        #[arg(value_name = "TỆP")]
        file: PathBuf,
    },
    /// Tài khoản người dùng các trang của máy chủ (/reports).
    #[command(subcommand)]
    User(UserCmd),
}

#[derive(Subcommand)]
enum UserCmd {
    /// Tạo tài khoản của một đơn vị (mật khẩu được hỏi hai lần trên màn hình, hoặc đọc từ dòng
    /// đầu của đầu vào chuẩn).
    Add {
        /// Tên đăng nhập.
        #[arg(value_name = "TÊN")]
        name: String,
        /// Mã đơn vị: các trang hiển thị những gì một thiết bị của đơn vị này được xem.
        #[arg(long, value_name = "MÃ")]
        unit: String,
        /// viewer (xem báo cáo trong phạm vi của đơn vị) hoặc admin (xem thêm tình hình đồng bộ của các văn phòng).
        #[arg(long, default_value = "viewer", value_name = "VAI_TRÒ")]
        role: String,
        /// Đọc mật khẩu từ đầu vào chuẩn cả khi chạy trên màn hình.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Liệt kê các tài khoản.
    List {
        /// In kết quả dạng JSON.
        #[arg(long)]
        json: bool,
    },
    /// Xóa một tài khoản (các phiên đăng nhập của tài khoản kết thúc ngay).
    Remove {
        /// Tên đăng nhập.
        #[arg(value_name = "TÊN")]
        name: String,
    },
    /// Đặt mật khẩu mới cho một tài khoản (các phiên đăng nhập kết thúc ngay).
    Passwd {
        /// Tên đăng nhập.
        #[arg(value_name = "TÊN")]
        name: String,
        /// Đọc mật khẩu từ đầu vào chuẩn cả khi chạy trên màn hình.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum CalendarCmd {
    /// Áp dụng các ngày nghỉ, ngày làm bù Chính phủ công bố hằng năm và thời hạn UBND tỉnh trả lời
    /// (tệp JSON: days_off, working_days, remove, answer_days).
    Override {
        /// Tệp JSON.
        #[arg(value_name = "TỆP")]
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum OrgCmd {
    /// Liệt kê các đơn vị của danh mục đang dùng.
    Show {
        /// In kết quả dạng JSON.
        #[arg(long)]
        json: bool,
    },
    /// Nhập danh mục một tỉnh có sẵn (theo tên hoặc mã) hoặc một tệp danh mục JSON: hiện những
    /// gì thay đổi và hỏi xác nhận.
    Import {
        /// Tên hoặc mã tỉnh, hoặc đường dẫn tệp danh mục JSON.
        #[arg(value_name = "TỈNH_HOẶC_TỆP")]
        what: String,
        /// Cơ cấu: 2024-2025 (cơ cấu 2024 và phần tiếp nối từ 01/07/2025), 2024 hoặc 2025.
        #[arg(long, default_value = "2024-2025", value_name = "CƠ_CẤU")]
        structure: String,
        /// Áp dụng không hỏi lại (dùng trong kịch bản).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum TokenCmd {
    /// Cấp token cho một thiết bị của một văn phòng (chỉ in ra một lần).
    Issue {
        /// Mã đơn vị của văn phòng.
        #[arg(value_name = "MÃ")]
        code: String,
        /// In kết quả dạng JSON.
        #[arg(long)]
        json: bool,
    },
    /// Thu hồi một token, hoặc mọi token của một văn phòng.
    Revoke {
        /// Token (dm_…) hoặc mã đơn vị.
        #[arg(value_name = "TOKEN_HOẶC_MÃ")]
        what: String,
    },
    /// Liệt kê các token: văn phòng, thiết bị, ngày cấp, lần đồng bộ gần nhất, đã thu hồi hay chưa.
    List {
        /// In kết quả dạng JSON.
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
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let cli = match doimoi_shared::clap_vi::parse_from::<Cli, _, _>(args.clone()) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with status 0, usage errors to stderr with 2, in
            // Vietnamese.
            match doimoi_shared::clap_vi::message::<Cli>(&e, &args) {
                Some(m) => eprintln!("Lỗi: {m}"),
                None => {
                    let _ = e.print();
                }
            }
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

#[cfg(test)]
mod tests {
    use super::Cli;

    #[test]
    fn every_help_page_of_the_hub_is_vietnamese() {
        let (pages, problems) = doimoi_shared::clap_vi::help_problems(
            doimoi_shared::clap_vi::command::<Cli>(),
            "doimoi-hub",
        );
        assert!(pages > 20, "{pages}");
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn usage_errors_are_told_in_vietnamese() {
        let args: Vec<std::ffi::OsString> = ["doimoi-hub", "org", "show", "--find", "x"]
            .iter()
            .map(Into::into)
            .collect();
        let e = doimoi_shared::clap_vi::parse_from::<Cli, _, _>(args.clone()).err();
        let m = e
            .and_then(|e| doimoi_shared::clap_vi::message::<Cli>(&e, &args))
            .unwrap_or_default();
        assert_eq!(
            m,
            "Không có tham số \"--find\". Xem `doimoi-hub org show --help`."
        );
    }
}
