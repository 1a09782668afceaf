//! Reading the body sections of terms.

use entity::{section, term};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{sql_binds::id_in, visibility::Visibility};
use crate::error::Result;

/// The sections of the given terms, ordered by term and position. One SQL statement. The caller passes ids
/// of terms it already saw through the visibility rule.
pub async fn by_term_ids(
    db: &impl ConnectionTrait,
    term_ids: &[i64],
) -> Result<Vec<section::Model>> {
    Ok(section::Entity::find()
        .filter(id_in(
            db.get_database_backend(),
            section::Column::TermId,
            term_ids,
        ))
        .order_by_asc(section::Column::TermId)
        .order_by_asc(section::Column::Position)
        .all(db)
        .await?)
}

/// The sections among `ids` whose term is visible. One SQL statement.
pub async fn visible_by_ids(
    db: &impl ConnectionTrait,
    visibility: Visibility,
    ids: &[i64],
) -> Result<Vec<section::Model>> {
    Ok(section::Entity::find()
        .inner_join(term::Entity)
        .filter(visibility.term_condition())
        .filter(id_in(db.get_database_backend(), section::Column::Id, ids))
        .all(db)
        .await?)
}
