//! The consent request (PROTOCOL §7): a clinic shows `AR1:` + base45 of a
//! COSE_Sign1 with object type `request`; the patient scans it, edits the
//! scope and signs a grant that carries `req = SHA-256(request)[:16]`.
//!
//! Payload, a canonical CBOR map with integer keys:
//! `{0: org id (32 bytes), 1: scope, 2: [purpose…], 3: nonce (8 bytes),
//! 4: expires (Unix seconds), 5: reply endpoint (https URL)}`. The scope has
//! the form of a grant's ([`Scope::to_value`]); purposes ascend without
//! repeats and are at least one; codes are `codes/v1` (the `1` of `AR1`).
//!
//! **What this does not check.** [`SignedRequest::open`] proves that the key
//! in `kid` signed the request for this ledger and that it has not expired.
//! It does not prove that the key belongs to the organisation `org`: the
//! caller must check that the signer is a current key of that registered
//! organisation with a map proof at a fresh checkpoint, and must show the
//! organisation's name from that directory entry. The request carries no
//! name, on purpose: nothing a clinic writes in it may be shown as who it is.

use super::base45;
use super::error::{strip_prefix, CodeKind, Item, QrError};
use crate::cbor::{self, MapReader, MapWriter};
use crate::codes::{Code, Purpose};
use crate::ids::OrgId;
use crate::keys::{PublicKey, SigningKey};
use crate::scope::Scope;
use crate::tx::sign1;
use crate::tx::{aad, limits, Grant, TxError};
use ciborium::value::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// The external AAD's object type for consent requests (PROTOCOL §2).
pub const OBJECT_TYPE: &str = "request";
/// The ceiling on a request's COSE bytes.
pub const MAX_REQUEST_BYTES: usize = 1024;
/// The longest request text; longer text is refused before it is decoded.
pub const MAX_REQUEST_TEXT: usize =
    CodeKind::ConsentRequest.prefix().len() + base45::encoded_len(MAX_REQUEST_BYTES);

/// What a clinic asks for: which organisation, what data, why, until when,
/// and where the wallet may send the grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRequest {
    /// The asking organisation (its registration id); the signer must be one
    /// of its current keys, which the caller checks on the ledger.
    pub org: OrgId,
    /// The access asked for, as a grant's scope.
    pub scope: Scope,
    /// Why (at least one); a scope naming purposes names only these.
    pub purposes: BTreeSet<Purpose>,
    /// Eight random bytes: two otherwise equal requests differ.
    pub nonce: [u8; 8],
    /// The first Unix second at which the request is no longer valid.
    pub expires: u64,
    /// Where the wallet may send its answer: an `https://` URL.
    pub reply: String,
}

impl ConsentRequest {
    fn to_bytes(&self) -> Vec<u8> {
        let purposes = self
            .purposes
            .iter()
            .map(|p| cbor::u(p.number().into()))
            .collect();
        cbor::encode(
            &MapWriter::new()
                .put(0, Value::Bytes(self.org.0.to_vec()))
                .put(1, self.scope.to_value())
                .put(2, Value::Array(purposes))
                .put(3, Value::Bytes(self.nonce.to_vec()))
                .put(4, cbor::u(self.expires))
                .put(5, Value::Text(self.reply.clone()))
                .build(),
        )
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, TxError> {
        let mut m = MapReader::new(cbor::decode(bytes)?, "request")?;
        let request = ConsentRequest {
            org: OrgId(cbor::bytes_n(m.required(0, "org")?, "org")?),
            scope: Scope::from_value(m.required(1, "scope")?)?,
            purposes: read_purposes(m.required(2, "purposes")?)?,
            nonce: cbor::bytes_n(m.required(3, "nonce")?, "nonce")?,
            expires: cbor::uint(m.required(4, "expires")?, "expires")?,
            reply: cbor::text(m.required(5, "reply")?, "reply", limits::MAX_URL)?,
        };
        m.finish()?;
        if request.to_bytes() != bytes {
            return Err(TxError::NonCanonical("the payload"));
        }
        Ok(request)
    }

    /// The rules on content, the same when signing and when opening.
    fn check(&self) -> Result<(), QrError> {
        let refuse = |why| Err(QrError::RequestContent(why));
        if self.purposes.is_empty() {
            return refuse("it gives no purpose");
        }
        if !self.scope.permit.purposes.is_subset(&self.purposes) {
            return refuse("its scope names a purpose the request does not give");
        }
        let url = self.reply.strip_prefix("https://").unwrap_or_default();
        if self.reply.len() > limits::MAX_URL
            || url.is_empty()
            || url.starts_with('/')
            || !url.bytes().all(|b| b.is_ascii_graphic())
        {
            return refuse(
                "the reply endpoint must be an https URL of printable ASCII, at most 200 bytes",
            );
        }
        Ok(())
    }
}

fn read_purposes(value: Value) -> Result<BTreeSet<Purpose>, TxError> {
    let purposes: Vec<Purpose> =
        crate::codes::read_ascending::<_, TxError>(value, "purposes", Purpose::ALL.len())?;
    Ok(purposes.into_iter().collect())
}

/// A consent request whose encoding and signature were checked (or that this
/// code signed). Only [`SignedRequest::sign`] and [`SignedRequest::open`]
/// make one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    origin: String,
    bytes: Vec<u8>,
    signer: PublicKey,
    request: ConsentRequest,
}

