//! The subscriber list, for admins.

use async_graphql::{Context, Object, Result};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sea_orm::DatabaseConnection;

use crate::{
    auth::Role,
    error::Error,
    graphql::guards::RoleGuard,
    graphql::types::{
        connection::first_or_default,
        newsletter::{NewsletterStatus, NewsletterSubscriber, NewsletterSubscriberConnection},
    },
    newsletter::subscribers,
};

/// The prefix inside a subscriber cursor.
const CURSOR_PREFIX: &str = "subscriber:";

fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{id}"))
}

fn decode_cursor(cursor: &str) -> Result<i64, Error> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix(CURSOR_PREFIX)?.parse().ok())
        .ok_or_else(|| {
            Error::bad_input("after", format!("after: {cursor:?} is not a valid cursor"))
        })
}

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
        let first = first_or_default(first)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let status = status.map(Into::into);
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let mut rows = subscribers::page(db, status, after, first + 1).await?;
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(first as usize);
        Ok(NewsletterSubscriberConnection {
            end_cursor: rows.last().map(|row| encode_cursor(row.id)),
            has_next_page,
            total_count: subscribers::count(db, status).await?,
            nodes: rows
                .into_iter()
                .map(NewsletterSubscriber::from_row)
                .collect::<Result<_, _>>()?,
        })
    }
}
