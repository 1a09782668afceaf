//! Hostile and careless requests: a table of them, each answered with the right status and code while
//! nothing is written and the server keeps serving; bombs that admission refuses; limits over HTTP.

use std::time::{Duration, Instant};

use glossary::{
    auth::Role,
    config::{AppOptions, ExecutionLimits, QueryLimits},
};
use serde_json::{Value, json};

use crate::common::{
    TestApp,
    bombs::{failing_aliases, fragment_bomb, page_aliases, related_terms_bomb},
    pack, spawn_app_with_options, term_line,
};

/// How a case is sent.
enum Send {
    /// POST /graphql with this body, `content-type` (none when `None`) and extra headers.
    Post {
        body: Vec<u8>,
        content_type: Option<&'static str>,
        headers: Vec<(&'static str, Vec<u8>)>,
    },
    /// GET /graphql with this query string.
    Get(String),
    /// This method on this path, no body.
    Other(&'static str, &'static str),
}

/// What a case must get back: an HTTP status and the `extensions.code` of the first error (or, written
/// `user:CODE`, the first user error's code of a refused mutation; empty for no error at all).
struct Case {
    name: String,
    send: Send,
    status: u16,
    code: &'static str,
    /// A JSON pointer into the body and the value it must hold.
    holds: Option<(&'static str, Value)>,
}

/// `case`, whose body must also hold `value` at `pointer`.
fn holding(mut case: Case, pointer: &'static str, value: Value) -> Case {
    case.holds = Some((pointer, value));
    case
}

fn post_json(name: &str, body: Value, status: u16, code: &'static str) -> Case {
    post_raw(name, body.to_string().into_bytes(), status, code)
}

fn post_raw(name: &str, body: Vec<u8>, status: u16, code: &'static str) -> Case {
    Case {
        name: name.to_owned(),
        send: Send::Post {
            body,
            content_type: Some("application/json"),
            headers: Vec::new(),
        },
        status,
        code,
        holds: None,
    }
}

/// A GraphQL request (document and variables) expected to get `status` and `code`.
fn query(name: &str, document: &str, variables: Value, status: u16, code: &'static str) -> Case {
    post_json(
        name,
        json!({ "query": document, "variables": variables }),
        status,
        code,
    )
}

fn with_header(mut case: Case, name: &'static str, value: impl Into<Vec<u8>>) -> Case {
    if let Send::Post { headers, .. } = &mut case.send {
        headers.push((name, value.into()));
    }
    case
}

fn with_content_type(mut case: Case, value: Option<&'static str>) -> Case {
    if let Send::Post { content_type, .. } = &mut case.send {
        *content_type = value;
    }
    case
}

fn cases(editor: &str) -> Vec<Case> {
    let bearer = editor.to_owned();
    let mut cases = vec![
        // The envelope.
        post_raw("broken JSON", b"{\"query\":".to_vec(), 400, "BAD_REQUEST"),
        post_raw(
            "a batch (JSON array)",
            b"[{\"query\":\"{ __typename }\"}]".to_vec(),
            400,
            "BAD_REQUEST",
        ),
        post_raw(
            "a JSON string",
            b"\"{ __typename }\"".to_vec(),
            400,
            "BAD_REQUEST",
        ),
        post_raw("an empty body", Vec::new(), 400, "BAD_REQUEST"),
        post_raw(
            "invalid UTF-8",
            vec![b'{', 0xff, 0xfe, b'}'],
            400,
            "BAD_REQUEST",
        ),
        post_json(
            "query missing",
            json!({"variables": {}}),
            400,
            "BAD_REQUEST",
        ),
        post_json("query null", json!({"query": null}), 400, "BAD_REQUEST"),
        post_json("query a number", json!({"query": 7}), 400, "BAD_REQUEST"),
        post_json(
            "query an object",
            json!({"query": {"a": 1}}),
            400,
            "BAD_REQUEST",
        ),
        post_json(
            "variables a string",
            json!({"query": "{ __typename }", "variables": "{}"}),
            400,
            "BAD_REQUEST",
        ),
        post_json(
            "variables an array",
            json!({"query": "{ __typename }", "variables": [1]}),
            400,
            "BAD_REQUEST",
        ),
        post_json(
            "operationName a number",
            json!({"query": "{ __typename }", "operationName": 1}),
            400,
            "BAD_REQUEST",
        ),
        post_json(
            "extensions a string",
            json!({"query": "{ __typename }", "extensions": "x"}),
            400,
            "BAD_REQUEST",
        ),
        with_content_type(
            query(
                "text/plain body",
                "{ __typename }",
                json!({}),
                415,
                "BAD_REQUEST",
            ),
            Some("text/plain"),
        ),
        with_content_type(
            query(
                "no content type",
                "{ __typename }",
                json!({}),
                415,
                "BAD_REQUEST",
            ),
            None,
        ),
        with_content_type(
            query(
                "latin-1 JSON",
                "{ __typename }",
                json!({}),
                415,
                "BAD_REQUEST",
            ),
            Some("application/json; charset=latin1"),
        ),
        with_header(
            query(
                "Accept allowing no JSON",
                "{ __typename }",
                json!({}),
                406,
                "BAD_REQUEST",
            ),
            "accept",
            "text/html",
        ),
        post_raw(
            "a body over 2 MiB",
            format!(
                "{{\"query\":\"{{ __typename }}\",\"x\":\"{}\"}}",
                "a".repeat(2 * 1024 * 1024)
            )
            .into_bytes(),
            413,
            "REQUEST_TOO_LARGE",
        ),
        with_header(
            query(
                "a 20 KiB header",
                "{ __typename }",
                json!({}),
                431,
                "REQUEST_TOO_LARGE",
            ),
            "cookie",
            "c".repeat(20 * 1024),
        ),
        with_header(
            query(
                "Basic authorization",
                "{ __typename }",
                json!({}),
                401,
                "UNAUTHENTICATED",
            ),
            "authorization",
            "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
        ),
        with_header(
            query(
                "an empty Bearer",
                "{ __typename }",
                json!({}),
                401,
                "UNAUTHENTICATED",
            ),
            "authorization",
            "Bearer ",
        ),
        with_header(
            query(
                "a key of another service",
                "{ __typename }",
                json!({}),
                401,
                "UNAUTHENTICATED",
            ),
            "authorization",
            "Bearer sk_live_0123456789",
        ),
        with_header(
            query(
                "an unknown key",
                "{ __typename }",
                json!({}),
                401,
                "UNAUTHENTICATED",
            ),
            "authorization",
            "Bearer glsk_0123456789abcdef_bm90LWEta2V5",
        ),
        with_header(
            query(
                "a key with its secret changed",
                "{ __typename }",
                json!({}),
                401,
                "UNAUTHENTICATED",
            ),
            "authorization",
            format!("{}x", bearer),
        ),
        with_header(
            query(
                "Authorization not UTF-8",
                "{ __typename }",
                json!({}),
                401,
                "UNAUTHENTICATED",
            ),
            "authorization",
            b"Bearer \xff\xfe".to_vec(),
        ),
        Case {
            name: "GET with a mutation".to_owned(),
            send: Send::Get(
                "query=mutation%7BunsubscribeFromNewsletter(token%3A%22x%22)%7Bemail%7D%7D"
                    .to_owned(),
            ),
            status: 405,
            code: "METHOD_NOT_ALLOWED",
            holds: None,
        },
        Case {
            name: "GET with broken variables".to_owned(),
            send: Send::Get("query=%7B__typename%7D&variables=%7B".to_owned()),
            status: 400,
            code: "BAD_REQUEST",
            holds: None,
        },
        Case {
            name: "GET without a query".to_owned(),
            send: Send::Get("variables=%7B%7D".to_owned()),
            status: 400,
            code: "BAD_REQUEST",
            holds: None,
        },
        Case {
            name: "PUT /graphql".to_owned(),
            send: Send::Other("PUT", "/graphql"),
            status: 405,
            code: "METHOD_NOT_ALLOWED",
            holds: None,
        },
        Case {
            name: "an unknown path".to_owned(),
            send: Send::Other("GET", "/wp-admin/setup.php"),
            status: 404,
            code: "NOT_FOUND",
            holds: None,
        },
        // The document.
        query(
            "a syntax error",
            "{ term(slug: \"x\" { slug } }",
            json!({}),
            400,
            "GRAPHQL_PARSE_FAILED",
        ),
        query(
            "an empty document",
            "",
            json!({}),
            400,
            "GRAPHQL_PARSE_FAILED",
        ),
        query(
            "only a comment",
            "# nothing",
            json!({}),
            400,
            "GRAPHQL_PARSE_FAILED",
        ),
        query(
            "an unknown field",
            "{ passwords }",
            json!({}),
            400,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        query(
            "a field on a scalar",
            "{ term(slug: \"x\") { slug { x } } }",
            json!({}),
            400,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        post_json(
            "an unknown operation",
            json!({"query": "query A { __typename }", "operationName": "B"}),
            400,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        query(
            "two operations, no name",
            "query A { __typename } query B { __typename }",
            json!({}),
            400,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        query(
            "a missing variable",
            "query($s: String!) { term(slug: $s) { slug } }",
            json!({}),
            400,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        query(
            "a mistyped variable",
            "query($s: String!) { term(slug: $s) { slug } }",
            json!({"s": 5}),
            400,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        query(
            "a null non-null variable",
            "query($s: String!) { term(slug: $s) { slug } }",
            json!({"s": null}),
            400,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        query(
            "an Int variable beyond 32 bits",
            "query($n: Int) { terms(first: $n) { totalCount } }",
            json!({"n": 1_099_511_627_776u64}),
            400,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        query(
            "an Int literal beyond 32 bits",
            "{ terms(first: 1099511627776) { totalCount } }",
            json!({}),
            400,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        query(
            "an enum as a string literal",
            "{ terms(orderBy: { field: \"NAME\" }) { totalCount } }",
            json!({}),
            400,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        query(
            "an unknown enum value",
            "query($o: TermOrder) { terms(orderBy: $o) { totalCount } }",
            json!({"o": {"field": "PRICE"}}),
            400,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        query(
            "an unknown input field",
            "query($f: TermFilter) { terms(filter: $f) { totalCount } }",
            json!({"f": {"where": "1=1"}}),
            400,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        query(
            "a bad DateTime",
            "mutation($id: ID!) { publishTerm(input: { id: $id, publishAt: \"tomorrow\" }) { userErrors { code } } }",
            json!({"id": "x"}),
            400,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        query(
            "a fragment cycle",
            "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
            json!({}),
            400,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        query(
            "an unknown fragment",
            "{ ...Nowhere }",
            json!({}),
            400,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        query(
            "fields nested 20 deep",
            &format!(
                "{{ term(slug: \"a\") {{ {} slug {} }} }}",
                "relatedTerms { ".repeat(19),
                "} ".repeat(19)
            ),
            json!({}),
            400,
            "QUERY_TOO_DEEP",
        ),
        query(
            "3 000 open brackets",
            &"{".repeat(3_000),
            json!({}),
            400,
            "QUERY_TOO_DEEP",
        ),
        query(
            "a fragment bomb (4^30 fields)",
            &fragment_bomb(),
            json!({}),
            400,
            "TOO_MANY_FIELDS",
        ),
        query(
            "a relatedTerms bomb (10 aliases, 6 levels)",
            &related_terms_bomb(),
            json!({}),
            400,
            "TOO_MANY_FIELDS",
        ),
        query(
            "10 000 failing aliases",
            &failing_aliases(10_000),
            json!({}),
            400,
            "TOO_MANY_TOKENS",
        ),
        query(
            "40 root aliases",
            &failing_aliases(40),
            json!({}),
            400,
            "TOO_MANY_ROOT_FIELDS",
        ),
        query(
            "500 aliases of a 100-term page",
            &page_aliases(500),
            json!({}),
            400,
            "TOO_MANY_TOKENS",
        ),
        query(
            "20 aliases of a 100-term page",
            &page_aliases(20),
            json!({}),
            400,
            "QUERY_TOO_COMPLEX",
        ),
        query(
            "related terms of related terms of 100 terms",
            "{ terms(first: 100) { nodes { relatedTerms { relatedTerms { slug } } } } }",
            json!({}),
            400,
            "QUERY_TOO_COMPLEX",
        ),
        query(
            "600 spreads of one fragment",
            &format!(
                "{{ term(slug: \"alpha\") {{ {} }} }} fragment T on Term {{ slug }}",
                "...T ".repeat(600)
            ),
            json!({}),
            400,
            "TOO_MANY_FRAGMENT_SPREADS",
        ),
        query(
            "a subscription over HTTP",
            "subscription { termPublished { slug } }",
            json!({}),
            400,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        // Strings the data layer must survive.
        holding(
            query(
                "a 1 MB slug",
                "query($s: String!) { term(slug: $s) { slug } }",
                json!({"s": "a".repeat(1_000_000)}),
                200,
                "",
            ),
            "/data/term",
            Value::Null,
        ),
        holding(
            query(
                "a NUL byte in a slug",
                "query($s: String!) { term(slug: $s) { slug } }",
                json!({"s": "back\u{0}end"}),
                200,
                "",
            ),
            "/data/term",
            Value::Null,
        ),
        holding(
            query(
                "SQL in a slug",
                "{ term(slug: \"x'; DROP TABLE term; --\") { slug } }",
                json!({}),
                200,
                "",
            ),
            "/data/term",
            Value::Null,
        ),
        holding(
            query(
                "SQL in a category slug",
                "{ category(slug: \"' OR '1'='1\") { name } }",
                json!({}),
                200,
                "",
            ),
            "/data/category",
            Value::Null,
        ),
        holding(
            query(
                "SQL in nameContains",
                "{ terms(filter: { nameContains: \"' OR 1=1 --\" }) { totalCount } }",
                json!({}),
                200,
                "",
            ),
            "/data/terms/totalCount",
            json!(0),
        ),
        holding(
            query(
                "a LIKE wildcard %",
                "{ terms(filter: { nameContains: \"%\" }) { totalCount } }",
                json!({}),
                200,
                "",
            ),
            "/data/terms/totalCount",
            json!(0),
        ),
        holding(
            query(
                "a LIKE wildcard _",
                "{ terms(filter: { nameContains: \"_\" }) { totalCount } }",
                json!({}),
                200,
                "",
            ),
            "/data/terms/totalCount",
            json!(0),
        ),
        query(
            "a NUL byte in nameContains",
            "query($n: String) { terms(filter: { nameContains: $n }) { totalCount } }",
            json!({"n": "a\u{0}"}),
            200,
            "BAD_USER_INPUT",
        ),
        query(
            "nameContains over 200 characters",
            "query($n: String) { terms(filter: { nameContains: $n }) { totalCount } }",
            json!({"n": "a".repeat(201)}),
            200,
            "BAD_USER_INPUT",
        ),
        // Every argument rule.
        query(
            "first over 100",
            "{ terms(first: 101) { totalCount } }",
            json!({}),
            200,
            "BAD_USER_INPUT",
        ),
        query(
            "first negative",
            "{ terms(first: -1) { totalCount } }",
            json!({}),
            200,
            "BAD_USER_INPUT",
        ),
        query(
            "first and last",
            "{ terms(first: 1, last: 1) { totalCount } }",
            json!({}),
            200,
            "BAD_USER_INPUT",
        ),
        query(
            "a malformed cursor",
            "{ terms(after: \"!!!\") { totalCount } }",
            json!({}),
            200,
            "BAD_USER_INPUT",
        ),
        query(
            "a cursor of another ordering",
            "query($c: String) { terms(after: $c, orderBy: { field: UPDATED_AT }) { totalCount } }",
            json!({"c": "bmFtZToiYSI6MQ"}),
            200,
            "BAD_USER_INPUT",
        ),
        query(
            "a malformed ID",
            "{ node(id: \"garbage\") { id } }",
            json!({}),
            200,
            "BAD_USER_INPUT",
        ),
        query(
            "an ID of an unknown kind",
            "{ node(id: \"VXNlcjox\") { id } }",
            json!({}),
            200,
            "BAD_USER_INPUT",
        ),
        query(
            "101 ids",
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({"ids": vec!["VGVybTox"; 101]}),
            200,
            "BAD_USER_INPUT",
        ),
        query(
            "a two-letter letter",
            "{ terms(filter: { letter: \"AB\" }) { totalCount } }",
            json!({}),
            200,
            "BAD_USER_INPUT",
        ),
        query(
            "relatedTerms over 100",
            "{ term(slug: \"alpha\") { relatedTerms(first: 101) { slug } } }",
            json!({}),
            200,
            "BAD_USER_INPUT",
        ),
        query(
            "preview without a key",
            "{ term(slug: \"alpha\", preview: true) { slug } }",
            json!({}),
            200,
            "UNAUTHENTICATED",
        ),
        query(
            "a status filter without a key",
            "{ terms(filter: { status: [DRAFT] }) { totalCount } }",
            json!({}),
            200,
            "UNAUTHENTICATED",
        ),
        query(
            "api keys without a key",
            "{ apiKeys { name } }",
            json!({}),
            200,
            "UNAUTHENTICATED",
        ),
        query(
            "a mutation without a key",
            "mutation { createTerm(input: { slug: \"x\", name: \"X\", title: \"X?\", definition: \"X.\" }) { term { id } } }",
            json!({}),
            200,
            "UNAUTHENTICATED",
        ),
        query(
            "a bad newsletter address",
            "mutation { subscribeToNewsletter(email: \"not an address\") { accepted } }",
            json!({}),
            200,
            "BAD_USER_INPUT",
        ),
        query(
            "a NUL byte in an address",
            "mutation($e: String!) { subscribeToNewsletter(email: $e) { accepted } }",
            json!({"e": "a\u{0}@example.com"}),
            200,
            "BAD_USER_INPUT",
        ),
        query(
            "a newsletter source over 100 characters",
            "mutation($s: String) { subscribeToNewsletter(email: \"reader@example.com\", source: $s) { accepted } }",
            json!({"s": "s".repeat(101)}),
            200,
            "BAD_USER_INPUT",
        ),
        query(
            "an unknown confirmation token",
            "mutation { confirmNewsletterSubscription(token: \"' OR 1=1\") { email } }",
            json!({}),
            200,
            "BAD_USER_INPUT",
        ),
    ];
    // Refused writes with a valid editor key: user errors, nothing written.
    for (name, input, code) in [
        (
            "a slug with spaces",
            json!({"slug": "Bad Slug", "name": "X", "title": "X?", "definition": "X."}),
            "user:INVALID",
        ),
        (
            "a NUL byte in a name",
            json!({"slug": "nul", "name": "a\u{0}b", "title": "X?", "definition": "X."}),
            "user:INVALID",
        ),
        (
            "a 3 000-character definition",
            json!({"slug": "long", "name": "X", "title": "X?", "definition": "d".repeat(3000)}),
            "user:INVALID",
        ),
        (
            "101 related terms",
            json!({"slug": "many", "name": "X", "title": "X?", "definition": "X.", "related": (0..101).map(|n| format!("t{n}")).collect::<Vec<_>>()}),
            "user:INVALID",
        ),
        (
            "a taken slug",
            json!({"slug": "alpha", "name": "X", "title": "X?", "definition": "X."}),
            "user:TAKEN",
        ),
    ] {
        cases.push(with_header(
            query(
                &format!("createTerm with {name}"),
                "mutation($input: CreateTermInput!) { createTerm(input: $input) { term { id } userErrors { field code } } }",
                json!({"input": input}),
                200,
                code,
            ),
            "authorization",
            bearer.clone(),
        ));
    }
    cases
}

/// Sends a case and returns its status, body (JSON, or the text as a string) and the time it took.
/// The media type under which request errors get 4xx status codes.
const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

async fn send(app: &TestApp, case: &Case) -> (u16, Value, Duration) {
    let started = Instant::now();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let request = match &case.send {
        Send::Post {
            body,
            content_type,
            headers,
        } => {
            let mut request = client
                .post(format!("{}/graphql", app.address))
                .body(body.clone());
            if let Some(content_type) = content_type {
                request = request.header("content-type", *content_type);
            }
            // The current spec's media type (request errors are 4xx), unless the case sends its own.
            if !headers
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case("accept"))
            {
                request = request.header("accept", GRAPHQL_RESPONSE_JSON);
            }
            for (name, value) in headers {
                request = request.header(
                    *name,
                    reqwest::header::HeaderValue::from_bytes(value).unwrap(),
                );
            }
            request
        }
        Send::Get(query) => client
            .get(format!("{}/graphql?{query}", app.address))
            .header("accept", GRAPHQL_RESPONSE_JSON),
        Send::Other(method, path) => client.request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{}{path}", app.address),
        ),
    };
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body, started.elapsed())
}

/// Rows in every table a request could write to.
async fn row_counts(app: &TestApp) -> Vec<(&'static str, i64)> {
    use sea_orm::{ConnectionTrait, Statement};
    let mut counts = Vec::new();
    for table in [
        "term",
        "section",
        "faq",
        "term_relation",
        "category",
        "term_category",
        "term_revision",
        "term_slug_alias",
        "api_key",
        "newsletter_subscriber",
        "outbox_email",
    ] {
        let row = app
            .db()
            .query_one_raw(Statement::from_string(
                app.db().get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        counts.push((table, row.try_get::<i64>("", "n").unwrap()));
    }
    counts
}

fn fixture() -> String {
    pack(&[
        term_line(
            "alpha",
            "Alpha",
            json!({"related": ["beta"], "categories": ["letters"], "sections": [{"heading": "One", "body": "x"}], "faqs": [{"question": "Why?", "answer": "So."}]}),
        ),
        term_line("beta", "Beta", json!({})),
        term_line("gamma", "Gamma", json!({"status": "draft"})),
    ])
}

/// The table: every case gets its status and code, no case writes anything, and the server answers a
/// normal query afterwards. Each case's time is printed (a benchmark, not a check: see
/// `bench/hostile.sh` for release-build figures).
#[tokio::test]
async fn hostile_and_careless_requests_get_coded_answers_and_write_nothing() {
    let app = spawn_app_with_options(AppOptions::default()).await;
    glossary::import::import_pack(app.db(), &fixture())
        .await
        .unwrap();
    let editor = app.key("editor", Role::Editor).await;
    let before = row_counts(&app).await;
    let cases = cases(&editor);
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let mut slowest = Duration::ZERO;
    for case in &cases {
        let (status, body, took) = send(&app, case).await;
        slowest = slowest.max(took);
        eprintln!(
            "{:>8.1} ms  {status}  {}",
            took.as_secs_f64() * 1000.0,
            case.name
        );
        assert_eq!(status, case.status, "{}: {body}", case.name);
        let code = if let Some(user_code) = case.code.strip_prefix("user:") {
            assert_eq!(
                body["data"]["createTerm"]["userErrors"][0]["code"], user_code,
                "{}: {body}",
                case.name
            );
            assert!(body.get("errors").is_none(), "{}: {body}", case.name);
            continue;
        } else {
            body["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or("")
        };
        assert_eq!(code, case.code, "{}: {body}", case.name);
        if let Some(errors) = body["errors"].as_array() {
            for error in errors {
                assert!(
                    error["extensions"]["code"].is_string(),
                    "{}: an error without a code: {body}",
                    case.name
                );
            }
        }
        if status >= 400 {
            assert!(body.get("data").is_none(), "{}: {body}", case.name);
        }
        if let Some((pointer, value)) = &case.holds {
            assert_eq!(body.pointer(pointer), Some(value), "{}: {body}", case.name);
        }
    }
    eprintln!("{} cases, slowest {slowest:?}", cases.len());
    assert_eq!(row_counts(&app).await, before, "nothing is written");
    let data = app
        .gql(
            "{ term(slug: \"alpha\") { slug relatedTerms { slug } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["term"]["relatedTerms"][0]["slug"], "beta");
}

/// With the limits raised far enough to let it run, 10 000 aliases that each fail come back as 10 000
/// nulls in the query's order, with 100 errors and one that sums up the rest: the response is shaped in
/// time linear in its size.
#[tokio::test]
async fn ten_thousand_failing_aliases_are_shaped_and_capped() {
    let app = spawn_app_with_options(AppOptions {
        query_limits: QueryLimits {
            max_tokens: 1_000_000,
            max_fields: 100_000,
            max_root_fields: 100_000,
            max_complexity: 10_000_000,
            ..QueryLimits::default()
        },
        anonymous_rate_limit: None,
        ..AppOptions::default()
    })
    .await;
    let started = Instant::now();
    let (status, body) = app.post(&failing_aliases(10_000), json!({})).await;
    eprintln!("10 000 failing aliases answered in {:?}", started.elapsed());
    assert_eq!(status, 200);
    let data = body["data"].as_object().expect("data");
    assert_eq!(data.len(), 10_000);
    assert_eq!(data.keys().next().unwrap(), "a0");
    assert_eq!(data.keys().next_back().unwrap(), "a9999");
    assert!(data.values().all(Value::is_null));
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 101);
    assert_eq!(errors[0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(errors[100]["extensions"]["code"], "TOO_MANY_ERRORS");
    assert!(
        errors[100]["message"]
            .as_str()
            .unwrap()
            .starts_with("9900 more error(s)")
    );
}

/// A query that runs out of its time budget is abandoned (504, `REQUEST_TIMEOUT`, no data); a mutation is
/// never cut off mid-field: a field that had not started by the deadline fails with `REQUEST_TIMEOUT` and
/// writes nothing.
#[tokio::test]
async fn requests_out_of_time_are_abandoned_and_write_nothing() {
    let app = spawn_app_with_options(AppOptions {
        execution: ExecutionLimits {
            timeout: Duration::ZERO,
            ..ExecutionLimits::default()
        },
        ..AppOptions::default()
    })
    .await;
    glossary::import::import_pack(app.db(), &fixture())
        .await
        .unwrap();
    let editor = app.key("editor", Role::Editor).await;
    let (status, body) = app.post("{ terms { nodes { slug } } }", json!({})).await;
    assert_eq!(status, 504, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "REQUEST_TIMEOUT");
    assert!(body.get("data").is_none());

    let before = row_counts(&app).await;
    let (status, body) = app
        .post_as(
            Some(&editor),
            "mutation { createTerm(input: { slug: \"late\", name: \"Late\", title: \"Late?\", definition: \"Late.\" }) { term { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "REQUEST_TIMEOUT",
        "{body}"
    );
    assert_eq!(row_counts(&app).await, before);
}

#[tokio::test]
async fn a_response_past_its_size_cap_is_abandoned() {
    let app = spawn_app_with_options(AppOptions {
        execution: ExecutionLimits {
            max_response_bytes: 200,
            ..ExecutionLimits::default()
        },
        ..AppOptions::default()
    })
    .await;
    glossary::import::import_pack(app.db(), &fixture())
        .await
        .unwrap();
    let (status, body) = app.post("{ terms { nodes { slug } } }", json!({})).await;
    assert_eq!(status, 200, "a small response passes: {body}");
    let (status, body) = app
        .post(
            "{ terms { nodes { slug name title definition sections { body } } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "RESPONSE_TOO_LARGE"
    );
    assert!(body.get("data").is_none());
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("glossary_graphql_refusals_total{code=\"RESPONSE_TOO_LARGE\"} 1"),
        "{metrics}"
    );

    // Lists charge as they resolve; what lies outside every list counts when the query has run.
    let repeated: String = (0..12).map(|n| format!("t{n}: title ")).collect::<String>();
    let query = format!("{{ term(slug: \"alpha\") {{ {repeated} }} }}");
    let (status, body) = app.post(&query, json!({})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "RESPONSE_TOO_LARGE"
    );
    assert!(body.get("data").is_none());

    // A mutation is metered field by field: the fields past the cap fail, what ran is reported.
    let editor = app.key("editor", Role::Editor).await;
    let (status, body) = app
        .post_as(
            Some(&editor),
            "mutation { createTerm(input: { slug: \"delta\", name: \"Delta\", title: \"What is delta, told at length so that the payload passes the cap?\", definition: \"Delta is the fourth letter, and this definition is long enough on its own to pass a cap of two hundred bytes once the title is in the payload too.\" }) { term { slug title definition } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "RESPONSE_TOO_LARGE",
        "{body}"
    );
    // The mutation's own field ran and committed: the term is there.
    let (_, body) = app
        .post_as(
            Some(&editor),
            "{ term(slug: \"delta\", preview: true) { slug } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["term"]["slug"], "delta", "{body}");
}
