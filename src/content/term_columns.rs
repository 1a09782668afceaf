//! Term rows read by position: the select list is written here in one fixed order and each row is decoded
//! in that same order, straight from the driver's row.
//!
//! sea-orm's derived decoding finds every value by its column's name (a hash lookup per value in sqlx) and
//! formats an error message for every NULL it reads into an `Option`: reading by position took a quarter
//! off the instructions of a 50-term list page with its related terms. Reading by position needs the
//! select list and the decoder to agree, so both walk [`ColumnSet::columns`] here, and a round-trip test
//! with a distinct value in every column proves the order on both engines.
//!
//! Rows come through [`packed_rows`], in one piece from SQLite.
//!
//! A [`ColumnSet`] also lets a list read only the columns its selection needs (sqlx copies every value it
//! reads): the GraphQL layer works the set out from the fields asked for.

use chrono::DateTime;
use entity::{TermStatus, term};
use sea_orm::{
    ActiveEnum, DbBackend, DbErr, IdenStatic, QuerySelect, QueryTrait, Select, Statement,
    sea_query::Expr,
};

use super::packed_rows::{self, Row};

/// Every column of `term`, in the order they are selected and decoded.
const ORDER: [term::Column; 20] = [
    term::Column::Id,
    term::Column::Slug,
    term::Column::Name,
    term::Column::SortKey,
    term::Column::Initial,
    term::Column::Title,
    term::Column::Status,
    term::Column::PublishedAt,
    term::Column::CreatedAt,
    term::Column::UpdatedAt,
    term::Column::Version,
    term::Column::ReadingTimeMinutes,
    term::Column::Definition,
    term::Column::DefinitionHtml,
    term::Column::SeoTitle,
    term::Column::SeoDescription,
    term::Column::CtaHeading,
    term::Column::CtaText,
    term::Column::CtaLabel,
    term::Column::CtaUrl,
];

/// Which columns of a term to read: one bit per column of [`ORDER`]. The id is always read. A column
/// left out comes back empty: an empty text, `None`, zero, the Unix epoch, and the status `Draft` (so
/// that a row whose status was not read is never taken for a public one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ColumnSet(u32);

impl ColumnSet {
    /// Every column.
    pub const ALL: Self = Self((1 << ORDER.len()) - 1);
    /// The id alone.
    pub const ID: Self = Self(1);

    /// The id and `columns`.
    pub fn of(columns: &[term::Column]) -> Self {
        columns.iter().fold(Self::ID, |set, column| {
            let at = ORDER
                .iter()
                .position(|c| c.as_str() == column.as_str())
                .expect("ORDER holds every column");
            Self(set.0 | 1 << at)
        })
    }

    /// The columns of both sets.
    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether this set reads every column `other` reads.
    pub fn covers(self, other: Self) -> bool {
        self.union(other) == self
    }

