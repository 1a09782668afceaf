//! The `Term` type: one glossary page and everything on it. Lists are resolved through the DataLoader, so a
//! page of terms costs one SQL statement per relation, not one per term.

use std::hash::Hash;

use async_graphql::{Context, Enum, ID, Object, Result, SelectionField, dataloader::Loader};
use chrono::{DateTime, Utc};
use entity::{TermStatus as StoredStatus, term};
use sea_orm::DatabaseConnection;

use super::{
    backlinks::BacklinkConnection,
    category::Category,
    connection::{PageInfo, TermEdge},
    health::SuggestedRelatedTerm,
    page_parts::{CallToAction, Seo, TableOfContentsEntry},
    revision::{TermRevision, TermRevisionConnection},
    section::{Faq, Section},
    text::{TextFormat, format_asked},
};
use crate::{
    auth::Role,
    content::{
        linking::{self, BacklinkPage},
        markdown::{FAQS_ANCHOR, OVERVIEW_ANCHOR},
        related_suggestions, revisions,
        term_columns::ColumnSet,
        term_rows,
        text_forms::TextForms,
        visibility::Visibility,
    },
    error::Error,
    graphql::{
        cursor::{self, MAX_PAGE_SIZE, PositionList},
        execution_budget::List,
        global_id::{self, NodeKind},
        guards::RoleGuard,
        loader,
        loaders::{
            AliasesByTerm, CategoriesByTerm, ContentLoader, FaqsByTerm, Loaded, RelatedTermsByTerm,
            SectionsByTerm, TermById,
        },
        plain_fields::{self, PlainFields, PlainList},
        term_page::{PageLists, Prefetched},
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
/// The second field holds the lists read with the term, for its list fields to take: see
/// [`crate::graphql::term_page`].
pub struct Term(pub term::Model, pub Prefetched);

/// The columns of `term` a field of `Term` reads from its row, besides the id (always read); `None` for a
/// field not listed, which then reads every column. Lists loaded by the term's id read nothing else. Every
/// resolver below must read only the columns listed for it here: term lists (`relatedTerms`, the term
/// connections) read their items' rows with the union of their selection's columns and leave the others
/// empty. `tests/api/term_columns.rs` reads every field through those lists and at the top level.
/// `definition` is not listed: its columns depend on its `format` ([`definition_columns`]).
fn columns_of_field(field: &str) -> Option<&'static [term::Column]> {
    use term::Column as C;
    Some(match field {
        "__typename" | "id" | "sections" | "tableOfContents" | "faqs" | "relatedTerms"
        | "categories" | "aliases" | "mentions" | "revisions" => &[],
        "slug" => &[C::Slug],
        "name" => &[C::Name],
        "title" => &[C::Title],
        "initial" => &[C::Initial],
        "status" => &[C::Status],
        "publishedAt" => &[C::PublishedAt],
        "createdAt" => &[C::CreatedAt],
        "updatedAt" => &[C::UpdatedAt],
        "version" => &[C::Version],
        "readingTimeMinutes" => &[C::ReadingTimeMinutes],
        // Both weigh the name, and only for a term public now.
        "backlinks" | "suggestedRelatedTerms" => &[C::Name, C::Status, C::PublishedAt],
        "callToAction" => &[C::CtaHeading, C::CtaText, C::CtaLabel, C::CtaUrl],
        "seo" => &[C::SeoTitle, C::SeoDescription, C::Title, C::Definition],
        _ => return None,
    })
}

/// The columns of the definition's forms in `forms`: a list page asking for the Markdown (the default)
/// does not carry the HTML from the database, nor the other way round.
fn definition_columns(forms: TextForms) -> ColumnSet {
    use term::Column as C;
    match (forms.markdown, forms.html) {
        (true, false) => ColumnSet::of(&[C::Definition]),
        (false, true) => ColumnSet::of(&[C::DefinitionHtml]),
        _ => ColumnSet::of(&[C::Definition, C::DefinitionHtml]),
    }
}

impl Term {
    /// A term read alone: its lists are read by their fields.
    pub fn new(row: term::Model) -> Self {
        Term(row, Prefetched::default())
    }

    /// The columns a selection of `Term` fields reads (see [`columns_of_field`] and
    /// [`definition_columns`]), through fragments and
    /// under any alias. Directives are not weighed: a field under `@skip` still counts, which can only
    /// read more.
    pub(crate) fn columns_of<'a>(fields: impl Iterator<Item = SelectionField<'a>>) -> ColumnSet {
        fields
            .map(|field| match field.name() {
                "definition" => Some(definition_columns(format_asked(field))),
                name => columns_of_field(name).map(ColumnSet::of),
            })
            .try_fold(ColumnSet::ID, |set, columns| {
                columns.map(|columns| set.union(columns))
            })
            .unwrap_or(ColumnSet::ALL)
    }

    /// The lists a selection of `Term` fields shows, through fragments and under any alias, with the
    /// forms and columns their selections read; a list selected twice reads what both selections read.
    pub(crate) fn lists_of<'a>(fields: impl Iterator<Item = SelectionField<'a>>) -> PageLists {
        let mut lists = PageLists::default();
        for field in fields {
            match field.name() {
                "sections" => {
                    let forms = Section::body_forms(field);
                    lists.sections = Some(lists.sections.map_or(forms, |f| f.union(forms)));
                }
                "faqs" => {
                    let forms = Faq::answer_forms(field);
                    lists.faqs = Some(lists.faqs.map_or(forms, |f| f.union(forms)));
                }
                "relatedTerms" => {
                    let columns = Term::columns_of(field.selection_set());
                    lists.related_terms =
                        Some(lists.related_terms.map_or(columns, |c| c.union(columns)));
                }
                "categories" => lists.categories = true,
                _ => {}
            }
        }
        lists
    }
}

