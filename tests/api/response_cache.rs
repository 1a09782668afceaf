//! The public response cache and HTTP caching: identical anonymous queries are answered from memory (no
//! SQL), nothing asked with a key ever enters or leaves the cache, drafts never come out of it, and every
//! committed change is visible to the next request: on the replica that wrote it at once, on another
//! replica as soon as PostgreSQL's notification reached it. GET answers carry `Cache-Control` and an
//! `ETag`, and `If-None-Match` gets 304.

use std::time::Duration;

use glossary::{auth::Role, config::AppOptions, import};
use reqwest::header;
use serde_json::{Value, json};

use crate::common::{
    TestApp, on_postgres, pack, spawn_app_with, spawn_app_with_pack_and_options, spawn_replica,
    term_line,
};

fn fixture() -> String {
    pack(&[
        term_line(
            "api",
            "API",
            json!({"categories": ["basics"], "related": ["draft-term"]}),
        ),
        term_line("draft-term", "Draft term", json!({"status": "draft"})),
    ])
}

const PAGE: &str =
    "query($s: String!) { term(slug: $s) { name relatedTerms { slug } categories { id name } } }";

/// Requests a page anonymously; returns the body and the SQL statements it cost.
async fn page(app: &TestApp, query: &str, slug: &str) -> (Value, u64) {
    let before = app.statements();
    let data = app.gql(query, json!({"s": slug})).await;
    (data, app.statements() - before)
}

fn metric(metrics: &str, name: &str) -> u64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("{name} is exported"))
        .parse()
        .unwrap()
}

async fn mutate(app: &TestApp, key: &str, query: &str, variables: Value) {
    let data = app.gql_as(key, query, variables).await;
    let payload = data.as_object().unwrap().values().next().unwrap();
    assert_eq!(payload["userErrors"], json!([]), "{query}");
}

async fn term_gid(app: &TestApp, key: &str, slug: &str) -> Value {
    app.gql_as(
        key,
        "query($s: String!) { term(slug: $s, preview: true) { id } }",
        json!({"s": slug}),
    )
    .await["term"]["id"]
        .clone()
}

const RENAME: &str = "mutation($id: ID!, $name: String!) { updateTerm(input: {id: $id, name: $name}) { userErrors { code } } }";
const PUBLISH: &str = "mutation($id: ID!, $at: DateTime) { publishTerm(input: {id: $id, publishAt: $at}) { userErrors { code } } }";
const UNPUBLISH: &str =
    "mutation($id: ID!) { unpublishTerm(input: {id: $id}) { userErrors { code } } }";

#[tokio::test]
async fn a_repeated_anonymous_query_costs_no_sql_and_any_spelling_of_it_hits() {
    let app = spawn_app_with(&fixture()).await;
    app.settle().await;
    let (first, cost) = page(&app, PAGE, "api").await;
    assert!(cost > 0);
    let (again, cost) = page(&app, PAGE, "api").await;
    assert_eq!((again.clone(), cost), (first.clone(), 0));
    // The same document spelled differently (spaces, commas, a comment) is the same request.
    let respelled = "query($s:String!){\n# the term page\nterm(slug:$s){name,relatedTerms{slug} categories{id name}}}";
    assert_eq!(page(&app, respelled, "api").await, (first, 0));
    // Other variables are another request.
    let (other, cost) = page(&app, PAGE, "nope").await;
    assert_eq!((other["term"].clone(), cost > 0), (Value::Null, true));
    let metrics = app.metrics().await;
    assert_eq!(metric(&metrics, "glossary_response_cache_hits_total"), 2);
    assert_eq!(metric(&metrics, "glossary_response_cache_misses_total"), 2);
    assert_eq!(metric(&metrics, "glossary_response_cache_stored_total"), 2);
    assert_eq!(metric(&metrics, "glossary_response_cache_entries"), 2);
}

#[tokio::test]
async fn requests_with_a_key_never_read_or_fill_the_cache_and_drafts_never_come_out_of_it() {
    let app = spawn_app_with(&fixture()).await;
    let key = app.key("ed", Role::Editor).await;
    let preview = "query($s: String!) { term(slug: $s, preview: true) { name status } }";
    let draft = json!({"s": "draft-term"});
    // The editor sees the draft, twice, each time from the database.
    for _ in 0..2 {
        let before = app.statements();
        let data = app.gql_as(&key, preview, draft.clone()).await;
        assert_eq!(data["term"]["name"], "Draft term");
        assert!(
            app.statements() > before,
            "an editor's read is never cached"
        );
    }
    // The same document anonymously is refused (a preview needs a key), and that is not kept either.
    for _ in 0..2 {
        let (status, body) = app.post(preview, draft.clone()).await;
        assert_eq!(status, 200);
        assert_eq!(body["data"]["term"], Value::Null);
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    }
    // Anonymous readers do not find the draft, nor see it among related terms, cached or not.
    for _ in 0..2 {
        let (data, _) = page(&app, PAGE, "draft-term").await;
        assert_eq!(data["term"], Value::Null);
        let (data, _) = page(&app, PAGE, "api").await;
        assert_eq!(data["term"]["relatedTerms"], json!([]));
    }
    // An editor asking what anonymous readers asked gets a fresh answer, not theirs.
    let before = app.statements();
    let data = app.gql_as(&key, PAGE, json!({"s": "api"})).await;
    assert!(app.statements() > before);
    assert_eq!(data["term"]["name"], "API");
    let metrics = app.metrics().await;
    assert_eq!(metric(&metrics, "glossary_response_cache_entries"), 2);
}

