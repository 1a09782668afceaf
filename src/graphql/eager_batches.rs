//! Batches that start as soon as a slot is free, without a timer: the term page's.
//!
//! async-graphql's DataLoader gathers keys for a fixed window (`--batch-delay-us`) on tokio's timer,
//! which fires on millisecond ticks, so every batch waits 0.1–1.1 ms whatever the load: at low load
//! that window is most of a term page's latency, and at 32 connections it bounds how many pages the
//! connections get through (docs/performance.md, "Term pages batched without a timer").
//!
//! [`EagerBatches`] gathers keys the other way: a key that finds a free slot starts a batch at once,
//! and keys that come while every slot is busy wait together for the next one to free. An idle server
//! answers a page after one pass of the scheduler; a busy one batches as many pages as came during a
//! batch's reading, so a batch grows with the load instead of with the clock. Before taking its keys,
//! the batch yields once to the scheduler, so that the keys of one request (aliases of one field) and
//! of requests ready at the same moment go in one batch.
//!
//! The batch runs on a task of its own, so a request that goes away (a client that disconnects, a
//! deadline) never takes the batch of others with it; a batch that fails answers every key with its
//! error, and one that panics with an internal error, and the slot goes on to the next keys.

use std::{
    collections::HashMap,
    hash::Hash,
    panic::AssertUnwindSafe,
    sync::{Arc, Mutex},
};

use async_graphql::dataloader::Loader;
use futures_util::FutureExt;
use tokio::sync::oneshot;

use super::batch_counter::BatchCounter;

/// What a key must be: what async-graphql's loaders ask of their keys.
pub trait Key: Send + Sync + Hash + Eq + Clone + 'static {}

impl<K: Send + Sync + Hash + Eq + Clone + 'static> Key for K {}

/// What one key is answered: its value, none, or the batch's error.
type Answer<V> = Result<Option<V>, async_graphql::Error>;

/// Keys of type `K` read by `L` in batches that start when a slot is free (module docs).
pub struct EagerBatches<K: Key, L: Loader<K>> {
    inner: Arc<Inner<K, L>>,
}

struct Inner<K: Key, L: Loader<K>> {
    loader: L,
    /// How many batches may read at once.
    slots: usize,
    /// The most keys in one batch.
    max_keys: usize,
    batches: BatchCounter,
    state: Mutex<Queue<K, L::Value>>,
}

/// The keys waiting for a slot, and how many slots are busy.
struct Queue<K, V> {
    waiting: Vec<(K, oneshot::Sender<Answer<V>>)>,
    running: usize,
}

impl<K, L> EagerBatches<K, L>
where
    K: Key,
    L: Loader<K, Error = async_graphql::Error>,
{
    /// Batches for `loader` of at most `max_keys` keys, at most `slots` reading at once (at least one
    /// of each); each batch is counted in `batches`.
    pub fn new(loader: L, slots: usize, max_keys: usize, batches: BatchCounter) -> Self {
        Self {
            inner: Arc::new(Inner {
                loader,
                slots: slots.max(1),
                max_keys: max_keys.max(1),
                batches,
                state: Mutex::new(Queue {
                    waiting: Vec::new(),
                    running: 0,
                }),
            }),
        }
    }

    /// The value of `key`, read in the next batch.
    pub async fn load_one(&self, key: K) -> Answer<L::Value> {
        let (answer, answered) = oneshot::channel();
        let start = {
            let mut queue = self.inner.lock();
            queue.waiting.push((key, answer));
            let start = queue.running < self.inner.slots;
            if start {
                queue.running += 1;
            }
            start
        };
        if start {
            tokio::spawn(Arc::clone(&self.inner).run());
        }
        answered
            .await
            .unwrap_or_else(|_| Err(ended_without_answer()))
    }
}

