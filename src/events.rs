//! Content events: what changed, published only after the write committed, fanned out to every replica.
//!
//! A write (the editorial service, through [`ChangeFeed`]) computes its events from the term before and
//! after, stages them inside its transaction and releases them after commit. On PostgreSQL staging is a
//! `pg_notify` in the transaction itself, which the server delivers only on commit and to every replica
//! listening (each runs one `LISTEN` connection); a rolled-back write sends nothing. On SQLite (one
//! process) the events go straight to an in-process broadcast after commit. Subscribers read the
//! broadcast; one that falls more than the buffer behind is told so and its subscription ends (see
//! `graphql::subscription::terms`).
//!
//! Every committed change, to a term or to other content (categories, an imported pack, which travel
//! on a second channel without subscribers), also moves the [`ContentEpoch`] on, which is what tells
//! the public response cache that what it holds is stale.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::term;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, Statement,
    sqlx::postgres::PgListener,
};
use serde::{Deserialize, Serialize};
use tokio::sync::{OnceCell, broadcast};

use crate::{
    clock,
    content::{
        editorial::{ChangeFeed, Release},
        terms,
        visibility::Visibility,
    },
    content_epoch::ContentEpoch,
    error::{Error, Result},
};

/// The PostgreSQL channel term events travel on.
const CHANNEL: &str = "glossary_events";

/// The PostgreSQL channel that says other content (categories, imported packs) changed.
const CONTENT_CHANNEL: &str = "glossary_content_changed";

/// What happened to a term.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TermEventKind {
    /// It became public.
    Published,
    /// It changed (public or not, see the event's flags).
    Updated,
    /// It stopped being public.
    Unpublished,
    /// It was deleted.
    Deleted,
}

/// One change to one term.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermEvent {
    /// What happened.
    pub kind: TermEventKind,
    /// The term's id.
    pub term_id: i64,
    /// The term's slug after the change (before it, for a deletion).
    pub slug: String,
    /// Whether anonymous readers could see the term before the change.
    pub public_before: bool,
    /// Whether anonymous readers can see the term after the change.
    pub public_after: bool,
    /// When the term, published with a publication time still to come, becomes public: what the
    /// announcer of scheduled publications (`crate::scheduled_publications`) wakes for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_for: Option<DateTime<Utc>>,
}

/// Is a term row visible to anonymous readers at `now`?
fn is_public(row: &term::Model, now: DateTime<Utc>) -> bool {
    Visibility::Public { now }.admits(row)
}

impl TermEvent {
    /// The event a change from `before` to `after` makes (`None` on either side for a creation or deletion).
    pub fn of_change(
        before: Option<&term::Model>,
        after: Option<&term::Model>,
        now: DateTime<Utc>,
    ) -> Option<Self> {
        let public_before = before.is_some_and(|row| is_public(row, now));
        let public_after = after.is_some_and(|row| is_public(row, now));
        let (kind, row) = match (before, after) {
            (_, Some(after)) if public_after && !public_before => (TermEventKind::Published, after),
            (_, Some(after)) if public_before && !public_after => {
                (TermEventKind::Unpublished, after)
            }
            (_, Some(after)) => (TermEventKind::Updated, after),
            (Some(before), None) => (TermEventKind::Deleted, before),
            (None, None) => return None,
        };
        let scheduled_for = after
            .filter(|row| row.status == entity::TermStatus::Published)
            .and_then(|row| row.published_at)
            .filter(|at| *at > now);
        Some(TermEvent {
            kind,
            term_id: row.id,
            slug: row.slug.clone(),
            public_before,
            public_after,
            scheduled_for,
        })
    }

    /// May anonymous subscribers hear of this event?
    pub fn concerns_public(&self) -> bool {
        self.public_before || self.public_after
    }
}

/// An event as subscribers receive it. The term's row after the change is read at most once per process, by
/// the first subscriber that needs it, and shared by all the others (thousands of subscribers, one query).
#[derive(Debug)]
pub struct Delivery {
    /// What happened.
    pub event: TermEvent,
    row: OnceCell<Option<term::Model>>,
}

impl Delivery {
    fn new(event: TermEvent) -> Arc<Self> {
        Arc::new(Self {
            event,
            row: OnceCell::new(),
        })
    }

    /// The term's row as it is now, whatever its status (`None` once deleted).
    pub async fn row(&self, db: &DatabaseConnection) -> Result<Option<&term::Model>> {
        let row = self
            .row
            .get_or_try_init(|| async {
                Ok::<_, Error>(
                    terms::by_ids(db, Visibility::Everything, &[self.event.term_id])
                        .await?
                        .pop(),
                )
            })
            .await?;
        Ok(row.as_ref())
    }
}

/// The process's end of the event stream.
#[derive(Clone, Debug)]
pub struct EventBus {
    sender: broadcast::Sender<Arc<Delivery>>,
    backend: DbBackend,
    /// Moved on by every committed change, here or on another replica.
    epoch: Arc<ContentEpoch>,
    /// The PostgreSQL listener task, stopped at shutdown so that its connection does not hold the pool open.
    listener: Option<tokio::task::AbortHandle>,
}

/// Opens a `LISTEN` connection on both channels.
async fn listen(db: &DatabaseConnection) -> Result<PgListener> {
    let mut listener = PgListener::connect_with(db.get_postgres_connection_pool())
        .await
        .map_err(|error| Error::Internal(format!("cannot open the event listener: {error}")))?;
    listener
        .listen_all([CHANNEL, CONTENT_CHANNEL])
        .await
        .map_err(|error| Error::Internal(format!("cannot LISTEN for events: {error}")))?;
    Ok(listener)
}

