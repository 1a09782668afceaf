//! Per-client limits: the anonymous rate limit (429 with `Retry-After` and `RateLimit` headers, over HTTP
//! and WebSocket), who a client is behind trusted proxies, and what a valid key is spared.

use std::time::Duration;

use futures_util::SinkExt;
use glossary::{auth::Role, config::AppOptions, rate_limit::RateLimit};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::common::{TestApp, acknowledged_websocket, next_json, spawn_app_with_options};

async fn app_with(burst: u32, trusted_proxies: &str) -> TestApp {
    spawn_app_with_options(AppOptions {
        anonymous_rate_limit: Some(RateLimit {
            burst,
            period: Duration::from_secs(600),
        }),
        trusted_proxies: trusted_proxies.parse().unwrap(),
        ..AppOptions::default()
    })
    .await
}

/// POSTs `{ __typename }` with extra headers; returns the response.
async fn typename(app: &TestApp, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(r#"{"query":"{ __typename }"}"#);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn anonymous_requests_beyond_the_limit_get_429_with_rate_limit_headers() {
    let app = app_with(3, "").await;
    for remaining in ["2", "1", "0"] {
        let response = typename(&app, &[]).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["ratelimit-policy"],
            "\"anonymous\";q=3;w=600"
        );
        let state = response.headers()["ratelimit"].to_str().unwrap().to_owned();
        assert!(
            state.starts_with(&format!("\"anonymous\";r={remaining};t=")),
            "{state}"
        );
    }
    let refused = typename(&app, &[]).await;
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=200).contains(&retry_after), "{retry_after}");
    assert_eq!(
        refused.headers()["ratelimit"],
        format!("\"anonymous\";r=0;t={retry_after}").as_str()
    );
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    assert_eq!(body["errors"][0]["extensions"]["retryAfter"], retry_after);
    assert!(body.get("data").is_none());

    // A client guessing keys is limited like an anonymous reader: its refused keys count, and it gets 429.
    let guess = typename(
        &app,
        &[("authorization", "Bearer glsk_0123456789abcdef_guess")],
    )
    .await;
    assert_eq!(guess.status(), 429);

    // A valid key is not counted.
    let bearer = app.key("pipeline", Role::Editor).await;
    for _ in 0..5 {
        let response = typename(&app, &[("authorization", &bearer)]).await;
        assert_eq!(response.status(), 200);
        assert!(response.headers().get("ratelimit").is_none());
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_right_most_untrusted_address_is_the_client() {
    // 127.0.0.1 (the test's own connection) is a trusted proxy.
    let app = app_with(1, "127.0.0.1/32").await;
    let forwarded = |chain: &'static str| [("x-forwarded-for", chain)];
    // The client writes anything it likes on the left; the proxy appends the real address.
    assert_eq!(
        typename(&app, &forwarded("1.1.1.1, 203.0.113.5"))
            .await
            .status(),
        200
    );
    assert_eq!(
        typename(&app, &forwarded("2.2.2.2, 203.0.113.5"))
            .await
            .status(),
        429
    );
    assert_eq!(
        typename(&app, &forwarded("203.0.113.6")).await.status(),
        200
    );
    // IPv6 clients are one client per /64.
    assert_eq!(
        typename(&app, &forwarded("2001:db8:1:2::1")).await.status(),
        200
    );
    assert_eq!(
        typename(&app, &forwarded("2001:db8:1:2:ffff::9"))
            .await
            .status(),
        429
    );
    assert_eq!(
        typename(&app, &forwarded("2001:db8:1:3::1")).await.status(),
        200
    );

    // Without trusted proxies the header is ignored: the TCP peer is the client.
    let app = app_with(1, "").await;
    assert_eq!(
        typename(&app, &forwarded("198.51.100.1")).await.status(),
        200
    );
    assert_eq!(
        typename(&app, &forwarded("198.51.100.2")).await.status(),
        429
    );
}

#[tokio::test]
async fn anonymous_websocket_operations_count_too() {
    let app = app_with(3, "").await;
    // The upgrade is one request.
    let mut socket = acknowledged_websocket(&app, None).await;
    for id in ["1", "2"] {
        socket
            .send(Message::text(
                json!({"id": id, "type": "subscribe", "payload": {"query": "{ __typename }"}})
                    .to_string(),
            ))
            .await
            .unwrap();
        assert_eq!(next_json(&mut socket, false).await["type"], "next");
        assert_eq!(next_json(&mut socket, false).await["type"], "complete");
    }
    socket
        .send(Message::text(
            json!({"id": "3", "type": "subscribe", "payload": {"query": "{ __typename }"}})
                .to_string(),
        ))
        .await
        .unwrap();
    let refused = next_json(&mut socket, false).await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "RATE_LIMITED");
    assert!(
        refused["payload"][0]["extensions"]["retryAfter"]
            .as_u64()
            .unwrap()
            >= 1
    );
    // A new upgrade is refused too.
    let url = format!("{}/graphql/ws", app.address.replace("http://", "ws://"));
    match tokio_tungstenite::connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 429)
        }
        other => panic!("an upgrade over the limit: {other:?}"),
    }
}
