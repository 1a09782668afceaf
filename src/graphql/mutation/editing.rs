//! What every editorial mutation shares: the service for the key making the change, decoded ids, and the
//! payloads that carry a changed term or the refusals. The changes themselves are the editorial service's
//! (`content::editorial`); resolvers only translate.

use async_graphql::{Context, ID, Result};
use entity::term;
use sea_orm::DatabaseConnection;

use crate::{
    auth::Viewer,
    content::{
        editorial::Editorial,
        refusal::{Problem, ProblemCode},
    },
    error::Error,
    events::EventBus,
    graphql::{
        global_id::{self, NodeKind},
        guards,
        types::{payload::TermPayload, term::Term},
    },
};

/// The name of the key making a change, recorded as the author of revisions. The field's `RoleGuard` has
/// already admitted the key.
pub fn author(ctx: &Context<'_>) -> Result<String> {
    match guards::viewer(ctx) {
        Viewer::Key(holder) => Ok(holder.name.clone()),
        Viewer::Anonymous => Err(Error::Unauthenticated(
            "this operation needs an API key: send Authorization: Bearer <key>".to_owned(),
        )
        .into()),
    }
}

/// The editorial service for this request's key.
pub fn editorial<'a>(ctx: &Context<'a>, author: &'a str) -> Editorial<'a> {
    Editorial::new(
        ctx.data_unchecked::<DatabaseConnection>(),
        ctx.data_unchecked::<EventBus>(),
        author,
    )
}

/// The database id behind a global ID of `kind`, or the problem to report under `field`.
pub fn decode_id(id: &ID, kind: NodeKind, field: &str) -> std::result::Result<i64, Problem> {
    match global_id::decode(id, field) {
        Ok((found, number)) if found == kind => Ok(number),
        _ => Err(Problem::new(
            field,
            ProblemCode::NotFound,
            format!("{} is not the ID of a {kind:?}", id.as_str()),
        )),
    }
}

/// The payload of a term change: the term as it is now, or why nothing changed.
pub fn term_payload(outcome: std::result::Result<term::Model, Vec<Problem>>) -> TermPayload {
    match outcome {
        Ok(row) => TermPayload {
            term: Some(Term::new(row)),
            user_errors: Vec::new(),
        },
        Err(problems) => TermPayload::refused(problems),
    }
}
