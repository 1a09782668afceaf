//! The WebSocket session itself, apart from what the subscriptions deliver: the `graphql-transport-ws`
//! rules (ack before subscribe, unique ids, one init, `error` for a refused operation, ping/pong), the
//! `connection_init` timeout, keep-alive pings and the dropping of silent clients, the caps on connections
//! and on operations per connection, slow consumers, and the close frames sent at shutdown.

use std::time::Duration;

use crate::common::{
    Socket, TestApp, next_json, pack, send_json, spawn_app_with_options, term_line, websocket,
};
use futures_util::{SinkExt, StreamExt};
use glossary::{
    auth::{Role, api_keys},
    config::{AppOptions, WebSocketLimits},
    import,
};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{
    Error, Message, client::IntoClientRequest, http::HeaderValue,
};

/// An app with the given WebSocket limits and one public term.
async fn app_with(limits: WebSocketLimits) -> TestApp {
    app_with_term(limits, json!({})).await
}

/// An app with the given WebSocket limits and one public term with `extra` fields.
async fn app_with_term(limits: WebSocketLimits, extra: Value) -> TestApp {
    let app = spawn_app_with_options(AppOptions {
        websocket: limits,
        ..AppOptions::default()
    })
    .await;
    import::import_pack(
        app.db(),
        &pack(&[term_line("public-term", "Public term", extra)]),
    )
    .await
    .unwrap();
    app
}

/// A `graphql-transport-ws` connection, acknowledged.
async fn connected(app: &TestApp) -> Socket {
    let mut socket = websocket(app, "graphql-transport-ws").await;
    send_json(&mut socket, json!({"type": "connection_init"})).await;
    assert_eq!(
        next_json(&mut socket, false).await["type"],
        "connection_ack"
    );
    socket
}

/// Reads until the server's close frame (within 10 s) and returns its code and reason.
async fn close_frame(socket: &mut Socket) -> (u16, String) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("a close frame within 10 s");
        match message {
            Some(Ok(Message::Close(Some(frame)))) => {
                // Keep reading so that the client's own close frame goes out and the handshake completes.
                let _ = tokio::time::timeout(Duration::from_secs(5), socket.next()).await;
                return (frame.code.into(), frame.reason.to_string());
            }
            Some(Ok(Message::Close(None))) | None => panic!("closed without a close frame"),
            Some(Ok(_)) => continue,
            Some(Err(error)) => panic!("the socket failed before a close frame: {error}"),
        }
    }
}

