//! Term rows read by position (`content::term_columns`) come back exactly as sea-orm's by-name decoding
//! reads them: every column holds a value no other column of its type holds, so a select list and a
//! decoder that disagreed on the order would swap two of them and fail here, on either engine. Lists read
//! only the columns their selection needs: every field of `Term` reads the same through `relatedTerms`,
//! `terms.edges.node` and `terms.nodes` as at the top level, and FAQ lists that show no answer read the
//! same questions.

use chrono::{TimeZone, Utc};
use entity::{TermStatus, term, term_relation};
use glossary::content::{
    relations,
    term_columns::{self, ColumnSet},
    term_list, terms,
    visibility::Visibility,
};
use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, EntityTrait, Set};

use crate::common::spawn_app;

/// A term whose every text, time and number differs from every other column's, `n` keeping two apart.
fn distinct_term(n: i32) -> term::ActiveModel {
    let at = |day: u32, hour: u32| {
        Utc.with_ymd_and_hms(2025, 1 + n as u32, day, hour, 7, 9)
            .unwrap()
    };
    term::ActiveModel {
        id: NotSet,
        slug: Set(format!("slug-{n}")),
        name: Set(format!("Name {n}")),
        sort_key: Set(format!("sort key {n}")),
        initial: Set(char::from(b'A' + n as u8).to_string()),
        title: Set(format!("Title {n}?")),
        definition: Set(format!("Definition {n}.")),
        definition_html: Set(format!("<p>Definition HTML {n}.</p>")),
        status: Set(TermStatus::Published),
        published_at: Set(Some(at(3, 4))),
        created_at: Set(at(1, 2)),
        updated_at: Set(at(5, 6)),
        version: Set(10 + n),
        reading_time_minutes: Set(20 + n),
        seo_title: Set(Some(format!("SEO title {n}"))),
        seo_description: Set(Some(format!("SEO description {n}"))),
        cta_heading: Set(Some(format!("CTA heading {n}"))),
        cta_text: Set(Some(format!("CTA text {n}"))),
        cta_label: Set(Some(format!("CTA label {n}"))),
        cta_url: Set(Some(format!("https://example.com/cta/{n}"))),
    }
}

#[tokio::test]
async fn rows_read_by_position_match_rows_read_by_name() {
    let app = spawn_app().await;
    let db = app.db();
    let first = distinct_term(1).insert(db).await.unwrap();
    let mut bare = distinct_term(2);
    for column in [
        &mut bare.seo_title,
        &mut bare.seo_description,
        &mut bare.cta_heading,
        &mut bare.cta_text,
        &mut bare.cta_label,
        &mut bare.cta_url,
    ] {
        *column = Set(None);
    }
    let second = bare.insert(db).await.unwrap();
    term_relation::ActiveModel {
        term_id: Set(first.id),
        related_term_id: Set(second.id),
        position: Set(0),
    }
    .insert(db)
    .await
    .unwrap();
    term_relation::ActiveModel {
        term_id: Set(second.id),
        related_term_id: Set(first.id),
        position: Set(0),
    }
    .insert(db)
    .await
    .unwrap();

    // Read by name, as sea-orm derives it: the reference.
    let by_name = term::Entity::find().all(db).await.unwrap();
    assert_eq!(by_name, [first.clone(), second.clone()]);

    let mut by_id = terms::by_ids(db, Visibility::public(), &[first.id, second.id])
        .await
        .unwrap();
    by_id.sort_by_key(|t| t.id);
    assert_eq!(by_id, by_name);

    let by_slug = terms::by_slugs(db, Visibility::public(), &["slug-2".to_owned()])
        .await
        .unwrap();
    assert_eq!(by_slug, std::slice::from_ref(&second));

    let window = term_list::PageWindow {
        after: None,
        before: None,
        size: term_list::PageSize::First(10),
    };
    let by_name_order = term_list::TermOrder {
        field: term_list::TermOrderField::Name,
        ascending: true,
    };
    let filter = term_list::TermFilter::default();
    let page = term_list::page(
        db,
        Visibility::public(),
        &filter,
        by_name_order,
        &window,
        ColumnSet::ALL,
    )
    .await
    .unwrap();
    assert_eq!(page.terms, by_name);
    // A page read with the id alone still carries each term's position in its ordering.
    for field in [
        term_list::TermOrderField::Name,
        term_list::TermOrderField::UpdatedAt,
        term_list::TermOrderField::PublishedAt,
    ] {
        let order = term_list::TermOrder {
            field,
            ascending: true,
        };
        let page = term_list::page(
            db,
            Visibility::public(),
            &filter,
            order,
            &window,
            ColumnSet::ID,
        )
        .await
        .unwrap();
        let keys: Vec<_> = page.terms.iter().map(|t| order.key_of(t)).collect();
        let expected: Vec<_> = by_name.iter().map(|t| order.key_of(t)).collect();
        assert_eq!(keys, expected, "{field:?}");
    }

    let related = relations::related_by_term_ids(
        db,
        Visibility::public(),
        &[first.id, second.id],
        ColumnSet::ALL,
    )
    .await
    .unwrap();
    assert_eq!(
        related,
        [(first.id, second.clone()), (second.id, first.clone())]
    );

    // A narrower set reads its columns (and the id) and leaves the others as `unread` has them.
    let narrow = relations::related_by_term_ids(
        db,
        Visibility::public(),
        &[first.id, second.id],
        ColumnSet::of(&[term::Column::Name, term::Column::UpdatedAt]),
    )
    .await
    .unwrap();
    let narrowed = |t: &term::Model| term::Model {
        id: t.id,
        name: t.name.clone(),
        updated_at: t.updated_at,
        ..term_columns::unread()
    };
    assert_eq!(
        narrow,
        [(first.id, narrowed(&second)), (second.id, narrowed(&first))]
    );
}

