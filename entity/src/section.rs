//! One section of a term's body: a heading and a Markdown body, kept in order by `position`.

use sea_orm::entity::prelude::*;

/// One row of `section`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "section")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The term the section belongs to.
    pub term_id: i64,
    /// 0-based place in the term's body; unique per term.
    pub position: i32,
    /// The section's heading.
    pub heading: String,
    /// Fragment id derived from the heading, unique per term (`what-does-a-backend-developer-do`).
    pub anchor: String,
    /// Markdown source.
    pub body: String,
    /// `body` rendered to sanitised HTML at write time.
    pub body_html: String,
}

/// Relations of `section`.
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
