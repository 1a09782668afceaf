//! Automatic cross-links, through the API: each linking rule as its own case, aliases and their
//! checks, `mentions`, `backlinks` and suggestions as terms are created, renamed, published,
//! unpublished and deleted, suggested related terms and the content health report.

use glossary::{auth::Role, config::AppOptions, import};
use serde_json::{Value, json};

use crate::common::{TestApp, pack, spawn_app_with, spawn_app_with_pack_and_options, term_line};

const BODIES: &str = r#"query($slug: String!) {
  term(slug: $slug) {
    sections { body(format: HTML) }
    faqs { answer(format: HTML) }
    mentions { slug }
  }
}"#;

const BACKLINKS: &str = r#"query($slug: String!, $first: Int, $after: String) {
  term(slug: $slug) {
    backlinks(first: $first, after: $after) {
      edges { cursor node { slug } }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    }
  }
}"#;

/// Terms to link to, and `writer`, whose sections (one per case) mention them.
fn glossary(sections: &[&str]) -> String {
    let sections: Vec<Value> = sections
        .iter()
        .map(|body| json!({"heading": "Part", "body": body}))
        .collect();
    pack(&[
        term_line("api", "API", json!({})),
        term_line("api-gateway", "API gateway", json!({})),
        term_line(
            "continuous-integration",
            "Continuous integration",
            json!({"aliases": ["CI"]}),
        ),
        term_line("secret-widget", "Secret widget", json!({"status": "draft"})),
        term_line(
            "future-widget",
            "Future widget",
            json!({"publishedAt": "2999-01-01T00:00:00Z"}),
        ),
        term_line(
            "writer",
            "Writer",
            json!({
                "sections": sections,
                "faqs": [{"question": "Which?", "answer": "An API gateway is an API."}],
            }),
        ),
    ])
}

/// The HTML of `slug`'s sections, in order.
async fn section_html(app: &TestApp, slug: &str) -> Vec<String> {
    let data = app.gql(BODIES, json!({"slug": slug})).await;
    data["term"]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["body"].as_str().unwrap().to_owned())
        .collect()
}

async fn mentions(app: &TestApp, slug: &str) -> Vec<String> {
    let data = app.gql(BODIES, json!({"slug": slug})).await;
    slugs_of(&data["term"]["mentions"])
}

fn slugs_of(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap().to_owned())
        .collect()
}

fn link(slug: &str, text: &str) -> String {
    format!("<a href=\"/terms/{slug}\" class=\"glossary-link\">{text}</a>")
}

