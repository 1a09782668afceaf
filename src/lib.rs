//! The glossary GraphQL content API as a library: [`app`] builds the whole HTTP service over a database so
//! that `main.rs` stays thin and tests run the real app in-process.

pub mod auth;
pub mod cli;
pub mod config;
pub mod content;
pub mod database;
pub mod error;
pub mod export;
pub mod graphql;
pub mod http;
pub mod import;
pub mod sample_content;
pub mod server;
pub mod telemetry;

use sea_orm::DatabaseConnection;

use std::sync::Arc;

use crate::{
    database::StatementCounter,
    graphql::{AppSchema, SchemaOptions, response_shape::FieldTypes},
};

/// What every request handler shares; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The connection pool.
    pub db: DatabaseConnection,
    /// The GraphQL schema, with its DataLoader and limits attached.
    pub schema: AppSchema,
    /// Counts SQL statements run through `db`.
    pub statements: StatementCounter,
    /// Field types of the schema, for spec-conformant null propagation of field errors.
    pub field_types: Arc<FieldTypes>,
}

impl AppState {
    /// The state over an open pool.
    pub fn new(
        db: DatabaseConnection,
        statements: StatementCounter,
        options: SchemaOptions,
    ) -> Self {
        let schema = graphql::build_schema(db.clone(), options);
        let field_types = Arc::new(FieldTypes::from_sdl(&schema.sdl()));
        Self {
            db,
            schema,
            statements,
            field_types,
        }
    }
}

/// The whole HTTP service.
pub fn app(state: AppState) -> axum::Router {
    http::router(state)
}
