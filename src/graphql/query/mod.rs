//! The `Query` root, merged from one small object per domain.

mod categories;
mod health;
mod newsletter;
mod node;
mod search;
mod terms;
mod viewer;

use async_graphql::MergedObject;

/// The root of every read.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    terms::TermQuery,
    search::SearchQuery,
    categories::CategoryQuery,
    node::NodeQuery,
    viewer::ViewerQuery,
    newsletter::NewsletterQuery,
    health::HealthQuery,
);
