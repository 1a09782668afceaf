//! The one error type of the service and its single mapping to the wire.
//!
//! Domain code returns [`Error`]; the GraphQL layer turns it into an error with `extensions.code` (and
//! `extensions.field` where an argument is at fault) through `From<Error> for async_graphql::Error`. Internal
//! errors are logged in full and shown to clients only as `INTERNAL_SERVER_ERROR`.

use std::fmt;

use async_graphql::ErrorExtensions;

/// Every `extensions.code` value the API returns. README.md documents each one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// The GraphQL document could not be parsed.
    GraphqlParseFailed,
    /// The document is not valid against the schema (or names no runnable operation).
    GraphqlValidationFailed,
    /// The document has more lexical tokens than the server reads.
    TooManyTokens,
    /// The document nests fields (or brackets, or fragments) deeper than the server allows.
    QueryTooDeep,
    /// The document selects more fields, once fragments are expanded, than the server allows.
    TooManyFields,
    /// The operation selects more root fields than the server allows.
    TooManyRootFields,
    /// Fragments are spread more often, once expanded, than the server allows.
    TooManyFragmentSpreads,
    /// The document's complexity (lists multiply their selections by their sizes) is over the limit.
    QueryTooComplex,
    /// The document asks for `__schema` or `__type` and introspection is switched off.
    IntrospectionDisabled,
    /// The request ran out of its time budget; what it asked for was abandoned.
    RequestTimeout,
    /// The response grew past the size the server sends; resolving stopped.
    ResponseTooLarge,
    /// More errors than a response lists; this one sums up the rest.
    TooManyErrors,
    /// The HTTP request body is larger than the server reads (HTTP 413).
    RequestTooLarge,
    /// The server is handling as many requests as it takes at once (HTTP 503 with `Retry-After`).
    ServerBusy,
    /// No endpoint at this path (HTTP 404).
    NotFound,
    /// The endpoint does not take this HTTP method, or a GET carried a mutation (HTTP 405 with `Allow`).
    MethodNotAllowed,
    /// The HTTP request itself is malformed: bad JSON body, missing `query`, bad `variables`.
    BadRequest,
    /// An automatic persisted query named by its hash alone, and the server does not hold that hash (yet):
    /// send the query text with the hash once, then the hash alone (Apollo's protocol; the message is
    /// `PersistedQueryNotFound`, as Apollo's clients expect).
    PersistedQueryNotFound,
    /// Automatic persisted queries are switched off on this server (`--persisted-query-cache-bytes 0`):
    /// send the query text without `extensions.persistedQuery`.
    PersistedQueryNotSupported,
    /// The server runs only the documents of its trusted-documents manifest, and this is not one of them.
    TrustedDocumentRequired,
    /// An argument has a value the API refuses: a page size over the maximum, a malformed cursor or id.
    BadUserInput,
    /// The operation needs an API key and none was sent, or the key sent is malformed, unknown or revoked.
    Unauthenticated,
    /// The API key is valid but its role is too small for the operation.
    Forbidden,
    /// Too many requests from this client (or for this address) in a short time; `extensions.retryAfter`
    /// says how many seconds to wait.
    RateLimited,
    /// A WebSocket connection asked for more concurrent operations than the server allows per connection.
    TooManySubscriptions,
    /// The server holds as many WebSocket connections as it accepts (HTTP 503 on the upgrade).
    TooManyConnections,
    /// A subscriber fell so far behind the event stream that events were dropped; its subscription ends, and
    /// it should subscribe again and refetch what it shows.
    EventsMissed,
    /// Something failed on our side; the details are in the server log, never in the response.
    InternalServerError,
}

impl ErrorCode {
    /// The SCREAMING_SNAKE name clients see.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            ErrorCode::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            ErrorCode::TooManyTokens => "TOO_MANY_TOKENS",
            ErrorCode::QueryTooDeep => "QUERY_TOO_DEEP",
            ErrorCode::TooManyFields => "TOO_MANY_FIELDS",
            ErrorCode::TooManyRootFields => "TOO_MANY_ROOT_FIELDS",
            ErrorCode::TooManyFragmentSpreads => "TOO_MANY_FRAGMENT_SPREADS",
            ErrorCode::QueryTooComplex => "QUERY_TOO_COMPLEX",
            ErrorCode::IntrospectionDisabled => "INTROSPECTION_DISABLED",
            ErrorCode::RequestTimeout => "REQUEST_TIMEOUT",
            ErrorCode::ResponseTooLarge => "RESPONSE_TOO_LARGE",
            ErrorCode::TooManyErrors => "TOO_MANY_ERRORS",
            ErrorCode::RequestTooLarge => "REQUEST_TOO_LARGE",
            ErrorCode::ServerBusy => "SERVER_BUSY",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            ErrorCode::BadRequest => "BAD_REQUEST",
            ErrorCode::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            ErrorCode::PersistedQueryNotSupported => "PERSISTED_QUERY_NOT_SUPPORTED",
            ErrorCode::TrustedDocumentRequired => "TRUSTED_DOCUMENT_REQUIRED",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::TooManySubscriptions => "TOO_MANY_SUBSCRIPTIONS",
            ErrorCode::TooManyConnections => "TOO_MANY_CONNECTIONS",
            ErrorCode::EventsMissed => "EVENTS_MISSED",
            ErrorCode::InternalServerError => "INTERNAL_SERVER_ERROR",
        }
    }
}

