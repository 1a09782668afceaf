//! The `glossary` binary end to end: migrations, import with line-numbered errors, export, print-schema,
//! and `serve` loading the sample glossary and shutting down gracefully on SIGTERM.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::Duration,
};

use crate::common::{fresh_database, pack, term_line};
use serde_json::json;

fn glossary(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_glossary"));
    command
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "info");
    command
}

#[tokio::test]
async fn migrate_import_export_and_print_schema() {
    let (url, _guard) = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();

    for action in ["up", "status", "down", "up", "fresh"] {
        let output = glossary(&url).args(["migrate", action]).output().unwrap();
        assert!(
            output.status.success(),
            "migrate {action}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        pack(&[
            term_line("ok", "Ok", json!({})),
            "{oops".to_owned(),
            term_line("x", "X", json!({"related": ["nowhere"]})),
        ]),
    )
    .unwrap();
    let output = glossary(&url)
        .args(["import", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 2: invalid JSON"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");

    let good = dir.path().join("good.jsonl");
    let text = pack(&[
        term_line(
            "alpha",
            "Alpha",
            json!({"related": ["beta"], "categories": ["letters"], "publishedAt": "2026-01-02T03:04:05Z"}),
        ),
        term_line("beta", "Beta", json!({"status": "draft"})),
    ]);
    std::fs::write(&good, &text).unwrap();
    let output = glossary(&url)
        .args(["import", good.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("imported 2 terms"));

    let output = glossary(&url).arg("export").output().unwrap();
    assert!(output.status.success());
    let exported = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<serde_json::Value> = exported
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["slug"], "alpha");
    assert_eq!(lines[0]["related"], json!(["beta"]));
    assert_eq!(lines[0]["categories"], json!(["letters"]));
    assert_eq!(lines[0]["publishedAt"], "2026-01-02T03:04:05Z");
    assert_eq!(lines[1]["status"], "draft");

    let output = Command::new(env!("CARGO_BIN_EXE_glossary"))
        .arg("print-schema")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        glossary::graphql::schema_sdl()
    );
}

/// `serve` loads the sample glossary, and SIGTERM stops it within its shutdown deadline even while a
/// client holds a request open (its body trickling, with a body timeout far away).
#[tokio::test]
async fn serve_loads_the_sample_and_stops_on_sigterm() {
    let (url, _guard) = fresh_database().await;
    let mut child = glossary(&url)
        .args([
            "--log-format",
            "json",
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--body-timeout-secs",
            "600",
            "--shutdown-timeout-secs",
            "1",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let address = loop {
        let line = receiver
            .recv_timeout(Duration::from_secs(30))
            .expect("serve logs its address");
        if let Some(rest) = line.split("serving GraphQL at ").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches(',')
                .to_owned();
        }
    };
    let client = reqwest::Client::new();
    let body: serde_json::Value = client
        .post(&address)
        .json(&json!({"query": "{ term(slug: \"backend-developer\") { name } terms { totalCount } }"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["term"]["name"], "Backend developer");
    assert!(body["data"]["terms"]["totalCount"].as_u64().unwrap() >= 25);

    // A request that will not finish: its body never arrives.
    let mut stuck = tokio::net::TcpStream::connect(
        address
            .trim_start_matches("http://")
            .trim_end_matches("/graphql"),
    )
    .await
    .unwrap();
    tokio::io::AsyncWriteExt::write_all(
        &mut stuck,
        b"POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    // SIGTERM: the server stops at its deadline and exits cleanly.
    let signalled = std::time::Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "serve did not stop within 10 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "serve exited with {exit}");
    eprintln!("serve exited {:?} after SIGTERM", signalled.elapsed());
    drop(stuck);
    let logs: Vec<String> = receiver.try_iter().collect();
    assert!(
        logs.iter().any(|l| l.contains("server stopped")),
        "{logs:#?}"
    );
}
