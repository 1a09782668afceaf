//! Every DataLoader of the API: one batch per relation, keyed by the parent id, each batch one SQL statement;
//! and the term page's ([`TermPageBySlug`]), whose batch reads the term and the lists its selection
//! shows with those relations' statements, in one round ([`super::term_page`]), and starts when a
//! slot is free rather than on the DataLoader's timer ([`term_page_batches`]).
//!
//! One [`ContentLoader`] serves all key types; each key type below is its own batch queue. The loader is
//! schema-wide and caches nothing, so concurrent requests (and WebSocket operations) share batches but never
//! see stale data. Lists keep the editorial order (`ORDER BY term_id, position`).

use std::{
    collections::{HashMap, HashSet},
    ops::Deref,
    sync::Arc,
    time::Duration,
};

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{category, faq, section, term};
use sea_orm::DatabaseConnection;

pub use super::batch_counter::BatchCounter;
use super::eager_batches::EagerBatches;
use super::term_page::{PageLists, PageListsRead, TermPage, TermPageBySlug};
use crate::content::{
    aliases, categories, faqs, relations, sections,
    sql_binds::Parents,
    term_columns::{self, ColumnSet},
    term_pages::{self, ListsWanted},
    terms,
    text_forms::TextForms,
    visibility::Visibility,
};

/// A visible term by its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TermById(pub i64);
/// A term in any status by its slug or an old slug: editors' previews.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AnyTermBySlug(pub String);
/// The sections of a term, in order, with the forms of their bodies its selection reads (a form not read
/// may come back empty: see [`TextForms`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SectionsByTerm {
    /// The term whose sections these are.
    pub term: i64,
    /// The forms of the bodies read.
    pub bodies: TextForms,
}
/// The FAQ entries of a term, in order, with the forms of their answers its selection reads (a form not
/// read may come back empty; none for selections that show only the questions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FaqsByTerm {
    /// The term whose FAQ entries these are.
    pub term: i64,
    /// The forms of the answers read.
    pub answers: TextForms,
}
/// The visible related terms of a term, in order, with the columns its selection reads (the rest come back
/// empty: see [`term_columns::ColumnSet`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RelatedTermsByTerm {
    /// The term whose related terms these are.
    pub term: i64,
    /// The columns read.
    pub columns: term_columns::ColumnSet,
}
/// The categories of a term, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CategoriesByTerm(pub i64);
/// The aliases of a term, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AliasesByTerm(pub i64);
/// A category by its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CategoryById(pub i64);
/// A category by its slug.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CategoryBySlug(pub String);
/// A section by its id, when its term is visible.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SectionById(pub i64);
/// An FAQ entry by its id, when its term is visible.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FaqById(pub i64);

/// The batch functions behind the API's DataLoader.
pub struct ContentLoader {
    db: DatabaseConnection,
}

/// The DataLoader type resolvers take from the context.
pub type ContentDataLoader = DataLoader<ContentLoader>;

/// Builds the schema-wide DataLoader; `batch_delay` is how long a batch waits for more keys.
///
/// The wait is a tokio timer (async-graphql's `tokio-timer` feature), fired by the runtime's workers
/// between tasks. Without that feature async-graphql waits on an `async-io` timer, which runs a reactor
/// thread of its own: every batch woke that thread and then, from it, a tokio worker, two thread
/// hand-offs that on two cores cost a term page up to a third of its CPU under load (docs/performance.md,
/// "Batch wait on tokio's timer"). Tokio's timer fires on millisecond ticks, so a batch waits from
/// `batch_delay` to a millisecond more.
///
/// `batches` counts the batches started: each one is a wait on that timer for the requests in it.
pub fn content_data_loader(
    db: DatabaseConnection,
    batch_delay: Duration,
    batches: BatchCounter,
) -> ContentDataLoader {
    let spawn = move |batch| {
        batches.count();
        tokio::spawn(batch)
    };
    DataLoader::new(ContentLoader { db }, spawn).delay(batch_delay)
}

/// The most term pages in one batch. Under 256 connections batches of up to 64 pages took a SQLite
/// server's peak memory 4 MiB over that of batches of up to 32, for no more pages a second
/// (docs/performance.md, "Term pages batched without a timer").
const PAGES_PER_BATCH: usize = 32;

