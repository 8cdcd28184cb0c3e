//! The only code that knows the hub's URLs: `POST /v1/sync`, `GET /v1/events` and
//! `GET /v1/reports/consolidated`.

use doimoi_shared::wire::{self, ErrorBody, News, SyncRequest, SyncResponse, CONTENT_TYPE};
use std::time::Duration;

/// Why talking to the hub failed. `is_retryable` decides whether `doimoi serve` backs off and
/// tries again or waits for a person.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("{detail}. Dữ liệu vẫn được lưu trên máy; doimoi sẽ đồng bộ khi kết nối được.")]
    Unreachable { url: String, detail: String },
    #[error("token không đúng hoặc không dùng được với máy chủ này ({0}); kiểm tra --token hoặc xin token mới từ người quản trị máy chủ.")]
    Unauthorized(String),
    #[error("{0}")]
    Revoked(String),
    #[error("ngoài phạm vi: {message}")]
    OutOfScope {
        message: String,
        doc: Option<String>,
    },
    #[error("máy chủ báo yêu cầu sai: {0}")]
    BadRequest(String),
    #[error("máy chủ đang quá tải hoặc lỗi ({status}): {message}")]
    Server { status: u16, message: String },
    #[error("câu trả lời của máy chủ không đọc được: {0}")]
    Protocol(String),
}

impl HubError {
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            HubError::Unreachable { .. } | HubError::Server { .. } | HubError::Protocol(_)
        )
    }

    /// A short reason word for `doimoi status`.
    pub fn kind(&self) -> &'static str {
        match self {
            HubError::Unreachable { .. } => "unreachable",
            HubError::Unauthorized(_) => "unauthorized",
            HubError::Revoked(_) => "token_revoked",
            HubError::OutOfScope { .. } => "out_of_scope",
            HubError::BadRequest(_) => "bad_request",
            HubError::Server { .. } => "server_error",
            HubError::Protocol(_) => "protocol",
        }
    }
}

pub struct HubClient {
    base: String,
    token: String,
    http: reqwest::blocking::Client,
    long: reqwest::blocking::Client,
    /// `/healthz` before a sync: a hub that accepts connections but never answers is told
    /// within seconds, not after the sync's two minutes.
    quick: reqwest::blocking::Client,
}

/// How long the hub has to answer `/healthz` before a sync.
const PROBE_SECS: u64 = 10;

/// The certificates of a PEM file (a province's own CA), or why not.
pub fn parse_ca(pem: &[u8]) -> Result<Vec<reqwest::Certificate>, String> {
    let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| e.to_string())?;
    if certs.is_empty() {
        return Err(
            "tệp không có chứng chỉ nào (cần các khối \"-----BEGIN CERTIFICATE-----\")".into(),
        );
    }
    Ok(certs)
}

fn http_client(
    timeout: Duration,
    ca: Option<&[u8]>,
) -> Result<reqwest::blocking::Client, HubError> {
    let mut b = reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(5).min(timeout))
        .timeout(timeout)
        // The hub closes a connection idle for its header timeout (10 s by default): an idle
        // connection is dropped here first, never reused as the hub closes it.
        .pool_idle_timeout(Duration::from_secs(4));
    if let Some(pem) = ca {
        for cert in parse_ca(pem).map_err(HubError::Protocol)? {
            b = b.add_root_certificate(cert);
        }
    }
    b.build().map_err(|e| HubError::Protocol(e.to_string()))
}

impl HubClient {
    pub fn new(base: &str, token: &str) -> Result<HubClient, HubError> {
        Self::with_ca(base, token, None)
    }

    /// A client that also trusts the certificates of `ca` (PEM): a province whose hub has a
    /// certificate of its own CA.
    pub fn with_ca(base: &str, token: &str, ca: Option<&[u8]>) -> Result<HubClient, HubError> {
        Ok(HubClient {
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
            http: http_client(Duration::from_secs(120), ca)?,
            long: http_client(Duration::from_secs(60), ca)?,
            quick: http_client(Duration::from_secs(PROBE_SECS), ca)?,
        })
    }

