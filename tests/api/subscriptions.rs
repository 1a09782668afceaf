//! GraphQL subscriptions over WebSocket: events after commit only, public events for anonymous subscribers,
//! drafts for editors who send a key in `connection_init`, both sub-protocols, and fan-out from one replica
//! to another through PostgreSQL.

use crate::common::{
    Socket, TestApp, acknowledged_websocket, next_json, on_postgres, pack, spawn_app_with,
    spawn_replica, term_line, websocket,
};
use futures_util::SinkExt;
use glossary::auth::Role;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

async fn editor_key(app: &TestApp) -> String {
    app.key("alice", Role::Editor).await
}

/// Opens a `graphql-transport-ws` connection (with a key when given) and subscribes with `query`.
async fn subscribe(app: &TestApp, key: Option<&str>, query: &str) -> Socket {
    let mut socket = acknowledged_websocket(app, key).await;
    socket
        .send(Message::text(
            json!({"id": "1", "type": "subscribe", "payload": {"query": query}}).to_string(),
        ))
        .await
        .unwrap();
    // Let the server register the subscription before the test writes.
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    socket
}

async fn mutate(app: &TestApp, key: &str, query: &str, variables: Value) -> Value {
    app.gql_as(key, query, variables).await
}

async fn term_id(app: &TestApp, key: &str, slug: &str) -> Value {
    let (_, body) = app
        .post_as(
            Some(key),
            "query($s: String!) { term(slug: $s, preview: true) { id } }",
            json!({"s": slug}),
        )
        .await;
    body["data"]["term"]["id"].clone()
}

const PUBLISH: &str =
    "mutation($id: ID!) { publishTerm(input: {id: $id}) { userErrors { code } } }";
const RETITLE: &str = "mutation($id: ID!, $title: String!, $v: Int) { updateTerm(input: {id: $id, title: $title, expectedVersion: $v}) { userErrors { code } } }";

fn fixture() -> String {
    pack(&[
        term_line("public-term", "Public term", json!({})),
        term_line("draft-term", "Draft term", json!({"status": "draft"})),
    ])
}

#[tokio::test]
async fn published_terms_reach_anonymous_subscribers() {
    let app = spawn_app_with(&fixture()).await;
    let key = editor_key(&app).await;
    let mut socket = subscribe(&app, None, "subscription { termPublished { slug title } }").await;
    let id = term_id(&app, &key, "draft-term").await;
    mutate(&app, &key, PUBLISH, json!({"id": id})).await;
    assert_eq!(
        next_json(&mut socket, false).await,
        json!({"id": "1", "type": "next", "payload": {"data": {"termPublished": {"slug": "draft-term", "title": "What is Draft term?"}}}})
    );
}

#[tokio::test]
async fn drafts_reach_editors_only_and_refused_writes_send_nothing() {
    let app = spawn_app_with(&fixture()).await;
    let key = editor_key(&app).await;
    let query = "subscription { termUpdated { slug title } }";
    let mut anonymous = subscribe(&app, None, query).await;
    let mut editor = subscribe(&app, Some(&key), query).await;
    let draft = term_id(&app, &key, "draft-term").await;
    let public = term_id(&app, &key, "public-term").await;

    // A refused write (version conflict) announces nothing; a draft change reaches the editor only.
    let refused = mutate(
        &app,
        &key,
        RETITLE,
        json!({"id": draft, "title": "Refused?", "v": 99}),
    )
    .await;
    assert_eq!(refused["updateTerm"]["userErrors"][0]["code"], "CONFLICT");
    mutate(
        &app,
        &key,
        RETITLE,
        json!({"id": draft, "title": "Draft title?"}),
    )
    .await;
    mutate(
        &app,
        &key,
        RETITLE,
        json!({"id": public, "title": "Public title?"}),
    )
    .await;

    let first = next_json(&mut editor, false).await;
    assert_eq!(
        first["payload"]["data"]["termUpdated"],
        json!({"slug": "draft-term", "title": "Draft title?"})
    );
    let second = next_json(&mut editor, false).await;
    assert_eq!(
        second["payload"]["data"]["termUpdated"]["slug"],
        "public-term"
    );
    // The anonymous subscriber's first message is the public change: the draft one never came.
    let only = next_json(&mut anonymous, false).await;
    assert_eq!(
        only["payload"]["data"]["termUpdated"],
        json!({"slug": "public-term", "title": "Public title?"})
    );
}

