//! A property test of the request path: whatever arrives as a body — any bytes, any text as a document,
//! documents stitched from GraphQL's own tokens with any variables — the server answers (it never
//! panics or drops the connection), never with a 5xx, and every error it returns carries a code.

use glossary::config::AppOptions;
use proptest::{
    prelude::*,
    test_runner::{Config, TestCaseError, TestRunner},
};
use serde_json::{Value, json};

use crate::common::{TestApp, spawn_app_with_options};

/// Pieces of GraphQL documents, good and bad, for the stitched strategy.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "...",
    "query",
    "mutation",
    "subscription",
    "fragment",
    "on",
    "Query",
    "Term",
    "term",
    "terms",
    "slug",
    "relatedTerms",
    "nodes",
    "first:",
    "1",
    "-1",
    "1e999",
    "99999999999",
    "\"x\"",
    "\"\\u0000\"",
    "$v",
    "$v:",
    "String!",
    "Int",
    "@skip(if: true)",
    "@include(if: $v)",
    "__typename",
    "__schema",
    "types",
    "name",
    ":",
    "=",
    "#",
    "\n",
    "F",
    "...F",
    "__type(name: \"Term\")",
    "glossaryIndex",
    "letter",
    "node(id: $v)",
    "id",
    "!",
    "|",
    "&",
];

fn strategy() -> impl Strategy<Value = Vec<u8>> {
    let any_bytes = proptest::collection::vec(any::<u8>(), 0..1024);
    let any_document = (any::<String>(), any::<Option<String>>()).prop_map(|(query, name)| {
        json!({"query": query, "operationName": name})
            .to_string()
            .into_bytes()
    });
    let stitched = (
        proptest::collection::vec(proptest::sample::select(TOKENS), 0..60),
        prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::from),
            any::<String>().prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
            Just(json!([1, "a", null])),
            Just(json!({"field": "NAME"})),
        ],
    )
        .prop_map(|(tokens, value)| {
            json!({"query": tokens.join(" "), "variables": {"v": value}})
                .to_string()
                .into_bytes()
        });
    prop_oneof![any_bytes, any_document, stitched]
}

async fn post(app: &TestApp, body: Vec<u8>) -> Result<(u16, Value), String> {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|error| format!("no answer: {error}"))?;
    let status = response.status().as_u16();
    let text = response.text().await.map_err(|error| error.to_string())?;
    let body = serde_json::from_str(&text).map_err(|_| format!("not JSON: {text}"))?;
    Ok((status, body))
}

#[test]
fn any_body_gets_an_answer_and_every_error_a_code() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = runtime.block_on(spawn_app_with_options(AppOptions {
        anonymous_rate_limit: None,
        ..AppOptions::default()
    }));
    let mut runner = TestRunner::new(Config {
        cases: 2000,
        failure_persistence: None,
        ..Config::default()
    });
    let outcome = runner.run(&strategy(), |body| {
        let sent = String::from_utf8_lossy(&body).into_owned();
        let (status, answer) = runtime
            .block_on(post(&app, body))
            .map_err(|why| TestCaseError::fail(format!("{why} for {sent}")))?;
        prop_assert!(status < 500, "{status} for {sent}: {answer}");
        if let Some(errors) = answer.get("errors") {
            let errors = errors.as_array().cloned().unwrap_or_default();
            prop_assert!(!errors.is_empty(), "empty errors for {sent}");
            for error in errors {
                prop_assert!(
                    error["extensions"]["code"].is_string(),
                    "an error without a code for {sent}: {answer}"
                );
            }
        } else {
            prop_assert_eq!(status, 200, "no errors but {} for {}", status, sent);
        }
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
    // Still serving.
    let (status, answer) = runtime
        .block_on(post(&app, br#"{"query":"{ __typename }"}"#.to_vec()))
        .unwrap();
    assert_eq!(
        (status, answer),
        (200, json!({"data": {"__typename": "Query"}}))
    );
}
