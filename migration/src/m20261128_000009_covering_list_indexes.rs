//! Indexes that hold everything a list page reads of an FAQ entry's question and of a related-term link,
//! so that both statements are answered from the index alone: SQLite (and PostgreSQL's index-only scans)
//! then skip one table lookup per row, about 450 on a 50-term page with its related terms and questions.
//! The unique indexes on `(term_id, position)` stay: they hold the editorial order's integrity.
//!
//! A question is at most 500 characters (the content checks), so its index entry stays well under
//! PostgreSQL's limit for one B-tree entry (about 2 700 bytes).

use sea_orm_migration::prelude::*;

/// Creates the two covering indexes.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Faq {
    Table,
    Id,
    TermId,
    Position,
    Question,
}

#[derive(DeriveIden, Clone, Copy)]
enum TermRelation {
    Table,
    TermId,
    Position,
    RelatedTermId,
}

/// The FAQ questions of a term in order, with the entry's id (which SQLite keeps in every index entry
/// anyway, and PostgreSQL needs in the index for an index-only scan).
const FAQ_QUESTIONS: &str = "idx_faq_term_position_question";
/// The related terms of a term in order.
const RELATED_TERMS: &str = "idx_term_relation_term_position_related";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(FAQ_QUESTIONS)
                    .table(Faq::Table)
                    .col(Faq::TermId)
                    .col(Faq::Position)
                    .col(Faq::Question)
                    .col(Faq::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(RELATED_TERMS)
                    .table(TermRelation::Table)
                    .col(TermRelation::TermId)
                    .col(TermRelation::Position)
                    .col(TermRelation::RelatedTermId)
                    .to_owned(),
            )
            .await?;
        // Statistics for the new indexes: a SQLite database that has them for its other indexes (every
        // import ends with `ANALYZE`) would otherwise keep planning with the unique index and its table
        // lookups until the next import. The same statement on PostgreSQL.
        let db = manager.get_connection();
        db.execute_unprepared("ANALYZE faq").await?;
        db.execute_unprepared("ANALYZE term_relation").await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            (FAQ_QUESTIONS, Faq::Table.into_iden()),
            (RELATED_TERMS, TermRelation::Table.into_iden()),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
