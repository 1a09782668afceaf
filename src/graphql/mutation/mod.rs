//! The `Mutation` root, merged from one object per domain. Every content mutation needs an editor key
//! (deletions an admin key), runs in one transaction and reports refusals as `userErrors`, writing nothing.
//! The newsletter's mutations are public and rate limited per client.

mod categories;
mod editing;
mod faqs;
mod newsletter;
mod terms;

use async_graphql::MergedObject;

/// The root of every write.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    terms::TermMutation,
    faqs::FaqMutation,
    categories::CategoryMutation,
    newsletter::NewsletterMutation,
);
