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

use std::collections::{HashMap, HashSet};

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
/// one ends (before a character that is not a letter or digit). At each word start the linker looks
/// the text up to each following word end, shortest first, in a map of the lower-cased names, and
/// goes on only while what it has read begins some longer name (a set of those beginnings: "data" for
/// "data science"), so a word that begins no name costs one lookup. Building it is a few hash inserts
/// per name (a few milliseconds for ten thousand terms, where an Aho-Corasick automaton took forty).
#[derive(Debug)]
pub struct Linker {
    /// Each name, lower-cased, and the index of its target.
    names: HashMap<String, usize>,
    /// Every beginning of a name, lower-cased, that ends where the name goes on with a character that
    /// is not a letter or digit.
    beginnings: HashSet<String>,
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

/// A text lower-cased, with the byte offset in the text of each byte of the result (and one past the
/// end), so that a match in the lowered text maps back to the original (ASCII text, most of it, keeps
/// its offsets and needs no table), and where its words start and end, found in one pass: a word
/// starts at a letter or digit after none, and a name may end before any character that is neither
/// (or at the end).
struct Lowered {
    text: String,
    origin: Option<Vec<usize>>,
    /// Offsets in the lowered text where a word starts, ascending.
    starts: Vec<usize>,
    /// Offsets in the lowered text where a name may end, ascending.
    ends: Vec<usize>,
}

impl Lowered {
    fn of(text: &str) -> Self {
        if text.is_ascii() {
            let (mut starts, mut ends) = (Vec::new(), Vec::new());
            let mut after_word = false;
            for (at, byte) in text.bytes().enumerate() {
                let word = byte.is_ascii_alphanumeric();
                if word && !after_word {
                    starts.push(at);
                } else if !word {
                    ends.push(at);
                }
                after_word = word;
            }
            ends.push(text.len());
            return Self {
                text: text.to_ascii_lowercase(),
                origin: None,
                starts,
                ends,
            };
        }
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
        let (mut starts, mut ends) = (Vec::new(), Vec::new());
        for (at, _) in out.char_indices() {
            let from = origin[at];
            let word = is_word_char(text[from..].chars().next());
            if word && !is_word_char(text[..from].chars().next_back()) {
                starts.push(at);
            } else if !word {
                ends.push(at);
            }
        }
        ends.push(out.len());
        Self {
            text: out,
            origin: Some(origin),
            starts,
            ends,
        }
    }

    /// The offset in the original text of byte `at` of the lowered one.
    fn origin(&self, at: usize) -> usize {
        self.origin.as_ref().map_or(at, |origin| origin[at])
    }
}

/// `text` lower-cased, as names are compared: what [`Lowered`] holds, without the offsets and word
/// boundaries that only searched text needs.
fn lower_case(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        text.chars().flat_map(char::to_lowercase).collect()
    }
}

fn is_word_char(c: Option<char>) -> bool {
    c.is_some_and(char::is_alphanumeric)
}

impl Linker {
    /// The longest name starting at `at` (in the lowered text) that ends at a word boundary: its end
    /// and the index of its target.
    fn whole_word_at(&self, lower: &Lowered, at: usize) -> Option<(usize, usize)> {
        let mut found = None;
        let next = lower.ends.partition_point(|&end| end <= at);
        for &end in &lower.ends[next..] {
            let read = &lower.text[at..end];
            if let Some(target) = self.names.get(read) {
                found = Some((end, *target));
            }
            if !self.beginnings.contains(read) {
                break;
            }
        }
        found
    }

    /// A linker for `names`: each a name or alias with the term it names. Names are matched in any
    /// case; empty ones are ignored, and of two equal names the first given wins.
    pub fn new(names: impl IntoIterator<Item = (String, LinkTarget)>) -> Self {
        let mut linker = Self {
            names: HashMap::new(),
            beginnings: HashSet::new(),
            targets: Vec::new(),
        };
        let mut target_index: HashMap<i64, usize> = HashMap::new();
        for (name, target) in names {
            let pattern = lower_case(name.trim());
            if pattern.is_empty() || linker.names.contains_key(&pattern) {
                continue;
            }
            let targets = &mut linker.targets;
            let index = *target_index.entry(target.term_id).or_insert_with(|| {
                targets.push(target);
                targets.len() - 1
            });
            for (at, c) in pattern.char_indices().skip(1) {
                if !c.is_alphanumeric() && !linker.beginnings.contains(&pattern[..at]) {
                    linker.beginnings.insert(pattern[..at].to_owned());
                }
            }
            linker.names.insert(pattern, index);
        }
        linker
    }

