//! The machine's ceiling for the performance benchmark (`bench/compare.sh`): axum answering every request
//! with one fixed JSON body of about 3.6 kB, doing no other work. Whatever a GraphQL server does per request
//! comes on top of this, so the benchmark reports each server's throughput as a share of it.
//!
//! usage: `ceiling ADDRESS` (e.g. `127.0.0.1:18790`)

use axum::{Router, http::header, response::IntoResponse, routing::any};

/// The fixed body: a GraphQL-shaped response of about 3.6 kB.
fn body() -> String {
    let filler = "x".repeat(42);
    let items: Vec<String> = (0..50)
        .map(|i| format!(r#"{{"slug":"term-{i:03}","name":"{filler}"}}"#))
        .collect();
    format!(r#"{{"data":{{"terms":[{}]}}}}"#, items.join(","))
}

#[tokio::main]
async fn main() {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18790".to_owned());
    let body: &'static str = Box::leak(body().into_boxed_str());
    let app = Router::new().fallback(any(move || async move {
        ([(header::CONTENT_TYPE, "application/json")], body).into_response()
    }));
    let listener = tokio::net::TcpListener::bind(&address)
        .await
        .unwrap_or_else(|error| panic!("cannot listen on {address}: {error}"));
    eprintln!(
        "ceiling: {} bytes on every request at {address}",
        body.len()
    );
    axum::serve(listener, app)
        .await
        .expect("the ceiling server runs");
}
