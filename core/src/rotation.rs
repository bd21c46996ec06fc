//! Rotating a wallet identity's key (PROTOCOL §1, "Pre-rotation").
//!
//! The current key signs a `RotateKey` that reveals the key one generation on
//! (the one the last `Enroll` or `RotateKey` committed to) and commits to the
//! key after it. From the leaf where it lands, older keys sign nothing for the
//! identity, so the order in which the outbox reaches the ledger matters:
//!
//! - Everything already queued under the old key goes **first**, as it was
//!   signed. Each of those was handed out when it was made (a grant's QR code
//!   shown to a clinic, a file written, a delegation given to a caregiver);
//!   signing it again would give it a new id and void what people hold. The
//!   ledger accepts it while the old key is current.
//! - The `RotateKey` goes after them, and whatever is signed from then on uses
//!   the new key. The outbox sends in order and stops at the first
//!   transaction without a definite answer, so nothing queued before the
//!   rotation can land after it.
//!
//! PROTOCOL §1 also asks that old-key transactions be re-signed: that is for
//! one the ledger refuses as signed by a stale key (the rotation was made on
//! another device); [`crate::key_sync`] does it once the verified chain
//! shows the new key.

use crate::keys::IdentityRef;
use crate::outbox::Outbox;
use crate::tx::{Body, Kind, RotateKey, SignedTx};
use crate::wallet::{WalletError, WalletSecret};

/// A prepared rotation: queued, the wallet already advanced.
#[derive(Debug)]
pub struct Rotation {
    /// The `RotateKey`, signed by the old key.
    pub tx: SignedTx,
    /// The identity at its new generation.
    pub identity: IdentityRef,
}

/// Rotates `identity`: signs its `RotateKey` with the current key, queues it
/// behind everything already in `outbox`, and advances `wallet` to the new
/// key. The caller saves the outbox and the advanced wallet item. On an
/// error neither has changed.
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
    let body = Body::new(
        now,
        nonce,
        Kind::RotateKey(RotateKey {
            identity: wallet.identity_id(identity),
            new_key: advanced.signing_key(next)?.public_key(),
            next: advanced.next_commitment(next)?,
        }),
    );
    let tx = SignedTx::sign(&body, &old, origin);
    outbox.push(&tx, now);
    *wallet = advanced;
    Ok(Rotation { tx, identity: next })
}

#[cfg(test)]
mod tests;