/// The fields a list of terms answers from the rows it holds ([`plain_fields`]): those whose resolvers
/// below only read a column.
impl PlainFields for Term {
    fn plain_field(&self, field: &Context<'_>) -> Option<async_graphql::Value> {
        let term = &self.0;
        match field.item.node.name.node.as_str() {
            "id" => Some(global_id::encode(NodeKind::Term, term.id).into()),
            "slug" => plain_fields::text(&term.slug),
            "name" => plain_fields::text(&term.name),
            "title" => plain_fields::text(&term.title),
            "initial" => plain_fields::text(&term.initial),
            "definition" => plain_fields::text(
                plain_fields::format_argument(field)?.pick(&term.definition, &term.definition_html),
            ),
            _ => None,
        }
    }
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

/// A list the term came with (`taken`, see [`Prefetched`]), or else the one its loader reads for `key`.
async fn taken_or_loaded<K, V>(ctx: &Context<'_>, taken: Option<Vec<V>>, key: K) -> Result<Vec<V>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    V: Clone + Send + Sync + 'static,
    ContentLoader: Loader<K, Value = Loaded<Vec<V>>, Error = async_graphql::Error>,
{
    if let Some(list) = taken {
        return Ok(list);
    }
    Ok(loader(ctx)
        .load_one(key)
        .await?
        .map(Loaded::into_inner)
        .unwrap_or_default())
}

// Large resolvers are boxed. async-graphql resolves every selected field in a boxed future as large as
// the type's largest resolver (one `resolve_field` state machine covers them all), so a resolver that
// runs its own statements (`mentions`, `backlinks`, `suggestedRelatedTerms`, `revisions`) would make
// each `name` or `slug` of a list page allocate and copy kilobytes. `bench/future_sizes.sh` lists them.
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
    async fn sections(&self, ctx: &Context<'_>) -> Result<PlainList<Section>> {
        let bodies = Section::body_forms(ctx.field());
        let key = SectionsByTerm {
            term: self.0.id,
            bodies,
        };
        let sections = taken_or_loaded(ctx, self.1.take_sections(bodies), key).await?;
        Ok(sections.into_iter().map(Section).collect())
    }

    /// The page's table of contents: Overview, each section, then the FAQs when there are any.
    async fn table_of_contents(&self, ctx: &Context<'_>) -> Result<List<TableOfContentsEntry>> {
        let loader = loader(ctx);
        // Headings, anchors and whether there are FAQs: no text is read.
        let (sections, faqs) = futures_util::try_join!(
            loader.load_one(SectionsByTerm {
                term: self.0.id,
                bodies: TextForms::NONE,
            }),
            loader.load_one(FaqsByTerm {
                term: self.0.id,
                answers: TextForms::NONE,
            })
        )?;
        let mut entries = vec![TableOfContentsEntry {
            title: "Overview".to_owned(),
            anchor: OVERVIEW_ANCHOR.to_owned(),
            level: 1,
        }];
        entries.extend(
            sections
                .map(Loaded::into_inner)
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
        Ok(entries.into())
    }

    /// The FAQ list, in order.
    async fn faqs(&self, ctx: &Context<'_>) -> Result<PlainList<Faq>> {
        // A selection reads the forms of the answers it shows, and none when it shows questions alone
        // (long texts, copied for nothing).
        let answers = Faq::answer_forms(ctx.field());
        let key = FaqsByTerm {
            term: self.0.id,
            answers,
        };
        let faqs = taken_or_loaded(ctx, self.1.take_faqs(answers), key).await?;
        Ok(faqs.into_iter().map(Faq).collect())
    }

    /// "Recommended" related terms in editorial order; only published ones are listed.
    async fn related_terms(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "At most this many (0–100); all of them (a term lists at most 100) when omitted."
        )]
        first: Option<i32>,
    ) -> Result<PlainList<Term>> {
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
        // Only the columns the selection reads are read: long texts no field asks for are neither
        // copied nor decoded.
        let columns = Term::columns_of(ctx.field().selection_set());
        let key = RelatedTermsByTerm {
            term: self.0.id,
            columns,
        };
        let related = taken_or_loaded(ctx, self.1.take_related_terms(columns), key).await?;
        Ok(related.into_iter().take(limit).map(Term::new).collect())
    }

