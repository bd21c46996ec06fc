//! Checkpoint memory (DESIGN §4 "Clients remember"): the newest checkpoint a
//! wallet or clinic verified, and the rule for moving on from it.
//!
//! A newer checkpoint is accepted only with a consistency proof from the held
//! one. A smaller tree, a proof that does not connect the roots, or a second
//! root for a size already seen is a fork: both notes are kept as
//! [`ForkEvidence`], an alarm is raised, and the held checkpoint stays where
//! it was. Memory never moves back.
//!
//! ```
//! use assent_core::memory::{CheckpointMemory, Step};
//! # use assent_core::{keys::SigningKey, merkle::{Hash, proofs}, note::*, trust::*};
//! # let seq = SigningKey::from_secret_bytes(&[1; 32]);
//! # let val = SigningKey::from_secret_bytes(&[2; 32]);
//! # let rcpt = SigningKey::from_secret_bytes(&[3; 32]);
//! # let policy = TrustPolicy {
//! #     origin: "ledger.example".into(),
//! #     sequencer: Vkey::new("seq", VkeyKind::Ed25519, seq.public_key()).unwrap(),
//! #     receipt: Vkey::new("rcpt", VkeyKind::Ed25519, rcpt.public_key()).unwrap(),
//! #     validators: vec![ValidatorEntry { vkey: Vkey::new("v1", VkeyKind::CosignatureV1, val.public_key()).unwrap(), url: "http://v1.example".into() }],
//! #     k: 1, max_view_age: 300, merge_delay: 60, protocol: 1,
//! # };
//! # let leaves: Vec<Hash> = (0..5u8).map(|i| assent_core::merkle::leaf_hash(&[i])).collect();
//! # let cosigned = |n: usize| {
//! #     let cp = Checkpoint { origin: "ledger.example".into(), size: n as u64, root: proofs::root(&leaves[..n]).0, state_root: [0; 32] };
//! #     let mut s = SignedCheckpoint::sign(cp, "seq", &seq).unwrap();
//! #     s.cosign("v1", &val, 1_790_000_000).unwrap();
//! #     policy.verify_checkpoint(s.to_bytes()).unwrap()
//! # };
//! let mut memory = CheckpointMemory::default();
//! let three = cosigned(3);
//! assert_eq!(memory.step(&three), Step::Adopt);
//! memory.advance(&three, &[], 0).unwrap();
//!
//! let five = cosigned(5);
//! assert_eq!(memory.step(&five), Step::NeedProof { from: 3 });
//! let proof = proofs::consistency(3, &leaves);
//! memory.advance(&five, &proof, 0).unwrap();
//! assert_eq!(memory.held().unwrap().size, 5);
//!
//! // Going back to three is a fork: refused, kept as evidence.
//! assert!(memory.advance(&three, &[], 0).is_err());
//! assert_eq!(memory.held().unwrap().size, 5);
//! assert_eq!(memory.evidence().len(), 1);
//! ```

use crate::merkle::{empty_root, verify_consistency, ConsistencyError, Hash};
use crate::note::{Checkpoint, NoteError, SignedCheckpoint};
use crate::trust::VerifiedCheckpoint;
use serde::{Deserialize, Serialize};

/// What it takes to move from the held checkpoint to an offered one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Nothing is held yet: adopt it (trust on first use of a verified,
    /// quorum-cosigned checkpoint).
    Adopt,
    /// The same checkpoint (same size and root) as the one held.
    Same,
    /// A larger tree: a consistency proof from size `from` is needed.
    NeedProof {
        /// The held size.
        from: u64,
    },
    /// A fork: a smaller tree, or another root at the held size.
    Fork(ForkKind),
}

/// How two checkpoints disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum ForkKind {
    /// The offered tree is smaller than one already verified.
    #[error("the ledger showed a smaller tree than one already verified (rolled back)")]
    RolledBack,
    /// Two different roots for one tree size.
    #[error("the ledger showed two different checkpoints of one size (split view)")]
    SplitView,
    /// The consistency proof does not connect the held root to the new one.
    #[error("the new checkpoint is not consistent with the one already verified")]
    Inconsistent,
}

/// Two signed checkpoints that cannot both be honest, kept to show people and
/// to post to the validators' evidence endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForkEvidence {
    /// What kind of fork.
    pub kind: ForkKind,
    /// The held checkpoint's signed note.
    pub held: String,
    /// The offered checkpoint's signed note.
    pub offered: String,
    /// The consistency proof that failed (base64 hashes), if any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub proof: Vec<String>,
    /// When it was caught (POSIX seconds, the caller's clock).
    pub detected_at: u64,
    /// The validators that took it at their evidence endpoint (by vkey name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reported_to: Vec<String>,
}

/// The ledger was caught showing a fork; the evidence is kept in memory too.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.kind)]
pub struct ForkAlarm(pub Box<ForkEvidence>);

/// The newest verified checkpoint and every fork seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointMemory {
    #[serde(default, with = "held_note")]
    held: Option<(String, Checkpoint)>,
    #[serde(default)]
    evidence: Vec<ForkEvidence>,
}

impl CheckpointMemory {
    /// The held checkpoint.
    pub fn held(&self) -> Option<&Checkpoint> {
        self.held.as_ref().map(|(_, c)| c)
    }

    /// The held checkpoint's signed note.
    pub fn held_note(&self) -> Option<&str> {
        self.held.as_ref().map(|(n, _)| n.as_str())
    }

    /// Every fork caught so far, oldest first.
    pub fn evidence(&self) -> &[ForkEvidence] {
        &self.evidence
    }

