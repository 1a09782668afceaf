//! Schema migrations of the glossary database, one file per migration, run by `glossary migrate` and by
//! `glossary serve` at start-up. Every migration is written once for SQLite and PostgreSQL alike.

pub use sea_orm_migration::{migrator::MigrationStatus, prelude::*};

mod m20261125_000001_create_content_tables;
mod m20261125_000002_create_api_keys;
mod m20261125_000003_create_revisions_and_slug_aliases;
mod m20261125_000004_create_newsletter;
mod m20261126_000005_outbox_mailbox;
mod m20261126_000006_term_search;
mod m20261126_000007_term_name_aliases;
mod m20261127_000008_index_aliases;
mod m20261128_000009_covering_list_indexes;
mod m20261130_000010_related_term_names_index;

/// The ordered list of migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_content_tables::Migration),
            Box::new(m20261125_000002_create_api_keys::Migration),
            Box::new(m20261125_000003_create_revisions_and_slug_aliases::Migration),
            Box::new(m20261125_000004_create_newsletter::Migration),
            Box::new(m20261126_000005_outbox_mailbox::Migration),
            Box::new(m20261126_000006_term_search::Migration),
            Box::new(m20261126_000007_term_name_aliases::Migration),
            Box::new(m20261127_000008_index_aliases::Migration),
            Box::new(m20261128_000009_covering_list_indexes::Migration),
            Box::new(m20261130_000010_related_term_names_index::Migration),
        ]
    }
}
