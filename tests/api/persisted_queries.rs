//! Documents named by hash: Apollo's automatic persisted queries over POST and GET (the
//! `PersistedQueryNotFound` round trip, the hash checked, only admitted documents kept, switched off by
//! a flag) and the trusted-documents mode (only the manifest's documents run, over HTTP and WebSocket).

use std::sync::Arc;

use crate::common::{
    Socket, TestApp, acknowledged_websocket, next_json, pack, ping, send_json,
    spawn_app_with_pack_and_options, term_line,
};
use glossary::{
    auth::secrets::hex as hex_of,
    config::{AppOptions, PersistedDocumentOptions},
    graphql::persisted_documents::{PersistedDocuments, hash_of},
};
use serde_json::{Value, json};

const TERM_PAGE: &str = "query TermPage($slug: String!) { term(slug: $slug) { name } }";
const NAMES: &str = "{ terms(first: 5) { nodes { slug } } }";
const SUBSCRIPTION: &str = "subscription { termPublished { slug } }";

fn hex(text: &str) -> String {
    hex_of(&hash_of(text))
}

fn persisted(text: &str) -> Value {
    json!({"persistedQuery": {"version": 1, "sha256Hash": hex(text)}})
}

async fn app(persisted_documents: PersistedDocuments) -> TestApp {
    spawn_app_with_pack_and_options(
        &pack(&[term_line("api", "API", json!({}))]),
        AppOptions {
            persisted_documents: Arc::new(persisted_documents),
            ..AppOptions::default()
        },
    )
    .await
}

/// POSTs `body` as a modern client does; status and JSON.
async fn post(app: &TestApp, body: Value) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .json(&body)
        .send()
        .await
        .unwrap();
    (
        response.status().as_u16(),
        response.json().await.expect("JSON"),
    )
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn automatic_persisted_queries_round_trip_over_post() {
    let app = app(PersistedDocuments::automatic(1 << 20)).await;
    let variables = json!({"slug": "api"});
    let hash_only = json!({"variables": variables, "extensions": persisted(TERM_PAGE)});

    let (status, body) = post(&app, hash_only.clone()).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
    assert!(body.get("data").is_none(), "a request error has no data");

    let (status, body) = post(
        &app,
        json!({"query": TERM_PAGE, "variables": variables, "extensions": persisted(TERM_PAGE)}),
    )
    .await;
    assert_eq!(
        (status, &body),
        (200, &json!({"data": {"term": {"name": "API"}}}))
    );

    let (status, body) = post(&app, hash_only).await;
    assert_eq!(
        (status, &body),
        (200, &json!({"data": {"term": {"name": "API"}}}))
    );

    // The hash must be the text's.
    let (status, body) = post(
        &app,
        json!({"query": NAMES, "extensions": persisted(TERM_PAGE)}),
    )
    .await;
    assert_eq!((status, code(&body)), (400, "BAD_REQUEST"), "{body}");
    // A malformed extension is a bad request, named as such.
    let (status, body) = post(
        &app,
        json!({"query": NAMES, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "zz"}}}),
    )
    .await;
    assert_eq!((status, code(&body)), (400, "BAD_REQUEST"), "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("persistedQuery")
    );
    // Neither text nor hash.
    let (status, body) = post(&app, json!({"variables": {}})).await;
    assert_eq!((status, code(&body)), (400, "BAD_REQUEST"), "{body}");
}

#[tokio::test]
async fn a_document_that_fails_admission_is_never_kept() {
    let app = app(PersistedDocuments::automatic(1 << 20)).await;
    let invalid = "{ noSuchField }";
    let (status, body) = post(
        &app,
        json!({"query": invalid, "extensions": persisted(invalid)}),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (400, "GRAPHQL_VALIDATION_FAILED"),
        "{body}"
    );
    let (_, body) = post(&app, json!({"extensions": persisted(invalid)})).await;
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND");
}

#[tokio::test]
async fn automatic_persisted_queries_over_get_are_cacheable() {
    let app = app(PersistedDocuments::automatic(1 << 20)).await;
    let url = format!("{}/graphql", app.address);
    let extensions = persisted(NAMES).to_string();
    let get = |query: Option<&'static str>| {
        let mut params = vec![("extensions", extensions.clone())];
        if let Some(query) = query {
            params.push(("query", query.to_owned()));
        }
        app.client
            .get(&url)
            .header("accept", "application/graphql-response+json")
            .query(&params)
            .send()
    };
    let response = get(None).await.unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND");

    let response = get(Some(NAMES)).await.unwrap();
    assert_eq!(response.status(), 200);
    let registered: Value = response.json().await.unwrap();
    assert_eq!(registered["data"]["terms"]["nodes"][0]["slug"], "api");

    let response = get(None).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public"),
        "a hash-only public query is cacheable by CDNs"
    );
    assert!(response.headers().contains_key("etag"));
    assert_eq!(response.json::<Value>().await.unwrap(), registered);
}