impl<K: Key, L: Loader<K>> Inner<K, L> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue<K, L::Value>> {
        // The queue is only pushed to and taken from: a panic elsewhere leaves it whole.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<K, L> Inner<K, L>
where
    K: Key,
    L: Loader<K, Error = async_graphql::Error>,
{
    /// One slot's work: batches of the waiting keys until none wait.
    async fn run(self: Arc<Self>) {
        let mut slot = SlotHeld(Some(Arc::clone(&self)));
        tokio::task::yield_now().await;
        loop {
            let waiting = {
                let mut queue = self.lock();
                // Keys whose requests went away (a client gone, a deadline) are not read.
                queue.waiting.retain(|(_, answer)| !answer.is_closed());
                if queue.waiting.is_empty() {
                    // Freed under the lock that found no key waiting: a key pushed after it finds the slot free.
                    queue.running -= 1;
                    slot.0 = None;
                    return;
                }
                if queue.waiting.len() > self.max_keys {
                    // The first keys come first; the rest wait for the next batch of this slot or another.
                    let rest = queue.waiting.split_off(self.max_keys);
                    std::mem::replace(&mut queue.waiting, rest)
                } else {
                    std::mem::take(&mut queue.waiting)
                }
            };
            self.batches.count();
            self.answer(waiting).await;
        }
    }

    /// Reads one batch and answers each of its keys (a key asked twice gets the value twice).
    async fn answer(&self, waiting: Vec<(K, oneshot::Sender<Answer<L::Value>>)>) {
        let mut askers: HashMap<K, Vec<oneshot::Sender<Answer<L::Value>>>, _> =
            HashMap::with_capacity_and_hasher(
                waiting.len(),
                foldhash::fast::RandomState::default(),
            );
        for (key, answer) in waiting {
            askers.entry(key).or_default().push(answer);
        }
        let keys: Vec<K> = askers.keys().cloned().collect();
        let read = AssertUnwindSafe(self.loader.load(&keys))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| {
                Err(crate::error::Error::Internal("a batch panicked".into()).into())
            });
        match read {
            Ok(mut values) => {
                for (key, answers) in askers {
                    send_all(answers, Ok(values.remove(&key)));
                }
            }
            Err(error) => {
                for answers in askers.into_values() {
                    send_all(answers, Err(error.clone()));
                }
            }
        }
    }
}

/// A slot held by its task, freed if the task ends without freeing it itself: when the runtime it
/// runs on shuts down in the middle of a batch (the keys of that batch are then answered with an error
/// by their dropped senders, and keys still waiting go with the next batch a key starts).
struct SlotHeld<K: Key, L: Loader<K>>(Option<Arc<Inner<K, L>>>);

impl<K: Key, L: Loader<K>> Drop for SlotHeld<K, L> {
    fn drop(&mut self) {
        if let Some(inner) = self.0.take() {
            inner.lock().running -= 1;
        }
    }
}

/// Sends `answer` to the last of `answers` and a copy to each before it (a copy of a loaded value is
/// a reference count, and the one key asked once, the usual case, gets the value itself).
fn send_all<V: Clone>(mut answers: Vec<oneshot::Sender<V>>, answer: V) {
    let Some(last) = answers.pop() else {
        return;
    };
    for each in answers {
        // A receiver gone is a request that went away: nothing to tell it.
        let _ = each.send(answer.clone());
    }
    let _ = last.send(answer);
}

