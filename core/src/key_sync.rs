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
//! ([`follow_chain`]; back only once its own rotation was refused, since one
//! in flight is not in a checkpoint yet) and signs again, with that key, what
//! it signed with another of its keys and the ledger refused for that key
//! ([`resign_stale`]). Only the chain, verified against quorum checkpoints,
//! moves the wallet; a probe that the ledger answers ([`candidates`]) only
//! chooses which key asks.

use crate::history::VerifiedEntry;
use crate::ids::{IdentityId, TxId};
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
/// when the wallet is in step already or must wait; on an error the wallet
/// is unchanged.
///
/// A chain behind the wallet moves it back only when `outbox` holds this
/// wallet's `RotateKey` signed by `current` as refused: otherwise that
/// rotation may simply not be in a checkpoint yet.
///
/// # Errors
/// [`KeySyncError::NotOurs`] when no generation in reach derives `current`.
pub fn follow_chain(
    wallet: &mut WalletSecret,
    identity: IdentityRef,
    current: &PublicKey,
    outbox: &Outbox,
    origin: &str,
) -> Result<Option<IdentityRef>, KeySyncError> {
    if wallet.signing_key(identity)?.public_key() == *current {
        return Ok(None);
    }
    for (candidate, key) in wallet.public_keys(candidates(identity))? {
        if key != *current {
            continue;
        }
        let back = candidate.generation < identity.generation;
        if back && !rotation_refused(outbox, current, origin) {
            return Ok(None);
        }
        return Ok(Some(wallet.set_generation(identity, candidate.generation)?));
    }
    Err(KeySyncError::NotOurs)
}

/// Whether the ledger refused a `RotateKey` signed by `key`.
fn rotation_refused(outbox: &Outbox, key: &PublicKey, origin: &str) -> bool {
    outbox.items().iter().any(|o| {
        o.kind == "RotateKey"
            && matches!(o.state, State::Refused { .. })
            && SignedTx::open(&o.bytes(), origin).is_ok_and(|tx| tx.signer() == *key)
    })
}

/// A transaction signed again with the identity's current key.
#[derive(Debug, Clone)]
pub struct Resigned {
    /// The refused transaction it replaces.
    pub old: TxId,
    /// The new one, queued.
    pub new: SignedTx,
}

/// The refusal codes of a transaction signed by a key that does not sign
/// for the identity now: replaced (`stale_key`), or never seen because the
/// rotation to it was refused (`unknown_signer`).
const WRONG_KEY: [&str; 2] = [STALE_KEY, "unknown_signer"];

/// Signs again with `identity`'s current key, oldest first, every outbox
/// transaction this wallet signed for the identity with another of its keys
/// that the ledger refused for that key, and queues each in place of the old
/// one (PROTOCOL §1). Not signed again: anything another key signed (the
/// outbox also carries what others handed over), an `Enroll` or `RotateKey`
/// (the chain decides those), and a grant or delegation that a revocation in
/// the outbox names, in whatever state (that revocation settles it; a new id
/// would outlive it).
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
    let refused_for_key = |o: &crate::outbox::Outgoing| {
        matches!(&o.state, State::Refused { code, .. } if WRONG_KEY.contains(&code.as_str()))
            && !matches!(o.kind.as_str(), "Enroll" | "RotateKey")
    };
    // Most rounds: nothing to sign again, so no outbox item is opened and
    // no key derived.
    if !outbox.items().iter().any(refused_for_key) {
        return Ok(Vec::new());
    }
    let current = wallet.signing_key(identity)?.public_key();
    let reach = (0..=identity.generation.0.saturating_add(LOOKAHEAD)).map(|g| IdentityRef {
        generation: Generation(g),
        ..identity
    });
    let ours: Vec<PublicKey> = wallet
        .public_keys(reach)?
        .into_iter()
        .map(|(_, key)| key)
        .collect();
    let opened: Vec<SignedTx> = outbox
        .items()
        .iter()
        .filter_map(|o| SignedTx::open(&o.bytes(), origin).ok())
        .collect();
    let ended: Vec<[u8; 32]> = opened
        .iter()
        .filter_map(|tx| match &tx.body().kind {
            Kind::Revoke(r) => Some(r.grant.0),
            Kind::RevokeDelegation(r) => Some(r.delegation.0),
            _ => None,
        })
        .collect();
    let mut done = Vec::new();
    for tx in &opened {
        let signer = tx.signer();
        let again = outbox.get(&tx.id()).is_some_and(refused_for_key)
            && signer != current
            && ours.contains(&signer)
            && !ended.contains(&tx.id().0);
        if !again {
            continue;
        }
        let kind = tx.body().kind.clone();
        let new = wallet.sign(identity, Body::new(now, nonce(), kind), origin)?;
        done.push(Resigned { old: tx.id(), new });
    }
    done.retain(|r| outbox.replace(&r.old, &r.new, now));
    Ok(done)
}

#[cfg(test)]
mod tests;
