//! Reading the body sections of terms.

use entity::{section, term};
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Statement,
};

use super::{
    packed_rows,
    sql_binds::{Parents, id_in},
    statement_shapes::{self, Kind},
    text_forms::TextForms,
    visibility::Visibility,
};
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
    let (statement, width) =
        list_statement(db.get_database_backend(), Parents::Ids(term_ids), bodies);
    decode(packed_rows::fetch(db, statement, width).await?, bodies)
}

/// The statement [`by_term_ids`] runs (before SQLite packs its rows), for terms by id or by slug, and
/// the number of values in its rows.
pub fn list_statement(
    backend: DbBackend,
    parents: Parents<'_>,
    bodies: TextForms,
) -> (Statement, usize) {
    let kind = Kind::Sections(bodies);
    statement_shapes::for_parents(
        kind,
        backend,
        Visibility::Everything,
        parents,
        |_, parents| {
            let select = bodies.select(
                section::Entity::find().select_only().columns(COLUMNS),
                section::Column::Body,
                section::Column::BodyHtml,
            );
            let statement = select
                .filter(parents.condition(backend, section::Column::TermId))
                .order_by_asc(section::Column::TermId)
                .order_by_asc(section::Column::Position)
                .build(backend);
            (statement, COLUMNS.len() + bodies.count())
        },
    )
}

/// The sections in the rows of [`list_statement`] read with `bodies`.
pub fn decode(rows: Vec<packed_rows::Row>, bodies: TextForms) -> Result<Vec<section::Model>> {
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
