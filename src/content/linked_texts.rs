//! Where the automatic cross-links ([`super::cross_links`]) of the texts requests ask for go, kept in
//! memory, so that a term page read again is not searched for names again: writing the links in is a
//! copy of the text. Finding them is a pure function of the linker, the stored HTML and the term it
//! belongs to, so kept links are found by the text itself (compared in full, never by a hash alone) and
//! the term's id. The hash reads the text's length and at most [`SAMPLED_BYTES`] of it, spread over
//! it, rather than all of it: hashing whole texts was about half of a term page's cost of finding its
//! kept links (docs/performance.md), and texts alike where the hash reads them differ in the
//! comparison that follows. One set is kept per linker ([`super::public_names`] builds a new one with
//! every new set of names, and the old set goes with the old linker), so links never outlive the names
//! they were found with. What is kept of a text is its links' positions (twelve bytes a link), not the
//! linked HTML, which is several times the text where names are dense.
//!
//! Texts come from the database, never from a request, so a request cannot fill it with its own
//! input. It is bounded by bytes (the text, its links and the bookkeeping) and evicts the least
//! useful entries first (quick_cache's CLOCK-Pro, which a scan of one-off texts, such as a backlinks
//! search, does not flush). A capacity of 0 switches it off.

use std::{
    hash::{Hash, Hasher},
    sync::Arc,
};

use quick_cache::{Equivalent, Weighter, sync::Cache};

use super::cross_links::Links;

/// A text of one term, as kept.
#[derive(Debug, PartialEq, Eq)]
struct Key {
    own: i64,
    html: Box<str>,
}

/// The same key borrowed from a request, to look up without copying the text.
struct Borrowed<'a> {
    own: i64,
    html: &'a str,
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_sampled(self.own, &self.html, state);
    }
}

impl Hash for Borrowed<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_sampled(self.own, self.html, state);
    }
}

impl Equivalent<Key> for Borrowed<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        self.own == key.own && self.html == &*key.html
    }
}

/// The most bytes of a text the hash of a key reads.
const SAMPLED_BYTES: usize = 256;

/// Bytes in each of the pieces of a longer text that its hash reads.
const SAMPLE_PIECE: usize = 16;

/// Hashes the term's id, the text's length and its bytes: all of them up to [`SAMPLED_BYTES`], else
/// `SAMPLED_BYTES / SAMPLE_PIECE` pieces at even steps from its start to its end (the first piece at
/// the start, the last ending at the end), so that texts differing anywhere but between the pieces hash
/// apart.
fn hash_sampled<H: Hasher>(own: i64, html: &str, state: &mut H) {
    let bytes = html.as_bytes();
    state.write_i64(own);
    state.write_usize(bytes.len());
    if bytes.len() <= SAMPLED_BYTES {
        state.write(bytes);
        return;
    }
    let pieces = SAMPLED_BYTES / SAMPLE_PIECE;
    let last = bytes.len() - SAMPLE_PIECE;
    for piece in 0..pieces {
        let at = last * piece / (pieces - 1);
        state.write(&bytes[at..at + SAMPLE_PIECE]);
    }
}

/// Bytes an entry costs besides its text and its links.
const ENTRY_OVERHEAD: u64 = 128;

#[derive(Clone)]
struct ByTextSize;

impl Weighter<Key, Arc<Links>> for ByTextSize {
    fn weight(&self, key: &Key, links: &Arc<Links>) -> u64 {
        (key.html.len() + links.heap_size()) as u64 + ENTRY_OVERHEAD
    }
}

/// The links kept for one linker; switched off at a capacity of 0.
pub struct LinkedTexts {
    cache: Option<Cache<Key, Arc<Links>, ByTextSize>>,
}

impl std::fmt::Debug for LinkedTexts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkedTexts")
            .field("entries", &self.cache.as_ref().map_or(0, Cache::len))
            .finish()
    }
}

impl LinkedTexts {
    /// A set holding about `capacity_bytes` of texts and their links.
    pub fn new(capacity_bytes: usize) -> Self {
        let cache = (capacity_bytes > 0).then(|| {
            let estimated_items = (capacity_bytes / 4_096).max(16);
            Cache::with_weighter(estimated_items, capacity_bytes as u64, ByTextSize)
        });
        Self { cache }
    }

