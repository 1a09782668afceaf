//! A category that groups terms for category pages ("Roles", "Data").

use sea_orm::entity::prelude::*;

/// One row of `category`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "category")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// URL-safe unique key.
    #[sea_orm(unique)]
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Optional description for the category page.
    pub description: Option<String>,
    /// When the row was created (UTC).
    pub created_at: DateTimeUtc,
    /// When the row last changed (UTC).
    pub updated_at: DateTimeUtc,
}

/// Relations of `category`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Memberships of terms in this category.
    #[sea_orm(has_many = "super::term_category::Entity")]
    TermCategory,
}

impl Related<super::term::Entity> for Entity {
    fn to() -> RelationDef {
        super::term_category::Relation::Term.def()
    }
    fn via() -> Option<RelationDef> {
        Some(super::term_category::Relation::Category.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
