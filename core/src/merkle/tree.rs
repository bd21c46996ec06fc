//! An append-only RFC 9162 tree kept as levels of complete subtrees, so roots
//! and proofs at any size cost O(log n) and C2SP `tlog-tiles` hash tiles are
//! slices of a level.
//!
//! `levels[h][i]` is the hash of the complete subtree of height `h` covering
//! leaves `[i·2^h, (i+1)·2^h)`. Every split RFC 9162 makes on the left is such
//! a subtree, so `MTH` of any range is a handful of lookups. [`super::proofs`]
//! holds the definitions as written; tests check this against them.
//!
//! ```
//! use assent_core::merkle::{leaf_hash, proofs, tree::Tree, verify_inclusion};
//!
//! let leaves: Vec<_> = (0..10u8).map(|i| leaf_hash(&[i])).collect();
//! let mut tree = Tree::new();
//! for leaf in &leaves {
//!     tree.push(*leaf);
//! }
//! assert_eq!(tree.root(), proofs::root(&leaves));
//! let path = tree.inclusion(3, 10).unwrap();
//! assert!(verify_inclusion(3, 10, &leaves[3], &path, &tree.root()).is_ok());
//! ```

use super::{empty_root, node_hash, Hash};

/// Leaves per C2SP tile (`tlog-tiles` height 8).
pub const TILE_WIDTH: u64 = 256;
/// Tree levels per tile level.
pub const TILE_HEIGHT: u32 = 8;

/// Why a root or proof at some size cannot be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    /// The size asked for is beyond the tree.
    #[error("size {asked} is beyond the tree's {size} leaves")]
    BeyondTree {
        /// The size asked for.
        asked: u64,
        /// The tree's size.
        size: u64,
    },
    /// The leaf index is not below the size.
    #[error("leaf {index} is not in a tree of {size} leaves")]
    IndexOutOfRange {
        /// The index.
        index: u64,
        /// The size.
        size: u64,
    },
    /// A consistency proof from a larger tree to a smaller one.
    #[error("no consistency proof from {first} to the smaller {second}")]
    Backwards {
        /// The first size.
        first: u64,
        /// The second size.
        second: u64,
    },
}

/// An append-only Merkle tree over leaf hashes.
#[derive(Debug, Clone)]
pub struct Tree {
    /// Level 0 the leaf hashes; level h the roots of complete subtrees of
    /// 2^h leaves. Never empty.
    levels: Vec<Vec<Hash>>,
}

impl Default for Tree {
    fn default() -> Self {
        Tree::new()
    }
}

impl Tree {
    /// The empty tree.
    pub fn new() -> Self {
        Tree {
            levels: vec![Vec::new()],
        }
    }

    /// The number of leaves.
    pub fn len(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.levels[0].is_empty()
    }

    /// Appends a leaf hash; returns its index.
    pub fn push(&mut self, leaf: Hash) -> u64 {
        let index = self.len();
        self.levels[0].push(leaf);
        let mut h = 0;
        while self.levels[h].len().is_multiple_of(2) {
            let n = self.levels[h].len();
            let parent = node_hash(&self.levels[h][n - 2], &self.levels[h][n - 1]);
            if self.levels.len() == h + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[h + 1].push(parent);
            h += 1;
        }
        index
    }

    /// Drops every leaf from `size` on (nothing if the tree is smaller):
    /// the tree of the first `size` leaves.
    pub fn truncate(&mut self, size: u64) {
        for (h, level) in self.levels.iter_mut().enumerate() {
            level.truncate(usize::try_from(size >> h).unwrap_or(usize::MAX));
        }
    }

