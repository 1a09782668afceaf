//! A document's digest: SHA-256 over its lexical tokens, each with its length, so that white space,
//! commas and comments, which mean nothing, do not change it, and two spellings of one document have one
//! digest. The public response cache keys requests by it ([`crate::graphql::request_key`]); a kept
//! document carries its digest, so that a document seen before is not scanned and hashed again.

use sha2::{Digest, Sha256};

use super::tokens;

/// The digest of a document's tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DocumentDigest([u8; 32]);

impl DocumentDigest {
    /// The digest of `source`'s tokens.
    pub fn of(source: &str) -> Self {
        let mut hasher = Sha256::new();
        for token in tokens::tokens(source) {
            hasher.update((token.len() as u64).to_le_bytes());
            hasher.update(token);
        }
        Self(hasher.finalize().into())
    }

    /// The digest's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_does_not_change_the_digest() {
        let digest = DocumentDigest::of("query Q($s: String!) { term(slug: $s) { name } }");
        assert_eq!(
            digest,
            DocumentDigest::of("query Q($s:String!){\n  # the page\n  term(slug:$s),{name}}")
        );
        for other in [
            "query Q($s: String!) { term(slug: $s) { name title } }",
            "query Q($s: String!) { term(slug: $s) { nam e } }",
            "query Q($s: String!) { term(slug: \"$s\") { name } }",
            "",
        ] {
            assert_ne!(digest, DocumentDigest::of(other), "{other}");
        }
    }

    #[test]
    fn token_boundaries_are_part_of_the_digest() {
        // The same bytes cut into other tokens are another document.
        assert_ne!(DocumentDigest::of("ab c"), DocumentDigest::of("a bc"));
        assert_ne!(
            DocumentDigest::of("\"a\" \"b\""),
            DocumentDigest::of("\"a\\\" \\\"b\"")
        );
    }
}
