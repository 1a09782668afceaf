//! Admission: everything decided about a GraphQL request before it runs, the same over HTTP and WebSocket.
//!
//! In order, each step cheap and bounded by what the previous one let through: the document's tokens are
//! counted and its brackets' nesting measured without parsing ([`tokens`]); it is parsed once; the
//! operation is picked; variables are coerced and literals checked ([`coercion`]); its cost is measured
//! with each fragment measured once ([`cost`]) and held against [`QueryLimits`]. An admitted request
//! carries the parsed document to async-graphql, which validates and runs it without parsing it again.
//! A refusal is a list of request errors, each with its `extensions.code`.

mod coercion;
mod cost;
mod digest;
mod documents;
pub mod tokens;

use std::sync::{Arc, OnceLock};

use async_graphql::{
    ServerError, Variables,
    parser::{
        parse_query,
        types::{DocumentOperations, ExecutableDocument, OperationType},
    },
};

use self::{
    cost::Unmeasurable,
    documents::{DocumentCache, Parsed},
};
pub use self::{
    cost::{DocumentCost, MAX_SELECTION_NESTING},
    digest::DocumentDigest,
    documents::FullValidation,
};
use super::{request_errors::label, response_shape::selected_operation, schema_index::SchemaIndex};
use crate::{config::QueryLimits, error::ErrorCode};

/// The deepest nesting of brackets (`{`, `[`, `(` together) a document may have. Far above what the depth
/// limits allow, it only keeps the recursive parser from ever going deep.
pub const MAX_BRACKET_NESTING: usize = 64;

/// A request that passed admission, ready to run.
#[derive(Debug)]
pub struct AdmittedRequest {
    /// The parsed document, with arguments given absent variables left out.
    pub document: Arc<ExecutableDocument>,
    /// The operation to run, as the request named it.
    pub operation_name: Option<String>,
    /// Query, mutation or subscription.
    pub operation_type: OperationType,
    /// The coerced variables.
    pub variables: Variables,
    /// What the document measured.
    pub cost: DocumentCost,
    /// Whether async-graphql validated this document in full before.
    pub validation: FullValidation,
}

impl AdmittedRequest {
    /// The async-graphql request to run: the document is handed over parsed, never parsed again.
    pub fn to_request(&self, query: &str) -> async_graphql::Request {
        let mut request = async_graphql::Request::new(query).variables(self.variables.clone());
        if let Some(name) = &self.operation_name {
            request = request.operation_name(name.clone());
        }
        request.set_parsed_query(ExecutableDocument::clone(&self.document));
        request
    }
}

/// The schema's index, the limits and the parsed documents kept, shared by every request.
#[derive(Debug)]
pub struct Admission {
    index: SchemaIndex,
    limits: QueryLimits,
    documents: DocumentCache,
}

/// A request error with a code.
fn refusal(code: ErrorCode, message: String) -> ServerError {
    label(ServerError::new(message, None), code)
}

/// A limit's refusal, with the measure and the limit also in `extensions` for programs.
fn over_limit(code: ErrorCode, message: String, measured: u64, limit: u64) -> ServerError {
    let mut error = refusal(code, message);
    if let Some(extensions) = error.extensions.as_mut() {
        extensions.set("measured", measured);
        extensions.set("limit", limit);
    }
    error
}

/// A count for a message; a saturated one says so.
fn count(value: u64) -> String {
    if value == u64::MAX {
        format!("more than {}", u64::MAX - 1)
    } else {
        value.to_string()
    }
}

impl Admission {
    /// Admission over a schema's index with these limits, keeping about `document_cache_bytes` of parsed
    /// documents.
    pub fn new(index: SchemaIndex, limits: QueryLimits, document_cache_bytes: usize) -> Self {
        Self {
            index,
            limits,
            documents: DocumentCache::new(document_cache_bytes),
        }
    }

    /// The schema's index (response shaping uses it too).
    pub fn index(&self) -> &SchemaIndex {
        &self.index
    }

    /// The limits applied.
    pub fn limits(&self) -> &QueryLimits {
        &self.limits
    }

    /// The digest of a document's tokens: kept with the document when it was parsed before (computed
    /// the first time it is asked for), else computed from its text.
    pub fn document_digest(&self, query: &str) -> DocumentDigest {
        match self.documents.get(query) {
            Some(parsed) => *parsed.digest.get_or_init(|| DocumentDigest::of(query)),
            None => DocumentDigest::of(query),
        }
    }

