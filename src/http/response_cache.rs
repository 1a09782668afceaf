//! The public response cache: the serialised answer to an anonymous query, kept in memory by the
//! request's key ([`crate::graphql::request_key`]) and sent again to the next identical anonymous request
//! without admitting, parsing or executing anything.
//!
//! What makes it safe:
//! - Only anonymous requests read or fill it, so nothing an API key can see (drafts, previews, admin
//!   lists) ever enters it; only queries that ran without a single error are kept.
//! - Each entry carries the [`ContentEpoch`] its request started in and is served only while the epoch
//!   is unchanged: any committed change, here or on another replica, makes every entry stale at once
//!   (the writing replica moves its epoch on before answering the write). While this replica cannot hear
//!   the others (its `LISTEN` connection is down) nothing is served from the cache.
//! - Public content also changes by itself when a scheduled publication time comes: an entry expires at
//!   the earliest publication still to come.
//!
//! It is bounded by the bytes of the bodies it holds, and evicts the least useful entries first
//! (quick_cache's CLOCK-Pro, close to LRU). A capacity of 0 switches it off.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicU64, Ordering},
};

use axum::{body::Bytes, http::HeaderValue};
use chrono::{DateTime, Utc};
use quick_cache::{Weighter, sync::Cache};
use sea_orm::DatabaseConnection;

use crate::{clock, content::terms, content_epoch::ContentEpoch, graphql::request_key::RequestKey};

/// One kept answer.
#[derive(Debug)]
pub struct CachedResponse {
    /// The serialised response.
    pub body: Bytes,
    /// Its entity tag.
    pub etag: HeaderValue,
    /// The content epoch it was computed in.
    epoch: u64,
    /// When a scheduled publication makes it stale, if one is to come.
    expires: Option<DateTime<Utc>>,
}

/// What a miss needs to keep the answer once it is computed.
#[derive(Debug)]
pub struct Ticket {
    key: RequestKey,
    epoch: u64,
}

/// What the cache has for a request.
#[derive(Debug)]
pub enum Lookup {
    /// The answer, fresh.
    Hit(Arc<CachedResponse>),
    /// Nothing fresh: compute it and [`ResponseCache::keep`] it with the ticket.
    Miss(Ticket),
    /// The cache is off, or out of sync with the other replicas: compute, keep nothing.
    Bypass,
}

/// Bytes an entry costs besides its body: the key, the tag, the bookkeeping.
const ENTRY_OVERHEAD: u64 = 192;

#[derive(Clone)]
struct ByBodySize;

impl Weighter<RequestKey, Arc<CachedResponse>> for ByBodySize {
    fn weight(&self, _key: &RequestKey, entry: &Arc<CachedResponse>) -> u64 {
        entry.body.len() as u64 + ENTRY_OVERHEAD
    }
}

/// The cache's counters, for `/metrics`.
#[derive(Debug, Default)]
pub struct CacheCounters {
    /// Requests answered from the cache.
    pub hits: AtomicU64,
    /// Cacheable requests that were computed.
    pub misses: AtomicU64,
    /// Answers kept.
    pub stored: AtomicU64,
}

/// The public response cache of one process.
pub struct ResponseCache {
    entries: Option<Cache<RequestKey, Arc<CachedResponse>, ByBodySize>>,
    epoch: Arc<ContentEpoch>,
    db: DatabaseConnection,
    /// The earliest scheduled publication still to come, as read in an epoch.
    schedule: Mutex<Option<(u64, Option<DateTime<Utc>>)>>,
    /// The epoch the entries were last emptied for: entries of older epochs are dropped as soon as an
    /// answer of a newer one is kept, rather than waiting to be evicted.
    emptied_for: AtomicU64,
    /// Hits, misses, answers kept.
    pub counters: CacheCounters,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache")
            .field("entries", &self.len())
            .field("bytes", &self.weight())
            .finish()
    }
}

impl ResponseCache {
    /// A cache holding up to `capacity_bytes` of response bodies, fresh while `epoch` stays put; `db`
    /// tells when scheduled publications come.
    pub fn new(db: DatabaseConnection, epoch: Arc<ContentEpoch>, capacity_bytes: usize) -> Self {
        let entries = (capacity_bytes > 0).then(|| {
            let estimated_items = (capacity_bytes / 4096).max(16);
            Cache::with_weighter(estimated_items, capacity_bytes as u64, ByBodySize)
        });
        Self {
            entries,
            epoch,
            db,
            schedule: Mutex::new(None),
            emptied_for: AtomicU64::new(0),
            counters: CacheCounters::default(),
        }
    }

    /// Whether the cache is on at all (a request need not compute its key otherwise).
    pub fn is_on(&self) -> bool {
        self.entries.is_some()
    }

    /// Answers kept now.
    pub fn len(&self) -> usize {
        self.entries.as_ref().map_or(0, Cache::len)
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes kept now, by the cache's own weighing.
    pub fn weight(&self) -> u64 {
        self.entries.as_ref().map_or(0, Cache::weight)
    }

    /// What the cache has for the request `key`.
    pub fn lookup(&self, key: RequestKey) -> Lookup {
        let Some(entries) = &self.entries else {
            return Lookup::Bypass;
        };
        let Some(epoch) = self.epoch.current() else {
            return Lookup::Bypass;
        };
        if let Some(entry) = entries.get(&key)
            && entry.epoch == epoch
            && entry.expires.is_none_or(|at| clock::now() < at)
        {
            self.counters.hits.fetch_add(1, Ordering::Relaxed);
            return Lookup::Hit(entry);
        }
        self.counters.misses.fetch_add(1, Ordering::Relaxed);
        Lookup::Miss(Ticket { key, epoch })
    }

    /// Keeps an answer computed after a miss, unless the content changed since the miss (then the answer
    /// may already be stale, and the next request computes it again).
    pub async fn keep(&self, ticket: Ticket, body: Bytes, etag: HeaderValue) {
        let Some(entries) = &self.entries else {
            return;
        };
        let expires = match self.next_publication(ticket.epoch).await {
            Ok(expires) => expires,
            Err(error) => {
                tracing::warn!(
                    error = error.describe(),
                    "cannot read the publication schedule; not caching"
                );
                return;
            }
        };
        if self.epoch.current() != Some(ticket.epoch) {
            return;
        }
        if self.emptied_for.swap(ticket.epoch, Ordering::AcqRel) != ticket.epoch {
            entries.clear();
        }
        entries.insert(
            ticket.key,
            Arc::new(CachedResponse {
                body,
                etag,
                epoch: ticket.epoch,
                expires,
            }),
        );
        self.counters.stored.fetch_add(1, Ordering::Relaxed);
    }

    /// The earliest scheduled publication still to come, read once per epoch (and again once it passed).
    async fn next_publication(&self, epoch: u64) -> crate::error::Result<Option<DateTime<Utc>>> {
        let now = clock::now();
        let known = *self
            .schedule
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((read_in, next)) = known
            && read_in == epoch
            && next.is_none_or(|at| now < at)
        {
            return Ok(next);
        }
        let next = terms::next_scheduled_publication(&self.db, now).await?;
        *self
            .schedule
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some((epoch, next));
        Ok(next)
    }
}
