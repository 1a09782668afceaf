//! Relay pagination of `terms`: both directions, every ordering, filters, totalCount, and clear errors for
//! bad arguments and cursors.

use crate::common::{TestApp, pack, spawn_app_with, term_line};
use serde_json::{Value, json};

/// 23 published terms with distinct names, publication days and a few categories, plus one draft.
fn fixture() -> String {
    let mut lines: Vec<String> = (0..23)
        .map(|i| {
            let name = format!("{} term {i:02}", ["Alpha", "beta", "Gamma"][i % 3]);
            let slug = format!("term-{i:02}");
            let category = if i % 2 == 0 { "even" } else { "odd" };
            term_line(
                &slug,
                &name,
                json!({"categories": [category], "publishedAt": format!("2026-01-{:02}T10:00:00Z", 28 - i)}),
            )
        })
        .collect();
    lines.push(term_line(
        "hidden",
        "Alpha hidden",
        json!({"status": "draft"}),
    ));
    lines.push(term_line("percent", "100% coverage_x", json!({})));
    pack(&lines)
}

const PAGE: &str = r#"query($first: Int, $after: String, $last: Int, $before: String, $filter: TermFilter, $order: TermOrder) {
  terms(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $order) {
    totalCount
    edges { cursor node { slug name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"#;

async fn page(app: &TestApp, variables: Value) -> Value {
    app.gql(PAGE, variables).await["terms"].clone()
}

fn slugs(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["slug"].as_str().unwrap().to_owned())
        .collect()
}

/// Walks the whole list forwards with `first`, then backwards with `last`, and checks both give `expected`.
async fn walk_both_ways(app: &TestApp, order: Value, expected: &[String]) {
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let connection = page(app, json!({"first": 5, "after": after, "order": order})).await;
        assert_eq!(connection["pageInfo"]["hasPreviousPage"], !after.is_null());
        seen.extend(slugs(&connection));
        assert_eq!(
            connection["pageInfo"]["startCursor"],
            connection["edges"][0]["cursor"]
        );
        if connection["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, expected, "forwards in {order}");

    let mut seen_backwards = Vec::new();
    let mut before = Value::Null;
    loop {
        let connection = page(app, json!({"last": 4, "before": before, "order": order})).await;
        assert_eq!(connection["pageInfo"]["hasNextPage"], !before.is_null());
        let mut chunk = slugs(&connection);
        chunk.extend(seen_backwards);
        seen_backwards = chunk;
        if connection["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = connection["pageInfo"]["startCursor"].clone();
    }
    assert_eq!(seen_backwards, expected, "backwards in {order}");
}

#[tokio::test]
async fn every_ordering_pages_both_ways() {
    let app = spawn_app_with(&fixture()).await;
    let mut by_name: Vec<(String, String)> = (0..23)
        .map(|i| {
            (
                format!("{} term {i:02}", ["alpha", "beta", "gamma"][i % 3]),
                format!("term-{i:02}"),
            )
        })
        .collect();
    by_name.push(("100% coverage_x".to_owned(), "percent".to_owned()));
    by_name.sort();
    let name_order: Vec<String> = by_name.into_iter().map(|(_, slug)| slug).collect();
    walk_both_ways(&app, json!({"field": "NAME"}), &name_order).await;
    let reversed: Vec<String> = name_order.iter().rev().cloned().collect();
    walk_both_ways(
        &app,
        json!({"field": "NAME", "direction": "DESC"}),
        &reversed,
    )
    .await;

    // term-00 was published last (28 January); `percent` got the import time, the newest of all.
    let mut newest_first: Vec<String> = vec!["percent".to_owned()];
    newest_first.extend((0..23).map(|i| format!("term-{i:02}")));
    walk_both_ways(
        &app,
        json!({"field": "PUBLISHED_AT", "direction": "DESC"}),
        &newest_first,
    )
    .await;

    // Every term was imported in the same instant: the id breaks the tie, in file order.
    let mut file_order: Vec<String> = (0..23).map(|i| format!("term-{i:02}")).collect();
    file_order.push("percent".to_owned());
    walk_both_ways(&app, json!({"field": "UPDATED_AT"}), &file_order).await;
}

#[tokio::test]
async fn page_info_and_total_count() {
    let app = spawn_app_with(&fixture()).await;
    let connection = page(&app, json!({})).await;
    assert_eq!(connection["totalCount"], 24);
    assert_eq!(slugs(&connection).len(), 20, "20 per page by default");
    assert_eq!(connection["pageInfo"]["hasNextPage"], true);
    assert_eq!(connection["pageInfo"]["hasPreviousPage"], false);

    let empty = page(&app, json!({"first": 0})).await;
    assert_eq!(slugs(&empty), Vec::<String>::new());
    assert_eq!(empty["pageInfo"]["startCursor"], Value::Null);
    assert_eq!(empty["pageInfo"]["hasNextPage"], true);

    let everything = page(&app, json!({"first": 100})).await;
    assert_eq!(slugs(&everything).len(), 24);
    assert_eq!(everything["pageInfo"]["hasNextPage"], false);

    // after and before together bound a window.
    let first_five = page(&app, json!({"first": 5})).await;
    let edges = first_five["edges"].as_array().unwrap();
    let window = page(
        &app,
        json!({"first": 10, "after": edges[0]["cursor"], "before": edges[4]["cursor"]}),
    )
    .await;
    assert_eq!(slugs(&window), slugs(&first_five)[1..4].to_vec());
}

#[tokio::test]
async fn filters_narrow_the_list_and_the_count() {
    let app = spawn_app_with(&fixture()).await;
    let by_letter = page(&app, json!({"first": 100, "filter": {"letter": "b"}})).await;
    assert_eq!(by_letter["totalCount"], 8);
    assert!(
        slugs(&by_letter)
            .iter()
            .all(|s| ["01", "04", "07", "10", "13", "16", "19", "22"].contains(&&s[5..]))
    );

    let hash = page(&app, json!({"filter": {"letter": "#"}})).await;
    assert_eq!(slugs(&hash), ["percent"]);

    let odd = page(&app, json!({"first": 100, "filter": {"category": "odd"}})).await;
    assert_eq!(odd["totalCount"], 11);
    let none = page(&app, json!({"filter": {"category": "no-such-category"}})).await;
    assert_eq!(none["totalCount"], 0);

    let contains = page(&app, json!({"filter": {"nameContains": "TERM 1"}})).await;
    assert_eq!(
        contains["totalCount"], 10,
        "term 10..term 19, case-insensitive"
    );
    // LIKE wildcards in the search text are matched literally.
    let literal = page(&app, json!({"filter": {"nameContains": "0% coverage_"}})).await;
    assert_eq!(slugs(&literal), ["percent"]);
    let wildcard = page(&app, json!({"filter": {"nameContains": "a_p"}})).await;
    assert_eq!(wildcard["totalCount"], 0);

    let combined = page(
        &app,
        json!({"filter": {"letter": "A", "category": "even", "nameContains": "1"}}),
    )
    .await;
    assert_eq!(slugs(&combined), ["term-12", "term-18"]);
}

#[tokio::test]
async fn bad_arguments_are_clear_errors() {
    let app = spawn_app_with(&fixture()).await;
    let cases = [
        (
            json!({"first": 101}),
            "first",
            "first must be at most 100, got 101",
        ),
        (
            json!({"last": 500}),
            "last",
            "last must be at most 100, got 500",
        ),
        (json!({"first": -1}), "first", "first must not be negative"),
        (
            json!({"first": 1, "last": 1}),
            "last",
            "pass either first or last, not both",
        ),
        (
            json!({"after": "garbage"}),
            "after",
            "after: \"garbage\" is not a valid cursor",
        ),
        (
            json!({"before": "eyJ4IjoxfQ"}),
            "before",
            "before: \"eyJ4IjoxfQ\" is not a valid cursor",
        ),
        (
            json!({"filter": {"letter": "ab"}}),
            "filter.letter",
            "letter must be one of A–Z or #, got \"ab\"",
        ),
    ];
    for (variables, field, message) in cases {
        let (status, body) = app.post(PAGE, variables.clone()).await;
        assert_eq!(status, 200, "{variables}");
        assert_eq!(
            body["data"],
            Value::Null,
            "terms is non-null, so the error nulls data: {body}"
        );
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{variables}");
        assert_eq!(error["extensions"]["field"], field, "{variables}");
        assert_eq!(error["message"], message, "{variables}");
        assert_eq!(error["path"], json!(["terms"]));
    }

    // A cursor from one ordering is refused by another.
    let by_name = page(&app, json!({"first": 1})).await;
    let cursor = by_name["pageInfo"]["endCursor"].clone();
    let error = app
        .gql_error(
            PAGE,
            json!({"after": cursor, "order": {"field": "UPDATED_AT"}}),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(
        error["message"],
        "after: the cursor belongs to an ordering by NAME but the list is ordered by UPDATED_AT"
    );
}