#[tokio::test]
async fn slug_filter_unpublish_and_delete_over_legacy_protocol() {
    let app = spawn_app_with(&fixture()).await;
    let key = editor_key(&app).await;
    let admin = app.key("root", Role::Admin).await;
    let public = term_id(&app, &key, "public-term").await;

    let mut socket = websocket(&app, "graphql-ws").await;
    socket
        .send(Message::text(r#"{"type":"connection_init","payload":{}}"#))
        .await
        .unwrap();
    assert_eq!(next_json(&mut socket, true).await["type"], "connection_ack");
    for (id, query) in [
        ("u", "subscription { termUnpublished { id slug } }"),
        ("d", "subscription { termDeleted { id slug } }"),
        (
            "p",
            "subscription { termUpdated(slug: \"public-term\") { slug } }",
        ),
    ] {
        socket
            .send(Message::text(
                json!({"id": id, "type": "start", "payload": {"query": query}}).to_string(),
            ))
            .await
            .unwrap();
    }
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;

    mutate(
        &app,
        &key,
        RETITLE,
        json!({"id": public, "title": "Still public?"}),
    )
    .await;
    let message = next_json(&mut socket, true).await;
    assert_eq!(
        (message["type"].as_str(), message["id"].as_str()),
        (Some("data"), Some("p"))
    );
    mutate(
        &app,
        &key,
        "mutation($id: ID!) { unpublishTerm(input: {id: $id}) { userErrors { code } } }",
        json!({"id": public}),
    )
    .await;
    let message = next_json(&mut socket, true).await;
    assert_eq!(message["id"], "u");
    assert_eq!(
        message["payload"]["data"]["termUnpublished"],
        json!({"id": public, "slug": "public-term"})
    );
    // Deleting a term that is no longer public is not news for anonymous subscribers...
    mutate(
        &app,
        &admin,
        "mutation($id: ID!) { deleteTerm(input: {id: $id}) { userErrors { code } } }",
        json!({"id": public}),
    )
    .await;
    // ...but deleting a public one is.
    let other = term_id(&app, &key, "draft-term").await;
    mutate(&app, &key, PUBLISH, json!({"id": other})).await;
    mutate(
        &app,
        &admin,
        "mutation($id: ID!) { deleteTerm(input: {id: $id}) { userErrors { code } } }",
        json!({"id": other}),
    )
    .await;
    let message = next_json(&mut socket, true).await;
    assert_eq!(message["id"], "d");
    assert_eq!(
        message["payload"]["data"]["termDeleted"]["slug"],
        "draft-term"
    );
}

#[tokio::test]
async fn a_bad_key_in_connection_init_is_refused() {
    let app = spawn_app_with(&fixture()).await;
    let mut socket = websocket(&app, "graphql-transport-ws").await;
    socket
        .send(Message::text(
            r#"{"type":"connection_init","payload":{"Authorization":"Bearer nope"}}"#,
        ))
        .await
        .unwrap();
    use futures_util::StreamExt;
    let message = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next())
        .await
        .unwrap();
    match message {
        Some(Ok(Message::Close(Some(frame)))) => {
            assert_eq!(u16::from(frame.code), 4403, "{frame:?}");
            assert!(frame.reason.contains("invalid API key"), "{frame:?}");
        }
        other => panic!("expected the server to close the connection, got {other:?}"),
    }
}

#[tokio::test]
async fn a_change_on_one_replica_reaches_subscribers_on_another() {
    if !on_postgres() {
        eprintln!(
            "a_change_on_one_replica_reaches_subscribers_on_another: PostgreSQL only (set TEST_DATABASE_URL)"
        );
        return;
    }
    let first = spawn_app_with(&fixture()).await;
    let second = spawn_replica(&first).await;
    let key = editor_key(&first).await;
    let mut socket = subscribe(&second, None, "subscription { termPublished { slug } }").await;
    let id = term_id(&first, &key, "draft-term").await;
    mutate(&first, &key, PUBLISH, json!({"id": id})).await;
    assert_eq!(
        next_json(&mut socket, false).await["payload"]["data"]["termPublished"],
        json!({"slug": "draft-term"})
    );
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_is_told_and_its_subscription_ends() {
    // The broadcast that subscribers read is the same on both engines; SQLite's in-process path lets the test
    // publish a burst at once, faster than any subscriber can take it.
    if on_postgres() {
        return;
    }
    let app = crate::common::spawn_app_with_options(glossary::config::AppOptions {
        event_buffer: 2,
        ..Default::default()
    })
    .await;
    let mut socket = subscribe(&app, None, "subscription { termUnpublished { slug } }").await;
    let burst = (0..5)
        .map(|n| glossary::events::TermEvent {
            kind: glossary::events::TermEventKind::Unpublished,
            term_id: n,
            slug: format!("term-{n}"),
            public_before: true,
            public_after: false,
            scheduled_for: None,
        })
        .collect();
    app.state.events.committed(burst);
    let told = next_json(&mut socket, false).await;
    assert_eq!(told["type"], "next", "{told}");
    assert_eq!(told["payload"]["data"], Value::Null, "{told}");
    assert_eq!(
        told["payload"]["errors"][0]["extensions"]["code"], "EVENTS_MISSED",
        "{told}"
    );
    assert_eq!(
        next_json(&mut socket, false).await,
        json!({"id": "1", "type": "complete"})
    );
}

/// The next JSON message within `seconds`.
async fn next_within(socket: &mut Socket, seconds: u64) -> Value {
    tokio::time::timeout(
        std::time::Duration::from_secs(seconds),
        crate::common::next_message(socket),
    )
    .await
    .expect("a message in time")
}

#[tokio::test]
async fn a_scheduled_publication_reaches_subscribers_on_every_replica_once() {
    // Replicas hear of each other's writes through PostgreSQL; on SQLite (one process) the one app.
    let first = spawn_app_with(&fixture()).await;
    let second = if on_postgres() {
        Some(spawn_replica(&first).await)
    } else {
        None
    };
    let key = editor_key(&first).await;
    let query = "subscription { termPublished { slug title } }";
    let mut sockets = vec![subscribe(&first, None, query).await];
    if let Some(second) = &second {
        sockets.push(subscribe(second, None, query).await);
    }
    let id = term_id(&first, &key, "draft-term").await;
    let at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let scheduled = mutate(
        &first,
        &key,
        "mutation($id: ID!, $at: DateTime!) { publishTerm(input: {id: $id, publishAt: $at}) { userErrors { code } } }",
        json!({"id": id, "at": at}),
    )
    .await;
    assert_eq!(scheduled["publishTerm"]["userErrors"], json!([]));
    // Nothing is announced at write time: the term is not public yet.
    assert_eq!(crate::common::ping(&mut sockets[0]).await["type"], "pong");

    // When its time comes, every replica's subscribers hear of it, without any request being made.
    for socket in &mut sockets {
        let event = next_within(socket, 10).await;
        assert_eq!(
            event["payload"]["data"]["termPublished"],
            json!({"slug": "draft-term", "title": "What is Draft term?"}),
            "{event}"
        );
    }
    // Exactly once: a few seconds on, the next message on each connection is the answer to a ping.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    for socket in &mut sockets {
        assert_eq!(crate::common::ping(socket).await["type"], "pong");
    }
    // And readers on every replica see it.
    for app in std::iter::once(&first).chain(second.as_ref()) {
        let term = app
            .gql("{ term(slug: \"draft-term\") { slug } }", json!({}))
            .await;
        assert_eq!(term["term"]["slug"], "draft-term");
    }
}