impl ErrorCode {
    /// The body of a response refused before any GraphQL ran: one error with this code.
    pub fn request_error_body(self, message: &str) -> serde_json::Value {
        serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": self.as_str() } }] })
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing wrong with a pack, located by line and field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackProblem {
    /// 1-based line number in the file.
    pub line: usize,
    /// The field at fault (`sections[2].heading`), or empty when the line as a whole is.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for PackProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            write!(f, "line {}: {}: {}", self.line, self.field, self.message)
        }
    }
}

/// The error type of the domain and data layers.
///
/// It deliberately does not implement `Display`: async-graphql converts any `Display` type into a GraphQL
/// error with its text as the message, and that blanket conversion would bypass the mapping below (and show
/// internal details to clients). [`Error::describe`] gives the text for logs and the command line.
#[derive(Debug)]
pub enum Error {
    /// A client-supplied value is unacceptable. `field` names the argument or input field at fault.
    BadUserInput {
        /// The argument or input field at fault, as the client spelled it.
        field: Option<String>,
        /// What is wrong, in words a client developer can act on.
        message: String,
    },
    /// No valid API key where one is needed.
    Unauthenticated(String),
    /// A valid API key whose role is too small.
    Forbidden(String),
    /// The client (or the address it names) asked too often; it may try again after the given time.
    RateLimited {
        /// What was limited, in words.
        message: String,
        /// How long until the next attempt may succeed.
        retry_after: std::time::Duration,
    },
    /// A subscriber missed this many events (it fell too far behind); its subscription ends.
    EventsMissed(u64),
    /// A content pack failed its checks; nothing was written.
    InvalidPack(Vec<PackProblem>),
    /// The database failed.
    Database(sea_orm::DbErr),
    /// An invariant of ours broke.
    Internal(String),
}

impl Error {
    /// A [`Error::BadUserInput`] naming the argument at fault.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::BadUserInput {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// The error in words, for logs and the command line (internal details included).
    pub fn describe(&self) -> String {
        match self {
            Error::BadUserInput { message, .. }
            | Error::RateLimited { message, .. }
            | Error::Unauthenticated(message)
            | Error::Forbidden(message) => message.clone(),
            Error::InvalidPack(problems) => {
                format!(
                    "the content pack has {} problem(s); nothing was imported",
                    problems.len()
                )
            }
            Error::EventsMissed(missed) => format!(
                "this subscription fell behind and missed {missed} event(s); subscribe again and refetch"
            ),
            Error::Database(error) => format!("database error: {error}"),
            Error::Internal(message) => format!("internal error: {message}"),
        }
    }

    /// The code clients see for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::BadUserInput { .. } | Error::InvalidPack(_) => ErrorCode::BadUserInput,
            Error::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::RateLimited { .. } => ErrorCode::RateLimited,
            Error::EventsMissed(_) => ErrorCode::EventsMissed,
            Error::Database(_) | Error::Internal(_) => ErrorCode::InternalServerError,
        }
    }
}

/// The only place where domain errors become GraphQL errors.
impl From<Error> for async_graphql::Error {
    fn from(error: Error) -> Self {
        let code = error.code();
        let retry_after = match &error {
            // Whole seconds, rounded up, as in HTTP's Retry-After.
            Error::RateLimited { retry_after, .. } => Some(retry_after.as_secs_f64().ceil() as u64),
            _ => None,
        };
        let (message, field) = match error {
            Error::RateLimited { message, .. } => (message, None),
            missed @ Error::EventsMissed(_) => (missed.describe(), None),
            Error::BadUserInput { field, message } => (message, field),
            Error::Unauthenticated(message) | Error::Forbidden(message) => (message, None),
            Error::InvalidPack(problems) => (
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
                None,
            ),
            internal => {
                tracing::error!(
                    error = internal.describe(),
                    "internal error while resolving a field"
                );
                ("Internal server error".to_owned(), None)
            }
        };
        async_graphql::Error::new(message).extend_with(|_, extensions| {
            extensions.set("code", code.as_str());
            if let Some(field) = field {
                extensions.set("field", field);
            }
            if let Some(seconds) = retry_after {
                extensions.set("retryAfter", seconds);
            }
        })
    }
}

impl From<sea_orm::DbErr> for Error {
    fn from(error: sea_orm::DbErr) -> Self {
        Error::Database(error)
    }
}

/// Shorthand for results of the domain and data layers.
pub type Result<T, E = Error> = std::result::Result<T, E>;
