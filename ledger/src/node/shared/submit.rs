//! Submitting on a shared log: queue the transaction in the database, then
//! wait for the batch that decides it, whichever process sequenced it.

use super::{Replication, SUBMIT_WAIT};
use crate::node::{unix_now, Ack, SubmitError};
use crate::storage::{Outcome, StoreError};
use assent_core::ids::TxId;
use assent_core::state::Refusal;
use assent_core::tx::SignedTx;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// A local submitter waiting for its transaction's outcome.
struct Waiter {
    /// Identifies it, so it is removed however its request ends.
    ticket: u64,
    /// Only an outcome decided by a batch after this one is its answer (a
    /// resubmission of a refused transaction waits for the new decision).
    after: u64,
    wake: oneshot::Sender<Outcome>,
}

/// Local submitters by transaction id.
#[derive(Default)]
pub(super) struct Waiters {
    next: AtomicU64,
    by_tx: Mutex<HashMap<TxId, Vec<Waiter>>>,
}

impl Waiters {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TxId, Vec<Waiter>>> {
        self.by_tx.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn register(&self, id: TxId, after: u64) -> (Registered<'_>, oneshot::Receiver<Outcome>) {
        let ticket = self.next.fetch_add(1, Ordering::Relaxed);
        let (wake, woken) = oneshot::channel();
        self.lock().entry(id).or_default().push(Waiter {
            ticket,
            after,
            wake,
        });
        let registered = Registered {
            waiters: self,
            id,
            ticket,
        };
        (registered, woken)
    }

    /// Answers the local submitters of `id` with what batch `batch` decided.
    pub(super) fn resolve(&self, id: &TxId, batch: u64, outcome: &Outcome) {
        let mut by_tx = self.lock();
        let Some(list) = by_tx.get_mut(id) else {
            return;
        };
        let (now, later): (Vec<_>, Vec<_>) = list.drain(..).partition(|w| w.after < batch);
        *list = later;
        if list.is_empty() {
            by_tx.remove(id);
        }
        drop(by_tx);
        for waiter in now {
            let _ = waiter.wake.send(outcome.clone());
        }
    }
}

/// A registered waiter, removed when dropped: answered, timed out, or its
/// request cancelled by a client that went away.
struct Registered<'a> {
    waiters: &'a Waiters,
    id: TxId,
    ticket: u64,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        let mut by_tx = self.waiters.lock();
        if let Some(list) = by_tx.get_mut(&self.id) {
            list.retain(|w| w.ticket != self.ticket);
            if list.is_empty() {
                by_tx.remove(&self.id);
            }
        }
    }
}

/// How long a count of the shared queue is used before counting again.
const BACKLOG_FRESH: Duration = Duration::from_millis(100);

/// Where a submission stands once queued.
enum Queueing {
    /// Queued by this submission (`first`) or an earlier one still waiting;
    /// its answer is decided by a batch after `after`.
    Waiting { first: bool, after: u64 },
    /// An earlier submission of it was accepted.
    Accepted,
}

fn unavailable(e: impl std::fmt::Display) -> SubmitError {
    SubmitError::Unavailable(e.to_string())
}

impl Replication {
    /// How many submissions wait in the shared queue, counted at most every
    /// [`BACKLOG_FRESH`] so that a submission costs no count of its own: the
    /// bound is soft, as each replica may take what arrives in one interval
    /// beyond it.
    async fn backlog(&self) -> Result<u64, StoreError> {
        {
            let mut counted = self.backlog.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((_, n)) = counted.filter(|(at, _)| at.elapsed() < BACKLOG_FRESH) {
                return Ok(n);
            }
            // One count at a time: the submissions arriving meanwhile use
            // the previous count.
            let previous = counted.map_or(0, |(_, n)| n);
            *counted = Some((Instant::now(), previous));
        }
        let log = Arc::clone(&self.log);
        let n = tokio::task::spawn_blocking(move || log.waiting())
            .await
            .map_err(|e| StoreError::Backend(e.to_string()))??;
        *self.backlog.lock().unwrap_or_else(PoisonError::into_inner) = Some((Instant::now(), n));
        Ok(n)
    }

    /// Queues `tx` and waits for the batch that decides it.
    pub(in crate::node) async fn submit(&self, tx: SignedTx) -> Result<Ack, SubmitError> {
        let id = tx.id();
        let log = Arc::clone(&self.log);
        let received = unix_now();
        let backlog = self.backlog().await.map_err(unavailable)?;
        if backlog >= self.queue_limit {
            return Err(SubmitError::Busy);
        }
        let queueing = tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
            if log.enqueue(&id, tx.bytes(), received)? {
                return Ok(Queueing::Waiting {
                    first: true,
                    after: 0,
                });
            }
            Ok(match log.outcome(&id)? {
                None => Queueing::Waiting {
                    first: false,
                    after: 0,
                },
                Some((_, Outcome::Sequenced { .. })) => Queueing::Accepted,
                // Refused before: decide it afresh, as the embedded store
                // would; unless another resubmission just did.
                Some((batch, Outcome::Refused { .. })) => Queueing::Waiting {
                    first: log.requeue(&id, batch, received)?,
                    after: batch,
                },
            })
        })
        .await
        .map_err(unavailable)?
        .map_err(unavailable)?;
        let (first, after) = match queueing {
            Queueing::Accepted => return Err(Refusal::Replay(id).into()),
            Queueing::Waiting { first, after } => (first, after),
        };
        let (_registered, woken) = self.waiters.register(id, after);
        // Decided before the waiter was registered? Then no one will wake it.
        let log = Arc::clone(&self.log);
        let decided = tokio::task::spawn_blocking(move || log.outcome(&id))
            .await
            .map_err(unavailable)?
            .map_err(unavailable)?
            .filter(|(batch, _)| *batch > after);
        let outcome = match decided {
            Some((_, outcome)) => outcome,
            None => match tokio::time::timeout(SUBMIT_WAIT, woken).await {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(_)) => return Err(SubmitError::Stopped),
                Err(_) => {
                    return Err(unavailable(
                        "no ledger process sequenced it in time; it stays queued",
                    ))
                }
            },
        };
        match outcome {
            Outcome::Sequenced {
                index,
                time,
                receipt,
            } if first => Ok(Ack {
                index,
                time,
                receipt,
            }),
            // A second submission of an accepted transaction: the same
            // refusal the embedded store gives.
            Outcome::Sequenced { .. } => Err(Refusal::Replay(id).into()),
            Outcome::Refused { code, message } => Err(SubmitError::Refused { code, message }),
        }
    }
}