/// Each field of `Term` with a selection under it, as the two queries below ask for it.
const TERM_FIELDS: &[&str] = &[
    "id",
    "slug",
    "name",
    "title",
    "definition",
    "definition(format: HTML)",
    "initial",
    "sections { heading anchor body(format: HTML) }",
    "tableOfContents { title anchor level }",
    "faqs { question answer(format: HTML) }",
    "relatedTerms { slug name definition }",
    "categories { slug name }",
    "aliases",
    "mentions { slug name }",
    "backlinks(first: 5) { edges { node { slug name } } }",
    "suggestedRelatedTerms(first: 5) { score term { slug } }",
    "callToAction { heading text label url }",
    "seo { title description }",
    "readingTimeMinutes",
    "status",
    "publishedAt",
    "createdAt",
    "updatedAt",
    "version",
    "revisions(first: 5) { totalCount nodes { version change } }",
];

#[tokio::test]
async fn every_term_field_reads_the_same_through_lists() {
    use glossary::auth::Role;
    use serde_json::json;

    use crate::common::{pack, spawn_app_with, term_line};

    let long_definition = "Beta is a term whose definition runs on well past the length a search \
        engine shows, so that its SEO description is cut from it on a word boundary with an ellipsis \
        at the end, which is the fallback this test reads through the related-terms list.";
    let app = spawn_app_with(&pack(&[
        term_line(
            "alpha",
            "Alpha",
            json!({"related": ["beta"], "publishedAt": "2026-01-01T00:00:00Z"}),
        ),
        term_line(
            "beta",
            "Beta",
            json!({
                "definition": long_definition,
                "categories": ["letters"],
                "aliases": ["B"],
                "sections": [{"heading": "Where it sits", "body": "Right after Alpha, before Gamma."}],
                "faqs": [{"question": "Is it second?", "answer": "It is, after *Alpha*."}],
                "related": ["gamma"],
                "callToAction": {"heading": "Read on", "text": "Gamma is next.", "label": "Go", "url": "https://example.com/gamma"},
                "seo": {"title": "Beta, the second letter"},
                "publishedAt": "2026-02-01T00:00:00Z"
            }),
        ),
        term_line(
            "gamma",
            "Gamma",
            json!({
                "categories": ["letters"],
                "sections": [{"heading": "Before it", "body": "Beta comes first."}],
                "publishedAt": "2026-03-01T00:00:00Z"
            }),
        ),
    ]))
    .await;
    let editor = app.key("editor", Role::Editor).await;

    // The test covers every field the schema gives `Term`.
    let schema = app
        .gql(r#"{ __type(name: "Term") { fields { name } } }"#, json!({}))
        .await;
    for field in schema["__type"]["fields"].as_array().unwrap() {
        let name = field["name"].as_str().unwrap();
        assert!(
            TERM_FIELDS
                .iter()
                .any(|f| f.split(['(', ' ']).next() == Some(name)),
            "Term.{name} is not in TERM_FIELDS"
        );
    }

    for field in TERM_FIELDS {
        let direct = app
            .gql_as(
                &editor,
                &format!(r#"{{ term(slug: "beta") {{ f: {field} }} }}"#),
                json!({}),
            )
            .await;
        let related = app
            .gql_as(
                &editor,
                &format!(
                    r#"{{ term(slug: "alpha") {{ relatedTerms(first: 1) {{ f: {field} }} }} }}"#
                ),
                json!({}),
            )
            .await;
        assert_eq!(
            related["term"]["relatedTerms"][0]["f"], direct["term"]["f"],
            "Term.{field} through relatedTerms"
        );
        // Through a connection, as `edges.node` and as `nodes`.
        let listed = app
            .gql_as(
                &editor,
                &format!(
                    r#"{{ terms(first: 1, filter: {{nameContains: "Beta"}}) {{
                        edges {{ cursor node {{ f: {field} }} }} nodes {{ f: {field} }} }} }}"#
                ),
                json!({}),
            )
            .await;
        assert_eq!(
            listed["terms"]["edges"][0]["node"]["f"], direct["term"]["f"],
            "Term.{field} through terms.edges.node"
        );
        assert_eq!(
            listed["terms"]["nodes"][0]["f"], direct["term"]["f"],
            "Term.{field} through terms.nodes"
        );
        // And beside the other fields, under a fragment.
        let together = app
            .gql_as(
                &editor,
                &format!(
                    r#"{{ term(slug: "alpha") {{ relatedTerms(first: 1) {{ slug ...F }} }} }}
                    fragment F on Term {{ f: {field} }}"#
                ),
                json!({}),
            )
            .await;
        assert_eq!(
            together["term"]["relatedTerms"][0]["f"], direct["term"]["f"],
            "Term.{field} through relatedTerms, in a fragment"
        );
    }
}

