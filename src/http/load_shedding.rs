//! Load shedding: at most `max_requests_in_flight` requests are handled at once. One more is answered
//! at once with 503, `Retry-After` and `SERVER_BUSY` instead of joining a queue without end, so that a
//! burst costs the server a refusal each, and clients back off. The probes stay outside it, so that a
//! full server still answers them. The request's outermost middleware (`request_observation::observe`)
//! takes the place, so that a refusal is counted and logged like any other answer.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use tokio::sync::OwnedSemaphorePermit;

use super::state::AppState;
use crate::{error::ErrorCode, observability::Route};

/// Seconds a shed client should wait before it tries again.
const RETRY_AFTER_SECONDS: &str = "1";

/// Every place is taken: the request is refused with [`busy`] (and was counted as shed).
pub struct Full;

/// A place for a request on `route`, held until its response is returned: `Ok(None)` for a route outside
/// load shedding, [`Full`] when every place is taken.
pub fn take_place(state: &AppState, route: Route) -> Result<Option<OwnedSemaphorePermit>, Full> {
    if !route.is_shed_when_full() {
        return Ok(None);
    }
    match state.requests_in_flight.clone().try_acquire_owned() {
        Ok(place) => Ok(Some(place)),
        Err(_) => {
            state.metrics.count_shed();
            Err(Full)
        }
    }
}

/// The answer to a request refused for want of a place: 503 with `Retry-After` and `SERVER_BUSY`.
pub fn busy() -> Response {
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
    response
}
