//! Query fields for categories.

use async_graphql::{Context, Object, Result};
use sea_orm::DatabaseConnection;

use crate::{
    content::categories,
    graphql::{
        loader, loaders::CategoryBySlug, plain_fields::PlainList, types::category::Category,
    },
};

/// Query fields for categories.
#[derive(Default)]
pub struct CategoryQuery;

/// Query fields for categories.
#[Object]
impl CategoryQuery {
    /// Every category, by name.
    async fn categories(&self, ctx: &Context<'_>) -> Result<PlainList<Category>> {
        let db = ctx.data_unchecked::<DatabaseConnection>();
        Ok(categories::all(db)
            .await?
            .into_iter()
            .map(Category)
            .collect())
    }

    /// The category with this slug, or null when there is none.
    async fn category(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The category's slug.")] slug: String,
    ) -> Result<Option<Category>> {
        Ok(loader(ctx)
            .load_one(CategoryBySlug(slug))
            .await?
            .map(|c| Category(c.into_inner())))
    }
}
