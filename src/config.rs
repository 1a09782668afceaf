//! Typed configuration with documented defaults. Every knob here has a CLI flag and an environment variable
//! (see `cli.rs`) and a line in README.md's configuration table.

use std::{net::SocketAddr, time::Duration};

/// The embedded default database: a SQLite file in the working directory, created when missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://glossary.db?mode=rwc";

/// The default address `serve` binds.
pub const DEFAULT_BIND: &str = "127.0.0.1:8000";

/// The largest page a connection field returns; `first` or `last` above it is refused, never clamped.
pub const MAX_PAGE_SIZE: usize = 100;

/// The page size when a connection is asked for neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: usize = 20;

/// How long a DataLoader batch waits for more keys before it runs its one query. Resolvers of one request
/// register their keys within microseconds of each other, and the delay is added to every response that uses
/// a loader, so it is short; `bench/read.sh` measures the effect of other values.
pub const DEFAULT_BATCH_DELAY: Duration = Duration::from_micros(500);

/// How the log is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines for a terminal.
    #[default]
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Tuning of the schema, set from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct SchemaOptions {
    /// How long a DataLoader batch waits for more keys before it runs.
    pub batch_delay: Duration,
    /// Serve `__schema` and `__type` (admission refuses them first when off; this is the second lock).
    pub introspection: bool,
}

impl Default for SchemaOptions {
    fn default() -> Self {
        Self {
            batch_delay: DEFAULT_BATCH_DELAY,
            introspection: true,
        }
    }
}

/// What one GraphQL document may cost, checked on its syntax tree before it runs
/// (`graphql::admission`). A document over any limit is refused with a request error carrying the limit's
/// own code and a message giving its measure and the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueryLimits {
    /// Lexical tokens in the document (names, punctuators, numbers, strings), counted before parsing
    /// (`TOO_MANY_TOKENS`).
    pub max_tokens: usize,
    /// Field nesting (`{ a { b } }` is 2) (`QUERY_TOO_DEEP`).
    pub max_depth: u64,
    /// Field selections once fragments are expanded, aliases included (`TOO_MANY_FIELDS`).
    pub max_fields: u64,
    /// Fields at the top of the operation, aliases included (`TOO_MANY_ROOT_FIELDS`).
    pub max_root_fields: u64,
    /// Fragment spreads once fragments are expanded (`TOO_MANY_FRAGMENT_SPREADS`).
    pub max_fragment_spreads: u64,
    /// Complexity: each field 1, a list's selection multiplied by its size (`first`/`last`, the default
    /// page size when omitted, `relatedTerms` by its cap) (`QUERY_TOO_COMPLEX`).
    pub max_complexity: u64,
    /// Serve `__schema` and `__type` (`INTROSPECTION_DISABLED` when off). `__typename` always works.
    pub introspection: bool,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_tokens: 5_000,
            max_depth: 16,
            max_fields: 1_000,
            max_root_fields: 32,
            max_fragment_spreads: 500,
            max_complexity: 250_000,
            introspection: true,
        }
    }
}

/// What one admitted request may take while it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExecutionLimits {
    /// Time from the start of execution after which no field starts resolving and a query is abandoned
    /// (`REQUEST_TIMEOUT`, HTTP 504). A mutation field already running completes its own transaction.
    pub timeout: Duration,
    /// Bytes of JSON a response may reach; resolving stops beyond it (`RESPONSE_TOO_LARGE`).
    pub max_response_bytes: usize,
    /// Errors listed per response; the rest are summed up in one final error (`TOO_MANY_ERRORS`).
    pub max_errors: usize,
}

impl Default for ExecutionLimits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            max_response_bytes: 8 * 1024 * 1024,
            max_errors: 100,
        }
    }
}

