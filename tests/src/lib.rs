//! Harness for the end-to-end scenarios: [`TestHub`] runs the real `doimoi-hub` binary on a
//! port chosen by the OS (it prints its address first, so nothing sleeps to wait for it), and
//! [`TestClient`] runs the real `doimoi` binary on a store in a temporary folder. A
//! [`CutProxy`] sits between them to cut a response in half.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The folder holding the workspace's binaries (`target/debug`), found from this test binary
/// (`target/debug/deps/e2e-…`).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let deps = exe.parent().expect("deps folder");
    let dir = deps.parent().expect("profile folder").to_path_buf();
    for b in ["doimoi", "doimoi-hub"] {
        assert!(
            dir.join(b).exists(),
            "{} is missing: run the tests with `cargo test --workspace` (it builds the binaries)",
            dir.join(b).display()
        );
    }
    dir
}

fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run command");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A running hub with its own data folder.
pub struct TestHub {
    pub data: tempfile::TempDir,
    pub url: String,
    pub port: u16,
    child: Option<Child>,
    /// Environment of the hub process (e.g. `DOIMOI_HUB_NOW`), applied at the next start.
    env: Vec<(String, String)>,
}

impl TestHub {
    /// Starts a hub on a port the OS picks.
    pub fn spawn() -> TestHub {
        Self::spawn_with_config("")
    }

    /// Starts a hub with these lines of TOML configuration (written to `hub.toml` in its data
    /// folder and passed with `--config`).
    pub fn spawn_with_config(toml: &str) -> TestHub {
        let data = tempfile::tempdir().expect("temp dir");
        std::fs::write(data.path().join("hub.toml"), toml).expect("write hub.toml");
        let (child, url, port) = Self::start(data.path(), 0, &[]);
        TestHub {
            data,
            url,
            port,
            child: Some(child),
            env: Vec::new(),
        }
    }

    fn start(data: &Path, port: u16, env: &[(String, String)]) -> (Child, String, u16) {
        let mut child = Command::new(bin_dir().join("doimoi-hub"))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .arg("--data")
            .arg(data)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--config")
            .arg(data.join("hub.toml"))
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

    /// Kills the hub at once (SIGKILL: no graceful shutdown).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the hub again on the same port and data.
    pub fn restart(&mut self) {
        self.kill();
        let (child, url, _) = Self::start(self.data.path(), self.port, &self.env);
        assert_eq!(url, self.url);
        self.child = Some(child);
    }

    /// Restarts the hub with its clock set to `now` (RFC 3339): what it accepts from then on is
    /// logged at that time (for "as of" reports).
    pub fn restart_at(&mut self, now: &str) {
        self.env.retain(|(k, _)| k != "DOIMOI_HUB_NOW");
        self.env.push(("DOIMOI_HUB_NOW".into(), now.into()));
        self.restart();
    }

    /// Runs an operator command on this hub's data.
    pub fn op(&self, args: &[&str]) -> Output {
        run_ok(
            Command::new(bin_dir().join("doimoi-hub"))
                .arg("--data")
                .arg(self.data.path())
                .args(args),
        )
    }

    /// A new device token for an office.
    pub fn token(&self, unit: &str) -> String {
        let out = self.op(&["token", "issue", unit, "--json"]);
        let v: Value = serde_json::from_slice(&out.stdout).expect("token json");
        v["token"].as_str().expect("token").to_string()
    }

    /// A counter from `/metrics`.
    pub fn metric(&self, name: &str) -> i64 {
        let text = reqwest::blocking::get(format!("{}/metrics", self.url))
            .and_then(|r| r.text())
            .unwrap_or_default();
        text.lines()
            .find_map(|l| {
                l.strip_prefix(&format!("{name} "))
                    .and_then(|v| v.trim().parse().ok())
            })
            .unwrap_or(-1)
    }
}

impl Drop for TestHub {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One office device: a `doimoi` store in a temporary folder.
pub struct TestClient {
    pub data: tempfile::TempDir,
    pub unit: String,
    serve: Option<Child>,
    /// `DOIMOI_NOW` of the commands run from now on.
    now: std::cell::RefCell<Option<String>>,
}

impl TestClient {
    /// A device of `unit` set up for `hub` (which need not be running).
    pub fn new(unit: &str, hub_url: &str, token: &str) -> TestClient {
        let c = TestClient {
            data: tempfile::tempdir().expect("temp dir"),
            unit: unit.to_string(),
            serve: None,
            now: std::cell::RefCell::new(None),
        };
        c.ok(&["init", "--unit", unit, "--hub", hub_url, "--token", token]);
        c
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin_dir().join("doimoi"));
        cmd.arg("--data")
            .arg(self.data.path())
            .args(args)
            .env_remove("DOIMOI_DATA");
        match self.now.borrow().as_deref() {
            Some(now) => cmd.env("DOIMOI_NOW", now),
            None => cmd.env_remove("DOIMOI_NOW"),
        };
        cmd
    }

