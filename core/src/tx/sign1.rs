//! The COSE_Sign1 envelope of PROTOCOL §2 for every signed object type
//! (transactions, consent requests): tagged, `alg` EdDSA and `kid` in the
//! protected header and nothing else, an empty unprotected header, a payload,
//! the external AAD of the object type, and exactly one encoding.

use crate::keys::{PublicKey, SigningKey};
use crate::tx::TxError;
use coset::{iana, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable};

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

fn not_cose(e: coset::CoseError) -> TxError {
    TxError::NotCose(e.to_string())
}

/// Signs `payload` under `aad` and returns the tagged COSE_Sign1 bytes.
pub(crate) fn seal(payload: Vec<u8>, key: &SigningKey, aad: &[u8]) -> Result<Vec<u8>, TxError> {
    let signer = key.public_key();
    let unsigned = envelope(&signer, payload.clone(), Vec::new());
    let signature = key.sign(&unsigned.tbs_data(aad)).to_vec();
    envelope(&signer, payload, signature)
        .to_tagged_vec()
        .map_err(not_cose)
}

/// Checks the envelope, decodes the payload with `decode` (which checks its
/// own encoding), then the envelope's canonical encoding and the signature
/// under `aad`; returns the signer and the decoded payload.
pub(crate) fn open<T>(
    bytes: &[u8],
    aad: &[u8],
    decode: impl FnOnce(&[u8]) -> Result<T, TxError>,
) -> Result<(PublicKey, T), TxError> {
    let sign1 = CoseSign1::from_tagged_slice(bytes).map_err(|e| match e {
        coset::CoseError::ExtraneousData => TxError::TrailingBytes,
        other => not_cose(other),
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
    let payload = sign1.payload.clone().ok_or(TxError::NoPayload)?;
    let decoded = decode(&payload)?;
    let canonical = envelope(&signer, payload.clone(), sign1.signature.clone())
        .to_tagged_vec()
        .map_err(not_cose)?;
    if canonical != bytes {
        return Err(TxError::NonCanonical("the COSE envelope"));
    }
    signer
        .verify(&sign1.tbs_data(aad), &sign1.signature)
        .map_err(|_| TxError::BadSignature)?;
    Ok((signer, decoded))
}
