use super::*;
use ed25519_dalek::{Signer, SigningKey, Verifier};

fn hex(text: &str) -> Vec<u8> {
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(text.as_bytes())
        .expect("hex in the vector file")
}

/// Wycheproof's Ed25519 file; a missing file fails (vectors never skip).
fn wycheproof() -> serde_json::Value {
    let dir = std::env::var_os("ASSENT_VECTORS").map_or_else(
        || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors"),
        std::path::PathBuf::from,
    );
    let path = dir.join("wycheproof/ed25519_test.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("vector file {} is missing ({e})", path.display()));
    serde_json::from_str(&text).expect("JSON")
}

#[test]
fn every_wycheproof_case_gets_verify_stricts_verdict_from_a_table() {
    let json = wycheproof();
    let mut compared = 0;
    for group in json["testGroups"].as_array().unwrap() {
        let pk: [u8; 32] = hex(group["publicKey"]["pk"].as_str().unwrap())
            .try_into()
            .unwrap();
        let Ok(key) = VerifyingKey::from_bytes(&pk) else {
            continue;
        };
        let table = SignerTable::new(&key);
        for test in group["tests"].as_array().unwrap() {
            let msg = hex(test["msg"].as_str().unwrap());
            let Ok(sig) = Signature::from_slice(&hex(test["sig"].as_str().unwrap())) else {
                continue;
            };
            let strict = key.verify_strict(&msg, &sig).is_ok();
            let by_table = table.as_ref().is_some_and(|t| t.verify(&msg, &sig));
            assert_eq!(
                by_table, strict,
                "case {}: {}",
                test["tcId"], test["comment"]
            );
            assert_eq!(strict, test["result"] == "valid", "case {}", test["tcId"]);
            compared += 1;
        }
    }
    // Every case whose signature is 64 bytes (the others never reach a
    // verifier): 139 of the file's 151.
    assert_eq!(compared, 139);
}

#[test]
fn altered_signatures_and_messages_get_the_same_verdict_both_ways() {
    let signer = SigningKey::from_bytes(&[9; 32]);
    let key = signer.verifying_key();
    let table = SignerTable::new(&key).expect("a full-order key");
    let mut accepted = 0;
    for n in 0u32..64 {
        let message = format!("access record {n}").into_bytes();
        let good = signer.sign(&message).to_bytes();
        let mut cases = vec![(message.clone(), good)];
        // Every byte of R and S changed in turn, one bit each.
        for i in 0..64 {
            let mut bad = good;
            bad[i] ^= 1 << (n % 8);
            cases.push((message.clone(), bad));
        }
        // S + ℓ: the same signature under lax rules, refused under strict ones.
        let mut s_plus_l = good;
        let s = Scalar::from_canonical_bytes(good[32..].try_into().unwrap()).unwrap();
        // ℓ, little endian.
        let ell: [u8; 32] = hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
            .try_into()
            .unwrap();
        let mut carry = 0u16;
        for i in 0..32 {
            let sum = u16::from(s.as_bytes()[i]) + u16::from(ell[i]) + carry;
            s_plus_l[32 + i] = sum as u8;
            carry = sum >> 8;
        }
        cases.push((message.clone(), s_plus_l));
        // Another message.
        let mut other = message.clone();
        other.push(b'!');
        cases.push((other, good));
        for (message, bytes) in cases {
            let sig = Signature::from_bytes(&bytes);
            let strict = key.verify_strict(&message, &sig).is_ok();
            assert_eq!(table.verify(&message, &sig), strict, "message {n}");
            accepted += usize::from(strict);
        }
    }
    assert_eq!(accepted, 64, "only the untouched signatures verify");
}

#[test]
fn a_small_order_r_is_refused_both_ways() {
    let signer = SigningKey::from_bytes(&[5; 32]);
    let key = signer.verifying_key();
    let table = SignerTable::new(&key).unwrap();
    // The identity's encoding as R, with S = 0 and S = 1.
    for s in [0u8, 1] {
        let mut bytes = [0u8; 64];
        bytes[0] = 1;
        bytes[32] = s;
        let sig = Signature::from_bytes(&bytes);
        assert!(key.verify_strict(b"m", &sig).is_err());
        assert!(!table.verify(b"m", &sig));
    }
}

#[test]
fn a_forgery_whose_r_is_the_identity_is_refused_both_ways() {
    // With the secret scalar a, S = k·a makes [S]B − [k]A the identity, so
    // R = the identity's encoding satisfies the equation; only the small-order
    // rule refuses it.
    let signer = SigningKey::from_bytes(&[6; 32]);
    let key = signer.verifying_key();
    let table = SignerTable::new(&key).unwrap();
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let k = Scalar::from_hash(
        Sha512::new()
            .chain_update(identity)
            .chain_update(key.as_bytes())
            .chain_update(b"m"),
    );
    let mut bytes = [0u8; 64];
    bytes[..32].copy_from_slice(&identity);
    bytes[32..].copy_from_slice((k * signer.to_scalar()).as_bytes());
    let sig = Signature::from_bytes(&bytes);
    assert!(key.verify(b"m", &sig).is_ok(), "the lax rule takes it");
    assert!(key.verify_strict(b"m", &sig).is_err());
    assert!(!table.verify(b"m", &sig));
}

#[test]
fn a_busy_key_gets_a_table_and_keeps_its_verdicts() {
    let signer = SigningKey::from_bytes(&[11; 32]);
    let key = signer.verifying_key();
    let good = signer.sign(b"record");
    let mut bad = good.to_bytes();
    bad[40] ^= 4;
    let bad = Signature::from_bytes(&bad);
    let has_table = || {
        SLOTS_KEPT.with(|slots| {
            slots.borrow()[slot(key.as_bytes())]
                .as_ref()
                .is_some_and(|s| s.key == key.to_bytes() && s.table.is_some())
        })
    };
    for _ in 0..TABLE_AFTER {
        assert!(verify(&key, b"record", &good));
    }
    assert!(!has_table());
    assert!(!verify(&key, b"record", &bad));
    assert!(has_table());
    assert!(verify(&key, b"record", &good));
    assert!(!verify(&key, b"record", &bad));
    assert!(!verify(&key, b"other", &good));
}

#[test]
fn another_key_in_the_same_slot_starts_its_count_again() {
    let first = SigningKey::from_bytes(&[12; 32]);
    let slot_of = |k: &SigningKey| slot(k.verifying_key().as_bytes());
    let second = (13u8..=255)
        .map(|b| SigningKey::from_bytes(&[b; 32]))
        .find(|k| slot_of(k) == slot_of(&first))
        .expect("a key in the same slot");
    let (a, b) = (first.verifying_key(), second.verifying_key());
    let (sig_a, sig_b) = (first.sign(b"x"), second.sign(b"x"));
    for _ in 0..=TABLE_AFTER {
        assert!(verify(&a, b"x", &sig_a));
    }
    // The second key takes the slot; the first key's signature never
    // verifies under it, with or without a table.
    for _ in 0..=TABLE_AFTER {
        assert!(verify(&b, b"x", &sig_b));
        assert!(!verify(&b, b"x", &sig_a));
    }
    assert!(verify(&a, b"x", &sig_a));
}
