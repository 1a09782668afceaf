//! Relay object identification: `node(id:)` and `nodes(ids:)`, batched through the DataLoader and subject to
//! the same visibility rule as every other path.

use async_graphql::{Context, ID, Object, Result};
use futures_util::future::try_join_all;

use crate::{
    error::Error,
    graphql::{
        execution_budget::List,
        global_id::{self, NodeKind},
        loader,
        loaders::{CategoryById, FaqById, SectionById, TermById},
        types::{
            category::Category,
            node::Node,
            section::{Faq, Section},
            term::Term,
        },
    },
};

/// The most ids `nodes` takes in one call.
const MAX_NODES: usize = 100;

/// Query fields for fetching any object by global ID.
#[derive(Default)]
pub struct NodeQuery;

async fn fetch(ctx: &Context<'_>, id: &ID, field: &str) -> Result<Option<Node>> {
    let (kind, id) = global_id::decode(id, field)?;
    let loader = loader(ctx);
    Ok(match kind {
        NodeKind::Term => loader
            .load_one(TermById(id))
            .await?
            .map(|t| Node::Term(Term::new(t.into_inner()))),
        NodeKind::Category => loader
            .load_one(CategoryById(id))
            .await?
            .map(|c| Node::Category(Category(c.into_inner()))),
        NodeKind::Section => loader
            .load_one(SectionById(id))
            .await?
            .map(|s| Node::Section(Section(s.into_inner()))),
        NodeKind::Faq => loader
            .load_one(FaqById(id))
            .await?
            .map(|f| Node::Faq(Faq(f.into_inner()))),
        // Revisions are editors' material, reached through `Term.revisions`.
        NodeKind::TermRevision => None,
    })
}

/// Query fields for fetching any object by global ID.
#[Object]
impl NodeQuery {
    /// The object with this global ID, or null when it does not exist or is not public.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global ID from any `id` field.")] id: ID,
    ) -> Result<Option<Node>> {
        fetch(ctx, &id, "id").await
    }

    /// The objects with these global IDs, in the same order; null where one does not exist or is not public.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Up to 100 global IDs.")] ids: Vec<ID>,
    ) -> Result<List<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(
                Error::bad_input("ids", format!("at most {MAX_NODES} ids per call")).into(),
            );
        }
        Ok(try_join_all(ids.iter().map(|id| fetch(ctx, id, "ids")))
            .await?
            .into())
    }
}
