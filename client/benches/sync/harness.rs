//! The processes a scenario drives: the release binaries (built when stale), the real hub on port
//! 0, an office's store, and their CPU and memory read from /proc.

use super::*;

pub(crate) struct Bins {
    pub(crate) doimoi: PathBuf,
    pub(crate) hub: PathBuf,
    /// `target/`.
    pub(crate) target: PathBuf,
}

impl Bins {
    pub(crate) fn find() -> Result<Bins> {
        let exe = std::env::current_exe().context("current_exe")?;
        // target/release/deps/sync-…
        let release = exe
            .ancestors()
            .nth(2)
            .map(Path::to_path_buf)
            .context("the bench executable is not under target/<profile>/deps")?;
        let target = release
            .parent()
            .map(Path::to_path_buf)
            .context("no target folder")?;
        let doimoi = match option_env!("CARGO_BIN_EXE_doimoi") {
            Some(p) if Path::new(p).exists() => PathBuf::from(p),
            _ => release.join("doimoi"),
        };
        if !doimoi.exists() {
            bail!(
                "{} not found: run `cargo build --release -p doimoi-client` first.",
                doimoi.display()
            );
        }
        let hub = release.join("doimoi-hub");
        ensure_hub_built(&hub)?;
        Ok(Bins {
            doimoi,
            hub,
            target,
        })
    }
}

pub(crate) fn newest_mtime(dir: &Path) -> Option<SystemTime> {
    let mut newest = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let t = if path.is_dir() {
            newest_mtime(&path)
        } else {
            entry.metadata().ok().and_then(|m| m.modified().ok())
        };
        newest = newest.max(t);
    }
    newest
}

/// Builds the release hub when it is missing or older than its sources.
pub(crate) fn ensure_hub_built(hub: &Path) -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("workspace root")?
        .to_path_buf();
    let built = std::fs::metadata(hub).and_then(|m| m.modified()).ok();
    let sources = [
        "hub/src",
        "hub/Cargo.toml",
        "shared/src",
        "shared/data",
        "Cargo.lock",
    ]
    .iter()
    .filter_map(|p| {
        let p = root.join(p);
        if p.is_dir() {
            newest_mtime(&p)
        } else {
            std::fs::metadata(&p).and_then(|m| m.modified()).ok()
        }
    })
    .max();
    let stale = match (built, sources) {
        (None, _) => true,
        (Some(b), Some(s)) => s > b,
        (Some(_), None) => false,
    };
    if !stale {
        return Ok(());
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    println!(
        "{} is {}: running `cargo build --release -p doimoi-hub` …",
        hub.display(),
        if built.is_none() {
            "missing"
        } else {
            "older than its sources"
        }
    );
    let status = Command::new(&cargo)
        .args(["build", "--release", "-p", "doimoi-hub"])
        .current_dir(&root)
        .status()
        .with_context(|| format!("running {cargo}"))?;
    if !status.success() || !hub.exists() {
        bail!("building doimoi-hub failed: run `cargo build --release -p doimoi-hub` and retry");
    }
    Ok(())
}

pub(crate) fn run_ok(cmd: &mut Command) -> Result<Vec<u8>> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out.stdout)
}

/// utime + stime of a process, in clock ticks.
pub(crate) fn cpu_ticks(pid: u32) -> Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .context("malformed /proc/<pid>/stat")?;
    // Fields after the command: state is field 3, utime 14, stime 15.
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = f.get(11).context("utime")?.parse()?;
    let stime: u64 = f.get(12).context("stime")?.parse()?;
    Ok(utime + stime)
}

pub(crate) fn ticks_ms(ticks: u64) -> f64 {
    ticks as f64 * 1000.0 / USER_HZ
}

/// A `VmRSS:`-style line of `/proc/<pid>/status`, in kB.
pub(crate) fn status_kb(pid: u32, key: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("{key} not in /proc/{pid}/status"))
}

/// Records a hub's resident memory now and its peak (`VmRSS`, `VmHWM`) against `limit_mb`, as
/// scenario `n`'s figures "after `what`".
pub(crate) fn memory_targets(
    results: &mut Results,
    pid: u32,
    n: u32,
    what: &str,
    limit_mb: u64,
) -> Result<()> {
    let (rss, hwm) = (status_kb(pid, "VmRSS:")?, status_kb(pid, "VmHWM:")?);
    let target = format!("< {limit_mb} MB");
    for (name, kb) in [
        (format!("{n}. hub VmRSS after {what}"), rss),
        (format!("{n}. hub VmHWM (peak)"), hwm),
    ] {
        results.add(
            &name,
            format!("{:.0} MB", kb as f64 / 1024.0),
            &target,
            Some(kb < limit_mb * 1024),
        );
    }
    Ok(())
}

