//! Requests per device: a token bucket each.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// A token bucket per device: `rate` requests a second on average, bursts of `burst`.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<i64, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    pub fn new(rate: f64, burst: f64) -> RateLimiter {
        RateLimiter {
            rate,
            burst,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `device` at `now`: `Ok`, or the whole seconds to wait.
    pub fn check(&self, device: i64, now: Instant) -> Result<(), u64> {
        let mut map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let b = map.entry(device).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.rate).min(self.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - b.tokens) / self.rate.max(0.001);
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_device_gets_its_burst_then_its_rate_and_devices_are_apart() {
        let limiter = RateLimiter::new(2.0, 3.0);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check(1, t0), Ok(()));
        }
        // The burst is spent: half a token comes back in a quarter second, a whole in half.
        assert_eq!(limiter.check(1, t0), Err(1));
        assert_eq!(
            limiter.check(2, t0),
            Ok(()),
            "another device has its own bucket"
        );
        assert_eq!(limiter.check(1, t0 + Duration::from_millis(500)), Ok(()));
        assert_eq!(limiter.check(1, t0 + Duration::from_millis(500)), Err(1));
        // Idle time refills up to the burst, never beyond.
        let later = t0 + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(limiter.check(1, later), Ok(()));
        }
        assert!(limiter.check(1, later).is_err());
    }
}
