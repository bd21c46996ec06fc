//! Consent as signed transactions (DESIGN §3, PROTOCOL §2).
//!
//! Every ledger transaction is a tagged COSE_Sign1 (RFC 9052) signed with
//! Ed25519 (`alg` -8), the signer's key as `kid` in the protected header and an
//! empty unprotected header, over a CBOR payload ([`Body`]) with integer keys.
//! The external AAD is `"assent/v1/tx" ‖ 0x00 ‖ origin`, binding the signature
//! to one ledger. A transaction is accepted only in its one canonical encoding
//! (re-encoding what was decoded must give back the exact bytes), and only then
//! is its id the SHA-256 of those bytes.
//!
//! ```
//! use assent_core::keys::SigningKey;
//! use assent_core::ids::KeyCommitment;
//! use assent_core::tx::{Body, Enroll, Kind, SignedTx};
//!
//! let key = SigningKey::from_secret_bytes(&[1; 32]);
//! let next = SigningKey::from_secret_bytes(&[2; 32]).public_key();
//! let body = Body::new(1_700_000_000, [7; 8], Kind::Enroll(Enroll { next: KeyCommitment::to(&next) }));
//! let tx = SignedTx::sign(&body, &key, "demo.assent.example");
//! let back = SignedTx::open(tx.bytes(), "demo.assent.example").unwrap();
//! assert_eq!(back.id(), tx.id());
//! // The same bytes do not verify for another ledger.
//! assert!(SignedTx::open(tx.bytes(), "other.example").is_err());
//! ```

mod body;
mod envelope;
mod fields;
mod governance;
mod kinds;
mod monitoring;
pub(crate) mod sign1;

pub use body::{Body, PROTOCOL_VERSION};
pub use envelope::{aad, SignedTx, MAX_TX_SIZE};
pub(crate) use governance::{action_value, read_action};
pub use governance::{GovAction, Suspension, MAX_SUSPENSION_HOURS};
pub use kinds::{
    limits, AccessGround, ActorTag, Approve, Delegate, Enroll, Grant, Kind, Powers, Propose,
    RecordAccess, Revoke, RevokeDelegation, RotateKey,
};
pub use monitoring::{
    ActivateModel, DisputeAccess, MonitoringAlert, RegisterModel, Score, TrainingSummary,
    MAX_CODE_VERSION, MAX_FLAGGED, MAX_REASONS,
};

use crate::cbor::CborError;
use crate::codes::UnknownCode;
use crate::keys::PublicKeyError;
use crate::scope::ScopeError;

/// Why bytes are not a valid transaction. Each is a distinct, typed refusal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TxError {
    /// Larger than allowed, before any parsing.
    #[error("transaction of {len} bytes exceeds the limit of {max}")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not a tagged COSE_Sign1.
    #[error("not a tagged COSE_Sign1: {0}")]
    NotCose(String),
    /// Bytes after the COSE structure.
    #[error("trailing bytes after the transaction")]
    TrailingBytes,
    /// An algorithm other than EdDSA (-8).
    #[error("the signature algorithm must be EdDSA (-8)")]
    WrongAlgorithm,
    /// Something in the unprotected header (which no signature covers).
    #[error("the unprotected header must be empty")]
    UnprotectedHeader,
    /// Protected header fields other than `alg` and `kid`.
    #[error("the protected header may hold only alg and kid")]
    ProtectedHeader,
    /// No payload.
    #[error("the transaction has no payload")]
    NoPayload,
    /// The payload's protocol version is not one this code knows.
    #[error("protocol version {0} is not supported (this build speaks {PROTOCOL_VERSION})")]
    UnsupportedVersion(u64),
    /// An unknown transaction kind.
    #[error("unknown transaction kind {0}")]
    UnknownKind(u64),
    /// An unknown governance action.
    #[error("unknown governance action {0}")]
    UnknownAction(u64),
    /// A code not in `codes/v1`.
    #[error(transparent)]
    UnknownCode(#[from] UnknownCode),
    /// A field that is not a usable public key.
    #[error("{field} is not a usable public key: {reason}")]
    BadKey {
        /// The field.
        field: &'static str,
        /// Why.
        reason: PublicKeyError,
    },
    /// Decodes, but is not in the one canonical encoding.
    #[error("the transaction is not canonically encoded: {0}")]
    NonCanonical(&'static str),
    /// A structural fault in the payload.
    #[error("malformed payload: {0}")]
    Malformed(CborError),
    /// A period that ends before it starts.
    #[error("a period must end after it starts")]
    EmptyPeriod,
    /// The signature does not verify (strictly) under `kid` for this ledger.
    #[error("the signature does not verify")]
    BadSignature,
}

impl TxError {
    /// A stable machine-readable code (for the ledger's JSON errors).
    pub fn code(&self) -> &'static str {
        match self {
            TxError::TooLarge { .. } => "tx_too_large",
            TxError::NotCose(_) => "tx_not_cose",
            TxError::TrailingBytes => "tx_trailing_bytes",
            TxError::WrongAlgorithm => "tx_wrong_algorithm",
            TxError::UnprotectedHeader => "tx_unprotected_header",
            TxError::ProtectedHeader => "tx_protected_header",
            TxError::NoPayload => "tx_no_payload",
            TxError::UnsupportedVersion(_) => "tx_unsupported_version",
            TxError::UnknownKind(_) => "tx_unknown_kind",
            TxError::UnknownAction(_) => "tx_unknown_action",
            TxError::UnknownCode(_) => "tx_unknown_code",
            TxError::BadKey { .. } => "tx_bad_key",
            TxError::NonCanonical(_) => "tx_non_canonical",
            TxError::Malformed(_) => "tx_malformed",
            TxError::EmptyPeriod => "tx_empty_period",
            TxError::BadSignature => "tx_bad_signature",
        }
    }
}

impl From<CborError> for TxError {
    fn from(e: CborError) -> Self {
        match e {
            CborError::NonCanonical(what) => TxError::NonCanonical(what),
            CborError::DuplicateKey(_) => TxError::NonCanonical("a map key appears twice"),
            other => TxError::Malformed(other),
        }
    }
}

impl From<ScopeError> for TxError {
    fn from(e: ScopeError) -> Self {
        match e {
            ScopeError::Cbor(c) => c.into(),
            ScopeError::UnknownCode(c) => TxError::UnknownCode(c),
            ScopeError::EmptyPeriod => TxError::EmptyPeriod,
        }
    }
}

#[cfg(test)]
mod tests;
