//! Token buckets: the per-connection limit on WebSocket client messages and the per-user
//! limit on REST mutations (contract §2 `rate_limited`, §3 `retryAfterMs` and 4429).
//!
//! A bucket holds at most `burst` tokens and refills at `per_sec`; each message or
//! mutation takes one. When it is empty the caller is told how long until the next token.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::RateLimit;

#[derive(Debug, Clone)]
pub struct TokenBucket {
    limit: RateLimit,
    tokens: f64,
    refilled_at: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(limit: RateLimit, now: Instant) -> TokenBucket {
        TokenBucket {
            limit,
            tokens: f64::from(limit.burst),
            refilled_at: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now
            .saturating_duration_since(self.refilled_at)
            .as_secs_f64();
        self.tokens = (self.tokens + elapsed * f64::from(self.limit.per_sec))
            .min(f64::from(self.limit.burst));
        self.refilled_at = now;
    }

    /// Takes a token, or answers how long until one is there.
    pub fn take(&mut self, now: Instant) -> Result<(), Duration> {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let missing = 1.0 - self.tokens;
            let wait = missing / f64::from(self.limit.per_sec.max(1));
            // Round up to whole milliseconds so a client that waits exactly this long is
            // served.
            Err(Duration::from_millis((wait * 1000.0).ceil().max(1.0) as u64))
        }
    }

    /// Whether the bucket has refilled completely (its owner has been quiet).
    pub fn is_full(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens >= f64::from(self.limit.burst)
    }
}

/// One bucket per user, for REST mutations. Buckets of quiet users are dropped when the
/// map grows, so memory follows the number of recently active users.
pub struct PerUserLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<String, TokenBucket>>,
}

/// The map is swept of full buckets when it reaches this many users.
const SWEEP_AT: usize = 10_000;

impl PerUserLimiter {
    pub fn new(limit: RateLimit) -> PerUserLimiter {
        PerUserLimiter {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token from the user's bucket, or answers how long until one is there.
    pub fn take(&self, user_id: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(bucket) = buckets.get_mut(user_id) {
            return bucket.take(now);
        }
        if buckets.len() >= SWEEP_AT {
            buckets.retain(|_, b| !b.is_full(now));
        }
        let mut bucket = TokenBucket::new(self.limit, now);
        let taken = bucket.take(now);
        buckets.insert(user_id.to_string(), bucket);
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: RateLimit = RateLimit {
        burst: 3,
        per_sec: 2,
    };

    #[test]
    fn a_burst_passes_then_the_next_waits_for_the_refill() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::new(LIMIT, t0);
        for _ in 0..3 {
            assert_eq!(bucket.take(t0), Ok(()));
        }
        assert_eq!(bucket.take(t0), Err(Duration::from_millis(500)));
        assert_eq!(bucket.take(t0 + Duration::from_millis(500)), Ok(()));
        assert!(bucket.take(t0 + Duration::from_millis(600)).is_err());
    }

    #[test]
    fn a_quiet_bucket_refills_only_up_to_the_burst() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::new(LIMIT, t0);
        assert_eq!(bucket.take(t0), Ok(()));
        let later = t0 + Duration::from_secs(3600);
        assert!(bucket.is_full(later));
        for _ in 0..3 {
            assert_eq!(bucket.take(later), Ok(()));
        }
        assert!(bucket.take(later).is_err());
    }

    #[test]
    fn users_have_separate_buckets() {
        let limiter = PerUserLimiter::new(LIMIT);
        for _ in 0..3 {
            assert_eq!(limiter.take("ada"), Ok(()));
        }
        assert!(limiter.take("ada").is_err());
        assert_eq!(limiter.take("bob"), Ok(()));
    }
}
