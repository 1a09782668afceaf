//! Mutations on a term's FAQ list: add, update, remove and reorder entries. An entry keeps its global ID
//! through every change but its removal.

use async_graphql::{Context, ID, InputObject, Object, Result};
use sea_orm::DatabaseConnection;

use super::editing::{decode_id, edit_term};
use crate::{
    auth::Role,
    content::{
        editor::EditableTerm,
        faqs,
        pack::FaqDocument,
        refusal::{Problem, ProblemCode},
    },
    graphql::guards::RoleGuard,
    graphql::{global_id::NodeKind, types::payload::TermPayload},
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

/// The entry named by a global ID and the term it belongs to (or the problem to report, which `edit_term`
/// turns into a refusal).
async fn faq_and_term(
    ctx: &Context<'_>,
    id: &ID,
) -> Result<(i64, std::result::Result<i64, Problem>)> {
    let faq_id = match decode_id(id, NodeKind::Faq, "id") {
        Ok(faq_id) => faq_id,
        Err(problem) => return Ok((0, Err(problem))),
    };
    let db = ctx.data_unchecked::<DatabaseConnection>();
    let term_id = faqs::term_of(db, faq_id)
        .await?
        .ok_or_else(|| Problem::new("id", ProblemCode::NotFound, "no FAQ entry has this ID"));
    Ok((faq_id, term_id))
}

/// Where entry `faq_id` sits in the term's list, checked again inside the write transaction.
fn position_of(term: &EditableTerm, faq_id: i64) -> std::result::Result<usize, Vec<Problem>> {
    term.faq_ids
        .iter()
        .position(|id| *id == Some(faq_id))
        .ok_or_else(|| {
            vec![Problem::new(
                "id",
                ProblemCode::NotFound,
                "no FAQ entry has this ID",
            )]
        })
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
        let id = decode_id(&input.term_id, NodeKind::Term, "termId");
        edit_term(ctx, id, input.expected_version, "addFaq", move |term| {
            let count = term.document.faqs.len();
            let position = match input.position {
                None => count,
                Some(p) if p >= 0 && p as usize <= count => p as usize,
                Some(p) => {
                    return Err(vec![Problem::new(
                        "position",
                        ProblemCode::Invalid,
                        format!("position must be 0–{count}, got {p}"),
                    )]);
                }
            };
            let faq = FaqDocument {
                question: input.question,
                answer: input.answer,
            };
            term.document.faqs.insert(position, faq);
            term.faq_ids.insert(position, None);
            Ok(())
        })
        .await
    }

    /// Changes an FAQ entry's question or answer.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn update_faq(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry and its changes.")] input: UpdateFaqInput,
    ) -> Result<TermPayload> {
        let (faq_id, term_id) = faq_and_term(ctx, &input.id).await?;
        edit_term(
            ctx,
            term_id,
            input.expected_version,
            "updateFaq",
            move |term| {
                let index = position_of(term, faq_id)?;
                let faq = &mut term.document.faqs[index];
                if let Some(question) = input.question {
                    faq.question = question;
                }
                if let Some(answer) = input.answer {
                    faq.answer = answer;
                }
                Ok(())
            },
        )
        .await
    }

    /// Removes an FAQ entry.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn remove_faq(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry.")] input: RemoveFaqInput,
    ) -> Result<TermPayload> {
        let (faq_id, term_id) = faq_and_term(ctx, &input.id).await?;
        edit_term(
            ctx,
            term_id,
            input.expected_version,
            "removeFaq",
            move |term| {
                let index = position_of(term, faq_id)?;
                term.document.faqs.remove(index);
                term.faq_ids.remove(index);
                Ok(())
            },
        )
        .await
    }

    /// Puts a term's FAQ entries in a new order.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn reorder_faqs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The term and the new order.")] input: ReorderFaqsInput,
    ) -> Result<TermPayload> {
        let id = decode_id(&input.term_id, NodeKind::Term, "termId");
        let wanted: Vec<std::result::Result<i64, Problem>> = input
            .faq_ids
            .iter()
            .map(|id| decode_id(id, NodeKind::Faq, "faqIds"))
            .collect();
        edit_term(
            ctx,
            id,
            input.expected_version,
            "reorderFaqs",
            move |term| {
                let wanted: Vec<i64> = wanted
                    .into_iter()
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|p| vec![p])?;
                let mut current: Vec<i64> = term.faq_ids.iter().flatten().copied().collect();
                let mut sorted = wanted.clone();
                current.sort_unstable();
                sorted.sort_unstable();
                if current != sorted {
                    return Err(vec![Problem::new(
                        "faqIds",
                        ProblemCode::Invalid,
                        "list every FAQ entry of the term exactly once",
                    )]);
                }
                let entries: Vec<(Option<i64>, FaqDocument)> = term
                    .faq_ids
                    .iter()
                    .copied()
                    .zip(term.document.faqs.iter().cloned())
                    .collect();
                term.document.faqs = wanted
                    .iter()
                    .filter_map(|id| {
                        entries
                            .iter()
                            .find(|(e, _)| *e == Some(*id))
                            .map(|(_, f)| f.clone())
                    })
                    .collect();
                term.faq_ids = wanted.into_iter().map(Some).collect();
                Ok(())
            },
        )
        .await
    }
}
