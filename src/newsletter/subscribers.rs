//! The subscriber table: sign-up, confirmation, unsubscription, listing and CSV export. Every write is one
//! transaction that also queues the mail it calls for.

use std::io::Write;

use chrono::{DateTime, Utc};
use entity::newsletter_subscriber as subscriber;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    SqlErr,
};

use super::{address::EmailAddress, messages};
use crate::{
    auth::secrets::{new_secret, secret_hash},
    clock,
    config::NewsletterOptions,
    database::begin_write,
    error::{Error, Result},
    mail::outbox,
    paging::{self, Page},
};

/// The longest `source` a sign-up may name.
pub const SOURCE_MAX: usize = 100;

/// Where a subscriber stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubscriberStatus {
    /// Signed up, not confirmed yet.
    Pending,
    /// Confirmed: receives the newsletter.
    Confirmed,
    /// Left.
    Unsubscribed,
}

impl SubscriberStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriberStatus::Pending => "pending",
            SubscriberStatus::Confirmed => "confirmed",
            SubscriberStatus::Unsubscribed => "unsubscribed",
        }
    }

    /// The status a stored name stands for.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "pending" => Ok(SubscriberStatus::Pending),
            "confirmed" => Ok(SubscriberStatus::Confirmed),
            "unsubscribed" => Ok(SubscriberStatus::Unsubscribed),
            other => Err(Error::Internal(format!(
                "unknown subscriber status {other:?}"
            ))),
        }
    }
}

/// What a sign-up did. Only logs and tests see it: the client always gets the same answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignupOutcome {
    /// A confirmation mail is queued.
    ConfirmationQueued,
    /// The address is confirmed already; nothing is sent.
    AlreadyConfirmed,
    /// The address got its daily share of mail; nothing more is sent today.
    AddressLimitReached,
}

/// The trimmed source, refused when too long; empty means none.
fn clean_source(source: Option<&str>) -> Result<Option<String>> {
    let Some(source) = source.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if source.chars().count() > SOURCE_MAX {
        return Err(Error::bad_input(
            "source",
            format!("source: at most {SOURCE_MAX} characters"),
        ));
    }
    if source.contains('\0') {
        return Err(Error::bad_input(
            "source",
            "source: must not contain the NUL character (U+0000)",
        ));
    }
    Ok(Some(source.to_owned()))
}

