//! Paging arguments and opaque cursors for every connection of the API: term lists (`terms`,
//! `Category.terms`), a term's revisions, the subscriber list and search hits. A cursor is `base64url(JSON)` of the list
//! it belongs to (for terms, the ordering field), a sort value and an id; a cursor from another list or
//! ordering, or one that is not ours, is a `BAD_USER_INPUT` error naming the argument.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    content::term_list::{SortValue, TermKey, TermOrderField},
    error::Error,
};

/// The largest page a connection field returns; `first` or `last` above it is refused, never clamped.
pub const MAX_PAGE_SIZE: usize = 100;

/// The page size when a connection is asked for neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: usize = 20;

/// The page size of a list paged forward only (`first`): the default when omitted, refused outside
/// 1–max.
pub fn first_or_default(first: Option<i32>) -> Result<usize, Error> {
    match first {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if (1..=MAX_PAGE_SIZE as i32).contains(&n) => Ok(n as usize),
        Some(_) => Err(Error::bad_input(
            "first",
            format!("first must be 1–{MAX_PAGE_SIZE}"),
        )),
    }
}

/// A list ordered by one integer, whose cursors are positions in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PositionList {
    /// A term's revisions, by version.
    Revisions,
    /// Newsletter subscribers, by id.
    Subscribers,
    /// Hits of a full-text search, by rank.
    SearchResults,
    /// Terms linking to a term, by their place among the candidates.
    Backlinks,
}

impl PositionList {
    fn name(self) -> &'static str {
        match self {
            PositionList::Revisions => "REVISIONS",
            PositionList::Subscribers => "SUBSCRIBERS",
            PositionList::SearchResults => "SEARCH",
            PositionList::Backlinks => "BACKLINKS",
        }
    }
}

/// The cursor of `position` in `list`.
pub fn encode_position(list: PositionList, position: i64) -> String {
    encode_payload(&CursorPayload {
        o: list.name().to_owned(),
        k: String::new(),
        i: position,
    })
}

/// The position a cursor of `list` points at; `argument` (`after`) names it in errors.
pub fn decode_position(cursor: &str, list: PositionList, argument: &str) -> Result<i64, Error> {
    let payload = decode_payload(cursor, argument)?;
    if payload.o != list.name() {
        return Err(malformed(cursor, argument));
    }
    Ok(payload.i)
}

fn encode_payload(payload: &CursorPayload) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(payload).expect("a cursor payload serialises"))
}

fn malformed(cursor: &str, argument: &str) -> Error {
    Error::bad_input(
        argument,
        format!("{argument}: {cursor:?} is not a valid cursor"),
    )
}

fn decode_payload(cursor: &str, argument: &str) -> Result<CursorPayload, Error> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| malformed(cursor, argument))?;
    serde_json::from_slice(&bytes).map_err(|_| malformed(cursor, argument))
}

#[derive(Serialize, Deserialize)]
struct CursorPayload {
    /// Ordering field.
    o: String,
    /// Sort value: text, or an RFC 3339 timestamp.
    k: String,
    /// Term id.
    i: i64,
}

fn field_name(field: TermOrderField) -> &'static str {
    match field {
        TermOrderField::Name => "NAME",
        TermOrderField::UpdatedAt => "UPDATED_AT",
        TermOrderField::PublishedAt => "PUBLISHED_AT",
    }
}

/// The cursor of the term at `key` in an ordering by `field`.
pub fn encode(field: TermOrderField, key: &TermKey) -> String {
    let k = match &key.value {
        SortValue::Text(text) => text.clone(),
        SortValue::Time(time) => time.to_rfc3339_opts(SecondsFormat::Micros, true),
    };
    encode_payload(&CursorPayload {
        o: field_name(field).to_owned(),
        k,
        i: key.id,
    })
}

/// Decodes a cursor for an ordering by `field`; `argument` (`after` or `before`) names it in errors.
pub fn decode(cursor: &str, field: TermOrderField, argument: &str) -> Result<TermKey, Error> {
    let malformed = || malformed(cursor, argument);
    let payload = decode_payload(cursor, argument)?;
    if payload.o != field_name(field) {
        return Err(Error::bad_input(
            argument,
            format!(
                "{argument}: the cursor belongs to an ordering by {} but the list is ordered by {}",
                payload.o,
                field_name(field)
            ),
        ));
    }
    let value = match field {
        TermOrderField::Name => SortValue::Text(payload.k),
        TermOrderField::UpdatedAt | TermOrderField::PublishedAt => SortValue::Time(
            DateTime::parse_from_rfc3339(&payload.k)
                .map_err(|_| malformed())?
                .with_timezone(&Utc),
        ),
    };
    Ok(TermKey {
        value,
        id: payload.i,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_mismatch() {
        let key = TermKey {
            value: SortValue::Time("2026-03-14T09:30:00.123456Z".parse().unwrap()),
            id: 7,
        };
        let cursor = encode(TermOrderField::UpdatedAt, &key);
        assert_eq!(
            decode(&cursor, TermOrderField::UpdatedAt, "after").unwrap(),
            key
        );
        assert!(decode(&cursor, TermOrderField::Name, "after").is_err());
        assert!(decode("garbage", TermOrderField::Name, "before").is_err());

        let revision = encode_position(PositionList::Revisions, 3);
        assert_eq!(
            decode_position(&revision, PositionList::Revisions, "after").unwrap(),
            3
        );
        assert!(decode_position(&revision, PositionList::Subscribers, "after").is_err());
        assert!(decode_position(&cursor, PositionList::Revisions, "after").is_err());
    }
}
