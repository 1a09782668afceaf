//! Term pages read in one round: the terms by slug and the lists their pages show (sections, FAQ
//! entries, related terms, categories), with the lists' own statements, each naming its terms by slug
//! ([`Parents::Slugs`]) rather than by the ids the term's statement finds, so that none waits for
//! another: on SQLite the five statements go to two connections' threads as two
//! ([`packed_rows::fetch_together`]), on PostgreSQL they run at once on the pool. Read one after the
//! other, a page waited for the term's statement and then for its lists' (docs/performance.md, "A
//! term page in one round").
//!
//! The lists are read for every term with one of the slugs, whatever its status: the caller keeps the
//! rows of the terms [`by_slugs`] found through the visibility rule and drops the rest. Terms found by
//! an old slug have their lists read by id afterwards ([`lists`]).

use entity::{category, faq, section, term};
use sea_orm::{ConnectionTrait, DbErr};

use super::{
    categories, faqs, packed_rows, relations, sections,
    sql_binds::Parents,
    term_columns::{self, ColumnSet},
    terms,
    text_forms::TextForms,
    visibility::Visibility,
};
use crate::error::Result;

/// The lists to read, each for the terms whose pages show it (`None`: no page shows it), with the
/// text forms or columns it reads.
#[derive(Clone, Copy, Debug, Default)]
pub struct ListsWanted<'a> {
    /// The sections, with the forms of their bodies.
    pub sections: Option<(Parents<'a>, TextForms)>,
    /// The FAQ entries, with the forms of their answers.
    pub faqs: Option<(Parents<'a>, TextForms)>,
    /// The related terms, with their columns.
    pub related_terms: Option<(Parents<'a>, ColumnSet)>,
    /// The categories.
    pub categories: Option<Parents<'a>>,
}

/// The rows of the lists read, in order by term then position, each tagged with its term's id.
/// A list is empty when it was not asked for, and `None` when its statement failed (logged): its
/// fields then read it on their own and report the error there.
#[derive(Debug)]
pub struct ListsRead {
    /// Sections.
    pub sections: Option<Vec<section::Model>>,
    /// FAQ entries.
    pub faqs: Option<Vec<faq::Model>>,
    /// `(term id, related term)` pairs, the related terms hidden by the visibility rule left out.
    pub related_terms: Option<Vec<(i64, term::Model)>>,
    /// `(term id, category)` pairs.
    pub categories: Option<Vec<(i64, category::Model)>>,
}

impl Default for ListsRead {
    fn default() -> Self {
        Self {
            sections: Some(Vec::new()),
            faqs: Some(Vec::new()),
            related_terms: Some(Vec::new()),
            categories: Some(Vec::new()),
        }
    }
}

impl ListsRead {
    /// Adds the rows of `more`, read for other terms, after these: a list either read failed for is
    /// `None`.
    pub fn extend(&mut self, more: ListsRead) {
        fn join<T>(list: &mut Option<Vec<T>>, more: Option<Vec<T>>) {
            match (list.as_mut(), more) {
                (Some(list), Some(more)) => list.extend(more),
                _ => *list = None,
            }
        }
        join(&mut self.sections, more.sections);
        join(&mut self.faqs, more.faqs);
        join(&mut self.related_terms, more.related_terms);
        join(&mut self.categories, more.categories);
    }
}

/// How many batches of term pages ([`by_slugs`]) may read at once over `db`'s pool, at least one:
/// one per connection on SQLite, one per five on PostgreSQL (the five statements of a batch run at
/// once there). On SQLite a batch's two statements take both connections for a while, but part of a
/// batch's time is spent decoding its rows on tokio's workers, when a second batch reads: two slots
/// did 3% and 13% more term pages a second than one at 32 and 256 connections (docs/performance.md,
/// "Term pages batched without a timer"). More would only queue for connections, and a batch that
/// waits for a slot gathers more pages instead.
pub fn batches_at_once(db: &sea_orm::DatabaseConnection) -> usize {
    let (connections, per_batch) = match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => (
            db.get_sqlite_connection_pool()
                .options()
                .get_max_connections(),
            1,
        ),
        _ => (
            db.get_postgres_connection_pool()
                .options()
                .get_max_connections(),
            5,
        ),
    };
    (connections as usize / per_batch).max(1)
}

/// The visible terms among `slugs` (current slugs only, in no particular order), with `columns` of
/// their rows (the others left empty, as [`term_columns::decode`] leaves them), and the lists `lists`
/// names, all read in one round: two SQL statements at once on SQLite, one per list and one for the
/// terms, at once, on PostgreSQL. `visibility` decides which terms are found and which related terms show.
pub async fn by_slugs(
    db: &impl ConnectionTrait,
    visibility: Visibility,
    slugs: &[String],
    columns: ColumnSet,
    lists: ListsWanted<'_>,
) -> Result<(Vec<term::Model>, ListsRead)> {
    let backend = db.get_database_backend();
    let Some(term_statement) = terms::by_slugs_statement(backend, visibility, slugs, columns)
    else {
        // No slug is well-formed: no term has any of them, so none has lists either.
        return Ok((Vec::new(), ListsRead::default()));
    };
    let (term_rows, lists) = read(db, visibility, Some(term_statement), lists).await;
    let term_rows = term_rows.unwrap_or_else(|| Err(DbErr::Custom("no term statement ran".into())));
    let found = term_columns::decode_terms(term_rows?, columns)?;
    Ok((found, lists))
}

/// The lists `lists` names, on their own (for terms already found, by id): up to two SQL statements
/// at once on SQLite, one per list at once on PostgreSQL.
pub async fn lists(
    db: &impl ConnectionTrait,
    visibility: Visibility,
    lists: ListsWanted<'_>,
) -> ListsRead {
    read(db, visibility, None, lists).await.1
}

/// Runs `term` (the terms' statement, if any) and the statements of the lists wanted together, then
/// decodes each list's rows.
async fn read(
    db: &impl ConnectionTrait,
    visibility: Visibility,
    term: Option<(sea_orm::Statement, usize)>,
    lists: ListsWanted<'_>,
) -> (
    Option<std::result::Result<Vec<packed_rows::Row>, DbErr>>,
    ListsRead,
) {
    let backend = db.get_database_backend();
    let has_term = term.is_some();
    // Two statements on SQLite, at once on two connections, each about half of SQLite's work (timed
    // over a batch of 15 pages of the benchmark's pack: the sections, most of the bytes, 0.16 ms, the
    // term and the categories 0.04 ms each; the related terms, a lookup each, 0.15 ms, the FAQ entries
    // 0.07 ms). One statement for all five leaves the second core idle while SQLite reads a batch
    // (docs/performance.md, "A term page in one round", has the two measured side by side). In this
    // order, and taken back out of the outcomes in the same order below.
    let first: Vec<_> = term
        .into_iter()
        .chain(
            lists
                .sections
                .map(|(parents, bodies)| sections::list_statement(backend, parents, bodies)),
        )
        .chain(
            lists
                .categories
                .map(|parents| categories::list_statement(backend, parents)),
        )
        .collect();
    let second: Vec<_> = lists
        .faqs
        .map(|(parents, answers)| faqs::list_statement(backend, parents, answers))
        .into_iter()
        .chain(lists.related_terms.map(|(parents, columns)| {
            relations::related_statement(backend, visibility, parents, columns)
        }))
        .collect();
    let (first, second) = futures_util::join!(
        packed_rows::fetch_together(db, first),
        packed_rows::fetch_together(db, second)
    );
    let (mut first, mut second) = (first.into_iter(), second.into_iter());
    let term_rows = if has_term { first.next() } else { None };
    let section_rows = next_rows(&mut first, "sections", lists.sections.is_some());
    let category_rows = next_rows(&mut first, "categories", lists.categories.is_some());
    let faq_rows = next_rows(&mut second, "FAQ entries", lists.faqs.is_some());
    let related_rows = next_rows(&mut second, "related terms", lists.related_terms.is_some());
    let bodies = lists.sections.map_or(TextForms::NONE, |(_, bodies)| bodies);
    let answers = lists.faqs.map_or(TextForms::NONE, |(_, answers)| answers);
    let columns = lists
        .related_terms
        .map_or(ColumnSet::ID, |(_, columns)| columns);
    let read = ListsRead {
        sections: decoded("sections", section_rows, |rows| {
            sections::decode(rows, bodies)
        }),
        faqs: decoded("FAQ entries", faq_rows, |rows| faqs::decode(rows, answers)),
        related_terms: decoded("related terms", related_rows, |rows| {
            relations::decode_related(rows, columns)
        }),
        categories: decoded("categories", category_rows, categories::decode_links),
    };
    (term_rows, read)
}

/// The rows of the next list in `outcomes`, when the list was `wanted` (else none, and nothing is
/// taken); `None` when its statement failed (logged).
fn next_rows(
    outcomes: &mut impl Iterator<Item = std::result::Result<Vec<packed_rows::Row>, DbErr>>,
    what: &str,
    wanted: bool,
) -> Option<Vec<packed_rows::Row>> {
    if !wanted {
        return Some(Vec::new());
    }
    match outcomes.next()? {
        Ok(rows) => Some(rows),
        Err(error) => {
            tracing::warn!(
                ?error,
                "reading the {what} of term pages failed; their fields read them again"
            );
            None
        }
    }
}

/// A list's rows decoded by `decode`; `None` when they were not read or cannot be decoded (logged).
fn decoded<T>(
    what: &str,
    rows: Option<Vec<packed_rows::Row>>,
    decode: impl FnOnce(Vec<packed_rows::Row>) -> Result<Vec<T>>,
) -> Option<Vec<T>> {
    match decode(rows?) {
        Ok(list) => Some(list),
        Err(error) => {
            tracing::warn!(
                ?error,
                "the {what} of term pages cannot be decoded; their fields read them again"
            );
            None
        }
    }
}