    /// `GET /healthz`: the hub answers within [`PROBE_SECS`], or why not.
    pub fn probe(&self) -> Result<(), HubError> {
        match self.quick.get(format!("{}/healthz", self.base)).send() {
            Ok(r) if r.status().is_success() => Ok(()),
            // A degraded hub (a full disk) still takes pulls; its sync answer says the rest.
            Ok(r) if r.status().as_u16() == 503 => Ok(()),
            Ok(r) => Err(HubError::BadRequest(format!(
                "địa chỉ {} trả lời nhưng không phải máy chủ doimoi (mã {}); kiểm tra địa chỉ máy chủ (`doimoi init --hub`)",
                self.base,
                r.status().as_u16()
            ))),
            Err(e) if e.is_timeout() => Err(HubError::Unreachable {
                url: self.base.clone(),
                detail: format!(
                    "máy chủ {} không trả lời trong {PROBE_SECS} giây; kiểm tra kết nối mạng hoặc báo người quản trị máy chủ",
                    self.base
                ),
            }),
            Err(e) => Err(self.unreachable(e)),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The device token (for the blob transfers of `sync/blobs.rs`).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The HTTP client (with the province's CA, if any) for the blob transfers of
    /// `sync/blobs.rs`, which set their own time limit per request.
    pub fn blob_http(&self) -> reqwest::blocking::Client {
        self.http.clone()
    }

    fn unreachable(&self, e: reqwest::Error) -> HubError {
        HubError::Unreachable {
            url: self.base.clone(),
            detail: unreachable_detail(&self.base, &e),
        }
    }

    /// `GET /healthz` with a short timeout: whether a doimoi hub answers at this address (the
    /// reason in Vietnamese when not).
    pub fn check(base: &str, timeout: Duration, ca: Option<&[u8]>) -> Result<(), String> {
        let base = base.trim_end_matches('/');
        let http = http_client(timeout, ca).map_err(|e| e.to_string())?;
        match http.get(format!("{base}/healthz")).send() {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!(
                "địa chỉ {base} trả lời nhưng không phải máy chủ doimoi (mã {})",
                r.status().as_u16()
            )),
            Err(e) => Err(unreachable_detail(base, &e)),
        }
    }

    fn error_of(status: reqwest::StatusCode, body: &[u8]) -> HubError {
        let parsed = serde_json::from_slice::<ErrorBody>(body).ok();
        let message = parsed
            .as_ref()
            .map(|b| b.message.clone())
            .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_string());
        // Wrapped in sentences of ours: no full stop of its own.
        let message = message.trim_end_matches('.').to_string();
        let code = parsed.as_ref().map(|b| b.code.clone()).unwrap_or_default();
        let doc = parsed.and_then(|b| b.doc);
        match status.as_u16() {
            // No error body of ours: something else answers at this address.
            404 if code.is_empty() => HubError::BadRequest(
                "địa chỉ này không phải máy chủ doimoi; kiểm tra địa chỉ máy chủ (`doimoi init --hub`)"
                    .into(),
            ),
            401 if code == "token_revoked" => HubError::Revoked(message),
            401 => HubError::Unauthorized(message),
            403 => HubError::OutOfScope { message, doc },
            400 | 404 | 413 | 422 => HubError::BadRequest(message),
            s => HubError::Server { status: s, message },
        }
    }

    /// One sync round trip. Returns the answer and the bytes sent and received.
    pub fn sync(&self, req: &SyncRequest) -> Result<(SyncResponse, usize, usize), HubError> {
        let encoding = wire::Encoding::Zstd;
        let body = wire::encode_as(req, encoding).map_err(|e| HubError::Protocol(e.to_string()))?;
        let sent = body.len();
        let resp = self
            .http
            .post(format!("{}/v1/sync", self.base))
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
            .header(reqwest::header::CONTENT_ENCODING, encoding.as_str())
            .header(reqwest::header::ACCEPT_ENCODING, encoding.as_str())
            .body(body);
        let (bytes, answered) = self.send_encoded(resp)?;
        let answered = wire::Encoding::parse(answered.as_deref().unwrap_or(wire::CONTENT_ENCODING))
            .ok_or_else(|| {
                HubError::Protocol(format!(
                    "máy chủ trả lời với kiểu nén không biết ({})",
                    answered.unwrap_or_default()
                ))
            })?;
        let decoded: SyncResponse = wire::decode_as(&bytes, 1 << 30, answered)
            .map_err(|e| HubError::Protocol(e.to_string()))?;
        Ok((decoded, sent, bytes.len()))
    }

    /// Sends a request; the body of a 2xx answer, or the hub's error.
    fn send(&self, req: reqwest::blocking::RequestBuilder) -> Result<Vec<u8>, HubError> {
        self.send_encoded(req).map(|(bytes, _)| bytes)
    }

    /// [`Self::send`], with the answer's `Content-Encoding`.
    fn send_encoded(
        &self,
        req: reqwest::blocking::RequestBuilder,
    ) -> Result<(Vec<u8>, Option<String>), HubError> {
        let resp = req.send().map_err(|e| self.unreachable(e))?;
        let status = resp.status();
        let encoding = resp
            .headers()
            .get(reqwest::header::CONTENT_ENCODING)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let bytes = resp.bytes().map_err(|e| self.unreachable(e))?;
        if !status.is_success() {
            return Err(Self::error_of(status, &bytes));
        }
        Ok((bytes.to_vec(), encoding))
    }

    /// The consolidated report (`GET /v1/reports/consolidated`): its bytes in the asked format.
    pub fn report(&self, query: &[(&str, &str)]) -> Result<Vec<u8>, HubError> {
        let resp = self
            .http
            .get(format!("{}/v1/reports/consolidated", self.base))
            .query(query)
            .bearer_auth(&self.token);
        self.send(resp)
    }

    /// Waits up to `wait` seconds for news after `cursor`.
    pub fn events(&self, cursor: u64, wait: u64) -> Result<News, HubError> {
        let resp = self
            .long
            .get(format!("{}/v1/events", self.base))
            .query(&[("cursor", cursor), ("wait", wait)])
            .bearer_auth(&self.token);
        let bytes = self.send(resp)?;
        serde_json::from_slice(&bytes).map_err(|e| HubError::Protocol(e.to_string()))
    }
}

/// Why the hub could not be reached, as the clerk should read it: a wrong address, a hub that
/// is down, or a network too slow.
fn unreachable_detail(base: &str, e: &reqwest::Error) -> String {
    let mut chain = String::new();
    let mut src: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = src {
        chain.push_str(&s.to_string().to_lowercase());
        chain.push(' ');
        src = s.source();
    }
    if chain.contains("certificate")
        || chain.contains("unknownissuer")
        || chain.contains("invalid peer")
    {
        format!(
            "máy chủ {base} dùng chứng chỉ HTTPS mà máy này không tin cậy; nếu tỉnh tự cấp chứng chỉ, chạy `doimoi init --unit MÃ --ca TỆP_CHỨNG_CHỈ_GỐC.pem` (tệp do người quản trị máy chủ cung cấp)"
        )
    } else if e.is_builder() || chain.contains("relative url") || chain.contains("invalid url") {
        format!("địa chỉ máy chủ \"{base}\" không hợp lệ; cần dạng http://TÊN-MÁY:8787")
    } else if chain.contains("dns")
        || chain.contains("lookup")
        || chain.contains("name or service not known")
        || chain.contains("no such host")
        || chain.contains("nodename nor servname")
    {
        format!("không tìm thấy máy chủ {base}: kiểm tra lại địa chỉ máy chủ và kết nối mạng")
    } else if e.is_timeout() {
        format!("không kết nối được máy chủ {base}: quá thời gian chờ; kiểm tra kết nối mạng")
    } else if chain.contains("refused") {
        format!("không kết nối được máy chủ {base}: máy chủ chưa chạy hoặc sai cổng")
    } else {
        format!("không kết nối được máy chủ {base}; kiểm tra địa chỉ máy chủ và kết nối mạng")
    }
}
