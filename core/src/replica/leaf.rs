//! A log leaf: a transaction with the ledger's sequencing metadata
//! (DESIGN §4, PROTOCOL §6).
//!
//! `{0: version, 1: index, 2: time, 3: [link…], 4: transaction}` in canonical
//! CBOR, where a link is `[identity]` for an identity's first entry or
//! `[identity, prev_index, prev_leaf_hash]` after that. The leaf hash is
//! RFC 9162's `SHA-256(0x00 ‖ leaf)`; the same bytes are the entries of the
//! C2SP `tlog-tiles` entry bundles.

use crate::cbor::{self, CborError, MapReader, MapWriter};
use crate::ids::IdentityId;
use crate::keys::PublicKey;
use crate::merkle::{leaf_hash, Hash};
use ciborium::value::Value;

/// The leaf format this code writes and reads.
pub const LEAF_VERSION: u64 = 1;
/// The largest leaf: a transaction of at most 4 KiB plus its links.
pub const MAX_LEAF_SIZE: usize = 8192;
/// No transaction concerns more identities than this: a monitoring alert
/// joins the chain of each patient whose access it flags, at most
/// [`MAX_FLAGGED`](crate::tx::MAX_FLAGGED) (a delegation concerns two).
pub const MAX_LINKS: usize = crate::tx::MAX_FLAGGED;

/// An entry's place in one identity's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainLink {
    /// The identity (its inception key).
    pub identity: IdentityId,
    /// The identity's previous entry: its index and leaf hash.
    pub prev: Option<(u64, Hash)>,
}

/// One log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    /// Its index in the log.
    pub index: u64,
    /// The sequencer's time, whole Unix seconds; never decreases.
    pub time: u64,
    /// One link per identity the entry concerns.
    pub links: Vec<ChainLink>,
    /// The transaction's COSE_Sign1 bytes.
    pub tx: Vec<u8>,
}

/// Why leaf bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeafError {
    /// Larger than any leaf can be.
    #[error("leaf of {0} bytes is larger than {MAX_LEAF_SIZE}")]
    TooLarge(usize),
    /// Not the canonical encoding of a leaf.
    #[error("malformed leaf: {0}")]
    Cbor(#[from] CborError),
    /// A leaf format this code does not know.
    #[error("unknown leaf version {0}")]
    UnknownVersion(u64),
    /// A link names a key that is not a valid public key.
    #[error("a chain link names an invalid key")]
    BadIdentity,
    /// A link is neither `[identity]` nor `[identity, index, hash]`.
    #[error("a chain link has {0} fields")]
    BadLink(usize),
}

impl Leaf {
    /// The canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let links = self
            .links
            .iter()
            .map(|link| {
                let mut fields = vec![Value::Bytes(link.identity.key().to_bytes().to_vec())];
                if let Some((index, hash)) = link.prev {
                    fields.push(cbor::u(index));
                    fields.push(Value::Bytes(hash.0.to_vec()));
                }
                Value::Array(fields)
            })
            .collect();
        let map = MapWriter::new()
            .put(0, cbor::u(LEAF_VERSION))
            .put(1, cbor::u(self.index))
            .put(2, cbor::u(self.time))
            .put(3, Value::Array(links))
            .put(4, Value::Bytes(self.tx.clone()))
            .build();
        cbor::encode(&map)
    }

    /// Decodes canonical leaf bytes. The transaction inside is not opened.
    ///
    /// # Errors
    /// A [`LeafError`] for anything but the one canonical encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, LeafError> {
        if bytes.len() > MAX_LEAF_SIZE {
            return Err(LeafError::TooLarge(bytes.len()));
        }
        let mut m = MapReader::new(cbor::decode(bytes)?, "leaf")?;
        let version = cbor::uint(m.required(0, "version")?, "version")?;
        if version != LEAF_VERSION {
            return Err(LeafError::UnknownVersion(version));
        }
        let index = cbor::uint(m.required(1, "index")?, "index")?;
        let time = cbor::uint(m.required(2, "time")?, "time")?;
        let links = cbor::array(m.required(3, "links")?, "links", MAX_LINKS)?
            .into_iter()
            .map(read_link)
            .collect::<Result<_, _>>()?;
        let tx = cbor::bytes(m.required(4, "tx")?, "tx")?;
        m.finish()?;
        let leaf = Leaf {
            index,
            time,
            links,
            tx,
        };
        if leaf.to_bytes() != bytes {
            return Err(CborError::NonCanonical("leaf").into());
        }
        Ok(leaf)
    }

    /// The RFC 9162 leaf hash of these bytes.
    pub fn hash(&self) -> Hash {
        leaf_hash(&self.to_bytes())
    }

    /// This entry's link in `identity`'s chain, if it concerns that identity.
    pub fn link_for(&self, identity: &IdentityId) -> Option<&ChainLink> {
        self.links.iter().find(|l| &l.identity == identity)
    }
}

