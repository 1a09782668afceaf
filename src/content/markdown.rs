//! Everything derived from an editor's text at write time, so that reads never render: Markdown to sanitised
//! HTML, heading anchors, A–Z initials, sort keys and reading time.

use std::collections::HashSet;

use pulldown_cmark::{Options, Parser};

/// Anchors the table of contents uses for its fixed entries; section anchors never take them.
pub const OVERVIEW_ANCHOR: &str = "overview";
/// Anchor of the FAQ block in the table of contents.
pub const FAQS_ANCHOR: &str = "faqs";

/// Words a reader gets through per minute, for `readingTimeMinutes`.
const WORDS_PER_MINUTE: usize = 200;

/// Renders CommonMark (with tables and strikethrough) to HTML and sanitises it: scripts, event handlers and
/// unknown tags are removed, links get `rel="noopener noreferrer"`.
pub fn to_html(markdown: &str) -> String {
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    );
    let mut html = String::with_capacity(markdown.len() + markdown.len() / 4);
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::clean(&html)
}

/// Counts whitespace-separated words; Markdown punctuation is noise small enough to ignore.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// Minutes to read `words` words: at least one.
pub fn reading_time_minutes(words: usize) -> i32 {
    words.div_ceil(WORDS_PER_MINUTE).max(1) as i32
}

/// The A–Z index letter of a name: its first letter upper-cased when it is a Latin letter, `#` otherwise.
pub fn initial(name: &str) -> String {
    match name.trim_start().chars().next() {
        Some(c) if c.is_ascii_alphabetic() => c.to_ascii_uppercase().to_string(),
        _ => "#".to_owned(),
    }
}

/// The key names are ordered and searched by: the name lower-cased, so every engine orders alike.
pub fn sort_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Gives each heading of one term an anchor that is unique on the page and never one of the fixed ones.
#[derive(Debug)]
pub struct AnchorAllocator {
    taken: HashSet<String>,
}

impl Default for AnchorAllocator {
    fn default() -> Self {
        Self {
            taken: [OVERVIEW_ANCHOR, FAQS_ANCHOR]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

impl AnchorAllocator {
    /// The anchor for `heading`: lower-case ASCII words joined by `-`, suffixed `-2`, `-3`… when taken.
    pub fn allocate(&mut self, heading: &str) -> String {
        let mut base = String::with_capacity(heading.len());
        for c in heading.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                base.push(c);
            } else if !base.is_empty() && !base.ends_with('-') {
                base.push('-');
            }
        }
        let base = base.trim_end_matches('-');
        let base = if base.is_empty() { "section" } else { base };
        let mut candidate = base.to_owned();
        let mut n = 2;
        while !self.taken.insert(candidate.clone()) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_sanitised_and_lists_nest() {
        let html = to_html("Hello <script>alert(1)</script>\n\n1. one\n   - inner\n2. two");
        assert!(!html.contains("<script>"));
        assert!(html.contains("<ol>"));
        assert!(html.contains("<ul>\n<li>inner</li>"));
    }

    #[test]
    fn anchors_are_unique_and_avoid_fixed_ones() {
        let mut anchors = AnchorAllocator::default();
        assert_eq!(anchors.allocate("What does it do?"), "what-does-it-do");
        assert_eq!(anchors.allocate("What does it do?"), "what-does-it-do-2");
        assert_eq!(anchors.allocate("Overview"), "overview-2");
        assert_eq!(anchors.allocate("¿¡!"), "section");
    }

    #[test]
    fn initials_and_reading_time() {
        assert_eq!(initial("backend developer"), "B");
        assert_eq!(initial("3D printing"), "#");
        assert_eq!(reading_time_minutes(0), 1);
        assert_eq!(reading_time_minutes(401), 3);
    }
}
