//! Text as search sees it, the same on every engine: words are runs of letters and digits, compared
//! lower-cased with accents removed (`Café` is `cafe`); Markdown is indexed as the text a reader sees;
//! snippets are cut and highlighted here, HTML-escaped, so no engine's own highlighter (which escapes
//! nothing) ever touches the output.

use pulldown_cmark::{Event, Parser, TagEnd};
use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

/// The most words of a query that are searched for; the rest are ignored.
pub const MAX_QUERY_WORDS: usize = 12;

/// The longest word of a query that is kept (longer ones are cut).
const MAX_WORD_CHARS: usize = 64;

/// Words of context a snippet shows before its first match.
const SNIPPET_WORDS_BEFORE: usize = 8;

/// Words a snippet shows in all.
const SNIPPET_WORDS: usize = 30;

/// `text` lower-cased with accents removed.
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The words of `text`, folded, in order.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(fold)
}

/// `text` folded and reduced to its words separated by spaces: what PostgreSQL's `to_tsvector` gets, so
/// that its tokens are exactly ours.
pub fn folded_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in words(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word);
    }
    out
}

/// A search query as words: folded, at most [`MAX_QUERY_WORDS`], each at most 64 characters. Anything
/// that is not a letter or a digit (quotes, operators, `*`, `:`) only separates words, so nothing a user
/// types is ever read as query syntax by an engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryWords(Vec<String>);

impl QueryWords {
    /// The words of `query`.
    pub fn parse(query: &str) -> Self {
        Self(
            words(query)
                .map(|word| word.chars().take(MAX_WORD_CHARS).collect())
                .take(MAX_QUERY_WORDS)
                .collect(),
        )
    }

    /// No word to search for.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The words, the last of them matched as a prefix.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// Whether a folded word of a text matches the query: equals one of its words, or starts with
    /// the last one.
    fn matches(&self, folded: &str) -> bool {
        let Some((last, rest)) = self.0.split_last() else {
            return false;
        };
        folded.starts_with(last.as_str()) || rest.iter().any(|word| word == folded)
    }

    /// An FTS5 query: every word, the last as a prefix, each quoted (words hold letters and digits
    /// only, so no quote can occur inside one).
    pub fn fts5(&self) -> String {
        let mut out = String::new();
        for (i, word) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push('"');
            out.push_str(word);
            out.push('"');
            if i + 1 == self.0.len() {
                out.push('*');
            }
        }
        out
    }

    /// A PostgreSQL `tsquery`: every word and'ed, the last as a prefix (`:*`).
    pub fn tsquery(&self) -> String {
        let mut out = String::new();
        for (i, word) in self.0.iter().enumerate() {
            if i > 0 {
                out.push_str(" & ");
            }
            out.push_str(word);
            if i + 1 == self.0.len() {
                out.push_str(":*");
            }
        }
        out
    }
}

/// The text a reader sees in Markdown: its text and code, block by block on separate lines.
pub fn markdown_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new(markdown) {
        match event {
            Event::Text(text) | Event::Code(text) => out.push_str(&text),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock,
            ) => out.push('\n'),
            _ => {}
        }
    }
    out
}

/// Escapes text for HTML.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// A word of a text: its byte range and whether it matches the query.
struct Word {
    start: usize,
    end: usize,
    hit: bool,
}

/// The snippet of the first of `texts` that has a word matching `query`: about 30 words around the
/// first match, HTML-escaped, every matching word in `<mark>`, `…` where the text was cut. `None` when
/// no text matches.
pub fn snippet(texts: &[&str], query: &QueryWords) -> Option<String> {
    texts.iter().find_map(|text| snippet_of(text, query))
}

/// The opening of `text` as a snippet with nothing marked: about 30 words, HTML-escaped, `…` where it
/// was cut (for a hit whose only match is its name).
pub fn lead(text: &str) -> String {
    passage(text, None).unwrap_or_default()
}

fn snippet_of(text: &str, query: &QueryWords) -> Option<String> {
    passage(text, Some(query))
}

