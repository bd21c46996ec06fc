//! The trust policy (`trust.toml`, PROTOCOL §6) and the rule every wallet and
//! clinic applies to a checkpoint: the sequencer's signature and at least k of
//! the n configured validators' cosignatures, fresh within `max_view_age`
//! (DESIGN §4, PROTOCOL §6 "Quorum", "Freshness").
//!
//! ```toml
//! origin = "ledger.example/assent"
//! protocol = 1
//! sequencer = "ledger.example/assent+…+AQ…"   # type 0x01, signs checkpoints
//! receipt = "ledger.example/receipts+…+AQ…"   # type 0x01, signs receipts
//! k = 2
//! max_view_age = 300                           # seconds (default 300)
//! merge_delay = 60                             # seconds (default 60)
//!
//! [[validators]]
//! vkey = "v1.example+…+BA…"                    # type 0x04, cosignature/v1
//! url = "https://v1.example/"
//! ```
//!
//! Read with the `toml` crate through serde; the checks are written here
//! ([`TrustPolicy::validate`]). Verification is sans-IO: the clock reading is
//! an argument of the freshness check only.
//!
//! ## Decisions
//!
//! - Signature lines whose name and key id match no key of the policy are
//!   ignored (C2SP allows others to sign). A line that names the sequencer or
//!   a validator and fails to verify rejects the checkpoint
//!   ([`CheckpointError::BadSignature`]), as signed-note recommends.
//! - Validators are counted once each, however many lines they have; a
//!   validator's newest timestamp is kept.
//! - `k` must be at least ⌊n/2⌋ + 1 (PROTOCOL §6: `k ≥ ⌊(n+f)/2⌋ + 1` with
//!   f ≥ 0) and at most n; every key is used in one role only.
//! - A cosignature counts as fresh when `now − max_view_age ≤ t ≤ now +`
//!   [`MAX_CLOCK_SKEW`]: a validator clock far ahead is not trusted.
//!
//! ## Example
//!
//! ```
//! use assent_core::keys::SigningKey;
//! use assent_core::note::{Checkpoint, SignedCheckpoint, Vkey, VkeyKind};
//! use assent_core::trust::{CheckpointError, TrustPolicy, ValidatorEntry};
//!
//! let key = |n: u8| SigningKey::from_secret_bytes(&[n; 32]);
//! let (sequencer, receipts) = (key(1), key(2));
//! let validators = [("v1.example", key(11)), ("v2.example", key(12)), ("v3.example", key(13))];
//! let policy = TrustPolicy {
//!     origin: "ledger.example/assent".into(),
//!     protocol: 1,
//!     sequencer: Vkey::new("ledger.example/assent", VkeyKind::Ed25519, sequencer.public_key())?,
//!     receipt: Vkey::new("ledger.example/receipts", VkeyKind::Ed25519, receipts.public_key())?,
//!     validators: validators
//!         .iter()
//!         .map(|(name, key)| {
//!             Ok(ValidatorEntry {
//!                 vkey: Vkey::new(*name, VkeyKind::CosignatureV1, key.public_key())?,
//!                 url: format!("https://{name}/"),
//!             })
//!         })
//!         .collect::<Result<_, assent_core::note::VkeyError>>()?,
//!     k: 2,
//!     max_view_age: 300,
//!     merge_delay: 60,
//! };
//!
//! // The sequencer signs; two of the three validators cosign.
//! let now = 1_790_000_000;
//! let checkpoint = Checkpoint {
//!     origin: "ledger.example/assent".into(),
//!     size: 10,
//!     root: [1; 32],
//!     state_root: [2; 32],
//! };
//! let mut signed = SignedCheckpoint::sign(checkpoint.clone(), "ledger.example/assent", &sequencer)?;
//! signed.cosign("v1.example", &validators[0].1, now - 20)?;
//!
//! // One cosignature is not a quorum.
//! assert!(matches!(
//!     policy.verify_checkpoint(signed.to_bytes()),
//!     Err(CheckpointError::TooFewCosignatures { found: 1, needed: 2 })
//! ));
//!
//! signed.cosign("v2.example", &validators[1].1, now - 10)?;
//! let verified = policy.verify_checkpoint(signed.to_bytes())?;
//! assert_eq!(verified.checkpoint(), &checkpoint);
//! assert_eq!(verified.cosigned_by().len(), 2);
//! assert!(policy.freshness(&verified, now).is_fresh());
//! // An hour later the same view is stale: the verdict is "unknown".
//! assert!(!verified.is_fresh(now + 3600, policy.max_view_age));
//!
//! // trust.toml round-trips.
//! assert_eq!(TrustPolicy::from_toml(&policy.to_toml()?)?, policy);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::note::{
    checkpoint::is_valid_origin, Checkpoint, Cosignature, Note, NoteError, Receipt, Vkey, VkeyKind,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// `max_view_age` when the file does not say (seconds).
pub const DEFAULT_MAX_VIEW_AGE: u64 = 300;

/// `merge_delay` when the file does not say (seconds).
pub const DEFAULT_MERGE_DELAY: u64 = 60;

/// How far in the future a cosignature's timestamp may be and still count as
/// fresh (seconds): the 60 s PROTOCOL §3 allows between clocks.
pub const MAX_CLOCK_SKEW: u64 = 60;

fn default_max_view_age() -> u64 {
    DEFAULT_MAX_VIEW_AGE
}

fn default_merge_delay() -> u64 {
    DEFAULT_MERGE_DELAY
}