/// The term pages' batches ([`super::eager_batches`]): started as soon as one of `slots` is free
/// rather than on the DataLoader's timer, counted in `batches` with the DataLoader's.
pub fn term_page_batches(
    db: DatabaseConnection,
    slots: usize,
    batches: BatchCounter,
) -> TermPageBatches {
    EagerBatches::new(ContentLoader { db }, slots, PAGES_PER_BATCH, batches)
}

/// The term pages' batches that resolvers take from the context.
pub type TermPageBatches = EagerBatches<TermPageBySlug, ContentLoader>;

/// A loaded value, handed to the field that asked for it without a copy.
///
/// async-graphql's DataLoader clones every value it hands out (the batch's map keeps its own). Behind an
/// `Arc` that clone is a reference count; the resolver then takes the value out with [`Self::into_inner`],
/// which moves it when the batch's copy is gone (it is dropped as soon as the batch has answered) and
/// copies it only otherwise. A 50-term page no longer copies every row it read (about 800 strings).
#[derive(Debug)]
pub struct Loaded<T>(Arc<T>);

impl<T> Loaded<T> {
    fn new(value: T) -> Self {
        Loaded(Arc::new(value))
    }
}

impl<T: Clone> Loaded<T> {
    /// The value, moved out when no one else holds it, else copied.
    pub fn into_inner(self) -> T {
        Arc::try_unwrap(self.0).unwrap_or_else(|shared| T::clone(&shared))
    }
}

impl<T> Clone for Loaded<T> {
    fn clone(&self) -> Self {
        Loaded(Arc::clone(&self.0))
    }
}

impl<T> Deref for Loaded<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

type LoadResult<K, V> = Result<HashMap<K, Loaded<V>>, async_graphql::Error>;

/// `(key, value)` pairs as a batch's answer.
fn loaded<K: std::hash::Hash + Eq, V>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> HashMap<K, Loaded<V>> {
    pairs
        .into_iter()
        .map(|(k, v)| (k, Loaded::new(v)))
        .collect()
}

/// Groups `(parent id, item)` rows, already in order, into lists per requested key (rows of parents no
/// key asked for are dropped). Several keys may share a parent (`parent_of`), as when two selections
/// ask different text forms of one term's sections: each gets the parent's whole list, moved to the
/// last of them and copied for the others; a parent with one key, the usual case, is never copied.
fn group<K, V>(
    keys: &[K],
    rows: impl IntoIterator<Item = (i64, V)>,
    parent_of: impl Fn(&K) -> i64,
) -> HashMap<K, Loaded<Vec<V>>>
where
    K: std::hash::Hash + Eq + Clone,
    V: Clone,
{
    // Per parent: its rows, and how many keys still want them.
    let mut by_parent: HashMap<i64, (Vec<V>, usize)> = HashMap::with_capacity(keys.len());
    for key in keys {
        by_parent.entry(parent_of(key)).or_default().1 += 1;
    }
    for (parent, item) in rows {
        if let Some((items, _)) = by_parent.get_mut(&parent) {
            items.push(item);
        }
    }
    let mut grouped = HashMap::with_capacity(keys.len());
    for key in keys {
        let parent = parent_of(key);
        let Some((items, wanted)) = by_parent.get_mut(&parent) else {
            // Not reached: every key was counted into `wanted` above, so its parent's entry stays
            // until the last key that wants it has taken it.
            continue;
        };
        *wanted -= 1;
        let items = if *wanted == 0 {
            by_parent
                .remove(&parent)
                .map(|(items, _)| items)
                .unwrap_or_default()
        } else {
            items.clone()
        };
        grouped.insert(key.clone(), items);
    }
    loaded(grouped)
}

impl Loader<TermById> for ContentLoader {
    type Value = Loaded<term::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[TermById]) -> LoadResult<TermById, term::Model> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let found = terms::by_ids(&self.db, Visibility::public(), &ids).await?;
        Ok(loaded(found.into_iter().map(|t| (TermById(t.id), t))))
    }
}

