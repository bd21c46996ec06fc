//! QR codes (PROTOCOL §7, DESIGN §5): a patient's grant shown to a clinic,
//! and a clinic's consent request shown to a patient.
//!
//! | code | text | API |
//! | --- | --- | --- |
//! | grant | `AS1:` + base45(CBOR array: grant COSE_Sign1, then its delegation when a caregiver signed it) | [`encode_grant`], [`decode_grant`] |
//! | consent request | `AR1:` + base45(COSE_Sign1, object type `request`) | [`SignedRequest`] |
//!
//! Both are plain text in base45 (RFC 9285, [`base45`]), whose alphabet is
//! QR's alphanumeric set, so a QR encoder packs them tightly; nothing is
//! compressed (zlib makes a grant larger and invites decompression bombs).
//! A typical patient-signed grant is about 200 bytes of COSE and fits QR
//! version 10 at level M; [`MAX_GRANT_BYTES`] is the hard ceiling.
//!
//! Decoders are strict, in a fixed order: prefix, then the text's length
//! (before any decoding, so hostile text costs nothing), base45, canonical
//! CBOR, then each signature for the ledger's origin. Each refusal is a
//! typed [`QrError`].
//!
//! With the `qr-image` feature (on by default), `QrSymbol` renders a code
//! text as PNG or SVG and reports its QR version, and `decode_image` reads
//! the text back from an image (unlinked here: they exist only with it).
//!
//! ```
//! use assent_core::ids::OrgId;
//! use assent_core::keys::SigningKey;
//! use assent_core::qr::{decode_grant, encode_grant, CodeKind, QrError};
//! use assent_core::scope::Scope;
//! use assent_core::tx::{Body, Grant, Kind, SignedTx};
//!
//! let origin = "demo.assent.example";
//! let patient = SigningKey::from_secret_bytes(&[1; 32]);
//! let grant = Kind::Grant(Grant {
//!     grantee: OrgId([7; 32]),
//!     scope: Scope::default(),
//!     patient: None,
//!     via: None,
//!     request: None,
//! });
//! let tx = SignedTx::sign(&Body::new(1_790_000_000, [3; 8], grant), &patient, origin);
//!
//! let text = encode_grant(&tx, None).unwrap();
//! assert_eq!(CodeKind::of(&text), Some(CodeKind::Grant));
//! let code = decode_grant(&text, origin).unwrap();
//! assert_eq!(code.grant().id(), tx.id()); // the ledger's id: the exact bytes
//!
//! // Another ledger's code, or an altered one, is refused.
//! assert!(matches!(decode_grant(&text, "other.example"), Err(QrError::Tx { .. })));
//! let altered = text.replacen("AS1:", "AR1:", 1);
//! assert!(matches!(decode_grant(&altered, origin), Err(QrError::WrongPrefix { .. })));
//! ```

pub mod base45;
mod error;
mod grant;
mod request;
#[cfg(feature = "qr-image")]
mod symbol;

pub use error::{CodeKind, Item, QrError};
pub use grant::{
    decode_grant, encode_grant, GrantCode, MAX_DELEGATION_BYTES, MAX_GRANT_BYTES, MAX_GRANT_TEXT,
};
pub use request::{
    ConsentRequest, SignedRequest, MAX_REQUEST_BYTES, MAX_REQUEST_TEXT, OBJECT_TYPE,
};
#[cfg(feature = "qr-image")]
pub use symbol::{decode_image, qr_version, QrSymbol, MAX_IMAGE_PIXELS, MAX_MODULE_PX};

#[cfg(test)]
mod tests;
