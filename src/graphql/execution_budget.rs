//! The budget of one running request: a deadline, and a cap on the bytes its response may reach. It is
//! enforced in one of two ways ([`Metering`]), so that a request stops soon after running out even while
//! its work never waits on anything (where a timer alone would not get a chance to fire):
//!
//! - **Queries, per list.** Every list field of the schema returns [`Metered`]: before its items
//!   resolve it checks the deadline, and once they have resolved it charges their bytes, except those of
//!   lists nested in them (which charge their own), so the charges never count a byte twice. Everything
//!   outside lists is bounded by admission (fields per document, each of bounded length), and when the
//!   query has run the whole response is measured against the cap ([`ExecutionBudget::settle`]). A query
//!   that runs out is abandoned whole, so where exactly it stopped does not matter. async-graphql runs
//!   these on a schema without extensions, on its fast path (an extension, any extension, makes it look
//!   every field's type up by name and box a future per field: about an eighth of a list page's CPU).
//! - **Mutations, per field.** A mutation is never abandoned (a field that ran has committed), so every
//!   field must fail on its own once the budget has run out: an async-graphql extension ([`BudgetCheck`])
//!   checks the deadline before each field and charges its bytes after it.
//!
//! The request's [`ExecutionBudget`] travels in its data; requests without one (subscription events) run
//! unmetered, their cost bounded by admission alone.

use std::{
    borrow::Cow,
    sync::{
        Arc,
        atomic::{AtomicU8, AtomicUsize, Ordering},
    },
};

use async_graphql::{
    ContextSelectionSet, OutputType, PathSegment, Positioned, QueryPathNode, QueryPathSegment,
    ServerError, ServerResult, Value,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo},
    parser::types::Field,
    registry::Registry,
};
use tokio::time::Instant;

use super::request_errors::label;
use crate::{config::ExecutionLimits, error::ErrorCode};

/// What ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exhausted {
    /// The deadline passed.
    Time,
    /// The response reached its size cap.
    Size,
}

const NOT_EXHAUSTED: u8 = 0;
const OUT_OF_TIME: u8 = 1;
const OUT_OF_SPACE: u8 = 2;

/// Where a budget is checked and charged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metering {
    /// By the [`BudgetCheck`] extension, around every field (mutations).
    PerField,
    /// By [`Metered`] lists, and the whole response once it has run (queries).
    PerList,
}

/// One request's budget; shared between its fields.
#[derive(Debug)]
pub struct ExecutionBudget {
    metering: Metering,
    deadline: Instant,
    timeout: std::time::Duration,
    max_bytes: usize,
    used_bytes: AtomicUsize,
    exhausted: AtomicU8,
}

impl ExecutionBudget {
    /// A budget starting now, checked and charged as `metering` says.
    pub fn start(limits: &ExecutionLimits, metering: Metering) -> Arc<Self> {
        Arc::new(Self {
            metering,
            deadline: Instant::now() + limits.timeout,
            timeout: limits.timeout,
            max_bytes: limits.max_response_bytes,
            used_bytes: AtomicUsize::new(0),
            exhausted: AtomicU8::new(NOT_EXHAUSTED),
        })
    }

    /// Where this budget is checked and charged.
    pub fn metering(&self) -> Metering {
        self.metering
    }

    /// When the time runs out.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// What ran out, if anything did.
    pub fn exhausted(&self) -> Option<Exhausted> {
        match self.exhausted.load(Ordering::Acquire) {
            OUT_OF_TIME => Some(Exhausted::Time),
            OUT_OF_SPACE => Some(Exhausted::Size),
            _ => None,
        }
    }

