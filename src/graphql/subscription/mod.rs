//! The `Subscription` root: live content changes over `/graphql/ws`.

mod terms;

use async_graphql::MergedSubscription;

/// The root of every subscription.
#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(terms::TermSubscription);
