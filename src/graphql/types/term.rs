//! The `Term` type: one glossary page and everything on it. Lists are resolved through the DataLoader, so a
//! page of terms costs one SQL statement per relation, not one per term.

use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::{TermStatus as StoredStatus, term};
use sea_orm::DatabaseConnection;

use super::{
    category::Category,
    page_parts::{CallToAction, Seo, TableOfContentsEntry},
    revision::{TermRevision, TermRevisionConnection},
    section::{Faq, Section},
    text::TextFormat,
};
use crate::{
    auth::Role,
    content::{
        markdown::{FAQS_ANCHOR, OVERVIEW_ANCHOR},
        revisions, term_rows,
    },
    error::Error,
    graphql::{
        cursor::{self, MAX_PAGE_SIZE, PositionList},
        global_id::{self, NodeKind},
        guards::RoleGuard,
        loader,
        loaders::{
            CategoriesByTerm, FaqsByTerm, RelatedTermSummariesByTerm, RelatedTermsByTerm,
            SectionsByTerm,
        },
    },
};

/// How long a generated SEO description may be.
const SEO_DESCRIPTION_LENGTH: usize = 160;

/// Where a term is in its editorial life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "StoredStatus")]
pub enum TermStatus {
    /// Being written; never shown to anonymous readers.
    Draft,
    /// Public.
    Published,
    /// Withdrawn from the public site.
    Archived,
}

/// A glossary term: the page "What is a backend developer?" with its definition, body, FAQs and links.
pub struct Term(pub term::Model);

/// The fields of `Term` answered from the short columns alone (or loaded by the term's id): a related-terms
/// list asking for these only is read with [`crate::content::relations::TermColumns::Summary`]. A field
/// reading a long text (`definition`, `seo`, `callToAction`) must never be listed here.
const SUMMARY_FIELDS: &[&str] = &[
    "__typename",
    "id",
    "slug",
    "name",
    "title",
    "initial",
    "status",
    "publishedAt",
    "createdAt",
    "updatedAt",
    "version",
    "readingTimeMinutes",
    "sections",
    "tableOfContents",
    "faqs",
    "relatedTerms",
    "categories",
    "revisions",
];

/// Whether the current field's selection (through fragments and under any alias) asks for no field but
/// those in `fields`. Directives are not weighed: a field under `@skip` still counts, which can only make
/// the answer "no".
fn selects_only(ctx: &Context<'_>, fields: &[&str]) -> bool {
    ctx.field()
        .selection_set()
        .all(|field| fields.contains(&field.name()))
}

/// Cuts `text` to at most `max` characters on a word boundary, adding an ellipsis when it cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max - 1).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':']))
}

