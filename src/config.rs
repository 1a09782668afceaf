//! Typed configuration: one struct per concern, each deriving clap's `Args`, so that a setting's flag,
//! environment variable, default and help are written once, where the setting is defined (`cli.rs`
//! flattens them into `serve`). [`defaults`] reads a struct's defaults from those same declarations, so
//! `Default` and `--help` agree by construction. A few settings are fixed (marked `skip`); README.md's
//! configuration table lists every flag.

use std::{net::SocketAddr, time::Duration};

/// The defaults of an option struct, as its flags declare them (the environment is not read).
pub fn defaults<T: clap::Args + clap::FromArgMatches>() -> T {
    let command =
        T::augment_args(clap::Command::new("defaults")).mut_args(|arg| arg.env(None::<&str>));
    let matches = command
        .try_get_matches_from(["defaults"])
        .expect("every setting has a default");
    T::from_arg_matches(&matches).expect("the defaults parse")
}

/// `--…-secs` values.
fn seconds(text: &str) -> Result<Duration, String> {
    text.parse()
        .map(Duration::from_secs)
        .map_err(|_| format!("{text:?} is not a whole number of seconds"))
}

/// `--…-ms` values.
fn milliseconds(text: &str) -> Result<Duration, String> {
    text.parse()
        .map(Duration::from_millis)
        .map_err(|_| format!("{text:?} is not a whole number of milliseconds"))
}

/// Counts that must be at least 1.
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(count) if count >= 1 => Ok(count),
        _ => Err(format!("{text:?} is not a count of at least 1")),
    }
}

/// `--…-us` values.
fn microseconds(text: &str) -> Result<Duration, String> {
    text.parse()
        .map(Duration::from_micros)
        .map_err(|_| format!("{text:?} is not a whole number of microseconds"))
}

/// `--term-link-prefix`: a site path (`/terms/`) or an absolute `http(s)://` URL, written into `href`
/// attributes as it is, so it holds no quote, angle bracket, ampersand, space or control character.
fn link_prefix(text: &str) -> Result<String, String> {
    let allowed =
        text.starts_with('/') || text.starts_with("https://") || text.starts_with("http://");
    if !allowed {
        return Err(format!("{text:?} must start with /, https:// or http://"));
    }
    if let Some(c) = text
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || "\"'<>&`".contains(*c))
    {
        return Err(format!("{text:?} must not contain {c:?}"));
    }
    Ok(text.to_owned())
}

/// The embedded default database: a SQLite file in the working directory, created when missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://glossary.db?mode=rwc";

/// The default address `serve` binds.
pub const DEFAULT_BIND: &str = "127.0.0.1:8000";

/// How the log is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines for a terminal.
    #[default]
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Tuning of the schema.
#[derive(Clone, Debug, clap::Args)]
pub struct SchemaOptions {
    /// Microseconds a DataLoader batch waits for more keys before its one query. Resolvers of one request
    /// register their keys within microseconds of each other, and the delay is added to every response
    /// that uses a loader, so it is short; `bench/read.sh` measures the effect of other values. The wait
    /// is on tokio's timer, which fires on millisecond ticks: a batch waits up to a millisecond more.
    /// A term page's batch (`term(slug:)`) does not wait: it starts as soon as a slot is free.
    #[arg(
        long = "batch-delay-us",
        env = "GLOSSARY_BATCH_DELAY_US",
        value_parser = microseconds,
        default_value = "100"
    )]
    pub batch_delay: Duration,
    /// Where automatic cross-links in section bodies and FAQ answers point: this prefix followed by
    /// the term's slug. A site path starting with `/` or an absolute `http(s)://` URL.
    #[arg(
        long = "term-link-prefix",
        env = "GLOSSARY_TERM_LINK_PREFIX",
        value_parser = link_prefix,
        default_value = "/terms/"
    )]
    pub term_link_prefix: String,
    /// Serve `__schema` and `__type` (admission refuses them first when off; this is the second lock). Set
    /// from [`QueryLimits::introspection`].
    #[arg(skip = true)]
    pub introspection: bool,
    /// Bytes of linked texts kept. Set from [`CacheOptions::linked_text_cache_bytes`].
    #[arg(skip = LINKED_TEXT_CACHE_BYTES)]
    pub linked_text_cache_bytes: usize,
}

