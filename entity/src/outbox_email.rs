//! Mail waiting to be sent (and a record of mail sent). A write that must send mail queues it here in its own
//! transaction; the mailer sends it afterwards and retries with back-off, so a mail failure loses nothing.

use sea_orm::entity::prelude::*;

/// One row of `outbox_email`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_email")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The address the mail goes to.
    pub recipient: String,
    /// The mailbox that address reaches (without a `+tag` subaddress), which per-address limits count.
    pub mailbox: String,
    /// What the mail is (`newsletter_confirmation`, `newsletter_welcome`).
    pub kind: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body. Emptied once sent, since it may hold a one-time link.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// When it was queued (UTC).
    pub created_at: DateTimeUtc,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// When the mailer may try (again); a claim pushes it ahead so that one replica sends it.
    pub next_attempt_at: DateTimeUtc,
    /// When it was handed to the mail server (UTC).
    pub sent_at: Option<DateTimeUtc>,
    /// Why the last attempt failed.
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
}

/// `outbox_email` has no relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
