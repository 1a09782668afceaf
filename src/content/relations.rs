//! Reading "recommended" related terms.

use entity::{term, term_relation};
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Related, Statement,
};

use super::{
    packed_rows,
    sql_binds::Parents,
    statement_shapes::{self, Kind},
    term_columns::{ColumnSet, decode},
    visibility::Visibility,
};
use crate::error::Result;

/// For each of the given terms, its visible related terms in editorial order, as `(term id, related term)`
/// pairs ordered by term id and position, with the columns asked for. One SQL statement (the link table
/// joined to `term`).
///
/// The visibility rule sits in the LEFT JOIN's `ON`, not in `WHERE`: a `WHERE` on `term` lets the planner
/// turn the join around and walk every published term (SQLite does without statistics: 40 ms instead of 2 ms
/// for a 50-term page of a 2 000-term glossary). Kept in `ON`, the link table's `term_id` index drives the
/// query, and hidden terms come back as NULL and are skipped.
pub async fn related_by_term_ids(
    db: &impl ConnectionTrait,
    visibility: Visibility,
    term_ids: &[i64],
    columns: ColumnSet,
) -> Result<Vec<(i64, term::Model)>> {
    let (statement, width) = related_statement(
        db.get_database_backend(),
        visibility,
        Parents::Ids(term_ids),
        columns,
    );
    decode_related(packed_rows::fetch(db, statement, width).await?, columns)
}

/// The `(term id, related term)` pairs in the rows of [`related_statement`] read with `columns`; the
/// related terms the visibility rule hid are left out.
pub fn decode_related(
    rows: Vec<packed_rows::Row>,
    columns: ColumnSet,
) -> Result<Vec<(i64, term::Model)>> {
    packed_rows::decode_some_rows(rows, |mut row| -> Result<Option<(i64, term::Model)>> {
        // Position 0 is the parent's id, 1 the related term's (every set starts with it): NULL when the
        // visibility rule hid the related term.
        if row.is_null(1)? {
            return Ok(None);
        }
        let parent = row.take::<i64>(0)?;
        Ok(Some((parent, decode(&mut row, 1, columns)?)))
    })
}

/// The statement [`related_by_term_ids`] runs (before SQLite packs its rows), for terms by id or by
/// slug, and the number of values in its rows. The links are read from the index
/// `idx_term_relation_term_position_related` alone, then each related term by its id: on SQLite from
/// the index [`NAMES_INDEX`] alone when its slug and name are all the columns read, else from the
/// table. A test holds SQLite's plans to that.
pub fn related_statement(
    backend: DbBackend,
    visibility: Visibility,
    parents: Parents<'_>,
    columns: ColumnSet,
) -> (Statement, usize) {
    let kind = Kind::RelatedTerms(columns);
    statement_shapes::for_parents(kind, backend, visibility, parents, |visibility, parents| {
        let join = <term_relation::Entity as Related<term::Entity>>::to()
            .on_condition(move |_, _| visibility.term_condition());
        // The parent's id first, then the related term's columns in the order they are decoded.
        let select = columns.select(
            term_relation::Entity::find()
                .select_only()
                .column(term_relation::Column::TermId),
        );
        let mut statement = select
            .join(JoinType::LeftJoin, join)
            .filter(parents.condition(backend, term_relation::Column::TermId))
            .order_by_asc(term_relation::Column::TermId)
            .order_by_asc(term_relation::Column::Position)
            .build(backend);
        if backend == DbBackend::Sqlite && columns_in_names_index(columns) {
            statement.sql = names_from_index(statement.sql);
        }
        (statement, 1 + columns.count())
    })
}

/// The index holding a term's visibility, slug and name by its id (migration
/// `m20261130_000010_related_term_names_index`).
const NAMES_INDEX: &str = "idx_term_id_visibility_slug_name";

/// The join of [`related_statement`] as sea-query writes it, up to where an index is named.
const TERM_JOIN: &str = r#"LEFT JOIN "term""#;

/// Whether `columns` are all in [`NAMES_INDEX`]: the id, the slug and the name.
fn columns_in_names_index(columns: ColumnSet) -> bool {
    ColumnSet::of(&[term::Column::Slug, term::Column::Name]).covers(columns)
}

/// `sql` with its join to `term` reading [`NAMES_INDEX`] (`INDEXED BY`), on SQLite. The planner takes
/// that index by itself only with statistics, and without it a related term costs a table row: a page
/// of the file for a name, and the pages a term page reads pushed out of the connection's page cache
/// (docs/performance.md, "Related terms from an index"). A test holds the plan.
fn names_from_index(mut sql: String) -> String {
    if let Some(at) = sql.find(TERM_JOIN) {
        sql.insert_str(
            at + TERM_JOIN.len(),
            &format!(r#" INDEXED BY "{NAMES_INDEX}""#),
        );
    }
    sql
}
