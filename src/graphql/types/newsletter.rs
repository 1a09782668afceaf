//! Newsletter types: the answers to sign-up, confirmation and unsubscription, and subscribers as admins see
//! them.

use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, Utc};
use entity::newsletter_subscriber;

use crate::{
    error::Result, graphql::execution_budget::List, newsletter::subscribers::SubscriberStatus,
};

/// Where a newsletter subscriber stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum NewsletterStatus {
    /// Signed up; the confirmation link has not been followed yet.
    Pending,
    /// Confirmed: receives the newsletter.
    Confirmed,
    /// Unsubscribed.
    Unsubscribed,
}

impl From<SubscriberStatus> for NewsletterStatus {
    fn from(status: SubscriberStatus) -> Self {
        match status {
            SubscriberStatus::Pending => NewsletterStatus::Pending,
            SubscriberStatus::Confirmed => NewsletterStatus::Confirmed,
            SubscriberStatus::Unsubscribed => NewsletterStatus::Unsubscribed,
        }
    }
}

impl From<NewsletterStatus> for SubscriberStatus {
    fn from(status: NewsletterStatus) -> Self {
        match status {
            NewsletterStatus::Pending => SubscriberStatus::Pending,
            NewsletterStatus::Confirmed => SubscriberStatus::Confirmed,
            NewsletterStatus::Unsubscribed => SubscriberStatus::Unsubscribed,
        }
    }
}

/// The answer to a sign-up. It is the same whether the address was new, pending or confirmed already, so
/// that nobody can use the form to learn who is subscribed.
#[derive(Clone, Debug, SimpleObject)]
pub struct NewsletterSignupPayload {
    /// Always true once the address is well-formed and the client is within its rate limit.
    pub accepted: bool,
    /// A sentence to show the visitor.
    pub message: String,
}

/// A subscription after confirmation or unsubscription.
#[derive(Clone, Debug, SimpleObject)]
pub struct NewsletterSubscriptionPayload {
    /// The address the link was for.
    pub email: String,
    /// Its status now.
    pub status: NewsletterStatus,
}

/// A subscriber as admins see it (tokens are never shown: only their hashes exist).
#[derive(Clone, Debug, SimpleObject)]
pub struct NewsletterSubscriber {
    /// The normalised address.
    pub email: String,
    /// Where the subscriber stands.
    pub status: NewsletterStatus,
    /// Where the sign-up came from, as the form said.
    pub source: Option<String>,
    /// First sign-up (UTC).
    pub created_at: DateTime<Utc>,
    /// Confirmation (UTC).
    pub confirmed_at: Option<DateTime<Utc>>,
    /// Unsubscription (UTC).
    pub unsubscribed_at: Option<DateTime<Utc>>,
}

impl NewsletterSubscriber {
    /// The subscriber a row holds.
    pub fn from_row(row: newsletter_subscriber::Model) -> Result<Self> {
        Ok(Self {
            status: SubscriberStatus::parse(&row.status)?.into(),
            email: row.email,
            source: row.source,
            created_at: row.created_at,
            confirmed_at: row.confirmed_at,
            unsubscribed_at: row.unsubscribed_at,
        })
    }
}

/// A page of subscribers, oldest first.
#[derive(Clone, Debug, SimpleObject)]
pub struct NewsletterSubscriberConnection {
    /// The subscribers on this page.
    pub nodes: List<NewsletterSubscriber>,
    /// Pass as `after` for the next page; null on an empty page.
    pub end_cursor: Option<String>,
    /// Whether more subscribers follow.
    pub has_next_page: bool,
    /// Subscribers matching the filter, on all pages.
    pub total_count: u64,
}
