//! The measurements on a fresh copy of the store: opening, listing, searching, whole `doimoi`
//! commands (time and peak memory), each against its target.

use super::*;

pub(crate) fn read_info(dir: &Path) -> Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(dir.join(BUILT))?;
    Ok(text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Measuring

pub(crate) struct Stats {
    pub(crate) min: f64,
    pub(crate) median: f64,
    pub(crate) max: f64,
}

pub(crate) fn stats(mut xs: Vec<f64>) -> Stats {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    let median = if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    };
    Stats {
        min: xs[0],
        median,
        max: xs[n - 1],
    }
}

/// Runs `f` once to warm up, then `runs` times; milliseconds of each timed run.
pub(crate) fn time_ms<T>(runs: usize, mut f: impl FnMut() -> Result<T>) -> Result<(Stats, T)> {
    let mut last = f()?;
    let mut xs = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        last = f()?;
        xs.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok((stats(xs), last))
}

pub(crate) fn run_doimoi(bin: &Path, args: &[String]) -> Result<usize> {
    let out = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {}", bin.display()))?;
    if !out.status.success() {
        bail!(
            "`doimoi {}` failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out.stdout.len())
}

/// `--measure-rss PROGRAM ARGS…`: runs the one command, waits, prints the peak resident set of
/// the (only) child in KiB.
pub(crate) fn measure_rss_helper(cmd: &[String]) -> Result<()> {
    let (prog, rest) = cmd.split_first().context("--measure-rss PROGRAM ARGS…")?;
    let status = Command::new(prog)
        .args(rest)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .with_context(|| format!("running {prog}"))?;
    if !status.success() {
        bail!("{prog} exited with {status}");
    }
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)?;
    println!("{}", usage.max_rss());
    Ok(())
}

/// Peak memory (bytes) of one run of `prog args`, measured in a fresh helper process.
pub(crate) fn peak_rss(prog: &Path, args: &[String]) -> Result<u64> {
    let exe = std::env::current_exe()?;
    let out = Command::new(exe)
        .arg("--measure-rss")
        .arg(prog)
        .args(args)
        .stdin(Stdio::null())
        .output()?;
    if !out.status.success() {
        bail!(
            "measuring the memory of {} {}: {}",
            prog.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let kib: u64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .context("helper output")?;
    Ok(kib * 1024)
}

pub(crate) struct Row {
    pub(crate) what: String,
    pub(crate) figure: String,
    pub(crate) target: String,
    pub(crate) pass: Option<bool>,
}

pub(crate) fn timed_row(what: &str, s: &Stats, target_ms: Option<f64>) -> Row {
    Row {
        what: what.to_string(),
        figure: format!("{:>8.2} {:>8.2} {:>8.2}", s.min, s.median, s.max),
        target: target_ms.map_or_else(|| "—".into(), |t| format!("< {t:.0} ms")),
        pass: target_ms.map(|t| s.median < t),
    }
}

pub(crate) fn mem_row(what: &str, bytes: u64) -> Row {
    const LIMIT: u64 = 100_000_000;
    Row {
        what: what.to_string(),
        figure: format!("{:>26}", format!("{:.1} MB", bytes as f64 / 1e6)),
        target: "< 100 MB".into(),
        pass: Some(bytes < LIMIT),
    }
}

pub(crate) fn measure(
    bin: &Path,
    dir: &Path,
    info: &BTreeMap<String, String>,
    runs: usize,
) -> Result<()> {
    let get = |k: &str| info.get(k).cloned().unwrap_or_default();
    let data = dir.display().to_string();
    let bytes = store_bytes(dir);
    println!();
    println!(
        "Store: {} proposals, {} events ({} saved chunk by chunk, {} edited, {} comments)",
        get("proposals"),
        get("events"),
        get("chunked"),
        get("edited"),
        get("comments")
    );
    let statuses: Vec<String> = info
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("status.").map(|s| format!("{s} {v}")))
        .collect();
    println!("Statuses: {}", statuses.join(", "));
    let flags: Vec<String> = info
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("flag.").map(|s| format!("{s} {v}")))
        .collect();
    println!("Flags (as built): {}", flags.join(", "));
    let hist: Vec<String> = info
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("events_per_doc.")
                .and_then(|s| s.parse::<usize>().ok())
                .map(|s| format!("{s}:{v}"))
        })
        .collect();
    println!("Events per proposal (count:proposals): {}", hist.join(" "));
    println!(
        "Store file: {} bytes ({:.1} MB) in {}",
        bytes,
        bytes as f64 / 1e6,
        dir.join("doimoi.db").display()
    );

    let mut rows = Vec::new();

    // In-process, through the library.
    let (s, _) = time_ms(runs, || Ok(App::open(dir)?))?;
    rows.push(timed_row("open store: App::open", &s, Some(100.0)));
    let app = App::open(dir)?;
    let (s, n) = time_ms(runs, || Ok(app.store.list_proposals(None)?.len()))?;
    rows.push(timed_row(
        &format!("list all: list_proposals(None) → {n} rows"),
        &s,
        Some(50.0),
    ));
    let (s, n) = time_ms(runs, || {
        Ok(app.store.list_proposals(Some("approved"))?.len())
    })?;
    rows.push(timed_row(
        &format!("list approved: list_proposals(Some(\"approved\")) → {n}"),
        &s,
        Some(50.0),
    ));
    for (label, q) in [("selective", SELECTIVE), ("broad", BROAD)] {
        let words: Vec<String> = fold(q)
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        let (s, n) = time_ms(runs, || Ok(app.store.search_proposals(&words)?.len()))?;
        rows.push(timed_row(
            &format!("search {label} \"{}\" → {n} rows", fold(q)),
            &s,
            Some(50.0),
        ));
    }
    drop(app);

    // Whole processes.
    let arg = |v: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        a.push("--data".into());
        a.push(data.clone());
        a
    };
    let list = arg(&["proposal", "list", "--json"]);
    let search = arg(&["search", "sang tao"]);
    let show_whole = arg(&["proposal", "show", &get("show_whole")]);
    let show_chunked = arg(&["proposal", "show", &get("show_chunked")]);
    let new = arg(&[
        "proposal",
        "new",
        "--title",
        "Số hóa sổ theo dõi cấp nước sinh hoạt tập trung tại thôn Arớh",
        "--proposer",
        "Bríu Thị Hoa",
        "--position",
        "Công chức Văn hóa - Xã hội",
    ]);
    // `new` last: it adds proposals to the (work copy of the) store.
    let processes: [(&str, &Vec<String>, Option<f64>); 5] = [
        ("process: doimoi proposal list --json", &list, None),
        ("process: doimoi search \"sang tao\"", &search, None),
        (
            "process: doimoi proposal show (snapshot)",
            &show_whole,
            None,
        ),
        (
            "process: doimoi proposal show (chunks)",
            &show_chunked,
            None,
        ),
        ("process: doimoi proposal new", &new, Some(30.0)),
    ];
    for (label, a, target) in &processes {
        let (s, out_bytes) = time_ms(runs, || run_doimoi(bin, a))?;
        rows.push(timed_row(
            &format!("{label} ({} B out)", out_bytes),
            &s,
            *target,
        ));
    }
    let baseline = peak_rss(Path::new("/bin/true"), &[]).ok();
    for (label, a, _) in &processes {
        let b = peak_rss(bin, a)?;
        rows.push(mem_row(
            &format!("peak memory: {}", label.trim_start_matches("process: ")),
            b,
        ));
    }

    println!();
    println!(
        "Figures in ms over {runs} runs after one warm-up (min, median, max); PASS when the median meets the target."
    );
    let w = rows
        .iter()
        .map(|r| r.what.chars().count())
        .max()
        .unwrap_or(20);
    println!(
        "{:<w$}  {:>8} {:>8} {:>8}  {:<9}  result",
        "measurement", "min", "median", "max", "target"
    );
    println!("{}", "-".repeat(w + 46));
    for r in &rows {
        let res = match r.pass {
            Some(true) => "PASS",
            Some(false) => "FAIL",
            None => "(info)",
        };
        let pad = w - r.what.chars().count();
        println!(
            "{}{}  {}  {:<9}  {res}",
            r.what,
            " ".repeat(pad),
            r.figure,
            r.target
        );
    }
    println!("{}", "-".repeat(w + 46));
    if let Some(b) = baseline {
        println!(
            "(peak memory floor of the helper that spawns each command, /bin/true: {:.1} MB)",
            b as f64 / 1e6
        );
    }
    let failed = rows.iter().filter(|r| r.pass == Some(false)).count();
    if failed == 0 {
        println!("All targets met.");
    } else {
        println!("{failed} target(s) NOT met.");
    }
    Ok(())
}
