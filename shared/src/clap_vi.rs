//! A command line in Vietnamese, for `doimoi` and `doimoi-hub` alike (feature `cli`): clap's own
//! words (headings, usage, `-h`/`-V`, defaults, usage errors) replaced, on top of a derive
//! definition `C`.
//!
//! [`command`] takes `C::command()` and walks its tree: a help template with Vietnamese
//! headings, own `-h/--help` and `-V/--version` arguments, no `help` subcommand, defaults and
//! environment variables written into the help text, Vietnamese placeholders in the usage
//! lines. [`parse_from`] parses with it, and [`message`] turns clap's usage errors into
//! Vietnamese sentences that say what to do.

use clap::builder::StyledStr;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory, FromArgMatches};

const TEMPLATE: &str =
    "{before-help}{about-with-newline}\nCách dùng: {usage}\n\n{all-args}{after-help}";
const HEADING_ARGS: &str = "Tham số";
const HEADING_OPTIONS: &str = "Tùy chọn";
const HEADING_COMMANDS: &str = "Lệnh";

/// The command tree of `C` with every word clap would write in English replaced.
pub fn command<C: CommandFactory>() -> Command {
    let root = C::command()
        .disable_help_flag(true)
        .disable_version_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .global(true)
                .help("Xem hướng dẫn (-h: tóm tắt, --help: đầy đủ)"),
        )
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("Xem phiên bản"),
        );
    let mut root = localise(root);
    root.build();
    usages(root)
}

/// Headings, flags and the help text of arguments, for `cmd` and every subcommand.
fn localise(cmd: Command) -> Command {
    let cmd = cmd
        .help_template(TEMPLATE)
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true)
        .subcommand_help_heading(HEADING_COMMANDS)
        .subcommand_value_name("LỆNH")
        .mut_args(localise_arg);
    cmd.mut_subcommands(localise)
}

fn localise_arg(arg: Arg) -> Arg {
    let heading = if arg.is_positional() {
        HEADING_ARGS
    } else {
        HEADING_OPTIONS
    };
    let mut help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .filter(|v| !v.is_empty())
        .collect();
    if !defaults.is_empty() && arg.get_action().takes_values() {
        help.push_str(&format!(" [mặc định: {}]", defaults.join(", ")));
    }
    if let Some(env) = arg.get_env() {
        help.push_str(&format!(" [biến môi trường: {}]", env.to_string_lossy()));
    }
    let takes_values = arg.get_action().takes_values();
    let has_env = arg.get_env().is_some();
    let arg = arg.help_heading(heading).help(help);
    // clap refuses these settings on flags that take no value.
    let arg = if takes_values {
        arg.hide_default_value(true).hide_possible_values(true)
    } else {
        arg
    };
    if has_env {
        arg.hide_env(true)
    } else {
        arg
    }
}

/// Usage lines with Vietnamese placeholders (clap writes `[OPTIONS]` itself). Runs on the
/// built tree, where every subcommand knows its full name.
fn usages(mut cmd: Command) -> Command {
    let usage = cmd.render_usage().to_string();
    let usage = usage
        .trim_start()
        .strip_prefix("Usage:")
        .unwrap_or(&usage)
        .trim()
        .replace("[OPTIONS]", "[TÙY_CHỌN]")
        .replace("<COMMAND>", "<LỆNH>");
    cmd.override_usage(usage).mut_subcommands(usages)
}

/// Parses `args` with [`command`]. `doimoi help proposal vote`, clap's `help` subcommand
/// before it was replaced, still works: it reads as `doimoi proposal vote --help`.
pub fn parse_from<C, I, T>(args: I) -> Result<C, clap::Error>
where
    C: CommandFactory + FromArgMatches,
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    let matches = command::<C>().try_get_matches_from(help_as_flag::<C>(args))?;
    C::from_arg_matches(&matches)
}

/// `… help [COMMAND…]` where a subcommand is expected → `… [COMMAND…] --help`.
fn help_as_flag<C: CommandFactory>(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let root = C::command();
    let mut cmd = &root;
    for i in 1..args.len() {
        let Some(a) = args[i].to_str() else { break };
        if a == "help" && cmd.has_subcommands() {
            args.remove(i);
            args.push("--help".into());
            break;
        }
        match cmd.find_subcommand(a) {
            Some(sub) => cmd = sub,
            None if a.starts_with('-') => {}
            None => break,
        }
    }
    args
}