    /// Links the first mention of each term in `html` (one piece of text: a section body, an FAQ
    /// answer), except the term `own`; links point at `href_prefix` followed by the slug.
    pub fn link(&self, html: &str, own: i64, href_prefix: &str) -> Linked {
        self.render(html, &self.find(html, own), href_prefix)
    }

    /// Where [`Self::link`] puts links in `html`, without writing them: what is kept of a text
    /// ([`super::linked_texts`]), a few bytes a link.
    pub fn find(&self, html: &str, own: i64) -> Links {
        let mut pass = Pass {
            linker: self,
            own,
            links: Links::default(),
            mentioned: Vec::new(),
        };
        if self.names.is_empty() {
            return pass.links;
        }
        let mut unlinked_depth = 0usize;
        let mut at = 0;
        while at < html.len() {
            let rest = &html[at..];
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
                at += end;
                continue;
            }
            let end = rest.find('<').unwrap_or(rest.len());
            if unlinked_depth == 0 {
                pass.text(&rest[..end], at);
            }
            at += end;
        }
        pass.links
    }

    /// `html` with `links` (found in it by [`Self::find`]) written in, pointing at `href_prefix`
    /// followed by the slug.
    pub fn render(&self, html: &str, links: &Links, href_prefix: &str) -> Linked {
        Linked {
            html: self.render_html(html, links, href_prefix),
            mentions: self.mentions(links).collect(),
        }
    }

    /// [`Self::render`]'s HTML alone, for a request, which shows the HTML and not the terms it
    /// mentions.
    pub fn render_html(&self, html: &str, links: &Links, href_prefix: &str) -> String {
        let mut linked = String::with_capacity(html.len() + links.splices.len() * 64);
        let mut copied = 0;
        for splice in &links.splices {
            let (from, to) = (splice.from as usize, splice.to as usize);
            let target = &self.targets[splice.target as usize];
            linked.push_str(&html[copied..from]);
            linked.push_str("<a href=\"");
            linked.push_str(href_prefix);
            linked.push_str(&target.slug);
            linked.push_str("\" class=\"glossary-link\">");
            linked.push_str(&html[from..to]);
            linked.push_str("</a>");
            copied = to;
        }
        linked.push_str(&html[copied..]);
        linked
    }

    /// The ids of the terms `links` point at, in order.
    pub fn mentions(&self, links: &Links) -> impl Iterator<Item = i64> {
        links
            .splices
            .iter()
            .map(|splice| self.targets[splice.target as usize].term_id)
    }
}

/// Where the links of one text go (found by [`Linker::find`], written by [`Linker::render`] of the same
/// linker: they name its targets by index).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Links {
    /// In order of position.
    splices: Vec<Splice>,
}

impl Links {
    /// Bytes it holds, for the bounds of what keeps it.
    pub fn heap_size(&self) -> usize {
        self.splices.capacity() * std::mem::size_of::<Splice>()
    }

    /// Lets go of unused capacity.
    pub fn shrink_to_fit(&mut self) {
        self.splices.shrink_to_fit();
    }
}

/// One link: around the text's bytes `from..to`, to the linker's target `target`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Splice {
    from: u32,
    to: u32,
    target: u32,
}

/// One call of [`Linker::find`]: what it links with and what it has found so far.
struct Pass<'a> {
    linker: &'a Linker,
    own: i64,
    links: Links,
    /// The ids of the terms linked so far.
    mentioned: Vec<i64>,
}

impl Pass<'_> {
    /// Links within one run of text between tags (starting at byte `base` of the HTML), leaving
    /// character references as they are.
    fn text(&mut self, text: &str, base: usize) {
        let mut at = 0;
        while at < text.len() {
            let rest = &text[at..];
            // A character reference is skipped whole; the text between references is searched.
            let (plain, reference) = match rest.find('&') {
                Some(amp) => {
                    let end = rest[amp..].find(';').map_or(rest.len(), |i| amp + i + 1);
                    (&rest[..amp], end - amp)
                }
                None => (rest, 0),
            };
            self.plain(plain, base + at);
            at += plain.len() + reference;
        }
    }

    /// Links within text that holds neither tags nor character references (starting at byte `base`).
    fn plain(&mut self, text: &str, base: usize) {
        let lower = Lowered::of(text);
        // Where the last match ended: words starting before it are inside it.
        let mut past = 0;
        for &at in &lower.starts {
            if at < past {
                continue;
            }
            let Some((end, target)) = self.linker.whole_word_at(&lower, at) else {
                continue;
            };
            past = end;
            let term_id = self.linker.targets[target].term_id;
            if term_id == self.own || self.mentioned.contains(&term_id) {
                continue;
            }
            self.mentioned.push(term_id);
            self.links.splices.push(Splice {
                from: offset(base + lower.origin(at)),
                to: offset(base + lower.origin(end)),
                target: offset(target),
            });
        }
    }
}

