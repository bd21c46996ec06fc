//! A sparse Merkle map: 256-bit keys to committed values, with proofs of a
//! key's value or of its absence.
//!
//! The ledger keeps one [`SparseMap`] (persistent: a clone is an O(1)
//! snapshot, so the map of each recent checkpoint stays available for
//! proofs), updates it and puts its root (32 bytes) in every checkpoint; wallets check a [`MapProof`] against
//! that root with [`MapProof::verify`], a pure function.
//!
//! ## The tree
//!
//! A binary tree over the keys' bits, most significant bit first (bit `d`
//! chooses the left (0) or right (1) child at depth `d`), with the "leaf
//! shortcut" of Diem's Jellyfish Merkle tree and akd: a subtree that holds
//! one key is that key's leaf, wherever it sits, so the tree is about
//! `log2(N)` deep rather than 256. For a set `S` of `(key, value hash)`
//! pairs at depth `d`:
//!
//! | `S` | hash |
//! | --- | --- |
//! | empty | [`EMPTY`]: 32 zero bytes |
//! | one pair | [`leaf_hash`]: `SHA-256(0x00 ‖ key ‖ value_hash)` |
//! | two or more | [`node_hash`]: `SHA-256(0x01 ‖ tree(left) ‖ tree(right))` |
//!
//! Each set has exactly one tree, so the root does not depend on the order
//! of updates, and each `(root, key)` has exactly one valid proof.
//!
//! Keys and values come in already hashed: [`MapKey::derive`] turns an id
//! into a key under a domain, and [`ValueHash::of`] commits to a value's
//! encoding. The ledger also keeps the (small) value bytes beside their hash
//! with [`SparseMap::insert_value`], to serve them with proofs.
//!
//! | file | what |
//! | --- | --- |
//! | `map.rs` | [`SparseMap`]: a persistent tree, updated path by path |
//! | `proof.rs` | [`MapProof`] and its verification |
//! | `encoding.rs` | the proof's compact byte form |
//!
//! ## Example
//!
//! ```
//! use assent_core::smt::{MapKey, MapProof, SparseMap, ValueHash};
//!
//! let alice = MapKey::derive("assent/example", b"alice");
//! let bob = MapKey::derive("assent/example", b"bob");
//! let granted = ValueHash::of(b"granted");
//!
//! // The ledger: update, then commit to the root.
//! let mut map = SparseMap::new();
//! map.insert(alice, granted);
//! let root = map.root();
//!
//! // A wallet: Alice's value is in the map, Bob has none.
//! let proof = map.prove(&alice);
//! assert!(proof.verify(root, &alice, Some(granted)).is_ok());
//! let bytes = map.prove(&bob).to_bytes();
//! let absent = MapProof::from_bytes(&bytes).unwrap();
//! assert!(absent.verify(root, &bob, None).is_ok());
//! assert!(absent.verify(root, &bob, Some(granted)).is_err());
//! ```

mod encoding;
mod map;
mod proof;

pub use encoding::ProofDecodeError;
pub use map::SparseMap;
pub use proof::{MapProof, MapProofError, Terminal};

use sha2::{Digest, Sha256};

/// How deep a proof can go: one level per key bit.
pub const MAX_DEPTH: usize = 256;

/// The hash of an empty subtree, and so the root of the empty map: 32 zero
/// bytes.
pub const EMPTY: [u8; 32] = [0; 32];

const LEAF_PREFIX: u8 = 0x00;
const NODE_PREFIX: u8 = 0x01;

fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

/// A key of the map: 256 bits, usually a hash (see [`MapKey::derive`]).
///
/// Keys order as the tree does: byte-wise, most significant bit first.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MapKey(pub [u8; 32]);

impl MapKey {
    /// `SHA-256(domain ‖ 0x00 ‖ id)`: the key of `id` under `domain`.
    ///
    /// The domain separates kinds of ids (say, grants from revocations); it
    /// is a fixed protocol string and must not contain a NUL character.
    pub fn derive(domain: &str, id: &[u8]) -> MapKey {
        MapKey(
            Sha256::new()
                .chain_update(domain.as_bytes())
                .chain_update([0x00])
                .chain_update(id)
                .finalize()
                .into(),
        )
    }

    /// Bit `index` of the key, most significant first (`index < 256`).
    fn bit(&self, index: usize) -> bool {
        self.0[index / 8] & (0x80 >> (index % 8)) != 0
    }

    /// Whether the first `depth` bits of both keys are equal.
    fn shares_prefix(&self, other: &MapKey, depth: usize) -> bool {
        let (whole, rest) = (depth / 8, depth % 8);
        self.0[..whole] == other.0[..whole]
            && (rest == 0 || (self.0[whole] ^ other.0[whole]) & !(0xFF >> rest) == 0)
    }
}

impl std::fmt::Debug for MapKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MapKey({})", hex(&self.0))
    }
}

impl std::fmt::Display for MapKey {
    /// Lower-case hex.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

/// The commitment to a value the map holds: callers hash their value's
/// encoding (see [`ValueHash::of`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValueHash(pub [u8; 32]);

impl ValueHash {
    /// `SHA-256(bytes)`.
    pub fn of(bytes: &[u8]) -> ValueHash {
        ValueHash(Sha256::digest(bytes).into())
    }
}

impl std::fmt::Debug for ValueHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ValueHash({})", hex(&self.0))
    }
}

impl std::fmt::Display for ValueHash {
    /// Lower-case hex.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

/// `SHA-256(0x00 ‖ key ‖ value_hash)`: the hash of a subtree holding one key.
pub fn leaf_hash(key: &MapKey, value_hash: &ValueHash) -> [u8; 32] {
    Sha256::new()
        .chain_update([LEAF_PREFIX])
        .chain_update(key.0)
        .chain_update(value_hash.0)
        .finalize()
        .into()
}

/// `SHA-256(0x01 ‖ left ‖ right)`: the hash of a subtree holding two or more
/// keys, from its children's hashes.
pub fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    Sha256::new()
        .chain_update([NODE_PREFIX])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests;
