//! Bounded background work: a fixed-size queue in front of a fixed number of
//! workers (issue 7 item 4).
//!
//! A request handler hands a job over with [`WorkQueue::try_submit`], which
//! never waits: when the queue is full (or the server is stopping) it refuses
//! at once and the handler answers "busy, try again" with nothing done. So at
//! most `capacity + workers + 1` jobs exist at any time (the one more is the
//! job the dispatcher holds while it waits for a free worker) and memory
//! stays flat under overload. On stop, [`WorkQueue::drain`] refuses new jobs and lets the
//! workers finish everything already accepted.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt as _;
use tokio::sync::{mpsc, Notify, Semaphore};
use tokio::task::JoinHandle;

/// Why a job was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Every queue slot is taken.
    #[error("the background queue is full")]
    Busy,
    /// The server is stopping and takes no new work.
    #[error("the server is stopping")]
    Stopping,
}

/// A fixed-size queue served by a fixed number of workers.
///
/// One dispatcher task takes jobs from the queue in order and starts each
/// once one of the `workers` permits is free, so at most `workers` jobs run
/// at once and at most `capacity` wait.
pub struct WorkQueue<J> {
    sender: mpsc::Sender<J>,
    close: Arc<Notify>,
    permits: Arc<Semaphore>,
    workers: u32,
    dispatcher: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl<J> std::fmt::Debug for WorkQueue<J> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkQueue")
            .field("workers", &self.workers)
            .field(
                "waiting",
                &(self.sender.max_capacity() - self.sender.capacity()),
            )
            .field("capacity", &self.sender.max_capacity())
            .finish()
    }
}

/// One queue slot held for a job ([`WorkQueue::try_reserve`]).
pub struct Slot<'a, J>(mpsc::Permit<'a, J>);

impl<J> Slot<'_, J> {
    /// Puts the job in the slot; it runs once a worker is free.
    pub fn submit(self, job: J) {
        self.0.send(job);
    }
}

impl<J> std::fmt::Debug for Slot<'_, J> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Slot")
    }
}

