//! The content tables: terms, their sections, FAQs, related-term links and categories.
//!
//! Every lookup path the API uses has an index; ordering indexes lead with `status` because public reads
//! always filter on it. Foreign keys cascade so that deleting a term leaves nothing behind.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the content tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Term {
    Table,
    Id,
    Slug,
    Name,
    SortKey,
    Initial,
    Title,
    Definition,
    DefinitionHtml,
    Status,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
    Version,
    ReadingTimeMinutes,
    SeoTitle,
    SeoDescription,
    CtaHeading,
    CtaText,
    CtaLabel,
    CtaUrl,
}

#[derive(DeriveIden, Clone, Copy)]
enum Section {
    Table,
    Id,
    TermId,
    Position,
    Heading,
    Anchor,
    Body,
    BodyHtml,
}

#[derive(DeriveIden, Clone, Copy)]
enum Faq {
    Table,
    Id,
    TermId,
    Position,
    Question,
    Answer,
    AnswerHtml,
}

#[derive(DeriveIden, Clone, Copy)]
enum TermRelation {
    Table,
    TermId,
    RelatedTermId,
    Position,
}

#[derive(DeriveIden, Clone, Copy)]
enum Category {
    Table,
    Id,
    Slug,
    Name,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum TermCategory {
    Table,
    TermId,
    CategoryId,
}

/// A foreign key from `table.column` to `term.id` that cascades on delete.
fn references_term(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Term::Table, Term::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .on_update(ForeignKeyAction::Cascade)
        .take()
}

/// An index named `name` on `table` over `columns`, in order.
fn index<T: IntoIden + Copy>(
    name: &str,
    table: T,
    columns: &[T],
    unique: bool,
) -> IndexCreateStatement {
    let mut index = Index::create().name(name).table(table).to_owned();
    for column in columns {
        index.col(*column);
    }
    if unique {
        index.unique();
    }
    index
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Term::Table)
                    .col(big_pk_auto(Term::Id))
                    .col(string_len_uniq(Term::Slug, 96))
                    .col(string_len(Term::Name, 200))
                    .col(text(Term::SortKey))
                    .col(string_len(Term::Initial, 1))
                    .col(string_len(Term::Title, 300))
                    .col(text(Term::Definition))
                    .col(text(Term::DefinitionHtml))
                    .col(string_len(Term::Status, 16))
                    .col(timestamp_with_time_zone_null(Term::PublishedAt))
                    .col(timestamp_with_time_zone(Term::CreatedAt))
                    .col(timestamp_with_time_zone(Term::UpdatedAt))
                    .col(integer(Term::Version).default(1))
                    .col(integer(Term::ReadingTimeMinutes).default(1))
                    .col(string_len_null(Term::SeoTitle, 300))
                    .col(string_len_null(Term::SeoDescription, 500))
                    .col(string_len_null(Term::CtaHeading, 300))
                    .col(text_null(Term::CtaText))
                    .col(string_len_null(Term::CtaLabel, 100))
                    .col(string_len_null(Term::CtaUrl, 2000))
                    .check(Expr::col(Term::Status).is_in(["draft", "published", "archived"]))
                    // A published term always knows when it was published: keyset pagination relies on it.
                    .check(
                        Expr::col(Term::Status)
                            .ne("published")
                            .or(Expr::col(Term::PublishedAt).is_not_null()),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "idx_term_status_sort_key",
                [Term::Status, Term::SortKey, Term::Id],
            ),
            (
                "idx_term_status_initial",
                [Term::Status, Term::Initial, Term::SortKey],
            ),
            (
                "idx_term_status_updated_at",
                [Term::Status, Term::UpdatedAt, Term::Id],
            ),
            (
                "idx_term_status_published_at",
                [Term::Status, Term::PublishedAt, Term::Id],
            ),
        ] {
            manager
                .create_index(index(name, Term::Table, &columns, false))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Section::Table)
                    .col(big_pk_auto(Section::Id))
                    .col(big_integer(Section::TermId))
                    .col(integer(Section::Position))
                    .col(string_len(Section::Heading, 300))
                    .col(string_len(Section::Anchor, 320))
                    .col(text(Section::Body))
                    .col(text(Section::BodyHtml))
                    .foreign_key(&mut references_term(Section::Table, Section::TermId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "uq_section_term_position",
                Section::Table,
                &[Section::TermId, Section::Position],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "uq_section_term_anchor",
                Section::Table,
                &[Section::TermId, Section::Anchor],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Faq::Table)
                    .col(big_pk_auto(Faq::Id))
                    .col(big_integer(Faq::TermId))
                    .col(integer(Faq::Position))
                    .col(string_len(Faq::Question, 500))
                    .col(text(Faq::Answer))
                    .col(text(Faq::AnswerHtml))
                    .foreign_key(&mut references_term(Faq::Table, Faq::TermId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "uq_faq_term_position",
                Faq::Table,
                &[Faq::TermId, Faq::Position],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TermRelation::Table)
                    .col(big_integer(TermRelation::TermId))
                    .col(big_integer(TermRelation::RelatedTermId))
                    .col(integer(TermRelation::Position))
                    .primary_key(
                        Index::create()
                            .col(TermRelation::TermId)
                            .col(TermRelation::RelatedTermId),
                    )
                    .check(
                        Expr::col(TermRelation::TermId).ne(Expr::col(TermRelation::RelatedTermId)),
                    )
                    .foreign_key(&mut references_term(
                        TermRelation::Table,
                        TermRelation::TermId,
                    ))
                    .foreign_key(&mut references_term(
                        TermRelation::Table,
                        TermRelation::RelatedTermId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "uq_term_relation_term_position",
                TermRelation::Table,
                &[TermRelation::TermId, TermRelation::Position],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "idx_term_relation_related_term",
                TermRelation::Table,
                &[TermRelation::RelatedTermId],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Category::Table)
                    .col(big_pk_auto(Category::Id))
                    .col(string_len_uniq(Category::Slug, 96))
                    .col(string_len(Category::Name, 200))
                    .col(text_null(Category::Description))
                    .col(timestamp_with_time_zone(Category::CreatedAt))
                    .col(timestamp_with_time_zone(Category::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TermCategory::Table)
                    .col(big_integer(TermCategory::TermId))
                    .col(big_integer(TermCategory::CategoryId))
                    .primary_key(
                        Index::create()
                            .col(TermCategory::TermId)
                            .col(TermCategory::CategoryId),
                    )
                    .foreign_key(&mut references_term(
                        TermCategory::Table,
                        TermCategory::TermId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TermCategory::Table, TermCategory::CategoryId)
                            .to(Category::Table, Category::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_term_category_category",
                TermCategory::Table,
                &[TermCategory::CategoryId],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            TermCategory::Table.into_iden(),
            Category::Table.into_iden(),
            TermRelation::Table.into_iden(),
            Faq::Table.into_iden(),
            Section::Table.into_iden(),
            Term::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