#[tokio::test]
async fn every_committed_change_is_visible_to_the_next_request_on_the_replica_that_wrote_it() {
    let app = spawn_app_with(&fixture()).await;
    let key = app.key("ed", Role::Editor).await;
    let api = term_gid(&app, &key, "api").await;
    let draft = term_gid(&app, &key, "draft-term").await;
    page(&app, PAGE, "api").await;
    page(&app, PAGE, "draft-term").await;

    mutate(&app, &key, RENAME, json!({"id": api, "name": "Interface"})).await;
    assert_eq!(page(&app, PAGE, "api").await.0["term"]["name"], "Interface");

    mutate(&app, &key, PUBLISH, json!({"id": draft})).await;
    let (data, _) = page(&app, PAGE, "draft-term").await;
    assert_eq!(data["term"]["name"], "Draft term");
    let (data, _) = page(&app, PAGE, "api").await;
    assert_eq!(
        data["term"]["relatedTerms"],
        json!([{"slug": "draft-term"}])
    );

    mutate(&app, &key, UNPUBLISH, json!({"id": draft})).await;
    assert_eq!(page(&app, PAGE, "draft-term").await.0["term"], Value::Null);
    assert_eq!(
        page(&app, PAGE, "api").await.0["term"]["relatedTerms"],
        json!([])
    );

    // Categories are content too.
    let category = page(&app, PAGE, "api").await.0["term"]["categories"][0]["id"].clone();
    mutate(
        &app,
        &key,
        "mutation($id: ID!) { updateCategory(input: {id: $id, name: \"Foundations\"}) { userErrors { code } } }",
        json!({"id": category}),
    )
    .await;
    assert_eq!(
        page(&app, PAGE, "api").await.0["term"]["categories"][0]["name"],
        "Foundations"
    );
}

