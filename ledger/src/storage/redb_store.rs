//! The embedded store: one `redb` file in the data directory.

use super::{contiguous, Snapshot, Store, StoreError};
use redb::{Database, ReadableDatabase, ReadableTableMetadata, TableDefinition};
use std::path::Path;

const LEAVES: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("leaves");
const META: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("meta");
const CHECKPOINT: &str = "checkpoint";
/// The newest snapshot: its size (8 bytes, big-endian), checkpoint and state.
const SNAPSHOT_SIZE: &str = "snapshot.size";
const SNAPSHOT_CHECKPOINT: &str = "snapshot.checkpoint";
const SNAPSHOT_STATE: &str = "snapshot.state";

/// A log in one redb file. Commits are `Durability::Immediate`: durable on
/// disk when [`Store::append`] returns.
pub struct RedbStore {
    db: Database,
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl RedbStore {
    /// Opens (or creates) `ledger.redb` in `dir`.
    ///
    /// # Errors
    /// If the file cannot be opened or is not a redb database.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(backend)?;
        let db = Database::create(dir.join("ledger.redb")).map_err(backend)?;
        let txn = db.begin_write().map_err(backend)?;
        txn.open_table(LEAVES).map_err(backend)?;
        txn.open_table(META).map_err(backend)?;
        txn.commit().map_err(backend)?;
        Ok(RedbStore { db })
    }
}

impl Store for RedbStore {
    fn len(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read().map_err(backend)?;
        txn.open_table(LEAVES)
            .map_err(backend)?
            .len()
            .map_err(backend)
    }

    fn leaves(&self, from: u64, to: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        let txn = self.db.begin_read().map_err(backend)?;
        let table = txn.open_table(LEAVES).map_err(backend)?;
        let rows = table.range(from..to).map_err(backend)?.map(|row| {
            let (k, v) = row.map_err(backend)?;
            Ok((k.value(), v.value().to_vec()))
        });
        contiguous(from, to, rows)
    }

    fn leaf(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db.begin_read().map_err(backend)?;
        let table = txn.open_table(LEAVES).map_err(backend)?;
        Ok(table
            .get(index)
            .map_err(backend)?
            .map(|v| v.value().to_vec()))
    }

    fn checkpoint(&self) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db.begin_read().map_err(backend)?;
        let table = txn.open_table(META).map_err(backend)?;
        Ok(table
            .get(CHECKPOINT)
            .map_err(backend)?
            .map(|v| v.value().to_vec()))
    }

    fn append(&self, at: u64, leaves: &[Vec<u8>], checkpoint: &[u8]) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(backend)?;
        {
            let mut table = txn.open_table(LEAVES).map_err(backend)?;
            let len = table.len().map_err(backend)?;
            if len != at {
                return Err(StoreError::NotAtEnd { at, len });
            }
            for (index, leaf) in (at..).zip(leaves) {
                table.insert(index, leaf.as_slice()).map_err(backend)?;
            }
            let mut meta = txn.open_table(META).map_err(backend)?;
            meta.insert(CHECKPOINT, checkpoint).map_err(backend)?;
        }
        txn.commit().map_err(backend)
    }

    fn snapshot(&self) -> Result<Option<Snapshot>, StoreError> {
        let txn = self.db.begin_read().map_err(backend)?;
        let table = txn.open_table(META).map_err(backend)?;
        let get = |key| -> Result<Option<Vec<u8>>, StoreError> {
            Ok(table.get(key).map_err(backend)?.map(|v| v.value().to_vec()))
        };
        let (Some(size), Some(checkpoint), Some(state)) = (
            get(SNAPSHOT_SIZE)?,
            get(SNAPSHOT_CHECKPOINT)?,
            get(SNAPSHOT_STATE)?,
        ) else {
            return Ok(None);
        };
        let size = <[u8; 8]>::try_from(size.as_slice())
            .map_err(|_| StoreError::Damaged("the snapshot's size is not 8 bytes".into()))?;
        Ok(Some(Snapshot {
            size: u64::from_be_bytes(size),
            checkpoint,
            state,
        }))
    }

    fn put_snapshot(&self, snapshot: &Snapshot) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(backend)?;
        {
            let mut meta = txn.open_table(META).map_err(backend)?;
            let size = snapshot.size.to_be_bytes();
            meta.insert(SNAPSHOT_SIZE, size.as_slice())
                .map_err(backend)?;
            meta.insert(SNAPSHOT_CHECKPOINT, snapshot.checkpoint.as_slice())
                .map_err(backend)?;
            meta.insert(SNAPSHOT_STATE, snapshot.state.as_slice())
                .map_err(backend)?;
        }
        txn.commit().map_err(backend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_survive_reopening_and_must_be_at_the_end() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = RedbStore::open(dir.path()).unwrap();
            assert_eq!(store.len().unwrap(), 0);
            assert_eq!(store.checkpoint().unwrap(), None);
            store
                .append(0, &[b"a".to_vec(), b"b".to_vec()], b"cp2")
                .unwrap();
            assert!(matches!(
                store.append(1, &[b"x".to_vec()], b"bad"),
                Err(StoreError::NotAtEnd { at: 1, len: 2 })
            ));
        }
        let store = RedbStore::open(dir.path()).unwrap();
        assert_eq!(store.len().unwrap(), 2);
        assert_eq!(
            store.leaves(0, 2).unwrap(),
            vec![b"a".to_vec(), b"b".to_vec()]
        );
        assert_eq!(store.leaf(1).unwrap().unwrap(), b"b");
        assert_eq!(store.leaf(2).unwrap(), None);
        assert_eq!(store.checkpoint().unwrap().unwrap(), b"cp2");
        assert!(store.leaves(1, 3).is_err());
        assert_eq!(
            store.leaf_hashes(0, 2).unwrap(),
            vec![
                assent_core::merkle::leaf_hash(b"a"),
                assent_core::merkle::leaf_hash(b"b")
            ]
        );
        assert_eq!(store.snapshot().unwrap(), None);
        let snapshot = Snapshot {
            size: 2,
            checkpoint: b"cp2".to_vec(),
            state: b"state".to_vec(),
        };
        store.put_snapshot(&snapshot).unwrap();
        drop(store);
        let store = RedbStore::open(dir.path()).unwrap();
        assert_eq!(store.snapshot().unwrap(), Some(snapshot));
    }
}