    /// The categories the term belongs to, by name.
    async fn categories(&self, ctx: &Context<'_>) -> Result<PlainList<Category>> {
        let key = CategoriesByTerm(self.0.id);
        let categories = taken_or_loaded(ctx, self.1.take_categories(), key).await?;
        Ok(categories.into_iter().map(Category).collect())
    }

    /// Other names the term goes by ("CI"), in order: automatic cross-links match them as they match
    /// the name.
    async fn aliases(&self, ctx: &Context<'_>) -> Result<List<String>> {
        Ok(loader(ctx)
            .load_one(AliasesByTerm(self.0.id))
            .await?
            .map(Loaded::into_inner)
            .unwrap_or_default()
            .into())
    }

    /// The published terms this page's sections and FAQ answers link to (automatic cross-links), in
    /// order of first mention.
    async fn mentions(&self, ctx: &Context<'_>) -> Result<PlainList<Term>> {
        // Boxed: see the note on large resolvers above `impl Term`.
        Box::pin(async move {
            let loader = loader(ctx);
            let (sections, faqs, linker) = futures_util::try_join!(
                // Links are found in the rendered HTML.
                loader.load_one(SectionsByTerm {
                    term: self.0.id,
                    bodies: TextForms::HTML,
                }),
                loader.load_one(FaqsByTerm {
                    term: self.0.id,
                    answers: TextForms::HTML,
                }),
                async { Ok(crate::graphql::public_names(ctx).linker().await?) }
            )?;
            // Only read here: borrowed from the batch's answers, not copied out of them.
            let sections = sections.as_deref().map_or(&[][..], Vec::as_slice);
            let faqs = faqs.as_deref().map_or(&[][..], Vec::as_slice);
            let texts = sections
                .iter()
                .map(|s| s.body_html.as_str())
                .chain(faqs.iter().map(|f| f.answer_html.as_str()));
            let ids = linker.mentions(texts, self.0.id);
            let mut found = loader.load_many(ids.iter().copied().map(TermById)).await?;
            Ok(ids
                .iter()
                .filter_map(|id| found.remove(&TermById(*id)))
                .map(|term| Term::new(term.into_inner()))
                .collect())
        })
        .await
    }

    /// The published terms whose sections or FAQ answers link to this one (automatic cross-links), by
    /// name. Empty while this term is not public: nothing links to it.
    async fn backlinks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "At most this many (1–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Return terms after this cursor (an `endCursor`).")] after: Option<String>,
    ) -> Result<BacklinkConnection> {
        // Boxed: see the note on large resolvers above `impl Term`.
        Box::pin(async move {
            let first = cursor::first_or_default(first)?;
            let offset = after
                .as_deref()
                .map(|after| cursor::decode_position(after, PositionList::Backlinks, "after"))
                .transpose()?
                .map_or(0, |position| position.max(-1) + 1) as u64;
            let mut page = BacklinkPage::default();
            if Visibility::public().admits(&self.0) {
                let db = ctx.data_unchecked::<DatabaseConnection>();
                let linker = crate::graphql::public_names(ctx).linker().await?;
                let mut names = vec![self.0.name.clone()];
                names.extend(
                    loader(ctx)
                        .load_one(AliasesByTerm(self.0.id))
                        .await?
                        .map(Loaded::into_inner)
                        .unwrap_or_default(),
                );
                page = linking::backlinks(db, &linker, self.0.id, &names, offset, first).await?;
            }
            let edges: Vec<TermEdge> = page
                .terms
                .into_iter()
                .map(|(position, row)| {
                    let cursor = cursor::encode_position(PositionList::Backlinks, position as i64);
                    TermEdge::new(cursor, Term::new(row))
                })
                .collect();
            let page_info = PageInfo {
                has_next_page: page.more,
                has_previous_page: offset > 0,
                start_cursor: edges.first().map(|e| e.cursor_text().to_owned()),
                end_cursor: edges.last().map(|e| e.cursor_text().to_owned()),
            };
            Ok(BacklinkConnection { edges, page_info })
        })
        .await
    }

    /// Editors only: published terms that could be added to the related terms, best first: they share
    /// categories with this term or are linked with it by automatic cross-links, either way, and are
    /// not related to it yet.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn suggested_related_terms(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "At most this many (1–100, default 20).")] first: Option<i32>,
    ) -> Result<List<SuggestedRelatedTerm>> {
        // Boxed: see the note on large resolvers above `impl Term`.
        Box::pin(async move {
            let first = cursor::first_or_default(first)?;
            let db = ctx.data_unchecked::<DatabaseConnection>();
            let linker = crate::graphql::public_names(ctx).linker().await?;
            let suggestions = related_suggestions::suggest(db, &linker, &self.0, first).await?;
            Ok(suggestions
                .into_iter()
                .map(|s| SuggestedRelatedTerm {
                    score: s.score as i32,
                    shared_categories: s.shared_categories as i32,
                    mentioned_here: s.mentioned_by_term,
                    mentions_this_term: s.mentions_term,
                    term: Term::new(s.term),
                })
                .collect())
        })
        .await
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
        // Boxed: see the note on large resolvers above `impl Term`.
        Box::pin(async move {
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
        })
        .await
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