/// Limits and timers of the HTTP server: what one connection or request may hold, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpLimits {
    /// Time a client has to send a whole request head (request line and headers): from the connection's
    /// opening, or from the first byte of a later request on it. A client that trickles its head is
    /// disconnected.
    pub header_read_timeout: Duration,
    /// Time a client has to send a request's whole body once its head has arrived (408,
    /// `REQUEST_TIMEOUT`).
    pub body_read_timeout: Duration,
    /// Time a keep-alive connection may sit idle between requests before it is closed.
    pub idle_timeout: Duration,
    /// Time a write may stay blocked on a client that does not read before the connection is dropped.
    pub write_timeout: Duration,
    /// The largest request body read (413, `REQUEST_TOO_LARGE`).
    pub max_body_bytes: usize,
    /// The largest request head read (431, `REQUEST_TOO_LARGE`). Heads over four times this are cut off
    /// by the HTTP parser itself, with a bare 431.
    pub max_header_bytes: usize,
    /// Requests handled at once; one more is answered at once with 503, `Retry-After` and
    /// `SERVER_BUSY`, instead of waiting in a queue without end. Health and metrics are exempt.
    pub max_requests_in_flight: usize,
    /// Open TCP connections (HTTP and WebSocket together); at the cap the server stops accepting until
    /// one closes.
    pub max_connections: usize,
    /// After SIGTERM or SIGINT: how long in-flight requests and WebSocket clients get before the process
    /// exits anyway.
    pub shutdown_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(30),
            max_body_bytes: 2 * 1024 * 1024,
            max_header_bytes: 16 * 1024,
            max_requests_in_flight: 256,
            max_connections: 25_000,
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}

/// Limits and timers of GraphQL over WebSocket (`/graphql/ws`).
#[derive(Clone, Copy, Debug)]
pub struct WebSocketLimits {
    /// Open WebSocket connections this process accepts; an upgrade beyond it gets `503` with `Retry-After`.
    pub max_connections: usize,
    /// Open WebSocket connections one client (an IPv4 address, an IPv6 /64) may hold; one more gets `429`
    /// with `Retry-After`.
    pub max_connections_per_client: usize,
    /// Operations one connection may run at once; one more is refused with an `error` message
    /// (`TOO_MANY_SUBSCRIPTIONS`) and the connection stays open.
    pub max_subscriptions_per_connection: usize,
    /// How long a client has after the upgrade to send `connection_init` (close code 4408 after it).
    pub connection_init_timeout: Duration,
    /// How often the server pings (a WebSocket Ping frame, and a `ka` message on the legacy protocol).
    pub keepalive_interval: Duration,
    /// How long after a ping the client may stay silent before it is presumed gone (close code 3008). Any
    /// frame counts, and every WebSocket library answers Ping frames with Pong frames by itself.
    pub keepalive_timeout: Duration,
    /// Messages queued for one connection that the client has not read yet. A client that falls this far
    /// behind is disconnected (close code 1008), so one stalled reader never grows the server's memory.
    pub send_queue: usize,
    /// Bytes queued for one connection, likewise (a queue always takes one message, however large).
    pub send_queue_bytes: usize,
    /// How long a closing connection waits for the client's own Close frame, and for a stalled client to
    /// take the server's.
    pub close_timeout: Duration,
}

impl Default for WebSocketLimits {
    fn default() -> Self {
        Self {
            max_connections: 20_000,
            max_connections_per_client: 100,
            max_subscriptions_per_connection: 100,
            connection_init_timeout: Duration::from_secs(10),
            keepalive_interval: Duration::from_secs(15),
            keepalive_timeout: Duration::from_secs(10),
            send_queue: 64,
            send_queue_bytes: 1024 * 1024,
            close_timeout: Duration::from_secs(3),
        }
    }
}

