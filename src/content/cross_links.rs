//! Automatic cross-links: where a section body or an FAQ answer mentions another term by its name or
//! an alias, the rendered HTML links it to that term. The rules, each tested below:
//!
//! - names match in any case, as whole words (a letter or digit on either side is no match);
//! - the longest name wins where several start at the same place ("data science" over "data"), and a
//!   longer one that is not a whole word gives way to a shorter one that is;
//! - each term is linked at its first mention in a piece of text (a section, an answer) only;
//! - never inside code, preformatted text, headings or an existing link, and never inside a
//!   character reference (`&amp;`);
//! - never to the term being rendered.
//!
//! The HTML is the sanitised rendering stored at write time (`markdown::to_html`), so tags are well
//! formed and text holds no raw `<`; links are added around text as it is, never changing it.

use std::collections::HashMap;

/// A term that can be linked to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkTarget {
    /// The term's id.
    pub term_id: i64,
    /// Its slug, for the link.
    pub slug: String,
}

/// Elements whose text is never linked.
const UNLINKED: [&str; 9] = ["a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6"];

/// Finds the names of a set of terms in HTML and links them.
///
/// Names are whole words at both ends, so a match can only start where a word starts and end where
/// one ends: at each word start the linker looks the text up to each following word end, longest
/// first, in a map of the lower-cased names. Building it is one hash insert per name (a few
/// milliseconds for ten thousand terms, where an Aho-Corasick automaton took forty).
#[derive(Debug)]
pub struct Linker {
    /// Each name, lower-cased, and the index of its target.
    names: HashMap<String, usize>,
    /// The longest name, in bytes of its lower-cased form.
    longest: usize,
    targets: Vec<LinkTarget>,
}

/// The HTML with its links, and the terms it links to, in order of first mention.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Linked {
    /// The HTML with links added.
    pub html: String,
    /// Ids of the terms linked to.
    pub mentions: Vec<i64>,
}

/// `text` lower-cased, with the byte offset in `text` of each byte of the result (and one past the
/// end), so that a match in the lowered text maps back to the original.
fn lowered(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len() + 1);
    for (at, c) in text.char_indices() {
        for lower in c.to_lowercase() {
            let before = out.len();
            out.push(lower);
            origin.extend(std::iter::repeat_n(at, out.len() - before));
        }
    }
    origin.push(text.len());
    (out, origin)
}

fn is_word_char(c: Option<char>) -> bool {
    c.is_some_and(char::is_alphanumeric)
}

impl Linker {
    /// The longest name starting at `at` (in the lowered text) that ends at a word boundary: its end
    /// and its target.
    fn whole_word_at(
        &self,
        text: &str,
        lower: &str,
        origin: &[usize],
        at: usize,
    ) -> Option<(usize, &LinkTarget)> {
        let limit = lower.len().min(at + self.longest);
        (at + 1..=limit).rev().find_map(|end| {
            let ends_word =
                lower.is_char_boundary(end) && !is_word_char(text[origin[end]..].chars().next());
            if !ends_word {
                return None;
            }
            let target = self.names.get(&lower[at..end])?;
            Some((end, &self.targets[*target]))
        })
    }

    /// A linker for `names`: each a name or alias with the term it names. Names are matched in any
    /// case; empty ones are ignored, and of two equal names the first given wins.
    pub fn new(names: impl IntoIterator<Item = (String, LinkTarget)>) -> Self {
        let mut linker = Self {
            names: HashMap::new(),
            longest: 0,
            targets: Vec::new(),
        };
        let mut target_index: HashMap<i64, usize> = HashMap::new();
        for (name, target) in names {
            let pattern = lowered(name.trim()).0;
            if pattern.is_empty() || linker.names.contains_key(&pattern) {
                continue;
            }
            let targets = &mut linker.targets;
            let index = *target_index.entry(target.term_id).or_insert_with(|| {
                targets.push(target);
                targets.len() - 1
            });
            linker.longest = linker.longest.max(pattern.len());
            linker.names.insert(pattern, index);
        }
        linker
    }

