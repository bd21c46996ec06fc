//! Assent's derivation of identity keys (PROTOCOL §1).
//!
//! `m/44'/16723'/identity'/generation'`, all hardened: one branch per identity
//! a wallet holds, one key per generation so that key rotation is the next
//! index (pre-rotation commits to generation g + 1 while g signs).

use super::mnemonic::Seed;
use super::public::PublicKey;
use super::slip10::{DerivationPath, ExtendedKey};
use ed25519_dalek::Signer;

/// BIP44-style purpose step.
pub const PURPOSE: u32 = 44;
/// Assent's fixed account constant `A` (ASCII "AS" = 0x4153).
pub const ASSENT_ACCOUNT: u32 = 0x4153;

/// Which identity of a wallet (patient self, a dependant, a pairwise identity…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IdentityIndex(pub u32);

/// Which key generation of an identity (0 = inception key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Generation(pub u32);

/// An identity of the wallet and the generation of its current key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdentityRef {
    /// The identity's branch.
    pub index: IdentityIndex,
    /// The current key generation.
    pub generation: Generation,
}

impl IdentityRef {
    /// The first identity, at its inception key.
    pub const PRIMARY: IdentityRef = IdentityRef {
        index: IdentityIndex(0),
        generation: Generation(0),
    };

    /// The same identity at its inception key (generation 0), the key that
    /// names it.
    pub fn inception(self) -> IdentityRef {
        IdentityRef {
            generation: Generation(0),
            ..self
        }
    }

    /// The same identity one key generation on (the key a pre-rotation
    /// commitment names).
    pub fn next(self) -> IdentityRef {
        IdentityRef {
            generation: Generation(self.generation.0 + 1),
            ..self
        }
    }

    /// `m/44'/16723'/index'/generation'`.
    ///
    /// # Errors
    /// An index or generation of 2³¹ or more cannot be hardened.
    pub fn path(&self) -> Result<DerivationPath, super::slip10::PathError> {
        DerivationPath::hardened(&[PURPOSE, ASSENT_ACCOUNT, self.index.0, self.generation.0])
    }
}

/// An Ed25519 signing key. No `Clone`; wiped on drop; `Debug` shows only the
/// public key.
pub struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    /// Derives the key of `identity` from a BIP39 seed.
    ///
    /// # Errors
    /// An index or generation of 2³¹ or more.
    pub fn derive(seed: &Seed, identity: IdentityRef) -> Result<Self, super::slip10::PathError> {
        let node = ExtendedKey::derive(seed.expose_secret(), &identity.path()?);
        Ok(Self::from_secret_bytes(node.secret_key()))
    }

    /// A key from its 32-byte RFC 8032 secret.
    pub fn from_secret_bytes(secret: &[u8; 32]) -> Self {
        SigningKey(ed25519_dalek::SigningKey::from_bytes(secret))
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from_verifying_key(self.0.verifying_key())
    }

    /// Signs `message` (RFC 8032 Ed25519, deterministic).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SigningKey {{ public: {}, secret: [REDACTED] }}",
            self.public_key()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_is_the_protocol_path() {
        let r = IdentityRef {
            index: IdentityIndex(2),
            generation: Generation(7),
        };
        assert_eq!(r.path().unwrap().to_string(), "m/44'/16723'/2'/7'");
    }

    #[test]
    fn sign_then_verify_and_debug_hides_the_secret() {
        let key = SigningKey::from_secret_bytes(&[7u8; 32]);
        let sig = key.sign(b"consent");
        key.public_key().verify(b"consent", &sig).unwrap();
        assert!(key.public_key().verify(b"consenT", &sig).is_err());
        let shown = format!("{key:?}");
        assert!(shown.contains("REDACTED") && shown.contains("assent1"));
        assert!(!shown.contains("7, 7"));
    }
}
