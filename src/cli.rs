//! The command line: `serve` (the default), `migrate`, `import`, `export`, `print-schema`, `api-key` and
//! `subscribers`, parsed into [`Cli`] (`commands` runs them). Every flag of `serve`, and the global
//! `--database-url` and `--log-format`, can also be set by the environment variable named beside it.

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use clap::{Parser, Subcommand};

use crate::{
    auth::Role,
    client_address::TrustedProxies,
    config::{
        self, AppOptions, CacheOptions, DEFAULT_ANONYMOUS_RATE_LIMIT, DEFAULT_BIND,
        DEFAULT_DATABASE_URL, DEFAULT_EVENT_BUFFER, ExecutionLimits, HttpLimits, LogFormat,
        MailSettings, NewsletterOptions, PersistedDocumentOptions, PoolOptions, QueryLimits,
        SchemaOptions, ServeConfig, WebSocketLimits,
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

/// Flags of `serve`: where it listens and what it does at start-up, then every option struct of the app,
/// flattened (each declares its own flags, environment variables and defaults in `config.rs`).
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "GLOSSARY_BIND", default_value = DEFAULT_BIND)]
    pub bind: SocketAddr,

    /// Do not run pending migrations at start-up.
    #[arg(long, env = "GLOSSARY_NO_MIGRATE")]
    pub no_migrate: bool,

    /// Do not load the bundled sample glossary into an empty database.
    #[arg(long, env = "GLOSSARY_NO_SAMPLE_CONTENT")]
    pub no_sample_content: bool,

    #[command(flatten)]
    schema: SchemaOptions,

    #[command(flatten)]
    query_limits: QueryLimits,

    #[command(flatten)]
    pool: PoolOptions,

    #[command(flatten)]
    cache: CacheOptions,

    #[command(flatten)]
    persisted_documents: PersistedDocumentOptions,

    #[command(flatten)]
    execution: ExecutionLimits,

    #[command(flatten)]
    http: HttpLimits,

    #[command(flatten)]
    websocket: WebSocketLimits,

    /// Content events held for subscribers that have not taken them yet; one that falls further behind
    /// gets an `EVENTS_MISSED` error and its subscription ends.
    #[arg(long, env = "GLOSSARY_EVENT_BUFFER", default_value_t = DEFAULT_EVENT_BUFFER)]
    pub event_buffer: usize,

    #[command(flatten)]
    newsletter: NewsletterOptions,

    #[command(flatten)]
    mail: MailSettings,

    /// Requests one client may make per minute without a valid API key, all at once if need be; 0
    /// switches the limit off.
    #[arg(
        long,
        env = "GLOSSARY_ANONYMOUS_REQUESTS_PER_MINUTE",
        default_value_t = DEFAULT_ANONYMOUS_RATE_LIMIT.burst
    )]
    pub anonymous_requests_per_minute: u32,

    /// The proxies in front of the server, as comma-separated addresses or CIDR networks
    /// (`10.0.0.0/8,::1`): the client is the right-most `X-Forwarded-For` address none of them holds.
    /// Unset: the TCP peer is the client and `X-Forwarded-For` is ignored.
    #[arg(long, env = "GLOSSARY_TRUSTED_PROXIES", value_parser = parse_trusted_proxies)]
    pub trusted_proxies: Option<TrustedProxies>,
}

impl Default for ServeArgs {
    /// Every flag at its default (the environment is not read).
    fn default() -> Self {
        config::defaults()
    }
}

impl ServeArgs {
    /// The typed configuration these flags describe; refuses an unusable SMTP URL or sender.
    pub fn config(&self) -> Result<ServeConfig> {
        Ok(ServeConfig {
            bind: self.bind,
            pool: self.pool.clone(),
            migrate: !self.no_migrate,
            load_sample_content: !self.no_sample_content,
            app: self.app_options()?,
        })
    }

    fn app_options(&self) -> Result<AppOptions> {
        Ok(AppOptions {
            schema: SchemaOptions {
                introspection: self.query_limits.introspection(),
                ..self.schema.clone()
            },
            query_limits: self.query_limits,
            cache: self.cache,
            persisted_documents: Arc::new(self.persisted_documents.load()?),
            execution: self.execution,
            http: self.http,
            websocket: self.websocket,
            event_buffer: self.event_buffer,
            newsletter: self.newsletter.clone(),
            mail: MailOptions {
                mailer: match &self.mail.smtp_url {
                    Some(url) => Arc::new(SmtpMailer::new(url, &self.mail.mail_from)?),
                    None => Arc::new(LogMailer),
                },
                ..MailOptions::default()
            },
            anonymous_rate_limit: (self.anonymous_requests_per_minute > 0).then_some(RateLimit {
                burst: self.anonymous_requests_per_minute,
                period: Duration::from_secs(60),
            }),
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// clap's own checks of the command line (unique argument names, valid defaults), which otherwise
    /// run only when a debug binary starts.
    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_takes_the_pool_and_cache_flags() {
        let cli = Cli::try_parse_from([
            "glossary",
            "serve",
            "--database-max-connections",
            "3",
            "--response-cache-bytes",
            "0",
            "--public-max-age-secs",
            "60",
        ])
        .unwrap();
        let Some(Command::Serve(args)) = cli.command else {
            panic!("serve parses");
        };
        let config = args.config().unwrap();
        assert_eq!(config.pool.max_connections, 3);
        assert_eq!(config.app.cache.response_cache_bytes, 0);
        assert_eq!(config.app.cache.public_max_age_secs, 60);
    }
}
