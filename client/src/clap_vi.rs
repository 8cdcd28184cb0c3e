//! The `doimoi` command line in Vietnamese: the shared localisation
//! ([`doimoi_shared::clap_vi`]) over the derive definitions of [`crate::cli`].

use crate::cli::Cli;
use clap::Command;

/// The `doimoi` command tree with every word clap would write in English replaced.
pub fn command() -> Command {
    doimoi_shared::clap_vi::command::<Cli>()
}

/// Parses `args` with [`command`] (`doimoi help proposal vote` reads as `doimoi proposal vote
/// --help`).
pub fn parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    doimoi_shared::clap_vi::parse_from::<Cli, I, T>(args)
}

/// A Vietnamese message for one of clap's usage errors on the command line `args`.
pub fn message(e: &clap::Error, args: &[std::ffi::OsString]) -> Option<String> {
    doimoi_shared::clap_vi::message::<Cli>(e, args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(args: &[&str]) -> String {
        let mut full = vec!["doimoi"];
        full.extend_from_slice(args);
        let full: Vec<std::ffi::OsString> = full.into_iter().map(Into::into).collect();
        let e = parse_from(full.clone()).expect_err("must fail");
        message(&e, &full).expect("a usage error")
    }

    #[test]
    fn usage_errors_are_vietnamese_and_say_where_to_look() {
        let m = err(&["proposal", "vote", "abcd", "--against", "1"]);
        assert_eq!(m, "Thiếu tham số --for. Xem `doimoi proposal vote --help`.");
        let m = err(&[
            "proposal",
            "vote",
            "abcd",
            "--for",
            "many",
            "--against",
            "1",
        ]);
        assert!(
            m.starts_with("Giá trị \"many\" của --for không hợp lệ: cần một số"),
            "{m}"
        );
        let m = err(&["proposl"]);
        assert!(m.contains("Không có lệnh \"proposl\""), "{m}");
        assert!(m.contains("`proposal`"), "{m}");
        let m = err(&["proposal", "list", "--stat", "x"]);
        assert!(m.contains("Không có tham số \"--stat\""), "{m}");
        assert!(m.contains("--status"), "{m}");
        assert!(m.ends_with("Xem `doimoi proposal list --help`."), "{m}");
        let m = err(&["proposal", "party-opinion", "abcd", "--agree", "--disagree"]);
        assert!(
            m.contains("Không dùng --agree cùng với --disagree")
                || m.contains("Không dùng --disagree cùng với --agree"),
            "{m}"
        );
        let m = err(&["proposal", "show"]);
        assert_eq!(m, "Thiếu MÃ. Xem `doimoi proposal show --help`.");
    }

    #[test]
    fn help_and_version_are_not_errors() {
        for args in [
            &["doimoi", "--help"][..],
            &["doimoi", "-V"],
            &["doimoi", "help"],
            &["doimoi", "help", "proposal", "vote"],
            &["doimoi", "proposal", "help"],
        ] {
            let args: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
            let e = parse_from(args.clone()).expect_err("help");
            assert_eq!(e.exit_code(), 0);
            assert!(message(&e, &args).is_none());
        }
    }

    #[test]
    fn every_help_page_is_vietnamese() {
        let (pages, problems) = doimoi_shared::clap_vi::help_problems(command(), "doimoi");
        assert!(pages > 100, "{pages}");
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
