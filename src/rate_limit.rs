//! Token buckets: the per-connection limit on WebSocket client messages, the per-user
//! limits on REST mutations and on REST reads, and the per-source-address limit on
//! WebSocket upgrades (contract §2 `rate_limited`, §3 `retryAfterMs` and 4429).
//!
//! A bucket holds at most `burst` tokens and refills at `per_sec`; each message, request or
//! upgrade takes one. When it is empty the caller is told how long until the next token.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
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

/// One bucket per key (a user, a source address). Buckets of quiet keys (refilled to the
/// brim) are swept away every minute, and at once when the map is full, so memory follows
/// the number of recently active keys and never passes `max_keys` buckets. When even the
/// swept map is full (that many keys active at once), a new key waits: it is refused for
/// [`FULL_WAIT`].
pub struct KeyedLimiter<K> {
    limit: RateLimit,
    max_keys: usize,
    buckets: Mutex<Buckets<K>>,
}

struct Buckets<K> {
    map: HashMap<K, TokenBucket>,
    swept_at: Instant,
}

/// REST calls per user (one limiter for mutations, one for reads).
pub type PerUserLimiter = KeyedLimiter<String>;
/// WebSocket upgrades per source address ([`source_key`]).
pub type PerSourceLimiter = KeyedLimiter<IpAddr>;

/// The most keys a limiter holds a bucket for.
pub const MAX_KEYS: usize = 100_000;
/// Quiet buckets are swept away at least this often.
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// A full map is swept at most this often (a sweep walks the whole map).
const FULL_SWEEP_GAP: Duration = Duration::from_secs(1);
/// What a new key is told to wait when the map is full of active keys.
pub const FULL_WAIT: Duration = Duration::from_secs(1);

impl<K: Eq + Hash> KeyedLimiter<K> {
    pub fn new(limit: RateLimit) -> KeyedLimiter<K> {
        KeyedLimiter::with_max_keys(limit, MAX_KEYS)
    }

    pub fn with_max_keys(limit: RateLimit, max_keys: usize) -> KeyedLimiter<K> {
        KeyedLimiter {
            limit,
            max_keys: max_keys.max(1),
            buckets: Mutex::new(Buckets {
                map: HashMap::new(),
                swept_at: Instant::now(),
            }),
        }
    }

    /// Takes one token from the key's bucket, or answers how long until one is there.
    pub fn take<Q>(&self, key: &Q) -> Result<(), Duration>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        self.take_at(key, Instant::now())
    }

    fn take_at<Q>(&self, key: &Q, now: Instant) -> Result<(), Duration>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(bucket) = buckets.map.get_mut(key) {
            return bucket.take(now);
        }
        let since_sweep = now.saturating_duration_since(buckets.swept_at);
        let full = buckets.map.len() >= self.max_keys;
        if since_sweep >= SWEEP_EVERY || (full && since_sweep >= FULL_SWEEP_GAP) {
            buckets.map.retain(|_, b| !b.is_full(now));
            buckets.swept_at = now;
        }
        if buckets.map.len() >= self.max_keys {
            return Err(FULL_WAIT);
        }
        let mut bucket = TokenBucket::new(self.limit, now);
        let taken = bucket.take(now);
        buckets.map.insert(key.to_owned(), bucket);
        taken
    }

    /// Buckets held now.
    pub fn len(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .map
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The key a source address is limited under: an IPv4 address as it is, an IPv6 address
/// by its /64 (one subscriber usually holds a whole /64, so single addresses would be
/// free to pick), an IPv4-mapped IPv6 address as the IPv4 address. No address (not a TCP
/// peer): the unspecified address, one shared bucket.
pub fn source_key(peer: Option<SocketAddr>) -> IpAddr {
    match peer.map(|p| p.ip()) {
        None => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        Some(IpAddr::V4(v4)) => IpAddr::V4(v4),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        },
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
    fn a_full_map_sweeps_quiet_keys_and_refuses_new_ones_while_all_are_active() {
        let limiter: PerUserLimiter = KeyedLimiter::with_max_keys(LIMIT, 2);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take_at("ada", t0), Ok(()));
        }
        assert_eq!(limiter.take_at("bob", t0), Ok(()));
        // Both still refilling: a third key waits, and takes no room.
        assert_eq!(limiter.take_at("carol", t0), Err(FULL_WAIT));
        assert_eq!(limiter.len(), 2);
        // Bob's bucket is full again after 0.5 s (he went quiet), Ada's is not: the next
        // sweep makes room for Carol and keeps Ada's state.
        let later = t0 + Duration::from_millis(1200);
        assert_eq!(limiter.take_at("carol", later), Ok(()));
        assert_eq!(limiter.len(), 2);
        assert_eq!(limiter.take_at("ada", later), Ok(()));
        assert_eq!(limiter.take_at("ada", later), Ok(()));
        assert!(limiter.take_at("ada", later).is_err());
    }

    #[test]
    fn quiet_keys_are_swept_every_minute_even_when_the_map_is_not_full() {
        let limiter: PerSourceLimiter = KeyedLimiter::with_max_keys(LIMIT, 1000);
        let t0 = Instant::now();
        for i in 0..10u8 {
            let ip = IpAddr::from([10, 0, 0, i]);
            assert_eq!(limiter.take_at(&ip, t0), Ok(()));
        }
        assert_eq!(limiter.len(), 10);
        let later = t0 + SWEEP_EVERY;
        assert_eq!(limiter.take_at(&IpAddr::from([10, 0, 1, 0]), later), Ok(()));
        assert_eq!(limiter.len(), 1);
    }

    #[test]
    fn ipv6_sources_are_keyed_by_their_64_and_mapped_ipv4_as_ipv4() {
        let key = |text: &str| source_key(text.parse::<SocketAddr>().ok());
        assert_eq!(
            key("[2001:db8:1:2:aaaa::1]:5000"),
            key("[2001:db8:1:2:bbbb::9]:6000")
        );
        assert_ne!(key("[2001:db8:1:2::1]:5000"), key("[2001:db8:1:3::1]:5000"));
        assert_eq!(key("[::ffff:192.0.2.7]:1"), IpAddr::from([192, 0, 2, 7]));
        assert_eq!(
            source_key(Some(SocketAddr::from(([192, 0, 2, 7], 80)))),
            IpAddr::from([192, 0, 2, 7])
        );
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
