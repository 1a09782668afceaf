//! The newsletter: subscribers with double opt-in (tokens stored only as SHA-256 hashes) and the outbox of
//! mail waiting to be sent, so that a mail server that is down never loses a sign-up.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `newsletter_subscriber` and `outbox_email`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum NewsletterSubscriber {
    Table,
    Id,
    Email,
    Status,
    Source,
    ConfirmationTokenHash,
    ConfirmationExpiresAt,
    UnsubscribeTokenHash,
    CreatedAt,
    UpdatedAt,
    ConfirmedAt,
    UnsubscribedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum OutboxEmail {
    Table,
    Id,
    Recipient,
    Kind,
    Subject,
    Body,
    CreatedAt,
    Attempts,
    NextAttemptAt,
    SentAt,
    LastError,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NewsletterSubscriber::Table)
                    .col(big_pk_auto(NewsletterSubscriber::Id))
                    .col(string_len_uniq(NewsletterSubscriber::Email, 254))
                    .col(string_len(NewsletterSubscriber::Status, 16))
                    .col(string_len_null(NewsletterSubscriber::Source, 100))
                    .col(string_len_null(
                        NewsletterSubscriber::ConfirmationTokenHash,
                        64,
                    ))
                    .col(timestamp_with_time_zone_null(
                        NewsletterSubscriber::ConfirmationExpiresAt,
                    ))
                    .col(string_len_null(
                        NewsletterSubscriber::UnsubscribeTokenHash,
                        64,
                    ))
                    .col(timestamp_with_time_zone(NewsletterSubscriber::CreatedAt))
                    .col(timestamp_with_time_zone(NewsletterSubscriber::UpdatedAt))
                    .col(timestamp_with_time_zone_null(
                        NewsletterSubscriber::ConfirmedAt,
                    ))
                    .col(timestamp_with_time_zone_null(
                        NewsletterSubscriber::UnsubscribedAt,
                    ))
                    .check(Expr::col(NewsletterSubscriber::Status).is_in([
                        "pending",
                        "confirmed",
                        "unsubscribed",
                    ]))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            (
                "newsletter_subscriber_confirmation_token",
                NewsletterSubscriber::ConfirmationTokenHash,
            ),
            (
                "newsletter_subscriber_unsubscribe_token",
                NewsletterSubscriber::UnsubscribeTokenHash,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(NewsletterSubscriber::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("newsletter_subscriber_status_id")
                    .table(NewsletterSubscriber::Table)
                    .col(NewsletterSubscriber::Status)
                    .col(NewsletterSubscriber::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OutboxEmail::Table)
                    .col(big_pk_auto(OutboxEmail::Id))
                    .col(string_len(OutboxEmail::Recipient, 254))
                    .col(string_len(OutboxEmail::Kind, 32))
                    .col(string_len(OutboxEmail::Subject, 300))
                    .col(text(OutboxEmail::Body))
                    .col(timestamp_with_time_zone(OutboxEmail::CreatedAt))
                    .col(integer(OutboxEmail::Attempts).default(0))
                    .col(timestamp_with_time_zone(OutboxEmail::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(OutboxEmail::SentAt))
                    .col(text_null(OutboxEmail::LastError))
                    .to_owned(),
            )
            .await?;
        // The mailer's question: what is due and unsent?
        manager
            .create_index(
                Index::create()
                    .name("outbox_email_due")
                    .table(OutboxEmail::Table)
                    .col(OutboxEmail::SentAt)
                    .col(OutboxEmail::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        // The per-address rate limit's question: how much mail went to this address lately?
        manager
            .create_index(
                Index::create()
                    .name("outbox_email_recipient_created")
                    .table(OutboxEmail::Table)
                    .col(OutboxEmail::Recipient)
                    .col(OutboxEmail::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OutboxEmail::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(NewsletterSubscriber::Table).to_owned())
            .await
    }
}