    /// Links the first mention of each term in `html` (one piece of text: a section body, an FAQ
    /// answer), except the term `own`; links point at `href_prefix` followed by the slug.
    pub fn link(&self, html: &str, own: i64, href_prefix: &str) -> Linked {
        let mut linked = Linked {
            html: String::with_capacity(html.len() + 64),
            mentions: Vec::new(),
        };
        if self.names.is_empty() {
            linked.html.push_str(html);
            return linked;
        }
        let mut pass = Pass {
            linker: self,
            own,
            href_prefix,
            linked,
        };
        let mut unlinked_depth = 0usize;
        let mut rest = html;
        while !rest.is_empty() {
            if rest.starts_with('<') {
                let end = rest.find('>').map_or(rest.len(), |i| i + 1);
                let tag = &rest[..end];
                if let Some(name) = tag_name(tag)
                    && UNLINKED.contains(&name.as_str())
                    && !tag.ends_with("/>")
                {
                    if tag.starts_with("</") {
                        unlinked_depth = unlinked_depth.saturating_sub(1);
                    } else {
                        unlinked_depth += 1;
                    }
                }
                pass.linked.html.push_str(tag);
                rest = &rest[end..];
                continue;
            }
            let end = rest.find('<').unwrap_or(rest.len());
            let text = &rest[..end];
            if unlinked_depth == 0 {
                pass.text(text);
            } else {
                pass.linked.html.push_str(text);
            }
            rest = &rest[end..];
        }
        pass.linked
    }
}

/// One call of [`Linker::link`]: what it links with and what it has written so far.
struct Pass<'a> {
    linker: &'a Linker,
    own: i64,
    href_prefix: &'a str,
    linked: Linked,
}

impl Pass<'_> {
    /// Links within one run of text between tags, leaving character references as they are.
    fn text(&mut self, text: &str) {
        let mut rest = text;
        while !rest.is_empty() {
            // A character reference is copied whole; the text between references is searched.
            let (plain, reference) = match rest.find('&') {
                Some(at) => {
                    let end = rest[at..].find(';').map_or(rest.len(), |i| at + i + 1);
                    (&rest[..at], &rest[at..end])
                }
                None => (rest, ""),
            };
            self.plain(plain);
            self.linked.html.push_str(reference);
            rest = &rest[plain.len() + reference.len()..];
        }
    }

    /// Links within text that holds neither tags nor character references.
    fn plain(&mut self, text: &str) {
        let (own, href_prefix) = (self.own, self.href_prefix);
        let linked = &mut self.linked;
        let (lower, origin) = lowered(text);
        let mut copied = 0;
        let mut at = 0;
        while at < lower.len() {
            let starts_word = lower.is_char_boundary(at)
                && !is_word_char(text[..origin[at]].chars().next_back())
                && is_word_char(text[origin[at]..].chars().next());
            if !starts_word {
                at += 1;
                continue;
            }
            match self.linker.whole_word_at(text, &lower, &origin, at) {
                Some((end, target))
                    if target.term_id != own && !linked.mentions.contains(&target.term_id) =>
                {
                    let (from, to) = (origin[at], origin[end]);
                    linked.html.push_str(&text[copied..from]);
                    linked.html.push_str("<a href=\"");
                    linked.html.push_str(href_prefix);
                    linked.html.push_str(&target.slug);
                    linked.html.push_str("\" class=\"glossary-link\">");
                    linked.html.push_str(&text[from..to]);
                    linked.html.push_str("</a>");
                    linked.mentions.push(target.term_id);
                    copied = to;
                    at = end;
                }
                Some((end, _)) => at = end,
                None => at += 1,
            }
        }
        linked.html.push_str(&text[copied..]);
    }
}

