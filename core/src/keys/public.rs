//! Participant public keys: one canonical text form, a fingerprint for people,
//! and the one signature check every node and wallet uses.
//!
//! - Text form: bech32m (BIP 350) with the role-free prefix `assent`, e.g.
//!   `assent1…`: a typo is caught by the checksum, and a key has exactly one
//!   text form (lower case; upper case is read too, for QR alphanumeric mode).
//! - Fingerprint: the first 80 bits of `SHA-256("assent/fingerprint/v1" ‖ key)`
//!   as 16 base32 characters in groups of four (PROTOCOL §1).
//! - Signatures: ed25519-dalek's `verify_strict` (PROTOCOL §9), which refuses
//!   non-canonical `S`, small-order keys and the other malleable forms that the
//!   Wycheproof Ed25519 vectors probe; for a key that signs often, the same
//!   verdict from a table of its multiples ([`super::signer_tables`]).

use bech32::{primitives::decode::CheckedHrpstring, Bech32m, Hrp};
use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};

/// The human-readable part of a public key's text form.
pub const TEXT_PREFIX: &str = "assent";

const FINGERPRINT_DOMAIN: &[u8] = b"assent/fingerprint/v1";

/// Why bytes or text are not a usable public key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PublicKeyError {
    /// Not 32 bytes.
    #[error("a public key is 32 bytes, got {got}")]
    Length {
        /// The length given.
        got: usize,
    },
    /// The bytes are not the canonical encoding of a curve point.
    #[error("the bytes are not a canonical ed25519 point")]
    NotAPoint,
    /// The point has small order: it would accept forged signatures.
    #[error("the key is a small-order point and cannot be used")]
    Weak,
    /// The text is not bech32m, its checksum fails, or it is not in canonical form.
    #[error("not a public key in text form (expected {TEXT_PREFIX}1…): {reason}")]
    Text {
        /// What the decoder found wrong.
        reason: String,
    },
    /// A bech32m string with another prefix.
    #[error("expected the prefix {TEXT_PREFIX:?}, got {got:?}")]
    Prefix {
        /// The prefix found.
        got: String,
    },
}

/// Why a signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// Not 64 bytes.
    #[error("a signature is 64 bytes, got {got}")]
    Length {
        /// The length given.
        got: usize,
    },
    /// The signature does not verify under strict rules.
    #[error("the signature does not verify")]
    Invalid,
}

/// An Ed25519 public key that names a participant.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Reads a key from its 32-byte encoding.
    ///
    /// # Errors
    /// Wrong length, a non-canonical or invalid point, or a small-order point.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, PublicKeyError> {
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|_| PublicKeyError::Length { got: bytes.len() })?;
        Self::from_bytes(&array)
    }

    /// Reads a key from its 32-byte encoding.
    ///
    /// # Errors
    /// A non-canonical or invalid point, or a small-order point.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, PublicKeyError> {
        // Decompression reduces y modulo p, so `y + p` (for y < 19) names the
        // same point as `y`; one key must have one encoding (and one id), so
        // only y < p is read. (`VerifyingKey` keeps the bytes it was given, so
        // comparing them after decompression would not catch this.)
        if let Some(key) = super::point_cache::get(bytes) {
            return Ok(PublicKey(key));
        }
        if !canonical_y(bytes) {
            return Err(PublicKeyError::NotAPoint);
        }
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| PublicKeyError::NotAPoint)?;
        if key.is_weak() {
            return Err(PublicKeyError::Weak);
        }
        super::point_cache::keep(key);
        Ok(PublicKey(key))
    }

    pub(crate) fn from_verifying_key(key: VerifyingKey) -> Self {
        PublicKey(key)
    }

    /// The 32-byte encoding.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The key in lower-case hex.
    pub fn to_hex(&self) -> String {
        data_encoding::HEXLOWER.encode(self.0.as_bytes())
    }

    /// The canonical text form, `assent1…` (bech32m).
    ///
    /// ```
    /// use assent_core::keys::PublicKey;
    /// let key = PublicKey::from_bytes(&[
    ///     0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64,
    ///     0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68,
    ///     0xf7, 0x07, 0x51, 0x1a,
    /// ]).unwrap();
    /// let text = key.to_text();
    /// assert!(text.starts_with("assent1"));
    /// assert_eq!(text.parse::<PublicKey>().unwrap(), key);
    /// ```
    pub fn to_text(&self) -> String {
        bech32::encode_lower::<Bech32m>(Hrp::parse_unchecked(TEXT_PREFIX), self.0.as_bytes())
            .expect("32 bytes fit a bech32m string")
    }

    /// The fingerprint people compare on screen.
    pub fn fingerprint(&self) -> Fingerprint {
        let digest = Sha256::new()
            .chain_update(FINGERPRINT_DOMAIN)
            .chain_update(self.0.as_bytes())
            .finalize();
        let mut bytes = [0u8; 10];
        bytes.copy_from_slice(&digest[..10]);
        Fingerprint(bytes)
    }

    /// Checks an Ed25519 signature with the strict rules every node applies.
    ///
    /// # Errors
    /// [`SignatureError::Length`] unless 64 bytes; [`SignatureError::Invalid`]
    /// if it does not verify under `verify_strict`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
        let signature = Signature::from_slice(signature).map_err(|_| SignatureError::Length {
            got: signature.len(),
        })?;
        if super::signer_tables::verify(&self.0, message, &signature) {
            Ok(())
        } else {
            Err(SignatureError::Invalid)
        }
    }
}

