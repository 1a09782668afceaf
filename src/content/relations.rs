//! Reading "recommended" related terms.

use entity::{term, term_relation};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::visibility::Visibility;
use crate::error::Result;

/// For each of the given terms, its visible related terms in editorial order, as `(term id, related term)`
/// pairs ordered by term id and position. One SQL statement (the link table joined to `term`).
pub async fn related_by_term_ids(
    db: &impl ConnectionTrait,
    visibility: Visibility,
    term_ids: &[i64],
) -> Result<Vec<(i64, term::Model)>> {
    let rows = term_relation::Entity::find()
        .find_also_related(term::Entity)
        .filter(term_relation::Column::TermId.is_in(term_ids.iter().copied()))
        .filter(visibility.term_condition())
        .order_by_asc(term_relation::Column::TermId)
        .order_by_asc(term_relation::Column::Position)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(link, related)| related.map(|related| (link.term_id, related)))
        .collect())
}