/// The lower-cased name of a tag (`<a href…>`, `</h2>`), or `None` for a comment or declaration.
fn tag_name(tag: &str) -> Option<String> {
    let inner = tag.trim_start_matches('<').trim_start_matches('/');
    let name: String = inner
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    (!name.is_empty()).then(|| name.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(term_id: i64, slug: &str) -> LinkTarget {
        LinkTarget {
            term_id,
            slug: slug.to_owned(),
        }
    }

    fn linker() -> Linker {
        Linker::new([
            ("API".to_owned(), target(1, "api")),
            ("API gateway".to_owned(), target(2, "api-gateway")),
            ("Data".to_owned(), target(3, "data")),
            ("Data science".to_owned(), target(4, "data-science")),
            ("REST".to_owned(), target(5, "rest")),
            ("Café".to_owned(), target(6, "cafe")),
            ("web service".to_owned(), target(5, "rest")),
        ])
    }

    fn link(html: &str) -> Linked {
        linker().link(html, 99, "/terms/")
    }

    #[test]
    fn names_match_in_any_case_as_whole_words() {
        let linked = link("<p>An api is not rapid; APIs are plural.</p>");
        assert_eq!(
            linked.html,
            "<p>An <a href=\"/terms/api\" class=\"glossary-link\">api</a> is not rapid; APIs are plural.</p>"
        );
        assert_eq!(linked.mentions, [1]);
        assert_eq!(
            link("<p>CAFÉ culture</p>").html,
            "<p><a href=\"/terms/cafe\" class=\"glossary-link\">CAFÉ</a> culture</p>"
        );
    }

    #[test]
    fn the_longest_name_wins_and_a_partial_longer_one_gives_way() {
        let linked = link("<p>An API gateway routes.</p>");
        assert_eq!(linked.mentions, [2]);
        assert!(linked.html.contains(">API gateway</a> routes"));
        // "data science" is not a whole word in "data sciences": "data" is linked instead.
        let linked = link("<p>data sciences</p>");
        assert_eq!(linked.mentions, [3]);
        assert_eq!(
            linked.html,
            "<p><a href=\"/terms/data\" class=\"glossary-link\">data</a> sciences</p>"
        );
    }

    #[test]
    fn only_the_first_mention_of_each_term_is_linked() {
        let linked = link("<p>REST and REST again; a web service too.</p><p>API, API.</p>");
        assert_eq!(
            linked.mentions,
            [5, 1],
            "an alias of a linked term is not linked again"
        );
        assert_eq!(linked.html.matches("glossary-link").count(), 2);
    }

    #[test]
    fn code_headings_links_and_references_are_left_alone() {
        for html in [
            "<h2>API</h2>",
            "<p><code>API</code></p>",
            "<pre><code>call the API\n</code></pre>",
            "<p><a href=\"https://example.com\">the API</a></p>",
            "<p>R&amp;D &api; &#65;PI</p>",
        ] {
            let linked = link(html);
            assert_eq!(linked.html, html, "{html}");
            assert!(linked.mentions.is_empty(), "{html}");
        }
        let linked = link("<h3>API</h3><p>Then the API.</p>");
        assert_eq!(linked.mentions, [1]);
        assert!(linked.html.starts_with("<h3>API</h3><p>Then the <a"));
    }

    #[test]
    fn a_term_is_never_linked_to_itself() {
        let linked = linker().link("<p>The API and REST.</p>", 1, "/terms/");
        assert_eq!(linked.mentions, [5]);
        assert!(linked.html.starts_with("<p>The API and <a"));
    }

    #[test]
    fn links_point_where_asked_and_nothing_matches_without_names() {
        let linked = linker().link("<p>REST</p>", 99, "https://example.com/glossary/");
        assert!(
            linked
                .html
                .contains("href=\"https://example.com/glossary/rest\"")
        );
        let empty = Linker::new(Vec::new());
        assert_eq!(empty.link("<p>API</p>", 1, "/").html, "<p>API</p>");
    }
}
