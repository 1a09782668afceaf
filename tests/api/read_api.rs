//! The public read API: every field of `Term`, lookups by slug and id, categories, the A–Z index, and the
//! rule that drafts and archived terms never reach anonymous readers by any path.

use crate::common::{pack, spawn_app_with, term_line};
use glossary::graphql::global_id::{self, NodeKind};
use serde_json::{Value, json};

fn fixture() -> String {
    pack(&[
        term_line(
            "backend-developer",
            "Backend developer",
            json!({
                "title": "What is a backend developer?",
                "definition": "A developer who builds the **server side** of applications.",
                "categories": ["roles", "engineering"],
                "sections": [
                    {"heading": "What does a backend developer do?", "body": "They build APIs.\n\n- databases\n  - SQL\n- queues\n\n1. design\n2. build"},
                    {"heading": "Skills", "body": "Many <script>alert(1)</script> skills."},
                    {"heading": "Skills", "body": "A second section with the same heading."}
                ],
                "faqs": [
                    {"question": "Is it well paid?", "answer": "Often, *yes*."},
                    {"question": "Do they write SQL?", "answer": "Daily."}
                ],
                "related": ["frontend-developer", "secret-draft", "api", "old-term"],
                "callToAction": {"heading": "Hire one", "text": "Find a backend developer.", "label": "Start", "url": "https://example.com/hire"},
                "seo": {"title": "Backend developer: role and skills", "description": "All about backend developers."},
                "publishedAt": "2026-03-14T09:30:00Z"
            }),
        ),
        term_line(
            "frontend-developer",
            "Frontend developer",
            json!({"categories": ["roles"], "publishedAt": "2026-04-01T00:00:00Z", "related": ["backend-developer"]}),
        ),
        term_line(
            "api",
            "API",
            json!({"categories": ["engineering"], "publishedAt": "2026-02-01T00:00:00Z"}),
        ),
        term_line(
            "secret-draft",
            "Secret draft",
            json!({"status": "draft", "categories": ["roles"], "sections": [{"heading": "Hidden", "body": "x"}], "faqs": [{"question": "Hidden?", "answer": "Yes."}]}),
        ),
        term_line(
            "old-term",
            "Old term",
            json!({"status": "archived", "publishedAt": "2025-01-01T00:00:00Z", "categories": ["roles"]}),
        ),
        term_line(
            "3d-printing",
            "3D printing",
            json!({"definition": "Making objects layer by layer, which takes a fairly long sentence to describe properly so that the SEO description fallback has to cut it somewhere sensible rather than at an arbitrary character in the middle of a word."}),
        ),
    ])
}

const FULL_TERM: &str = r#"query($slug: String!) {
  term(slug: $slug) {
    id slug name title initial
    definition
    definitionHtml: definition(format: HTML)
    sections { id position heading anchor body bodyHtml: body(format: HTML) }
    tableOfContents { title anchor level }
    faqs { id position question answer answerHtml: answer(format: HTML) }
    relatedTerms { slug }
    firstRelated: relatedTerms(first: 1) { slug }
    categories { slug name }
    callToAction { heading text label url }
    seo { title description }
    readingTimeMinutes status publishedAt createdAt updatedAt version
  }
}"#;

