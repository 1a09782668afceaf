//! Keeps the full-text index (`term_search`, see the migration that creates it) in step with the terms:
//! a term's aliases are indexed with its name (the name's weight, and name matches rank first), and
//! every write that creates or changes a term's text rewrites its index row inside the same transaction,
//! a deleted term's row goes with it, and rows missing for terms stored before the index existed are
//! written at start-up (`bulk::index_missing`).

use sea_orm::{ConnectionTrait, DbBackend};

use super::{
    pack::TermDocument,
    search_text::{folded_words, markdown_text},
    sql_binds::Binds,
};
use crate::error::Result;

/// Terms per multi-row statement: nine values a row on PostgreSQL, far below every bind limit.
const TERMS_PER_STATEMENT: usize = 200;

/// One term's row: its text as a reader sees it.
struct IndexRow {
    id: i64,
    /// The name alone (what `term_search_name` folds).
    name: String,
    /// The name and its aliases, a line each: what search matches with the name's weight.
    names: String,
    title: String,
    definition: String,
    body: String,
}

impl IndexRow {
    fn of(id: i64, document: &TermDocument) -> Self {
        let mut body = String::new();
        for section in &document.sections {
            body.push_str(&section.heading);
            body.push('\n');
            body.push_str(&markdown_text(&section.body));
            body.push('\n');
        }
        for faq in &document.faqs {
            body.push_str(&faq.question);
            body.push('\n');
            body.push_str(&markdown_text(&faq.answer));
            body.push('\n');
        }
        let mut names = document.name.clone();
        for alias in &document.aliases {
            names.push('\n');
            names.push_str(alias);
        }
        Self {
            id,
            name: document.name.clone(),
            names,
            title: document.title.clone(),
            definition: markdown_text(&document.definition),
            body,
        }
    }
}

/// Rewrites the index rows of `terms` (id and document as stored). Call inside the write's transaction.
pub async fn write(db: &impl ConnectionTrait, terms: &[(i64, &TermDocument)]) -> Result<()> {
    let ids: Vec<i64> = terms.iter().map(|(id, _)| *id).collect();
    remove(db, &ids).await?;
    let backend = db.get_database_backend();
    for chunk in terms.chunks(TERMS_PER_STATEMENT) {
        let rows: Vec<IndexRow> = chunk
            .iter()
            .map(|(id, document)| IndexRow::of(*id, document))
            .collect();
        let mut binds = Binds::new(backend);
        let tuples: Vec<String> = rows
            .iter()
            .map(|row| {
                let stored = [
                    binds.push(row.id),
                    binds.push(row.names.as_str()),
                    binds.push(row.title.as_str()),
                    binds.push(row.definition.as_str()),
                    binds.push(row.body.as_str()),
                ]
                .join(", ");
                if backend != DbBackend::Postgres {
                    return format!("({stored})");
                }
                let [name, title, definition, body] =
                    [&row.names, &row.title, &row.definition, &row.body]
                        .map(|text| binds.push(folded_words(text)));
                format!(
                    "({stored}, \
                     setweight(to_tsvector('simple', {name}), 'A') || \
                     setweight(to_tsvector('simple', {title}), 'B') || \
                     setweight(to_tsvector('simple', {definition}), 'C') || \
                     setweight(to_tsvector('simple', {body}), 'D'), \
                     to_tsvector('simple', {name}))"
                )
            })
            .collect();
        let (key, vectors) = match backend {
            DbBackend::Postgres => ("term_id", ", document, name_document"),
            _ => ("rowid", ""),
        };
        let sql = format!(
            "INSERT INTO term_search ({key}, name, title, definition, body{vectors}) VALUES {}",
            tuples.join(", ")
        );
        db.execute_raw(binds.statement(sql)).await?;

        insert_names(
            db,
            "term_search_name (term_id, folded_name)",
            rows.iter().map(|row| (row.id, folded_words(&row.name))),
        )
        .await?;
        if backend != DbBackend::Postgres {
            insert_names(
                db,
                "term_search_name_words (rowid, name)",
                rows.iter().map(|row| (row.id, row.names.clone())),
            )
            .await?;
        }
    }
    Ok(())
}

/// Inserts `(term id, text)` rows into `target` (a table and its two columns), in one statement.
async fn insert_names(
    db: &impl ConnectionTrait,
    target: &str,
    rows: impl Iterator<Item = (i64, String)>,
) -> Result<()> {
    let mut binds = Binds::new(db.get_database_backend());
    let tuples: Vec<String> = rows
        .map(|(id, text)| format!("({}, {})", binds.push(id), binds.push(text)))
        .collect();
    let sql = format!("INSERT INTO {target} VALUES {}", tuples.join(", "));
    db.execute_raw(binds.statement(sql)).await?;
    Ok(())
}

/// Removes the index rows of `ids` (terms deleted, or about to be rewritten). Call inside the write's
/// transaction; on PostgreSQL deleting a term removes its row by itself too.
pub async fn remove(db: &impl ConnectionTrait, ids: &[i64]) -> Result<()> {
    let backend = db.get_database_backend();
    let tables: &[(&str, &str)] = match backend {
        DbBackend::Postgres => &[("term_search", "term_id"), ("term_search_name", "term_id")],
        _ => &[
            ("term_search", "rowid"),
            ("term_search_name", "term_id"),
            ("term_search_name_words", "rowid"),
        ],
    };
    for chunk in ids.chunks(TERMS_PER_STATEMENT * 5) {
        for (table, key) in tables {
            let mut binds = Binds::new(backend);
            let list: Vec<String> = chunk.iter().map(|id| binds.push(*id)).collect();
            let sql = format!("DELETE FROM {table} WHERE {key} IN ({})", list.join(", "));
            db.execute_raw(binds.statement(sql)).await?;
        }
    }
    Ok(())
}
