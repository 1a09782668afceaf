//! Who is asking, as resolvers see it: the request's [`Viewer`] from its data, and a field guard that
//! admits viewers with at least a given role.

use async_graphql::{Context, Guard};

use crate::auth::{Role, Viewer};

/// The viewer of a request: anonymous when the schema was run without one (tests, print-schema).
pub fn viewer<'a>(ctx: &Context<'a>) -> &'a Viewer {
    static ANONYMOUS: Viewer = Viewer::Anonymous;
    ctx.data_opt::<Viewer>().unwrap_or(&ANONYMOUS)
}

/// A field guard admitting viewers with at least a given role.
pub struct RoleGuard(Role);

impl RoleGuard {
    /// Admits `role` and above.
    pub fn new(role: Role) -> Self {
        Self(role)
    }
}

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        viewer(ctx).require(self.0)?;
        Ok(())
    }
}
