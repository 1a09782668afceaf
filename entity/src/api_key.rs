//! An API key: a named secret with a role, used by editors and publishing pipelines. Only a hash of the
//! secret is stored; the key itself is shown once, when it is created.

use sea_orm::entity::prelude::*;

/// One row of `api_key`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_key")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Who or what holds the key ("ci-publisher", "alice"); unique, shown in revisions and logs.
    #[sea_orm(unique)]
    pub name: String,
    /// `editor` or `admin`.
    pub role: String,
    /// The public part of the key, by which it is looked up (never secret, never enough on its own).
    #[sea_orm(unique)]
    pub lookup_id: String,
    /// SHA-256 of the secret part, hex; compared in constant time.
    pub secret_hash: String,
    /// When the key was created (UTC).
    pub created_at: DateTimeUtc,
    /// When the key last authenticated a request (UTC), to the minute.
    pub last_used_at: Option<DateTimeUtc>,
    /// When the key was revoked (UTC); a revoked key authenticates nothing.
    pub revoked_at: Option<DateTimeUtc>,
}

/// `api_key` has no relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