/// A glossary term: the page "What is a backend developer?" with its definition, body, FAQs and links.
#[Object]
impl Term {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        global_id::encode(NodeKind::Term, self.0.id)
    }

    /// URL-safe unique key (`backend-developer`).
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The term itself ("Backend developer").
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The page's question-style heading ("What is a backend developer?").
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// One to three sentences that define the term.
    async fn definition(
        &self,
        #[graphql(
            desc = "Markdown source or sanitised HTML.",
            default_with = "TextFormat::Markdown"
        )]
        format: TextFormat,
    ) -> &str {
        format.pick(&self.0.definition, &self.0.definition_html)
    }

    /// The A–Z index letter the term is listed under.
    async fn initial(&self) -> &str {
        &self.0.initial
    }

    /// The page body, in order.
    async fn sections(&self, ctx: &Context<'_>) -> Result<Vec<Section>> {
        let sections = loader(ctx).load_one(SectionsByTerm(self.0.id)).await?;
        Ok(sections
            .unwrap_or_default()
            .into_iter()
            .map(Section)
            .collect())
    }

    /// The page's table of contents: Overview, each section, then the FAQs when there are any.
    async fn table_of_contents(&self, ctx: &Context<'_>) -> Result<Vec<TableOfContentsEntry>> {
        let loader = loader(ctx);
        let (sections, faqs) = futures_util::try_join!(
            loader.load_one(SectionsByTerm(self.0.id)),
            loader.load_one(FaqsByTerm(self.0.id))
        )?;
        let mut entries = vec![TableOfContentsEntry {
            title: "Overview".to_owned(),
            anchor: OVERVIEW_ANCHOR.to_owned(),
            level: 1,
        }];
        entries.extend(
            sections
                .unwrap_or_default()
                .into_iter()
                .map(|s| TableOfContentsEntry {
                    title: s.heading,
                    anchor: s.anchor,
                    level: 1,
                }),
        );
        if faqs.is_some_and(|f| !f.is_empty()) {
            entries.push(TableOfContentsEntry {
                title: "Frequently asked questions".to_owned(),
                anchor: FAQS_ANCHOR.to_owned(),
                level: 1,
            });
        }
        Ok(entries)
    }

    /// The FAQ list, in order.
    async fn faqs(&self, ctx: &Context<'_>) -> Result<Vec<Faq>> {
        let faqs = loader(ctx).load_one(FaqsByTerm(self.0.id)).await?;
        Ok(faqs.unwrap_or_default().into_iter().map(Faq).collect())
    }

    /// "Recommended" related terms in editorial order; only published ones are listed.
    async fn related_terms(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "At most this many (0–100); all of them (a term lists at most 100) when omitted."
        )]
        first: Option<i32>,
    ) -> Result<Vec<Term>> {
        let limit = match first {
            None => usize::MAX,
            Some(n) if n < 0 => {
                return Err(Error::bad_input("first", "first must not be negative").into());
            }
            Some(n) if n as usize > MAX_PAGE_SIZE => {
                return Err(Error::bad_input(
                    "first",
                    format!("first must be at most {MAX_PAGE_SIZE}"),
                )
                .into());
            }
            Some(n) => n as usize,
        };
        // A selection that reads only short columns gets rows without the long texts (which would be
        // copied and decoded for nothing); any other field, under any alias or fragment, reads them all.
        let related = if selects_only(ctx, SUMMARY_FIELDS) {
            loader(ctx)
                .load_one(RelatedTermSummariesByTerm(self.0.id))
                .await?
        } else {
            loader(ctx).load_one(RelatedTermsByTerm(self.0.id)).await?
        };
        Ok(related
            .unwrap_or_default()
            .into_iter()
            .take(limit)
            .map(Term)
            .collect())
    }

    /// The categories the term belongs to, by name.
    async fn categories(&self, ctx: &Context<'_>) -> Result<Vec<Category>> {
        let categories = loader(ctx).load_one(CategoriesByTerm(self.0.id)).await?;
        Ok(categories
            .unwrap_or_default()
            .into_iter()
            .map(Category)
            .collect())
    }

    /// The page's call to action, when it has one.
    async fn call_to_action(&self) -> Option<CallToAction> {
        term_rows::call_to_action_of(&self.0).map(Into::into)
    }

    /// Title and description for search engines, with fallbacks filled in.
    async fn seo(&self) -> Seo {
        Seo {
            title: self
                .0
                .seo_title
                .clone()
                .unwrap_or_else(|| self.0.title.clone()),
            description: self
                .0
                .seo_description
                .clone()
                .unwrap_or_else(|| shorten(&self.0.definition, SEO_DESCRIPTION_LENGTH)),
        }
    }

    /// Estimated minutes to read the whole page (at 200 words a minute, at least 1).
    async fn reading_time_minutes(&self) -> i32 {
        self.0.reading_time_minutes
    }

    /// Editorial status; anonymous readers only ever see `PUBLISHED`.
    async fn status(&self) -> TermStatus {
        self.0.status.into()
    }

    /// When the term was published (UTC).
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }

    /// When the term was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the term or anything on its page last changed (UTC).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Incremented by every change; send it back as `expectedVersion` to avoid overwriting others' edits.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Editors only: the stored changes of the term, newest first.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn revisions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "At most this many (1–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Return revisions older than this cursor (an `endCursor`).")]
        after: Option<String>,
    ) -> Result<TermRevisionConnection> {
        let first = cursor::first_or_default(first)?;
        let before_version = after
            .as_deref()
            .map(|after| cursor::decode_position(after, PositionList::Revisions, "after"))
            .transpose()?;
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let page = revisions::page(db, self.0.id, before_version, first).await?;
        Ok(TermRevisionConnection {
            end_cursor: page.items.last().map(|revision| {
                cursor::encode_position(PositionList::Revisions, revision.version.into())
            }),
            has_next_page: page.more,
            total_count: revisions::revision_count(db, self.0.id).await?,
            nodes: page.items.into_iter().map(TermRevision).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::shorten;

    #[test]
    fn shorten_cuts_on_words() {
        assert_eq!(shorten("short", 10), "short");
        assert_eq!(shorten("one two three four", 10), "one two…");
    }
}