    /// Admits a request or says why not, in request errors that each carry a code.
    pub fn admit(
        &self,
        query: &str,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> Result<AdmittedRequest, Vec<ServerError>> {
        let parsed = match self.documents.get(query) {
            Some(parsed) => parsed,
            None => {
                let parsed = Arc::new(self.parse(query)?);
                self.documents.insert(query, Arc::clone(&parsed));
                parsed
            }
        };
        let document = &parsed.document;
        let operation_type = match selected_operation(document, operation_name) {
            Some(operation) => operation.ty,
            None => {
                let message = match (operation_name, &document.operations) {
                    (Some(name), _) => format!("Unknown operation named \"{name}\"."),
                    (None, DocumentOperations::Multiple(operations)) if operations.is_empty() => {
                        "The document has no operation.".to_owned()
                    }
                    (None, _) => "Operation name required in request.".to_owned(),
                };
                return Err(vec![refusal(ErrorCode::GraphqlValidationFailed, message)]);
            }
        };
        let operation =
            selected_operation(document, operation_name).expect("the operation was found above");

        let coerced = coercion::coerce_variables(&self.index, operation, variables);
        let mut invalid = parsed.invalid_literals.clone();
        let coerced = match coerced {
            Ok(coerced) if invalid.is_empty() => coerced,
            Ok(_) => return Err(validation_failed(invalid)),
            Err(errors) => {
                invalid.splice(0..0, errors);
                return Err(validation_failed(invalid));
            }
        };

        let cost =
            cost::measure(&self.index, document, &coerced.values).map_err(|unmeasurable| {
                match unmeasurable {
                    Unmeasurable::FragmentCycle(error) => {
                        vec![label(error, ErrorCode::GraphqlValidationFailed)]
                    }
                    Unmeasurable::TooDeep(error) => vec![label(error, ErrorCode::QueryTooDeep)],
                }
            })?;
        let errors = self.over_limits(&cost);
        if !errors.is_empty() {
            return Err(errors);
        }

        let (document, validation) = if coerced.absent.is_empty() {
            (Arc::clone(document), parsed.validation.clone())
        } else {
            let mut document = ExecutableDocument::clone(document);
            coercion::leave_out_absent_variables(&mut document, operation_name, &coerced.absent);
            (Arc::new(document), FullValidation::default())
        };
        Ok(AdmittedRequest {
            document,
            operation_name: operation_name.map(str::to_owned),
            operation_type,
            variables: coerced.values,
            cost,
            validation,
        })
    }

    /// Scans and parses a document not seen before, and checks its literals.
    fn parse(&self, query: &str) -> Result<Parsed, Vec<ServerError>> {
        let limits = &self.limits;
        let scan = tokens::scan(query);
        let mut errors = Vec::new();
        if scan.tokens > limits.max_tokens {
            errors.push(over_limit(
                ErrorCode::TooManyTokens,
                format!(
                    "the document has {} tokens; the limit is {}",
                    scan.tokens, limits.max_tokens
                ),
                scan.tokens as u64,
                limits.max_tokens as u64,
            ));
        }
        if scan.deepest_nesting > MAX_BRACKET_NESTING {
            errors.push(over_limit(
                ErrorCode::QueryTooDeep,
                format!(
                    "the document nests brackets {} deep; the limit is {MAX_BRACKET_NESTING}",
                    scan.deepest_nesting
                ),
                scan.deepest_nesting as u64,
                MAX_BRACKET_NESTING as u64,
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let document = parse_query(query).map_err(|error| {
            vec![label(
                ServerError::from(error),
                ErrorCode::GraphqlParseFailed,
            )]
        })?;
        let invalid_literals = coercion::check_literals(&self.index, &document);
        Ok(Parsed {
            document: Arc::new(document),
            invalid_literals,
            validation: FullValidation::pending(),
            digest: OnceLock::new(),
        })
    }

    /// One error for each limit the cost goes over.
    fn over_limits(&self, cost: &DocumentCost) -> Vec<ServerError> {
        let limits = &self.limits;
        let mut errors = Vec::new();
        let checks = [
            (
                cost.depth,
                limits.max_depth,
                ErrorCode::QueryTooDeep,
                "the query nests fields {measured} deep; the limit is {limit}",
            ),
            (
                cost.fields,
                limits.max_fields,
                ErrorCode::TooManyFields,
                "the query selects {measured} fields once its fragments are expanded (aliases \
                 included); the limit is {limit}",
            ),
            (
                cost.root_fields,
                limits.max_root_fields,
                ErrorCode::TooManyRootFields,
                "the query selects {measured} root fields (aliases included); the limit is {limit}",
            ),
            (
                cost.fragment_spreads,
                limits.max_fragment_spreads,
                ErrorCode::TooManyFragmentSpreads,
                "the query spreads fragments {measured} times once they are expanded; the limit is \
                 {limit}",
            ),
            (
                cost.complexity,
                limits.max_complexity,
                ErrorCode::QueryTooComplex,
                "the query's complexity is {measured}; the limit is {limit} (each field counts 1, \
                 and a list multiplies its selection by its size: ask for smaller pages or fewer \
                 nested lists)",
            ),
        ];
        for (measured, limit, code, template) in checks {
            if measured > limit {
                let message = template
                    .replace("{measured}", &count(measured))
                    .replace("{limit}", &limit.to_string());
                errors.push(over_limit(code, message, measured, limit));
            }
        }
        if cost.introspection && !limits.introspection() {
            errors.push(refusal(
                ErrorCode::IntrospectionDisabled,
                "introspection (__schema, __type) is switched off on this server; the schema is \
                 published as schema.graphql"
                    .to_owned(),
            ));
        }
        errors
    }
}

fn validation_failed(errors: Vec<ServerError>) -> Vec<ServerError> {
    errors
        .into_iter()
        .map(|error| label(error, ErrorCode::GraphqlValidationFailed))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admission_with(limits: QueryLimits) -> Admission {
        Admission::new(
            SchemaIndex::from_sdl(&crate::graphql::schema_sdl()),
            limits,
            1024 * 1024,
        )
    }

    fn codes(result: Result<AdmittedRequest, Vec<ServerError>>) -> Vec<String> {
        result
            .unwrap_err()
            .into_iter()
            .map(|error| error.extensions.unwrap().get("code").unwrap().to_string())
            .collect()
    }

    /// The queries README.md and GraphiQL show, a 100-term page with everything on it, and GraphiQL's
    /// introspection query: each passes with room to spare (a quarter of every limit or less).
    #[test]
    fn the_documented_queries_pass_with_room_to_spare() {
        let admission = admission_with(QueryLimits::default());
        let limits = *admission.limits();
        for (name, query) in [
            ("README term page", TERM_PAGE),
            ("README A-Z page", A_TO_Z_PAGE),
            ("GraphiQL's example", crate::http::graphiql::EXAMPLE_QUERY),
            ("100-term page with everything", EVERYTHING_PAGE),
            ("GraphiQL's introspection", INTROSPECTION),
        ] {
            let admitted = admission
                .admit(
                    query,
                    None,
                    &Variables::from_json(serde_json::json!({"slug": "api"})),
                )
                .unwrap_or_else(|errors| panic!("{name}: {errors:?}"));
            let cost = admitted.cost;
            eprintln!(
                "{name}: {} tokens, depth {}, {} fields, {} root fields, {} spreads, complexity {}",
                tokens::scan(query).tokens,
                cost.depth,
                cost.fields,
                cost.root_fields,
                cost.fragment_spreads,
                cost.complexity
            );
            assert!(
                tokens::scan(query).tokens * 4 <= limits.max_tokens,
                "{name}"
            );
            assert!(cost.fields * 4 <= limits.max_fields, "{name}");
            assert!(cost.root_fields * 4 <= limits.max_root_fields, "{name}");
            assert!(
                cost.fragment_spreads * 4 <= limits.max_fragment_spreads,
                "{name}"
            );
            assert!(
                cost.complexity * 4 <= limits.max_complexity,
                "{name}: {cost:?}"
            );
            assert!(cost.depth < limits.max_depth, "{name}");
        }
    }

    /// A document seen before is taken from the cache; leaving out an absent variable's argument changes
    /// the request's copy, never the kept one, and a refused document is refused again.
    #[test]
    fn documents_are_parsed_once() {
        let admission = admission_with(QueryLimits::default());
        let query = "query($first: Int) { terms(first: $first) { totalCount } }";
        let given = Variables::from_json(serde_json::json!({"first": 5}));
        let first = admission.admit(query, None, &given).unwrap();
        let again = admission.admit(query, None, &given).unwrap();
        assert!(Arc::ptr_eq(&first.document, &again.document));
        let absent = admission.admit(query, None, &Variables::default()).unwrap();
        assert!(!Arc::ptr_eq(&first.document, &absent.document));
        let arguments = |admitted: &AdmittedRequest| {
            format!("{:?}", admitted.document).matches("first").count()
        };
        assert!(arguments(&absent) < arguments(&first));
        let after = admission.admit(query, None, &given).unwrap();
        assert!(Arc::ptr_eq(&first.document, &after.document));
        assert_eq!(arguments(&after), arguments(&first));
        let wrong = "{ terms(first: \"ten\") { totalCount } }";
        for _ in 0..2 {
            assert_eq!(
                codes(admission.admit(wrong, None, &Variables::default())),
                ["\"GRAPHQL_VALIDATION_FAILED\""]
            );
        }
    }

    /// A kept document's digest is the one its text gives, before and after it was kept, and with no
    /// document cache at all.
    #[test]
    fn a_kept_documents_digest_is_its_texts() {
        let query = "query Page($s: String!) { term(slug: $s) { name } }";
        let variables = Variables::from_json(serde_json::json!({ "s": "api" }));
        for cache_bytes in [1024 * 1024, 0] {
            let admission = Admission::new(
                SchemaIndex::from_sdl(&crate::graphql::schema_sdl()),
                QueryLimits::default(),
                cache_bytes,
            );
            assert_eq!(admission.document_digest(query), DocumentDigest::of(query));
            admission.admit(query, None, &variables).unwrap();
            assert_eq!(admission.document_digest(query), DocumentDigest::of(query));
            assert_ne!(
                admission.document_digest(query),
                admission.document_digest("{ __typename }")
            );
        }
    }

    #[test]
    fn every_refusal_is_coded() {
        let admission = admission_with(QueryLimits::default());
        let none = Variables::default();
        assert_eq!(
            codes(admission.admit("{ term(slug: ", None, &none)),
            ["\"GRAPHQL_PARSE_FAILED\""]
        );
        assert_eq!(
            codes(admission.admit("query A { __typename }", Some("B"), &none)),
            ["\"GRAPHQL_VALIDATION_FAILED\""]
        );
        assert_eq!(
            codes(admission.admit(&"{ a ".repeat(70), None, &none)),
            ["\"QUERY_TOO_DEEP\""]
        );
        let aliases: String = (0..40).map(|i| format!(" a{i}: __typename")).collect();
        assert_eq!(
            codes(admission.admit(&format!("{{{aliases} }}"), None, &none)),
            ["\"TOO_MANY_ROOT_FIELDS\""]
        );
        assert_eq!(
            codes(admission.admit(
                "{ terms(first: 100) { nodes { relatedTerms { relatedTerms { slug } } } } }",
                None,
                &none
            )),
            ["\"QUERY_TOO_COMPLEX\""]
        );
        let closed = admission_with(QueryLimits {
            no_introspection: true,
            ..QueryLimits::default()
        });
        assert_eq!(
            codes(closed.admit("{ __schema { types { name } } }", None, &none)),
            ["\"INTROSPECTION_DISABLED\""]
        );
        assert!(closed.admit("{ __typename }", None, &none).is_ok());
    }

    const TERM_PAGE: &str = r#"query TermPage($slug: String!) {
      term(slug: $slug) {
        name title definition
        tableOfContents { title anchor level }
        sections { heading anchor body(format: HTML) }
        faqs { question answer(format: HTML) }
        callToAction { heading text label url }
        relatedTerms(first: 4) { slug name }
        categories { slug name }
        seo { title description }
        readingTimeMinutes publishedAt updatedAt
      }
    }"#;

    const A_TO_Z_PAGE: &str = r#"{
      glossaryIndex { letter termCount }
      terms(first: 20, filter: { letter: "B" }, orderBy: { field: NAME, direction: ASC }) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { slug name definition } }
      }
    }"#;

