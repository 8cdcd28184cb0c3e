//! Attachment bytes, after the documents (`PROTOCOL.md` §21): in the same pass of `doimoi
//! sync` / `doimoi serve`, upload the blobs of this office's own attachments that the hub has
//! not confirmed (resuming an upload the hub holds part of), then download the blobs that
//! documents here reference and that are not here (resuming a partial download kept in
//! `DATA/blobs-partial/`, with `Range`). A downloaded blob is stored only when its bytes hash to
//! its name; one that does not is dropped and reported. A failure here never fails the pass:
//! the documents are synced, and the next pass goes on where this one stopped.

use crate::app::App;
use crate::store::blobs::{BlobRef, REFS_PENDING};
use crate::store::StoreError;
use doimoi_shared::blob::{is_sha256, CONTENT_TYPE, UPLOAD_OFFSET};
use doimoi_shared::doc::proposal;
use doimoi_shared::wire::ErrorBody;
use reqwest::blocking::{Client, Response};
use reqwest::StatusCode;
use sha2::Digest;
use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the blob part of a pass moved, added to [`super::SyncReport`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlobReport {
    pub up: usize,
    pub bytes_up: u64,
    pub down: usize,
    pub bytes_down: u64,
    /// Blobs not moved this time: the hub does not hold them yet, or not yet a document that
    /// references them.
    pub waiting: usize,
    /// Blobs refused: downloaded bytes that did not hash to their name (dropped), or local
    /// bytes the hub refused.
    pub refused: Vec<String>,
    /// Why the transfers stopped early, if they did (the next pass resumes).
    pub error: Option<String>,
}

/// A transfer that could not go on.
enum Stop {
    /// This blob is refused; the others go on.
    Refused(String),
    /// The hub is unreachable or failing: stop for this pass.
    Net(String),
    Local(StoreError),
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Stop::Local(e)
    }
}

/// How one blob went.
enum Moved {
    Bytes(u64),
    /// Nothing to move (the hub already holds it).
    Nothing,
    Waiting,
}

/// The time limit of one blob request: a whole 20 MiB blob on a slow link (a cut transfer
/// resumes at the next pass).
const BLOB_TIMEOUT: Duration = Duration::from_secs(900);

struct Hub<'a> {
    base: &'a str,
    token: &'a str,
    http: Client,
}

impl Hub<'_> {
    fn url(&self, sha: &str) -> String {
        format!("{}/v1/blobs/{sha}", self.base)
    }

    fn net(&self, e: reqwest::Error) -> Stop {
        Stop::Net(if e.is_timeout() {
            format!("quá thời gian chờ máy chủ {}", self.base)
        } else if e.is_connect() {
            format!("không kết nối được máy chủ {}", self.base)
        } else {
            format!("kết nối với máy chủ {} bị ngắt", self.base)
        })
    }
}

