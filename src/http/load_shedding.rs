//! Load shedding: at most `max_requests_in_flight` requests are handled at once. One more is answered
//! at once with 503, `Retry-After` and `SERVER_BUSY` instead of joining a queue without end, so that a
//! burst costs the server a refusal each, and clients back off.

use axum::{
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::state::AppState;
use crate::error::ErrorCode;

/// Seconds a shed client should wait before it tries again.
const RETRY_AFTER_SECONDS: &str = "1";

/// The middleware: takes a place for the request, or refuses it.
pub async fn shed_load(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Ok(place) = state.requests_in_flight.clone().try_acquire_owned() else {
        state.metrics.count_shed();
        let body = ErrorCode::ServerBusy.request_error_body(
            "the server is handling as many requests as it takes at once; try again shortly",
        );
        let mut response = (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response();
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(RETRY_AFTER_SECONDS),
        );
        return response;
    };
    let response = next.run(request).await;
    drop(place);
    response
}
