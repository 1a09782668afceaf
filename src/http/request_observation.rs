//! Every HTTP request gets an id and is counted. The id is the client's `x-request-id` when it is a
//! plausible one (up to 128 letters, digits and `-_.:`), else a new random one; it goes back in the
//! response's `x-request-id` and into the request's tracing span, so every log line written while the
//! request is served (and, for a WebSocket, while its session lasts) carries it. Requests are counted by
//! route, method and status with their latency (`crate::observability`).

use std::time::Instant;

use axum::{
    extract::{Request, State},
    http::{HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};
use tracing::Instrument;

use super::state::AppState;

/// The header that carries a request's id both ways.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The most characters of a client's request id we keep.
const MAX_REQUEST_ID: usize = 128;

/// A request id of a client that we can put in logs and headers as it is.
fn plausible(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_REQUEST_ID
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// A new request id: 16 random bytes, hex.
fn new_request_id() -> HeaderValue {
    let bytes: [u8; 16] = rand_bytes();
    let text: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    HeaderValue::from_str(&text).expect("hex is a valid header value")
}

fn rand_bytes() -> [u8; 16] {
    crate::auth::secrets::random_bytes::<16>().unwrap_or_else(|_| {
        // The system's randomness failed: ids need only be unique, not secret.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        nanos.to_le_bytes()
    })
}

/// The route a path belongs to, for labels: one of ours, or `(unmatched)`, never the raw path.
pub fn route_of(path: &str) -> &'static str {
    match path {
        "/graphql" => "/graphql",
        "/graphql/ws" => "/graphql/ws",
        "/graphiql" => "/graphiql",
        "/schema.graphql" => "/schema.graphql",
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        "/metrics" => "/metrics",
        _ if path.starts_with("/graphiql/assets/") => "/graphiql/assets/{name}",
        _ => "(unmatched)",
    }
}

/// The middleware: the id, the span, the count.
pub async fn observe(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .filter(|value| plausible(value))
        .cloned()
        .unwrap_or_else(new_request_id);
    request.headers_mut().insert(REQUEST_ID.clone(), id.clone());
    let route = route_of(request.uri().path());
    let method = request.method().clone();
    let span = tracing::info_span!(
        "http",
        request_id = id.to_str().unwrap_or_default(),
        %method,
        route
    );
    let mut response = next.run(request).instrument(span).await;
    response.headers_mut().insert(REQUEST_ID.clone(), id);
    state.observability.http_request(
        route,
        &method,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_kept_only_when_plausible() {
        assert!(plausible(&HeaderValue::from_static("req-42_a.b:c")));
        assert!(!plausible(&HeaderValue::from_static("")));
        assert!(!plausible(&HeaderValue::from_static("has space")));
        assert!(!plausible(
            &HeaderValue::from_str(&"x".repeat(129)).unwrap()
        ));
        let generated = new_request_id();
        assert_eq!(generated.len(), 32);
        assert_ne!(generated, new_request_id());
    }

    #[test]
    fn routes_are_bounded() {
        assert_eq!(route_of("/graphql"), "/graphql");
        assert_eq!(route_of("/graphiql/assets/x.js"), "/graphiql/assets/{name}");
        assert_eq!(route_of("/wp-admin/../../etc"), "(unmatched)");
    }
}