impl Default for SchemaOptions {
    fn default() -> Self {
        defaults()
    }
}

/// What one GraphQL document may cost, checked on its syntax tree before it runs
/// (`graphql::admission`). A document over any limit is refused with a request error carrying the limit's
/// own code and a message giving its measure and the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::Args)]
pub struct QueryLimits {
    /// Lexical tokens in a document (names, punctuators, numbers, strings), counted before parsing
    /// (`TOO_MANY_TOKENS`).
    #[arg(long, env = "GLOSSARY_MAX_TOKENS", default_value_t = 5_000)]
    pub max_tokens: usize,
    /// Field nesting a query may have (`{ a { b } }` is 2) (`QUERY_TOO_DEEP`).
    #[arg(long, env = "GLOSSARY_MAX_DEPTH", default_value_t = 16)]
    pub max_depth: u64,
    /// Field selections once fragments are expanded, aliases included (`TOO_MANY_FIELDS`).
    #[arg(long, env = "GLOSSARY_MAX_FIELDS", default_value_t = 1_000)]
    pub max_fields: u64,
    /// Fields at the top of an operation, aliases included (`TOO_MANY_ROOT_FIELDS`).
    #[arg(long, env = "GLOSSARY_MAX_ROOT_FIELDS", default_value_t = 32)]
    pub max_root_fields: u64,
    /// Fragment spreads once fragments are expanded (`TOO_MANY_FRAGMENT_SPREADS`).
    #[arg(long, env = "GLOSSARY_MAX_FRAGMENT_SPREADS", default_value_t = 500)]
    pub max_fragment_spreads: u64,
    /// Complexity: each field 1, a list's selection multiplied by its size (`first`/`last`, the default
    /// page size when omitted, `relatedTerms` by its cap) (`QUERY_TOO_COMPLEX`).
    #[arg(long, env = "GLOSSARY_MAX_COMPLEXITY", default_value_t = 250_000)]
    pub max_complexity: u64,
    /// Refuse `__schema` and `__type` (`INTROSPECTION_DISABLED`); `__typename` always works and
    /// `schema.graphql` stays published.
    #[arg(long, env = "GLOSSARY_NO_INTROSPECTION")]
    pub no_introspection: bool,
}

impl QueryLimits {
    /// Whether `__schema` and `__type` are served.
    pub fn introspection(&self) -> bool {
        !self.no_introspection
    }
}

impl Default for QueryLimits {
    fn default() -> Self {
        defaults()
    }
}

/// The default of [`CacheOptions::linked_text_cache_bytes`]: the texts of a few thousand term pages of the
/// benchmark's pack.
pub const LINKED_TEXT_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// Memory the server spends so that repeated requests cost less.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::Args)]
pub struct CacheOptions {
    /// Bytes of parsed GraphQL documents kept (an estimate of their size in memory), so that a document
    /// seen before is not parsed again; 0 switches the cache off.
    #[arg(long, env = "GLOSSARY_DOCUMENT_CACHE_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub document_cache_bytes: usize,
    /// Bytes of anonymous query answers kept in memory and sent again to identical anonymous requests
    /// until content changes (on any replica); 0 switches the response cache off.
    #[arg(long, env = "GLOSSARY_RESPONSE_CACHE_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub response_cache_bytes: usize,
    /// Bytes of section bodies and FAQ answers kept with where their automatic cross-links go (the
    /// stored HTML and the links' positions), so that a text read again is not searched for names
    /// again; dropped whenever the set of public names changes. 0 searches every text at every request.
    #[arg(long, env = "GLOSSARY_LINKED_TEXT_CACHE_BYTES", default_value_t = LINKED_TEXT_CACHE_BYTES)]
    pub linked_text_cache_bytes: usize,
    /// `max-age` of `Cache-Control: public` on anonymous GET answers, for browsers and CDNs; 0 makes them
    /// check every time (a 304 when the `ETag` still matches).
    #[arg(long, env = "GLOSSARY_PUBLIC_MAX_AGE_SECS", default_value_t = 0)]
    pub public_max_age_secs: u32,
}

