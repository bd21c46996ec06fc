//! The wallet's secret: what the OS keystore item or the vault holds.
//!
//! Keystore item (PROTOCOL §1), CBOR:
//! `{ "v": 1, "entropy": bytes(32), "bip39_passphrase"?: text,
//!    "identities": [{ "index": uint, "generation": uint }, …] }`.
//! Only the entropy is secret material in itself; the words, seed and every key
//! are derived from it (and the optional BIP39 passphrase) when needed.

use crate::ids::IdentityId;
use crate::keys::{
    Entropy, Generation, IdentityIndex, IdentityRef, MnemonicPhrase, PublicKey, Seed, SigningKey,
};
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

/// The version of the keystore item written by this code.
pub const ITEM_VERSION: u64 = 1;
/// The largest keystore item read (a wallet with thousands of identities fits).
pub const MAX_ITEM_SIZE: usize = 64 * 1024;

/// Why a keystore item or vault plaintext is not a wallet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WalletError {
    /// Larger than [`MAX_ITEM_SIZE`].
    #[error("wallet item of {len} bytes exceeds the limit of {MAX_ITEM_SIZE}")]
    TooLarge {
        /// Its size.
        len: usize,
    },
    /// Not the CBOR map described above.
    #[error("wallet item is malformed: {reason}")]
    Malformed {
        /// What the decoder found wrong.
        reason: String,
    },
    /// Bytes after the item.
    #[error("wallet item has {extra} trailing bytes")]
    TrailingBytes {
        /// How many.
        extra: usize,
    },
    /// A version this code does not know.
    #[error("wallet item version {0} is not supported (this build reads version {ITEM_VERSION})")]
    UnsupportedVersion(u64),
    /// The entropy is not 32 bytes.
    #[error("wallet entropy must be 32 bytes, got {0}")]
    EntropyLength(usize),
    /// No identity, or an index or generation that cannot be derived.
    #[error("wallet identities are invalid: {0}")]
    Identities(&'static str),
}

/// A wallet id: 16 random bytes, written as 32 hex digits. It names the
/// keystore account and the wallet's files; it is not secret.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct WalletId([u8; 16]);

impl WalletId {
    /// A fresh random id.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        let mut bytes = [0u8; 16];
        rng.fill_bytes(&mut bytes);
        WalletId(bytes)
    }
}

impl std::fmt::Display for WalletId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&data_encoding::HEXLOWER.encode(&self.0))
    }
}

impl std::fmt::Debug for WalletId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WalletId({self})")
    }
}

impl std::str::FromStr for WalletId {
    type Err = WalletError;

    fn from_str(s: &str) -> Result<Self, WalletError> {
        let bytes = data_encoding::HEXLOWER
            .decode(s.as_bytes())
            .ok()
            .and_then(|b| <[u8; 16]>::try_from(b).ok())
            .ok_or_else(|| WalletError::Malformed {
                reason: format!("wallet id {s:?} is not 32 lower-case hex digits"),
            })?;
        Ok(WalletId(bytes))
    }
}

/// The secret of a wallet: entropy, optional BIP39 passphrase, and the
/// identities derived from them. No `Clone`; `Debug` is redacted.
pub struct WalletSecret {
    entropy: Entropy,
    bip39_passphrase: Option<Zeroizing<String>>,
    identities: Vec<IdentityRef>,
}

impl WalletSecret {
    /// A wallet with one identity at its inception key.
    pub fn new(mnemonic: MnemonicPhrase, bip39_passphrase: Option<Zeroizing<String>>) -> Self {
        WalletSecret {
            entropy: mnemonic.into_entropy(),
            bip39_passphrase: bip39_passphrase.filter(|p| !p.is_empty()),
            identities: vec![IdentityRef::PRIMARY],
        }
    }

    /// The 24 words of this wallet.
    pub fn mnemonic(&self) -> MnemonicPhrase {
        MnemonicPhrase::from_entropy(self.entropy.duplicate())
    }

    /// Whether a BIP39 passphrase is part of the wallet.
    pub fn has_bip39_passphrase(&self) -> bool {
        self.bip39_passphrase.is_some()
    }

