//! Following the whole log, as a monitor or auditor does (DESIGN §4,
//! "Standard read path"): fetch the newest quorum-cosigned checkpoint, read
//! the leaves it adds through the C2SP entry bundles, hash them into the
//! tree and take them only if the tree's root is the checkpoint's. A smaller
//! checkpoint than one already followed, or leaves that do not hash to the
//! root, are refused and change nothing.

use super::{ClientError, LedgerClient};
use crate::merkle::leaf_hash;
use crate::merkle::tree::Tree;
use crate::replica::{Leaf, LeafError};

/// Why a step of following the log failed. Nothing was taken.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    /// The ledger could not be asked, or its checkpoint does not verify.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The cosigned checkpoint is smaller than one followed before: the
    /// ledger rolled back.
    #[error(
        "the ledger's checkpoint of {size} entries is smaller than the {followed} already followed"
    )]
    RolledBack {
        /// The checkpoint's size.
        size: u64,
        /// Entries already followed.
        followed: u64,
    },
    /// The leaves served do not hash to the checkpoint's root.
    #[error("the leaves served for entries {from}..{to} do not hash to the checkpoint's root")]
    WrongLeaves {
        /// The first entry asked for.
        from: u64,
        /// The end of the range.
        to: u64,
    },
    /// A leaf that hashes into the root does not read as a leaf.
    #[error("entry {index}: {reason}")]
    BadLeaf {
        /// Its index.
        index: u64,
        /// Why.
        reason: LeafError,
    },
}

/// The log followed so far: its tree of leaf hashes.
#[derive(Debug, Clone, Default)]
pub struct LogFollower {
    tree: Tree,
}

impl LogFollower {
    /// A follower at the start of the log.
    pub fn new() -> Self {
        LogFollower { tree: Tree::new() }
    }

    /// Entries followed so far.
    pub fn len(&self) -> u64 {
        self.tree.len()
    }

    /// Whether nothing was followed yet.
    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }

    /// Takes `leaves`, the entries from [`Self::len`] on, if with them the
    /// tree's root is `root` at `size`; returns them decoded.
    ///
    /// # Errors
    /// [`FollowError::RolledBack`], [`FollowError::WrongLeaves`] or
    /// [`FollowError::BadLeaf`]; the follower is then unchanged.
    pub fn take(
        &mut self,
        size: u64,
        root: &[u8; 32],
        leaves: &[Vec<u8>],
    ) -> Result<Vec<Leaf>, FollowError> {
        let from = self.tree.len();
        if size < from {
            return Err(FollowError::RolledBack {
                size,
                followed: from,
            });
        }
        if from + leaves.len() as u64 != size {
            return Err(FollowError::WrongLeaves { from, to: size });
        }
        for leaf in leaves {
            self.tree.push(leaf_hash(leaf));
        }
        if self.tree.root().0 != *root {
            self.tree.truncate(from);
            return Err(FollowError::WrongLeaves { from, to: size });
        }
        let decoded = leaves
            .iter()
            .zip(from..)
            .map(|(bytes, index)| {
                Leaf::from_bytes(bytes).map_err(|reason| FollowError::BadLeaf { index, reason })
            })
            .collect::<Result<Vec<_>, _>>();
        if decoded.is_err() {
            self.tree.truncate(from);
        }
        decoded
    }

    /// One step: the newest quorum-cosigned checkpoint and the leaves it
    /// adds, verified (see [`Self::take`]); an empty list when nothing is
    /// new.
    ///
    /// # Errors
    /// [`FollowError`]; nothing is taken then.
    pub async fn step(&mut self, client: &LedgerClient) -> Result<Vec<Leaf>, FollowError> {
        let verified = client.checkpoint().await?;
        let checkpoint = verified.checkpoint();
        let from = self.tree.len();
        if checkpoint.size == from {
            return Ok(Vec::new());
        }
        let leaves = if checkpoint.size > from {
            client.entries(from, checkpoint.size).await?
        } else {
            Vec::new()
        };
        self.take(checkpoint.size, &checkpoint.root, &leaves)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replica::Leaf;

    fn leaf(index: u64) -> Vec<u8> {
        Leaf {
            index,
            time: 1_700_000_000 + index,
            links: Vec::new(),
            tx: vec![0xa0 + index as u8],
        }
        .to_bytes()
    }

    fn root_of(leaves: &[Vec<u8>]) -> [u8; 32] {
        let mut tree = Tree::new();
        for l in leaves {
            tree.push(leaf_hash(l));
        }
        tree.root().0
    }

    #[test]
    fn takes_only_leaves_that_hash_to_the_root_and_never_goes_back() {
        let all: Vec<Vec<u8>> = (0..5).map(leaf).collect();
        let mut f = LogFollower::default();
        assert!(f.is_empty());
        let got = f.take(3, &root_of(&all[..3]), &all[..3]).unwrap();
        assert_eq!(got.iter().map(|l| l.index).collect::<Vec<_>>(), [0, 1, 2]);

        // A tampered leaf: refused, nothing taken.
        let mut tampered = all[3..].to_vec();
        tampered[1] = leaf(9);
        let err = f.take(5, &root_of(&all), &tampered).unwrap_err();
        assert!(matches!(err, FollowError::WrongLeaves { from: 3, to: 5 }));
        assert_eq!(f.len(), 3);
        // Too few leaves for the size: refused.
        assert!(f.take(5, &root_of(&all), &all[3..4]).is_err());
        // A smaller checkpoint: a rollback.
        assert!(matches!(
            f.take(2, &root_of(&all[..2]), &[]),
            Err(FollowError::RolledBack {
                size: 2,
                followed: 3
            })
        ));
        // The honest rest is taken.
        f.take(5, &root_of(&all), &all[3..]).unwrap();
        assert_eq!(f.len(), 5);
    }
}
