//! The sequencer node: the replica, the durable store, the published
//! checkpoints and their cosignatures.
//!
//! On the embedded store one process owns the log: submissions queue in
//! memory for the sequencing thread ([`sequencer`]), which appends a batch
//! with core's rules, makes it durable with the batch's checkpoint body, and
//! only then signs the checkpoint and answers each submitter with a receipt.
//! On the PostgreSQL store several processes share the log ([`shared`]):
//! submissions queue in the database, the one process holding the lease
//! sequences them, and every process follows the log into its own replica.
//! Readers see the replica only between batches, so what they read is
//! always the state of a checkpoint.

mod published;
mod sequencer;
mod shared;
mod snapshots;

pub use published::{CosignError, Published};

use crate::genesis::LedgerGenesis;
use crate::metrics::Metrics;
use crate::storage::{load_replica, LoadError, SharedLog, Store, StoreError};
use assent_core::keys::SigningKey;
use assent_core::note::{Checkpoint, SignedCheckpoint};
use assent_core::replica::Replica;
use assent_core::state::Refusal;
use assent_core::tx::SignedTx;
use std::collections::BTreeMap;
use std::sync::{mpsc, Arc, RwLock, RwLockReadGuard};
use std::time::Duration;
use tokio::sync::oneshot;

/// Checkpoints kept with their state-map snapshots, for proofs at a size a
/// client already verified.
pub const RECENT_CHECKPOINTS: usize = 256;

/// How the sequencer batches.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// A batch closes this long after its first transaction arrives…
    pub batch_interval: Duration,
    /// …or when it holds this many.
    pub batch_size: usize,
    /// Submissions waiting beyond this are refused as busy.
    pub queue_limit: usize,
    /// The sequencing process keeps a snapshot of the replica every this
    /// many entries (0: never), so a restart replays only what follows it.
    pub snapshot_every: u64,
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            batch_interval: Duration::from_millis(200),
            batch_size: 2000,
            queue_limit: 20_000,
            snapshot_every: 100_000,
        }
    }
}

/// The sequencer's two keys and their note names.
pub struct NodeKeys {
    /// Signs checkpoints (the genesis `sequencer` vkey).
    pub checkpoint: SigningKey,
    /// Signs receipts (the genesis `receipt` vkey).
    pub receipt: SigningKey,
}

/// What a submitter gets once its transaction is durable.
#[derive(Debug, Clone)]
pub struct Ack {
    /// Its index in the log.
    pub index: u64,
    /// Its leaf time.
    pub time: u64,
    /// The signed receipt (`assent-receipt/v1` note).
    pub receipt: String,
}

/// Why a submission was not appended.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// Core's validator refused it (its stable code and message; on a shared
    /// log the refusal may have been decided by another process).
    #[error("{message}")]
    Refused {
        /// The refusal's stable code.
        code: String,
        /// What was wrong.
        message: String,
    },
    /// The queue is full.
    #[error("the ledger is busy; retry shortly")]
    Busy,
    /// The sequencer stopped.
    #[error("the ledger is shutting down")]
    Stopped,
    /// The shared store failed or no process sequenced it in time; a queued
    /// submission stays queued.
    #[error("the ledger cannot take transactions now: {0}")]
    Unavailable(String),
}

impl From<Refusal> for SubmitError {
    fn from(refusal: Refusal) -> Self {
        SubmitError::Refused {
            code: refusal.code().to_owned(),
            message: refusal.to_string(),
        }
    }
}

/// Where a node keeps its log.
pub enum Backend {
    /// A store this process alone writes (the embedded store).
    Local(Arc<dyn Store>),
    /// A store several processes share (the PostgreSQL store).
    Shared(Arc<dyn SharedLog>),
}

/// How submissions reach the sequencer.
enum Mode {
    Local(mpsc::SyncSender<Pending>),
    Shared(Box<shared::Replication>),
}

