//! Any bytes through the transaction decoder: it must never panic, and what
//! it accepts must re-encode to exactly the same bytes and id.
#![no_main]

use assent_core::tx::SignedTx;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(tx) = SignedTx::open(data, "fuzz.assent.example") {
        assert_eq!(tx.bytes(), data);
        assert!(tx.body().to_bytes().len() < data.len(), "the payload is inside the envelope");
        // A second open of the accepted bytes agrees.
        let again = SignedTx::open(tx.bytes(), "fuzz.assent.example").expect("accepted once, accepted twice");
        assert_eq!(again.id(), tx.id());
    }
    // The payload decoder on its own: what it accepts is canonical.
    if let Ok(body) = assent_core::tx::Body::from_bytes(data) {
        assert_eq!(body.to_bytes(), data);
    }
});
