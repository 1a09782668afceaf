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

/// Settings of the `serve` command.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// Where the HTTP server listens.
    pub bind: SocketAddr,
    /// Run pending migrations before serving.
    pub migrate: bool,
    /// Load the bundled sample glossary when the database holds no term.
    pub load_sample_content: bool,
    /// Schema tuning (DataLoader batch delay).
    pub schema: crate::graphql::SchemaOptions,
}
