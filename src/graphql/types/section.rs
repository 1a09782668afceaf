//! The `Section` and `Faq` types: the ordered parts of a term page.

use async_graphql::{Context, ID, Object, Result};
use entity::{faq, section};

use super::text::TextFormat;
use crate::graphql::{
    global_id::{self, NodeKind},
    public_names,
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
        TextFormat::Html => public_names(ctx).linker().await?.link(html, term_id).html,
    })
}

/// One section of a term page's body: a heading and Markdown with paragraphs and nested lists.
pub struct Section(pub section::Model);

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

/// One frequently asked question on a term page.
pub struct Faq(pub faq::Model);

impl Faq {
    /// The fields that read no answer column: a list whose selection asks for these only is read without
    /// the answers. Every other field, `answer` and any added later, reads them.
    const WITHOUT_ANSWERS: &[&str] = &["__typename", "id", "position", "question"];

    /// Whether the current field's selection (through fragments, under any alias, `@skip` or not)
    /// reads the answers of the FAQ entries it returns.
    pub(crate) fn reads_answers(ctx: &Context<'_>) -> bool {
        ctx.field()
            .selection_set()
            .any(|field| !Self::WITHOUT_ANSWERS.contains(&field.name()))
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
