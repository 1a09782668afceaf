//! Reading "recommended" related terms.

use entity::{term, term_relation};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    Related,
};

use super::visibility::Visibility;
use crate::error::Result;

/// For each of the given terms, its visible related terms in editorial order, as `(term id, related term)`
/// pairs ordered by term id and position. One SQL statement (the link table joined to `term`).
///
/// The visibility rule sits in the LEFT JOIN's `ON`, not in `WHERE`: a `WHERE` on `term` lets the planner
/// turn the join around and walk every published term (SQLite does without statistics: 40 ms instead of 2 ms
/// for a 50-term page of a 2 000-term glossary). Kept in `ON`, the link table's `term_id` index drives the
/// query, and hidden terms come back as NULL and are skipped.
pub async fn related_by_term_ids(
    db: &impl ConnectionTrait,
    visibility: Visibility,
    term_ids: &[i64],
) -> Result<Vec<(i64, term::Model)>> {
    let join = <term_relation::Entity as Related<term::Entity>>::to()
        .on_condition(move |_, _| visibility.term_condition());
    let rows = term_relation::Entity::find()
        .select_also(term::Entity)
        .join(JoinType::LeftJoin, join)
        .filter(term_relation::Column::TermId.is_in(term_ids.iter().copied()))
        .order_by_asc(term_relation::Column::TermId)
        .order_by_asc(term_relation::Column::Position)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(link, related)| related.map(|related| (link.term_id, related)))
        .collect())
}
