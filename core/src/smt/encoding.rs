//! The compact byte form of a [`MapProof`].
//!
//! ```text
//! terminal   1 byte     0x00 empty, 0x01 leaf
//! depth      2 bytes    big-endian, the number of siblings, ≤ 256
//! bitmap     ⌈depth/8⌉  bit i (most significant first) set when sibling i
//!                       is not empty; the unused low bits zero
//! siblings   32 bytes   each non-empty sibling, from the root down
//! leaf       64 bytes   key ‖ value hash, for a leaf terminal only
//! ```
//!
//! Most siblings near the bottom of a path are non-empty, but many near a
//! long shared prefix are empty, and those cost one bit. Decoding is strict:
//! each proof has one encoding, so a present sibling may not be all zeros
//! and nothing may follow the proof.

use super::proof::{MapProof, Terminal};
use super::{MapKey, ValueHash, EMPTY, MAX_DEPTH};

const TAG_EMPTY: u8 = 0x00;
const TAG_LEAF: u8 = 0x01;

/// Why bytes are not a map proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofDecodeError {
    /// The bytes end inside the proof.
    #[error("the proof is truncated")]
    Truncated,
    /// Bytes follow the proof.
    #[error("{0} bytes follow the proof")]
    TrailingBytes(usize),
    /// The terminal tag is neither empty (0) nor leaf (1).
    #[error("unknown terminal tag {0:#04x}")]
    UnknownTerminal(u8),
    /// The depth is above 256.
    #[error("the proof is {0} levels deep, more than 256")]
    TooDeep(usize),
    /// The bitmap's unused bits are not zero.
    #[error("the sibling bitmap's padding bits are not zero")]
    NonZeroPadding,
    /// A sibling marked non-empty is all zeros (the empty hash).
    #[error("sibling {0} is marked non-empty but is empty")]
    EmptySibling(usize),
}

impl MapProof {
    /// The proof's compact byte form (see the module's layout).
    pub fn to_bytes(&self) -> Vec<u8> {
        let siblings = self.siblings();
        let depth = siblings.len();
        let present = siblings.iter().filter(|s| **s != EMPTY).count();
        let mut out = Vec::with_capacity(3 + depth.div_ceil(8) + 32 * present + 64);
        out.push(match self.terminal() {
            Terminal::Empty => TAG_EMPTY,
            Terminal::Leaf { .. } => TAG_LEAF,
        });
        let depth16 = u16::try_from(depth).expect("a proof has at most 256 siblings");
        out.extend_from_slice(&depth16.to_be_bytes());
        let mut bitmap = vec![0u8; depth.div_ceil(8)];
        for (i, sibling) in siblings.iter().enumerate() {
            if *sibling != EMPTY {
                bitmap[i / 8] |= 0x80 >> (i % 8);
            }
        }
        out.extend_from_slice(&bitmap);
        for sibling in siblings.iter().filter(|s| **s != EMPTY) {
            out.extend_from_slice(sibling);
        }
        if let Terminal::Leaf { key, value_hash } = self.terminal() {
            out.extend_from_slice(&key.0);
            out.extend_from_slice(&value_hash.0);
        }
        out
    }

    /// Parses [`to_bytes`](Self::to_bytes)' form, strictly.
    ///
    /// Decoding checks the form only; [`verify`](Self::verify) checks the
    /// proof.
    ///
    /// # Errors
    /// [`ProofDecodeError`] naming the fault.
    pub fn from_bytes(bytes: &[u8]) -> Result<MapProof, ProofDecodeError> {
        let mut r = Reader(bytes);
        let tag = r.take::<1>()?[0];
        if tag != TAG_EMPTY && tag != TAG_LEAF {
            return Err(ProofDecodeError::UnknownTerminal(tag));
        }
        let depth = usize::from(u16::from_be_bytes(r.take()?));
        if depth > MAX_DEPTH {
            return Err(ProofDecodeError::TooDeep(depth));
        }
        let bitmap = r.slice(depth.div_ceil(8))?;
        if depth % 8 != 0 && bitmap[depth / 8] & (0xFF >> (depth % 8)) != 0 {
            return Err(ProofDecodeError::NonZeroPadding);
        }
        let mut siblings = Vec::with_capacity(depth);
        for i in 0..depth {
            if bitmap[i / 8] & (0x80 >> (i % 8)) == 0 {
                siblings.push(EMPTY);
                continue;
            }
            let sibling = r.take::<32>()?;
            if sibling == EMPTY {
                return Err(ProofDecodeError::EmptySibling(i));
            }
            siblings.push(sibling);
        }
        let terminal = if tag == TAG_LEAF {
            Terminal::Leaf {
                key: MapKey(r.take()?),
                value_hash: ValueHash(r.take()?),
            }
        } else {
            Terminal::Empty
        };
        if !r.0.is_empty() {
            return Err(ProofDecodeError::TrailingBytes(r.0.len()));
        }
        Ok(MapProof::new(siblings, terminal))
    }
}

/// The unread rest of the input.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn slice(&mut self, n: usize) -> Result<&'a [u8], ProofDecodeError> {
        if self.0.len() < n {
            return Err(ProofDecodeError::Truncated);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], ProofDecodeError> {
        let mut out = [0; N];
        out.copy_from_slice(self.slice(N)?);
        Ok(out)
    }
}
