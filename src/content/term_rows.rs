//! One term as rows: the `term` row of a pack document with every derived column (rendered HTML, anchors,
//! reading time, sort key), the rows that hang off it (sections, FAQs, related-term links, category
//! memberships), and the document assembled back from stored rows. Imports, exports and single-term edits
//! all map terms through here, so they agree field for field.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{TermStatus, faq, section, term, term_category, term_name_alias, term_relation};
use sea_orm::{ActiveValue::NotSet, ConnectionTrait, EntityTrait, Set};

use super::{
    markdown::{self, AnchorAllocator},
    pack::{
        CallToActionDocument, FaqDocument, SectionDocument, SeoDocument, TermDocument, alias_key,
    },
};
use crate::error::Result;

/// Rows per multi-row INSERT: far below the bind-parameter limits of SQLite (32 766) and PostgreSQL (65 535).
pub(crate) const ROWS_PER_INSERT: usize = 500;

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
    let status = document.status;
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
    aliases: Vec<term_name_alias::ActiveModel>,
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
        for (position, alias) in document.aliases.iter().enumerate() {
            self.aliases.push(term_name_alias::ActiveModel {
                lowered: Set(alias_key(alias)),
                term_id: Set(term_id),
                position: Set(position as i32),
                alias: Set(alias.trim().to_owned()),
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

    /// Sections gathered so far.
    pub fn section_count(&self) -> usize {
        self.sections.len()
    }

    /// FAQ entries gathered so far.
    pub fn faq_count(&self) -> usize {
        self.faqs.len() + self.kept_faqs.len()
    }

    /// Related-term links gathered so far.
    pub fn relation_count(&self) -> usize {
        self.relations.len()
    }

    /// Inserts every row gathered.
    pub async fn insert(self, db: &impl ConnectionTrait) -> Result<()> {
        insert_in_batches::<section::Entity, _>(db, self.sections).await?;
        insert_in_batches::<faq::Entity, _>(db, self.kept_faqs).await?;
        insert_in_batches::<faq::Entity, _>(db, self.faqs).await?;
        insert_in_batches::<term_relation::Entity, _>(db, self.relations).await?;
        insert_in_batches::<term_category::Entity, _>(db, self.memberships).await?;
        insert_in_batches::<term_name_alias::Entity, _>(db, self.aliases).await
    }
}

/// Inserts rows in multi-row INSERTs of [`ROWS_PER_INSERT`].
pub(crate) async fn insert_in_batches<E, A>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<()>
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

/// A term's call to action, from its four `cta_` columns (all set, or none).
pub fn call_to_action_of(row: &term::Model) -> Option<CallToActionDocument> {
    match (
        &row.cta_heading,
        &row.cta_text,
        &row.cta_label,
        &row.cta_url,
    ) {
        (Some(heading), Some(text), Some(label), Some(url)) => Some(CallToActionDocument {
            heading: heading.clone(),
            text: text.clone(),
            label: label.clone(),
            url: url.clone(),
        }),
        _ => None,
    }
}

/// A stored term's lists, as its pack document holds them.
#[derive(Clone, Debug, Default)]
pub struct TermLists {
    /// The body, in order.
    pub sections: Vec<SectionDocument>,
    /// The FAQ list, in order.
    pub faqs: Vec<FaqDocument>,
    /// Related slugs, in order.
    pub related: Vec<String>,
    /// Category slugs, in any order.
    pub categories: Vec<String>,
    /// Aliases, in order.
    pub aliases: Vec<String>,
}

/// The pack document of a stored term, from its row and its lists.
pub fn assemble_document(t: term::Model, lists: TermLists) -> TermDocument {
    let TermLists {
        sections,
        faqs,
        related,
        mut categories,
        aliases,
    } = lists;
    categories.sort();
    let call_to_action = call_to_action_of(&t);
    let seo = (t.seo_title.is_some() || t.seo_description.is_some()).then_some(SeoDocument {
        title: t.seo_title,
        description: t.seo_description,
    });
    TermDocument {
        categories,
        sections,
        faqs,
        related,
        aliases,
        status: t.status,
        call_to_action,
        seo,
        published_at: t.published_at,
        slug: t.slug,
        name: t.name,
        title: t.title,
        definition: t.definition,
    }
}
