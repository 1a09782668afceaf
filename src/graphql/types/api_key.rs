//! The `Viewer` and `ApiKey` types: who is asking, and the keys admins manage.

use async_graphql::{Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};

use crate::auth::{self, KeyHolder, api_keys::ApiKeyInfo};

/// What a key may do. Ordered: an admin can do everything an editor can.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(remote = "auth::Role")]
pub enum Role {
    /// Reads drafts and changes content.
    Editor,
    /// Everything an editor does, plus managing keys and subscribers.
    Admin,
}

/// The API key a request was made with.
#[derive(Clone, Debug, SimpleObject)]
#[graphql(name = "Viewer")]
pub struct ViewerObject {
    /// The key's name, recorded as the author of the changes it makes.
    pub name: String,
    /// What the key may do.
    pub role: Role,
}

impl From<&KeyHolder> for ViewerObject {
    fn from(holder: &KeyHolder) -> Self {
        Self {
            name: holder.name.clone(),
            role: holder.role.into(),
        }
    }
}

/// An API key as admins see it; the secret is never shown again after creation.
#[derive(Clone, Debug, SimpleObject)]
pub struct ApiKey {
    /// Opaque id of the key.
    pub id: ID,
    /// Unique name of the key's holder.
    pub name: String,
    /// What the key may do.
    pub role: Role,
    /// When the key was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When the key last authenticated a request (UTC, to the minute); null if never.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When the key was revoked (UTC); null while it is valid.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKeyInfo> for ApiKey {
    fn from(key: ApiKeyInfo) -> Self {
        Self {
            id: ID(key.id.to_string()),
            name: key.name,
            role: key.role.into(),
            created_at: key.created_at,
            last_used_at: key.last_used_at,
            revoked_at: key.revoked_at,
        }
    }
}
