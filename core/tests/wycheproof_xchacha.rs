//! Wycheproof XChaCha20-Poly1305: every case through the vault's AEAD
//! (`vault::aead`), in both directions.

mod common;

use assent_core::vault::aead::{self, AeadError};

#[test]
fn every_case_through_the_vault_aead() {
    let json: serde_json::Value = serde_json::from_str(&common::read_shared(
        "wycheproof/xchacha20_poly1305_test.json",
    ))
    .unwrap();
    assert_eq!(json["algorithm"], "XCHACHA20-POLY1305");
    let (mut valid, mut invalid) = (0, 0);
    for group in json["testGroups"].as_array().unwrap() {
        for test in group["tests"].as_array().unwrap() {
            let id = &test["tcId"];
            let field = |name: &str| common::hex(test[name].as_str().unwrap());
            let key: [u8; 32] = field("key").try_into().expect("32-byte keys");
            let (iv, aad, msg) = (field("iv"), field("aad"), field("msg"));
            let mut sealed = field("ct");
            sealed.extend_from_slice(&field("tag"));
            let opened = aead::decrypt(&key, &iv, &aad, &sealed);
            match test["result"].as_str().unwrap() {
                "valid" => {
                    assert_eq!(
                        aead::encrypt(&key, &iv, &aad, &msg).unwrap(),
                        sealed,
                        "case {id}"
                    );
                    assert_eq!(opened.unwrap().as_slice(), msg.as_slice(), "case {id}");
                    valid += 1;
                }
                "invalid" => {
                    let err = opened.expect_err(&format!("case {id} must be refused"));
                    if iv.len() != aead::NONCE_LEN {
                        assert_eq!(err, AeadError::NonceLength { got: iv.len() }, "case {id}");
                        assert!(aead::encrypt(&key, &iv, &aad, &msg).is_err(), "case {id}");
                    } else {
                        assert_eq!(err, AeadError::Failed, "case {id}");
                    }
                    invalid += 1;
                }
                other => panic!("case {id}: unexpected result {other:?}"),
            }
        }
    }
    assert_eq!(valid + invalid, json["numberOfTests"].as_u64().unwrap());
    assert!(valid > 0 && invalid > 0);
}
