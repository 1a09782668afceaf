//! The [`ClientAddress`] of an HTTP request, taken from its connection's peer and, behind trusted proxies,
//! its `X-Forwarded-For` headers (see `crate::client_address` for the rule).

use std::{convert::Infallible, net::SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};

use super::state::AppState;
use crate::client_address::ClientAddress;

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0);
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok());
        Ok(ClientAddress::resolve(
            peer,
            forwarded,
            &state.trusted_proxies,
        ))
    }
}