/// Asks for one more connection and checks it is refused with `status`, `Retry-After` and
/// `TOO_MANY_CONNECTIONS`.
async fn refused_upgrade(app: &TestApp, status: u16) {
    let url = format!("{}/graphql/ws", app.address.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    match tokio_tungstenite::connect_async(request).await {
        Err(Error::Http(response)) => {
            assert_eq!(response.status(), status);
            assert_eq!(response.headers()["retry-after"], "5");
            let body: Value = serde_json::from_slice(response.body().as_deref().unwrap()).unwrap();
            assert_eq!(
                body["errors"][0]["extensions"]["code"],
                "TOO_MANY_CONNECTIONS"
            );
        }
        other => panic!("expected a {status}, got {other:?}"),
    }
}

async fn editor_key(app: &TestApp) -> String {
    app.key("alice", Role::Editor).await
}

/// Retitles the public term through the HTTP API (one `termUpdated` event).
async fn retitle(app: &TestApp, key: &str, title: &str) {
    let id = app.term_id("public-term").await;
    let global =
        glossary::graphql::global_id::encode(glossary::graphql::global_id::NodeKind::Term, id);
    let (status, body) = app
        .post_as(
            Some(key),
            "mutation($id: ID!, $t: String!) { updateTerm(input: {id: $id, title: $t}) { userErrors { code } } }",
            json!({"id": global, "t": title}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["updateTerm"]["userErrors"],
        json!([]),
        "{body}"
    );
}

#[tokio::test]
async fn the_graphql_transport_ws_rules_are_kept() {
    let app = app_with(WebSocketLimits::default()).await;

    // An operation before the acknowledgement: 4401.
    let mut early = websocket(&app, "graphql-transport-ws").await;
    send_json(&mut early, json!({"id": "1", "type": "subscribe", "payload": {"query": "{ glossaryIndex { letter } }"}})).await;
    assert_eq!(close_frame(&mut early).await.0, 4401);

    // A second connection_init: 4429.
    let mut twice = connected(&app).await;
    send_json(&mut twice, json!({"type": "connection_init"})).await;
    assert_eq!(close_frame(&mut twice).await.0, 4429);

    // A message that is not one of the protocol's: 4400.
    let mut garbled = connected(&app).await;
    send_json(
        &mut garbled,
        json!({"type": "start", "id": "1", "payload": {"query": "{ __typename }"}}),
    )
    .await;
    assert_eq!(close_frame(&mut garbled).await.0, 4400);

    let mut socket = connected(&app).await;
    // ping -> pong with the same payload.
    send_json(&mut socket, json!({"type": "ping", "payload": {"n": 1}})).await;
    assert_eq!(
        next_json(&mut socket, false).await,
        json!({"type": "pong", "payload": {"n": 1}})
    );

    // A query over the socket: next, then complete.
    send_json(&mut socket, json!({"id": "q", "type": "subscribe", "payload": {"query": "{ term(slug: \"public-term\") { slug } }"}})).await;
    assert_eq!(
        next_json(&mut socket, false).await,
        json!({"id": "q", "type": "next", "payload": {"data": {"term": {"slug": "public-term"}}}})
    );
    assert_eq!(
        next_json(&mut socket, false).await,
        json!({"id": "q", "type": "complete"})
    );

    // A document that fails validation: one `error` message with the coded errors, nothing after it, and the
    // connection stays usable.
    send_json(&mut socket, json!({"id": "v", "type": "subscribe", "payload": {"query": "subscription { noSuchField }"}})).await;
    let refused = next_json(&mut socket, false).await;
    assert_eq!(
        (refused["type"].as_str(), refused["id"].as_str()),
        (Some("error"), Some("v"))
    );
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );

    // A running subscription's id cannot be reused: 4409.
    send_json(&mut socket, json!({"id": "s", "type": "subscribe", "payload": {"query": "subscription { termPublished { slug } }"}})).await;
    send_json(&mut socket, json!({"id": "s", "type": "subscribe", "payload": {"query": "subscription { termPublished { slug } }"}})).await;
    let (code, reason) = close_frame(&mut socket).await;
    assert_eq!(code, 4409);
    assert!(
        reason.contains("Subscriber for s already exists"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_client_that_never_initialises_is_closed_with_4408() {
    let app = app_with(WebSocketLimits {
        connection_init_timeout: Duration::from_millis(300),
        ..WebSocketLimits::default()
    })
    .await;
    let mut socket = websocket(&app, "graphql-transport-ws").await;
    let (code, reason) = close_frame(&mut socket).await;
    assert_eq!(code, 4408);
    assert_eq!(reason, "Connection initialisation timeout");
    // The connection's place is given back.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(app.state.websockets.stats().open_connections, 0);
}

#[tokio::test]
async fn keep_alive_pings_flow_and_a_silent_client_is_dropped() {
    let app = app_with(WebSocketLimits {
        keepalive_interval: Duration::from_millis(150),
        keepalive_timeout: Duration::from_millis(300),
        ..WebSocketLimits::default()
    })
    .await;

    // A client that reads answers pings (its WebSocket library does) and stays connected well past the
    // timeout, seeing Ping frames on graphql-transport-ws...
    let mut reader = connected(&app).await;
    let mut pings = 0;
    let until = tokio::time::Instant::now() + Duration::from_millis(1200);
    while let Ok(Some(message)) = tokio::time::timeout_at(until, reader.next()).await {
        match message.unwrap() {
            Message::Ping(_) => pings += 1,
            Message::Close(frame) => panic!("a client that answers pings was closed: {frame:?}"),
            _ => {}
        }
    }
    assert!(pings >= 3, "only {pings} pings in 1.2 s at one per 150 ms");

    // ...and `ka` messages on the legacy protocol, the first one right after the acknowledgement.
    let mut legacy = websocket(&app, "graphql-ws").await;
    send_json(
        &mut legacy,
        json!({"type": "connection_init", "payload": {}}),
    )
    .await;
    assert_eq!(
        next_json(&mut legacy, false).await["type"],
        "connection_ack"
    );
    assert_eq!(next_json(&mut legacy, false).await["type"], "ka");
    assert_eq!(next_json(&mut legacy, false).await["type"], "ka");

    // A client that stops reading stops answering; it is closed with 3008 once the timeout passes.
    let mut silent = connected(&app).await;
    tokio::time::sleep(Duration::from_millis(900)).await;
    let (code, reason) = close_frame(&mut silent).await;
    assert_eq!(code, 3008, "{reason}");
    assert!(app.state.websockets.stats().keepalive_timeouts >= 1);
}

#[tokio::test]
async fn operations_per_connection_are_capped() {
    let app = app_with(WebSocketLimits {
        max_subscriptions_per_connection: 2,
        ..WebSocketLimits::default()
    })
    .await;
    let key = editor_key(&app).await;
    let mut socket = connected(&app).await;
    for id in ["a", "b", "c"] {
        send_json(&mut socket, json!({"id": id, "type": "subscribe", "payload": {"query": "subscription { termUpdated { title } }"}})).await;
    }
    let refused = next_json(&mut socket, false).await;
    assert_eq!(
        (refused["type"].as_str(), refused["id"].as_str()),
        (Some("error"), Some("c"))
    );
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "TOO_MANY_SUBSCRIPTIONS"
    );

    // Completing one makes room for another, and the connection carries on.
    send_json(&mut socket, json!({"id": "a", "type": "complete"})).await;
    send_json(&mut socket, json!({"id": "c", "type": "subscribe", "payload": {"query": "subscription { termUpdated { title } }"}})).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    retitle(&app, &key, "Capped?").await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let message = next_json(&mut socket, false).await;
        assert_eq!(message["type"], "next", "{message}");
        assert_eq!(
            message["payload"]["data"]["termUpdated"]["title"],
            "Capped?"
        );
        ids.push(message["id"].as_str().unwrap().to_owned());
    }
    ids.sort();
    assert_eq!(ids, ["b", "c"]);
}

/// With two connections open under `limits`, a third upgrade is refused with `status`; once one leaves,
/// there is room again.
async fn the_third_connection_is_refused(limits: WebSocketLimits, status: u16) {
    let app = app_with(limits).await;
    let first = connected(&app).await;
    let _second = connected(&app).await;
    refused_upgrade(&app, status).await;
    drop(first);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while app.state.websockets.stats().open_connections >= 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the closed connection was never released"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    connected(&app).await;
}

#[tokio::test]
async fn connections_are_capped_with_a_503_and_retry_after() {
    let limits = WebSocketLimits {
        max_connections: 2,
        ..WebSocketLimits::default()
    };
    the_third_connection_is_refused(limits, 503).await;
}

#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_while_others_keep_receiving() {
    // By message count...
    stalled_reader_is_dropped(
        WebSocketLimits {
            send_queue: 4,
            send_queue_bytes: 64 * 1024 * 1024,
            close_timeout: Duration::from_secs(10),
            ..WebSocketLimits::default()
        },
        "slow consumer: more than 4 messages unread",
    )
    .await;
}

#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_by_queued_bytes_too() {
    // ...and by bytes, whichever comes first.
    stalled_reader_is_dropped(
        WebSocketLimits {
            send_queue: 1000,
            send_queue_bytes: 256 * 1024,
            close_timeout: Duration::from_secs(10),
            ..WebSocketLimits::default()
        },
        "slow consumer: more than 262144 bytes unread",
    )
    .await;
}

