//! Related terms an editor might add: published terms that share categories with a term or are linked
//! with it by automatic cross-links, either way, and are not related to it yet.
//!
//! Score: one point per shared category, two when the term's text mentions the candidate, two when the
//! candidate's text mentions the term. Highest first, then by name.

use std::collections::HashMap;

use entity::{term, term_relation};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::{
    aliases,
    linking::{self, CurrentLinker},
    sql_binds::Binds,
    terms,
    visibility::Visibility,
};
use crate::error::Result;

/// Points for a mention, either way.
const MENTION_POINTS: i64 = 2;

/// How many of the terms mentioning a term are weighed.
const BACKLINKS_WEIGHED: usize = 200;

/// One suggested related term and why.
#[derive(Clone, Debug)]
pub struct Suggestion {
    /// The term suggested.
    pub term: term::Model,
    /// Its score: higher first.
    pub score: i64,
    /// Categories it shares with the term.
    pub shared_categories: i64,
    /// The term's text mentions it.
    pub mentioned_by_term: bool,
    /// Its text mentions the term.
    pub mentions_term: bool,
}

/// The other terms in `term_id`'s categories, with how many categories each shares. One SQL statement.
async fn sharing_categories(db: &impl ConnectionTrait, term_id: i64) -> Result<Vec<(i64, i64)>> {
    let mut binds = Binds::new(db.get_database_backend());
    let sql = format!(
        "SELECT other.term_id, COUNT(*) FROM term_category mine \
         JOIN term_category other ON other.category_id = mine.category_id \
         WHERE mine.term_id = {} AND other.term_id <> mine.term_id GROUP BY other.term_id",
        binds.push(term_id)
    );
    db.query_all_raw(binds.statement(sql))
        .await?
        .iter()
        .map(|row| Ok((row.try_get_by_index(0)?, row.try_get_by_index(1)?)))
        .collect()
}

/// Up to `limit` suggested related terms for `of` (in any status), best first.
pub async fn suggest(
    db: &impl ConnectionTrait,
    linker: &CurrentLinker,
    of: &term::Model,
    limit: usize,
) -> Result<Vec<Suggestion>> {
    let mut scores: HashMap<i64, (i64, bool, bool)> = HashMap::new();
    for (other, shared) in sharing_categories(db, of.id).await? {
        scores.entry(other).or_default().0 = shared;
    }
    let texts = linking::rendered_texts(db, &[of.id]).await?;
    let own_texts = texts.get(&of.id).map(Vec::as_slice).unwrap_or_default();
    for mentioned in linker.mentions(own_texts.iter().map(String::as_str), of.id) {
        scores.entry(mentioned).or_default().1 = true;
    }
    let public = Visibility::public();
    if public.admits(of) {
        let mut names = vec![of.name.clone()];
        names.extend(
            aliases::by_term_ids(db, &[of.id])
                .await?
                .into_iter()
                .map(|(_, alias)| alias),
        );
        let page = linking::backlinks(db, linker, of.id, &names, 0, BACKLINKS_WEIGHED).await?;
        for (_, row) in page.terms {
            scores.entry(row.id).or_default().2 = true;
        }
    }
    let related: Vec<i64> = term_relation::Entity::find()
        .select_only()
        .column(term_relation::Column::RelatedTermId)
        .filter(term_relation::Column::TermId.eq(of.id))
        .into_tuple()
        .all(db)
        .await?;
    scores.remove(&of.id);
    for id in related {
        scores.remove(&id);
    }
    let ids: Vec<i64> = scores.keys().copied().collect();
    let mut suggestions: Vec<Suggestion> = terms::by_ids(db, public, &ids)
        .await?
        .into_iter()
        .map(|term| {
            let (shared, mentioned_by_term, mentions_term) = scores[&term.id];
            Suggestion {
                score: shared
                    + MENTION_POINTS * i64::from(mentioned_by_term)
                    + MENTION_POINTS * i64::from(mentions_term),
                shared_categories: shared,
                mentioned_by_term,
                mentions_term,
                term,
            }
        })
        .collect();
    suggestions.sort_by(|a, b| {
        (b.score.cmp(&a.score))
            .then_with(|| a.term.sort_key.cmp(&b.term.sort_key))
            .then_with(|| a.term.id.cmp(&b.term.id))
    });
    suggestions.truncate(limit);
    Ok(suggestions)
}