async fn backlinks(app: &TestApp, slug: &str) -> Vec<String> {
    let data = app.gql(BACKLINKS, json!({"slug": slug})).await;
    data["term"]["backlinks"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["slug"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn names_link_in_any_case_as_whole_words_only() {
    let app = spawn_app_with(&glossary(&["An api call; rapid growth and APIs."])).await;
    let html = &section_html(&app, "writer").await[0];
    assert!(
        html.contains(&format!(
            "An {} call; rapid growth and APIs.",
            link("api", "api")
        )),
        "{html}"
    );
    assert_eq!(html.matches("glossary-link").count(), 1, "{html}");
}

#[tokio::test]
async fn the_longest_name_wins() {
    let app = spawn_app_with(&glossary(&["Put an API gateway in front."])).await;
    let html = &section_html(&app, "writer").await[0];
    assert!(
        html.contains(&format!(
            "Put an {} in front.",
            link("api-gateway", "API gateway")
        )),
        "{html}"
    );
    assert_eq!(html.matches("glossary-link").count(), 1, "{html}");
}

#[tokio::test]
async fn only_the_first_mention_in_each_section_or_answer_is_linked() {
    let app = spawn_app_with(&glossary(&["The API, the API.", "Again the API."])).await;
    let html = section_html(&app, "writer").await;
    assert_eq!(html[0].matches("glossary-link").count(), 1, "{html:?}");
    assert!(html[0].contains(&format!("The {}, the API.", link("api", "API"))));
    assert!(
        html[1].contains(&link("api", "API")),
        "each section links its own first mention: {html:?}"
    );
    let data = app.gql(BODIES, json!({"slug": "writer"})).await;
    let answer = data["term"]["faqs"][0]["answer"].as_str().unwrap();
    assert!(
        answer.contains(&format!(
            "An {} is an {}.",
            link("api-gateway", "API gateway"),
            link("api", "API")
        )),
        "{answer}"
    );
    // The Markdown is never changed.
    let markdown = app
        .gql(
            "{ term(slug: \"writer\") { sections { body } } }",
            json!({}),
        )
        .await;
    assert_eq!(markdown["term"]["sections"][0]["body"], "The API, the API.");
}

#[tokio::test]
async fn code_headings_and_existing_links_are_never_linked() {
    let app = spawn_app_with(&glossary(&[
        "Run `API` checks, read [the API](https://example.com).\n\n### API notes\n\n```\nAPI\n```",
    ]))
    .await;
    let html = &section_html(&app, "writer").await[0];
    assert!(!html.contains("glossary-link"), "{html}");
    assert!(html.contains("<code>API</code>"), "{html}");
}

#[tokio::test]
async fn a_term_never_links_to_itself() {
    let app = spawn_app_with(&pack(&[
        term_line(
            "api",
            "API",
            json!({"sections": [{"heading": "Use", "body": "An API and an API gateway."}]}),
        ),
        term_line("api-gateway", "API gateway", json!({})),
    ]))
    .await;
    let html = &section_html(&app, "api").await[0];
    assert!(
        html.contains(&format!(
            "An API and an {}.",
            link("api-gateway", "API gateway")
        )),
        "{html}"
    );
    assert_eq!(mentions(&app, "api").await, ["api-gateway"]);
}

#[tokio::test]
async fn aliases_link_like_names() {
    let app = spawn_app_with(&glossary(&["We run ci on every push."])).await;
    let html = &section_html(&app, "writer").await[0];
    assert!(
        html.contains(&format!(
            "We run {} on",
            link("continuous-integration", "ci")
        )),
        "{html}"
    );
    let aliases = app
        .gql(
            "{ term(slug: \"continuous-integration\") { aliases } }",
            json!({}),
        )
        .await;
    assert_eq!(aliases["term"]["aliases"], json!(["CI"]));
}

#[tokio::test]
async fn drafts_and_scheduled_terms_are_never_linked() {
    let app = spawn_app_with(&glossary(&["A Secret widget beside a Future widget."])).await;
    let html = &section_html(&app, "writer").await[0];
    assert!(!html.contains("glossary-link"), "{html}");
    // Not for editors either: links lead to public pages.
    let editor = app.key("ed", Role::Editor).await;
    let data = app.gql_as(&editor, BODIES, json!({"slug": "writer"})).await;
    assert!(
        !data["term"]["sections"][0]["body"]
            .as_str()
            .unwrap()
            .contains("glossary-link"),
        "{data}"
    );
}

#[tokio::test]
async fn links_point_under_the_configured_prefix() {
    let mut options = AppOptions::default();
    options.schema.term_link_prefix = "https://example.com/glossary/".to_owned();
    let app = spawn_app_with_pack_and_options(&glossary(&["The API."]), options).await;
    let html = &section_html(&app, "writer").await[0];
    assert!(
        html.contains(
            "<a href=\"https://example.com/glossary/api\" class=\"glossary-link\">API</a>"
        ),
        "{html}"
    );
}

/// Runs a mutation as `key`; it must be accepted. Returns its payload.
async fn accepted(app: &TestApp, key: &str, mutation: &str, variables: Value) -> Value {
    let data = app.gql_as(key, mutation, variables).await;
    let payload = data.as_object().unwrap().values().next().unwrap().clone();
    assert_eq!(payload["userErrors"], json!([]), "{mutation}: {data}");
    payload
}

async fn global_id(app: &TestApp, slug: &str) -> String {
    let editor = app.key(&format!("id-{slug}"), Role::Editor).await;
    let data = app
        .gql_as(
            &editor,
            "query($s: String!) { term(slug: $s, preview: true) { id } }",
            json!({"s": slug}),
        )
        .await;
    data["term"]["id"].as_str().unwrap().to_owned()
}

const UPDATE_NAME: &str = "mutation($id: ID!, $name: String!) { updateTerm(input: {id: $id, name: $name}) { userErrors { field code message } } }";
const UNPUBLISH: &str =
    "mutation($id: ID!) { unpublishTerm(input: {id: $id}) { userErrors { field code } } }";
const PUBLISH: &str = "mutation($id: ID!, $at: DateTime) { publishTerm(input: {id: $id, publishAt: $at}) { userErrors { field code } } }";
const DELETE: &str =
    "mutation($id: ID!) { deleteTerm(input: {id: $id}) { userErrors { field code } } }";
const SET_ALIASES: &str = "mutation($id: ID!, $aliases: [String!]!) { setTermAliases(input: {id: $id, aliases: $aliases}) { term { aliases } userErrors { field code message } } }";

fn linked_glossary() -> String {
    pack(&[
        term_line("kubernetes", "Kubernetes", json!({"aliases": ["K8s"]})),
        term_line(
            "deployment",
            "Deployment",
            json!({"sections": [{"heading": "Where", "body": "Rolled out on Kubernetes."}]}),
        ),
        term_line(
            "cluster",
            "Cluster",
            json!({"faqs": [{"question": "Which?", "answer": "Usually a k8s cluster."}]}),
        ),
        term_line(
            "pod",
            "Pod",
            json!({"sections": [{"heading": "Where", "body": "The smallest unit of `Kubernetes`."}]}),
        ),
        term_line(
            "operator",
            "Operator",
            json!({"sections": [{"heading": "How", "body": "Extends Kubernetes with a Helm chart."}]}),
        ),
    ])
}

#[tokio::test]
async fn backlinks_follow_renames_publishing_and_deletion() {
    let app = spawn_app_with(&linked_glossary()).await;
    let admin = app.key("root", Role::Admin).await;
    // Pod names it only inside code: a candidate the linker turns down.
    assert_eq!(
        backlinks(&app, "kubernetes").await,
        ["cluster", "deployment", "operator"]
    );
    assert_eq!(mentions(&app, "deployment").await, ["kubernetes"]);
    assert_eq!(mentions(&app, "cluster").await, ["kubernetes"]);

    // Paging: one at a time, cursors continue where the last page stopped.
    let page = app
        .gql(BACKLINKS, json!({"slug": "kubernetes", "first": 2}))
        .await["term"]["backlinks"]
        .clone();
    assert_eq!(page["pageInfo"]["hasNextPage"], true, "{page}");
    let rest = app
        .gql(
            BACKLINKS,
            json!({"slug": "kubernetes", "first": 2, "after": page["pageInfo"]["endCursor"]}),
        )
        .await["term"]["backlinks"]
        .clone();
    assert_eq!(rest["edges"][0]["node"]["slug"], "operator", "{rest}");
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    assert_eq!(rest["pageInfo"]["hasPreviousPage"], true);

    // Renamed: the old name no longer links, the alias still does.
    let kubernetes = global_id(&app, "kubernetes").await;
    accepted(
        &app,
        &admin,
        UPDATE_NAME,
        json!({"id": kubernetes, "name": "Container orchestrator"}),
    )
    .await;
    assert_eq!(backlinks(&app, "kubernetes").await, ["cluster"]);
    assert_eq!(mentions(&app, "deployment").await, Vec::<String>::new());

    // A new published term is linked at once: Operator mentions Helm chart.
    let created = accepted(
        &app,
        &admin,
        "mutation($input: CreateTermInput!) { createTerm(input: $input) { term { id } userErrors { code } } }",
        json!({"input": {"slug": "helm-chart", "name": "Helm chart", "title": "What is a Helm chart?", "definition": "A package of Kubernetes manifests, versioned."}}),
    )
    .await;
    let helm = created["term"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        mentions(&app, "operator").await,
        Vec::<String>::new(),
        "a draft is not linked"
    );
    accepted(&app, &admin, PUBLISH, json!({"id": helm})).await;
    assert_eq!(mentions(&app, "operator").await, ["helm-chart"]);
    assert_eq!(backlinks(&app, "helm-chart").await, ["operator"]);

    // The linking term unpublished: it is no longer a backlink.
    let cluster = global_id(&app, "cluster").await;
    accepted(&app, &admin, UNPUBLISH, json!({"id": cluster})).await;
    assert_eq!(backlinks(&app, "kubernetes").await, Vec::<String>::new());

    // The linked term unpublished, then deleted: its links go.
    accepted(&app, &admin, UNPUBLISH, json!({"id": helm})).await;
    assert_eq!(mentions(&app, "operator").await, Vec::<String>::new());
    accepted(&app, &admin, PUBLISH, json!({"id": helm})).await;
    assert_eq!(mentions(&app, "operator").await, ["helm-chart"]);
    accepted(&app, &admin, DELETE, json!({"id": helm})).await;
    assert_eq!(mentions(&app, "operator").await, Vec::<String>::new());
    let html = &section_html(&app, "operator").await[0];
    assert!(!html.contains("glossary-link"), "{html}");
}

#[tokio::test]
async fn a_scheduled_term_is_linked_once_its_time_comes() {
    let app = spawn_app_with(&linked_glossary()).await;
    let admin = app.key("root", Role::Admin).await;
    let created = accepted(
        &app,
        &admin,
        "mutation($input: CreateTermInput!) { createTerm(input: $input) { term { id } userErrors { code } } }",
        json!({"input": {"slug": "helm-chart", "name": "Helm chart", "title": "What is a Helm chart?", "definition": "A package of manifests."}}),
    )
    .await;
    let at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    accepted(
        &app,
        &admin,
        PUBLISH,
        json!({"id": created["term"]["id"], "at": at}),
    )
    .await;
    assert_eq!(mentions(&app, "operator").await, ["kubernetes"]);
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    assert_eq!(
        mentions(&app, "operator").await,
        ["kubernetes", "helm-chart"],
        "no write happened: the linker expired at the publication time"
    );
}

async fn suggested(app: &TestApp, prefix: &str) -> Vec<String> {
    let data = app
        .gql(
            "query($p: String!) { suggest(prefix: $p) { slug } }",
            json!({"p": prefix}),
        )
        .await;
    slugs_of(&data["suggest"])
}

#[tokio::test]
async fn suggestions_follow_aliases_renames_and_publishing() {
    let app = spawn_app_with(&linked_glossary()).await;
    let admin = app.key("root", Role::Admin).await;
    assert_eq!(suggested(&app, "k8").await, ["kubernetes"], "by its alias");
    assert_eq!(suggested(&app, "kube").await, ["kubernetes"]);

    let kubernetes = global_id(&app, "kubernetes").await;
    accepted(
        &app,
        &admin,
        SET_ALIASES,
        json!({"id": kubernetes, "aliases": ["Kube", "container orchestration"]}),
    )
    .await;
    assert_eq!(suggested(&app, "k8").await, Vec::<String>::new());
    assert_eq!(suggested(&app, "orchestr").await, ["kubernetes"]);
    assert_eq!(
        suggested(&app, "container").await,
        ["kubernetes"],
        "a term matched by its name and an alias is suggested once"
    );

    accepted(
        &app,
        &admin,
        UPDATE_NAME,
        json!({"id": kubernetes, "name": "Cluster orchestrator"}),
    )
    .await;
    assert_eq!(suggested(&app, "clu").await, ["cluster", "kubernetes"]);
    assert_eq!(suggested(&app, "orchestrator").await, ["kubernetes"]);

    accepted(&app, &admin, UNPUBLISH, json!({"id": kubernetes})).await;
    assert_eq!(suggested(&app, "kube").await, Vec::<String>::new());
    assert_eq!(suggested(&app, "clu").await, ["cluster"]);

    let at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    accepted(&app, &admin, PUBLISH, json!({"id": kubernetes, "at": at})).await;
    assert_eq!(
        suggested(&app, "kube").await,
        Vec::<String>::new(),
        "not yet"
    );
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    assert_eq!(
        suggested(&app, "kube").await,
        ["kubernetes"],
        "no write happened: the index expired at the publication time"
    );
}

#[tokio::test]
async fn aliases_are_checked_and_round_trip() {
    let app = spawn_app_with(&linked_glossary()).await;
    let editor = app.key("ed", Role::Editor).await;
    let pod = global_id(&app, "pod").await;
    let refused = app
        .gql_as(
            &editor,
            SET_ALIASES,
            json!({"id": pod, "aliases": ["k8s", "Deployment", "Pod", "pods", "PODS", ""]}),
        )
        .await;
    let errors = &refused["setTermAliases"]["userErrors"];
    assert!(errors.is_array(), "{refused}");
    let fields: Vec<&Value> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["field"])
        .collect();
    let at = |i: &str| json!(["input", "aliases", i]);
    assert_eq!(
        fields,
        [&at("2"), &at("4"), &at("5"), &at("0"), &at("1")],
        "own name, duplicate, empty, another's alias, another's name: {errors}"
    );
    assert_eq!(errors[3]["code"], "TAKEN", "{errors}");
    assert_eq!(errors[4]["code"], "TAKEN", "{errors}");
    assert!(refused["setTermAliases"]["term"].is_null());

    let set = accepted(
        &app,
        &editor,
        SET_ALIASES,
        json!({"id": pod, "aliases": ["Pods", "container group"]}),
    )
    .await;
    assert_eq!(set["term"]["aliases"], json!(["Pods", "container group"]));
    // A name that is another term's alias is refused too.
    let deployment = global_id(&app, "deployment").await;
    let renamed = app
        .gql_as(
            &editor,
            UPDATE_NAME,
            json!({"id": deployment, "name": "pods"}),
        )
        .await;
    assert_eq!(
        renamed["updateTerm"]["userErrors"][0]["field"],
        json!(["input", "name"]),
        "{renamed}"
    );

    // An import may not take an alias either, nor give one twice, nor give another term's name as
    // an alias (stored or in the same pack), nor name a term after a stored alias.
    for (lines, line, field) in [
        (
            vec![term_line("ship", "Ship", json!({"aliases": ["POD"]}))],
            1,
            "aliases[0]",
        ),
        (
            vec![
                term_line("boat", "Boat", json!({"aliases": ["Vessel"]})),
                term_line("barge", "Barge", json!({"aliases": ["vessel"]})),
            ],
            2,
            "aliases[0]",
        ),
        (
            vec![
                term_line("raft", "Raft", json!({"aliases": ["Canoe"]})),
                term_line("canoe", "CANOE", json!({})),
            ],
            1,
            "aliases[0]",
        ),
        (
            vec![term_line("container-group", "Container group", json!({}))],
            1,
            "name",
        ),
    ] {
        let refused = import::import_pack(app.db(), &pack(&lines)).await;
        let Err(glossary::error::Error::InvalidPack(problems)) = refused else {
            panic!("the pack must be refused: {refused:?}");
        };
        let found: Vec<(usize, &str)> = problems
            .iter()
            .map(|p| (p.line, p.field.as_str()))
            .collect();
        assert_eq!(found, [(line, field)], "{problems:?}");
    }

    // Export carries aliases.
    let exported = glossary::content::bulk::load_documents(app.db())
        .await
        .unwrap();
    let pod_document = exported.iter().find(|d| d.slug == "pod").unwrap();
    assert_eq!(pod_document.aliases, ["Pods", "container group"]);
}

#[tokio::test]
async fn suggested_related_terms_weigh_categories_and_mentions() {
    let app = spawn_app_with(&pack(&[
        term_line(
            "kubernetes",
            "Kubernetes",
            json!({"categories": ["containers", "operations"], "related": ["pod"],
                   "sections": [{"heading": "Parts", "body": "Runs each Pod and each Service."}]}),
        ),
        term_line("pod", "Pod", json!({"categories": ["containers"]})),
        term_line("service", "Service", json!({"categories": ["networking"]})),
        term_line(
            "helm",
            "Helm",
            json!({"categories": ["containers", "operations"],
                   "sections": [{"heading": "What", "body": "Packages for Kubernetes."}]}),
        ),
        term_line("docker", "Docker", json!({"categories": ["containers"]})),
        term_line(
            "draft-thing",
            "Draft thing",
            json!({"status": "draft", "categories": ["containers"]}),
        ),
        term_line("unrelated", "Unrelated", json!({})),
    ]))
    .await;
    let query = r#"query($slug: String!) { term(slug: $slug, preview: true) { suggestedRelatedTerms(first: 10) {
        term { slug } score sharedCategories mentionedHere mentionsThisTerm } } }"#;
    let anonymous = app.post(query, json!({"slug": "kubernetes"})).await.1;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{anonymous}"
    );
    let editor = app.key("ed", Role::Editor).await;
    let data = app
        .gql_as(&editor, query, json!({"slug": "kubernetes"}))
        .await;
    assert_eq!(
        data["term"]["suggestedRelatedTerms"],
        json!([
            {"term": {"slug": "helm"}, "score": 4, "sharedCategories": 2, "mentionedHere": false, "mentionsThisTerm": true},
            {"term": {"slug": "service"}, "score": 2, "sharedCategories": 0, "mentionedHere": true, "mentionsThisTerm": false},
            {"term": {"slug": "docker"}, "score": 1, "sharedCategories": 1, "mentionedHere": false, "mentionsThisTerm": false},
        ]),
        "pod is related already, the draft is not public, unrelated shares nothing: {data}"
    );
}

