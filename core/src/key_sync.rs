//! Keeping a wallet's key generation in step with its identity's chain on
//! the ledger (PROTOCOL §1, "Pre-rotation").
//!
//! Two ways to fall out of step, both found by the history the wallet
//! verifies anyway:
//!
//! - **Behind.** The same words on another device rotated the key. This
//!   wallet still signs with the old key, which the ledger refuses
//!   (`stale_key`) and, where reads are signed, will not answer.
//! - **Ahead.** This wallet queued a `RotateKey` and moved on to the new key,
//!   but the ledger refused the rotation: it never saw the new key.
//!
//! Either way the verified chain names the key that signs for the identity
//! now ([`chain_key`]); the wallet moves to the generation that derives it
//! ([`follow_chain`]) and signs again, with that key, what the ledger refused
//! as signed by a stale one ([`resign_stale`]). Only the chain, verified
//! against quorum checkpoints, moves the wallet; a probe that the ledger
//! answers ([`candidates`]) only chooses which key asks.

use crate::history::VerifiedEntry;
use crate::ids::{GrantId, IdentityId, TxId};
use crate::keys::{Generation, IdentityRef, PublicKey};
use crate::outbox::{Outbox, State};
use crate::tx::{Body, Kind, SignedTx};
use crate::wallet::{WalletError, WalletSecret};

/// How many generations past its own a wallet looks for a rotation made on
/// another device.
pub const LOOKAHEAD: u32 = 16;

/// The ledger's refusal code for a transaction signed by a replaced key.
pub const STALE_KEY: &str = "stale_key";

/// The key that signs for `identity` now, by its verified chain: the new key
/// of its last `RotateKey`, or the inception key (the identity's name).
pub fn chain_key(entries: &[VerifiedEntry], identity: &IdentityId) -> PublicKey {
    entries
        .iter()
        .filter_map(|e| match &e.tx.body().kind {
            Kind::RotateKey(r) if r.identity == *identity => Some(r.new_key),
            _ => None,
        })
        .next_back()
        .unwrap_or(*identity.key())
}

/// Whether the chain's entries move the identity's key at all.
pub fn rotates(entries: &[VerifiedEntry], identity: &IdentityId) -> bool {
    entries
        .iter()
        .any(|e| matches!(&e.tx.body().kind, Kind::RotateKey(r) if r.identity == *identity))
}

/// The generations to try, in order, when the ledger will not answer the
/// current key: the next [`LOOKAHEAD`] ones (behind), then the earlier
/// ones, newest first (ahead).
pub fn candidates(identity: IdentityRef) -> impl Iterator<Item = IdentityRef> {
    let g = identity.generation.0;
    let later = (g.saturating_add(1)..=g.saturating_add(LOOKAHEAD)).map(Generation);
    let earlier = (0..g).rev().map(Generation);
    later.chain(earlier).map(move |generation| IdentityRef {
        generation,
        ..identity
    })
}

/// Why the wallet cannot follow its chain.
#[derive(Debug, thiserror::Error)]
pub enum KeySyncError {
    /// The chain's key is none this wallet derives within reach: another
    /// wallet's words hold the identity, or it rotated more than
    /// [`LOOKAHEAD`] times elsewhere.
    #[error(
        "the ledger says another key signs for this identity now, and this wallet's words do \
         not derive it within {LOOKAHEAD} generations"
    )]
    NotOurs,
    /// The wallet's item could not be updated.
    #[error(transparent)]
    Wallet(#[from] WalletError),
}

/// Moves `identity` to the generation whose key is `current` (see
/// [`chain_key`]). Returns the identity at its new generation, or `None`
/// when the wallet is in step already; on an error the wallet is unchanged.
///
/// # Errors
/// [`KeySyncError::NotOurs`] when no generation in reach derives `current`.
pub fn follow_chain(
    wallet: &mut WalletSecret,
    identity: IdentityRef,
    current: &PublicKey,
) -> Result<Option<IdentityRef>, KeySyncError> {
    if wallet.signing_key(identity)?.public_key() == *current {
        return Ok(None);
    }
    for candidate in candidates(identity) {
        if wallet.signing_key(candidate)?.public_key() == *current {
            return Ok(Some(wallet.set_generation(identity, candidate.generation)?));
        }
    }
    Err(KeySyncError::NotOurs)
}

/// A transaction signed again with the identity's current key.
#[derive(Debug, Clone)]
pub struct Resigned {
    /// The refused transaction it replaces.
    pub old: TxId,
    /// The new one, queued.
    pub new: SignedTx,
}

/// Whether the outbox holds a transaction refused as signed by a stale key
/// that [`resign_stale`] may sign again.
pub fn has_stale(outbox: &Outbox) -> bool {
    outbox.items().iter().any(|o| {
        matches!(&o.state, State::Refused { code, .. } if code == STALE_KEY)
            && !matches!(o.kind.as_str(), "Enroll" | "RotateKey")
    })
}

/// Signs again with `identity`'s current key, oldest first, every outbox
/// transaction the ledger refused as signed by a stale key, and queues each
/// in place of the old one (PROTOCOL §1). Not signed again: an `Enroll` or
/// `RotateKey` (the chain decides those), and a grant that a queued or
/// refused revocation in the outbox names (that revocation carries it, and
/// a new id would outlive it).
///
/// # Errors
/// Only for an identity whose keys cannot be derived; the outbox is then
/// unchanged.
pub fn resign_stale(
    wallet: &WalletSecret,
    identity: IdentityRef,
    outbox: &mut Outbox,
    origin: &str,
    now: u64,
    nonce: &mut dyn FnMut() -> [u8; 8],
) -> Result<Vec<Resigned>, WalletError> {
    let revoked: Vec<GrantId> = outbox
        .items()
        .iter()
        .filter(|o| !matches!(o.state, State::Included { .. }))
        .filter_map(|o| SignedTx::open(&o.bytes(), origin).ok())
        .filter_map(|tx| match &tx.body().kind {
            Kind::Revoke(r) => Some(r.grant),
            _ => None,
        })
        .collect();
    let mut done = Vec::new();
    let stale: Vec<SignedTx> = outbox
        .items()
        .iter()
        .filter(|o| matches!(&o.state, State::Refused { code, .. } if code == STALE_KEY))
        .filter_map(|o| SignedTx::open(&o.bytes(), origin).ok())
        .collect();
    for tx in stale {
        let kind = &tx.body().kind;
        let settled = match kind {
            Kind::Enroll(_) | Kind::RotateKey(_) => true,
            Kind::Grant(_) => revoked.contains(&GrantId(tx.id().0)),
            _ => false,
        };
        if settled {
            continue;
        }
        let new = wallet.sign(identity, Body::new(now, nonce(), kind.clone()), origin)?;
        done.push(Resigned { old: tx.id(), new });
    }
    for r in &done {
        outbox.replace(&r.old, &r.new, now);
    }
    Ok(done)
}

#[cfg(test)]
mod tests;
