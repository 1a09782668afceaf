//! The count of batches started, the DataLoader's and the term pages' alike.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

/// Counts the batches started: the DataLoader's (each a wait for more keys, then the batch's
/// statements) and the term pages' (`eager_batches`, started when a slot is free). Tests read it
/// to prove how many batches, one after the other, a page waits for; `GET /metrics` exports it as
/// `glossary_dataloader_batches_total`.
#[derive(Clone, Debug, Default)]
pub struct BatchCounter(Arc<AtomicU64>);

impl BatchCounter {
    /// How many batches have started since the schema was built.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Counts one batch more.
    pub(crate) fn count(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}
