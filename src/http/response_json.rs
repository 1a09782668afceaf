//! A response's `data` written as JSON, byte for byte as `serde_json` writes it, with its strings escaped
//! a word at a time.
//!
//! `serde_json` escapes a string one byte at a time through a lookup table. A term page's HTML bodies
//! are most of its bytes, so that loop was a ninth of the instructions of a term page (Q1) and a thirtieth
//! of a list page's (docs/performance.md). Here eight bytes are tested at once for anything JSON must
//! escape (a control character, `"` or `\`), runs without one are copied whole, and the rest is escaped
//! as `serde_json` escapes it. Numbers and byte strings, rare in responses, are left to `serde_json`.
//! A property test holds the output to `serde_json`'s for any value.

use async_graphql::Value;

/// Appends `value` as JSON to `out`, exactly as `serde_json::to_writer` would.
pub fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Boolean(true) => out.extend_from_slice(b"true"),
        Value::Boolean(false) => out.extend_from_slice(b"false"),
        Value::String(text) => write_string(out, text),
        Value::Enum(name) => write_string(out, name.as_str()),
        Value::List(items) => {
            out.push(b'[');
            for (at, item) in items.iter().enumerate() {
                if at > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(fields) => {
            out.push(b'{');
            for (at, (name, field)) in fields.iter().enumerate() {
                if at > 0 {
                    out.push(b',');
                }
                write_string(out, name.as_str());
                out.push(b':');
                write_value(out, field);
            }
            out.push(b'}');
        }
        // Writing to a `Vec` cannot fail, and numbers and bytes always serialise.
        Value::Number(_) | Value::Binary(_) => {
            let _ = serde_json::to_writer(&mut *out, value);
        }
    }
}

/// Eight copies of `byte`.
const fn repeated(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

/// The bytes of `word` (read little-endian) that must be escaped in a JSON string: a control character
/// (below 0x20), `"` or `\`, each marked by its high bit. The lowest mark is always exact: `x - 0x20…`
/// borrows into a byte's high bit where that byte is below 0x20 (and `!x` clears bytes of 0x80 and
/// above), a borrow only ever carries upwards, so only bytes above a true match can be marked wrongly.
fn escape_marks(word: u64) -> u64 {
    let below_space = word.wrapping_sub(repeated(0x20)) & !word;
    let zero_in = |x: u64| x.wrapping_sub(repeated(0x01)) & !x;
    let quote = zero_in(word ^ repeated(b'"'));
    let backslash = zero_in(word ^ repeated(b'\\'));
    (below_space | quote | backslash) & repeated(0x80)
}

/// `text` as a JSON string, escaped as `serde_json` escapes it: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`,
/// `\t`, and `\u00XX` for the other control characters; everything else as it is.
fn write_string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // `bytes[start..at]` is copied as it is, then the byte at `at` escaped.
    let mut start = 0;
    while let Some(at) = next_escape(bytes, start) {
        out.extend_from_slice(&bytes[start..at]);
        match bytes[at] {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0C => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            byte => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 0xF)]);
            }
        }
        start = at + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Where the first byte at or after `at` that JSON escapes is, if there is one. Eight bytes are tested
/// at a time; the last few in one more word: the string's last eight bytes when it has eight (those
/// before `at` replaced by spaces, which need no escape), else its bytes padded with spaces.
fn next_escape(bytes: &[u8], mut at: usize) -> Option<usize> {
    while let Some(chunk) = bytes.get(at..at + 8) {
        let marks = escape_marks(u64::from_le_bytes(chunk.try_into().expect("eight bytes")));
        if marks != 0 {
            return Some(at + (marks.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let left = bytes.len() - at;
    if left == 0 {
        return None;
    }
    let marks = if let Some(last) = bytes.last_chunk::<8>() {
        // The low `8 - left` bytes of the word come before `at`: spaces in their place, so that an
        // escape there (already written) neither marks nor borrows, then shifted out.
        let done = 8 * (8 - left);
        let before = (1u64 << done) - 1;
        let word = (u64::from_le_bytes(*last) & !before) | (repeated(b' ') & before);
        escape_marks(word) >> done
    } else {
        let mut padded = [b' '; 8];
        padded[..left].copy_from_slice(&bytes[at..]);
        escape_marks(u64::from_le_bytes(padded))
    };
    (marks != 0).then(|| at + (marks.trailing_zeros() / 8) as usize)
}

/// Hexadecimal digits as `serde_json` writes them in `\u00XX`.
const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use async_graphql::{Name, indexmap::IndexMap};
    use proptest::prelude::*;

    use super::*;

    fn ours(value: &Value) -> String {
        let mut out = Vec::new();
        write_value(&mut out, value);
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn every_escape_and_every_kind_of_value() {
        let text: String = (0u8..0x80).map(char::from).collect::<String>() + "é€😀\u{2028}";
        let mut fields = IndexMap::new();
        fields.insert(Name::new("text"), Value::String(text));
        fields.insert(Name::new("quote\"key\\"), Value::Enum(Name::new("HTML")));
        fields.insert(
            Name::new("numbers"),
            Value::List(vec![
                Value::from(-3),
                Value::from(u64::MAX),
                Value::from(0.1),
                Value::from(1e300),
            ]),
        );
        fields.insert(
            Name::new("flags"),
            Value::List(vec![true.into(), false.into()]),
        );
        fields.insert(Name::new("nothing"), Value::Null);
        fields.insert(Name::new("empty"), Value::Object(IndexMap::new()));
        fields.insert(Name::new("none"), Value::List(Vec::new()));
        fields.insert(Name::new("bytes"), Value::Binary(vec![0u8, 1, 255].into()));
        let value = Value::Object(fields);
        assert_eq!(ours(&value), serde_json::to_string(&value).unwrap());
    }

    /// Every length to 24 with one or two bytes to escape at every place: the escapes in the last
    /// partial word, and those before it in the bytes that word overlaps, are where words are cut.
    #[test]
    fn escapes_at_every_place_of_every_length() {
        for len in 0..=24 {
            for first in 0..len {
                for second in first..len {
                    let text: String = (0..len)
                        .map(|at| match at {
                            at if at == first => '"',
                            at if at == second => '\u{1}',
                            at if at % 3 == 0 => ' ',
                            _ => 'a',
                        })
                        .collect();
                    let value = Value::String(text);
                    assert_eq!(ours(&value), serde_json::to_string(&value).unwrap());
                }
            }
        }
    }

    fn value() -> impl Strategy<Value = Value> {
        // Strings drawn from every char, and from the bytes that matter most, in runs around eight.
        let text = prop_oneof![
            any::<String>(),
            proptest::collection::vec(
                prop_oneof![
                    Just('"'),
                    Just('\\'),
                    Just('\n'),
                    Just('\u{1}'),
                    Just('\u{1f}'),
                    Just(' '),
                    Just('a'),
                    Just('é'),
                    Just('\u{7f}'),
                ],
                0..40
            )
            .prop_map(|chars| chars.into_iter().collect::<String>()),
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Boolean),
            any::<i64>().prop_map(Value::from),
            text.clone().prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 40, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::List),
                proptest::collection::vec(("[a-z\"\\\\]{1,6}", inner), 0..6).prop_map(|pairs| {
                    Value::Object(
                        pairs
                            .into_iter()
                            .map(|(key, value)| (Name::new(key), value))
                            .collect(),
                    )
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn writes_what_serde_json_writes(value in value()) {
            prop_assert_eq!(ours(&value), serde_json::to_string(&value).unwrap());
        }
    }
}
