//! Term rows read by position: the select list is written here in one fixed order and each row is decoded
//! in that same order, straight from the driver's row.
//!
//! sea-orm's derived decoding finds every value by its column's name (a hash lookup per value in sqlx) and
//! formats an error message for every NULL it reads into an `Option`: reading by position took a quarter
//! off the instructions of a 50-term list page with its related terms. Reading by position needs the
//! select list and the decoder to agree, so both walk [`ColumnSet::columns`] here, and a round-trip test
//! with a distinct value in every column proves the order on both engines.
//!
//! A [`ColumnSet`] also lets a list read only the columns its selection needs (sqlx copies every value it
//! reads): the GraphQL layer works the set out from the fields asked for.

use chrono::{DateTime, Utc};
use entity::{TermStatus, term};
use sea_orm::{
    ActiveEnum, DbErr, IdenStatic, QueryResult, QuerySelect, QueryTrait, Select,
    sea_query::Expr,
    sqlx::{ColumnIndex, Decode, Row, Type},
};

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
/// select list replaced by those columns in decoding order.
pub async fn read(
    select: Select<term::Entity>,
    set: ColumnSet,
    db: &impl sea_orm::ConnectionTrait,
) -> Result<Vec<term::Model>, DbErr> {
    let backend = db.get_database_backend();
    let statement = set.select(select.select_only()).build(backend);
    db.query_all_raw(statement)
        .await?
        .iter()
        .map(|row| decode(row, 0, set))
        .collect()
}

/// Decodes the term whose columns start at position `first` of `row`, selected by
/// [`ColumnSet::select`] with the same set.
pub fn decode(row: &QueryResult, first: usize, set: ColumnSet) -> Result<term::Model, DbErr> {
    if let Some(row) = row.try_as_sqlite_row() {
        decode_row(row, first, set)
    } else if let Some(row) = row.try_as_pg_row() {
        decode_row(row, first, set)
    } else {
        Err(DbErr::Type(
            "term rows are read from SQLite or PostgreSQL only".into(),
        ))
    }
}

/// Whether the value at position `at` of `row` is NULL: a LEFT JOIN's missing side.
pub fn is_null(row: &QueryResult, at: usize) -> Result<bool, DbErr> {
    let id: Option<i64> = if let Some(row) = row.try_as_sqlite_row() {
        Columns { row, at }.next()?
    } else if let Some(row) = row.try_as_pg_row() {
        Columns { row, at }.next()?
    } else {
        return Err(DbErr::Type(
            "term rows are read from SQLite or PostgreSQL only".into(),
        ));
    };
    Ok(id.is_none())
}

/// Reads a row's values one position after another.
struct Columns<'r, R> {
    row: &'r R,
    at: usize,
}

impl<'r, R> Columns<'r, R>
where
    R: Row,
    usize: ColumnIndex<R>,
{
    /// The value at the current position, then moves on.
    fn next<T>(&mut self) -> Result<T, DbErr>
    where
        T: Decode<'r, R::Database> + Type<R::Database>,
    {
        let at = self.at;
        self.at += 1;
        self.row.try_get(at).map_err(|e| {
            DbErr::Type(format!(
                "term column {} (position {at}): {e}",
                self.row
                    .columns()
                    .get(at)
                    .map_or("?", |c| sea_orm::sqlx::Column::name(c))
            ))
        })
    }
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

/// [`decode`] on the driver's row.
fn decode_row<'r, R>(row: &'r R, first: usize, set: ColumnSet) -> Result<term::Model, DbErr>
where
    R: Row,
    usize: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    i32: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: Decode<'r, R::Database> + Type<R::Database>,
{
    let mut c = Columns { row, at: first };
    let mut term = unread();
    // The same order as the select list: both walk `set.columns()`.
    for column in set.columns() {
        match column {
            term::Column::Id => term.id = c.next()?,
            term::Column::Slug => term.slug = c.next()?,
            term::Column::Name => term.name = c.next()?,
            term::Column::SortKey => term.sort_key = c.next()?,
            term::Column::Initial => term.initial = c.next()?,
            term::Column::Title => term.title = c.next()?,
            term::Column::Definition => term.definition = c.next()?,
            term::Column::DefinitionHtml => term.definition_html = c.next()?,
            term::Column::Status => term.status = TermStatus::try_from_value(&c.next::<String>()?)?,
            term::Column::PublishedAt => term.published_at = c.next()?,
            term::Column::CreatedAt => term.created_at = c.next()?,
            term::Column::UpdatedAt => term.updated_at = c.next()?,
            term::Column::Version => term.version = c.next()?,
            term::Column::ReadingTimeMinutes => term.reading_time_minutes = c.next()?,
            term::Column::SeoTitle => term.seo_title = c.next()?,
            term::Column::SeoDescription => term.seo_description = c.next()?,
            term::Column::CtaHeading => term.cta_heading = c.next()?,
            term::Column::CtaText => term.cta_text = c.next()?,
            term::Column::CtaLabel => term.cta_label = c.next()?,
            term::Column::CtaUrl => term.cta_url = c.next()?,
        }
    }
    Ok(term)
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