fn read_link(value: Value) -> Result<ChainLink, LeafError> {
    let fields = cbor::array(value, "link", 3)?;
    let n = fields.len();
    let mut it = fields.into_iter();
    let identity = match it.next() {
        Some(v) => cbor::bytes_n::<32>(v, "identity")?,
        None => return Err(LeafError::BadLink(0)),
    };
    let identity =
        IdentityId(PublicKey::from_bytes(&identity).map_err(|_| LeafError::BadIdentity)?);
    let prev = match (it.next(), it.next()) {
        (None, None) => None,
        (Some(i), Some(h)) => Some((
            cbor::uint(i, "prev_index")?,
            Hash(cbor::bytes_n::<32>(h, "prev_hash")?),
        )),
        _ => return Err(LeafError::BadLink(n)),
    };
    Ok(ChainLink { identity, prev })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;

    fn identity(seed: u8) -> IdentityId {
        IdentityId(SigningKey::from_secret_bytes(&[seed; 32]).public_key())
    }

    fn sample() -> Leaf {
        Leaf {
            index: 7,
            time: 1_790_000_000,
            links: vec![
                ChainLink {
                    identity: identity(1),
                    prev: Some((3, Hash([9; 32]))),
                },
                ChainLink {
                    identity: identity(2),
                    prev: None,
                },
            ],
            tx: vec![0xd2, 0x84],
        }
    }

    #[test]
    fn round_trips() {
        let leaf = sample();
        let bytes = leaf.to_bytes();
        assert_eq!(Leaf::from_bytes(&bytes).unwrap(), leaf);
        assert_eq!(leaf.hash(), leaf_hash(&bytes));
        assert_eq!(leaf.link_for(&identity(2)).unwrap().prev, None);
        assert!(leaf.link_for(&identity(3)).is_none());
    }

    /// An alert flagging accesses of the most patients it may joins each of
    /// their chains, and its leaf reads back; one link more does not.
    #[test]
    fn an_alert_of_the_most_patients_reads_back() {
        let mut leaf = sample();
        leaf.links = (0..MAX_LINKS as u8)
            .map(|i| ChainLink {
                identity: identity(i + 1),
                prev: Some((u64::MAX, Hash([i; 32]))),
            })
            .collect();
        leaf.tx = vec![0; 4096];
        let bytes = leaf.to_bytes();
        assert!(bytes.len() <= MAX_LEAF_SIZE, "{} bytes", bytes.len());
        assert_eq!(Leaf::from_bytes(&bytes).unwrap(), leaf);
        leaf.links.push(ChainLink {
            identity: identity(200),
            prev: None,
        });
        assert!(Leaf::from_bytes(&leaf.to_bytes()).is_err());
    }

    #[test]
    fn refuses_what_is_not_one_canonical_leaf() {
        let bytes = sample().to_bytes();
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(Leaf::from_bytes(&trailing).is_err());
        assert!(Leaf::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert_eq!(
            Leaf::from_bytes(&vec![0u8; MAX_LEAF_SIZE + 1]),
            Err(LeafError::TooLarge(MAX_LEAF_SIZE + 1))
        );
        let v2 = cbor::encode(&MapWriter::new().put(0, cbor::u(2)).build());
        assert_eq!(Leaf::from_bytes(&v2), Err(LeafError::UnknownVersion(2)));
        // A link with an index but no hash.
        let odd = MapWriter::new()
            .put(0, cbor::u(1))
            .put(1, cbor::u(0))
            .put(2, cbor::u(0))
            .put(
                3,
                Value::Array(vec![Value::Array(vec![
                    Value::Bytes(identity(1).key().to_bytes().to_vec()),
                    cbor::u(1),
                ])]),
            )
            .put(4, Value::Bytes(vec![]))
            .build();
        assert_eq!(
            Leaf::from_bytes(&cbor::encode(&odd)),
            Err(LeafError::BadLink(2))
        );
    }
}
