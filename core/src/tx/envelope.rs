//! The COSE_Sign1 envelope: signing, and opening with every check.

use super::{Body, TxError};
use crate::ids::TxId;
use crate::keys::{PublicKey, SigningKey};

/// The largest transaction accepted, checked before any parsing.
pub const MAX_TX_SIZE: usize = 4096;

const DOMAIN: &[u8] = b"assent/v1/";

/// The external AAD for an object type on a ledger:
/// `"assent/v1/" ‖ type ‖ 0x00 ‖ origin` (PROTOCOL §2).
pub fn aad(object_type: &str, origin: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(DOMAIN.len() + object_type.len() + 1 + origin.len());
    out.extend_from_slice(DOMAIN);
    out.extend_from_slice(object_type.as_bytes());
    out.push(0);
    out.extend_from_slice(origin.as_bytes());
    out
}

/// A transaction whose encoding and signature have been checked (or that this
/// code signed). Only [`SignedTx::sign`] and [`SignedTx::open`] make one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTx {
    origin: String,
    bytes: Vec<u8>,
    id: TxId,
    signer: PublicKey,
    body: Body,
}

impl SignedTx {
    /// Signs a body for the ledger `origin`.
    pub fn sign(body: &Body, key: &SigningKey, origin: &str) -> Self {
        let bytes = super::sign1::seal(body.to_bytes(), key, &aad("tx", origin))
            .expect("a COSE_Sign1 of bytes always encodes");
        SignedTx {
            origin: origin.to_string(),
            id: TxId::of(&bytes),
            bytes,
            signer: key.public_key(),
            body: body.clone(),
        }
    }

    /// Decodes and checks a transaction for the ledger `origin`: size, COSE
    /// structure, headers, payload, canonical encoding, then the signature.
    ///
    /// # Errors
    /// The first [`TxError`] found.
    pub fn open(bytes: &[u8], origin: &str) -> Result<Self, TxError> {
        if bytes.len() > MAX_TX_SIZE {
            return Err(TxError::TooLarge {
                len: bytes.len(),
                max: MAX_TX_SIZE,
            });
        }
        let (signer, body) = super::sign1::open(bytes, &aad("tx", origin), Body::from_bytes)?;
        Ok(SignedTx {
            origin: origin.to_string(),
            id: TxId::of(bytes),
            bytes: bytes.to_vec(),
            signer,
            body,
        })
    }

    /// The ledger origin the signature was made or checked for.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The exact bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// SHA-256 of the bytes.
    pub fn id(&self) -> TxId {
        self.id
    }

    /// The key that signed it.
    pub fn signer(&self) -> PublicKey {
        self.signer
    }

    /// The payload.
    pub fn body(&self) -> &Body {
        &self.body
    }
}
