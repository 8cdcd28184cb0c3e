//! The office web app: `doimoi serve` serves it on the loopback (127.0.0.1:8686 by default)
//! beside the background sync. Server-rendered Vietnamese pages (maud templates, which escape
//! every value), a small script for autosave and live status, and nothing from the network.
//!
//! One core: every handler that reads or writes documents calls the application functions of
//! [`crate::actions`] (or the store's index through them), the same ones the CLI calls; this
//! module only turns forms into typed inputs and results into pages.
//!
//! Security of a local app: the `Host` must be the listening address (DNS rebinding), every
//! page but the sign-in link needs the per-process secret in an HttpOnly `SameSite=Strict`
//! cookie (handed to the browser by `doimoi open` as `/vao?k=SECRET`), and every POST an
//! `Origin` of the app itself; anything else is refused with 403 before a handler runs. The
//! referrer policy is `same-origin` (with `no-referrer` browsers send `Origin: null` on form
//! posts). A Content-Security-Policy forbids inline scripts; bodies are size-limited.
//!
//! Layout: `mod.rs` (server, lock and address files, security, errors), `pages.rs` (handlers),
//! `view.rs` (the page shell, the sync banner and shared pieces), `assets/` (CSS and JS,
//! embedded).

mod duties;
mod pages;
mod view;

use crate::app::App;
use crate::error::CliError;
use crate::sync::worker::{self, WorkerConfig};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The default address of the web app.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8686";
/// The cookie that carries the secret, named with the app's port (cookies do not tell ports
/// apart: two stores served on one machine keep their own).
fn cookie_name(port: u16) -> String {
    format!("doimoi_phien_{port}")
}
/// The largest request body: an attachment or an imported document file.
pub const MAX_BODY: usize = 20 * 1024 * 1024;
/// The largest text of one field (a prose field of the plan is a few pages at most).
pub const MAX_FIELD: usize = 100_000;

/// The file, in the data folder, that says where the running `doimoi serve` listens and with
/// which secret (readable by the store's owner only).
pub fn address_file(dir: &Path) -> PathBuf {
    dir.join("web.json")
}

/// The lock file held by the running `doimoi serve` of a store.
pub fn lock_file(dir: &Path) -> PathBuf {
    dir.join("serve.lock")
}

/// What the address file holds.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Address {
    pub address: String,
    pub secret: String,
    pub pid: u32,
}

impl Address {
    /// The link that signs a browser in: the secret is exchanged for the cookie.
    pub fn url(&self) -> String {
        format!("http://{}/vao?k={}", self.address, self.secret)
    }
}

/// Reads the address of the running `doimoi serve` of a store, if one is running (its lock is
/// held).
pub fn running(dir: &Path) -> Option<Address> {
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(lock_file(dir))
        .ok()?;
    match lock.try_lock() {
        // Nobody holds it: no server (the file is left from an earlier one).
        Ok(()) => {
            let _ = lock.unlock();
            None
        }
        Err(_) => {
            let text = std::fs::read_to_string(address_file(dir)).ok()?;
            serde_json::from_str(&text).ok()
        }
    }
}

/// The shared state of the handlers: cheap to clone.
#[derive(Clone)]
pub struct Web {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    secret: String,
    /// The port the app listens on: the `Host` and `Origin` of every request must name it.
    port: u16,
    sync: Mutex<Option<SyncTask>>,
    /// The sync loop's lines as JSON on stdout (`--json`) rather than text on stderr.
    json: bool,
}

/// The background sync loop of the office, restarted when the hub's address or token change.
struct SyncTask {
    stop: Arc<AtomicBool>,
    wake: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<()>,
}

