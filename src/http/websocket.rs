//! `GET /graphql/ws`: GraphQL over WebSocket in both sub-protocols (`graphql-transport-ws` and the legacy
//! `graphql-ws`). An API key may come in the `connection_init` payload as
//! `{"Authorization": "Bearer <key>"}`; a bad key ends the connection, a missing one makes it anonymous.

use async_graphql::{Data, http::ALL_WEBSOCKET_PROTOCOLS};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::{
    extract::{State, WebSocketUpgrade},
    response::Response,
};

use crate::{AppState, auth::api_keys};

/// Upgrades the connection and serves GraphQL operations on it until either side closes it.
pub async fn graphql_ws(
    State(state): State<AppState>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let schema = state.schema.clone();
    let db = state.db.clone();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |stream| {
            GraphQLWebSocket::new(stream, schema, protocol)
                .on_connection_init(move |payload| async move {
                    let authorization = ["Authorization", "authorization"]
                        .iter()
                        .find_map(|key| payload.get(*key))
                        .and_then(|value| value.as_str());
                    let viewer = api_keys::authenticate(&db, authorization).await?;
                    let mut data = Data::default();
                    data.insert(viewer);
                    Ok(data)
                })
                .serve()
        })
}