    /// Records that the time ran out (the caller's timer fired first).
    pub fn run_out_of_time(&self) {
        let _ = self.exhausted.compare_exchange(
            NOT_EXHAUSTED,
            OUT_OF_TIME,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
    }

    /// The coded error a client gets for what ran out.
    pub fn error(&self, exhausted: Exhausted) -> ServerError {
        let (message, code) = match exhausted {
            Exhausted::Time => (
                format!(
                    "the request ran out of its time budget ({} ms) and was abandoned",
                    self.timeout.as_millis()
                ),
                ErrorCode::RequestTimeout,
            ),
            Exhausted::Size => (
                format!(
                    "the response grew past {} bytes, the most the server sends; ask for smaller \
                     pages or fewer fields",
                    self.max_bytes
                ),
                ErrorCode::ResponseTooLarge,
            ),
        };
        label(ServerError::new(message, None), code)
    }

    /// Fails once anything has run out, or the deadline has passed.
    fn check(&self) -> ServerResult<()> {
        if let Some(exhausted) = self.exhausted() {
            return Err(self.error(exhausted));
        }
        if Instant::now() >= self.deadline {
            self.run_out_of_time();
            return Err(self.error(Exhausted::Time));
        }
        Ok(())
    }

    /// Counts `bytes` of response; fails once the cap is passed.
    fn charge(&self, bytes: usize) -> ServerResult<()> {
        let used = self.used_bytes.fetch_add(bytes, Ordering::AcqRel) + bytes;
        if used > self.max_bytes {
            return Err(self.run_out_of_space());
        }
        Ok(())
    }

    fn run_out_of_space(&self) -> ServerError {
        let _ = self.exhausted.compare_exchange(
            NOT_EXHAUSTED,
            OUT_OF_SPACE,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
        self.error(Exhausted::Size)
    }

    /// Measures a query's whole response, once it has run per list, against the cap: what lists did
    /// not charge (fields outside any list) counts here. Afterwards [`Self::exhausted`] tells whether it
    /// fits. Returns the size measured, the bytes of `data` in JSON but for escapes (for the buffer it
    /// is written to); 0 when metered per field, where the fields charged themselves.
    pub fn settle(&self, data: &Value) -> usize {
        if self.metering != Metering::PerList {
            return 0;
        }
        let size = deep_size(data);
        if size > self.max_bytes {
            let _ = self.run_out_of_space();
        }
        size
    }
}

/// A list field's value, metered when its request is metered per list (see the module's comment): the
/// deadline is checked before its items resolve, and their bytes, but for those of the lists nested in
/// them, are charged after. In the schema it is the list it wraps.
#[derive(Clone, Debug)]
pub struct Metered<L>(pub L);

/// A list field's items, metered: what every list field of the schema returns.
pub type List<T> = Metered<Vec<T>>;

impl<T> From<Vec<T>> for List<T> {
    fn from(items: Vec<T>) -> Self {
        Metered(items)
    }
}

impl<T> FromIterator<T> for List<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        Metered(items.into_iter().collect())
    }
}

impl<L: OutputType> OutputType for Metered<L> {
    fn type_name() -> Cow<'static, str> {
        L::type_name()
    }

    fn qualified_type_name() -> String {
        L::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        L::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let budget = ctx
            .data_opt::<Arc<ExecutionBudget>>()
            .filter(|budget| budget.metering == Metering::PerList);
        let Some(budget) = budget else {
            return self.0.resolve(ctx, field).await;
        };
        budget.check()?;
        let value = self.0.resolve(ctx, field).await?;
        budget.charge(items_size(&value))?;
        Ok(value)
    }
}

/// The bytes a field adds to the JSON response, not counting fields below it (they count themselves):
/// its key, punctuation, and a scalar value or list of scalars.
fn shallow_size(key: &str, value: &Value) -> usize {
    key.len() + 4 + value_size(value)
}

fn value_size(value: &Value) -> usize {
    match value {
        Value::Null => 4,
        Value::Boolean(_) => 5,
        Value::Number(_) => 12,
        Value::String(text) => text.len() + 2,
        Value::Enum(name) => name.len() + 2,
        Value::Binary(bytes) => bytes.len() * 2,
        Value::List(items) => items.iter().map(|item| value_size(item) + 1).sum::<usize>() + 2,
        // The object's own fields are charged as they resolve.
        Value::Object(_) => 2,
    }
}

/// The bytes of `value` in the JSON response, keys and punctuation included; with `inner_lists` false,
/// a list inside it counts as `[]`.
fn json_size(value: &Value, inner_lists: bool) -> usize {
    match value {
        Value::List(items) if inner_lists => {
            items
                .iter()
                .map(|item| json_size(item, true) + 1)
                .sum::<usize>()
                + 2
        }
        Value::List(_) => 2,
        Value::Object(fields) => {
            fields
                .iter()
                .map(|(key, value)| key.len() + 4 + json_size(value, inner_lists))
                .sum::<usize>()
                + 2
        }
        scalar => value_size(scalar),
    }
}

