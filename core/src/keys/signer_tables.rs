//! Faster strict checks for keys that sign often: a per-thread table of
//! multiples of each busy key.
//!
//! A history names the same few signers over and over (a clinic records
//! thousands of accesses with one key), and so does the log a validator
//! replays. `verify_strict` (PROTOCOL §9) accepts a signature `(R, S)` by key
//! `A` on message `M` exactly when
//!
//! 1. `S` is canonical (below the group order ℓ),
//! 2. `A` and the point `R` decodes to are not of small order, and
//! 3. the encoding of `[S]B − [k]A` is `R`'s 32 bytes, where
//!    `k = SHA-512(R ‖ A ‖ M) mod ℓ`.
//!
//! An encoding made by compressing a point is canonical and decodes to that
//! point, so once (3) holds, `R` decodes to `P = [S]B − [k]A` and the small
//! order test of (2) is the test of `P`. This module checks (1), (3) and "P is
//! not of small order" — the same verdict for every input — but computes `P`
//! as `[S]B + [k](−A)` from two fixed-base tables (the base point's static
//! one, and one made here for `−A`) instead of a double-base multiplication
//! and `R`'s decompression: about 40 % less time a signature (BENCHMARKS.md).
//!
//! A table costs about a millisecond to make and 30 KiB to keep, so a key
//! gets one only after [`TABLE_AFTER`] signatures in this thread, and a thread
//! keeps at most [`SLOTS`] of them. Which path a check takes changes no
//! verdict; a test runs every Wycheproof case through both.

use std::cell::RefCell;

use curve25519_dalek::edwards::{EdwardsBasepointTable, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::BasepointTable;
use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha512};

/// Signatures by one key, checked in this thread, before it gets a table.
pub const TABLE_AFTER: u32 = 48;

/// Keys a thread keeps count of (and tables for): direct-mapped slots.
pub const SLOTS: usize = 8;

/// The table of `−A` for one key, and the key's exact bytes.
pub(super) struct SignerTable {
    key: [u8; 32],
    minus_a: EdwardsBasepointTable,
}

impl SignerTable {
    /// The table for `key`, or `None` for a small-order key (which
    /// `verify_strict` refuses whatever the signature).
    pub(super) fn new(key: &VerifyingKey) -> Option<Self> {
        if key.is_weak() {
            return None;
        }
        Some(SignerTable {
            key: key.to_bytes(),
            minus_a: EdwardsBasepointTable::create(&-key.to_edwards()),
        })
    }

    /// `verify_strict`'s verdict on `signature` over `message`.
    pub(super) fn verify(&self, message: &[u8], signature: &Signature) -> bool {
        let r = signature.r_bytes();
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(*signature.s_bytes()))
        else {
            return false;
        };
        let k = Scalar::from_hash(
            Sha512::new()
                .chain_update(r)
                .chain_update(self.key)
                .chain_update(message),
        );
        let p: EdwardsPoint = EdwardsPoint::mul_base(&s) + &self.minus_a * &k;
        p.compress().as_bytes() == r && !p.is_small_order()
    }
}

struct Slot {
    key: [u8; 32],
    checked: u32,
    table: Option<Box<SignerTable>>,
}

thread_local! {
    static SLOTS_KEPT: RefCell<[Option<Slot>; SLOTS]> = const { RefCell::new([const { None }; SLOTS]) };
}

fn slot(bytes: &[u8; 32]) -> usize {
    // Key encodings are uniformly spread; a chosen collision only costs time.
    usize::from(bytes[1] ^ bytes[29]) % SLOTS
}

/// `verify_strict`'s verdict, through this key's table once it has signed
/// [`TABLE_AFTER`] times in this thread.
pub(super) fn verify(key: &VerifyingKey, message: &[u8], signature: &Signature) -> bool {
    let bytes = key.as_bytes();
    SLOTS_KEPT.with(|slots| {
        let mut slots = slots.borrow_mut();
        let kept = &mut slots[slot(bytes)];
        if kept.as_ref().is_none_or(|s| &s.key != bytes) {
            *kept = Some(Slot {
                key: *bytes,
                checked: 0,
                table: None,
            });
        }
        let kept = kept.as_mut().expect("filled above");
        kept.checked = kept.checked.saturating_add(1);
        if kept.table.is_none() && kept.checked > TABLE_AFTER {
            kept.table = SignerTable::new(key).map(Box::new);
        }
        match &kept.table {
            Some(table) => table.verify(message, signature),
            None => key.verify_strict(message, signature).is_ok(),
        }
    })
}

#[cfg(test)]
mod tests;