impl Default for CacheOptions {
    fn default() -> Self {
        defaults()
    }
}

/// Documents named by hash (src/graphql/persisted_documents.rs).
#[derive(Clone, Debug, clap::Args)]
pub struct PersistedDocumentOptions {
    /// Bytes of document text kept for Apollo's automatic persisted queries (`extensions.persistedQuery`),
    /// per replica; 0 switches them off (`PERSISTED_QUERY_NOT_SUPPORTED`).
    #[arg(
        long,
        env = "GLOSSARY_PERSISTED_QUERY_CACHE_BYTES",
        default_value_t = 2 * 1024 * 1024
    )]
    pub persisted_query_cache_bytes: usize,
    /// Run only the documents of this manifest (`{"<sha256>": "<document>"}`, the
    /// `persisted-documents.json` of GraphQL Code Generator's client preset), for every client, over HTTP
    /// and WebSocket; anything else gets `TRUSTED_DOCUMENT_REQUIRED`. Automatic persisted queries are off
    /// in this mode.
    #[arg(long, env = "GLOSSARY_TRUSTED_DOCUMENTS")]
    pub trusted_documents: Option<std::path::PathBuf>,
}

impl Default for PersistedDocumentOptions {
    fn default() -> Self {
        defaults()
    }
}

impl PersistedDocumentOptions {
    /// The store these options describe: the manifest read and checked, or an automatic store.
    pub fn load(
        &self,
    ) -> crate::error::Result<crate::graphql::persisted_documents::PersistedDocuments> {
        use crate::graphql::persisted_documents::PersistedDocuments;
        match &self.trusted_documents {
            Some(path) => PersistedDocuments::trusted_from_file(path)
                .map_err(|error| crate::error::Error::bad_input("--trusted-documents", error.0)),
            None => Ok(PersistedDocuments::automatic(
                self.persisted_query_cache_bytes,
            )),
        }
    }
}

/// TLS to PostgreSQL, as libpq's `sslmode` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SslMode {
    /// Never.
    Disable,
    /// Only if the server insists.
    Allow,
    /// When the server offers it (the default of PostgreSQL clients).
    Prefer,
    /// Always, without checking the server's certificate.
    Require,
    /// Always, with a certificate that chains to a trusted CA.
    VerifyCa,
    /// Always, with a certificate that chains to a trusted CA and names the host connected to.
    VerifyFull,
}

