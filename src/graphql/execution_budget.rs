//! The budget of one running request: a deadline after which no field starts resolving, and a cap on the
//! bytes its response may reach. An async-graphql extension checks both around every field, so a request
//! stops within one field of running out even while its work never waits on anything (where a timer alone
//! would not get a chance to fire).
//!
//! The request's [`ExecutionBudget`] travels in its data; requests without one (subscription events) run
//! unmetered, their cost bounded by admission alone.

use std::sync::{
    Arc,
    atomic::{AtomicU8, AtomicUsize, Ordering},
};

use async_graphql::{
    PathSegment, QueryPathNode, QueryPathSegment, ServerError, ServerResult, Value,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo},
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

/// One request's budget; shared between its fields.
#[derive(Debug)]
pub struct ExecutionBudget {
    deadline: Instant,
    timeout: std::time::Duration,
    max_bytes: usize,
    used_bytes: AtomicUsize,
    exhausted: AtomicU8,
}

impl ExecutionBudget {
    /// A budget starting now.
    pub fn start(limits: &ExecutionLimits) -> Arc<Self> {
        Arc::new(Self {
            deadline: Instant::now() + limits.timeout,
            timeout: limits.timeout,
            max_bytes: limits.max_response_bytes,
            used_bytes: AtomicUsize::new(0),
            exhausted: AtomicU8::new(NOT_EXHAUSTED),
        })
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
            let _ = self.exhausted.compare_exchange(
                NOT_EXHAUSTED,
                OUT_OF_SPACE,
                Ordering::AcqRel,
                Ordering::Acquire,
            );
            return Err(self.error(Exhausted::Size));
        }
        Ok(())
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
        let Some(budget) = ctx.data_opt::<Arc<ExecutionBudget>>() else {
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

    #[tokio::test(start_paused = true)]
    async fn the_budget_runs_out_of_space_then_of_time() {
        let budget = ExecutionBudget::start(&ExecutionLimits {
            timeout: std::time::Duration::from_secs(1),
            max_response_bytes: 10,
            max_errors: 1,
            max_complexity_in_flight: 0,
        });
        assert!(budget.check().is_ok());
        assert!(budget.charge(10).is_ok());
        assert!(budget.charge(1).is_err());
        assert_eq!(budget.exhausted(), Some(Exhausted::Size));
        assert!(budget.check().is_err());

        let budget = ExecutionBudget::start(&ExecutionLimits::default());
        tokio::time::advance(ExecutionLimits::default().timeout).await;
        let error = budget.check().unwrap_err();
        assert_eq!(budget.exhausted(), Some(Exhausted::Time));
        assert_eq!(
            error.extensions.unwrap().get("code"),
            Some(&Value::from("REQUEST_TIMEOUT"))
        );
    }
}
