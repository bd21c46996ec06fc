//! A patient's keys: BIP39 words → seed → SLIP-0010 ed25519 → signing key.
//!
//! - [`mnemonic`]: 24 English words (BIP39) over 256 bits of entropy, and the
//!   seed they give with an optional passphrase.
//! - [`slip10`]: SLIP-0010 hardened derivation for ed25519.
//! - [`identity`]: Assent's derivation path per identity and key generation
//!   (PROTOCOL §1), and the signing key it gives.
//! - [`public`]: participant public keys, their checksummed text form and the
//!   short fingerprint people compare, and strict signature verification.
//! - [`signer_tables`]: the same strict verdicts, faster for keys that sign
//!   often.

pub mod identity;
pub mod mnemonic;
mod point_cache;
pub mod public;
pub mod signer_tables;
pub mod slip10;

pub use identity::{Generation, IdentityIndex, IdentityRef, SigningKey};
pub use mnemonic::{
    seed_from_words, words_for_entropy, Entropy, MnemonicError, MnemonicPhrase, Seed,
};
pub use public::{Fingerprint, PublicKey, PublicKeyError, SignatureError};
