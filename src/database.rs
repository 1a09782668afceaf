//! The database as a whole: opening it (SQLite, the embedded default, or PostgreSQL, chosen by the URL's
//! scheme, with the settings each engine needs), a counter of every SQL statement the pool runs, the
//! transaction every write opens ([`begin_write`]), and running migrations.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::{
    config::{PoolOptions, SslMode},
    error::{Error, Result},
};
use sea_orm::sqlx::postgres::PgSslMode;

/// What `migrate` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Roll back the last applied migration.
    Down,
    /// Print nothing and change nothing (the migrator logs each migration's state).
    Status,
    /// Drop every table and apply all migrations again (destroys data).
    Fresh,
}

/// Opens a transaction for a write. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so two
/// writers queue instead of one failing when it upgrades a stale read.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction> {
    Ok(db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?)
}

/// Counts the SQL statements run through one connection pool. Tests read it to prove that a request costs
/// a bounded number of statements; `GET /metrics` exports it as `glossary_sql_statements_total`.
#[derive(Clone, Debug, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// How many statements have run since the pool opened.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn increment(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Connects to `url` with the default pool and installs the statement counter.
pub async fn connect(url: &str) -> Result<(DatabaseConnection, StatementCounter)> {
    connect_with(url, PoolOptions::default()).await
}

/// Connections a pool opens when not told. SQLite runs each connection on a thread of its own: one per
/// core (at least two, so that a write does not hold the only reader) keeps every core busy; a second
/// one per core was measured to give the same throughput with 8 to 15 MiB more memory under load (each
/// connection keeps its own page cache, statement cache and thread), and one in all halves the heavy
/// pages' throughput (`docs/performance.md`, "SQLite pool of one connection per core"). PostgreSQL
/// works in its own processes, and sqlx's default of 10 suits it.
fn default_max_connections(url: &str) -> u32 {
    if url.starts_with("sqlite:") {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
        cores.max(2)
    } else {
        10
    }
}

/// `0` as "never" for the pool's optional durations.
fn unless_zero(duration: Duration) -> Option<Duration> {
    (!duration.is_zero()).then_some(duration)
}

/// sqlx's name for a TLS mode.
fn sqlx_ssl_mode(mode: SslMode) -> PgSslMode {
    match mode {
        SslMode::Disable => PgSslMode::Disable,
        SslMode::Allow => PgSslMode::Allow,
        SslMode::Prefer => PgSslMode::Prefer,
        SslMode::Require => PgSslMode::Require,
        SslMode::VerifyCa => PgSslMode::VerifyCa,
        SslMode::VerifyFull => PgSslMode::VerifyFull,
    }
}

/// Connects to `url` with a pool shaped by `pool` (sizes, timeouts, TLS to PostgreSQL) and installs the
/// statement counter. TLS settings on a SQLite URL are refused rather than ignored.
pub async fn connect_with(
    url: &str,
    pool: PoolOptions,
) -> Result<(DatabaseConnection, StatementCounter)> {
    let sqlite = url.starts_with("sqlite:");
    if sqlite && (pool.ssl_mode.is_some() || pool.ca_file.is_some()) {
        return Err(Error::bad_input(
            "--database-ssl-mode",
            "TLS settings apply to PostgreSQL; the database URL is a SQLite file",
        ));
    }
    if !sqlite && pool.sqlite_cache_kib.is_some() {
        return Err(Error::bad_input(
            "--sqlite-cache-kib",
            "--sqlite-cache-kib (the page cache of each connection) applies to SQLite; the database URL is not a SQLite file",
        ));
    }
    if let Some(ca_file) = &pool.ca_file
        && let Err(error) = std::fs::metadata(ca_file)
    {
        return Err(Error::bad_input(
            "--database-ca-file",
            format!("cannot read {}: {error}", ca_file.display()),
        ));
    }
    let mut options = ConnectOptions::new(url.to_owned());
    let max_connections = match pool.max_connections {
        0 => default_max_connections(url),
        n => n,
    };
    options
        .max_connections(max_connections)
        .min_connections(pool.min_connections.min(max_connections))
        .sqlx_logging(false)
        .acquire_timeout(pool.acquire_timeout)
        .connect_timeout(pool.connect_timeout)
        .idle_timeout(unless_zero(pool.idle_timeout))
        .max_lifetime(unless_zero(pool.max_lifetime))
        .map_sqlx_postgres_opts(move |postgres| {
            let postgres = match pool.ssl_mode {
                Some(mode) => postgres.ssl_mode(sqlx_ssl_mode(mode)),
                None => postgres,
            };
            match &pool.ca_file {
                Some(ca_file) => postgres.ssl_root_cert(ca_file),
                None => postgres,
            }
        })
        .map_sqlx_sqlite_opts(move |sqlite| {
            // WAL lets readers proceed while an import writes; the busy timeout makes concurrent writers wait
            // for each other instead of failing at once. Foreign keys are on (sqlx's default) so cascades work.
            let sqlite = sqlite
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            match pool.sqlite_cache_kib {
                // A negative `cache_size` is a size in KiB rather than a number of pages.
                Some(kib) => sqlite.pragma("cache_size", format!("-{kib}")),
                None => sqlite,
            }
        });
    // sqlx checks a connection every time the pool hands it out unless told otherwise: a round trip per
    // statement (docs/performance.md, "Connections checked after idling only").
    if pool.ping_after_idle.is_zero() {
        options.test_before_acquire(true);
    } else {
        options.test_before_acquire_if_idle_for(pool.ping_after_idle);
    }
    let mut connection = Database::connect(options).await?;
    let counter = StatementCounter::default();
    let in_callback = counter.clone();
    connection.set_metric_callback(move |_info| in_callback.increment());
    Ok((connection, counter))
}