/// Whether the y coordinate in a point encoding (the low 255 bits, little
/// endian) is below p = 2^255 - 19. The sign bit of x = 0 is not looked at:
/// its only points (y = ±1) have small order and are refused as weak.
fn canonical_y(bytes: &[u8; 32]) -> bool {
    // y ≥ p exactly when bits 8..255 are all ones and the low byte is ≥ 0xed.
    let high_all_ones = bytes[31] & 0x7f == 0x7f && bytes[1..31].iter().all(|&b| b == 0xff);
    !(high_all_ones && bytes[0] >= 0xed)
}

impl std::str::FromStr for PublicKey {
    type Err = PublicKeyError;

    fn from_str(text: &str) -> Result<Self, PublicKeyError> {
        let checked = CheckedHrpstring::new::<Bech32m>(text).map_err(|e| PublicKeyError::Text {
            reason: e.to_string(),
        })?;
        let hrp = checked.hrp();
        if hrp.to_lowercase() != TEXT_PREFIX {
            return Err(PublicKeyError::Prefix {
                got: hrp.to_lowercase(),
            });
        }
        let bytes: Vec<u8> = checked.byte_iter().collect();
        let key = Self::from_slice(&bytes)?;
        if key.to_text() != text.to_ascii_lowercase() {
            return Err(PublicKeyError::Text {
                reason: "not the canonical encoding of the key".into(),
            });
        }
        Ok(key)
    }
}

impl std::fmt::Display for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.to_text())
    }
}

/// 80 bits of a key's hash, shown as `ABCD-EFGH-IJKL-MNOP` (RFC 4648 base32).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Fingerprint([u8; 10]);

impl Fingerprint {
    /// The raw 10 bytes.
    pub fn as_bytes(&self) -> &[u8; 10] {
        &self.0
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = data_encoding::BASE32_NOPAD.encode(&self.0);
        for (i, group) in text.as_bytes().chunks(4).enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            f.write_str(std::str::from_utf8(group).map_err(|_| std::fmt::Error)?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8032 §7.1, test 1.
    const RFC8032_PK: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    fn rfc_key() -> PublicKey {
        let bytes: [u8; 32] = data_encoding::HEXLOWER
            .decode(RFC8032_PK.as_bytes())
            .unwrap()
            .try_into()
            .unwrap();
        PublicKey::from_bytes(&bytes).unwrap()
    }

    #[test]
    fn text_form_round_trips_and_catches_typos() {
        let key = rfc_key();
        let text = key.to_text();
        assert_eq!(text.parse::<PublicKey>().unwrap(), key);
        assert_eq!(text.to_uppercase().parse::<PublicKey>().unwrap(), key);
        // Change one character of the data part: the checksum catches it.
        let mut typo = text.clone().into_bytes();
        let i = TEXT_PREFIX.len() + 5;
        typo[i] = if typo[i] == b'q' { b'p' } else { b'q' };
        let typo = String::from_utf8(typo).unwrap();
        assert!(matches!(
            typo.parse::<PublicKey>(),
            Err(PublicKeyError::Text { .. })
        ));
    }

    #[test]
    fn other_prefixes_and_bech32_are_refused() {
        let key = rfc_key();
        let other =
            bech32::encode_lower::<Bech32m>(Hrp::parse("npub").unwrap(), &key.to_bytes()).unwrap();
        assert_eq!(
            other.parse::<PublicKey>(),
            Err(PublicKeyError::Prefix { got: "npub".into() })
        );
        let plain_bech32 = bech32::encode_lower::<bech32::Bech32>(
            Hrp::parse(TEXT_PREFIX).unwrap(),
            &key.to_bytes(),
        )
        .unwrap();
        assert!(matches!(
            plain_bech32.parse::<PublicKey>(),
            Err(PublicKeyError::Text { .. })
        ));
    }

    #[test]
    fn fingerprint_has_80_bits_in_groups_of_four() {
        let shown = rfc_key().fingerprint().to_string();
        assert_eq!(shown.len(), 19);
        let groups: Vec<&str> = shown.split('-').collect();
        assert_eq!(groups.len(), 4);
        assert!(groups.iter().all(|g| g.len() == 4));
    }

    #[test]
    fn small_order_and_non_canonical_keys_are_refused() {
        // The identity point (small order).
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(PublicKey::from_bytes(&identity), Err(PublicKeyError::Weak));
        // y = p + 1 (non-canonical encoding of the identity's y = 1).
        let mut non_canonical = [0xffu8; 32];
        non_canonical[0] = 0xee;
        non_canonical[31] = 0x7f;
        assert!(PublicKey::from_bytes(&non_canonical).is_err());
        assert_eq!(
            PublicKey::from_slice(&[0u8; 31]),
            Err(PublicKeyError::Length { got: 31 })
        );
    }

    /// `y + p` for small `y` decompresses to the same point as `y`; for the
    /// `y` that are points of large order, only the canonical encoding is a key.
    #[test]
    fn every_non_canonical_encoding_of_a_large_order_point_is_refused() {
        let mut probed = 0;
        for y in 0u8..19 {
            for sign in [0u8, 0x80] {
                let mut canonical = [0u8; 32];
                canonical[0] = y;
                canonical[31] = sign;
                // y + p = y + 2^255 - 19: little-endian 0xed + y, then 0xff…, then 0x7f.
                let mut alias = [0xffu8; 32];
                alias[0] = 0xed + y;
                alias[31] = 0x7f | sign;
                let Ok(key) = PublicKey::from_bytes(&canonical) else {
                    continue;
                };
                probed += 1;
                assert_eq!(key.to_bytes(), canonical);
                assert_eq!(
                    PublicKey::from_bytes(&alias),
                    Err(PublicKeyError::NotAPoint),
                    "y = {y} + p was taken as a key"
                );
            }
        }
        assert!(probed > 0, "no point of large order with a small y");
    }
}
