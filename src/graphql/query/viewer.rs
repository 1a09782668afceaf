//! Query fields about access: who the request's key belongs to, and (for admins) every key.

use async_graphql::{Context, Object, Result};
use sea_orm::DatabaseConnection;

use crate::{
    auth::{Role, Viewer, api_keys},
    graphql::{
        execution_budget::List,
        guards::{self, RoleGuard},
        types::api_key::{ApiKey, ViewerObject},
    },
};

/// Query fields about access.
#[derive(Default)]
pub struct ViewerQuery;

/// Query fields about access.
#[Object]
impl ViewerQuery {
    /// The API key this request was made with; null for anonymous requests.
    async fn viewer(&self, ctx: &Context<'_>) -> Option<ViewerObject> {
        match guards::viewer(ctx) {
            Viewer::Anonymous => None,
            Viewer::Key(holder) => Some(holder.into()),
        }
    }

    /// Every API key, oldest first (admins only).
    #[graphql(guard = "RoleGuard::new(Role::Admin)")]
    async fn api_keys(&self, ctx: &Context<'_>) -> Result<List<ApiKey>> {
        let db = ctx.data_unchecked::<DatabaseConnection>();
        Ok(api_keys::list(db)
            .await?
            .into_iter()
            .map(ApiKey::from)
            .collect())
    }
}
