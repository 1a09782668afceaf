//! The N+1 guard: a 50-term page asking for every list under each term costs a small constant number of SQL
//! statements, whatever the page size. Prints the figure; fails above the budget of 6. `/metrics` exports the
//! same counter. HTML bodies carry automatic cross-links, whose linker is read once per content change
//! (three statements, `content::linking`), by the first request that needs it.

use crate::common::{
    TestApp, on_postgres, pack, spawn_app_with, spawn_app_with_pack_and_options, term_line,
};
use serde_json::json;

/// page + totalCount + sections + FAQs + related terms + categories.
const STATEMENT_BUDGET: u64 = 6;

/// What the first request after a content change adds: the linker's names, aliases and next scheduled
/// publication.
const LINKER_STATEMENTS: u64 = 3;

fn fixture(terms: usize) -> String {
    let lines: Vec<String> = (0..terms)
        .map(|i| {
            term_line(
                &format!("term-{i:03}"),
                &format!("Term {i:03}"),
                json!({
                    "categories": [format!("category-{}", i % 4), "all"],
                    "sections": [
                        {"heading": "First", "body": "One.\n\n- a\n  - b"},
                        {"heading": "Second", "body": "Two."}
                    ],
                    "faqs": [{"question": "Why?", "answer": "Because."}, {"question": "How?", "answer": "Like so."}],
                    "related": [format!("term-{:03}", (i + 1) % terms), format!("term-{:03}", (i + 7) % terms)]
                }),
            )
        })
        .collect();
    pack(&lines)
}

const PAGE: &str = r#"query($first: Int!) {
  terms(first: $first) {
    totalCount
    nodes {
      slug
      sections { heading anchor body(format: HTML) }
      tableOfContents { title anchor }
      faqs { question answer }
      relatedTerms { slug name }
      categories { slug name }
      callToAction { label }
      seo { title }
    }
  }
}"#;

/// The app over `terms` terms, with the response cache off: the guard measures what executing a page
/// costs (`response_cache.rs` measures what a cached one does: nothing).
async fn uncached_app(terms: usize) -> TestApp {
    let mut options = glossary::config::AppOptions::default();
    options.cache.response_cache_bytes = 0;
    spawn_app_with_pack_and_options(&fixture(terms), options).await
}

#[tokio::test]
async fn a_full_page_costs_a_constant_number_of_statements() {
    let app = uncached_app(120).await;
    let before = app.statements();
    app.gql(PAGE, json!({"first": 1})).await;
    let first_after_change = app.statements() - before;
    println!("SQL statements for the first page after a content change: {first_after_change}");
    assert!(
        first_after_change <= STATEMENT_BUDGET + LINKER_STATEMENTS,
        "the first page took {first_after_change} statements"
    );
    let mut counts = Vec::new();
    for first in [1, 10, 50, 100] {
        let before = app.statements();
        let data = app.gql(PAGE, json!({"first": first})).await;
        let statements = app.statements() - before;
        let nodes = data["terms"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), first as usize);
        assert_eq!(nodes[0]["sections"].as_array().unwrap().len(), 2);
        assert_eq!(nodes[0]["faqs"].as_array().unwrap().len(), 2);
        assert_eq!(nodes[0]["relatedTerms"].as_array().unwrap().len(), 2);
        assert_eq!(nodes[0]["categories"].as_array().unwrap().len(), 2);
        println!(
            "SQL statements for a {first}-term page with sections, FAQs, related terms and categories: {statements}"
        );
        counts.push(statements);
        assert!(
            statements <= STATEMENT_BUDGET,
            "{first}-term page took {statements} statements"
        );
    }
    assert!(
        counts.windows(2).all(|w| w[0] == w[1]),
        "the count does not grow with the page: {counts:?}"
    );
}

const TERM_PAGE: &str = r#"query($slug: String!) {
  term(slug: $slug) {
    name
    sections { heading body(format: HTML) }
    faqs { question answer(format: HTML) }
    relatedTerms { slug name }
    categories { slug name }
  }
}"#;

