//! Reading the FAQ entries of terms.

use entity::{faq, term};
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

/// The FAQ entries of the given terms, ordered by term and position, with the forms of their answers in
/// `answers` (a form not read is left empty: [`TextForms::NONE`] for lists that show only the
/// questions). One SQL statement. The caller passes ids of terms it already saw through the visibility
/// rule. The columns are read by position, in the order the select list names them (looking each value
/// up by name costs more than the rest of its decoding), and the rows come in one piece from SQLite
/// ([`packed_rows`]).
pub async fn by_term_ids(
    db: &impl ConnectionTrait,
    term_ids: &[i64],
    answers: TextForms,
) -> Result<Vec<faq::Model>> {
    let (statement, width) =
        list_statement(db.get_database_backend(), Parents::Ids(term_ids), answers);
    decode(packed_rows::fetch(db, statement, width).await?, answers)
}

/// The statement [`by_term_ids`] runs (before SQLite packs its rows), for terms by id or by slug, and
/// the number of values in its rows. Without answers it reads only the index
/// `idx_faq_term_position_question`, no table row: a test holds SQLite's plan to that.
pub fn list_statement(
    backend: DbBackend,
    parents: Parents<'_>,
    answers: TextForms,
) -> (Statement, usize) {
    let kind = Kind::Faqs(answers);
    statement_shapes::for_parents(
        kind,
        backend,
        Visibility::Everything,
        parents,
        |_, parents| {
            let select = answers.select(
                faq::Entity::find().select_only().columns(COLUMNS),
                faq::Column::Answer,
                faq::Column::AnswerHtml,
            );
            let statement = select
                .filter(parents.condition(backend, faq::Column::TermId))
                .order_by_asc(faq::Column::TermId)
                .order_by_asc(faq::Column::Position)
                .build(backend);
            (statement, COLUMNS.len() + answers.count())
        },
    )
}

/// The FAQ entries in the rows of [`list_statement`] read with `answers`.
pub fn decode(rows: Vec<packed_rows::Row>, answers: TextForms) -> Result<Vec<faq::Model>> {
    packed_rows::decode_rows(rows, |mut row| -> Result<faq::Model> {
        let (answer, answer_html) = answers.take(&mut row, COLUMNS.len())?;
        Ok(faq::Model {
            id: row.take(0)?,
            term_id: row.take(1)?,
            position: row.take(2)?,
            question: row.take(3)?,
            answer,
            answer_html,
        })
    })
}

/// An FAQ entry's columns in the order [`by_term_ids`] decodes them, before its answer's forms.
const COLUMNS: [faq::Column; 4] = [
    faq::Column::Id,
    faq::Column::TermId,
    faq::Column::Position,
    faq::Column::Question,
];

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
