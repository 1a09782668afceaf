//! What operators watch, beside the refusal and WebSocket counters of `http::server_metrics`: HTTP
//! requests by route, method and status with a latency histogram, GraphQL operations by name, type and
//! outcome with a latency histogram per type, and errors in responses by code. Kept with the official
//! Prometheus client and written out by `GET /metrics`.
//!
//! Operation names come from clients, so they are bounded: after [`MAX_OPERATION_NAMES`] distinct names
//! the rest are counted as `(other)`, and a request cannot grow the server's memory by naming operations.

use std::{collections::HashSet, sync::Mutex, time::Duration};

use async_graphql::{ServerError, parser::types::OperationType};
use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, histogram::Histogram},
    registry::Registry,
};

/// Distinct operation names kept as labels; others count as `(other)`.
pub const MAX_OPERATION_NAMES: usize = 200;

/// Latency buckets in seconds: from a cached answer (sub-millisecond) to a request at its deadline.
const LATENCY_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

// Labels of HTTP requests are static strings: counting a request allocates nothing.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    route: &'static str,
    method: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: &'static str,
}

/// A request method as a label: the standard ones by name, anything else as `OTHER` (clients choose
/// methods, and labels must stay few).
pub fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "OTHER",
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: String,
    r#type: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TypeLabels {
    r#type: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: String,
}

/// How an operation ended, as a label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperationOutcome {
    /// Ran without errors.
    Success,
    /// Ran, with field errors beside its data.
    PartialSuccess,
    /// Refused before it ran (validation, admission, limits).
    Refused,
    /// Abandoned at its time or size budget.
    Abandoned,
}

impl OperationOutcome {
    fn label(self) -> &'static str {
        match self {
            OperationOutcome::Success => "success",
            OperationOutcome::PartialSuccess => "partial_success",
            OperationOutcome::Refused => "refused",
            OperationOutcome::Abandoned => "abandoned",
        }
    }
}

/// The name of an operation type, as labels and spans show it.
pub fn operation_type_name(kind: OperationType) -> &'static str {
    match kind {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    }
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// The registry and its metrics; one per app.
pub struct Observability {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: Family<RouteLabels, Histogram, fn() -> Histogram>,
    operations: Family<OperationLabels, Counter>,
    operation_duration: Family<TypeLabels, Histogram, fn() -> Histogram>,
    errors: Family<CodeLabels, Counter>,
    operation_names: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for Observability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Observability").finish_non_exhaustive()
    }
}

impl Default for Observability {
    fn default() -> Self {
        Self::new()
    }
}

impl Observability {
    /// A registry with every metric at zero.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "glossary_http_requests",
            "HTTP requests answered, by route, method and status.",
            http_requests.clone(),
        );
        let http_duration: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        registry.register(
            "glossary_http_request_duration_seconds",
            "Time from a request's head to its response's head, by route.",
            http_duration.clone(),
        );
        let operations = Family::<OperationLabels, Counter>::default();
        registry.register(
            "glossary_graphql_operations",
            "GraphQL operations by name ((anonymous), or (other) past the first 200 names), type and outcome.",
            operations.clone(),
        );
        let operation_duration: Family<TypeLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        registry.register(
            "glossary_graphql_operation_duration_seconds",
            "Time to run a GraphQL query or mutation (admitted to answered), by type.",
            operation_duration.clone(),
        );
        let errors = Family::<CodeLabels, Counter>::default();
        registry.register(
            "glossary_graphql_errors",
            "Errors in GraphQL responses (request and field errors), by extensions.code.",
            errors.clone(),
        );
        Self {
            registry,
            http_requests,
            http_duration,
            operations,
            operation_duration,
            errors,
            operation_names: Mutex::new(HashSet::new()),
        }
    }

    /// Counts one HTTP request answered on `route` (the matched path pattern, never the raw path).
    pub fn http_request(
        &self,
        route: &'static str,
        method: &axum::http::Method,
        status: u16,
        elapsed: Duration,
    ) {
        self.http_requests
            .get_or_create(&HttpLabels {
                route,
                method: method_label(method),
                status,
            })
            .inc();
        self.http_duration
            .get_or_create(&RouteLabels { route })
            .observe(elapsed.as_secs_f64());
    }

    /// The label for an operation name: itself while fewer than [`MAX_OPERATION_NAMES`] are known.
    fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name else {
            return "(anonymous)".to_owned();
        };
        let mut names = self
            .operation_names
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if names.contains(name) {
            return name.to_owned();
        }
        if names.len() < MAX_OPERATION_NAMES {
            names.insert(name.to_owned());
            return name.to_owned();
        }
        "(other)".to_owned()
    }

    /// Counts one operation, its latency (queries and mutations; `None` for a subscription's start) and
    /// the codes of its errors.
    pub fn operation(
        &self,
        name: Option<&str>,
        kind: OperationType,
        outcome: OperationOutcome,
        elapsed: Option<Duration>,
        errors: &[ServerError],
    ) {
        let kind = operation_type_name(kind);
        self.operations
            .get_or_create(&OperationLabels {
                operation: self.operation_label(name),
                r#type: kind,
                outcome: outcome.label(),
            })
            .inc();
        if let Some(elapsed) = elapsed {
            self.operation_duration
                .get_or_create(&TypeLabels { r#type: kind })
                .observe(elapsed.as_secs_f64());
        }
        self.errors_by_code(errors);
    }

    /// Counts errors by their `extensions.code`.
    pub fn errors_by_code(&self, errors: &[ServerError]) {
        for error in errors {
            let code = crate::graphql::request_errors::code_of(error);
            self.errors.get_or_create(&CodeLabels { code }).inc();
        }
    }

    /// Writes every metric in the Prometheus text format (ending with `# EOF`).
    pub fn encode(&self, out: &mut String) {
        let _ = encode(out, &self.registry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_counted_by_name_type_and_outcome_with_names_bounded() {
        let observability = Observability::new();
        observability.operation(
            Some("TermPage"),
            OperationType::Query,
            OperationOutcome::Success,
            Some(Duration::from_millis(3)),
            &[],
        );
        for i in 0..MAX_OPERATION_NAMES + 5 {
            observability.operation(
                Some(&format!("Op{i}")),
                OperationType::Mutation,
                OperationOutcome::Refused,
                None,
                &[async_graphql::ServerError::new("x", None)],
            );
        }
        observability.http_request(
            "/graphql",
            &axum::http::Method::POST,
            200,
            Duration::from_millis(2),
        );
        let mut out = String::new();
        observability.encode(&mut out);
        assert!(out.contains(
            r#"glossary_graphql_operations_total{operation="TermPage",type="query",outcome="success"} 1"#
        ));
        assert!(out.contains(
            r#"glossary_graphql_operations_total{operation="(other)",type="mutation",outcome="refused"} 6"#
        ), "{out}");
        assert!(out.contains(r#"glossary_graphql_errors_total{code="UNCODED"} 205"#));
        assert!(out.contains(
            r#"glossary_http_requests_total{route="/graphql",method="POST",status="200"} 1"#
        ));
        assert!(
            out.contains(
                r#"glossary_graphql_operation_duration_seconds_bucket{le="0.005",type="query"} 1"#
            ) || out.contains(
                r#"glossary_graphql_operation_duration_seconds_bucket{type="query",le="0.005"} 1"#
            ),
            "{out}"
        );
        assert!(out.trim_end().ends_with("# EOF"));
    }
}
