//! # assent-core: the Assent protocol
//!
//! Assent is a consent wallet for health data: a patient holds an Ed25519 key,
//! grants and revokes access to their records as signed transactions on a
//! consortium ledger, and verifies the ledger's answers itself. This crate is
//! the protocol every other piece calls: the ledger node, the `assent` CLI,
//! the app and the monitor all use this one copy.
//!
//! It is sans-IO: plain functions over bytes and values, with the clock and
//! randomness passed in. Input and output live at small named edges:
//! [`keystore`] (the OS keystore) and [`fsio`] (atomic file writes).
//!
//! | module | what |
//! | --- | --- |
//! | [`keys`] | BIP39 words, SLIP-0010 derivation, signing keys, public keys' text form and fingerprint, strict signature checks |
//! | [`wallet`] | the wallet's secret and its keystore item encoding |
//! | [`vault`] | the encrypted file vault and backup format (Argon2id + XChaCha20-Poly1305) |
//! | [`keystore`] | the OS keystore edge (`os-keystore` feature) |
//! | [`fsio`] | atomic, durable file writes |
//! | [`qr`] | grant and consent-request QR codes (base45 text; PNG/SVG and image reading with `qr-image`) |
//!
//! ## A wallet, end to end
//!
//! ```
//! use assent_core::{keys::MnemonicPhrase, vault, wallet::WalletSecret};
//! use rand_core::OsRng;
//!
//! // A new wallet: 24 words, shown once to the patient.
//! let wallet = WalletSecret::new(MnemonicPhrase::generate(&mut OsRng), None);
//! let words = wallet.mnemonic().phrase();
//! let key = wallet.primary_public_key();
//! println!("{key} ({})", key.fingerprint());
//!
//! // Restoring from the words gives the same key.
//! let restored = WalletSecret::new(MnemonicPhrase::parse(&words).unwrap(), None);
//! assert_eq!(restored.primary_public_key(), key);
//!
//! // An encrypted backup opens only with its passphrase.
//! let pass = vault::Passphrase::new("a long backup passphrase".into());
//! let backup = vault::seal_wallet(&wallet, &pass, vault::KdfParams::MINIMUM, &mut OsRng).unwrap();
//! assert_eq!(vault::open_wallet(&backup, &pass).unwrap().primary_public_key(), key);
//!
//! // Signatures are checked strictly.
//! let signing = wallet.signing_key(wallet.identities()[0]).unwrap();
//! let sig = signing.sign(b"grant");
//! assert!(key.verify(b"grant", &sig).is_ok());
//! assert!(key.verify(b"grunt", &sig).is_err());
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs, rustdoc::broken_intra_doc_links)]

pub mod audit;
pub mod cbor;
#[cfg(feature = "client")]
pub mod client;
pub mod clinic;
pub mod codes;
pub mod evidence;
pub mod explain;
pub mod fhir;
pub mod fsio;
pub mod genesis_file;
pub mod history;
pub mod ids;
pub mod key_sync;
pub mod keyfile;
pub mod keys;
pub mod keystore;
pub mod memory;
pub mod merkle;
pub mod note;
pub mod outbox;
pub mod policy;
pub mod qr;
pub mod read_auth;
pub mod replica;
pub mod rotation;
pub mod scope;
pub mod smt;
pub mod state;
pub mod trust;
pub mod tx;

#[cfg(test)]
pub(crate) mod testkit;
pub mod vault;
pub mod wallet;

/// Re-exported so callers use the same secret-wiping types as core.
pub use zeroize;
