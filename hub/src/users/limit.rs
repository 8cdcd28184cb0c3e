//! Sign-in attempts: failures counted per user name and per client address. Past
//! `max_failures` in a row a key must wait `lockout_secs`, doubled at each further failure
//! (up to `max_lockout_secs`); while it waits, attempts are refused without checking the
//! password. A success clears the name's count (not the address's: one good account must not
//! let an address try others freely). Counts are forgotten after a day without failures, and
//! live in memory only (a restart forgets them).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What is counted: a user name or a client address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Name(String),
    Address(std::net::IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Count {
    failures: u32,
    last: Instant,
    until: Option<Instant>,
}

/// Forget a key after this long without a failure.
const FORGET: Duration = Duration::from_secs(24 * 3600);
/// Keys kept at most (the oldest are dropped first when full).
const MAX_KEYS: usize = 100_000;

pub struct SignInLimiter {
    per_name: u32,
    per_address: u32,
    base: Duration,
    max: Duration,
    counts: Mutex<HashMap<Key, Count>>,
}

impl SignInLimiter {
    pub fn new(config: &super::AccountsConfig) -> SignInLimiter {
        SignInLimiter {
            per_name: config.max_failures_per_name.max(1),
            per_address: config.max_failures_per_address.max(1),
            base: Duration::from_secs(config.lockout_secs.max(1)),
            max: Duration::from_secs(config.max_lockout_secs.max(config.lockout_secs).max(1)),
            counts: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Count>> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `Err(seconds)` when any of `keys` must still wait, the longest wait.
    pub fn check(&self, keys: &[Key], now: Instant) -> Result<(), u64> {
        let map = self.lock();
        let wait = keys
            .iter()
            .filter_map(|k| map.get(k)?.until)
            .filter(|u| *u > now)
            .map(|u| u.duration_since(now))
            .max();
        match wait {
            Some(w) => Err(w.as_secs_f64().ceil().max(1.0) as u64),
            None => Ok(()),
        }
    }

    /// Counts a failure of each key; returns the wait it now imposes (seconds), if any.
    pub fn fail(&self, keys: &[Key], now: Instant) -> Option<u64> {
        let mut map = self.lock();
        if map.len() >= MAX_KEYS {
            map.retain(|_, c| now.saturating_duration_since(c.last) < FORGET);
            if map.len() >= MAX_KEYS {
                map.clear();
            }
        }
        let mut longest = None;
        for k in keys {
            let limit = match k {
                Key::Name(_) => self.per_name,
                Key::Address(_) => self.per_address,
            };
            let c = map.entry(k.clone()).or_insert(Count {
                failures: 0,
                last: now,
                until: None,
            });
            if now.saturating_duration_since(c.last) >= FORGET {
                *c = Count {
                    failures: 0,
                    last: now,
                    until: None,
                };
            }
            c.failures = c.failures.saturating_add(1);
            c.last = now;
            if c.failures >= limit {
                let doublings = (c.failures - limit).min(20);
                let wait = self.base.saturating_mul(1 << doublings).min(self.max);
                c.until = Some(now + wait);
                longest = longest.max(Some(wait.as_secs()));
            }
        }
        longest
    }

    /// A successful sign-in of `name`.
    pub fn succeed(&self, name: &str) {
        self.lock().remove(&Key::Name(name.to_string()));
    }
}

/// A wait said for people: "45 giây", "2 phút", "1 giờ 5 phút".
pub fn wait_vi(secs: u64) -> String {
    match secs {
        _ if secs >= 2 * 86_400 && secs.is_multiple_of(86_400) => format!("{} ngày", secs / 86_400),
        0..=90 => format!("{secs} giây"),
        91..=5399 => format!("{} phút", secs.div_ceil(60)),
        _ => {
            let m = secs.div_ceil(60);
            match m % 60 {
                0 => format!("{} giờ", m / 60),
                r => format!("{} giờ {r} phút", m / 60),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter() -> SignInLimiter {
        SignInLimiter::new(&crate::users::AccountsConfig {
            max_failures_per_name: 3,
            max_failures_per_address: 5,
            lockout_secs: 10,
            max_lockout_secs: 60,
            ..Default::default()
        })
    }

    #[test]
    fn failures_lock_a_name_for_a_growing_while_and_a_success_clears_it() {
        let l = limiter();
        let t = Instant::now();
        let name = Key::Name("an".into());
        let addr = Key::Address([10, 0, 0, 1].into());
        let keys = [name.clone(), addr.clone()];
        assert_eq!(l.fail(&keys, t), None);
        assert_eq!(l.fail(&keys, t), None);
        assert_eq!(l.check(&keys, t), Ok(()));
        assert_eq!(l.fail(&keys, t), Some(10));
        assert_eq!(l.check(&keys, t), Err(10));
        assert_eq!(l.check(&[Key::Name("binh".into())], t), Ok(()));
        let later = t + Duration::from_secs(11);
        assert_eq!(l.check(&keys, later), Ok(()));
        // The next failure doubles the wait; then the address's own limit adds its wait.
        assert_eq!(l.fail(&keys, later), Some(20));
        let later = later + Duration::from_secs(21);
        assert_eq!(l.fail(&keys, later), Some(40));
        let later = later + Duration::from_secs(41);
        assert_eq!(l.fail(&keys, later), Some(60), "capped");
        l.succeed("an");
        assert_eq!(l.check(&[name], later), Ok(()));
        assert_eq!(l.check(&[addr], later), Err(20), "the address still waits");
        assert_eq!(wait_vi(45), "45 giây");
        assert_eq!(wait_vi(120), "2 phút");
        assert_eq!(wait_vi(7800), "2 giờ 10 phút");
        assert_eq!(wait_vi(8 * 3600), "8 giờ");
        assert_eq!(wait_vi(7 * 86_400), "7 ngày");
    }
}
