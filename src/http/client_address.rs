//! Who is at the other end of a request, for per-client rate limits: the TCP peer's IP address, or behind a
//! trusted proxy (`--trust-forwarded-for`) the first address of `X-Forwarded-For`.

use std::{convert::Infallible, net::SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, request::Parts},
};

use crate::AppState;

/// The client's address as text (an IP address, or `unknown` when the server cannot tell).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub String);

impl ClientAddress {
    /// The address from a request's headers and peer.
    pub fn of(headers: &HeaderMap, peer: Option<SocketAddr>, trust_forwarded_for: bool) -> Self {
        let forwarded = trust_forwarded_for
            .then(|| headers.get("x-forwarded-for")?.to_str().ok())
            .flatten()
            .and_then(|value| value.split(',').next())
            .map(str::trim)
            .filter(|first| !first.is_empty());
        match (forwarded, peer) {
            (Some(first), _) => ClientAddress(first.to_owned()),
            (None, Some(peer)) => ClientAddress(peer.ip().to_string()),
            (None, None) => ClientAddress("unknown".to_owned()),
        }
    }
}

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0);
        Ok(Self::of(&parts.headers, peer, state.trust_forwarded_for))
    }
}
