//! The GraphQL schema: roots merged per domain, built by [`build_schema`], the one place where limits,
//! extensions and shared data (database, DataLoader) are attached.

pub mod cursor;
pub mod global_id;
pub mod loaders;
pub mod query;
pub mod request_errors;
pub mod response_shape;
pub mod types;

use async_graphql::{Context, EmptyMutation, EmptySubscription, Schema};
use sea_orm::DatabaseConnection;

use self::{
    loaders::{ContentDataLoader, content_data_loader},
    query::QueryRoot,
    request_errors::RequestErrorCodes,
};

/// The deepest selection nesting a query may have.
pub const MAX_QUERY_DEPTH: usize = 16;

/// The API's schema type.
pub type AppSchema = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

/// Builds the schema over a database connection.
pub fn build_schema(db: DatabaseConnection) -> AppSchema {
    Schema::build(QueryRoot::default(), EmptyMutation, EmptySubscription)
        .data(content_data_loader(db.clone()))
        .data(db)
        .extension(RequestErrorCodes)
        .limit_depth(MAX_QUERY_DEPTH)
        .finish()
}

/// The schema as SDL, as `print-schema` writes it and `schema.graphql` holds it.
pub fn schema_sdl() -> String {
    Schema::build(QueryRoot::default(), EmptyMutation, EmptySubscription)
        .finish()
        .sdl()
}

/// The DataLoader the schema builder attached.
pub(crate) fn loader<'a>(ctx: &Context<'a>) -> &'a ContentDataLoader {
    ctx.data_unchecked::<ContentDataLoader>()
}
