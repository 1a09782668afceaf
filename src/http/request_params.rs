//! The parameters of a GraphQL-over-HTTP request ([`GraphqlParams`]), read from a `POST`'s JSON body or a
//! `GET`'s query string. Anything that is not well-formed (not JSON, not an object, a member of the wrong
//! type) is refused with a message naming what is wrong, which the handler answers with 400.

use std::{collections::HashMap, fmt};

use serde::{
    Deserialize, Deserializer,
    de::{self, IgnoredAny, MapAccess, Visitor},
};
use serde_json::{Map, Value};

/// The parameters of one GraphQL request, from a JSON body or a query string.
pub struct GraphqlParams {
    /// The document's text; absent when the request names a persisted document by hash alone.
    pub query: Option<String>,
    /// A top-level `documentId` naming a persisted document (`sha256:<hex>`).
    pub document_id: Option<String>,
    /// The operation to run, for a document with several.
    pub operation_name: Option<String>,
    /// The variables' values, as JSON.
    pub variables: Map<String, Value>,
    /// The request's extensions (a persisted query's hash among them), as JSON.
    pub extensions: Map<String, Value>,
}

/// Reads an optional JSON object member that must be an object when present.
fn object_member(value: Option<Value>, name: &str) -> Result<Map<String, Value>, String> {
    match value {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map),
        Some(_) => Err(format!("{name} must be a JSON object")),
    }
}

/// Reads an optional member that must be a string when present (`null` counts as absent).
fn string_member(value: Option<Value>, name: &str) -> Result<Option<String>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(format!("{name} must be a string")),
    }
}

/// A POST body's parameters. The body must be one JSON object; members other than the five the spec
/// and persisted documents define are ignored, and a member given twice counts by its last value.
pub fn params_from_json(body: &[u8]) -> Result<GraphqlParams, String> {
    match serde_json::from_slice::<Members>(body) {
        Ok(members) => members.into_params(),
        // Parsed again as any JSON value, to say what is wrong with it (a refusal may cost more).
        Err(error) => Err(match serde_json::from_slice::<Value>(body) {
            Err(error) => format!("the request body is not valid JSON: {error}"),
            Ok(Value::Object(_)) => format!("the request body is not valid JSON: {error}"),
            Ok(_) => "the request body must be a JSON object (batched requests are not supported)"
                .to_owned(),
        }),
    }
}

/// A GET's parameters, from its query string; `variables` and `extensions` are JSON texts there.
pub fn params_from_query_string(
    mut query: HashMap<String, String>,
) -> Result<GraphqlParams, String> {
    let document = query.remove("query");
    let parse_object = |text: Option<String>, name: &str| -> Result<Map<String, Value>, String> {
        match text.filter(|t| !t.is_empty()) {
            None => Ok(Map::new()),
            Some(text) => {
                let value = serde_json::from_str(&text)
                    .map_err(|e| format!("{name} is not valid JSON: {e}"))?;
                object_member(Some(value), name)
            }
        }
    };
    Ok(GraphqlParams {
        query: document,
        document_id: query.remove("documentId").filter(|id| !id.is_empty()),
        operation_name: query.remove("operationName").filter(|n| !n.is_empty()),
        variables: parse_object(query.remove("variables"), "variables")?,
        extensions: parse_object(query.remove("extensions"), "extensions")?,
    })
}

/// The members of a request body that mean something here, each as it came. Read straight from the
/// body's object, without building a map of all its members first.
#[derive(Default)]
struct Members {
    query: Option<Value>,
    document_id: Option<Value>,
    operation_name: Option<Value>,
    variables: Option<Value>,
    extensions: Option<Value>,
}

impl Members {
    /// The parameters, once each member has the type it must have.
    fn into_params(self) -> Result<GraphqlParams, String> {
        Ok(GraphqlParams {
            query: string_member(self.query, "query")?,
            document_id: string_member(self.document_id, "documentId")?,
            operation_name: string_member(self.operation_name, "operationName")?,
            variables: object_member(self.variables, "variables")?,
            extensions: object_member(self.extensions, "extensions")?,
        })
    }
}

/// A member's name, matched without copying it.
enum MemberName {
    Query,
    DocumentId,
    OperationName,
    Variables,
    Extensions,
    Other,
}

impl<'de> Deserialize<'de> for MemberName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl Visitor<'_> for NameVisitor {
            type Value = MemberName;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<MemberName, E> {
                Ok(match name {
                    "query" => MemberName::Query,
                    "documentId" => MemberName::DocumentId,
                    "operationName" => MemberName::OperationName,
                    "variables" => MemberName::Variables,
                    "extensions" => MemberName::Extensions,
                    _ => MemberName::Other,
                })
            }
        }
        deserializer.deserialize_identifier(NameVisitor)
    }
}

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Members::default();
                while let Some(name) = map.next_key::<MemberName>()? {
                    let slot = match name {
                        MemberName::Query => &mut members.query,
                        MemberName::DocumentId => &mut members.document_id,
                        MemberName::OperationName => &mut members.operation_name,
                        MemberName::Variables => &mut members.variables,
                        MemberName::Extensions => &mut members.extensions,
                        MemberName::Other => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    *slot = Some(map.next_value()?);
                }
                Ok(members)
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the body parser read before it read members straight from the object: the whole body as a
    /// JSON value, then its members taken out of the map.
    fn params_through_a_value(body: &[u8]) -> Result<GraphqlParams, String> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| format!("the request body is not valid JSON: {e}"))?;
        let Value::Object(mut object) = value else {
            return Err(
                "the request body must be a JSON object (batched requests are not supported)"
                    .to_owned(),
            );
        };
        Ok(GraphqlParams {
            query: string_member(object.remove("query"), "query")?,
            document_id: string_member(object.remove("documentId"), "documentId")?,
            operation_name: string_member(object.remove("operationName"), "operationName")?,
            variables: object_member(object.remove("variables"), "variables")?,
            extensions: object_member(object.remove("extensions"), "extensions")?,
        })
    }

    fn summary(params: Result<GraphqlParams, String>) -> String {
        match params {
            Ok(p) => format!(
                "{:?} {:?} {:?} {:?} {:?}",
                p.query, p.document_id, p.operation_name, p.variables, p.extensions
            ),
            Err(message) => format!("refused: {message}"),
        }
    }

    #[test]
    fn bodies_read_as_through_a_json_value() {
        for body in [
            r#"{"query":"{ __typename }"}"#,
            r#"{"query":"query Q($s: String!) { term(slug: $s) { name } }","variables":{"s":"api"},"operationName":"Q"}"#,
            r#"{"query":null,"documentId":"sha256:abc","extensions":{"persistedQuery":{"version":1}}}"#,
            r#"{"query":"{ a }","query":"{ b }"}"#,
            r#"{"qu\u0065ry":"{ escaped }","other":[1,{"x":[null]}],"variables":null}"#,
            r#"  {"query":"{ a }", "unknown": {"deep": {"er": true}}}  "#,
            r#"{}"#,
            r#"{"query":1}"#,
            r#"{"documentId":false}"#,
            r#"{"operationName":["Q"]}"#,
            r#"{"variables":[]}"#,
            r#"{"extensions":"x"}"#,
            r#"[{"query":"{ a }"}]"#,
            r#""just a string""#,
            r#"42"#,
            r#"{"query":"{ a }""#,
            r#"{"query":"{ a }"} trailing"#,
            "",
            "not json",
        ] {
            assert_eq!(
                summary(params_from_json(body.as_bytes())),
                summary(params_through_a_value(body.as_bytes())),
                "{body}"
            );
        }
    }
}