/// The database connection pool, and how its connections are made.
#[derive(Clone, Debug, PartialEq, Eq, clap::Args)]
pub struct PoolOptions {
    /// Connections the pool may open; 0 picks the engine's default: on SQLite one per core, at least
    /// two (each connection works on its own thread and keeps its own page cache: more of them only add
    /// hand-offs and memory), on PostgreSQL 10.
    #[arg(
        id = "database_max_connections",
        long = "database-max-connections",
        env = "GLOSSARY_DATABASE_MAX_CONNECTIONS",
        default_value_t = 0
    )]
    pub max_connections: u32,
    /// Connections kept open while idle, so that a burst after a quiet time does not wait for new ones.
    #[arg(
        id = "database_min_connections",
        long = "database-min-connections",
        env = "GLOSSARY_DATABASE_MIN_CONNECTIONS",
        default_value_t = 0
    )]
    pub min_connections: u32,
    /// Seconds a query waits for a free connection before it fails (the request gets
    /// `INTERNAL_SERVER_ERROR`, and the wait counts against its time budget).
    #[arg(
        id = "database_acquire_timeout",
        long = "database-acquire-timeout-secs",
        env = "GLOSSARY_DATABASE_ACQUIRE_TIMEOUT_SECS",
        value_parser = seconds,
        default_value = "10"
    )]
    pub acquire_timeout: Duration,
    /// Seconds to open a connection (TCP, TLS and authentication) before giving up.
    #[arg(
        id = "database_connect_timeout",
        long = "database-connect-timeout-secs",
        env = "GLOSSARY_DATABASE_CONNECT_TIMEOUT_SECS",
        value_parser = seconds,
        default_value = "10"
    )]
    pub connect_timeout: Duration,
    /// Seconds an idle connection above the minimum is kept before it is closed; 0 keeps it.
    #[arg(
        id = "database_idle_timeout",
        long = "database-idle-timeout-secs",
        env = "GLOSSARY_DATABASE_IDLE_TIMEOUT_SECS",
        value_parser = seconds,
        default_value = "600"
    )]
    pub idle_timeout: Duration,
    /// Seconds a connection serves at most before it is replaced, so that the pool follows a fail-over
    /// or a proxy's rebalancing; 0 keeps connections for ever.
    #[arg(
        id = "database_max_lifetime",
        long = "database-max-lifetime-secs",
        env = "GLOSSARY_DATABASE_MAX_LIFETIME_SECS",
        value_parser = seconds,
        default_value = "1800"
    )]
    pub max_lifetime: Duration,
    /// Seconds a connection may have been idle in the pool before a query that takes it checks it first
    /// (a round trip to the database: a ping to PostgreSQL, a message to the SQLite connection's
    /// thread), so that a connection the server or a proxy dropped while idle is replaced instead of
    /// failing the query; 0 checks it every time a query takes it. A busy server's connections go
    /// back to work unchecked: checked every time, they cost each statement one more round trip.
    #[arg(
        id = "database_ping_after_idle",
        long = "database-ping-after-idle-secs",
        env = "GLOSSARY_DATABASE_PING_AFTER_IDLE_SECS",
        value_parser = seconds,
        default_value = "30"
    )]
    pub ping_after_idle: Duration,
    /// TLS to PostgreSQL; unset, the URL's `sslmode` decides (`prefer` when it has none). Managed
    /// databases want `require` or, better, `verify-full`.
    #[arg(
        long = "database-ssl-mode",
        env = "GLOSSARY_DATABASE_SSL_MODE",
        value_enum
    )]
    pub ssl_mode: Option<SslMode>,
    /// CA certificates (PEM) that PostgreSQL's certificate must chain to under `verify-ca` and
    /// `verify-full` (the URL's `sslrootcert` does the same); unset, the Mozilla roots built in.
    #[arg(
        id = "database_ca_file",
        long = "database-ca-file",
        env = "GLOSSARY_DATABASE_CA_FILE"
    )]
    pub ca_file: Option<std::path::PathBuf>,
    /// KiB of page cache each SQLite connection keeps (its `cache_size`); unset, SQLite's own
    /// default of 2 000. Pages not in it are read again from the operating system's file cache. Refused
    /// on a PostgreSQL URL, whose cache is the server's.
    #[arg(
        id = "sqlite_cache_kib",
        long = "sqlite-cache-kib",
        env = "GLOSSARY_SQLITE_CACHE_KIB",
        value_parser = clap::value_parser!(u32).range(64..=1_048_576)
    )]
    pub sqlite_cache_kib: Option<u32>,
}

impl Default for PoolOptions {
    fn default() -> Self {
        defaults()
    }
}