/// One validator: its cosignature/v1 key and where it serves its cosigned
/// checkpoint and evidence endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatorEntry {
    /// Its key (type 0x04).
    pub vkey: Vkey,
    /// Its base URL (`http://` or `https://`).
    pub url: String,
}

/// What a wallet or clinic trusts about one ledger (`trust.toml`). Never taken
/// from the ledger being checked (PROTOCOL §6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustPolicy {
    /// The log's origin, as its checkpoints' first line says.
    pub origin: String,
    /// The protocol version the ledger runs (≥ 1).
    pub protocol: u32,
    /// The sequencer's checkpoint key (type 0x01).
    pub sequencer: Vkey,
    /// The sequencer's receipt key (type 0x01, not the checkpoint key).
    pub receipt: Vkey,
    /// How many distinct validator cosignatures a checkpoint needs.
    pub k: usize,
    /// How old (seconds) the k cosignatures may be for a "live" verdict.
    #[serde(default = "default_max_view_age")]
    pub max_view_age: u64,
    /// The maximum merge delay receipts promise (seconds).
    #[serde(default = "default_merge_delay")]
    pub merge_delay: u64,
    /// The validators (type 0x04 keys), n of them.
    pub validators: Vec<ValidatorEntry>,
}

/// Which role a key has in a trust policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyRole {
    /// The sequencer's checkpoint key.
    Sequencer,
    /// The sequencer's receipt key.
    Receipt,
    /// A validator's cosigning key.
    Validator,
}

impl std::fmt::Display for KeyRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeyRole::Sequencer => "sequencer",
            KeyRole::Receipt => "receipt",
            KeyRole::Validator => "validator",
        })
    }
}

/// Why a trust policy was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustPolicyError {
    /// Not TOML, or not the fields of a trust policy (a bad vkey included).
    #[error("trust policy file: {0}")]
    Toml(#[from] toml::de::Error),
    /// The policy could not be written as TOML.
    #[error("writing the trust policy: {0}")]
    Write(#[from] toml::ser::Error),
    /// The origin is empty or has a control character.
    #[error("invalid origin {origin:?}")]
    InvalidOrigin {
        /// The origin given.
        origin: String,
    },
    /// Protocol version 0.
    #[error("protocol version {protocol} is not valid (versions start at 1)")]
    InvalidProtocol {
        /// The version given.
        protocol: u32,
    },
    /// No validators.
    #[error("a trust policy names at least one validator")]
    NoValidators,
    /// k outside ⌊n/2⌋ + 1 ..= n.
    #[error(
        "k = {k} with n = {n} validators: k must be at least {min} (a majority) and at most n"
    )]
    Threshold {
        /// The k given.
        k: usize,
        /// The number of validators.
        n: usize,
        /// The smallest k allowed, ⌊n/2⌋ + 1.
        min: usize,
    },
    /// A key of the wrong signature type for its role.
    #[error("the {role} key {name} is a {got} key; it must be a {expected} key")]
    WrongKeyKind {
        /// The key's role.
        role: KeyRole,
        /// The key's name.
        name: String,
        /// The type the role needs.
        expected: VkeyKind,
        /// The key's type.
        got: VkeyKind,
    },
    /// Two validators with one name.
    #[error("two validators are named {name}")]
    DuplicateValidatorName {
        /// The name.
        name: String,
    },
    /// One public key in two places (two validators, or a validator key also
    /// used as the sequencer or receipt key, or receipt key = sequencer key).
    #[error("the {role} key {name} reuses the public key of the {other_role} key {other}")]
    KeyReused {
        /// The later key's role.
        role: KeyRole,
        /// The later key's name.
        name: String,
        /// The earlier key's role.
        other_role: KeyRole,
        /// The earlier key's name.
        other: String,
    },
    /// Two keys with the same name and key id.
    #[error("two keys share the name and key id {name}+{key_id:08x}")]
    DuplicateKeyId {
        /// The shared name.
        name: String,
        /// The shared key id.
        key_id: u32,
    },
    /// A validator URL that is not `http://…` or `https://…`.
    #[error("validator {name} has URL {url:?}; expected http://… or https://…")]
    InvalidUrl {
        /// The validator's name.
        name: String,
        /// The URL given.
        url: String,
    },
    /// `max_view_age = 0`: no view would ever be fresh.
    #[error("max_view_age must be at least 1 second")]
    ZeroMaxViewAge,
}

/// Why a checkpoint was not accepted under a trust policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The policy itself is invalid (see [`TrustPolicy::validate`]).
    #[error("the trust policy is not valid: {0}")]
    Policy(#[from] TrustPolicyError),
    /// Not a signed note, or its body is not an Assent checkpoint.
    #[error("not a signed Assent checkpoint: {0}")]
    Note(#[from] NoteError),
    /// A checkpoint of another log.
    #[error("the checkpoint is for origin {got:?}, the trust policy for {expected:?}")]
    WrongOrigin {
        /// The policy's origin.
        expected: String,
        /// The checkpoint's origin.
        got: String,
    },
    /// A line naming the sequencer or a validator that does not verify.
    #[error("the signature by {name}+{key_id:08x} does not verify")]
    BadSignature {
        /// The signer's name.
        name: String,
        /// The signer's key id.
        key_id: u32,
    },
    /// No signature by the sequencer's checkpoint key.
    #[error("no signature by the sequencer key {name}+{key_id:08x}")]
    MissingSequencerSignature {
        /// The sequencer key's name.
        name: String,
        /// The sequencer key's id.
        key_id: u32,
    },
    /// Fewer than k distinct validators cosigned.
    #[error("{found} validator cosignatures verify; the trust policy needs {needed}")]
    TooFewCosignatures {
        /// Distinct validators whose cosignature verified.
        found: usize,
        /// k.
        needed: usize,
    },
    /// A cosignature by a key that is not one of the policy's validators.
    #[error("{name}+{key_id:08x} is not a validator of this trust policy")]
    UnknownCosigner {
        /// The cosigner's name.
        name: String,
        /// The cosigner's key id.
        key_id: u32,
    },
}

/// Why a receipt was not accepted under a trust policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// Not a receipt signed by the policy's receipt key.
    #[error("not a valid receipt: {0}")]
    Note(#[from] NoteError),
    /// A receipt from another log.
    #[error("the receipt is for origin {got:?}, the trust policy for {expected:?}")]
    WrongOrigin {
        /// The policy's origin.
        expected: String,
        /// The receipt's origin.
        got: String,
    },
}

/// Whether a verified checkpoint is a current view of the ledger
/// (PROTOCOL §6 "Freshness").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Freshness {
    /// At least k cosignatures within `max_view_age` of the clock.
    Fresh,
    /// Too few recent cosignatures: a grant status or decision from this view
    /// is "unknown (ledger view stale)", never "live".
    Stale {
        /// Cosignatures within `max_view_age`.
        fresh: usize,
        /// k.
        needed: usize,
    },
}

