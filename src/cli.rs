//! The command line: `serve` (the default), `migrate`, `import`, `export`, `print-schema`, `api-key` and
//! `subscribers`.
//! Every flag can also be set by the environment variable named beside it.

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use clap::{Parser, Subcommand};

use crate::{
    auth::Role,
    client_address::TrustedProxies,
    config::{
        AppOptions, DEFAULT_ANONYMOUS_RATE_LIMIT, DEFAULT_BATCH_DELAY, DEFAULT_BIND,
        DEFAULT_DATABASE_URL, DEFAULT_EVENT_BUFFER, ExecutionLimits, HttpLimits, LogFormat,
        NewsletterOptions, QueryLimits, SchemaOptions, ServeConfig, WebSocketLimits,
    },
    database::MigrateAction,
    error::Result,
    mail::{LogMailer, MailOptions, SmtpMailer},
    newsletter::subscribers::SubscriberStatus,
    rate_limit::RateLimit,
};

/// The glossary GraphQL content API.
#[derive(Debug, Parser)]
#[command(name = "glossary", version, about)]
pub struct Cli {
    /// Database URL: `sqlite://FILE?mode=rwc` (embedded) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    /// Log format; the level is set with `RUST_LOG` (default `info`).
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// Parses the command line; with no sub-command it is `serve`, with `serve`'s flags and environment
    /// variables read as usual.
    pub fn parse_with_serve_default() -> Self {
        let cli = Self::parse();
        if cli.command.is_some() {
            return cli;
        }
        let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
        args.push("serve".into());
        Self::parse_from(args)
    }
}

/// The sub-commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the GraphQL API over HTTP and WebSocket.
    Serve(Box<ServeArgs>),
    /// Apply or inspect database migrations.
    Migrate {
        /// The migration action.
        #[command(subcommand)]
        action: MigrateCommand,
    },
    /// Import a content pack (JSON Lines) in one transaction: all of it or nothing.
    Import {
        /// The pack to read.
        file: PathBuf,
    },
    /// Write every term as a content pack (JSON Lines) on standard output.
    Export,
    /// Print the GraphQL schema (SDL) on standard output.
    PrintSchema,
    /// Create, list and revoke API keys.
    ApiKey {
        /// The key action.
        #[command(subcommand)]
        action: ApiKeyAction,
    },
    /// Newsletter subscribers.
    Subscribers {
        /// The subscribers action.
        #[command(subcommand)]
        action: SubscribersAction,
    },
}

/// A subscriber status, for filters on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SubscriberStatusArg {
    /// Signed up, not confirmed.
    Pending,
    /// Confirmed.
    Confirmed,
    /// Unsubscribed.
    Unsubscribed,
}

impl From<SubscriberStatusArg> for SubscriberStatus {
    fn from(status: SubscriberStatusArg) -> Self {
        match status {
            SubscriberStatusArg::Pending => SubscriberStatus::Pending,
            SubscriberStatusArg::Confirmed => SubscriberStatus::Confirmed,
            SubscriberStatusArg::Unsubscribed => SubscriberStatus::Unsubscribed,
        }
    }
}

/// Actions of `subscribers`.
#[derive(Debug, Subcommand)]
pub enum SubscribersAction {
    /// Write subscribers as CSV (email, status, source, created_at, confirmed_at, unsubscribed_at) on
    /// standard output, oldest first.
    Export {
        /// Only subscribers in this status.
        #[arg(long, value_enum)]
        status: Option<SubscriberStatusArg>,
    },
}

/// Actions of `api-key`.
#[derive(Debug, Subcommand)]
pub enum ApiKeyAction {
    /// Create a key and print it once on standard output; only its hash is stored.
    Create {
        /// Unique name of the key's holder (a person or a pipeline).
        #[arg(long)]
        name: String,
        /// What the key may do.
        #[arg(long, value_enum)]
        role: Role,
    },
    /// List every key: name, role, created, last used, revoked.
    List,
    /// Revoke the key with this name; it stops working at once.
    Revoke {
        /// The key's name.
        name: String,
    },
}

