//! Changing terms one at a time, for the editorial API: load a term as a pack document, change the document,
//! check it, and save it in the caller's transaction with a version check, slug aliases and a revision.
//!
//! The pack document is the one shape of a whole term: imports write it, exports read it, revisions store it
//! as their snapshot, and restoring a revision saves it again. Checks that need the database (slug taken,
//! related terms and categories that exist) live here; checks on the document alone are `pack`'s.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    TermStatus, faq, section, term, term_category, term_relation, term_revision, term_slug_alias,
};
use sea_orm::{
    ActiveValue::{NotSet, Set, Unchanged},
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};

use super::{
    bulk::{self, ChildRows},
    clock,
    pack::{self, FaqDocument, SectionDocument, TermDocument},
    terms,
};
use crate::error::{Error, Result};

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

/// A term ready to be changed: its row, its document and the ids of its FAQs (kept across edits so their
/// global IDs stay valid; `None` for FAQs not stored yet).
#[derive(Clone, Debug)]
pub struct EditableTerm {
    /// The stored row.
    pub row: term::Model,
    /// The whole term.
    pub document: TermDocument,
    /// `faq_ids[i]` is the id of `document.faqs[i]`.
    pub faq_ids: Vec<Option<i64>>,
}

/// Opens a transaction for a write. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so two
/// writers queue instead of one failing when it upgrades a stale read.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction> {
    Ok(db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?)
}

/// Loads a term in any status, or `None`.
pub async fn load(db: &impl ConnectionTrait, term_id: i64) -> Result<Option<EditableTerm>> {
    let Some(row) = term::Entity::find_by_id(term_id).one(db).await? else {
        return Ok(None);
    };
    let sections = super::sections::by_term_ids(db, &[term_id])
        .await?
        .into_iter()
        .map(|s| SectionDocument {
            heading: s.heading,
            body: s.body,
        })
        .collect();
    let faq_rows = super::faqs::by_term_ids(db, &[term_id]).await?;
    let faq_ids = faq_rows.iter().map(|f| Some(f.id)).collect();
    let faqs = faq_rows
        .into_iter()
        .map(|f| FaqDocument {
            question: f.question,
            answer: f.answer,
        })
        .collect();
    let related: Vec<String> = term_relation::Entity::find()
        .select_only()
        .column(term::Column::Slug)
        .inner_join(term::Entity)
        .filter(term_relation::Column::TermId.eq(term_id))
        .order_by_asc(term_relation::Column::Position)
        .into_tuple()
        .all(db)
        .await?;
    let categories = super::categories::by_term_ids(db, &[term_id])
        .await?
        .into_iter()
        .map(|(_, c)| c.slug)
        .collect();
    let document = bulk::assemble_document(row.clone(), sections, faqs, related, categories);
    Ok(Some(EditableTerm {
        row,
        document,
        faq_ids,
    }))
}

/// Loads term `term_id` for a change made against `expected_version` (when given): refused when the term
/// does not exist or has moved on to another version.
pub async fn load_for_edit(
    db: &impl ConnectionTrait,
    term_id: i64,
    expected_version: Option<i32>,
) -> Edit<EditableTerm> {
    let Some(term) = load(db, term_id).await? else {
        return Ok(Err(vec![Problem::new(
            "id",
            ProblemCode::NotFound,
            "no term has this ID",
        )]));
    };
    if let Some(expected) = expected_version
        && expected != term.row.version
    {
        return Ok(Err(vec![Problem::conflict(term.row.version)]));
    }
    Ok(Ok(term))
}

