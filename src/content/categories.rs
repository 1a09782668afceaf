//! Reading categories and the categories of terms.

use entity::{category, term_category};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::error::Result;

/// Every category, by name. One SQL statement.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<category::Model>> {
    Ok(category::Entity::find()
        .order_by_asc(category::Column::Name)
        .order_by_asc(category::Column::Id)
        .all(db)
        .await?)
}

/// The categories among `ids`. One SQL statement.
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<category::Model>> {
    Ok(category::Entity::find()
        .filter(category::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// The categories among `slugs`. One SQL statement.
pub async fn by_slugs(db: &impl ConnectionTrait, slugs: &[String]) -> Result<Vec<category::Model>> {
    Ok(category::Entity::find()
        .filter(category::Column::Slug.is_in(slugs.iter().cloned()))
        .all(db)
        .await?)
}

/// The categories of the given terms as `(term id, category)` pairs, by term id then category name. One SQL
/// statement. The caller passes ids of terms it already saw through the visibility rule.
pub async fn by_term_ids(
    db: &impl ConnectionTrait,
    term_ids: &[i64],
) -> Result<Vec<(i64, category::Model)>> {
    let rows = term_category::Entity::find()
        .find_also_related(category::Entity)
        .filter(term_category::Column::TermId.is_in(term_ids.iter().copied()))
        .order_by_asc(term_category::Column::TermId)
        .order_by_asc(category::Column::Name)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(membership, category)| {
            category.map(|category| (membership.term_id, category))
        })
        .collect())
}
