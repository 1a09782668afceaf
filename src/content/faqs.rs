//! Reading the FAQ entries of terms.

use entity::{faq, term};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};

use super::{packed_rows, sql_binds::id_in, visibility::Visibility};
use crate::error::Result;

/// The FAQ entries of the given terms, ordered by term and position. One SQL statement. The caller passes
/// ids of terms it already saw through the visibility rule.
pub async fn by_term_ids(db: &impl ConnectionTrait, term_ids: &[i64]) -> Result<Vec<faq::Model>> {
    read_by_term_ids(db, term_ids, true).await
}

/// The FAQ entries of the given terms without their answers (left empty), ordered by term and position:
/// for lists that show only the questions. One SQL statement.
pub async fn questions_by_term_ids(
    db: &impl ConnectionTrait,
    term_ids: &[i64],
) -> Result<Vec<faq::Model>> {
    read_by_term_ids(db, term_ids, false).await
}

/// [`by_term_ids`], with or without the answers. The columns are read by position, in the order the
/// select list names them (looking each value up by name costs more than the rest of its decoding), and
/// the rows come in one piece from SQLite ([`packed_rows`]).
async fn read_by_term_ids(
    db: &impl ConnectionTrait,
    term_ids: &[i64],
    answers: bool,
) -> Result<Vec<faq::Model>> {
    let backend = db.get_database_backend();
    let mut select = faq::Entity::find().select_only().columns([
        faq::Column::Id,
        faq::Column::TermId,
        faq::Column::Position,
        faq::Column::Question,
    ]);
    if answers {
        select = select.columns([faq::Column::Answer, faq::Column::AnswerHtml]);
    }
    let select = select
        .filter(id_in(backend, faq::Column::TermId, term_ids))
        .order_by_asc(faq::Column::TermId)
        .order_by_asc(faq::Column::Position);
    let width = if answers { 6 } else { 4 };
    let rows = packed_rows::fetch(db, select.build(backend), width).await?;
    rows.into_iter()
        .map(|mut row| -> Result<faq::Model> {
            Ok(faq::Model {
                id: row.take(0)?,
                term_id: row.take(1)?,
                position: row.take(2)?,
                question: row.take(3)?,
                answer: if answers { row.take(4)? } else { String::new() },
                answer_html: if answers { row.take(5)? } else { String::new() },
            })
        })
        .collect()
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