    /// The BIP39 seed.
    pub fn seed(&self) -> Seed {
        let passphrase = self.bip39_passphrase.as_deref().map_or("", String::as_str);
        self.mnemonic().to_seed(passphrase)
    }

    /// The identities, first = primary.
    pub fn identities(&self) -> &[IdentityRef] {
        &self.identities
    }

    /// The current signing key of an identity.
    ///
    /// # Errors
    /// Only for an index or generation of 2³¹ or more, which decoding refuses.
    pub fn signing_key(&self, identity: IdentityRef) -> Result<SigningKey, WalletError> {
        derive(&self.seed(), identity)
    }

    /// The public keys of `identities` (usually one identity at several
    /// generations), deriving the seed once: its BIP39 stretching costs
    /// far more than each key.
    ///
    /// # Errors
    /// As [`signing_key`](Self::signing_key).
    pub fn public_keys(
        &self,
        identities: impl IntoIterator<Item = IdentityRef>,
    ) -> Result<Vec<(IdentityRef, PublicKey)>, WalletError> {
        let seed = self.seed();
        identities
            .into_iter()
            .map(|identity| Ok((identity, derive(&seed, identity)?.public_key())))
            .collect()
    }

    /// The pre-rotation commitment an identity's `Enroll` or next
    /// `RotateKey` carries: `SHA-256` of the key one generation on
    /// (PROTOCOL §1).
    ///
    /// # Errors
    /// Only for an index or generation of 2³¹ − 1 or more.
    pub fn next_commitment(
        &self,
        identity: IdentityRef,
    ) -> Result<crate::ids::KeyCommitment, WalletError> {
        Ok(crate::ids::KeyCommitment::to(
            &self.signing_key(identity.next())?.public_key(),
        ))
    }

    /// The primary identity's inception key (generation 0): the key that
    /// names the identity for good (PROTOCOL §1), whatever key signs for it
    /// now. Give this to caregivers; its fingerprint is the wallet's.
    pub fn primary_public_key(&self) -> PublicKey {
        self.identity_id(self.identities[0]).0
    }

    /// The identity an entry of [`identities`](Self::identities) names: its
    /// inception key.
    ///
    /// # Panics
    /// Never for an identity of this wallet (they are checked on construction).
    pub fn identity_id(&self, identity: IdentityRef) -> IdentityId {
        IdentityId(
            self.signing_key(identity.inception())
                .expect("identities are checked on construction")
                .public_key(),
        )
    }

    /// What a `Grant` or `Revoke` signed by this identity's current key puts
    /// in its `patient` field: nothing while the inception key signs (the
    /// signer names the patient, and QR codes stay small), the identity once
    /// it has rotated.
    pub fn patient_field(&self, identity: IdentityRef) -> Option<IdentityId> {
        (identity.generation.0 > 0).then(|| self.identity_id(identity))
    }

    /// Signs `body` with an identity's current key. After a rotation the
    /// signer no longer names the patient, so a `Grant` or `Revoke` that
    /// names nobody is made to name this identity (PROTOCOL §1).
    ///
    /// # Errors
    /// Only for an identity whose keys cannot be derived.
    pub fn sign(
        &self,
        identity: IdentityRef,
        mut body: crate::tx::Body,
        origin: &str,
    ) -> Result<crate::tx::SignedTx, WalletError> {
        if let Some(patient) = self.patient_field(identity) {
            name_patient(&mut body.kind, patient);
        }
        Ok(crate::tx::SignedTx::sign(
            &body,
            &self.signing_key(identity)?,
            origin,
        ))
    }

    /// Moves an identity on to its next key generation after its `RotateKey`
    /// was signed (see [`crate::rotation`]); save the item afterwards.
    ///
    /// # Errors
    /// An identity not in this wallet, or one at generation 2³¹ − 2 already.
    pub fn advance(&mut self, identity: IdentityRef) -> Result<IdentityRef, WalletError> {
        // The key after the next must be derivable too: its commitment is
        // signed now (set_generation checks it).
        self.set_generation(identity, identity.next().generation)
    }

