//! An index that holds what a page shows of a related term (its slug and name) with what decides whether
//! a reader may see it (status and publication time), by the term's id. A related term is one row
//! lookup by id for each link of a page, and without this index each read the page of the table that
//! holds the term's whole row: a term page's five or so related terms came from five pages scattered
//! over the table, which on SQLite pushed the pages a term page reads out of each
//! connection's page cache and sent them back to the file (docs/performance.md, "Related terms from an
//! index"). The index's entries are a sixth of a row's size (0.75 MiB for the benchmark's 10 000 terms,
//! against 4.9 MiB of table), so its pages stay cached.
//!
//! SQLite only: PostgreSQL keeps the term table in its shared buffers and reads a related term by its
//! primary key there, with or without this index (its planner passed it by on the benchmark's pack), so
//! it would only cost its writes.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

/// Creates the index.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Term {
    Table,
    Id,
    Status,
    PublishedAt,
    Slug,
    Name,
}

/// A related term's visibility, slug and name by its id.
const RELATED_TERM_NAMES: &str = "idx_term_id_visibility_slug_name";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        manager
            .create_index(
                Index::create()
                    .name(RELATED_TERM_NAMES)
                    .table(Term::Table)
                    .col(Term::Id)
                    .col(Term::Status)
                    .col(Term::PublishedAt)
                    .col(Term::Slug)
                    .col(Term::Name)
                    .to_owned(),
            )
            .await?;
        // Statistics for the new index: a SQLite database that has them for its other indexes (every
        // import ends with `ANALYZE`) would otherwise keep reading each related term from the table
        // until the next import.
        manager
            .get_connection()
            .execute_unprepared("ANALYZE term")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        manager
            .drop_index(
                Index::drop()
                    .name(RELATED_TERM_NAMES)
                    .table(Term::Table)
                    .to_owned(),
            )
            .await
    }
}