#[tokio::test]
async fn switched_off_they_are_refused_with_their_code() {
    let app = app(PersistedDocuments::automatic(0)).await;
    let (status, body) = post(
        &app,
        json!({"query": NAMES, "extensions": persisted(NAMES)}),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (400, "PERSISTED_QUERY_NOT_SUPPORTED"),
        "{body}"
    );
    let (status, _) = post(&app, json!({"query": NAMES})).await;
    assert_eq!(status, 200, "plain queries still run");
}

fn trusted_app_options(dir: &std::path::Path) -> PersistedDocumentOptions {
    let manifest = dir.join("persisted-documents.json");
    std::fs::write(
        &manifest,
        json!({ hex(TERM_PAGE): TERM_PAGE, format!("sha256:{}", hex(SUBSCRIPTION)): SUBSCRIPTION })
            .to_string(),
    )
    .unwrap();
    PersistedDocumentOptions {
        trusted_documents: Some(manifest),
        ..PersistedDocumentOptions::default()
    }
}

async fn subscribe(socket: &mut Socket, id: &str, payload: Value) -> Value {
    send_json(
        socket,
        json!({"type": "subscribe", "id": id, "payload": payload}),
    )
    .await;
    next_json(socket, false).await
}

#[tokio::test]
async fn trusted_documents_mode_runs_only_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let options = trusted_app_options(dir.path());
    let app = app(options.load().unwrap()).await;
    let variables = json!({"slug": "api"});
    let expected = json!({"data": {"term": {"name": "API"}}});

    // By documentId, by Apollo's extension, and as the identical text.
    for body in [
        json!({"documentId": format!("sha256:{}", hex(TERM_PAGE)), "variables": variables}),
        json!({"extensions": persisted(TERM_PAGE), "variables": variables}),
        json!({"query": TERM_PAGE, "variables": variables}),
    ] {
        assert_eq!(
            post(&app, body.clone()).await,
            (200, expected.clone()),
            "{body}"
        );
    }
    // Anything else, however it is sent, and whoever sends it.
    for body in [
        json!({"query": NAMES}),
        json!({"query": NAMES, "extensions": persisted(NAMES)}),
        json!({"extensions": persisted(NAMES)}),
        json!({"query": "{ __schema { types { name } } }"}),
    ] {
        let (status, answer) = post(&app, body.clone()).await;
        assert_eq!(
            (status, code(&answer)),
            (400, "TRUSTED_DOCUMENT_REQUIRED"),
            "{body}: {answer}"
        );
        assert!(answer.get("data").is_none());
    }
    let key = app.key("editor", glossary::auth::Role::Editor).await;
    let (status, answer) = app.post_as(Some(&key), NAMES, json!({})).await;
    assert_eq!((status, code(&answer)), (400, "TRUSTED_DOCUMENT_REQUIRED"));
    // Nothing was learned from the refused registration.
    let (_, answer) = post(&app, json!({"extensions": persisted(NAMES)})).await;
    assert_eq!(code(&answer), "TRUSTED_DOCUMENT_REQUIRED");
    assert!(
        app.metrics()
            .await
            .contains(r#"code="TRUSTED_DOCUMENT_REQUIRED""#),
        "refusals are counted by code"
    );

    // Over WebSocket too: the manifest's subscription starts, another document is refused.
    let mut socket = acknowledged_websocket(&app, None).await;
    let refused = subscribe(
        &mut socket,
        "1",
        json!({"query": "subscription { termUpdated { slug } }"}),
    )
    .await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "TRUSTED_DOCUMENT_REQUIRED"
    );
    // The manifest's subscription by hash starts: a refusal would come back before the pong to the
    // ping sent after it (a connection's messages are handled in order), a running subscription
    // sends nothing until an event.
    send_json(
        &mut socket,
        json!({"type": "subscribe", "id": "2", "payload": {
            "query": "", "extensions": persisted(SUBSCRIPTION)
        }}),
    )
    .await;
    let next = ping(&mut socket).await;
    assert_eq!(
        next["type"], "pong",
        "the manifest's subscription runs: {next}"
    );
}

#[tokio::test]
async fn a_manifest_that_does_not_hash_right_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("bad.json");
    std::fs::write(&manifest, json!({ hex("{ a }"): "{ b }" }).to_string()).unwrap();
    let options = PersistedDocumentOptions {
        trusted_documents: Some(manifest),
        ..PersistedDocumentOptions::default()
    };
    let error = options.load().unwrap_err().describe();
    assert!(error.contains("not the SHA-256 of its document"), "{error}");
    let missing = PersistedDocumentOptions {
        trusted_documents: Some(dir.path().join("missing.json")),
        ..PersistedDocumentOptions::default()
    };
    assert!(
        missing
            .load()
            .unwrap_err()
            .describe()
            .contains("cannot read")
    );
}
