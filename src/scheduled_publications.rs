//! Scheduled publications announce themselves. A term published with a future `publishAt` becomes public
//! when that time comes, with no write to send an event then; this task, one per process, wakes at the
//! next such time and tells the process's own subscribers (`termPublished`) and response cache.
//!
//! Every replica runs its own and announces to its own subscribers only, so each subscriber hears of a
//! publication exactly once whichever replica it is connected to, and no replica has to hold a lock or
//! be the leader. A replica announces what falls due while it runs, from its start on. A term counts as
//! scheduled while its publication time is later than its last write (a write that publishes at once
//! announces itself).
//!
//! The task reads the schedule when it starts, when a publication falls due, and every
//! [`RECHECK_INTERVAL`] in case a change went unheard (a pack imported with scheduled terms, a
//! PostgreSQL listener that was down). In between it costs no SQL: a write that schedules a term says
//! when in its event (`TermEvent::scheduled_for`, on every replica through PostgreSQL), and the task only
//! moves its alarm earlier.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast::error::RecvError;

use crate::{
    clock,
    content::terms,
    error::Result,
    events::{EventBus, TermEvent, TermEventKind},
};

/// The longest the task goes without reading the schedule.
pub const RECHECK_INTERVAL: Duration = Duration::from_secs(60);

/// How long the task waits after a failed query before it tries again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Starts the task; it runs until aborted.
pub fn start(db: DatabaseConnection, bus: EventBus) -> tokio::task::AbortHandle {
    tokio::spawn(announce(db, bus)).abort_handle()
}

/// How long from now until `at` (zero when it has passed).
fn until(at: DateTime<Utc>) -> Duration {
    (at - clock::now()).to_std().unwrap_or(Duration::ZERO)
}

async fn announce(db: DatabaseConnection, bus: EventBus) {
    let mut wake = bus.subscribe();
    let mut announced_until = clock::now();
    loop {
        // Read the schedule, then sleep until the next publication or the next recheck, moving the
        // alarm earlier when a write schedules a sooner one.
        let mut next = match terms::next_scheduled_publication(&db, announced_until).await {
            Ok(next) => next,
            Err(error) => {
                tracing::warn!(
                    error = error.describe(),
                    "cannot read the publication schedule"
                );
                tokio::time::sleep(RETRY_AFTER).await;
                continue;
            }
        };
        let recheck = tokio::time::Instant::now() + RECHECK_INTERVAL;
        loop {
            let alarm = next.map_or(recheck, |at| {
                (tokio::time::Instant::now() + until(at)).min(recheck)
            });
            tokio::select! {
                () = tokio::time::sleep_until(alarm) => break,
                received = wake.recv() => match received {
                    Ok(delivery) => {
                        if let Some(at) = delivery.event.scheduled_for {
                            next = Some(next.map_or(at, |next| next.min(at)));
                        }
                    }
                    // Events were missed: read the schedule again.
                    Err(RecvError::Lagged(_)) => break,
                    Err(RecvError::Closed) => return,
                },
            }
        }
        if next.is_some_and(|at| at <= clock::now()) {
            match announce_due(&db, &bus, announced_until).await {
                Ok(now) => announced_until = now,
                Err(error) => {
                    tracing::warn!(error = error.describe(), "cannot read due publications");
                    tokio::time::sleep(RETRY_AFTER).await;
                }
            }
        }
    }
}

/// Announces the publications that fell due after `after`; returns the time it looked up to.
async fn announce_due(
    db: &DatabaseConnection,
    bus: &EventBus,
    after: DateTime<Utc>,
) -> Result<DateTime<Utc>> {
    let now = clock::now();
    let due = terms::scheduled_publications(db, after, now).await?;
    if !due.is_empty() {
        tracing::info!(terms = due.len(), "scheduled publications are public now");
        bus.announce_here(
            due.into_iter()
                .map(|row| TermEvent {
                    kind: TermEventKind::Published,
                    term_id: row.id,
                    slug: row.slug,
                    public_before: false,
                    public_after: true,
                    scheduled_for: None,
                })
                .collect(),
        );
    }
    Ok(now)
}
