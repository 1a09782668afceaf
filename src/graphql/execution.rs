//! Running an admitted query or mutation, the same for HTTP and WebSocket: under its [`ExecutionBudget`],
//! with the response shaped to the spec (nulls, field order), errors capped, and every error coded.

use std::{sync::Arc, time::Instant};

use async_graphql::{
    Response, ServerError,
    parser::types::{DocumentOperations, OperationType},
};
use tracing::Instrument;

use super::{
    Schemas,
    admission::{Admission, AdmittedRequest},
    execution_budget::{ExecutionBudget, Exhausted},
    execution_gate::ExecutionGate,
    request_errors::{self, label},
    response_shape,
};
use crate::{
    config::ExecutionLimits,
    error::ErrorCode,
    observability::{Observability, OperationOutcome, operation_type_name},
};

/// How a run ended.
#[derive(Debug)]
pub enum Outcome {
    /// async-graphql's validation refused the document: request errors, coded.
    Refused(Vec<ServerError>),
    /// The budget ran out and the query was abandoned: one coded error, no data.
    Abandoned(ServerError, Exhausted),
    /// It ran: data and field errors, shaped and coded.
    Completed {
        /// The response.
        response: Response,
        /// Its data's size in JSON but for escapes, as the budget measured it (0 when unmeasured):
        /// what a buffer for the serialised response should hold.
        data_bytes: usize,
    },
}

/// Runs `request` (built from `admitted`, with the caller's data attached).
///
/// It first waits for room under the [`ExecutionGate`]; that wait counts against its deadline.
///
/// A query is abandoned when its budget runs out: at the deadline even while it waits on the database.
/// A mutation is never cut short mid-field, since each field owns a transaction that must either commit
/// and release its events or roll back: fields that had not started by the deadline fail with
/// `REQUEST_TIMEOUT` and the response tells what did run.
///
/// The run is traced in a `graphql` span carrying the operation's name and type, and counted with its
/// outcome, latency and error codes in `observability`.
pub async fn run(
    schemas: &Schemas,
    admission: &Admission,
    limits: &ExecutionLimits,
    gate: &ExecutionGate,
    observability: &Observability,
    admitted: &AdmittedRequest,
    request: async_graphql::Request,
) -> Outcome {
    let started = Instant::now();
    let name = operation_name(admitted);
    let kind = admitted.operation_type;
    let span = tracing::info_span!(
        "graphql",
        operation.name = name.unwrap_or_default(),
        operation.r#type = operation_type_name(kind),
    );
    let outcome = run_admitted(schemas, admission, limits, gate, admitted, request)
        .instrument(span)
        .await;
    let (label, errors) = match &outcome {
        Outcome::Refused(errors) => (OperationOutcome::Refused, errors.as_slice()),
        Outcome::Abandoned(error, _) => (OperationOutcome::Abandoned, std::slice::from_ref(error)),
        Outcome::Completed { response, .. } if response.errors.is_empty() => {
            (OperationOutcome::Success, response.errors.as_slice())
        }
        Outcome::Completed { response, .. } => {
            (OperationOutcome::PartialSuccess, response.errors.as_slice())
        }
    };
    observability.operation(name, kind, label, Some(started.elapsed()), errors);
    outcome
}

/// The operation's name: as the request gave it, or the document's only operation's.
pub fn operation_name(admitted: &AdmittedRequest) -> Option<&str> {
    if let Some(name) = admitted.operation_name.as_deref() {
        return Some(name);
    }
    match &admitted.document.operations {
        DocumentOperations::Multiple(operations) if operations.len() == 1 => {
            operations.keys().next().map(|name| name.as_str())
        }
        _ => None,
    }
}

async fn run_admitted(
    schemas: &Schemas,
    admission: &Admission,
    limits: &ExecutionLimits,
    gate: &ExecutionGate,
    admitted: &AdmittedRequest,
    request: async_graphql::Request,
) -> Outcome {
    let (schema, metering) =
        schemas.for_operation(admitted.operation_type, admitted.validation.passed_before());
    let budget = ExecutionBudget::start(limits, metering);
    let Ok(_share) =
        tokio::time::timeout_at(budget.deadline(), gate.enter(admitted.cost.complexity)).await
    else {
        budget.run_out_of_time();
        return Outcome::Abandoned(budget.error(Exhausted::Time), Exhausted::Time);
    };
    let request = request.data(Arc::clone(&budget));
    let is_query = admitted.operation_type == OperationType::Query;
    let mut response = if is_query {
        match tokio::time::timeout_at(budget.deadline(), schema.execute(request)).await {
            Ok(response) => response,
            Err(_) => {
                budget.run_out_of_time();
                return Outcome::Abandoned(budget.error(Exhausted::Time), Exhausted::Time);
            }
        }
    } else {
        schema.execute(request).await
    };
    let data_bytes = if is_query {
        budget.settle(&response.data)
    } else {
        0
    };
    if is_query && let Some(exhausted) = budget.exhausted() {
        return Outcome::Abandoned(budget.error(exhausted), exhausted);
    }
    if request_errors::is_request_error(&response) {
        return Outcome::Refused(
            response
                .errors
                .into_iter()
                .map(|error| label(error, ErrorCode::GraphqlValidationFailed))
                .collect(),
        );
    }
    admitted.validation.record_pass();
    finish(admission, admitted, limits, &mut response);
    Outcome::Completed {
        response,
        data_bytes,
    }
}

/// Shapes an executed response (or one event of a subscription): spec nulls and field order, capped and
/// coded errors.
pub fn finish(
    admission: &Admission,
    admitted: &AdmittedRequest,
    limits: &ExecutionLimits,
    response: &mut Response,
) {
    response_shape::conform(
        admission.index(),
        &admitted.document,
        admitted.operation_name.as_deref(),
        response,
    );
    response_shape::cap_errors(&mut response.errors, limits.max_errors);
    for error in &mut response.errors {
        code_uncoded(error);
    }
}

/// Gives an error that reached the response without a code one: async-graphql's own argument parsing
/// errors are the client's (`BAD_USER_INPUT`); anything else is ours.
fn code_uncoded(error: &mut ServerError) {
    let coded = error
        .extensions
        .as_ref()
        .is_some_and(|extensions| extensions.get("code").is_some());
    if coded {
        return;
    }
    let code = if error.message.starts_with("Failed to parse") {
        ErrorCode::BadUserInput
    } else {
        tracing::warn!(message = %error.message, "an error without a code reached a response");
        ErrorCode::InternalServerError
    };
    *error = label(std::mem::replace(error, ServerError::new("", None)), code);
}
