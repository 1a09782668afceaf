//! `GET /metrics`: counters in the Prometheus text format, one for every way a request or connection can
//! be refused or cut short (refusals by code, load shedding, rate limits, abandoned requests, connection
//! timeouts; kept in [`super::server_metrics`]), the WebSocket layer's, the response cache's, the SQL
//! statements run, the database pool's use, and (from [`crate::observability`]) HTTP requests by route and
//! status, GraphQL operations by name, type and outcome, errors by code and latency histograms. Meant for
//! an internal scrape, not the public internet.

use std::{
    fmt::Write,
    sync::atomic::{AtomicU64, Ordering},
};

use axum::{extract::State, http::header, response::IntoResponse};

use super::state::AppState;

/// One metric with its help line and type.
fn metric(out: &mut String, name: &str, kind: &str, help: &str, value: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
    );
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let stats = state.websockets.stats();
    let server = &state.metrics;
    let counter = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
    let mut out = String::new();
    metric(
        &mut out,
        "glossary_websocket_connections",
        "gauge",
        "Open GraphQL WebSocket connections.",
        stats.open_connections as u64,
    );
    metric(
        &mut out,
        "glossary_websocket_slow_consumer_disconnects_total",
        "counter",
        "WebSocket connections closed (1008) because the client left too much unread.",
        stats.slow_consumer_disconnects,
    );
    metric(
        &mut out,
        "glossary_websocket_keepalive_timeouts_total",
        "counter",
        "WebSocket connections closed (3008) because the client stopped answering pings.",
        stats.keepalive_timeouts,
    );
    metric(
        &mut out,
        "glossary_http_head_timeouts_total",
        "counter",
        "Connections closed because a request head did not arrive in time.",
        counter(&server.head_timeouts),
    );
    metric(
        &mut out,
        "glossary_http_idle_timeouts_total",
        "counter",
        "Keep-alive connections closed after sitting idle.",
        counter(&server.idle_timeouts),
    );
    metric(
        &mut out,
        "glossary_http_write_timeouts_total",
        "counter",
        "Connections dropped because the client stopped reading.",
        counter(&server.write_timeouts),
    );
    metric(
        &mut out,
        "glossary_http_body_timeouts_total",
        "counter",
        "Requests answered 408 because their body did not arrive in time.",
        counter(&server.body_timeouts),
    );
    metric(
        &mut out,
        "glossary_http_requests_shed_total",
        "counter",
        "Requests answered 503 because the server was handling as many as it takes.",
        counter(&server.shed),
    );
    metric(
        &mut out,
        "glossary_http_rate_limited_total",
        "counter",
        "Requests answered 429 because their client was over its rate limit.",
        counter(&server.rate_limited),
    );
    metric(
        &mut out,
        "glossary_sql_statements_total",
        "counter",
        "SQL statements run through the connection pool since the server started.",
        state.statements.get(),
    );
    metric(
        &mut out,
        "glossary_dataloader_batches_total",
        "counter",
        "DataLoader batches started since the server started: each waits for more keys, then runs its statements.",
        state.schemas.batches().get(),
    );
    let responses = &state.responses;
    metric(
        &mut out,
        "glossary_response_cache_hits_total",
        "counter",
        "Anonymous queries answered from the response cache.",
        counter(&responses.counters.hits),
    );
    metric(
        &mut out,
        "glossary_response_cache_misses_total",
        "counter",
        "Anonymous queries the response cache had no fresh answer for.",
        counter(&responses.counters.misses),
    );
    metric(
        &mut out,
        "glossary_response_cache_stored_total",
        "counter",
        "Answers kept in the response cache.",
        counter(&responses.counters.stored),
    );
    metric(
        &mut out,
        "glossary_response_cache_entries",
        "gauge",
        "Answers in the response cache now.",
        responses.len() as u64,
    );
    metric(
        &mut out,
        "glossary_response_cache_bytes",
        "gauge",
        "Bytes of answers in the response cache now.",
        responses.weight(),
    );
    let refusals = server
        .refusals
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    let _ = writeln!(
        out,
        "# HELP glossary_graphql_refusals_total Errors of requests refused before they ran, or abandoned, by code.\n# TYPE glossary_graphql_refusals_total counter"
    );
    for (code, count) in refusals {
        let _ = writeln!(
            out,
            "glossary_graphql_refusals_total{{code=\"{code}\"}} {count}"
        );
    }
    pool_gauges(&mut out, &state.db);
    // HTTP requests, GraphQL operations, errors by code, latency histograms; ends with `# EOF`.
    state.observability.encode(&mut out);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
}

/// The database pool: connections open, idle, and the most it may open.
fn pool_gauges(out: &mut String, db: &sea_orm::DatabaseConnection) {
    let (size, idle, max) = match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        _ => {
            let pool = db.get_postgres_connection_pool();
            (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
    };
    let idle = idle as u64;
    let size = u64::from(size);
    let _ = writeln!(
        out,
        "# HELP glossary_database_pool_connections Database connections open, by state.\n# TYPE glossary_database_pool_connections gauge\n\
         glossary_database_pool_connections{{state=\"in_use\"}} {}\nglossary_database_pool_connections{{state=\"idle\"}} {idle}",
        size.saturating_sub(idle)
    );
    metric(
        out,
        "glossary_database_pool_max_connections",
        "gauge",
        "Connections the database pool may open.",
        u64::from(max),
    );
}