impl Web {
    pub fn new(dir: &Path, secret: String, port: u16, json: bool) -> Web {
        Web {
            inner: Arc::new(Inner {
                dir: dir.to_path_buf(),
                secret,
                port,
                sync: Mutex::new(None),
                json,
            }),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Runs `f` on an opened office on a blocking thread (SQLite, Automerge and the blocking
    /// HTTP client of reports must not run on the async threads).
    pub async fn with_app<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut App) -> Result<T, CliError> + Send + 'static,
    ) -> Result<T, CliError> {
        let dir = self.inner.dir.clone();
        tokio::task::spawn_blocking(move || {
            let mut app = App::open(&dir)?;
            f(&mut app)
        })
        .await
        .map_err(|_| CliError::Usage("Máy bận, không xử lý được yêu cầu; hãy thử lại.".into()))?
    }

    /// Starts (or restarts) the background sync with `interval`, when a hub is configured.
    pub fn start_sync(&self, interval: Duration) {
        let mut slot = match self.inner.sync.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        if let Some(old) = slot.take() {
            old.stop.store(true, Ordering::SeqCst);
            let _ = old.handle.join();
        }
        let configured = App::open(&self.inner.dir)
            .ok()
            .and_then(|a| a.store.get_meta(crate::app::keys::HUB).ok().flatten())
            .is_some_and(|h| !h.is_empty());
        if !configured {
            return;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let cfg = WorkerConfig {
            interval,
            ..WorkerConfig::default()
        };
        let wake = cfg.wake.clone();
        let dir = self.inner.dir.clone();
        let json = self.inner.json;
        let s = stop.clone();
        let handle = std::thread::spawn(move || {
            let r = worker::run(&dir, &cfg, s, &mut |line| {
                if json {
                    // A closed pipe ends the process quietly; other write errors are not
                    // worth stopping the sync for.
                    let _ = crate::commands::write_stdout(
                        serde_json::json!({ "message": line })
                            .to_string()
                            .as_bytes(),
                    );
                } else {
                    eprintln!("{line}");
                }
            });
            if let Err(e) = r {
                eprintln!("Đồng bộ tự động dừng: {e}");
            }
        });
        *slot = Some(SyncTask { stop, wake, handle });
    }

    /// Asks the sync loop for a pass now. `false` when no hub is configured.
    pub fn sync_now(&self) -> bool {
        let slot = match self.inner.sync.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        match slot.as_ref() {
            Some(t) => {
                t.wake.store(true, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }

    fn stop_sync(&self) {
        let mut slot = match self.inner.sync.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        if let Some(old) = slot.take() {
            old.stop.store(true, Ordering::SeqCst);
            let _ = old.handle.join();
        }
    }
}

/// Every route of the app.
pub fn router(web: Web) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/vao", get(pages::sign_in))
        .route("/static/app.css", get(pages::css))
        .route("/static/app.js", get(pages::js))
        .route("/api/trang-thai", get(pages::status_json))
        .route("/dong-bo", post(pages::sync_now))
        .route("/de-xuat", get(pages::list))
        .route("/de-xuat/moi", get(pages::new_form).post(pages::create))
        .route("/de-xuat/{id}", get(pages::show))
        .route("/de-xuat/{id}/phien-ban", get(pages::version))
        .route(
            "/de-xuat/{id}/sua",
            get(pages::edit_form).post(pages::save_form),
        )
        .route("/de-xuat/{id}/luu", post(pages::autosave))
        .route("/de-xuat/{id}/nop", post(pages::submit))
        .route("/de-xuat/{id}/buoc/{step}", post(pages::step))
        .route("/de-xuat/{id}/y-kien", post(pages::comment))
        .route("/de-xuat/{id}/dinh-kem", post(pages::attach))
        .route("/de-xuat/{id}/dinh-kem/{sha}", get(pages::attachment))
        .route("/de-xuat/{id}/xuat", get(pages::export))
        .route("/nhiem-vu", get(duties::page))
        .route("/nhiem-vu/{kind}", post(duties::record))
        .route("/bao-cao", get(pages::reports))
        .route("/bao-cao/xem", get(pages::report_view))
        .route("/bao-cao/tai", get(pages::report_download))
        .route("/cai-dat", get(pages::settings))
        .route("/cai-dat/may-chu", post(pages::set_hub))
        .route("/cai-dat/kiem-tra", post(pages::check_hub))
        .route("/cai-dat/nhap", post(pages::import))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(web.clone(), guard))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(web)
}

/// The hosts a request may name: the loopback names with the app's port.
fn allowed_host(host: &str, port: u16) -> bool {
    [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ]
    .iter()
    .any(|h| h.eq_ignore_ascii_case(host))
}

/// The secret from the request's cookie.
fn cookie_secret(headers: &HeaderMap, port: u16) -> Option<&str> {
    let name = cookie_name(port);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Compares two secrets in time independent of where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The security checks of every request, then the security headers of every answer.
async fn guard(State(web): State<Web>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !allowed_host(host, web.inner.port) {
        return forbidden("Địa chỉ truy cập không đúng: mở ứng dụng bằng lệnh `doimoi open`.");
    }
    let path = req.uri().path();
    let public = path == "/vao" || path.starts_with("/static/");
    if !public {
        let ok = cookie_secret(headers, web.inner.port)
            .is_some_and(|s| same_secret(s, &web.inner.secret));
        if !ok {
            return view::sign_in_needed().into_response_with(StatusCode::FORBIDDEN);
        }
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let origin = headers
            .get(header::ORIGIN)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let ok = origin
            .strip_prefix("http://")
            .is_some_and(|h| allowed_host(h, web.inner.port));
        if !ok {
            return forbidden("Yêu cầu không xuất phát từ ứng dụng doimoi trên máy này nên bị từ chối; không có gì bị thay đổi.");
        }
    }
    let mut res = next.run(req).await;
    // The framework's own refusals (a body too large, a form that cannot be read) come as
    // English plain text: a clerk reads them in Vietnamese.
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if plain && res.status().is_client_error() {
        let msg = if res.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "Tệp hoặc nội dung gửi lên quá lớn (tối đa 20 MB); không có gì bị thay đổi."
        } else {
            "Dữ liệu gửi lên không đúng định dạng của ứng dụng; không có gì bị thay đổi."
        };
        res = (
            res.status(),
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            msg,
        )
            .into_response();
    }
    let h = res.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'",
    ));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}

fn forbidden(message: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.to_string(),
    )
        .into_response()
}

