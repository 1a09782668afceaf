//! How much work runs at once. Each admitted query or mutation holds a share of a budget of complexity
//! (the score admission measured, see `admission::cost`) while it executes; one that does not fit waits,
//! within its own deadline, for others to finish. A server under a flood of heavy pages then builds a
//! bounded number of them at a time, so its memory stays bounded too, instead of interleaving hundreds of
//! half-built responses; light requests (a term page scores a few hundred) pass alongside.
//!
//! No request takes more than a quarter of the budget, however much it scores, so anything admission lets
//! through can run, and light requests still find room beside the heaviest. Waiters are served in order of
//! arrival. Subscriptions are not gated: each event is one term.

use tokio::sync::{Semaphore, SemaphorePermit};

/// The complexity budget of the process; switched off at 0.
#[derive(Debug)]
pub struct ExecutionGate {
    permits: Option<Semaphore>,
    /// The most one request takes: a quarter of the budget.
    largest_share: u32,
}

impl ExecutionGate {
    /// A gate letting at most `capacity` of complexity execute at once.
    pub fn new(capacity: u64) -> Self {
        let capacity = u32::try_from(capacity).unwrap_or(u32::MAX);
        Self {
            permits: (capacity > 0).then(|| Semaphore::new(capacity as usize)),
            largest_share: (capacity / 4).max(1),
        }
    }

    /// Waits until a request of this `complexity` fits, and holds its share until the permit drops.
    pub async fn enter(&self, complexity: u64) -> Option<SemaphorePermit<'_>> {
        let permits = self.permits.as_ref()?;
        let share = u32::try_from(complexity.max(1))
            .unwrap_or(u32::MAX)
            .min(self.largest_share);
        // The semaphore is never closed.
        permits.acquire_many(share).await.ok()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn heavy_requests_wait_for_room_light_ones_pass_and_the_heaviest_still_runs() {
        let gate = ExecutionGate::new(400);
        // Each takes at most a quarter (100), however much it scores.
        let heavy: Vec<_> =
            futures_util::future::join_all((0..3).map(|_| gate.enter(1_000_000))).await;
        assert!(heavy.iter().all(Option::is_some));
        let light = gate.enter(60).await;
        assert!(light.is_some());
        // 300 + 60 taken: another heavy one (100) waits...
        let waiting = tokio::time::timeout(Duration::from_millis(50), gate.enter(100)).await;
        assert!(waiting.is_err());
        // ...until one finishes.
        drop(heavy);
        assert!(gate.enter(100).await.is_some());
        assert!(ExecutionGate::new(0).enter(1_000_000).await.is_none());
    }
}
