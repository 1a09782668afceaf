//! Reading the body sections of terms.

use entity::{section, term};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};

use super::{packed_rows, sql_binds::id_in, text_forms::TextForms, visibility::Visibility};
use crate::error::Result;

/// The sections of the given terms, ordered by term and position, with the forms of their bodies in
/// `bodies` (a form not read is left empty). One SQL statement, its rows read by position and in one
/// piece from SQLite ([`packed_rows`]). The caller passes ids of terms it already saw through the
/// visibility rule.
pub async fn by_term_ids(
    db: &impl ConnectionTrait,
    term_ids: &[i64],
    bodies: TextForms,
) -> Result<Vec<section::Model>> {
    let backend = db.get_database_backend();
    let select = bodies.select(
        section::Entity::find().select_only().columns(COLUMNS),
        section::Column::Body,
        section::Column::BodyHtml,
    );
    let select = select
        .filter(id_in(backend, section::Column::TermId, term_ids))
        .order_by_asc(section::Column::TermId)
        .order_by_asc(section::Column::Position);
    let rows =
        packed_rows::fetch(db, select.build(backend), COLUMNS.len() + bodies.count()).await?;
    packed_rows::decode_rows(rows, |mut row| -> Result<section::Model> {
        let (body, body_html) = bodies.take(&mut row, COLUMNS.len())?;
        Ok(section::Model {
            id: row.take(0)?,
            term_id: row.take(1)?,
            position: row.take(2)?,
            heading: row.take(3)?,
            anchor: row.take(4)?,
            body,
            body_html,
        })
    })
}

/// A section's columns in the order [`by_term_ids`] decodes them, before its body's forms.
const COLUMNS: [section::Column; 5] = [
    section::Column::Id,
    section::Column::TermId,
    section::Column::Position,
    section::Column::Heading,
    section::Column::Anchor,
];

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