/// A term page reads its term and its four lists in one DataLoader batch, so it waits for one batch, not
/// two in a row (the term's, then its lists'): five statements, one batch. A list selected twice is read
/// in the batch with what both selections show and taken by the first; the second asks its own loader.
#[tokio::test]
async fn a_term_page_is_one_batch() {
    let app = uncached_app(10).await;
    // The linker's names are read by the first page after a change.
    app.gql(TERM_PAGE, json!({"slug": "term-000"})).await;
    app.settle().await;
    let (batches, statements) = (app.batches(), app.statements());
    let data = app.gql(TERM_PAGE, json!({"slug": "term-001"})).await;
    let term = &data["term"];
    assert_eq!(term["name"], "Term 001");
    assert_eq!(term["sections"].as_array().unwrap().len(), 2);
    assert!(
        term["sections"][0]["body"]
            .as_str()
            .unwrap()
            .contains("<li>"),
        "{term}"
    );
    assert_eq!(term["faqs"][1]["answer"], "<p>Like so.</p>\n");
    assert_eq!(
        term["relatedTerms"],
        json!([{"slug": "term-002", "name": "Term 002"}, {"slug": "term-008", "name": "Term 008"}])
    );
    assert_eq!(term["categories"].as_array().unwrap().len(), 2);
    assert_eq!(app.batches() - batches, 1, "one batch for the whole page");
    // The term and its four lists in one round: two statements at once on SQLite (the term, sections
    // and categories; the FAQ entries and related terms), five at once on PostgreSQL.
    let (sqlite, postgres) = if on_postgres() { (0, 1) } else { (1, 0) };
    assert_eq!(
        app.statements() - statements,
        2 * sqlite + 5 * postgres,
        "the term and its four lists"
    );

    let (batches, statements) = (app.batches(), app.statements());
    let data = app
        .gql(
            r#"query { term(slug: "term-002") {
              html: sections { body(format: HTML) }
              markdown: sections { body }
            } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["term"]["markdown"][0]["body"], "One.\n\n- a\n  - b");
    assert!(
        data["term"]["html"][0]["body"]
            .as_str()
            .unwrap()
            .starts_with("<p>One.</p>"),
        "{data}"
    );
    assert_eq!(
        app.batches() - batches,
        2,
        "the page's batch, then the second selection's own"
    );
    assert_eq!(
        app.statements() - statements,
        sqlite + 2 * postgres + 1,
        "the term and the first selection's sections (one statement on SQLite), then the second's"
    );

    // One term under two aliases showing different lists: two keys for one slug in one batch, each
    // with the term and its own lists.
    let (batches, statements) = (app.batches(), app.statements());
    let data = app
        .gql(
            r#"query {
              a: term(slug: "term-003") { name sections { heading } }
              b: term(slug: "term-003") { slug faqs { question } relatedTerms { slug } }
            }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({
            "a": {"name": "Term 003", "sections": [{"heading": "First"}, {"heading": "Second"}]},
            "b": {
                "slug": "term-003",
                "faqs": [{"question": "Why?"}, {"question": "How?"}],
                "relatedTerms": [{"slug": "term-004"}, {"slug": "term-000"}]
            }
        })
    );
    assert_eq!(app.batches() - batches, 1, "both keys in one batch");
    assert_eq!(
        app.statements() - statements,
        2 * sqlite + 4 * postgres,
        "the term and the lists either key shows"
    );
}

/// A term page's batch does not wait for the DataLoader's window (`--batch-delay-us`): it starts as
/// soon as a slot is free. With the window set to a minute, the page still comes back, in one batch,
/// while a list page, whose lists go through the DataLoader, waits the window out.
#[tokio::test]
async fn a_term_page_does_not_wait_for_the_dataloader_window() {
    let mut options = glossary::config::AppOptions::default();
    options.cache.response_cache_bytes = 0;
    options.schema.batch_delay = std::time::Duration::from_secs(60);
    let app = spawn_app_with_pack_and_options(&fixture(10), options).await;
    let batches = app.batches();
    let page = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        app.gql(TERM_PAGE, json!({"slug": "term-004"})),
    )
    .await
    .expect("the term page waited for the DataLoader's window");
    assert_eq!(page["term"]["name"], "Term 004");
    assert_eq!(page["term"]["faqs"].as_array().unwrap().len(), 2);
    assert_eq!(app.batches() - batches, 1, "one batch for the page");
    let list = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        app.gql(PAGE, json!({"first": 2})),
    )
    .await;
    assert!(
        list.is_err(),
        "a list page's lists wait for the window: the test's minute is in force"
    );
}

#[tokio::test]
async fn the_metrics_page_exports_the_statement_count() {
    let app = spawn_app_with(&fixture(10)).await;
    app.gql(PAGE, json!({"first": 10})).await;
    let before = app.statements();
    let metrics = app.metrics().await;
    let after = app.statements();
    let exported: u64 = metrics
        .lines()
        .find_map(|line| line.strip_prefix("glossary_sql_statements_total "))
        .expect("the counter is exported")
        .parse()
        .unwrap();
    // Background work (the mail outbox) may run statements meanwhile, never fewer than were counted.
    assert!(
        before >= 1 && (before..=after).contains(&exported),
        "{before} ≤ {exported} ≤ {after}"
    );
}

/// DataLoader batches wait on tokio's timer, fired by the runtime's own workers: no request may start
/// the `async-io` reactor thread that async-graphql falls back to without its `tokio-timer` feature
/// (every batch woke it and, from it, a worker: docs/performance.md, "Batch wait on tokio's timer").
/// Every test of this binary shares the process, so any batch anywhere would have started it.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn batches_wait_without_a_timer_thread_of_their_own() {
    let app = uncached_app(20).await;
    let before = app.statements();
    let data = app.gql(PAGE, json!({"first": 20})).await;
    assert_eq!(data["terms"]["nodes"].as_array().unwrap().len(), 20);
    assert!(
        app.statements() > before,
        "the page went through the loaders"
    );
    let threads: Vec<String> = std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .map(|name| name.trim().to_owned())
        .collect();
    assert!(!threads.is_empty(), "the process's threads are listed");
    assert!(
        !threads.iter().any(|name| name == "async-io"),
        "a batch started async-io's timer thread: {threads:?}"
    );
}
