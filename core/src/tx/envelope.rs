//! The COSE_Sign1 envelope: signing, and opening with every check.

use super::{Body, TxError};
use crate::ids::TxId;
use crate::keys::{PublicKey, SigningKey};
use coset::{iana, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable};

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

fn protected(signer: &PublicKey) -> coset::Header {
    HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(signer.to_bytes().to_vec())
        .build()
}

fn envelope(signer: &PublicKey, payload: Vec<u8>, signature: Vec<u8>) -> CoseSign1 {
    let mut sign1 = CoseSign1Builder::new()
        .protected(protected(signer))
        .payload(payload)
        .build();
    sign1.signature = signature;
    sign1
}

impl SignedTx {
    /// Signs a body for the ledger `origin`.
    pub fn sign(body: &Body, key: &SigningKey, origin: &str) -> Self {
        let signer = key.public_key();
        let payload = body.to_bytes();
        let unsigned = envelope(&signer, payload.clone(), Vec::new());
        let signature = key.sign(&unsigned.tbs_data(&aad("tx", origin))).to_vec();
        let bytes = envelope(&signer, payload, signature)
            .to_tagged_vec()
            .expect("a COSE_Sign1 of bytes always encodes");
        SignedTx {
            origin: origin.to_string(),
            id: TxId::of(&bytes),
            bytes,
            signer,
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
        let sign1 = CoseSign1::from_tagged_slice(bytes).map_err(|e| match e {
            coset::CoseError::ExtraneousData => TxError::TrailingBytes,
            other => TxError::NotCose(other.to_string()),
        })?;
        let header = &sign1.protected.header;
        if header.alg
            != Some(coset::RegisteredLabelWithPrivate::Assigned(
                iana::Algorithm::EdDSA,
            ))
        {
            return Err(TxError::WrongAlgorithm);
        }
        if !sign1.unprotected.is_empty() {
            return Err(TxError::UnprotectedHeader);
        }
        let signer = PublicKey::from_slice(&header.key_id).map_err(|reason| TxError::BadKey {
            field: "kid",
            reason,
        })?;
        if *header != protected(&signer) {
            return Err(TxError::ProtectedHeader);
        }
        let payload = sign1.payload.as_ref().ok_or(TxError::NoPayload)?;
        let body = Body::from_bytes(payload)?;
        let canonical = envelope(&signer, payload.clone(), sign1.signature.clone())
            .to_tagged_vec()
            .map_err(|e| TxError::NotCose(e.to_string()))?;
        if canonical != bytes {
            return Err(TxError::NonCanonical("the COSE envelope"));
        }
        signer
            .verify(&sign1.tbs_data(&aad("tx", origin)), &sign1.signature)
            .map_err(|_| TxError::BadSignature)?;
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
