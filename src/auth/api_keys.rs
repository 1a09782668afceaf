//! API keys: generation, hashing and verification, and their table.
//!
//! A key reads `glsk_<lookup id>_<secret>`. The lookup id (16 hex digits) finds the row; the secret (32 random
//! bytes, base64url) is never stored: only its SHA-256 is, and the hash of a presented secret is compared
//! with it in constant time. A high-entropy secret needs no slow password hash.

use chrono::{DateTime, Duration, Utc};
use entity::api_key;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use subtle::ConstantTimeEq;

use super::{
    KeyHolder, Role, Viewer,
    secrets::{hex, new_secret, random_bytes, secret_hash},
};
use crate::{clock, error::Error, error::Result};

/// Every key starts with this, so leaked keys are easy to recognise and scan for.
const KEY_PREFIX: &str = "glsk_";
/// Random bytes in a lookup id (16 hex digits).
const LOOKUP_BYTES: usize = 8;
/// `last_used_at` is written at most this often per key, so authenticated reads stay read-only.
const LAST_USED_PRECISION: Duration = Duration::minutes(1);
/// The longest key name.
pub const NAME_MAX: usize = 100;

/// A key as listed to admins: never the secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyInfo {
    /// Database id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last authenticated request, to the minute.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Revocation time.
    pub revoked_at: Option<DateTime<Utc>>,
}

fn info(row: api_key::Model) -> Result<ApiKeyInfo> {
    let role = Role::parse(&row.role).ok_or_else(|| {
        Error::Internal(format!(
            "api key {} has an unknown role {:?}",
            row.id, row.role
        ))
    })?;
    Ok(ApiKeyInfo {
        id: row.id,
        name: row.name,
        role,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
    })
}

/// Creates a key and returns it in full: the only time the secret exists outside the holder's hands.
pub async fn create(
    db: &impl ConnectionTrait,
    name: &str,
    role: Role,
) -> Result<(ApiKeyInfo, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(Error::bad_input(
            "name",
            format!("a key name has 1–{NAME_MAX} characters"),
        ));
    }
    if api_key::Entity::find()
        .filter(api_key::Column::Name.eq(name))
        .one(db)
        .await?
        .is_some()
    {
        return Err(Error::bad_input(
            "name",
            format!("a key named {name:?} already exists"),
        ));
    }
    let lookup_id = hex(&random_bytes::<LOOKUP_BYTES>()?);
    let secret = new_secret()?;
    let row = api_key::ActiveModel {
        id: NotSet,
        name: Set(name.to_owned()),
        role: Set(role.as_str().to_owned()),
        lookup_id: Set(lookup_id.clone()),
        secret_hash: Set(secret_hash(&secret)),
        created_at: Set(clock::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((info(row)?, format!("{KEY_PREFIX}{lookup_id}_{secret}")))
}

/// Every key, oldest first.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<ApiKeyInfo>> {
    api_key::Entity::find()
        .order_by_asc(api_key::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(info)
        .collect()
}

/// Revokes the key named `name`. Revoking a revoked key changes nothing; an unknown name is an error.
pub async fn revoke(db: &impl ConnectionTrait, name: &str) -> Result<ApiKeyInfo> {
    let row = api_key::Entity::find()
        .filter(api_key::Column::Name.eq(name))
        .one(db)
        .await?
        .ok_or_else(|| Error::bad_input("name", format!("no key is named {name:?}")))?;
    if row.revoked_at.is_some() {
        return info(row);
    }
    let mut active: api_key::ActiveModel = row.into();
    active.revoked_at = Set(Some(clock::now()));
    info(active.update(db).await?)
}

/// Whether the key with this id still works (exists and is not revoked): sessions that outlive a request,
/// such as WebSocket connections, ask again before each operation.
pub async fn is_active(db: &impl ConnectionTrait, id: i64) -> Result<bool> {
    Ok(api_key::Entity::find_by_id(id)
        .filter(api_key::Column::RevokedAt.is_null())
        .count(db)
        .await?
        > 0)
}

/// Why an `Authorization` header was refused. The message never says which part of a key was wrong.
fn refused(reason: &str) -> Error {
    Error::Unauthenticated(format!("invalid API key: {reason}"))
}

/// The viewer an `Authorization` header value names: anonymous without one, the key's holder with a valid
/// key, and an `UNAUTHENTICATED` error for anything else.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    authorization: Option<&str>,
) -> Result<Viewer> {
    let Some(value) = authorization else {
        return Ok(Viewer::Anonymous);
    };
    let token = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(|| refused("use the Bearer scheme: Authorization: Bearer <key>"))?;
    let (lookup_id, secret) = token
        .strip_prefix(KEY_PREFIX)
        .and_then(|rest| rest.split_once('_'))
        .filter(|(lookup, secret)| lookup.len() == 2 * LOOKUP_BYTES && !secret.is_empty())
        .ok_or_else(|| refused("not a key of this service"))?;
    let row = api_key::Entity::find()
        .filter(api_key::Column::LookupId.eq(lookup_id))
        .one(db)
        .await?
        .ok_or_else(|| refused("unknown or revoked key"))?;
    let matches: bool = secret_hash(secret)
        .as_bytes()
        .ct_eq(row.secret_hash.as_bytes())
        .into();
    if !matches || row.revoked_at.is_some() {
        return Err(refused("unknown or revoked key"));
    }
    let now = clock::now();
    if row
        .last_used_at
        .is_none_or(|at| now - at >= LAST_USED_PRECISION)
    {
        // Bookkeeping, not authentication: a failure to write it (a read-only replica, a busy database)
        // is logged and the request goes on.
        let written = api_key::Entity::update_many()
            .col_expr(
                api_key::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(api_key::Column::Id.eq(row.id))
            .exec(db)
            .await;
        if let Err(error) = written {
            tracing::warn!(key = row.name, %error, "cannot record when the API key was last used");
        }
    }
    let info = info(row)?;
    Ok(Viewer::Key(KeyHolder {
        id: info.id,
        name: info.name,
        role: info.role,
    }))
}