/// Relays notifications to the process until the pool closes. A lost connection is opened again
/// explicitly, with the epoch out of sync meanwhile: notifications sent while it was down are lost.
async fn relay(
    db: DatabaseConnection,
    mut listener: PgListener,
    sender: broadcast::Sender<Arc<Delivery>>,
    epoch: Arc<ContentEpoch>,
) {
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                epoch.advance();
                if notification.channel() != CHANNEL {
                    continue;
                }
                match serde_json::from_str::<TermEvent>(notification.payload()) {
                    Ok(event) => {
                        let _ = sender.send(Delivery::new(event));
                    }
                    Err(error) => tracing::warn!(%error, "ignoring an unreadable content event"),
                }
            }
            // The pool is closing (shutdown): let go of the connection so the close can finish.
            Err(sea_orm::sqlx::Error::PoolClosed) => break,
            lost => {
                if let Err(error) = lost {
                    tracing::warn!(%error, "event listener failed; reconnecting");
                } else {
                    tracing::warn!("event listener lost its connection; reconnecting");
                }
                epoch.lose_sync();
                drop(listener);
                listener = loop {
                    match listen(&db).await {
                        Ok(listener) => break listener,
                        Err(_) if db.get_postgres_connection_pool().is_closed() => return,
                        Err(error) => {
                            tracing::warn!(error = error.describe(), "event listener still down");
                            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        }
                    }
                };
                epoch.regain_sync();
            }
        }
    }
}

impl EventBus {
    /// Starts the bus for a database. On PostgreSQL this returns once the `LISTEN` connection is up, so no
    /// event committed afterwards is missed.
    pub async fn start(db: &DatabaseConnection, buffer: usize) -> Result<Self> {
        let (sender, _) = broadcast::channel(buffer.max(1));
        let backend = db.get_database_backend();
        let epoch = Arc::new(ContentEpoch::default());
        let mut task = None;
        if backend == DbBackend::Postgres {
            let listener = listen(db).await?;
            let handle = tokio::spawn(relay(
                db.clone(),
                listener,
                sender.clone(),
                Arc::clone(&epoch),
            ));
            task = Some(handle.abort_handle());
        }
        Ok(Self {
            sender,
            backend,
            epoch,
            listener: task,
        })
    }

    /// Stops listening (at shutdown); subscribers get no more events.
    pub fn stop(&self) {
        if let Some(listener) = &self.listener {
            listener.abort();
        }
    }

    /// Delivers events to this process's subscribers only, and moves its epoch on: for what each
    /// replica finds out by itself (a scheduled publication falling due), where a notification would
    /// tell every replica a second time.
    pub fn announce_here(&self, events: Vec<TermEvent>) {
        self.epoch.advance();
        for event in events {
            // No subscriber is not an error.
            let _ = self.sender.send(Delivery::new(event));
        }
    }

    /// A new subscriber's receiver.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Delivery>> {
        self.sender.subscribe()
    }

    /// The content epoch this bus moves on.
    pub fn epoch(&self) -> Arc<ContentEpoch> {
        Arc::clone(&self.epoch)
    }

    /// Stages events inside the write transaction `db` (PostgreSQL: delivered on commit, to every replica).
    pub async fn stage(&self, db: &impl ConnectionTrait, events: &[TermEvent]) -> Result<()> {
        if self.backend != DbBackend::Postgres {
            return Ok(());
        }
        for event in events {
            let payload = serde_json::to_string(event)
                .map_err(|error| Error::Internal(format!("cannot encode an event: {error}")))?;
            notify(db, CHANNEL, payload).await?;
        }
        Ok(())
    }

    /// Releases events after their transaction committed: this process's epoch moves on at once (so the
    /// writer's next read is fresh), and on SQLite the events go to this process's subscribers (on
    /// PostgreSQL the commit delivered them, to every replica).
    pub fn committed(&self, events: Vec<TermEvent>) {
        if self.backend == DbBackend::Postgres {
            self.epoch.advance();
            return;
        }
        self.announce_here(events);
    }
}

/// Stages, inside the write transaction `db`, word that content other than a term changed (categories, an
/// imported pack), for the replicas to move their epoch on (PostgreSQL; SQLite has one process, whose
/// epoch the caller moves on after the commit).
pub async fn stage_content_change(db: &impl ConnectionTrait) -> Result<()> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    notify(db, CONTENT_CHANNEL, String::new()).await
}

async fn notify(db: &impl ConnectionTrait, channel: &str, payload: String) -> Result<()> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [channel.into(), payload.into()],
    ))
    .await?;
    Ok(())
}

/// The editorial service announces its changes through the bus.
#[async_trait::async_trait]
impl ChangeFeed for EventBus {
    async fn stage(
        &self,
        transaction: &DatabaseTransaction,
        before: Option<&term::Model>,
        after: Option<&term::Model>,
    ) -> Result<Release> {
        let events: Vec<TermEvent> = TermEvent::of_change(before, after, clock::now())
            .into_iter()
            .collect();
        EventBus::stage(self, transaction, &events).await?;
        let bus = self.clone();
        Ok(Box::new(move || bus.committed(events)))
    }

    async fn stage_content_change(&self, transaction: &DatabaseTransaction) -> Result<Release> {
        stage_content_change(transaction).await?;
        let epoch = self.epoch();
        Ok(Box::new(move || epoch.advance()))
    }
}
