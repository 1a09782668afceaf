//! How current this process's view of the content is, for what is kept from it in memory (the public
//! response cache). Every committed change to content moves the epoch on, on every replica: in the
//! writing process right after its commit (before the write's answer goes out), elsewhere when the
//! PostgreSQL notification arrives. Something computed in one epoch is stale in any later one.
//!
//! While a replica's `LISTEN` connection is down it cannot hear other replicas' changes, so it is out of
//! sync: [`ContentEpoch::current`] is `None` and nothing cached may be served until the listener is back
//! (which moves the epoch on again, since changes may have been missed meanwhile).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The content epoch of this process.
#[derive(Debug)]
pub struct ContentEpoch {
    value: AtomicU64,
    synced: AtomicBool,
}

impl Default for ContentEpoch {
    fn default() -> Self {
        Self {
            value: AtomicU64::new(0),
            synced: AtomicBool::new(true),
        }
    }
}

impl ContentEpoch {
    /// The current epoch, or `None` while changes elsewhere may go unheard.
    pub fn current(&self) -> Option<u64> {
        if !self.synced.load(Ordering::Acquire) {
            return None;
        }
        Some(self.value.load(Ordering::Acquire))
    }

    /// Content changed: whatever was computed before is stale.
    pub fn advance(&self) {
        self.value.fetch_add(1, Ordering::AcqRel);
    }

    /// Changes elsewhere can no longer be heard (the listener lost its connection).
    pub fn lose_sync(&self) {
        self.synced.store(false, Ordering::Release);
        self.advance();
    }

    /// Changes elsewhere are heard again; what was missed meanwhile makes everything before stale.
    pub fn regain_sync(&self) {
        self.advance();
        self.synced.store(true, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_and_every_outage_moves_the_epoch_on() {
        let epoch = ContentEpoch::default();
        let first = epoch.current().unwrap();
        epoch.advance();
        let second = epoch.current().unwrap();
        assert_ne!(first, second);
        epoch.lose_sync();
        assert_eq!(epoch.current(), None);
        epoch.regain_sync();
        let third = epoch.current().unwrap();
        assert!(third != first && third != second);
    }
}
