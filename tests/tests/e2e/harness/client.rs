//! [`TestClient`]: one office device, the real `doimoi` binary on a store in a temporary folder,
//! with or without a hub.

use serde_json::Value;
use std::cell::RefCell;
use std::process::{Child, Command, Output, Stdio};

/// `doimoi` as this package builds it (the same code, fresh for every `cargo test`).
const CLIENT_EXE: &str = env!("CARGO_BIN_EXE_doimoi-e2e-client");

/// On a day off (weekend, holiday), the clock of devices whose clock the test did not set: the
/// last working day before it, so that steps recorded "today" need no note (the procedure
/// refuses a step on a day off without one). `None` on a working day: the real clock.
fn working_now() -> Option<String> {
    let vn = chrono::FixedOffset::east_opt(7 * 3600).expect("+07:00");
    let today = chrono::Utc::now().with_timezone(&vn).date_naive();
    let calendar = doimoi_shared::calendar::Calendar::embedded();
    if calendar.is_working_day(today) {
        return None;
    }
    let day = (1..=30)
        .map(|n| today - chrono::Duration::days(n))
        .find(|d| calendar.is_working_day(*d))?;
    Some(format!("{day}T09:00:00+07:00"))
}

/// One office device: a `doimoi` store in a temporary folder.
pub struct TestClient {
    pub data: tempfile::TempDir,
    serve: Option<Child>,
    /// `DOIMOI_NOW` of the commands run from now on.
    now: RefCell<Option<String>>,
}

impl TestClient {
    /// A device of `unit` set up for the hub at `hub_url` (which need not be running).
    pub fn new(unit: &str, hub_url: &str, token: &str) -> TestClient {
        Self::init(&["--unit", unit, "--hub", hub_url, "--token", token])
    }

    /// An office with no hub: everything offline, documents handed over by file.
    pub fn offline(unit: &str) -> TestClient {
        Self::init(&["--unit", unit])
    }

    /// A store set up by `doimoi init ARGS…`.
    pub fn init(args: &[&str]) -> TestClient {
        let c = Self::uninitialised();
        let mut all = vec!["init"];
        all.extend_from_slice(args);
        c.ok(&all);
        c
    }

    /// An empty folder: `doimoi init` has not run there.
    pub fn uninitialised() -> TestClient {
        TestClient {
            data: tempfile::tempdir().expect("temp dir"),
            serve: None,
            now: RefCell::new(None),
        }
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(CLIENT_EXE);
        cmd.arg("--data")
            .arg(self.data.path())
            .args(args)
            .env_remove("DOIMOI_DATA");
        match self.now.borrow().as_deref() {
            Some(now) => cmd.env("DOIMOI_NOW", now),
            None => match working_now() {
                Some(now) => cmd.env("DOIMOI_NOW", now),
                None => cmd.env_remove("DOIMOI_NOW"),
            },
        };
        cmd
    }

    /// `proposal STEP ID --date DATE EXTRA…`, which must succeed.
    pub fn step(&self, id: &str, name: &str, date: &str, extra: &[&str]) {
        let mut args = vec!["proposal", name, id, "--date", date];
        args.extend_from_slice(extra);
        self.ok(&args);
    }

    /// Sets this device's clock to a working day before 01/07/2025, when districts still
    /// decided the proposals of their communes' heads.
    pub fn before_the_reform(&self) {
        self.set_now("2025-03-03T09:00:00+07:00");
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
        let out = self.run(args);
        assert!(
            out.status.success(),
            "doimoi {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// A command with `--json` that must succeed.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).expect("json output")
    }

    /// A command that must fail (without a panic); its stderr.
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
        // The subjects (a mandatory content) and the basis, chosen explicitly (the
        // regulation's), unless the test gives its own.
        if !extra.contains(&"--subjects") {
            args.extend_from_slice(&["--subjects", "Công chức bộ phận một cửa; người dân"]);
        }
        if !extra.contains(&"--basis") {
            args.extend_from_slice(&["--basis", "qd20"]);
        }
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

    /// Every proposal's id, status and event ids, to compare the store before and after a
    /// refused command.
    pub fn snapshot(&self) -> Vec<(String, String, Vec<String>)> {
        let list = self.json(&["proposal", "list"]);
        let mut v = Vec::new();
        for p in list.as_array().expect("array") {
            let id = p["id"].as_str().expect("id").to_string();
            let show = self.show(&id);
            let events = show["events"]
                .as_array()
                .expect("events")
                .iter()
                .map(|e| e["id"].as_str().unwrap_or("").to_string())
                .collect();
            v.push((
                id,
                show["status"].as_str().unwrap_or("").to_string(),
                events,
            ));
        }
        v
    }

    /// Starts `doimoi serve` in the background.
    pub fn start_serve(&mut self) {
        let child = self
            .cmd(&["serve", "--interval", "30", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn doimoi serve");
        self.serve = Some(child);
    }

    /// The office web app of the running `doimoi serve`: its base URL and its sign-in link
    /// (waits for the address file the server writes once it listens).
    pub fn web(&self) -> (String, String) {
        let file = self.data.path().join("web.json");
        let started = std::time::Instant::now();
        loop {
            if let Some(v) = std::fs::read_to_string(&file)
                .ok()
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            {
                let addr = v["address"].as_str().unwrap_or_default().to_string();
                let secret = v["secret"].as_str().unwrap_or_default().to_string();
                let base = format!("http://{addr}");
                return (base.clone(), format!("{base}/vao?k={secret}"));
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "doimoi serve did not write {}",
                file.display()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
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
