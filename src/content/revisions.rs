//! The revision history of terms: every change is a revision holding the whole term afterwards (its pack
//! document as JSON), recorded in the change's transaction, read newest first, and restorable.

use chrono::{DateTime, Utc};
use entity::term_revision;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::pack::TermDocument;
use crate::{
    error::{Error, Result},
    paging::{self, Page},
};

/// Stores the revision that a change to `term_id` produced.
pub(crate) async fn record(
    db: &impl ConnectionTrait,
    term_id: i64,
    version: i32,
    author: &str,
    change: &str,
    document: &TermDocument,
    now: DateTime<Utc>,
) -> Result<()> {
    let snapshot = serde_json::to_string(document)
        .map_err(|error| Error::Internal(format!("cannot snapshot term {term_id}: {error}")))?;
    term_revision::Entity::insert(term_revision::ActiveModel {
        id: NotSet,
        term_id: Set(term_id),
        version: Set(version),
        author: Set(author.to_owned()),
        created_at: Set(now),
        change: Set(change.to_owned()),
        snapshot: Set(snapshot),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// A page of at most `size` of a term's revisions, newest first, with versions below `before_version`
/// when given. One SQL statement.
pub async fn page(
    db: &impl ConnectionTrait,
    term_id: i64,
    before_version: Option<i64>,
    size: usize,
) -> Result<Page<term_revision::Model>> {
    let mut select =
        term_revision::Entity::find().filter(term_revision::Column::TermId.eq(term_id));
    if let Some(version) = before_version {
        select = select.filter(term_revision::Column::Version.lt(version));
    }
    let rows = select
        .order_by_desc(term_revision::Column::Version)
        .limit(paging::read_limit(size))
        .all(db)
        .await?;
    Ok(paging::cut(rows, size, false))
}

/// How many revisions a term has.
pub async fn revision_count(db: &impl ConnectionTrait, term_id: i64) -> Result<u64> {
    Ok(term_revision::Entity::find()
        .filter(term_revision::Column::TermId.eq(term_id))
        .count(db)
        .await?)
}

/// One revision by id.
pub async fn revision(db: &impl ConnectionTrait, id: i64) -> Result<Option<term_revision::Model>> {
    Ok(term_revision::Entity::find_by_id(id).one(db).await?)
}

/// The document a revision stored.
pub fn snapshot_document(revision: &term_revision::Model) -> Result<TermDocument> {
    serde_json::from_str(&revision.snapshot).map_err(|error| {
        Error::Internal(format!(
            "revision {} has an unreadable snapshot: {error}",
            revision.id
        ))
    })
}
