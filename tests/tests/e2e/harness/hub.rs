//! Hubs for the scenarios: [`TestHub`] runs [`doimoi_hub::run`] inside the test process,
//! [`ProcessHub`] runs the twin binary for the one scenario that kills it; [`operator`] runs an
//! operator command of the twin binary on a data folder.

use doimoi_hub::config::Config;
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// `doimoi-hub` as this package builds it (the same code, fresh for every `cargo test`).
const HUB_EXE: &str = env!("CARGO_BIN_EXE_doimoi-e2e-hub");

/// Runs `doimoi-hub --data DATA ARGS…` (an operator command) and returns what it did,
/// successful or not.
pub fn operator(data: &Path, args: &[&str]) -> Output {
    Command::new(HUB_EXE)
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("run doimoi-hub")
}

/// Runs `doimoi-hub --data DATA ARGS…` with `input` on its standard input (a password for
/// `user add … --password-stdin`).
pub fn operator_with_input(data: &Path, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(HUB_EXE)
        .arg("--data")
        .arg(data)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run doimoi-hub");
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.as_bytes());
    }
    child.wait_with_output().expect("doimoi-hub's output")
}

/// An operator command that must succeed.
fn operator_ok(data: &Path, args: &[&str]) -> Output {
    let out = operator(data, args);
    assert!(
        out.status.success(),
        "doimoi-hub {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A new device token for an office of the hub whose data is in `data`.
fn issue_token(data: &Path, unit: &str) -> String {
    let out = operator_ok(data, &["token", "issue", unit, "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("token json");
    v["token"].as_str().expect("token").to_string()
}

/// A counter from the hub's `/metrics`, or -1 when the hub does not answer.
fn metric_at(url: &str, name: &str) -> i64 {
    let text = reqwest::blocking::get(format!("{url}/metrics"))
        .and_then(|r| r.text())
        .unwrap_or_default();
    text.lines()
        .find_map(|l| {
            l.strip_prefix(&format!("{name} "))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(-1)
}

/// A hub inside the test process, with its own data folder: [`doimoi_hub::run`] on a tokio
/// runtime of its own, serving a listener bound before it starts (nothing waits for it).
pub struct TestHub {
    pub data: tempfile::TempDir,
    pub url: String,
    pub port: u16,
    /// The configuration of the next start: the TOML given at spawn, the data folder, the clock.
    config: Config,
    /// `None` only once dropped.
    runtime: Option<Runtime>,
    /// `None` while stopped.
    running: Option<Running>,
}

/// One run of the hub: the token that stops it and the task that returns when it has.
struct Running {
    shutdown: CancellationToken,
    task: JoinHandle<anyhow::Result<()>>,
}

impl TestHub {
    /// Starts a hub on a port the OS picks.
    pub fn spawn() -> TestHub {
        Self::spawn_with_config("")
    }

    /// Starts a hub with these lines of TOML configuration (as `--config` would read them).
    pub fn spawn_with_config(toml: &str) -> TestHub {
        let data = tempfile::tempdir().expect("temp dir");
        let mut config: Config = toml::from_str(toml).expect("hub configuration");
        config.data = data.path().to_path_buf();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(config.blocking_threads.max(1))
            .thread_name("test-hub")
            .enable_all()
            .build()
            .expect("the hub's runtime");
        let mut hub = TestHub {
            data,
            url: String::new(),
            port: 0,
            config,
            runtime: Some(runtime),
            running: None,
        };
        hub.start();
        hub
    }

    fn runtime(&self) -> &Runtime {
        self.runtime.as_ref().expect("the hub's runtime")
    }

    /// Binds `self.port` (a free one the first time) and serves on it.
    ///
    /// The first port is drawn below Linux's ephemeral range (32768–60999), so that no client
    /// connection and no other hub asking the OS for "any port" can take it while this hub is
    /// stopped between [`TestHub::stop`] and [`TestHub::restart`]; a restart retries for a few
    /// seconds should the port still be held.
    fn start(&mut self) {
        assert!(self.running.is_none(), "the hub is already running");
        let bind = |port: u16| {
            self.runtime()
                .block_on(tokio::net::TcpListener::bind(("127.0.0.1", port)))
        };
        let listener = if self.port == 0 {
            let seed = std::process::id() as u64
                ^ std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64);
            (0..200u64)
                .map(|i| {
                    20_000 + ((seed.wrapping_mul(6364136223846793005) >> 33) + i * 7919) % 12_000
                })
                .find_map(|p| bind(p as u16).ok())
                .or_else(|| bind(0).ok())
                .expect("a free port for the hub")
        } else {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            loop {
                match bind(self.port) {
                    Ok(l) => break l,
                    Err(e) if std::time::Instant::now() < deadline => {
                        let _ = e;
                        std::thread::sleep(std::time::Duration::from_millis(50));
                    }
                    Err(e) => panic!("bind the hub's port {} again: {e}", self.port),
                }
            }
        };
        let addr = listener.local_addr().expect("the hub's address");
        assert!(self.port == 0 || self.port == addr.port());
        self.port = addr.port();
        self.url = format!("http://{addr}");
        self.config.listen = addr;
        let shutdown = CancellationToken::new();
        let task = self.runtime().spawn(doimoi_hub::run(
            listener,
            self.config.clone(),
            shutdown.clone(),
        ));
        // Serving before the scenario goes on: a hub that could not start says why here,
        // instead of its clients finding the port closed.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            if task.is_finished() {
                let outcome = self.runtime().block_on(task);
                panic!("the hub stopped as it started: {outcome:?}");
            }
            // (Over HTTPS a plain request is not served: a connection is the most asked.)
            let up = if self.config.tls_cert.is_some() {
                std::net::TcpStream::connect(addr).is_ok()
            } else {
                reqwest::blocking::Client::new()
                    .get(format!("{}/healthz", self.url))
                    .timeout(Duration::from_secs(2))
                    .send()
                    .is_ok_and(|r| r.status().as_u16() != 404)
            };
            if up {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the hub at {} does not answer /healthz",
                self.url
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        self.running = Some(Running { shutdown, task });
    }

    /// Shuts the hub down as SIGTERM would (in-flight requests finish) and waits until it has:
    /// its port refuses connections until [`TestHub::restart`].
    pub fn stop(&mut self) {
        if let Some(run) = self.running.take() {
            run.shutdown.cancel();
            self.runtime()
                .block_on(run.task)
                .expect("the hub's task")
                .expect("the hub stopped cleanly");
        }
    }

    /// Stops the hub (if it runs) and starts it again on the same port and data.
    pub fn restart(&mut self) {
        self.stop();
        self.start();
    }

    /// Stops the hub, changes its configuration, and starts it again on the same port and data.
    pub fn reconfigure(&mut self, change: impl FnOnce(&mut Config)) {
        self.stop();
        change(&mut self.config);
        self.start();
    }

    /// Restarts the hub with its clock set to `now` (RFC 3339), as `DOIMOI_HUB_NOW` does: what
    /// it accepts from then on is logged at that time (for "as of" reports).
    pub fn restart_at(&mut self, now: &str) {
        let at = chrono::DateTime::parse_from_rfc3339(now).expect("an RFC 3339 time");
        self.stop();
        self.config.clock_offset_ms = at.timestamp_millis() - chrono::Utc::now().timestamp_millis();
        self.start();
    }

    /// Runs an operator command on this hub's data; it must succeed.
    pub fn op(&self, args: &[&str]) -> Output {
        operator_ok(self.data.path(), args)
    }

    /// A new device token for an office.
    pub fn token(&self, unit: &str) -> String {
        issue_token(self.data.path(), unit)
    }

    /// A counter from `/metrics`.
    pub fn metric(&self, name: &str) -> i64 {
        metric_at(&self.url, name)
    }

    /// Creates a person's account for the pages, as the operator does:
    /// `doimoi-hub user add NAME --unit UNIT --role ROLE --password-stdin`.
    pub fn user(&self, name: &str, unit: &str, role: &str, password: &str) {
        let args = [
            "user",
            "add",
            name,
            "--unit",
            unit,
            "--role",
            role,
            "--password-stdin",
        ];
        let out = operator_with_input(self.data.path(), &args, &format!("{password}\n"));
        assert!(
            out.status.success(),
            "doimoi-hub {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for TestHub {
    fn drop(&mut self) {
        let Some(runtime) = self.runtime.take() else {
            return;
        };
        if let Some(run) = self.running.take() {
            run.shutdown.cancel();
            // Bounded, and without panicking: the test may be failing already.
            let _ = runtime
                .block_on(async { tokio::time::timeout(Duration::from_secs(30), run.task).await });
        }
        runtime.shutdown_timeout(Duration::from_secs(5));
    }
}

/// A hub in a child process (the twin binary), for the scenario that kills it with SIGKILL,
/// which only a process can be.
pub struct ProcessHub {
    pub data: tempfile::TempDir,
    pub url: String,
    pub port: u16,
    child: Option<Child>,
}

impl ProcessHub {
    /// Starts a hub process on a port the OS picks. It prints its address once bound, so
    /// nothing waits for it.
    pub fn spawn() -> ProcessHub {
        let data = tempfile::tempdir().expect("temp dir");
        let (child, url, port) = Self::start(data.path(), 0);
        ProcessHub {
            data,
            url,
            port,
            child: Some(child),
        }
    }

    fn start(data: &Path, port: u16) -> (Child, String, u16) {
        use std::io::{BufRead, BufReader};
        let mut child = Command::new(HUB_EXE)
            .arg("--data")
            .arg(data)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn doimoi-hub");
        let stdout = child.stdout.take().expect("hub stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("hub prints its address");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        let port = url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port in address");
        (child, url, port)
    }

    /// The hub process's id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills the hub at once (SIGKILL: no graceful shutdown) and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the hub again on the same port and data.
    pub fn restart(&mut self) {
        self.kill();
        let (child, url, _) = Self::start(self.data.path(), self.port);
        assert_eq!(url, self.url);
        self.child = Some(child);
    }

    /// A new device token for an office.
    pub fn token(&self, unit: &str) -> String {
        issue_token(self.data.path(), unit)
    }

    /// A counter from `/metrics`.
    pub fn metric(&self, name: &str) -> i64 {
        metric_at(&self.url, name)
    }
}

impl Drop for ProcessHub {
    fn drop(&mut self) {
        self.kill();
    }
}
