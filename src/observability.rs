//! What operators watch, beside the refusal and WebSocket counters of `http::server_metrics`: HTTP
//! requests by route, method and status with a latency histogram, GraphQL operations by name, type and
//! outcome with a latency histogram per type, and errors in responses by code. Kept with the official
//! Prometheus client and written out by `GET /metrics`.
//!
//! Operation names come from clients, so they are bounded: after [`MAX_OPERATION_NAMES`] distinct names
//! the rest are counted as `(other)`, and a request cannot grow the server's memory by naming operations.

use std::{
    collections::HashMap,
    sync::{
        Arc, OnceLock, RwLock,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use async_graphql::{ServerError, parser::types::OperationType};
use prometheus_client::{
    encoding::{EncodeLabelSet, EncodeMetric, MetricEncoder, NoLabelSet, text::encode},
    metrics::{MetricType, TypedMetric, counter::Counter, family::Family},
    registry::Registry,
};

/// Distinct operation names kept as labels; others count as `(other)`.
pub const MAX_OPERATION_NAMES: usize = 200;

/// Latency buckets in seconds: from a cached answer (sub-millisecond) to a request at its deadline.
const LATENCY_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// The same bounds in nanoseconds, for placing an observation without floating point.
const LATENCY_BUCKETS_NANOS: [u64; LATENCY_BUCKETS.len()] = {
    let mut nanos = [0; LATENCY_BUCKETS.len()];
    let mut i = 0;
    while i < nanos.len() {
        nanos[i] = (LATENCY_BUCKETS[i] * 1e9).round() as u64;
        i += 1;
    }
    nanos
};

/// A latency histogram kept in atomics: observing takes no lock (`prometheus-client`'s own histogram
/// takes a write lock per observation, on every request). Clones share the counts.
#[derive(Clone, Debug, Default)]
struct LatencyHistogram(Arc<LatencyCounts>);

#[derive(Debug, Default)]
struct LatencyCounts {
    /// Observations per bucket (not cumulative); the last one is `+Inf`.
    buckets: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    sum_nanos: AtomicU64,
}

impl LatencyHistogram {
    fn observe(&self, elapsed: Duration) {
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        let bucket = LATENCY_BUCKETS_NANOS.partition_point(|&bound| bound < nanos);
        self.0.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.0.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }
}

impl TypedMetric for LatencyHistogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for LatencyHistogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let mut buckets = [(0.0, 0); LATENCY_BUCKETS.len() + 1];
        let mut count = 0;
        for (i, slot) in buckets.iter_mut().enumerate() {
            let observed = self.0.buckets[i].load(Ordering::Relaxed);
            count += observed;
            // The encoder adds the buckets up, and writes `f64::MAX` as `+Inf`.
            *slot = (
                LATENCY_BUCKETS.get(i).copied().unwrap_or(f64::MAX),
                observed,
            );
        }
        let sum = self.0.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

/// A metric of a labelled family, looked up once and then kept: the hot path reads an atomic
/// pointer instead of hashing labels under the family's lock.
type Slot<M> = OnceLock<M>;

fn slot<'a, S, M, C>(
    slot: &'a Slot<M>,
    family: &Family<S, M, C>,
    labels: impl FnOnce() -> S,
) -> &'a M
where
    S: Clone + std::hash::Hash + Eq,
    M: Clone,
    C: prometheus_client::metrics::family::MetricConstructor<M>,
{
    slot.get_or_init(|| family.get_or_create(&labels()).clone())
}

/// The routes requests are counted by: the matched pattern, or `(unmatched)`.
const ROUTES: [&str; 9] = [
    "/graphql",
    "/graphql/ws",
    "/graphiql",
    "/graphiql/assets/{name}",
    "/schema.graphql",
    "/healthz",
    "/readyz",
    "/metrics",
    "(unmatched)",
];

/// A route of the service, as counted (an index into the table of routes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route(usize);

impl Route {
    /// The route a path belongs to: one of ours, or `(unmatched)`, never the raw path.
    pub fn of(path: &str) -> Self {
        let index = match path {
            "/graphql" => 0,
            "/graphql/ws" => 1,
            "/graphiql" => 2,
            _ if path.starts_with("/graphiql/assets/") => 3,
            "/schema.graphql" => 4,
            "/healthz" => 5,
            "/readyz" => 6,
            "/metrics" => 7,
            _ => 8,
        };
        Self(index)
    }

    /// The route's label.
    pub fn as_str(self) -> &'static str {
        ROUTES[self.0]
    }

    /// Whether requests on this route are served under load shedding: every route but the probes
    /// (`/healthz`, `/readyz`, `/metrics`), which a full server still answers, and unmatched paths.
    pub fn is_shed_when_full(self) -> bool {
        self.0 <= 4
    }
}

/// The methods requests are counted by; anything else is `OTHER`.
const METHODS: [&str; 8] = [
    "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "OTHER",
];

/// Statuses with a slot of their own per route and method; others are looked up in the family.
const STATUSES: [u16; 16] = [
    101, 200, 204, 304, 400, 401, 403, 404, 405, 406, 408, 413, 415, 429, 500, 503,
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
    METHODS[method_index(method)]
}

