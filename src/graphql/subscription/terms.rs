//! Subscriptions to term changes. Anonymous subscribers hear only of public content: a term that became or
//! stayed public, or stopped being public. A subscriber whose `connection_init` carried an editor key also
//! hears of drafts. Terms are read when the event is delivered, through the same visibility rule as queries.

use async_graphql::{Context, ID, SimpleObject, Subscription};
use futures_util::{Stream, StreamExt};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

use tokio_stream::wrappers::{BroadcastStream, errors::BroadcastStreamRecvError};

use crate::{
    auth::Role,
    content::visibility::Visibility,
    error::Error,
    events::{Delivery, EventBus, TermEvent, TermEventKind},
    graphql::{
        global_id::{self, NodeKind},
        guards,
        types::term::Term,
    },
};

/// A term that is gone from view: enough to drop it from a page or a cache.
#[derive(Clone, Debug, SimpleObject)]
pub struct TermRef {
    /// The term's global ID.
    pub id: ID,
    /// The term's slug.
    pub slug: String,
}

impl From<&TermEvent> for TermRef {
    fn from(event: &TermEvent) -> Self {
        TermRef {
            id: global_id::encode(NodeKind::Term, event.term_id),
            slug: event.slug.clone(),
        }
    }
}

/// Subscriptions to term changes.
#[derive(Default)]
pub struct TermSubscription;

/// The events of the given kinds that this subscriber may hear of, with whether it is an editor. A subscriber
/// that fell so far behind that events were dropped gets one `EVENTS_MISSED` error and the stream ends: it
/// cannot know what it missed, so it must subscribe again and refetch.
fn events<'a>(
    ctx: &Context<'a>,
    kinds: &'static [TermEventKind],
) -> impl Stream<Item = Result<(Arc<Delivery>, bool), Error>> + use<> {
    let editor = guards::viewer(ctx).require(Role::Editor).is_ok();
    let receiver = ctx.data_unchecked::<EventBus>().subscribe();
    BroadcastStream::new(receiver)
        .scan(false, |ended, delivery| {
            let item = match (*ended, delivery) {
                (true, _) => None,
                (false, Ok(delivery)) => Some(Ok(delivery)),
                (false, Err(BroadcastStreamRecvError::Lagged(missed))) => {
                    tracing::warn!(
                        missed,
                        "a subscriber fell behind the event stream; ending it"
                    );
                    *ended = true;
                    Some(Err(Error::EventsMissed(missed)))
                }
            };
            std::future::ready(item)
        })
        .filter_map(move |delivery| async move {
            match delivery {
                Ok(delivery) => {
                    let event = &delivery.event;
                    (kinds.contains(&event.kind) && (editor || event.concerns_public()))
                        .then_some(Ok((delivery, editor)))
                }
                Err(error) => Some(Err(error)),
            }
        })
}

/// The visible term behind each event, passing errors through.
fn terms(
    db: DatabaseConnection,
    events: impl Stream<Item = Result<(Arc<Delivery>, bool), Error>>,
) -> impl Stream<Item = async_graphql::Result<Term>> {
    events.filter_map(move |item| {
        let db = db.clone();
        async move {
            match item {
                Ok((delivery, editor)) => visible_term(&db, &delivery, editor).await.map(Ok),
                Err(error) => Some(Err(error.into())),
            }
        }
    })
}

/// The term behind an event as the subscriber may see it now.
async fn visible_term(db: &DatabaseConnection, delivery: &Delivery, editor: bool) -> Option<Term> {
    let visibility = if editor {
        Visibility::Everything
    } else {
        Visibility::public()
    };
    match delivery.row(db).await {
        Ok(row) => row
            .filter(|row| visibility.admits(row))
            .cloned()
            .map(Term::new),
        Err(error) => {
            tracing::error!(
                error = error.describe(),
                "cannot read a term for a subscriber"
            );
            None
        }
    }
}

/// Subscriptions to term changes.
#[Subscription]
impl TermSubscription {
    /// A term became public.
    async fn term_published(
        &self,
        ctx: &Context<'_>,
    ) -> impl Stream<Item = async_graphql::Result<Term>> + use<> {
        let db = ctx.data_unchecked::<DatabaseConnection>().clone();
        terms(db, events(ctx, &[TermEventKind::Published]))
    }

    /// A term changed: published terms for everyone, drafts too for editors.
    async fn term_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this term (by its current slug); every term when omitted.")]
        slug: Option<String>,
    ) -> impl Stream<Item = async_graphql::Result<Term>> + use<> {
        let db = ctx.data_unchecked::<DatabaseConnection>().clone();
        let wanted = events(ctx, &[TermEventKind::Updated]).filter(move |item| {
            std::future::ready(match (item, &slug) {
                (Ok((delivery, _)), Some(slug)) => delivery.event.slug == *slug,
                _ => true,
            })
        });
        terms(db, wanted)
    }

    /// A public term was unpublished or archived.
    async fn term_unpublished(
        &self,
        ctx: &Context<'_>,
    ) -> impl Stream<Item = async_graphql::Result<TermRef>> + use<> {
        term_refs(events(ctx, &[TermEventKind::Unpublished]))
    }

    /// A term was deleted (for anonymous subscribers: a term that was public).
    async fn term_deleted(
        &self,
        ctx: &Context<'_>,
    ) -> impl Stream<Item = async_graphql::Result<TermRef>> + use<> {
        term_refs(events(ctx, &[TermEventKind::Deleted]))
    }
}

/// A reference to the term of each event, passing errors through.
fn term_refs(
    events: impl Stream<Item = Result<(Arc<Delivery>, bool), Error>>,
) -> impl Stream<Item = async_graphql::Result<TermRef>> {
    events.map(|item| {
        item.map(|(delivery, _)| TermRef::from(&delivery.event))
            .map_err(Into::into)
    })
}
