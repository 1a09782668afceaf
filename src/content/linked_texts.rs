//! Linked HTML kept in memory: the rendering with automatic cross-links ([`super::cross_links`]) of the
//! texts requests ask for, so that a term page read again is not linked again. Linking is a pure
//! function of the linker, the stored HTML and the term it belongs to, so a kept rendering is found by
//! the text itself (compared in full, never by a hash alone) and the term's id; one set is kept per
//! linker ([`super::public_names`] builds a new one with every new set of names, and the old set goes
//! with the old linker), so a rendering never outlives the names it was linked with.
//!
//! Texts come from the database, never from a request, so a request cannot fill it with its own
//! input. It is bounded by bytes (the text, its rendering and the bookkeeping) and evicts the least
//! useful entries first (quick_cache's CLOCK-Pro, which a scan of one-off texts, such as a backlinks
//! search, does not flush). A capacity of 0 switches it off.

use std::sync::Arc;

use quick_cache::{Equivalent, Weighter, sync::Cache};

use super::cross_links::Linked;

/// A text of one term, as kept.
#[derive(Debug, Hash, PartialEq, Eq)]
struct Key {
    own: i64,
    html: Box<str>,
}

/// The same key borrowed from a request, to look up without copying the text. It hashes as [`Key`]
/// does (the id, then the text as a `str`).
#[derive(Hash)]
struct Borrowed<'a> {
    own: i64,
    html: &'a str,
}

impl Equivalent<Key> for Borrowed<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        self.own == key.own && self.html == &*key.html
    }
}

/// Bytes an entry costs besides its two texts and its mentions.
const ENTRY_OVERHEAD: u64 = 128;

#[derive(Clone)]
struct ByTextSize;

impl Weighter<Key, Arc<Linked>> for ByTextSize {
    fn weight(&self, key: &Key, linked: &Arc<Linked>) -> u64 {
        (key.html.len() + linked.html.len() + 8 * linked.mentions.len()) as u64 + ENTRY_OVERHEAD
    }
}

/// The renderings kept for one linker; switched off at a capacity of 0.
pub struct LinkedTexts {
    cache: Option<Cache<Key, Arc<Linked>, ByTextSize>>,
}

impl std::fmt::Debug for LinkedTexts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkedTexts")
            .field("entries", &self.cache.as_ref().map_or(0, Cache::len))
            .finish()
    }
}

impl LinkedTexts {
    /// A set holding about `capacity_bytes` of texts and their renderings.
    pub fn new(capacity_bytes: usize) -> Self {
        let cache = (capacity_bytes > 0).then(|| {
            let estimated_items = (capacity_bytes / 4_096).max(16);
            Cache::with_weighter(estimated_items, capacity_bytes as u64, ByTextSize)
        });
        Self { cache }
    }

    /// The rendering of `html` (a text of term `own`): the kept one, or `link`'s, kept for next time.
    pub fn get_or_link(&self, html: &str, own: i64, link: impl FnOnce() -> Linked) -> Arc<Linked> {
        let Some(cache) = &self.cache else {
            return Arc::new(link());
        };
        if let Some(linked) = cache.get(&Borrowed { own, html }) {
            return linked;
        }
        let linked = Arc::new(link());
        cache.insert(
            Key {
                own,
                html: html.into(),
            },
            Arc::clone(&linked),
        );
        linked
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    fn rendering(html: &str) -> Linked {
        Linked {
            html: format!("<p>{html}</p>"),
            mentions: vec![7],
        }
    }

    #[test]
    fn a_text_is_linked_once_per_term() {
        let texts = LinkedTexts::new(64 * 1024);
        let calls = Cell::new(0);
        let link = |html: &str, own: i64| {
            texts.get_or_link(html, own, || {
                calls.set(calls.get() + 1);
                rendering(html)
            })
        };
        assert_eq!(link("a", 1).html, "<p>a</p>");
        assert_eq!(link("a", 1).mentions, vec![7]);
        assert_eq!(
            calls.get(),
            1,
            "the second request is served the kept rendering"
        );
        // The same text in another term is linked again (a term never links to itself).
        link("a", 2);
        // A different text, even one that starts alike, is another entry.
        link("ab", 1);
        assert_eq!(calls.get(), 3);
    }

    #[test]
    fn renderings_are_kept_within_the_capacity() {
        let texts = LinkedTexts::new(64 * 1024);
        let body = "x".repeat(1_000);
        for n in 0..1_000 {
            texts.get_or_link(&format!("{n}{body}"), 1, || rendering(&body));
        }
        let calls = Cell::new(0);
        for n in 0..1_000 {
            texts.get_or_link(&format!("{n}{body}"), 1, || {
                calls.set(calls.get() + 1);
                rendering(&body)
            });
        }
        // About 2 KB an entry: no more than 32 of a thousand fit in 64 KiB.
        assert!(calls.get() >= 1_000 - 32, "{} linked again", calls.get());
    }

    #[test]
    fn a_capacity_of_zero_keeps_nothing() {
        let texts = LinkedTexts::new(0);
        let calls = Cell::new(0);
        for _ in 0..2 {
            texts.get_or_link("a", 1, || {
                calls.set(calls.get() + 1);
                rendering("a")
            });
        }
        assert_eq!(calls.get(), 2);
    }
}