/// Flags of `serve`.
#[derive(Debug, Default, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "GLOSSARY_BIND", default_value = DEFAULT_BIND)]
    pub bind: Option<SocketAddr>,

    /// Do not run pending migrations at start-up.
    #[arg(long, env = "GLOSSARY_NO_MIGRATE")]
    pub no_migrate: bool,

    /// Do not load the bundled sample glossary into an empty database.
    #[arg(long, env = "GLOSSARY_NO_SAMPLE_CONTENT")]
    pub no_sample_content: bool,

    /// Microseconds a DataLoader batch waits for more keys before it queries (default 500).
    #[arg(long, env = "GLOSSARY_BATCH_DELAY_US")]
    pub batch_delay_us: Option<u64>,

    /// Lexical tokens a GraphQL document may have (default 5000).
    #[arg(long, env = "GLOSSARY_MAX_TOKENS")]
    pub max_tokens: Option<usize>,

    /// Field nesting a query may have (default 16).
    #[arg(long, env = "GLOSSARY_MAX_DEPTH")]
    pub max_depth: Option<u64>,

    /// Fields a query may select once its fragments are expanded, aliases included (default 1000).
    #[arg(long, env = "GLOSSARY_MAX_FIELDS")]
    pub max_fields: Option<u64>,

    /// Root fields an operation may select, aliases included (default 32).
    #[arg(long, env = "GLOSSARY_MAX_ROOT_FIELDS")]
    pub max_root_fields: Option<u64>,

    /// Fragment spreads a query may have once expanded (default 500).
    #[arg(long, env = "GLOSSARY_MAX_FRAGMENT_SPREADS")]
    pub max_fragment_spreads: Option<u64>,

    /// Complexity a query may have: each field 1, lists multiply their selections by their sizes
    /// (default 250000).
    #[arg(long, env = "GLOSSARY_MAX_COMPLEXITY")]
    pub max_complexity: Option<u64>,

    /// Refuse `__schema` and `__type` (introspection); `schema.graphql` stays published.
    #[arg(long, env = "GLOSSARY_NO_INTROSPECTION")]
    pub no_introspection: bool,

    /// Milliseconds a request may run before it is abandoned (default 5000).
    #[arg(long, env = "GLOSSARY_REQUEST_TIMEOUT_MS")]
    pub request_timeout_ms: Option<u64>,

    /// Bytes of JSON a response may reach (default 8 MiB).
    #[arg(long, env = "GLOSSARY_MAX_RESPONSE_BYTES")]
    pub max_response_bytes: Option<usize>,

    /// Errors listed per response; the rest are summed up in one (default 100).
    #[arg(long, env = "GLOSSARY_MAX_ERRORS")]
    pub max_errors: Option<usize>,

    /// Seconds a client has to send a whole request head (default 10).
    #[arg(long, env = "GLOSSARY_HEADER_TIMEOUT_SECS")]
    pub header_timeout_secs: Option<u64>,

    /// Seconds a client has to send a whole request body once its head has arrived (default 10).
    #[arg(long, env = "GLOSSARY_BODY_TIMEOUT_SECS")]
    pub body_timeout_secs: Option<u64>,

    /// Seconds an idle keep-alive connection stays open between requests (default 60).
    #[arg(long, env = "GLOSSARY_IDLE_TIMEOUT_SECS")]
    pub idle_timeout_secs: Option<u64>,

    /// Seconds a write may stay blocked on a client that does not read (default 30).
    #[arg(long, env = "GLOSSARY_WRITE_TIMEOUT_SECS")]
    pub write_timeout_secs: Option<u64>,

    /// The largest request body read, in bytes (default 2 MiB).
    #[arg(long, env = "GLOSSARY_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,

    /// The largest request head read, in bytes (default 16 KiB).
    #[arg(long, env = "GLOSSARY_MAX_HEADER_BYTES")]
    pub max_header_bytes: Option<usize>,

    /// Requests handled at once; more get 503 with Retry-After (default 256).
    #[arg(long, env = "GLOSSARY_MAX_REQUESTS_IN_FLIGHT")]
    pub max_requests_in_flight: Option<usize>,

    /// Open TCP connections, HTTP and WebSocket together (default 25000).
    #[arg(long, env = "GLOSSARY_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,

    /// Seconds in-flight requests get after SIGTERM before the process exits anyway (default 10).
    #[arg(long, env = "GLOSSARY_SHUTDOWN_TIMEOUT_SECS")]
    pub shutdown_timeout_secs: Option<u64>,

    /// Open WebSocket connections accepted at once (default 20000); more get 503.
    #[arg(long, env = "GLOSSARY_WS_MAX_CONNECTIONS")]
    pub ws_max_connections: Option<usize>,

    /// Open WebSocket connections one client address (an IPv6 /64) may hold (default 100); more get 429.
    #[arg(long, env = "GLOSSARY_WS_MAX_CONNECTIONS_PER_CLIENT")]
    pub ws_max_connections_per_client: Option<usize>,

    /// Operations one WebSocket connection may run at once (default 100).
    #[arg(long, env = "GLOSSARY_WS_MAX_SUBSCRIPTIONS")]
    pub ws_max_subscriptions: Option<usize>,

    /// Seconds a WebSocket client has to send `connection_init` (default 10).
    #[arg(long, env = "GLOSSARY_WS_INIT_TIMEOUT_SECS")]
    pub ws_init_timeout_secs: Option<u64>,

    /// Seconds between keep-alive pings on WebSocket connections (default 15).
    #[arg(long, env = "GLOSSARY_WS_KEEPALIVE_SECS")]
    pub ws_keepalive_secs: Option<u64>,

    /// Seconds a WebSocket client may stay silent after a ping before it is disconnected (default 10).
    #[arg(long, env = "GLOSSARY_WS_KEEPALIVE_TIMEOUT_SECS")]
    pub ws_keepalive_timeout_secs: Option<u64>,

    /// Unread messages queued for one WebSocket client before it is disconnected as too slow (default 64).
    #[arg(long, env = "GLOSSARY_WS_SEND_QUEUE")]
    pub ws_send_queue: Option<usize>,

    /// Unread bytes queued for one WebSocket client before it is disconnected as too slow (default 1 MiB).
    #[arg(long, env = "GLOSSARY_WS_SEND_QUEUE_BYTES")]
    pub ws_send_queue_bytes: Option<usize>,

    /// Content events held for subscribers that have not taken them yet (default 1024).
    #[arg(long, env = "GLOSSARY_EVENT_BUFFER")]
    pub event_buffer: Option<usize>,

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

    /// The newsletter confirmation link; `{token}` is replaced by the token.
    #[arg(long, env = "GLOSSARY_NEWSLETTER_CONFIRM_URL")]
    pub newsletter_confirm_url: Option<String>,

    /// The newsletter unsubscribe link; `{token}` is replaced by the token.
    #[arg(long, env = "GLOSSARY_NEWSLETTER_UNSUBSCRIBE_URL")]
    pub newsletter_unsubscribe_url: Option<String>,

    /// Requests one client may make per minute without a valid API key (default 600); 0 switches the
    /// limit off.
    #[arg(long, env = "GLOSSARY_ANONYMOUS_REQUESTS_PER_MINUTE")]
    pub anonymous_requests_per_minute: Option<u32>,

    /// The proxies in front of the server, as comma-separated addresses or CIDR networks
    /// (`10.0.0.0/8,::1`): the client is the right-most `X-Forwarded-For` address none of them holds.
    /// Unset: the TCP peer is the client and `X-Forwarded-For` is ignored.
    #[arg(long, env = "GLOSSARY_TRUSTED_PROXIES", value_parser = parse_trusted_proxies)]
    pub trusted_proxies: Option<TrustedProxies>,
}

