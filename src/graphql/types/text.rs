//! How rich text is returned: the editor's Markdown or the HTML rendered from it at write time.

use async_graphql::{Enum, SelectionField, Value};

use crate::content::text_forms::TextForms;

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

/// The form a selected rich-text field's `format` argument asks for (through a variable too): Markdown,
/// the argument's default, when none is given; both forms when the argument cannot be read here (the
/// field itself then reports it).
pub(crate) fn format_asked(field: SelectionField<'_>) -> TextForms {
    let Ok(arguments) = field.arguments() else {
        return TextForms::BOTH;
    };
    match arguments.iter().find(|(name, _)| name.as_str() == "format") {
        None => TextForms::MARKDOWN,
        Some((_, Value::Enum(format))) if format.as_str() == "MARKDOWN" => TextForms::MARKDOWN,
        Some((_, Value::Enum(format))) if format.as_str() == "HTML" => TextForms::HTML,
        Some(_) => TextForms::BOTH,
    }
}
