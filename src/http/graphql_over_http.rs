//! `POST` and `GET /graphql` per the GraphQL-over-HTTP spec. The stock async-graphql-axum extractor answers
//! 200 to everything and ignores `Accept`, so this handler replaces it:
//!
//! - `Accept` picks `application/graphql-response+json` (the default) or `application/json`; anything else
//!   is 406. A POST body must be `application/json` (else 415).
//! - A body is read within its size and time limits (413, 408); a request that is not well-formed (bad
//!   JSON, no `query`, bad `variables`) is 400 with `BAD_REQUEST`.
//! - Requests without a valid key count against the anonymous rate limit (429 beyond it).
//! - A document that fails to parse, validate or pass admission is 400 under
//!   `application/graphql-response+json` (200 under legacy `application/json`), has no `data` entry, and
//!   carries its code (`GRAPHQL_PARSE_FAILED`, `GRAPHQL_VALIDATION_FAILED`, or a limit's).
//! - A query that runs out of its budget has no `data` either: 504 out of time, 422 out of space.
//! - A mutation over GET is 405 with `Allow: POST`.
//! - An anonymous query is answered from the public response cache when an identical one was answered
//!   since content last changed (see `response_cache`); GET answers carry `Cache-Control` and, for public
//!   content, an `ETag` that `If-None-Match` can match for a 304 (see `cache_headers`).

use async_graphql::{ServerError, Variables, parser::types::OperationType};
use axum::{
    body::{Body, Bytes},
    extract::{Query, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures_util::StreamExt;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

use super::{
    anonymous_rate_limit,
    cache_headers::{self, Cacheability},
    media_type::{self, ResponseMediaType},
    request_params::{GraphqlParams, params_from_json, params_from_query_string},
    response_cache::Lookup,
    response_json,
};
use crate::{
    auth::{Viewer, api_keys},
    client_address::ClientAddress,
    error::{Error, ErrorCode},
    graphql::{
        execution::{self, Outcome},
        execution_budget::Exhausted,
        persisted_documents, request_errors, request_key,
    },
    http::state::AppState,
};

/// A response to a request that never reached execution.
fn request_failure(
    status: StatusCode,
    media: ResponseMediaType,
    code: ErrorCode,
    message: &str,
) -> Response {
    json_response(status, media, &code.request_error_body(message))
}

/// The body of an executed request, written by [`to_bytes`]. `data` is absent, not null, when the request
/// failed before execution; `errors` and `extensions` are absent when empty.
struct ResponseBody<'a> {
    data: Option<&'a async_graphql::Value>,
    errors: &'a [ServerError],
    extensions: &'a BTreeMap<String, async_graphql::Value>,
}

fn json_response(status: StatusCode, media: ResponseMediaType, body: &Value) -> Response {
    text_response(status, media, body.to_string())
}

fn text_response(status: StatusCode, media: ResponseMediaType, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media.content_type()),
    );
    headers.insert(header::VARY, cache_headers::VARY);
    response
}

fn not_acceptable() -> Response {
    request_failure(
        StatusCode::NOT_ACCEPTABLE,
        ResponseMediaType::Json,
        ErrorCode::BadRequest,
        "Accept must allow application/graphql-response+json or application/json",
    )
}

/// The viewer named by the request's `Authorization` header, or the response refusing it: 401 with
/// `WWW-Authenticate` for a bad key, 500 when the key store cannot be read.
async fn viewer_of(
    state: &AppState,
    headers: &HeaderMap,
    media: ResponseMediaType,
) -> Result<Viewer, Response> {
    let authorization = match headers.get(header::AUTHORIZATION).map(|v| v.to_str()) {
        None => None,
        Some(Ok(value)) => Some(value),
        Some(Err(_)) => Some(""),
    };
    match api_keys::authenticate(&state.db, authorization).await {
        Ok(viewer) => Ok(viewer),
        Err(error @ Error::Unauthenticated(_)) => {
            let mut response = request_failure(
                StatusCode::UNAUTHORIZED,
                media,
                error.code(),
                &error.describe(),
            );
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer error="invalid_token""#),
            );
            Err(response)
        }
        Err(error) => {
            tracing::error!(error = error.describe(), "cannot authenticate a request");
            Err(request_failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                media,
                ErrorCode::InternalServerError,
                "Internal server error",
            ))
        }
    }
}

