//! Whole-pack writes and reads: inserting validated term documents in batches (import, sample content) and
//! reading every term back as documents (export). Both sides agree field for field, so export → import
//! round-trips exactly. The mapping of one term to its rows is `term_rows`', shared with single-term edits.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{
    category, faq, section, term, term_category, term_name_alias, term_relation, term_revision,
};
use sea_orm::{
    ActiveValue::NotSet, ConnectionTrait, DbBackend, EntityTrait, QueryOrder, Set, Statement,
};

use super::{
    categories,
    pack::{FaqDocument, SectionDocument, TermDocument, TermStatus},
    search_index,
    term_rows::{
        ChildRows, ROWS_PER_INSERT, RenderedTerm, TermLists, assemble_document, insert_in_batches,
        term_row,
    },
    terms,
};
use crate::error::Result;

/// What an import wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InsertSummary {
    /// Terms inserted.
    pub terms: usize,
    /// Sections inserted.
    pub sections: usize,
    /// FAQ entries inserted.
    pub faqs: usize,
    /// Related-term links inserted.
    pub relations: usize,
    /// Categories created.
    pub categories_created: usize,
}

/// The display name of a category created from its slug: `machine-learning` → `Machine learning`.
pub fn category_name_from_slug(slug: &str) -> String {
    let words = slug.replace('-', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Inserts validated documents with their renderings (`rendered[i]` belongs to `documents[i]`).
/// `stored_slugs` maps slugs already in the database to their ids, so related slugs may point at them. Call
/// inside a transaction: a failure part-way leaves it to be rolled back.
pub async fn insert_documents(
    db: &impl ConnectionTrait,
    documents: &[&TermDocument],
    rendered: &[RenderedTerm],
    stored_slugs: &HashMap<String, i64>,
    now: DateTime<Utc>,
    author: &str,
) -> Result<InsertSummary> {
    if documents.len() != rendered.len() {
        return Err(crate::error::Error::Internal(
            "every document needs its rendering".to_owned(),
        ));
    }
    let mut summary = InsertSummary::default();

    // Categories: reuse what exists, create the rest.
    let mut wanted: Vec<String> = documents
        .iter()
        .flat_map(|d| d.categories.iter().cloned())
        .collect();
    wanted.sort();
    wanted.dedup();
    let mut category_ids: HashMap<String, i64> = HashMap::new();
    for chunk in wanted.chunks(ROWS_PER_INSERT) {
        for existing in categories::by_slugs(db, chunk).await? {
            category_ids.insert(existing.slug, existing.id);
        }
    }
    let missing: Vec<&String> = wanted
        .iter()
        .filter(|s| !category_ids.contains_key(*s))
        .collect();
    for chunk in missing.chunks(ROWS_PER_INSERT) {
        let rows = chunk.iter().map(|slug| category::ActiveModel {
            id: NotSet,
            slug: Set((*slug).clone()),
            name: Set(category_name_from_slug(slug)),
            description: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        });
        for created in category::Entity::insert_many(rows)
            .exec_with_returning(db)
            .await?
        {
            category_ids.insert(created.slug, created.id);
            summary.categories_created += 1;
        }
    }

    // Terms, keeping the id of each new slug.
    let mut term_ids: HashMap<&str, i64> = HashMap::with_capacity(documents.len());
    for (chunk, rendered) in documents
        .chunks(ROWS_PER_INSERT)
        .zip(rendered.chunks(ROWS_PER_INSERT))
    {
        let rows = chunk
            .iter()
            .zip(rendered)
            .map(|(document, rendered)| term_row(document, rendered, now));
        let inserted = term::Entity::insert_many(rows)
            .exec_with_returning(db)
            .await?;
        for (document, row) in chunk.iter().zip(&inserted) {
            debug_assert_eq!(document.slug, row.slug);
            term_ids.insert(document.slug.as_str(), row.id);
        }
        summary.terms += inserted.len();
    }
    let id_of = |slug: &str| {
        term_ids
            .get(slug)
            .copied()
            .or_else(|| stored_slugs.get(slug).copied())
    };

    // Everything that hangs off a term.
    let mut children = ChildRows::default();
    for (document, rendered) in documents.iter().zip(rendered) {
        let term_id = term_ids[document.slug.as_str()];
        children.add(term_id, document, rendered, None, &id_of, &category_ids)?;
    }

    // Each term's history starts with the imported document, as stored.
    let mut revisions = Vec::with_capacity(documents.len());
    for document in documents {
        let mut stored = (*document).clone();
        stored.categories.sort();
        if stored.published_at.is_none() && document.status == TermStatus::Published {
            stored.published_at = Some(now);
        }
        let snapshot = serde_json::to_string(&stored).map_err(|error| {
            crate::error::Error::Internal(format!("cannot snapshot {:?}: {error}", document.slug))
        })?;
        revisions.push(term_revision::ActiveModel {
            id: NotSet,
            term_id: Set(term_ids[document.slug.as_str()]),
            version: Set(1),
            author: Set(author.to_owned()),
            created_at: Set(now),
            change: Set("import".to_owned()),
            snapshot: Set(snapshot),
        });
    }
    insert_in_batches::<term_revision::Entity, _>(db, revisions).await?;
    let indexed: Vec<(i64, &TermDocument)> = documents
        .iter()
        .map(|document| (term_ids[document.slug.as_str()], *document))
        .collect();
    search_index::write(db, &indexed).await?;
    summary.sections = children.section_count();
    summary.faqs = children.faq_count();
    summary.relations = children.relation_count();
    children.insert(db).await?;
    Ok(summary)
}

/// Every term, in any status, as pack documents in id order. Five SQL statements, whatever the size.
pub async fn load_documents(db: &impl ConnectionTrait) -> Result<Vec<TermDocument>> {
    let terms = term::Entity::find()
        .order_by_asc(term::Column::Id)
        .all(db)
        .await?;
    let slug_of: HashMap<i64, &str> = terms.iter().map(|t| (t.id, t.slug.as_str())).collect();

    let mut sections: BTreeMap<i64, Vec<SectionDocument>> = BTreeMap::new();
    for s in section::Entity::find()
        .order_by_asc(section::Column::TermId)
        .order_by_asc(section::Column::Position)
        .all(db)
        .await?
    {
        sections
            .entry(s.term_id)
            .or_default()
            .push(SectionDocument {
                heading: s.heading,
                body: s.body,
            });
    }
    let mut faqs: BTreeMap<i64, Vec<FaqDocument>> = BTreeMap::new();
    for f in faq::Entity::find()
        .order_by_asc(faq::Column::TermId)
        .order_by_asc(faq::Column::Position)
        .all(db)
        .await?
    {
        faqs.entry(f.term_id).or_default().push(FaqDocument {
            question: f.question,
            answer: f.answer,
        });
    }
    let mut related: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for link in term_relation::Entity::find()
        .order_by_asc(term_relation::Column::TermId)
        .order_by_asc(term_relation::Column::Position)
        .all(db)
        .await?
    {
        if let Some(slug) = slug_of.get(&link.related_term_id) {
            related
                .entry(link.term_id)
                .or_default()
                .push((*slug).to_owned());
        }
    }
    let mut category_slugs: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    let all_categories: HashMap<i64, String> = categories::all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.slug))
        .collect();
    for membership in term_category::Entity::find().all(db).await? {
        if let Some(slug) = all_categories.get(&membership.category_id) {
            category_slugs
                .entry(membership.term_id)
                .or_default()
                .push(slug.clone());
        }
    }

    let mut aliases: HashMap<i64, Vec<String>> = HashMap::new();
    for alias in term_name_alias::Entity::find()
        .order_by_asc(term_name_alias::Column::TermId)
        .order_by_asc(term_name_alias::Column::Position)
        .all(db)
        .await?
    {
        aliases.entry(alias.term_id).or_default().push(alias.alias);
    }

    Ok(terms
        .into_iter()
        .map(|t| {
            let id = t.id;
            assemble_document(
                t,
                TermLists {
                    sections: sections.remove(&id).unwrap_or_default(),
                    faqs: faqs.remove(&id).unwrap_or_default(),
                    related: related.remove(&id).unwrap_or_default(),
                    categories: category_slugs.remove(&id).unwrap_or_default(),
                    aliases: aliases.remove(&id).unwrap_or_default(),
                },
            )
        })
        .collect())
}

