//! Production connections: PostgreSQL over TLS (`--database-ssl-mode`, `--database-ca-file`, or the
//! URL's `sslmode`), checked against the local PostgreSQL served with a certificate of our own
//! (`tests/postgres_tls/enable.sh`, run here when the server does not use it yet), the pool's sizes
//! and timeouts as flags, and its check of connections that idled. The TLS cases run on PostgreSQL
//! only (`TEST_DATABASE_URL`).

use std::{path::PathBuf, time::Duration};

use clap::Parser;
use glossary::{
    config::{PoolOptions, SslMode},
    database,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};

use crate::common::{fresh_database, on_postgres};

/// The CA of the local PostgreSQL's certificate, after making sure the server uses ours.
async fn test_ca(url: &str) -> PathBuf {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/postgres_tls/enable.sh");
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new("bash").arg(script).status()
    })
    .await
    .unwrap()
    .expect("tests/postgres_tls/enable.sh runs");
    assert!(status.success(), "tests/postgres_tls/enable.sh failed");
    let (db, _) = database::connect(url).await.unwrap();
    let cert_file = scalar(&db, "SHOW ssl_cert_file").await;
    PathBuf::from(cert_file).with_file_name("ca.crt")
}

async fn scalar(db: &impl ConnectionTrait, sql: &str) -> String {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .expect("a row");
    row.try_get_by_index::<String>(0)
        // Before `bool`, which SQLite's driver also reads from any integer.
        .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))
        .or_else(|_| row.try_get_by_index::<bool>(0).map(|b| b.to_string()))
        .unwrap()
}

