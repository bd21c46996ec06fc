//! Wallet-side sync of one identity's history, with completeness
//! (PROTOCOL §6 "Chains and completeness").
//!
//! At a checkpoint the wallet has already verified, the ledger serves the
//! identity's chain head with a state-map proof and the entries since the
//! wallet's last sync, newest first, each with an inclusion proof.
//! [`verify_history`] accepts them only if the head is what the map commits
//! to, the entries are exactly the chain from that head back to the last
//! entry the wallet verified (each leaf hash named by the link before it),
//! each is in the log, each concerns the identity and holds a transaction
//! that opens under the ledger's origin, and the count grew by exactly the
//! entries walked. Anything else is a [`HistoryError`]: the ledger was caught
//! lying, and the caller keeps what it was served as evidence.

use crate::ids::IdentityId;
use crate::merkle::{self, leaf_hash, Hash, InclusionError};
use crate::note::Checkpoint;
use crate::replica::{identity_key, Head, Leaf, LeafError};
use crate::smt::{MapProof, MapProofError};
use crate::tx::{SignedTx, TxError};

/// Where a wallet's last verified sync of an identity ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Synced {
    /// Entries verified so far.
    pub count: u64,
    /// The newest verified entry's index.
    pub index: u64,
    /// Its leaf hash.
    pub leaf_hash: Hash,
}

impl From<Head> for Synced {
    fn from(head: Head) -> Self {
        Synced {
            count: head.count,
            index: head.index,
            leaf_hash: head.leaf_hash,
        }
    }
}

/// One served entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedEntry {
    /// Its index.
    pub index: u64,
    /// The leaf bytes.
    pub leaf: Vec<u8>,
    /// Its inclusion proof at the checkpoint.
    pub inclusion: Vec<Hash>,
}

/// What the ledger served for one identity at one checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedHistory {
    /// The chain head the ledger claims, or `None` for an identity with no
    /// entries.
    pub head: Option<Head>,
    /// The state-map proof of that head (or of absence).
    pub head_proof: MapProof,
    /// The entries since the wallet's last sync, newest first.
    pub entries: Vec<ServedEntry>,
}

/// A verified entry.
#[derive(Debug, Clone)]
pub struct VerifiedEntry {
    /// The leaf.
    pub leaf: Leaf,
    /// The transaction in it.
    pub tx: SignedTx,
}

/// The ledger's answer does not hold together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    /// The head does not match the state map.
    #[error("the chain head is not what the checkpoint's state map commits to: {0}")]
    HeadProof(MapProofError),
    /// The identity has fewer entries than the wallet already verified.
    #[error("the ledger shows {now} entries where {before} were verified before (rolled back)")]
    RolledBack {
        /// Entries verified before.
        before: u64,
        /// Entries the head claims now.
        now: u64,
    },
    /// Same count as before, different head: a fork.
    #[error("the chain head changed without new entries (a fork)")]
    Forked,
    /// An entry other than the one the chain names next.
    #[error("expected entry {expected} next in the chain, was served {found:?}")]
    WrongEntry {
        /// The index the chain names.
        expected: u64,
        /// What was served instead (`None`: nothing).
        found: Option<u64>,
    },
    /// The entry's bytes are not the leaf the chain names.
    #[error("entry {0} does not hash to the leaf hash its successor names")]
    LeafHashMismatch(u64),
    /// The entry is not in the log at the checkpoint.
    #[error("entry {index} is not in the log: {source}")]
    NotIncluded {
        /// The entry.
        index: u64,
        /// The proof failure.
        source: InclusionError,
    },
    /// The leaf does not decode.
    #[error("entry {index}: {source}")]
    Leaf {
        /// The entry.
        index: u64,
        /// What is wrong.
        source: LeafError,
    },
    /// The leaf has no link in this identity's chain.
    #[error("entry {0} does not concern this identity")]
    NotConcerned(u64),
    /// The transaction inside does not open.
    #[error("entry {index}: {source}")]
    Tx {
        /// The entry.
        index: u64,
        /// What is wrong.
        source: TxError,
    },
    /// Leaf times run backwards along the chain.
    #[error("entry {0} is older than the entry before it")]
    TimeOrder(u64),
    /// The chain ends before reaching the last verified entry.
    #[error("the chain does not lead back to the last verified entry")]
    ChainBroken,
    /// The walk found a different number of entries than the count grew by.
    #[error("the count grew by {claimed} but the chain has {walked} new entries")]
    CountMismatch {
        /// Growth the head claims.
        claimed: u64,
        /// Entries walked.
        walked: u64,
    },
    /// More entries were served than the chain holds.
    #[error("{0} entries were served that are not in the chain")]
    ExtraEntries(usize),
}

