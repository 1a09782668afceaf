//! The `Category` type: a group of terms with its own paginated term list, for category pages.

use async_graphql::{Context, ID, Object, Result};
use entity::category;

use super::connection::{TermConnection, TermOrderInput};
use crate::{
    content::{term_list::TermFilter, visibility::Visibility},
    graphql::{
        global_id::{self, NodeKind},
        plain_fields::{self, PlainFields},
    },
};

/// A category of terms ("Roles", "Data"), for category pages.
pub struct Category(pub category::Model);

/// A category of terms ("Roles", "Data"), for category pages.
#[Object]
impl Category {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        global_id::encode(NodeKind::Category, self.0.id)
    }

    /// URL-safe unique key.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Description for the category page, when one is written.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// The category's published terms as a Relay connection.
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
        #[graphql(desc = "Ordering; by name, ascending, when omitted.")] order_by: Option<
            TermOrderInput,
        >,
    ) -> Result<TermConnection> {
        let filter = TermFilter {
            category_id: Some(self.0.id),
            ..TermFilter::default()
        };
        // Boxed: see `Term`'s note on large resolvers (a list page's statement is a large future).
        Box::pin(TermConnection::load(
            ctx,
            Visibility::public(),
            filter,
            order_by,
            first,
            after,
            last,
            before,
        ))
        .await
    }
}

/// The fields a list of categories answers from the rows it holds ([`plain_fields`]): all but their
/// terms.
impl PlainFields for Category {
    fn plain_field(&self, field: &Context<'_>) -> Option<async_graphql::Value> {
        let category = &self.0;
        match field.item.node.name.node.as_str() {
            "id" => Some(global_id::encode(NodeKind::Category, category.id).into()),
            "slug" => plain_fields::text(&category.slug),
            "name" => plain_fields::text(&category.name),
            "description" => Some(
                category
                    .description
                    .as_deref()
                    .map_or(async_graphql::Value::Null, |text| text.into()),
            ),
            _ => None,
        }
    }
}