/// What one admitted request may take while it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::Args)]
pub struct ExecutionLimits {
    /// Milliseconds from the start of execution after which no field starts resolving and a query is
    /// abandoned (`REQUEST_TIMEOUT`, HTTP 504). A mutation field already running completes its own
    /// transaction.
    #[arg(
        long = "request-timeout-ms",
        env = "GLOSSARY_REQUEST_TIMEOUT_MS",
        value_parser = milliseconds,
        default_value = "5000"
    )]
    pub timeout: Duration,
    /// Bytes of JSON a response may reach; resolving stops beyond it (`RESPONSE_TOO_LARGE`).
    #[arg(long, env = "GLOSSARY_MAX_RESPONSE_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_response_bytes: usize,
    /// Errors listed per response; the rest are summed up in one final error (`TOO_MANY_ERRORS`).
    #[arg(long, env = "GLOSSARY_MAX_ERRORS", default_value_t = 100)]
    pub max_errors: usize,
    /// Complexity (as admission scores it) executing at once across all requests; a request that does
    /// not fit waits within its deadline, so memory stays bounded under a flood of heavy pages. 0 switches
    /// the gate off.
    #[arg(
        long,
        env = "GLOSSARY_MAX_COMPLEXITY_IN_FLIGHT",
        default_value_t = 100_000
    )]
    pub max_complexity_in_flight: u64,
}

impl Default for ExecutionLimits {
    fn default() -> Self {
        defaults()
    }
}

/// Limits and timers of the HTTP server: what one connection or request may hold, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::Args)]
pub struct HttpLimits {
    /// Seconds a client has to send a whole request head (request line and headers): from the
    /// connection's opening, or from the first byte of a later request on it. A client that trickles its
    /// head is disconnected.
    #[arg(
        long = "header-timeout-secs",
        env = "GLOSSARY_HEADER_TIMEOUT_SECS",
        value_parser = seconds,
        default_value = "10"
    )]
    pub header_read_timeout: Duration,
    /// Seconds a client has to send a request's whole body once its head has arrived (408,
    /// `REQUEST_TIMEOUT`).
    #[arg(
        long = "body-timeout-secs",
        env = "GLOSSARY_BODY_TIMEOUT_SECS",
        value_parser = seconds,
        default_value = "10"
    )]
    pub body_read_timeout: Duration,
    /// Seconds a keep-alive connection may sit idle between requests before it is closed.
    #[arg(
        long = "idle-timeout-secs",
        env = "GLOSSARY_IDLE_TIMEOUT_SECS",
        value_parser = seconds,
        default_value = "60"
    )]
    pub idle_timeout: Duration,
    /// Seconds a write may stay blocked on a client that does not read before the connection is dropped.
    #[arg(
        long = "write-timeout-secs",
        env = "GLOSSARY_WRITE_TIMEOUT_SECS",
        value_parser = seconds,
        default_value = "30"
    )]
    pub write_timeout: Duration,
    /// The largest request body read, in bytes (413, `REQUEST_TOO_LARGE`).
    #[arg(long, env = "GLOSSARY_MAX_BODY_BYTES", default_value_t = 2 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// The largest request head read, in bytes (431, `REQUEST_TOO_LARGE`). Heads over four times this are
    /// cut off by the HTTP parser itself, with a bare 431.
    #[arg(long, env = "GLOSSARY_MAX_HEADER_BYTES", default_value_t = 16 * 1024)]
    pub max_header_bytes: usize,
    /// Requests handled at once; one more is answered at once with 503, `Retry-After` and `SERVER_BUSY`,
    /// instead of waiting in a queue without end. Health and metrics are exempt.
    #[arg(long, env = "GLOSSARY_MAX_REQUESTS_IN_FLIGHT", default_value_t = 256)]
    pub max_requests_in_flight: usize,
    /// Open TCP connections (HTTP and WebSocket together); at the cap the server stops accepting until
    /// one closes.
    #[arg(long, env = "GLOSSARY_MAX_CONNECTIONS", default_value_t = 25_000)]
    pub max_connections: usize,
    /// After SIGTERM or SIGINT: seconds in-flight requests and WebSocket clients get before the process
    /// exits anyway.
    #[arg(
        long = "shutdown-timeout-secs",
        env = "GLOSSARY_SHUTDOWN_TIMEOUT_SECS",
        value_parser = seconds,
        default_value = "10"
    )]
    pub shutdown_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        defaults()
    }
}