/// The response to a request refused before it ran: no `data`, 400 under
/// `application/graphql-response+json` and 200 under legacy `application/json`, as the spec asks.
fn request_errors_response(media: ResponseMediaType, errors: &[ServerError]) -> Response {
    let body = ResponseBody {
        data: None,
        errors,
        extensions: &BTreeMap::new(),
    };
    let status = match media {
        ResponseMediaType::GraphqlResponseJson => StatusCode::BAD_REQUEST,
        ResponseMediaType::Json => StatusCode::OK,
    };
    serialized(status, media, &body)
}

fn serialized(status: StatusCode, media: ResponseMediaType, body: &ResponseBody<'_>) -> Response {
    text_response(status, media, to_bytes(body, 0))
}

/// A response body's JSON: `{"data":…,"errors":[…],"extensions":{…}}`, each member only when present.
/// `data` goes through [`response_json`] (its strings escaped a word at a time), errors and extensions
/// through `serde_json`.
fn to_bytes(body: &ResponseBody<'_>, data_bytes: usize) -> Bytes {
    body_json(body, data_bytes)
        .unwrap_or_else(|_| {
            ErrorCode::InternalServerError
                .request_error_body("Internal server error")
                .to_string()
                .into_bytes()
        })
        .into()
}

/// [`to_bytes`]'s JSON, or why `serde_json` could not write an error or an extension. `data_bytes` is
/// the data's size as measured before (0 when unknown): the buffer starts with room for it and its
/// escapes, so that a large page is not copied from buffer to buffer as it grows.
fn body_json(body: &ResponseBody<'_>, data_bytes: usize) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(1024.max(data_bytes + data_bytes / 16 + 256));
    out.push(b'{');
    if let Some(data) = body.data {
        member(&mut out, "data");
        response_json::write_value(&mut out, data);
    }
    if !body.errors.is_empty() {
        member(&mut out, "errors");
        serde_json::to_writer(&mut out, body.errors)?;
    }
    if !body.extensions.is_empty() {
        member(&mut out, "extensions");
        serde_json::to_writer(&mut out, body.extensions)?;
    }
    out.push(b'}');
    Ok(out)
}