impl Freshness {
    /// Whether it is [`Freshness::Fresh`].
    pub fn is_fresh(&self) -> bool {
        matches!(self, Freshness::Fresh)
    }
}

impl std::fmt::Display for Freshness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Freshness::Fresh => f.write_str("fresh"),
            Freshness::Stale { .. } => f.write_str("unknown (ledger view stale)"),
        }
    }
}

/// A checkpoint that carries the sequencer's signature and at least k
/// distinct validator cosignatures under a trust policy. Only
/// [`TrustPolicy::verify_checkpoint`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    checkpoint: Checkpoint,
    note: Note,
    cosigned_by: Vec<(String, u64)>,
    k: usize,
}

impl VerifiedCheckpoint {
    /// The checkpoint.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The validators whose cosignature verified, with each one's newest
    /// timestamp, in the policy's order.
    pub fn cosigned_by(&self) -> &[(String, u64)] {
        &self.cosigned_by
    }

    /// The k it was verified against.
    pub fn threshold(&self) -> usize {
        self.k
    }

    /// The signed note as received (kept as evidence, e.g. of a fork).
    pub fn note(&self) -> &Note {
        &self.note
    }

    /// The signed note's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.note.to_bytes()
    }

    /// The time this view was last confirmed by a quorum: the k-th newest
    /// cosignature timestamp. Shown to people as "ledger view as of".
    pub fn quorum_time(&self) -> u64 {
        let mut times: Vec<u64> = self.cosigned_by.iter().map(|(_, t)| *t).collect();
        times.sort_unstable_by(|a, b| b.cmp(a));
        times
            .get(self.k.saturating_sub(1))
            .copied()
            .unwrap_or_default()
    }

    /// How many verified cosignatures have `now − max_view_age ≤ t ≤ now +`
    /// [`MAX_CLOCK_SKEW`].
    pub fn fresh_cosignatures(&self, now: u64, max_view_age: u64) -> usize {
        let oldest = now.saturating_sub(max_view_age);
        let newest = now.saturating_add(MAX_CLOCK_SKEW);
        self.cosigned_by
            .iter()
            .filter(|(_, t)| (oldest..=newest).contains(t))
            .count()
    }

    /// Whether at least k cosignatures are fresh at `now` (POSIX seconds).
    pub fn freshness(&self, now: u64, max_view_age: u64) -> Freshness {
        let fresh = self.fresh_cosignatures(now, max_view_age);
        if fresh >= self.k {
            Freshness::Fresh
        } else {
            Freshness::Stale {
                fresh,
                needed: self.k,
            }
        }
    }

    /// `self.freshness(now, max_view_age).is_fresh()`.
    pub fn is_fresh(&self, now: u64, max_view_age: u64) -> bool {
        self.freshness(now, max_view_age).is_fresh()
    }
}

impl TrustPolicy {
    /// Reads and checks `trust.toml`.
    ///
    /// # Errors
    /// [`TrustPolicyError::Toml`] for bad TOML, unknown fields or bad vkeys;
    /// otherwise the errors of [`TrustPolicy::validate`].
    pub fn from_toml(text: &str) -> Result<Self, TrustPolicyError> {
        let policy: TrustPolicy = toml::from_str(text)?;
        policy.validate()?;
        Ok(policy)
    }

    /// Checks and writes `trust.toml`.
    ///
    /// # Errors
    /// The errors of [`TrustPolicy::validate`]; [`TrustPolicyError::Write`].
    pub fn to_toml(&self) -> Result<String, TrustPolicyError> {
        self.validate()?;
        Ok(toml::to_string(self)?)
    }

