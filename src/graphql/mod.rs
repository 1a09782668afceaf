//! The GraphQL schema: roots merged per domain, built by [`build_schema`], the one place where limits,
//! extensions and shared data (database, DataLoader) are attached.

pub mod cursor;
pub mod global_id;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod request_errors;
pub mod response_shape;
pub mod subscription;
pub mod types;

use std::{sync::Arc, time::Duration};

use async_graphql::{Context, Schema};
use sea_orm::DatabaseConnection;

use crate::{config::DEFAULT_BATCH_DELAY, events::EventBus, newsletter::Newsletter};

use self::{
    loaders::{ContentDataLoader, content_data_loader},
    mutation::MutationRoot,
    query::QueryRoot,
    request_errors::RequestErrorCodes,
    subscription::SubscriptionRoot,
};

/// The deepest selection nesting a query may have.
pub const MAX_QUERY_DEPTH: usize = 16;

/// Tuning of the schema, set from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct SchemaOptions {
    /// How long a DataLoader batch waits for more keys before it runs.
    pub batch_delay: Duration,
}

impl Default for SchemaOptions {
    fn default() -> Self {
        Self {
            batch_delay: DEFAULT_BATCH_DELAY,
        }
    }
}

/// The API's schema type.
pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Builds the schema over a database connection and its event bus.
pub fn build_schema(
    db: DatabaseConnection,
    events: EventBus,
    newsletter: Arc<Newsletter>,
    options: SchemaOptions,
) -> AppSchema {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .data(content_data_loader(db.clone(), options.batch_delay))
    .data(db)
    .data(events)
    .data(newsletter)
    .extension(RequestErrorCodes)
    .limit_depth(MAX_QUERY_DEPTH)
    .finish()
}

/// The schema as SDL, as `print-schema` writes it and `schema.graphql` holds it.
pub fn schema_sdl() -> String {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .finish()
    .sdl()
}

/// The DataLoader the schema builder attached.
pub(crate) fn loader<'a>(ctx: &Context<'a>) -> &'a ContentDataLoader {
    ctx.data_unchecked::<ContentDataLoader>()
}
