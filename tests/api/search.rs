//! Full-text search and suggestions: ranking, snippets, escaping of hostile input, prefixes and
//! accents, drafts never found, the index following every write, paging, and the index completed for
//! terms stored before it existed.

use glossary::{
    auth::Role,
    database::{self, MigrateAction},
};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::common::{TestApp, pack, spawn_app, spawn_app_with, term_line};

const SEARCH: &str = r#"query($q: String!, $first: Int, $after: String, $drafts: Boolean) {
  search(query: $q, first: $first, after: $after, includeDrafts: $drafts) {
    edges { cursor node { score snippet term { slug name } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"#;

const SUGGEST: &str =
    "query($p: String!, $first: Int) { suggest(prefix: $p, first: $first) { slug } }";

async fn search(app: &TestApp, query: &str) -> Value {
    app.gql(SEARCH, json!({"q": query})).await["search"].clone()
}

fn slugs(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["term"]["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn found(app: &TestApp, query: &str) -> Vec<String> {
    slugs(&search(app, query).await)
}

async fn suggested(app: &TestApp, prefix: &str) -> Vec<String> {
    app.gql(SUGGEST, json!({"p": prefix})).await["suggest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|term| term["slug"].as_str().unwrap().to_owned())
        .collect()
}

fn glossary() -> String {
    pack(&[
        term_line(
            "backend-developer",
            "Backend developer",
            json!({"definition": "Someone who builds the server side of an application."}),
        ),
        term_line(
            "frontend-engineer",
            "Frontend engineer",
            json!({
                "definition": "Works on what users see. A frontend engineer is a developer too, and a developer \
                               who cares about every developer tool.",
                "sections": [{"heading": "Daily work", "body": "Pairs with the **API** team."}],
            }),
        ),
        term_line(
            "api-gateway",
            "API gateway",
            json!({
                "definition": "A single entry point in front of many services.",
                "faqs": [{"question": "Is a gateway a load balancer?", "answer": "It often *balances* load as well."}],
            }),
        ),
        term_line(
            "cafe-culture",
            "Café culture",
            json!({"definition": "Crème brûlée with `<script>alert(1)</script>` & friends, served slowly."}),
        ),
        term_line(
            "kubernetes",
            "Kubernetes",
            json!({"title": "What is container orchestration?", "definition": "Runs & restarts containers."}),
        ),
        term_line(
            "secret-widget",
            "Secret widget",
            json!({"status": "draft", "definition": "A widget nobody may see yet."}),
        ),
        term_line(
            "future-widget",
            "Future widget",
            json!({"publishedAt": "2999-01-01T00:00:00Z", "definition": "A widget for later."}),
        ),
    ])
}

#[tokio::test]
async fn ranking_puts_name_matches_first_with_marked_snippets() {
    let app = spawn_app_with(&glossary()).await;
    let result = search(&app, "developer").await;
    assert_eq!(
        slugs(&result),
        ["backend-developer", "frontend-engineer"],
        "the name match comes first although the other term says developer three times: {result}"
    );
    let other = &result["edges"][1]["node"];
    assert!(other["score"].as_f64().unwrap() > 0.0, "{other}");
    assert_eq!(
        other["snippet"],
        "Works on what users see. A frontend engineer is a <mark>developer</mark> too, and a \
         <mark>developer</mark> who cares about every <mark>developer</mark> tool."
    );
    // The definition and body come first for the snippet, then the title.
    assert_eq!(
        result["edges"][0]["node"]["snippet"],
        "What is Backend <mark>developer</mark>?"
    );
    // A hit whose text holds no word of the query (a prefix of the name only) gets the definition's
    // opening, nothing marked.
    let name_only = search(&app, "kubernetes").await;
    assert_eq!(
        name_only["edges"][0]["node"]["snippet"],
        "Runs &amp; restarts containers."
    );
    // Sections and FAQs are searched as the reader sees them (no Markdown).
    assert_eq!(found(&app, "pairs api team").await, ["frontend-engineer"]);
    let faq = search(&app, "balances").await;
    assert_eq!(slugs(&faq), ["api-gateway"]);
    assert_eq!(
        faq["edges"][0]["node"]["snippet"],
        "Is a gateway a load balancer? It often <mark>balances</mark> load as well."
    );
    // Every word must occur.
    assert_eq!(found(&app, "developer gateway").await, Vec::<String>::new());
}

#[tokio::test]
async fn prefixes_case_and_accents_fold() {
    let app = spawn_app_with(&glossary()).await;
    assert_eq!(found(&app, "CAFE cul").await, ["cafe-culture"]);
    assert_eq!(found(&app, "café").await, ["cafe-culture"]);
    let hit = search(&app, "creme brul").await;
    assert_eq!(slugs(&hit), ["cafe-culture"]);
    let snippet = hit["edges"][0]["node"]["snippet"].as_str().unwrap();
    assert!(
        snippet.starts_with("<mark>Crème</mark> <mark>brûlée</mark> with &lt;script&gt;"),
        "{snippet}"
    );
    // Only the last word is a prefix.
    assert_eq!(found(&app, "cre brulee").await, Vec::<String>::new());
    assert_eq!(found(&app, "gate").await, ["api-gateway"]);
}

#[tokio::test]
async fn hostile_queries_are_words_and_snippets_are_escaped() {
    let app = spawn_app_with(&glossary()).await;
    for hostile in [
        "\"",
        "*",
        "NEAR(",
        "' OR 1=1 --",
        "name:x",
        "{name}: slowly",
        "-server",
        "a & | ! :* b",
        "<script>",
        "\\",
        "%_",
        "\u{0}",
        "   ",
        "AND OR NOT",
    ] {
        let (status, body) = app.post(SEARCH, json!({"q": hostile})).await;
        assert_eq!(status, 200, "{hostile:?}: {body}");
        assert!(body.get("errors").is_none(), "{hostile:?}: {body}");
        let (status, body) = app.post(SUGGEST, json!({"p": hostile})).await;
        assert_eq!(status, 200, "{hostile:?}: {body}");
        assert!(body.get("errors").is_none(), "{hostile:?}: {body}");
    }
    // Syntax characters only separate words.
    assert_eq!(
        found(&app, "\"server\" -side*").await,
        ["backend-developer"]
    );
    let script = search(&app, "script alert").await;
    let snippet = script["edges"][0]["node"]["snippet"].as_str().unwrap();
    assert!(!snippet.contains("<script>"), "{snippet}");
    assert!(
        snippet.contains("&lt;<mark>script</mark>&gt;<mark>alert</mark>(1)&lt;/<mark>script</mark>&gt; &amp; friends"),
        "{snippet}"
    );

    let long = "a".repeat(201);
    let error = app.gql_error(SEARCH, json!({"q": long})).await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
    assert_eq!(error["extensions"]["field"], "query", "{error}");
    let error = app.gql_error(SUGGEST, json!({"p": "b".repeat(201)})).await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
    assert_eq!(error["extensions"]["field"], "prefix", "{error}");
    let error = app.gql_error(SUGGEST, json!({"p": "x", "first": 0})).await;
    assert_eq!(error["extensions"]["field"], "first", "{error}");
    let error = app.gql_error(SUGGEST, json!({"p": "x", "first": 21})).await;
    assert_eq!(error["extensions"]["field"], "first", "{error}");
}

#[tokio::test]
async fn drafts_are_never_found_by_anonymous_readers() {
    let app = spawn_app_with(&glossary()).await;
    assert_eq!(found(&app, "widget").await, Vec::<String>::new());
    assert_eq!(suggested(&app, "secret").await, Vec::<String>::new());
    assert_eq!(suggested(&app, "future").await, Vec::<String>::new());

    let (_, body) = app
        .post(SEARCH, json!({"q": "widget", "drafts": true}))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert!(body["data"].is_null(), "{body}");

    let editor = app.key("ed", Role::Editor).await;
    let drafts = app
        .gql_as(&editor, SEARCH, json!({"q": "widget", "drafts": true}))
        .await;
    assert_eq!(slugs(&drafts["search"]), ["future-widget", "secret-widget"]);
    let published_only = app.gql_as(&editor, SEARCH, json!({"q": "widget"})).await;
    assert_eq!(slugs(&published_only["search"]), Vec::<String>::new());
}

/// Runs a mutation on term `id` as `key`; it must be accepted.
async fn write(app: &TestApp, key: &str, mutation: &str, id: &str) {
    let data = app.gql_as(key, mutation, json!({"id": id})).await;
    let payload = data.as_object().unwrap().values().next().unwrap();
    assert_eq!(payload["userErrors"], json!([]), "{mutation}: {data}");
}

const CREATE: &str = "mutation($input: CreateTermInput!) { createTerm(input: $input) { term { id } userErrors { code } } }";

#[tokio::test]
async fn the_index_follows_every_write() {
    let app = spawn_app().await;
    let editor = app.key("ed", Role::Editor).await;
    let created = app
        .gql_as(
            &editor,
            CREATE,
            json!({"input": {"slug": "zebra-crossing", "name": "Zebra crossing", "title": "What is a zebra crossing?", "definition": "Stripes across a road."}}),
        )
        .await;
    let id = created["createTerm"]["term"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        found(&app, "stripes").await,
        Vec::<String>::new(),
        "a draft"
    );

    write(
        &app,
        &editor,
        "mutation($id: ID!) { publishTerm(input: {id: $id}) { userErrors { code } } }",
        &id,
    )
    .await;
    assert_eq!(found(&app, "stripes").await, ["zebra-crossing"]);

    write(&app, &editor, "mutation($id: ID!) { updateTerm(input: {id: $id, name: \"Pelican crossing\", title: \"What is a pelican crossing?\", definition: \"Lights for walkers.\"}) { userErrors { code } } }", &id).await;
    assert_eq!(found(&app, "stripes").await, Vec::<String>::new());
    assert_eq!(found(&app, "zebra").await, Vec::<String>::new());
    assert_eq!(found(&app, "pelican walkers").await, ["zebra-crossing"]);
    assert_eq!(suggested(&app, "peli").await, ["zebra-crossing"]);

    write(&app, &editor, "mutation($id: ID!) { setTermSections(input: {id: $id, sections: [{heading: \"Origins\", body: \"Named after a *bird*.\"}]}) { userErrors { code } } }", &id).await;
    assert_eq!(found(&app, "origins bird").await, ["zebra-crossing"]);

    write(&app, &editor, "mutation($id: ID!) { addFaq(input: {termId: $id, question: \"Who has priority?\", answer: \"Pedestrians.\"}) { userErrors { code } } }", &id).await;
    assert_eq!(found(&app, "pedestrians").await, ["zebra-crossing"]);

    write(
        &app,
        &editor,
        "mutation($id: ID!) { unpublishTerm(input: {id: $id}) { userErrors { code } } }",
        &id,
    )
    .await;
    assert_eq!(found(&app, "pelican").await, Vec::<String>::new());

    let admin = app.key("root", Role::Admin).await;
    write(
        &app,
        &admin,
        "mutation($id: ID!) { deleteTerm(input: {id: $id}) { userErrors { code } } }",
        &id,
    )
    .await;
    let drafts = app
        .gql_as(&editor, SEARCH, json!({"q": "pelican", "drafts": true}))
        .await;
    assert_eq!(slugs(&drafts["search"]), Vec::<String>::new(), "deleted");
    let rows = app
        .db()
        .query_all_raw(sea_orm::Statement::from_string(
            app.db().get_database_backend(),
            "SELECT name FROM term_search",
        ))
        .await
        .unwrap();
    assert!(rows.is_empty(), "the deleted term's row is gone");
}

#[tokio::test]
async fn results_page_with_cursors() {
    let lines: Vec<String> = (0..25)
        .map(|i| {
            term_line(
                &format!("orbit-{i:02}"),
                &format!("Orbit {i:02}"),
                json!({}),
            )
        })
        .collect();
    let app = spawn_app_with(&pack(&lines)).await;
    let first = app.gql(SEARCH, json!({"q": "orbit", "first": 10})).await["search"].clone();
    assert_eq!(slugs(&first).len(), 10);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    assert_eq!(first["pageInfo"]["hasPreviousPage"], false);
    let after = first["pageInfo"]["endCursor"].as_str().unwrap();
    let second = app
        .gql(SEARCH, json!({"q": "orbit", "first": 20, "after": after}))
        .await["search"]
        .clone();
    assert_eq!(slugs(&second).len(), 15);
    assert_eq!(second["pageInfo"]["hasNextPage"], false);
    assert_eq!(second["pageInfo"]["hasPreviousPage"], true);
    let mut all = slugs(&first);
    all.extend(slugs(&second));
    let expected: Vec<String> = (0..25).map(|i| format!("orbit-{i:02}")).collect();
    assert_eq!(all, expected, "equal scores fall back to name order");

    let error = app
        .gql_error(SEARCH, json!({"q": "orbit", "after": "bm90IG91cnM"}))
        .await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "after");
    let error = app
        .gql_error(SEARCH, json!({"q": "orbit", "first": 101}))
        .await;
    assert_eq!(error["extensions"]["field"], "first");
    // Paging stops at the 1000th hit: a cursor there (or a forged one further on) is refused.
    for position in [999, i64::MAX] {
        use base64::Engine;
        let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(json!({"o": "SEARCH", "k": "", "i": position}).to_string());
        let error = app
            .gql_error(SEARCH, json!({"q": "orbit", "after": forged}))
            .await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
        assert_eq!(error["extensions"]["field"], "after", "{error}");
    }
}

#[tokio::test]
async fn suggestions_start_with_the_prefix_first() {
    let app = spawn_app_with(&pack(&[
        term_line("backend-developer", "Backend developer", json!({})),
        term_line("back-office", "Back office", json!({})),
        term_line("developer-advocate", "Developer advocate", json!({})),
        term_line("eclair", "Éclair", json!({})),
        term_line(
            "draft-developer",
            "Developer draft",
            json!({"status": "draft"}),
        ),
    ]))
    .await;
    assert_eq!(
        suggested(&app, "back").await,
        ["back-office", "backend-developer"]
    );
    assert_eq!(
        suggested(&app, "Dev").await,
        ["developer-advocate", "backend-developer"],
        "names starting with the prefix first, then names with a word starting with it"
    );
    assert_eq!(suggested(&app, "ecl").await, ["eclair"]);
    assert_eq!(suggested(&app, "back off").await, ["back-office"]);
    assert_eq!(suggested(&app, "").await, Vec::<String>::new());
    let one = app.gql(SUGGEST, json!({"p": "d", "first": 1})).await;
    assert_eq!(one["suggest"], json!([{"slug": "developer-advocate"}]));
}

#[tokio::test]
async fn terms_stored_before_the_index_are_indexed_at_start() {
    let app = spawn_app_with(&glossary()).await;
    let backend = app.db().get_database_backend();
    app.db()
        .execute_raw(sea_orm::Statement::from_string(
            backend,
            "DELETE FROM term_search",
        ))
        .await
        .unwrap();
    // (Each check asks something new: the response cache does not hear of this SQL.)
    assert_eq!(found(&app, "gateway").await, Vec::<String>::new());
    database::migrate(app.db(), MigrateAction::Up)
        .await
        .unwrap();
    assert_eq!(found(&app, "single entry").await, ["api-gateway"]);
    assert_eq!(found(&app, "developer").await.len(), 2);
}

#[tokio::test]
async fn aliases_are_searched_with_the_name() {
    let app = spawn_app_with(&pack(&[
        term_line(
            "kubernetes",
            "Kubernetes",
            json!({"aliases": ["K8s"], "definition": "Runs containers on a cluster."}),
        ),
        term_line(
            "cluster-history",
            "Cluster history",
            json!({"definition": "How k8s came about."}),
        ),
    ]))
    .await;
    assert_eq!(
        found(&app, "k8s").await,
        ["kubernetes", "cluster-history"],
        "an alias counts as a name: its term ranks first"
    );

    // The migration that brought this drops the rows of terms with aliases; start-up writes them anew.
    // It is undone with the ones after it.
    use migration::MigratorTrait;
    let undone = migration::Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name() == "m20261127_000008_index_aliases")
        .expect("the alias index migration is there")
        + 1;
    migration::Migrator::down(app.db(), Some(undone as u32))
        .await
        .unwrap();
    database::migrate(app.db(), MigrateAction::Up)
        .await
        .unwrap();
    assert_eq!(found(&app, "k8").await, ["kubernetes", "cluster-history"]);

    let editor = app.key("ed", Role::Editor).await;
    let id = app
        .gql_as(
            &editor,
            "{ term(slug: \"kubernetes\", preview: true) { id } }",
            json!({}),
        )
        .await["term"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    write(
        &app,
        &editor,
        "mutation($id: ID!) { setTermAliases(input: {id: $id, aliases: [\"Kube\"]}) { userErrors { code } } }",
        &id,
    )
    .await;
    assert_eq!(found(&app, "kube").await, ["kubernetes"]);
    assert_eq!(
        found(&app, "k8s").await,
        ["cluster-history"],
        "the old alias is gone"
    );
}
