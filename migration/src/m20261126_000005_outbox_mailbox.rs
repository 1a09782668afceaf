//! The mailbox of each outbox mail (its address without a `+tag` subaddress), so that the per-address
//! mail limit counts `name+1@example.com`, `name+2@example.com` and `name@example.com` as the one mailbox
//! they all reach. Mail queued before this migration counts by its address as it was.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds `outbox_email.mailbox` and indexes it for the limit's query in place of the recipient.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum OutboxEmail {
    Table,
    Recipient,
    Mailbox,
    CreatedAt,
}

const MAILBOX_INDEX: &str = "outbox_email_mailbox_created";
const RECIPIENT_INDEX: &str = "outbox_email_recipient_created";

/// An index on `column` and the creation time: what the per-address limit asks for.
fn by_time(name: &str, column: OutboxEmail) -> IndexCreateStatement {
    Index::create()
        .name(name)
        .table(OutboxEmail::Table)
        .col(column)
        .col(OutboxEmail::CreatedAt)
        .to_owned()
}

fn drop_index(name: &str) -> IndexDropStatement {
    Index::drop()
        .name(name)
        .table(OutboxEmail::Table)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OutboxEmail::Table)
                    .add_column(string_len(OutboxEmail::Mailbox, 254).default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::update()
                    .table(OutboxEmail::Table)
                    .value(OutboxEmail::Mailbox, Expr::col(OutboxEmail::Recipient))
                    .to_owned(),
            )
            .await?;
        manager.drop_index(drop_index(RECIPIENT_INDEX)).await?;
        manager
            .create_index(by_time(MAILBOX_INDEX, OutboxEmail::Mailbox))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(drop_index(MAILBOX_INDEX)).await?;
        manager
            .create_index(by_time(RECIPIENT_INDEX, OutboxEmail::Recipient))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OutboxEmail::Table)
                    .drop_column(OutboxEmail::Mailbox)
                    .to_owned(),
            )
            .await
    }
}