/// A byte offset or index as kept: texts are far under 4 GiB (a section is at most 100 000
/// characters).
fn offset(at: usize) -> u32 {
    u32::try_from(at).expect("texts are far under 4 GiB")
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
    fn names_with_punctuation_and_several_words_match_whole() {
        let linker = Linker::new([
            ("C++".to_owned(), target(1, "cpp")),
            ("Node.js".to_owned(), target(2, "nodejs")),
            ("machine learning ops".to_owned(), target(3, "mlops")),
            ("İstanbul Dev".to_owned(), target(4, "istanbul")),
        ]);
        let linked = linker.link(
            "<p>C++, C+ and node.js; machine learning, machine learning ops. İSTANBUL dev</p>",
            99,
            "/",
        );
        assert_eq!(linked.mentions, [1, 2, 3, 4]);
        assert_eq!(
            linked.html,
            "<p><a href=\"/cpp\" class=\"glossary-link\">C++</a>, C+ and \
             <a href=\"/nodejs\" class=\"glossary-link\">node.js</a>; machine learning, \
             <a href=\"/mlops\" class=\"glossary-link\">machine learning ops</a>. \
             <a href=\"/istanbul\" class=\"glossary-link\">İSTANBUL dev</a></p>"
        );
        // A name is never matched across the end of the text or inside a longer word.
        assert!(
            linker
                .link("<p>machine learning</p>", 99, "/")
                .mentions
                .is_empty()
        );
        assert!(linker.link("<p>C++x</p>", 99, "/").mentions.is_empty());
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

    /// The rules, written the slow and obvious way: at every word start, every possible end, longest
    /// first.
    fn naive_mentions(names: &[(String, i64)], text: &str) -> Vec<i64> {
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let word = |i: usize| chars.get(i).is_some_and(|(_, c)| c.is_alphanumeric());
        let fold = |s: &str| s.chars().flat_map(char::to_lowercase).collect::<String>();
        let mut mentions = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if !word(i) || (i > 0 && word(i - 1)) {
                i += 1;
                continue;
            }
            let hit = (i + 1..=chars.len()).rev().find_map(|end| {
                if word(end) {
                    return None;
                }
                let to = chars.get(end).map_or(text.len(), |(at, _)| *at);
                let read = fold(&text[chars[i].0..to]);
                names
                    .iter()
                    .find(|(name, _)| fold(name.trim()) == read)
                    .map(|(_, id)| (end, *id))
            });
            match hit {
                Some((end, id)) => {
                    if !mentions.contains(&id) {
                        mentions.push(id);
                    }
                    i = end;
                }
                None => i += 1,
            }
        }
        mentions
    }

    proptest::proptest! {
        #[test]
        fn the_linker_finds_what_the_rules_say(
            names in proptest::collection::vec("[abAB]{1,3}( [ab]{1,2}){0,2}[+.]?", 1..6),
            text in "[abAB +.,é]{0,40}",
        ) {
            let names: Vec<(String, i64)> =
                names.into_iter().enumerate().map(|(i, n)| (n, i as i64)).collect();
            // Of two equal names the first wins, as in the linker.
            let mut distinct: Vec<(String, i64)> = Vec::new();
            for (name, id) in &names {
                if !distinct.iter().any(|(n, _)| n.to_lowercase() == name.to_lowercase()) {
                    distinct.push((name.clone(), *id));
                }
            }
            let linker = Linker::new(
                distinct.iter().map(|(n, id)| (n.clone(), target(*id, &format!("t{id}")))),
            );
            let linked = linker.link(&text, 99, "/");
            proptest::prop_assert_eq!(linked.mentions, naive_mentions(&distinct, &text));
        }
    }
}