/// A slow client and a fast one subscribe; the slow one stops reading and is dropped with `reason`.
async fn stalled_reader_is_dropped(limits: WebSocketLimits, reason_expected: &str) {
    // A 50 kB section, selected twenty times over, makes each event about a megabyte for the slow client, so
    // the socket buffers between it and the server fill after a few events.
    let long = "A sentence that takes up room in every event. ".repeat(1100);
    let app = app_with_term(
        limits,
        json!({"sections": [{"heading": "Long", "body": long}]}),
    )
    .await;
    let key = editor_key(&app).await;
    let heavy: String = (0..20)
        .map(|n| format!("s{n}: sections {{ body }} "))
        .collect();
    let mut slow = connected(&app).await;
    send_json(&mut slow, json!({"id": "heavy", "type": "subscribe", "payload": {"query": format!("subscription {{ termUpdated {{ title {heavy} }} }}")}})).await;

    let mut fast = connected(&app).await;
    send_json(&mut fast, json!({"id": "light", "type": "subscribe", "payload": {"query": "subscription { termUpdated { title } }"}})).await;
    let fast_reader = tokio::spawn(async move {
        let mut titles = Vec::new();
        while let Ok(Some(Ok(message))) =
            tokio::time::timeout(Duration::from_secs(5), fast.next()).await
        {
            if let Message::Text(text) = message {
                let value: Value = serde_json::from_str(&text).unwrap();
                titles.push(
                    value["payload"]["data"]["termUpdated"]["title"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                );
            }
        }
        titles
    });
    tokio::time::sleep(Duration::from_millis(150)).await;

    // Write until the server gives up on the slow client (it never reads meanwhile).
    let mut sent = Vec::new();
    while app.state.websockets.stats().slow_consumer_disconnects == 0 {
        assert!(sent.len() < 200, "the slow client was never disconnected");
        let title = format!("Revision {}?", sent.len());
        retitle(&app, &key, &title).await;
        sent.push(title);
    }
    // A few more changes: the fast client is unaffected.
    for n in 0..3 {
        let title = format!("After {n}?");
        retitle(&app, &key, &title).await;
        sent.push(title);
    }

    // The slow client, reading at last, finds what was already in flight, then close code 1008.
    let (code, reason) = close_frame(&mut slow).await;
    assert_eq!(code, 1008);
    assert_eq!(reason, reason_expected);
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("\nglossary_websocket_slow_consumer_disconnects_total 1\n"),
        "{metrics}"
    );

    // The fast client got one message per change, in order. Each shows the term as it was read for the
    // event: the state of that change or, when the event was read after a later commit (PostgreSQL
    // delivers notifications a little later), a later one.
    let received = fast_reader.await.unwrap();
    assert_eq!(received.len(), sent.len(), "{received:?}");
    for (index, title) in received.iter().enumerate() {
        let state = sent.iter().position(|sent| sent == title);
        assert!(
            state.is_some_and(|state| state >= index),
            "event {index} showed {title:?}: {received:?}"
        );
    }
    assert_eq!(received.last(), sent.last());
    assert!(
        sent.len() < 60,
        "the slow client held {} events before it was dropped",
        sent.len()
    );
}