    const EVERYTHING_PAGE: &str = r#"{
      terms(first: 100) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        nodes {
          id slug name title definition(format: HTML) initial readingTimeMinutes publishedAt updatedAt
          tableOfContents { title anchor level }
          sections { id position heading anchor body(format: HTML) }
          faqs { id position question answer(format: HTML) }
          relatedTerms(first: 10) { slug name title }
          categories { slug name }
          callToAction { heading text label url }
          seo { title description }
        }
      }
    }"#;

    const INTROSPECTION: &str = r#"query IntrospectionQuery {
      __schema {
        description
        queryType { name } mutationType { name } subscriptionType { name }
        types { ...FullType }
        directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } }
      }
    }
    fragment FullType on __Type {
      kind name description specifiedByURL isOneOf
      fields(includeDeprecated: true) {
        name description args(includeDeprecated: true) { ...InputValue }
        type { ...TypeRef } isDeprecated deprecationReason
      }
      inputFields(includeDeprecated: true) { ...InputValue }
      interfaces { ...TypeRef }
      enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
      possibleTypes { ...TypeRef }
    }
    fragment InputValue on __InputValue {
      name description type { ...TypeRef } defaultValue isDeprecated deprecationReason
    }
    fragment TypeRef on __Type {
      kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType {
        kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
    }"#;
}
