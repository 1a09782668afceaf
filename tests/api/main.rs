//! The integration tests: the real app, started in-process over a fresh SQLite file or PostgreSQL
//! database per test (`TEST_DATABASE_URL`), spoken to over HTTP and WebSocket as clients do. One test
//! binary with a module per capability, so the app is linked once.

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod cli;
mod cross_links;
mod editorial;
mod example_operations;
mod hostile_requests;
mod http_protocol;
mod import;
mod migrations;
mod newsletter;
mod observability;
mod pagination;
mod persisted_queries;
mod postgres_tls;
mod query_plans;
mod rate_limits;
mod read_api;
mod request_fuzz;
mod response_cache;
mod schema_file;
mod search;
mod server_limits;
mod statement_count;
mod subscriptions;
mod term_columns;
mod websocket_sessions;