/// The bytes of a whole value in the JSON response.
fn deep_size(value: &Value) -> usize {
    json_size(value, true)
}

/// The bytes of a list's items, but for the lists inside them (each [`Metered`] charges its own).
fn items_size(list: &Value) -> usize {
    match list {
        Value::List(items) => {
            items
                .iter()
                .map(|item| json_size(item, false) + 1)
                .sum::<usize>()
                + 2
        }
        other => json_size(other, false),
    }
}

/// `error` as the error of the field at `node`, so that it is a field error (with its path) like any
/// other, and its field is null.
fn at(mut error: ServerError, node: &QueryPathNode<'_>) -> ServerError {
    let mut path: Vec<PathSegment> = std::iter::once(node)
        .chain(node.parents())
        .map(|node| match node.segment {
            QueryPathSegment::Name(name) => PathSegment::Field(name.to_owned()),
            QueryPathSegment::Index(index) => PathSegment::Index(index),
        })
        .collect();
    path.reverse();
    error.path = path;
    error
}

/// Installs the budget check on every field (attached by the schema builder).
pub struct BudgetCheck;

impl ExtensionFactory for BudgetCheck {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(BudgetCheckExtension)
    }
}

struct BudgetCheckExtension;

#[async_trait::async_trait]
impl Extension for BudgetCheckExtension {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let budget = ctx
            .data_opt::<Arc<ExecutionBudget>>()
            .filter(|budget| budget.metering == Metering::PerField);
        let Some(budget) = budget else {
            return next.run(ctx, info).await;
        };
        let path = info.path_node;
        budget.check().map_err(|error| at(error, path))?;
        let key = info.alias.unwrap_or(info.name);
        let value = next.run(ctx, info).await?;
        if let Some(value) = &value {
            budget
                .charge(shallow_size(key, value))
                .map_err(|error| at(error, path))?;
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_approximate_the_json() {
        let value = Value::List(vec![Value::from("ab"), Value::from(1)]);
        // "k":["ab",1] is 13 bytes; the estimate is a little generous.
        assert_eq!(shallow_size("k", &value), 1 + 4 + (4 + 1) + (12 + 1) + 2);
    }

    #[test]
    fn list_charges_count_each_byte_once_and_the_whole_counts_every_byte() {
        let inner = Value::List(vec![Value::from("p"), Value::from("q")]);
        let item = Value::Object(
            [
                (async_graphql::Name::new("a"), Value::from("xy")),
                (async_graphql::Name::new("l"), inner.clone()),
            ]
            .into_iter()
            .collect(),
        );
        let outer = Value::List(vec![item]);
        // [{"a":"xy","l":["p","q"]}] is 25 bytes.
        assert_eq!(deep_size(&outer), 29);
        // The outer list stops at the inner one, which charges itself: only the inner list's brackets
        // are counted by both.
        assert_eq!(
            items_size(&outer) + items_size(&inner),
            deep_size(&outer) + 2
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_budget_runs_out_of_space_then_of_time() {
        let budget = ExecutionBudget::start(
            &ExecutionLimits {
                timeout: std::time::Duration::from_secs(1),
                max_response_bytes: 10,
                max_errors: 1,
                max_complexity_in_flight: 0,
            },
            Metering::PerField,
        );
        assert!(budget.check().is_ok());
        assert!(budget.charge(10).is_ok());
        assert!(budget.charge(1).is_err());
        assert_eq!(budget.exhausted(), Some(Exhausted::Size));
        assert!(budget.check().is_err());

        let budget = ExecutionBudget::start(&ExecutionLimits::default(), Metering::PerList);
        tokio::time::advance(ExecutionLimits::default().timeout).await;
        let error = budget.check().unwrap_err();
        assert_eq!(budget.exhausted(), Some(Exhausted::Time));
        assert_eq!(
            error.extensions.unwrap().get("code"),
            Some(&Value::from("REQUEST_TIMEOUT"))
        );
    }
}