fn offset_of(r: &Response) -> Option<u64> {
    r.headers()
        .get(UPLOAD_OFFSET)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// The hub's message for an error answer (its JSON body, else the status).
fn message_of(r: Response) -> String {
    let status = r.status();
    let body = r.bytes().unwrap_or_default();
    serde_json::from_slice::<ErrorBody>(&body)
        .map(|b| b.message.trim_end_matches('.').to_string())
        .unwrap_or_else(|_| format!("máy chủ trả lời mã {}", status.as_u16()))
}

/// Where partial downloads are kept: beside the store.
fn partial_dir(app: &App) -> PathBuf {
    app.store
        .path()
        .parent()
        .unwrap_or(Path::new("."))
        .join("blobs-partial")
}

/// Fills `attachment_ref` from the documents stored before it existed (once).
fn backfill(app: &mut App) -> Result<(), StoreError> {
    if app.store.get_meta(REFS_PENDING)?.as_deref() != Some("1") {
        return Ok(());
    }
    let ids = app.store.all_docs()?;
    let mut refs = Vec::new();
    for (id, kind) in ids {
        if kind != "proposal" {
            continue;
        }
        let Ok(doc_id) = doimoi_shared::ids::DocId::parse(&id) else {
            continue;
        };
        if let Some((_, doc)) = app.store.load_doc(&doc_id, &app.actor)? {
            let list: Vec<(String, u64, String)> = proposal::attachments(&doc)
                .into_iter()
                .map(|a| (a.sha256, a.size, a.unit.to_string()))
                .collect();
            if !list.is_empty() {
                refs.push((id, list));
            }
        }
    }
    let w = app.store.write()?;
    for (id, list) in &refs {
        w.put_attachment_refs(id, list)?;
    }
    w.set_meta(REFS_PENDING, "0")?;
    w.commit()
}

/// Moves the blobs after a pass's documents (see the module's comment).
pub fn transfer(app: &mut App, base: &str, token: &str, http: Client) -> BlobReport {
    let mut report = BlobReport::default();
    if let Err(e) = run(app, base, token, http, &mut report) {
        report.error = Some(match e {
            Stop::Net(m) | Stop::Refused(m) => m,
            Stop::Local(e) => e.to_string(),
        });
    }
    report
}

fn run(
    app: &mut App,
    base: &str,
    token: &str,
    http: Client,
    report: &mut BlobReport,
) -> Result<(), Stop> {
    backfill(app)?;
    let up = app.store.blobs_to_send(app.unit.as_str())?;
    let down = app.store.blobs_missing()?;
    if up.is_empty() && down.is_empty() {
        return Ok(());
    }
    let hub = Hub { base, token, http };
    for b in up.iter().filter(|b| is_sha256(&b.sha256)) {
        match send(app, &hub, b) {
            Ok(Moved::Bytes(n)) => {
                report.up += 1;
                report.bytes_up += n;
            }
            Ok(Moved::Nothing) => {}
            Ok(Moved::Waiting) => report.waiting += 1,
            Err(Stop::Refused(m)) => report.refused.push(format!("{}: {m}", b.sha256)),
            Err(e) => return Err(e),
        }
    }
    let dir = partial_dir(app);
    for b in down.iter().filter(|b| is_sha256(&b.sha256)) {
        match fetch(app, &hub, b, &dir) {
            Ok(Moved::Bytes(n)) => {
                report.down += 1;
                report.bytes_down += n;
            }
            Ok(Moved::Nothing) => {}
            Ok(Moved::Waiting) => report.waiting += 1,
            Err(Stop::Refused(m)) => report.refused.push(format!("{}: {m}", b.sha256)),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Uploads one blob of this office's (from what the hub holds of it).
fn send(app: &App, hub: &Hub<'_>, b: &BlobRef) -> Result<Moved, Stop> {
    let url = hub.url(&b.sha256);
    let head = hub
        .http
        .head(&url)
        .bearer_auth(hub.token)
        .timeout(BLOB_TIMEOUT)
        .send()
        .map_err(|e| hub.net(e))?;
    let mut offset = match head.status() {
        StatusCode::OK => {
            app.store.mark_blob_sent(&b.sha256)?;
            return Ok(Moved::Nothing);
        }
        StatusCode::NOT_FOUND => offset_of(&head).unwrap_or(0),
        // No document the hub holds references it yet (the push was refused, or is not
        // through): next pass.
        StatusCode::FORBIDDEN => return Ok(Moved::Waiting),
        s => {
            return Err(Stop::Net(format!(
                "máy chủ trả lời mã {} khi hỏi tệp {}",
                s.as_u16(),
                b.sha256
            )))
        }
    };
    let Some(bytes) = app.store.get_blob(&b.sha256)? else {
        return Ok(Moved::Nothing);
    };
    // At most twice: once from what the hub said it holds, once more if that moved meanwhile.
    for _ in 0..2 {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        let body = bytes[start..].to_vec();
        let sent = body.len() as u64;
        let resp = hub
            .http
            .put(format!("{url}?offset={start}"))
            .bearer_auth(hub.token)
            .timeout(BLOB_TIMEOUT)
            .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
            .body(body)
            .send()
            .map_err(|e| hub.net(e))?;
        match resp.status() {
            StatusCode::OK | StatusCode::CREATED => {
                app.store.mark_blob_sent(&b.sha256)?;
                return Ok(Moved::Bytes(sent));
            }
            StatusCode::CONFLICT => match offset_of(&resp) {
                Some(held) if held != offset => offset = held,
                _ => return Ok(Moved::Waiting),
            },
            StatusCode::FORBIDDEN => return Ok(Moved::Waiting),
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(Stop::Refused(message_of(resp)))
            }
            _ => return Err(Stop::Net(message_of(resp))),
        }
    }
    Ok(Moved::Waiting)
}

/// Downloads one blob, resuming a partial download, and stores it if it hashes to its name.
fn fetch(app: &mut App, hub: &Hub<'_>, b: &BlobRef, dir: &Path) -> Result<Moved, Stop> {
    let local = |what: &str, e: std::io::Error| Stop::Net(format!("{what}: {e}"));
    std::fs::create_dir_all(dir).map_err(|e| local("không tạo được thư mục tải tệp", e))?;
    let part = dir.join(&b.sha256);
    let mut have = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    if have > b.size {
        let _ = std::fs::remove_file(&part);
        have = 0;
    }
    let mut req = hub
        .http
        .get(hub.url(&b.sha256))
        .bearer_auth(hub.token)
        .timeout(BLOB_TIMEOUT);
    if have > 0 {
        req = req.header(reqwest::header::RANGE, format!("bytes={have}-"));
    }
    let resp = req.send().map_err(|e| hub.net(e))?;
    let append = match resp.status() {
        StatusCode::PARTIAL_CONTENT => true,
        StatusCode::OK => false,
        StatusCode::NOT_FOUND | StatusCode::FORBIDDEN => return Ok(Moved::Waiting),
        StatusCode::RANGE_NOT_SATISFIABLE => {
            let _ = std::fs::remove_file(&part);
            return Ok(Moved::Waiting);
        }
        _ => return Err(Stop::Net(message_of(resp))),
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(append)
        .write(true)
        .truncate(!append)
        .open(&part)
        .map_err(|e| local("không ghi được tệp tải về", e))?;
    let start = if append { have } else { 0 };
    // Never more than the record declares (a hub sending more is refused below).
    let mut body = resp.take(b.size.saturating_sub(start) + 1);
    let copied = std::io::copy(&mut body, &mut file);
    file.flush()
        .and_then(|()| file.sync_data())
        .map_err(|e| local("không ghi được tệp tải về", e))?;
    drop(file);
    let got = copied.map_err(|_| {
        Stop::Net(format!(
            "tải tệp {} bị ngắt giữa chừng (giữ phần đã nhận, tải tiếp ở lần đồng bộ sau)",
            b.sha256
        ))
    })?;
    let refuse = |why: String| {
        let _ = std::fs::remove_file(&part);
        Stop::Refused(why)
    };
    let mut bytes = Vec::new();
    std::fs::File::open(&part)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| local("không đọc được tệp tải về", e))?;
    if bytes.len() as u64 > b.size {
        return Err(refuse(format!(
            "máy chủ gửi nhiều hơn {} byte tài liệu ghi; đã bỏ, không lưu",
            b.size
        )));
    }
    let digest = doimoi_shared::ids::hex(&sha2::Sha256::digest(&bytes));
    if digest != b.sha256 {
        return Err(refuse(format!(
            "nội dung tải về có mã SHA-256 {digest}, không khớp mã tài liệu ghi; đã bỏ, không lưu"
        )));
    }
    let w = app.store.write()?;
    w.put_blob(&b.sha256, &bytes)?;
    w.commit()?;
    let _ = std::fs::remove_file(&part);
    Ok(Moved::Bytes(got))
}

/// The lines of a pass's report about attachments (each starting with a line break; empty
/// when nothing moved, waits or failed).
pub fn text(r: &super::SyncReport) -> String {
    let mut s = String::new();
    if r.blobs_up + r.blobs_down + r.blobs_waiting > 0 {
        s.push_str(&format!(
            "\nTệp đính kèm: gửi {} tệp ({} byte), nhận {} tệp ({} byte)",
            r.blobs_up, r.blob_bytes_up, r.blobs_down, r.blob_bytes_down
        ));
        if r.blobs_waiting > 0 {
            s.push_str(&format!(
                ", {} tệp chưa có trên máy chủ (sẽ chuyển ở lần đồng bộ sau)",
                r.blobs_waiting
            ));
        }
        s.push('.');
    }
    for m in &r.blobs_refused {
        s.push_str(&format!("\nTệp đính kèm bị từ chối: {m}."));
    }
    if let Some(e) = &r.blob_error {
        s.push_str(&format!(
            "\nChưa chuyển xong tệp đính kèm: {}; sẽ tiếp tục ở lần đồng bộ sau.",
            e.trim_end_matches('.')
        ));
    }
    s
}
