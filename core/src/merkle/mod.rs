//! RFC 9162 Merkle trees (§2.1): hashing, and inclusion and consistency
//! proofs — verified here for wallets and clinics, and produced by
//! [`proofs`] for the ledger.
//!
//! Leaf hash `SHA-256(0x00 ‖ leaf)`, node hash `SHA-256(0x01 ‖ left ‖ right)`;
//! RFC 9162 keeps RFC 6962's hashing, so transparency-dev's proof vectors
//! (`../shared/vectors/merkle`) test this code directly.
//!
//! Written here rather than taken from `ct-merkle`: its verifier takes leaf
//! values and hashes them itself, while wallets and the vectors hold leaf
//! hashes, and the ledger needs proofs over stored hashes, not an in-memory
//! tree. The algorithms are RFC 9162 §2.1.3.2 and §2.1.4.2, a few dozen
//! lines, checked against every vector (valid and tampered).

pub mod proofs;
pub mod tile_path;
pub mod tree;

use sha2::{Digest, Sha256};

/// A SHA-256 tree hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash(pub [u8; 32]);

impl std::fmt::Debug for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hash({})", data_encoding::HEXLOWER.encode(&self.0))
    }
}

const LEAF_PREFIX: u8 = 0x00;
const NODE_PREFIX: u8 = 0x01;

/// `SHA-256(0x00 ‖ leaf)`.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    Hash(
        Sha256::new()
            .chain_update([LEAF_PREFIX])
            .chain_update(leaf)
            .finalize()
            .into(),
    )
}

/// `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Hash(
        Sha256::new()
            .chain_update([NODE_PREFIX])
            .chain_update(left.0)
            .chain_update(right.0)
            .finalize()
            .into(),
    )
}

/// The root of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

/// Why an inclusion proof was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InclusionError {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// The index.
        index: u64,
        /// The size.
        size: u64,
    },
    /// Too many or too few proof hashes for that index and size.
    #[error("the proof has the wrong length for leaf {index} of {size}")]
    WrongLength {
        /// The index.
        index: u64,
        /// The size.
        size: u64,
    },
    /// The proof leads to another root.
    #[error("the proof does not lead to the expected root")]
    RootMismatch,
}

/// Why a consistency proof was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConsistencyError {
    /// The new tree is smaller than the old one (a rollback).
    #[error("the second tree ({second}) is smaller than the first ({first})")]
    Shrunk {
        /// Old size.
        first: u64,
        /// New size.
        second: u64,
    },
    /// A proof from the empty tree, which proves nothing (refused, as
    /// transparency-dev's verifier does).
    #[error("a consistency proof from the empty tree proves nothing")]
    EmptyFirst,
    /// Too many or too few proof hashes for the two sizes.
    #[error("the proof has the wrong length for sizes {first} and {second}")]
    WrongLength {
        /// Old size.
        first: u64,
        /// New size.
        second: u64,
    },
    /// The proof does not lead to the old root, the new root, or both.
    #[error("the proof does not connect the two roots")]
    RootMismatch,
}

/// Computes the root that an inclusion proof leads to (RFC 9162 §2.1.3.2).
///
/// # Errors
/// [`InclusionError::IndexOutOfRange`] or [`InclusionError::WrongLength`].
pub fn root_from_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
) -> Result<Hash, InclusionError> {
    if index >= size {
        return Err(InclusionError::IndexOutOfRange { index, size });
    }
    let (mut fnode, mut snode, mut r) = (index, size - 1, *leaf);
    for p in proof {
        if snode == 0 {
            return Err(InclusionError::WrongLength { index, size });
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(InclusionError::WrongLength { index, size });
    }
    Ok(r)
}

/// Checks that leaf `index` with hash `leaf` is in the tree of `size` with `root`.
///
/// # Errors
/// As [`root_from_inclusion`], or [`InclusionError::RootMismatch`].
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), InclusionError> {
    if root_from_inclusion(index, size, leaf, proof)? == *root {
        Ok(())
    } else {
        Err(InclusionError::RootMismatch)
    }
}

/// Checks that the tree of `first` leaves with `first_root` is a prefix of
/// the tree of `second` leaves with `second_root` (RFC 9162 §2.1.4.2).
///
/// # Errors
/// [`ConsistencyError`] naming the fault.
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> Result<(), ConsistencyError> {
    let wrong_length = ConsistencyError::WrongLength { first, second };
    if second < first {
        return Err(ConsistencyError::Shrunk { first, second });
    }
    if first == 0 {
        return Err(ConsistencyError::EmptyFirst);
    }
    if first == second {
        if !proof.is_empty() {
            return Err(wrong_length);
        }
        return if first_root == second_root {
            Ok(())
        } else {
            Err(ConsistencyError::RootMismatch)
        };
    }
    if proof.is_empty() {
        return Err(wrong_length);
    }
    // A first tree that is a complete subtree is not repeated in the proof.
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let (mut fnode, mut snode) = (first - 1, second - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if snode == 0 {
            return Err(wrong_length);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(wrong_length);
    }
    if fr == *first_root && sr == *second_root {
        Ok(())
    } else {
        Err(ConsistencyError::RootMismatch)
    }
}

#[cfg(test)]
mod tests;
