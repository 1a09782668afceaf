//! The per-client rate limit on requests without a valid API key (anonymous reads, and requests whose key
//! is refused): 429 with `Retry-After` beyond it, and on every counted response the `RateLimit` and
//! `RateLimit-Policy` headers of the IETF draft (draft-ietf-httpapi-ratelimit-headers) so that clients
//! can pace themselves. Requests with a valid key are not counted.

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::state::AppState;
use crate::{
    client_address::ClientAddress,
    error::ErrorCode,
    rate_limit::{Decision, RateLimit},
};

/// The policy's name in the headers.
const POLICY: &str = "anonymous";

/// Whole seconds, rounded up (as `Retry-After` counts).
fn seconds(duration: std::time::Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// What the limit allowed a request, to report in its response's headers.
#[derive(Clone, Copy, Debug)]
pub struct Allowance {
    limit: RateLimit,
    remaining: u32,
    full_in: std::time::Duration,
}

impl Allowance {
    /// Adds `RateLimit-Policy` and `RateLimit` to a response's headers.
    pub fn add_headers(&self, headers: &mut HeaderMap) {
        add_headers(headers, self.limit, self.remaining, seconds(self.full_in));
    }
}

fn add_headers(headers: &mut HeaderMap, limit: RateLimit, remaining: u32, reset_seconds: u64) {
    let policy = format!(
        "\"{POLICY}\";q={};w={}",
        limit.burst,
        limit.period.as_secs().max(1)
    );
    let state = format!("\"{POLICY}\";r={remaining};t={reset_seconds}");
    for (name, value) in [("ratelimit-policy", policy), ("ratelimit", state)] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
}

/// A request refused for being over the limit; [`IntoResponse`] makes it the 429.
#[derive(Clone, Copy, Debug)]
pub struct OverLimit {
    limit: RateLimit,
    wait_seconds: u64,
}

impl IntoResponse for OverLimit {
    fn into_response(self) -> Response {
        let wait = self.wait_seconds;
        let mut body = ErrorCode::RateLimited.request_error_body(&format!(
            "too many requests from this client without an API key; try again in {wait} s"
        ));
        body["errors"][0]["extensions"]["retryAfter"] = wait.into();
        let mut response = (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response();
        let headers = response.headers_mut();
        headers.insert(header::RETRY_AFTER, HeaderValue::from(wait));
        add_headers(headers, self.limit, 0, wait);
        response
    }
}

/// Counts one request of `client`: its allowance (`None` when the limit is switched off), or its
/// refusal.
pub fn check(state: &AppState, client: &ClientAddress) -> Result<Option<Allowance>, OverLimit> {
    let Some(limiter) = &state.anonymous_limiter else {
        return Ok(None);
    };
    match limiter.check(client.key()) {
        Decision::Allowed { remaining, full_in } => Ok(Some(Allowance {
            limit: limiter.limit(),
            remaining,
            full_in,
        })),
        Decision::Limited { retry_after } => {
            state.metrics.count_rate_limited();
            Err(OverLimit {
                limit: limiter.limit(),
                wait_seconds: seconds(retry_after).max(1),
            })
        }
    }
}
