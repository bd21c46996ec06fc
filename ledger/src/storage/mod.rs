//! Where a node keeps its log: a small trait so the embedded store and a
//! PostgreSQL store can stand behind the same node (DESIGN §4 "Storage").
//!
//! The log is the leaves in order plus the body of the newest checkpoint.
//! Everything else (the consent state, the trees) is rebuilt from the leaves
//! by replaying them with core on start-up. [`Store::append`] is the one
//! write: a batch of leaves and the checkpoint body of the new size, made
//! durable together before it returns, so a transaction is acknowledged only
//! once it would survive a crash.

mod redb_store;

pub use redb_store::RedbStore;

use assent_core::replica::{ReplayError, Replica};
use assent_core::state::Genesis;

/// Leaves read per step when replaying a store.
const REPLAY_CHUNK: u64 = 4096;

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
}

/// Why a stored log could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored entry does not replay: the data directory is not this
    /// ledger's, or was altered.
    #[error("stored entry does not replay: {0}")]
    Replay(Box<ReplayError>),
}

/// Rebuilds the replica of `genesis` by replaying every stored leaf with
/// core, a chunk at a time (the sequencer and validators both start so).
///
/// # Errors
/// [`LoadError`].
pub fn load_replica(store: &dyn Store, genesis: Genesis) -> Result<Replica, LoadError> {
    let mut replica = Replica::new(genesis);
    let len = store.len()?;
    let mut from = 0;
    while from < len {
        let to = (from + REPLAY_CHUNK).min(len);
        for leaf in store.leaves(from, to)? {
            replica
                .replay(&leaf)
                .map_err(|e| LoadError::Replay(Box::new(e)))?;
        }
        from = to;
        tracing::info!("replayed {to} of {len} entries");
    }
    Ok(replica)
}
