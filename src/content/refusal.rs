//! Refusals of writes: why an edit was not made, field by field, as clients see them in `userErrors`. A
//! refused edit writes nothing.

use crate::error::Result;

/// Why an edit was refused, as clients see it in `userErrors.code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemCode {
    /// A value breaks a rule (length, format, self-relation, duplicate).
    Invalid,
    /// A slug or name already belongs to something else.
    Taken,
    /// Something the edit names does not exist.
    NotFound,
    /// The term changed since the version the client last saw.
    Conflict,
}

/// One reason an edit was refused; nothing was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The input field at fault (`slug`, `sections[1].heading`), or empty for the edit as a whole.
    pub field: String,
    /// What is wrong, for a person.
    pub message: String,
    /// What is wrong, for a program.
    pub code: ProblemCode,
}

impl Problem {
    /// A problem with `field`.
    pub fn new(field: &str, code: ProblemCode, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
            code,
        }
    }

    /// The version conflict problem.
    pub fn conflict(current_version: i32) -> Self {
        Self::new(
            "expectedVersion",
            ProblemCode::Conflict,
            format!(
                "the term changed meanwhile: it is now at version {current_version}; reload it and retry"
            ),
        )
    }
}

/// The outcome of an edit: done, or refused with the problems to show.
pub type Edit<T> = Result<std::result::Result<T, Vec<Problem>>>;