/// A batch's terms by slug, hashed with foldhash (seeded per process, as SipHash is, and several times
/// faster on short keys): a term page's batch looks each of its slugs up a few times.
type TermsBySlug = HashMap<String, term::Model, foldhash::fast::RandomState>;

/// Terms by current slug, then by old slug for the slugs that matched none: one SQL statement, two when a
/// renamed term's old slug is asked for. The term comes back under the slug that was asked.
async fn terms_by_slug(
    db: &DatabaseConnection,
    visibility: Visibility,
    slugs: Vec<String>,
) -> Result<HashMap<String, term::Model>, async_graphql::Error> {
    let mut found: HashMap<String, term::Model> = terms::by_slugs(db, visibility, &slugs)
        .await?
        .into_iter()
        .map(|t| (t.slug.clone(), t))
        .collect();
    let missing: Vec<String> = slugs
        .into_iter()
        .filter(|s| !found.contains_key(s))
        .collect();
    if !missing.is_empty() {
        found.extend(terms::by_old_slugs(db, visibility, &missing).await?);
    }
    Ok(found)
}

/// The terms and the lists their keys show, in one round ([`term_pages::by_slugs`]: two statements at
/// once on SQLite), each list read with the union of the forms or columns the keys ask, and no second batch
/// wait ([`super::term_page`]). A slug that is no term's current slug is then looked up among old
/// slugs (one more statement), and the lists of the renamed terms found are read by id (one more round),
/// for links to renamed terms only. A list whose statement fails is left unread, and its field then asks
/// its own loader, which reports the error at that field.
impl Loader<TermPageBySlug> for ContentLoader {
    type Value = Loaded<TermPage>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[TermPageBySlug]) -> LoadResult<TermPageBySlug, TermPage> {
        let visibility = Visibility::public();
        let slugs: Vec<String> = keys.iter().map(|k| k.slug.clone()).collect();
        let wanted = PagesWanted::of(keys);
        let (found, mut lists) = term_pages::by_slugs(
            &self.db,
            visibility,
            &slugs,
            wanted.term_columns,
            wanted.by_slug(),
        )
        .await?;
        let mut terms: TermsBySlug = found.into_iter().map(|t| (t.slug.clone(), t)).collect();
        let mut missing: Vec<String> = slugs
            .into_iter()
            .filter(|s| !terms.contains_key(s))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if !missing.is_empty() {
            let renamed: TermsBySlug = terms::by_old_slugs(&self.db, visibility, &missing)
                .await?
                .into_iter()
                .collect();
            if !renamed.is_empty() {
                let ids = wanted.renamed_ids(&renamed, &terms);
                lists.extend(term_pages::lists(&self.db, visibility, wanted.by_id(&ids)).await);
            }
            terms.extend(renamed);
        }
        let (bodies, answers, columns) = (wanted.bodies, wanted.answers, wanted.columns);
        // By the index of each key: its term's id, when found.
        let ids: Vec<Option<i64>> = keys
            .iter()
            .map(|k| terms.get(&k.slug).map(|t| t.id))
            .collect();
        let term_of = |at: &usize| ids[*at].unwrap_or_default();
        // The keys (by index) whose term was found and that ask for a list.
        let asking = |wants: fn(&PageLists) -> bool| -> Vec<usize> {
            (0..keys.len())
                .filter(|&at| ids[at].is_some() && wants(&keys[at].lists))
                .collect()
        };
        let mut sections = lists.sections.map(|rows| {
            group(
                &asking(|l| l.sections.is_some()),
                rows.into_iter().map(|s| (s.term_id, s)),
                term_of,
            )
        });
        let mut faqs = lists.faqs.map(|rows| {
            group(
                &asking(|l| l.faqs.is_some()),
                rows.into_iter().map(|f| (f.term_id, f)),
                term_of,
            )
        });
        let mut related = lists
            .related_terms
            .map(|rows| group(&asking(|l| l.related_terms.is_some()), rows, term_of));
        let mut categories = lists
            .categories
            .map(|rows| group(&asking(|l| l.categories), rows, term_of));
        // Keys sharing a slug (concurrent selections asking different lists) each get the term: moved
        // to the last of them, copied for the others.
        let mut wanted: HashMap<&str, usize, _> =
            HashMap::with_capacity_and_hasher(keys.len(), foldhash::fast::RandomState::default());
        for (key, id) in keys.iter().zip(&ids) {
            if id.is_some() {
                *wanted.entry(key.slug.as_str()).or_default() += 1;
            }
        }
        let mut pages = HashMap::with_capacity(wanted.len());
        for (at, key) in keys.iter().enumerate() {
            let Some(left) = wanted.get_mut(key.slug.as_str()) else {
                continue;
            };
            *left -= 1;
            let term = if *left == 0 {
                terms.remove(&key.slug)
            } else {
                terms.get(&key.slug).cloned()
            };
            let Some(term) = term else { continue };
            let lists = PageListsRead {
                sections: key
                    .lists
                    .sections
                    .and(taken(&mut sections, at))
                    .map(|l| (bodies, l)),
                faqs: key
                    .lists
                    .faqs
                    .and(taken(&mut faqs, at))
                    .map(|l| (answers, l)),
                related_terms: key
                    .lists
                    .related_terms
                    .and(taken(&mut related, at))
                    .map(|l| (columns, l)),
                categories: taken(&mut categories, at),
            };
            pages.insert(key.clone(), Loaded::new(TermPage { term, lists }));
        }
        Ok(pages)
    }
}

