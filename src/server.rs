//! The `serve` command: open the database, migrate, load the sample glossary into an empty database, then
//! serve HTTP until SIGINT or SIGTERM, letting in-flight requests finish up to the shutdown deadline.

use std::time::Duration;

use crate::{
    AppState, app,
    config::ServeConfig,
    database::{self, MigrateAction},
    error::{Error, Result},
    http::{connections, shutdown_signal},
    sample_content,
};

/// How long WebSocket connections get to close at shutdown.
pub const WEBSOCKET_GRACE: Duration = Duration::from_secs(5);

/// Runs the server until a shutdown signal.
pub async fn serve(database_url: &str, config: ServeConfig) -> Result<()> {
    let (db, statements) = database::connect_with(database_url, config.pool).await?;
    tracing::info!(engine = database::engine_name(&db), "database connected");
    if config.migrate {
        database::migrate(&db, MigrateAction::Up).await?;
    }
    if config.load_sample_content {
        sample_content::load_if_empty(&db).await?;
    }
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|error| Error::Internal(format!("cannot listen on {}: {error}", config.bind)))?;
    let address = listener
        .local_addr()
        .map_err(|error| Error::Internal(format!("cannot read the listening address: {error}")))?;
    tracing::info!(%address, "serving GraphQL at http://{address}/graphql, GraphiQL at http://{address}/graphiql");
    let state = AppState::new(db.clone(), statements, config.app).await?;
    run(listener, state.clone(), shutdown_signal()).await?;
    state.stop_background_tasks();
    // A request left running at the deadline may still hold a pooled connection, which `close` would
    // wait for; the process is exiting, so it waits a moment at most.
    if tokio::time::timeout(Duration::from_secs(1), db.close())
        .await
        .is_err()
    {
        tracing::warn!("database connections still in use at exit");
    }
    tracing::info!("server stopped");
    Ok(())
}

/// Serves the app on `listener` until `shutdown` resolves. Then new connections are refused, in-flight
/// HTTP requests get to finish, and WebSocket clients get a close frame (1001, "server shutting down") and
/// up to [`WEBSOCKET_GRACE`] to leave; this returns when all are done, or at the shutdown deadline
/// (`HttpLimits::shutdown_timeout`) whatever is still running. Tests call this too, with a shutdown of
/// their own.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let websockets = state.websockets.clone();
    let limits = state.http;
    let metrics = state.metrics.clone();
    connections::serve(
        listener,
        app(state),
        limits,
        metrics,
        shutdown,
        async move { websockets.shut_down(WEBSOCKET_GRACE).await },
    )
    .await;
    Ok(())
}
