//! The vault's AEAD: XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha; RFC 8439's
//! ChaCha20-Poly1305 with a 192-bit nonce), from the `chacha20poly1305` crate.
//!
//! A thin, slice-taking wrapper so that every Wycheproof XChaCha20-Poly1305
//! case (including wrong nonce sizes) runs through exactly the code the vault
//! uses.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

/// Key length in bytes.
pub const KEY_LEN: usize = 32;
/// Nonce length in bytes.
pub const NONCE_LEN: usize = 24;
/// Tag length in bytes.
pub const TAG_LEN: usize = 16;

/// Why the AEAD refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AeadError {
    /// The nonce is not 24 bytes.
    #[error("an XChaCha20-Poly1305 nonce is {NONCE_LEN} bytes, got {got}")]
    NonceLength {
        /// The length given.
        got: usize,
    },
    /// Authentication failed (wrong key, or altered data). Deliberately says no more.
    #[error("decryption failed")]
    Failed,
}

fn nonce(nonce: &[u8]) -> Result<&XNonce, AeadError> {
    if nonce.len() != NONCE_LEN {
        return Err(AeadError::NonceLength { got: nonce.len() });
    }
    Ok(XNonce::from_slice(nonce))
}

/// Encrypts `msg`, returning ciphertext ‖ tag.
///
/// # Errors
/// [`AeadError::NonceLength`] unless the nonce is 24 bytes.
pub fn encrypt(
    key: &[u8; KEY_LEN],
    nonce_bytes: &[u8],
    aad: &[u8],
    msg: &[u8],
) -> Result<Vec<u8>, AeadError> {
    let cipher = XChaCha20Poly1305::new(key.into());
    cipher
        .encrypt(nonce(nonce_bytes)?, Payload { msg, aad })
        .map_err(|_| AeadError::Failed)
}

/// Decrypts ciphertext ‖ tag; the plaintext is wiped when dropped.
///
/// # Errors
/// [`AeadError::NonceLength`] unless the nonce is 24 bytes;
/// [`AeadError::Failed`] if the tag does not verify.
pub fn decrypt(
    key: &[u8; KEY_LEN],
    nonce_bytes: &[u8],
    aad: &[u8],
    ciphertext_and_tag: &[u8],
) -> Result<Zeroizing<Vec<u8>>, AeadError> {
    let cipher = XChaCha20Poly1305::new(key.into());
    cipher
        .decrypt(
            nonce(nonce_bytes)?,
            Payload {
                msg: ciphertext_and_tag,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| AeadError::Failed)
}
