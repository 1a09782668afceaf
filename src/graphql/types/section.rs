//! The `Section` and `Faq` types: the ordered parts of a term page.

use async_graphql::{ID, Object};
use entity::{faq, section};

use super::text::TextFormat;
use crate::graphql::global_id::{self, NodeKind};

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

    /// The section's body.
    async fn body(
        &self,
        #[graphql(
            desc = "Markdown source or sanitised HTML.",
            default_with = "TextFormat::Markdown"
        )]
        format: TextFormat,
    ) -> &str {
        format.pick(&self.0.body, &self.0.body_html)
    }
}

/// One frequently asked question on a term page.
pub struct Faq(pub faq::Model);

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

    /// The answer.
    async fn answer(
        &self,
        #[graphql(
            desc = "Markdown source or sanitised HTML.",
            default_with = "TextFormat::Markdown"
        )]
        format: TextFormat,
    ) -> &str {
        format.pick(&self.0.answer, &self.0.answer_html)
    }
}
