//! The `TermRevision` type: one stored change of a term, with who made it and the whole term afterwards.

use async_graphql::{ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::term_revision;

use crate::{
    content::revisions,
    graphql::{
        execution_budget::List,
        global_id::{self, NodeKind},
    },
};

/// One stored change of a term.
pub struct TermRevision(pub term_revision::Model);

/// One stored change of a term.
#[Object]
impl TermRevision {
    /// Opaque global ID; pass it to `restoreTermRevision`.
    async fn id(&self) -> ID {
        global_id::encode(NodeKind::TermRevision, self.0.id)
    }

    /// The term's version after this change.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Name of the API key that made the change (`import` for imported terms).
    async fn author(&self) -> &str {
        &self.0.author
    }

    /// When the change was committed (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// What changed, in words: the mutation and the fields it touched.
    async fn change(&self) -> &str {
        &self.0.change
    }

    /// The whole term after the change, as a content-pack line (JSON text).
    async fn snapshot(&self) -> Result<String> {
        // Parsed and re-serialised so that a corrupt snapshot is an error here, not in the client.
        let document = revisions::snapshot_document(&self.0)?;
        Ok(serde_json::to_string(&document)?)
    }
}

/// A page of a term's revisions, newest first.
#[derive(SimpleObject)]
pub struct TermRevisionConnection {
    /// The revisions of the page.
    pub nodes: List<TermRevision>,
    /// Pass as `after` for the next (older) page; null on the last page.
    pub end_cursor: Option<String>,
    /// Whether older revisions follow.
    pub has_next_page: bool,
    /// How many revisions the term has in all.
    pub total_count: u64,
}
