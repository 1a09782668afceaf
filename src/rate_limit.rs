//! In-process rate limiting by key (a client's address, say): a token bucket per key that holds `burst`
//! tokens and refills one every `period / burst`. Each replica counts for itself, so behind a load balancer of
//! N replicas a client gets up to N times the limit; limits that must hold across replicas are counted in the
//! database instead (see the newsletter's per-address limit).

use std::{collections::HashMap, sync::Mutex, time::Duration};

use tokio::time::Instant;

/// How much a key may do: `burst` actions at once, refilled evenly over `period`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Actions allowed back to back.
    pub burst: u32,
    /// The time in which a spent burst refills.
    pub period: Duration,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Buckets keyed by client; forgets keys whose bucket has refilled.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// Buckets kept before full ones are swept out.
const SWEEP_AT: usize = 10_000;

impl RateLimiter {
    /// A limiter applying `limit` to every key.
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`; when none is left, says how long until one is.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let burst = f64::from(self.limit.burst.max(1));
        let per_second = burst / self.limit.period.as_secs_f64().max(f64::EPSILON);
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= SWEEP_AT {
            buckets.retain(|_, bucket| {
                bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * per_second
                    < burst
            });
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        let refilled = now.duration_since(bucket.updated).as_secs_f64() * per_second;
        bucket.tokens = (bucket.tokens + refilled).min(burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_burst_then_one_per_refill_interval() {
        let limiter = RateLimiter::new(RateLimit {
            burst: 3,
            period: Duration::from_secs(30),
        });
        for _ in 0..3 {
            assert!(limiter.check("a").is_ok());
        }
        let wait = limiter.check("a").unwrap_err();
        assert!(
            wait <= Duration::from_secs(10) && wait > Duration::from_secs(9),
            "{wait:?}"
        );
        // Another key has its own bucket.
        assert!(limiter.check("b").is_ok());
        tokio::time::advance(Duration::from_secs(10)).await;
        assert!(limiter.check("a").is_ok());
        assert!(limiter.check("a").is_err());
    }
}
