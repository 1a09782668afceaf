//! The HTTP surface: GraphQL over HTTP to the letter of the spec (media types, status codes, GET rules), the
//! WebSocket endpoint in both sub-protocols, GraphiQL, the SDL, and the health probes.

use crate::common::{
    TestApp, acknowledged_websocket, next_json, pack, spawn_app, spawn_app_with, term_line,
    websocket,
};
use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

async fn raw_post(app: &TestApp, headers: &[(&str, &str)], body: &str) -> (u16, String, Value) {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    (
        status,
        content_type,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

const JSON_BODY: (&str, &str) = ("content-type", "application/json");
/// Asks for the current spec's media type, under which request errors are 4xx.
const ACCEPT_GRAPHQL_RESPONSE: (&str, &str) = ("accept", "application/graphql-response+json");
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json; charset=utf-8";
const LEGACY_JSON: &str = "application/json; charset=utf-8";

#[tokio::test]
async fn accept_header_picks_the_response_media_type() {
    let app = spawn_app().await;
    let body = r#"{"query":"{ __typename }"}"#;
    for (accept, expected) in [
        (None, LEGACY_JSON),
        (Some("application/graphql-response+json"), GRAPHQL_RESPONSE),
        (Some("application/json"), LEGACY_JSON),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            GRAPHQL_RESPONSE,
        ),
        (
            Some("application/json, application/graphql-response+json;q=0.5"),
            LEGACY_JSON,
        ),
        (Some("*/*"), LEGACY_JSON),
        (Some("application/*"), LEGACY_JSON),
        (
            Some("application/graphql-response+json, */*"),
            GRAPHQL_RESPONSE,
        ),
    ] {
        let mut headers = vec![JSON_BODY];
        if let Some(accept) = accept {
            headers.push(("accept", accept));
        }
        let (status, content_type, json) = raw_post(&app, &headers, body).await;
        assert_eq!(
            (status, content_type.as_str()),
            (200, expected),
            "Accept: {accept:?}"
        );
        assert_eq!(json, json!({"data": {"__typename": "Query"}}));
    }
    let (status, _, json) = raw_post(&app, &[JSON_BODY, ("accept", "text/html")], body).await;
    assert_eq!(status, 406);
    assert_eq!(json["errors"][0]["extensions"]["code"], "BAD_REQUEST");
}

#[tokio::test]
async fn request_body_must_be_well_formed_json() {
    let app = spawn_app().await;
    let (status, _, json) = raw_post(
        &app,
        &[("content-type", "text/plain")],
        r#"{"query":"{ __typename }"}"#,
    )
    .await;
    assert_eq!(status, 415);
    assert_eq!(
        json["errors"][0]["message"],
        "Content-Type must be application/json"
    );
    let (status, _, _) = raw_post(&app, &[], r#"{"query":"{ __typename }"}"#).await;
    assert_eq!(status, 415, "a body without Content-Type is refused");

    for (body, message) in [
        ("{not json", "the request body is not valid JSON"),
        (
            "[]",
            "the request body must be a JSON object (batched requests are not supported)",
        ),
        ("{}", "query is required"),
        (r#"{"query": 42}"#, "query must be a string"),
        (
            r#"{"query": "{ __typename }", "variables": [1]}"#,
            "variables must be a JSON object",
        ),
        (
            r#"{"query": "{ __typename }", "operationName": 1}"#,
            "operationName must be a string",
        ),
    ] {
        for accept in ["application/json", "application/graphql-response+json"] {
            let (status, _, json) = raw_post(&app, &[JSON_BODY, ("accept", accept)], body).await;
            assert_eq!(status, 400, "{body} with {accept}");
            assert!(
                json["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .starts_with(message),
                "{json}"
            );
            assert_eq!(json["errors"][0]["extensions"]["code"], "BAD_REQUEST");
            assert!(json.get("data").is_none());
        }
    }
}

#[tokio::test]
async fn parse_and_validation_errors_are_4xx_without_data() {
    let app = spawn_app().await;
    let cases = [
        (r#"{"query":"{ terms { "}"#, "GRAPHQL_PARSE_FAILED"),
        (
            r#"{"query":"{ noSuchField }"}"#,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            r#"{"query":"query($n: Int!) { terms(first: $n) { totalCount } }","variables":{"n":"ten"}}"#,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            r#"{"query":"query A { __typename } query B { __typename }","operationName":"C"}"#,
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ];
    for (body, code) in cases {
        let (status, content_type, json) =
            raw_post(&app, &[JSON_BODY, ACCEPT_GRAPHQL_RESPONSE], body).await;
        assert_eq!(status, 400, "{body}: {json}");
        assert_eq!(content_type, GRAPHQL_RESPONSE);
        assert!(
            json.get("data").is_none(),
            "no data entry for a request error: {json}"
        );
        assert_eq!(json["errors"][0]["extensions"]["code"], code, "{body}");

        // Legacy application/json clients get 200 with the same body, and so does a request that
        // says nothing of what it accepts (the spec's rule for legacy clients).
        let (status, content_type, legacy) =
            raw_post(&app, &[JSON_BODY, ("accept", "application/json")], body).await;
        assert_eq!((status, content_type.as_str()), (200, LEGACY_JSON));
        assert_eq!(legacy, json);
        let (status, content_type, unsaid) = raw_post(&app, &[JSON_BODY], body).await;
        assert_eq!((status, content_type.as_str()), (200, LEGACY_JSON));
        assert_eq!(unsaid, json);
    }
    let (_, _, json) = raw_post(&app, &[JSON_BODY], r#"{"query":"{ terms { "}"#).await;
    assert!(
        json["errors"][0]["locations"].is_array(),
        "parse errors point at the place: {json}"
    );
}

/// A document is validated in full the first time it runs and, once it passed, on the fast path: the
/// variables of every later request are still checked, a document that failed is checked in full again,
/// and one that admission rewrote (an absent variable left out) is never marked.
#[tokio::test]
async fn documents_are_validated_in_full_until_they_pass_once() {
    let app = spawn_app_with(&pack(&[
        term_line("api", "API", json!({})),
        term_line("rest", "REST", json!({})),
    ]))
    .await;
    let validated_before = |query: &str, variables: Value| {
        let variables = async_graphql::Variables::from_json(variables);
        app.state
            .admission
            .admit(query, None, &variables)
            .unwrap()
            .validation
            .passed_before()
    };
    let page = "query($n: Int!) { terms(first: $n) { edges { node { slug } } } }";
    assert!(!validated_before(page, json!({"n": 1})));
    let first = app.gql(page, json!({"n": 1})).await;
    assert_eq!(first["terms"]["edges"].as_array().unwrap().len(), 1);
    assert!(validated_before(page, json!({"n": 1})));
    // The fast path answers the same and still refuses bad variables as request errors.
    let second = app.gql(page, json!({"n": 2})).await;
    assert_eq!(second["terms"]["edges"].as_array().unwrap().len(), 2);
    let (status, refused) = app.post(page, json!({"n": "two"})).await;
    assert_eq!(status, 400, "{refused}");
    assert!(refused.get("data").is_none(), "{refused}");
    assert_eq!(
        refused["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );

    // Rules only async-graphql checks (all fragments and all variables used) refuse a document every
    // time, an unused variable also when it is absent.
    for unused in [
        "{ __typename } fragment Unused on Query { __typename }",
        "query($x: Int) { __typename }",
    ] {
        for _ in 0..2 {
            let (_, refused) = app.post(unused, json!({})).await;
            assert_eq!(
                refused["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
                "{refused}"
            );
            assert!(!validated_before(unused, json!({})));
        }
    }

    // Left out for an absent variable, the document run is not the one kept: never marked.
    let optional = "query($n: Int) { terms(first: $n) { totalCount } }";
    app.gql(optional, json!({})).await;
    assert!(!validated_before(optional, json!({})));
    app.gql(optional, json!({"n": 1})).await;
    assert!(validated_before(optional, json!({"n": 1})));
}

#[tokio::test]
async fn field_errors_are_200_with_data() {
    let app = spawn_app().await;
    let (status, _, json) = raw_post(
        &app,
        &[JSON_BODY],
        r#"{"query":"{ glossaryIndex { letter } node(id: \"x\") { id } }"}"#,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(json["data"], json!({"glossaryIndex": [], "node": null}));
    assert_eq!(json["errors"][0]["path"], json!(["node"]));
    assert_eq!(json["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn get_runs_queries_but_never_mutations() {
    let app = spawn_app_with(&pack(&[term_line("api", "API", json!({}))])).await;
    let url = format!("{}/graphql", app.address);
    let response = app
        .client
        .get(&url)
        .query(&[
            (
                "query",
                "query One($s: String!) { term(slug: $s) { name } }",
            ),
            ("variables", r#"{"s":"api"}"#),
            ("operationName", "One"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // No `Accept`: answered as a legacy client would expect.
    assert_eq!(response.headers()["content-type"], LEGACY_JSON);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"data": {"term": {"name": "API"}}})
    );

    let response = app
        .client
        .get(&url)
        .query(&[("query", "mutation { x }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");

    let response = app.client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 400, "GET without a query");
    let response = app
        .client
        .get(&url)
        .query(&[("query", "{ __typename }"), ("variables", "{bad")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "GET with malformed variables");
    let response = app
        .client
        .get(&url)
        .query(&[("query", "{ nope }")])
        .header(ACCEPT_GRAPHQL_RESPONSE.0, ACCEPT_GRAPHQL_RESPONSE.1)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "GET with an invalid document");

    let response = app.client.put(&url).body("{}").send().await.unwrap();
    assert_eq!(response.status(), 405);
}

#[tokio::test]
async fn response_keeps_the_query_field_order() {
    let api = term_line(
        "api",
        "API",
        json!({"sections": [{"heading": "H", "body": "B"}], "faqs": [{"question": "Q?", "answer": "A."}], "categories": ["c"]}),
    );
    let cli = term_line("cli", "CLI", json!({"categories": ["c", "d"]}));
    let app = spawn_app_with(&pack(&[api, cli])).await;
    // Loader-backed fields (sections, faqs, categories) finish after plain ones; the response must still
    // follow the selection set, through aliases and fragments, in every object of a list.
    let query = r#"{ index: glossaryIndex { letter } term(slug: "api") { sections { heading } name ...Parts slug }
        first: terms(first: 2) { nodes { categories { slug } slug } } }
        fragment Parts on Term { faqs { question } t: title }"#;
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    let text = response.text().await.unwrap();
    assert_eq!(
        text,
        concat!(
            r#"{"data":{"index":[{"letter":"A"},{"letter":"C"}],"#,
            r#""term":{"sections":[{"heading":"H"}],"name":"API","faqs":[{"question":"Q?"}],"t":"What is API?","slug":"api"},"#,
            r#""first":{"nodes":[{"categories":[{"slug":"c"}],"slug":"api"},"#,
            r#"{"categories":[{"slug":"c"},{"slug":"d"}],"slug":"cli"}]}}}"#
        )
    );
}

#[tokio::test]
async fn schema_graphiql_and_health_endpoints() {
    let app = spawn_app().await;
    let get = |path: &str| app.client.get(format!("{}{path}", app.address)).send();

    let sdl = get("/schema.graphql").await.unwrap();
    assert_eq!(sdl.status(), 200);
    assert!(
        sdl.text()
            .await
            .unwrap()
            .contains("type Term implements Node")
    );

    let graphiql = get("/graphiql").await.unwrap();
    assert_eq!(graphiql.status(), 200);
    assert!(
        graphiql.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = graphiql.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'self'") && csp.contains("script-src 'self'"));
    let page = graphiql.text().await.unwrap();
    assert!(page.contains("GraphiQL") && !page.contains("https://"));
    // Every script and stylesheet it names is served here, with its type.
    let assets: Vec<&str> = page
        .split('"')
        .filter(|part| part.starts_with("/graphiql/assets/"))
        .collect();
    assert_eq!(assets.len(), 6, "{assets:?}");
    for path in assets {
        let asset = get(path).await.unwrap();
        assert_eq!(asset.status(), 200, "{path}");
        let content_type = asset.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(
            content_type.starts_with(if path.ends_with(".css") {
                "text/css"
            } else {
                "text/javascript"
            }),
            "{path}: {content_type}"
        );
        assert!(!asset.bytes().await.unwrap().is_empty());
    }
    assert_eq!(
        get("/graphiql/assets/nothing.js").await.unwrap().status(),
        404
    );

    let health = get("/healthz").await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(
        health.json::<Value>().await.unwrap(),
        json!({"status": "ok"})
    );
    let ready = get("/readyz").await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(
        ready.json::<Value>().await.unwrap(),
        json!({"status": "ready"})
    );

    app.db().clone().close().await.unwrap();
    let not_ready = get("/readyz").await.unwrap();
    assert_eq!(
        not_ready.status(),
        503,
        "readiness fails once the database is gone"
    );
}

#[tokio::test]
async fn websocket_speaks_graphql_transport_ws() {
    let app = spawn_app_with(&pack(&[term_line("api", "API", json!({}))])).await;
    let mut socket = acknowledged_websocket(&app, None).await;

    socket
        .send(Message::text(r#"{"type":"ping"}"#))
        .await
        .unwrap();
    assert_eq!(next_json(&mut socket, false).await["type"], "pong");

    socket
        .send(Message::text(r#"{"id":"1","type":"subscribe","payload":{"query":"{ term(slug: \"api\") { name } }"}}"#))
        .await
        .unwrap();
    assert_eq!(
        next_json(&mut socket, false).await,
        json!({"id": "1", "type": "next", "payload": {"data": {"term": {"name": "API"}}}})
    );
    assert_eq!(
        next_json(&mut socket, false).await,
        json!({"id": "1", "type": "complete"})
    );

    socket
        .send(Message::text(
            r#"{"id":"2","type":"subscribe","payload":{"query":"{ nope }"}}"#,
        ))
        .await
        .unwrap();
    // A document that fails validation is refused with one `error` message whose payload is the error list.
    let error = next_json(&mut socket, false).await;
    assert_eq!(
        (error["type"].as_str(), error["id"].as_str()),
        (Some("error"), Some("2")),
        "{error}"
    );
    assert_eq!(
        error["payload"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{error}"
    );
}

#[tokio::test]
async fn websocket_speaks_legacy_graphql_ws() {
    let app = spawn_app_with(&pack(&[term_line("api", "API", json!({}))])).await;
    let mut socket = websocket(&app, "graphql-ws").await;
    socket
        .send(Message::text(r#"{"type":"connection_init","payload":{}}"#))
        .await
        .unwrap();
    assert_eq!(next_json(&mut socket, true).await["type"], "connection_ack");
    socket
        .send(Message::text(
            r#"{"id":"7","type":"start","payload":{"query":"{ term(slug: \"api\") { slug } }"}}"#,
        ))
        .await
        .unwrap();
    assert_eq!(
        next_json(&mut socket, true).await,
        json!({"id": "7", "type": "data", "payload": {"data": {"term": {"slug": "api"}}}})
    );
    assert_eq!(
        next_json(&mut socket, true).await,
        json!({"id": "7", "type": "complete"})
    );
}

#[tokio::test]
async fn field_errors_null_the_nearest_nullable_position() {
    let app = spawn_app_with(&pack(&[term_line("api", "API", json!({}))])).await;
    let id = app.gql(r#"{ term(slug: "api") { id } }"#, json!({})).await["term"]["id"].clone();
    let cases = [
        // A nullable root field fails alone: it is null, data is an object.
        (r#"{ node(id: "x") { id } }"#, json!({"node": null})),
        // A non-null root field fails: data itself is null.
        (
            r#"{ glossaryIndex { letter } terms(first: 500) { totalCount } }"#,
            Value::Null,
        ),
        // relatedTerms is [Term!]!: the null goes up to the nullable term, through an alias and a fragment.
        (
            r#"{ t: term(slug: "api") { ...F } } fragment F on Term { slug rel: relatedTerms(first: -1) { slug } }"#,
            json!({"t": null}),
        ),
        // Through an interface inside a list of nullable items: only that item is null.
        (
            &format!(
                r#"{{ nodes(ids: ["{}"]) {{ ... on Term {{ relatedTerms(first: 101) {{ slug }} }} }} }}"#,
                id.as_str().unwrap()
            ),
            json!({"nodes": [null]}),
        ),
    ];
    for (query, data) in cases {
        let (status, body) = app.post(query, json!({})).await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(body["data"], data, "{query}: {body}");
        assert!(body.as_object().unwrap().contains_key("data"), "{query}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{query}"
        );
    }
}
