//! Opaque connection cursors: `base64url(JSON)` of the ordering field, its value and the term id. A cursor
//! from another ordering, or one that is not ours, is a `BAD_USER_INPUT` error naming the argument.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    content::term_list::{SortValue, TermKey, TermOrderField},
    error::Error,
};

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
    let payload = CursorPayload {
        o: field_name(field).to_owned(),
        k,
        i: key.id,
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).expect("a cursor payload serialises"))
}

/// Decodes a cursor for an ordering by `field`; `argument` (`after` or `before`) names it in errors.
pub fn decode(cursor: &str, field: TermOrderField, argument: &str) -> Result<TermKey, Error> {
    let malformed = || {
        Error::bad_input(
            argument,
            format!("{argument}: {cursor:?} is not a valid cursor"),
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| malformed())?;
    let payload: CursorPayload = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
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
    }
}