/// Verifies `served` for `identity` at the verified `checkpoint`, from the
/// wallet's last sync `since` (`None`: from the first entry). Returns the new
/// entries oldest first and the new sync point.
///
/// # Errors
/// A [`HistoryError`] at the first thing that does not hold.
pub fn verify_history(
    checkpoint: &Checkpoint,
    identity: &IdentityId,
    since: Option<Synced>,
    served: &ServedHistory,
) -> Result<(Vec<VerifiedEntry>, Option<Synced>), HistoryError> {
    verify_history_with(checkpoint, identity, since, served, &mut |_, _| {})
}

/// [`verify_history`], reporting `(verified, total)` entries to `progress`
/// as it goes (for a progress bar; called once per entry).
///
/// # Errors
/// As [`verify_history`].
pub fn verify_history_with(
    checkpoint: &Checkpoint,
    identity: &IdentityId,
    since: Option<Synced>,
    served: &ServedHistory,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(Vec<VerifiedEntry>, Option<Synced>), HistoryError> {
    let key = identity_key(identity);
    served
        .head_proof
        .verify(
            checkpoint.state_root,
            &key,
            served.head.map(|h| h.value_hash()),
        )
        .map_err(HistoryError::HeadProof)?;
    let before = since.map_or(0, |s| s.count);
    let now = served.head.map_or(0, |h| h.count);
    if now < before {
        return Err(HistoryError::RolledBack { before, now });
    }
    let Some(head) = served.head else {
        return match served.entries.len() {
            0 => Ok((Vec::new(), None)),
            n => Err(HistoryError::ExtraEntries(n)),
        };
    };
    if now == before && since != Some(Synced::from(head)) {
        return Err(HistoryError::Forked);
    }

    let root = Hash(checkpoint.root);
    let stop = since.map(|s| (s.index, s.leaf_hash));
    let mut next = Some((head.index, head.leaf_hash));
    let mut entries = served.entries.iter();
    let mut verified = Vec::new();
    let mut newer_time = u64::MAX;
    while next != stop {
        let Some((index, hash)) = next else {
            return Err(HistoryError::ChainBroken);
        };
        if stop.is_some_and(|(stop_index, _)| index <= stop_index) {
            return Err(HistoryError::ChainBroken);
        }
        let entry = entries.next().ok_or(HistoryError::WrongEntry {
            expected: index,
            found: None,
        })?;
        if entry.index != index {
            return Err(HistoryError::WrongEntry {
                expected: index,
                found: Some(entry.index),
            });
        }
        if leaf_hash(&entry.leaf) != hash {
            return Err(HistoryError::LeafHashMismatch(index));
        }
        merkle::verify_inclusion(index, checkpoint.size, &hash, &entry.inclusion, &root)
            .map_err(|source| HistoryError::NotIncluded { index, source })?;
        let leaf =
            Leaf::from_bytes(&entry.leaf).map_err(|source| HistoryError::Leaf { index, source })?;
        let link = leaf
            .link_for(identity)
            .ok_or(HistoryError::NotConcerned(index))?;
        next = link.prev;
        if leaf.time > newer_time {
            return Err(HistoryError::TimeOrder(index));
        }
        newer_time = leaf.time;
        let tx = SignedTx::open(&leaf.tx, &checkpoint.origin)
            .map_err(|source| HistoryError::Tx { index, source })?;
        verified.push(VerifiedEntry { leaf, tx });
        progress(verified.len() as u64, now - before);
    }
    let extra = entries.count();
    if extra > 0 {
        return Err(HistoryError::ExtraEntries(extra));
    }
    let walked = verified.len() as u64;
    if walked != now - before {
        return Err(HistoryError::CountMismatch {
            claimed: now - before,
            walked,
        });
    }
    verified.reverse();
    Ok((verified, Some(head.into())))
}

/// The patient a delegation to `caregiver` came from, as the verified
/// chain shows it: the other identity its leaf links. The delegation's
/// signer names the patient only until the patient rotates their key; the
/// leaf names the identity for good. `None` until the caregiver's history
/// holds the delegation.
pub fn delegating_patient(
    entries: &[VerifiedEntry],
    delegation: &crate::ids::TxId,
    caregiver: &IdentityId,
) -> Option<IdentityId> {
    let entry = entries.iter().find(|e| e.tx.id() == *delegation)?;
    if !matches!(entry.tx.body().kind, crate::tx::Kind::Delegate(_)) {
        return None;
    }
    entry
        .leaf
        .links
        .iter()
        .map(|l| l.identity)
        .find(|id| id != caregiver)
}

#[cfg(test)]
mod tests;