    /// Notes that validator `name` took the `i`-th evidence.
    pub fn reported(&mut self, i: usize, name: &str) {
        if let Some(e) = self.evidence.get_mut(i) {
            if !e.reported_to.iter().any(|n| n == name) {
                e.reported_to.push(name.to_owned());
            }
        }
    }

    /// Whether a fork was ever caught (the alarm stays until people look).
    pub fn alarmed(&self) -> bool {
        !self.evidence.is_empty()
    }

    /// What moving to `offered` needs.
    pub fn step(&self, offered: &VerifiedCheckpoint) -> Step {
        let new = offered.checkpoint();
        match self.held() {
            None => Step::Adopt,
            Some(old) if new.size < old.size => Step::Fork(ForkKind::RolledBack),
            // Another root, or one root with another state root (two states
            // signed for one log), at one size.
            Some(old)
                if new.size == old.size
                    && (new.root != old.root || new.state_root != old.state_root) =>
            {
                Step::Fork(ForkKind::SplitView)
            }
            Some(old) if new.size == old.size => Step::Same,
            Some(old) => Step::NeedProof { from: old.size },
        }
    }

    /// Moves to `offered` given the consistency proof from the held size
    /// (empty when none is needed). Returns whether the held checkpoint
    /// changed. On a fork nothing moves, the evidence is recorded, and the
    /// alarm is returned.
    ///
    /// # Errors
    /// [`ForkAlarm`].
    pub fn advance(
        &mut self,
        offered: &VerifiedCheckpoint,
        proof: &[Hash],
        now: u64,
    ) -> Result<bool, ForkAlarm> {
        let new = offered.checkpoint();
        let kind = match self.step(offered) {
            Step::Adopt => None,
            Step::Same => {
                // Keep the note with the newest cosignatures.
                self.held = Some((note_text(offered), new.clone()));
                return Ok(false);
            }
            // Every tree extends the empty one (whose root is fixed).
            Step::NeedProof { from: 0 } => None,
            Step::NeedProof { from } => {
                let old = self.held().expect("a held checkpoint");
                match verify_consistency(from, new.size, &Hash(old.root), &Hash(new.root), proof) {
                    Ok(()) => None,
                    Err(ConsistencyError::Shrunk { .. }) => Some(ForkKind::RolledBack),
                    Err(_) => Some(ForkKind::Inconsistent),
                }
            }
            Step::Fork(kind) => Some(kind),
        };
        if let Some(kind) = kind {
            return Err(self.record(kind, note_text(offered), proof, now));
        }
        self.held = Some((note_text(offered), new.clone()));
        Ok(true)
    }

    /// Compares a checkpoint seen elsewhere (a validator's latest, which the
    /// caller has checked carries the sequencer's signature) with the held
    /// one, without moving: same size must mean same root and state, and
    /// `proof` must connect the smaller tree to the larger. Nothing held:
    /// nothing to compare.
    ///
    /// # Errors
    /// [`ForkAlarm`], with the evidence recorded.
    pub fn cross_check(
        &mut self,
        seen: &Checkpoint,
        note: &str,
        proof: &[Hash],
        now: u64,
    ) -> Result<(), ForkAlarm> {
        let Some(held) = self.held() else {
            return Ok(());
        };
        let empty = empty_root().0;
        let consistent = match seen.size.cmp(&held.size) {
            _ if seen.size == 0 || held.size == 0 => {
                (seen.size > 0 || seen.root == empty) && (held.size > 0 || held.root == empty)
            }
            std::cmp::Ordering::Equal => {
                seen.root == held.root && seen.state_root == held.state_root
            }
            std::cmp::Ordering::Less => verify_consistency(
                seen.size,
                held.size,
                &Hash(seen.root),
                &Hash(held.root),
                proof,
            )
            .is_ok(),
            std::cmp::Ordering::Greater => verify_consistency(
                held.size,
                seen.size,
                &Hash(held.root),
                &Hash(seen.root),
                proof,
            )
            .is_ok(),
        };
        if consistent {
            return Ok(());
        }
        let kind = if seen.size == held.size {
            ForkKind::SplitView
        } else {
            ForkKind::Inconsistent
        };
        Err(self.record(kind, note.to_owned(), proof, now))
    }

    fn record(&mut self, kind: ForkKind, offered: String, proof: &[Hash], now: u64) -> ForkAlarm {
        let evidence = ForkEvidence {
            kind,
            held: self.held_note().unwrap_or_default().to_owned(),
            offered,
            proof: proof
                .iter()
                .map(|h| data_encoding::BASE64.encode(&h.0))
                .collect(),
            detected_at: now,
            reported_to: Vec::new(),
        };
        self.evidence.push(evidence.clone());
        ForkAlarm(Box::new(evidence))
    }
}

fn note_text(checkpoint: &VerifiedCheckpoint) -> String {
    String::from_utf8_lossy(&checkpoint.to_bytes()).into_owned()
}

/// The held checkpoint is stored as its signed note and re-parsed on load.
mod held_note {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        held: &Option<(String, Checkpoint)>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        held.as_ref().map(|(note, _)| note).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<(String, Checkpoint)>, D::Error> {
        let Some(note) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        let parsed: Result<SignedCheckpoint, NoteError> = SignedCheckpoint::parse(&note);
        let checkpoint = parsed
            .map_err(serde::de::Error::custom)?
            .checkpoint()
            .clone();
        Ok(Some((note, checkpoint)))
    }
}

#[cfg(test)]
mod tests;
