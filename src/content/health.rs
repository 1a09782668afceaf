//! The content health report for editors: terms missing parts of a good page, names two terms share,
//! related links that readers cannot follow, and names the text uses that no term has yet.
//!
//! Every term counts, in any status: a draft with no FAQs is worth fixing before it is published.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{term, term_name_alias, term_slug_alias};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder, QuerySelect};

use super::{linking, search, search_text::folded_words, sql_binds::Binds, visibility::Visibility};
use crate::error::Result;

/// A definition shorter than this many characters is "very short".
pub const SHORT_DEFINITION_CHARS: i64 = 40;

/// Terms read per statement while scanning texts for names that are not terms.
const TERMS_PER_SCAN: usize = 500;

/// The longest phrase taken as a possible term name, in characters and in words.
const CANDIDATE_MAX_CHARS: usize = 60;
const CANDIDATE_MAX_WORDS: usize = 5;

/// Some terms of a list, and how many the whole list holds.
#[derive(Clone, Debug, Default)]
pub struct TermIds {
    /// How many terms the list holds.
    pub total: u64,
    /// The first of them, by name.
    pub ids: Vec<i64>,
}

/// A related link to a term readers cannot see.
#[derive(Clone, Copy, Debug)]
pub struct HiddenRelation {
    /// The term that lists it.
    pub term_id: i64,
    /// The related term: a draft, archived, or scheduled for later.
    pub related_term_id: i64,
}

/// A name the text uses that no term has (as name or alias): a candidate for a new entry.
#[derive(Clone, Debug)]
pub struct MissingName {
    /// The name as first written.
    pub name: String,
    /// The terms whose text uses it, by id.
    pub mentioned_by: Vec<i64>,
}

/// Which terms lack a part of their page. The condition is SQL over `term`.
#[derive(Clone, Copy, Debug)]
pub enum Lack {
    /// No FAQ entry.
    Faqs,
    /// No related term.
    RelatedTerms,
    /// No body section.
    Sections,
    /// A definition under [`SHORT_DEFINITION_CHARS`].
    LongDefinition,
}

impl Lack {
    fn condition(self, binds: &mut Binds) -> String {
        match self {
            Lack::Faqs => "NOT EXISTS (SELECT 1 FROM faq WHERE faq.term_id = term.id)".to_owned(),
            Lack::RelatedTerms => {
                "NOT EXISTS (SELECT 1 FROM term_relation r WHERE r.term_id = term.id)".to_owned()
            }
            Lack::Sections => {
                "NOT EXISTS (SELECT 1 FROM section WHERE section.term_id = term.id)".to_owned()
            }
            Lack::LongDefinition => format!(
                "LENGTH(term.definition) < {}",
                binds.push(SHORT_DEFINITION_CHARS)
            ),
        }
    }
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The terms that lack `lack`, the first `limit` by name, and how many. One SQL statement.
pub async fn lacking(db: &impl ConnectionTrait, lack: Lack, limit: usize) -> Result<TermIds> {
    let mut binds = Binds::new(db.get_database_backend());
    let condition = lack.condition(&mut binds);
    // The count rides on the page (a window over every matching row), or comes alone for an empty page.
    let sql = format!(
        "SELECT term.id, COUNT(*) OVER () FROM term WHERE {condition} \
         ORDER BY term.sort_key, term.id LIMIT {}",
        binds.push(count(limit.max(1)))
    );
    let rows = db.query_all_raw(binds.statement(sql)).await?;
    let mut list = TermIds::default();
    for row in rows {
        list.total = row.try_get_by_index::<i64>(1)? as u64;
        list.ids.push(row.try_get_by_index(0)?);
    }
    list.ids.truncate(limit);
    Ok(list)
}

/// Related links to terms that readers cannot see at `now`, by the listing term's name, the first
/// `limit`, and how many. One SQL statement.
pub async fn hidden_relations(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<(u64, Vec<HiddenRelation>)> {
    let mut binds = Binds::new(db.get_database_backend());
    // `term` is the related term here: the visibility rule is written over that name.
    let visible = Visibility::Public { now }.sql_condition(&mut binds);
    let sql = format!(
        "SELECT r.term_id, r.related_term_id, COUNT(*) OVER () FROM term_relation r \
         JOIN term ON term.id = r.related_term_id JOIN term source ON source.id = r.term_id \
         WHERE NOT ({visible}) ORDER BY source.sort_key, source.id, r.position LIMIT {}",
        binds.push(count(limit.max(1)))
    );
    let mut total = 0;
    let mut found = Vec::new();
    for row in db.query_all_raw(binds.statement(sql)).await? {
        total = row.try_get_by_index::<i64>(2)? as u64;
        found.push(HiddenRelation {
            term_id: row.try_get_by_index(0)?,
            related_term_id: row.try_get_by_index(1)?,
        });
    }
    found.truncate(limit);
    Ok((total, found))
}

/// Names more than one term has (compared as search folds them), the first `limit` by name, each
/// with its terms' ids. Two SQL statements.
pub async fn duplicate_names(db: &impl ConnectionTrait, limit: usize) -> Result<Vec<Vec<i64>>> {
    search::duplicate_names(db, limit as u64).await
}

/// What the texts of one term offer as names: emphasised phrases (`<strong>`, `<em>`) and the text of
/// links under `href_prefix` (to a term page) with the slug they point at.
fn offered_names<'a>(html: &'a str, href_prefix: &str, out: &mut Vec<(String, Option<&'a str>)>) {
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open..];
        let Some(tag_end) = rest.find('>') else {
            return;
        };
        let tag = &rest[..=tag_end];
        let name: String = tag[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let after = &rest[tag_end + 1..];
        let slug = match name.as_str() {
            "strong" | "em" | "b" | "i" => None,
            "a" => {
                let Some(href) = attribute(tag, "href") else {
                    rest = after;
                    continue;
                };
                let Some(path) = href.strip_prefix(href_prefix) else {
                    rest = after;
                    continue;
                };
                Some(path.split(['#', '?', '/']).next().unwrap_or_default())
            }
            _ => {
                rest = after;
                continue;
            }
        };
        let close = format!("</{name}>");
        let Some(end) = after.find(&close) else {
            rest = after;
            continue;
        };
        out.push((plain_text(&after[..end]), slug));
        rest = &after[end + close.len()..];
    }
}

/// The value of attribute `name` in a start tag written by the Markdown renderer (double quotes).
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[start..].find('"')?;
    Some(&tag[start..start + end])
}

