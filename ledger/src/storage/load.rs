//! Loading a node's replica from its store: from the newest snapshot that
//! restores to its own checkpoint, then the leaves after it, replayed with
//! core. A snapshot that does not restore is passed over with a warning and
//! the whole log is replayed: the leaves are the record, a snapshot only
//! saves time.

use super::{Store, StoreError};
use assent_core::replica::{ReplayError, Replica};
use assent_core::state::Genesis;

/// Leaves read per step when replaying a store.
pub(super) const REPLAY_CHUNK: u64 = 4096;

/// A replica's state at one checkpoint, as a store keeps it.
#[derive(Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The log size it is at.
    pub size: u64,
    /// The checkpoint body of that size, which the restored replica must
    /// reproduce.
    pub checkpoint: Vec<u8>,
    /// [`Replica::snapshot`] bytes.
    pub state: Vec<u8>,
}

impl Snapshot {
    /// The snapshot of `replica` as it stands.
    pub fn of(replica: &Replica) -> Self {
        Snapshot {
            size: replica.len(),
            checkpoint: replica.checkpoint().to_text().into_bytes(),
            state: replica.snapshot(),
        }
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("size", &self.size)
            .field("state_bytes", &self.state.len())
            .finish_non_exhaustive()
    }
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

/// A replica loaded from a store.
#[derive(Debug)]
pub struct Loaded {
    /// The replica.
    pub replica: Replica,
    /// The size of the snapshot it started from (None: the whole log was
    /// replayed).
    pub snapshot: Option<u64>,
}

/// The replica of `genesis` at the first `len` stored leaves, which must
/// reproduce `expected` (the stored checkpoint body of size `len`; None for
/// an empty log): restored from the newest usable snapshot and the entries
/// after it replayed with core, a chunk at a time; or, if there is no such
/// snapshot or what follows it does not replay on it or reach `expected`,
/// every entry replayed (the sequencer and validators both start so).
///
/// # Errors
/// [`LoadError`]; [`StoreError::Damaged`] if even the full replay does not
/// reach `expected`.
pub fn load_replica(
    store: &dyn Store,
    genesis: Genesis,
    len: u64,
    expected: Option<&[u8]>,
) -> Result<Loaded, LoadError> {
    let reaches = |replica: &Replica| {
        expected.is_none_or(|body| replica.checkpoint().to_text().as_bytes() == body)
    };
    if let Some(mut replica) = restore(store, &genesis, len) {
        let size = replica.len();
        match replay_to(store, &mut replica, len) {
            Ok(()) if reaches(&replica) => {
                return Ok(Loaded {
                    replica,
                    snapshot: Some(size),
                })
            }
            Ok(()) => tracing::warn!(
                "the snapshot at {size} does not lead to the stored checkpoint; \
                 replaying the whole log"
            ),
            Err(LoadError::Replay(e)) => tracing::warn!(
                "the entries after the snapshot at {size} do not replay on it ({e}); \
                 replaying the whole log"
            ),
            Err(e) => return Err(e),
        }
    }
    let mut replica = Replica::new(genesis);
    replay_to(store, &mut replica, len)?;
    if !reaches(&replica) {
        return Err(
            StoreError::Damaged("the stored checkpoint is not the replayed log's".into()).into(),
        );
    }
    Ok(Loaded {
        replica,
        snapshot: None,
    })
}

/// The replica restored from the store's snapshot, if there is one at or
/// below `len` that restores to its checkpoint.
fn restore(store: &dyn Store, genesis: &Genesis, len: u64) -> Option<Replica> {
    let snapshot = match store.snapshot() {
        Ok(Some(snapshot)) if snapshot.size <= len => snapshot,
        Ok(_) => return None,
        Err(e) => {
            tracing::warn!("reading the snapshot failed ({e}); replaying the whole log");
            return None;
        }
    };
    let size = snapshot.size;
    let restored = store
        .leaf_hashes(0, size)
        .map_err(|e| e.to_string())
        .and_then(|hashes| {
            Replica::restore(genesis.clone(), &snapshot.state, hashes).map_err(|e| e.to_string())
        })
        .and_then(|replica| {
            if replica.checkpoint().to_text().as_bytes() == snapshot.checkpoint {
                Ok(replica)
            } else {
                Err("it does not reproduce its checkpoint".into())
            }
        });
    match restored {
        Ok(replica) => {
            tracing::info!("started from the snapshot at {size} of {len} entries");
            Some(replica)
        }
        Err(e) => {
            tracing::warn!("the snapshot at {size} is not usable ({e}); replaying the whole log");
            None
        }
    }
}

/// Replays stored leaves from the replica's length up to `len`.
///
/// # Errors
/// [`LoadError`].
pub fn replay_to(store: &dyn Store, replica: &mut Replica, len: u64) -> Result<(), LoadError> {
    let mut from = replica.len();
    // A start-up replay is worth a progress line; a follower's step is not.
    let long = len.saturating_sub(from) > REPLAY_CHUNK;
    while from < len {
        let to = (from + REPLAY_CHUNK).min(len);
        for leaf in store.leaves(from, to)? {
            replica
                .replay(&leaf)
                .map_err(|e| LoadError::Replay(Box::new(e)))?;
        }
        from = to;
        if long {
            tracing::info!("replayed {to} of {len} entries");
        }
    }
    Ok(())
}
