//! Query fields for finding terms: full-text `search` and `suggest` for search-as-you-type.

use async_graphql::{Context, Object, Result};
use sea_orm::DatabaseConnection;

use crate::{
    auth::Role,
    content::{search, search_text::QueryWords, terms, visibility::Visibility},
    error::Error,
    graphql::{
        cursor::{self, PositionList},
        guards,
        plain_fields::PlainList,
        public_names,
        types::{
            connection::PageInfo,
            search::{SearchConnection, SearchEdge, SearchHit},
            term::Term,
        },
    },
    paging,
};

/// The longest query or prefix taken, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// How deep search results can be paged: hits past this position are not served.
pub const MAX_SEARCH_DEPTH: usize = 1_000;

/// Suggestions returned when `first` is omitted.
const DEFAULT_SUGGESTIONS: usize = 10;

/// The most suggestions one request gets.
const MAX_SUGGESTIONS: usize = 20;

/// Query fields for finding terms.
#[derive(Default)]
pub struct SearchQuery;

/// A query or prefix argument, checked for length.
fn checked_text<'a>(text: &'a str, argument: &str) -> Result<&'a str, Error> {
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(Error::bad_input(
            argument,
            format!("{argument} must be at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    Ok(text)
}

/// Who may find what: published terms, or every term for an editor who asks.
fn visibility(ctx: &Context<'_>, include_drafts: bool) -> Result<Visibility, Error> {
    if include_drafts {
        guards::viewer(ctx).require(Role::Editor)?;
        return Ok(Visibility::Everything);
    }
    Ok(Visibility::public())
}

/// Query fields for finding terms.
#[Object]
impl SearchQuery {
    /// Full-text search over names and aliases, titles, definitions, sections and FAQs, best match
    /// first: terms whose name or an alias holds every word, then by relevance. Every word must occur
    /// (in any case, accents ignored); the last one also matches as a prefix, for search as you type.
    /// Punctuation and operators only separate words. Published terms only, unless an editor asks for
    /// drafts.
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The words to find (at most 200 characters; the first 12 words count).")]
        query: String,
        #[graphql(desc = "Return the first n hits (at most 100; 20 when omitted) after `after`.")]
        first: Option<i32>,
        #[graphql(desc = "Return hits after this cursor (results are served to the 1000th hit).")]
        after: Option<String>,
        #[graphql(
            desc = "Editors only: find terms in any status (draft, scheduled, archived) too.",
            default
        )]
        include_drafts: bool,
    ) -> Result<SearchConnection> {
        let query = QueryWords::parse(checked_text(&query, "query")?);
        let size = cursor::first_or_default(first)?;
        let offset = match after.as_deref() {
            None => 0,
            Some(after) => {
                let position =
                    cursor::decode_position(after, PositionList::SearchResults, "after")?;
                usize::try_from(position)
                    .ok()
                    .and_then(|position| position.checked_add(1))
                    .ok_or_else(|| Error::bad_input("after", "after: not a cursor of this list"))?
            }
        };
        if offset >= MAX_SEARCH_DEPTH {
            return Err(Error::bad_input(
                "after",
                format!(
                    "search results are served up to the {MAX_SEARCH_DEPTH}th hit; refine the query"
                ),
            )
            .into());
        }
        let visibility = visibility(ctx, include_drafts)?;
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let size = size.min(MAX_SEARCH_DEPTH - offset);
        let hits = search::search(
            db,
            visibility,
            &query,
            offset as u64,
            paging::read_limit(size),
        )
        .await?;
        let page = paging::cut(hits, size, false);
        let ids: Vec<i64> = page.items.iter().map(|hit| hit.term_id).collect();
        let mut terms = terms::by_id_map(db, visibility, &ids).await?;
        let edges: Vec<SearchEdge> = page
            .items
            .into_iter()
            .enumerate()
            .filter_map(|(i, hit)| {
                let term = terms.remove(&hit.term_id)?;
                Some(SearchEdge {
                    cursor: cursor::encode_position(
                        PositionList::SearchResults,
                        (offset + i) as i64,
                    ),
                    node: SearchHit {
                        term: Term::new(term),
                        score: hit.score,
                        snippet: hit.snippet,
                    },
                })
            })
            .collect();
        Ok(SearchConnection {
            page_info: PageInfo {
                has_next_page: page.more && offset + size < MAX_SEARCH_DEPTH,
                has_previous_page: offset > 0,
                start_cursor: edges.first().map(|edge| edge.cursor.clone()),
                end_cursor: edges.last().map(|edge| edge.cursor.clone()),
            },
            edges: edges.into(),
        })
    }

    /// Terms for search as you type: those whose name or an alias starts with the prefix (its words, in
    /// any case, accents ignored), by that name; then those with every word of the prefix among the
    /// words of their name or an alias (the last word as a prefix), by name. Published terms only.
    async fn suggest(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What has been typed so far (at most 200 characters).")] prefix: String,
        #[graphql(desc = "How many terms to return (1–20; 10 when omitted).")] first: Option<i32>,
    ) -> Result<PlainList<Term>> {
        let prefix = QueryWords::parse(checked_text(&prefix, "prefix")?);
        let limit = match first {
            None => DEFAULT_SUGGESTIONS,
            Some(n) if (1..=MAX_SUGGESTIONS as i32).contains(&n) => n as usize,
            Some(_) => {
                return Err(Error::bad_input(
                    "first",
                    format!("first must be 1–{MAX_SUGGESTIONS}"),
                )
                .into());
            }
        };
        if prefix.is_empty() {
            return Ok(Vec::new().into());
        }
        let ids = public_names(ctx)
            .suggestions()
            .await?
            .suggest(prefix.as_slice(), limit);
        // The rows are read through the visibility rule as well, so that a term unpublished since the
        // index was built is left out rather than served.
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let mut rows = terms::by_id_map(db, Visibility::public(), &ids).await?;
        Ok(ids
            .iter()
            .filter_map(|id| rows.remove(id).map(Term::new))
            .collect())
    }
}
