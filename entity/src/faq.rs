//! One frequently asked question on a term's page, kept in order by `position`.

use sea_orm::entity::prelude::*;

/// One row of `faq`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "faq")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The term the question belongs to.
    pub term_id: i64,
    /// 0-based place in the term's FAQ list; unique per term.
    pub position: i32,
    /// The question.
    pub question: String,
    /// The answer, Markdown.
    pub answer: String,
    /// `answer` rendered to sanitised HTML at write time.
    pub answer_html: String,
}

/// Relations of `faq`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The owning term.
    #[sea_orm(
        belongs_to = "super::term::Entity",
        from = "Column::TermId",
        to = "super::term::Column::Id",
        on_delete = "Cascade"
    )]
    Term,
}

impl Related<super::term::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Term.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
