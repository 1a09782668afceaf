//! API keys: named secrets with a role, stored as a SHA-256 hash and looked up by a public id.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `api_key`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ApiKey {
    Table,
    Id,
    Name,
    Role,
    LookupId,
    SecretHash,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiKey::Table)
                    .col(big_pk_auto(ApiKey::Id))
                    .col(string_len_uniq(ApiKey::Name, 100))
                    .col(string_len(ApiKey::Role, 16))
                    .col(string_len_uniq(ApiKey::LookupId, 32))
                    .col(string_len(ApiKey::SecretHash, 64))
                    .col(timestamp_with_time_zone(ApiKey::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiKey::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiKey::RevokedAt))
                    .check(Expr::col(ApiKey::Role).is_in(["editor", "admin"]))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiKey::Table).to_owned())
            .await
    }
}
