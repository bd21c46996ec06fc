//! Where a node keeps its log: a small trait so the embedded store and a
//! PostgreSQL store can stand behind the same node (DESIGN §4 "Storage").
//!
//! The log is the leaves in order plus the body of the newest checkpoint.
//! [`Store::append`] is the one write of the log: a batch of leaves and the
//! checkpoint body of the new size, made durable together before it returns,
//! so a transaction is acknowledged only once it would survive a crash.
//!
//! Everything else (the consent state, the state map, the tree) follows from
//! the leaves. A store also keeps the leaves' hashes (the PostgreSQL store as
//! `tlog-tiles` level-0 tiles written with each append) and, now and then, a
//! [`Snapshot`] of the replica at a checkpoint, so a node starts from the
//! newest snapshot and replays only the entries after it ([`load`]).

mod load;
mod postgres;
mod redb_store;

pub use load::{load_replica, replay_to, LoadError, Loaded, Snapshot};
pub use postgres::PgStore;
pub use redb_store::RedbStore;

use assent_core::ids::TxId;
use assent_core::merkle::{leaf_hash, Hash};
use std::time::Duration;

/// A storage failure. The node stops sequencing on one: an append either
/// happened completely or not at all.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database reported an error.
    #[error("storage: {0}")]
    Backend(String),
    /// An append that does not start at the end of the log.
    #[error("append at {at} but the log has {len} entries")]
    NotAtEnd {
        /// Where the append starts.
        at: u64,
        /// The log's length.
        len: u64,
    },
    /// The stored log is not what this node wrote.
    #[error("the stored log is damaged: {0}")]
    Damaged(String),
    /// Another process holds the sequencing lease (or took it over).
    #[error("this process no longer holds the sequencing lease")]
    LeaseLost,
    /// The database aborted the transaction because it conflicted with
    /// another (PostgreSQL `SERIALIZABLE`, CockroachDB); nothing was written
    /// and running it again may succeed. Stores retry these themselves a
    /// few times before giving up with this.
    #[error("storage conflict (retry): {0}")]
    Conflict(String),
}

/// A node's durable log.
pub trait Store: Send + Sync {
    /// The number of leaves.
    ///
    /// # Errors
    /// On a storage failure.
    fn len(&self) -> Result<u64, StoreError>;

    /// Whether the log is empty.
    ///
    /// # Errors
    /// On a storage failure.
    fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }

    /// Leaves `[from, to)`, in order.
    ///
    /// # Errors
    /// On a storage failure, or if the range is beyond the log.
    fn leaves(&self, from: u64, to: u64) -> Result<Vec<Vec<u8>>, StoreError>;

    /// Leaf `index`, if the log has it.
    ///
    /// # Errors
    /// On a storage failure.
    fn leaf(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError>;

    /// The newest checkpoint body stored with an append.
    ///
    /// # Errors
    /// On a storage failure.
    fn checkpoint(&self) -> Result<Option<Vec<u8>>, StoreError>;

    /// Appends `leaves` at index `at` and records `checkpoint` as the newest
    /// checkpoint body, atomically and durably.
    ///
    /// # Errors
    /// [`StoreError::NotAtEnd`] unless `at` is the log's length; on a storage
    /// failure nothing was written.
    fn append(&self, at: u64, leaves: &[Vec<u8>], checkpoint: &[u8]) -> Result<(), StoreError>;

    /// The RFC 9162 leaf hashes of leaves `[from, to)`. By default they are
    /// computed from the leaves; a store that keeps them reads them.
    ///
    /// # Errors
    /// On a storage failure, or if the range is beyond the log.
    fn leaf_hashes(&self, from: u64, to: u64) -> Result<Vec<Hash>, StoreError> {
        let mut out = Vec::with_capacity(to.saturating_sub(from) as usize);
        let mut at = from;
        while at < to {
            let upto = (at + load::REPLAY_CHUNK).min(to);
            out.extend(self.leaves(at, upto)?.iter().map(|leaf| leaf_hash(leaf)));
            at = upto;
        }
        Ok(out)
    }

    /// The newest snapshot kept, if any.
    ///
    /// # Errors
    /// On a storage failure.
    fn snapshot(&self) -> Result<Option<Snapshot>, StoreError>;

    /// Keeps `snapshot` as the newest, in place of older ones.
    ///
    /// # Errors
    /// On a storage failure; the snapshot kept before stays.
    fn put_snapshot(&self, snapshot: &Snapshot) -> Result<(), StoreError>;
}

/// A submission waiting in a shared queue.
#[derive(Debug, Clone)]
pub struct Queued {
    /// Its id.
    pub id: TxId,
    /// Its COSE_Sign1 bytes, as submitted.
    pub tx: Vec<u8>,
    /// When a replica took it (Unix seconds): the receipt's `received`.
    pub received: u64,
}

/// What became of a submission, recorded with the batch that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Appended at `index` with leaf time `time`; `receipt` is the signed
    /// `assent-receipt/v1` note.
    Sequenced {
        /// The log index.
        index: u64,
        /// The leaf time.
        time: u64,
        /// The receipt note.
        receipt: String,
    },
    /// Refused by core's validator with this stable code and message.
    Refused {
        /// The refusal's stable code.
        code: String,
        /// Its message.
        message: String,
    },
}

