//! The list statements of a term page read what they need from indexes: a page's FAQ questions, its
//! related-term links and the related terms' names come from covering indexes alone, with no lookup of
//! the table row behind each entry (migrations `m20261128_000009_covering_list_indexes` and
//! `m20261130_000010_related_term_names_index`). The plans are SQLite's, read with
//! `EXPLAIN QUERY PLAN` over the statements the data layer builds, after an import has refreshed the
//! planner's statistics; PostgreSQL picks index-only scans by table size and visibility, which a test
//! database of a few rows does not show.

use entity::term;
use glossary::content::{
    faqs, relations, sql_binds::Parents, term_columns::ColumnSet, text_forms::TextForms,
    visibility::Visibility,
};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::common::{on_postgres, pack, spawn_app_with, term_line};

/// SQLite's plan for `statement`: the `detail` column of each step, one per line.
async fn plan(db: &impl ConnectionTrait, statement: Statement) -> String {
    let explain = Statement::from_sql_and_values(
        statement.db_backend,
        format!("EXPLAIN QUERY PLAN {}", statement.sql),
        statement.values.map(|values| values.0).unwrap_or_default(),
    );
    db.query_all_raw(explain)
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<String>("", "detail").unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn questions_and_related_links_come_from_covering_indexes() {
    if on_postgres() {
        eprintln!("questions_and_related_links_come_from_covering_indexes: SQLite's plans only");
        return;
    }
    let app = spawn_app_with(&pack(&[
        term_line(
            "theta",
            "Theta",
            json!({
                "related": ["iota"],
                "faqs": [{"question": "Eighth?", "answer": "Yes."}, {"question": "Greek?", "answer": "Yes."}]
            }),
        ),
        term_line("iota", "Iota", json!({"related": ["theta"]})),
    ]))
    .await;
    let db = app.db();
    let backend = db.get_database_backend();
    let ids = [1, 2];
    let slugs = ["theta".to_owned(), "iota".to_owned()];

    // The same plans whether a batch names its terms by id or, for a term page, by slug (then the
    // ids come from the slug's unique index first).
    for parents in [Parents::Ids(&ids), Parents::Slugs(&slugs)] {
        let questions = plan(
            db,
            faqs::list_statement(backend, parents, TextForms::NONE).0,
        )
        .await;
        assert!(
            questions.contains("COVERING INDEX idx_faq_term_position_question"),
            "FAQ questions by {parents:?}: {questions}"
        );
        // Answers live in the table: reading them takes the rows, through an index on the term.
        let answers = plan(
            db,
            faqs::list_statement(backend, parents, TextForms::MARKDOWN).0,
        )
        .await;
        assert!(
            !answers.contains("COVERING INDEX idx_faq"),
            "FAQ answers by {parents:?}: {answers}"
        );
        assert!(
            answers.contains("USING INDEX"),
            "FAQ answers by {parents:?}: {answers}"
        );

        let related = plan(
            db,
            relations::related_statement(backend, Visibility::public(), parents, ColumnSet::ALL).0,
        )
        .await;
        assert!(
            related.contains("COVERING INDEX idx_term_relation_term_position_related"),
            "related terms by {parents:?}: {related}"
        );
        assert!(
            related.contains("INTEGER PRIMARY KEY"),
            "each related term by its id, by {parents:?}: {related}"
        );
        // What a page shows of a related term, its slug and name, comes from an index by id that also
        // holds its visibility: no table row (migration `m20261130_000010_related_term_names_index`).
        let names = plan(
            db,
            relations::related_statement(
                backend,
                Visibility::public(),
                parents,
                ColumnSet::of(&[term::Column::Slug, term::Column::Name]),
            )
            .0,
        )
        .await;
        assert!(
            names.contains("COVERING INDEX idx_term_relation_term_position_related")
                && names.contains("COVERING INDEX idx_term_id_visibility_slug_name"),
            "related terms' names by {parents:?}: {names}"
        );
        if let Parents::Slugs(_) = parents {
            for plan in [&questions, &answers, &related] {
                assert!(
                    !plan.contains("SCAN parent") && plan.contains("SEARCH parent USING"),
                    "the terms found by their slug's index: {plan}"
                );
            }
        }
    }
}
