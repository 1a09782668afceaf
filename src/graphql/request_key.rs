//! The identity of a GraphQL request, for the public response cache: a SHA-256 digest of its document's
//! digest (of its tokens: white space, commas and comments left out, so that two spellings of one
//! document are one request; see [`DocumentDigest`]), its operation name, and its variables and
//! extensions with object members in sorted order. Two requests with the same key ask the same thing; a
//! collision would take breaking SHA-256.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::admission::DocumentDigest;

/// A request's identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RequestKey([u8; 32]);

/// The key of a request whose document has this digest (`Admission::document_digest` keeps the digests
/// of the documents it has parsed).
pub fn of(
    document: &DocumentDigest,
    operation_name: Option<&str>,
    variables: &Map<String, Value>,
    extensions: &Map<String, Value>,
) -> RequestKey {
    let mut hasher = Sha256::new();
    hasher.update(document.as_bytes());
    match operation_name {
        Some(name) => {
            hasher.update([1]);
            hash_str(&mut hasher, name);
        }
        None => hasher.update([0]),
    }
    hash_object(&mut hasher, variables);
    hash_object(&mut hasher, extensions);
    RequestKey(hasher.finalize().into())
}

fn hash_str(hasher: &mut Sha256, text: &str) {
    hasher.update((text.len() as u64).to_le_bytes());
    hasher.update(text.as_bytes());
}

fn hash_object(hasher: &mut Sha256, object: &Map<String, Value>) {
    let mut members: Vec<(&String, &Value)> = object.iter().collect();
    members.sort_unstable_by(|a, b| a.0.cmp(b.0));
    hasher.update([b'{']);
    hasher.update((members.len() as u64).to_le_bytes());
    for (name, value) in members {
        hash_str(hasher, name);
        hash_value(hasher, value);
    }
}

fn hash_value(hasher: &mut Sha256, value: &Value) {
    match value {
        Value::Null => hasher.update([b'n']),
        Value::Bool(true) => hasher.update([b't']),
        Value::Bool(false) => hasher.update([b'f']),
        Value::Number(number) => {
            hasher.update([b'0']);
            hash_str(hasher, &number.to_string());
        }
        Value::String(text) => {
            hasher.update([b's']);
            hash_str(hasher, text);
        }
        Value::Array(items) => {
            hasher.update([b'[']);
            hasher.update((items.len() as u64).to_le_bytes());
            for item in items {
                hash_value(hasher, item);
            }
        }
        Value::Object(object) => hash_object(hasher, object),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    fn key(query: &str, name: Option<&str>, variables: Value) -> RequestKey {
        of(
            &DocumentDigest::of(query),
            name,
            &object(variables),
            &Map::new(),
        )
    }

    #[test]
    fn spelling_does_not_matter_meaning_does() {
        let base = key(
            "query Q($s: String!) { term(slug: $s) { name } }",
            None,
            json!({"s": "api", "n": {"a": 1, "b": [true, null]}}),
        );
        assert_eq!(
            base,
            key(
                "query Q($s:String!){\n  # the page\n  term(slug:$s){name}}",
                None,
                json!({"n": {"b": [true, null], "a": 1}, "s": "api"})
            )
        );
        for other in [
            key(
                "query Q($s: String!) { term(slug: $s) { name title } }",
                None,
                json!({"s": "api", "n": {"a": 1, "b": [true, null]}}),
            ),
            key(
                "query Q($s: String!) { term(slug: $s) { name } }",
                Some("Q"),
                json!({"s": "api", "n": {"a": 1, "b": [true, null]}}),
            ),
            key(
                "query Q($s: String!) { term(slug: $s) { name } }",
                None,
                json!({"s": "apis", "n": {"a": 1, "b": [true, null]}}),
            ),
            key(
                "query Q($s: String!) { term(slug: $s) { name } }",
                None,
                json!({"s": "api", "n": {"a": 1, "b": [null, true]}}),
            ),
            key(
                "query Q($s: String!) { term(slug: $s) { name } }",
                None,
                json!({"s": "api", "n": {"a": 1, "b": [true, null]}, "x": null}),
            ),
            key(
                "query Q($s: String!) { term(slug: $s) { nam e } }",
                None,
                json!({"s": "api", "n": {"a": 1, "b": [true, null]}}),
            ),
            key(
                "query Q($s: String!) { term(slug: \"$s\") { name } }",
                None,
                json!({"s": "api", "n": {"a": 1, "b": [true, null]}}),
            ),
        ] {
            assert_ne!(base, other);
        }
        let extended = of(
            &DocumentDigest::of("{ __typename }"),
            None,
            &Map::new(),
            &object(json!({"persistedQuery": {"version": 1}})),
        );
        assert_ne!(extended, key("{ __typename }", None, json!({})));
    }
}