    /// Checks the policy: a valid origin, protocol ≥ 1, at least one
    /// validator, ⌊n/2⌋ + 1 ≤ k ≤ n, key types (sequencer and receipt 0x01,
    /// validators 0x04), distinct validator names, every public key in one
    /// role only, distinct name and key id pairs, http(s) URLs, and
    /// `max_view_age` ≥ 1.
    ///
    /// # Errors
    /// A [`TrustPolicyError`] naming the first problem.
    pub fn validate(&self) -> Result<(), TrustPolicyError> {
        if !is_valid_origin(&self.origin) {
            return Err(TrustPolicyError::InvalidOrigin {
                origin: self.origin.clone(),
            });
        }
        if self.protocol == 0 {
            return Err(TrustPolicyError::InvalidProtocol {
                protocol: self.protocol,
            });
        }
        let n = self.validators.len();
        if n == 0 {
            return Err(TrustPolicyError::NoValidators);
        }
        let min = n / 2 + 1;
        if self.k < min || self.k > n {
            return Err(TrustPolicyError::Threshold { k: self.k, n, min });
        }
        if self.max_view_age == 0 {
            return Err(TrustPolicyError::ZeroMaxViewAge);
        }
        let roles = [
            (KeyRole::Sequencer, &self.sequencer),
            (KeyRole::Receipt, &self.receipt),
        ]
        .into_iter()
        .chain(
            self.validators
                .iter()
                .map(|v| (KeyRole::Validator, &v.vkey)),
        );
        let mut keys: BTreeMap<[u8; 32], (KeyRole, &str)> = BTreeMap::new();
        let mut ids: BTreeSet<(&str, u32)> = BTreeSet::new();
        let mut validator_names: BTreeSet<&str> = BTreeSet::new();
        for (role, vkey) in roles {
            let expected = match role {
                KeyRole::Validator => VkeyKind::CosignatureV1,
                KeyRole::Sequencer | KeyRole::Receipt => VkeyKind::Ed25519,
            };
            if vkey.kind() != expected {
                return Err(TrustPolicyError::WrongKeyKind {
                    role,
                    name: vkey.name().into(),
                    expected,
                    got: vkey.kind(),
                });
            }
            if role == KeyRole::Validator && !validator_names.insert(vkey.name()) {
                return Err(TrustPolicyError::DuplicateValidatorName {
                    name: vkey.name().into(),
                });
            }
            if let Some((other_role, other)) =
                keys.insert(vkey.key().to_bytes(), (role, vkey.name()))
            {
                return Err(TrustPolicyError::KeyReused {
                    role,
                    name: vkey.name().into(),
                    other_role,
                    other: other.into(),
                });
            }
            if !ids.insert((vkey.name(), vkey.id())) {
                return Err(TrustPolicyError::DuplicateKeyId {
                    name: vkey.name().into(),
                    key_id: vkey.id(),
                });
            }
        }
        for v in &self.validators {
            if !is_valid_url(&v.url) {
                return Err(TrustPolicyError::InvalidUrl {
                    name: v.vkey.name().into(),
                    url: v.url.clone(),
                });
            }
        }
        Ok(())
    }

    /// How many dishonest validators the quorum tolerates against split views:
    /// the largest f with `k ≥ ⌊(n+f)/2⌋ + 1`, i.e. `2k − n − 1`
    /// (n = 3, k = 2 gives 0; n = 4, k = 3 gives 1).
    pub fn split_view_tolerance(&self) -> usize {
        (2 * self.k).saturating_sub(self.validators.len() + 1)
    }

    /// Verifies a signed checkpoint note: the body is a strict Assent
    /// checkpoint of this policy's origin, the sequencer's Ed25519 signature
    /// verifies, and at least k distinct validators' cosignatures verify
    /// (strict Ed25519 throughout). Lines of unknown keys are ignored; a line
    /// naming the sequencer or a validator that fails rejects the note.
    /// Freshness is separate: [`TrustPolicy::freshness`].
    ///
    /// # Errors
    /// [`CheckpointError::Policy`] if the policy is invalid;
    /// [`CheckpointError::Note`] for syntax; [`CheckpointError::WrongOrigin`];
    /// [`CheckpointError::BadSignature`];
    /// [`CheckpointError::MissingSequencerSignature`];
    /// [`CheckpointError::TooFewCosignatures`].
    pub fn verify_checkpoint(
        &self,
        note: impl AsRef<[u8]>,
    ) -> Result<VerifiedCheckpoint, CheckpointError> {
        self.validate()?;
        let note = Note::parse(note)?;
        let checkpoint = Checkpoint::parse(note.text())?;
        if checkpoint.origin != self.origin {
            return Err(CheckpointError::WrongOrigin {
                expected: self.origin.clone(),
                got: checkpoint.origin,
            });
        }
        let mut sequencer_signed = false;
        let mut newest: BTreeMap<usize, u64> = BTreeMap::new();
        for line in note.signatures() {
            let bad = || CheckpointError::BadSignature {
                name: line.name().into(),
                key_id: line.key_id(),
            };
            if self.sequencer.matches(line) {
                self.sequencer
                    .verify_signature(note.text(), line)
                    .map_err(|_| bad())?;
                sequencer_signed = true;
            } else if let Some(i) = self.validators.iter().position(|v| v.vkey.matches(line)) {
                let timestamp = self.validators[i]
                    .vkey
                    .verify_signature(note.text(), line)
                    .map_err(|_| bad())?
                    .ok_or_else(bad)?;
                let entry = newest.entry(i).or_insert(timestamp);
                *entry = (*entry).max(timestamp);
            }
        }
        if !sequencer_signed {
            return Err(CheckpointError::MissingSequencerSignature {
                name: self.sequencer.name().into(),
                key_id: self.sequencer.id(),
            });
        }
        if newest.len() < self.k {
            return Err(CheckpointError::TooFewCosignatures {
                found: newest.len(),
                needed: self.k,
            });
        }
        let cosigned_by = newest
            .into_iter()
            .map(|(i, t)| (self.validators[i].vkey.name().to_owned(), t))
            .collect();
        Ok(VerifiedCheckpoint {
            checkpoint,
            note,
            cosigned_by,
            k: self.k,
        })
    }

