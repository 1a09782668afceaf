//! One stored revision of a term: who changed it, when, what changed, and the whole term afterwards.

use sea_orm::entity::prelude::*;

/// One row of `term_revision`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "term_revision")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The term.
    pub term_id: i64,
    /// The term's `version` after this change; unique per term.
    pub version: i32,
    /// Name of the API key (or `import`) that made the change.
    pub author: String,
    /// When the change was committed (UTC).
    pub created_at: DateTimeUtc,
    /// What changed, in words ("updateTerm: title, definition").
    pub change: String,
    /// The whole term after the change, as a content-pack line (JSON).
    pub snapshot: String,
}

/// Relations of `term_revision`.
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

impl ActiveModelBehavior for ActiveModel {}