/// What readers see: the replica as of the newest checkpoint.
pub struct View {
    /// The replica.
    pub replica: Replica,
    /// Recent checkpoints by size, with cosignatures and map snapshots.
    pub recent: BTreeMap<u64, Published>,
    /// The newest size with at least k cosignatures.
    pub cosigned: Option<u64>,
}

impl View {
    /// The newest checkpoint.
    pub fn latest(&self) -> &Published {
        self.recent
            .values()
            .next_back()
            .expect("a node always has a checkpoint")
    }

    /// The newest checkpoint with a quorum of cosignatures.
    pub fn latest_cosigned(&self) -> Option<&Published> {
        self.cosigned.and_then(|size| self.recent.get(&size))
    }
}

pub(crate) struct Pending {
    tx: SignedTx,
    received: u64,
    reply: oneshot::Sender<Result<Ack, SubmitError>>,
}

/// A running sequencer node.
pub struct Node {
    genesis: LedgerGenesis,
    store: Arc<dyn Store>,
    view: RwLock<View>,
    keys: NodeKeys,
    mode: Mode,
    snapshots: snapshots::Snapshots,
    started_from: Option<u64>,
    /// Counters for `/metrics`.
    pub metrics: Metrics,
}

/// Why a node could not start.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The stored log does not load.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The keys are not the genesis keys.
    #[error("{0}")]
    WrongKey(String),
}

pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Node {
    /// Replays the stored log and starts the sequencing thread.
    ///
    /// # Errors
    /// [`OpenError`] if the store fails, a stored entry does not replay, or
    /// the keys do not match the genesis.
    pub fn open(
        genesis: LedgerGenesis,
        backend: Backend,
        keys: NodeKeys,
        config: NodeConfig,
    ) -> Result<Arc<Self>, OpenError> {
        if keys.checkpoint.public_key() != *genesis.sequencer.key() {
            return Err(OpenError::WrongKey(
                "the checkpoint key is not the genesis sequencer key".into(),
            ));
        }
        if keys.receipt.public_key() != *genesis.receipt.key() {
            return Err(OpenError::WrongKey(
                "the receipt key is not the genesis receipt key".into(),
            ));
        }
        let (store, loaded, mode, local_queue) = match backend {
            Backend::Local(store) => {
                let len = store.len()?;
                let stored = store.checkpoint()?;
                let expected = if len > 0 {
                    Some(stored.as_deref().unwrap_or_default())
                } else {
                    None
                };
                let loaded = load_replica(store.as_ref(), genesis.genesis.clone(), len, expected)?;
                let (queue, rx) = mpsc::sync_channel(config.queue_limit);
                (store, loaded, Mode::Local(queue), Some(rx))
            }
            Backend::Shared(log) => {
                let (replication, loaded) = shared::Replication::open(log, &genesis, &config)?;
                let store: Arc<dyn Store> = replication.store();
                (store, loaded, Mode::Shared(Box::new(replication)), None)
            }
        };
        let (replica, started_from) = (loaded.replica, loaded.snapshot);
        // Counted from the snapshot this process started from: one passed
        // over as unusable is replaced soon.
        let snapshots = snapshots::Snapshots::new(config.snapshot_every, started_from.unwrap_or(0));
        let checkpoint = replica.checkpoint();
        let first = Published::new(
            SignedCheckpoint::sign(checkpoint, genesis.sequencer.name(), &keys.checkpoint)
                .map_err(|e| OpenError::WrongKey(e.to_string()))?,
            replica.map_snapshot(),
        );
        let mut recent = BTreeMap::new();
        recent.insert(first.checkpoint().size, first);
        let node = Arc::new(Node {
            genesis,
            store,
            view: RwLock::new(View {
                replica,
                recent,
                cosigned: None,
            }),
            keys,
            mode,
            snapshots,
            started_from,
            metrics: Metrics::default(),
        });
        let worker = Arc::clone(&node);
        if let Some(rx) = local_queue {
            std::thread::Builder::new()
                .name("sequencer".into())
                .spawn(move || sequencer::run(&worker, &rx, &config))
                .expect("spawning the sequencer thread");
        } else {
            shared::start(&worker, &config);
        }
        Ok(node)
    }

    /// The genesis.
    pub fn genesis(&self) -> &LedgerGenesis {
        &self.genesis
    }

    /// The size of the snapshot this process started from (None: it
    /// replayed the whole log).
    pub fn started_from_snapshot(&self) -> Option<u64> {
        self.started_from
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Reads the view.
    pub fn view(&self) -> RwLockReadGuard<'_, View> {
        self.view.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues an opened transaction and waits until it is durable or refused.
    ///
    /// # Errors
    /// [`SubmitError`].
    pub async fn submit(&self, tx: SignedTx) -> Result<Ack, SubmitError> {
        let queue = match &self.mode {
            Mode::Local(queue) => queue,
            Mode::Shared(replication) => return replication.submit(tx).await,
        };
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            tx,
            received: unix_now(),
            reply,
        };
        queue.try_send(pending).map_err(|e| match e {
            mpsc::TrySendError::Full(_) => SubmitError::Busy,
            mpsc::TrySendError::Disconnected(_) => SubmitError::Stopped,
        })?;
        answer.await.unwrap_or(Err(SubmitError::Stopped))
    }

    /// Whether this process sequences: always on a log it owns; on a shared
    /// log, while it holds the lease.
    pub fn is_sequencing(&self) -> bool {
        match &self.mode {
            Mode::Local(_) => true,
            Mode::Shared(replication) => replication.is_sequencing(),
        }
    }

    /// Stops taking part in sequencing before the process exits: on a shared
    /// log, finishes the batch in hand and gives the lease up so another
    /// process takes over at once. A no-op on a log this process owns
    /// (its queue drains as the server's last requests are answered).
    pub fn stop(&self) {
        if let Mode::Shared(replication) = &self.mode {
            replication.stop();
        }
    }

    /// On a shared log, brings this process's replica up to every
    /// checkpoint and cosignature committed before `since`, so a reader
    /// sent to any replica never sees the log go back. A no-op on a log this
    /// process owns.
    ///
    /// # Errors
    /// If the shared log cannot be read now.
    pub async fn caught_up(&self, since: std::time::Instant) -> Result<(), StoreError> {
        match &self.mode {
            Mode::Shared(replication) => replication.caught_up(self, since).await,
            Mode::Local(_) => Ok(()),
        }
    }

    /// Records a validator's cosignature of the checkpoint of `size`.
    ///
    /// # Errors
    /// [`CosignError`] if it is not a valid cosignature by a genesis
    /// validator of a checkpoint this node still holds.
    pub fn add_cosignature(&self, size: u64, line: &str) -> Result<(), CosignError> {
        let name = {
            let mut view = self.view.write().unwrap_or_else(|e| e.into_inner());
            self.take_cosignature(&mut view, size, line)?
        };
        if let Mode::Shared(replication) = &self.mode {
            replication.keep_cosignature(size, &name, line);
        }
        self.metrics.cosignatures.inc();
        Ok(())
    }

    /// Verifies a cosignature into the view; returns the validator's name.
    fn take_cosignature(
        &self,
        view: &mut View,
        size: u64,
        line: &str,
    ) -> Result<String, CosignError> {
        let published = view
            .recent
            .get_mut(&size)
            .ok_or(CosignError::UnknownCheckpoint(size))?;
        let name = published.add_cosignature(line, &self.genesis.validators, unix_now())?;
        let count = published.cosignatures().len();
        tracing::debug!("cosignature from {name} for size {size} ({count} now)");
        if count >= self.genesis.k && view.cosigned.is_none_or(|c| c < size) {
            view.cosigned = Some(size);
        }
        Ok(name)
    }

    /// The checkpoint the view is at.
    pub fn checkpoint(&self) -> Checkpoint {
        self.view().latest().checkpoint().clone()
    }
}
