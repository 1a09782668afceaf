//! What `search` returns: hits with their term, score and highlighted snippet, as a Relay connection.

use async_graphql::{Object, SimpleObject};

use super::{connection::PageInfo, term::Term};
use crate::graphql::execution_budget::List;

/// One term found by a full-text search.
pub struct SearchHit {
    /// The term found.
    pub term: Term,
    /// Relevance within this search.
    pub score: f64,
    /// The passage that matched, as HTML.
    pub snippet: String,
}

/// One term found by a full-text search.
#[Object]
impl SearchHit {
    /// The term found.
    async fn term(&self) -> &Term {
        &self.term
    }

    /// Relevance within this search: higher is better. Terms whose name holds every word of the query
    /// come first whatever their score; scores compare hits of one search, not of different searches.
    async fn score(&self) -> f64 {
        self.score
    }

    /// About 30 words of the term's definition, sections or FAQs around the first match, as HTML: the
    /// matched words in `<mark>`, everything else escaped, `…` where the text was cut. The definition's
    /// opening when only the name matched.
    async fn snippet(&self) -> &str {
        &self.snippet
    }
}

/// One hit with its cursor.
#[derive(SimpleObject)]
pub struct SearchEdge {
    /// Opaque position of this hit; pass it as `after`.
    pub cursor: String,
    /// The hit.
    pub node: SearchHit,
}

/// A page of search hits (Relay cursor connection), best first.
#[derive(SimpleObject)]
pub struct SearchConnection {
    /// The hits of this page.
    pub edges: List<SearchEdge>,
    /// Whether more hits follow, and the cursors of this page's ends.
    pub page_info: PageInfo,
}
