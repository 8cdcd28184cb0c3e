//! The hub's shared state: one cheap `Clone` handle around [`Inner`].

use crate::config::Config;
use crate::limit::RateLimiter;
use crate::metrics::Metrics;
use crate::store::{lock, Db, StoreError};
use automerge::Automerge;
use doimoi_shared::calendar::Calendar;
use doimoi_shared::org::Registry;
use lru::LruCache;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

pub struct Inner {
    pub db: Db,
    pub config: Config,
    pub metrics: Metrics,
    /// The newest feed position; long polls wait on it.
    pub news: watch::Sender<i64>,
    /// Serialises pushes (check and commit see the same documents).
    pub push_lock: Mutex<()>,
    pub shutdown: CancellationToken,
    /// Reports under way at once at most (a province report holds every row in memory).
    pub reports: tokio::sync::Semaphore,
    cache: Mutex<LruCache<String, Automerge>>,
    registry: RwLock<(u32, Arc<Registry>)>,
    calendar: RwLock<(u32, Arc<Calendar>)>,
    /// Requests per device token.
    pub limiter: RateLimiter,
    /// Bytes of decoded request bodies held at once (each counted twice: the bytes and the
    /// request parsed from them), at most `decode_budget_bytes`.
    pub decoding: std::sync::atomic::AtomicUsize,
    /// The store's epoch ([`crate::backup`]): offices that see it change offer everything again.
    pub epoch: String,
    /// The last push failed for want of room (disk or quota full); cleared by the next push
    /// that is stored. `/healthz` reports it.
    pub storage_full: std::sync::atomic::AtomicBool,
    /// Device → the last sync time written to the store (ms), so that a device syncing every
    /// few seconds costs one write a minute ([`Inner::note_sync`]).
    synced: Mutex<std::collections::HashMap<i64, i64>>,
    /// Failed sign-ins to the pages, per user name and client address.
    pub signins: crate::users::limit::SignInLimiter,
    /// Sign-ins whose password check may wait on a blocking thread at once (the checks
    /// themselves run one at a time, [`crate::users::password`]); the others wait here, off
    /// the blocking threads.
    pub password_checks: tokio::sync::Semaphore,
}

impl Inner {
    pub fn new(
        db: Db,
        config: Config,
        shutdown: CancellationToken,
        epoch: String,
    ) -> Result<Inner, StoreError> {
        let top = db.max_seq()?;
        let (news, _) = watch::channel(top);
        let cap = NonZeroUsize::new(config.cache_docs.max(1)).unwrap_or(NonZeroUsize::MIN);
        let limiter = RateLimiter::new(config.rate_per_sec, config.rate_burst);
        let signins = crate::users::limit::SignInLimiter::new(&config.accounts);
        let inner = Inner {
            db,
            config,
            metrics: Metrics::default(),
            decoding: std::sync::atomic::AtomicUsize::new(0),
            epoch,
            storage_full: std::sync::atomic::AtomicBool::new(false),
            news,
            push_lock: Mutex::new(()),
            shutdown,
            reports: tokio::sync::Semaphore::new(2),
            cache: Mutex::new(LruCache::new(cap)),
            registry: RwLock::new((0, Arc::new(Registry::embedded_default()))),
            calendar: RwLock::new((0, Arc::new(Calendar::embedded_default()))),
            limiter,
            synced: Mutex::new(std::collections::HashMap::new()),
            signins,
            password_checks: tokio::sync::Semaphore::new(2),
        };
        inner.registry()?;
        Ok(inner)
    }

    /// The registry in force (reloaded when an operator imported a new one).
    pub fn registry(&self) -> Result<(u32, Arc<Registry>), StoreError> {
        let stored = self.db.registry_version()?;
        {
            let cur = self.registry.read().unwrap_or_else(|p| p.into_inner());
            if cur.0 == stored {
                return Ok((cur.0, cur.1.clone()));
            }
        }
        let reg = Arc::new(self.db.registry()?);
        let mut cur = self.registry.write().unwrap_or_else(|p| p.into_inner());
        *cur = (stored, reg.clone());
        Ok((stored, reg))
    }

    /// The hub's clock, ms since the epoch (the system clock, shifted by `DOIMOI_HUB_NOW`).
    pub fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis() + self.config.clock_offset_ms
    }

    /// Today in Vietnam, by the hub's clock.
    pub fn today(&self) -> chrono::NaiveDate {
        doimoi_shared::time::day_at(self.now_ms())
    }

    /// The calendar in force (reloaded when an operator changed it).
    pub fn calendar(&self) -> Result<Arc<Calendar>, StoreError> {
        let stored = self.db.calendar_version()?;
        {
            let cur = self.calendar.read().unwrap_or_else(|p| p.into_inner());
            if cur.0 == stored {
                return Ok(cur.1.clone());
            }
        }
        let cal = Arc::new(self.db.calendar()?);
        let mut cur = self.calendar.write().unwrap_or_else(|p| p.into_inner());
        *cur = (stored, cal.clone());
        Ok(cal)
    }

    /// Records an authenticated sync of `device` for the dashboard's list of offices: written
    /// when the last recorded one is a minute old or more (checked in memory first). A failure
    /// is logged, never the sync's.
    pub fn note_sync(&self, device: i64) {
        let now = self.now_ms();
        {
            let seen = lock(&self.synced);
            if seen.get(&device).is_some_and(|t| now - t < 60_000) {
                return;
            }
        }
        match self.db.touch_device(device, now) {
            Ok(_) => {
                lock(&self.synced).insert(device, now);
            }
            Err(e) => tracing::warn!(device, error = %e, "could not record the sync time"),
        }
    }

    /// A document, from the cache or the store.
    pub fn doc(&self, id: &str) -> Result<Option<Automerge>, StoreError> {
        if let Some(d) = lock(&self.cache).get(id) {
            return Ok(Some(d.clone()));
        }
        let loaded = self.db.load_doc(id)?;
        if let Some(d) = &loaded {
            // Only if still absent: a push may have stored a newer version meanwhile.
            let mut cache = lock(&self.cache);
            if !cache.contains(id) {
                cache.put(id.to_string(), d.clone());
            }
        }
        Ok(loaded)
    }

    /// Puts documents in the cache; the documents they push out are freed off the request's
    /// path (hundreds of evicted documents take milliseconds to free).
    pub fn cache_put_all(&self, docs: Vec<(String, Automerge)>) {
        let mut evicted = Vec::new();
        {
            let mut cache = lock(&self.cache);
            for (id, doc) in docs {
                if let Some((old_id, old)) = cache.push(id, doc) {
                    evicted.push((old_id, old));
                }
            }
        }
        if !evicted.is_empty() {
            crate::reclaim::later(evicted);
        }
    }

    /// A cached document saved whole (compacted, uncompressed by Automerge: the wire's zstd
    /// compresses it with the rest of the answer) and its heads, without loading anything;
    /// `None` when it is not in the cache.
    pub fn cached_whole(&self, id: &str) -> Option<(Vec<u8>, Vec<automerge::ChangeHash>)> {
        lock(&self.cache)
            .peek(id)
            .map(|d| (d.save_nocompress(), d.get_heads()))
    }

    pub fn cached(&self) -> usize {
        lock(&self.cache).len()
    }
}