/// Refreshes the query planner's statistics after a bulk write, so that the first queries after an import
/// are planned with the new row counts: `ANALYZE` on SQLite, `VACUUM (ANALYZE)` on PostgreSQL. The vacuum
/// also does what the first readers would otherwise pay for until autovacuum came round:
///
/// - it marks the new rows' pages all-visible, so that index-only scans read no table page. Right after
///   a 10 000-term import, a 50-term page's sort-key scan fetched all 50 rows from the table (52 buffers;
///   3 after the vacuum), and its FAQ questions came through the unique index and the table instead of
///   the covering index alone;
/// - it takes the full-text GIN indexes' pending lists in: rows written in bulk wait there (GIN's fast
///   update) until a vacuum, and every search scans them meanwhile, which made a suggestion after a
///   10 000-term import take milliseconds instead of tens of microseconds.
///
/// A vacuum cannot run in a transaction: call this after the import's has committed. It skips pages
/// already all-visible, so a small import into a large glossary vacuums little.
pub async fn refresh_planner_statistics(db: &impl ConnectionTrait) -> Result<()> {
    let refresh = match db.get_database_backend() {
        DbBackend::Postgres => "VACUUM (ANALYZE)",
        _ => "ANALYZE",
    };
    db.execute_unprepared(refresh).await?;
    Ok(())
}

/// Writes the full-text index rows of terms that have none (stored before the index existed, or by a tool that
/// bypassed this service), and returns how many. One statement when none is missing.
pub async fn index_missing(db: &impl ConnectionTrait) -> Result<usize> {
    let backend = db.get_database_backend();
    let key = match backend {
        DbBackend::Postgres => "term_id",
        _ => "rowid",
    };
    let missing: HashSet<i64> = db
        .query_all_raw(Statement::from_string(
            backend,
            format!("SELECT id FROM term WHERE id NOT IN (SELECT {key} FROM term_search)"),
        ))
        .await?
        .iter()
        .map(|row| row.try_get_by_index::<i64>(0))
        .collect::<std::result::Result<_, _>>()?;
    if missing.is_empty() {
        return Ok(0);
    }
    let documents = load_documents(db).await?;
    let slugs: Vec<String> = documents.iter().map(|d| d.slug.clone()).collect();
    let ids = terms::ids_by_slug_any_status(db, &slugs).await?;
    let rows: Vec<(i64, &TermDocument)> = documents
        .iter()
        .filter_map(|document| {
            let id = *ids.get(&document.slug)?;
            missing.contains(&id).then_some((id, document))
        })
        .collect();
    search_index::write(db, &rows).await?;
    Ok(rows.len())
}