#[tokio::test]
async fn faq_lists_without_answers_read_the_same_questions() {
    use serde_json::json;

    use crate::common::{pack, spawn_app_with, term_line};

    let app = spawn_app_with(&pack(&[term_line(
        "delta",
        "Delta",
        json!({"faqs": [
            {"question": "Is it fourth?", "answer": "Yes, *fourth*."},
            {"question": "After what?", "answer": "Gamma."}
        ]}),
    )]))
    .await;
    let questions = app
        .gql(
            r#"{ term(slug: "delta") { faqs { __typename id position question } } }"#,
            json!({}),
        )
        .await;
    let whole = app
        .gql(
            r#"{ term(slug: "delta") { faqs { __typename id position question ...A } } }
            fragment A on Faq { answer }"#,
            json!({}),
        )
        .await;
    let faqs = whole["term"]["faqs"].as_array().unwrap();
    assert_eq!(faqs.len(), 2);
    assert_eq!(faqs[0]["answer"], "Yes, *fourth*.");
    assert_eq!(faqs[1]["answer"], "Gamma.");
    let without: Vec<_> = faqs
        .iter()
        .map(|faq| {
            let mut faq = faq.clone();
            faq.as_object_mut().unwrap().remove("answer");
            faq
        })
        .collect();
    assert_eq!(questions["term"]["faqs"], json!(without));
}

#[tokio::test]
async fn section_bodies_and_faq_answers_come_in_the_forms_asked() {
    use serde_json::json;

    use crate::common::{pack, spawn_app_with, term_line};

    let app = spawn_app_with(&pack(&[
        term_line("alpha", "Alpha", json!({})),
        term_line(
            "epsilon",
            "Epsilon",
            json!({
                "sections": [{"heading": "After Delta", "body": "It follows *Delta* and Alpha."}],
                "faqs": [{"question": "Fifth?", "answer": "Yes, **fifth**, after Alpha."}]
            }),
        ),
    ]))
    .await;
    let texts = |answer: &serde_json::Value, path: &str| -> Vec<String> {
        let mut out = Vec::new();
        for list in ["sections", "faqs"] {
            for item in answer["term"][list].as_array().unwrap() {
                out.push(item[path].as_str().unwrap().to_owned());
            }
        }
        out
    };
    let markdown = app
        .gql(
            r#"{ term(slug: "epsilon") { sections { t: body } faqs { t: answer } } }"#,
            json!({}),
        )
        .await;
    let markdown = texts(&markdown, "t");
    assert_eq!(
        markdown,
        [
            "It follows *Delta* and Alpha.",
            "Yes, **fifth**, after Alpha."
        ]
    );
    let html = app
        .gql(
            r#"{ term(slug: "epsilon") {
                sections { t: body(format: HTML) } faqs { t: answer(format: HTML) } } }"#,
            json!({}),
        )
        .await;
    let html = texts(&html, "t");
    assert!(
        html[0].starts_with("<p>It follows <em>Delta</em>"),
        "{html:?}"
    );
    assert!(html[1].contains("<strong>fifth</strong>"), "{html:?}");
    assert!(
        html.iter().all(|h| h.contains("glossary-link")),
        "cross-linked: {html:?}"
    );

    // Both forms under aliases, the format from a variable or from its default, and the same term's
    // lists asked in other forms beside them (one batch, one statement, every key served).
    let both = app
        .gql(
            r#"query($f: TextFormat!, $g: TextFormat = HTML) { term(slug: "epsilon") {
                sections { m: body h: body(format: HTML) v: body(format: $f) d: body(format: $g) }
                faqs { m: answer h: answer(format: HTML) v: answer(format: $f) d: answer(format: $g) }
                tableOfContents { title }
                mentions { slug } } }"#,
            json!({"f": "HTML"}),
        )
        .await;
    assert_eq!(texts(&both, "m"), markdown);
    assert_eq!(texts(&both, "h"), html);
    assert_eq!(texts(&both, "v"), html);
    assert_eq!(texts(&both, "d"), html);
    assert_eq!(
        both["term"]["tableOfContents"],
        json!([
            {"title": "Overview"},
            {"title": "After Delta"},
            {"title": "Frequently asked questions"}
        ])
    );
    assert_eq!(both["term"]["mentions"], json!([{"slug": "alpha"}]));
    let apart = app
        .gql(
            r#"{ a: term(slug: "epsilon") { sections { t: body(format: HTML) } faqs { t: answer(format: HTML) } }
                 b: term(slug: "epsilon") { sections { heading t: body } faqs { question t: answer } } }"#,
            json!({}),
        )
        .await;
    let as_term = |key: &str| json!({"term": apart[key].clone()});
    assert_eq!(texts(&as_term("a"), "t"), html);
    assert_eq!(texts(&as_term("b"), "t"), markdown);
}

