//! Test harness: start the real app in-process on port 0 over a fresh database, and speak GraphQL to it.
//!
//! The database is a new SQLite file by default. With `TEST_DATABASE_URL=postgres://…` each test gets its own
//! PostgreSQL database, created here and dropped when the test's [`TestApp`] goes away.

pub mod bombs;

use std::sync::atomic::{AtomicU64, Ordering};

use glossary::{
    AppState,
    auth::{Role, api_keys},
    config::AppOptions,
    database::{self, MigrateAction},
    import, server,
};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};

/// A running app and what a test needs to talk to it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The app's state: its pool and statement counter.
    pub state: AppState,
    /// An HTTP client.
    pub client: reqwest::Client,
    /// The database URL the app uses.
    pub database_url: String,
    /// Starts the server's graceful shutdown.
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    /// The server task.
    server: Option<tokio::task::JoinHandle<()>>,
    _database: Option<TestDatabase>,
}

/// A database that exists for one test.
pub enum TestDatabase {
    /// A SQLite file in a temporary directory, removed with it.
    Sqlite {
        /// Held for its drop, which removes the directory.
        _directory: tempfile::TempDir,
    },
    /// A PostgreSQL database, dropped on drop.
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs outside any runtime we may block: use a thread with its own.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    if let Ok(admin) = Database::connect(&admin_url).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

static NEXT_DATABASE: AtomicU64 = AtomicU64::new(0);

/// Is the suite running against PostgreSQL?
pub fn on_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|url| url.starts_with("postgres"))
}

/// Creates an empty database for one test and returns its URL.
pub async fn fresh_database() -> (String, TestDatabase) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if admin_url.starts_with("postgres") => {
            let name = format!(
                "glossary_test_{}_{}_{}",
                std::process::id(),
                NEXT_DATABASE.fetch_add(1, Ordering::Relaxed),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .subsec_nanos()
            );
            let admin = Database::connect(&admin_url)
                .await
                .expect("connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create a test database");
            admin.close().await.ok();
            let (base, query) = match admin_url.split_once('?') {
                Some((base, query)) => (base, format!("?{query}")),
                None => (admin_url.as_str(), String::new()),
            };
            let (server, _) = base
                .rsplit_once('/')
                .expect("TEST_DATABASE_URL names a database");
            let url = format!("{server}/{name}{query}");
            (url, TestDatabase::Postgres { admin_url, name })
        }
        _ => {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            (url, TestDatabase::Sqlite { _directory: dir })
        }
    }
}

/// Starts the app over a fresh, migrated, empty database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with_options(AppOptions::default()).await
}

/// Starts the app over a fresh, migrated, empty database, tuned by `options`.
pub async fn spawn_app_with_options(options: AppOptions) -> TestApp {
    let (database_url, guard) = fresh_database().await;
    start_app(database_url, Some(guard), options).await
}

/// Starts another replica of the app on `first`'s database, as a second server behind a load balancer.
pub async fn spawn_replica(first: &TestApp) -> TestApp {
    start_app(first.database_url.clone(), None, AppOptions::default()).await
}

