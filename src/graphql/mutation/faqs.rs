//! Mutations on a term's FAQ list: add, update, remove and reorder entries. An entry keeps its global ID
//! through every change but its removal.

use async_graphql::{Context, ID, InputObject, Object, Result};

use super::editing::{author, decode_id, editorial, term_payload};
use crate::{
    auth::Role,
    content::{editorial::TermChange, pack::FaqDocument},
    graphql::{global_id::NodeKind, guards::RoleGuard, types::payload::TermPayload},
};

/// A new FAQ entry.
#[derive(Clone, Debug, InputObject)]
pub struct AddFaqInput {
    /// The term's global ID.
    pub term_id: ID,
    /// The version the change was made against; a different current version refuses it with `CONFLICT`.
    pub expected_version: Option<i32>,
    /// Question, 1–500 characters.
    pub question: String,
    /// Markdown answer, at most 20 000 characters.
    pub answer: String,
    /// 0-based place in the list; at the end when omitted.
    pub position: Option<i32>,
}

/// Changes to one FAQ entry; omitted fields keep their value.
#[derive(Clone, Debug, InputObject)]
pub struct UpdateFaqInput {
    /// The FAQ entry's global ID.
    pub id: ID,
    /// The term's version the change was made against.
    pub expected_version: Option<i32>,
    /// New question.
    pub question: Option<String>,
    /// New answer.
    pub answer: Option<String>,
}

/// Removing one FAQ entry.
#[derive(Clone, Debug, InputObject)]
pub struct RemoveFaqInput {
    /// The FAQ entry's global ID.
    pub id: ID,
    /// The term's version the change was made against.
    pub expected_version: Option<i32>,
}

/// A new order of a term's FAQ entries.
#[derive(Clone, Debug, InputObject)]
pub struct ReorderFaqsInput {
    /// The term's global ID.
    pub term_id: ID,
    /// The version the change was made against.
    pub expected_version: Option<i32>,
    /// Every FAQ entry's global ID, each once, in the new order.
    pub faq_ids: Vec<ID>,
}

/// FAQ mutations; every one needs an editor key and is one transaction.
#[derive(Default)]
pub struct FaqMutation;

/// Runs a change that names an FAQ entry (by the global ID `id`) on the entry's term.
async fn change_entry(
    ctx: &Context<'_>,
    id: &ID,
    expected_version: Option<i32>,
    change: impl FnOnce(i64) -> TermChange,
) -> Result<TermPayload> {
    let author = author(ctx)?;
    let faq_id = match decode_id(id, NodeKind::Faq, "id") {
        Ok(faq_id) => faq_id,
        Err(problem) => return Ok(TermPayload::refused(vec![problem])),
    };
    let outcome = editorial(ctx, &author)
        .change_faq(expected_version, change(faq_id))
        .await?;
    Ok(term_payload(outcome))
}

/// Runs a change on the term behind the global ID `term_id`.
async fn change_term(
    ctx: &Context<'_>,
    term_id: &ID,
    expected_version: Option<i32>,
    change: TermChange,
) -> Result<TermPayload> {
    let author = author(ctx)?;
    let term_id = match decode_id(term_id, NodeKind::Term, "termId") {
        Ok(term_id) => term_id,
        Err(problem) => return Ok(TermPayload::refused(vec![problem])),
    };
    let outcome = editorial(ctx, &author)
        .change_term(term_id, expected_version, change)
        .await?;
    Ok(term_payload(outcome))
}

/// FAQ mutations; every one needs an editor key and is one transaction.
#[Object]
impl FaqMutation {
    /// Adds an FAQ entry to a term.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn add_faq(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The term and the entry.")] input: AddFaqInput,
    ) -> Result<TermPayload> {
        let add = TermChange::AddFaq {
            faq: FaqDocument {
                question: input.question,
                answer: input.answer,
            },
            position: input.position,
        };
        change_term(ctx, &input.term_id, input.expected_version, add).await
    }

    /// Changes an FAQ entry's question or answer.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn update_faq(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry and its changes.")] input: UpdateFaqInput,
    ) -> Result<TermPayload> {
        change_entry(ctx, &input.id, input.expected_version, |faq_id| {
            TermChange::UpdateFaq {
                faq_id,
                question: input.question,
                answer: input.answer,
            }
        })
        .await
    }

    /// Removes an FAQ entry.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn remove_faq(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry.")] input: RemoveFaqInput,
    ) -> Result<TermPayload> {
        change_entry(ctx, &input.id, input.expected_version, |faq_id| {
            TermChange::RemoveFaq { faq_id }
        })
        .await
    }

    /// Puts a term's FAQ entries in a new order.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn reorder_faqs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The term and the new order.")] input: ReorderFaqsInput,
    ) -> Result<TermPayload> {
        let faq_ids = match input
            .faq_ids
            .iter()
            .map(|id| decode_id(id, NodeKind::Faq, "faqIds"))
            .collect::<std::result::Result<Vec<i64>, _>>()
        {
            Ok(faq_ids) => faq_ids,
            Err(problem) => return Ok(TermPayload::refused(vec![problem])),
        };
        let reorder = TermChange::ReorderFaqs { faq_ids };
        change_term(ctx, &input.term_id, input.expected_version, reorder).await
    }
}
