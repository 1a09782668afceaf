//! How rich text is returned: the editor's Markdown or the HTML rendered from it at write time.

use async_graphql::Enum;

/// The format of a rich-text field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Enum)]
pub enum TextFormat {
    /// The Markdown source, as written by the editor.
    #[default]
    Markdown,
    /// HTML rendered from the Markdown and sanitised (no scripts, no event handlers, safe links).
    Html,
}

impl TextFormat {
    /// Picks the representation of a text stored in both forms.
    pub fn pick<'a>(self, markdown: &'a str, html: &'a str) -> &'a str {
        match self {
            TextFormat::Markdown => markdown,
            TextFormat::Html => html,
        }
    }
}