/// A new random secret (32 hex digits) from the OS generator.
fn new_secret() -> String {
    doimoi_shared::ids::hex(&App::random_bytes())
}

/// `doimoi serve`: takes the store's lock (one server per store), binds `listen`, writes the
/// address file, starts the background sync and serves the app until Ctrl-C or SIGTERM.
pub fn serve(dir: &Path, listen: &str, interval: u64, json: bool) -> Result<(), CliError> {
    // The store must be initialised; the message says how otherwise.
    let office = {
        let app = App::open(dir)?;
        app.registry
            .get(&app.unit)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| format!("đơn vị {}", app.unit))
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::io(format!("Không tạo được thư mục {}", dir.display()), e))?;
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(lock_file(dir))
        .map_err(|e| CliError::io("Không mở được tệp khóa của kho", e))?;
    if lock.try_lock().is_err() {
        let where_ = running(dir)
            .map(|a| format!(" tại http://{}", a.address))
            .unwrap_or_default();
        return Err(CliError::Usage(format!(
            "Văn phòng này đã có một tiến trình `doimoi serve` đang chạy{where_} (kho {}). Mở ứng dụng bằng `doimoi open`.",
            dir.display()
        )));
    }
    let addr: SocketAddr = listen.trim().parse().map_err(|_| {
        CliError::Usage(format!(
            "--listen \"{listen}\" không phải địa chỉ hợp lệ: dùng dạng IP:CỔNG, ví dụ {DEFAULT_LISTEN}."
        ))
    })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(16)
        .enable_all()
        .build()
        .map_err(|e| CliError::io("Không khởi động được máy chủ web", e))?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(addr))
        .map_err(|e| {
            CliError::io(
                format!("Không mở được cổng {addr} (có chương trình khác đang dùng? chọn cổng khác bằng --listen)"),
                e,
            )
        })?;
    let bound = listener
        .local_addr()
        .map_err(|e| CliError::io("Không đọc được địa chỉ đã mở", e))?;
    let address = Address {
        address: bound.to_string(),
        secret: new_secret(),
        pid: std::process::id(),
    };
    write_address(dir, &address)?;
    match App::open(dir)?
        .store
        .get_meta(crate::app::keys::HUB)?
        .filter(|h| !h.is_empty())
    {
        Some(hub) => eprintln!("Đang tự động đồng bộ với máy chủ {hub} (nhấn Ctrl-C để dừng)."),
        None => eprintln!("Chưa cấu hình máy chủ: không đồng bộ, chỉ làm việc trên máy này."),
    }
    let web = Web::new(dir, address.secret.clone(), bound.port(), json);
    web.start_sync(Duration::from_secs(interval.max(1)));
    let stop = Arc::new(tokio::sync::Notify::new());
    {
        let stop = stop.clone();
        ctrlc::set_handler(move || stop.notify_one())
            .map_err(|e| CliError::Usage(format!("Không cài được xử lý tín hiệu dừng: {e}")))?;
    }
    eprintln!(
        "Ứng dụng của văn phòng {office} đang chạy tại http://{bound} (mở bằng `doimoi open`; nhấn Ctrl-C để dừng)."
    );
    let app = router(web.clone());
    let served = runtime.block_on(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.notified().await })
            .await
    });
    web.stop_sync();
    let _ = std::fs::remove_file(address_file(dir));
    drop(lock);
    eprintln!("Đã dừng ứng dụng và tự động đồng bộ.");
    served.map_err(|e| CliError::io("Máy chủ web dừng vì lỗi", e))
}

