//! `contentHealth`: the editors' report on what the glossary lacks.

use async_graphql::{Context, Object, Result};
use sea_orm::DatabaseConnection;

use crate::{
    auth::Role,
    clock,
    content::{
        health::{self, Lack, TermIds},
        terms,
        visibility::Visibility,
    },
    error::Error,
    graphql::{
        guards::RoleGuard,
        public_names,
        types::{
            health::{
                ContentHealth, DuplicateName, HiddenRelatedLink, HiddenRelatedLinks, MissingTerm,
                TermHealthList,
            },
            term::Term,
        },
    },
};

/// Entries per list when `first` is omitted.
const DEFAULT_ENTRIES: i32 = 20;

/// The most entries per list.
const MAX_ENTRIES: i32 = 100;

/// Terms listed per missing name.
const MENTIONS_LISTED: usize = 20;

/// The editors' report.
#[derive(Default)]
pub struct HealthQuery;

/// The editors' report.
#[Object]
impl HealthQuery {
    /// Editors only: what the glossary lacks (terms without FAQs, related terms or sections, very
    /// short definitions, duplicate names, related links readers cannot follow, names the text uses
    /// that are not terms yet). Reads every term's text: ask for it in a tool, not on a page.
    #[graphql(guard = "RoleGuard::new(Role::Editor)")]
    async fn content_health(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Entries per list (1–100, default 20).")] first: Option<i32>,
    ) -> Result<ContentHealth> {
        let first = first.unwrap_or(DEFAULT_ENTRIES);
        if !(1..=MAX_ENTRIES).contains(&first) {
            return Err(Error::bad_input(
                "first",
                format!("first must be 1–{MAX_ENTRIES}, got {first}"),
            )
            .into());
        }
        let first = first as usize;
        let db = ctx.data_unchecked::<DatabaseConnection>();
        let prefix = public_names(ctx).href_prefix();
        let without_faqs = health::lacking(db, Lack::Faqs, first).await?;
        let without_related = health::lacking(db, Lack::RelatedTerms, first).await?;
        let without_sections = health::lacking(db, Lack::Sections, first).await?;
        let short = health::lacking(db, Lack::LongDefinition, first).await?;
        let duplicates = health::duplicate_names(db, first).await?;
        let (hidden_total, hidden) = health::hidden_relations(db, clock::now(), first).await?;
        let missing = health::missing_names(db, prefix, first).await?;

        let mut ids: Vec<i64> = [&without_faqs, &without_related, &without_sections, &short]
            .iter()
            .flat_map(|list| list.ids.iter().copied())
            .chain(duplicates.iter().flatten().copied())
            .chain(hidden.iter().flat_map(|h| [h.term_id, h.related_term_id]))
            .chain(
                missing
                    .iter()
                    .flat_map(|m| m.mentioned_by.iter().take(MENTIONS_LISTED).copied()),
            )
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let rows = terms::by_id_map(db, Visibility::Everything, &ids).await?;
        let term = |id: &i64| rows.get(id).cloned().map(Term::new);
        let list = |list: TermIds| TermHealthList {
            total_count: list.total,
            terms: list.ids.iter().filter_map(term).collect(),
        };
        Ok(ContentHealth {
            terms_without_faqs: list(without_faqs),
            terms_without_related_terms: list(without_related),
            terms_without_sections: list(without_sections),
            terms_with_short_definition: list(short),
            duplicate_names: duplicates
                .iter()
                .map(|ids| {
                    let terms: Vec<Term> = ids.iter().filter_map(term).collect();
                    DuplicateName {
                        name: terms.first().map(|t| t.0.name.clone()).unwrap_or_default(),
                        terms: terms.into(),
                    }
                })
                .collect(),
            hidden_related_links: HiddenRelatedLinks {
                total_count: hidden_total,
                links: hidden
                    .iter()
                    .filter_map(|h| {
                        Some(HiddenRelatedLink {
                            term: term(&h.term_id)?,
                            related: term(&h.related_term_id)?,
                        })
                    })
                    .collect(),
            },
            missing_terms: missing
                .into_iter()
                .map(|m| MissingTerm {
                    mention_count: m.mentioned_by.len() as u64,
                    mentioned_by: m
                        .mentioned_by
                        .iter()
                        .take(MENTIONS_LISTED)
                        .filter_map(term)
                        .collect(),
                    name: m.name,
                })
                .collect(),
        })
    }
}