    /// Puts an identity at `generation`: the one its verified chain on the
    /// ledger shows (see [`crate::key_sync`]); save the item afterwards.
    ///
    /// # Errors
    /// An identity not in this wallet, or a generation with no successor
    /// to commit to.
    pub fn set_generation(
        &mut self,
        identity: IdentityRef,
        generation: Generation,
    ) -> Result<IdentityRef, WalletError> {
        let target = IdentityRef {
            generation,
            ..identity
        };
        if target.next().path().is_err() {
            return Err(WalletError::Identities(
                "index or generation is 2^31 or more",
            ));
        }
        let slot =
            self.identities
                .iter_mut()
                .find(|r| **r == identity)
                .ok_or(WalletError::Identities(
                    "not an identity of this wallet at this generation",
                ))?;
        *slot = target;
        Ok(target)
    }

    /// The keystore item bytes (secret: wiped when dropped).
    pub fn to_item(&self) -> Zeroizing<Vec<u8>> {
        let item = Item {
            v: ITEM_VERSION,
            entropy: self.entropy.expose_secret().to_vec(),
            bip39_passphrase: self.bip39_passphrase.as_deref().cloned(),
            identities: self
                .identities
                .iter()
                .map(|r| ItemIdentity {
                    index: r.index.0,
                    generation: r.generation.0,
                })
                .collect(),
        };
        // Room for everything up front, so the buffer never moves and leaves
        // a stray copy of the secret behind.
        let capacity = 64
            + 40
            + item.bip39_passphrase.as_ref().map_or(0, |p| p.len() + 24)
            + 24 * item.identities.len();
        let mut out = Zeroizing::new(Vec::with_capacity(capacity));
        ciborium::into_writer(&item, &mut *out).expect("writing CBOR to a Vec cannot fail");
        debug_assert!(out.len() <= capacity);
        out
    }

    /// Reads a keystore item.
    ///
    /// # Errors
    /// Oversize, malformed CBOR, trailing bytes, an unknown version, entropy
    /// that is not 32 bytes, or identities that cannot be derived.
    pub fn from_item(bytes: &[u8]) -> Result<Self, WalletError> {
        if bytes.len() > MAX_ITEM_SIZE {
            return Err(WalletError::TooLarge { len: bytes.len() });
        }
        let mut rest = bytes;
        // ciborium's scratch buffer sees the secret: make it one we wipe.
        let mut scratch = Zeroizing::new([0u8; 4096]);
        let mut item: Item = ciborium::de::from_reader_with_buffer(&mut rest, scratch.as_mut())
            .map_err(|e| WalletError::Malformed {
                reason: e.to_string(),
            })?;
        if !rest.is_empty() {
            return Err(WalletError::TrailingBytes { extra: rest.len() });
        }
        if item.v != ITEM_VERSION {
            return Err(WalletError::UnsupportedVersion(item.v));
        }
        if item.entropy.len() != 32 {
            return Err(WalletError::EntropyLength(item.entropy.len()));
        }
        let entropy = Entropy::copy_of(&item.entropy);
        if item.identities.is_empty() {
            return Err(WalletError::Identities(
                "a wallet has at least one identity",
            ));
        }
        let mut identities = Vec::with_capacity(item.identities.len());
        for i in &item.identities {
            let r = IdentityRef {
                index: IdentityIndex(i.index),
                generation: Generation(i.generation),
            };
            if r.path().is_err() {
                return Err(WalletError::Identities(
                    "index or generation is 2^31 or more",
                ));
            }
            if identities.iter().any(|o: &IdentityRef| o.index == r.index) {
                return Err(WalletError::Identities("an identity index appears twice"));
            }
            identities.push(r);
        }
        Ok(WalletSecret {
            entropy,
            bip39_passphrase: item
                .bip39_passphrase
                .take()
                .map(Zeroizing::new)
                .filter(|p| !p.is_empty()),
            identities,
        })
    }
}

/// The signing key of `identity` from the stretched seed.
fn derive(seed: &Seed, identity: IdentityRef) -> Result<SigningKey, WalletError> {
    SigningKey::derive(seed, identity)
        .map_err(|_| WalletError::Identities("index or generation is 2^31 or more"))
}

