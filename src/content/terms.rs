//! Looking terms up by id or slug, always through the visibility rule.

use entity::term;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::visibility::Visibility;
use crate::error::Result;

/// The visible terms among `ids`, in no particular order. One SQL statement.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    visibility: Visibility,
    ids: &[i64],
) -> Result<Vec<term::Model>> {
    Ok(term::Entity::find()
        .filter(visibility.term_condition())
        .filter(term::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// The visible terms among `slugs`, in no particular order. One SQL statement.
pub async fn by_slugs(
    db: &impl ConnectionTrait,
    visibility: Visibility,
    slugs: &[String],
) -> Result<Vec<term::Model>> {
    Ok(term::Entity::find()
        .filter(visibility.term_condition())
        .filter(term::Column::Slug.is_in(slugs.iter().cloned()))
        .all(db)
        .await?)
}

/// How many terms exist in any status: zero means a fresh database.
pub async fn count_all(db: &impl ConnectionTrait) -> Result<u64> {
    Ok(term::Entity::find().count(db).await?)
}
