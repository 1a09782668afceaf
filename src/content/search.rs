//! Reading the full-text index: ranked search with snippets, terms by folded name, and the phrase
//! candidates of backlinks. Search filters through the visibility rule, so anonymous readers only
//! ever find published terms; the index itself is written by `search_index`. Suggestions are answered
//! from memory ([`super::suggestions`]).
//!
//! Ranking: terms whose name or an alias holds every word come first, then by the engine's relevance
//! (SQLite's BM25 with the name and aliases weighted 10, the title 4, the definition 2 and the body 1;
//! PostgreSQL's `ts_rank_cd` over the same four weights), then by name. Scores compare hits of one search on one
//! engine, not across engines.

use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};

use super::{
    search_text::{QueryWords, lead, snippet},
    sql_binds::Binds,
    visibility::Visibility,
};
use crate::error::Result;

/// One search hit: a term, its score and a snippet of its text.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchHit {
    /// The term's id.
    pub term_id: i64,
    /// Relevance within this search: higher is better.
    pub score: f64,
    /// HTML: a passage with the matched words in `<mark>`, the rest escaped.
    pub snippet: String,
}

/// A row limit or offset as a bind value.
fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The hits of `query` from `offset`, at most `limit`. One SQL statement; none for a query without
/// words.
pub async fn search(
    db: &impl ConnectionTrait,
    visibility: Visibility,
    query: &QueryWords,
    offset: u64,
    limit: u64,
) -> Result<Vec<SearchHit>> {
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let mut binds = Binds::new(backend);
    let sql = match backend {
        DbBackend::Postgres => {
            let q = binds.push(query.tsquery());
            let condition = visibility.sql_condition(&mut binds);
            let (limit, offset) = (binds.push(count(limit)), binds.push(count(offset)));
            format!(
                "SELECT term_search.term_id, ts_rank_cd(term_search.document, q)::float8 AS score, \
                 term_search.name, term_search.title, term_search.definition, term_search.body \
                 FROM term_search JOIN term ON term.id = term_search.term_id \
                 CROSS JOIN to_tsquery('simple', {q}) AS q \
                 WHERE term_search.document @@ q AND {condition} \
                 ORDER BY (term_search.name_document @@ q) DESC, score DESC, term.sort_key, term.id \
                 LIMIT {limit} OFFSET {offset}"
            )
        }
        _ => {
            let name_match = binds.push(query.fts5());
            let all_match = binds.push(query.fts5());
            let condition = visibility.sql_condition(&mut binds);
            let (limit, offset) = (binds.push(count(limit)), binds.push(count(offset)));
            // CROSS JOIN keeps the index the outer loop, as MATCH and bm25() need.
            format!(
                "SELECT term_search.rowid, -bm25(term_search, 10.0, 4.0, 2.0, 1.0) AS score, \
                 term_search.name, term_search.title, term_search.definition, term_search.body, \
                 term_search.rowid IN (SELECT rowid FROM term_search_name_words \
                 WHERE term_search_name_words MATCH {name_match}) AS name_hit \
                 FROM term_search CROSS JOIN term ON term.id = term_search.rowid \
                 WHERE term_search MATCH {all_match} AND {condition} \
                 ORDER BY name_hit DESC, score DESC, term.sort_key, term.id \
                 LIMIT {limit} OFFSET {offset}"
            )
        }
    };
    let rows = db.query_all_raw(binds.statement(sql)).await?;
    rows.iter().map(|row| hit(row, query)).collect()
}

fn hit(row: &QueryResult, query: &QueryWords) -> Result<SearchHit> {
    let term_id: i64 = row.try_get_by_index(0)?;
    let score: f64 = row.try_get_by_index(1)?;
    let title: String = row.try_get_by_index(3)?;
    let definition: String = row.try_get_by_index(4)?;
    let body: String = row.try_get_by_index(5)?;
    let snippet =
        snippet(&[&definition, &body, &title], query).unwrap_or_else(|| lead(&definition));
    Ok(SearchHit {
        term_id,
        score,
        snippet,
    })
}