/// Limits and timers of GraphQL over WebSocket (`/graphql/ws`).
#[derive(Clone, Copy, Debug, clap::Args)]
pub struct WebSocketLimits {
    /// Open WebSocket connections this process accepts; an upgrade beyond it gets `503` with
    /// `Retry-After`.
    #[arg(
        id = "ws_max_connections",
        long = "ws-max-connections",
        env = "GLOSSARY_WS_MAX_CONNECTIONS",
        default_value_t = 20_000
    )]
    pub max_connections: usize,
    /// Open WebSocket connections one client (an IPv4 address, an IPv6 /64) may hold; one more gets `429`
    /// with `Retry-After`.
    #[arg(
        long = "ws-max-connections-per-client",
        env = "GLOSSARY_WS_MAX_CONNECTIONS_PER_CLIENT",
        default_value_t = 100
    )]
    pub max_connections_per_client: usize,
    /// Operations one connection may run at once; one more is refused with an `error` message
    /// (`TOO_MANY_SUBSCRIPTIONS`) and the connection stays open.
    #[arg(
        long = "ws-max-subscriptions",
        env = "GLOSSARY_WS_MAX_SUBSCRIPTIONS",
        default_value_t = 100
    )]
    pub max_subscriptions_per_connection: usize,
    /// Seconds a client has after the upgrade to send `connection_init` (close code 4408 after it).
    #[arg(
        long = "ws-init-timeout-secs",
        env = "GLOSSARY_WS_INIT_TIMEOUT_SECS",
        value_parser = seconds,
        default_value = "10"
    )]
    pub connection_init_timeout: Duration,
    /// Seconds between the server's pings (a WebSocket Ping frame, and a `ka` message on the legacy
    /// protocol).
    #[arg(
        long = "ws-keepalive-secs",
        env = "GLOSSARY_WS_KEEPALIVE_SECS",
        value_parser = seconds,
        default_value = "15"
    )]
    pub keepalive_interval: Duration,
    /// Seconds after a ping the client may stay silent before it is presumed gone (close code 3008). Any
    /// frame counts, and every WebSocket library answers Ping frames with Pong frames by itself.
    #[arg(
        long = "ws-keepalive-timeout-secs",
        env = "GLOSSARY_WS_KEEPALIVE_TIMEOUT_SECS",
        value_parser = seconds,
        default_value = "10"
    )]
    pub keepalive_timeout: Duration,
    /// Messages queued for one connection that the client has not read yet (at least 1). A client that
    /// falls this far behind is disconnected (close code 1008), so one stalled reader never grows the
    /// server's memory.
    #[arg(
        long = "ws-send-queue",
        env = "GLOSSARY_WS_SEND_QUEUE",
        default_value_t = 64,
        value_parser = at_least_one
    )]
    pub send_queue: usize,
    /// Bytes queued for one connection, likewise (a queue always takes one message, however large).
    #[arg(
        long = "ws-send-queue-bytes",
        env = "GLOSSARY_WS_SEND_QUEUE_BYTES",
        default_value_t = 1024 * 1024
    )]
    pub send_queue_bytes: usize,
    /// How long a closing connection waits for the client's own Close frame, and for a stalled client to
    /// take the server's.
    #[arg(skip = Duration::from_secs(3))]
    pub close_timeout: Duration,
}

impl Default for WebSocketLimits {
    fn default() -> Self {
        defaults()
    }
}

