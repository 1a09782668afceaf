//! Query fields for terms: one term by slug, the paginated list, and the A–Z index.

use async_graphql::{Context, InputObject, Object, Result};
use sea_orm::DatabaseConnection;

use crate::{
    auth::{Role, Viewer},
    content::{term_list, term_list::TermFilter, visibility::Visibility},
    error::Error,
    graphql::{
        execution_budget::List,
        guards, loader,
        loaders::AnyTermBySlug,
        plain_fields::PlainObject,
        term_page::{Prefetched, TermPageBySlug},
        term_page_batches_of,
        types::{
            connection::{TermConnection, TermOrderInput},
            page_parts::GlossaryLetter,
            term::{Term, TermStatus},
        },
    },
};

/// Narrows a term list; every field given must match.
#[derive(Clone, Debug, Default, InputObject)]
#[graphql(name = "TermFilter")]
pub struct TermFilterInput {
    /// A–Z index letter (`A`…`Z`, either case) or `#` for names that start with anything else.
    pub letter: Option<String>,
    /// Slug of a category the terms must belong to.
    pub category: Option<String>,
    /// Text the name must contain, ignoring case (at most 200 characters).
    pub name_contains: Option<String>,
    /// Editors only: terms in these statuses, scheduled ones included. Anonymous readers always get
    /// published terms only.
    pub status: Option<Vec<TermStatus>>,
}

impl TermFilterInput {
    /// The data-layer filter and the visibility it needs: asking for a status is an editor's privilege.
    fn into_filter(self, viewer: &Viewer) -> Result<(TermFilter, Visibility), Error> {
        let asks_for_status = self.status.is_some();
        let statuses = self
            .status
            .map(|statuses| statuses.into_iter().map(Into::into).collect());
        let filter = TermFilter::checked(
            self.letter.as_deref(),
            self.category,
            self.name_contains,
            statuses,
        )?;
        let visibility = if asks_for_status {
            viewer.require(Role::Editor)?;
            Visibility::Everything
        } else {
            Visibility::public()
        };
        Ok((filter, visibility))
    }
}

/// Query fields for terms.
#[derive(Default)]
pub struct TermQuery;

/// Query fields for terms.
#[Object]
impl TermQuery {
    /// The published term with this slug, or null when there is none. A slug the term had before it was
    /// renamed finds it too; its `slug` field is then the current one, for a redirect.
    async fn term(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The term's slug, current or old.")] slug: String,
        #[graphql(
            desc = "Editors only: find the term in any status (draft, scheduled, archived).",
            default
        )]
        preview: bool,
    ) -> Result<Option<PlainObject<Term>>> {
        if preview {
            guards::viewer(ctx).require(Role::Editor)?;
            let found = loader(ctx).load_one(AnyTermBySlug(slug)).await?;
            return Ok(found.map(|t| PlainObject(Term::new(t.into_inner()))));
        }
        // The columns and the lists the page shows are read in the term's batch, which starts when a
        // slot is free.
        let columns = Term::columns_of(ctx.field().selection_set());
        let lists = Term::lists_of(ctx.field().selection_set());
        let found = term_page_batches_of(ctx)
            .load_one(TermPageBySlug {
                slug,
                columns,
                lists,
            })
            .await?;
        Ok(found.map(|page| {
            let page = page.into_inner();
            PlainObject(Term(page.term, Prefetched::new(page.lists)))
        }))
    }

    /// Published terms as a Relay connection: 20 per page unless `first` or `last` says otherwise (at most 100).
    #[allow(clippy::too_many_arguments)]
    async fn terms(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n terms (at most 100) after `after`.")] first: Option<
            i32,
        >,
        #[graphql(desc = "Return terms after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n terms (at most 100) before `before`.")] last: Option<
            i32,
        >,
        #[graphql(desc = "Return terms before this cursor.")] before: Option<String>,
        #[graphql(desc = "Narrow the list.")] filter: Option<TermFilterInput>,
        #[graphql(desc = "Ordering; by name, ascending, when omitted.")] order_by: Option<
            TermOrderInput,
        >,
    ) -> Result<TermConnection> {
        let (filter, visibility) = filter
            .unwrap_or_default()
            .into_filter(guards::viewer(ctx))?;
        TermConnection::load(
            ctx, visibility, filter, order_by, first, after, last, before,
        )
        .await
    }

    /// The A–Z index: each letter that has published terms, with how many. `#` comes last.
    async fn glossary_index(&self, ctx: &Context<'_>) -> Result<List<GlossaryLetter>> {
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let letters = term_list::glossary_index(db, Visibility::public()).await?;
        Ok(letters
            .into_iter()
            .map(|(letter, term_count)| GlossaryLetter { letter, term_count })
            .collect())
    }
}
