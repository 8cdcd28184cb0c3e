//! The hub's shared state: one cheap `Clone` handle around [`Inner`].

use crate::config::Config;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::store::{lock, Db, Device};
use automerge::Automerge;
use doimoi_shared::calendar::Calendar;
use doimoi_shared::org::Registry;
use lru::LruCache;
use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// Settings keys in the hub's `meta` table.
pub mod keys {
    pub const REGISTRY: &str = "registry";
    pub const REGISTRY_VERSION: &str = "registry_version";
    pub const CALENDAR: &str = "calendar";
    pub const CALENDAR_VERSION: &str = "calendar_version";
    /// Version of the report projection the tables were built with.
    pub const PROJECTION_VERSION: &str = "projection_version";
}

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
    limiter: Mutex<HashMap<i64, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Inner {
    pub fn new(db: Db, config: Config, shutdown: CancellationToken) -> Result<Inner, ApiError> {
        let top = db.max_seq()?;
        let (news, _) = watch::channel(top);
        let cap = NonZeroUsize::new(config.cache_docs.max(1)).unwrap_or(NonZeroUsize::MIN);
        let inner = Inner {
            db,
            config,
            metrics: Metrics::default(),
            news,
            push_lock: Mutex::new(()),
            shutdown,
            reports: tokio::sync::Semaphore::new(2),
            cache: Mutex::new(LruCache::new(cap)),
            registry: RwLock::new((0, Arc::new(Registry::embedded_default()))),
            calendar: RwLock::new((0, Arc::new(Calendar::embedded_default()))),
            limiter: Mutex::new(HashMap::new()),
        };
        inner.registry()?;
        Ok(inner)
    }

    /// The registry in force (reloaded when an operator imported a new one).
    pub fn registry(&self) -> Result<(u32, Arc<Registry>), ApiError> {
        let stored: u32 = self
            .db
            .get_meta(keys::REGISTRY_VERSION)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        {
            let cur = self.registry.read().unwrap_or_else(|p| p.into_inner());
            if cur.0 == stored {
                return Ok((cur.0, cur.1.clone()));
            }
        }
        let reg = match self.db.get_meta(keys::REGISTRY)? {
            Some(json) => {
                Registry::from_json(&json).map_err(|e| ApiError::internal(e.to_string()))?
            }
            None => Registry::embedded_default(),
        };
        let reg = Arc::new(reg);
        let mut cur = self.registry.write().unwrap_or_else(|p| p.into_inner());
        *cur = (stored, reg.clone());
        Ok((stored, reg))
    }

    /// The version of the calendar in force (cheap: read on every sync).
    pub fn calendar_version(&self) -> Result<u32, ApiError> {
        Ok(self
            .db
            .get_meta(keys::CALENDAR_VERSION)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(1))
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
    pub fn calendar(&self) -> Result<Arc<Calendar>, ApiError> {
        let stored = self.calendar_version()?;
        {
            let cur = self.calendar.read().unwrap_or_else(|p| p.into_inner());
            if cur.0 == stored {
                return Ok(cur.1.clone());
            }
        }
        let cal = Arc::new(
            Calendar::from_json(&self.calendar_json()?)
                .map_err(|e| ApiError::internal(e.to_string()))?,
        );
        let mut cur = self.calendar.write().unwrap_or_else(|p| p.into_inner());
        *cur = (stored, cal.clone());
        Ok(cal)
    }

    /// The calendar in force, as JSON.
    pub fn calendar_json(&self) -> Result<String, ApiError> {
        Ok(match self.db.get_meta(keys::CALENDAR)? {
            Some(j) => j,
            None => Calendar::embedded_default().to_json(),
        })
    }

    /// A document, from the cache or the store.
    pub fn doc(&self, id: &str) -> Result<Option<Automerge>, ApiError> {
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
            crate::reports::drop_later(evicted);
        }
    }

    pub fn cached(&self) -> usize {
        lock(&self.cache).len()
    }

    /// Token bucket per device: `Ok` or the seconds to wait.
    pub fn rate_check(&self, device: &Device) -> Result<(), u64> {
        let now = Instant::now();
        let mut map = lock(&self.limiter);
        let b = map.entry(device.id).or_insert(Bucket {
            tokens: self.config.rate_burst,
            at: now,
        });
        let elapsed = now.duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.config.rate_per_sec).min(self.config.rate_burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - b.tokens) / self.config.rate_per_sec.max(0.001);
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}
