//! HTTP caching of `GET /graphql` answers, for browsers and CDNs: `Cache-Control`, `ETag` and
//! `If-None-Match`.
//!
//! - An anonymous query that ran without errors is `public, max-age=N` (`--public-max-age-secs`, 0 by
//!   default: caches keep the answer but check it with the server every time, which costs a 304 when
//!   nothing changed), with a strong `ETag` (the body's SHA-256, so every replica gives the same tag to
//!   the same bytes); a request whose `If-None-Match` names that tag gets 304 and no body.
//! - Anything asked with an API key is `private, no-store`; any other answer (errors, refusals) is
//!   `no-store`.
//! - `Vary: Accept, Authorization` on every answer, so that a cache never gives one client's answer to a
//!   request asking another way or with a key.

use axum::{
    body::Body,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::Response,
};
use sha2::{Digest, Sha256};

/// What `Vary` says on every GraphQL answer.
pub const VARY: HeaderValue = HeaderValue::from_static("Accept, Authorization");

/// How caches may keep an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cacheability {
    /// Public content: any cache, for this many seconds before checking again.
    Public {
        /// `max-age`.
        max_age_secs: u32,
    },
    /// Asked with an API key: no cache at all.
    Private,
    /// Errors and refusals: not kept.
    NoStore,
}

impl Cacheability {
    /// The `Cache-Control` value.
    pub fn header(self) -> HeaderValue {
        match self {
            Cacheability::Public { max_age_secs } => {
                HeaderValue::from_str(&format!("public, max-age={max_age_secs}"))
                    .unwrap_or(HeaderValue::from_static("no-store"))
            }
            Cacheability::Private => HeaderValue::from_static("private, no-store"),
            Cacheability::NoStore => HeaderValue::from_static("no-store"),
        }
    }
}

/// The strong entity tag of a body: the first 128 bits of its SHA-256, in hex and quotes.
pub fn etag_of(body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    let mut tag = String::with_capacity(34);
    tag.push('"');
    for byte in &digest[..16] {
        tag.push_str(&format!("{byte:02x}"));
    }
    tag.push('"');
    HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"\""))
}

/// Whether the request's `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for this
/// header; `*` names any).
pub fn not_modified(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let ours = etag.as_bytes();
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag).as_bytes() == ours)
}

/// The 304 answer: no body, but the headers a 200 would have carried for caches to refresh.
pub fn not_modified_response(etag: HeaderValue, cacheability: Cacheability) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NOT_MODIFIED;
    let headers = response.headers_mut();
    headers.insert(header::ETAG, etag);
    headers.insert(header::CACHE_CONTROL, cacheability.header());
    headers.insert(header::VARY, VARY);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_stable_and_if_none_match_compares_weakly() {
        let tag = etag_of(b"{\"data\":{}}");
        assert_eq!(tag, etag_of(b"{\"data\":{}}"));
        assert_ne!(tag, etag_of(b"{\"data\":null}"));
        assert_eq!(tag.len(), 34);
        let text = tag.to_str().unwrap();
        let mut headers = HeaderMap::new();
        assert!(!not_modified(&headers, &tag));
        for (value, expected) in [
            (format!("\"other\", {text}"), true),
            (format!("W/{text}"), true),
            ("*".to_owned(), true),
            ("\"other\"".to_owned(), false),
            (text.trim_matches('"').to_owned(), false),
        ] {
            headers.insert(
                header::IF_NONE_MATCH,
                HeaderValue::from_str(&value).unwrap(),
            );
            assert_eq!(not_modified(&headers, &tag), expected, "{value}");
        }
    }

    #[test]
    fn cache_control_values() {
        assert_eq!(
            Cacheability::Public { max_age_secs: 60 }.header(),
            "public, max-age=60"
        );
        assert_eq!(Cacheability::Private.header(), "private, no-store");
        assert_eq!(Cacheability::NoStore.header(), "no-store");
    }
}
