//! Importing content packs: all or nothing, every problem reported with its line and field, related slugs
//! resolved forwards and against stored terms, and export → import round-tripping exactly.

use crate::common::{pack, spawn_app, spawn_app_with, term_line};
use glossary::{content::pack::PackProblem, error::Error, export, import, sample_content};
use serde_json::json;

async fn problems_of(app: &crate::common::TestApp, text: &str) -> Vec<String> {
    match import::import_pack(app.db(), text).await {
        Err(Error::InvalidPack(problems)) => problems.iter().map(PackProblem::to_string).collect(),
        other => panic!("expected problems, got {other:?}"),
    }
}

async fn term_count(app: &crate::common::TestApp) -> u64 {
    glossary::content::terms::count_all(app.db()).await.unwrap()
}

#[tokio::test]
async fn forward_references_and_stored_terms_resolve() {
    let app = spawn_app_with(&pack(&[term_line("stored", "Stored", json!({}))])).await;
    let text = pack(&[
        term_line(
            "first",
            "First",
            json!({"related": ["second", "stored"], "categories": ["new-category"]}),
        ),
        term_line(
            "second",
            "Second",
            json!({"related": ["first"], "sections": [{"heading": "H", "body": "B"}], "faqs": [{"question": "Q?", "answer": "A."}]}),
        ),
    ]);
    let summary = import::import_pack(app.db(), &text).await.unwrap();
    assert_eq!(
        (
            summary.terms,
            summary.sections,
            summary.faqs,
            summary.relations,
            summary.categories_created
        ),
        (2, 1, 1, 3, 1)
    );
    let data = app
        .gql(
            r#"{ term(slug: "first") { relatedTerms { slug } categories { slug name } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["term"]["relatedTerms"],
        json!([{"slug": "second"}, {"slug": "stored"}])
    );
    assert_eq!(
        data["term"]["categories"],
        json!([{"slug": "new-category", "name": "New category"}])
    );
}

