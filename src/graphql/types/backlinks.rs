//! What `Term.backlinks` returns: the published terms whose text links to a term, as a Relay connection.

use async_graphql::Object;

use super::{
    connection::{PageInfo, TermEdge},
    term::Term,
};
use crate::graphql::plain_fields::PlainList;

/// A page of the terms linking to a term (Relay cursor connection), by name.
pub struct BacklinkConnection {
    /// The terms of the page with their cursors.
    pub edges: Vec<TermEdge>,
    /// Whether more follow, and the cursors of this page's ends.
    pub page_info: PageInfo,
}

/// A page of the terms linking to a term (Relay cursor connection), by name.
#[Object]
impl BacklinkConnection {
    /// The terms of the page with their cursors.
    async fn edges(&self) -> PlainList<&TermEdge> {
        self.edges.iter().collect()
    }

    /// The terms of the page, without cursors.
    async fn nodes(&self) -> PlainList<&Term> {
        self.edges.iter().map(TermEdge::node_ref).collect()
    }

    /// Whether more terms follow the page, and its end cursors (`hasPreviousPage` is true on every
    /// page after the first).
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }
}
