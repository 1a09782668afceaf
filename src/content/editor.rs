//! Changing terms one at a time, for the editorial service: load a term as a pack document, change the document,
//! check it, and save it in the caller's transaction with a version check, slug aliases and a revision.
//!
//! The pack document is the one shape of a whole term: imports write it, exports read it, revisions store it
//! as their snapshot, and restoring a revision saves it again. Checks that need the database (slug taken,
//! related terms and categories that exist) live here; checks on the document alone are `pack`'s.

use std::collections::HashMap;

use entity::{
    TermStatus, faq, section, term, term_category, term_name_alias, term_relation, term_slug_alias,
};
use sea_orm::{
    ActiveValue::{NotSet, Set, Unchanged},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{
    pack::{self, FaqDocument, SectionDocument, TermDocument},
    refusal::{Edit, Problem, ProblemCode},
    revisions, search_index,
    term_rows::{self, ChildRows, TermLists},
    terms,
    text_forms::TextForms,
};
use crate::{
    clock,
    error::{Error, Result},
};

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

/// Loads a term in any status, or `None`.
pub async fn load(db: &impl ConnectionTrait, term_id: i64) -> Result<Option<EditableTerm>> {
    let Some(row) = term::Entity::find_by_id(term_id).one(db).await? else {
        return Ok(None);
    };
    let sections = super::sections::by_term_ids(db, &[term_id], TextForms::BOTH)
        .await?
        .into_iter()
        .map(|s| SectionDocument {
            heading: s.heading,
            body: s.body,
        })
        .collect();
    let faq_rows = super::faqs::by_term_ids(db, &[term_id], TextForms::BOTH).await?;
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
    let aliases = super::aliases::by_term_ids(db, &[term_id])
        .await?
        .into_iter()
        .map(|(_, alias)| alias)
        .collect();
    let document = term_rows::assemble_document(
        row.clone(),
        TermLists {
            sections,
            faqs,
            related,
            categories,
            aliases,
        },
    );
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
    if let Some(owner) = super::aliases::owner_of(db, &document.name).await?
        && Some(owner) != term_id
    {
        problems.push(Problem::new(
            "name",
            ProblemCode::Taken,
            format!("{:?} is another term's alias", document.name),
        ));
    }
    for (i, message) in super::aliases::conflicts(db, term_id, &document.aliases).await? {
        problems.push(Problem::new(
            &format!("aliases[{i}]"),
            ProblemCode::Taken,
            message,
        ));
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
    let rendered = term_rows::render(&document);
    let row = term::Entity::insert(term_rows::term_row(&document, &rendered, now))
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
    search_index::write(db, &[(row.id, &document)]).await?;
    revisions::record(
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
    let rendered = term_rows::render(document);
    let mut row = term_rows::term_row(document, &rendered, now);
    row.id = Unchanged(id);
    row.created_at = NotSet;
    row.version = Set(before.row.version + 1);
    if document.published_at.is_none() && document.status == TermStatus::Published {
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
    if old.aliases != document.aliases {
        term_name_alias::Entity::delete_many()
            .filter(term_name_alias::Column::TermId.eq(id))
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
    if old.aliases == document.aliases {
        changed.aliases.clear();
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
    search_index::write(db, &[(id, document)]).await?;

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
    // The revision holds the term as stored: its new row with the lists just written.
    let stored = term_rows::assemble_document(
        saved.clone(),
        TermLists {
            sections: document.sections.clone(),
            faqs: document.faqs.clone(),
            related: document.related.clone(),
            categories: document.categories.clone(),
            aliases: document.aliases.clone(),
        },
    );
    revisions::record(db, id, saved.version, author, change, &stored, now).await?;
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
    search_index::remove(db, &[before.row.id]).await?;
    Ok(Ok(()))
}
