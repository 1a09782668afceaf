//! The outbox: mail is queued in the same transaction as the write that calls for it, and a background
//! dispatcher sends it after commit, retrying failures with back-off. Replicas share the table safely: a
//! message is claimed by a conditional UPDATE before it is sent, so exactly one replica sends it.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use entity::outbox_email;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::NotSet,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait as _},
};
use tokio::sync::Notify;

use super::{Email, MailOptions, Mailer};
use crate::{clock, error::Result};

/// Messages claimed per pass.
const BATCH: u64 = 20;
/// How long a claim holds: a replica that dies mid-send leaves the message to be retried after this.
const CLAIM_LEASE: Duration = Duration::from_secs(120);
/// Attempts after which a message is left alone (its `last_error` says why).
pub const MAX_ATTEMPTS: i32 = 12;
/// The longest wait between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// Queues `email` inside the caller's transaction `db`.
pub async fn enqueue(db: &impl ConnectionTrait, kind: &str, email: Email) -> Result<()> {
    let now = clock::now();
    outbox_email::ActiveModel {
        id: NotSet,
        mailbox: Set(super::mailbox_of(&email.to)),
        recipient: Set(email.to),
        kind: Set(kind.to_owned()),
        subject: Set(email.subject),
        body: Set(email.body),
        created_at: Set(now),
        attempts: Set(0),
        next_attempt_at: Set(now),
        sent_at: Set(None),
        last_error: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Mail queued since `since` (sent or not) for the mailbox `recipient` reaches, `+tag` variants included,
/// for per-address limits shared by all replicas.
pub async fn queued_for(
    db: &impl ConnectionTrait,
    recipient: &str,
    since: DateTime<Utc>,
) -> Result<u64> {
    Ok(outbox_email::Entity::find()
        .filter(outbox_email::Column::Mailbox.eq(super::mailbox_of(recipient)))
        .filter(outbox_email::Column::CreatedAt.gt(since))
        .count(db)
        .await?)
}

/// The wait after the `attempts`-th failure.
fn backoff(base: Duration, attempts: i32) -> Duration {
    let doublings = Ord::min(u32::try_from(attempts.saturating_sub(1)).unwrap_or(0), 16);
    base.saturating_mul(1 << doublings).min(MAX_BACKOFF)
}

/// One pass: claims what is due, sends it, records the outcome. Returns how many were sent.
pub async fn deliver_due(
    db: &DatabaseConnection,
    mailer: &dyn Mailer,
    retry_base: Duration,
) -> Result<usize> {
    let now = clock::now();
    let due = outbox_email::Entity::find()
        .filter(outbox_email::Column::SentAt.is_null())
        .filter(outbox_email::Column::NextAttemptAt.lte(now))
        .filter(outbox_email::Column::Attempts.lt(MAX_ATTEMPTS))
        .order_by_asc(outbox_email::Column::Id)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut sent = 0;
    for row in due {
        // Claim: only the replica whose UPDATE still sees the row as due sends it.
        let claimed = outbox_email::Entity::update_many()
            .col_expr(
                outbox_email::Column::NextAttemptAt,
                Expr::value(clock::after(now, CLAIM_LEASE)),
            )
            .col_expr(
                outbox_email::Column::Attempts,
                Expr::col(outbox_email::Column::Attempts).add(1),
            )
            .filter(outbox_email::Column::Id.eq(row.id))
            .filter(outbox_email::Column::SentAt.is_null())
            .filter(outbox_email::Column::NextAttemptAt.eq(row.next_attempt_at))
            .exec(db)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        let email = Email {
            to: row.recipient.clone(),
            subject: row.subject.clone(),
            body: row.body.clone(),
        };
        let attempts = row.attempts + 1;
        let outcome = mailer.send(&email).await;
        let mut update =
            outbox_email::Entity::update_many().filter(outbox_email::Column::Id.eq(row.id));
        update = match &outcome {
            // The body may hold a one-time link: keep no copy once it is out.
            Ok(()) => update
                .col_expr(outbox_email::Column::SentAt, Expr::value(clock::now()))
                .col_expr(outbox_email::Column::Body, Expr::value(""))
                .col_expr(
                    outbox_email::Column::LastError,
                    Expr::value(Option::<String>::None),
                ),
            Err(error) => {
                tracing::warn!(id = row.id, attempts, %error, "mail not sent; will retry");
                update
                    .col_expr(
                        outbox_email::Column::NextAttemptAt,
                        Expr::value(clock::after(clock::now(), backoff(retry_base, attempts))),
                    )
                    .col_expr(outbox_email::Column::LastError, Expr::value(error.clone()))
            }
        };
        update.exec(db).await?;
        if outcome.is_ok() {
            sent += 1;
        }
    }
    Ok(sent)
}

/// The background sender: runs a pass when woken (after a commit that queued mail) and every poll interval.
#[derive(Clone, Debug)]
pub struct Dispatcher {
    wake: Arc<Notify>,
    task: tokio::task::AbortHandle,
}

impl Dispatcher {
    /// Starts the dispatcher on the current runtime.
    pub fn start(db: DatabaseConnection, options: MailOptions) -> Self {
        let wake = Arc::new(Notify::new());
        let woken = wake.clone();
        let task = tokio::spawn(async move {
            loop {
                loop {
                    match deliver_due(&db, options.mailer.as_ref(), options.retry_base).await {
                        Ok(sent) if sent as u64 == BATCH => continue,
                        Ok(_) => break,
                        Err(error) => {
                            tracing::warn!(error = error.describe(), "outbox pass failed");
                            break;
                        }
                    }
                }
                let _ = tokio::time::timeout(options.poll_interval, woken.notified()).await;
            }
        });
        Self {
            wake,
            task: task.abort_handle(),
        }
    }

    /// Asks for a pass now (after a commit that queued mail).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Stops the dispatcher (at shutdown); what is queued stays queued.
    pub fn stop(&self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff(base, 1), Duration::from_secs(30));
        assert_eq!(backoff(base, 2), Duration::from_secs(60));
        assert_eq!(backoff(base, 4), Duration::from_secs(240));
        assert_eq!(backoff(base, 12), MAX_BACKOFF);
    }
}
