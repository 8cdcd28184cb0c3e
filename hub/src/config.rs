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
    /// Time limit of an ordinary request.
    pub request_timeout_secs: u64,
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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            data: PathBuf::from("./doimoi-hub-data"),
            max_body_bytes: 64 * 1024 * 1024,
            max_decoded_bytes: 256 * 1024 * 1024,
            request_timeout_secs: 60,
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
