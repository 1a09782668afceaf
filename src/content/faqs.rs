//! Reading the FAQ entries of terms.

use entity::{faq, term};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{sql_binds::id_in, visibility::Visibility};
use crate::error::Result;

/// The FAQ entries of the given terms, ordered by term and position. One SQL statement. The caller passes
/// ids of terms it already saw through the visibility rule.
pub async fn by_term_ids(db: &impl ConnectionTrait, term_ids: &[i64]) -> Result<Vec<faq::Model>> {
    Ok(faq::Entity::find()
        .filter(id_in(
            db.get_database_backend(),
            faq::Column::TermId,
            term_ids,
        ))
        .order_by_asc(faq::Column::TermId)
        .order_by_asc(faq::Column::Position)
        .all(db)
        .await?)
}

/// The FAQ entries among `ids` whose term is visible. One SQL statement.
pub async fn visible_by_ids(
    db: &impl ConnectionTrait,
    visibility: Visibility,
    ids: &[i64],
) -> Result<Vec<faq::Model>> {
    Ok(faq::Entity::find()
        .inner_join(term::Entity)
        .filter(visibility.term_condition())
        .filter(id_in(db.get_database_backend(), faq::Column::Id, ids))
        .all(db)
        .await?)
}

/// The term an FAQ entry belongs to, in any status.
pub async fn term_of(db: &impl ConnectionTrait, faq_id: i64) -> Result<Option<i64>> {
    Ok(faq::Entity::find_by_id(faq_id)
        .one(db)
        .await?
        .map(|f| f.term_id))
}
