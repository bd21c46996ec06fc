//! Assent's own derivation vectors (PROTOCOL §1): fixed words and paths must
//! keep giving the same keys, text forms and fingerprints in every release.

mod common;

use assent_core::keys::{Generation, IdentityIndex, IdentityRef, MnemonicPhrase, SigningKey};

#[test]
fn assent_paths_give_the_recorded_keys() {
    let json: serde_json::Value =
        serde_json::from_str(&common::read_own("derivation/assent-paths.json")).unwrap();
    let cases = json["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 30);
    for case in cases {
        let phrase = MnemonicPhrase::parse(case["words"].as_str().unwrap()).unwrap();
        let seed = phrase.to_seed(case["passphrase"].as_str().unwrap());
        let identity = IdentityRef {
            index: IdentityIndex(case["index"].as_u64().unwrap() as u32),
            generation: Generation(case["generation"].as_u64().unwrap() as u32),
        };
        assert_eq!(identity.path().unwrap().to_string(), case["path"]);
        let key = SigningKey::derive(&seed, identity).unwrap().public_key();
        assert_eq!(key.to_hex(), case["public_key_hex"], "{}", case["path"]);
        assert_eq!(key.to_text(), case["public_key"]);
        assert_eq!(key.fingerprint().to_string(), case["fingerprint"]);
    }
}
