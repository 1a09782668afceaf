//! The `serve` command: open the database, migrate, load the sample glossary into an empty database, then
//! serve HTTP until SIGINT or SIGTERM, letting in-flight requests finish.

use crate::{
    AppState, app,
    cli::MigrateAction,
    config::ServeConfig,
    database,
    error::{Error, Result},
    http::shutdown_signal,
    sample_content,
};

/// Runs the server until a shutdown signal.
pub async fn serve(database_url: &str, config: ServeConfig) -> Result<()> {
    let (db, statements) = database::connect(database_url).await?;
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
    let state = AppState::new(db.clone(), statements, config.schema).await?;
    axum::serve(listener, app(state.clone()))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|error| Error::Internal(format!("server error: {error}")))?;
    state.events.stop();
    db.close().await?;
    tracing::info!("server stopped");
    Ok(())
}
