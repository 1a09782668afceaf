//! Outgoing mail: the [`Mailer`] that hands a message to the world (by default it only logs it; with
//! `--smtp-url` it speaks SMTP through lettre), and the [`outbox`] that makes sending reliable.

pub mod outbox;

use std::{fmt, sync::Arc, time::Duration};

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor, message::Mailbox,
    message::header::ContentType,
};

use crate::error::{Error, Result};

/// One message, as queued in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    /// The recipient's address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// The mailbox an address reaches, which limits per address count: the address lower-cased and without a
/// `+tag` subaddress (`Name+news@example.com` and `name@example.com` reach the same mailbox).
pub fn mailbox_of(address: &str) -> String {
    let address = address.trim().to_lowercase();
    match address.rsplit_once('@') {
        Some((local, domain)) => match local.split_once('+') {
            Some((name, _tag)) if !name.is_empty() => format!("{name}@{domain}"),
            _ => address,
        },
        None => address,
    }
}

/// Something that delivers mail. A failure is retried later by the outbox, never lost.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    /// Hands `email` on; an `Err` says why it could not.
    async fn send(&self, email: &Email) -> std::result::Result<(), String>;
}

/// The default mailer: writes each message to the log (at `info`) and reports success. For development and
/// for sites that have no mail server yet: the links in the log work like the ones a mail would carry.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogMailer;

#[async_trait::async_trait]
impl Mailer for LogMailer {
    async fn send(&self, email: &Email) -> std::result::Result<(), String> {
        tracing::info!(to = %email.to, subject = %email.subject, body = %email.body, "mail (log mailer)");
        Ok(())
    }
}

/// Sends through an SMTP server, configured by URL: `smtp://host:25` (plain, for a local relay),
/// `smtp://user:password@host:587?tls=required` (STARTTLS), `smtps://user:password@host` (TLS).
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// A mailer for `url`, sending as `from` (`"Glossary <news@example.com>"`). Nothing connects until the
    /// first message.
    pub fn new(url: &str, from: &str) -> Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|error| {
                Error::bad_input("smtp-url", format!("not a usable SMTP URL: {error}"))
            })?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = from
            .parse()
            .map_err(|error| Error::bad_input("mail-from", format!("not a mailbox: {error}")))?;
        Ok(Self { transport, from })
    }
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &Email) -> std::result::Result<(), String> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|error| format!("bad recipient {:?}: {error}", email.to))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(email.body.clone())
            .map_err(|error| format!("cannot build the message: {error}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|error| format!("SMTP: {error}"))
    }
}

/// How mail is sent and retried.
#[derive(Clone)]
pub struct MailOptions {
    /// Who delivers.
    pub mailer: Arc<dyn Mailer>,
    /// How often the outbox is checked for mail due again after a failure (new mail is sent at once).
    pub poll_interval: Duration,
    /// The wait after a first failure; it doubles with each further one, up to an hour.
    pub retry_base: Duration,
}

impl Default for MailOptions {
    fn default() -> Self {
        Self {
            mailer: Arc::new(LogMailer),
            poll_interval: Duration::from_secs(10),
            retry_base: Duration::from_secs(30),
        }
    }
}

impl fmt::Debug for MailOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailOptions")
            .field("poll_interval", &self.poll_interval)
            .field("retry_base", &self.retry_base)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::mailbox_of;

    #[test]
    fn subaddresses_reach_their_mailbox() {
        assert_eq!(mailbox_of("Name+news@Example.com"), "name@example.com");
        assert_eq!(mailbox_of("name+a+b@example.com"), "name@example.com");
        assert_eq!(mailbox_of("name@example.com"), "name@example.com");
        // No name before the tag: the address is its own mailbox.
        assert_eq!(mailbox_of("+tag@example.com"), "+tag@example.com");
    }
}
