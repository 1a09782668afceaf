//! The full-text index of terms, kept in step by the application inside every write's transaction
//! (`glossary::content::search_index`):
//!
//! - `term_search`, one row per term with its name, title, definition and body (section headings and
//!   text, FAQ questions and answers) as plain text. SQLite: an FTS5 table (`unicode61` tokens,
//!   diacritics removed, prefix indexes for 2–4 characters), its `rowid` the term's id. PostgreSQL: a
//!   table with the same text columns and two `tsvector`s built by the application from accent-folded
//!   words: `document` (name weighted A, title B, definition C, body D) and `name_document` (the name
//!   alone, for ranking name matches first and for suggestions), each under a GIN index.
//! - `term_search_name`, each term's name folded (lower case, no accents, words separated by single
//!   spaces) under a B-tree index in byte order, so that suggestions for what a user has typed are a
//!   range scan that stops after a handful of rows. On SQLite, `term_search_name_words` is an FTS5
//!   table of the names alone (PostgreSQL has `name_document`): a column filter on `term_search` would
//!   read every column's matches of a word before keeping the name's, which for common words is most
//!   of the index.
//!
//! Rows are filled for existing terms when the server starts (the folding is the application's), so this
//! migration creates the structures only.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

/// Creates `term_search` and `term_search_name`.
#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: [&str; 4] = [
    "CREATE VIRTUAL TABLE term_search USING fts5(\
        name, title, definition, body, \
        tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4')",
    "CREATE TABLE term_search_name (\
        term_id INTEGER PRIMARY KEY REFERENCES term (id) ON DELETE CASCADE, \
        folded_name TEXT NOT NULL)",
    "CREATE INDEX term_search_name_folded ON term_search_name (folded_name, term_id)",
    "CREATE VIRTUAL TABLE term_search_name_words USING fts5(\
        name, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3 4')",
];

const POSTGRES_UP: [&str; 5] = [
    "CREATE TABLE term_search (\
        term_id BIGINT PRIMARY KEY REFERENCES term (id) ON DELETE CASCADE, \
        name TEXT NOT NULL, \
        title TEXT NOT NULL, \
        definition TEXT NOT NULL, \
        body TEXT NOT NULL, \
        document TSVECTOR NOT NULL, \
        name_document TSVECTOR NOT NULL)",
    "CREATE INDEX term_search_document ON term_search USING GIN (document)",
    "CREATE INDEX term_search_name_document ON term_search USING GIN (name_document)",
    "CREATE TABLE term_search_name (\
        term_id BIGINT PRIMARY KEY REFERENCES term (id) ON DELETE CASCADE, \
        folded_name TEXT COLLATE \"C\" NOT NULL)",
    "CREATE INDEX term_search_name_folded ON term_search_name (folded_name, term_id)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                for statement in SQLITE_UP {
                    db.execute_unprepared(statement).await?;
                }
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
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Sqlite {
            db.execute_unprepared("DROP TABLE term_search_name_words")
                .await?;
        }
        db.execute_unprepared("DROP TABLE term_search_name").await?;
        db.execute_unprepared("DROP TABLE term_search").await?;
        Ok(())
    }
}
