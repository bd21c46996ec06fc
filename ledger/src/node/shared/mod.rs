//! A node on a log several processes share (the PostgreSQL store).
//!
//! Every process takes submissions, serves reads and follows the log; the
//! one holding the lease also sequences:
//!
//! - **Submit**: the transaction is queued durably in the database, then
//!   the submitter waits for the batch that decides it, whichever process
//!   sequenced that batch.
//! - **Sequence** (lease holder only): catch up with the log, take the
//!   oldest queued submissions, apply them with core's rules, and commit the
//!   leaves, checkpoint and every outcome in one transaction fenced by the
//!   lease ([`SharedLog::sequence`]). A holder killed mid-batch committed
//!   nothing; the next holder finds the same submissions still queued.
//! - **Follow** (every process): replay new leaves checkpoint by
//!   checkpoint, take new cosignatures, and answer local submitters whose
//!   outcome another process decided.

mod submit;

use super::{CosignError, Mode, Node, NodeConfig, OpenError, SubmitError};
use crate::genesis::LedgerGenesis;
use crate::storage::{load_replica, Loaded, Outcome, Queued, SharedLog, Store, StoreError};
use assent_core::tx::SignedTx;
use rand_core::{OsRng, RngCore};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A lease holder that stops renewing loses the lease after this long.
const LEASE_TTL: Duration = Duration::from_secs(3);
/// How often a process without the lease tries to take it.
const LEASE_POLL: Duration = Duration::from_millis(250);
/// How often every process follows the log.
const FOLLOW_EVERY: Duration = Duration::from_millis(20);
/// A submitter waits this long for its batch; the submission stays queued.
const SUBMIT_WAIT: Duration = Duration::from_secs(30);

/// What this process took from the shared log so far.
#[derive(Default)]
struct Followed {
    /// Outcomes of batches up to this one were delivered.
    batch: u64,
    /// Cosignature lines already verified into the view.
    cosignatures: HashSet<(u64, String)>,
}

/// This process's part in a shared log.
pub(super) struct Replication {
    log: Arc<dyn SharedLog>,
    /// This process's name in the lease.
    holder: String,
    /// Local submitters waiting for their outcome.
    waiters: submit::Waiters,
    /// Submissions queued beyond this (by all processes) are refused as busy.
    queue_limit: u64,
    /// The queue's length as last counted, and when.
    backlog: Mutex<Option<(Instant, u64)>>,
    /// Serialises follow steps.
    followed: Mutex<Followed>,
    /// When the newest completed follow step started.
    synced: tokio::sync::Mutex<Instant>,
    /// When this process last renewed the lease and then caught up with
    /// the log (None: it does not hold the lease, or is not caught up).
    renewed: Mutex<Option<Instant>>,
    /// Asked to stop sequencing (the process is shutting down).
    stopping: AtomicBool,
    /// The sequencing loop has stopped and given the lease up.
    stopped: AtomicBool,
}

/// Starts the follower and the sequencer threads.
pub(super) fn start(node: &Arc<Node>, config: &NodeConfig) {
    let follower = Arc::clone(node);
    std::thread::Builder::new()
        .name("follower".into())
        .spawn(move || loop {
            if let Err(e) = follower.follow() {
                tracing::warn!("following the shared log: {e}");
            }
            std::thread::sleep(FOLLOW_EVERY);
        })
        .expect("spawning the follower thread");
    let sequencer = Arc::clone(node);
    let config = config.clone();
    std::thread::Builder::new()
        .name("sequencer".into())
        .spawn(move || sequence_loop(&sequencer, &config))
        .expect("spawning the sequencer thread");
}

