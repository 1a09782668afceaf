//! Accepting TCP connections and serving HTTP/1.1 on each (with WebSocket upgrades), under the limits that
//! keep a public server standing: at most `max_connections` open at once (at the cap the accept loop waits
//! for one to close, so the kernel's backlog pushes back), each connection under its clock
//! ([`super::connection_clock`]), request heads over `max_header_bytes` refused, and a graceful shutdown
//! that ends at a deadline even while some request is stuck.
//!
//! This replaces `axum::serve`, which has none of these.

use std::{convert::Infallible, future::Future, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Router,
    body::Body,
    extract::ConnectInfo,
    http::{HeaderValue, Request, Response, StatusCode, header},
};
use hyper::{body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{OwnedSemaphorePermit, Semaphore, watch},
};
use tower_service::Service;

use super::{
    connection_clock::{ClockedIo, ConnectionClock, GuardedBody},
    server_metrics::ServerMetrics,
};
use crate::{config::HttpLimits, error::ErrorCode};

/// How long the accept loop pauses after `accept` fails (out of file descriptors, say) before it tries
/// again, so that a failure does not spin a core.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves `router` on `listener` until `shutdown` resolves. Then it stops accepting, asks every
/// connection to finish its request and close, runs `on_shutdown` (closing WebSocket sessions), and
/// returns when all are done or when `limits.shutdown_timeout` has passed, whichever comes first.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: HttpLimits,
    metrics: Arc<ServerMetrics>,
    shutdown: impl Future<Output = ()>,
    on_shutdown: impl Future<Output = ()>,
) {
    let places = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // Every connection task holds a receiver of `open`; `open.closed()` resolves when all have ended.
    let (open, open_receiver) = watch::channel(());
    let (stop, stop_receiver) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let place = tokio::select! {
            () = &mut shutdown => break,
            place = places.clone().acquire_owned() => match place {
                Ok(place) => place,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        tokio::spawn(serve_connection(
            stream,
            peer,
            place,
            router.clone(),
            limits,
            metrics.clone(),
            stop_receiver.clone(),
            open_receiver.clone(),
        ));
    }
    drop(listener);
    drop(open_receiver);
    let _ = stop.send(true);
    let deadline = tokio::time::Instant::now() + limits.shutdown_timeout;
    let drained = tokio::time::timeout_at(deadline, async {
        tokio::join!(on_shutdown, open.closed());
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            connections = open.receiver_count(),
            "connections still busy at the shutdown deadline; leaving them"
        );
    }
}

/// The bytes of a request head, as near as the parsed request tells: the request line and every header.
fn head_size(request: &Request<Incoming>) -> usize {
    let line = request.method().as_str().len() + target_len(request.uri()) + 12;
    request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum::<usize>()
        + line
}

/// The length of a request target as `Uri`'s `Display` writes it (`scheme://authority`, the path,
/// `?query`), without formatting it into a new string.
fn target_len(uri: &axum::http::Uri) -> usize {
    uri.scheme_str().map_or(0, |scheme| scheme.len() + 3)
        + uri
            .authority()
            .map_or(0, |authority| authority.as_str().len())
        + uri.path().len()
        + uri.query().map_or(0, |query| query.len() + 1)
}

/// 431 with a coded body.
fn head_too_large(limit: usize) -> Response<Body> {
    let body = ErrorCode::RequestTooLarge.request_error_body(&format!(
        "the request head (request line and headers) is larger than {limit} bytes"
    ));
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[allow(clippy::too_many_arguments)]
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    place: OwnedSemaphorePermit,
    router: Router,
    limits: HttpLimits,
    metrics: Arc<ServerMetrics>,
    mut stop: watch::Receiver<bool>,
    _open: watch::Receiver<()>,
) {
    let _ = stream.set_nodelay(true);
    let clock = ConnectionClock::start(&limits);
    let io = TokioIo::new(ClockedIo::new(stream, clock.clone(), metrics, place));
    let service = service_fn(move |request: Request<Incoming>| {
        let guard = clock.request_started();
        let mut router = router.clone();
        let too_large = head_size(&request) > limits.max_header_bytes;
        async move {
            if too_large {
                return Ok::<_, Infallible>(
                    head_too_large(limits.max_header_bytes)
                        .map(|body| GuardedBody::new(body, guard)),
                );
            }
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            let response = match router.call(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            if response.status() == StatusCode::SWITCHING_PROTOCOLS {
                guard.upgraded();
            }
            Ok(response.map(|body| GuardedBody::new(body, guard)))
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .keep_alive(true)
        // The parser's own cut-off, far above the coded refusal of `head_too_large`.
        .max_buf_size((limits.max_header_bytes * 4).max(8192));
    let connection = builder.serve_connection(io, service).with_upgrades();
    tokio::pin!(connection);
    let mut stopping = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%error, %peer, "connection ended with an error");
                }
                break;
            }
            changed = stop.wait_for(|stop| *stop), if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::target_len;

    #[test]
    fn target_lengths_are_those_of_the_written_uri() {
        for target in [
            "/graphql",
            "/graphql?query=%7B__typename%7D&variables=",
            "/",
            "*",
            "http://example.com/graphql?x=1",
            "https://example.com:8443",
            "example.com:443",
        ] {
            let uri: axum::http::Uri = target.parse().unwrap();
            assert_eq!(target_len(&uri), uri.to_string().len(), "{target}");
        }
    }
}
