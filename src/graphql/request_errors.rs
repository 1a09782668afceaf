//! Request errors: the errors of a request that never ran (its document did not parse, validate or pass
//! admission). They carry codes that the transports read to pick HTTP statuses and WebSocket messages.

use async_graphql::ServerError;

use crate::error::ErrorCode;

/// Sets `extensions.code` on an error unless it has one already.
pub fn label(mut error: ServerError, code: ErrorCode) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code.as_str());
    }
    error
}

/// An error's `extensions.code`, or `UNCODED` (for counting by code).
pub fn code_of(error: &ServerError) -> String {
    error
        .extensions
        .as_ref()
        .and_then(|extensions| match extensions.get("code") {
            Some(async_graphql::Value::String(code)) => Some(code.clone()),
            _ => None,
        })
        .unwrap_or_else(|| "UNCODED".to_owned())
}

/// Did async-graphql refuse the request before execution (validation, unknown operation)? Such a
/// response has null data and errors that point at no field path.
pub fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}