impl SignedRequest {
    /// Signs a request for the ledger `origin` with an organisation key.
    ///
    /// # Errors
    /// [`QrError::RequestContent`] for a request that [`SignedRequest::open`]
    /// would refuse (no purpose, a bad reply URL…), [`QrError::ItemTooLarge`]
    /// above [`MAX_REQUEST_BYTES`].
    pub fn sign(request: &ConsentRequest, key: &SigningKey, origin: &str) -> Result<Self, QrError> {
        request.check()?;
        let bytes = sign1::seal(request.to_bytes(), key, &aad(OBJECT_TYPE, origin))
            .map_err(QrError::Request)?;
        if bytes.len() > MAX_REQUEST_BYTES {
            return Err(QrError::ItemTooLarge {
                item: Item::Request,
                len: bytes.len(),
                max: MAX_REQUEST_BYTES,
            });
        }
        Ok(SignedRequest {
            origin: origin.to_string(),
            bytes,
            signer: key.public_key(),
            request: request.clone(),
        })
    }

    /// Checks a request's COSE bytes for the ledger `origin` at time `now`:
    /// size, envelope, canonical encoding, signature (object type `request`),
    /// payload, content rules, then expiry. See the module doc for what the
    /// caller must still check.
    ///
    /// # Errors
    /// [`QrError::ItemTooLarge`], [`QrError::Request`] (with
    /// [`TxError::BadSignature`] for a forged request or one signed as another
    /// object type), [`QrError::RequestContent`], [`QrError::Expired`].
    pub fn open(bytes: &[u8], origin: &str, now: u64) -> Result<Self, QrError> {
        if bytes.len() > MAX_REQUEST_BYTES {
            return Err(QrError::ItemTooLarge {
                item: Item::Request,
                len: bytes.len(),
                max: MAX_REQUEST_BYTES,
            });
        }
        let (signer, request) =
            sign1::open(bytes, &aad(OBJECT_TYPE, origin), ConsentRequest::from_bytes)
                .map_err(QrError::Request)?;
        request.check()?;
        if now >= request.expires {
            return Err(QrError::Expired {
                expires: request.expires,
                now,
            });
        }
        Ok(SignedRequest {
            origin: origin.to_string(),
            bytes: bytes.to_vec(),
            signer,
            request,
        })
    }

    /// The `AR1:` text to show as a QR code.
    pub fn encode(&self) -> String {
        format!(
            "{}{}",
            CodeKind::ConsentRequest.prefix(),
            base45::encode(&self.bytes)
        )
    }

    /// Reads an `AR1:` text: prefix and length first, then base45, then
    /// [`SignedRequest::open`].
    ///
    /// # Errors
    /// [`QrError::WrongPrefix`] for a grant code, [`QrError::TextTooLong`],
    /// [`QrError::Base45`], and those of [`SignedRequest::open`].
    pub fn decode(text: &str, origin: &str, now: u64) -> Result<Self, QrError> {
        let body = strip_prefix(text, CodeKind::ConsentRequest, MAX_REQUEST_TEXT)?;
        Self::open(&base45::decode(body)?, origin, now)
    }

    /// The ledger origin the signature was made or checked for.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The exact COSE bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The key that signed it; not yet known to be the organisation's.
    pub fn signer(&self) -> PublicKey {
        self.signer
    }

    /// What it asks.
    pub fn request(&self) -> &ConsentRequest {
        &self.request
    }

    /// `SHA-256(request bytes)[:16]`, the grant's `request` field.
    pub fn digest(&self) -> [u8; 16] {
        let mut out = [0; 16];
        out.copy_from_slice(&Sha256::digest(&self.bytes)[..16]);
        out
    }

    /// A grant in answer, for the patient to review and edit before signing:
    /// to the organisation, with the requested scope (naming the request's
    /// purposes when the scope names none, so a draft never allows a purpose
    /// the clinic did not give), and carrying [`SignedRequest::digest`]. A
    /// caregiver sets `patient` and `via`; a scope without a period needs one
    /// before the ledger accepts the grant.
    pub fn draft_grant(&self) -> Grant {
        let mut scope = self.request.scope.clone();
        if scope.permit.purposes.is_empty() {
            scope.permit.purposes = self.request.purposes.clone();
        }
        Grant {
            grantee: self.request.org,
            scope,
            patient: None,
            via: None,
            request: Some(self.digest()),
        }
    }
}
