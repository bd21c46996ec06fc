//! What a wallet or clinic does with a ledger, step by step, over the state
//! it keeps ([`LedgerState`], saved by the caller as JSON): move the
//! checkpoint memory forward with a consistency proof and cross-check one
//! validator ([`refresh`]); send the outbox ([`flush`]); follow receipts to
//! inclusion and name the overdue ones ([`follow`]); sync and verify an
//! identity's history ([`sync_history`]). The rules are core's pure
//! functions; this module only fetches what they need.

use super::{ClientError, LedgerClient};
use crate::history::{verify_history_with, HistoryError, Synced, VerifiedEntry};
use crate::ids::{IdentityId, TxId};
use crate::keys::SigningKey;
use crate::memory::{CheckpointMemory, ForkAlarm, Step};
use crate::merkle::Hash;
use crate::outbox::{Outbox, Outgoing, State};
use crate::replica::Leaf;
use crate::trust::VerifiedCheckpoint;
use crate::tx::SignedTx;
use data_encoding::BASE64;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything a wallet remembers about the ledger.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LedgerState {
    /// The newest verified checkpoint and the forks caught.
    #[serde(default)]
    pub memory: CheckpointMemory,
    /// Transactions on their way.
    #[serde(default)]
    pub outbox: Outbox,
    /// Each identity's verified history, by the identity's text form.
    #[serde(default)]
    pub histories: BTreeMap<String, StoredHistory>,
}

impl LedgerState {
    /// `identity`'s stored history, once at least one entry was verified
    /// (the identity is on the ledger).
    pub fn verified_history(&self, identity: &IdentityId) -> Option<&StoredHistory> {
        self.histories
            .get(&identity.key().to_string())
            .filter(|h| h.count > 0)
    }
}

/// One identity's verified entries.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StoredHistory {
    /// Entries verified so far.
    pub count: u64,
    /// The newest verified entry's index and leaf hash (base64).
    pub head: Option<(u64, String)>,
    /// The leaves, oldest first (base64).
    pub leaves: Vec<String>,
    /// Every time the ledger was caught lying about this history.
    #[serde(default)]
    pub caught: Vec<String>,
    /// The key that signs for the identity by these entries (see
    /// [`crate::key_sync::chain_key`]), kept so a round need not re-read
    /// them all; `None` until first worked out.
    #[serde(default)]
    pub signing_key: Option<String>,
}

impl StoredHistory {
    fn synced(&self) -> Option<Synced> {
        let (index, hash) = self.head.as_ref()?;
        let raw = BASE64.decode(hash.as_bytes()).ok()?;
        Some(Synced {
            count: self.count,
            index: *index,
            leaf_hash: Hash(raw.try_into().ok()?),
        })
    }
}