#[tokio::test]
async fn content_health_reports_every_check() {
    let long = "A definition long enough to count as a real one, at least.";
    let app = spawn_app_with(&pack(&[
        term_line(
            "complete",
            "Complete",
            json!({"definition": long, "related": ["hidden"],
                   "sections": [{"heading": "Body", "body": "Uses a **service mesh** and a [sidecar](/terms/sidecar) and **Complete**."}],
                   "faqs": [{"question": "Why?", "answer": "A *service mesh* again, and a [real link](/terms/bare)."}]}),
        ),
        term_line(
            "bare",
            "Bare",
            json!({"definition": "Short.", "sections": [{"heading": "Body", "body": "A **service mesh** too."}]}),
        ),
        term_line("hidden", "Hidden", json!({"status": "draft", "definition": long})),
        term_line("twin-a", "Twin", json!({"definition": long})),
        term_line("twin-b", "twin", json!({"definition": long})),
    ]))
    .await;
    let query = r#"{ contentHealth(first: 10) {
        termsWithoutFaqs { totalCount terms { slug } }
        termsWithoutRelatedTerms { totalCount terms { slug } }
        termsWithoutSections { totalCount terms { slug } }
        termsWithShortDefinition { totalCount terms { slug } }
        duplicateNames { name terms { slug } }
        hiddenRelatedLinks { totalCount links { term { slug } related { slug } } }
        missingTerms { name mentionCount mentionedBy { slug } }
    } }"#;
    let anonymous = app.post(query, json!({})).await.1;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    let editor = app.key("ed", Role::Editor).await;
    let health = app.gql_as(&editor, query, json!({})).await["contentHealth"].clone();
    let list = |name: &str| {
        (
            health[name]["totalCount"].as_u64().unwrap(),
            slugs_of(&health[name]["terms"]),
        )
    };
    assert_eq!(
        list("termsWithoutFaqs"),
        (
            4,
            vec![
                "bare".into(),
                "hidden".into(),
                "twin-a".into(),
                "twin-b".into()
            ]
        )
    );
    assert_eq!(list("termsWithoutRelatedTerms").0, 4);
    assert_eq!(
        list("termsWithoutSections"),
        (3, vec!["hidden".into(), "twin-a".into(), "twin-b".into()])
    );
    assert_eq!(list("termsWithShortDefinition"), (1, vec!["bare".into()]));
    assert_eq!(
        health["duplicateNames"],
        json!([{"name": "Twin", "terms": [{"slug": "twin-a"}, {"slug": "twin-b"}]}])
    );
    assert_eq!(
        health["hiddenRelatedLinks"],
        json!({"totalCount": 1, "links": [{"term": {"slug": "complete"}, "related": {"slug": "hidden"}}]})
    );
    assert_eq!(
        health["missingTerms"],
        json!([
            {"name": "service mesh", "mentionCount": 2, "mentionedBy": [{"slug": "complete"}, {"slug": "bare"}]},
            {"name": "sidecar", "mentionCount": 1, "mentionedBy": [{"slug": "complete"}]},
        ]),
        "existing names (Complete) and links to existing terms (bare) are not missing: {health}"
    );
    // A page size out of range is refused, naming the argument.
    let (_, refused) = app
        .post_as(
            Some(&editor),
            "{ contentHealth(first: 0) { duplicateNames { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(
        refused["errors"][0]["extensions"]["field"], "first",
        "{refused}"
    );
}

#[tokio::test]
async fn admission_weighs_the_fields_that_scan_text() {
    let app = spawn_app_with(&linked_glossary()).await;
    let (status, body) = app
        .post(
            "{ terms(first: 100) { nodes { backlinks { nodes { slug } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");
    assert!(body.get("data").is_none(), "{body}");
    // A page of ten terms with their backlinks is fine.
    let data = app
        .gql(
            "{ terms(first: 10) { nodes { slug backlinks { nodes { slug } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["terms"]["nodes"].as_array().unwrap().len(), 5);
}
