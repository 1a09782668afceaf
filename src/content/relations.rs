//! Reading "recommended" related terms.

use entity::{term, term_relation};
use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable, JoinType,
    QueryFilter, QueryOrder, QueryResult, QuerySelect, Related, sea_query::Expr,
};

use super::{sql_binds::id_in, visibility::Visibility};
use crate::error::Result;

/// Which columns of a term to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermColumns {
    /// Every column.
    All,
    /// The short ones (ids, names, title, status, times, version, reading time): the long texts
    /// (definition, its HTML, SEO and call-to-action texts) come back empty. For lists whose readers ask
    /// for nothing more (a list of related terms showing names): a related-terms row of a 10 000-term
    /// glossary is a tenth of the bytes to copy and decode.
    Summary,
}

/// Whether a column is one of the long texts a [`TermColumns::Summary`] leaves empty.
fn is_long_text(column: term::Column) -> bool {
    matches!(
        column,
        term::Column::Definition
            | term::Column::DefinitionHtml
            | term::Column::SeoTitle
            | term::Column::SeoDescription
            | term::Column::CtaHeading
            | term::Column::CtaText
            | term::Column::CtaLabel
            | term::Column::CtaUrl
    )
}

/// For each of the given terms, its visible related terms in editorial order, as `(term id, related term)`
/// pairs ordered by term id and position, with the columns asked for. One SQL statement (the link table
/// joined to `term`).
///
/// The visibility rule sits in the LEFT JOIN's `ON`, not in `WHERE`: a `WHERE` on `term` lets the planner
/// turn the join around and walk every published term (SQLite does without statistics: 40 ms instead of 2 ms
/// for a 50-term page of a 2 000-term glossary). Kept in `ON`, the link table's `term_id` index drives the
/// query, and hidden terms come back as NULL and are skipped.
pub async fn related_by_term_ids(
    db: &impl ConnectionTrait,
    visibility: Visibility,
    term_ids: &[i64],
    columns: TermColumns,
) -> Result<Vec<(i64, term::Model)>> {
    let join = <term_relation::Entity as Related<term::Entity>>::to()
        .on_condition(move |_, _| visibility.term_condition());
    // The related term's columns under their own names plus the parent's id, decoded straight into the
    // model: `select_also` would prefix every column and build each prefixed name anew for every row.
    let mut select = term_relation::Entity::find()
        .select_only()
        .column_as(term_relation::Column::TermId, PARENT_COLUMN);
    for column in term::Column::iter() {
        select = match columns {
            TermColumns::Summary if is_long_text(column) => {
                let empty = match column {
                    term::Column::Definition | term::Column::DefinitionHtml => Expr::val(""),
                    _ => Expr::val(Option::<String>::None),
                };
                select.expr_as(empty, column.as_str())
            }
            _ => select.column(column),
        };
    }
    let rows = select
        .join(JoinType::LeftJoin, join)
        .filter(id_in(
            db.get_database_backend(),
            term_relation::Column::TermId,
            term_ids,
        ))
        .order_by_asc(term_relation::Column::TermId)
        .order_by_asc(term_relation::Column::Position)
        .into_model::<RelatedRow>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| row.related.map(|related| (row.parent, related)))
        .collect())
}

/// The alias of the parent term's id among the related term's columns.
const PARENT_COLUMN: &str = "parent_term_id";

/// One link: the parent's id and the related term, `None` when the visibility rule hid it.
struct RelatedRow {
    parent: i64,
    related: Option<term::Model>,
}

impl FromQueryResult for RelatedRow {
    fn from_query_result(row: &QueryResult, pre: &str) -> std::result::Result<Self, DbErr> {
        let parent = row.try_get(pre, PARENT_COLUMN)?;
        let id: Option<i64> = row.try_get(pre, term::Column::Id.as_str())?;
        let related = match id {
            Some(_) => Some(term::Model::from_query_result(row, pre)?),
            None => None,
        };
        Ok(Self { parent, related })
    }
}
