//! In-process rate limiting per client: `governor`'s GCRA (one 64-bit timestamp per client, a check in
//! constant time) over a store of our own whose memory is bounded. Each replica counts for itself, so
//! behind a load balancer of N replicas a client gets up to N times the limit; limits that must hold across
//! replicas are counted in the database instead (see the newsletter's per-address limit).
//!
//! The store keeps two generations of clients: new ones go into the current generation, and when it holds
//! [`CLIENTS_PER_GENERATION`] the previous one is dropped and the current one takes its place. A client
//! seen again moves forward, so the clients forgotten are those not seen for a whole generation. Memory
//! stays under two generations however many addresses a client uses, and every check costs O(1)
//! (dropping a generation is paid for by the inserts that filled it).

use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use governor::{
    Quota,
    clock::{Clock, DefaultClock},
    middleware::StateInformationMiddleware,
    nanos::Nanos,
    state::StateStore,
};

use crate::client_address::ClientKey;

/// Clients remembered per generation (at most twice as many are held; each takes some 40 bytes).
pub const CLIENTS_PER_GENERATION: usize = 100_000;

/// How much a client may do: `burst` actions at once, refilled evenly over `period`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Actions allowed back to back.
    pub burst: u32,
    /// The time in which a spent burst refills.
    pub period: Duration,
}

impl RateLimit {
    fn quota(self) -> Quota {
        let burst = NonZeroU32::new(self.burst.max(1)).expect("at least 1");
        let interval = (self.period / burst.get()).max(Duration::from_nanos(1));
        Quota::with_period(interval)
            .expect("a positive interval")
            .allow_burst(burst)
    }
}

/// What a check decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead; `remaining` more actions are allowed now, and the burst is whole again after `full_in`.
    Allowed {
        /// Actions left in the burst.
        remaining: u32,
        /// Time until the burst has refilled.
        full_in: Duration,
    },
    /// Refused; the next action is allowed after `retry_after`.
    Limited {
        /// Time until one action is allowed again.
        retry_after: Duration,
    },
}

/// Two generations of clients' GCRA states.
#[derive(Debug, Default)]
struct Generations {
    current: HashMap<ClientKey, Nanos>,
    previous: HashMap<ClientKey, Nanos>,
}

/// `governor`'s keyed state, bounded to two generations of clients. Clones share the state (the limiter
/// owns one, and [`RateLimiter`] keeps another to report its size).
#[derive(Clone, Debug)]
pub struct BoundedClientStore {
    generations: Arc<Mutex<Generations>>,
    per_generation: usize,
}

impl BoundedClientStore {
    fn new(per_generation: usize) -> Self {
        Self {
            generations: Arc::new(Mutex::new(Generations::default())),
            per_generation: per_generation.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Generations> {
        self.generations
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Clients held now.
    fn len(&self) -> usize {
        let generations = self.lock();
        generations.current.len() + generations.previous.len()
    }
}

impl StateStore for BoundedClientStore {
    type Key = ClientKey;

    fn measure_and_replace<T, F, E>(&self, key: &ClientKey, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        let mut generations = self.lock();
        let earlier = generations
            .current
            .get(key)
            .or_else(|| generations.previous.get(key))
            .copied();
        let decided = f(earlier);
        // A refused client is seen too: it moves forward with its state unchanged, so that a client kept
        // busy being refused is not forgotten (and let through) when its generation goes.
        let state = match &decided {
            Ok((_, state)) => Some(*state),
            Err(_) => earlier,
        };
        if let Some(state) = state {
            if !generations.current.contains_key(key) {
                generations.previous.remove(key);
                if generations.current.len() >= self.per_generation {
                    generations.previous = std::mem::take(&mut generations.current);
                }
            }
            generations.current.insert(*key, state);
        }
        decided.map(|(outcome, _)| outcome)
    }
}

/// A rate limit applied per client.
#[derive(Debug)]
pub struct RateLimiter<C: Clock = DefaultClock> {
    limiter: governor::RateLimiter<ClientKey, BoundedClientStore, C, StateInformationMiddleware>,
    store: BoundedClientStore,
    limit: RateLimit,
}

impl RateLimiter {
    /// A limiter applying `limit` to every client.
    pub fn new(limit: RateLimit) -> Self {
        Self::with_clock(limit, DefaultClock::default(), CLIENTS_PER_GENERATION)
    }
}

impl<C: Clock> RateLimiter<C> {
    /// A limiter on `clock` remembering `per_generation` clients per generation.
    pub fn with_clock(limit: RateLimit, clock: C, per_generation: usize) -> Self {
        let store = BoundedClientStore::new(per_generation);
        Self {
            limiter: governor::RateLimiter::new(limit.quota(), store.clone(), clock),
            store,
            limit,
        }
    }

    /// The limit applied.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Counts one action of `client`, or refuses it.
    pub fn check(&self, client: ClientKey) -> Decision {
        match self.limiter.check_key(&client) {
            Ok(snapshot) => {
                let quota = snapshot.quota();
                let remaining = snapshot.remaining_burst_capacity();
                let missing = quota.burst_size().get().saturating_sub(remaining);
                Decision::Allowed {
                    remaining,
                    full_in: quota.replenish_interval() * missing,
                }
            }
            Err(not_until) => Decision::Limited {
                retry_after: not_until.wait_time_from(self.limiter.clock().now()),
            },
        }
    }

    /// Clients remembered now.
    pub fn clients_held(&self) -> usize {
        self.store.len()
    }
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    fn client(n: u32) -> ClientKey {
        ClientKey::V4(n.to_be_bytes())
    }

    #[test]
    fn a_burst_then_one_per_refill_interval() {
        let clock = FakeRelativeClock::default();
        let limiter = RateLimiter::with_clock(
            RateLimit {
                burst: 3,
                period: Duration::from_secs(30),
            },
            clock.clone(),
            100,
        );
        for remaining in [2, 1, 0] {
            assert!(matches!(
                limiter.check(client(1)),
                Decision::Allowed { remaining: left, .. } if left == remaining
            ));
        }
        let Decision::Limited { retry_after } = limiter.check(client(1)) else {
            panic!("the fourth action is refused")
        };
        assert!(
            retry_after <= Duration::from_secs(10) && retry_after > Duration::from_secs(9),
            "{retry_after:?}"
        );
        // Another client has its own bucket.
        assert!(matches!(limiter.check(client(2)), Decision::Allowed { .. }));
        clock.advance(Duration::from_secs(10));
        assert!(matches!(limiter.check(client(1)), Decision::Allowed { .. }));
        assert!(matches!(limiter.check(client(1)), Decision::Limited { .. }));
    }

    /// 300 000 clients one after another: memory stays under two generations, and a client seen in
    /// the current or previous generation keeps its count.
    #[test]
    fn memory_stays_bounded_however_many_clients() {
        let limiter = RateLimiter::with_clock(
            RateLimit {
                burst: 1,
                period: Duration::from_secs(3600),
            },
            FakeRelativeClock::default(),
            1_000,
        );
        assert!(matches!(limiter.check(client(0)), Decision::Allowed { .. }));
        for n in 1..300_000 {
            limiter.check(client(n));
            if n % 500 == 0 {
                // Seen again within a generation: still limited.
                assert!(matches!(limiter.check(client(0)), Decision::Limited { .. }));
            }
            assert!(limiter.clients_held() <= 2_000);
        }
    }
}
