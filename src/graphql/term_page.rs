//! A term page read in one batch: the term by its slug and, with it, the lists its selection shows
//! (sections, FAQ entries, related terms, categories).
//!
//! Read field by field, `term(slug:) { sections { … } faqs { … } }` waits for two batches in a row: the
//! term's, then, once its id is known, its lists'. A DataLoader batch waits for more keys on tokio's
//! timer, which fires on millisecond ticks, so each wait is 0.1–1.1 ms, on average more than the page's
//! own CPU time, and a bound on how many pages 32 connections get through. The `term` field knows its
//! selection before it resolves, so it asks for the page as one key ([`TermPageBySlug`]): the batch
//! reads the terms and, by the same slugs, the lists of every page, with the lists' own statements
//! (one per list for all the pages of the batch), in one round ([`crate::content::term_pages`]: two
//! statements at once on SQLite), and no second wait. Nor does that batch wait on the timer: it starts
//! as soon as a slot is free and takes the pages that came while the slots were busy
//! ([`super::eager_batches`]; docs/performance.md, "A term page's lists read in the term's batch",
//! "A term page in one round" and "Term pages batched without a timer").
//!
//! The lists come to the [`Term`](super::types::term::Term) as [`Prefetched`]: each list field takes
//! its list once, when it was read with every text form or column that field reads, and asks its own
//! loader otherwise (a second alias of the same list, a list whose statement failed in the batch).

use std::sync::Mutex;

use entity::{category, faq, section, term};

use crate::content::{term_columns::ColumnSet, text_forms::TextForms};

/// The lists of a term page that a selection shows, with the text forms and columns they read
/// (`Term::lists_of` reads them from a selection).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PageLists {
    /// `sections`, with the forms of the bodies read.
    pub sections: Option<TextForms>,
    /// `faqs`, with the forms of the answers read.
    pub faqs: Option<TextForms>,
    /// `relatedTerms`, with the columns read.
    pub related_terms: Option<ColumnSet>,
    /// `categories`.
    pub categories: bool,
}

/// A visible term by its slug, or by an old slug it was renamed from, with the columns of its row that
/// `columns` names and the lists `lists` names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TermPageBySlug {
    /// The slug asked for.
    pub slug: String,
    /// The columns of the term's row its selection reads (`Term::columns_of`); the batch reads the
    /// slug besides, to match its rows to the keys. A term found by an old slug is read whole.
    pub columns: ColumnSet,
    /// The lists read with the term.
    pub lists: PageLists,
}

/// A term and the lists read with it.
#[derive(Clone, Debug)]
pub struct TermPage {
    /// The term's row.
    pub term: term::Model,
    /// Its lists.
    pub lists: PageListsRead,
}

/// The lists read with a term, each with the forms or columns it was read with; `None` for a list not
/// read (not asked for, or its statement failed).
#[derive(Clone, Debug, Default)]
pub struct PageListsRead {
    /// The sections, in order.
    pub sections: Option<(TextForms, Vec<section::Model>)>,
    /// The FAQ entries, in order.
    pub faqs: Option<(TextForms, Vec<faq::Model>)>,
    /// The visible related terms, in order.
    pub related_terms: Option<(ColumnSet, Vec<term::Model>)>,
    /// The categories, by name.
    pub categories: Option<Vec<category::Model>>,
}

/// The lists a [`Term`](super::types::term::Term) came with, each taken once by its field: empty for a
/// term read any other way.
#[derive(Debug, Default)]
pub struct Prefetched(Option<Box<Mutex<PageListsRead>>>);

impl Prefetched {
    /// Lists to hand out.
    pub fn new(lists: PageListsRead) -> Self {
        Self(Some(Box::new(Mutex::new(lists))))
    }

    /// Runs `take` on the lists, if there are any.
    fn with<T>(&self, take: impl FnOnce(&mut PageListsRead) -> Option<T>) -> Option<T> {
        let lists = self.0.as_ref()?;
        // A panic while holding the lock leaves plain data behind: still usable.
        let mut lists = lists
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        take(&mut lists)
    }

    /// The sections, when they were read with every form of `bodies`; once.
    pub fn take_sections(&self, bodies: TextForms) -> Option<Vec<section::Model>> {
        self.with(|lists| take_if(&mut lists.sections, |read| read.covers(bodies)))
    }

    /// The FAQ entries, when they were read with every form of `answers`; once.
    pub fn take_faqs(&self, answers: TextForms) -> Option<Vec<faq::Model>> {
        self.with(|lists| take_if(&mut lists.faqs, |read| read.covers(answers)))
    }

    /// The related terms, when they were read with every column of `columns`; once.
    pub fn take_related_terms(&self, columns: ColumnSet) -> Option<Vec<term::Model>> {
        self.with(|lists| take_if(&mut lists.related_terms, |read| read.covers(columns)))
    }

    /// The categories; once.
    pub fn take_categories(&self) -> Option<Vec<category::Model>> {
        self.with(|lists| lists.categories.take())
    }
}

/// The list in `slot`, taken out when what it was read with passes `enough`.
fn take_if<R: Copy, T>(slot: &mut Option<(R, T)>, enough: impl FnOnce(R) -> bool) -> Option<T> {
    match slot {
        Some((read, _)) if enough(*read) => slot.take().map(|(_, list)| list),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{PageListsRead, Prefetched};
    use crate::content::{term_columns::ColumnSet, text_forms::TextForms};

    #[test]
    fn a_list_is_taken_once_and_only_when_read_with_enough() {
        let prefetched = Prefetched::new(PageListsRead {
            sections: Some((TextForms::HTML, Vec::new())),
            related_terms: Some((ColumnSet::ID, Vec::new())),
            categories: Some(Vec::new()),
            ..PageListsRead::default()
        });
        assert!(
            prefetched.take_sections(TextForms::BOTH).is_none(),
            "the Markdown was not read"
        );
        assert!(prefetched.take_sections(TextForms::HTML).is_some());
        assert!(
            prefetched.take_sections(TextForms::NONE).is_none(),
            "already taken"
        );
        assert!(prefetched.take_faqs(TextForms::NONE).is_none(), "not read");
        assert!(
            prefetched
                .take_related_terms(ColumnSet::of(&[entity::term::Column::Name]))
                .is_none(),
            "the names were not read"
        );
        assert!(prefetched.take_categories().is_some());
        assert!(prefetched.take_categories().is_none());
        assert!(Prefetched::default().take_categories().is_none());
    }
}
