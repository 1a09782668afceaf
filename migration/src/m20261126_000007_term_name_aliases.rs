//! Other names of a term (abbreviations, spellings: "CI" for "Continuous integration"), which automatic
//! cross-links match as they match the term's name. An alias belongs to one term only: the key is the
//! alias lower-cased, so "ci" and "CI" cannot name two different terms.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `term_name_alias`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Term {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum TermNameAlias {
    Table,
    Lowered,
    TermId,
    Position,
    Alias,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TermNameAlias::Table)
                    .col(string_len(TermNameAlias::Lowered, 400).primary_key())
                    .col(big_integer(TermNameAlias::TermId))
                    .col(integer(TermNameAlias::Position))
                    .col(string_len(TermNameAlias::Alias, 200))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TermNameAlias::Table, TermNameAlias::TermId)
                            .to(Term::Table, Term::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_term_name_alias_term")
                    .table(TermNameAlias::Table)
                    .col(TermNameAlias::TermId)
                    .col(TermNameAlias::Position)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TermNameAlias::Table).to_owned())
            .await
    }
}