/// Every check of a document that is to be stored as term `term_id` (`None` for a new term): the document's
/// own rules, then its slug, related slugs and categories against the database.
async fn check(
    db: &impl ConnectionTrait,
    term_id: Option<i64>,
    document: &TermDocument,
) -> Result<(Vec<Problem>, HashMap<String, i64>, HashMap<String, i64>)> {
    let mut problems = Vec::new();
    pack::check_document(document, &mut |field: &str, message: String| {
        problems.push(Problem::new(field, ProblemCode::Invalid, message));
    });
    if let Some(owner) = slug_owner(db, &document.slug).await?
        && Some(owner) != term_id
    {
        problems.push(Problem::new(
            "slug",
            ProblemCode::Taken,
            format!("the slug {:?} belongs to another term", document.slug),
        ));
    }
    let related = terms::ids_by_slug_any_status(db, &document.related).await?;
    for slug in &document.related {
        if !related.contains_key(slug) {
            problems.push(Problem::new(
                "related",
                ProblemCode::NotFound,
                format!("no term has the slug {slug:?}"),
            ));
        }
    }
    let categories: HashMap<String, i64> = super::categories::by_slugs(db, &document.categories)
        .await?
        .into_iter()
        .map(|c| (c.slug, c.id))
        .collect();
    for slug in &document.categories {
        if !categories.contains_key(slug) {
            problems.push(Problem::new(
                "categories",
                ProblemCode::NotFound,
                format!("no category has the slug {slug:?}"),
            ));
        }
    }
    Ok((problems, related, categories))
}

/// The term whose current slug or old slug is `slug`.
async fn slug_owner(db: &impl ConnectionTrait, slug: &str) -> Result<Option<i64>> {
    if let Some(id) = terms::ids_by_slug_any_status(db, &[slug.to_owned()])
        .await?
        .get(slug)
    {
        return Ok(Some(*id));
    }
    Ok(term_slug_alias::Entity::find_by_id(slug.to_owned())
        .one(db)
        .await?
        .map(|alias| alias.term_id))
}