/// What a batch of term pages reads: per list, the slugs of the keys that show it, and the forms or
/// columns read (the union of what those keys ask).
struct PagesWanted {
    section_slugs: Vec<String>,
    faq_slugs: Vec<String>,
    related_slugs: Vec<String>,
    category_slugs: Vec<String>,
    bodies: TextForms,
    answers: TextForms,
    columns: ColumnSet,
    /// The columns of the terms' own rows: what the keys' selections read, and the slug, by which the
    /// rows are matched to the keys.
    term_columns: ColumnSet,
}

/// Per list, the ids of the terms whose rows it reads ([`PagesWanted::renamed_ids`]).
struct ListIds([Vec<i64>; 4]);

impl PagesWanted {
    fn of(keys: &[TermPageBySlug]) -> Self {
        let showing = |shows: fn(&PageLists) -> bool| -> Vec<String> {
            keys.iter()
                .filter(|k| shows(&k.lists))
                .map(|k| k.slug.clone())
                .collect()
        };
        Self {
            section_slugs: showing(|l| l.sections.is_some()),
            faq_slugs: showing(|l| l.faqs.is_some()),
            related_slugs: showing(|l| l.related_terms.is_some()),
            category_slugs: showing(|l| l.categories),
            bodies: TextForms::union_of(keys.iter().filter_map(|k| k.lists.sections)),
            answers: TextForms::union_of(keys.iter().filter_map(|k| k.lists.faqs)),
            columns: keys
                .iter()
                .filter_map(|k| k.lists.related_terms)
                .fold(ColumnSet::ID, ColumnSet::union),
            term_columns: keys
                .iter()
                .map(|k| k.columns)
                .fold(ColumnSet::of(&[term::Column::Slug]), ColumnSet::union),
        }
    }

    /// The lists, for the terms whose current slug a key showing them asked.
    fn by_slug(&self) -> ListsWanted<'_> {
        ListsWanted {
            sections: by_slug(&self.section_slugs).map(|p| (p, self.bodies)),
            faqs: by_slug(&self.faq_slugs).map(|p| (p, self.answers)),
            related_terms: by_slug(&self.related_slugs).map(|p| (p, self.columns)),
            categories: by_slug(&self.category_slugs),
        }
    }

    /// Per list, the terms `renamed` (by the old slug asked) found for keys that show it, but for
    /// those whose current slug such a key asked too: [`Self::by_slug`] read their rows already
    /// (`current` holds the terms found by current slug).
    fn renamed_ids(&self, renamed: &TermsBySlug, current: &TermsBySlug) -> ListIds {
        let ids = |list_slugs: &[String]| -> Vec<i64> {
            // A set, so that a batch of many old slugs costs no more than its length.
            let asked: HashSet<&str> = list_slugs.iter().map(String::as_str).collect();
            let mut ids: Vec<i64> = list_slugs
                .iter()
                .filter_map(|slug| renamed.get(slug))
                .filter(|t| !(current.contains_key(&t.slug) && asked.contains(t.slug.as_str())))
                .map(|t| t.id)
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        ListIds([
            ids(&self.section_slugs),
            ids(&self.faq_slugs),
            ids(&self.related_slugs),
            ids(&self.category_slugs),
        ])
    }

    /// The lists, for the terms `ids` names per list.
    fn by_id<'a>(&self, ids: &'a ListIds) -> ListsWanted<'a> {
        let [sections, faqs, related, categories] = &ids.0;
        ListsWanted {
            sections: by_id(sections).map(|p| (p, self.bodies)),
            faqs: by_id(faqs).map(|p| (p, self.answers)),
            related_terms: by_id(related).map(|p| (p, self.columns)),
            categories: by_id(categories),
        }
    }
}