/// Makes a `Grant` or `Revoke` that names no patient name `patient`; any
/// other transaction, or one that names a patient already, is left alone.
fn name_patient(kind: &mut crate::tx::Kind, patient: IdentityId) {
    match kind {
        crate::tx::Kind::Grant(g) => {
            g.patient.get_or_insert(patient);
        }
        crate::tx::Kind::Revoke(r) => {
            r.patient.get_or_insert(patient);
        }
        _ => {}
    }
}

impl std::fmt::Debug for WalletSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalletSecret")
            .field("secret", &"[REDACTED]")
            .field("identities", &self.identities)
            .finish()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Item {
    v: u64,
    #[serde(with = "serde_bytes")]
    entropy: Vec<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bip39_passphrase: Option<String>,
    identities: Vec<ItemIdentity>,
}

impl Drop for Item {
    fn drop(&mut self) {
        self.entropy.zeroize();
        self.bip39_passphrase.zeroize();
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemIdentity {
    index: u32,
    generation: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wallet(passphrase: Option<&str>) -> WalletSecret {
        let words = "abandon ".repeat(23) + "art";
        WalletSecret::new(
            MnemonicPhrase::parse(&words).unwrap(),
            passphrase.map(|p| Zeroizing::new(p.to_string())),
        )
    }

    #[test]
    fn item_round_trips() {
        for passphrase in [None, Some("TREZOR")] {
            let w = wallet(passphrase);
            let back = WalletSecret::from_item(&w.to_item()).unwrap();
            assert_eq!(back.primary_public_key(), w.primary_public_key());
            assert_eq!(back.has_bip39_passphrase(), passphrase.is_some());
            assert_eq!(back.identities(), w.identities());
        }
    }

    #[test]
    fn passphrase_changes_the_key() {
        assert_ne!(
            wallet(None).primary_public_key(),
            wallet(Some("TREZOR")).primary_public_key()
        );
    }

    #[test]
    fn malformed_items_are_refused() {
        let good = wallet(None).to_item();
        let mut trailing = good.to_vec();
        trailing.push(0);
        assert_eq!(
            WalletSecret::from_item(&trailing).err(),
            Some(WalletError::TrailingBytes { extra: 1 })
        );
        assert!(matches!(
            WalletSecret::from_item(&good[..good.len() - 1]),
            Err(WalletError::Malformed { .. })
        ));
        let mut item = Item {
            v: 2,
            entropy: vec![0; 32],
            bip39_passphrase: None,
            identities: vec![ItemIdentity {
                index: 0,
                generation: 0,
            }],
        };
        let encode = |item: &Item| {
            let mut out = Vec::new();
            ciborium::into_writer(item, &mut out).unwrap();
            out
        };
        assert_eq!(
            WalletSecret::from_item(&encode(&item)).err(),
            Some(WalletError::UnsupportedVersion(2))
        );
        item.v = 1;
        item.entropy = vec![0; 16];
        assert_eq!(
            WalletSecret::from_item(&encode(&item)).err(),
            Some(WalletError::EntropyLength(16))
        );
        item.entropy = vec![0; 32];
        item.identities.clear();
        assert!(matches!(
            WalletSecret::from_item(&encode(&item)),
            Err(WalletError::Identities(_))
        ));
        item.identities.push(ItemIdentity {
            index: 1 << 31,
            generation: 0,
        });
        assert!(matches!(
            WalletSecret::from_item(&encode(&item)),
            Err(WalletError::Identities(_))
        ));
    }

    #[test]
    fn wallet_ids_round_trip_as_hex() {
        let id: WalletId = "00112233445566778899aabbccddeeff".parse().unwrap();
        assert_eq!(id.to_string(), "00112233445566778899aabbccddeeff");
        assert!("0011".parse::<WalletId>().is_err());
        assert!("00112233445566778899AABBCCDDEEFF"
            .parse::<WalletId>()
            .is_err());
    }

    #[test]
    fn debug_is_redacted() {
        let shown = format!("{:?}", wallet(Some("TREZOR")));
        assert!(shown.contains("REDACTED"));
        assert!(!shown.contains("TREZOR"));
    }
}
