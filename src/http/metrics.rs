//! `GET /metrics`: counters in the Prometheus text format. For now the WebSocket layer's (open connections,
//! and why connections were dropped); request metrics join them later. Meant for an internal scrape, not
//! the public internet.

use std::fmt::Write;

use axum::{extract::State, http::header, response::IntoResponse};

use crate::AppState;

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
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
}
