//! Identifiers: transaction ids and the typed ids built on them, and identity
//! ids (an identity's inception key, PROTOCOL §1). Distinct types so a grant id
//! can never be passed where a delegation id is meant.

use crate::keys::PublicKey;
use sha2::{Digest, Sha256};

macro_rules! hash_id {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub [u8; 32]);

        impl $name {
            /// The 32 bytes.
            pub fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&data_encoding::HEXLOWER.encode(&self.0))
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({})", stringify!($name), self)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                data_encoding::HEXLOWER_PERMISSIVE
                    .decode(s.trim().as_bytes())
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .map($name)
                    .ok_or(IdError { what: $what })
            }
        }

        /// Serialized as its 64 hex digits (e.g. in a wallet's JSON files).
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// Text that is not 64 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {what} is 64 hex digits")]
pub struct IdError {
    /// Which kind of id.
    pub what: &'static str,
}

hash_id!(
    /// A transaction's id: SHA-256 of its exact (canonical) COSE bytes.
    TxId, "transaction id"
);
hash_id!(
    /// A grant: the id of its `Grant` transaction.
    GrantId, "grant id"
);
hash_id!(
    /// A delegation: the id of its `Delegate` transaction.
    DelegationId, "delegation id"
);
hash_id!(
    /// An organisation: the id of the `Propose` transaction that registered it
    /// (grants name this, not a key, so an organisation can rotate keys).
    OrgId, "organisation id"
);
hash_id!(
    /// A governance proposal: the id of its `Propose` transaction.
    ProposalId, "proposal id"
);
hash_id!(
    /// A monitor: the id of the `Propose` transaction that registered it.
    MonitorId, "monitor id"
);
hash_id!(
    /// A detection model: the id of its `RegisterModel` transaction.
    ModelId, "model id"
);
hash_id!(
    /// A monitoring case (alerts grouped per organisation or staff member
    /// and week), named by the monitor.
    CaseId, "case id"
);
hash_id!(
    /// SHA-256 of canonical bytes kept off the ledger (a model's parameters,
    /// an evaluation report, an alert's features, a suspension's evidence):
    /// the ledger commits to them without carrying them.
    ContentHash, "content hash"
);
hash_id!(
    /// A pre-rotation commitment: SHA-256 of the next public key.
    KeyCommitment, "key commitment"
);

impl TxId {
    /// The id of transaction bytes.
    pub fn of(bytes: &[u8]) -> Self {
        TxId(Sha256::digest(bytes).into())
    }
}

impl KeyCommitment {
    /// The commitment to `key`.
    pub fn to(key: &PublicKey) -> Self {
        KeyCommitment(Sha256::digest(key.to_bytes()).into())
    }
}

/// An identity, named by its inception (generation 0) public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct IdentityId(pub PublicKey);

impl IdentityId {
    /// The inception key.
    pub fn key(&self) -> &PublicKey {
        &self.0
    }
}

impl PartialOrd for IdentityId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for IdentityId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.to_bytes().cmp(&other.0.to_bytes())
    }
}

impl std::fmt::Display for IdentityId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
