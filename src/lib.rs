//! The glossary GraphQL content API as a library: [`app`] builds the whole HTTP service over a database so
//! that `main.rs` stays thin and tests run the real app in-process.

pub mod allocator;
pub mod auth;
pub mod cli;
pub mod client_address;
pub mod clock;
pub mod commands;
pub mod config;
pub mod content;
pub mod content_epoch;
pub mod database;
pub mod error;
pub mod events;
pub mod export;
pub mod graphql;
pub mod http;
pub mod import;
pub mod mail;
pub mod newsletter;
pub mod observability;
#[cfg(feature = "otlp")]
pub mod otlp;
pub mod paging;
pub mod rate_limit;
pub mod sample_content;
pub mod scheduled_publications;
pub mod schema_evolution;
pub mod server;
pub mod telemetry;

pub use crate::http::state::AppState;

/// The whole HTTP service.
pub fn app(state: AppState) -> axum::Router {
    http::router(state)
}