    /// How many columns are read (at least one: the id).
    pub fn count(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The columns read, in select-list order.
    pub fn columns(self) -> impl Iterator<Item = term::Column> {
        ORDER
            .into_iter()
            .enumerate()
            .filter(move |(at, _)| self.0 & (1 << at) != 0)
            .map(|(_, column)| column)
    }

    /// Appends this set's columns to a select list, in the order [`decode`] reads them. Each is named
    /// as `"term"."column"`: `QuerySelect::column` would build the column's whole definition, for every
    /// column of every statement, only to find that none of `term`'s needs a cast.
    pub fn select<S: QuerySelect>(self, mut select: S) -> S {
        for column in self.columns() {
            select = select.expr(Expr::col((term::Entity, column)));
        }
        select
    }
}

/// Every term of a query on `term`, decoded by position: its select list replaced by every column in
/// decoding order.
pub async fn all(
    select: Select<term::Entity>,
    db: &impl sea_orm::ConnectionTrait,
) -> Result<Vec<term::Model>, DbErr> {
    read(select, ColumnSet::ALL, db).await
}

/// Every term of a query on `term` with the columns of `set` (the rest as [`unread`] has them): its
/// select list replaced by those columns in decoding order, its rows fetched in one piece on SQLite.
pub async fn read(
    select: Select<term::Entity>,
    set: ColumnSet,
    db: &impl sea_orm::ConnectionTrait,
) -> Result<Vec<term::Model>, DbErr> {
    let (statement, width) = statement(select, set, db.get_database_backend());
    decode_terms(packed_rows::fetch(db, statement, width).await?, set)
}

/// The statement [`read`] runs (before SQLite packs its rows) and the number of values in its rows.
pub fn statement(
    select: Select<term::Entity>,
    set: ColumnSet,
    backend: DbBackend,
) -> (Statement, usize) {
    (set.select(select.select_only()).build(backend), set.count())
}

/// The terms in the rows of [`statement`] with the same set.
pub fn decode_terms(rows: Vec<Row>, set: ColumnSet) -> Result<Vec<term::Model>, DbErr> {
    packed_rows::decode_rows(rows, |mut row| decode(&mut row, 0, set))
}

/// Decodes the term whose columns start at position `first` of `row`, selected by
/// [`ColumnSet::select`] with the same set.
pub fn decode(row: &mut Row, first: usize, set: ColumnSet) -> Result<term::Model, DbErr> {
    let mut term = unread();
    // The same order as the select list: both walk `set.columns()`.
    for (at, column) in (first..).zip(set.columns()) {
        match column {
            term::Column::Id => term.id = row.take(at)?,
            term::Column::Slug => term.slug = row.take(at)?,
            term::Column::Name => term.name = row.take(at)?,
            term::Column::SortKey => term.sort_key = row.take(at)?,
            term::Column::Initial => term.initial = row.take(at)?,
            term::Column::Title => term.title = row.take(at)?,
            term::Column::Definition => term.definition = row.take(at)?,
            term::Column::DefinitionHtml => term.definition_html = row.take(at)?,
            term::Column::Status => {
                term.status = TermStatus::try_from_value(&row.take::<String>(at)?)?
            }
            term::Column::PublishedAt => term.published_at = row.take(at)?,
            term::Column::CreatedAt => term.created_at = row.take(at)?,
            term::Column::UpdatedAt => term.updated_at = row.take(at)?,
            term::Column::Version => term.version = row.take(at)?,
            term::Column::ReadingTimeMinutes => term.reading_time_minutes = row.take(at)?,
            term::Column::SeoTitle => term.seo_title = row.take(at)?,
            term::Column::SeoDescription => term.seo_description = row.take(at)?,
            term::Column::CtaHeading => term.cta_heading = row.take(at)?,
            term::Column::CtaText => term.cta_text = row.take(at)?,
            term::Column::CtaLabel => term.cta_label = row.take(at)?,
            term::Column::CtaUrl => term.cta_url = row.take(at)?,
        }
    }
    Ok(term)
}

/// A term with no column read: what [`decode`] fills in with the columns of its set.
pub fn unread() -> term::Model {
    term::Model {
        id: 0,
        slug: String::new(),
        name: String::new(),
        sort_key: String::new(),
        initial: String::new(),
        title: String::new(),
        definition: String::new(),
        definition_html: String::new(),
        status: TermStatus::Draft,
        published_at: None,
        created_at: DateTime::UNIX_EPOCH,
        updated_at: DateTime::UNIX_EPOCH,
        version: 0,
        reading_time_minutes: 0,
        seo_title: None,
        seo_description: None,
        cta_heading: None,
        cta_text: None,
        cta_label: None,
        cta_url: None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use sea_orm::Iterable;

    use super::*;

    #[test]
    fn select_list_is_the_one_sea_orm_writes() {
        use sea_orm::{DbBackend, EntityTrait};
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            for column in term::Column::iter().filter(|c| c.as_str() != "id") {
                let ours = ColumnSet::of(&[column])
                    .select(term::Entity::find().select_only())
                    .build(backend)
                    .to_string();
                let theirs = term::Entity::find()
                    .select_only()
                    .column(term::Column::Id)
                    .column(column)
                    .build(backend)
                    .to_string();
                assert_eq!(ours, theirs, "{backend:?}");
            }
        }
    }

    #[test]
    fn every_column_is_read_once() {
        let all: Vec<_> = ColumnSet::ALL.columns().collect();
        let distinct: HashSet<String> = all
            .iter()
            .map(|c| sea_orm::IdenStatic::as_str(c).to_owned())
            .collect();
        assert_eq!(all.len(), term::Column::iter().count());
        assert_eq!(distinct.len(), all.len());
        let some: Vec<&str> = ColumnSet::of(&[term::Column::Name, term::Column::Slug])
            .columns()
            .map(|c| c.as_str())
            .collect();
        assert_eq!(some, ["id", "slug", "name"]);
        assert_eq!(ColumnSet::ID.union(ColumnSet::ALL), ColumnSet::ALL);
    }
}