#[tokio::test]
async fn list_definitions_come_in_the_forms_asked() {
    use serde_json::json;

    use crate::common::{pack, spawn_app_with, term_line};

    let app = spawn_app_with(&pack(&[
        term_line(
            "zeta",
            "Zeta",
            json!({"definition": "The *sixth* letter.", "related": ["eta"]}),
        ),
        term_line(
            "eta",
            "Eta",
            json!({"definition": "The **seventh** letter."}),
        ),
    ]))
    .await;
    let markdown = ["The **seventh** letter.", "The *sixth* letter."];
    let html = [
        "<p>The <strong>seventh</strong> letter.</p>",
        "<p>The <em>sixth</em> letter.</p>",
    ];
    let column = |answer: &serde_json::Value, key: &str| -> Vec<String> {
        answer["terms"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|node| node[key].as_str().unwrap().trim_end().to_owned())
            .collect()
    };
    // A list page reads only the form each selection asks: one form alone, then both under aliases,
    // from a variable and from a variable's default.
    let alone = app
        .gql(r#"{ terms { nodes { d: definition } } }"#, json!({}))
        .await;
    assert_eq!(column(&alone, "d"), markdown);
    let alone = app
        .gql(
            r#"{ terms { nodes { d: definition(format: HTML) } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(column(&alone, "d"), html);
    let both = app
        .gql(
            r#"query($f: TextFormat!, $g: TextFormat = HTML) { terms { nodes {
                m: definition h: definition(format: HTML) v: definition(format: $f)
                d: definition(format: $g) } } }"#,
            json!({"f": "MARKDOWN"}),
        )
        .await;
    assert_eq!(column(&both, "m"), markdown);
    assert_eq!(column(&both, "h"), html);
    assert_eq!(column(&both, "v"), markdown);
    assert_eq!(column(&both, "d"), html);
    // Through `relatedTerms` and `edges.node` too, the forms in other selections beside them.
    let related = app
        .gql(
            r#"{ terms(first: 1, filter: {nameContains: "Zeta"}) {
                edges { node { definition relatedTerms { definition(format: HTML) } } } } }"#,
            json!({}),
        )
        .await;
    let node = &related["terms"]["edges"][0]["node"];
    assert_eq!(node["definition"].as_str().unwrap().trim_end(), markdown[1]);
    assert_eq!(
        node["relatedTerms"][0]["definition"]
            .as_str()
            .unwrap()
            .trim_end(),
        html[0]
    );
}

