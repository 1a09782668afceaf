//! The two GraphQL-over-WebSocket sub-protocols on the wire: `graphql-transport-ws` (the `graphql-ws`
//! library's protocol) and the legacy `graphql-ws` (Apollo's subscriptions-transport-ws). Client messages are
//! parsed here and server messages written here; the connection loop decides what to send when.

use async_graphql::{Response, ServerError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The negotiated sub-protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// `graphql-transport-ws`: subscribe/next/complete, ping/pong, 44xx close codes.
    GraphqlTransportWs,
    /// Legacy `graphql-ws`: start/data/stop, `ka` keep-alives.
    LegacyGraphqlWs,
}

/// `Sec-WebSocket-Protocol` values we accept, in order of preference.
pub const PROTOCOL_NAMES: [&str; 2] = ["graphql-transport-ws", "graphql-ws"];

impl Protocol {
    /// The protocol a `Sec-WebSocket-Protocol` value names.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim() {
            "graphql-transport-ws" => Some(Protocol::GraphqlTransportWs),
            "graphql-ws" => Some(Protocol::LegacyGraphqlWs),
            _ => None,
        }
    }
}

/// Close codes the server uses. 44xx are `graphql-transport-ws`'s own; 3008 is IANA's "Timeout".
pub mod close_code {
    /// The client ended the session (or asked to).
    pub const NORMAL: u16 = 1000;
    /// The server is shutting down.
    pub const GOING_AWAY: u16 = 1001;
    /// The client let more than the send queue's worth of messages pile up unread.
    pub const SLOW_CONSUMER: u16 = 1008;
    /// A message too big to take.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// The server failed (its database, say); the details are in its log.
    pub const INTERNAL_ERROR: u16 = 1011;
    /// The client stopped answering keep-alive pings.
    pub const KEEPALIVE_TIMEOUT: u16 = 3008;
    /// A message the protocol does not allow.
    pub const BAD_REQUEST: u16 = 4400;
    /// An operation before the connection was acknowledged.
    pub const UNAUTHORIZED: u16 = 4401;
    /// `connection_init` carried a key the server refuses.
    pub const FORBIDDEN: u16 = 4403;
    /// No `connection_init` in time.
    pub const INIT_TIMEOUT: u16 = 4408;
    /// An operation id that is already running.
    pub const SUBSCRIBER_EXISTS: u16 = 4409;
    /// A second `connection_init`.
    pub const TOO_MANY_INIT: u16 = 4429;
}

/// A message from the client (of either protocol; the connection refuses the other protocol's messages).
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Opens the session; the payload may carry `Authorization`.
    ConnectionInit {
        /// Connection parameters.
        #[serde(default)]
        payload: Option<Value>,
    },
    /// Starts an operation (`graphql-transport-ws`).
    Subscribe {
        /// The client's id for the operation.
        id: String,
        /// The GraphQL request.
        payload: async_graphql::Request,
    },
    /// Starts an operation (legacy).
    Start {
        /// The client's id for the operation.
        id: String,
        /// The GraphQL request.
        payload: async_graphql::Request,
    },
    /// Stops an operation (`graphql-transport-ws`).
    Complete {
        /// The operation.
        id: String,
    },
    /// Stops an operation (legacy).
    Stop {
        /// The operation.
        id: String,
    },
    /// Asks for a `pong` (`graphql-transport-ws`).
    Ping {
        /// Echoed back.
        #[serde(default)]
        payload: Option<Value>,
    },
    /// Answers a `ping` (`graphql-transport-ws`).
    Pong {
        /// Ignored.
        #[serde(default)]
        #[allow(dead_code)]
        payload: Option<Value>,
    },
    /// Ends the session (legacy).
    ConnectionTerminate,
}

impl ClientMessage {
    /// Does this message belong to `protocol`?
    pub fn belongs_to(&self, protocol: Protocol) -> bool {
        match self {
            ClientMessage::ConnectionInit { .. } => true,
            ClientMessage::Subscribe { .. }
            | ClientMessage::Complete { .. }
            | ClientMessage::Ping { .. }
            | ClientMessage::Pong { .. } => protocol == Protocol::GraphqlTransportWs,
            ClientMessage::Start { .. }
            | ClientMessage::Stop { .. }
            | ClientMessage::ConnectionTerminate => protocol == Protocol::LegacyGraphqlWs,
        }
    }
}

/// `connection_ack`.
pub fn connection_ack() -> String {
    r#"{"type":"connection_ack"}"#.to_owned()
}

/// Legacy keep-alive.
pub fn keep_alive() -> String {
    r#"{"type":"ka"}"#.to_owned()
}

/// Legacy refusal of `connection_init`.
pub fn connection_error(message: &str) -> String {
    json!({ "type": "connection_error", "payload": { "message": message } }).to_string()
}

/// `pong`, echoing the ping's payload.
pub fn pong(payload: Option<Value>) -> String {
    match payload {
        Some(payload) => json!({ "type": "pong", "payload": payload }).to_string(),
        None => r#"{"type":"pong"}"#.to_owned(),
    }
}

#[derive(Serialize)]
struct ResultMessage<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a str,
    payload: ResultPayload<'a>,
}

/// The payload of `next`/`data`: like an HTTP response body, without empty members.
#[derive(Serialize)]
struct ResultPayload<'a> {
    data: &'a async_graphql::Value,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

/// A result of an operation: `next` (`graphql-transport-ws`) or `data` (legacy).
pub fn next(protocol: Protocol, id: &str, response: &Response) -> String {
    let message = ResultMessage {
        kind: match protocol {
            Protocol::GraphqlTransportWs => "next",
            Protocol::LegacyGraphqlWs => "data",
        },
        id,
        payload: ResultPayload {
            data: &response.data,
            errors: &response.errors,
            extensions: &response.extensions,
        },
    };
    serde_json::to_string(&message).unwrap_or_else(|_| {
        error(
            id,
            &[ServerError::new("the result could not be encoded", None)],
        )
    })
}

/// An operation that failed before it ran (both protocols): the payload is the list of errors.
pub fn error(id: &str, errors: &[ServerError]) -> String {
    json!({ "type": "error", "id": id, "payload": errors }).to_string()
}

/// The operation is over (both protocols).
pub fn complete(id: &str) -> String {
    json!({ "type": "complete", "id": id }).to_string()
}