/// The newsletter's links, limits and lifetimes.
#[derive(Clone, Debug, clap::Args)]
pub struct NewsletterOptions {
    /// The confirmation link mailed to a new subscriber; `{token}` is replaced by the token. It should
    /// lead to a page of the site that calls `confirmNewsletterSubscription` (a POST, so that mail
    /// scanners that open links confirm nothing).
    #[arg(
        long = "newsletter-confirm-url",
        env = "GLOSSARY_NEWSLETTER_CONFIRM_URL",
        default_value = "http://localhost:3000/newsletter/confirm?token={token}"
    )]
    pub confirm_url: String,
    /// The unsubscribe link mailed to a confirmed subscriber; `{token}` as above.
    #[arg(
        long = "newsletter-unsubscribe-url",
        env = "GLOSSARY_NEWSLETTER_UNSUBSCRIBE_URL",
        default_value = "http://localhost:3000/newsletter/unsubscribe?token={token}"
    )]
    pub unsubscribe_url: String,
    /// Newsletter requests one client may make: 10, refilled over 10 minutes (fixed).
    #[arg(skip = crate::rate_limit::RateLimit { burst: 10, period: Duration::from_secs(600) })]
    pub per_client: crate::rate_limit::RateLimit,
    /// Mails one mailbox may be sent per 24 hours, counted in the database (so across replicas): 3
    /// (fixed). A sign-up beyond it gets the usual answer and sends nothing.
    #[arg(skip = 3u64)]
    pub mails_per_address_per_day: u64,
    /// How long a confirmation link works: 48 hours (fixed).
    #[arg(skip = Duration::from_secs(48 * 3600))]
    pub confirmation_lifetime: Duration,
}

impl Default for NewsletterOptions {
    fn default() -> Self {
        defaults()
    }
}

/// Where outgoing mail goes.
#[derive(Clone, Debug, clap::Args)]
pub struct MailSettings {
    /// Send mail through this SMTP server (`smtp://host:25`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://user:pass@host`); without it mail is written to the log.
    #[arg(long, env = "GLOSSARY_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The sender of outgoing mail.
    #[arg(
        long,
        env = "GLOSSARY_MAIL_FROM",
        default_value = "Glossary <newsletter@localhost>"
    )]
    pub mail_from: String,
}

/// Everything that tunes a running app (as opposed to where it listens and what it does at start-up).
#[derive(Clone, Debug)]
pub struct AppOptions {
    /// Schema tuning (DataLoader batch delay).
    pub schema: SchemaOptions,
    /// What a document may cost before it runs.
    pub query_limits: QueryLimits,
    /// Caches of repeated work.
    pub cache: CacheOptions,
    /// Documents named by hash: automatic persisted queries, or only a manifest's trusted documents.
    pub persisted_documents:
        std::sync::Arc<crate::graphql::persisted_documents::PersistedDocuments>,
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
            cache: Default::default(),
            persisted_documents: std::sync::Arc::new(
                PersistedDocumentOptions::default()
                    .load()
                    .expect("no manifest by default"),
            ),
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
    /// The database connection pool.
    pub pool: PoolOptions,
    /// Run pending migrations before serving.
    pub migrate: bool,
    /// Load the bundled sample glossary when the database holds no term.
    pub load_sample_content: bool,
    /// Tuning of the app.
    pub app: AppOptions,
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Probe {
        #[command(flatten)]
        limits: QueryLimits,
        #[command(flatten)]
        http: HttpLimits,
    }

    #[test]
    fn defaults_are_the_declared_ones_and_flags_override_them() {
        let limits = QueryLimits::default();
        assert_eq!((limits.max_tokens, limits.max_depth), (5_000, 16));
        assert!(limits.introspection());
        assert_eq!(HttpLimits::default().idle_timeout, Duration::from_secs(60));
        assert_eq!(
            WebSocketLimits::default().close_timeout,
            Duration::from_secs(3)
        );
        let probe = Probe::parse_from([
            "probe",
            "--max-tokens",
            "9",
            "--no-introspection",
            "--idle-timeout-secs",
            "2",
        ]);
        assert_eq!(probe.limits.max_tokens, 9);
        assert!(!probe.limits.introspection());
        assert_eq!(probe.http.idle_timeout, Duration::from_secs(2));
    }

    #[test]
    fn switches_read_from_the_environment() {
        // SAFETY: no other test reads or writes this variable; the defaults never read the environment.
        unsafe { std::env::set_var("GLOSSARY_NO_INTROSPECTION", "true") };
        let probe = Probe::parse_from(["probe"]);
        unsafe { std::env::remove_var("GLOSSARY_NO_INTROSPECTION") };
        assert!(!probe.limits.introspection(), "{probe:?}");
    }
}