fn write_address(dir: &Path, a: &Address) -> Result<(), CliError> {
    let path = address_file(dir);
    let tmp = dir.join("web.json.part");
    let text = serde_json::to_string(a)
        .map_err(|e| CliError::Usage(format!("Không tạo được tệp địa chỉ: {e}")))?;
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).truncate(true).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let io = |e| CliError::io(format!("Không ghi được tệp {}", path.display()), e);
    {
        use std::io::Write;
        let mut f = opts.open(&tmp).map_err(io)?;
        f.write_all(text.as_bytes()).map_err(io)?;
    }
    std::fs::rename(&tmp, &path).map_err(io)
}

/// `doimoi open`: the running server's address, starting `doimoi serve` in the background when
/// none runs; then the browser, unless `print_only` or no browser can be opened (the address
/// is printed then).
pub fn open(dir: &Path, print_only: bool) -> Result<String, CliError> {
    App::open(dir)?;
    let address = match running(dir) {
        Some(a) => a,
        None => start_background(dir)?,
    };
    let url = address.url();
    if print_only || !open_browser(&url) {
        return Ok(url);
    }
    Ok(String::new())
}

fn start_background(dir: &Path) -> Result<Address, CliError> {
    let exe = std::env::current_exe()
        .map_err(|e| CliError::io("Không tìm được chương trình doimoi", e))?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("serve.log"))
        .map_err(|e| CliError::io("Không mở được tệp nhật ký serve.log", e))?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("--data")
        .arg(dir)
        .arg("serve")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(log);
    if let Ok(l) = std::env::var("DOIMOI_LISTEN") {
        cmd.args(["--listen", &l]);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| CliError::io("Không khởi động được `doimoi serve`", e))?;
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        if let Some(a) = running(dir) {
            return Ok(a);
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(CliError::Usage(format!(
                "`doimoi serve` dừng ngay khi khởi động ({status}); xem lý do trong {}.",
                dir.join("serve.log").display()
            )));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(CliError::Usage(format!(
        "`doimoi serve` chưa sẵn sàng sau 20 giây; xem {}.",
        dir.join("serve.log").display()
    )))
}

/// Opens `url` in the default browser; `false` when none could be started.
fn open_browser(url: &str) -> bool {
    let tries: &[(&str, &[&str])] = if cfg!(target_os = "macos") {
        &[("open", &[])]
    } else if cfg!(windows) {
        &[("cmd", &["/C", "start", ""])]
    } else {
        &[("xdg-open", &[]), ("sensible-browser", &[])]
    };
    if std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
        && cfg!(all(unix, not(target_os = "macos")))
    {
        return false;
    }
    tries.iter().any(|(exe, args)| {
        std::process::Command::new(exe)
            .args(*args)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// A page's answer with an explicit status.
trait WithStatus {
    fn into_response_with(self, status: StatusCode) -> Response;
}

impl WithStatus for maud::Markup {
    fn into_response_with(self, status: StatusCode) -> Response {
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            self.into_string(),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_loopback_names_with_the_apps_port_are_allowed() {
        assert!(allowed_host("127.0.0.1:8686", 8686));
        assert!(allowed_host("localhost:8686", 8686));
        assert!(!allowed_host("127.0.0.1:8687", 8686));
        assert!(!allowed_host("evil.example:8686", 8686));
        assert!(!allowed_host("", 8686));
    }

    #[test]
    fn the_secret_is_read_from_its_cookie_only() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; doimoi_phien_8686=abc; doimoi_phien_9000=x"),
        );
        assert_eq!(cookie_secret(&h, 8686), Some("abc"));
        assert_eq!(cookie_secret(&h, 8687), None);
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }
}
