//! The HTTP server's own limits, seen from raw sockets: clients that trickle their head or body, idle
//! keep-alive connections, load shedding, and a shutdown that ends at its deadline while a request is
//! stuck.

use std::time::{Duration, Instant};

use glossary::config::{AppOptions, HttpLimits};
use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::common::{TestApp, spawn_app_with_options};

/// How long a test waits for the server to act on a one-second limit before calling it a failure: far
/// more than the limit, so that a loaded machine does not fail the test.
const PATIENCE: Duration = Duration::from_secs(10);

async fn app_with(http: HttpLimits) -> TestApp {
    spawn_app_with_options(AppOptions {
        http,
        ..AppOptions::default()
    })
    .await
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Reads until the server closes the connection (or PATIENCE passes); returns what it sent.
async fn read_until_closed(stream: &mut TcpStream) -> Option<String> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(PATIENCE, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&received).into_owned())
}

fn one_second_limits() -> HttpLimits {
    HttpLimits {
        header_read_timeout: Duration::from_secs(1),
        body_read_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        ..HttpLimits::default()
    }
}

/// Opens a connection, writes `opening`, then writes `drip` every 200 ms until the server closes the
/// connection; returns what the server sent and when it closed.
async fn trickle(app: &TestApp, opening: &[u8], drip: &'static [u8]) -> (String, Duration) {
    let stream = connect(app).await;
    let (mut reader, mut writer) = stream.into_split();
    writer.write_all(opening).await.unwrap();
    let started = Instant::now();
    let dripping = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if writer.write_all(drip).await.is_err() {
                return;
            }
        }
    });
    let mut received = Vec::new();
    let closed = tokio::time::timeout(PATIENCE, async {
        let mut buffer = [0u8; 4096];
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    dripping.abort();
    assert!(
        closed.is_ok(),
        "still connected after {PATIENCE:?} of trickling"
    );
    (
        String::from_utf8_lossy(&received).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn a_client_trickling_its_head_is_disconnected() {
    let app = app_with(one_second_limits()).await;
    let (answer, after) = trickle(
        &app,
        b"POST /graphql HTTP/1.1\r\nHost: test\r\n",
        b"X-Slow: 1\r\n",
    )
    .await;
    eprintln!("dropped after {after:?}");
    assert_eq!(answer, "", "dropped without an answer");
    assert!(after >= Duration::from_millis(900));
}

#[tokio::test]
async fn a_client_trickling_its_body_gets_408() {
    let app = app_with(one_second_limits()).await;
    let (answer, after) = trickle(
        &app,
        b"POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        b" ",
    )
    .await;
    eprintln!("answered after {after:?}");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "REQUEST_TIMEOUT");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let app = app_with(one_second_limits()).await;
    let mut stream = connect(&app).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 1024];
    let n = stream.read(&mut buffer).await.unwrap();
    assert!(String::from_utf8_lossy(&buffer[..n]).starts_with("HTTP/1.1 200"));
    let idle_since = Instant::now();
    // The connection stays open for another request until the idle timeout, then closes.
    let rest = read_until_closed(&mut stream).await;
    assert_eq!(rest.as_deref(), Some(""), "closed without a word");
    assert!(idle_since.elapsed() >= Duration::from_millis(900));
    eprintln!("idle connection closed after {:?}", idle_since.elapsed());
}

#[tokio::test]
async fn a_full_server_sheds_requests_with_503_and_retry_after() {
    let app = app_with(HttpLimits {
        max_requests_in_flight: 1,
        body_read_timeout: Duration::from_secs(30),
        ..HttpLimits::default()
    })
    .await;
    // One request holds the only place while its body trickles in.
    let mut holder = connect(&app).await;
    holder
        .write_all(
            b"POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(r#"{"query":"{ __typename }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "SERVER_BUSY");
    // Health probes are not shed.
    let health = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    drop(holder);
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("glossary_http_requests_shed_total 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn shutdown_ends_at_its_deadline_while_a_request_is_stuck() {
    let mut app = app_with(HttpLimits {
        body_read_timeout: Duration::from_secs(600),
        shutdown_timeout: Duration::from_secs(1),
        ..HttpLimits::default()
    })
    .await;
    let mut stuck = connect(&app).await;
    stuck
        .write_all(
            b"POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    tokio::time::timeout(PATIENCE, app.shut_down())
        .await
        .expect("the server stops at its shutdown deadline, stuck request or not");
    eprintln!("stopped {:?} after the signal", started.elapsed());
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "it waited for the request first"
    );
}
