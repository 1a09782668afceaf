//! Counts a GraphQL document's lexical tokens and measures how deeply its brackets nest, in one pass over
//! the bytes and before any parsing: a document too long or nested too deep is refused without building a
//! syntax tree (the parser is recursive, so unbounded nesting would also cost it stack).
//!
//! The count follows the spec's lexical grammar: punctuators, names, numbers and strings are tokens;
//! white space, line terminators, commas and comments are not. Malformed input is counted generously (an
//! unknown character is a token) and left for the parser to report.

/// What one pass over a document found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TokenScan {
    /// Lexical tokens.
    pub tokens: usize,
    /// The deepest nesting of `{`, `[` and `(` together.
    pub deepest_nesting: usize,
}

/// Scans `source` once.
pub fn scan(source: &str) -> TokenScan {
    let bytes = source.as_bytes();
    let mut scan = TokenScan::default();
    let mut nesting = 0usize;
    let mut at = 0;
    while let Some((start, end)) = next_token(bytes, at) {
        match bytes[start] {
            b'{' | b'[' | b'(' => {
                nesting += 1;
                scan.deepest_nesting = scan.deepest_nesting.max(nesting);
            }
            b'}' | b']' | b')' => nesting = nesting.saturating_sub(1),
            _ => {}
        }
        scan.tokens += 1;
        at = end;
    }
    scan
}

/// The bytes of each lexical token of `source`, in order: what is left of a document once white space,
/// commas and comments, which mean nothing, are dropped (two documents with the same tokens are the same
/// document).
pub fn tokens(source: &str) -> impl Iterator<Item = &[u8]> {
    let bytes = source.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        let (start, end) = next_token(bytes, at)?;
        at = end;
        Some(&bytes[start..end])
    })
}

/// Where the first token at or after `at` starts and ends, if there is one.
fn next_token(bytes: &[u8], mut at: usize) -> Option<(usize, usize)> {
    while at < bytes.len() {
        let start = at;
        let byte = bytes[at];
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                at += 1;
                continue;
            }
            // The byte order mark, U+FEFF.
            0xEF if bytes[at..].starts_with(&[0xEF, 0xBB, 0xBF]) => {
                at += 3;
                continue;
            }
            b'#' => {
                at = line_end(bytes, at);
                continue;
            }
            b'.' => {
                at += if bytes[at..].starts_with(b"...") {
                    3
                } else {
                    1
                }
            }
            b'"' if bytes[at..].starts_with(b"\"\"\"") => at = block_string_end(bytes, at + 3),
            b'"' => at = string_end(bytes, at + 1),
            b'_' | b'A'..=b'Z' | b'a'..=b'z' => {
                at += 1;
                while at < bytes.len() && (bytes[at] == b'_' || bytes[at].is_ascii_alphanumeric()) {
                    at += 1;
                }
            }
            b'-' | b'0'..=b'9' => {
                at += 1;
                while at < bytes.len()
                    && matches!(bytes[at], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
                {
                    at += 1;
                }
            }
            // Punctuators and anything the parser will refuse: one token per character.
            _ => at += utf8_width(byte),
        }
        return Some((start, at.min(bytes.len())));
    }
    None
}

/// The index just past the line that starts before `at`.
fn line_end(bytes: &[u8], at: usize) -> usize {
    bytes[at..]
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map_or(bytes.len(), |offset| at + offset)
}

/// The index just past a `"…"` string whose content starts at `at`; an unterminated string ends at the
/// end of its line.
fn string_end(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'"' => return at + 1,
            b'\n' | b'\r' => return at,
            _ => at += 1,
        }
    }
    bytes.len()
}

/// The index just past a `"""…"""` block string whose content starts at `at` (`\"""` does not close it).
fn block_string_end(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() {
        if bytes[at..].starts_with(b"\\\"\"\"") {
            at += 4;
        } else if bytes[at..].starts_with(b"\"\"\"") {
            return at + 3;
        } else {
            at += 1;
        }
    }
    bytes.len()
}

/// Bytes in the UTF-8 sequence a lead byte starts (1 for a stray continuation byte).
fn utf8_width(lead: u8) -> usize {
    match lead {
        0xF0..=0xF7 => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_the_tokens_of_the_spec_grammar() {
        let document = r#"
            # a comment { [ (
            query Page($slug: String!, $n: Int = -12) {
              term(slug: $slug) { ...F name @include(if: true) }
              x: terms(first: 1.5e3) { nodes { slug } }
              s: term(slug: "a \" } b") { id }
              b: term(slug: """block "" } \""" still""") { id }
            }
        "#;
        let scan = scan(document);
        // query Page ( $ slug : String ! $ n : Int = -12 ) { term ( slug : $ slug ) { ... F name @ include
        // ( if : true ) } x : terms ( first : 1.5e3 ) { nodes { slug } } s : term ( slug : "…" ) { id }
        // b : term ( slug : """…""" ) { id } }: 72 tokens, nested at most 3 deep.
        assert_eq!(scan.tokens, 72);
        assert_eq!(scan.deepest_nesting, 3);
    }

    #[test]
    fn nesting_and_malformed_input() {
        let deep = "{".repeat(10_000);
        let scan_deep = scan(&deep);
        assert_eq!(scan_deep.deepest_nesting, 10_000);
        assert_eq!(scan_deep.tokens, 10_000);
        assert_eq!(scan("\u{feff}{ a }").tokens, 3);
        assert_eq!(scan("\"unterminated\n{ a }").tokens, 4);
        assert_eq!(scan("{ é ☃ \0 }").tokens, 5);
        assert_eq!(scan("").tokens, 0);
    }

    #[test]
    fn tokens_leave_out_what_means_nothing() {
        let spaced = "query  Q($a:Int){\n  # note\n  term(slug: \"a b\", first: -1) { name } }";
        let tight = "query Q($a:Int){term(slug:\"a b\" first:-1){name}}";
        let words = |source| tokens(source).map(|t| String::from_utf8_lossy(t).into_owned());
        assert_eq!(
            words(spaced).collect::<Vec<_>>(),
            words(tight).collect::<Vec<_>>()
        );
        assert_eq!(
            words(tight).take(6).collect::<Vec<_>>(),
            ["query", "Q", "(", "$", "a", ":"]
        );
        assert_eq!(tokens("\"open").count(), 1);
    }
}