/// The terms (any status) whose folded name is one of `folded` (each as [`super::search_text::folded_words`]
/// makes it), by folded name. One SQL statement; none when `folded` is empty.
pub async fn terms_named(
    db: &impl ConnectionTrait,
    folded: &[String],
) -> Result<std::collections::HashMap<String, Vec<i64>>> {
    let mut named: std::collections::HashMap<String, Vec<i64>> = Default::default();
    if folded.is_empty() {
        return Ok(named);
    }
    let mut binds = Binds::new(db.get_database_backend());
    let list: Vec<String> = folded
        .iter()
        .map(|name| binds.push(name.as_str()))
        .collect();
    let sql = format!(
        "SELECT folded_name, term_id FROM term_search_name WHERE folded_name IN ({}) \
         ORDER BY folded_name, term_id",
        list.join(", ")
    );
    for row in db.query_all_raw(binds.statement(sql)).await? {
        let name: String = row.try_get_by_index(0)?;
        named
            .entry(name)
            .or_default()
            .push(row.try_get_by_index(1)?);
    }
    Ok(named)
}

/// Names (folded) that more than one term has, each with those terms' ids, by name; at most `limit`
/// names. One SQL statement.
pub async fn duplicate_names(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<Vec<i64>>> {
    let mut binds = Binds::new(db.get_database_backend());
    let sql = format!(
        "SELECT folded_name FROM term_search_name GROUP BY folded_name HAVING COUNT(*) > 1 \
         ORDER BY folded_name LIMIT {}",
        binds.push(count(limit))
    );
    let names: Vec<String> = db
        .query_all_raw(binds.statement(sql))
        .await?
        .iter()
        .map(|row| row.try_get_by_index(0))
        .collect::<std::result::Result<_, _>>()?;
    let named = terms_named(db, &names).await?;
    Ok(names
        .iter()
        .filter_map(|name| named.get(name).cloned())
        .collect())
}

/// The terms visible under `visibility`, other than `except`, whose sections or FAQs hold one of
/// `names` as a phrase (words in order, folded as search folds them): the candidates that may mention
/// a term by one of its names, a superset of those that do. In name order, from `offset`, at most
/// `limit`. One SQL statement; none without names.
pub async fn phrase_candidates(
    db: &impl ConnectionTrait,
    visibility: Visibility,
    names: &[String],
    except: i64,
    offset: u64,
    limit: u64,
) -> Result<Vec<i64>> {
    let phrases: Vec<Vec<String>> = names
        .iter()
        .map(|name| super::search_text::words(name).collect::<Vec<_>>())
        .filter(|words| !words.is_empty())
        .collect();
    if phrases.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let mut binds = Binds::new(backend);
    let sql = match backend {
        DbBackend::Postgres => {
            let queries: Vec<String> = phrases
                .iter()
                .map(|words| {
                    format!(
                        "phraseto_tsquery('simple', {})",
                        binds.push(words.join(" "))
                    )
                })
                .collect();
            format!(
                "SELECT term.id FROM term_search JOIN term ON term.id = term_search.term_id \
                 WHERE term_search.document @@ ({}) AND term.id <> {} AND {} \
                 ORDER BY term.sort_key, term.id LIMIT {} OFFSET {}",
                queries.join(" || "),
                binds.push(except),
                visibility.sql_condition(&mut binds),
                binds.push(count(limit)),
                binds.push(count(offset)),
            )
        }
        _ => {
            // Folded words hold letters and digits only, so each quoted phrase is taken literally.
            let quoted: Vec<String> = phrases
                .iter()
                .map(|words| format!("\"{}\"", words.join(" ")))
                .collect();
            format!(
                "SELECT term.id FROM term_search CROSS JOIN term ON term.id = term_search.rowid \
                 WHERE term_search MATCH {} AND term.id <> {} AND {} \
                 ORDER BY term.sort_key, term.id LIMIT {} OFFSET {}",
                binds.push(format!("body : ({})", quoted.join(" OR "))),
                binds.push(except),
                visibility.sql_condition(&mut binds),
                binds.push(count(limit)),
                binds.push(count(offset)),
            )
        }
    };
    db.query_all_raw(binds.statement(sql))
        .await?
        .iter()
        .map(|row| Ok(row.try_get_by_index(0)?))
        .collect()
}

/// Every term's folded name (any status). One SQL statement.
pub async fn all_folded_names(
    db: &impl ConnectionTrait,
) -> Result<std::collections::HashSet<String>> {
    let statement = Statement::from_string(
        db.get_database_backend(),
        "SELECT folded_name FROM term_search_name",
    );
    db.query_all_raw(statement)
        .await?
        .iter()
        .map(|row| Ok(row.try_get_by_index(0)?))
        .collect()
}