/// Text without tags, with the character references the renderer writes decoded.
fn plain_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a phrase could be a term's name: a letter in it, not too long.
fn could_be_a_name(text: &str) -> bool {
    text.chars().count() <= CANDIDATE_MAX_CHARS
        && text.split_whitespace().count() <= CANDIDATE_MAX_WORDS
        && text.chars().any(char::is_alphabetic)
}

/// Names the texts of terms use that no term has yet: phrases in bold or italics, and the text of
/// links to term pages (under `href_prefix`) whose slug no term has, current or old. Most used first
/// (by how many terms use them), then by name; at most `limit`. Reads every term's texts, a few
/// hundred terms per statement.
pub async fn missing_names(
    db: &impl ConnectionTrait,
    href_prefix: &str,
    limit: usize,
) -> Result<Vec<MissingName>> {
    let mut known_names: HashSet<String> = search::all_folded_names(db).await?;
    let aliases: Vec<String> = term_name_alias::Entity::find()
        .select_only()
        .column(term_name_alias::Column::Alias)
        .into_tuple()
        .all(db)
        .await?;
    known_names.extend(aliases.iter().map(|alias| folded_words(alias)));
    let ids: Vec<(i64, String)> = term::Entity::find()
        .select_only()
        .columns([term::Column::Id, term::Column::Slug])
        .order_by_asc(term::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut known_slugs: HashSet<String> = ids.iter().map(|(_, slug)| slug.clone()).collect();
    let old_slugs: Vec<String> = term_slug_alias::Entity::find()
        .select_only()
        .column(term_slug_alias::Column::Slug)
        .into_tuple()
        .all(db)
        .await?;
    known_slugs.extend(old_slugs);

    let mut found: HashMap<String, MissingName> = HashMap::new();
    let ids: Vec<i64> = ids.into_iter().map(|(id, _)| id).collect();
    for chunk in ids.chunks(TERMS_PER_SCAN) {
        let texts = linking::rendered_texts(db, chunk).await?;
        for (term_id, texts) in texts {
            let mut offered = Vec::new();
            for text in &texts {
                offered_names(text, href_prefix, &mut offered);
            }
            for (name, slug) in offered {
                if !could_be_a_name(&name) || slug.is_some_and(|slug| known_slugs.contains(slug)) {
                    continue;
                }
                let key = folded_words(&name);
                if key.is_empty() || known_names.contains(&key) {
                    continue;
                }
                let entry = found.entry(key).or_insert_with(|| MissingName {
                    name,
                    mentioned_by: Vec::new(),
                });
                if !entry.mentioned_by.contains(&term_id) {
                    entry.mentioned_by.push(term_id);
                }
            }
        }
    }
    let mut missing: Vec<MissingName> = found.into_values().collect();
    for name in &mut missing {
        name.mentioned_by.sort_unstable();
    }
    missing.sort_by(|a, b| {
        (b.mentioned_by.len().cmp(&a.mentioned_by.len()))
            .then_with(|| folded_words(&a.name).cmp(&folded_words(&b.name)))
    });
    missing.truncate(limit);
    Ok(missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emphasis_and_term_links_offer_names() {
        let mut offered = Vec::new();
        offered_names(
            "<p>A <strong>service mesh</strong> and <em>R&amp;D <code>x</code></em>; \
             <a href=\"/terms/sidecar#top\">the sidecar</a>, <a href=\"https://example.com\">web</a>.</p>",
            "/terms/",
            &mut offered,
        );
        assert_eq!(
            offered,
            [
                ("service mesh".to_owned(), None),
                ("R&D x".to_owned(), None),
                ("the sidecar".to_owned(), Some("sidecar")),
            ]
        );
    }

    #[test]
    fn only_short_phrases_with_letters_could_be_names() {
        assert!(could_be_a_name("service mesh"));
        assert!(!could_be_a_name("2024"));
        assert!(!could_be_a_name("one two three four five six"));
    }
}