/// The newsletter's links, limits and lifetimes.
#[derive(Clone, Debug)]
pub struct NewsletterOptions {
    /// The confirmation link mailed to a new subscriber; `{token}` is replaced by the token. It should lead
    /// to a page of the site that calls `confirmNewsletterSubscription` (a POST, so that mail scanners that
    /// open links confirm nothing).
    pub confirm_url: String,
    /// The unsubscribe link mailed to a confirmed subscriber; `{token}` as above.
    pub unsubscribe_url: String,
    /// Newsletter requests one client (IP address) may make: a burst, refilled over a period.
    pub per_client: crate::rate_limit::RateLimit,
    /// Mails one address may be sent per 24 hours, counted in the database (so across replicas). A sign-up
    /// beyond it gets the usual answer and sends nothing.
    pub mails_per_address_per_day: u64,
    /// How long a confirmation link works.
    pub confirmation_lifetime: Duration,
}

impl Default for NewsletterOptions {
    fn default() -> Self {
        Self {
            confirm_url: "http://localhost:3000/newsletter/confirm?token={token}".to_owned(),
            unsubscribe_url: "http://localhost:3000/newsletter/unsubscribe?token={token}"
                .to_owned(),
            per_client: crate::rate_limit::RateLimit {
                burst: 10,
                period: Duration::from_secs(600),
            },
            mails_per_address_per_day: 3,
            confirmation_lifetime: Duration::from_secs(48 * 3600),
        }
    }
}

/// Everything that tunes a running app (as opposed to where it listens and what it does at start-up).
#[derive(Clone, Debug)]
pub struct AppOptions {
    /// Schema tuning (DataLoader batch delay).
    pub schema: SchemaOptions,
    /// What a document may cost before it runs.
    pub query_limits: QueryLimits,
    /// What a request may take while it runs.
    pub execution: ExecutionLimits,
    /// The HTTP server's timeouts and caps.
    pub http: HttpLimits,
    /// GraphQL over WebSocket limits.
    pub websocket: WebSocketLimits,
    /// Content events held for subscribers that have not taken them yet; one that falls further behind
    /// gets an `EVENTS_MISSED` error and its subscription ends.
    pub event_buffer: usize,
    /// The newsletter sign-up.
    pub newsletter: NewsletterOptions,
    /// Outgoing mail.
    pub mail: crate::mail::MailOptions,
    /// Requests one client may make without a valid API key (HTTP requests, WebSocket upgrades and
    /// operations); `None` switches the limit off.
    pub anonymous_rate_limit: Option<crate::rate_limit::RateLimit>,
    /// The proxies in front of the server: the client is the right-most `X-Forwarded-For` address that
    /// none of them holds. Empty: the TCP peer is the client and the header is ignored.
    pub trusted_proxies: crate::client_address::TrustedProxies,
}

/// Requests per client per minute without a valid API key: ten a second on average, all of them at once
/// if need be. A static-site build should send a key.
pub const DEFAULT_ANONYMOUS_RATE_LIMIT: crate::rate_limit::RateLimit =
    crate::rate_limit::RateLimit {
        burst: 600,
        period: Duration::from_secs(60),
    };

/// Content events held per process for subscribers (see [`AppOptions::event_buffer`]).
pub const DEFAULT_EVENT_BUFFER: usize = 1024;

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            schema: Default::default(),
            query_limits: Default::default(),
            execution: Default::default(),
            http: Default::default(),
            websocket: Default::default(),
            event_buffer: DEFAULT_EVENT_BUFFER,
            newsletter: Default::default(),
            mail: Default::default(),
            anonymous_rate_limit: Some(DEFAULT_ANONYMOUS_RATE_LIMIT),
            trusted_proxies: crate::client_address::TrustedProxies::none(),
        }
    }
}

/// Settings of the `serve` command.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// Where the HTTP server listens.
    pub bind: SocketAddr,
    /// Run pending migrations before serving.
    pub migrate: bool,
    /// Load the bundled sample glossary when the database holds no term.
    pub load_sample_content: bool,
    /// Tuning of the app.
    pub app: AppOptions,
}
