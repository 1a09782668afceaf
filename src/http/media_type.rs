//! Content negotiation for GraphQL over HTTP: which response media type an `Accept` header asks for, and
//! whether a request body's `Content-Type` is one we read.

use axum::http::{HeaderMap, header};

/// The JSON media types a GraphQL response can be sent as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseMediaType {
    /// `application/graphql-response+json`: request errors get 4xx status codes.
    GraphqlResponseJson,
    /// `application/json`, for legacy clients: every well-formed request gets 200.
    Json,
}

impl ResponseMediaType {
    /// The `Content-Type` header value.
    pub fn content_type(self) -> &'static str {
        match self {
            ResponseMediaType::GraphqlResponseJson => {
                "application/graphql-response+json; charset=utf-8"
            }
            ResponseMediaType::Json => "application/json; charset=utf-8",
        }
    }

    fn essence(self) -> &'static str {
        match self {
            ResponseMediaType::GraphqlResponseJson => "application/graphql-response+json",
            ResponseMediaType::Json => "application/json",
        }
    }
}

/// One media range of an `Accept` header with its quality.
struct MediaRange<'a> {
    essence: &'a str,
    quality: f32,
}

fn media_ranges(value: &str) -> impl Iterator<Item = MediaRange<'_>> {
    value.split(',').filter_map(|part| {
        let mut pieces = part.split(';');
        let essence = pieces.next()?.trim();
        if essence.is_empty() {
            return None;
        }
        let quality = pieces
            .filter_map(|p| p.trim().split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .and_then(|(_, value)| value.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        Some(MediaRange { essence, quality })
    })
}

/// How specifically `range` matches `essence`: 3 exact, 2 `type/*`, 1 `*/*`, `None` no match.
fn specificity(range: &str, essence: &str) -> Option<u8> {
    if range.eq_ignore_ascii_case(essence) {
        return Some(3);
    }
    let (range_type, range_subtype) = range.split_once('/')?;
    let (ty, _) = essence.split_once('/')?;
    match (range_type, range_subtype) {
        ("*", "*") => Some(1),
        (t, "*") if t.eq_ignore_ascii_case(ty) => Some(2),
        _ => None,
    }
}

/// Picks the response media type for the request's `Accept` headers, or `None` when neither is acceptable.
///
/// A missing or empty `Accept` means `application/json`, as the GraphQL-over-HTTP spec asks of servers for
/// legacy clients (SHOULD; `application/graphql-response+json` there is only a MAY). Each candidate gets
/// the quality of the most specific range that matches it; the higher quality wins. At equal quality
/// the candidate named by the more specific range wins, and when neither is named more specifically
/// than the other (`*/*`, `application/*`, or both listed) the rule above decides between a wildcard
/// (`application/json`) and a client that names both (`application/graphql-response+json`).
pub fn negotiate(headers: &HeaderMap) -> Option<ResponseMediaType> {
    // Nearly every client sends one `Accept` naming one of the two types alone: answered without
    // parsing ranges (the general rule below gives the same answer).
    let mut accepts = headers.get_all(header::ACCEPT).iter();
    if let (Some(only), None) = (accepts.next(), accepts.next()) {
        for candidate in [
            ResponseMediaType::GraphqlResponseJson,
            ResponseMediaType::Json,
        ] {
            if only
                .as_bytes()
                .eq_ignore_ascii_case(candidate.essence().as_bytes())
            {
                return Some(candidate);
            }
        }
    }
    let values: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty())
        .collect();
    if values.is_empty() {
        return Some(ResponseMediaType::Json);
    }
    // (quality, specificity) of the most specific range matching `candidate`.
    let match_of = |candidate: ResponseMediaType| -> (f32, u8) {
        values
            .iter()
            .flat_map(|v| media_ranges(v))
            .filter_map(|range| {
                specificity(range.essence, candidate.essence()).map(|s| (s, range.quality))
            })
            .max_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
            .map_or((0.0, 0), |(specificity, quality)| (quality, specificity))
    };
    let (preferred, preferred_specificity) = match_of(ResponseMediaType::GraphqlResponseJson);
    let (legacy, legacy_specificity) = match_of(ResponseMediaType::Json);
    if preferred <= 0.0 && legacy <= 0.0 {
        return None;
    }
    let pick = preferred
        .total_cmp(&legacy)
        .then(preferred_specificity.cmp(&legacy_specificity));
    Some(match pick {
        std::cmp::Ordering::Greater => ResponseMediaType::GraphqlResponseJson,
        std::cmp::Ordering::Less => ResponseMediaType::Json,
        // Both named explicitly: the client speaks the current spec.
        std::cmp::Ordering::Equal if preferred_specificity == 3 => {
            ResponseMediaType::GraphqlResponseJson
        }
        // Only wildcards: a legacy client.
        std::cmp::Ordering::Equal => ResponseMediaType::Json,
    })
}

/// Is the request body declared as JSON (`application/json`, any charset parameter but UTF-8 refused)?
pub fn is_json_body(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut pieces = value.split(';');
    let essence = pieces.next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return false;
    }
    pieces
        .filter_map(|p| p.trim().split_once('='))
        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("charset"))
        .all(|(_, value)| value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8"))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn accept(value: &str) -> Option<ResponseMediaType> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        negotiate(&headers)
    }

    #[test]
    fn negotiation() {
        use ResponseMediaType::*;
        assert_eq!(negotiate(&HeaderMap::new()), Some(Json));
        assert_eq!(accept("application/json"), Some(Json));
        assert_eq!(
            accept("application/graphql-response+json"),
            Some(GraphqlResponseJson)
        );
        assert_eq!(
            accept("application/graphql-response+json, application/json;q=0.9"),
            Some(GraphqlResponseJson)
        );
        assert_eq!(
            accept("application/graphql-response+json;q=0.5, application/json"),
            Some(Json)
        );
        assert_eq!(accept("*/*"), Some(Json));
        assert_eq!(accept("application/*"), Some(Json));
        assert_eq!(
            accept("application/graphql-response+json, */*"),
            Some(GraphqlResponseJson)
        );
        assert_eq!(
            accept("application/json, application/graphql-response+json"),
            Some(GraphqlResponseJson)
        );
        assert_eq!(
            accept("application/graphql-response+json;q=0.9, */*"),
            Some(Json)
        );
        assert_eq!(
            accept("application/*;q=0.8, application/json;q=0.9"),
            Some(Json)
        );
        assert_eq!(accept("Application/JSON"), Some(Json));
        assert_eq!(
            accept("APPLICATION/GRAPHQL-RESPONSE+JSON"),
            Some(GraphqlResponseJson)
        );
        assert_eq!(accept("text/html"), None);
        assert_eq!(accept("application/json;q=0"), None);
    }

    #[test]
    fn json_bodies() {
        let mut headers = HeaderMap::new();
        assert!(!is_json_body(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=UTF-8"),
        );
        assert!(is_json_body(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=latin1"),
        );
        assert!(!is_json_body(&headers));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert!(!is_json_body(&headers));
    }
}