#[tokio::test]
async fn term_exposes_every_field() {
    let app = spawn_app_with(&fixture()).await;
    let data = app
        .gql(FULL_TERM, json!({"slug": "backend-developer"}))
        .await;
    let term = &data["term"];
    assert_eq!(term["slug"], "backend-developer");
    assert_eq!(term["name"], "Backend developer");
    assert_eq!(term["title"], "What is a backend developer?");
    assert_eq!(term["initial"], "B");
    assert_eq!(
        term["definition"],
        "A developer who builds the **server side** of applications."
    );
    assert_eq!(
        term["definitionHtml"],
        "<p>A developer who builds the <strong>server side</strong> of applications.</p>\n"
    );
    let sections = term["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 3);
    assert_eq!(sections[0]["position"], 0);
    assert_eq!(sections[0]["anchor"], "what-does-a-backend-developer-do");
    assert_eq!(sections[1]["anchor"], "skills");
    assert_eq!(sections[2]["anchor"], "skills-2");
    let html = sections[0]["bodyHtml"].as_str().unwrap();
    assert!(
        html.contains("<ul>") && html.contains("<ol>") && html.contains("<li>SQL</li>"),
        "{html}"
    );
    assert!(
        !sections[1]["bodyHtml"]
            .as_str()
            .unwrap()
            .contains("<script"),
        "HTML is sanitised"
    );
    assert!(
        sections[1]["body"].as_str().unwrap().contains("<script>"),
        "Markdown is returned as written"
    );

    let toc: Vec<(&str, &str)> = term["tableOfContents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["title"].as_str().unwrap(), e["anchor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        toc,
        [
            ("Overview", "overview"),
            (
                "What does a backend developer do?",
                "what-does-a-backend-developer-do"
            ),
            ("Skills", "skills"),
            ("Skills", "skills-2"),
            ("Frequently asked questions", "faqs"),
        ]
    );
    assert_eq!(term["faqs"][0]["question"], "Is it well paid?");
    assert_eq!(term["faqs"][1]["position"], 1);
    assert_eq!(
        term["faqs"][0]["answerHtml"],
        "<p>Often, <em>yes</em>.</p>\n"
    );

    // The draft and the archived term in the related list are skipped; the order is the editor's.
    assert_eq!(
        term["relatedTerms"],
        json!([{"slug": "frontend-developer"}, {"slug": "api"}])
    );
    assert_eq!(
        term["firstRelated"],
        json!([{"slug": "frontend-developer"}])
    );
    assert_eq!(
        term["categories"],
        json!([{"slug": "engineering", "name": "Engineering"}, {"slug": "roles", "name": "Roles"}])
    );
    assert_eq!(
        term["callToAction"],
        json!({"heading": "Hire one", "text": "Find a backend developer.", "label": "Start", "url": "https://example.com/hire"})
    );
    assert_eq!(
        term["seo"],
        json!({"title": "Backend developer: role and skills", "description": "All about backend developers."})
    );
    assert_eq!(term["readingTimeMinutes"], 1);
    assert_eq!(term["status"], "PUBLISHED");
    assert_eq!(term["publishedAt"], "2026-03-14T09:30:00+00:00");
    assert!(term["createdAt"].is_string() && term["updatedAt"].is_string());
    assert_eq!(term["version"], 1);
}

#[tokio::test]
async fn optional_parts_have_fallbacks() {
    let app = spawn_app_with(&fixture()).await;
    let data = app.gql(FULL_TERM, json!({"slug": "3d-printing"})).await;
    let term = &data["term"];
    assert_eq!(term["initial"], "#");
    assert_eq!(term["callToAction"], Value::Null);
    assert_eq!(term["seo"]["title"], "What is 3D printing?");
    let description = term["seo"]["description"].as_str().unwrap();
    assert!(
        description.chars().count() <= 160 && description.ends_with('…'),
        "{description}"
    );
    assert_eq!(
        term["tableOfContents"],
        json!([{"title": "Overview", "anchor": "overview", "level": 1}])
    );
    assert_eq!(term["sections"], json!([]));
    assert_eq!(term["relatedTerms"], json!([]));
}

#[tokio::test]
async fn absent_draft_and_archived_terms_are_null() {
    let app = spawn_app_with(&fixture()).await;
    for slug in ["no-such-term", "secret-draft", "old-term"] {
        let data = app
            .gql(
                "query($s: String!) { term(slug: $s) { slug } }",
                json!({"s": slug}),
            )
            .await;
        assert_eq!(data["term"], Value::Null, "{slug}");
    }
}

#[tokio::test]
async fn drafts_never_leak_through_any_path() {
    let app = spawn_app_with(&fixture()).await;
    let data = app
        .gql(
            r#"{ terms(first: 100) { totalCount nodes { slug relatedTerms { slug } } }
                 roles: category(slug: "roles") { terms(first: 100) { totalCount nodes { slug } } }
                 glossaryIndex { letter termCount } }"#,
            json!({}),
        )
        .await;
    let text = data.to_string();
    assert!(
        !text.contains("secret-draft") && !text.contains("old-term"),
        "{text}"
    );
    assert_eq!(data["terms"]["totalCount"], 4);
    assert_eq!(data["roles"]["terms"]["totalCount"], 2);
    let letters: u64 = data["glossaryIndex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["termCount"].as_u64().unwrap())
        .sum();
    assert_eq!(letters, 4);

    // By global id: the draft itself, and its section and FAQ, are all null.
    let draft = app.term_id("secret-draft").await;
    let draft_id = global_id::encode(NodeKind::Term, draft);
    let data = app
        .gql(
            "query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id } }",
            json!({"id": draft_id}),
        )
        .await;
    assert_eq!(data, json!({"node": null, "nodes": [null]}));
    let hidden_parts: Vec<String> = [(NodeKind::Section, 4), (NodeKind::Faq, 3)]
        .into_iter()
        .map(|(kind, id)| global_id::encode(kind, id).to_string())
        .collect();
    let data = app
        .gql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({"ids": hidden_parts}),
        )
        .await;
    assert_eq!(
        data["nodes"],
        json!([null, null]),
        "the draft's section 4 and FAQ 3 stay hidden"
    );
}

