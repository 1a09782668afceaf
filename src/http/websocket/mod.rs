//! `GET /graphql/ws`: GraphQL over WebSocket in both sub-protocols (`graphql-transport-ws` and the legacy
//! `graphql-ws`), with our own session handling so that keep-alives, the `connection_init` timeout, caps on
//! connections and operations, slow-consumer disconnects and shutdown follow [`WebSocketLimits`].
//!
//! An API key may come in the `connection_init` payload as `{"Authorization": "Bearer <key>"}`; a bad key
//! ends the connection (4403), a missing one makes it anonymous.

mod connection;
pub mod hub;
pub mod protocol;

use axum::{
    extract::{State, WebSocketUpgrade},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};

use self::{
    hub::Refusal,
    protocol::{PROTOCOL_NAMES, Protocol},
};
use super::anonymous_rate_limit;
use super::state::AppState;
use crate::{client_address::ClientAddress, error::ErrorCode};
use tracing::Instrument;

/// The largest message a client may send: a GraphQL document with its variables, never content.
const MAX_CLIENT_MESSAGE: usize = 256 * 1024;

/// Bytes read from a socket at a time. Clients send small messages, and tungstenite's default (128 KiB per
/// connection, allocated up front) would cost 600 MiB at 5 000 subscribers; the buffer still grows on demand.
const READ_BUFFER: usize = 4 * 1024;

/// Seconds a client refused for lack of room should wait before it tries again.
const RETRY_AFTER_SECONDS: &str = "5";

/// The sub-protocol the client asked for, in its order of preference; none named means the legacy one.
fn requested_protocol(headers: &HeaderMap) -> Option<Protocol> {
    let Some(value) = headers.get(header::SEC_WEBSOCKET_PROTOCOL) else {
        return Some(Protocol::LegacyGraphqlWs);
    };
    value
        .to_str()
        .ok()?
        .split(',')
        .find_map(Protocol::from_name)
}

fn refusal(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    let body = code.request_error_body(message);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Upgrades the connection, unless the cap on open connections is reached (`503` with `Retry-After`).
pub async fn graphql_ws(
    State(state): State<AppState>,
    client: ClientAddress,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(protocol) = requested_protocol(&headers) else {
        return refusal(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "Sec-WebSocket-Protocol must offer graphql-transport-ws or graphql-ws",
        );
    };
    // Keys come later, in `connection_init`: every upgrade counts as anonymous.
    if let Err(refusal) = anonymous_rate_limit::check(&state, &client) {
        return refusal.into_response();
    }
    let permit = match state.websockets.try_open(client.key()) {
        Ok(permit) => permit,
        Err(full) => {
            let (status, message) = match full {
                Refusal::ServerFull => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the server holds as many WebSocket connections as it accepts; try again shortly",
                ),
                Refusal::ClientFull => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "this client holds as many WebSocket connections as one client may; close one first",
                ),
            };
            let mut response = refusal(status, ErrorCode::TooManyConnections, message);
            response.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
            return response;
        }
    };
    let span = tracing::Span::current();
    upgrade
        .protocols(PROTOCOL_NAMES)
        .max_message_size(MAX_CLIENT_MESSAGE)
        // tungstenite buffers a whole frame before the message cap applies: a frame may be no larger.
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .read_buffer_size(READ_BUFFER)
        // Every message is flushed as soon as it is written; no buffer to fill first.
        .write_buffer_size(0)
        // The session keeps the upgrade request's span, so its log lines carry the request id.
        .on_upgrade(move |socket| {
            connection::serve(socket, protocol, state, client, permit).instrument(span)
        })
}
