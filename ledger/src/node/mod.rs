//! The sequencer node: the replica, the durable store, the published
//! checkpoints and their cosignatures.
//!
//! Submissions queue for the sequencing thread ([`sequencer`]), which
//! appends a batch with core's rules, makes it durable with the batch's
//! checkpoint body, and only then signs the checkpoint and answers each
//! submitter with a receipt. Readers see the replica only between batches,
//! so what they read is always the state of the newest checkpoint.

mod published;
mod sequencer;

pub use published::{CosignError, Published};

use crate::genesis::LedgerGenesis;
use crate::metrics::Metrics;
use crate::storage::{load_replica, LoadError, Store, StoreError};
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
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            batch_interval: Duration::from_millis(200),
            batch_size: 2000,
            queue_limit: 20_000,
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
    /// Core's validator refused it.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The queue is full.
    #[error("the ledger is busy; retry shortly")]
    Busy,
    /// The sequencer stopped.
    #[error("the ledger is shutting down")]
    Stopped,
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
    queue: mpsc::SyncSender<Pending>,
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
        store: Arc<dyn Store>,
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
        let replica = load_replica(store.as_ref(), genesis.genesis.clone())?;
        let len = replica.len();
        let checkpoint = replica.checkpoint();
        if len > 0 && store.checkpoint()?.as_deref() != Some(checkpoint.to_text().as_bytes()) {
            return Err(StoreError::Damaged(
                "the stored checkpoint is not the replayed log's".into(),
            )
            .into());
        }
        let first = Published::new(
            SignedCheckpoint::sign(checkpoint, genesis.sequencer.name(), &keys.checkpoint)
                .map_err(|e| OpenError::WrongKey(e.to_string()))?,
            replica.map_snapshot(),
        );
        let mut recent = BTreeMap::new();
        recent.insert(first.checkpoint().size, first);
        let (queue, rx) = mpsc::sync_channel(config.queue_limit);
        let node = Arc::new(Node {
            genesis,
            store,
            view: RwLock::new(View {
                replica,
                recent,
                cosigned: None,
            }),
            keys,
            queue,
            metrics: Metrics::default(),
        });
        let worker = Arc::clone(&node);
        std::thread::Builder::new()
            .name("sequencer".into())
            .spawn(move || sequencer::run(&worker, &rx, &config))
            .expect("spawning the sequencer thread");
        Ok(node)
    }

    /// The genesis.
    pub fn genesis(&self) -> &LedgerGenesis {
        &self.genesis
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
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            tx,
            received: unix_now(),
            reply,
        };
        self.queue.try_send(pending).map_err(|e| match e {
            mpsc::TrySendError::Full(_) => SubmitError::Busy,
            mpsc::TrySendError::Disconnected(_) => SubmitError::Stopped,
        })?;
        answer.await.unwrap_or(Err(SubmitError::Stopped))
    }

    /// Records a validator's cosignature of the checkpoint of `size`.
    ///
    /// # Errors
    /// [`CosignError`] if it is not a valid cosignature by a genesis
    /// validator of a checkpoint this node still holds.
    pub fn add_cosignature(&self, size: u64, line: &str) -> Result<(), CosignError> {
        let mut view = self.view.write().unwrap_or_else(|e| e.into_inner());
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
        self.metrics.cosignatures.inc();
        Ok(())
    }

    /// The checkpoint the view is at.
    pub fn checkpoint(&self) -> Checkpoint {
        self.view().latest().checkpoint().clone()
    }
}
