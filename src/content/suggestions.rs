//! Suggestions for search as you type, answered from memory: the names and aliases of the terms public
//! now, folded as search folds them ([`super::search_text`]), in two sorted arrays. A keystroke is a
//! binary search and a short walk, never an index scan in the database; [`super::public_names`] keeps
//! the index of the moment and rebuilds it with the linker when the public terms change.
//!
//! What a prefix suggests, in order: the terms with a name or alias that starts with the prefix's
//! words (by that name, then by id), then those with every one of its words among the words of a
//! name or alias (the last word as a prefix), in name order.

/// The folded names and words of the public terms.
#[derive(Debug, Default)]
pub struct SuggestIndex {
    /// Every name and alias, folded to its words separated by spaces, with its term's id; by that
    /// text, then by id.
    names: Vec<(Box<str>, i64)>,
    /// The terms' ids in name order (the sort key, then the id).
    in_name_order: Vec<i64>,
    /// Every word of every name and alias, with the rank of its term in `in_name_order`; by word,
    /// then by rank.
    words: Vec<(Box<str>, u32)>,
}

/// A term as the index is built from it.
pub struct NamedTerm<'a> {
    /// The term's id.
    pub id: i64,
    /// Its name.
    pub name: &'a str,
    /// Its aliases.
    pub aliases: Vec<&'a str>,
}

impl SuggestIndex {
    /// The index of `terms`.
    pub fn new(terms: &[NamedTerm<'_>]) -> Self {
        let mut order: Vec<(String, i64, usize)> = terms
            .iter()
            .enumerate()
            .map(|(at, term)| (super::markdown::sort_key(term.name), term.id, at))
            .collect();
        order.sort_unstable();
        let mut names = Vec::new();
        let mut words = Vec::new();
        for (rank, (_, id, at)) in order.iter().enumerate() {
            let term = &terms[*at];
            for name in std::iter::once(term.name).chain(term.aliases.iter().copied()) {
                let folded = super::search_text::folded_words(name);
                if folded.is_empty() {
                    continue;
                }
                for word in folded.split(' ') {
                    words.push((Box::from(word), rank as u32));
                }
                names.push((folded.into_boxed_str(), *id));
            }
        }
        names.sort_unstable();
        names.dedup();
        words.sort_unstable();
        words.dedup();
        Self {
            names,
            in_name_order: order.into_iter().map(|(_, id, _)| id).collect(),
            words,
        }
    }

    /// The ids of at most `limit` terms suggested for `words` (folded query words, the last one a
    /// prefix), best first.
    pub fn suggest(&self, words: &[String], limit: usize) -> Vec<i64> {
        let mut found: Vec<i64> = Vec::with_capacity(limit);
        let Some((last, rest)) = words.split_last() else {
            return found;
        };
        if limit == 0 {
            return found;
        }
        let typed = words.join(" ");
        let start = self
            .names
            .partition_point(|(name, _)| name.as_ref() < typed.as_str());
        for (name, id) in &self.names[start..] {
            if found.len() == limit || !name.starts_with(typed.as_str()) {
                break;
            }
            if !found.contains(id) {
                found.push(*id);
            }
        }
        if found.len() == limit {
            return found;
        }

        // The terms with a word starting with the last word, then narrowed by each other word.
        let mut ranks = RankSet::new(self.in_name_order.len());
        for (_, rank) in self.with_word(last, true) {
            ranks.insert(*rank);
        }
        for word in rest {
            let mut having = RankSet::new(self.in_name_order.len());
            for (_, rank) in self.with_word(word, false) {
                having.insert(*rank);
            }
            ranks.retain(&having);
        }
        for rank in ranks.iter() {
            let id = self.in_name_order[rank as usize];
            if !found.contains(&id) {
                found.push(id);
                if found.len() == limit {
                    break;
                }
            }
        }
        found
    }

    /// The entries of `words` equal to `word`, or starting with it when `prefix`.
    fn with_word<'a>(
        &'a self,
        word: &'a str,
        prefix: bool,
    ) -> impl Iterator<Item = &'a (Box<str>, u32)> + 'a {
        let start = self.words.partition_point(|(w, _)| w.as_ref() < word);
        self.words[start..].iter().take_while(move |(w, _)| {
            if prefix {
                w.starts_with(word)
            } else {
                w.as_ref() == word
            }
        })
    }
}

/// A set of term ranks, one bit each.
struct RankSet(Vec<u64>);

impl RankSet {
    fn new(size: usize) -> Self {
        Self(vec![0; size.div_ceil(64)])
    }

    fn insert(&mut self, rank: u32) {
        self.0[rank as usize / 64] |= 1 << (rank % 64);
    }

    fn retain(&mut self, other: &RankSet) {
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            *mine &= theirs;
        }
    }

    /// The ranks in the set, ascending.
    fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().enumerate().flat_map(|(at, &bits)| {
            let mut bits = bits;
            std::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let bit = bits.trailing_zeros();
                bits &= bits - 1;
                Some(at as u32 * 64 + bit)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::search_text::QueryWords;

    fn index() -> SuggestIndex {
        SuggestIndex::new(&[
            NamedTerm {
                id: 1,
                name: "Backend developer",
                aliases: vec![],
            },
            NamedTerm {
                id: 2,
                name: "Back office",
                aliases: vec![],
            },
            NamedTerm {
                id: 3,
                name: "Developer advocate",
                aliases: vec!["DevRel"],
            },
            NamedTerm {
                id: 4,
                name: "Éclair",
                aliases: vec![],
            },
            NamedTerm {
                id: 5,
                name: "Continuous integration",
                aliases: vec!["CI"],
            },
        ])
    }

    fn suggest(index: &SuggestIndex, typed: &str, limit: usize) -> Vec<i64> {
        index.suggest(QueryWords::parse(typed).as_slice(), limit)
    }

    #[test]
    fn names_starting_with_the_prefix_come_first() {
        let index = index();
        assert_eq!(suggest(&index, "back", 10), [2, 1]);
        assert_eq!(suggest(&index, "Dev", 10), [3, 1]);
        assert_eq!(suggest(&index, "dev", 1), [3]);
    }

    #[test]
    fn accents_and_case_are_folded() {
        assert_eq!(suggest(&index(), "ÉCL", 10), [4]);
        assert_eq!(suggest(&index(), "ecl", 10), [4]);
    }

    #[test]
    fn every_word_must_be_there_the_last_as_a_prefix() {
        let index = index();
        assert_eq!(suggest(&index, "back off", 10), [2]);
        assert_eq!(suggest(&index, "developer back", 10), [1]);
        assert_eq!(suggest(&index, "develop back", 10), Vec::<i64>::new());
        assert_eq!(suggest(&index, "integ", 10), [5]);
    }

    #[test]
    fn aliases_are_suggested_once_per_term() {
        let index = index();
        assert_eq!(suggest(&index, "ci", 10), [5]);
        assert_eq!(suggest(&index, "devr", 10), [3]);
        assert_eq!(suggest(&index, "de", 10), [3, 1]);
    }

    #[test]
    fn nothing_for_nothing() {
        let index = index();
        assert_eq!(suggest(&index, "", 10), Vec::<i64>::new());
        assert_eq!(suggest(&index, "***", 10), Vec::<i64>::new());
        assert_eq!(suggest(&index, "back", 0), Vec::<i64>::new());
        assert!(SuggestIndex::default().suggest(&["x".into()], 5).is_empty());
    }
}