#[tokio::test]
async fn a_scheduled_publication_is_visible_once_its_time_comes() {
    let app = spawn_app_with(&fixture()).await;
    let key = app.key("ed", Role::Editor).await;
    let draft = term_gid(&app, &key, "draft-term").await;
    let at = chrono::Utc::now() + chrono::Duration::milliseconds(2500);
    mutate(
        &app,
        &key,
        PUBLISH,
        json!({"id": draft, "at": at.to_rfc3339()}),
    )
    .await;
    // Hidden until then, and that answer is cached (on PostgreSQL the writer also hears its own
    // notification a moment after the write, which starts the cache afresh once: a loaded machine may
    // answer the first page or two before it does)...
    let mut cached = false;
    for _ in 0..40 {
        let (data, cost) = page(&app, PAGE, "draft-term").await;
        assert_eq!(data["term"], Value::Null);
        if cost == 0 {
            cached = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(cached, "the hidden answer was never served from the cache");
    // ...until the publication time, with no write in between.
    let wait = (at - chrono::Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + Duration::from_millis(50)).await;
    assert_eq!(
        page(&app, PAGE, "draft-term").await.0["term"]["name"],
        "Draft term"
    );
}

/// Waits until `app` has heard of a change (its content epoch moved on), within 5 s.
async fn until_heard(app: &TestApp, before: Option<u64>) {
    let epoch = app.state.events.epoch();
    for _ in 0..500 {
        if epoch.current().is_some() && epoch.current() != before {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the replica never heard of the change");
}

#[tokio::test]
async fn a_change_on_one_replica_is_visible_on_another_once_postgresql_tells_it() {
    // Replicas share a database only on PostgreSQL, whose notifications carry changes between them.
    if !on_postgres() {
        return;
    }
    let first = spawn_app_with(&fixture()).await;
    let second = spawn_replica(&first).await;
    let key = first.key("ed", Role::Editor).await;
    let api = term_gid(&first, &key, "api").await;
    assert_eq!(page(&second, PAGE, "api").await.0["term"]["name"], "API");
    assert_eq!(
        page(&second, PAGE, "api").await.1,
        0,
        "cached on the second"
    );

    let heard = second.state.events.epoch().current();
    mutate(
        &first,
        &key,
        RENAME,
        json!({"id": api, "name": "Interface"}),
    )
    .await;
    until_heard(&second, heard).await;
    assert_eq!(
        page(&second, PAGE, "api").await.0["term"]["name"],
        "Interface"
    );

    // A pack imported by another process (the CLI) is heard too.
    let heard = second.state.events.epoch().current();
    import::import_pack(
        first.db(),
        &pack(&[term_line("new-term", "New term", json!({}))]),
    )
    .await
    .unwrap();
    until_heard(&second, heard).await;
    assert_eq!(
        page(&second, PAGE, "new-term").await.0["term"]["name"],
        "New term"
    );
}

#[tokio::test]
async fn while_the_listener_is_down_nothing_is_served_from_the_cache() {
    if !on_postgres() {
        return;
    }
    use sea_orm::ConnectionTrait;
    let app = spawn_app_with(&fixture()).await;
    // Two cached documents: one asked for during the outage, one kept for after it. A request the test
    // sends while out of sync may reach the server just after the listener is back and be cached
    // then, so the check after the outage uses the other document.
    const DURING: &str = "query($s: String!) { term(slug: $s) { name } }";
    for query in [PAGE, DURING] {
        page(&app, query, "api").await;
        assert_eq!(page(&app, query, "api").await.1, 0);
    }
    let epoch = app.state.events.epoch();
    let before = epoch.current();
    // Cut the replica's LISTEN connection, as a network failure or a restarted database would.
    app.db()
        .execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query ILIKE '%LISTEN%' AND pid <> pg_backend_pid()",
        )
        .await
        .unwrap();
    // The outage may be too short to see from here (the listener reconnects at once); either way the
    // epoch ends up moved on.
    for _ in 0..500 {
        match epoch.current() {
            // Out of sync: every request runs.
            None => assert!(page(&app, DURING, "api").await.1 > 0),
            now if now != before => break,
            _ => {}
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let after = epoch.current();
    assert!(
        after.is_some() && after != before,
        "the listener was cut and came back within 5 s"
    );
    // Back in sync, with everything kept before the outage dropped.
    assert!(page(&app, PAGE, "api").await.1 > 0);
    assert_eq!(page(&app, PAGE, "api").await.1, 0);
}

#[tokio::test]
async fn the_cache_can_be_switched_off() {
    let mut options = AppOptions::default();
    options.cache.response_cache_bytes = 0;
    let app = spawn_app_with_pack_and_options(&fixture(), options).await;
    page(&app, PAGE, "api").await;
    assert!(page(&app, PAGE, "api").await.1 > 0);
    assert_eq!(
        metric(&app.metrics().await, "glossary_response_cache_hits_total"),
        0
    );
}

async fn get(app: &TestApp, key: Option<&str>, if_none_match: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[
            ("query", PAGE),
            ("variables", &json!({"s": "api"}).to_string()),
        ])
        .header(header::ACCEPT, "application/graphql-response+json");
    if let Some(key) = key {
        request = request.header(header::AUTHORIZATION, key);
    }
    if let Some(tag) = if_none_match {
        request = request.header(header::IF_NONE_MATCH, tag);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn get_answers_say_how_to_cache_them_and_a_matching_etag_gets_304() {
    let mut options = AppOptions::default();
    options.cache.public_max_age_secs = 30;
    let app = spawn_app_with_pack_and_options(&fixture(), options).await;
    let key = app.key("ed", Role::Editor).await;

    let first = get(&app, None, None).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()[header::CACHE_CONTROL], "public, max-age=30");
    assert_eq!(first.headers()[header::VARY], "Accept, Authorization");
    let tag = first.headers()[header::ETAG].to_str().unwrap().to_owned();
    let body = first.text().await.unwrap();
    // The same tag whether the answer was computed or cached; a matching If-None-Match gets 304.
    let again = get(&app, None, None).await;
    assert_eq!(again.headers()[header::ETAG], tag.as_str());
    assert_eq!(again.text().await.unwrap(), body);
    let not_modified = get(&app, None, Some(&format!("\"x\", {tag}"))).await;
    assert_eq!(not_modified.status(), 304);
    assert_eq!(not_modified.headers()[header::ETAG], tag.as_str());
    assert_eq!(
        not_modified.headers()[header::CACHE_CONTROL],
        "public, max-age=30"
    );
    assert_eq!(not_modified.text().await.unwrap(), "");

    // With a key: private and never stored, no tag.
    let keyed = get(&app, Some(&key), Some(&tag)).await;
    assert_eq!(keyed.status(), 200);
    assert_eq!(keyed.headers()[header::CACHE_CONTROL], "private, no-store");
    assert!(keyed.headers().get(header::ETAG).is_none());

    // Errors are not for keeping.
    let failing = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", "{ term(slug: \"api\", preview: true) { name } }")])
        .header(header::ACCEPT, "application/graphql-response+json")
        .send()
        .await
        .unwrap();
    assert_eq!(failing.headers()[header::CACHE_CONTROL], "no-store");
    assert!(failing.headers().get(header::ETAG).is_none());

    // Once the content changes the old tag no longer matches.
    let api = term_gid(&app, &key, "api").await;
    mutate(&app, &key, RENAME, json!({"id": api, "name": "Interface"})).await;
    let changed = get(&app, None, Some(&tag)).await;
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()[header::ETAG], tag.as_str());
}