/// Why a sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The ledger could not be asked, or refused.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The ledger showed a fork (kept as evidence).
    #[error("ledger caught lying: {0}")]
    Fork(#[from] ForkAlarm),
    /// The ledger's history answer does not hold together (kept).
    #[error("ledger caught lying: {0}")]
    History(#[from] HistoryError),
    /// An organisation's directory entry does not match its map proof.
    #[error("ledger caught lying: the directory entry of {org} does not match its proof")]
    Directory {
        /// Which organisation.
        org: crate::ids::OrgId,
    },
    /// The wallet's key cannot follow its identity's verified chain.
    #[error(transparent)]
    Key(#[from] crate::key_sync::KeySyncError),
    /// The verified history stored on this device is damaged.
    #[error("the verified history stored on this device is damaged: {0}")]
    Stored(String),
}

impl SyncError {
    /// Whether the ledger was caught lying (as opposed to being unreachable).
    pub fn caught_lying(&self) -> bool {
        matches!(
            self,
            SyncError::Fork(_) | SyncError::History(_) | SyncError::Directory { .. }
        )
    }
}

/// Fetches the newest quorum-cosigned checkpoint and moves the memory to it
/// with a consistency proof; then compares one reachable validator's latest
/// checkpoint with it (a split view shows there). Returns the checkpoint now
/// held.
///
/// # Errors
/// [`SyncError::Fork`] on any fork; [`SyncError::Client`] otherwise.
pub async fn refresh(
    client: &LedgerClient,
    state: &mut LedgerState,
    now: u64,
) -> Result<VerifiedCheckpoint, SyncError> {
    let offered = client.checkpoint().await?;
    let proof = match state.memory.step(&offered) {
        // A proof the ledger does not give is an error, not a fork.
        Step::NeedProof { from } if from > 0 => {
            client.consistency(from, offered.checkpoint().size).await?
        }
        _ => Vec::new(),
    };
    state.memory.advance(&offered, &proof, now)?;
    for validator in &client.policy().validators {
        let Ok((seen, note)) = client.validator_checkpoint(&validator.url).await else {
            continue;
        };
        let held = offered.checkpoint().size;
        let proof = match seen.size.cmp(&held) {
            // No proof between equal sizes or from the empty tree.
            _ if seen.size == 0 || held == 0 => Ok(Vec::new()),
            std::cmp::Ordering::Equal => Ok(Vec::new()),
            std::cmp::Ordering::Less => client.consistency(seen.size, held).await,
            std::cmp::Ordering::Greater => client.consistency(held, seen.size).await,
        };
        // Unanswered: compare with the next validator instead.
        let Ok(proof) = proof else {
            continue;
        };
        state.memory.cross_check(&seen, &note, &proof, now)?;
        break;
    }
    Ok(offered)
}

/// What [`flush`] did.
#[derive(Debug, Default)]
pub struct Flushed {
    /// Accepted, with a receipt (or already held).
    pub sent: Vec<TxId>,
    /// Refused: id, code, message.
    pub refused: Vec<(TxId, String, String)>,
    /// Stopped because the ledger could not be reached; the rest stays queued.
    pub offline: Option<String>,
}

/// Sends every queued transaction in order. A transaction leaves the queue
/// only with a verified receipt, a refusal, or the ledger's `replay` answer
/// (it holds it already); when the ledger is unreachable or busy, the rest
/// stays queued for next time, so nothing is lost or sent twice.
pub async fn flush(client: &LedgerClient, outbox: &mut Outbox, now: u64) -> Flushed {
    let mut done = Flushed::default();
    let queued: Vec<Outgoing> = outbox.to_send().cloned().collect();
    for item in queued {
        match client.submit(&item.bytes()).await {
            Ok((receipt, note)) => {
                outbox.receipt(&receipt, &note);
                done.sent.push(item.id);
            }
            Err(ClientError::Refused { code, .. }) if code == "replay" => {
                let deadline = now + client.policy().merge_delay;
                outbox.already_held(&item.id, now, deadline);
                done.sent.push(item.id);
            }
            Err(ClientError::Refused {
                status,
                code,
                message,
            }) if (400..500).contains(&status) && status != 429 => {
                outbox.refused(&item.id, &code, &message);
                done.refused.push((item.id, code, message));
            }
            Err(e) => {
                done.offline = Some(e.to_string());
                break;
            }
        }
    }
    done
}

/// Checks each awaited transaction for inclusion at `checkpoint` (a
/// verified, quorum-cosigned one) and returns those whose promised deadline
/// passed at `now` without it.
pub async fn follow(
    client: &LedgerClient,
    outbox: &mut Outbox,
    checkpoint: &VerifiedCheckpoint,
    now: u64,
) -> Vec<Outgoing> {
    let size = checkpoint.checkpoint().size;
    let awaiting: Vec<Outgoing> = outbox.awaiting().cloned().collect();
    for item in awaiting {
        // The receipt names its leaf: a checkpoint that does not reach it
        // cannot hold it yet, so there is nothing to ask (and no 404).
        if matches!(item.state, State::Sent { index: Some(i), .. } if i >= size) {
            continue;
        }
        if let Ok(included) = client.inclusion(&item.bytes(), checkpoint).await {
            outbox.included(&item.id, included.index, included.size);
        }
    }
    outbox.overdue(now).cloned().collect()
}

/// Fetches and verifies `identity`'s entries since its last sync at
/// `checkpoint`, signed by `key`; stores them and returns the new ones. On
/// a lie nothing stored changes except the record that it was caught.
///
/// # Errors
/// [`SyncError::History`] when the answer does not hold together;
/// [`SyncError::Client`] when it cannot be fetched.
pub async fn sync_history(
    client: &LedgerClient,
    state: &mut LedgerState,
    identity: &IdentityId,
    key: &SigningKey,
    checkpoint: &VerifiedCheckpoint,
    now: u64,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Vec<VerifiedEntry>, SyncError> {
    let stored = state
        .histories
        .entry(identity.key().to_string())
        .or_default();
    let since = stored.synced();
    let cp = checkpoint.checkpoint();
    let served = client
        .history(identity, key, since.map(|s| s.index), cp.size, now)
        .await?;
    match verify_history_with(cp, identity, since, &served, progress) {
        Ok((entries, head)) => {
            if let Some(head) = head {
                stored.count = head.count;
                stored.head = Some((head.index, BASE64.encode(&head.leaf_hash.0)));
            }
            stored
                .leaves
                .extend(entries.iter().map(|e| BASE64.encode(&e.leaf.to_bytes())));
            Ok(entries)
        }
        Err(e) => {
            stored
                .caught
                .push(format!("{now}: at checkpoint {}: {e}", cp.size));
            Err(e.into())
        }
    }
}

/// The stored verified entries of `identity`, oldest first, re-opened for
/// the ledger `origin`.
///
/// # Errors
/// A message if the stored file was damaged.
pub fn stored_entries(
    state: &LedgerState,
    identity: &IdentityId,
    origin: &str,
) -> Result<Vec<VerifiedEntry>, String> {
    let Some(stored) = state.histories.get(&identity.key().to_string()) else {
        return Ok(Vec::new());
    };
    stored
        .leaves
        .iter()
        .map(|text| {
            let raw = BASE64.decode(text.as_bytes()).map_err(|e| e.to_string())?;
            let leaf = Leaf::from_bytes(&raw).map_err(|e| e.to_string())?;
            let tx = SignedTx::open(&leaf.tx, origin).map_err(|e| e.to_string())?;
            Ok(VerifiedEntry { leaf, tx })
        })
        .collect()
}
