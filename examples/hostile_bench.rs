//! Hostile-request benchmark (run by `bench/hostile.sh`, which starts a release server with the sample
//! glossary): sends each bomb of issue 8 many times and prints how the server answered, what admission
//! measured, and how long the answer took — as a multiple of a `{ __typename }` round trip measured in the
//! same run (the machine's ceiling for any answer), since absolute times move from run to run here.
//! A 100-term page with everything on it, which is admitted and runs, is measured beside them.

#[path = "../tests/common/bombs.rs"]
mod bombs;

use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{Value, json};

/// Hostile-request benchmark.
#[derive(Debug, Parser)]
struct Args {
    /// The server, e.g. http://127.0.0.1:18767.
    #[arg(long)]
    url: String,
    /// Requests per case.
    #[arg(long, default_value_t = 30)]
    rounds: usize,
}

/// One answer: its status, the codes of its errors with what admission measured, and the time it took.
struct Answer {
    status: u16,
    codes: Vec<String>,
    took: Duration,
}

async fn ask(client: &reqwest::Client, url: &str, document: &str) -> Answer {
    let started = Instant::now();
    let response = client
        .post(format!("{url}/graphql"))
        .header("content-type", "application/json")
        .body(json!({ "query": document }).to_string())
        .send()
        .await
        .expect("an answer");
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let took = started.elapsed();
    let codes = body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|error| {
                    let extensions = &error["extensions"];
                    match (
                        extensions["measured"].as_u64(),
                        extensions["limit"].as_u64(),
                    ) {
                        (Some(measured), Some(limit)) => format!(
                            "{} {measured} > {limit}",
                            extensions["code"].as_str().unwrap_or("?")
                        ),
                        _ => extensions["code"].as_str().unwrap_or("?").to_owned(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Answer {
        status,
        codes,
        took,
    }
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index]
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let client = reqwest::Client::new();
    let everything = "{ terms(first: 100) { nodes { slug name title definition(format: HTML) \
        tableOfContents { title anchor level } sections { heading anchor body(format: HTML) } \
        faqs { question answer(format: HTML) } relatedTerms(first: 10) { slug name } \
        categories { slug name } seo { title description } } } }";
    let cases: Vec<(&str, String)> = vec![
        ("{ __typename } (the ceiling)", "{ __typename }".to_owned()),
        ("fragment bomb, 4^30 fields", bombs::fragment_bomb()),
        (
            "relatedTerms bomb, 10 aliases x 6 levels",
            bombs::related_terms_bomb(),
        ),
        ("10 000 failing aliases", bombs::failing_aliases(10_000)),
        ("500 aliases of a 100-term page", bombs::page_aliases(500)),
        ("20 aliases of a 100-term page", bombs::page_aliases(20)),
        (
            "100-term page with everything (runs)",
            everything.to_owned(),
        ),
    ];
    let document_bytes = |document: &str| json!({ "query": document }).to_string().len();
    println!(
        "{} requests per case on {}; times are client-side on loopback",
        args.rounds, args.url
    );
    println!(
        "{:<42} {:>8} {:>6}  {:>9} {:>9} {:>8}  answer",
        "case", "bytes", "status", "p50 ms", "max ms", "x ceiling"
    );
    let mut ceiling = Duration::ZERO;
    for (name, document) in &cases {
        // One answer to warm up, then the measured rounds.
        let first = ask(&client, &args.url, document).await;
        let mut times = Vec::with_capacity(args.rounds);
        for _ in 0..args.rounds {
            times.push(ask(&client, &args.url, document).await.took);
        }
        times.sort();
        let p50 = percentile(&times, 0.5);
        if ceiling.is_zero() {
            ceiling = p50;
        }
        println!(
            "{:<42} {:>8} {:>6}  {:>9.2} {:>9.2} {:>8.1}  {}",
            name,
            document_bytes(document),
            first.status,
            p50.as_secs_f64() * 1000.0,
            times.last().unwrap().as_secs_f64() * 1000.0,
            p50.as_secs_f64() / ceiling.as_secs_f64(),
            if first.codes.is_empty() {
                "data".to_owned()
            } else {
                first.codes.join("; ")
            }
        );
    }
}
