//! The `Mutation` root, merged from one object per domain. Every mutation needs an editor key (deletions an
//! admin key), runs in one transaction and reports refusals as `userErrors`, writing nothing.

mod categories;
mod editing;
mod faqs;
mod terms;

use async_graphql::MergedObject;

/// The root of every write.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    terms::TermMutation,
    faqs::FaqMutation,
    categories::CategoryMutation,
);