/// Terms by these slugs, unless there are none.
fn by_slug(slugs: &[String]) -> Option<Parents<'_>> {
    (!slugs.is_empty()).then_some(Parents::Slugs(slugs))
}

/// Terms by these ids, unless there are none.
fn by_id(ids: &[i64]) -> Option<Parents<'_>> {
    (!ids.is_empty()).then_some(Parents::Ids(ids))
}

/// The list of the key at index `at`, taken out of a batch's grouped lists (`None` when the list was
/// not read).
fn taken<V: Clone>(
    lists: &mut Option<HashMap<usize, Loaded<Vec<V>>>>,
    at: usize,
) -> Option<Vec<V>> {
    lists
        .as_mut()
        .and_then(|lists| lists.remove(&at))
        .map(Loaded::into_inner)
}

impl Loader<AnyTermBySlug> for ContentLoader {
    type Value = Loaded<term::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[AnyTermBySlug]) -> LoadResult<AnyTermBySlug, term::Model> {
        let slugs = keys.iter().map(|k| k.0.clone()).collect();
        let found = terms_by_slug(&self.db, Visibility::Everything, slugs).await?;
        Ok(loaded(
            found.into_iter().map(|(slug, t)| (AnyTermBySlug(slug), t)),
        ))
    }
}

/// One statement for a batch whose keys may ask different text forms of the same term: it reads every
/// form any key asks, and each key gets its term's rows (moved to the last key of a term, copied for the
/// others: rare, since one selection asks one set of forms).
impl Loader<SectionsByTerm> for ContentLoader {
    type Value = Loaded<Vec<section::Model>>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[SectionsByTerm],
    ) -> LoadResult<SectionsByTerm, Vec<section::Model>> {
        let ids: Vec<i64> = keys.iter().map(|k| k.term).collect();
        let bodies = TextForms::union_of(keys.iter().map(|k| k.bodies));
        let rows = sections::by_term_ids(&self.db, &ids, bodies).await?;
        Ok(group(keys, rows.into_iter().map(|s| (s.term_id, s)), |k| {
            k.term
        }))
    }
}

/// One statement per batch, as for sections.
impl Loader<FaqsByTerm> for ContentLoader {
    type Value = Loaded<Vec<faq::Model>>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[FaqsByTerm]) -> LoadResult<FaqsByTerm, Vec<faq::Model>> {
        let ids: Vec<i64> = keys.iter().map(|k| k.term).collect();
        let answers = TextForms::union_of(keys.iter().map(|k| k.answers));
        let rows = faqs::by_term_ids(&self.db, &ids, answers).await?;
        Ok(group(keys, rows.into_iter().map(|f| (f.term_id, f)), |k| {
            k.term
        }))
    }
}

impl Loader<RelatedTermsByTerm> for ContentLoader {
    type Value = Loaded<Vec<term::Model>>;
    type Error = async_graphql::Error;

    /// One statement per set of columns asked for in the batch: one, unless concurrent selections differ.
    async fn load(
        &self,
        keys: &[RelatedTermsByTerm],
    ) -> LoadResult<RelatedTermsByTerm, Vec<term::Model>> {
        let mut by_columns: HashMap<term_columns::ColumnSet, Vec<RelatedTermsByTerm>> =
            HashMap::new();
        for key in keys {
            by_columns.entry(key.columns).or_default().push(*key);
        }
        let mut grouped = HashMap::with_capacity(keys.len());
        for (columns, keys) in by_columns {
            let ids: Vec<i64> = keys.iter().map(|k| k.term).collect();
            let rows =
                relations::related_by_term_ids(&self.db, Visibility::public(), &ids, columns)
                    .await?;
            grouped.extend(group(&keys, rows, |k| k.term));
        }
        Ok(grouped)
    }
}