#[tokio::test]
async fn every_node_kind_round_trips_by_global_id() {
    let app = spawn_app_with(&fixture()).await;
    let data = app
        .gql(
            r#"{ term(slug: "backend-developer") { id sections { id } faqs { id } categories { id } } }"#,
            json!({}),
        )
        .await;
    let term = &data["term"];
    let ids = vec![
        term["id"].clone(),
        term["sections"][1]["id"].clone(),
        term["faqs"][0]["id"].clone(),
        term["categories"][0]["id"].clone(),
    ];
    let data = app
        .gql(
            r#"query($ids: [ID!]!) { nodes(ids: $ids) {
                __typename id
                ... on Term { slug }
                ... on Section { heading }
                ... on Faq { question }
                ... on Category { slug }
            } }"#,
            json!({"ids": ids}),
        )
        .await;
    let nodes = data["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["__typename"], "Term");
    assert_eq!(nodes[0]["slug"], "backend-developer");
    assert_eq!(nodes[1]["__typename"], "Section");
    assert_eq!(nodes[1]["heading"], "Skills");
    assert_eq!(nodes[2]["__typename"], "Faq");
    assert_eq!(nodes[2]["question"], "Is it well paid?");
    assert_eq!(nodes[3]["__typename"], "Category");
    assert_eq!(nodes[3]["slug"], "engineering");
    for (node, id) in nodes.iter().zip(&ids) {
        assert_eq!(&node["id"], id);
    }

    let error = app
        .gql_error(r#"{ node(id: "not an id") { id } }"#, json!({}))
        .await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "id");
    let missing = global_id::encode(NodeKind::Term, 999_999);
    let data = app
        .gql(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": missing}),
        )
        .await;
    assert_eq!(data["node"], Value::Null);
}

#[tokio::test]
async fn categories_and_the_glossary_index() {
    let app = spawn_app_with(&fixture()).await;
    let data = app
        .gql(
            r#"{ categories { slug name description }
                 category(slug: "engineering") { name terms { totalCount nodes { slug } } }
                 missing: category(slug: "nope") { slug }
                 glossaryIndex { letter termCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["categories"],
        json!([{"slug": "engineering", "name": "Engineering", "description": null}, {"slug": "roles", "name": "Roles", "description": null}])
    );
    assert_eq!(data["category"]["terms"]["totalCount"], 2);
    assert_eq!(
        data["category"]["terms"]["nodes"],
        json!([{"slug": "api"}, {"slug": "backend-developer"}])
    );
    assert_eq!(data["missing"], Value::Null);
    assert_eq!(
        data["glossaryIndex"],
        json!([
            {"letter": "A", "termCount": 1},
            {"letter": "B", "termCount": 1},
            {"letter": "F", "termCount": 1},
            {"letter": "#", "termCount": 1}
        ])
    );
}

#[tokio::test]
async fn related_terms_first_is_checked() {
    let app = spawn_app_with(&fixture()).await;
    for (first, message) in [
        (-1, "first must not be negative"),
        (101, "first must be at most 100"),
    ] {
        let error = app
            .gql_error(
                "query($n: Int) { term(slug: \"backend-developer\") { relatedTerms(first: $n) { slug } } }",
                json!({"n": first}),
            )
            .await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
        assert_eq!(error["extensions"]["field"], "first");
        assert_eq!(error["message"], message);
    }
}

#[tokio::test]
async fn related_terms_read_short_or_whole_rows_as_their_selection_needs() {
    let app = spawn_app_with(&fixture()).await;
    let whole = json!({
        "definition": "A developer who builds the **server side** of applications.",
        "seo": {"description": "All about backend developers."},
        "callToAction": {"label": "Start"}
    });
    // Short fields only: read without the long texts, and nothing is missing.
    let data = app
        .gql(
            r#"{ term(slug: "backend-developer") { relatedTerms { __typename id slug name title status version relatedTerms { slug } } } }"#,
            json!({}),
        )
        .await;
    let first = &data["term"]["relatedTerms"][0];
    assert_eq!(
        (
            first["slug"].clone(),
            first["title"].clone(),
            first["status"].clone()
        ),
        (
            json!("frontend-developer"),
            json!("What is Frontend developer?"),
            json!("PUBLISHED")
        )
    );
    assert_eq!(
        first["relatedTerms"],
        json!([{"slug": "backend-developer"}])
    );
    // Each long text asked for in any way (plain, aliased, in a named or an inline fragment) reads whole
    // rows: one field alone beside short ones is enough.
    for (long, expected) in [
        ("definition", whole["definition"].clone()),
        ("seo { description }", whole["seo"].clone()),
        ("callToAction { label }", whole["callToAction"].clone()),
    ] {
        let key = long.split(' ').next().unwrap();
        for (selection, fragment, answer_key) in [
            (format!("slug {long}"), String::new(), key.to_owned()),
            (
                format!("slug long: {long}"),
                String::new(),
                "long".to_owned(),
            ),
            (
                "slug ...F".to_owned(),
                format!("fragment F on Term {{ {long} }}"),
                key.to_owned(),
            ),
            (
                format!("slug ... on Term {{ {long} }}"),
                String::new(),
                key.to_owned(),
            ),
        ] {
            let query = format!(
                r#"query {{ term(slug: "frontend-developer") {{ relatedTerms {{ {selection} }} }} }} {fragment}"#
            );
            let data = app.gql(&query, json!({})).await;
            let related = &data["term"]["relatedTerms"][0];
            assert_eq!(related["slug"], "backend-developer");
            assert_eq!(related[answer_key.as_str()], expected, "{query}");
        }
    }
}
