//! Editorial history: a revision (author, time, what changed, full snapshot) for every change to a term, and
//! the old slugs of renamed terms, kept as aliases so old links still resolve.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `term_revision` and `term_slug_alias`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Term {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum TermRevision {
    Table,
    Id,
    TermId,
    Version,
    Author,
    CreatedAt,
    Change,
    Snapshot,
}

#[derive(DeriveIden, Clone, Copy)]
enum TermSlugAlias {
    Table,
    Slug,
    TermId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TermRevision::Table)
                    .col(big_pk_auto(TermRevision::Id))
                    .col(big_integer(TermRevision::TermId))
                    .col(integer(TermRevision::Version))
                    .col(string_len(TermRevision::Author, 100))
                    .col(timestamp_with_time_zone(TermRevision::CreatedAt))
                    .col(text(TermRevision::Change))
                    .col(text(TermRevision::Snapshot))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TermRevision::Table, TermRevision::TermId)
                            .to(Term::Table, Term::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_term_revision_term_version")
                    .table(TermRevision::Table)
                    .col(TermRevision::TermId)
                    .col(TermRevision::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TermSlugAlias::Table)
                    .col(string_len(TermSlugAlias::Slug, 96).primary_key())
                    .col(big_integer(TermSlugAlias::TermId))
                    .col(timestamp_with_time_zone(TermSlugAlias::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TermSlugAlias::Table, TermSlugAlias::TermId)
                            .to(Term::Table, Term::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_term_slug_alias_term")
                    .table(TermSlugAlias::Table)
                    .col(TermSlugAlias::TermId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TermSlugAlias::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(TermRevision::Table).to_owned())
            .await
    }
}
