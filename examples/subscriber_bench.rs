//! Subscription fan-out benchmark (run by `bench/subscribers.sh`, which starts the server): opens N
//! `graphql-transport-ws` connections to a running server, each subscribed to `termUpdated` for one term,
//! then changes that term through the HTTP API, once per round, and measures how long each subscriber waited
//! for the event. Prints p50/p99/max per round and the server's memory (from /proc) at each stage.
//!
//! Latency is measured from the term's `updatedAt`, which the write sets inside its transaction just before
//! commit (so it slightly overstates commit-to-delivery), and, as a lower bound, from the moment the
//! mutation's HTTP response arrived (after commit). Server and subscribers share the machine's cores.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use chrono::{DateTime, Utc};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

/// Subscription fan-out benchmark.
#[derive(Debug, Parser)]
struct Args {
    /// The server, e.g. http://127.0.0.1:18766.
    #[arg(long)]
    url: String,
    /// An editor or admin API key (the secret, without "Bearer").
    #[arg(long)]
    key: String,
    /// Concurrent subscribers.
    #[arg(long, default_value_t = 5000)]
    subscribers: usize,
    /// Changes to make, one per round.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// The slug of a published term to change.
    #[arg(long, default_value = "api")]
    slug: String,
    /// The server's process id, to read its memory.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Extra subscribers that never read (each with many large subscriptions), to show that stalled readers
    /// are dropped and the server's memory stays flat while the others keep receiving.
    #[arg(long, default_value_t = 0)]
    stalled: usize,
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A `graphql-transport-ws` connection, acknowledged.
async fn connected(ws_url: String) -> Result<Socket, String> {
    let mut request = ws_url.into_client_request().map_err(|e| e.to_string())?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    socket
        .send(Message::text(r#"{"type":"connection_init"}"#))
        .await
        .map_err(|e| e.to_string())?;
    match socket.next().await {
        Some(Ok(Message::Text(text))) if text.contains("connection_ack") => Ok(socket),
        other => Err(format!("no connection_ack: {other:?}")),
    }
}

/// Subscriptions per stalled subscriber, each selecting the definition fifty times over.
const STALLED_SUBSCRIPTIONS: usize = 50;

/// A subscriber that subscribes and then never reads again.
async fn stalled_subscriber(ws_url: String, slug: String) -> Result<(), String> {
    let mut socket = connected(ws_url).await?;
    let heavy: String = (0..50).map(|n| format!("d{n}: definition ")).collect();
    let query = format!("subscription {{ termUpdated(slug: {slug:?}) {{ title {heavy} }} }}");
    for id in 0..STALLED_SUBSCRIPTIONS {
        socket
            .send(Message::text(
                json!({"id": id.to_string(), "type": "subscribe", "payload": {"query": query}})
                    .to_string(),
            ))
            .await
            .map_err(|e| e.to_string())?;
    }
    // Hold the socket open and never read it.
    std::future::pending::<()>().await;
    drop(socket);
    Ok(())
}

/// One delivery: which title arrived, and when.
struct Delivery {
    title: String,
    at: DateTime<Utc>,
}

/// `VmRSS` and `VmHWM` of a process, in MiB.
fn memory(pid: Option<u32>) -> String {
    let Some(pid) = pid else {
        return "n/a".to_owned();
    };
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return "n/a".to_owned();
    };
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or("?".to_owned(), |kb| format!("{:.1} MiB", kb / 1024.0))
    };
    format!("RSS {} (peak {})", field("VmRSS:"), field("VmHWM:"))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

async fn subscriber(
    ws_url: String,
    slug: String,
    ready: Arc<AtomicUsize>,
    gate: Arc<Semaphore>,
    deliveries: mpsc::UnboundedSender<Delivery>,
) -> Result<(), String> {
    let permit = gate.acquire().await.map_err(|e| e.to_string())?;
    let mut socket = connected(ws_url).await?;
    let query = format!("subscription {{ termUpdated(slug: {slug:?}) {{ title updatedAt }} }}");
    socket
        .send(Message::text(
            json!({"id": "1", "type": "subscribe", "payload": {"query": query}}).to_string(),
        ))
        .await
        .map_err(|e| e.to_string())?;
    drop(permit);
    ready.fetch_add(1, Ordering::SeqCst);
    while let Some(message) = socket.next().await {
        let Ok(Message::Text(text)) = message else {
            continue;
        };
        let at = Utc::now();
        let value: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        if let Some(title) = value["payload"]["data"]["termUpdated"]["title"].as_str() {
            let _ = deliveries.send(Delivery {
                title: title.to_owned(),
                at,
            });
        }
    }
    Ok(())
}

async fn graphql(client: &reqwest::Client, args: &Args, query: &str, variables: Value) -> Value {
    client
        .post(format!("{}/graphql", args.url))
        .bearer_auth(&args.key)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a JSON answer")
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let client = reqwest::Client::new();
    let found = graphql(
        &client,
        &args,
        "query($slug: String!) { term(slug: $slug) { id } }",
        json!({"slug": args.slug}),
    )
    .await;
    let term_id = found["data"]["term"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no published term {:?}: {found}", args.slug))
        .to_owned();

    println!(
        "subscribers: {}, rounds: {}, term: {}",
        args.subscribers, args.rounds, args.slug
    );
    println!(
        "server memory, idle:                 {}",
        memory(args.server_pid)
    );

    let ws_url = format!("{}/graphql/ws", args.url.replace("http://", "ws://"));
    let ready = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(Semaphore::new(256));
    let (sender, mut deliveries) = mpsc::unbounded_channel();
    let started = std::time::Instant::now();
    let mut tasks = Vec::with_capacity(args.subscribers);
    for _ in 0..args.subscribers {
        tasks.push(tokio::spawn(subscriber(
            ws_url.clone(),
            args.slug.clone(),
            ready.clone(),
            gate.clone(),
            sender.clone(),
        )));
    }
    drop(sender);
    while ready.load(Ordering::SeqCst) < args.subscribers {
        if started.elapsed() > Duration::from_secs(120) {
            panic!(
                "only {} of {} subscribers connected in 120 s",
                ready.load(Ordering::SeqCst),
                args.subscribers
            );
        }
        if let Some(failed) = tasks.iter().position(|task| task.is_finished()) {
            let outcome = tasks.swap_remove(failed).await;
            panic!("a subscriber failed while connecting: {outcome:?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "connected and subscribed in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    for _ in 0..args.stalled {
        tasks.push(tokio::spawn(stalled_subscriber(
            ws_url.clone(),
            args.slug.clone(),
        )));
    }
    if args.stalled > 0 {
        println!(
            "plus {} stalled subscribers with {STALLED_SUBSCRIPTIONS} large subscriptions each, never reading",
            args.stalled
        );
    }
    // Let the server register the last subscriptions.
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!(
        "server memory, {} subscribers: {}",
        args.subscribers,
        memory(args.server_pid)
    );

    let mut all_commit = Vec::new();
    println!(
        "\n{:>5} {:>9} {:>9} {:>9} {:>9} {:>13} {:>9}  server memory",
        "round", "received", "p50 ms", "p99 ms", "max ms", "p50 resp ms", "write ms"
    );
    for round in 0..args.rounds {
        let title = format!("What is an API? (benchmark round {round})");
        let sent_at = Utc::now();
        let answer = graphql(
            &client,
            &args,
            "mutation($id: ID!, $title: String!) { updateTerm(input: {id: $id, title: $title}) { term { updatedAt } userErrors { message } } }",
            json!({"id": term_id, "title": title}),
        )
        .await;
        let answered_at = Utc::now();
        let updated_at: DateTime<Utc> = answer["data"]["updateTerm"]["term"]["updatedAt"]
            .as_str()
            .and_then(|text| text.parse().ok())
            .unwrap_or_else(|| panic!("the change failed: {answer}"));
        let mut from_commit = Vec::with_capacity(args.subscribers);
        let mut from_response = Vec::with_capacity(args.subscribers);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while from_commit.len() < args.subscribers {
            match tokio::time::timeout_at(deadline, deliveries.recv()).await {
                Ok(Some(delivery)) if delivery.title == title => {
                    let ms = |from: DateTime<Utc>| {
                        (delivery.at - from).num_microseconds().unwrap_or(i64::MAX) as f64 / 1000.0
                    };
                    from_commit.push(ms(updated_at));
                    from_response.push(ms(answered_at));
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        from_commit.sort_by(f64::total_cmp);
        from_response.sort_by(f64::total_cmp);
        println!(
            "{:>5} {:>9} {:>9.1} {:>9.1} {:>9.1} {:>13.1} {:>9.1}  {}",
            round,
            from_commit.len(),
            percentile(&from_commit, 50.0),
            percentile(&from_commit, 99.0),
            from_commit.last().copied().unwrap_or(f64::NAN),
            percentile(&from_response, 50.0),
            (answered_at - sent_at).num_microseconds().unwrap_or(0) as f64 / 1000.0,
            memory(args.server_pid),
        );
        all_commit.extend(from_commit);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    all_commit.sort_by(f64::total_cmp);
    println!(
        "\nall rounds: {} deliveries of {} expected; from updatedAt: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        all_commit.len(),
        args.subscribers * args.rounds,
        percentile(&all_commit, 50.0),
        percentile(&all_commit, 99.0),
        all_commit.last().copied().unwrap_or(f64::NAN),
    );
    println!(
        "server memory, after the rounds:     {}",
        memory(args.server_pid)
    );
    let metrics = client
        .get(format!("{}/metrics", args.url))
        .send()
        .await
        .expect("the server answers")
        .text()
        .await
        .unwrap_or_default();
    for line in metrics.lines().filter(|line| !line.starts_with('#')) {
        println!("server metric: {line}");
    }
    for task in tasks {
        task.abort();
    }
}