fn method_index(method: &axum::http::Method) -> usize {
    use axum::http::Method;
    match *method {
        Method::GET => 0,
        Method::POST => 1,
        Method::HEAD => 2,
        Method::PUT => 3,
        Method::DELETE => 4,
        Method::OPTIONS => 5,
        Method::PATCH => 6,
        _ => 7,
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

const OPERATION_TYPES: usize = 3;
const OUTCOMES: usize = 4;

fn type_index(kind: OperationType) -> usize {
    match kind {
        OperationType::Query => 0,
        OperationType::Mutation => 1,
        OperationType::Subscription => 2,
    }
}

fn outcome_index(outcome: OperationOutcome) -> usize {
    match outcome {
        OperationOutcome::Success => 0,
        OperationOutcome::PartialSuccess => 1,
        OperationOutcome::Refused => 2,
        OperationOutcome::Abandoned => 3,
    }
}

/// The counters of one operation name, by type and outcome.
#[derive(Default)]
struct OperationSlots {
    label: String,
    counters: [[Slot<Counter>; OUTCOMES]; OPERATION_TYPES],
}

impl OperationSlots {
    fn named(label: &str) -> Self {
        Self {
            label: label.to_owned(),
            ..Self::default()
        }
    }
}

/// The counters of an operation name: shared with the table of names, or one of the two fixed ones.
enum OperationCounters<'a> {
    Named(Arc<OperationSlots>),
    Fixed(&'a OperationSlots),
}

impl OperationCounters<'_> {
    fn slots(&self) -> &OperationSlots {
        match self {
            OperationCounters::Named(slots) => slots,
            OperationCounters::Fixed(slots) => slots,
        }
    }
}

/// `http_requests` by route, method and status slot.
type HttpRequestSlots = [[[Slot<Counter>; STATUSES.len()]; METHODS.len()]; ROUTES.len()];

/// The registry and its metrics; one per app.
///
/// The families are what `/metrics` writes; requests count through slots that hold the family's
/// metric for their labels once it has been looked up, so the hot path neither hashes labels nor
/// takes a lock (beside a read lock for a named operation).
pub struct Observability {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: Family<RouteLabels, LatencyHistogram>,
    operations: Family<OperationLabels, Counter>,
    operation_duration: Family<TypeLabels, LatencyHistogram>,
    errors: Family<CodeLabels, Counter>,
    http_request_slots: Box<HttpRequestSlots>,
    http_duration_slots: [Slot<LatencyHistogram>; ROUTES.len()],
    operation_duration_slots: [Slot<LatencyHistogram>; OPERATION_TYPES],
    anonymous_operations: OperationSlots,
    other_operations: OperationSlots,
    /// The first [`MAX_OPERATION_NAMES`] names seen, with their counters.
    named_operations: RwLock<HashMap<Box<str>, Arc<OperationSlots>>>,
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
        let http_duration = Family::<RouteLabels, LatencyHistogram>::default();
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
        let operation_duration = Family::<TypeLabels, LatencyHistogram>::default();
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
            http_request_slots: Box::default(),
            http_duration_slots: Default::default(),
            operation_duration_slots: Default::default(),
            anonymous_operations: OperationSlots::named("(anonymous)"),
            other_operations: OperationSlots::named("(other)"),
            named_operations: RwLock::new(HashMap::new()),
        }
    }

    /// Counts one HTTP request answered on `route` (the matched path pattern, never the raw path).
    pub fn http_request(
        &self,
        route: Route,
        method: &axum::http::Method,
        status: u16,
        elapsed: Duration,
    ) {
        let method = method_index(method);
        let labels = || HttpLabels {
            route: route.as_str(),
            method: METHODS[method],
            status,
        };
        match STATUSES.iter().position(|&known| known == status) {
            Some(index) => slot(
                &self.http_request_slots[route.0][method][index],
                &self.http_requests,
                labels,
            )
            .inc(),
            None => self.http_requests.get_or_create(&labels()).inc(),
        };
        slot(
            &self.http_duration_slots[route.0],
            &self.http_duration,
            || RouteLabels {
                route: route.as_str(),
            },
        )
        .observe(elapsed);
    }

    /// The counters of an operation name: its own while fewer than [`MAX_OPERATION_NAMES`] are
    /// known, else those of `(other)`.
    fn operation_counters(&self, name: Option<&str>) -> OperationCounters<'_> {
        let Some(name) = name else {
            return OperationCounters::Fixed(&self.anonymous_operations);
        };
        let known = self
            .named_operations
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(name)
            .cloned();
        if let Some(slots) = known {
            return OperationCounters::Named(slots);
        }
        let mut names = self
            .named_operations
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(slots) = names.get(name) {
            return OperationCounters::Named(slots.clone());
        }
        if names.len() < MAX_OPERATION_NAMES {
            let slots = Arc::new(OperationSlots::named(name));
            names.insert(name.into(), slots.clone());
            return OperationCounters::Named(slots);
        }
        OperationCounters::Fixed(&self.other_operations)
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
        let counters = self.operation_counters(name);
        let slots = counters.slots();
        slot(
            &slots.counters[type_index(kind)][outcome_index(outcome)],
            &self.operations,
            || OperationLabels {
                operation: slots.label.clone(),
                r#type: operation_type_name(kind),
                outcome: outcome.label(),
            },
        )
        .inc();
        if let Some(elapsed) = elapsed {
            slot(
                &self.operation_duration_slots[type_index(kind)],
                &self.operation_duration,
                || TypeLabels {
                    r#type: operation_type_name(kind),
                },
            )
            .observe(elapsed);
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
    fn latency_bounds_in_nanoseconds_are_the_seconds_ones() {
        assert_eq!(LATENCY_BUCKETS_NANOS[0], 500_000);
        assert_eq!(LATENCY_BUCKETS_NANOS[2], 2_500_000);
        assert_eq!(LATENCY_BUCKETS_NANOS[11], 5_000_000_000);
        let histogram = LatencyHistogram::default();
        histogram.observe(Duration::from_micros(500));
        histogram.observe(Duration::from_nanos(500_001));
        assert_eq!(
            histogram.0.buckets[0].load(Ordering::Relaxed),
            1,
            "le is inclusive"
        );
        assert_eq!(histogram.0.buckets[1].load(Ordering::Relaxed), 1);
    }

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
            Route::of("/graphql"),
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
