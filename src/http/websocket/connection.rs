//! One WebSocket connection: the session state machine of both sub-protocols, driven by one loop that reads
//! the client, runs its operations and keeps time, plus a writer task that owns the socket's sending half.
//!
//! The loop never waits on the client's reading: results go into a bounded queue that the writer drains, and
//! a client that lets the queue fill up is disconnected as a slow consumer. So a stalled reader costs at most
//! one queue of messages, and everyone else keeps receiving.

use std::{
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use async_graphql::{Response, ServerError, parser::types::OperationType};
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::{
    SinkExt, Stream, StreamExt,
    stream::{SplitSink, SplitStream},
};
use tokio::{
    sync::{mpsc, oneshot},
    time::{Instant, MissedTickBehavior},
};
use tokio_stream::StreamMap;

use super::{
    hub::ConnectionPermit,
    protocol::{self, ClientMessage, Protocol, close_code},
};
use crate::{
    auth::{Viewer, api_keys},
    client_address::ClientAddress,
    error::Error,
    error::ErrorCode,
    graphql::{
        execution::{self, Outcome},
        persisted_documents, request_errors,
    },
    http::state::AppState,
    observability::OperationOutcome,
    rate_limit::Decision,
};

/// What an operation produces, in order: results, then its end.
enum OperationEvent {
    /// A result (`next`, or `data` on the legacy protocol).
    Result(Response),
    /// The operation failed as a whole (`error`) and is over.
    Failed(Vec<ServerError>),
    /// The operation is over (`complete`).
    Done,
}

/// The events of one operation.
type Results = Pin<Box<dyn Stream<Item = OperationEvent> + Send>>;

/// Why and how a connection ends.
#[derive(Debug)]
struct Close {
    /// The close frame to send, if the client can still be told anything.
    frame: Option<CloseFrame>,
    /// Send what is queued before the close frame (false for a slow consumer, whose queue is the problem).
    flush: bool,
}

impl Close {
    fn with(code: u16, reason: impl Into<String>) -> Self {
        let reason: String = reason.into();
        Close {
            frame: Some(CloseFrame {
                code,
                // A close frame's reason is at most 123 bytes.
                reason: Utf8Bytes::from(truncate(&reason, 123)),
            }),
            flush: true,
        }
    }

    /// The client went away: nothing to say.
    fn gone() -> Self {
        Close {
            frame: None,
            flush: false,
        }
    }
}

/// `text` cut to at most `max` bytes on a character boundary.
fn truncate(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// Serves one upgraded connection until it closes; the permit is held until the socket is gone.
pub async fn serve(
    socket: WebSocket,
    protocol: Protocol,
    state: AppState,
    client: ClientAddress,
    permit: ConnectionPermit,
) {
    let limits = *state.websockets.limits();
    let (sink, mut incoming) = socket.split();
    let (queue, queued) = mpsc::channel(limits.send_queue);
    let queued_bytes = Arc::new(AtomicUsize::new(0));
    let (close_sender, close_receiver) = oneshot::channel();
    let writer = tokio::spawn(write(
        sink,
        queued,
        queued_bytes.clone(),
        close_receiver,
        limits.close_timeout,
    ));

    let mut session = Session {
        protocol,
        state: state.clone(),
        queue,
        queued_bytes,
        viewer: Viewer::Anonymous,
        client,
        initialised: false,
        operations: StreamMap::new(),
    };
    let close = session.run(&mut incoming).await;
    drop(session);

    let _ = close_sender.send(close);
    let told = writer.await.unwrap_or(false);
    if told {
        // Give the client a moment to answer our close frame, as the WebSocket closing handshake asks.
        let _ = tokio::time::timeout(limits.close_timeout, async {
            while let Some(Ok(message)) = incoming.next().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
    drop(permit);
}

/// Owns the sending half: writes queued messages until told to close, then writes the close frame. Says
/// whether the close frame went out (a client that does not read may never take it).
async fn write(
    mut sink: SplitSink<WebSocket, Message>,
    mut queued: mpsc::Receiver<Message>,
    queued_bytes: Arc<AtomicUsize>,
    mut close: oneshot::Receiver<Close>,
    close_timeout: Duration,
) -> bool {
    enum Step {
        Close(Close),
        Sent(bool),
    }
    loop {
        let step = tokio::select! {
            biased;
            close = &mut close => Step::Close(close.unwrap_or_else(|_| Close::gone())),
            sent = async {
                match queued.recv().await {
                    Some(message) => {
                        let size = payload_size(&message);
                        let sent = sink.send(message).await.is_ok();
                        queued_bytes.fetch_sub(size, Ordering::AcqRel);
                        sent
                    }
                    // The session is over; wait for its close.
                    None => std::future::pending().await,
                }
            } => Step::Sent(sent),
        };
        match step {
            Step::Sent(true) => {}
            Step::Sent(false) => return false,
            Step::Close(Close { frame, flush }) => {
                return tokio::time::timeout(close_timeout, async {
                    if flush {
                        while let Ok(message) = queued.try_recv() {
                            if sink.feed(message).await.is_err() {
                                return false;
                            }
                        }
                    }
                    match frame {
                        Some(frame) => sink.send(Message::Close(Some(frame))).await.is_ok(),
                        None => false,
                    }
                })
                .await
                .unwrap_or(false);
            }
        }
    }
}

/// The bytes a message takes in the queue.
fn payload_size(message: &Message) -> usize {
    match message {
        Message::Text(text) => text.len(),
        Message::Binary(bytes) | Message::Ping(bytes) | Message::Pong(bytes) => bytes.len(),
        Message::Close(_) => 0,
    }
}

/// The state of one session.
struct Session {
    protocol: Protocol,
    state: AppState,
    queue: mpsc::Sender<Message>,
    /// Bytes in `queue`, added here and taken off by the writer once sent.
    queued_bytes: Arc<AtomicUsize>,
    viewer: Viewer,
    client: ClientAddress,
    initialised: bool,
    operations: StreamMap<String, Results>,
}

impl Session {
    /// Runs the session until it must close, and says how.
    async fn run(&mut self, incoming: &mut SplitStream<WebSocket>) -> Close {
        let limits = *self.state.websockets.limits();
        let init_deadline = tokio::time::sleep(limits.connection_init_timeout);
        tokio::pin!(init_deadline);
        let mut keepalive = tokio::time::interval_at(
            Instant::now() + limits.keepalive_interval,
            limits.keepalive_interval,
        );
        keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let silence_allowed = limits.keepalive_interval + limits.keepalive_timeout;
        let mut last_heard = Instant::now();
        let shutdown = self.state.websockets.shutdown_started();
        tokio::pin!(shutdown);

        loop {
            let outcome = tokio::select! {
                () = &mut shutdown => Err(Close::with(close_code::GOING_AWAY, "server shutting down")),
                () = &mut init_deadline, if !self.initialised => {
                    Err(Close::with(close_code::INIT_TIMEOUT, "Connection initialisation timeout"))
                }
                _ = keepalive.tick() => {
                    if last_heard.elapsed() > silence_allowed {
                        self.state.websockets.count_keepalive_timeout();
                        Err(Close::with(
                            close_code::KEEPALIVE_TIMEOUT,
                            format!("keep-alive timeout: nothing heard for {} s", silence_allowed.as_secs_f32()),
                        ))
                    } else {
                        self.on_keepalive_tick().await
                    }
                }
                message = incoming.next() => {
                    last_heard = Instant::now();
                    match message {
                        Some(Ok(Message::Text(text))) => self.on_message(text.as_bytes()).await,
                        Some(Ok(Message::Binary(bytes))) => self.on_message(&bytes).await,
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(()),
                        Some(Ok(Message::Close(_))) => Err(Close::with(close_code::NORMAL, "")),
                        Some(Err(error)) => {
                            tracing::debug!(%error, "WebSocket read failed");
                            Err(Close::with(close_code::MESSAGE_TOO_BIG, "unreadable or oversized message"))
                        }
                        None => Err(Close::gone()),
                    }
                }
                Some((id, result)) = self.operations.next(), if !self.operations.is_empty() => {
                    self.on_result(id, result)
                }
            };
            if let Err(close) = outcome {
                return close;
            }
        }
    }

    /// Queues a message for the writer; a full queue means the client is not reading.
    fn send(&self, text: String) -> Result<(), Close> {
        self.send_frame(Message::Text(text.into()))
    }

    fn send_frame(&self, message: Message) -> Result<(), Close> {
        let limits = self.state.websockets.limits();
        let size = payload_size(&message);
        let queued = self.queued_bytes.load(Ordering::Acquire);
        if queued > 0 && queued + size > limits.send_queue_bytes {
            return Err(self.slow_consumer(format!(
                "slow consumer: more than {} bytes unread",
                limits.send_queue_bytes
            )));
        }
        self.queued_bytes.fetch_add(size, Ordering::AcqRel);
        match self.queue.try_send(message) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => Err(self.slow_consumer(format!(
                "slow consumer: more than {} messages unread",
                limits.send_queue
            ))),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(Close::gone()),
        }
    }

    /// Counts and describes the disconnect of a client that does not read.
    fn slow_consumer(&self, reason: String) -> Close {
        self.state.websockets.count_slow_consumer();
        let mut close = Close::with(close_code::SLOW_CONSUMER, reason);
        close.flush = false;
        close
    }

    /// A ping frame, and on the legacy protocol a `ka` message, which its clients watch for.
    fn keep_alive(&self) -> Result<(), Close> {
        self.send_frame(Message::Ping(Default::default()))?;
        if self.protocol == Protocol::LegacyGraphqlWs && self.initialised {
            self.send(protocol::keep_alive())?;
        }
        Ok(())
    }

    async fn on_message(&mut self, bytes: &[u8]) -> Result<(), Close> {
        let message: ClientMessage = serde_json::from_slice(bytes).map_err(|error| {
            Close::with(close_code::BAD_REQUEST, format!("invalid message: {error}"))
        })?;
        if !message.belongs_to(self.protocol) {
            return Err(Close::with(
                close_code::BAD_REQUEST,
                "invalid message: not a message of the negotiated sub-protocol",
            ));
        }
        match message {
            ClientMessage::ConnectionInit { payload } => self.on_connection_init(payload).await,
            ClientMessage::Subscribe { id, payload } | ClientMessage::Start { id, payload } => {
                self.on_subscribe(id, payload).await
            }
            ClientMessage::Complete { id } => {
                self.operations.remove(&id);
                Ok(())
            }
            ClientMessage::Stop { id } => {
                if self.operations.remove(&id).is_some() {
                    self.send(protocol::complete(&id))?;
                }
                Ok(())
            }
            ClientMessage::Ping { payload } => self.send(protocol::pong(payload)),
            ClientMessage::Pong { .. } => Ok(()),
            ClientMessage::ConnectionTerminate => Err(Close::with(close_code::NORMAL, "")),
        }
    }

    async fn on_connection_init(
        &mut self,
        payload: Option<serde_json::Value>,
    ) -> Result<(), Close> {
        if self.initialised {
            return Err(Close::with(
                close_code::TOO_MANY_INIT,
                "Too many initialisation requests",
            ));
        }
        let authorization = match authorization_of(payload.as_ref()) {
            Ok(authorization) => authorization,
            Err(close) => return Err(self.refuse_init(close)),
        };
        match api_keys::authenticate(&self.state.db, authorization).await {
            Ok(viewer) => {
                self.viewer = viewer;
                self.initialised = true;
                self.send(protocol::connection_ack())?;
                if self.protocol == Protocol::LegacyGraphqlWs {
                    self.send(protocol::keep_alive())?;
                }
                Ok(())
            }
            Err(error @ Error::Unauthenticated(_)) => {
                Err(self.refuse_init(Close::with(close_code::FORBIDDEN, error.describe())))
            }
            // The database failed: say nothing of it to the client.
            Err(error) => {
                tracing::error!(
                    error = error.describe(),
                    "cannot authenticate a WebSocket client"
                );
                Err(self.refuse_init(Close::with(
                    close_code::INTERNAL_ERROR,
                    "Internal server error",
                )))
            }
        }
    }

    /// Refuses `connection_init` with `close`, telling legacy clients in a `connection_error` first.
    fn refuse_init(&self, close: Close) -> Close {
        if self.protocol == Protocol::LegacyGraphqlWs
            && let Some(frame) = &close.frame
        {
            // A full queue cannot stop the close that follows.
            let _ = self.send(protocol::connection_error(frame.reason.as_str()));
        }
        close
    }

    /// The refusal of an anonymous operation when its client is over the anonymous rate limit.
    fn rate_limited(&self) -> Option<ServerError> {
        let limiter = self.state.anonymous_limiter.as_ref()?;
        match limiter.check(self.client.key()) {
            Decision::Allowed { .. } => None,
            Decision::Limited { retry_after } => {
                self.state.metrics.count_rate_limited();
                let error: async_graphql::Error = Error::RateLimited {
                    message: "too many operations from this client without an API key; try again \
                              later"
                        .to_owned(),
                    retry_after,
                }
                .into();
                Some(error.into_server_error(async_graphql::Pos::default()))
            }
        }
    }

    /// A keep-alive tick: ping, and check that the session's key still works, so that a revoked key also
    /// ends subscriptions that are already running.
    async fn on_keepalive_tick(&mut self) -> Result<(), Close> {
        key_still_valid(&self.state.db, &self.viewer).await?;
        self.keep_alive()
    }

    async fn on_subscribe(
        &mut self,
        id: String,
        request: async_graphql::Request,
    ) -> Result<(), Close> {
        if !self.initialised {
            return Err(Close::with(close_code::UNAUTHORIZED, "Unauthorized"));
        }
        match &self.viewer {
            Viewer::Key(_) => {
                if key_still_valid(&self.state.db, &self.viewer)
                    .await?
                    .is_none()
                {
                    let error = request_errors::label(
                        ServerError::new("Internal server error", None),
                        ErrorCode::InternalServerError,
                    );
                    return self.send(protocol::error(&id, &[error]));
                }
            }
            Viewer::Anonymous => {
                if let Some(error) = self.rate_limited() {
                    return self.send(protocol::error(&id, &[error]));
                }
            }
        }
        if self.operations.contains_key(&id) {
            return Err(Close::with(
                close_code::SUBSCRIBER_EXISTS,
                format!("Subscriber for {id} already exists"),
            ));
        }
        let cap = self
            .state
            .websockets
            .limits()
            .max_subscriptions_per_connection;
        if self.operations.len() >= cap {
            let error = request_errors::label(
                ServerError::new(
                    format!(
                        "this connection already runs {cap} operations, the most it may; complete one first"
                    ),
                    None,
                ),
                ErrorCode::TooManySubscriptions,
            );
            return self.send(protocol::error(&id, &[error]));
        }
        // Documents named by hash (and the trusted-documents mode) hold here as over HTTP.
        let persisted_query = request
            .extensions
            .get("persistedQuery")
            .and_then(|value| value.clone().into_json().ok());
        let settled = match persisted_documents::requested_hash(persisted_query.as_ref(), None)
            .and_then(|hash| {
                self.state
                    .persisted_documents
                    .settle(Some(request.query.clone()), hash)
            }) {
            Ok(settled) => settled,
            Err(refusal) => {
                let error =
                    request_errors::label(ServerError::new(refusal.message, None), refusal.code);
                self.state
                    .metrics
                    .count_refusal(std::slice::from_ref(&error));
                return self.send(protocol::error(&id, &[error]));
            }
        };
        let admitted = match self.state.admission.admit(
            &settled.query,
            request.operation_name.as_deref(),
            &request.variables,
        ) {
            Ok(admitted) => Arc::new(admitted),
            Err(errors) => {
                self.state.metrics.count_refusal(&errors);
                self.state.observability.errors_by_code(&errors);
                return self.send(protocol::error(&id, &errors));
            }
        };
        // New automatic persisted queries are registered over HTTP only (where Apollo's link sends
        // them); a socket may name by hash a document registered there, or run its text.
        let graphql_request = admitted
            .to_request(&settled.query)
            .data(self.viewer.clone())
            .data(self.client);
        let state = self.state.clone();
        let results: Results = if admitted.operation_type == OperationType::Subscription {
            // Counted when it starts; its events are not operations of their own.
            self.state.observability.operation(
                execution::operation_name(&admitted),
                OperationType::Subscription,
                OperationOutcome::Success,
                None,
                &[],
            );
            // Events run unmetered (admission bounded their cost); each is shaped like an HTTP result.
            // A subscription runs for long: its document is validated in full every time.
            let stream = self
                .state
                .schemas
                .for_document(false)
                .execute_stream(graphql_request);
            let mut first = true;
            Box::pin(
                stream
                    .map(move |mut response| {
                        let refused = first && request_errors::is_request_error(&response);
                        first = false;
                        if refused {
                            return OperationEvent::Failed(coded_request_errors(response.errors));
                        }
                        execution::finish(
                            &state.admission,
                            &admitted,
                            &state.execution,
                            &mut response,
                        );
                        OperationEvent::Result(response)
                    })
                    .chain(futures_util::stream::once(async { OperationEvent::Done })),
            )
        } else {
            let single = async move {
                match execution::run(
                    &state.schemas,
                    &state.admission,
                    &state.execution,
                    &state.execution_gate,
                    &state.observability,
                    &admitted,
                    graphql_request,
                )
                .await
                {
                    Outcome::Completed { response, .. } => OperationEvent::Result(response),
                    Outcome::Refused(errors) => OperationEvent::Failed(errors),
                    Outcome::Abandoned(error, _) => OperationEvent::Failed(vec![error]),
                }
            };
            Box::pin(futures_util::stream::once(single).flat_map(|event| {
                let done =
                    matches!(event, OperationEvent::Result(_)).then_some(OperationEvent::Done);
                futures_util::stream::iter(std::iter::once(event).chain(done))
            }))
        };
        self.operations.insert(id, results);
        Ok(())
    }

    fn on_result(&mut self, id: String, event: OperationEvent) -> Result<(), Close> {
        match event {
            OperationEvent::Done => self.send(protocol::complete(&id)),
            // Refused before it ran, or abandoned: an `error` message, and nothing after it.
            OperationEvent::Failed(errors) => {
                self.operations.remove(&id);
                self.send(protocol::error(&id, &errors))
            }
            OperationEvent::Result(response) => {
                self.send(protocol::next(self.protocol, &id, &response))
            }
        }
    }
}

/// Whether a session's key still works; a revoked key ends the session (4403), and a database failure
/// ends only the operation asking (`None`). Anonymous sessions have nothing to check.
async fn key_still_valid(
    db: &sea_orm::DatabaseConnection,
    viewer: &Viewer,
) -> Result<Option<()>, Close> {
    let Viewer::Key(holder) = viewer else {
        return Ok(Some(()));
    };
    match api_keys::is_active(db, holder.id).await {
        Ok(true) => Ok(Some(())),
        Ok(false) => Err(Close::with(
            close_code::FORBIDDEN,
            "the API key of this connection was revoked",
        )),
        Err(error) => {
            tracing::error!(
                error = error.describe(),
                "cannot check a WebSocket session's key"
            );
            Ok(None)
        }
    }
}

/// The `Authorization` a `connection_init` payload carries: none without a payload or without the
/// member; a payload that is not an object, or a member that is not a string, is refused (never read as
/// anonymous).
fn authorization_of(payload: Option<&serde_json::Value>) -> Result<Option<&str>, Close> {
    let object = match payload {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(serde_json::Value::Object(object)) => object,
        Some(_) => {
            return Err(Close::with(
                close_code::BAD_REQUEST,
                "invalid message: the connection_init payload must be an object",
            ));
        }
    };
    match ["Authorization", "authorization"]
        .iter()
        .find_map(|key| object.get(*key))
    {
        None => Ok(None),
        Some(serde_json::Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(Close::with(
            close_code::FORBIDDEN,
            "invalid API key: Authorization must be a string, \"Bearer <key>\"",
        )),
    }
}

/// async-graphql's refusal of a subscription document, coded as a validation failure.
fn coded_request_errors(errors: Vec<ServerError>) -> Vec<ServerError> {
    errors
        .into_iter()
        .map(|error| request_errors::label(error, ErrorCode::GraphqlValidationFailed))
        .collect()
}
