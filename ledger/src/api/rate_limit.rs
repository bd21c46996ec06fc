//! Per-key token buckets: each signer key (or, for unsigned reads, each
//! client address) gets `rate` requests per second with bursts of `burst`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Buckets stop being tracked after this many keys; the oldest go first.
const MAX_KEYS: usize = 100_000;

/// A set of token buckets keyed by bytes.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<Vec<u8>, (f64, Instant)>>,
}

impl RateLimiter {
    /// `rate` requests per second per key, bursts of `burst`.
    pub fn new(rate: f64, burst: f64) -> Self {
        RateLimiter {
            rate,
            burst,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`; `false` if its bucket is empty.
    pub fn allow(&self, key: &[u8]) -> bool {
        self.allow_at(key, Instant::now())
    }

    fn allow_at(&self, key: &[u8], now: Instant) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            let full = self.burst;
            let rate = self.rate;
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < full
            });
        }
        let (tokens, at) = buckets.entry(key.to_vec()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_key_gets_its_burst_then_its_rate() {
        let limiter = RateLimiter::new(2.0, 3.0);
        let t0 = Instant::now();
        assert!((0..3).all(|_| limiter.allow_at(b"a", t0)));
        assert!(!limiter.allow_at(b"a", t0));
        // Another key is not affected.
        assert!(limiter.allow_at(b"b", t0));
        // Half a second at 2/s refills one token.
        assert!(limiter.allow_at(b"a", t0 + Duration::from_millis(500)));
        assert!(!limiter.allow_at(b"a", t0 + Duration::from_millis(500)));
    }
}