/// The passage around the first word matching `query`, or the opening when there is no query; `None`
/// when a query is given and nothing matches.
fn passage(text: &str, query: Option<&QueryWords>) -> Option<String> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (start, c.is_alphanumeric()) {
            (None, true) => start = Some(i),
            (Some(from), false) => {
                words.push(Word {
                    start: from,
                    end: i,
                    hit: query.is_some_and(|query| query.matches(&fold(&text[from..i]))),
                });
                start = None;
            }
            _ => {}
        }
    }
    let first_hit = match query {
        Some(_) => words.iter().position(|word| word.hit)?,
        None if words.is_empty() => return Some(String::new()),
        None => 0,
    };
    // Context before the match, but no less text than fits when the match is near the end.
    let from = first_hit
        .saturating_sub(SNIPPET_WORDS_BEFORE)
        .min(words.len().saturating_sub(SNIPPET_WORDS));
    let to = (from + SNIPPET_WORDS).min(words.len());
    let shown = &words[from..to];
    let begin = if from == 0 { 0 } else { shown[0].start };
    let end = if to == words.len() {
        text.len()
    } else {
        shown[shown.len() - 1].end
    };

    let mut out = String::with_capacity(end - begin + 32);
    if begin > 0 {
        out.push('…');
    }
    let mut at = begin;
    for word in shown.iter().filter(|word| word.hit) {
        push_escaped(&mut out, &text[at..word.start]);
        out.push_str("<mark>");
        push_escaped(&mut out, &text[word.start..word.end]);
        out.push_str("</mark>");
        at = word.end;
    }
    push_escaped(&mut out, &text[at..end]);
    if end < text.len() {
        out.push('…');
    }
    // Line breaks between blocks read as spaces in a one-line snippet.
    Some(out.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_lowers_and_removes_accents() {
        assert_eq!(fold("Café CRÈME Ångström"), "cafe creme angstrom");
        assert_eq!(folded_words("Ça-va? «Oui»  42x"), "ca va oui 42x");
    }

    #[test]
    fn query_syntax_is_only_a_separator() {
        let query = QueryWords::parse(r#"  "back-end" OR dev* NEAR(x) col:umn ' ; -- "#);
        assert_eq!(
            query.as_slice(),
            ["back", "end", "or", "dev", "near", "x", "col", "umn"]
        );
        assert_eq!(
            query.fts5(),
            r#""back" "end" "or" "dev" "near" "x" "col" "umn"*"#
        );
        assert_eq!(
            query.tsquery(),
            "back & end & or & dev & near & x & col & umn:*"
        );
        assert!(QueryWords::parse(" *:()\"' ").is_empty());
        assert_eq!(
            QueryWords::parse(&"w ".repeat(50)).as_slice().len(),
            MAX_QUERY_WORDS
        );
    }

    #[test]
    fn markdown_is_indexed_as_read() {
        let text =
            markdown_text("# Title\n\nSome **bold** and `code`.\n\n- one\n- [two](http://x)\n");
        assert_eq!(
            text.split_whitespace().collect::<Vec<_>>(),
            ["Title", "Some", "bold", "and", "code.", "one", "two"]
        );
    }

    #[test]
    fn snippets_mark_matches_escape_and_cut() {
        let query = QueryWords::parse("cafe serv");
        let text = "A <b>Café</b> & bar serves coffee.";
        assert_eq!(
            snippet(&["nothing here", text], &query).as_deref(),
            Some("A &lt;b&gt;<mark>Café</mark>&lt;/b&gt; &amp; bar <mark>serves</mark> coffee.")
        );
        let long = format!("{} cafe {}", "a ".repeat(20), "z ".repeat(40));
        let cut = snippet(&[&long], &query).unwrap();
        assert!(cut.starts_with("…a a"), "{cut}");
        assert!(cut.ends_with('…'), "{cut}");
        assert_eq!(cut.matches("<mark>cafe</mark>").count(), 1);
        assert_eq!(cut.split_whitespace().count(), SNIPPET_WORDS);
        assert_eq!(snippet(&["no match"], &query), None);
        assert_eq!(lead("Plain <text> here."), "Plain &lt;text&gt; here.");
        assert!(lead(&"w ".repeat(40)).ends_with("w…"));
    }
}