/// Stores the revision that a change to `term_id` produced.
async fn record_revision(
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

/// Creates a term from a document, with its first revision. Call inside a write transaction.
pub async fn create(
    db: &impl ConnectionTrait,
    author: &str,
    document: TermDocument,
) -> Edit<term::Model> {
    let (problems, related, categories) = check(db, None, &document).await?;
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let now = clock::now();
    let rendered = bulk::render(&document);
    let row = term::Entity::insert(bulk::term_row(&document, &rendered, now))
        .exec_with_returning(db)
        .await?;
    let mut children = ChildRows::default();
    children.add(
        row.id,
        &document,
        &rendered,
        None,
        &|slug| related.get(slug).copied(),
        &categories,
    )?;
    children.insert(db).await?;
    record_revision(
        db,
        row.id,
        row.version,
        author,
        "createTerm",
        &document,
        now,
    )
    .await?;
    Ok(Ok(row))
}

/// Saves `after` over `before` (both from [`load`]), bumping the version, keeping the old slug as an alias
/// and recording a revision described by `change`. Refuses with a conflict when the stored version is no
/// longer `before`'s, so concurrent editors never overwrite each other. Call inside a write transaction.
pub async fn save(
    db: &impl ConnectionTrait,
    author: &str,
    change: &str,
    before: &EditableTerm,
    after: &EditableTerm,
) -> Edit<term::Model> {
    let id = before.row.id;
    let (problems, related, categories) = check(db, Some(id), &after.document).await?;
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let now = clock::now();
    let document = &after.document;
    let rendered = bulk::render(document);
    let mut row = bulk::term_row(document, &rendered, now);
    row.id = Unchanged(id);
    row.created_at = NotSet;
    row.version = Set(before.row.version + 1);
    if document.published_at.is_none() && bulk::status_of(document.status) == TermStatus::Published
    {
        row.published_at = Set(Some(before.row.published_at.unwrap_or(now)));
    }
    // The version in the WHERE clause is the lost-update guard: a concurrent save that committed first
    // leaves nothing to match here.
    let updated = term::Entity::update_many()
        .set(row)
        .filter(term::Column::Id.eq(id))
        .filter(term::Column::Version.eq(before.row.version))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        let current = term::Entity::find_by_id(id).one(db).await?;
        return Ok(Err(vec![match current {
            Some(current) => Problem::conflict(current.version),
            None => Problem::new(
                "id",
                ProblemCode::NotFound,
                "the term was deleted meanwhile",
            ),
        }]));
    }

    // Lists are rewritten whole when they changed; FAQ ids are kept.
    let old = &before.document;
    if old.sections != document.sections {
        section::Entity::delete_many()
            .filter(section::Column::TermId.eq(id))
            .exec(db)
            .await?;
    }
    if old.faqs != document.faqs || before.faq_ids != after.faq_ids {
        faq::Entity::delete_many()
            .filter(faq::Column::TermId.eq(id))
            .exec(db)
            .await?;
    }
    if old.related != document.related {
        term_relation::Entity::delete_many()
            .filter(term_relation::Column::TermId.eq(id))
            .exec(db)
            .await?;
    }
    if old.categories != document.categories {
        term_category::Entity::delete_many()
            .filter(term_category::Column::TermId.eq(id))
            .exec(db)
            .await?;
    }
    let mut changed = document.clone();
    if old.sections == document.sections {
        changed.sections.clear();
    }
    let faqs_unchanged = old.faqs == document.faqs && before.faq_ids == after.faq_ids;
    if faqs_unchanged {
        changed.faqs.clear();
    }
    if old.related == document.related {
        changed.related.clear();
    }
    if old.categories == document.categories {
        changed.categories.clear();
    }
    // `changed` keeps a list whole or empties it, so the renderings of the full document still line up.
    let mut children = ChildRows::default();
    children.add(
        id,
        &changed,
        &rendered,
        Some(&after.faq_ids),
        &|slug| related.get(slug).copied(),
        &categories,
    )?;
    children.insert(db).await?;

    if old.slug != document.slug {
        term_slug_alias::Entity::delete_by_id(document.slug.clone())
            .exec(db)
            .await?;
        term_slug_alias::Entity::insert(term_slug_alias::ActiveModel {
            slug: Set(old.slug.clone()),
            term_id: Set(id),
            created_at: Set(now),
        })
        .exec_without_returning(db)
        .await?;
    }
    let saved = term::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| Error::Internal(format!("term {id} vanished inside its own transaction")))?;
    let stored = load(db, id)
        .await?
        .ok_or_else(|| Error::Internal(format!("term {id} vanished inside its own transaction")))?;
    record_revision(db, id, saved.version, author, change, &stored.document, now).await?;
    Ok(Ok(saved))
}

/// Deletes a term (its lists, links both ways, aliases and revisions go with it), refusing on a version
/// conflict. Call inside a write transaction.
pub async fn delete(db: &impl ConnectionTrait, before: &EditableTerm) -> Edit<()> {
    let deleted = term::Entity::delete_many()
        .filter(term::Column::Id.eq(before.row.id))
        .filter(term::Column::Version.eq(before.row.version))
        .exec(db)
        .await?;
    if deleted.rows_affected == 0 {
        let current = term::Entity::find_by_id(before.row.id).one(db).await?;
        return Ok(Err(vec![match current {
            Some(current) => Problem::conflict(current.version),
            None => Problem::new(
                "id",
                ProblemCode::NotFound,
                "the term was deleted meanwhile",
            ),
        }]));
    }
    Ok(Ok(()))
}

/// A term's revisions, newest first, with versions below `before_version` when given.
pub async fn revisions(
    db: &impl ConnectionTrait,
    term_id: i64,
    before_version: Option<i32>,
    limit: u64,
) -> Result<Vec<term_revision::Model>> {
    let mut select =
        term_revision::Entity::find().filter(term_revision::Column::TermId.eq(term_id));
    if let Some(version) = before_version {
        select = select.filter(term_revision::Column::Version.lt(version));
    }
    Ok(select
        .order_by_desc(term_revision::Column::Version)
        .limit(limit)
        .all(db)
        .await?)
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
