//! Small value types of a term page: table-of-contents entries, the call to action, SEO fields and A–Z
//! index letters.

use async_graphql::SimpleObject;

use crate::content::pack::CallToActionDocument;

/// One entry of a term page's table of contents.
#[derive(Clone, Debug, SimpleObject)]
pub struct TableOfContentsEntry {
    /// The text to show ("Overview", a section heading, "Frequently asked questions").
    pub title: String,
    /// The fragment id to link to.
    pub anchor: String,
    /// Nesting level; 1 for top-level entries.
    pub level: i32,
}

/// A call to action shown on a term page: a heading, a sentence and a button.
#[derive(Clone, Debug, SimpleObject)]
pub struct CallToAction {
    /// The call's heading.
    pub heading: String,
    /// One or two sentences under the heading.
    pub text: String,
    /// The button's label.
    pub label: String,
    /// Where the button leads: an absolute URL or a site path.
    pub url: String,
}

impl From<CallToActionDocument> for CallToAction {
    fn from(document: CallToActionDocument) -> Self {
        CallToAction {
            heading: document.heading,
            text: document.text,
            label: document.label,
            url: document.url,
        }
    }
}

/// What a page puts in `<title>` and `<meta name="description">`.
#[derive(Clone, Debug, SimpleObject)]
pub struct Seo {
    /// The editor's SEO title, or the term's title when none is set.
    pub title: String,
    /// The editor's meta description, or the definition cut to 160 characters when none is set.
    pub description: String,
}

/// One letter of the A–Z index with how many published terms start with it.
#[derive(Clone, Debug, SimpleObject)]
pub struct GlossaryLetter {
    /// `A`…`Z`, or `#` for names that start with anything else.
    pub letter: String,
    /// Published terms under the letter.
    pub term_count: i64,
}
