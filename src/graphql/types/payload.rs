//! Mutation payloads: the changed object plus `userErrors`, the convention of Shopify's and GitHub's APIs.
//! A mutation that has user errors wrote nothing.

use async_graphql::{Enum, SimpleObject};

use super::{category::Category, term::Term};
use crate::content::refusal::{Problem, ProblemCode};

/// Why a change was refused, for programs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum UserErrorCode {
    /// A value breaks a rule: length, format, self-relation, duplicate.
    Invalid,
    /// A slug or name already belongs to something else.
    Taken,
    /// Something the input names does not exist.
    NotFound,
    /// The term changed since `expectedVersion`; the message names the current version.
    Conflict,
}

/// A problem with a mutation's input that the client can fix. When a payload has any, nothing was written.
#[derive(Clone, Debug, SimpleObject)]
pub struct UserError {
    /// Path to the input field at fault (`["input", "sections", "1", "heading"]`); null for the input as a whole.
    pub field: Option<Vec<String>>,
    /// What is wrong, for a person.
    pub message: String,
    /// What is wrong, for a program.
    pub code: UserErrorCode,
}

impl From<Problem> for UserError {
    fn from(problem: Problem) -> Self {
        let field = (!problem.field.is_empty()).then(|| {
            std::iter::once("input".to_owned())
                .chain(
                    problem
                        .field
                        .split(['.', '[', ']'])
                        .filter(|segment| !segment.is_empty())
                        .map(str::to_owned),
                )
                .collect()
        });
        UserError {
            field,
            message: problem.message,
            code: match problem.code {
                ProblemCode::Invalid => UserErrorCode::Invalid,
                ProblemCode::Taken => UserErrorCode::Taken,
                ProblemCode::NotFound => UserErrorCode::NotFound,
                ProblemCode::Conflict => UserErrorCode::Conflict,
            },
        }
    }
}

/// The result of a mutation on a term.
#[derive(SimpleObject)]
pub struct TermPayload {
    /// The term after the change; null when the change was refused.
    pub term: Option<Term>,
    /// Why the change was refused; empty when it was made.
    pub user_errors: Vec<UserError>,
}

impl TermPayload {
    /// A refused change.
    pub fn refused(problems: Vec<Problem>) -> Self {
        Self {
            term: None,
            user_errors: problems.into_iter().map(UserError::from).collect(),
        }
    }
}

/// The result of `deleteTerm`.
#[derive(SimpleObject)]
pub struct DeleteTermPayload {
    /// The global ID of the deleted term; null when the deletion was refused.
    pub deleted_term_id: Option<async_graphql::ID>,
    /// Why the deletion was refused; empty when it was made.
    pub user_errors: Vec<UserError>,
}

/// The result of a mutation on a category.
#[derive(SimpleObject)]
pub struct CategoryPayload {
    /// The category after the change; null when the change was refused.
    pub category: Option<Category>,
    /// Why the change was refused; empty when it was made.
    pub user_errors: Vec<UserError>,
}