/// The head of a shared log: its size and how many batches decided
/// submissions so far (outcomes are numbered by batch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SharedHead {
    /// Leaves in the log.
    pub size: u64,
    /// Batches recorded.
    pub batch: u64,
}

/// A log that several `assent-ledger serve` processes share (the PostgreSQL
/// store): a durable submission queue, one sequencing lease, and the
/// checkpoints, outcomes and cosignatures every replica follows.
///
/// Correctness does not rest on the lease alone: [`SharedLog::sequence`]
/// commits only if its caller still holds the lease *and* the log is still
/// the length it appended to, in the same database transaction that writes
/// the leaves and marks their submissions decided. A holder that lost the
/// lease can therefore never append, and a submission is decided exactly
/// once.
pub trait SharedLog: Store {
    /// The log's head.
    ///
    /// # Errors
    /// On a storage failure.
    fn head(&self) -> Result<SharedHead, StoreError>;

    /// Queues a submission durably. `false` if a submission with that id was
    /// already queued (it is not queued twice).
    ///
    /// # Errors
    /// On a storage failure.
    fn enqueue(&self, id: &TxId, tx: &[u8], received: u64) -> Result<bool, StoreError>;

    /// Queues a submission refused by batch `batch` again, to be decided
    /// afresh (a transaction refused once may be valid now, as on the
    /// embedded store); `false` if it is not that refusal any more.
    ///
    /// # Errors
    /// On a storage failure.
    fn requeue(&self, id: &TxId, batch: u64, received: u64) -> Result<bool, StoreError>;

    /// The outcome of a submission and the batch that decided it, once
    /// one did.
    ///
    /// # Errors
    /// On a storage failure.
    fn outcome(&self, id: &TxId) -> Result<Option<(u64, Outcome)>, StoreError>;

    /// Outcomes decided by batches `(after, upto]`, with their batch.
    ///
    /// # Errors
    /// On a storage failure.
    fn outcomes(&self, after: u64, upto: u64) -> Result<Vec<(TxId, u64, Outcome)>, StoreError>;

    /// How many submissions are queued and undecided.
    ///
    /// # Errors
    /// On a storage failure.
    fn waiting(&self) -> Result<u64, StoreError>;

    /// Up to `limit` undecided submissions, oldest first.
    ///
    /// # Errors
    /// On a storage failure.
    fn queued(&self, limit: usize) -> Result<Vec<Queued>, StoreError>;

    /// Takes the sequencing lease for `holder` if it is free or expired, or
    /// renews it if `holder` has it; whether `holder` holds it now. The
    /// lease's clock is the database's, so replicas' clocks may differ.
    ///
    /// # Errors
    /// On a storage failure.
    fn lease(&self, holder: &str, ttl: Duration) -> Result<bool, StoreError>;

    /// Gives the lease up, if `holder` has it.
    ///
    /// # Errors
    /// On a storage failure.
    fn release(&self, holder: &str) -> Result<(), StoreError>;

    /// Appends `leaves` at `at` with the new checkpoint body and records
    /// every outcome of the batch, in one transaction fenced by the lease
    /// (which `holder` must still have; it is extended by `ttl`); returns
    /// the batch's number.
    ///
    /// # Errors
    /// [`StoreError::LeaseLost`] or [`StoreError::NotAtEnd`] (nothing was
    /// written); on a storage failure nothing was written.
    fn sequence(
        &self,
        holder: &str,
        ttl: Duration,
        at: u64,
        leaves: &[Vec<u8>],
        checkpoint: &[u8],
        outcomes: &[(TxId, Outcome)],
    ) -> Result<u64, StoreError>;

    /// Checkpoint bodies of sizes above `after`, smallest first.
    ///
    /// # Errors
    /// On a storage failure.
    fn checkpoints_after(&self, after: u64) -> Result<Vec<(u64, Vec<u8>)>, StoreError>;

    /// Keeps a verified cosignature line for the checkpoint of `size`,
    /// replacing the line stored for that validator before.
    ///
    /// # Errors
    /// On a storage failure.
    fn put_cosignature(&self, size: u64, validator: &str, line: &str) -> Result<(), StoreError>;

    /// Cosignature lines for checkpoints of size `from` and above.
    ///
    /// # Errors
    /// On a storage failure.
    fn cosignatures_from(&self, from: u64) -> Result<Vec<(u64, String)>, StoreError>;
}

/// Checks that `rows` are leaves `[from, to)`, each index once and in
/// order, and returns their bytes (both stores read ranges so).
fn contiguous(
    from: u64,
    to: u64,
    rows: impl IntoIterator<Item = Result<(u64, Vec<u8>), StoreError>>,
) -> Result<Vec<Vec<u8>>, StoreError> {
    let mut out = Vec::with_capacity(to.saturating_sub(from) as usize);
    for (expected, row) in (from..).zip(rows) {
        let (index, leaf) = row?;
        if index != expected {
            return Err(StoreError::Damaged(format!("leaf {expected} is missing")));
        }
        out.push(leaf);
    }
    if out.len() as u64 != to.saturating_sub(from) {
        return Err(StoreError::Damaged(format!(
            "leaves {from}..{to} asked, {} found",
            out.len()
        )));
    }
    Ok(out)
}