    /// Sets this device's clock (RFC 3339) for the commands that follow.
    pub fn set_now(&self, now: &str) {
        *self.now.borrow_mut() = Some(now.to_string());
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run doimoi")
    }

    /// A command that must succeed; its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        String::from_utf8(run_ok(&mut self.cmd(args)).stdout).expect("utf-8")
    }

    /// A command with `--json` that must succeed.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).expect("json output")
    }

    /// A command that must fail; its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "doimoi {args:?} should have failed");
        let err = String::from_utf8(out.stderr).expect("utf-8");
        assert!(!err.contains("panicked"), "{err}");
        err
    }

    pub fn sync(&self) -> Value {
        self.json(&["sync"])
    }

    pub fn show(&self, id: &str) -> Value {
        self.json(&["proposal", "show", id])
    }

    /// A complete proposal; returns its id.
    pub fn new_proposal(&self, title: &str, extra: &[&str]) -> String {
        let mut args = vec![
            "proposal",
            "new",
            "--title",
            title,
            "--proposer",
            "Nguyễn Văn An",
            "--necessity",
            "Thủ tục chậm",
            "--content",
            "Số hóa hồ sơ một cửa",
            "--scope",
            "Bộ phận một cửa",
            "--timeline",
            "Sáu tháng",
            "--resources",
            "Ngân sách xã",
            "--feasibility",
            "Cao",
            "--impact",
            "Tích cực",
            "--expected",
            "Giảm thời gian",
        ];
        args.extend_from_slice(extra);
        self.json(&args)["id"].as_str().expect("id").to_string()
    }

    /// The ids of the proposals this store holds.
    pub fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .json(&["proposal", "list"])
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|p| p["id"].as_str().map(str::to_string))
            .collect();
        ids.sort();
        ids
    }

    /// Starts `doimoi serve` in the background.
    pub fn start_serve(&mut self) {
        let child = self
            .cmd(&["serve", "--interval", "30"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn doimoi serve");
        self.serve = Some(child);
    }

    pub fn stop_serve(&mut self) {
        if let Some(mut c) = self.serve.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for TestClient {
    fn drop(&mut self) {
        self.stop_serve();
    }
}

/// Polls `cond` until it holds or `limit` passes. For waiting on background processes (no
/// fixed sleeps: it returns as soon as the condition holds).
pub fn eventually(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for: {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A TCP proxy in front of the hub that forwards each request whole but passes on only the
/// first half of each response, then closes the connection.
pub struct CutProxy {
    pub url: String,
}

impl CutProxy {
    pub fn start(upstream_port: u16) -> CutProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(client) = conn else { continue };
                std::thread::spawn(move || {
                    let _ = cut_one(client, upstream_port);
                });
            }
        });
        CutProxy {
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

fn cut_one(mut client: TcpStream, upstream_port: u16) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(5)))?;
    // Read the request: headers, then Content-Length bytes.
    let mut req = Vec::new();
    let mut buf = [0u8; 8192];
    let header_end = loop {
        let n = client.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        req.extend_from_slice(&buf[..n]);
        if let Some(p) = req.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8_lossy(&req[..header_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("content-length:")
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0);
    while req.len() < header_end + len {
        let n = client.read(&mut buf)?;
        if n == 0 {
            break;
        }
        req.extend_from_slice(&buf[..n]);
    }
    let mut up = TcpStream::connect(("127.0.0.1", upstream_port))?;
    // Ask the hub to close after answering, so the whole response can be read.
    let req = String::from_utf8_lossy(&req[..header_end])
        .replacen("\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1)
        .into_bytes()
        .into_iter()
        .chain(req[header_end..].iter().copied())
        .collect::<Vec<u8>>();
    up.write_all(&req)?;
    let mut resp = Vec::new();
    up.read_to_end(&mut resp)?;
    client.write_all(&resp[..resp.len() / 2])?;
    client.flush()?;
    Ok(())
}