/// Whether this session's connection is encrypted, and with which protocol.
async fn session_tls(db: &DatabaseConnection) -> String {
    scalar(
        db,
        "SELECT CASE WHEN ssl THEN version ELSE 'none' END FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    )
    .await
}

fn tls(mode: SslMode, ca_file: Option<PathBuf>) -> PoolOptions {
    PoolOptions {
        ssl_mode: Some(mode),
        ca_file,
        max_connections: 2,
        connect_timeout: Duration::from_secs(5),
        ..PoolOptions::default()
    }
}

/// `url` with its host replaced (`localhost` for the name check of verify-full, say).
fn with_host(url: &str, host: &str) -> String {
    url.replacen("127.0.0.1", host, 1)
}

#[tokio::test]
async fn postgres_over_tls_with_each_mode() {
    if !on_postgres() {
        return;
    }
    let (url, _guard) = fresh_database().await;
    let ca = test_ca(&url).await;

    // Encrypted without checking, and with the certificate checked against our CA and the host name,
    // by flag and by the URL's own parameters.
    for (url, options) in [
        (url.clone(), tls(SslMode::Require, None)),
        (url.clone(), tls(SslMode::VerifyCa, Some(ca.clone()))),
        (url.clone(), tls(SslMode::VerifyFull, Some(ca.clone()))),
        (
            with_host(&url, "localhost"),
            tls(SslMode::VerifyFull, Some(ca.clone())),
        ),
        (
            format!(
                "{url}{}sslmode=verify-full&sslrootcert={}",
                if url.contains('?') { '&' } else { '?' },
                ca.display()
            ),
            PoolOptions::default(),
        ),
    ] {
        let (db, _) = database::connect_with(&url, options.clone())
            .await
            .unwrap_or_else(|e| panic!("{options:?}: {}", e.describe()));
        assert!(
            session_tls(&db).await.starts_with("TLS"),
            "{options:?}: not encrypted"
        );
        // The app's own queries work over it.
        database::migrate(&db, database::MigrateAction::Status)
            .await
            .unwrap();
    }

    // Plain TCP when asked for.
    let (db, _) = database::connect_with(&url, tls(SslMode::Disable, None))
        .await
        .unwrap();
    assert_eq!(session_tls(&db).await, "none");

    // A certificate that does not chain to the CA given is refused, for that reason.
    let other_ca = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(other_ca.path(), OTHER_CA).unwrap();
    let refused = database::connect_with(
        &url,
        tls(SslMode::VerifyFull, Some(other_ca.path().to_path_buf())),
    )
    .await
    .map(|_| ())
    .expect_err("a certificate from another CA is refused")
    .describe();
    assert!(
        refused.to_lowercase().contains("certificate"),
        "refused for its certificate: {refused}"
    );
    // Without a CA file only the built-in public roots are trusted, and our test CA is not one.
    let untrusted = database::connect_with(&url, tls(SslMode::VerifyFull, None)).await;
    assert!(
        untrusted.is_err(),
        "a private CA must be named to be trusted"
    );
}

#[tokio::test]
async fn sqlite_page_cache_is_set_on_every_connection_and_refused_for_postgres() {
    let probe = Probe::parse_from(["probe", "--sqlite-cache-kib", "512"]);
    assert_eq!(probe.pool.sqlite_cache_kib, Some(512));
    assert!(
        Probe::try_parse_from(["probe", "--sqlite-cache-kib", "8"]).is_err(),
        "a cache smaller than 64 KiB is refused"
    );
    for refused in ["1048577", "-512", "many"] {
        assert!(
            Probe::try_parse_from(["probe", "--sqlite-cache-kib", refused]).is_err(),
            "{refused} is refused"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("cache.db").display()
    );
    let (db, _) = database::connect_with(
        &url,
        PoolOptions {
            max_connections: 2,
            min_connections: 2,
            ..probe.pool.clone()
        },
    )
    .await
    .unwrap();
    // Two transactions open at once hold both connections: each has the setting.
    let first = db.begin().await.unwrap();
    let second = db.begin().await.unwrap();
    assert_eq!(
        (
            scalar(&first, "PRAGMA cache_size").await,
            scalar(&second, "PRAGMA cache_size").await
        ),
        ("-512".to_owned(), "-512".to_owned())
    );
    drop((first, second));
    drop(db);
    let (default_db, _) = database::connect("sqlite::memory:").await.unwrap();
    assert_eq!(
        scalar(&default_db, "PRAGMA cache_size").await,
        "-2000",
        "unset, SQLite keeps its own default"
    );
    let error = database::connect_with(
        "postgres://postgres@127.0.0.1:5432/test",
        PoolOptions {
            sqlite_cache_kib: Some(512),
            ..PoolOptions::default()
        },
    )
    .await
    .unwrap_err()
    .describe();
    assert!(
        error.contains("--sqlite-cache-kib") && error.contains("applies to SQLite"),
        "{error}"
    );
}

#[tokio::test]
async fn tls_settings_are_refused_for_sqlite_and_a_missing_ca_file_is_named() {
    let error = database::connect_with(
        "sqlite::memory:",
        PoolOptions {
            ssl_mode: Some(SslMode::Require),
            ..PoolOptions::default()
        },
    )
    .await
    .unwrap_err()
    .describe();
    assert!(error.contains("PostgreSQL"), "{error}");
    let error = database::connect_with(
        "postgres://postgres@127.0.0.1:5432/test",
        tls(SslMode::VerifyFull, Some(PathBuf::from("/no/such/ca.pem"))),
    )
    .await
    .unwrap_err()
    .describe();
    assert!(error.contains("/no/such/ca.pem"), "{error}");
}

#[tokio::test]
async fn pool_sizes_and_timeouts_come_from_the_flags() {
    let probe = Probe::parse_from([
        "probe",
        "--database-max-connections",
        "7",
        "--database-min-connections",
        "2",
        "--database-acquire-timeout-secs",
        "3",
        "--database-connect-timeout-secs",
        "4",
        "--database-idle-timeout-secs",
        "0",
        "--database-max-lifetime-secs",
        "60",
        "--database-ping-after-idle-secs",
        "5",
        "--database-ssl-mode",
        "verify-full",
        "--database-ca-file",
        "/etc/ca.pem",
    ]);
    assert_eq!(
        probe.pool,
        PoolOptions {
            max_connections: 7,
            min_connections: 2,
            acquire_timeout: Duration::from_secs(3),
            connect_timeout: Duration::from_secs(4),
            idle_timeout: Duration::ZERO,
            max_lifetime: Duration::from_secs(60),
            ping_after_idle: Duration::from_secs(5),
            ssl_mode: Some(SslMode::VerifyFull),
            ca_file: Some(PathBuf::from("/etc/ca.pem")),
            sqlite_cache_kib: None,
        }
    );
    // A pool opened with them holds its minimum and answers within its limits.
    let (url, _guard) = fresh_database().await;
    let (db, _) = database::connect_with(
        &url,
        PoolOptions {
            ssl_mode: None,
            ca_file: None,
            ..probe.pool
        },
    )
    .await
    .unwrap();
    assert_eq!(scalar(&db, "SELECT 'ok'").await, "ok", "the pool answers");
}

/// A pool of one connection over `url`, checking connections that idled for `ping_after_idle`, and
/// the server's id of the process behind that connection.
async fn one_connection(url: &str, ping_after_idle: Duration) -> (DatabaseConnection, String) {
    let (db, _) = database::connect_with(
        url,
        PoolOptions {
            max_connections: 1,
            ping_after_idle,
            ..PoolOptions::default()
        },
    )
    .await
    .unwrap();
    let pid = scalar(&db, "SELECT pg_backend_pid()::text").await;
    (db, pid)
}

/// Ends the server's process `pid` from another connection, as a restart or a proxy would.
async fn drop_connection(url: &str, pid: &str) {
    let (other, _) = database::connect(url).await.unwrap();
    assert_eq!(
        scalar(&other, &format!("SELECT pg_terminate_backend({pid})")).await,
        "true"
    );
}

/// A connection that the server dropped while it idled in the pool for `--database-ping-after-idle-secs`
/// or more is checked as a query takes it, and replaced: the query runs on a new connection. One that
/// idled less goes back to work unchecked, so a drop within that time fails the one query that takes
/// it, and the pool replaces it for the next; at 0 every connection is checked every time.
#[tokio::test]
async fn connections_that_idled_are_checked_before_a_query_uses_them() {
    if !on_postgres() {
        return;
    }
    let (url, _guard) = fresh_database().await;
    let pid_now = "SELECT pg_backend_pid()::text";

    let (db, first) = one_connection(&url, Duration::from_millis(200)).await;
    drop_connection(&url, &first).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let second = scalar(&db, pid_now).await;
    assert_ne!(first, second, "the dropped connection was replaced");

    let (db, first) = one_connection(&url, Duration::ZERO).await;
    drop_connection(&url, &first).await;
    assert_ne!(scalar(&db, pid_now).await, first, "checked at every use");

    let (db, first) = one_connection(&url, Duration::from_secs(3600)).await;
    drop_connection(&url, &first).await;
    let unchecked = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), pid_now))
        .await;
    assert!(unchecked.is_err(), "not checked: {unchecked:?}");
    assert_ne!(
        scalar(&db, pid_now).await,
        first,
        "replaced after it failed"
    );
}

