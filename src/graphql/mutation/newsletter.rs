//! The newsletter's public mutations: sign up (double opt-in), confirm, unsubscribe. No key is needed; every
//! call counts against the client's rate limit.

use std::sync::Arc;

use async_graphql::{Context, Object, Result};
use sea_orm::DatabaseConnection;

use crate::{
    client_address::{ClientAddress, ClientKey},
    error::Error,
    graphql::types::newsletter::{NewsletterSignupPayload, NewsletterSubscriptionPayload},
    newsletter::{
        Newsletter,
        address::EmailAddress,
        subscribers::{self, SignupOutcome, SubscriberStatus},
    },
    rate_limit::Decision,
};

/// The sentence every accepted sign-up gets, whatever the address's state.
const SIGNUP_MESSAGE: &str =
    "Thank you. If this address can receive mail, a confirmation link is on its way.";

/// The newsletter's mutations.
#[derive(Default)]
pub struct NewsletterMutation;

/// Refuses the request when its client is over its newsletter rate limit.
fn check_rate(ctx: &Context<'_>, newsletter: &Newsletter) -> Result<(), Error> {
    let client = ctx
        .data_opt::<ClientAddress>()
        .map_or(ClientKey::Unknown, ClientAddress::key);
    match newsletter.client_limiter.check(client) {
        Decision::Allowed { .. } => Ok(()),
        Decision::Limited { retry_after } => Err(Error::RateLimited {
            message: "too many newsletter requests from this client; try again later".to_owned(),
            retry_after,
        }),
    }
}

fn payload(
    row: entity::newsletter_subscriber::Model,
) -> Result<NewsletterSubscriptionPayload, Error> {
    Ok(NewsletterSubscriptionPayload {
        status: SubscriberStatus::parse(&row.status)?.into(),
        email: row.email,
    })
}

/// The newsletter's mutations.
#[Object]
impl NewsletterMutation {
    /// Signs an address up for the newsletter with double opt-in: a confirmation link is mailed, and the
    /// address receives nothing else until it is followed. The answer is the same for a new, pending or
    /// confirmed address. A malformed address is a `BAD_USER_INPUT` error naming `email`; too many requests
    /// from one client are `RATE_LIMITED` (with `extensions.retryAfter` in seconds).
    async fn subscribe_to_newsletter(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The address; trimmed and lower-cased before use.")] email: String,
        #[graphql(
            desc = "Where the sign-up came from (a page slug, a campaign), at most 100 characters."
        )]
        source: Option<String>,
    ) -> Result<NewsletterSignupPayload> {
        let newsletter = ctx.data_unchecked::<Arc<Newsletter>>();
        let address = EmailAddress::parse(&email, "email")?;
        check_rate(ctx, newsletter)?;
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let outcome =
            subscribers::sign_up(db, &address, source.as_deref(), &newsletter.options).await?;
        match outcome {
            SignupOutcome::ConfirmationQueued => newsletter.dispatcher.wake(),
            SignupOutcome::AlreadyConfirmed | SignupOutcome::AddressLimitReached => {
                tracing::info!(?outcome, "newsletter sign-up sent no mail");
            }
        }
        Ok(NewsletterSignupPayload {
            accepted: true,
            message: SIGNUP_MESSAGE.to_owned(),
        })
    }

    /// Confirms a sign-up with the token from the confirmation link, and mails the unsubscribe link. An
    /// unknown, used or expired token is a `BAD_USER_INPUT` error naming `token`.
    async fn confirm_newsletter_subscription(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token from the confirmation link.")] token: String,
    ) -> Result<NewsletterSubscriptionPayload> {
        let newsletter = ctx.data_unchecked::<Arc<Newsletter>>();
        check_rate(ctx, newsletter)?;
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let row = subscribers::confirm(db, &token, &newsletter.options).await?;
        newsletter.dispatcher.wake();
        Ok(payload(row)?)
    }

    /// Unsubscribes the address an unsubscribe link was mailed to; following the link again is harmless. An
    /// unknown token is a `BAD_USER_INPUT` error naming `token`.
    async fn unsubscribe_from_newsletter(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token from the unsubscribe link.")] token: String,
    ) -> Result<NewsletterSubscriptionPayload> {
        let newsletter = ctx.data_unchecked::<Arc<Newsletter>>();
        check_rate(ctx, newsletter)?;
        let db = ctx.data_unchecked::<DatabaseConnection>();
        Ok(payload(subscribers::unsubscribe(db, &token).await?)?)
    }
}