#[tokio::test]
async fn shutdown_closes_every_socket_with_1001() {
    let mut app = app_with(WebSocketLimits::default()).await;
    let mut modern = connected(&app).await;
    send_json(&mut modern, json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { termPublished { slug } }"}})).await;
    let mut legacy = websocket(&app, "graphql-ws").await;
    send_json(
        &mut legacy,
        json!({"type": "connection_init", "payload": {}}),
    )
    .await;
    assert_eq!(
        next_json(&mut legacy, false).await["type"],
        "connection_ack"
    );

    let closing = tokio::spawn(async move {
        let modern = close_frame(&mut modern).await;
        let legacy = close_frame(&mut legacy).await;
        (modern, legacy)
    });
    app.shut_down().await;
    let (modern, legacy) = closing.await.unwrap();
    assert_eq!(modern, (1001, "server shutting down".to_owned()));
    assert_eq!(legacy, (1001, "server shutting down".to_owned()));
    assert_eq!(app.state.websockets.stats().open_connections, 0);
}

#[tokio::test]
async fn the_legacy_protocol_refuses_stops_and_terminates() {
    let app = app_with(WebSocketLimits::default()).await;

    // A refused key: connection_error, then the connection closes.
    let mut refused = websocket(&app, "graphql-ws").await;
    send_json(
        &mut refused,
        json!({"type": "connection_init", "payload": {"Authorization": "Bearer glsk_nope"}}),
    )
    .await;
    let error = next_json(&mut refused, false).await;
    assert_eq!(error["type"], "connection_error", "{error}");
    assert_eq!(close_frame(&mut refused).await.0, 4403);

    let mut socket = websocket(&app, "graphql-ws").await;
    send_json(
        &mut socket,
        json!({"type": "connection_init", "payload": {}}),
    )
    .await;
    assert_eq!(next_json(&mut socket, true).await["type"], "connection_ack");

    // A document that fails validation: `error` with the coded errors.
    send_json(
        &mut socket,
        json!({"id": "bad", "type": "start", "payload": {"query": "subscription { nope }"}}),
    )
    .await;
    let refused = next_json(&mut socket, true).await;
    assert_eq!(
        (refused["type"].as_str(), refused["id"].as_str()),
        (Some("error"), Some("bad"))
    );
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );

    // stop ends a running subscription with `complete`.
    send_json(&mut socket, json!({"id": "s", "type": "start", "payload": {"query": "subscription { termPublished { slug } }"}})).await;
    send_json(&mut socket, json!({"id": "s", "type": "stop"})).await;
    assert_eq!(
        next_json(&mut socket, true).await,
        json!({"type": "complete", "id": "s"})
    );

    // connection_terminate closes normally.
    send_json(&mut socket, json!({"type": "connection_terminate"})).await;
    assert_eq!(close_frame(&mut socket).await.0, 1000);
}

#[tokio::test]
async fn a_frame_larger_than_the_message_cap_is_refused_before_it_is_buffered() {
    let app = app_with(WebSocketLimits::default()).await;
    let mut socket = connected(&app).await;
    // 1 MiB in one frame, four times the message cap: tungstenite refuses it from the frame header.
    let huge =
        json!({"id": "1", "type": "subscribe", "payload": {"query": "x".repeat(1024 * 1024)}});
    let _ = socket.send(Message::text(huge.to_string())).await;
    let (code, reason) = close_frame(&mut socket).await;
    assert_eq!(code, 1009, "{reason}");
}