async fn start_app(
    database_url: String,
    guard: Option<TestDatabase>,
    options: AppOptions,
) -> TestApp {
    let (db, statements) = database::connect(&database_url).await.expect("connect");
    database::migrate(&db, MigrateAction::Up)
        .await
        .expect("migrate");
    let state = AppState::new(db, statements, options)
        .await
        .expect("the app starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let (shutdown, shutdown_requested) = tokio::sync::oneshot::channel::<()>();
    let server_state = state.clone();
    let server = tokio::spawn(async move {
        server::run(listener, server_state, async move {
            let _ = shutdown_requested.await;
        })
        .await
        .unwrap()
    });
    TestApp {
        address,
        state,
        client: reqwest::Client::new(),
        database_url,
        shutdown: Some(shutdown),
        server: Some(server),
        _database: guard,
    }
}

/// Starts the app and imports `pack` (JSON Lines) into its database.
pub async fn spawn_app_with(pack: &str) -> TestApp {
    spawn_app_with_pack_and_options(pack, AppOptions::default()).await
}

/// Starts the app tuned by `options` and imports `pack` (JSON Lines) into its database.
pub async fn spawn_app_with_pack_and_options(pack: &str, options: AppOptions) -> TestApp {
    let app = spawn_app_with_options(options).await;
    import::import_pack(app.db(), pack)
        .await
        .expect("the test pack imports");
    app
}

impl TestApp {
    /// Shuts the server down gracefully, as SIGTERM would, and waits until it has stopped.
    pub async fn shut_down(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("the server stops cleanly");
        }
    }

    /// The app's pool.
    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// SQL statements run so far.
    pub fn statements(&self) -> u64 {
        self.state.statements.get()
    }

    /// How many DataLoader batches the app has started.
    pub fn batches(&self) -> u64 {
        self.state.schemas.batches().get()
    }

    /// Waits until the app's background tasks have run their first passes (the mail outbox and the
    /// publication schedule each read the database once as they start, whenever the runtime gets to
    /// them): until no statement has run for 50 ms, for at most five seconds. A test that counts the
    /// statements of its own requests calls it first, so that a busy machine does not charge it theirs.
    pub async fn settle(&self) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        let mut seen = self.statements();
        let mut quiet = 0;
        while quiet < 5 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            let now = self.statements();
            quiet = if now == seen { quiet + 1 } else { 0 };
            seen = now;
        }
    }

    /// POSTs a GraphQL request the way a modern client does and returns status and JSON body.
    pub async fn post(&self, query: &str, variables: Value) -> (u16, Value) {
        self.post_as(None, query, variables).await
    }

    /// Like [`TestApp::post`], with this `Authorization` header value when one is given.
    pub async fn post_as(
        &self,
        authorization: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .header("content-type", "application/json")
            .header("accept", "application/graphql-response+json");
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let response = request
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON body"))
    }

    /// Creates an API key named `name` with `role` and returns it as an `Authorization` value
    /// (`Bearer glsk_…`).
    pub async fn key(&self, name: &str, role: Role) -> String {
        let (_, secret) = api_keys::create(self.db(), name, role)
            .await
            .expect("a new key");
        format!("Bearer {secret}")
    }

    /// Runs a request as the holder of `authorization` (a `Bearer …` value); it must answer 200 without
    /// errors. Returns its `data`.
    pub async fn gql_as(&self, authorization: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.post_as(Some(authorization), query, variables).await;
        assert_eq!(status, 200, "status of {query}: {body}");
        assert!(body.get("errors").is_none(), "errors from {query}: {body}");
        body["data"].clone()
    }

    /// Runs a query that must succeed and returns its `data`.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        let (status, body) = self.post(query, variables).await;
        assert_eq!(status, 200, "status of {query}: {body}");
        assert!(body.get("errors").is_none(), "errors from {query}: {body}");
        body["data"].clone()
    }

    /// Runs a query that must fail in a resolver; returns the first error.
    pub async fn gql_error(&self, query: &str, variables: Value) -> Value {
        let (status, body) = self.post(query, variables).await;
        assert_eq!(status, 200, "status of {query}: {body}");
        body["errors"][0].clone()
    }

    /// The `/metrics` page.
    pub async fn metrics(&self) -> String {
        self.client
            .get(format!("{}/metrics", self.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The database id of a stored term, for building global IDs of terms the API will not show.
    pub async fn term_id(&self, slug: &str) -> i64 {
        glossary::content::terms::ids_by_slug_any_status(self.db(), &[slug.to_owned()])
            .await
            .unwrap()[slug]
    }
}

/// A WebSocket client connection to `/graphql/ws`.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens `/graphql/ws` with the given sub-protocol and checks the server chose it.
pub async fn websocket(app: &TestApp, protocol: &str) -> Socket {
    use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue};
    let url = format!("{}/graphql/ws", app.address.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_str(protocol).unwrap(),
    );
    let (socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("WebSocket upgrade");
    assert_eq!(response.headers()["sec-websocket-protocol"], protocol);
    socket
}

/// Sends one JSON message on a WebSocket.
pub async fn send_json(socket: &mut Socket, message: Value) {
    use futures_util::SinkExt;
    socket
        .send(tokio_tungstenite::tungstenite::Message::text(
            message.to_string(),
        ))
        .await
        .unwrap();
}

/// Sends a `ping` and returns the next message. The server handles a connection's messages in order, so
/// when that is the `pong`, every message sent before the ping has been taken (and any answer to one
/// of them would have come first).
pub async fn ping(socket: &mut Socket) -> Value {
    send_json(socket, json!({"type": "ping"})).await;
    next_json(socket, false).await
}

/// A `graphql-transport-ws` connection, initialised (with this `Authorization` value when given) and
/// acknowledged.
pub async fn acknowledged_websocket(app: &TestApp, key: Option<&str>) -> Socket {
    use futures_util::SinkExt;
    let mut socket = websocket(app, "graphql-transport-ws").await;
    let payload = key.map_or(json!({}), |key| json!({"Authorization": key}));
    socket
        .send(tokio_tungstenite::tungstenite::Message::text(
            json!({"type": "connection_init", "payload": payload}).to_string(),
        ))
        .await
        .unwrap();
    assert_eq!(
        next_json(&mut socket, false).await["type"],
        "connection_ack"
    );
    socket
}

/// The next JSON text message, however long it takes (callers bound the wait themselves).
pub async fn next_message(socket: &mut Socket) -> Value {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        let message = socket.next().await.expect("the socket is open").unwrap();
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

/// The next JSON message, within 5 seconds; legacy keep-alives (`ka`) are skipped when asked.
pub async fn next_json(socket: &mut Socket, skip_keep_alive: bool) -> Value {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next())
            .await
            .expect("a message within 5 s")
            .expect("the socket is open")
            .unwrap();
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).unwrap();
            if skip_keep_alive && value["type"] == "ka" {
                continue;
            }
            return value;
        }
    }
}

/// One pack line for a term, with every optional part empty unless `extra` sets it.
pub fn term_line(slug: &str, name: &str, extra: Value) -> String {
    let mut term = json!({
        "slug": slug,
        "name": name,
        "title": format!("What is {name}?"),
        "definition": format!("{name} is a term used in tests."),
    });
    if let (Some(object), Value::Object(extra)) = (term.as_object_mut(), extra) {
        object.extend(extra);
    }
    term.to_string()
}

/// Joins pack lines into a pack.
pub fn pack(lines: &[String]) -> String {
    lines.join("\n") + "\n"
}