    /// Whether `checkpoint` is fresh at `now` under this policy's
    /// `max_view_age`.
    pub fn freshness(&self, checkpoint: &VerifiedCheckpoint, now: u64) -> Freshness {
        checkpoint.freshness(now, self.max_view_age)
    }

    /// Checks one cosignature of `checkpoint_text` against the policy's
    /// validators (e.g. when a validator submits it) and returns its entry.
    ///
    /// # Errors
    /// [`CheckpointError::UnknownCosigner`] if no validator has its name and
    /// key id; [`CheckpointError::BadSignature`] if it does not verify.
    pub fn verify_cosignature(
        &self,
        checkpoint_text: &str,
        cosignature: &Cosignature,
    ) -> Result<&ValidatorEntry, CheckpointError> {
        let entry = self
            .validators
            .iter()
            .find(|v| v.vkey.name() == cosignature.name() && v.vkey.id() == cosignature.key_id())
            .ok_or_else(|| CheckpointError::UnknownCosigner {
                name: cosignature.name().into(),
                key_id: cosignature.key_id(),
            })?;
        cosignature
            .verify(&entry.vkey, checkpoint_text)
            .map_err(|_| CheckpointError::BadSignature {
                name: cosignature.name().into(),
                key_id: cosignature.key_id(),
            })?;
        Ok(entry)
    }

    /// Verifies a receipt under the policy's receipt key and origin.
    ///
    /// # Errors
    /// [`ReceiptError::Note`] for a bad note, signature or text;
    /// [`ReceiptError::WrongOrigin`].
    pub fn verify_receipt(&self, note: impl AsRef<[u8]>) -> Result<Receipt, ReceiptError> {
        let receipt = Receipt::verify(note, &self.receipt)?;
        if receipt.origin != self.origin {
            return Err(ReceiptError::WrongOrigin {
                expected: self.origin.clone(),
                got: receipt.origin,
            });
        }
        Ok(receipt)
    }
}