#[tokio::test]
async fn every_bad_line_is_reported_and_nothing_is_written() {
    let app = spawn_app_with(&pack(&[term_line("taken", "Taken", json!({}))])).await;
    let long_name = "x".repeat(201);
    let lines = [
        term_line("good", "Good", json!({"related": ["ghost"]})), // 1
        "{ this is not json".to_owned(),                          // 2
        r#"{"slug":"no-name","title":"T","definition":"D"}"#.to_owned(), // 3
        term_line("typo", "Typo", json!({"relatd": []})),         // 4
        term_line("Bad--Slug", "Bad", json!({})),                 // 5
        term_line("good", "Again", json!({})),                    // 6
        term_line("selfish", "Selfish", json!({"related": ["selfish"]})), // 7
        term_line("twice", "Twice", json!({"related": ["good", "good"]})), // 8
        term_line("taken", "Taken again", json!({})),             // 9
        term_line("long", &long_name, json!({})),                 // 10
        term_line(
            "sectioned",
            "Sectioned",
            json!({"sections": [{"heading": "", "body": "x"}]}),
        ), // 11
        term_line("status", "Status", json!({"status": "live"})), // 12
        term_line(
            "cta",
            "Cta",
            json!({"callToAction": {"heading": "H", "text": "T", "label": "L", "url": "javascript:alert(1)"}}),
        ), // 13
        "[1, 2]".to_owned(),                                      // 14
    ];
    let problems = problems_of(&app, &pack(&lines)).await;
    let expected = [
        "line 2: invalid JSON: ",
        "line 3: name: missing field",
        "line 4: relatd: unknown field",
        "line 5: slug: \"Bad--Slug\" is not a valid slug",
        "line 6: slug: duplicate slug \"good\" (first on line 1)",
        "line 7: related: a term cannot be related to itself (\"selfish\")",
        "line 8: related: duplicate related slug \"good\"",
        "line 10: name: must be 1–200 characters, got 201",
        "line 11: sections[0].heading: must not be empty",
        "line 12: status: unknown variant `live`",
        "line 13: callToAction.url: \"javascript:alert(1)\" must start with https://, http:// or /",
        "line 14: expected a JSON object",
    ];
    for prefix in expected {
        assert!(
            problems.iter().any(|p| p.starts_with(prefix)),
            "missing {prefix:?} in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
    assert_eq!(term_count(&app).await, 1, "nothing was written");

    // Database-level problems are found once the lines themselves are fine.
    let text = pack(&[
        term_line("good", "Good", json!({"related": ["grpc-gateway"]})),
        term_line("taken", "Taken again", json!({})),
    ]);
    assert_eq!(
        problems_of(&app, &text).await,
        [
            "line 1: related: unknown slug \"grpc-gateway\"",
            "line 2: slug: \"taken\" already exists in the database",
        ]
    );
    assert_eq!(term_count(&app).await, 1, "nothing was written");
}

#[tokio::test]
async fn a_failure_while_writing_rolls_everything_back() {
    let app = spawn_app().await;
    // Every line passes the checks; an extra unique index makes the very last term insert fail, after a
    // category and a full batch of 500 terms were written inside the transaction.
    let mut lines: Vec<String> = (0..600)
        .map(|i| term_line(&format!("t{i}"), &format!("T {i}"), json!({})))
        .collect();
    lines.push(term_line(
        "last",
        "Last",
        json!({"categories": ["created-then-rolled-back"]}),
    ));
    use sea_orm::ConnectionTrait;
    app.db()
        .execute_unprepared("CREATE UNIQUE INDEX boom ON term (title)")
        .await
        .unwrap();
    lines.push(term_line("clash", "T 1", json!({})));
    let result = import::import_pack(app.db(), &pack(&lines)).await;
    assert!(matches!(result, Err(Error::Database(_))), "{result:?}");
    assert_eq!(
        term_count(&app).await,
        0,
        "the first 500-row batch was rolled back too"
    );
    let categories: Vec<_> = glossary::content::categories::all(app.db()).await.unwrap();
    assert!(
        categories.is_empty(),
        "the category created before the failure was rolled back"
    );
}

#[tokio::test]
async fn export_then_import_round_trips_exactly() {
    let source = spawn_app_with(sample_content::SAMPLE_PACK).await;
    let mut first = Vec::new();
    let exported = export::export_pack(source.db(), &mut first).await.unwrap();
    assert_eq!(exported, sample_content::SAMPLE_PACK.lines().count());

    let copy = spawn_app().await;
    import::import_pack(copy.db(), std::str::from_utf8(&first).unwrap())
        .await
        .unwrap();
    let mut second = Vec::new();
    export::export_pack(copy.db(), &mut second).await.unwrap();
    assert_eq!(
        String::from_utf8(first).unwrap(),
        String::from_utf8(second).unwrap()
    );
}

#[tokio::test]
async fn the_sample_glossary_loads_once_and_is_browsable() {
    let app = spawn_app().await;
    assert!(sample_content::load_if_empty(app.db()).await.unwrap());
    assert!(
        !sample_content::load_if_empty(app.db()).await.unwrap(),
        "never loaded twice"
    );
    let data = app
        .gql(
            r#"{ terms(first: 100) { totalCount }
                 term(slug: "backend-developer") { name sections { heading } faqs { question } relatedTerms { slug } categories { slug } } }"#,
            json!({}),
        )
        .await;
    assert!(data["terms"]["totalCount"].as_u64().unwrap() >= 25);
    let term = &data["term"];
    assert_eq!(term["name"], "Backend developer");
    assert!(term["sections"].as_array().unwrap().len() >= 3);
    assert!(!term["faqs"].as_array().unwrap().is_empty());
    assert!(!term["relatedTerms"].as_array().unwrap().is_empty());
    assert!(!term["categories"].as_array().unwrap().is_empty());
    for slug in [
        "frontend-developer",
        "full-stack-developer",
        "api",
        "database",
    ] {
        let data = app
            .gql(
                "query($s: String!) { term(slug: $s) { slug } }",
                json!({"s": slug}),
            )
            .await;
        assert_eq!(data["term"]["slug"], slug);
    }
}