/// The pool's flags alone, parsed as the server parses them.
#[derive(clap::Parser)]
struct Probe {
    #[command(flatten)]
    pool: PoolOptions,
}

/// A real CA certificate (self-signed, its key thrown away) that signed nothing the server has.
const OTHER_CA: &str = "-----BEGIN CERTIFICATE-----
MIIBhjCCAS2gAwIBAgIUeRP4Y5A/mKtMR9b0uFndP1suyxQwCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNb3RoZXIgdGVzdCBDQTAgFw0yNjExMjYxMDIzMDRaGA8yMTI2
MTEwMjEwMjMwNFowGDEWMBQGA1UEAwwNb3RoZXIgdGVzdCBDQTBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABAEYEOy2fw/MiCaJk2l1SuTTrlFZK9XIPvFnCPZrmcJx
iIPhtwTF67Ga16wBtKCin2/nwDxSKaK6bMwaS17cfYKjUzBRMB0GA1UdDgQWBBRh
FoYMJN1yMmN6F+3TrTS/mds7ujAfBgNVHSMEGDAWgBRhFoYMJN1yMmN6F+3TrTS/
mds7ujAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIAuoIsAcYzmO
euDligR/C/Pm54pwFKyirovfkKzVQhHfAiAyhSPpXmDWCE487z4pEq7UX4rshgJC
hCuLuzbndWWg7g==
-----END CERTIFICATE-----
";
