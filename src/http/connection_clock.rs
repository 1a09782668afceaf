//! The time limits of one HTTP connection, kept by a wrapper around its socket ([`ClockedIo`]) that the
//! HTTP parser reads through, and by a guard that lives as long as a request is being served.
//!
//! A connection is always in one phase:
//! - **head**: a request's head is on its way, from the connection's opening or from the first byte of a
//!   later request (`header_read_timeout`), so a client that trickles its head is dropped;
//! - **idle**: between a response and the next request's first byte (`idle_timeout`);
//! - **busy**: a request is being served (its body has its own time limit in the handler, and the
//!   execution budget bounds the rest);
//! - **upgraded**: a WebSocket session owns the socket and keeps its own time (keep-alive pings).
//!
//! In every phase a write that stays blocked on a client that does not read is bounded (`write_timeout`).
//! A limit that passes fails the socket's read or write with `TimedOut`, and the HTTP parser closes the
//! connection.

use std::{
    io,
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll, Waker},
};

use axum::body::{Body, Bytes, HttpBody};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
    sync::OwnedSemaphorePermit,
    time::{Instant, Sleep},
};

use super::server_metrics::{ConnectionTimeout, ServerMetrics};
use crate::config::HttpLimits;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Head(Instant),
    Idle(Instant),
    Busy,
    Upgraded,
}

/// The phase of one connection and its limits.
#[derive(Debug)]
pub struct ConnectionClock {
    phase: Mutex<Phase>,
    limits: HttpLimits,
    /// The task waiting to read while no limit applied: woken when a limit starts to (a response done),
    /// so that its timer is set.
    reader: Mutex<Option<Waker>>,
}

impl ConnectionClock {
    /// The clock of a connection that has just opened: its first request's head is on its way.
    pub fn start(limits: &HttpLimits) -> Arc<Self> {
        Arc::new(Self {
            phase: Mutex::new(Phase::Head(Instant::now())),
            limits: *limits,
            reader: Mutex::new(None),
        })
    }

    fn phase(&self) -> std::sync::MutexGuard<'_, Phase> {
        self.phase
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// When reading must have made progress by, and which limit that is; none while busy or upgraded.
    fn read_deadline(&self) -> Option<(Instant, ConnectionTimeout)> {
        match *self.phase() {
            Phase::Head(since) => Some((
                since + self.limits.header_read_timeout,
                ConnectionTimeout::Head,
            )),
            Phase::Idle(since) => Some((since + self.limits.idle_timeout, ConnectionTimeout::Idle)),
            Phase::Busy | Phase::Upgraded => None,
        }
    }

    /// Bytes arrived: on an idle connection, a new request's head has begun.
    fn bytes_arrived(&self) {
        let mut phase = self.phase();
        if let Phase::Idle(_) = *phase {
            *phase = Phase::Head(Instant::now());
        }
    }

    /// A request's head has arrived and it is being served, until the guard (kept with its response
    /// body) is dropped.
    pub fn request_started(self: &Arc<Self>) -> RequestGuard {
        *self.phase() = Phase::Busy;
        RequestGuard {
            clock: Arc::clone(self),
        }
    }
}

/// Holds a connection busy while its request is served; dropping it (when the response body has been
/// sent, or abandoned) makes the connection idle.
#[derive(Debug)]
pub struct RequestGuard {
    clock: Arc<ConnectionClock>,
}

impl RequestGuard {
    /// The response switched protocols (a WebSocket): the session keeps its own time from now on.
    pub fn upgraded(&self) {
        *self.clock.phase() = Phase::Upgraded;
    }
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        let mut phase = self.clock.phase();
        if *phase == Phase::Busy {
            *phase = Phase::Idle(Instant::now());
            drop(phase);
            let reader = self
                .clock
                .reader
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .take();
            if let Some(reader) = reader {
                reader.wake();
            }
        }
    }
}

/// A response body that keeps its connection busy until it is sent.
pub struct GuardedBody {
    body: Body,
    _guard: RequestGuard,
}

impl GuardedBody {
    /// `body`, holding `guard` until it is done.
    pub fn new(body: Body, guard: RequestGuard) -> Self {
        Self {
            body,
            _guard: guard,
        }
    }
}

