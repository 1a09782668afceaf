//! Whole-pack writes and reads: inserting validated term documents in batches (import, sample content) and
//! reading every term back as documents (export). Both sides agree field for field, so export → import
//! round-trips exactly.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use entity::{
    TermStatus, category, faq, section, term, term_category, term_relation, term_revision,
};
use sea_orm::{ActiveValue::NotSet, ConnectionTrait, EntityTrait, QueryOrder, Set};

use super::{
    categories,
    markdown::{self, AnchorAllocator},
    pack::{
        CallToActionDocument, FaqDocument, SectionDocument, SeoDocument, StatusDocument,
        TermDocument,
    },
};
use crate::error::Result;

/// Rows per multi-row INSERT: far below the bind-parameter limits of SQLite (32 766) and PostgreSQL (65 535).
const ROWS_PER_INSERT: usize = 500;

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

pub fn status_of(document: StatusDocument) -> TermStatus {
    match document {
        StatusDocument::Draft => TermStatus::Draft,
        StatusDocument::Published => TermStatus::Published,
        StatusDocument::Archived => TermStatus::Archived,
    }
}

fn document_status(status: TermStatus) -> StatusDocument {
    match status {
        TermStatus::Draft => StatusDocument::Draft,
        TermStatus::Published => StatusDocument::Published,
        TermStatus::Archived => StatusDocument::Archived,
    }
}

/// Everything derived from a document's text: HTML, anchors and reading time. Computing it is the CPU-heavy
/// part of an import, so it is done before the transaction opens, on every core.
#[derive(Clone, Debug)]
pub struct RenderedTerm {
    definition_html: String,
    section_anchors: Vec<String>,
    section_html: Vec<String>,
    faq_html: Vec<String>,
    reading_time_minutes: i32,
}

/// Renders one document.
pub fn render(document: &TermDocument) -> RenderedTerm {
    let words = markdown::word_count(&document.definition)
        + document
            .sections
            .iter()
            .map(|s| markdown::word_count(&s.heading) + markdown::word_count(&s.body))
            .sum::<usize>()
        + document
            .faqs
            .iter()
            .map(|f| markdown::word_count(&f.question) + markdown::word_count(&f.answer))
            .sum::<usize>();
    let mut anchors = AnchorAllocator::default();
    RenderedTerm {
        definition_html: markdown::to_html(&document.definition),
        section_anchors: document
            .sections
            .iter()
            .map(|s| anchors.allocate(&s.heading))
            .collect(),
        section_html: document
            .sections
            .iter()
            .map(|s| markdown::to_html(&s.body))
            .collect(),
        faq_html: document
            .faqs
            .iter()
            .map(|f| markdown::to_html(&f.answer))
            .collect(),
        reading_time_minutes: markdown::reading_time_minutes(words),
    }
}

/// Renders many documents, split across the machine's cores. Blocking: call it off the async runtime.
pub fn render_all(documents: &[&TermDocument]) -> Vec<RenderedTerm> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = documents.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = documents
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|d| render(d)).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("rendering does not panic"))
            .collect()
    })
}

