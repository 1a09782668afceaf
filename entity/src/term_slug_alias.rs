//! An old slug of a renamed term: `term(slug: "old")` still finds the term.

use sea_orm::entity::prelude::*;

/// One row of `term_slug_alias`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "term_slug_alias")]
pub struct Model {
    /// The old slug; no term's current slug equals it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub slug: String,
    /// The term it now leads to.
    pub term_id: i64,
    /// When the term was renamed away from this slug (UTC).
    pub created_at: DateTimeUtc,
}

/// Relations of `term_slug_alias`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The term.
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
