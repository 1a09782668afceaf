//! A newsletter subscriber. Sign-up is double opt-in: a row starts `pending` with a confirmation token and
//! becomes `confirmed` when the link in the confirmation mail is followed. Tokens are stored only as hashes.

use sea_orm::entity::prelude::*;

/// One row of `newsletter_subscriber`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "newsletter_subscriber")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The normalised address (trimmed, lower case); unique.
    #[sea_orm(unique)]
    pub email: String,
    /// `pending`, `confirmed` or `unsubscribed`.
    pub status: String,
    /// Where the sign-up came from (a page slug, a campaign), as the client said.
    pub source: Option<String>,
    /// SHA-256 (hex) of the confirmation token while one is outstanding.
    pub confirmation_token_hash: Option<String>,
    /// When the outstanding confirmation token stops working (UTC).
    pub confirmation_expires_at: Option<DateTimeUtc>,
    /// SHA-256 (hex) of the token that unsubscribes this address.
    pub unsubscribe_token_hash: Option<String>,
    /// First sign-up (UTC).
    pub created_at: DateTimeUtc,
    /// Last change (UTC).
    pub updated_at: DateTimeUtc,
    /// When the address was confirmed (UTC).
    pub confirmed_at: Option<DateTimeUtc>,
    /// When the address unsubscribed (UTC).
    pub unsubscribed_at: Option<DateTimeUtc>,
}

/// `newsletter_subscriber` has no relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