/// Starts the member `name` of the object `out` is writing, after a comma unless it is the first.
fn member(out: &mut Vec<u8>, name: &str) {
    if out.last() != Some(&b'{') {
        out.push(b',');
    }
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

/// A request whose document could not be settled: a malformed hash or a missing query is a bad request
/// (400 whatever the media type); a persisted document that is not held, not supported or not trusted
/// is a request error like a validation failure (400, or 200 under legacy `application/json`).
fn persisted_document_refusal(
    state: &AppState,
    media: ResponseMediaType,
    refusal: persisted_documents::Refusal,
) -> Response {
    if refusal.code == ErrorCode::BadRequest {
        return request_failure(
            StatusCode::BAD_REQUEST,
            media,
            refusal.code,
            &refusal.message,
        );
    }
    let error = request_errors::label(ServerError::new(refusal.message, None), refusal.code);
    state.metrics.count_refusal(std::slice::from_ref(&error));
    state
        .observability
        .errors_by_code(std::slice::from_ref(&error));
    request_errors_response(media, &[error])
}

/// Which methods may run which operations.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

/// Authenticates the request, counts it against the anonymous rate limit unless its key is valid (a
/// refused key counts too, so guessing keys is limited as well), then admits and runs it.
async fn execute(
    state: &AppState,
    client: ClientAddress,
    headers: &HeaderMap,
    media: ResponseMediaType,
    method: Method,
    params: GraphqlParams,
) -> Response {
    let viewer = viewer_of(state, headers, media).await;
    let allowance = match &viewer {
        Ok(Viewer::Key(_)) => None,
        _ => match anonymous_rate_limit::check(state, &client) {
            Ok(allowance) => allowance,
            Err(refusal) => return refusal.into_response(),
        },
    };
    let mut response = match viewer {
        Ok(viewer) => admit_and_run(state, client, headers, media, method, params, viewer).await,
        Err(refusal) => refusal,
    };
    if let Some(allowance) = allowance {
        allowance.add_headers(response.headers_mut());
    }
    // GET answers are cacheable by HTTP caches unless told otherwise: say it for every one that is not
    // public content (errors, refusals, and anything asked with a key).
    if method == Method::Get && !response.headers().contains_key(header::CACHE_CONTROL) {
        let cacheability = if headers.contains_key(header::AUTHORIZATION) {
            Cacheability::Private
        } else {
            Cacheability::NoStore
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, cacheability.header());
    }
    response
}

/// The answer to an anonymous query that ran without errors (or was kept from one that did): over GET
/// with `Cache-Control: public`, its `ETag`, and 304 when `If-None-Match` names that tag.
fn public_answer(
    state: &AppState,
    headers: &HeaderMap,
    media: ResponseMediaType,
    method: Method,
    body: Bytes,
    etag: Option<HeaderValue>,
) -> Response {
    if method == Method::Post {
        return text_response(StatusCode::OK, media, body);
    }
    let etag = etag.unwrap_or_else(|| cache_headers::etag_of(&body));
    let cacheability = Cacheability::Public {
        max_age_secs: state.public_max_age_secs,
    };
    if cache_headers::not_modified(headers, &etag) {
        return cache_headers::not_modified_response(etag, cacheability);
    }
    let mut response = text_response(StatusCode::OK, media, body);
    let response_headers = response.headers_mut();
    response_headers.insert(header::ETAG, etag);
    response_headers.insert(header::CACHE_CONTROL, cacheability.header());
    response
}

/// Answers an anonymous request from the response cache when it can; else admits the request, runs it
/// and shapes the HTTP response (keeping an anonymous query's error-free answer in the cache).
async fn admit_and_run(
    state: &AppState,
    client: ClientAddress,
    headers: &HeaderMap,
    media: ResponseMediaType,
    method: Method,
    params: GraphqlParams,
    viewer: Viewer,
) -> Response {
    let settled = match persisted_documents::requested_hash(
        params.extensions.get("persistedQuery"),
        params.document_id.as_deref(),
    )
    .and_then(|hash| state.persisted_documents.settle(params.query, hash))
    {
        Ok(settled) => settled,
        Err(refusal) => return persisted_document_refusal(state, media, refusal),
    };
    let query = settled.query;
    let anonymous = matches!(viewer, Viewer::Anonymous);
    let cached = if anonymous && state.responses.is_on() {
        state.responses.lookup(request_key::of(
            &state.admission.document_digest(&query),
            params.operation_name.as_deref(),
            &params.variables,
            &params.extensions,
        ))
    } else {
        Lookup::Bypass
    };
    let cached = match cached {
        Lookup::Hit(entry) => {
            return public_answer(
                state,
                headers,
                media,
                method,
                entry.body.clone(),
                Some(entry.etag.clone()),
            );
        }
        Lookup::Miss(ticket) => Some(ticket),
        Lookup::Bypass => None,
    };
    let variables = Variables::from_json(Value::Object(params.variables));
    let admitted = match state
        .admission
        .admit(&query, params.operation_name.as_deref(), &variables)
    {
        Ok(admitted) => admitted,
        Err(errors) => {
            state.observability.errors_by_code(&errors);
            return request_errors_response(media, &errors);
        }
    };

    if method == Method::Get && admitted.operation_type == OperationType::Mutation {
        let mut response = request_failure(
            StatusCode::METHOD_NOT_ALLOWED,
            media,
            ErrorCode::MethodNotAllowed,
            "mutations must be sent with POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let mut request = admitted.to_request(&query).data(viewer).data(client);
    request.extensions = async_graphql::Extensions(
        params
            .extensions
            .into_iter()
            .filter_map(|(name, value)| {
                async_graphql::Value::from_json(value)
                    .ok()
                    .map(|v| (name, v))
            })
            .collect(),
    );
    let outcome = execution::run(
        &state.schemas,
        &state.admission,
        &state.execution,
        &state.execution_gate,
        &state.observability,
        &admitted,
        request,
    )
    .await;
    // A new automatic persisted query is kept once its document passed validation (a refused one never
    // is: async-graphql validates when it runs the request).
    if let Some(hash) = settled.register
        && !matches!(outcome, Outcome::Refused(_))
    {
        state.persisted_documents.register(hash, &query);
    }
    match outcome {
        Outcome::Refused(errors) => {
            state.metrics.count_refusal(&errors);
            request_errors_response(media, &errors)
        }

        Outcome::Abandoned(error, exhausted) => {
            state.metrics.count_refusal(std::slice::from_ref(&error));
            let status = match exhausted {
                Exhausted::Time => StatusCode::GATEWAY_TIMEOUT,
                Exhausted::Size => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let body = ResponseBody {
                data: None,
                errors: &[error],
                extensions: &BTreeMap::new(),
            };
            serialized(status, media, &body)
        }
        // Serialised straight from async-graphql's values: they keep the field order of the query.
        Outcome::Completed {
            response,
            data_bytes,
        } => {
            let body = to_bytes(
                &ResponseBody {
                    data: Some(&response.data),
                    errors: &response.errors,
                    extensions: &response.extensions,
                },
                data_bytes,
            );
            let public = anonymous
                && response.errors.is_empty()
                && admitted.operation_type == OperationType::Query;
            if !public {
                return text_response(StatusCode::OK, media, body);
            }
            let mut etag = None;
            if let Some(ticket) = cached {
                let tag = cache_headers::etag_of(&body);
                state
                    .responses
                    .keep(ticket, body.clone(), tag.clone())
                    .await;
                etag = Some(tag);
            }
            public_answer(state, headers, media, method, body, etag)
        }
    }
}

/// Reads a request body whole, within `max_body_bytes` (else 413, `REQUEST_TOO_LARGE`, as soon as the
/// declared length or the bytes read pass it) and `body_read_timeout` in all (else 408,
/// `REQUEST_TIMEOUT`), so that a client trickling its body holds its place for a bounded time.
async fn read_body(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    media: ResponseMediaType,
) -> Result<Vec<u8>, Response> {
    let limit = state.http.max_body_bytes;
    let too_large = || {
        request_failure(
            StatusCode::PAYLOAD_TOO_LARGE,
            media,
            ErrorCode::RequestTooLarge,
            &format!("the request body is larger than {limit} bytes"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    let read = async {
        let mut chunks = body.into_data_stream();
        let mut bytes = Vec::with_capacity(declared.unwrap_or(0) as usize);
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|_| {
                request_failure(
                    StatusCode::BAD_REQUEST,
                    media,
                    ErrorCode::BadRequest,
                    "the request body could not be read",
                )
            })?;
            if bytes.len() + chunk.len() > limit {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    };
    match tokio::time::timeout(state.http.body_read_timeout, read).await {
        Ok(read) => read,
        Err(_) => {
            state.metrics.count_body_timeout();
            Err(request_failure(
                StatusCode::REQUEST_TIMEOUT,
                media,
                ErrorCode::RequestTimeout,
                &format!(
                    "the request body did not arrive within {} s",
                    state.http.body_read_timeout.as_secs_f32()
                ),
            ))
        }
    }
}

/// `POST /graphql`. The request is taken whole, so that its headers are read where they are rather
/// than copied out.
pub async fn graphql_post(
    State(state): State<AppState>,
    client: ClientAddress,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let Some(media) = media_type::negotiate(headers) else {
        return not_acceptable();
    };
    if !media_type::is_json_body(headers) {
        return request_failure(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            ErrorCode::BadRequest,
            "Content-Type must be application/json",
        );
    }
    let body = match read_body(&state, headers, body, media).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    match params_from_json(&body) {
        Ok(params) => execute(&state, client, headers, media, Method::Post, params).await,
        Err(message) => request_failure(
            StatusCode::BAD_REQUEST,
            media,
            ErrorCode::BadRequest,
            &message,
        ),
    }
}

/// `GET /graphql?query=…&variables=…&operationName=…`: queries only.
pub async fn graphql_get(
    State(state): State<AppState>,
    client: ClientAddress,
    request: Request,
) -> Response {
    let headers = request.headers();
    let Some(media) = media_type::negotiate(headers) else {
        return not_acceptable();
    };
    let Ok(Query(query)) = Query::<HashMap<String, String>>::try_from_uri(request.uri()) else {
        return request_failure(
            StatusCode::BAD_REQUEST,
            media,
            ErrorCode::BadRequest,
            "malformed query string",
        );
    };
    let params = match params_from_query_string(query) {
        Ok(params) => params,
        Err(message) => {
            return request_failure(
                StatusCode::BAD_REQUEST,
                media,
                ErrorCode::BadRequest,
                &message,
            );
        }
    };
    execute(&state, client, headers, media, Method::Get, params).await
}
