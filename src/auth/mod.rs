//! Who is asking: API keys, roles, and the [`Viewer`] every request carries.
//!
//! Requests without `Authorization` are anonymous readers. `Authorization: Bearer <key>` with a valid key
//! makes the request an editor's or an admin's; a malformed, unknown or revoked key is refused outright (401,
//! `UNAUTHENTICATED`) rather than silently read as anonymous. Nothing here knows GraphQL: resolvers that
//! need a role use `graphql::guards::RoleGuard`, and the schema's `Role` enum mirrors [`Role`].

pub mod api_keys;
pub mod secrets;

use crate::error::Error;

/// What a key may do. Ordered: an admin can do everything an editor can.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Role {
    /// Reads drafts and changes content.
    Editor,
    /// Everything an editor does, plus managing keys and subscribers.
    Admin,
}

impl Role {
    /// The name stored in the database and used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored or typed role name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "editor" => Some(Role::Editor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// The authenticated key behind a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyHolder {
    /// The key's database id.
    pub id: i64,
    /// The key's name, recorded as the author of changes.
    pub name: String,
    /// The key's role.
    pub role: Role,
}

/// Who is making a request; attached to every GraphQL request's data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Viewer {
    /// No key: a reader of published content.
    #[default]
    Anonymous,
    /// A valid key.
    Key(KeyHolder),
}

impl Viewer {
    /// Succeeds when the viewer holds at least `role`.
    pub fn require(&self, role: Role) -> Result<&KeyHolder, Error> {
        match self {
            Viewer::Anonymous => Err(Error::Unauthenticated(
                "this operation needs an API key: send Authorization: Bearer <key>".to_owned(),
            )),
            Viewer::Key(holder) if holder.role >= role => Ok(holder),
            Viewer::Key(holder) => Err(Error::Forbidden(format!(
                "this operation needs the {} role; the key {:?} has the {} role",
                role.as_str(),
                holder.name,
                holder.role.as_str()
            ))),
        }
    }
}