fn ended_without_answer() -> async_graphql::Error {
    crate::error::Error::Internal("a batch ended without answering".into()).into()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// What a [`Doubler`] saw: the keys of each batch, and the most batches reading at once.
    #[derive(Default)]
    struct Seen {
        sizes: Mutex<Vec<usize>>,
        reading: AtomicUsize,
        most_at_once: AtomicUsize,
    }

    /// Doubles its keys but 7 (none), in 5 ms a batch; fails on key 13 and panics on key 99.
    struct Doubler(Arc<Seen>);

    impl Loader<u32> for Doubler {
        type Value = u32;
        type Error = async_graphql::Error;

        async fn load(&self, keys: &[u32]) -> Result<HashMap<u32, u32>, async_graphql::Error> {
            let seen = &self.0;
            seen.sizes.lock().unwrap().push(keys.len());
            let now = seen.reading.fetch_add(1, Ordering::SeqCst) + 1;
            seen.most_at_once.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            seen.reading.fetch_sub(1, Ordering::SeqCst);
            if keys.contains(&99) {
                panic!("key 99");
            }
            if keys.contains(&13) {
                return Err(async_graphql::Error::new("unlucky"));
            }
            Ok(keys
                .iter()
                .filter(|k| **k != 7)
                .map(|k| (*k, k * 2))
                .collect())
        }
    }

    fn batches(slots: usize) -> (Arc<EagerBatches<u32, Doubler>>, Arc<Seen>, BatchCounter) {
        let seen = Arc::new(Seen::default());
        let counter = BatchCounter::default();
        (
            Arc::new(EagerBatches::new(
                Doubler(Arc::clone(&seen)),
                slots,
                4,
                counter.clone(),
            )),
            seen,
            counter,
        )
    }

    /// Asks for `key` on a task of its own.
    fn ask_on_a_task(
        batches: &Arc<EagerBatches<u32, Doubler>>,
        key: u32,
    ) -> tokio::task::JoinHandle<Answer<u32>> {
        let batches = Arc::clone(batches);
        tokio::spawn(async move { batches.load_one(key).await })
    }

    /// Asks for key 1 on a task of its own, and returns while its batch reads (its loader sleeps 5 ms).
    /// The tests that count on that order run on tokio's paused clock (`start_paused`), which moves
    /// only when every task waits: the 2 ms here always end before the batch's 5 ms, however busy
    /// the machine (on the real clock a loaded machine let the batch finish first).
    async fn ask_then_wait(
        batches: &Arc<EagerBatches<u32, Doubler>>,
    ) -> tokio::task::JoinHandle<Answer<u32>> {
        let first = ask_on_a_task(batches, 1);
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        first
    }

    #[tokio::test]
    async fn keys_asked_together_go_in_one_batch_and_each_gets_its_value() {
        let (batches, seen, counter) = batches(1);
        let (a, b, c, missing) = tokio::join!(
            batches.load_one(1),
            batches.load_one(2),
            batches.load_one(2),
            batches.load_one(7)
        );
        assert_eq!(
            (a.unwrap(), b.unwrap(), c.unwrap(), missing.unwrap()),
            (Some(2), Some(4), Some(4), None)
        );
        assert_eq!(*seen.sizes.lock().unwrap(), vec![3], "one batch, keys once");
        assert_eq!(counter.get(), 1);
    }

    #[tokio::test]
    async fn a_batch_takes_at_most_its_size_and_the_rest_go_in_the_next() {
        let (batches, seen, counter) = batches(1);
        let values = futures_util::future::join_all((1..=6).map(|k| batches.load_one(k))).await;
        let values: Vec<Option<u32>> = values.into_iter().map(Result::unwrap).collect();
        assert_eq!(values, [2, 4, 6, 8, 10, 12].map(Some));
        assert_eq!(
            *seen.sizes.lock().unwrap(),
            vec![4, 2],
            "the first four keys, then the rest"
        );
        assert_eq!(counter.get(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn keys_that_come_while_the_slots_are_busy_wait_for_the_next_batch() {
        let (batches, seen, counter) = batches(1);
        let first = ask_then_wait(&batches).await;
        let (b, c) = tokio::join!(batches.load_one(2), batches.load_one(3));
        assert_eq!(first.await.unwrap().unwrap(), Some(2));
        assert_eq!((b.unwrap(), c.unwrap()), (Some(4), Some(6)));
        assert_eq!(*seen.sizes.lock().unwrap(), vec![1, 2]);
        assert_eq!(counter.get(), 2);
        assert_eq!(seen.most_at_once.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn two_slots_read_two_batches_at_once() {
        let (batches, seen, _) = batches(2);
        let first = ask_then_wait(&batches).await;
        assert_eq!(batches.load_one(2).await.unwrap(), Some(4));
        assert_eq!(first.await.unwrap().unwrap(), Some(2));
        assert_eq!(seen.most_at_once.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_or_panicking_batch_answers_its_keys_with_an_error_and_the_next_one_runs() {
        let (batches, _, _) = batches(1);
        let (a, b) = tokio::join!(batches.load_one(13), batches.load_one(4));
        assert_eq!(a.unwrap_err().message, "unlucky");
        assert_eq!(b.unwrap_err().message, "unlucky");
        let panicked = batches.load_one(99).await.unwrap_err();
        assert!(!panicked.message.is_empty());
        assert_eq!(
            batches.load_one(5).await.unwrap(),
            Some(10),
            "the slot was freed"
        );
    }

    #[tokio::test]
    async fn a_slot_whose_runtime_shut_down_mid_batch_is_freed() {
        let (batches, _, _) = batches(1);
        let elsewhere = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let asked = Arc::clone(&batches);
        std::thread::spawn(move || {
            elsewhere.block_on(async {
                // Returns while the batch reads (5 ms); the runtime then drops its task.
                let _first = ask_then_wait(&asked).await;
            });
        })
        .join()
        .unwrap();
        let answer = tokio::time::timeout(std::time::Duration::from_secs(5), batches.load_one(3))
            .await
            .expect("the slot stayed taken");
        assert_eq!(answer.unwrap(), Some(6));
    }

    #[tokio::test(start_paused = true)]
    async fn a_key_whose_request_went_away_is_not_read() {
        let (batches, seen, _) = batches(1);
        let first = ask_then_wait(&batches).await;
        let gone = ask_on_a_task(&batches, 2);
        tokio::task::yield_now().await;
        gone.abort();
        let _ = gone.await;
        assert_eq!(batches.load_one(3).await.unwrap(), Some(6));
        assert_eq!(first.await.unwrap().unwrap(), Some(2));
        assert_eq!(
            *seen.sizes.lock().unwrap(),
            vec![1, 1],
            "key 2 was dropped before its batch"
        );
    }

    #[tokio::test]
    async fn a_request_that_goes_away_does_not_take_the_batch_with_it() {
        let (batches, _, _) = batches(1);
        let gone = ask_on_a_task(&batches, 1);
        let stays = ask_on_a_task(&batches, 2);
        tokio::task::yield_now().await;
        gone.abort();
        assert_eq!(stays.await.unwrap().unwrap(), Some(4));
        assert_eq!(batches.load_one(3).await.unwrap(), Some(6));
    }
}
