//! Which stored forms of a rich text a read takes. Section bodies and FAQ answers are stored twice, as the
//! editor's Markdown and as the HTML rendered from it, and a page usually shows one of them: reading only
//! that one halves the longest values a term page moves from the database to the response.

use sea_orm::{ColumnTrait, DbErr, QuerySelect};

use super::packed_rows::Row;

/// The forms of a rich text to read: its Markdown, its HTML, both or neither. A form not read comes back
/// as an empty text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TextForms {
    /// The Markdown source.
    pub markdown: bool,
    /// The rendered HTML.
    pub html: bool,
}

impl TextForms {
    /// Neither form: for selections that read no text (a table of contents, questions alone).
    pub const NONE: Self = Self {
        markdown: false,
        html: false,
    };
    /// The Markdown source alone.
    pub const MARKDOWN: Self = Self {
        markdown: true,
        html: false,
    };
    /// The rendered HTML alone.
    pub const HTML: Self = Self {
        markdown: false,
        html: true,
    };
    /// Both forms.
    pub const BOTH: Self = Self {
        markdown: true,
        html: true,
    };

    /// The forms either set reads.
    pub fn union(self, other: Self) -> Self {
        Self {
            markdown: self.markdown || other.markdown,
            html: self.html || other.html,
        }
    }

    /// The forms every one of `forms` reads together.
    pub fn union_of(forms: impl IntoIterator<Item = Self>) -> Self {
        forms.into_iter().fold(Self::NONE, Self::union)
    }

    /// Whether these forms read every form `other` reads.
    pub fn covers(self, other: Self) -> bool {
        self.union(other) == self
    }

    /// How many columns the forms take.
    pub fn count(self) -> usize {
        usize::from(self.markdown) + usize::from(self.html)
    }

    /// Appends the columns of the forms read to a select list: the Markdown's, then the HTML's.
    pub fn select<S: QuerySelect, C: ColumnTrait>(self, mut select: S, markdown: C, html: C) -> S {
        if self.markdown {
            select = select.column(markdown);
        }
        if self.html {
            select = select.column(html);
        }
        select
    }

    /// The texts [`TextForms::select`] appended, read from position `first` of `row`: the Markdown and
    /// the HTML, each empty when not read.
    pub fn take(self, row: &mut Row, first: usize) -> Result<(String, String), DbErr> {
        let markdown = if self.markdown {
            row.take(first)?
        } else {
            String::new()
        };
        let html = if self.html {
            row.take(first + usize::from(self.markdown))?
        } else {
            String::new()
        };
        Ok((markdown, html))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unions_read_every_form_asked() {
        assert_eq!(TextForms::union_of([]), TextForms::NONE);
        assert_eq!(
            TextForms::union_of([TextForms::HTML, TextForms::NONE]),
            TextForms::HTML
        );
        assert_eq!(TextForms::MARKDOWN.union(TextForms::HTML), TextForms::BOTH);
        assert_eq!(TextForms::BOTH.count(), 2);
        assert_eq!(TextForms::NONE.count(), 0);
    }
}
