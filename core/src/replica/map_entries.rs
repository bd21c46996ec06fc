//! What the state map holds (PROTOCOL §6): per identity its chain head, per
//! grant, delegation and organisation its status. Keys are domain-separated
//! hashes of the ids; values are committed by the hash of their CBOR.

use crate::cbor::{self, CborError};
use crate::ids::{DelegationId, GrantId, IdentityId, OrgId};
use crate::merkle::Hash;
use crate::smt::{MapKey, ValueHash};
use ciborium::value::Value;

/// The map key of an identity's chain head.
pub fn identity_key(id: &IdentityId) -> MapKey {
    MapKey::derive("assent/v1/map/identity", &id.key().to_bytes())
}

/// The map key of a grant's status.
pub fn grant_key(id: &GrantId) -> MapKey {
    MapKey::derive("assent/v1/map/grant", id.as_bytes())
}

/// The map key of a delegation's status.
pub fn delegation_key(id: &DelegationId) -> MapKey {
    MapKey::derive("assent/v1/map/delegation", id.as_bytes())
}

/// The map key of an organisation's status.
pub fn org_key(id: &OrgId) -> MapKey {
    MapKey::derive("assent/v1/map/org", id.as_bytes())
}

/// An identity's chain head: `[count, head_index, head_leaf_hash]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// Entries in the identity's chain.
    pub count: u64,
    /// Index of the newest.
    pub index: u64,
    /// Its leaf hash.
    pub leaf_hash: Hash,
}

impl Head {
    /// The canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        cbor::encode(&Value::Array(vec![
            cbor::u(self.count),
            cbor::u(self.index),
            Value::Bytes(self.leaf_hash.0.to_vec()),
        ]))
    }

    /// Decodes a head.
    ///
    /// # Errors
    /// If the bytes are not a canonical head.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CborError> {
        let mut it = cbor::array(cbor::decode(bytes)?, "head", 3)?.into_iter();
        let (Some(c), Some(i), Some(h)) = (it.next(), it.next(), it.next()) else {
            return Err(CborError::Missing("head field"));
        };
        let head = Head {
            count: cbor::uint(c, "count")?,
            index: cbor::uint(i, "head_index")?,
            leaf_hash: Hash(cbor::bytes_n::<32>(h, "head_leaf_hash")?),
        };
        if head.to_bytes() != bytes {
            return Err(CborError::NonCanonical("head"));
        }
        Ok(head)
    }

    /// The value committed in the map.
    pub fn value_hash(&self) -> ValueHash {
        ValueHash::of(&self.to_bytes())
    }
}

/// Whether a grant, delegation or organisation is live, and since which
/// entry: `[live, since_index]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    /// Live (granted, delegated, registered) or ended (revoked, retired).
    pub live: bool,
    /// The entry that set this status.
    pub since: u64,
}

impl Status {
    /// The canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        cbor::encode(&Value::Array(vec![
            Value::Bool(self.live),
            cbor::u(self.since),
        ]))
    }

    /// Decodes a status.
    ///
    /// # Errors
    /// If the bytes are not a canonical status.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CborError> {
        let mut it = cbor::array(cbor::decode(bytes)?, "status", 2)?.into_iter();
        let (Some(live), Some(since)) = (it.next(), it.next()) else {
            return Err(CborError::Missing("status field"));
        };
        let status = Status {
            live: cbor::boolean(live, "live")?,
            since: cbor::uint(since, "since")?,
        };
        if status.to_bytes() != bytes {
            return Err(CborError::NonCanonical("status"));
        }
        Ok(status)
    }

    /// The value committed in the map.
    pub fn value_hash(&self) -> ValueHash {
        ValueHash::of(&self.to_bytes())
    }
}