fn is_valid_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    matches!(rest, Some(host) if !host.is_empty() && !host.starts_with('/'))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TxId;
    use crate::keys::SigningKey;
    use crate::note::{sign_note, NoteSignature, SignedCheckpoint};

    const ORIGIN: &str = "ledger.example/assent";
    const SEQ: &str = "ledger.example/assent";
    const NOW: u64 = 1_790_000_000;
    const NAMES: [&str; 3] = ["v1.example", "v2.example", "v3.example"];

    fn key(n: u8) -> SigningKey {
        SigningKey::from_secret_bytes(&[n; 32])
    }

    fn validator_key(i: usize) -> SigningKey {
        key(11 + i as u8)
    }

    fn policy() -> TrustPolicy {
        TrustPolicy {
            origin: ORIGIN.into(),
            protocol: 1,
            sequencer: Vkey::new(SEQ, VkeyKind::Ed25519, key(1).public_key()).unwrap(),
            receipt: Vkey::new(
                "ledger.example/receipts",
                VkeyKind::Ed25519,
                key(2).public_key(),
            )
            .unwrap(),
            validators: NAMES
                .iter()
                .enumerate()
                .map(|(i, name)| ValidatorEntry {
                    vkey: Vkey::new(
                        *name,
                        VkeyKind::CosignatureV1,
                        validator_key(i).public_key(),
                    )
                    .unwrap(),
                    url: format!("https://{name}/"),
                })
                .collect(),
            k: 2,
            max_view_age: DEFAULT_MAX_VIEW_AGE,
            merge_delay: DEFAULT_MERGE_DELAY,
        }
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: ORIGIN.into(),
            size: 7,
            root: [3; 32],
            state_root: [4; 32],
        }
    }

    /// The checkpoint signed by the sequencer and cosigned by validators
    /// `(index, timestamp)`.
    fn signed(cosigners: &[(usize, u64)]) -> SignedCheckpoint {
        let mut s = SignedCheckpoint::sign(checkpoint(), SEQ, &key(1)).unwrap();
        for &(i, t) in cosigners {
            s.cosign(NAMES[i], &validator_key(i), t).unwrap();
        }
        s
    }

    // --- trust.toml ------------------------------------------------------------

    #[test]
    fn toml_round_trip_and_defaults() {
        let p = policy();
        let text = p.to_toml().unwrap();
        assert!(text.contains("[[validators]]"), "{text}");
        assert!(text.contains(&format!("sequencer = \"{}\"", p.sequencer)));
        assert_eq!(TrustPolicy::from_toml(&text).unwrap(), p);

        let bare: String = text
            .lines()
            .filter(|l| !l.starts_with("max_view_age") && !l.starts_with("merge_delay"))
            .map(|l| format!("{l}\n"))
            .collect();
        let read = TrustPolicy::from_toml(&bare).unwrap();
        assert_eq!(read.max_view_age, 300);
        assert_eq!(read.merge_delay, 60);

        for bad in [
            format!("{text}\nextra = 1\n"),
            text.replace("protocol = 1\n", ""),
            text.replace(&p.sequencer.to_string(), "not-a-vkey"),
            text.replace("url = ", "link = "),
            "origin = ".into(),
        ] {
            assert!(
                matches!(TrustPolicy::from_toml(&bad), Err(TrustPolicyError::Toml(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn validation_errors() {
        type Change = fn(&mut TrustPolicy);
        type Check = fn(&TrustPolicyError) -> bool;
        let cases: Vec<(Change, Check)> = vec![
            (
                |p| p.k = 0,
                |e| matches!(e, TrustPolicyError::Threshold { k: 0, n: 3, min: 2 }),
            ),
            (
                |p| p.k = 1,
                |e| matches!(e, TrustPolicyError::Threshold { k: 1, .. }),
            ),
            (
                |p| p.k = 4,
                |e| matches!(e, TrustPolicyError::Threshold { k: 4, .. }),
            ),
            (
                |p| p.validators.clear(),
                |e| matches!(e, TrustPolicyError::NoValidators),
            ),
            (
                |p| p.origin = String::new(),
                |e| matches!(e, TrustPolicyError::InvalidOrigin { .. }),
            ),
            (
                |p| p.protocol = 0,
                |e| matches!(e, TrustPolicyError::InvalidProtocol { protocol: 0 }),
            ),
            (
                |p| p.max_view_age = 0,
                |e| matches!(e, TrustPolicyError::ZeroMaxViewAge),
            ),
            (
                |p| {
                    p.sequencer =
                        Vkey::new(SEQ, VkeyKind::CosignatureV1, key(1).public_key()).unwrap()
                },
                |e| {
                    matches!(
                        e,
                        TrustPolicyError::WrongKeyKind {
                            role: KeyRole::Sequencer,
                            ..
                        }
                    )
                },
            ),
            (
                |p| {
                    p.receipt =
                        Vkey::new("r", VkeyKind::CosignatureV1, key(2).public_key()).unwrap()
                },
                |e| {
                    matches!(
                        e,
                        TrustPolicyError::WrongKeyKind {
                            role: KeyRole::Receipt,
                            ..
                        }
                    )
                },
            ),
            (
                |p| {
                    p.validators[1].vkey = Vkey::new(
                        "v2.example",
                        VkeyKind::Ed25519,
                        validator_key(1).public_key(),
                    )
                    .unwrap()
                },
                |e| {
                    matches!(
                        e,
                        TrustPolicyError::WrongKeyKind {
                            role: KeyRole::Validator,
                            ..
                        }
                    )
                },
            ),
            (
                |p| {
                    p.validators[2].vkey = Vkey::new(
                        "v1.example",
                        VkeyKind::CosignatureV1,
                        validator_key(2).public_key(),
                    )
                    .unwrap()
                },
                |e| matches!(e, TrustPolicyError::DuplicateValidatorName { .. }),
            ),
            (
                |p| {
                    p.validators[2].vkey = Vkey::new(
                        "v3.example",
                        VkeyKind::CosignatureV1,
                        validator_key(0).public_key(),
                    )
                    .unwrap()
                },
                |e| {
                    matches!(
                        e,
                        TrustPolicyError::KeyReused {
                            role: KeyRole::Validator,
                            other_role: KeyRole::Validator,
                            ..
                        }
                    )
                },
            ),
            (
                |p| {
                    p.validators[0].vkey =
                        Vkey::new("v1.example", VkeyKind::CosignatureV1, key(1).public_key())
                            .unwrap()
                },
                |e| {
                    matches!(
                        e,
                        TrustPolicyError::KeyReused {
                            role: KeyRole::Validator,
                            other_role: KeyRole::Sequencer,
                            ..
                        }
                    )
                },
            ),
            (
                |p| p.receipt = Vkey::new("r", VkeyKind::Ed25519, key(1).public_key()).unwrap(),
                |e| {
                    matches!(
                        e,
                        TrustPolicyError::KeyReused {
                            role: KeyRole::Receipt,
                            other_role: KeyRole::Sequencer,
                            ..
                        }
                    )
                },
            ),
            (
                |p| p.validators[0].url = "ftp://v1.example/".into(),
                |e| matches!(e, TrustPolicyError::InvalidUrl { .. }),
            ),
            (
                |p| p.validators[0].url = "https://".into(),
                |e| matches!(e, TrustPolicyError::InvalidUrl { .. }),
            ),
            (
                |p| p.validators[0].url = "https://v1 example/".into(),
                |e| matches!(e, TrustPolicyError::InvalidUrl { .. }),
            ),
        ];
        for (i, (change, check)) in cases.into_iter().enumerate() {
            let mut p = policy();
            change(&mut p);
            let err = p.validate().unwrap_err();
            assert!(check(&err), "case {i}: {err:?}");
            assert_eq!(p.to_toml(), Err(err.clone()));
            // An invalid policy verifies nothing.
            assert_eq!(
                p.verify_checkpoint(signed(&[(0, NOW), (1, NOW), (2, NOW)]).to_bytes()),
                Err(CheckpointError::Policy(err))
            );
        }
        // Accepted edges: n = 1, k = 1; n = 4, k = 3; http URLs.
        let mut p = policy();
        p.validators.truncate(1);
        p.k = 1;
        p.validators[0].url = "http://127.0.0.1:8080".into();
        p.validate().unwrap();
        let mut p = policy();
        p.validators.push(ValidatorEntry {
            vkey: Vkey::new("v4.example", VkeyKind::CosignatureV1, key(20).public_key()).unwrap(),
            url: "https://v4.example".into(),
        });
        p.k = 3;
        p.validate().unwrap();
        assert_eq!(p.split_view_tolerance(), 1);
        assert_eq!(policy().split_view_tolerance(), 0);
    }

    // --- checkpoints -------------------------------------------------------------

    #[test]
    fn k_of_n_counting() {
        let p = policy();
        assert_eq!(
            p.verify_checkpoint(signed(&[]).to_bytes()),
            Err(CheckpointError::TooFewCosignatures {
                found: 0,
                needed: 2
            })
        );
        assert_eq!(
            p.verify_checkpoint(signed(&[(2, NOW)]).to_bytes()),
            Err(CheckpointError::TooFewCosignatures {
                found: 1,
                needed: 2
            })
        );
        let two = p
            .verify_checkpoint(signed(&[(2, NOW), (0, NOW - 1)]).to_bytes())
            .unwrap();
        assert_eq!(two.checkpoint(), &checkpoint());
        assert_eq!(
            two.cosigned_by(),
            &[
                ("v1.example".to_string(), NOW - 1),
                ("v3.example".to_string(), NOW)
            ]
        );
        assert_eq!(two.threshold(), 2);
        assert_eq!(two.quorum_time(), NOW - 1);
        let all = p
            .verify_checkpoint(signed(&[(0, NOW), (1, NOW), (2, NOW)]).to_bytes())
            .unwrap();
        assert_eq!(all.cosigned_by().len(), 3);
        assert_eq!(
            all.to_bytes(),
            signed(&[(0, NOW), (1, NOW), (2, NOW)]).to_bytes()
        );
    }

    #[test]
    fn one_validator_counts_once() {
        let p = policy();
        let base = signed(&[(0, NOW - 100)]);
        // A second line by the same validator (another timestamp), appended
        // by hand since add_cosignature replaces.
        let again = Cosignature::sign(base.text(), NAMES[0], &validator_key(0), NOW).unwrap();
        let note = format!("{base}{}", again.to_line());
        assert_eq!(
            p.verify_checkpoint(&note),
            Err(CheckpointError::TooFewCosignatures {
                found: 1,
                needed: 2
            })
        );
        // With a second validator: counted as two, the newest time kept.
        let third = Cosignature::sign(base.text(), NAMES[1], &validator_key(1), NOW).unwrap();
        let verified = p
            .verify_checkpoint(format!("{note}{}", third.to_line()))
            .unwrap();
        assert_eq!(
            verified.cosigned_by(),
            &[
                ("v1.example".to_string(), NOW),
                ("v2.example".to_string(), NOW)
            ]
        );
    }

    #[test]
    fn origin_and_sequencer_signature_are_required() {
        let p = policy();
        let mut other = checkpoint();
        other.origin = "other.example/log".into();
        let mut s = SignedCheckpoint::sign(other, SEQ, &key(1)).unwrap();
        s.cosign(NAMES[0], &validator_key(0), NOW).unwrap();
        s.cosign(NAMES[1], &validator_key(1), NOW).unwrap();
        assert!(matches!(
            p.verify_checkpoint(s.to_bytes()),
            Err(CheckpointError::WrongOrigin { .. })
        ));

        // Cosigned but signed by someone else than the sequencer.
        let mut s = SignedCheckpoint::sign(checkpoint(), "impostor.example", &key(9)).unwrap();
        s.cosign(NAMES[0], &validator_key(0), NOW).unwrap();
        s.cosign(NAMES[1], &validator_key(1), NOW).unwrap();
        assert!(matches!(
            p.verify_checkpoint(s.to_bytes()),
            Err(CheckpointError::MissingSequencerSignature { .. })
        ));
        // The sequencer's name with another key is just an unknown line.
        let mut s = SignedCheckpoint::sign(checkpoint(), SEQ, &key(9)).unwrap();
        s.cosign(NAMES[0], &validator_key(0), NOW).unwrap();
        s.cosign(NAMES[1], &validator_key(1), NOW).unwrap();
        assert!(matches!(
            p.verify_checkpoint(s.to_bytes()),
            Err(CheckpointError::MissingSequencerSignature { .. })
        ));
        // The receipt key is not a checkpoint key.
        let mut s =
            SignedCheckpoint::sign(checkpoint(), "ledger.example/receipts", &key(2)).unwrap();
        s.cosign(NAMES[0], &validator_key(0), NOW).unwrap();
        s.cosign(NAMES[1], &validator_key(1), NOW).unwrap();
        assert!(matches!(
            p.verify_checkpoint(s.to_bytes()),
            Err(CheckpointError::MissingSequencerSignature { .. })
        ));
    }

    #[test]
    fn failing_known_lines_reject_unknown_lines_do_not() {
        let p = policy();
        let good = signed(&[(0, NOW), (1, NOW)]);
        let text = good.to_string();

        // Lines by strangers (Ed25519 and cosignature) are ignored.
        let mut extra = good.clone();
        extra
            .add_signature_line(
                &Note::parse(sign_note(good.text(), "stranger", &key(30)).unwrap())
                    .unwrap()
                    .signatures()[0]
                    .to_line(),
            )
            .unwrap();
        extra.cosign("witness.elsewhere", &key(31), NOW).unwrap();
        extra
            .add_signature_line(
                &NoteSignature::new("ecdsa.example", 7, vec![1; 70])
                    .unwrap()
                    .to_line(),
            )
            .unwrap();
        assert_eq!(
            p.verify_checkpoint(extra.to_bytes())
                .unwrap()
                .cosigned_by()
                .len(),
            2
        );

        // Tamper with each known line's signature bytes.
        let note = Note::parse(&text).unwrap();
        for (i, line) in note.signatures().iter().enumerate() {
            for position in [0, 7, 8, 40, line.signature().len() - 1] {
                if position >= line.signature().len() {
                    continue;
                }
                let mut bytes = line.signature().to_vec();
                bytes[position] ^= 0x01;
                let mut out = format!("{}\n", note.text());
                for (j, l) in note.signatures().iter().enumerate() {
                    out += &if i == j {
                        NoteSignature::new(l.name(), l.key_id(), bytes.clone())
                            .unwrap()
                            .to_line()
                    } else {
                        l.to_line()
                    };
                }
                assert_eq!(
                    p.verify_checkpoint(&out),
                    Err(CheckpointError::BadSignature {
                        name: line.name().into(),
                        key_id: line.key_id(),
                    }),
                    "line {i} byte {position}"
                );
            }
        }
        // A validator's line of the wrong length.
        let short = NoteSignature::new(NAMES[2], p.validators[2].vkey.id(), vec![0; 64]).unwrap();
        assert!(matches!(
            p.verify_checkpoint(format!("{text}{}", short.to_line())),
            Err(CheckpointError::BadSignature { .. })
        ));
        // A cosignature of another checkpoint, copied over.
        let mut other = checkpoint();
        other.size += 1;
        let foreign =
            Cosignature::sign(&other.to_text(), NAMES[2], &validator_key(2), NOW).unwrap();
        assert!(matches!(
            p.verify_checkpoint(format!("{text}{}", foreign.to_line())),
            Err(CheckpointError::BadSignature { .. })
        ));
        // Tampered body.
        assert!(matches!(
            p.verify_checkpoint(text.replacen("\n7\n", "\n8\n", 1)),
            Err(CheckpointError::BadSignature { .. })
        ));
    }

    #[test]
    fn extension_line_missing_or_extra() {
        let p = policy();
        let full = checkpoint().to_text();
        let head: String = full.lines().take(3).map(|l| format!("{l}\n")).collect();
        for (body, want) in [
            (head.clone(), NoteError::MissingStateRoot),
            (
                format!("{full}other/v1 x\n"),
                NoteError::UnexpectedExtension {
                    line: "other/v1 x".into(),
                },
            ),
        ] {
            // Correctly signed and cosigned, still refused.
            let mut note = Note::new(body.clone()).unwrap();
            note.sign(SEQ, &key(1)).unwrap();
            for (i, name) in NAMES.iter().enumerate().take(2) {
                let c = Cosignature::sign(&body, name, &validator_key(i), NOW).unwrap();
                note.add_signature(c.to_note_signature()).unwrap();
            }
            assert_eq!(
                p.verify_checkpoint(note.to_bytes()),
                Err(CheckpointError::Note(want))
            );
        }
        assert_eq!(
            p.verify_checkpoint(b"not a note"),
            Err(CheckpointError::Note(NoteError::Malformed))
        );
    }

    #[test]
    fn freshness_boundaries() {
        let p = policy();
        let age = p.max_view_age;
        let v = p
            .verify_checkpoint(signed(&[(0, NOW), (1, NOW - 10)]).to_bytes())
            .unwrap();
        // Both fresh until the older one is max_view_age old.
        assert_eq!(p.freshness(&v, NOW), Freshness::Fresh);
        assert_eq!(p.freshness(&v, NOW - 10 + age), Freshness::Fresh);
        assert_eq!(
            p.freshness(&v, NOW - 10 + age + 1),
            Freshness::Stale {
                fresh: 1,
                needed: 2
            }
        );
        assert_eq!(
            p.freshness(&v, NOW + age + 1),
            Freshness::Stale {
                fresh: 0,
                needed: 2
            }
        );
        assert_eq!(
            p.freshness(&v, NOW + age + 1).to_string(),
            "unknown (ledger view stale)"
        );
        assert!(v.is_fresh(NOW + 20, 30));
        assert!(!v.is_fresh(NOW + 21, 30));
        // Timestamps in the future: up to MAX_CLOCK_SKEW ahead of the clock.
        assert!(v.is_fresh(NOW - MAX_CLOCK_SKEW, age));
        assert_eq!(v.fresh_cosignatures(NOW - MAX_CLOCK_SKEW - 1, age), 1);
        assert!(!v.is_fresh(NOW - MAX_CLOCK_SKEW - 1, age));
        // Clocks near zero do not underflow.
        assert_eq!(v.fresh_cosignatures(0, age), 0);
        assert_eq!(v.fresh_cosignatures(u64::MAX, u64::MAX), 2);
    }

    #[test]
    fn single_cosignatures_and_receipts() {
        let p = policy();
        let text = checkpoint().to_text();
        let c = Cosignature::sign(&text, NAMES[1], &validator_key(1), NOW).unwrap();
        assert_eq!(
            p.verify_cosignature(&text, &c).unwrap().vkey.name(),
            NAMES[1]
        );
        assert!(matches!(
            p.verify_cosignature(&text.replacen("\n7\n", "\n8\n", 1), &c),
            Err(CheckpointError::BadSignature { .. })
        ));
        let stranger = Cosignature::sign(&text, "stranger", &key(40), NOW).unwrap();
        assert!(matches!(
            p.verify_cosignature(&text, &stranger),
            Err(CheckpointError::UnknownCosigner { .. })
        ));

        let receipt = Receipt {
            origin: ORIGIN.into(),
            tx: TxId([9; 32]),
            received: NOW,
            deadline: NOW + p.merge_delay,
            index: None,
        };
        let signed = receipt.sign("ledger.example/receipts", &key(2)).unwrap();
        assert_eq!(p.verify_receipt(&signed).unwrap(), receipt);
        let by_sequencer = receipt.sign(SEQ, &key(1)).unwrap();
        assert_eq!(
            p.verify_receipt(by_sequencer),
            Err(ReceiptError::Note(NoteError::NoKnownSignature))
        );
        let mut elsewhere = receipt.clone();
        elsewhere.origin = "other.example".into();
        let signed = elsewhere.sign("ledger.example/receipts", &key(2)).unwrap();
        assert!(matches!(
            p.verify_receipt(signed),
            Err(ReceiptError::WrongOrigin { .. })
        ));
    }
}