fn text(e: &clap::Error, kind: ContextKind) -> Option<String> {
    match e.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::Number(n) => Some(n.to_string()),
        ContextValue::Strings(v) => Some(v.join(", ")),
        ContextValue::StyledStrs(v) => Some(
            v.iter()
                .map(StyledStr::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => None,
    }
}

fn texts(e: &clap::Error, kind: ContextKind) -> Vec<String> {
    match e.get(kind) {
        Some(ContextValue::Strings(v)) => v.clone(),
        Some(ContextValue::StyledStrs(v)) => v.iter().map(StyledStr::to_string).collect(),
        Some(_) => text(e, kind).into_iter().collect(),
        None => Vec::new(),
    }
}

/// The command the arguments name (`doimoi proposal vote`): the subcommands found among them,
/// in order, from the root.
pub fn command_path<C: CommandFactory>(args: &[std::ffi::OsString]) -> String {
    let root = C::command();
    let mut path = vec![root.get_name().to_string()];
    let mut cmd = &root;
    for a in args.iter().skip(1) {
        let Some(a) = a.to_str() else { continue };
        if let Some(sub) = cmd.find_subcommand(a) {
            path.push(sub.get_name().to_string());
            cmd = sub;
        }
    }
    path.join(" ")
}

/// An argument as the user types it: `--period <KỲ>` → `--period`, `<MÃ>` → `MÃ`.
fn arg_name(s: &str) -> String {
    let s = s.trim();
    if s.starts_with('-') {
        s.split([' ', '=']).next().unwrap_or(s).to_string()
    } else {
        s.trim_start_matches('<')
            .trim_end_matches("...")
            .trim_end_matches('>')
            .to_string()
    }
}

fn quoted_list(v: &[String]) -> String {
    v.iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a value failed its parser, in Vietnamese.
fn validation_reason(e: &clap::Error) -> String {
    use std::error::Error as _;
    match e.source() {
        Some(src) if src.downcast_ref::<std::num::ParseIntError>().is_some() => {
            "cần một số nguyên không âm".to_string()
        }
        Some(src) => src.to_string(),
        None => "giá trị không dùng được".to_string(),
    }
}

/// A Vietnamese message for one of clap's usage errors on the command line `args` (`None` for
/// help and version, which clap prints itself).
pub fn message<C: CommandFactory>(e: &clap::Error, args: &[std::ffi::OsString]) -> Option<String> {
    let path = command_path::<C>(args);
    let see = format!("Xem `{path} --help`.");
    let arg = text(e, ContextKind::InvalidArg)
        .map(|a| arg_name(&a))
        .unwrap_or_default();
    let value = text(e, ContextKind::InvalidValue).unwrap_or_default();
    let body = match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => return None,
        ErrorKind::MissingRequiredArgument => {
            let missing: Vec<String> = texts(e, ContextKind::InvalidArg)
                .iter()
                .map(|a| arg_name(a))
                .collect();
            let (flags, values): (Vec<&String>, Vec<&String>) =
                missing.iter().partition(|a| a.starts_with('-'));
            let mut parts = Vec::new();
            if !values.is_empty() {
                parts.push(
                    values
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                );
            }
            if !flags.is_empty() {
                let label = if flags.len() > 1 {
                    "các tham số"
                } else {
                    "tham số"
                };
                parts.push(format!(
                    "{label} {}",
                    flags
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            format!("Thiếu {}.", parts.join(" và "))
        }
        ErrorKind::MissingSubcommand => {
            format!("Cần chọn một lệnh con của `{path}`.")
        }
        ErrorKind::InvalidSubcommand => {
            let name = text(e, ContextKind::InvalidSubcommand).unwrap_or_default();
            if name == "help" {
                // `doimoi help` is clap's default, replaced by `--help`.
                return Some(format!("Xem hướng dẫn bằng `{path} --help`."));
            }
            match texts(e, ContextKind::SuggestedSubcommand).first() {
                Some(s) => format!("Không có lệnh \"{name}\". Có phải ý bạn là `{s}`?"),
                None => format!("Không có lệnh \"{name}\"."),
            }
        }
        ErrorKind::UnknownArgument => {
            let mut m = format!("Không có tham số \"{arg}\".");
            if let Some(s) = texts(e, ContextKind::SuggestedArg).first() {
                m.push_str(&format!(" Có phải ý bạn là {}?", arg_name(s)));
            } else if let Some(s) = texts(e, ContextKind::SuggestedSubcommand).first() {
                m.push_str(&format!(" Có phải ý bạn là lệnh `{s}`?"));
            } else if !arg.starts_with('-') {
                m.push_str(" Giá trị có khoảng trắng cần đặt trong ngoặc kép.");
            }
            m
        }
        ErrorKind::InvalidValue => {
            let valid = texts(e, ContextKind::ValidValue);
            if value.is_empty() {
                format!("Tham số {arg} cần có giá trị.")
            } else if valid.is_empty() {
                format!("Giá trị \"{value}\" của {arg} không hợp lệ.")
            } else {
                format!(
                    "Giá trị \"{value}\" của {arg} không hợp lệ; dùng một trong: {}.",
                    quoted_list(&valid)
                )
            }
        }
        ErrorKind::ValueValidation => {
            format!(
                "Giá trị \"{value}\" của {arg} không hợp lệ: {}.",
                validation_reason(e).trim_end_matches('.')
            )
        }
        ErrorKind::ArgumentConflict => {
            let prior = texts(e, ContextKind::PriorArg)
                .iter()
                .map(|a| arg_name(a))
                .collect::<Vec<_>>()
                .join(", ");
            if prior.is_empty() || prior == arg {
                format!("Tham số {arg} chỉ được dùng một lần.")
            } else {
                format!("Không dùng {arg} cùng với {prior}; chỉ chọn một.")
            }
        }
        ErrorKind::NoEquals => format!("Tham số {arg} cần giá trị viết liền sau dấu \"=\"."),
        ErrorKind::TooManyValues => format!("Thừa giá trị \"{value}\" cho {arg}."),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("Số giá trị của {arg} không đúng.")
        }
        ErrorKind::InvalidUtf8 => "Tham số có ký tự không đọc được (không phải UTF-8).".to_string(),
        _ => "Dòng lệnh không hợp lệ.".to_string(),
    };
    Some(format!("{body} {see}"))
}

/// What keeps the help pages of `cmd` (rooted at `root`) from being Vietnamese: English words
/// of clap or of a help text, a command without a Vietnamese description, a page without the
/// Vietnamese usage line, text not in NFC. Returns the number of pages read and the problems
/// (each naming the page); the tests of `doimoi` and `doimoi-hub` assert it finds none.
pub fn help_problems(mut cmd: Command, root: &str) -> (usize, Vec<String>) {
    const ENGLISH: &[&str] = &[
        "Usage",
        "Options",
        "Arguments",
        "Commands",
        "Print help",
        "Print version",
        "[default:",
        "[env:",
        "possible values",
        "the ",
        " of ",
        " and ",
        " or ",
        " to ",
        " a ",
        " is ",
        " with ",
        " from ",
        "[OPTIONS]",
        "<COMMAND>",
        "help ",
        "Option",
        " for ",
        " this ",
        "(default",
    ];
    let mut all = Vec::new();
    pages(&mut cmd, root, &mut all);
    let mut problems = Vec::new();
    for (path, about, page) in &all {
        // Literal commands and flags in backticks or after "--" may carry English words.
        let plain: String = strip_code(page);
        for w in ENGLISH {
            if plain.contains(w) {
                problems.push(format!("`{path} --help` contains {w:?}:\n{page}"));
            }
        }
        if !has_vietnamese(about) {
            problems.push(format!("`{path}` has no Vietnamese description: {about:?}"));
        }
        if !page.contains("Cách dùng: ") {
            problems.push(format!("{path}: no \"Cách dùng\" line:\n{page}"));
        }
        let nfc: String = unicode_normalization::UnicodeNormalization::nfc(page.as_str()).collect();
        if &nfc != page {
            problems.push(format!("{path} is not NFC"));
        }
    }
    (all.len(), problems)
}

/// Every help page of the tree (short and long), with the command's path.
fn pages(cmd: &mut Command, path: &str, out: &mut Vec<(String, String, String)>) {
    let about = cmd.get_about().map(|a| a.to_string()).unwrap_or_default();
    out.push((
        path.to_string(),
        about.clone(),
        cmd.render_help().to_string(),
    ));
    out.push((path.to_string(), about, cmd.render_long_help().to_string()));
    for sub in cmd.get_subcommands_mut() {
        let p = format!("{path} {}", sub.get_name());
        pages(sub, &p, out);
    }
}

/// The page without the literal things to type: text in backticks, `--flags`, and the
/// names of subcommands at the start of their lines.
fn strip_code(page: &str) -> String {
    let mut out = String::new();
    for (i, part) in page.split('`').enumerate() {
        if i % 2 == 0 {
            out.push_str(part);
        }
    }
    out.split_whitespace()
        .filter(|w| !w.starts_with('-') && !w.contains('='))
        .map(|w| format!("{w} "))
        .collect::<String>()
        .lines()
        .collect()
}

fn has_vietnamese(s: &str) -> bool {
    s.chars().any(|c| {
        "ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
            .contains(c.to_lowercase().next().unwrap_or(c))
    })
}
