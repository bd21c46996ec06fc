//! What the PostgreSQL store keeps beside the log so a replica starts fast:
//! the leaves' hashes as C2SP `tlog-tiles` level-0 tiles (tile `N` is the
//! 32-byte hashes of leaves `256·N …`, the newest one partial), written in
//! the same transaction as the leaves; and the newest replica snapshot,
//! joined on read with the stored checkpoint of its size.

use super::{backend, insert_indexed, int, read_leaves, uint, PgStore};
use crate::storage::{Snapshot, Store, StoreError};
use assent_core::merkle::tree::TILE_WIDTH;
use assent_core::merkle::{leaf_hash, Hash};

/// Leaves per tile (`tlog-tiles`' full width).
const TILE: u64 = TILE_WIDTH;
/// Tiles read per query when loading leaf hashes.
const TILES_PER_READ: u64 = 1024;

/// Rewrites the tiles that leaves `at…` fall in (inside the caller's
/// transaction, after the head moved from `at`).
pub(super) async fn write_tiles(
    txn: &deadpool_postgres::Transaction<'_>,
    at: u64,
    leaves: &[Vec<u8>],
) -> Result<(), StoreError> {
    if leaves.is_empty() {
        return Ok(());
    }
    let first = at / TILE;
    let start = first * TILE;
    let mut hashes = Vec::with_capacity(32 * (at - start) as usize + 32 * leaves.len());
    if at > start {
        let prior: Option<Vec<u8>> = txn
            .query_opt(
                "SELECT hashes FROM assent_tiles WHERE idx = $1",
                &[&int(first)?],
            )
            .await
            .map_err(backend)?
            .map(|row| row.get(0));
        match prior {
            Some(prior) if prior.len() as u64 == 32 * (at - start) => hashes = prior,
            // A log written before tiles were kept: hash its leaves once.
            _ => {
                for leaf in &read_leaves(txn, start, at).await? {
                    hashes.extend_from_slice(&leaf_hash(leaf).0);
                }
            }
        }
    }
    for leaf in leaves {
        hashes.extend_from_slice(&leaf_hash(leaf).0);
    }
    txn.execute("DELETE FROM assent_tiles WHERE idx >= $1", &[&int(first)?])
        .await
        .map_err(backend)?;
    let tiles: Vec<&[u8]> = hashes.chunks(32 * TILE as usize).collect();
    insert_indexed(txn, "assent_tiles (idx, hashes)", first, &tiles).await?;
    Ok(())
}

impl PgStore {
    /// Leaf hashes `[from, to)` from the tiles; a tile missing or shorter
    /// than it should be (a log written before tiles were kept) is made up
    /// by hashing its leaves, and kept if it is a full tile.
    pub(super) fn tile_hashes(&self, from: u64, to: u64) -> Result<Vec<Hash>, StoreError> {
        if from > to {
            return Err(StoreError::Backend(format!(
                "leaf hashes {from}..{to} asked"
            )));
        }
        let mut out = Vec::with_capacity(to.saturating_sub(from) as usize);
        let mut tile = from / TILE;
        while tile * TILE < to {
            let upto = (tile + TILES_PER_READ).min(to.div_ceil(TILE));
            let rows = self.rows(
                "SELECT idx, hashes FROM assent_tiles WHERE idx >= $1 AND idx < $2 ORDER BY idx",
                &[&int(tile)?, &int(upto)?],
            )?;
            let mut rows = rows.iter().peekable();
            for n in tile..upto {
                let (lo, hi) = ((n * TILE).max(from), ((n + 1) * TILE).min(to));
                let stored: Option<Vec<u8>> = match rows.peek() {
                    Some(row) if uint(row.get(0))? == n => rows.next().map(|row| row.get(1)),
                    _ => None,
                };
                let (a, b) = (32 * (lo - n * TILE) as usize, 32 * (hi - n * TILE) as usize);
                match stored {
                    Some(hashes) if hashes.len() >= b => out.extend(
                        hashes[a..b]
                            .chunks_exact(32)
                            .map(|h| Hash(h.try_into().expect("32-byte chunks"))),
                    ),
                    _ => {
                        let hashes: Vec<Hash> = self
                            .leaves(lo, hi)?
                            .iter()
                            .map(|leaf| leaf_hash(leaf))
                            .collect();
                        if (lo, hi) == (n * TILE, (n + 1) * TILE) {
                            self.keep_tile(n, &hashes)?;
                        }
                        out.extend(hashes);
                    }
                }
            }
            tile = upto;
        }
        Ok(out)
    }

    /// Stores full tile `n` made up from its leaves (a log written before
    /// tiles were kept), unless another process stored it first.
    fn keep_tile(&self, n: u64, hashes: &[Hash]) -> Result<(), StoreError> {
        let bytes: Vec<u8> = hashes.iter().flat_map(|h| h.0).collect();
        self.write(
            "INSERT INTO assent_tiles (idx, hashes) VALUES ($1, $2)",
            &[&int(n)?, &bytes],
        )?;
        Ok(())
    }

    /// The newest stored snapshot whose checkpoint is the log's at its size.
    pub(super) fn newest_snapshot(&self) -> Result<Option<Snapshot>, StoreError> {
        let rows = self.rows(
            "SELECT s.size, s.checkpoint, s.state FROM assent_snapshots s \
             JOIN assent_checkpoints c ON c.size = s.size AND c.body = s.checkpoint \
             ORDER BY s.size DESC LIMIT 1",
            &[],
        )?;
        rows.first()
            .map(|row| {
                Ok(Snapshot {
                    size: uint(row.get(0))?,
                    checkpoint: row.get(1),
                    state: row.get(2),
                })
            })
            .transpose()
    }

    /// Keeps `snapshot` unless a newer one is kept, and drops older ones.
    pub(super) fn keep_snapshot(&self, snapshot: &Snapshot) -> Result<(), StoreError> {
        let size = int(snapshot.size)?;
        self.retrying(|| {
            self.run(async {
                let mut client = self.client().await?;
                let txn = client.transaction().await.map_err(backend)?;
                txn.execute("DELETE FROM assent_snapshots WHERE size = $1", &[&size])
                    .await
                    .map_err(backend)?;
                txn.execute(
                    "INSERT INTO assent_snapshots (size, checkpoint, state) VALUES ($1, $2, $3)",
                    &[&size, &snapshot.checkpoint, &snapshot.state],
                )
                .await
                .map_err(backend)?;
                txn.execute(
                    "DELETE FROM assent_snapshots WHERE size < \
                 (SELECT MAX(size) FROM assent_snapshots)",
                    &[],
                )
                .await
                .map_err(backend)?;
                txn.commit().await.map_err(backend)
            })
        })
    }
}
