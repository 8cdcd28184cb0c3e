//! `doimoi serve`: the office's background process. Syncs after each local change (debounced
//! about 1 s), every 30 s, at once when the hub announces news (long poll), and while the hub
//! is unreachable retries with capped, jittered exponential backoff. Stops cleanly on Ctrl-C or
//! SIGTERM. Other `doimoi` commands keep working meanwhile (same store, other processes).

use super::hub_client::HubClient;
use super::{hub_for, meta, sync_once, SyncError};
use crate::app::App;
use crate::error::CliError;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Timing of the loop (defaults as the issue asks; tests shorten them).
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub interval: Duration,
    pub debounce: Duration,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    pub long_poll_secs: u64,
    /// Set by a person asking to sync now (the web app's "Đồng bộ ngay"): a pass starts at
    /// once, even while backing off.
    pub wake: Arc<AtomicBool>,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            interval: Duration::from_secs(30),
            debounce: Duration::from_secs(1),
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(300),
            long_poll_secs: 25,
            wake: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// Delay before retry number `attempt` (0-based): base·2^attempt capped, times a jitter in
/// [0.5, 1.5) drawn from `jitter` in [0, 1).
pub fn backoff(cfg: &WorkerConfig, attempt: u32, jitter: f64) -> Duration {
    let exp = cfg.backoff_base.saturating_mul(1u32 << attempt.min(16));
    let capped = exp.min(cfg.backoff_cap);
    capped.mul_f64(0.5 + jitter.clamp(0.0, 1.0))
}

fn jitter() -> f64 {
    let b = App::random_bytes();
    f64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])) / f64::from(u32::MAX)
}

/// Runs until `stop` is set. Each pass opens the store afresh, so it sees other processes'
/// writes and the current actor id.
pub fn run(
    dir: &Path,
    cfg: &WorkerConfig,
    stop: Arc<AtomicBool>,
    out: &mut dyn FnMut(String),
) -> Result<(), CliError> {
    let app = App::open(dir)?;
    let hub = hub_for(&app)?;
    let (news_tx, news_rx) = mpsc::channel::<()>();
    let cursor = Arc::new(AtomicU64::new(
        app.store
            .get_meta(meta::CURSOR)?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0),
    ));
    drop(app);
    // Long poll on its own thread: wakes the loop when the hub has news for this office.
    {
        let stop = stop.clone();
        let cursor = cursor.clone();
        let cfg = cfg.clone();
        let hub = hub_for(&App::open(dir)?)?;
        std::thread::spawn(move || long_poll(&hub, &cfg, &cursor, &stop, &news_tx));
    }
    // One connection only for watching: SQLite's data_version changes when any other
    // connection (a `doimoi` command, or our own sync pass) commits.
    let watch = crate::store::Store::open(dir)?;
    let mut last_version = watch.data_version()?;
    let mut changed_at: Option<Instant> = None;
    let mut next_sync = Instant::now();
    let mut attempt: u32 = 0;
    while !stop.load(Ordering::SeqCst) {
        let v = watch.data_version()?;
        if v != last_version {
            last_version = v;
            if changed_at.is_none() && watch.count_dirty()? > 0 {
                changed_at = Some(Instant::now());
            }
        }
        let mut due = Instant::now() >= next_sync;
        if cfg.wake.swap(false, Ordering::SeqCst) {
            due = true;
            attempt = 0;
        }
        if changed_at.is_some_and(|t| t.elapsed() >= cfg.debounce) {
            due = true;
        }
        if news_rx.try_recv().is_ok() {
            while news_rx.try_recv().is_ok() {}
            // While backing off, news waits for the backoff (the hub may be struggling).
            if attempt == 0 {
                due = true;
            }
        }
        if due {
            changed_at = None;
            let mut app = App::open(dir)?;
            match sync_once(&mut app, &hub, &mut |_, _| {}) {
                Ok(r) => {
                    attempt = 0;
                    if r.docs_up + r.docs_down > 0 || !r.refused.is_empty() {
                        out(format!(
                            "Đã đồng bộ: gửi {} tài liệu, nhận {} tài liệu.",
                            r.docs_up, r.docs_down
                        ));
                    }
                    if let Some(n) = &r.unit_notice {
                        out(format!("Thông báo về đơn vị: {n}"));
                    }
                    let blobs = super::blobs::text(&r);
                    if !blobs.is_empty() {
                        out(blobs.trim_start().to_string());
                    }
                    cursor.store(
                        app.store
                            .get_meta(meta::CURSOR)?
                            .and_then(|c| c.parse().ok())
                            .unwrap_or(0),
                        Ordering::SeqCst,
                    );
                    next_sync = Instant::now() + cfg.interval;
                    // A change committed while the pass ran waits only for the debounce.
                    if watch.count_dirty()? > 0 {
                        changed_at = Some(Instant::now());
                    }
                }
                Err(e) => {
                    let delay = backoff(cfg, attempt, jitter());
                    attempt = attempt.saturating_add(1);
                    out(format!(
                        "Chưa đồng bộ được: {}. Thử lại sau {} giây.",
                        e.to_string().trim_end_matches('.'),
                        delay.as_secs_f64().round()
                    ));
                    next_sync = match &e {
                        // Needs a person (revoked token, out of scope): retry at the slow pace.
                        SyncError::Hub(h) if !h.is_retryable() => {
                            Instant::now() + cfg.interval.max(delay)
                        }
                        _ => Instant::now() + delay,
                    };
                }
            }
            // Our own pass's writes are not local changes to push.
            last_version = watch.data_version()?;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

fn long_poll(
    hub: &HubClient,
    cfg: &WorkerConfig,
    cursor: &AtomicU64,
    stop: &AtomicBool,
    news: &mpsc::Sender<()>,
) {
    let mut attempt = 0u32;
    while !stop.load(Ordering::SeqCst) {
        match hub.events(cursor.load(Ordering::SeqCst), cfg.long_poll_secs) {
            Ok(n) => {
                attempt = 0;
                if n.news {
                    if news.send(()).is_err() {
                        return;
                    }
                    // Give the sync a moment to move the cursor before asking again.
                    std::thread::sleep(Duration::from_millis(500));
                }
            }
            Err(_) => {
                let d = backoff(cfg, attempt, jitter());
                attempt = attempt.saturating_add(1);
                let until = Instant::now() + d;
                while Instant::now() < until && !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let cfg = WorkerConfig::default();
        assert_eq!(backoff(&cfg, 0, 0.5), Duration::from_secs(1));
        assert_eq!(backoff(&cfg, 3, 0.5), Duration::from_secs(8));
        assert_eq!(backoff(&cfg, 30, 0.5), Duration::from_secs(300));
        assert!(backoff(&cfg, 30, 0.0) >= Duration::from_secs(150));
        assert!(backoff(&cfg, 30, 1.0) <= Duration::from_secs(450));
    }
}
