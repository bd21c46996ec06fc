//! Snapshots of the replica, taken every so many entries by the process
//! that sequences and written on a thread of their own, so the next start
//! replays only the entries after the newest one (`storage::load`).

use crate::storage::{Snapshot, Store};
use assent_core::replica::Replica;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// When to snapshot, and whether one is being written.
pub(super) struct Snapshots {
    /// Entries between snapshots (0: never).
    every: u64,
    /// The size of the newest snapshot taken or kept.
    last: AtomicU64,
    /// A snapshot is being written.
    writing: Arc<AtomicBool>,
}

impl Snapshots {
    /// Snapshots every `every` entries, the newest kept being at `last`.
    pub(super) fn new(every: u64, last: u64) -> Self {
        Snapshots {
            every,
            last: AtomicU64::new(last),
            writing: Arc::new(AtomicBool::new(false)),
        }
    }

    /// After a batch: once `every` entries have passed since the last
    /// snapshot and none is being written, copies the replica (a memory copy,
    /// far shorter than encoding it, so the caller's lock stays short) and
    /// writes the copy's snapshot to `store` in the background.
    pub(super) fn after_batch(&self, store: &Arc<dyn Store>, replica: &Replica) {
        let size = replica.len();
        if self.every == 0 || size < self.last.load(Ordering::Relaxed).saturating_add(self.every) {
            return;
        }
        if self
            .writing
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return;
        }
        self.last.store(size, Ordering::Relaxed);
        let copy = replica.clone();
        let store = Arc::clone(store);
        let writing = Arc::clone(&self.writing);
        let spawned = std::thread::Builder::new()
            .name("snapshot".into())
            .spawn(move || {
                let snapshot = Snapshot::of(&copy);
                drop(copy);
                match store.put_snapshot(&snapshot) {
                    Ok(()) => tracing::info!(
                        "kept a snapshot at {size} entries ({} bytes)",
                        snapshot.state.len()
                    ),
                    Err(e) => tracing::warn!("keeping a snapshot at {size}: {e}"),
                }
                writing.store(false, Ordering::Release);
            });
        if let Err(e) = spawned {
            tracing::warn!("starting the snapshot thread: {e}");
            self.writing.store(false, Ordering::Release);
        }
    }
}
