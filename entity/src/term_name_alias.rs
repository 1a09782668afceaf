//! Another name of a term ("CI" for "Continuous integration"), linked by automatic cross-links as the
//! name is.

use sea_orm::entity::prelude::*;

/// One row of `term_name_alias`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "term_name_alias")]
pub struct Model {
    /// The alias lower-cased: one term per alias, whatever its case.
    #[sea_orm(primary_key, auto_increment = false)]
    pub lowered: String,
    /// The term it names.
    pub term_id: i64,
    /// 0-based place in the term's list of aliases.
    pub position: i32,
    /// The alias as the editor wrote it.
    pub alias: String,
}

/// Relations of `term_name_alias`.
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
