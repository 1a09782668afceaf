//! An ordered "recommended" link from one term to another.
//!
//! Both ends cascade on delete, so deleting a term removes its links in both directions. The database refuses
//! a link from a term to itself and a second link between the same pair.

use sea_orm::entity::prelude::*;

/// One row of `term_relation`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "term_relation")]
pub struct Model {
    /// The term whose page shows the link.
    #[sea_orm(primary_key, auto_increment = false)]
    pub term_id: i64,
    /// The term linked to.
    #[sea_orm(primary_key, auto_increment = false)]
    pub related_term_id: i64,
    /// 0-based place in the term's list of related terms; unique per term.
    pub position: i32,
}

/// Relations of `term_relation`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The term whose page shows the link.
    #[sea_orm(
        belongs_to = "super::term::Entity",
        from = "Column::TermId",
        to = "super::term::Column::Id",
        on_delete = "Cascade"
    )]
    Term,
    /// The term linked to.
    #[sea_orm(
        belongs_to = "super::term::Entity",
        from = "Column::RelatedTermId",
        to = "super::term::Column::Id",
        on_delete = "Cascade"
    )]
    RelatedTerm,
}

/// Joining from a relation to `term` reaches the term linked *to*: that is what readers of a relation want.
impl Related<super::term::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RelatedTerm.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
