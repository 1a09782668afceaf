//! The `Section` and `Faq` types: the ordered parts of a term page.

use async_graphql::{Context, ID, Object, Result, SelectionField};
use entity::{faq, section};

use super::text::{TextFormat, format_asked};
use crate::{
    content::text_forms::TextForms,
    graphql::{
        global_id::{self, NodeKind},
        plain_fields::{self, PlainFields},
        public_names,
    },
};

/// Markdown as stored, or the stored HTML of term `term_id` with automatic cross-links added.
async fn rich_text(
    ctx: &Context<'_>,
    format: TextFormat,
    term_id: i64,
    markdown: &str,
    html: &str,
) -> Result<String> {
    Ok(match format {
        TextFormat::Markdown => markdown.to_owned(),
        TextFormat::Html => public_names(ctx).linker().await?.link(html, term_id),
    })
}

/// The forms of a rich text that a field's selection reads of the items it returns (through
/// fragments, under any alias, `@skip` or not): `text_field` in the format each of its selections asks
/// (Markdown, the argument's default, when none is given); both forms for a field not in `without`
/// (any added later included) and when a format cannot be read here (the field itself then reports it).
fn forms_read(field: SelectionField<'_>, without: &[&str], text_field: &str) -> TextForms {
    field
        .selection_set()
        .filter(|field| !without.contains(&field.name()))
        .map(|field| {
            if field.name() == text_field {
                format_asked(field)
            } else {
                TextForms::BOTH
            }
        })
        .fold(TextForms::NONE, TextForms::union)
}

/// One section of a term page's body: a heading and Markdown with paragraphs and nested lists.
pub struct Section(pub section::Model);

impl Section {
    /// The fields that read no body column. `body` reads the form it asks for; every other field, any
    /// added later included, reads both.
    const WITHOUT_BODIES: &[&str] = &["__typename", "id", "position", "heading", "anchor"];

    /// The forms of the bodies that `field`'s selection reads of the sections it returns.
    pub(crate) fn body_forms(field: SelectionField<'_>) -> TextForms {
        forms_read(field, Self::WITHOUT_BODIES, "body")
    }
}

/// One section of a term page's body: a heading and Markdown with paragraphs and nested lists.
#[Object]
impl Section {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        global_id::encode(NodeKind::Section, self.0.id)
    }

    /// 0-based place of the section on the page.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// The section's heading.
    async fn heading(&self) -> &str {
        &self.0.heading
    }

    /// Fragment id for links to this section (`#what-does-a-backend-developer-do`), unique on the page.
    async fn anchor(&self) -> &str {
        &self.0.anchor
    }

    /// The section's body. As HTML, the first mention of each other published term's name or alias
    /// links to it (`<a href="/terms/{slug}" class="glossary-link">`; the prefix is the server's
    /// `--term-link-prefix`), except inside code, headings and existing links.
    async fn body(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Markdown source, or sanitised HTML with automatic cross-links.",
            default_with = "TextFormat::Markdown"
        )]
        format: TextFormat,
    ) -> Result<String> {
        rich_text(ctx, format, self.0.term_id, &self.0.body, &self.0.body_html).await
    }
}

/// The fields a list of sections answers from the rows it holds ([`plain_fields`]): all but the body
/// as HTML, which is cross-linked on the fly.
impl PlainFields for Section {
    fn plain_field(&self, field: &Context<'_>) -> Option<async_graphql::Value> {
        let section = &self.0;
        match field.item.node.name.node.as_str() {
            "id" => Some(global_id::encode(NodeKind::Section, section.id).into()),
            "position" => Some(section.position.into()),
            "heading" => plain_fields::text(&section.heading),
            "anchor" => plain_fields::text(&section.anchor),
            "body" => plain_fields::markdown_text(field, &section.body),
            _ => None,
        }
    }
}

/// One frequently asked question on a term page.
pub struct Faq(pub faq::Model);

impl Faq {
    /// The fields that read no answer column: a list whose selection asks for these only is read without
    /// the answers. `answer` reads the form it asks for; every other field, any added later included,
    /// reads both.
    const WITHOUT_ANSWERS: &[&str] = &["__typename", "id", "position", "question"];

    /// The forms of the answers that `field`'s selection reads of the FAQ entries it returns.
    pub(crate) fn answer_forms(field: SelectionField<'_>) -> TextForms {
        forms_read(field, Self::WITHOUT_ANSWERS, "answer")
    }
}

/// One frequently asked question on a term page.
#[Object]
impl Faq {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        global_id::encode(NodeKind::Faq, self.0.id)
    }

    /// 0-based place of the question in the term's FAQ list.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// The question.
    async fn question(&self) -> &str {
        &self.0.question
    }

    /// The answer. As HTML, automatic cross-links are added as in `Section.body`.
    async fn answer(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Markdown source, or sanitised HTML with automatic cross-links.",
            default_with = "TextFormat::Markdown"
        )]
        format: TextFormat,
    ) -> Result<String> {
        rich_text(
            ctx,
            format,
            self.0.term_id,
            &self.0.answer,
            &self.0.answer_html,
        )
        .await
    }
}

/// The fields a list of FAQ entries answers from the rows it holds ([`plain_fields`]): all but the
/// answer as HTML, which is cross-linked on the fly.
impl PlainFields for Faq {
    fn plain_field(&self, field: &Context<'_>) -> Option<async_graphql::Value> {
        let faq = &self.0;
        match field.item.node.name.node.as_str() {
            "id" => Some(global_id::encode(NodeKind::Faq, faq.id).into()),
            "position" => Some(faq.position.into()),
            "question" => plain_fields::text(&faq.question),
            "answer" => plain_fields::markdown_text(field, &faq.answer),
            _ => None,
        }
    }
}