/// Takes the lease when it is free and sequences while holding it.
fn sequence_loop(node: &Node, config: &NodeConfig) {
    let Mode::Shared(replication) = &node.mode else {
        return;
    };
    let log = &replication.log;
    let holder = &replication.holder;
    let mut holding = false;
    loop {
        if replication.stopping.load(Ordering::Acquire) {
            *replication
                .renewed
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = None;
            match log.release(holder) {
                Ok(()) if holding => tracing::info!("{holder} gave the sequencing lease up"),
                Ok(()) => {}
                Err(e) => tracing::warn!("giving the sequencing lease up: {e}"),
            }
            replication.stopped.store(true, Ordering::Release);
            return;
        }
        let asked = Instant::now();
        let lease = log.lease(holder, LEASE_TTL);
        // Caught up in this term before it counts as current: the previous
        // holder's last batch may have committed just before the take-over.
        let current = match &lease {
            Ok(true) => node.follow().map(|()| true),
            _ => Ok(false),
        };
        *replication
            .renewed
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = matches!(current, Ok(true)).then_some(asked);
        let pause = match (lease, current) {
            (Ok(true), Ok(_)) => {
                if !holding {
                    tracing::info!("{holder} took the sequencing lease");
                    holding = true;
                }
                match log.queued(config.batch_size) {
                    Ok(queued) if !queued.is_empty() => {
                        node.sequence_shared(replication, queued);
                        Duration::ZERO
                    }
                    Ok(_) => config.batch_interval,
                    Err(e) => {
                        tracing::warn!("sequencing: {e}");
                        LEASE_POLL
                    }
                }
            }
            (Ok(true), Err(e)) => {
                tracing::warn!("catching up before sequencing: {e}");
                LEASE_POLL
            }
            (Ok(false), _) => {
                if holding {
                    tracing::warn!("{holder} lost the sequencing lease");
                    holding = false;
                }
                LEASE_POLL
            }
            (Err(e), _) => {
                tracing::warn!("renewing the sequencing lease: {e}");
                holding = false;
                LEASE_POLL
            }
        };
        std::thread::sleep(pause);
    }
}

/// A stored log that does not replay to its own checkpoints: this process
/// cannot serve it, so it stops rather than answer from a wrong replica.
fn fatal(what: &str) -> ! {
    tracing::error!("{what}; stopping");
    std::process::abort()
}

impl Replication {
    /// Loads the replica at the shared log's head.
    pub(super) fn open(
        log: Arc<dyn SharedLog>,
        genesis: &LedgerGenesis,
        config: &NodeConfig,
    ) -> Result<(Self, Loaded), OpenError> {
        let head = log.head()?;
        let stored = match head.size {
            0 => None,
            size => Some(
                log.checkpoints_after(size - 1)?
                    .into_iter()
                    .next()
                    .filter(|(s, _)| *s == size)
                    .map(|(_, body)| body)
                    .unwrap_or_default(),
            ),
        };
        let loaded = load_replica(
            log.as_ref(),
            genesis.genesis.clone(),
            head.size,
            stored.as_deref(),
        )?;
        let mut tag = [0u8; 6];
        OsRng.fill_bytes(&mut tag);
        let holder = format!(
            "pid{}-{}",
            std::process::id(),
            data_encoding::HEXLOWER.encode(&tag)
        );
        let replication = Replication {
            log,
            holder,
            waiters: submit::Waiters::default(),
            queue_limit: config.queue_limit as u64,
            backlog: Mutex::new(None),
            followed: Mutex::new(Followed {
                batch: head.batch,
                cosignatures: HashSet::new(),
            }),
            synced: tokio::sync::Mutex::new(Instant::now()),
            renewed: Mutex::new(None),
            stopping: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
        };
        Ok((replication, loaded))
    }