impl Loader<CategoriesByTerm> for ContentLoader {
    type Value = Loaded<Vec<category::Model>>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[CategoriesByTerm],
    ) -> LoadResult<CategoriesByTerm, Vec<category::Model>> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let rows = categories::by_term_ids(&self.db, &ids).await?;
        Ok(group(keys, rows, |k| k.0))
    }
}

impl Loader<AliasesByTerm> for ContentLoader {
    type Value = Loaded<Vec<String>>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[AliasesByTerm]) -> LoadResult<AliasesByTerm, Vec<String>> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let rows = aliases::by_term_ids(&self.db, &ids).await?;
        Ok(group(keys, rows, |k| k.0))
    }
}

impl Loader<CategoryById> for ContentLoader {
    type Value = Loaded<category::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[CategoryById]) -> LoadResult<CategoryById, category::Model> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let found = categories::by_ids(&self.db, &ids).await?;
        Ok(loaded(found.into_iter().map(|c| (CategoryById(c.id), c))))
    }
}

impl Loader<CategoryBySlug> for ContentLoader {
    type Value = Loaded<category::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[CategoryBySlug]) -> LoadResult<CategoryBySlug, category::Model> {
        let slugs: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        let found = categories::by_slugs(&self.db, &slugs).await?;
        Ok(loaded(
            found
                .into_iter()
                .map(|c| (CategoryBySlug(c.slug.clone()), c)),
        ))
    }
}

impl Loader<SectionById> for ContentLoader {
    type Value = Loaded<section::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[SectionById]) -> LoadResult<SectionById, section::Model> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let found = sections::visible_by_ids(&self.db, Visibility::public(), &ids).await?;
        Ok(loaded(found.into_iter().map(|s| (SectionById(s.id), s))))
    }
}

impl Loader<FaqById> for ContentLoader {
    type Value = Loaded<faq::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[FaqById]) -> LoadResult<FaqById, faq::Model> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let found = faqs::visible_by_ids(&self.db, Visibility::public(), &ids).await?;
        Ok(loaded(found.into_iter().map(|f| (FaqById(f.id), f))))
    }
}

#[cfg(test)]
mod tests {
    use super::{FaqsByTerm, Loaded, TextForms, group};

    #[test]
    fn keys_sharing_a_term_each_get_its_whole_list() {
        let html = |term| FaqsByTerm {
            term,
            answers: TextForms::HTML,
        };
        let none = |term| FaqsByTerm {
            term,
            answers: TextForms::NONE,
        };
        let keys = [html(1), none(1), html(2), html(3)];
        let rows = [(1, "a"), (1, "b"), (3, "c"), (9, "not asked")];
        let grouped = group(&keys, rows, |k| k.term);
        assert_eq!(grouped.len(), 4);
        assert_eq!(*grouped[&html(1)], ["a", "b"]);
        assert_eq!(*grouped[&none(1)], ["a", "b"]);
        assert!(
            grouped[&html(2)].is_empty(),
            "a term without rows has an empty list"
        );
        assert_eq!(*grouped[&html(3)], ["c"]);
    }

    #[test]
    fn a_loaded_value_moves_out_when_alone_and_is_copied_when_shared() {
        let alone = Loaded::new(vec!["a".to_owned(), "b".to_owned()]);
        let address = alone[0].as_ptr();
        let moved = alone.into_inner();
        assert_eq!(moved, ["a", "b"]);
        assert_eq!(moved[0].as_ptr(), address, "moved, not copied");

        let first = Loaded::new(vec!["c".to_owned()]);
        let second = first.clone();
        let copied = first.into_inner();
        assert_eq!(copied, ["c"]);
        assert_ne!(
            copied[0].as_ptr(),
            second[0].as_ptr(),
            "copied, the other holder keeps its value"
        );
        assert_eq!(second.into_inner(), ["c"]);
    }
}