impl<J: Send + 'static> WorkQueue<J> {
    /// Starts the dispatcher on the current tokio runtime: up to `workers`
    /// jobs run `run` at once, behind a queue of `capacity` slots. A job
    /// that panics is logged; the others carry on.
    pub fn start<F, Fut>(workers: usize, capacity: usize, run: F) -> WorkQueue<J>
    where
        F: Fn(J) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let workers = u32::try_from(workers.clamp(1, 4096)).unwrap_or(1);
        let (sender, mut receiver) = mpsc::channel::<J>(capacity.max(1));
        let close = Arc::new(Notify::new());
        let permits = Arc::new(Semaphore::new(workers as usize));
        let dispatcher = {
            let close = Arc::clone(&close);
            let permits = Arc::clone(&permits);
            tokio::spawn(async move {
                loop {
                    let job = tokio::select! {
                        job = receiver.recv() => job,
                        () = close.notified() => {
                            // No new jobs; the ones already queued still run.
                            receiver.close();
                            continue;
                        }
                    };
                    let Some(job) = job else { break };
                    let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
                        break;
                    };
                    let work = run(job);
                    tokio::spawn(async move {
                        if AssertUnwindSafe(work).catch_unwind().await.is_err() {
                            log::error!("a background job panicked; the others carry on");
                        }
                        drop(permit);
                    });
                }
            })
        };
        WorkQueue {
            sender,
            close,
            permits,
            workers,
            dispatcher: std::sync::Mutex::new(Some(dispatcher)),
        }
    }

    /// Queues a job without waiting.
    pub fn try_submit(&self, job: J) -> Result<(), Refused> {
        self.try_reserve().map(|slot| slot.submit(job))
    }

    /// Holds a queue slot without waiting, before the job is built: under
    /// overload a request is refused before any work is spent on it. The
    /// slot is given back if it is dropped unused.
    pub fn try_reserve(&self) -> Result<Slot<'_, J>, Refused> {
        self.sender
            .try_reserve()
            .map(Slot)
            .map_err(|error| match error {
                mpsc::error::TrySendError::Full(()) => Refused::Busy,
                mpsc::error::TrySendError::Closed(()) => Refused::Stopping,
            })
    }

    /// Jobs waiting for a worker right now.
    pub fn waiting(&self) -> usize {
        self.sender.max_capacity() - self.sender.capacity()
    }

    /// Stops taking jobs and waits up to `timeout` for every job already
    /// accepted to finish. Returns whether they all did.
    pub async fn drain(&self, timeout: Duration) -> bool {
        self.close.notify_one();
        let dispatcher = self
            .dispatcher
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        let finished = async {
            if let Some(dispatcher) = dispatcher {
                let _ = dispatcher.await;
            }
            // Every permit back means no job is running.
            let _ = self.permits.acquire_many(self.workers).await;
        };
        tokio::time::timeout(timeout, finished).await.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::sync::Notify;

    #[tokio::test]
    async fn refuses_at_once_when_full_and_runs_everything_accepted() {
        let gate = Arc::new(Notify::new());
        let done = Arc::new(AtomicUsize::new(0));
        let queue = {
            let gate = Arc::clone(&gate);
            let done = Arc::clone(&done);
            WorkQueue::start(1, 2, move |_: u32| {
                let gate = Arc::clone(&gate);
                let done = Arc::clone(&done);
                async move {
                    gate.notified().await;
                    done.fetch_add(1, Ordering::SeqCst);
                }
            })
        };
        // The worker takes one job and blocks on the gate; two more fill the queue.
        queue.try_submit(1).expect("first job taken");
        while queue.waiting() > 0 {
            tokio::task::yield_now().await;
        }
        queue.try_submit(2).expect("second job queued");
        queue.try_submit(3).expect("third job queued");
        assert_eq!(queue.try_submit(4), Err(Refused::Busy));

        // Release all three and drain: every accepted job ran, nothing more.
        for _ in 0..3 {
            gate.notify_one();
            tokio::task::yield_now().await;
        }
        let gate_opener = {
            let gate = Arc::clone(&gate);
            tokio::spawn(async move {
                loop {
                    gate.notify_one();
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            })
        };
        assert!(queue.drain(Duration::from_secs(2)).await);
        gate_opener.abort();
        assert_eq!(done.load(Ordering::SeqCst), 3);
        assert_eq!(queue.try_submit(5), Err(Refused::Stopping));
    }

    #[tokio::test]
    async fn a_reserved_slot_counts_against_the_capacity_until_used_or_dropped() {
        let gate = Arc::new(Notify::new());
        let done = Arc::new(AtomicUsize::new(0));
        let queue = {
            let gate = Arc::clone(&gate);
            let done = Arc::clone(&done);
            WorkQueue::start(1, 1, move |job: u32| {
                let gate = Arc::clone(&gate);
                let done = Arc::clone(&done);
                async move {
                    gate.notified().await;
                    done.fetch_add(job as usize, Ordering::SeqCst);
                }
            })
        };
        // The worker takes the first job and waits on the gate.
        queue.try_submit(1).expect("first job taken");
        while queue.waiting() > 0 {
            tokio::task::yield_now().await;
        }
        // The one slot, held: nothing else fits.
        let slot = queue.try_reserve().expect("the slot is free");
        assert_eq!(queue.waiting(), 1, "a held slot counts as taken");
        assert_eq!(queue.try_reserve().map(|_| ()), Err(Refused::Busy));
        assert_eq!(queue.try_submit(1000), Err(Refused::Busy));
        // Dropped unused, it is free again; filled, it is taken again (the
        // dispatcher cannot run in between on this single-threaded runtime).
        drop(slot);
        assert_eq!(queue.waiting(), 0);
        let slot = queue.try_reserve().expect("the dropped slot is free again");
        slot.submit(100);
        assert_eq!(queue.try_submit(1000), Err(Refused::Busy));

        let gate_opener = {
            let gate = Arc::clone(&gate);
            tokio::spawn(async move {
                loop {
                    gate.notify_one();
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            })
        };
        assert!(queue.drain(Duration::from_secs(2)).await);
        gate_opener.abort();
        // The first job and the one submitted through the slot ran; the
        // refused ones never did.
        assert_eq!(done.load(Ordering::SeqCst), 1 + 100);
        assert_eq!(queue.try_reserve().map(|_| ()), Err(Refused::Stopping));
    }

    #[tokio::test]
    async fn a_panicking_job_does_not_stop_the_worker() {
        let done = Arc::new(AtomicUsize::new(0));
        let queue = {
            let done = Arc::clone(&done);
            WorkQueue::start(1, 4, move |job: u32| {
                let done = Arc::clone(&done);
                async move {
                    assert_ne!(job, 0, "job zero panics on purpose");
                    done.fetch_add(1, Ordering::SeqCst);
                }
            })
        };
        queue.try_submit(0).expect("queued");
        queue.try_submit(1).expect("queued");
        assert!(queue.drain(Duration::from_secs(2)).await);
        assert_eq!(done.load(Ordering::SeqCst), 1);
    }
}
