//! What every request handler shares ([`AppState`]): the database, the schema and admission, the limits,
//! the counters, the event bus, the WebSocket hub and the mail dispatcher. `lib.rs` builds it and the
//! router; tests build it too and run the real app in-process.

use sea_orm::DatabaseConnection;

use std::sync::Arc;

use super::{
    response_cache::ResponseCache, server_metrics::ServerMetrics, websocket::hub::WebSocketHub,
};
use crate::{
    client_address, config,
    config::{AppOptions, ExecutionLimits, HttpLimits},
    database::StatementCounter,
    error,
    events::EventBus,
    graphql::{
        self, Schemas, admission::Admission, execution_gate::ExecutionGate,
        persisted_documents::PersistedDocuments, schema_index::SchemaIndex,
    },
    mail::outbox::Dispatcher,
    newsletter::Newsletter,
    observability::Observability,
    rate_limit, scheduled_publications,
};

/// What every request handler shares. Cloning it (every middleware and handler that takes it as
/// `State` does, per request) is one reference count, not one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts of [`AppState`], read through it.
pub struct Shared {
    /// The connection pool.
    pub db: DatabaseConnection,
    /// The GraphQL schema (twice, by how much it validates), with its DataLoader and limits attached.
    pub schemas: Schemas,
    /// Counts SQL statements run through `db`.
    pub statements: StatementCounter,
    /// What a request must pass before it runs (and the schema index that response shaping uses too).
    pub admission: Arc<Admission>,
    /// Anonymous query answers kept in memory.
    pub responses: Arc<ResponseCache>,
    /// Documents named by hash (automatic persisted queries, or the trusted manifest).
    pub persisted_documents: Arc<PersistedDocuments>,
    /// `max-age` of public GET answers.
    pub public_max_age_secs: u32,
    /// What a request may take while it runs.
    pub execution: ExecutionLimits,
    /// How much complexity executes at once.
    pub execution_gate: Arc<ExecutionGate>,
    /// The HTTP server's timeouts and caps.
    pub http: HttpLimits,
    /// Places for requests being handled (load shedding).
    pub requests_in_flight: Arc<tokio::sync::Semaphore>,
    /// The server's counters, for `/metrics`.
    pub metrics: Arc<ServerMetrics>,
    /// HTTP requests and GraphQL operations by label, with latencies, for `/metrics`.
    pub observability: Arc<Observability>,
    /// The per-client limit on requests without a valid API key; `None` when switched off.
    pub anonymous_limiter: Option<Arc<rate_limit::RateLimiter>>,
    /// Content events, for subscriptions.
    pub events: EventBus,
    /// The task announcing scheduled publications when their time comes.
    pub announcer: tokio::task::AbortHandle,
    /// Open WebSocket connections, their limits and their shutdown signal.
    pub websockets: WebSocketHub,
    /// The outbox's mail sender.
    pub mail: Dispatcher,
    /// The proxies whose `X-Forwarded-For` entries are believed.
    pub trusted_proxies: client_address::TrustedProxies,
}

impl AppState {
    /// The state over an open pool; starts the event bus (on PostgreSQL, its `LISTEN` connection).
    pub async fn new(
        db: DatabaseConnection,
        statements: StatementCounter,
        options: AppOptions,
    ) -> error::Result<Self> {
        let events = EventBus::start(&db, options.event_buffer).await?;
        let announcer = scheduled_publications::start(db.clone(), events.clone());
        let mail = Dispatcher::start(db.clone(), options.mail);
        let newsletter = Arc::new(Newsletter::new(options.newsletter, mail.clone()));
        let schema_options = config::SchemaOptions {
            introspection: options.query_limits.introspection(),
            linked_text_cache_bytes: options.cache.linked_text_cache_bytes,
            ..options.schema
        };
        let schemas = graphql::build_schema(db.clone(), events.clone(), newsletter, schema_options);
        let admission = Arc::new(Admission::new(
            SchemaIndex::from_sdl(&schemas.sdl()),
            options.query_limits,
            options.cache.document_cache_bytes,
        ));
        let responses = Arc::new(ResponseCache::new(
            db.clone(),
            events.epoch(),
            options.cache.response_cache_bytes,
        ));
        Ok(Self(Arc::new(Shared {
            db,
            schemas,
            statements,
            admission,
            responses,
            persisted_documents: options.persisted_documents,
            public_max_age_secs: options.cache.public_max_age_secs,
            execution: options.execution,
            execution_gate: Arc::new(ExecutionGate::new(
                options.execution.max_complexity_in_flight,
            )),
            http: options.http,
            requests_in_flight: Arc::new(tokio::sync::Semaphore::new(
                options.http.max_requests_in_flight.max(1),
            )),
            metrics: Arc::new(ServerMetrics::default()),
            observability: Arc::new(Observability::new()),
            anonymous_limiter: options
                .anonymous_rate_limit
                .map(|limit| Arc::new(rate_limit::RateLimiter::new(limit))),
            events,
            announcer,
            websockets: WebSocketHub::new(options.websocket),
            mail,
            trusted_proxies: options.trusted_proxies,
        })))
    }

    /// Stops the background work (event listener, mail dispatcher) at shutdown.
    pub fn stop_background_tasks(&self) {
        self.events.stop();
        self.announcer.abort();
        self.mail.stop();
    }
}
