//! The full-text index of terms, `term_search`: one row per term with its name, title, definition and
//! body (section headings and text, FAQ questions and answers) as plain text, and its name folded (lower case, no accents, words
//! separated by single spaces) for suggestions by prefix; kept in step by the
//! application inside every write's transaction (`glossary::content::search_index`).
//!
//! - SQLite: an FTS5 table (`unicode61` tokens, diacritics removed), its `rowid` the term's id.
//! - PostgreSQL: a table with the same text columns and two `tsvector`s built by the application from
//!   accent-folded words: `document` (name weighted A, title B, definition C, body D) under a GIN index,
//!   and `name_document` (the name alone) for ranking name matches first and for suggestions, each under
//!   a GIN index.
//!
//! Rows are filled for existing terms when the server starts (the folding is the application's), so this
//! migration creates the structures only.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

/// Creates `term_search`.
#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &str = "CREATE VIRTUAL TABLE term_search USING fts5(\
    name, title, definition, body, folded_name UNINDEXED, \
    tokenize = 'unicode61 remove_diacritics 2')";

const POSTGRES_UP: [&str; 3] = [
    "CREATE TABLE term_search (\
        term_id BIGINT PRIMARY KEY REFERENCES term (id) ON DELETE CASCADE, \
        name TEXT NOT NULL, \
        title TEXT NOT NULL, \
        definition TEXT NOT NULL, \
        body TEXT NOT NULL, \
        folded_name TEXT NOT NULL, \
        document TSVECTOR NOT NULL, \
        name_document TSVECTOR NOT NULL)",
    "CREATE INDEX term_search_document ON term_search USING GIN (document)",
    "CREATE INDEX term_search_name_document ON term_search USING GIN (name_document)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                db.execute_unprepared(SQLITE_UP).await?;
            }
            _ => {
                for statement in POSTGRES_UP {
                    db.execute_unprepared(statement).await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE term_search")
            .await?;
        Ok(())
    }
}
