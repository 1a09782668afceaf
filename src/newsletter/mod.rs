//! The newsletter sign-up: double opt-in subscriptions, their tokens and mails, and the admin export.
//!
//! A sign-up creates (or refreshes) a `pending` subscriber and queues a confirmation mail in the same
//! transaction; the mail's link carries a token of which only the hash is stored. The answer to a sign-up is
//! the same whatever the address's state, so the API never tells who is subscribed.

pub mod address;
pub mod messages;
pub mod subscribers;

use crate::{config::NewsletterOptions, mail::outbox::Dispatcher, rate_limit::RateLimiter};

/// What the newsletter's resolvers share: its settings, the per-client limiter and the outbox dispatcher to
/// wake after a commit that queued mail.
#[derive(Debug)]
pub struct Newsletter {
    /// Links, limits and lifetimes.
    pub options: NewsletterOptions,
    /// Sign-up, confirmation and unsubscription requests per client.
    pub client_limiter: RateLimiter,
    /// The mail sender.
    pub dispatcher: Dispatcher,
}

impl Newsletter {
    /// The newsletter over `dispatcher`, limiting clients as `options` says.
    pub fn new(options: NewsletterOptions, dispatcher: Dispatcher) -> Self {
        Self {
            client_limiter: RateLimiter::new(options.per_client),
            options,
            dispatcher,
        }
    }
}
