//! The server's own counters ([`ServerMetrics`]): every way a request or connection was refused or cut
//! short. Connections, handlers and the load shedder count into them; `GET /metrics` reads them.

use std::{
    collections::BTreeMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

/// Which limit closed a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionTimeout {
    /// The request head did not arrive in time.
    Head,
    /// The connection sat idle too long between requests.
    Idle,
    /// A write stayed blocked on a client that does not read.
    Write,
}

/// The server's counters; shared by every request and connection.
#[derive(Debug, Default)]
pub struct ServerMetrics {
    /// Connections closed because a request head was late.
    pub(super) head_timeouts: AtomicU64,
    /// Keep-alive connections closed while idle.
    pub(super) idle_timeouts: AtomicU64,
    /// Connections dropped because the client stopped reading.
    pub(super) write_timeouts: AtomicU64,
    /// Requests whose body was late (408).
    pub(super) body_timeouts: AtomicU64,
    /// Requests shed with 503.
    pub(super) shed: AtomicU64,
    /// Requests refused with 429.
    pub(super) rate_limited: AtomicU64,
    /// Errors of refused or abandoned requests, by `extensions.code`.
    pub(super) refusals: Mutex<BTreeMap<String, u64>>,
}

impl ServerMetrics {
    /// Counts a connection closed by one of its time limits.
    pub fn count_connection_timeout(&self, timeout: ConnectionTimeout) {
        let counter = match timeout {
            ConnectionTimeout::Head => &self.head_timeouts,
            ConnectionTimeout::Idle => &self.idle_timeouts,
            ConnectionTimeout::Write => &self.write_timeouts,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a request whose body did not arrive in time.
    pub fn count_body_timeout(&self) {
        self.body_timeouts.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a request answered 503 because the server was full.
    pub fn count_shed(&self) {
        self.shed.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a request answered 429.
    pub fn count_rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts the errors of a request refused before it ran, or abandoned, by their codes.
    pub fn count_refusal(&self, errors: &[async_graphql::ServerError]) {
        let mut refusals = self
            .refusals
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for error in errors {
            *refusals
                .entry(crate::graphql::request_errors::code_of(error))
                .or_default() += 1;
        }
    }
}
