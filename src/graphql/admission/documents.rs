//! Parsed documents kept by their text, so that a document seen before is neither scanned nor parsed again
//! (clients send the same few documents with different variables). Only documents that passed the token
//! scan and parsed are kept, with the result of the literal checks, which depend on the document alone;
//! everything that depends on the variables (coercion, cost) runs for every request.
//!
//! The cache is bounded by an estimate of the memory its documents take, and evicts the least useful ones
//! first (quick_cache's CLOCK-Pro policy, close to LRU but not flushed by a scan of one-off documents).

use std::sync::{
    Arc, OnceLock,
    atomic::{AtomicBool, Ordering},
};

use async_graphql::{ServerError, parser::types::ExecutableDocument};
use quick_cache::{Weighter, sync::Cache};

use super::DocumentDigest;

/// A parsed document and what checking it alone found.
#[derive(Debug)]
pub(super) struct Parsed {
    /// The syntax tree.
    pub document: Arc<ExecutableDocument>,
    /// Literal argument values of the wrong type ("Values of Correct Type"): request errors, uncoded.
    pub invalid_literals: Vec<ServerError>,
    /// Whether the document passed async-graphql's full validation before.
    pub validation: FullValidation,
    /// The digest of its tokens (the response cache's keys start from it), computed the first time the
    /// cache asks: requests that never reach the cache never pay for it.
    pub digest: OnceLock<DocumentDigest>,
}

/// Whether async-graphql has validated a document in full before and found nothing wrong, shared by
/// every request that runs the same kept document unchanged. A request whose document admission had to
/// change (absent variables left out) has its own record, never marked.
#[derive(Clone, Debug, Default)]
pub struct FullValidation(Option<Arc<AtomicBool>>);

impl FullValidation {
    /// The record of a document kept for reuse, not yet validated.
    pub(super) fn pending() -> Self {
        Self(Some(Arc::new(AtomicBool::new(false))))
    }

    /// Whether the document passed full validation before.
    pub fn passed_before(&self) -> bool {
        self.0
            .as_ref()
            .is_some_and(|passed| passed.load(Ordering::Acquire))
    }

    /// Records that the document passed full validation (async-graphql ran it).
    pub fn record_pass(&self) {
        if let Some(passed) = &self.0 {
            passed.store(true, Ordering::Release);
        }
    }
}

/// Bytes of memory a parsed document takes per byte of its text, about: every name, argument and
/// selection of the text becomes a node of a few dozen bytes with its position.
const BYTES_PER_TEXT_BYTE: u64 = 48;

/// Weighs an entry by an estimate of its memory.
#[derive(Clone)]
struct ByEstimatedSize;

impl Weighter<Box<str>, Arc<Parsed>> for ByEstimatedSize {
    fn weight(&self, text: &Box<str>, _parsed: &Arc<Parsed>) -> u64 {
        (text.len() as u64).saturating_mul(BYTES_PER_TEXT_BYTE) + 1024
    }
}

/// The cache of parsed documents; switched off at a capacity of 0.
pub(super) struct DocumentCache {
    cache: Option<Cache<Box<str>, Arc<Parsed>, ByEstimatedSize>>,
}

impl std::fmt::Debug for DocumentCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentCache")
            .field("entries", &self.cache.as_ref().map_or(0, Cache::len))
            .finish()
    }
}

impl DocumentCache {
    /// A cache holding about `capacity_bytes` of parsed documents.
    pub fn new(capacity_bytes: usize) -> Self {
        let cache = (capacity_bytes > 0).then(|| {
            let estimated_items = (capacity_bytes / 16_384).max(16);
            Cache::with_weighter(estimated_items, capacity_bytes as u64, ByEstimatedSize)
        });
        Self { cache }
    }

    /// The document with this text, if it was kept.
    pub fn get(&self, text: &str) -> Option<Arc<Parsed>> {
        self.cache.as_ref()?.get(text)
    }

    /// Keeps a document under its text.
    pub fn insert(&self, text: &str, parsed: Arc<Parsed>) {
        if let Some(cache) = &self.cache {
            cache.insert(text.into(), parsed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Arc<Parsed> {
        Arc::new(Parsed {
            document: Arc::new(async_graphql::parser::parse_query(text).unwrap()),
            invalid_literals: Vec::new(),
            validation: FullValidation::pending(),
            digest: OnceLock::new(),
        })
    }

    #[test]
    fn documents_are_kept_within_the_capacity() {
        let cache = DocumentCache::new(64 * 1024);
        cache.insert("{ a }", parsed("{ a }"));
        assert!(cache.get("{ a }").is_some());
        assert!(cache.get("{ b }").is_none());
        for n in 0..1_000 {
            let text = format!("{{ a{n} }}");
            cache.insert(&text, parsed(&text));
        }
        let kept = (0..1_000)
            .filter(|n| cache.get(&format!("{{ a{n} }}")).is_some())
            .count();
        assert!(kept > 0 && kept < 1_000 / 8, "{kept} kept");
    }

    #[test]
    fn a_capacity_of_zero_keeps_nothing() {
        let cache = DocumentCache::new(0);
        cache.insert("{ a }", parsed("{ a }"));
        assert!(cache.get("{ a }").is_none());
    }
}