    /// The links of `html` (a text of term `own`): the kept ones, or `find`'s, kept for next time.
    pub fn get_or_find(&self, html: &str, own: i64, find: impl FnOnce() -> Links) -> Arc<Links> {
        let Some(cache) = &self.cache else {
            return Arc::new(find());
        };
        if let Some(links) = cache.get(&Borrowed { own, html }) {
            return links;
        }
        let mut links = find();
        links.shrink_to_fit();
        let links = Arc::new(links);
        cache.insert(
            Key {
                own,
                html: html.into(),
            },
            Arc::clone(&links),
        );
        links
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::content::cross_links::{LinkTarget, Linker};

    fn linker() -> Linker {
        Linker::new([(
            "Alpha".to_owned(),
            LinkTarget {
                term_id: 7,
                slug: "alpha".to_owned(),
            },
        )])
    }

    #[test]
    fn a_text_is_searched_once_per_term() {
        let (linker, texts) = (linker(), LinkedTexts::new(64 * 1024));
        let calls = Cell::new(0);
        let links = |html: &str, own: i64| {
            texts.get_or_find(html, own, || {
                calls.set(calls.get() + 1);
                linker.find(html, own)
            })
        };
        let html = "<p>Alpha and alpha.</p>";
        let first = links(html, 1);
        let again = links(html, 1);
        assert_eq!(
            calls.get(),
            1,
            "the second request is served the kept links"
        );
        assert_eq!(first, again);
        assert_eq!(
            linker.render(html, &again, "/terms/"),
            linker.link(html, 1, "/terms/")
        );
        assert_eq!(linker.mentions(&again).collect::<Vec<_>>(), vec![7]);
        // The same text in another term is searched again: a term never links to itself.
        assert_eq!(linker.mentions(&links(html, 7)).count(), 0);
        // A different text, even one that starts alike, is another entry.
        links("<p>Alpha and alpha.</p> ", 1);
        assert_eq!(calls.get(), 3);
    }

    #[test]
    fn texts_alike_where_the_hash_reads_them_are_told_apart() {
        let (linker, texts) = (linker(), LinkedTexts::new(64 * 1024));
        // Long enough to be sampled; they differ at byte 30 only, between the first two pieces read.
        let filler = "y".repeat(2_000);
        let first = format!("<p>Alpha {filler}</p>");
        let mut second = first.clone().into_bytes();
        second[30] = b'Z';
        let second = String::from_utf8(second).expect("ASCII");
        let hash = |own: i64, html: &str| {
            let mut state = std::hash::DefaultHasher::new();
            Borrowed { own, html }.hash(&mut state);
            state.finish()
        };
        assert_eq!(hash(1, &first), hash(1, &second), "the hash skips byte 30");
        assert_ne!(hash(1, &first), hash(2, &first), "the term's id is hashed");
        let calls = Cell::new(0);
        for html in [&first, &second, &first, &second] {
            let links = texts.get_or_find(html, 1, || {
                calls.set(calls.get() + 1);
                linker.find(html, 1)
            });
            assert_eq!(links.as_ref(), &linker.find(html, 1));
        }
        assert_eq!(
            calls.get(),
            2,
            "each text searched once and found again after"
        );
        // A sampled key hashes as its borrowed form does, so that a kept text is found at all.
        let mut kept = std::hash::DefaultHasher::new();
        Key {
            own: 1,
            html: first.clone().into(),
        }
        .hash(&mut kept);
        assert_eq!(kept.finish(), hash(1, &first));
    }

    #[test]
    fn links_are_kept_within_the_capacity() {
        let (linker, texts) = (linker(), LinkedTexts::new(64 * 1024));
        let body = "x".repeat(1_000);
        let calls = Cell::new(0);
        for _ in 0..2 {
            for n in 0..1_000 {
                let html = format!("<p>Alpha {n}{body}</p>");
                texts.get_or_find(&html, 1, || {
                    calls.set(calls.get() + 1);
                    linker.find(&html, 1)
                });
            }
        }
        // About 1.1 KB an entry: no more than 60 of a thousand fit in 64 KiB.
        assert!(calls.get() >= 2_000 - 60, "{} searched", calls.get());
    }

    #[test]
    fn a_capacity_of_zero_keeps_nothing() {
        let (linker, texts) = (linker(), LinkedTexts::new(0));
        let calls = Cell::new(0);
        for _ in 0..2 {
            texts.get_or_find("<p>Alpha</p>", 1, || {
                calls.set(calls.get() + 1);
                linker.find("<p>Alpha</p>", 1)
            });
        }
        assert_eq!(calls.get(), 2);
    }
}
