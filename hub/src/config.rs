//! One typed configuration, layered: defaults < file (`--config` or `DOIMOI_HUB_CONFIG`, TOML)
//! < environment (`DOIMOI_HUB_LISTEN`, `DOIMOI_HUB_DATA`, `DOIMOI_HUB_NOW`) < flags.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Data folder (SQLite).
    pub data: PathBuf,
    /// Largest request body accepted, compressed.
    pub max_body_bytes: usize,
    /// Largest request body once decompressed.
    pub max_decoded_bytes: usize,
    /// Past its first `bomb_free_bytes`, a body may decompress to at most this many times its
    /// size (sync data compresses a few times; a compression bomb thousands).
    pub max_decode_ratio: usize,
    pub bomb_free_bytes: usize,
    /// Memory for decoding request bodies, all requests together; a request that cannot get
    /// its share within a few seconds is answered 503 (`busy`) and retried by the office.
    pub decode_budget_bytes: usize,
    /// Time limit of an ordinary request.
    pub request_timeout_secs: u64,
    /// Time for a client to send a request's line and headers (and to finish a TLS
    /// handshake), from the connection's start or the end of its previous request.
    pub header_timeout_secs: u64,
    /// A read or write of a connection that makes no progress for this long ends it.
    pub stall_timeout_secs: u64,
    /// Connections open at once from one client address, and in total; beyond them a new
    /// connection is closed at once.
    pub max_connections_per_ip: usize,
    pub max_connections: usize,
    /// The store's size at most (bytes; none by default): past it pushes are answered 507 as
    /// on a full disk, and `/healthz` says so. A quota keeps room on a disk shared with others.
    pub max_store_bytes: Option<u64>,
    /// When set, `GET /metrics` answers only `Authorization: Bearer <metrics_token>`.
    pub metrics_token: Option<String>,
    /// HTTPS: the certificate chain and its private key (PEM). Both or neither.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// How long `GET /v1/events` waits for news.
    pub long_poll_secs: u64,
    /// Requests per second allowed per device token, and the burst above it.
    pub rate_per_sec: f64,
    pub rate_burst: f64,
    /// Documents kept in memory.
    pub cache_docs: usize,
    /// Feed entries per response at most.
    pub feed_page: usize,
    /// Background compaction: every so many seconds, documents with this many chunks.
    pub compact_every_secs: u64,
    pub compact_min_chunks: i64,
    /// Threads for blocking work (SQLite, Automerge, compression) at most; requests beyond
    /// wait for one. More threads do not add CPU but each keeps its own allocations: with
    /// tokio's 512, 300 offices syncing at once grew the hub to about 500 MB.
    pub blocking_threads: usize,
    /// Milliseconds added to the system clock: `DOIMOI_HUB_NOW` (RFC 3339) sets the hub's
    /// "now" at start-up, for demonstrations and tests of "as of" reports. Never from the file.
    #[serde(skip)]
    pub clock_offset_ms: i64,
    /// How report documents cite the regulation (default
    /// [`crate::render::DEFAULT_REGULATION`]).
    pub report_regulation: Option<String>,
    /// How report documents cite the province's implementation plan, with its number and
    /// date ("Kế hoạch số 123/KH-UBND ngày 20/7/2023 của Ủy ban nhân dân tỉnh"; default
    /// [`crate::render::DEFAULT_PLAN`], which has no number).
    pub report_plan: Option<String>,
    /// Attachments: the largest blob accepted (and the largest `size` an attachment record may
    /// declare), and the time limit of one blob upload or download.
    pub max_blob_bytes: u64,
    pub blob_timeout_secs: u64,
    /// People's accounts for the hub's pages: sessions and sign-in limits (`[accounts]`).
    pub accounts: crate::users::AccountsConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            data: PathBuf::from("./doimoi-hub-data"),
            max_body_bytes: 64 * 1024 * 1024,
            max_decoded_bytes: 96 * 1024 * 1024,
            max_decode_ratio: 200,
            bomb_free_bytes: 4 * 1024 * 1024,
            decode_budget_bytes: 160 * 1024 * 1024,
            request_timeout_secs: 60,
            header_timeout_secs: 10,
            stall_timeout_secs: 120,
            max_connections_per_ip: 1024,
            max_connections: 8192,
            max_store_bytes: None,
            metrics_token: None,
            tls_cert: None,
            tls_key: None,
            long_poll_secs: 25,
            rate_per_sec: 50.0,
            rate_burst: 200.0,
            cache_docs: 2000,
            feed_page: 1000,
            compact_every_secs: 30,
            compact_min_chunks: 16,
            blocking_threads: 64,
            clock_offset_ms: 0,
            report_regulation: None,
            report_plan: None,
            max_blob_bytes: doimoi_shared::blob::DEFAULT_MAX_BYTES,
            blob_timeout_secs: 900,
            accounts: crate::users::AccountsConfig::default(),
        }
    }
}

impl Config {
    /// Builds the configuration from its layers.
    pub fn load(
        file: Option<&Path>,
        data: Option<&Path>,
        listen: Option<SocketAddr>,
    ) -> anyhow::Result<Config> {
        let file = file
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("DOIMOI_HUB_CONFIG").map(PathBuf::from));
        let mut cfg = match file {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    anyhow::anyhow!("không đọc được tệp cấu hình {}: {e}", path.display())
                })?;
                toml::from_str(&text).map_err(|e| {
                    anyhow::anyhow!("tệp cấu hình {} không đúng định dạng: {e}", path.display())
                })?
            }
            None => Config::default(),
        };
        if let Ok(v) = std::env::var("DOIMOI_HUB_LISTEN") {
            cfg.listen = v.parse().map_err(|e| {
                anyhow::anyhow!("DOIMOI_HUB_LISTEN=\"{v}\" không phải địa chỉ IP:cổng ({e})")
            })?;
        }
        if let Some(v) = std::env::var_os("DOIMOI_HUB_DATA") {
            cfg.data = PathBuf::from(v);
        }
        if let Ok(v) = std::env::var("DOIMOI_HUB_NOW") {
            let at = chrono::DateTime::parse_from_rfc3339(&v).map_err(|e| {
                anyhow::anyhow!(
                    "DOIMOI_HUB_NOW=\"{v}\" không phải thời điểm RFC 3339, ví dụ 2024-06-30T09:00:00+07:00 ({e})"
                )
            })?;
            cfg.clock_offset_ms = at.timestamp_millis() - chrono::Utc::now().timestamp_millis();
        }
        if let Some(d) = data {
            cfg.data = d.to_path_buf();
        }
        if let Some(l) = listen {
            cfg.listen = l;
        }
        Ok(cfg)
    }
}