#[tokio::test]
async fn connections_per_client_address_are_capped_with_a_429() {
    let limits = WebSocketLimits {
        max_connections_per_client: 2,
        ..WebSocketLimits::default()
    };
    the_third_connection_is_refused(limits, 429).await;
}

#[tokio::test]
async fn a_revoked_key_stops_working_on_sockets_already_open() {
    let app = app_with(WebSocketLimits {
        keepalive_interval: Duration::from_millis(500),
        ..WebSocketLimits::default()
    })
    .await;
    let key = editor_key(&app).await;
    let open = |key: String| {
        let app = &app;
        async move {
            let mut socket = websocket(app, "graphql-transport-ws").await;
            send_json(
                &mut socket,
                json!({"type": "connection_init", "payload": {"Authorization": key}}),
            )
            .await;
            assert_eq!(
                next_json(&mut socket, false).await["type"],
                "connection_ack"
            );
            socket
        }
    };
    // One socket with a running subscription, one that will ask for a new operation.
    let mut subscribed = open(key.clone()).await;
    send_json(
        &mut subscribed,
        json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { termUpdated { slug } }"}}),
    )
    .await;
    let mut asking = open(key.clone()).await;
    send_json(
        &mut asking,
        json!({"id": "1", "type": "subscribe", "payload": {"query": "{ viewer { name } }"}}),
    )
    .await;
    assert_eq!(
        next_json(&mut asking, false).await["payload"]["data"]["viewer"]["name"],
        "alice"
    );
    assert_eq!(next_json(&mut asking, false).await["type"], "complete");

    api_keys::revoke(app.db(), "alice").await.unwrap();

    send_json(
        &mut asking,
        json!({"id": "2", "type": "subscribe", "payload": {"query": "{ viewer { name } }"}}),
    )
    .await;
    let (code, reason) = close_frame(&mut asking).await;
    assert_eq!(
        (code, reason.as_str()),
        (4403, "the API key of this connection was revoked")
    );
    // The running subscription ends at the next keep-alive tick.
    let (code, _) = close_frame(&mut subscribed).await;
    assert_eq!(code, 4403);
}

#[tokio::test]
async fn a_malformed_connection_init_is_refused_never_read_as_anonymous() {
    let app = app_with(WebSocketLimits::default()).await;
    for (payload, expected) in [
        (json!({"Authorization": ["Bearer x"]}), 4403),
        (json!({"Authorization": null}), 4403),
        (json!({"authorization": {"Bearer": "x"}}), 4403),
        (json!({"Authorization": 42}), 4403),
        (json!(["Authorization", "Bearer x"]), 4400),
        (json!("Bearer x"), 4400),
    ] {
        let mut socket = websocket(&app, "graphql-transport-ws").await;
        send_json(
            &mut socket,
            json!({"type": "connection_init", "payload": payload}),
        )
        .await;
        let (code, reason) = close_frame(&mut socket).await;
        assert_eq!(code, expected, "{payload}: {reason}");
    }
    // The legacy protocol is told why first.
    let mut legacy = websocket(&app, "graphql-ws").await;
    send_json(
        &mut legacy,
        json!({"type": "connection_init", "payload": {"Authorization": ["x"]}}),
    )
    .await;
    let error = next_json(&mut legacy, true).await;
    assert_eq!(error["type"], "connection_error");
    assert!(
        error["payload"]["message"]
            .as_str()
            .unwrap()
            .contains("must be a string")
    );
}

#[tokio::test]
async fn database_errors_never_reach_a_websocket_client() {
    use sea_orm::ConnectionTrait;
    let app = app_with(WebSocketLimits::default()).await;
    let key = editor_key(&app).await;
    // Break the key store: authenticating now fails in the database.
    app.db()
        .execute_unprepared("DROP TABLE api_key")
        .await
        .unwrap();
    for protocol in ["graphql-transport-ws", "graphql-ws"] {
        let mut socket = websocket(&app, protocol).await;
        send_json(
            &mut socket,
            json!({"type": "connection_init", "payload": {"Authorization": key}}),
        )
        .await;
        if protocol == "graphql-ws" {
            let error = next_json(&mut socket, true).await;
            assert_eq!(
                error["payload"]["message"], "Internal server error",
                "{error}"
            );
        }
        let (code, reason) = close_frame(&mut socket).await;
        assert_eq!((code, reason.as_str()), (1011, "Internal server error"));
    }
}
