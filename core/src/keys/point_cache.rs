//! A small per-thread memory of decompressed keys.
//!
//! Reading a key from its 32 bytes costs a square root in the field (a few
//! microseconds). A history names the same few keys over and over (the
//! patient in every link and access record, the clinic as every signer), so
//! verifying 10,000 entries would decompress the same points tens of thousands
//! of times. Decompression is a pure function of the bytes, so remembering its
//! result changes no verdict; only keys that passed every check are kept.

use std::cell::RefCell;

use ed25519_dalek::VerifyingKey;

/// Slots in the direct-mapped table (a slot is about 200 bytes).
const SLOTS: usize = 64;

thread_local! {
    static KEPT: RefCell<[Option<VerifyingKey>; SLOTS]> = const { RefCell::new([None; SLOTS]) };
}

fn slot(bytes: &[u8; 32]) -> usize {
    // Key encodings are uniformly spread; a chosen collision only costs time.
    usize::from(bytes[0] ^ bytes[17]) % SLOTS
}

/// The key remembered for these exact bytes, if any.
pub(super) fn get(bytes: &[u8; 32]) -> Option<VerifyingKey> {
    KEPT.with(|kept| kept.borrow()[slot(bytes)].filter(|key| key.as_bytes() == bytes))
}

/// Remembers a key that passed every check.
pub(super) fn keep(key: VerifyingKey) {
    KEPT.with(|kept| kept.borrow_mut()[slot(key.as_bytes())] = Some(key));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;

    #[test]
    fn only_the_exact_bytes_find_a_kept_key() {
        let bytes = SigningKey::from_secret_bytes(&[3; 32])
            .public_key()
            .to_bytes();
        let key = VerifyingKey::from_bytes(&bytes).unwrap();
        keep(key);
        assert_eq!(get(key.as_bytes()), Some(key));
        // Other bytes that land in the same slot find nothing.
        let mut other = *key.as_bytes();
        other[0] ^= 1;
        other[17] ^= 1;
        assert_eq!(slot(&other), slot(key.as_bytes()));
        assert_eq!(get(&other), None);
    }
}
