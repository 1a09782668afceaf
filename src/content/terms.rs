//! Looking terms up by id or slug, always through the visibility rule.

use std::collections::HashMap;

use entity::{term, term_slug_alias};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    Statement,
};

use super::{
    pack::is_valid_slug,
    packed_rows,
    sql_binds::{id_in, text_in},
    statement_shapes::{self, Kind, Varying},
    term_columns::{self, ColumnSet},
    visibility::Visibility,
};
use crate::error::Result;

/// The visible terms among `ids`, in no particular order. One SQL statement.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    visibility: Visibility,
    ids: &[i64],
) -> Result<Vec<term::Model>> {
    let select = term::Entity::find()
        .filter(visibility.term_condition())
        .filter(id_in(db.get_database_backend(), term::Column::Id, ids));
    Ok(term_columns::all(select, db).await?)
}

/// The visible terms among `ids`, by id: for callers that put them back in an order of their own.
/// One SQL statement.
pub async fn by_id_map(
    db: &impl ConnectionTrait,
    visibility: Visibility,
    ids: &[i64],
) -> Result<HashMap<i64, term::Model>> {
    Ok(by_ids(db, visibility, ids)
        .await?
        .into_iter()
        .map(|term| (term.id, term))
        .collect())
}

/// The slugs among `slugs` that some row could have: a malformed one (too long, a NUL byte, spaces)
/// matches nothing, so it never reaches the database.
pub(crate) fn possible_slugs(slugs: &[String]) -> impl Iterator<Item = String> + '_ {
    slugs.iter().filter(|slug| is_valid_slug(slug)).cloned()
}

/// The visible terms among `slugs`, in no particular order. One SQL statement (none when no slug is
/// well-formed).
pub async fn by_slugs(
    db: &impl ConnectionTrait,
    visibility: Visibility,
    slugs: &[String],
) -> Result<Vec<term::Model>> {
    let Some((statement, width)) =
        by_slugs_statement(db.get_database_backend(), visibility, slugs, ColumnSet::ALL)
    else {
        return Ok(Vec::new());
    };
    let rows = packed_rows::fetch(db, statement, width).await?;
    Ok(term_columns::decode_terms(rows, ColumnSet::ALL)?)
}

/// The statement [`by_slugs`] runs (before SQLite packs its rows), reading `columns`
/// ([`term_columns::decode_terms`] with the same set reads its rows; [`by_slugs`] reads them all), and
/// the number of values in its rows; `None` when no slug is well-formed.
pub fn by_slugs_statement(
    backend: DbBackend,
    visibility: Visibility,
    slugs: &[String],
    columns: ColumnSet,
) -> Option<(Statement, usize)> {
    let slugs: Vec<String> = possible_slugs(slugs).collect();
    if slugs.is_empty() {
        return None;
    }
    let varying = Varying {
        slugs: &slugs,
        visibility,
    };
    Some(statement_shapes::statement(
        Kind::TermsBySlug(columns),
        backend,
        varying,
        |v| {
            let select = term::Entity::find()
                .filter(v.visibility.term_condition())
                .filter(text_in(backend, term::Column::Slug, v.slugs));
            term_columns::statement(select, columns, backend)
        },
    ))
}

/// The visible terms that once had one of `slugs` and were renamed, as `(old slug, term)`. One SQL
/// statement (none when no slug is well-formed).
pub async fn by_old_slugs(
    db: &impl ConnectionTrait,
    visibility: Visibility,
    slugs: &[String],
) -> Result<Vec<(String, term::Model)>> {
    let slugs: Vec<String> = possible_slugs(slugs).collect();
    if slugs.is_empty() {
        return Ok(Vec::new());
    }
    let rows = term_slug_alias::Entity::find()
        .find_also_related(term::Entity)
        .filter(text_in(
            db.get_database_backend(),
            term_slug_alias::Column::Slug,
            &slugs,
        ))
        .filter(visibility.term_condition())
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(alias, term)| term.map(|term| (alias.slug, term)))
        .collect())
}

/// How many terms exist in any status: zero means a fresh database.
pub async fn count_all(db: &impl ConnectionTrait) -> Result<u64> {
    Ok(term::Entity::find().count(db).await?)
}

/// How many slugs one `IN (…)` list carries: far below every engine's bind-parameter limit.
const SLUGS_PER_QUERY: usize = 500;

/// Ids of the stored terms among `slugs`, in any status: for writes that must know what exists (an import
/// checking for taken slugs and resolving related slugs). One statement per 500 slugs.
pub async fn ids_by_slug_any_status(
    db: &impl ConnectionTrait,
    slugs: &[String],
) -> Result<HashMap<String, i64>> {
    let mut found = HashMap::new();
    for chunk in slugs.chunks(SLUGS_PER_QUERY) {
        let rows: Vec<(i64, String)> = term::Entity::find()
            .select_only()
            .column(term::Column::Id)
            .column(term::Column::Slug)
            .filter(term::Column::Slug.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows.into_iter().map(|(id, slug)| (slug, id)));
    }
    Ok(found)
}

/// Terms whose scheduled publication time fell in `(after, until]`: published, with a publication time
/// later than their last write (a write that published at once announced itself), in publication
/// order. One SQL statement.
pub async fn scheduled_publications(
    db: &impl ConnectionTrait,
    after: chrono::DateTime<chrono::Utc>,
    until: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<term::Model>> {
    use sea_orm::{
        QueryOrder,
        sea_query::{Expr, ExprTrait},
    };
    Ok(term::Entity::find()
        .filter(term::Column::Status.eq(entity::TermStatus::Published))
        .filter(term::Column::PublishedAt.gt(after))
        .filter(term::Column::PublishedAt.lte(until))
        .filter(Expr::col(term::Column::PublishedAt).gt(Expr::col(term::Column::UpdatedAt)))
        .order_by_asc(term::Column::PublishedAt)
        .order_by_asc(term::Column::Id)
        .all(db)
        .await?)
}

/// When the public content next changes by itself: the earliest publication time still to come of a
/// published term (scheduled with a future `publishedAt`), if any. One SQL statement.
pub async fn next_scheduled_publication(
    db: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    let next: Option<Option<chrono::DateTime<chrono::Utc>>> = term::Entity::find()
        .select_only()
        .column_as(term::Column::PublishedAt.min(), "next")
        .filter(term::Column::Status.eq(entity::TermStatus::Published))
        .filter(term::Column::PublishedAt.gt(now))
        .into_tuple()
        .one(db)
        .await?;
    Ok(next.flatten())
}
