//! The HTTP surface: routes, the per-request tracing span (`request_observation`), and graceful
//! shutdown.

pub mod anonymous_rate_limit;
pub mod cache_headers;
pub mod client_address;
pub mod connection_clock;
pub mod connections;
pub mod graphiql;
pub mod graphql_over_http;
pub mod health;
pub mod load_shedding;
pub mod media_type;
pub mod metrics;
pub mod request_observation;
pub mod request_params;
pub mod response_cache;
pub mod response_json;
pub mod server_metrics;
pub mod state;
pub mod websocket;

use axum::{
    Router,
    http::{HeaderValue, StatusCode, header},
    response::IntoResponse,
    routing::get,
};

use self::state::AppState;
use crate::error::ErrorCode;

/// `GET /schema.graphql`: the schema as SDL, for code generators.
async fn schema_sdl(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        state.schemas.sdl(),
    )
}

/// A coded JSON error outside GraphQL (an unknown path, a method an endpoint does not take).
fn coded(status: StatusCode, code: ErrorCode, message: &str) -> axum::response::Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        code.request_error_body(message).to_string(),
    )
        .into_response()
}

/// Any path the service does not have: 404.
async fn not_found() -> axum::response::Response {
    coded(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        "no endpoint here: GraphQL is served at /graphql",
    )
}

/// A method the endpoint does not take: 405 (axum adds the `Allow` header).
async fn method_not_allowed() -> axum::response::Response {
    coded(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "this endpoint does not take this HTTP method",
    )
}

/// Every route of the service. Health and metrics stay outside load shedding (see
/// `Route::is_shed_when_full`), so that a full server still answers its probes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/graphql",
            get(graphql_over_http::graphql_get).post(graphql_over_http::graphql_post),
        )
        // Both WebSocket sub-protocols (`graphql-transport-ws` and legacy `graphql-ws`) are negotiated here.
        .route("/graphql/ws", get(websocket::graphql_ws))
        .route("/graphiql", get(graphiql::graphiql))
        .route("/graphiql/assets/{name}", get(graphiql::asset))
        .route("/schema.graphql", get(schema_sdl))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // The one middleware: the request's span is open before anything logs, every answer is
        // counted, and every route but the probes is under load shedding.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            request_observation::observe,
        ))
        .with_state(state)
}

/// Resolves when the process gets SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
