//! What operators see: a request id on every answer (the client's when plausible, else a new one), and
//! `/metrics` with HTTP requests by route and status, GraphQL operations by name, type and outcome,
//! latency histograms, errors by code and the database pool's use.

use serde_json::json;

use crate::common::{acknowledged_websocket, pack, ping, send_json, spawn_app_with, term_line};

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let app = spawn_app_with(&pack(&[term_line("api", "API", json!({}))])).await;
    let url = format!("{}/graphql", app.address);
    let post = |id: Option<&'static str>| {
        let mut request = app
            .client
            .post(&url)
            .header("content-type", "application/json")
            .body(r#"{"query":"{ __typename }"}"#);
        if let Some(id) = id {
            request = request.header("x-request-id", id);
        }
        request.send()
    };
    let generated = post(None).await.unwrap().headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(generated.len(), 32, "{generated}");
    assert!(generated.bytes().all(|b| b.is_ascii_hexdigit()));
    let again = post(None).await.unwrap().headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_ne!(generated, again, "each request gets its own");

    let kept = post(Some("checkout-7f3a.2:1")).await.unwrap();
    assert_eq!(kept.headers()["x-request-id"], "checkout-7f3a.2:1");
    let replaced = post(Some("two words")).await.unwrap();
    assert_ne!(replaced.headers()["x-request-id"], "two words");

    // Refusals and unknown paths carry one too.
    let missing = app
        .client
        .get(format!("{}/nowhere", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn metrics_count_requests_operations_errors_and_the_pool() {
    let app = spawn_app_with(&pack(&[term_line("api", "API", json!({}))])).await;
    app.gql(
        "query TermPage($slug: String!) { term(slug: $slug) { name } }",
        json!({"slug": "api"}),
    )
    .await;
    app.gql("{ __typename }", json!({})).await;
    let (status, _) = app.post("query Broken { noSuchField }", json!({})).await;
    assert_eq!(status, 400);
    app.gql_error(r#"query Odd { node(id: "x") { id } }"#, json!({}))
        .await;
    app.client
        .get(format!("{}/nowhere", app.address))
        .send()
        .await
        .unwrap();
    let mut socket = acknowledged_websocket(&app, None).await;
    send_json(
        &mut socket,
        json!({"type": "subscribe", "id": "1", "payload": {
            "query": "subscription Live { termPublished { slug } }"
        }}),
    )
    .await;
    assert_eq!(ping(&mut socket).await["type"], "pong");

    let metrics = app.metrics().await;
    for line in [
        r#"glossary_http_requests_total{route="/graphql",method="POST",status="200"} 3"#,
        r#"glossary_http_requests_total{route="/graphql",method="POST",status="400"} 1"#,
        r#"glossary_http_requests_total{route="(unmatched)",method="GET",status="404"} 1"#,
        r#"glossary_graphql_operations_total{operation="TermPage",type="query",outcome="success"} 1"#,
        r#"glossary_graphql_operations_total{operation="(anonymous)",type="query",outcome="success"} 1"#,
        r#"glossary_graphql_operations_total{operation="Odd",type="query",outcome="partial_success"} 1"#,
        r#"glossary_graphql_operations_total{operation="Live",type="subscription",outcome="success"} 1"#,
        r#"glossary_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"} 1"#,
        r#"glossary_graphql_errors_total{code="BAD_USER_INPUT"} 1"#,
        r#"glossary_database_pool_connections{state="idle"}"#,
        "glossary_database_pool_max_connections ",
        "glossary_websocket_connections 1",
    ] {
        assert!(metrics.contains(line), "{line} missing from:\n{metrics}");
    }
    // Latency histograms, by route and by operation type.
    assert!(
        metrics.contains(r#"glossary_http_request_duration_seconds_count{route="/graphql"} 4"#)
    );
    assert!(
        metrics.contains(r#"glossary_graphql_operation_duration_seconds_count{type="query"} 4"#)
    );
    assert!(metrics.trim_end().ends_with("# EOF"));
}
