//! The process's WebSocket connections as a whole: the cap on how many are open, the signal that tells each
//! to close at shutdown, and counters of why connections were dropped (for tests, benchmarks and metrics).

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use tokio::sync::watch;

use crate::{client_address::ClientKey, config::WebSocketLimits};

/// Shared by every connection; cheap to clone.
#[derive(Clone, Debug)]
pub struct WebSocketHub {
    inner: Arc<HubInner>,
}

#[derive(Debug)]
struct HubInner {
    limits: WebSocketLimits,
    open: AtomicUsize,
    /// Open connections per client; a client's entry goes when its last connection closes.
    per_client: Mutex<HashMap<ClientKey, usize>>,
    shutdown: watch::Sender<bool>,
    slow_consumers: AtomicU64,
    keepalive_timeouts: AtomicU64,
}

/// Counters of the hub at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WebSocketStats {
    /// Connections open now.
    pub open_connections: usize,
    /// Connections closed because the client did not read its messages (close code 1008).
    pub slow_consumer_disconnects: u64,
    /// Connections closed because the client stopped answering pings (close code 3008).
    pub keepalive_timeouts: u64,
}

/// A place among the open connections, given back when dropped.
#[derive(Debug)]
pub struct ConnectionPermit {
    hub: WebSocketHub,
    client: ClientKey,
}

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        self.hub.inner.open.fetch_sub(1, Ordering::AcqRel);
        let mut per_client = self.hub.per_client();
        if let Some(count) = per_client.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                per_client.remove(&self.client);
            }
        }
    }
}

/// Why a connection was not given a place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The server holds as many connections as it accepts, or is shutting down.
    ServerFull,
    /// This client holds as many connections as one client may.
    ClientFull,
}

impl WebSocketHub {
    /// A hub enforcing `limits`.
    pub fn new(limits: WebSocketLimits) -> Self {
        let (shutdown, _) = watch::channel(false);
        Self {
            inner: Arc::new(HubInner {
                limits,
                open: AtomicUsize::new(0),
                per_client: Mutex::new(HashMap::new()),
                shutdown,
                slow_consumers: AtomicU64::new(0),
                keepalive_timeouts: AtomicU64::new(0),
            }),
        }
    }

    /// The limits every connection follows.
    pub fn limits(&self) -> &WebSocketLimits {
        &self.inner.limits
    }

    fn per_client(&self) -> std::sync::MutexGuard<'_, HashMap<ClientKey, usize>> {
        self.inner
            .per_client
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A place for one more connection of `client`, unless a cap is reached (the server's, or the one
    /// per client) or the server is shutting down.
    pub fn try_open(&self, client: ClientKey) -> Result<ConnectionPermit, Refusal> {
        if *self.inner.shutdown.borrow() {
            return Err(Refusal::ServerFull);
        }
        let mut per_client = self.per_client();
        let held = per_client.get(&client).copied().unwrap_or(0);
        if held >= self.inner.limits.max_connections_per_client {
            return Err(Refusal::ClientFull);
        }
        let cap = self.inner.limits.max_connections;
        self.inner
            .open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < cap).then_some(open + 1)
            })
            .map_err(|_| Refusal::ServerFull)?;
        per_client.insert(client, held + 1);
        Ok(ConnectionPermit {
            hub: self.clone(),
            client,
        })
    }

    /// Resolves when shutdown begins (at once if it has).
    pub fn shutdown_started(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut receiver = self.inner.shutdown.subscribe();
        async move {
            let _ = receiver.wait_for(|started| *started).await;
        }
    }

    /// Tells every connection to close (code 1001) and waits up to `grace` for them to finish.
    pub async fn shut_down(&self, grace: Duration) {
        self.inner.shutdown.send_replace(true);
        let deadline = tokio::time::Instant::now() + grace;
        while self.inner.open.load(Ordering::Acquire) > 0 && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let left = self.inner.open.load(Ordering::Acquire);
        if left > 0 {
            tracing::warn!(
                connections = left,
                "WebSocket connections still open after the grace period"
            );
        }
    }

    /// Counts a slow-consumer disconnect.
    pub(super) fn count_slow_consumer(&self) {
        self.inner.slow_consumers.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a keep-alive timeout.
    pub(super) fn count_keepalive_timeout(&self) {
        self.inner
            .keepalive_timeouts
            .fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn stats(&self) -> WebSocketStats {
        WebSocketStats {
            open_connections: self.inner.open.load(Ordering::Acquire),
            slow_consumer_disconnects: self.inner.slow_consumers.load(Ordering::Relaxed),
            keepalive_timeouts: self.inner.keepalive_timeouts.load(Ordering::Relaxed),
        }
    }
}
