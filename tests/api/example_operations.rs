//! `examples/operations/*.graphql`, the documented operations clients copy and generate code from: every
//! operation in them is valid against `schema.graphql` and runs without errors against the sample
//! glossary: queries and mutations over HTTP (the editorial flow with an editor key, step by step), each
//! subscription over WebSocket until it delivers an event.

use std::{collections::BTreeMap, time::Duration};

use async_graphql::parser::{parse_query, types::OperationType};
use glossary::auth::Role;
use serde_json::{Value, json};

use crate::common::{
    Socket, TestApp, acknowledged_websocket, next_message, ping, send_json, spawn_app_with,
};

/// One operation of the examples: its file, its text (the whole file) and its type.
struct Operation {
    file: String,
    document: String,
    kind: OperationType,
}

/// Every named operation of `examples/operations`, by name.
fn operations() -> BTreeMap<String, Operation> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/operations");
    let mut operations = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("examples/operations exists") {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("graphql") {
            continue;
        }
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let document = std::fs::read_to_string(&path).unwrap();
        let parsed = parse_query(&document).unwrap_or_else(|e| panic!("{file} parses: {e}"));
        for (name, operation) in parsed.operations.iter() {
            let name = name.unwrap_or_else(|| panic!("{file}: every operation is named"));
            let previous = operations.insert(
                name.to_string(),
                Operation {
                    file: file.clone(),
                    document: document.clone(),
                    kind: operation.node.ty,
                },
            );
            assert!(previous.is_none(), "{name} is defined twice");
        }
    }
    operations
}

async fn sample_app() -> TestApp {
    let sample =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/content/sample.jsonl"))
            .unwrap();
    spawn_app_with(&sample).await
}

/// Runs operation `name` over HTTP; it must answer 200 with data and no errors (and no user errors).
async fn run(
    app: &TestApp,
    operations: &BTreeMap<String, Operation>,
    name: &str,
    key: Option<&str>,
    variables: Value,
) -> Value {
    let operation = &operations[name];
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("accept", "application/graphql-response+json")
        .json(&json!({"query": operation.document, "operationName": name, "variables": variables}));
    if let Some(key) = key {
        request = request.header("authorization", key);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{} {name}: {body}", operation.file);
    assert!(
        body.get("errors").is_none(),
        "{} {name}: {body}",
        operation.file
    );
    let data = body["data"].clone();
    let root = data.as_object().unwrap().values().next().unwrap();
    assert!(
        !root.is_null(),
        "{} {name} found nothing: {body}",
        operation.file
    );
    if let Some(user_errors) = root.get("userErrors") {
        assert_eq!(user_errors, &json!([]), "{} {name}: {body}", operation.file);
    }
    data
}

/// Reads subscription events from `socket` into `delivered` (each operation's first) until every one of
/// `awaited` has delivered one.
async fn await_events(
    socket: &mut Socket,
    delivered: &mut BTreeMap<String, Value>,
    awaited: &[&str],
) {
    // Generous: the whole suite shares two cores, and PostgreSQL's backends with it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !awaited.iter().all(|name| delivered.contains_key(*name)) {
        let message = tokio::time::timeout(
            deadline.saturating_duration_since(tokio::time::Instant::now()),
            next_message(socket),
        )
        .await
        .unwrap_or_else(|_| {
            panic!(
                "events arrived for {:?} only",
                delivered.keys().collect::<Vec<_>>()
            )
        });
        if message["type"] == "ping" {
            continue;
        }
        assert_eq!(message["type"], "next", "{message}");
        assert!(message["payload"].get("errors").is_none(), "{message}");
        let id = message["id"].as_str().unwrap().to_owned();
        delivered
            .entry(id)
            .or_insert(message["payload"]["data"].clone());
    }
}