    /// Stops sequencing after the batch in hand and gives the lease up, so
    /// another process takes over at once rather than when it expires;
    /// waits for that, at most two lease lifetimes.
    pub(super) fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
        let give_up = Instant::now() + 2 * LEASE_TTL;
        while !self.stopped.load(Ordering::Acquire) && Instant::now() < give_up {
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Whether this process holds the lease: it renewed it within the
    /// lease's lifetime, so no other process can have taken it since.
    pub(super) fn is_sequencing(&self) -> bool {
        self.renewed_within(LEASE_TTL)
    }

    fn renewed_within(&self, age: Duration) -> bool {
        self.renewed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some_and(|at| at.elapsed() < age)
    }

    /// The log as a plain store, for readers.
    pub(super) fn store(&self) -> Arc<dyn Store> {
        Arc::clone(&self.log) as Arc<dyn Store>
    }

    /// Brings the node up to everything committed before `since`.
    ///
    /// # Errors
    /// If the log cannot be read: the caller must not answer from a view
    /// that may be behind.
    pub(super) async fn caught_up(&self, node: &Node, since: Instant) -> Result<(), StoreError> {
        // The holder's own view is the newest: it caught up when it took
        // the lease, commits every batch under its view lock, and no one
        // else can commit while its lease lasts (half the lease's life: the
        // margin for the database's clock).
        if self.renewed_within(LEASE_TTL / 2) {
            return Ok(());
        }
        let mut synced = self.synced.lock().await;
        if *synced >= since {
            return Ok(());
        }
        let started = Instant::now();
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if multi_thread {
            tokio::task::block_in_place(|| node.follow())?;
        } else {
            node.follow()?;
        }
        *synced = started;
        Ok(())
    }

    /// Stores a cosignature this process verified, for the other replicas.
    pub(super) fn keep_cosignature(&self, size: u64, validator: &str, line: &str) {
        if let Err(e) = self.log.put_cosignature(size, validator, line) {
            tracing::warn!("storing a cosignature: {e}");
        }
    }

    fn lock_followed(&self) -> std::sync::MutexGuard<'_, Followed> {
        self.followed.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Node {
    /// One follow step: new checkpoints, cosignatures and outcomes.
    fn follow(&self) -> Result<(), StoreError> {
        let Mode::Shared(replication) = &self.mode else {
            return Ok(());
        };
        let log = &replication.log;
        let mut followed = replication.lock_followed();
        let head = log.head()?;
        if head.size > self.view().replica.len() {
            let mut view = self.view.write().unwrap_or_else(PoisonError::into_inner);
            for (size, body) in log.checkpoints_after(view.replica.len())? {
                // Read a checkpoint's leaves before applying any, so a read
                // failure leaves the replica at a checkpoint.
                let leaves = self.store.leaves(view.replica.len(), size)?;
                for leaf in &leaves {
                    if let Err(e) = view.replica.replay(leaf) {
                        fatal(&format!("the shared log does not replay: {e}"));
                    }
                }
                if view.replica.checkpoint().to_text().as_bytes() != body.as_slice() {
                    fatal(&format!(
                        "the shared log's checkpoint {size} is not its leaves'"
                    ));
                }
                self.publish(&mut view);
            }
        }
        let from = {
            let view = self.view();
            view.cosigned
                .or_else(|| view.recent.keys().next().copied())
                .unwrap_or(0)
        };
        let lines = log.cosignatures_from(from)?;
        followed.cosignatures.retain(|(size, _)| *size >= from);
        let fresh: Vec<_> = lines
            .into_iter()
            .filter(|seen| !followed.cosignatures.contains(seen))
            .collect();
        if !fresh.is_empty() {
            let mut view = self.view.write().unwrap_or_else(PoisonError::into_inner);
            for (size, line) in fresh {
                match self.take_cosignature(&mut view, size, &line) {
                    // Not followed that far yet: take it on a later step.
                    Err(CosignError::UnknownCheckpoint(_)) => continue,
                    Err(e) => tracing::debug!("a stored cosignature for size {size}: {e}"),
                    Ok(_) => {}
                }
                followed.cosignatures.insert((size, line));
            }
        }
        if head.batch > followed.batch {
            for (id, batch, outcome) in log.outcomes(followed.batch, head.batch)? {
                replication.waiters.resolve(&id, batch, &outcome);
            }
            followed.batch = head.batch;
        }
        Ok(())
    }

    /// Sequences one batch of queued submissions (lease holder only).
    fn sequence_shared(&self, replication: &Replication, queued: Vec<Queued>) {
        let origin = &self.genesis.genesis.origin;
        let mut outcomes = Vec::with_capacity(queued.len());
        let mut txs = Vec::with_capacity(queued.len());
        for q in queued {
            match SignedTx::open(&q.tx, origin) {
                Ok(tx) => txs.push((tx, q.received)),
                Err(e) => outcomes.push((
                    q.id,
                    Outcome::Refused {
                        code: e.code().to_owned(),
                        message: e.to_string(),
                    },
                )),
            }
        }
        let mut view = self.view.write().unwrap_or_else(PoisonError::into_inner);
        let applied = self.apply(&mut view, txs.iter().map(|(tx, _)| tx));
        for ((tx, received), result) in txs.iter().zip(applied.results) {
            let outcome = match result {
                Ok(index) => Outcome::Sequenced {
                    index,
                    time: applied.time,
                    receipt: self.receipt(tx.id(), *received, index),
                },
                Err(SubmitError::Refused { code, message }) => Outcome::Refused { code, message },
                Err(other) => unreachable!("applying gives refusals only, not {other}"),
            };
            outcomes.push((tx.id(), outcome));
        }
        let body = view.replica.checkpoint().to_text();
        let batch = match replication.log.sequence(
            &replication.holder,
            LEASE_TTL,
            applied.at,
            &applied.leaves,
            body.as_bytes(),
            &outcomes,
        ) {
            Ok(batch) => batch,
            Err(e) => fatal(&format!(
                "committing a batch failed ({e}); this replica is ahead of the shared log, \
                 and a restart replays what is durable"
            )),
        };
        if !applied.leaves.is_empty() {
            self.publish(&mut view);
            self.metrics.batches.inc();
            self.metrics.accepted.add(applied.leaves.len() as u64);
            self.snapshots.after_batch(&self.store, &view.replica);
        }
        drop(view);
        for (id, outcome) in &outcomes {
            replication.waiters.resolve(id, batch, outcome);
        }
    }
}
