//! The shared shape of every term mutation: check the key, decode the id, open a write transaction, load
//! the term, compare `expectedVersion`, apply the change to the term's document, save, commit. Refusals come
//! back as `userErrors` and write nothing.

use async_graphql::{Context, ID, Result};
use entity::term;
use sea_orm::{DatabaseConnection, DatabaseTransaction};

use crate::{
    auth::Role,
    clock,
    content::{
        editor::{self, EditableTerm},
        refusal::{Problem, ProblemCode},
    },
    database,
    events::{EventBus, TermEvent},
    graphql::{
        global_id::{self, NodeKind},
        guards,
        types::{payload::TermPayload, term::Term},
    },
};

/// The database and the name of the editor's key, for a mutation that needs the editor role.
pub fn editor_context<'a>(ctx: &Context<'a>) -> Result<(&'a DatabaseConnection, String)> {
    let holder = guards::viewer(ctx).require(Role::Editor)?;
    Ok((
        ctx.data_unchecked::<DatabaseConnection>(),
        holder.name.clone(),
    ))
}

/// Commits a write and its events: staged inside the transaction, released after commit, so a write that
/// fails or rolls back announces nothing.
pub async fn commit_with_events(
    ctx: &Context<'_>,
    transaction: DatabaseTransaction,
    before: Option<&term::Model>,
    after: Option<&term::Model>,
) -> Result<()> {
    let bus = ctx.data_unchecked::<EventBus>();
    let events: Vec<TermEvent> = TermEvent::of_change(before, after, clock::now())
        .into_iter()
        .collect();
    bus.stage(&transaction, &events).await?;
    transaction.commit().await?;
    bus.committed(events);
    Ok(())
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

/// Runs one change on the term `term_id` as described above. `apply` edits the term in memory (or refuses);
/// `change` names the change in the revision history.
pub async fn edit_term(
    ctx: &Context<'_>,
    term_id: std::result::Result<i64, Problem>,
    expected_version: Option<i32>,
    change: &str,
    apply: impl FnOnce(&mut EditableTerm) -> std::result::Result<(), Vec<Problem>>,
) -> Result<TermPayload> {
    let (db, author) = editor_context(ctx)?;
    let term_id = match term_id {
        Ok(id) => id,
        Err(problem) => return Ok(TermPayload::refused(vec![problem])),
    };
    let transaction = database::begin_write(db).await?;
    let before = match editor::load_for_edit(&transaction, term_id, expected_version).await? {
        Ok(before) => before,
        Err(problems) => return Ok(TermPayload::refused(problems)),
    };
    let mut after = before.clone();
    if let Err(problems) = apply(&mut after) {
        return Ok(TermPayload::refused(problems));
    }
    if after.document == before.document && after.faq_ids == before.faq_ids {
        // Nothing to change: no new version, no revision.
        return Ok(TermPayload {
            term: Some(Term(before.row)),
            user_errors: Vec::new(),
        });
    }
    match editor::save(&transaction, &author, change, &before, &after).await? {
        Ok(saved) => {
            commit_with_events(ctx, transaction, Some(&before.row), Some(&saved)).await?;
            Ok(TermPayload {
                term: Some(Term(saved)),
                user_errors: Vec::new(),
            })
        }
        Err(problems) => Ok(TermPayload::refused(problems)),
    }
}