/// A short name of the engine behind a connection, for logs.
pub fn engine_name(connection: &DatabaseConnection) -> &'static str {
    match connection.get_database_backend() {
        DbBackend::Sqlite => "sqlite",
        DbBackend::Postgres => "postgres",
        _ => "other",
    }
}

/// Key of the PostgreSQL advisory lock that serialises migrations (an arbitrary constant of ours).
const MIGRATION_LOCK_KEY: i64 = 0x676c_6f73_7361_7279; // "glossary"

/// Runs one migration action.
///
/// On PostgreSQL the action runs in one transaction holding an advisory lock, so replicas that start at the
/// same moment take turns instead of racing to create the same tables: the first migrates, the others then
/// find nothing pending. SQLite serialises writers by itself.
pub async fn migrate(connection: &DatabaseConnection, action: MigrateAction) -> Result<()> {
    if connection.get_database_backend() == DbBackend::Sqlite {
        return migrate_sqlite(connection, action).await;
    }
    if connection.get_database_backend() != DbBackend::Postgres {
        return run_migration(connection, action).await;
    }
    let transaction = connection.begin().await?;
    transaction
        .execute_unprepared(&format!(
            "SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
        ))
        .await?;
    run_migration(&transaction, action).await?;
    complete_search_index(&transaction, action).await?;
    transaction.commit().await?;
    Ok(())
}

/// After migrating up, writes the full-text index rows of terms stored before the index existed (its
/// text is folded by the application, so a migration cannot fill it). On PostgreSQL this runs under
/// the migration lock, so replicas starting together do it once.
async fn complete_search_index(
    connection: &impl ConnectionTrait,
    action: MigrateAction,
) -> Result<()> {
    if matches!(action, MigrateAction::Up) {
        let indexed = crate::content::bulk::index_missing(connection).await?;
        if indexed > 0 {
            tracing::info!(terms = indexed, "full-text index completed");
        }
    }
    Ok(())
}

/// Runs a migration action on SQLite over one connection of its own: the migrator switches foreign key
/// checks off with a `PRAGMA`, which holds only on the connection that ran it, so every statement after
/// it must run there too (on a pool, `fresh` could drop a table on another connection, with checks on,
/// and fail with "no such table").
async fn migrate_sqlite(connection: &DatabaseConnection, action: MigrateAction) -> Result<()> {
    let options = connection.get_sqlite_connection_pool().connect_options();
    let single = sea_orm::sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with((*options).clone())
        .await
        .map_err(|error| {
            crate::error::Error::Internal(format!("cannot open a migration connection: {error}"))
        })?;
    let single = sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(single);
    let mut outcome = run_migration(&single, action).await;
    if outcome.is_ok() {
        let transaction = begin_write(&single).await?;
        outcome = complete_search_index(&transaction, action).await;
        if outcome.is_ok() {
            transaction.commit().await?;
        }
    }
    single.close().await?;
    outcome
}

/// Every migration with whether it is applied, in order.
pub async fn migration_status(connection: &DatabaseConnection) -> Result<Vec<(String, bool)>> {
    Ok(Migrator::get_migration_with_status(connection)
        .await?
        .into_iter()
        .map(|m| {
            (
                m.name().to_owned(),
                matches!(m.status(), migration::MigrationStatus::Applied),
            )
        })
        .collect())
}

async fn run_migration<C>(connection: &C, action: MigrateAction) -> Result<()>
where
    C: ConnectionTrait + TransactionTrait,
    for<'c> &'c C: migration::IntoSchemaManagerConnection<'c>,
{
    match action {
        MigrateAction::Up => Migrator::up(connection, None).await?,
        MigrateAction::Down => Migrator::down(connection, Some(1)).await?,
        MigrateAction::Status => Migrator::status(connection).await?,
        MigrateAction::Fresh => Migrator::fresh(connection).await?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::default_max_connections;

    #[test]
    fn sqlite_pools_take_one_connection_per_core_and_at_least_two() {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
        assert_eq!(
            default_max_connections("sqlite:///tmp/glossary.db?mode=rwc"),
            cores.max(2)
        );
        assert!(default_max_connections("sqlite::memory:") >= 2);
        assert_eq!(
            default_max_connections("postgres://postgres@127.0.0.1:5432/test"),
            10
        );
    }
}
