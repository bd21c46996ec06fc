//! Rotating a wallet identity's key (PROTOCOL §1, "Pre-rotation").
//!
//! The current key signs a `RotateKey` that reveals the key one generation on
//! (the one the last `Enroll` or `RotateKey` committed to) and commits to the
//! key after it. From the leaf where it lands, older keys sign nothing for the
//! identity, so the wallet's outbox is put in an order the ledger will accept:
//!
//! 1. what the ledger may already hold stays where it is and is sent first,
//!    still under the old key: the identity's `Enroll`, and anything sent
//!    before without a definite answer (re-signing it could make a duplicate);
//! 2. then the `RotateKey`;
//! 3. then every other queued transaction of the old key, re-signed by the new
//!    one. A re-signed `Grant` or `Revoke` names the patient (the signer no
//!    longer does), and references to a re-signed transaction (a `Revoke` of a
//!    queued grant, the grant it carries, a `RevokeDelegation`) follow it to
//!    its new id.
//!
//! The caller saves the outbox and the advanced wallet item together, and
//! replaces what it showed of a re-signed transaction (a grant's QR code) by
//! [`Rotation::resigned`].

use std::collections::BTreeMap;

use crate::ids::{DelegationId, GrantId, IdentityId, TxId};
use crate::keys::{IdentityRef, SigningKey};
use crate::outbox::Outbox;
use crate::tx::{Body, Kind, RotateKey, SignedTx};
use crate::wallet::{name_patient, WalletError, WalletSecret};

/// A prepared rotation: already in the outbox, the wallet already advanced.
#[derive(Debug)]
pub struct Rotation {
    /// The `RotateKey`, signed by the old key.
    pub tx: SignedTx,
    /// The identity at its new generation.
    pub identity: IdentityRef,
    /// Each re-signed transaction: its old id and its new version.
    pub resigned: Vec<(TxId, SignedTx)>,
}

/// Rotates `identity`: signs its `RotateKey`, orders and re-signs the outbox
/// as the module documentation says, and advances `wallet` to the new key.
/// On an error neither `wallet` nor `outbox` has changed.
///
/// # Errors
/// An identity not in the wallet at this generation, or with no generation
/// left to rotate to.
pub fn rotate(
    wallet: &mut WalletSecret,
    identity: IdentityRef,
    outbox: &mut Outbox,
    origin: &str,
    now: u64,
    nonce: [u8; 8],
) -> Result<Rotation, WalletError> {
    let old = wallet.signing_key(identity)?;
    let mut advanced = WalletSecret::from_item(&wallet.to_item())?;
    let next = advanced.advance(identity)?;
    let new = advanced.signing_key(next)?;
    let body = Body::new(
        now,
        nonce,
        Kind::RotateKey(RotateKey {
            identity: wallet.identity_id(identity),
            new_key: new.public_key(),
            next: advanced.next_commitment(next)?,
        }),
    );
    let tx = SignedTx::sign(&body, &old, origin);

    // Work on a copy, so that nothing changes unless everything succeeds.
    // Queued bytes that do not open for this ledger are not the old key's
    // to re-sign; they stay, and the ledger will refuse them.
    let mut staged = outbox.clone();
    let mut old_key_txs = Vec::new();
    staged.withdraw_unoffered(|o| match SignedTx::open(&o.bytes(), origin) {
        Ok(t) if o.kind != "Enroll" && t.signer() == old.public_key() => {
            old_key_txs.push(t);
            true
        }
        _ => false,
    });
    let patient = wallet.identity_id(identity);
    let mut renamed: BTreeMap<TxId, SignedTx> = BTreeMap::new();
    let mut resigned = Vec::with_capacity(old_key_txs.len());
    for before in old_key_txs {
        let after = resign(&before, &new, patient, &renamed, origin);
        renamed.insert(before.id(), after.clone());
        resigned.push((before.id(), after));
    }
    staged.push(&tx, now);
    for (_, after) in &resigned {
        staged.push(after, now);
    }
    *outbox = staged;
    *wallet = advanced;
    Ok(Rotation {
        tx,
        identity: next,
        resigned,
    })
}

/// The same transaction (same creation time and nonce), signed by `new`,
/// naming the patient where the signer used to, and pointing at the new
/// versions of transactions re-signed before it.
fn resign(
    before: &SignedTx,
    new: &SigningKey,
    patient: IdentityId,
    renamed: &BTreeMap<TxId, SignedTx>,
    origin: &str,
) -> SignedTx {
    let mut body = before.body().clone();
    name_patient(&mut body.kind, patient);
    match &mut body.kind {
        Kind::Revoke(r) => {
            if let Some(grant) = renamed.get(&TxId(r.grant.0)) {
                r.grant = GrantId(grant.id().0);
                if r.embedded_grant.is_some() {
                    r.embedded_grant = Some(grant.bytes().to_vec());
                }
            }
        }
        Kind::RevokeDelegation(r) => {
            if let Some(delegation) = renamed.get(&TxId(r.delegation.0)) {
                r.delegation = DelegationId(delegation.id().0);
            }
        }
        _ => {}
    }
    SignedTx::sign(&body, new, origin)
}

#[cfg(test)]
mod tests;