    /// The hash of leaf `index`.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.levels[0].get(usize::try_from(index).ok()?).copied()
    }

    /// The root of the whole tree.
    pub fn root(&self) -> Hash {
        self.mth(0, self.len())
    }

    /// The root of the first `size` leaves.
    ///
    /// # Errors
    /// [`TreeError::BeyondTree`] if `size` exceeds the tree.
    pub fn root_at(&self, size: u64) -> Result<Hash, TreeError> {
        self.check_size(size)?;
        Ok(self.mth(0, size))
    }

    /// The inclusion proof of leaf `index` in the tree of the first `size` leaves.
    ///
    /// # Errors
    /// If `size` exceeds the tree or `index` is not below it.
    pub fn inclusion(&self, index: u64, size: u64) -> Result<Vec<Hash>, TreeError> {
        self.check_size(size)?;
        if index >= size {
            return Err(TreeError::IndexOutOfRange { index, size });
        }
        let mut path = Vec::new();
        self.path(index, 0, size, &mut path);
        Ok(path)
    }

    /// The consistency proof from size `first` to size `second`.
    ///
    /// # Errors
    /// If `second` exceeds the tree or `first` exceeds `second`.
    pub fn consistency(&self, first: u64, second: u64) -> Result<Vec<Hash>, TreeError> {
        self.check_size(second)?;
        if first > second {
            return Err(TreeError::Backwards { first, second });
        }
        let mut proof = Vec::new();
        if first > 0 && first < second {
            self.subproof(first, 0, second, true, &mut proof);
        }
        Ok(proof)
    }

    /// The hashes of a `tlog-tiles` hash tile: tile level `level`, index
    /// `index`, the first `width` hashes (1..=256). `None` if the tree does not
    /// have them yet.
    pub fn tile(&self, level: u32, index: u64, width: u64) -> Option<&[Hash]> {
        if width == 0 || width > TILE_WIDTH {
            return None;
        }
        let row = self
            .levels
            .get(usize::try_from(level * TILE_HEIGHT).ok()?)?;
        let start = usize::try_from(index.checked_mul(TILE_WIDTH)?).ok()?;
        let end = start.checked_add(usize::try_from(width).ok()?)?;
        row.get(start..end)
    }

    fn check_size(&self, size: u64) -> Result<(), TreeError> {
        if size > self.len() {
            return Err(TreeError::BeyondTree {
                asked: size,
                size: self.len(),
            });
        }
        Ok(())
    }

    /// `MTH(D[lo:hi])`.
    fn mth(&self, lo: u64, hi: u64) -> Hash {
        let n = hi - lo;
        if n == 0 {
            return empty_root();
        }
        if n.is_power_of_two() && lo.is_multiple_of(n) {
            let h = n.trailing_zeros() as usize;
            return self.levels[h][(lo >> h) as usize];
        }
        let k = split(n);
        node_hash(&self.mth(lo, lo + k), &self.mth(lo + k, hi))
    }

    fn path(&self, index: u64, lo: u64, hi: u64, out: &mut Vec<Hash>) {
        let n = hi - lo;
        if n == 1 {
            return;
        }
        let k = split(n);
        if index < lo + k {
            self.path(index, lo, lo + k, out);
            out.push(self.mth(lo + k, hi));
        } else {
            self.path(index, lo + k, hi, out);
            out.push(self.mth(lo, lo + k));
        }
    }

    fn subproof(&self, m: u64, lo: u64, hi: u64, complete: bool, out: &mut Vec<Hash>) {
        let n = hi - lo;
        if m == n {
            if !complete {
                out.push(self.mth(lo, hi));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, lo, lo + k, complete, out);
            out.push(self.mth(lo + k, hi));
        } else {
            self.subproof(m - k, lo + k, hi, false, out);
            out.push(self.mth(lo, lo + k));
        }
    }
}

/// The largest power of two strictly below `n` (for `n >= 2`).
fn split(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::{leaf_hash, proofs, verify_consistency};

    fn leaves(n: u8) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&[i])).collect()
    }

    #[test]
    fn roots_and_proofs_match_the_definitions() {
        let all = leaves(70);
        let mut tree = Tree::new();
        assert_eq!(tree.root(), empty_root());
        for (i, leaf) in all.iter().enumerate() {
            tree.push(*leaf);
            let n = i + 1;
            assert_eq!(tree.root(), proofs::root(&all[..n]), "root at {n}");
        }
        for n in 1..=70usize {
            assert_eq!(tree.root_at(n as u64).unwrap(), proofs::root(&all[..n]));
            for m in 0..n {
                let path = tree.inclusion(m as u64, n as u64).unwrap();
                assert_eq!(path, proofs::inclusion(m, &all[..n]), "path {m} in {n}");
            }
            for m in 0..=n {
                let proof = tree.consistency(m as u64, n as u64).unwrap();
                assert_eq!(proof, proofs::consistency(m, &all[..n]), "{m} → {n}");
                if m > 0 {
                    let (r1, r2) = (proofs::root(&all[..m]), proofs::root(&all[..n]));
                    assert!(verify_consistency(m as u64, n as u64, &r1, &r2, &proof).is_ok());
                }
            }
        }
    }

    #[test]
    fn out_of_range_requests_are_refused() {
        let mut tree = Tree::new();
        for leaf in leaves(5) {
            tree.push(leaf);
        }
        assert_eq!(
            tree.root_at(6),
            Err(TreeError::BeyondTree { asked: 6, size: 5 })
        );
        assert_eq!(
            tree.inclusion(5, 5),
            Err(TreeError::IndexOutOfRange { index: 5, size: 5 })
        );
        assert_eq!(
            tree.consistency(4, 3),
            Err(TreeError::Backwards {
                first: 4,
                second: 3
            })
        );
    }

    #[test]
    fn tiles_are_level_slices() {
        let mut tree = Tree::new();
        let n = 256 * 3 + 5;
        let all: Vec<Hash> = (0..n as u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        for leaf in &all {
            tree.push(*leaf);
        }
        assert_eq!(tree.tile(0, 1, 256).unwrap(), &all[256..512]);
        assert_eq!(tree.tile(0, 3, 5).unwrap(), &all[768..773]);
        assert!(tree.tile(0, 3, 6).is_none());
        // Level 1 holds the roots of complete 256-leaf subtrees.
        let level1 = tree.tile(1, 0, 3).unwrap();
        assert_eq!(level1[2], proofs::root(&all[512..768]));
        assert!(tree.tile(1, 0, 4).is_none());
        assert!(tree.tile(0, 0, 0).is_none());
    }
}