#[tokio::test]
async fn every_example_operation_is_valid_and_runs_on_the_sample_glossary() {
    let operations = operations();
    let app = sample_app().await;
    let editor = app.key("example-editor", Role::Editor).await;
    let admin = app.key("example-admin", Role::Admin).await;
    let mut ran = Vec::new();

    // Subscriptions first, so that the editorial flow below produces their events.
    let mut socket = acknowledged_websocket(&app, None).await;
    let subscriptions: Vec<&String> = operations
        .iter()
        .filter(|(_, operation)| operation.kind == OperationType::Subscription)
        .map(|(name, _)| name)
        .collect();
    for name in &subscriptions {
        let operation = &operations[name.as_str()];
        let message = json!({"type": "subscribe", "id": name, "payload": {
            "query": operation.document, "operationName": name, "variables": {}
        }});
        send_json(&mut socket, message).await;
    }
    // Once the pong is back every subscribe was taken; a moment more lets each stream start listening
    // before the writes below.
    assert_eq!(ping(&mut socket).await["type"], "pong");
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Reading.
    let page = run(&app, &operations, "TermPage", None, json!({"slug": "api"})).await;
    assert_eq!(page["term"]["name"], "API");
    assert!(!page["term"]["sections"].as_array().unwrap().is_empty());
    let index = run(&app, &operations, "GlossaryIndex", None, json!({})).await;
    let letter = index["glossaryIndex"][0]["letter"].clone();
    let by_letter = run(
        &app,
        &operations,
        "TermsByLetter",
        None,
        json!({"letter": letter}),
    )
    .await;
    assert!(by_letter["terms"]["totalCount"].as_i64().unwrap() > 0);
    let categories = run(&app, &operations, "Categories", None, json!({})).await;
    let category = categories["categories"][0]["slug"].clone();
    let category_page = run(
        &app,
        &operations,
        "CategoryPage",
        None,
        json!({"slug": category}),
    )
    .await;
    assert!(
        category_page["category"]["terms"]["totalCount"]
            .as_i64()
            .unwrap()
            > 0
    );
    run(
        &app,
        &operations,
        "SubscribeToNewsletter",
        None,
        json!({"email": "reader@example.com", "source": "term-page"}),
    )
    .await;
    let suggested = run(
        &app,
        &operations,
        "SuggestTerms",
        None,
        json!({"prefix": "back"}),
    )
    .await;
    assert_eq!(suggested["suggest"][0]["slug"], "backend-developer");
    let found = run(
        &app,
        &operations,
        "SearchTerms",
        None,
        json!({"query": "server side"}),
    )
    .await;
    let hits = found["search"]["edges"].as_array().unwrap();
    assert!(
        hits.iter()
            .any(|hit| hit["node"]["snippet"].as_str().unwrap().contains("<mark>")),
        "{found}"
    );
    let linked = run(
        &app,
        &operations,
        "TermBacklinks",
        None,
        json!({"slug": "continuous-integration"}),
    )
    .await;
    let term = &linked["term"];
    assert!(
        term["backlinks"]["nodes"].as_array().unwrap().len() >= 5 && term["mentions"].is_array(),
        "the sample glossary links to continuous integration, mostly by its alias CI: {linked}"
    );
    ran.extend([
        "SuggestTerms",
        "SearchTerms",
        "TermBacklinks",
        "TermPage",
        "GlossaryIndex",
        "TermsByLetter",
        "Categories",
        "CategoryPage",
        "SubscribeToNewsletter",
    ]);

    // The editorial flow, each step on the previous one's answer.
    let created = run(
        &app,
        &operations,
        "CreateDraft",
        Some(&editor),
        json!({"input": {
            "slug": "example-gateway", "name": "Example gateway", "title": "What is an example gateway?",
            "definition": "A term written by the examples test.", "categories": ["architecture"],
            "sections": [{"heading": "Why", "body": "- one\n- two"}]
        }}),
    )
    .await;
    let id = created["createTerm"]["term"]["id"].clone();
    let preview = run(
        &app,
        &operations,
        "PreviewDraft",
        Some(&editor),
        json!({"slug": "example-gateway"}),
    )
    .await;
    assert_eq!(preview["term"]["status"], "DRAFT");
    let version = preview["term"]["version"].as_i64().unwrap();
    let updated = run(
        &app,
        &operations,
        "UpdateDraft",
        Some(&editor),
        json!({"input": {"id": id, "expectedVersion": version, "title": "What is an example gateway, really?"}}),
    )
    .await;
    let version = updated["updateTerm"]["term"]["version"].as_i64().unwrap();
    let published = run(
        &app,
        &operations,
        "PublishTerm",
        Some(&editor),
        json!({"input": {"id": id, "expectedVersion": version}}),
    )
    .await;
    assert_eq!(published["publishTerm"]["term"]["status"], "PUBLISHED");
    ran.extend(["CreateDraft", "PreviewDraft", "UpdateDraft", "PublishTerm"]);

    // More events for the other subscriptions: a change and an unpublication of the new term, and the
    // deletion of a published sample term (a draft's deletion is news to editors only).
    let doomed_slug = by_letter["terms"]["edges"][0]["node"]["slug"].clone();
    let doomed = run(
        &app,
        &operations,
        "TermPage",
        None,
        json!({"slug": doomed_slug}),
    )
    .await;
    let doomed_id = doomed["term"]["id"].clone();
    // Each subscription delivers at least one event. An update reaches an anonymous subscriber only if
    // the term is still public when its row is read for it, so the unpublication waits for that event.
    let mut delivered = BTreeMap::new();
    for (key, document, target, awaited) in [
        (
            &editor,
            "mutation($id: ID!) { updateTerm(input: {id: $id, name: \"Example gateway!\"}) { userErrors { code } } }",
            &id,
            vec!["TermUpdated"],
        ),
        (
            &editor,
            "mutation($id: ID!) { unpublishTerm(input: {id: $id}) { userErrors { code } } }",
            &id,
            vec![],
        ),
        (
            &admin,
            "mutation($id: ID!) { deleteTerm(input: {id: $id}) { userErrors { code } } }",
            &doomed_id,
            subscriptions.iter().map(|name| name.as_str()).collect(),
        ),
    ] {
        let data = app.gql_as(key, document, json!({"id": target})).await;
        let root = data.as_object().unwrap().values().next().unwrap();
        assert_eq!(root["userErrors"], json!([]), "{document}");
        await_events(&mut socket, &mut delivered, &awaited).await;
    }
    for name in &subscriptions {
        let data = &delivered[name.as_str()];
        let root = data.as_object().unwrap().values().next().unwrap();
        let expected = if name.as_str() == "TermDeleted" {
            &doomed_slug
        } else {
            &json!("example-gateway")
        };
        assert_eq!(&root["slug"], expected, "{name} delivered {data}");
        ran.push(name);
    }

    // Nothing in the examples went untried.
    let mut untried: Vec<&String> = operations
        .keys()
        .filter(|name| !ran.contains(&name.as_str()))
        .collect();
    untried.sort();
    assert!(
        untried.is_empty(),
        "operations in examples/operations that this test does not run: {untried:?}"
    );
}