/// The `term` row for a document, with every derived column computed.
pub fn term_row(
    document: &TermDocument,
    rendered: &RenderedTerm,
    now: DateTime<Utc>,
) -> term::ActiveModel {
    let status = status_of(document.status);
    let published_at = match (document.published_at, status) {
        (Some(at), _) => Some(at),
        (None, TermStatus::Published) => Some(now),
        (None, _) => None,
    };
    let cta = document.call_to_action.as_ref();
    let seo = document.seo.as_ref();
    term::ActiveModel {
        id: NotSet,
        slug: Set(document.slug.clone()),
        name: Set(document.name.clone()),
        sort_key: Set(markdown::sort_key(&document.name)),
        initial: Set(markdown::initial(&document.name)),
        title: Set(document.title.clone()),
        definition: Set(document.definition.clone()),
        definition_html: Set(rendered.definition_html.clone()),
        status: Set(status),
        published_at: Set(published_at),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        reading_time_minutes: Set(rendered.reading_time_minutes),
        seo_title: Set(seo.and_then(|s| s.title.clone())),
        seo_description: Set(seo.and_then(|s| s.description.clone())),
        cta_heading: Set(cta.map(|c| c.heading.clone())),
        cta_text: Set(cta.map(|c| c.text.clone())),
        cta_label: Set(cta.map(|c| c.label.clone())),
        cta_url: Set(cta.map(|c| c.url.clone())),
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
        if stored.published_at.is_none() && document.status == StatusDocument::Published {
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
    summary.sections = children.sections.len();
    summary.faqs = children.faqs.len();
    summary.relations = children.relations.len();
    children.insert(db).await?;
    Ok(summary)
}

/// The rows that hang off terms: sections, FAQs, related-term links and category memberships.
#[derive(Default)]
pub struct ChildRows {
    sections: Vec<section::ActiveModel>,
    faqs: Vec<faq::ActiveModel>,
    /// FAQs that keep their stored id: a multi-row INSERT must give every row the same columns, and an
    /// explicit NULL id is an error on PostgreSQL, so these go in statements of their own.
    kept_faqs: Vec<faq::ActiveModel>,
    relations: Vec<term_relation::ActiveModel>,
    memberships: Vec<term_category::ActiveModel>,
}

impl ChildRows {
    /// Adds the child rows of one term. `faq_ids[i]`, when given and set, keeps FAQ `i`'s id (so its global
    /// ID survives edits); `related_id` and `category_ids` resolve slugs, which the caller has checked.
    pub fn add(
        &mut self,
        term_id: i64,
        document: &TermDocument,
        rendered: &RenderedTerm,
        faq_ids: Option<&[Option<i64>]>,
        related_id: &dyn Fn(&str) -> Option<i64>,
        category_ids: &HashMap<String, i64>,
    ) -> Result<()> {
        let unresolved = |what: &str, slug: &str| {
            crate::error::Error::Internal(format!(
                "{what} {slug:?} was not resolved before writing"
            ))
        };
        for (position, s) in document.sections.iter().enumerate() {
            self.sections.push(section::ActiveModel {
                id: NotSet,
                term_id: Set(term_id),
                position: Set(position as i32),
                heading: Set(s.heading.clone()),
                anchor: Set(rendered.section_anchors[position].clone()),
                body: Set(s.body.clone()),
                body_html: Set(rendered.section_html[position].clone()),
            });
        }
        for (position, f) in document.faqs.iter().enumerate() {
            let id = faq_ids.and_then(|ids| ids.get(position).copied().flatten());
            let rows = if id.is_some() {
                &mut self.kept_faqs
            } else {
                &mut self.faqs
            };
            rows.push(faq::ActiveModel {
                id: id.map_or(NotSet, Set),
                term_id: Set(term_id),
                position: Set(position as i32),
                question: Set(f.question.clone()),
                answer: Set(f.answer.clone()),
                answer_html: Set(rendered.faq_html[position].clone()),
            });
        }
        for (position, slug) in document.related.iter().enumerate() {
            let related_term_id =
                related_id(slug).ok_or_else(|| unresolved("related slug", slug))?;
            self.relations.push(term_relation::ActiveModel {
                term_id: Set(term_id),
                related_term_id: Set(related_term_id),
                position: Set(position as i32),
            });
        }
        for slug in &document.categories {
            let category_id = *category_ids
                .get(slug)
                .ok_or_else(|| unresolved("category", slug))?;
            self.memberships.push(term_category::ActiveModel {
                term_id: Set(term_id),
                category_id: Set(category_id),
            });
        }
        Ok(())
    }

    /// Inserts every row gathered.
    pub async fn insert(self, db: &impl ConnectionTrait) -> Result<()> {
        insert_in_batches::<section::Entity, _>(db, self.sections).await?;
        insert_in_batches::<faq::Entity, _>(db, self.kept_faqs).await?;
        insert_in_batches::<faq::Entity, _>(db, self.faqs).await?;
        insert_in_batches::<term_relation::Entity, _>(db, self.relations).await?;
        insert_in_batches::<term_category::Entity, _>(db, self.memberships).await
    }
}

/// Inserts rows in multi-row INSERTs of [`ROWS_PER_INSERT`].
async fn insert_in_batches<E, A>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<()>
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(ROWS_PER_INSERT).collect();
        E::insert_many(batch).exec_without_returning(db).await?;
    }
    Ok(())
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

    Ok(terms
        .into_iter()
        .map(|t| {
            let id = t.id;
            assemble_document(
                t,
                sections.remove(&id).unwrap_or_default(),
                faqs.remove(&id).unwrap_or_default(),
                related.remove(&id).unwrap_or_default(),
                category_slugs.remove(&id).unwrap_or_default(),
            )
        })
        .collect())
}

/// The pack document of a stored term, from its row and its lists (categories in any order).
pub fn assemble_document(
    t: term::Model,
    sections: Vec<SectionDocument>,
    faqs: Vec<FaqDocument>,
    related: Vec<String>,
    mut categories: Vec<String>,
) -> TermDocument {
    categories.sort();
    let call_to_action = match (t.cta_heading, t.cta_text, t.cta_label, t.cta_url) {
        (Some(heading), Some(text), Some(label), Some(url)) => Some(CallToActionDocument {
            heading,
            text,
            label,
            url,
        }),
        _ => None,
    };
    let seo = (t.seo_title.is_some() || t.seo_description.is_some()).then_some(SeoDocument {
        title: t.seo_title,
        description: t.seo_description,
    });
    TermDocument {
        categories,
        sections,
        faqs,
        related,
        status: document_status(t.status),
        call_to_action,
        seo,
        published_at: t.published_at,
        slug: t.slug,
        name: t.name,
        title: t.title,
        definition: t.definition,
    }
}

/// Refreshes the query planner's statistics after a bulk write, so that the first queries after an import
/// are planned with the new row counts. `ANALYZE` means the same on SQLite and PostgreSQL.
pub async fn refresh_planner_statistics(db: &impl ConnectionTrait) -> Result<()> {
    db.execute_unprepared("ANALYZE").await?;
    Ok(())
}