/// A running `doimoi-hub` on its own data folder.
pub(crate) struct Hub {
    pub(crate) child: Child,
    pub(crate) url: String,
    pub(crate) data: PathBuf,
    pub(crate) bin: PathBuf,
}

impl Hub {
    pub(crate) fn spawn(bin: &Path, data: &Path) -> Result<Hub> {
        std::fs::create_dir_all(data)?;
        let log = std::fs::File::create(data.join("hub.log"))?;
        let mut child = Command::new(bin)
            .arg("--data")
            .arg(data)
            .args(["--listen", "127.0.0.1:0"])
            .env(
                "RUST_LOG",
                std::env::var("DOIMOI_BENCH_HUB_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .with_context(|| format!("spawning {}", bin.display()))?;
        let stdout = child.stdout.take().context("hub stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .map(str::to_string);
        let Some(url) = url else {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "doimoi-hub printed no address ({line:?}); see {}",
                data.join("hub.log").display()
            );
        };
        Ok(Hub {
            child,
            url,
            data: data.to_path_buf(),
            bin: bin.to_path_buf(),
        })
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn cpu_ticks(&self) -> Result<u64> {
        cpu_ticks(self.pid())
    }

    /// Prints the hub's resident memory and threads now (information).
    pub(crate) fn note_rss(&self) {
        if let (Ok(kb), Ok(threads)) = (
            status_kb(self.pid(), "VmRSS:"),
            status_kb(self.pid(), "Threads:"),
        ) {
            println!(
                "  (hub VmRSS now {:.0} MB, {threads} threads)",
                kb as f64 / 1024.0
            );
        }
    }

    pub(crate) fn op(&self, args: &[&str]) -> Result<Vec<u8>> {
        run_ok(
            Command::new(&self.bin)
                .arg("--data")
                .arg(&self.data)
                .args(args),
        )
    }

    /// A new device token for an office (`doimoi-hub token issue CODE --json`).
    pub(crate) fn token(&self, unit: &str) -> Result<String> {
        let out = self.op(&["token", "issue", unit, "--json"])?;
        let v: serde_json::Value = serde_json::from_slice(&out)?;
        v["token"]
            .as_str()
            .map(str::to_string)
            .context("no token in `token issue --json`")
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One office device: a store initialised by the real `doimoi init`, opened in-process.
pub(crate) struct Office {
    pub(crate) dir: PathBuf,
    pub(crate) app: App,
    pub(crate) hub: HubClient,
}

impl Office {
    pub(crate) fn new(bins: &Bins, hub: &Hub, unit: &str, dir: &Path) -> Result<Office> {
        let token = hub.token(unit)?;
        std::fs::create_dir_all(dir)?;
        run_ok(
            Command::new(&bins.doimoi)
                .args(["init", "--unit", unit, "--hub", &hub.url, "--token", &token])
                .arg("--data")
                .arg(dir),
        )?;
        let app = App::open(dir)?;
        let client = HubClient::new(&hub.url, &token)?;
        Ok(Office {
            dir: dir.to_path_buf(),
            app,
            hub: client,
        })
    }

    /// [`Office::new`] for an office that writes documents before its first push: one sync
    /// first, so that it holds the hub's calendar (until it does, the hub judges the
    /// procedure's day-off rule by weekends alone, and the generator's events on a swapped
    /// working Saturday would be refused).
    pub(crate) fn writer(bins: &Bins, hub: &Hub, unit: &str, dir: &Path) -> Result<Office> {
        let mut office = Office::new(bins, hub, unit, dir)?;
        office.sync()?;
        office.app = App::open(dir)?;
        Ok(office)
    }

    pub(crate) fn sync(&mut self) -> Result<SyncReport> {
        let report = sync_once(&mut self.app, &self.hub, &mut |_, _| {})?;
        if !report.refused.is_empty() {
            bail!("the hub refused {} documents", report.refused.len());
        }
        Ok(report)
    }
}
