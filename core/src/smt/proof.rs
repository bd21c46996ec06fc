//! [`MapProof`]: a key's value, or its absence, under a map's root.
//!
//! A proof follows the key's path from the root down to where the path
//! ends, a node holding at most one key: the [`Terminal`]. It carries the
//! hash of the other child at each level (the siblings, top down) and the
//! terminal; the verifier rehashes upwards and compares with the root.
//!
//! Proofs are canonical: each `(root, key)` has exactly one that verifies.
//! Beyond the root comparison (which already binds everything, SHA-256
//! being collision resistant), the verifier refuses shapes the ledger never
//! produces, so a forged proof fails early and plainly:
//!
//! - a terminal leaf must lie on the key's path: its key shares the
//!   queried key's first `depth` bits ([`MapProofError::LeafOffPath`]);
//! - the last sibling is never [`EMPTY`]: the parent of the terminal holds
//!   two or more keys, so the other child holds at least one, and a lone
//!   leaf beside an empty subtree would have been hoisted
//!   ([`MapProofError::NonCanonical`]); likewise an empty terminal at depth
//!   256, whose sibling could hold one key at most;
//! - at most 256 siblings ([`MapProofError::TooDeep`]).

use super::{leaf_hash, node_hash, MapKey, ValueHash, EMPTY, MAX_DEPTH};

/// Where a key's path ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terminal {
    /// An empty subtree: the key is absent.
    Empty,
    /// A subtree holding one key: the queried key (present with this value
    /// hash) or another one with the same path so far (the queried key is
    /// absent).
    Leaf {
        /// The key of the leaf.
        key: MapKey,
        /// Its value hash.
        value_hash: ValueHash,
    },
}

/// A proof of a key's value, or of its absence, in a [`SparseMap`] with a
/// given root.
///
/// Made by [`SparseMap::prove`], carried as [`to_bytes`](Self::to_bytes),
/// checked with [`verify`](Self::verify) or [`lookup`](Self::lookup).
///
/// [`SparseMap`]: super::SparseMap
/// [`SparseMap::prove`]: super::SparseMap::prove
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapProof {
    /// The sibling at each depth, from the root down; [`EMPTY`] for an empty
    /// one. At most [`MAX_DEPTH`].
    pub(super) siblings: Vec<[u8; 32]>,
    pub(super) terminal: Terminal,
}

/// Why a map proof was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MapProofError {
    /// More siblings than key bits.
    #[error("the proof is {depth} levels deep, more than 256")]
    TooDeep {
        /// The number of siblings.
        depth: usize,
    },
    /// A shape the canonical tree never has: an empty last sibling, or an
    /// empty terminal at depth 256.
    #[error("the proof is not canonical: its terminal would have been hoisted")]
    NonCanonical,
    /// The terminal leaf's key is not on the queried key's path.
    #[error("the proof's leaf is not on the key's path")]
    LeafOffPath,
    /// The proof leads to another root.
    #[error("the proof does not lead to the expected root")]
    RootMismatch,
    /// A valid proof that the key is absent, where its presence was expected.
    #[error("the key is not in the map")]
    KeyAbsent,
    /// A valid proof that the key is present, where its absence was expected.
    #[error("the key is in the map (value hash {value})")]
    KeyPresent {
        /// The value hash the map holds.
        value: ValueHash,
    },
    /// A valid proof that the key holds another value than the one expected.
    #[error("the key holds another value (value hash {found})")]
    ValueMismatch {
        /// The value hash the map holds.
        found: ValueHash,
    },
}

impl MapProof {
    pub(super) fn new(siblings: Vec<[u8; 32]>, terminal: Terminal) -> MapProof {
        debug_assert!(siblings.len() <= MAX_DEPTH);
        MapProof { siblings, terminal }
    }

    /// The sibling hashes from the root down ([`EMPTY`] for empty ones).
    pub fn siblings(&self) -> &[[u8; 32]] {
        &self.siblings
    }

    /// Where the key's path ends.
    pub fn terminal(&self) -> &Terminal {
        &self.terminal
    }

    /// How deep the key's path goes: the number of siblings.
    pub fn depth(&self) -> usize {
        self.siblings.len()
    }

    /// Checks the proof against `root` for `key` and says what it proves:
    /// `Some(value hash)` if the key is in the map, `None` if it is not.
    ///
    /// # Errors
    /// [`MapProofError::TooDeep`], [`MapProofError::NonCanonical`] or
    /// [`MapProofError::LeafOffPath`] for a malformed proof,
    /// [`MapProofError::RootMismatch`] for one under another root.
    pub fn lookup(&self, root: [u8; 32], key: &MapKey) -> Result<Option<ValueHash>, MapProofError> {
        let depth = self.siblings.len();
        if depth > MAX_DEPTH {
            return Err(MapProofError::TooDeep { depth });
        }
        if self.siblings.last() == Some(&EMPTY)
            || (depth == MAX_DEPTH && self.terminal == Terminal::Empty)
        {
            return Err(MapProofError::NonCanonical);
        }
        let (mut hash, found) = match &self.terminal {
            Terminal::Empty => (EMPTY, None),
            Terminal::Leaf {
                key: leaf,
                value_hash,
            } => {
                if !leaf.shares_prefix(key, depth) {
                    return Err(MapProofError::LeafOffPath);
                }
                (
                    leaf_hash(leaf, value_hash),
                    (leaf == key).then_some(*value_hash),
                )
            }
        };
        for (index, sibling) in self.siblings.iter().enumerate().rev() {
            hash = if key.bit(index) {
                node_hash(sibling, &hash)
            } else {
                node_hash(&hash, sibling)
            };
        }
        if hash != root {
            return Err(MapProofError::RootMismatch);
        }
        Ok(found)
    }

    /// Checks that the map with `root` holds `expected` for `key`: the value
    /// hash `Some(v)` (presence), or `None` (absence).
    ///
    /// # Errors
    /// As [`lookup`](Self::lookup); then, for a valid proof of something
    /// else, [`MapProofError::KeyAbsent`], [`MapProofError::KeyPresent`] or
    /// [`MapProofError::ValueMismatch`].
    pub fn verify(
        &self,
        root: [u8; 32],
        key: &MapKey,
        expected: Option<ValueHash>,
    ) -> Result<(), MapProofError> {
        match (self.lookup(root, key)?, expected) {
            (None, None) => Ok(()),
            (Some(found), Some(expected)) if found == expected => Ok(()),
            (Some(found), Some(_)) => Err(MapProofError::ValueMismatch { found }),
            (Some(value), None) => Err(MapProofError::KeyPresent { value }),
            (None, Some(_)) => Err(MapProofError::KeyAbsent),
        }
    }
}