/// Signs `address` up (double opt-in): a pending subscriber with a fresh confirmation token, and the mail that
/// carries it, in one transaction.
pub async fn sign_up(
    db: &DatabaseConnection,
    address: &EmailAddress,
    source: Option<&str>,
    options: &NewsletterOptions,
) -> Result<SignupOutcome> {
    let source = clean_source(source)?;
    let txn = begin_write(db).await?;
    let now = clock::now();
    let existing = subscriber::Entity::find()
        .filter(subscriber::Column::Email.eq(address.as_str()))
        .one(&txn)
        .await?;
    if existing
        .as_ref()
        .is_some_and(|row| row.status == SubscriberStatus::Confirmed.as_str())
    {
        return Ok(SignupOutcome::AlreadyConfirmed);
    }
    let day_ago = now - chrono::Duration::days(1);
    if outbox::queued_for(&txn, address.as_str(), day_ago).await?
        >= options.mails_per_address_per_day
    {
        return Ok(SignupOutcome::AddressLimitReached);
    }
    let token = new_secret()?;
    let expires = clock::after(now, options.confirmation_lifetime);
    let written = match existing {
        Some(row) => {
            let mut row = row.into_active_model();
            row.status = Set(SubscriberStatus::Pending.as_str().to_owned());
            row.confirmation_token_hash = Set(Some(secret_hash(&token)));
            row.confirmation_expires_at = Set(Some(expires));
            if source.is_some() {
                row.source = Set(source);
            }
            row.updated_at = Set(now);
            row.update(&txn).await
        }
        None => {
            subscriber::ActiveModel {
                id: NotSet,
                email: Set(address.as_str().to_owned()),
                status: Set(SubscriberStatus::Pending.as_str().to_owned()),
                source: Set(source),
                confirmation_token_hash: Set(Some(secret_hash(&token))),
                confirmation_expires_at: Set(Some(expires)),
                unsubscribe_token_hash: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                confirmed_at: Set(None),
                unsubscribed_at: Set(None),
            }
            .insert(&txn)
            .await
        }
    };
    match written {
        Ok(_) => {}
        // Another request signed the same new address up a moment ago: its mail is on the way.
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Ok(SignupOutcome::ConfirmationQueued);
        }
        Err(error) => return Err(error.into()),
    }
    let valid_hours = options.confirmation_lifetime.as_secs() / 3600;
    outbox::enqueue(
        &txn,
        "newsletter_confirmation",
        messages::confirmation(
            address.as_str(),
            &messages::link(&options.confirm_url, &token),
            valid_hours,
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(SignupOutcome::ConfirmationQueued)
}

fn bad_token(field: &str, what: &str) -> Error {
    Error::bad_input(
        field,
        format!("{field}: this {what} link is invalid, used up or expired"),
    )
}

/// Confirms the subscription whose confirmation token is `token`, gives it an unsubscribe token and queues
/// the welcome mail that carries it.
pub async fn confirm(
    db: &DatabaseConnection,
    token: &str,
    options: &NewsletterOptions,
) -> Result<subscriber::Model> {
    let txn = begin_write(db).await?;
    let now = clock::now();
    let Some(row) = subscriber::Entity::find()
        .filter(subscriber::Column::ConfirmationTokenHash.eq(secret_hash(token.trim())))
        .filter(subscriber::Column::Status.eq(SubscriberStatus::Pending.as_str()))
        .filter(subscriber::Column::ConfirmationExpiresAt.gt(now))
        .one(&txn)
        .await?
    else {
        return Err(bad_token("token", "confirmation"));
    };
    let unsubscribe_token = new_secret()?;
    let mut active = row.into_active_model();
    active.status = Set(SubscriberStatus::Confirmed.as_str().to_owned());
    active.confirmation_token_hash = Set(None);
    active.confirmation_expires_at = Set(None);
    active.unsubscribe_token_hash = Set(Some(secret_hash(&unsubscribe_token)));
    active.confirmed_at = Set(Some(now));
    active.unsubscribed_at = Set(None);
    active.updated_at = Set(now);
    let row = active.update(&txn).await?;
    outbox::enqueue(
        &txn,
        "newsletter_welcome",
        messages::welcome(
            &row.email,
            &messages::link(&options.unsubscribe_url, &unsubscribe_token),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Unsubscribes the address whose unsubscribe token is `token`. Using the link again is harmless.
pub async fn unsubscribe(db: &DatabaseConnection, token: &str) -> Result<subscriber::Model> {
    let txn = begin_write(db).await?;
    let Some(row) = subscriber::Entity::find()
        .filter(subscriber::Column::UnsubscribeTokenHash.eq(secret_hash(token.trim())))
        .one(&txn)
        .await?
    else {
        return Err(bad_token("token", "unsubscribe"));
    };
    if row.status == SubscriberStatus::Unsubscribed.as_str() {
        return Ok(row);
    }
    let now = clock::now();
    let mut active = row.into_active_model();
    active.status = Set(SubscriberStatus::Unsubscribed.as_str().to_owned());
    active.confirmation_token_hash = Set(None);
    active.confirmation_expires_at = Set(None);
    active.unsubscribed_at = Set(Some(now));
    active.updated_at = Set(now);
    let row = active.update(&txn).await?;
    txn.commit().await?;
    Ok(row)
}

fn with_status<Q: QueryFilter>(query: Q, status: Option<SubscriberStatus>) -> Q {
    match status {
        Some(status) => query.filter(subscriber::Column::Status.eq(status.as_str())),
        None => query,
    }
}

/// A page of at most `size` subscribers after id `after`, oldest first, optionally of one status. One SQL
/// statement.
pub async fn page(
    db: &impl ConnectionTrait,
    status: Option<SubscriberStatus>,
    after: Option<i64>,
    size: usize,
) -> Result<Page<subscriber::Model>> {
    let mut query = with_status(subscriber::Entity::find(), status);
    if let Some(after) = after {
        query = query.filter(subscriber::Column::Id.gt(after));
    }
    let rows = query
        .order_by_asc(subscriber::Column::Id)
        .limit(paging::read_limit(size))
        .all(db)
        .await?;
    Ok(paging::cut(rows, size, false))
}

/// How many subscribers there are, optionally of one status.
pub async fn count(db: &impl ConnectionTrait, status: Option<SubscriberStatus>) -> Result<u64> {
    Ok(with_status(subscriber::Entity::find(), status)
        .count(db)
        .await?)
}

/// Rows read per query while exporting, so memory stays flat however long the list.
const EXPORT_CHUNK: usize = 1000;

/// Writes every subscriber (optionally of one status) as CSV with a header row; returns the row count.
pub async fn export_csv(
    db: &impl ConnectionTrait,
    status: Option<SubscriberStatus>,
    out: impl Write,
) -> Result<u64> {
    let mut writer = csv::Writer::from_writer(out);
    let failed = |error: csv::Error| Error::Internal(format!("cannot write the CSV: {error}"));
    writer
        .write_record([
            "email",
            "status",
            "source",
            "created_at",
            "confirmed_at",
            "unsubscribed_at",
        ])
        .map_err(failed)?;
    let time = |at: Option<DateTime<Utc>>| at.map(|at| at.to_rfc3339()).unwrap_or_default();
    let mut after = None;
    let mut written = 0;
    loop {
        let chunk = page(db, status, after, EXPORT_CHUNK).await?;
        for row in &chunk.items {
            writer
                .write_record([
                    row.email.as_str(),
                    row.status.as_str(),
                    row.source.as_deref().unwrap_or(""),
                    &time(Some(row.created_at)),
                    &time(row.confirmed_at),
                    &time(row.unsubscribed_at),
                ])
                .map_err(failed)?;
        }
        written += chunk.items.len() as u64;
        match chunk.items.last() {
            Some(last) if chunk.more => after = Some(last.id),
            _ => break,
        }
    }
    writer
        .flush()
        .map_err(|error| Error::Internal(format!("cannot write the CSV: {error}")))?;
    Ok(written)
}
