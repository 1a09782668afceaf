//! The subscriber list, for admins.

use async_graphql::{Context, Object, Result};
use sea_orm::DatabaseConnection;

use crate::{
    auth::Role,
    graphql::{
        cursor::{self, PositionList},
        guards::RoleGuard,
        types::newsletter::{
            NewsletterStatus, NewsletterSubscriber, NewsletterSubscriberConnection,
        },
    },
    newsletter::subscribers,
};

/// The subscriber list.
#[derive(Default)]
pub struct NewsletterQuery;

/// The subscriber list.
#[Object]
impl NewsletterQuery {
    /// Newsletter subscribers, oldest first (admins only). `glossary subscribers export` writes the same list
    /// as CSV.
    #[graphql(guard = "RoleGuard::new(Role::Admin)")]
    async fn newsletter_subscribers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "At most this many (1–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Return subscribers after this cursor (an `endCursor`).")] after: Option<
            String,
        >,
        #[graphql(desc = "Only subscribers in this status.")] status: Option<NewsletterStatus>,
    ) -> Result<NewsletterSubscriberConnection> {
        let first = cursor::first_or_default(first)?;
        let after = after
            .as_deref()
            .map(|after| cursor::decode_position(after, PositionList::Subscribers, "after"))
            .transpose()?;
        let status = status.map(Into::into);
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let page = subscribers::page(db, status, after, first).await?;
        Ok(NewsletterSubscriberConnection {
            end_cursor: page
                .items
                .last()
                .map(|row| cursor::encode_position(PositionList::Subscribers, row.id)),
            has_next_page: page.more,
            total_count: subscribers::count(db, status).await?,
            nodes: page
                .items
                .into_iter()
                .map(NewsletterSubscriber::from_row)
                .collect::<Result<_, _>>()?,
        })
    }
}