/// The fields lists answer from their rows (`graphql::plain_fields`) read as their resolvers give them:
/// each field of `Section`, `Faq` and `Category`, under every list that returns them and under an alias,
/// selected alone (the plain path) and through a fragment (async-graphql's resolvers), with the HTML
/// forms, which always take the resolvers, beside them. `Term`'s fields are read through its lists in
/// `every_term_field_reads_the_same_through_lists`.
#[tokio::test]
async fn plain_list_fields_read_as_their_resolvers_give_them() {
    use glossary::auth::Role;
    use serde_json::json;

    use crate::common::{pack, spawn_app_with, term_line};

    let app = spawn_app_with(&pack(&[
        term_line(
            "alpha",
            "Alpha",
            json!({"categories": ["letters", "greek"]}),
        ),
        term_line(
            "zeta",
            "Zeta",
            json!({
                "categories": ["letters"],
                "related": ["alpha"],
                "sections": [
                    {"heading": "Sixth", "body": "It comes after *Alpha* and others."},
                    {"heading": "Shape", "body": "- a line\n- another"}
                ],
                "faqs": [
                    {"question": "Sixth?", "answer": "Yes, after **Alpha**."},
                    {"question": "Then?", "answer": "Eta."}
                ]
            }),
        ),
    ]))
    .await;
    let editor = app.key("editor", Role::Editor).await;
    let letters = app
        .gql(r#"{ category(slug: "letters") { id } }"#, json!({}))
        .await;
    let described = app
        .gql_as(
            &editor,
            r#"mutation($id: ID!) { updateCategory(input: {id: $id, description: "A, B and the rest."})
                { userErrors { code } } }"#,
            json!({"id": letters["category"]["id"]}),
        )
        .await;
    assert_eq!(described["updateCategory"]["userErrors"], json!([]));

    // (type, the list's path in a query, each field of the type)
    let lists: [(&str, &str, &[&str]); 5] = [
        (
            "Section",
            r#"term(slug: "zeta") { sections"#,
            &[
                "__typename",
                "id",
                "position",
                "heading",
                "anchor",
                "body",
                "body(format: MARKDOWN)",
                "body(format: HTML)",
            ],
        ),
        (
            "Faq",
            r#"term(slug: "zeta") { faqs"#,
            &[
                "__typename",
                "id",
                "position",
                "question",
                "answer",
                "answer(format: MARKDOWN)",
                "answer(format: HTML)",
            ],
        ),
        (
            "Category",
            r#"term(slug: "zeta") { categories"#,
            &["__typename", "id", "slug", "name", "description"],
        ),
        (
            "Category",
            "categories",
            &["__typename", "id", "slug", "name", "description"],
        ),
        (
            "Term",
            r#"suggest(prefix: "a")"#,
            &[
                "__typename",
                "id",
                "slug",
                "name",
                "title",
                "initial",
                "definition",
                "definition(format: HTML)",
            ],
        ),
    ];
    // The schema's fields of each type are all listed (`Category.terms` is no plain field).
    for (type_name, _, fields) in &lists[..3] {
        let schema = app
            .gql(
                &format!(r#"{{ __type(name: "{type_name}") {{ fields {{ name }} }} }}"#),
                json!({}),
            )
            .await;
        for field in schema["__type"]["fields"].as_array().unwrap() {
            let name = field["name"].as_str().unwrap();
            assert!(
                name == "terms" || fields.iter().any(|f| f.split('(').next() == Some(name)),
                "{type_name}.{name} is not listed"
            );
        }
    }
    for (type_name, list, fields) in lists {
        // The list's path closes with as many braces as it opens.
        let close = "}".repeat(list.matches('{').count() - list.matches('}').count());
        let all = fields
            .iter()
            .enumerate()
            .map(|(at, field)| format!("f{at}: {field}"))
            .collect::<Vec<_>>()
            .join(" ");
        let plain = app
            .gql(
                &format!("{{ {list} {{ {all} {all} }} {close} }}"),
                json!({}),
            )
            .await;
        let resolved = app
            .gql(
                &format!("{{ {list} {{ ...F }} {close} }} fragment F on {type_name} {{ {all} }}"),
                json!({}),
            )
            .await;
        assert_eq!(plain, resolved, "{type_name} through {list}");
        // The list, under its one field or two.
        let mut items = &plain;
        while let Some(object) = items.as_object() {
            items = object.values().next().unwrap();
        }
        let items = items.as_array().unwrap();
        assert!(!items.is_empty(), "{type_name} through {list}: {plain}");
        assert_eq!(items[0]["f0"], type_name);
    }
    // The texts themselves, so that both paths cannot agree on nothing.
    let page = app
        .gql(
            r#"{ term(slug: "zeta") { sections { heading body } faqs { question answer }
                categories { slug description } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        page["term"]["sections"][0],
        json!({"heading": "Sixth", "body": "It comes after *Alpha* and others."})
    );
    assert_eq!(
        page["term"]["faqs"][1],
        json!({"question": "Then?", "answer": "Eta."})
    );
    assert_eq!(
        page["term"]["categories"],
        json!([{"slug": "letters", "description": "A, B and the rest."}])
    );
}
