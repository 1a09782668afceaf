//! The newsletter sign-up: double opt-in with hashed tokens, one answer for every address, clear errors for
//! bad addresses, rate limits per client and per address, the outbox that survives a failing mail server, and
//! the admin list and CSV export.

use std::{
    process::Command,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use crate::common::{TestApp, spawn_app_with_options};
use entity::{newsletter_subscriber, outbox_email};
use glossary::{
    auth::{Role, secrets::secret_hash},
    config::{AppOptions, NewsletterOptions},
    mail::{Email, MailOptions, Mailer},
    rate_limit::RateLimit,
};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

/// A mailer that keeps what it is given, and fails while told to.
#[derive(Default)]
struct RecordingMailer {
    sent: Mutex<Vec<Email>>,
    failing: AtomicBool,
}

#[async_trait::async_trait]
impl Mailer for RecordingMailer {
    async fn send(&self, email: &Email) -> Result<(), String> {
        if self.failing.load(Ordering::SeqCst) {
            return Err("connection refused (test)".to_owned());
        }
        self.sent.lock().unwrap().push(email.clone());
        Ok(())
    }
}

struct Newsletter {
    app: TestApp,
    mailer: Arc<RecordingMailer>,
}

async fn start(tune: impl FnOnce(&mut AppOptions)) -> Newsletter {
    let mailer = Arc::new(RecordingMailer::default());
    let mut options = AppOptions {
        mail: MailOptions {
            mailer: mailer.clone(),
            poll_interval: Duration::from_millis(50),
            retry_base: Duration::from_millis(100),
        },
        newsletter: NewsletterOptions {
            confirm_url: "https://glossary.test/confirm?token={token}".to_owned(),
            unsubscribe_url: "https://glossary.test/unsubscribe?token={token}".to_owned(),
            ..NewsletterOptions::default()
        },
        ..AppOptions::default()
    };
    tune(&mut options);
    Newsletter {
        app: spawn_app_with_options(options).await,
        mailer,
    }
}

const SUBSCRIBE: &str = "mutation($email: String!, $source: String) { subscribeToNewsletter(email: $email, source: $source) { accepted message } }";
const CONFIRM: &str =
    "mutation($token: String!) { confirmNewsletterSubscription(token: $token) { email status } }";
const UNSUBSCRIBE: &str =
    "mutation($token: String!) { unsubscribeFromNewsletter(token: $token) { email status } }";

impl Newsletter {
    async fn call(&self, query: &str, variables: Value) -> Value {
        let (status, body) = self.app.post(query, variables).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// The `n`-th mail sent (0-based), waiting up to 5 s for it.
    async fn mail(&self, n: usize) -> Email {
        within_5_seconds(&format!("mail #{n} was never sent"), async || {
            self.mailer.sent.lock().unwrap().get(n).cloned()
        })
        .await
    }

    fn mails(&self) -> usize {
        self.mailer.sent.lock().unwrap().len()
    }

    async fn subscribers(&self) -> Vec<newsletter_subscriber::Model> {
        newsletter_subscriber::Entity::find()
            .all(self.app.db())
            .await
            .unwrap()
    }

    async fn outbox(&self) -> Vec<outbox_email::Model> {
        outbox_email::Entity::find()
            .all(self.app.db())
            .await
            .unwrap()
    }

    /// The outbox's first row once the dispatcher has marked it sent, waiting up to 5 s: the dispatcher
    /// hands a mail to the transport first and updates its row after, so a test that has just seen the
    /// mail arrive may still find the row unsent.
    async fn sent_outbox_row(&self) -> outbox_email::Model {
        within_5_seconds("the outbox row was never marked sent", async || {
            let row = self.outbox().await.into_iter().next()?;
            row.sent_at.is_some().then_some(row)
        })
        .await
    }
}

/// The first `Some` that `probe` gives, asking every 50 ms for up to 5 s; panics with `failure` if none
/// comes.
async fn within_5_seconds<T>(failure: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..100 {
        if let Some(found) = probe().await {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{failure}");
}

/// The token in a mail's link.
fn token_in(mail: &Email) -> String {
    let start = mail.body.find("token=").expect("a link with a token") + "token=".len();
    mail.body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

#[tokio::test]
async fn double_opt_in_from_sign_up_to_unsubscribe() {
    let newsletter = start(|_| {}).await;
    let body = newsletter
        .call(
            SUBSCRIBE,
            json!({"email": "  Reader@Example.COM ", "source": "what-is-a-backend-developer"}),
        )
        .await;
    assert_eq!(
        body["data"]["subscribeToNewsletter"]["accepted"], true,
        "{body}"
    );

    let confirmation = newsletter.mail(0).await;
    assert_eq!(confirmation.to, "reader@example.com");
    assert!(
        confirmation
            .body
            .contains("https://glossary.test/confirm?token=")
    );
    let token = token_in(&confirmation);
    assert_eq!(token.len(), 43);

    // Stored: the normalised address, pending, and only the token's hash.
    let rows = newsletter.subscribers().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].email, "reader@example.com");
    assert_eq!(rows[0].status, "pending");
    assert_eq!(
        rows[0].source.as_deref(),
        Some("what-is-a-backend-developer")
    );
    assert_eq!(
        rows[0].confirmation_token_hash.as_deref(),
        Some(secret_hash(&token).as_str())
    );
    // The outbox keeps no copy of a sent link.
    let sent = newsletter.sent_outbox_row().await;
    assert!(!sent.body.contains(&token));

    let confirmed = newsletter.call(CONFIRM, json!({"token": token})).await;
    assert_eq!(
        confirmed["data"]["confirmNewsletterSubscription"],
        json!({"email": "reader@example.com", "status": "CONFIRMED"})
    );
    // A confirmation link works once.
    let again = newsletter.call(CONFIRM, json!({"token": token})).await;
    assert_eq!(again["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(again["errors"][0]["extensions"]["field"], "token");

    // The welcome mail carries the way out.
    let welcome = newsletter.mail(1).await;
    assert!(
        welcome
            .body
            .contains("https://glossary.test/unsubscribe?token=")
    );
    let unsubscribe_token = token_in(&welcome);
    for _ in 0..2 {
        let left = newsletter
            .call(UNSUBSCRIBE, json!({"token": unsubscribe_token}))
            .await;
        assert_eq!(
            left["data"]["unsubscribeFromNewsletter"],
            json!({"email": "reader@example.com", "status": "UNSUBSCRIBED"})
        );
    }
    let unknown = newsletter
        .call(UNSUBSCRIBE, json!({"token": "not-a-token"}))
        .await;
    assert_eq!(unknown["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let row = &newsletter.subscribers().await[0];
    assert!(row.unsubscribed_at.is_some() && row.confirmed_at.is_some());
}

#[tokio::test]
async fn the_answer_never_tells_who_is_subscribed() {
    let newsletter = start(|_| {}).await;
    let new = newsletter
        .call(SUBSCRIBE, json!({"email": "a@example.org"}))
        .await;
    let pending = newsletter
        .call(SUBSCRIBE, json!({"email": "a@example.org"}))
        .await;
    // A second sign-up sends a fresh link, which replaces the first.
    let first_token = token_in(&newsletter.mail(0).await);
    let token = token_in(&newsletter.mail(1).await);
    let stale = newsletter
        .call(CONFIRM, json!({"token": first_token}))
        .await;
    assert_eq!(stale["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    newsletter.call(CONFIRM, json!({"token": token})).await;
    newsletter.mail(2).await; // the welcome mail
    let confirmed = newsletter
        .call(SUBSCRIBE, json!({"email": "A@example.org"}))
        .await;
    assert_eq!(new, pending);
    assert_eq!(new, confirmed);
    // A confirmed address is not mailed again.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(newsletter.mails(), 3);
}

#[tokio::test]
async fn bad_addresses_are_refused_and_nothing_is_written() {
    let newsletter = start(|_| {}).await;
    for (email, words) in [
        ("reader.example.com", "needs an @"),
        ("reader@localhost", "needs a dot"),
        ("", "required"),
    ] {
        let body = newsletter.call(SUBSCRIBE, json!({"email": email})).await;
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(error["extensions"]["field"], "email");
        assert!(error["message"].as_str().unwrap().contains(words), "{body}");
        assert_eq!(body["data"], Value::Null);
    }
    let long_source = "x".repeat(101);
    let body = newsletter
        .call(
            SUBSCRIBE,
            json!({"email": "ok@example.com", "source": long_source}),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "source");
    assert!(newsletter.subscribers().await.is_empty());
    assert!(newsletter.outbox().await.is_empty());
}

#[tokio::test]
async fn clients_and_addresses_are_rate_limited() {
    let newsletter = start(|options| {
        options.newsletter.per_client = RateLimit {
            burst: 4,
            period: Duration::from_secs(3600),
        };
        options.newsletter.mails_per_address_per_day = 2;
    })
    .await;
    // Per address: the third and fourth sign-up get the usual answer but no mail.
    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(
            newsletter
                .call(SUBSCRIBE, json!({"email": "busy@example.com"}))
                .await,
        );
    }
    assert!(
        answers.windows(2).all(|pair| pair[0] == pair[1]),
        "{answers:?}"
    );
    newsletter.mail(1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(newsletter.mails(), 2);
    assert_eq!(newsletter.outbox().await.len(), 2);

    // Per client: the fifth request in the hour is refused, with how long to wait.
    let body = newsletter
        .call(SUBSCRIBE, json!({"email": "other@example.com"}))
        .await;
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "RATE_LIMITED", "{body}");
    assert!(error["extensions"]["retryAfter"].as_u64().unwrap() > 0);
    assert_eq!(newsletter.subscribers().await.len(), 1);
}

#[tokio::test]
async fn subaddresses_count_against_their_mailbox() {
    let newsletter = start(|options| {
        options.newsletter.mails_per_address_per_day = 2;
    })
    .await;
    // Four sign-ups that all land in one mailbox: only two mails go out.
    for email in [
        "flood+1@example.com",
        "flood+2@example.com",
        "Flood@Example.com",
        "flood+news+x@example.com",
    ] {
        let body = newsletter.call(SUBSCRIBE, json!({"email": email})).await;
        assert_eq!(
            body["data"]["subscribeToNewsletter"]["accepted"], true,
            "{body}"
        );
    }
    newsletter.mail(1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(newsletter.mails(), 2);
    let outbox = newsletter.outbox().await;
    assert_eq!(outbox.len(), 2);
    assert!(
        outbox
            .iter()
            .all(|mail| mail.mailbox == "flood@example.com")
    );
}

#[tokio::test]
async fn a_failing_mail_server_loses_no_sign_up() {
    let newsletter = start(|_| {}).await;
    newsletter.mailer.failing.store(true, Ordering::SeqCst);
    let body = newsletter
        .call(SUBSCRIBE, json!({"email": "patient@example.com"}))
        .await;
    assert_eq!(body["data"]["subscribeToNewsletter"]["accepted"], true);

    // The sign-up is stored and the mail waits in the outbox with the reason it failed. The row is
    // written with the sign-up, so it is there at once.
    assert_eq!(newsletter.outbox().await.len(), 1);
    let waiting = within_5_seconds("the dispatcher never retried the mail", async || {
        let row = newsletter.outbox().await.into_iter().next()?;
        (row.attempts >= 2).then_some(row)
    })
    .await;
    assert!(waiting.sent_at.is_none());
    assert_eq!(
        waiting.last_error.as_deref(),
        Some("connection refused (test)")
    );
    assert_eq!(newsletter.subscribers().await[0].status, "pending");

    // Once the server is back, the retry delivers it, and the link in it works.
    newsletter.mailer.failing.store(false, Ordering::SeqCst);
    let mail = newsletter.mail(0).await;
    let confirmed = newsletter
        .call(CONFIRM, json!({"token": token_in(&mail)}))
        .await;
    assert_eq!(
        confirmed["data"]["confirmNewsletterSubscription"]["status"],
        "CONFIRMED"
    );
    let sent = newsletter.sent_outbox_row().await;
    assert!(sent.last_error.is_none());
}

const SUBSCRIBERS: &str = "query($first: Int, $after: String, $status: NewsletterStatus) { newsletterSubscribers(first: $first, after: $after, status: $status) { nodes { email status source } endCursor hasNextPage totalCount } }";

#[tokio::test]
async fn admins_list_and_export_subscribers() {
    let newsletter = start(|_| {}).await;
    for email in ["one@example.com", "two@example.com", "three@example.com"] {
        newsletter
            .call(
                SUBSCRIBE,
                json!({"email": email, "source": "sidebar, \"quoted\""}),
            )
            .await;
    }
    let token = token_in(&newsletter.mail(0).await);
    newsletter.call(CONFIRM, json!({"token": token})).await;

    let app = &newsletter.app;
    let editor = app.key("ed", Role::Editor).await;
    let admin = app.key("root", Role::Admin).await;
    let (_, anonymous) = app.post(SUBSCRIBERS, json!({})).await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    let (_, refused) = app.post_as(Some(&editor), SUBSCRIBERS, json!({})).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");

    let (_, first) = app
        .post_as(Some(&admin), SUBSCRIBERS, json!({"first": 2}))
        .await;
    let page = &first["data"]["newsletterSubscribers"];
    assert_eq!(page["totalCount"], 3);
    assert_eq!(page["hasNextPage"], true);
    assert_eq!(
        page["nodes"][0],
        json!({"email": "one@example.com", "status": "CONFIRMED", "source": "sidebar, \"quoted\""})
    );
    let (_, second) = app
        .post_as(
            Some(&admin),
            SUBSCRIBERS,
            json!({"first": 2, "after": page["endCursor"]}),
        )
        .await;
    assert_eq!(
        second["data"]["newsletterSubscribers"]["nodes"][0]["email"],
        "three@example.com"
    );
    assert_eq!(
        second["data"]["newsletterSubscribers"]["hasNextPage"],
        false
    );
    let (_, pending) = app
        .post_as(Some(&admin), SUBSCRIBERS, json!({"status": "PENDING"}))
        .await;
    assert_eq!(pending["data"]["newsletterSubscribers"]["totalCount"], 2);
    let (_, bad) = app
        .post_as(Some(&admin), SUBSCRIBERS, json!({"after": "nonsense"}))
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "after");

    // The CLI writes the same list as CSV.
    let output = Command::new(env!("CARGO_BIN_EXE_glossary"))
        .env("DATABASE_URL", &app.database_url)
        .args(["subscribers", "export"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let csv = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "email,status,source,created_at,confirmed_at,unsubscribed_at"
    );
    assert_eq!(lines.len(), 4);
    assert!(
        lines[1].starts_with("one@example.com,confirmed,\"sidebar, \"\"quoted\"\"\","),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("two@example.com,pending,"));
    let confirmed_only = Command::new(env!("CARGO_BIN_EXE_glossary"))
        .env("DATABASE_URL", &app.database_url)
        .args(["subscribers", "export", "--status", "confirmed"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(confirmed_only.stdout)
            .unwrap()
            .lines()
            .count(),
        2
    );
}

/// A minimal SMTP server on loopback that accepts one message and returns its envelope and data.
async fn fake_smtp_server() -> (u16, tokio::task::JoinHandle<(Vec<String>, String)>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 fake ESMTP\r\n").await.unwrap();
        let mut commands = Vec::new();
        let mut data = String::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            let verb = line
                .split([' ', ':'])
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            commands.push(line.clone());
            let reply: &[u8] = match verb.as_str() {
                "EHLO" | "HELO" => b"250 fake\r\n",
                "DATA" => {
                    write.write_all(b"354 go ahead\r\n").await.unwrap();
                    while let Some(line) = lines.next_line().await.unwrap() {
                        if line == "." {
                            break;
                        }
                        data.push_str(&line);
                        data.push('\n');
                    }
                    b"250 queued\r\n"
                }
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                }
                _ => b"250 ok\r\n",
            };
            write.write_all(reply).await.unwrap();
        }
        (commands, data)
    });
    (port, server)
}

#[tokio::test]
async fn the_smtp_mailer_hands_mail_to_an_smtp_server() {
    let (port, server) = fake_smtp_server().await;
    let mailer = glossary::mail::SmtpMailer::new(
        &format!("smtp://127.0.0.1:{port}"),
        "Glossary <news@glossary.test>",
    )
    .unwrap();
    mailer
        .send(&Email {
            to: "reader@example.com".to_owned(),
            subject: "Confirm your newsletter subscription".to_owned(),
            body: "Open this link: https://glossary.test/confirm?token=abc".to_owned(),
        })
        .await
        .unwrap();
    drop(mailer);
    let (commands, data) = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .unwrap()
        .unwrap();
    assert!(
        commands
            .iter()
            .any(|c| c == "MAIL FROM:<news@glossary.test>"),
        "{commands:?}"
    );
    assert!(
        commands.iter().any(|c| c == "RCPT TO:<reader@example.com>"),
        "{commands:?}"
    );
    assert!(
        data.contains("Subject: Confirm your newsletter subscription"),
        "{data}"
    );
    assert!(
        data.contains("https://glossary.test/confirm?token=abc"),
        "{data}"
    );

    // A URL that is not SMTP is refused when the server starts, not when the first mail fails.
    assert!(glossary::mail::SmtpMailer::new("http://example.com", "a@b.c").is_err());
}
