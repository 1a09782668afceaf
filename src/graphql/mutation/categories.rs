//! Mutations on categories.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

use super::editing::{author, decode_id, editorial};
use crate::{
    auth::Role,
    content::refusal::Problem,
    graphql::guards::RoleGuard,
    graphql::{
        global_id::NodeKind,
        types::{
            category::Category,
            payload::{CategoryPayload, UserError},
        },
    },
};

/// A new category.
#[derive(Clone, Debug, InputObject)]
pub struct CreateCategoryInput {
    /// Unique URL key: 1–96 characters of a-z, 0-9 and single inner hyphens.
    pub slug: String,
    /// Display name, 1–200 characters.
    pub name: String,
    /// Optional description for the category page, at most 2000 characters.
    pub description: Option<String>,
}

/// Changes to a category; omitted fields keep their value.
#[derive(Clone, Debug, InputObject)]
pub struct UpdateCategoryInput {
    /// The category's global ID.
    pub id: ID,
    /// New slug.
    pub slug: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New description; null removes it.
    pub description: MaybeUndefined<String>,
}

/// Which category.
#[derive(Clone, Debug, InputObject)]
pub struct DeleteCategoryInput {
    /// The category's global ID.
    pub id: ID,
}

/// Category mutations; each needs an editor key (deleting, an admin key) and is one transaction.
#[derive(Default)]
pub struct CategoryMutation;

fn payload(outcome: std::result::Result<entity::category::Model, Vec<Problem>>) -> CategoryPayload {
    match outcome {
        Ok(row) => CategoryPayload {
            category: Some(Category(row)),
            user_errors: Vec::new(),
        },
        Err(problems) => CategoryPayload {
            category: None,
            user_errors: problems.into_iter().map(UserError::from).collect(),
        },
    }
}

/// Category mutations; each needs an editor key (deleting, an admin key) and is one transaction.
#[Object]
impl CategoryMutation {
    /// Creates a category.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn create_category(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new category.")] input: CreateCategoryInput,
    ) -> Result<CategoryPayload> {
        let author = author(ctx)?;
        let outcome = editorial(ctx, &author)
            .create_category(&input.slug, &input.name, input.description)
            .await?;
        Ok(payload(outcome))
    }

    /// Changes a category's slug, name or description.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn update_category(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateCategoryInput,
    ) -> Result<CategoryPayload> {
        let author = author(ctx)?;
        let id = match decode_id(&input.id, NodeKind::Category, "id") {
            Ok(id) => id,
            Err(problem) => return Ok(payload(Err(vec![problem]))),
        };
        let description = match input.description {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(text) => Some(Some(text)),
        };
        let outcome = editorial(ctx, &author)
            .update_category(id, input.slug, input.name, description)
            .await?;
        Ok(payload(outcome))
    }

    /// Admins only: deletes a category; its terms stay, without it.
    #[graphql(guard = "RoleGuard::new(Role::Admin)")]
    async fn delete_category(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which category.")] input: DeleteCategoryInput,
    ) -> Result<CategoryPayload> {
        let author = author(ctx)?;
        let id = match decode_id(&input.id, NodeKind::Category, "id") {
            Ok(id) => id,
            Err(problem) => return Ok(payload(Err(vec![problem]))),
        };
        match editorial(ctx, &author).delete_category(id).await? {
            Ok(()) => Ok(CategoryPayload {
                category: None,
                user_errors: Vec::new(),
            }),
            Err(problems) => Ok(payload(Err(problems))),
        }
    }
}