impl HttpBody for GuardedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// A connection's socket, read and written under its clock. It also holds the connection's place among
/// the open connections, given back when the socket closes (after a WebSocket session, if it upgraded).
pub struct ClockedIo {
    stream: TcpStream,
    clock: Arc<ConnectionClock>,
    metrics: Arc<ServerMetrics>,
    read_timer: Pin<Box<Sleep>>,
    write_timer: Pin<Box<Sleep>>,
    write_blocked_since: Option<Instant>,
    _place: OwnedSemaphorePermit,
}

impl ClockedIo {
    /// `stream` under `clock`, holding `place` until it closes.
    pub fn new(
        stream: TcpStream,
        clock: Arc<ConnectionClock>,
        metrics: Arc<ServerMetrics>,
        place: OwnedSemaphorePermit,
    ) -> Self {
        let now = Instant::now();
        Self {
            stream,
            clock,
            metrics,
            read_timer: Box::pin(tokio::time::sleep_until(now)),
            write_timer: Box::pin(tokio::time::sleep_until(now)),
            write_blocked_since: None,
            _place: place,
        }
    }

    /// Arms `timer` for `deadline` and says whether it has passed (registering the waker when not).
    fn expired(timer: &mut Pin<Box<Sleep>>, deadline: Instant, cx: &mut Context<'_>) -> bool {
        if timer.deadline() != deadline {
            timer.as_mut().reset(deadline);
        }
        timer.as_mut().poll(cx).is_ready()
    }

    /// A write that is blocked starts (or continues) the write clock; one that went through stops it.
    fn after_write(
        &mut self,
        written: Poll<io::Result<usize>>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<usize>> {
        match written {
            Poll::Pending => {
                let since = *self.write_blocked_since.get_or_insert_with(Instant::now);
                let deadline = since + self.clock.limits.write_timeout;
                if Self::expired(&mut self.write_timer, deadline, cx) {
                    return Poll::Ready(Err(self.timed_out(ConnectionTimeout::Write)));
                }
                Poll::Pending
            }
            done => {
                self.write_blocked_since = None;
                done
            }
        }
    }

    fn timed_out(&self, timeout: ConnectionTimeout) -> io::Error {
        self.metrics.count_connection_timeout(timeout);
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!("connection closed: {timeout:?} timeout"),
        )
    }
}

impl AsyncRead for ClockedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.clock.bytes_arrived();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => match this.clock.read_deadline() {
                Some((deadline, timeout)) => {
                    if Self::expired(&mut this.read_timer, deadline, cx) {
                        return Poll::Ready(Err(this.timed_out(timeout)));
                    }
                    Poll::Pending
                }
                None => {
                    *this
                        .clock
                        .reader
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner()) =
                        Some(cx.waker().clone());
                    Poll::Pending
                }
            },
            failed => failed,
        }
    }
}

impl AsyncWrite for ClockedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.after_write(written, cx)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.after_write(written, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn phases_pick_the_deadline() {
        let limits = HttpLimits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            ..HttpLimits::default()
        };
        let clock = ConnectionClock::start(&limits);
        let opened = Instant::now();
        assert_eq!(
            clock.read_deadline(),
            Some((opened + Duration::from_secs(10), ConnectionTimeout::Head))
        );
        // More bytes of the same head do not move its deadline.
        tokio::time::advance(Duration::from_secs(3)).await;
        clock.bytes_arrived();
        assert_eq!(
            clock.read_deadline(),
            Some((opened + Duration::from_secs(10), ConnectionTimeout::Head))
        );
        let guard = clock.request_started();
        assert_eq!(clock.read_deadline(), None);
        drop(guard);
        let answered = Instant::now();
        assert_eq!(
            clock.read_deadline(),
            Some((answered + Duration::from_secs(60), ConnectionTimeout::Idle))
        );
        tokio::time::advance(Duration::from_secs(30)).await;
        clock.bytes_arrived();
        assert_eq!(
            clock.read_deadline(),
            Some((
                Instant::now() + Duration::from_secs(10),
                ConnectionTimeout::Head
            ))
        );
        let guard = clock.request_started();
        guard.upgraded();
        drop(guard);
        assert_eq!(clock.read_deadline(), None);
    }
}
