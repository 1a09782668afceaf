//! Every HTTP request gets an id and is counted. The id is the client's `x-request-id` when it is a
//! plausible one (up to 128 letters, digits and `-_.:`), else a new random one; it goes back in the
//! response's `x-request-id` and into the request's tracing span, so every log line written while the
//! request is served (and, for a WebSocket, while its session lasts) carries it. Requests are counted by
//! route, method and status with their latency (`crate::observability`). This middleware is the only
//! one: it also takes the request's place under load shedding (`super::load_shedding`), so that one
//! layer, not two, wraps every route.

use std::time::Instant;

use axum::{
    extract::{Request, State},
    http::{HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};
use tracing::Instrument;

use super::{load_shedding, state::AppState};
use crate::observability::Route;

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

/// This process's random 64 bits, the first half of every id it makes (ids need to be unique, not
/// secret: no system call per request).
static PROCESS_PREFIX: std::sync::LazyLock<u64> = std::sync::LazyLock::new(|| {
    crate::auth::secrets::random_bytes::<8>()
        .map(u64::from_le_bytes)
        .unwrap_or_else(|_| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
        })
});

/// Requests this process has numbered, the second half of every id.
static SEQUENCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A new request id: the process's random prefix and a sequence number, 32 hex digits.
fn new_request_id() -> HeaderValue {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let sequence = SEQUENCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let number = (u128::from(*PROCESS_PREFIX) << 64) | u128::from(sequence);
    let mut text = [0u8; 32];
    for (i, digit) in text.iter_mut().enumerate() {
        *digit = HEX[((number >> (4 * (31 - i))) & 0xf) as usize];
    }
    HeaderValue::from_bytes(&text).expect("hex is a valid header value")
}

/// The middleware: the id, the span (with a line when the answer goes out: status and latency), the
/// place under load shedding, the count.
pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .filter(|value| plausible(value))
        .cloned()
        .unwrap_or_else(new_request_id);
    let route = Route::of(request.uri().path());
    let method = request.method().clone();
    let span = tracing::info_span!(
        "http",
        request_id = id.to_str().unwrap_or_default(),
        %method,
        route = route.as_str(),
        path = request.uri().path(),
    );
    let mut response = match load_shedding::take_place(&state, route) {
        Ok(place) => {
            let response = next.run(request).instrument(span.clone()).await;
            drop(place);
            response
        }
        Err(load_shedding::Full) => load_shedding::busy(),
    };
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            status,
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "answered"
        );
    });
    response.headers_mut().insert(REQUEST_ID.clone(), id);
    state
        .observability
        .http_request(route, &method, status, elapsed);
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
        assert!(generated.as_bytes().iter().all(u8::is_ascii_hexdigit));
        assert_ne!(generated, new_request_id());
    }

    #[test]
    fn every_route_but_the_probes_is_shed_when_full() {
        for path in [
            "/graphql",
            "/graphql/ws",
            "/graphiql",
            "/graphiql/assets/app.js",
            "/schema.graphql",
        ] {
            assert!(Route::of(path).is_shed_when_full(), "{path}");
        }
        for path in ["/healthz", "/readyz", "/metrics", "/nowhere"] {
            assert!(!Route::of(path).is_shed_when_full(), "{path}");
        }
    }

    #[test]
    fn routes_are_bounded() {
        assert_eq!(Route::of("/graphql").as_str(), "/graphql");
        assert_eq!(
            Route::of("/graphiql/assets/x.js").as_str(),
            "/graphiql/assets/{name}"
        );
        assert_eq!(Route::of("/wp-admin/../../etc").as_str(), "(unmatched)");
    }
}
