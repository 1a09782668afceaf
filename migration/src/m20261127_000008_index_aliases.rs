//! Aliases are searched with the name from now on (the application writes them into the name column
//! of the full-text index). The index rows of terms that already have aliases are dropped here, and the
//! start-up that follows every migration (`complete_search_index`) writes them anew, with their
//! aliases; the application folds the text, so SQL alone cannot rewrite them.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

/// Drops the index rows of terms with aliases, for start-up to rewrite.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The terms whose index rows are rewritten.
const ALIASED: &str = "SELECT DISTINCT term_id FROM term_name_alias";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let tables: &[(&str, &str)] = match manager.get_database_backend() {
            DbBackend::Sqlite => &[
                ("term_search", "rowid"),
                ("term_search_name", "term_id"),
                ("term_search_name_words", "rowid"),
            ],
            _ => &[("term_search", "term_id"), ("term_search_name", "term_id")],
        };
        for (table, key) in tables {
            db.execute_unprepared(&format!("DELETE FROM {table} WHERE {key} IN ({ALIASED})"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Rows written with aliases stay valid for the code before this migration: nothing to undo.
        Ok(())
    }
}