impl ServeArgs {
    /// The typed configuration these flags describe; refuses an unusable SMTP URL or sender.
    pub fn config(&self) -> Result<ServeConfig> {
        Ok(ServeConfig {
            bind: self.bind.unwrap_or_else(|| {
                DEFAULT_BIND
                    .parse()
                    .expect("the default bind address parses")
            }),
            migrate: !self.no_migrate,
            load_sample_content: !self.no_sample_content,
            app: self.app_options()?,
        })
    }

    fn app_options(&self) -> Result<AppOptions> {
        let defaults = WebSocketLimits::default();
        let newsletter_defaults = NewsletterOptions::default();
        let seconds =
            |value: Option<u64>, default: Duration| value.map_or(default, Duration::from_secs);
        let query_defaults = QueryLimits::default();
        let http_defaults = HttpLimits::default();
        let execution_defaults = ExecutionLimits::default();
        Ok(AppOptions {
            schema: SchemaOptions {
                batch_delay: self
                    .batch_delay_us
                    .map_or(DEFAULT_BATCH_DELAY, Duration::from_micros),
                introspection: !self.no_introspection,
            },
            query_limits: QueryLimits {
                max_tokens: self.max_tokens.unwrap_or(query_defaults.max_tokens),
                max_depth: self.max_depth.unwrap_or(query_defaults.max_depth),
                max_fields: self.max_fields.unwrap_or(query_defaults.max_fields),
                max_root_fields: self
                    .max_root_fields
                    .unwrap_or(query_defaults.max_root_fields),
                max_fragment_spreads: self
                    .max_fragment_spreads
                    .unwrap_or(query_defaults.max_fragment_spreads),
                max_complexity: self.max_complexity.unwrap_or(query_defaults.max_complexity),
                introspection: !self.no_introspection,
            },
            execution: ExecutionLimits {
                timeout: self
                    .request_timeout_ms
                    .map_or(execution_defaults.timeout, Duration::from_millis),
                max_response_bytes: self
                    .max_response_bytes
                    .unwrap_or(execution_defaults.max_response_bytes),
                max_errors: self.max_errors.unwrap_or(execution_defaults.max_errors),
            },
            http: HttpLimits {
                header_read_timeout: seconds(
                    self.header_timeout_secs,
                    http_defaults.header_read_timeout,
                ),
                body_read_timeout: seconds(self.body_timeout_secs, http_defaults.body_read_timeout),
                idle_timeout: seconds(self.idle_timeout_secs, http_defaults.idle_timeout),
                write_timeout: seconds(self.write_timeout_secs, http_defaults.write_timeout),
                max_body_bytes: self.max_body_bytes.unwrap_or(http_defaults.max_body_bytes),
                max_header_bytes: self
                    .max_header_bytes
                    .unwrap_or(http_defaults.max_header_bytes),
                max_requests_in_flight: self
                    .max_requests_in_flight
                    .unwrap_or(http_defaults.max_requests_in_flight),
                max_connections: self
                    .max_connections
                    .unwrap_or(http_defaults.max_connections),
                shutdown_timeout: seconds(
                    self.shutdown_timeout_secs,
                    http_defaults.shutdown_timeout,
                ),
            },
            websocket: WebSocketLimits {
                max_connections: self.ws_max_connections.unwrap_or(defaults.max_connections),
                max_connections_per_client: self
                    .ws_max_connections_per_client
                    .unwrap_or(defaults.max_connections_per_client),
                max_subscriptions_per_connection: self
                    .ws_max_subscriptions
                    .unwrap_or(defaults.max_subscriptions_per_connection),
                connection_init_timeout: seconds(
                    self.ws_init_timeout_secs,
                    defaults.connection_init_timeout,
                ),
                keepalive_interval: seconds(self.ws_keepalive_secs, defaults.keepalive_interval),
                keepalive_timeout: seconds(
                    self.ws_keepalive_timeout_secs,
                    defaults.keepalive_timeout,
                ),
                send_queue: self.ws_send_queue.unwrap_or(defaults.send_queue).max(1),
                send_queue_bytes: self
                    .ws_send_queue_bytes
                    .unwrap_or(defaults.send_queue_bytes),
                close_timeout: defaults.close_timeout,
            },
            event_buffer: self.event_buffer.unwrap_or(DEFAULT_EVENT_BUFFER),
            newsletter: NewsletterOptions {
                confirm_url: self
                    .newsletter_confirm_url
                    .clone()
                    .unwrap_or(newsletter_defaults.confirm_url),
                unsubscribe_url: self
                    .newsletter_unsubscribe_url
                    .clone()
                    .unwrap_or(newsletter_defaults.unsubscribe_url),
                ..newsletter_defaults
            },
            mail: MailOptions {
                mailer: match &self.smtp_url {
                    Some(url) => Arc::new(SmtpMailer::new(url, &self.mail_from)?),
                    None => Arc::new(LogMailer),
                },
                ..MailOptions::default()
            },
            anonymous_rate_limit: match self.anonymous_requests_per_minute {
                None => Some(DEFAULT_ANONYMOUS_RATE_LIMIT),
                Some(0) => None,
                Some(burst) => Some(RateLimit {
                    burst,
                    period: Duration::from_secs(60),
                }),
            },
            trusted_proxies: self.trusted_proxies.clone().unwrap_or_default(),
        })
    }
}

fn parse_trusted_proxies(text: &str) -> std::result::Result<TrustedProxies, String> {
    text.parse()
}

/// Actions of `migrate`.
#[derive(Debug, Clone, Copy, Subcommand)]
pub enum MigrateCommand {
    /// Apply every pending migration.
    Up,
    /// Roll back the last applied migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
    /// Drop every table and apply all migrations again (destroys data).
    Fresh,
}

impl From<MigrateCommand> for MigrateAction {
    fn from(command: MigrateCommand) -> Self {
        match command {
            MigrateCommand::Up => MigrateAction::Up,
            MigrateCommand::Down => MigrateAction::Down,
            MigrateCommand::Status => MigrateAction::Status,
            MigrateCommand::Fresh => MigrateAction::Fresh,
        }
    }
}

impl Default for Command {
    /// `serve` with every flag at its default.
    fn default() -> Self {
        Command::Serve(Box::default())
    }
}
