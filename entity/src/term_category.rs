//! Membership of a term in a category (many-to-many).

use sea_orm::entity::prelude::*;

/// One row of `term_category`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "term_category")]
pub struct Model {
    /// The member term.
    #[sea_orm(primary_key, auto_increment = false)]
    pub term_id: i64,
    /// The category.
    #[sea_orm(primary_key, auto_increment = false)]
    pub category_id: i64,
}

/// Relations of `term_category`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The member term.
    #[sea_orm(
        belongs_to = "super::term::Entity",
        from = "Column::TermId",
        to = "super::term::Column::Id",
        on_delete = "Cascade"
    )]
    Term,
    /// The category.
    #[sea_orm(
        belongs_to = "super::category::Entity",
        from = "Column::CategoryId",
        to = "super::category::Column::Id",
        on_delete = "Cascade"
    )]
    Category,
}

/// Joining from a membership reaches its category.
impl Related<super::category::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Category.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

/// Joining from a membership to `term` reaches the member term.
impl Related<super::term::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Term.def()
    }
}
