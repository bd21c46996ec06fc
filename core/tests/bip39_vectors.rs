//! BIP39 known answers: every English vector of trezor/python-mnemonic's
//! `vectors.json` (passphrase "TREZOR"), entropy → words → seed, through core.
//! The fourth column (a BIP32 secp256k1 xprv) does not apply to ed25519.

mod common;

use assent_core::keys::{seed_from_words, words_for_entropy, Entropy, MnemonicPhrase};

#[test]
fn every_english_vector() {
    let json: serde_json::Value =
        serde_json::from_str(&common::read_shared("bip39/vectors.json")).unwrap();
    let english = json["english"].as_array().expect("an \"english\" array");
    assert!(
        english.len() >= 24,
        "expected the full vector set, got {}",
        english.len()
    );
    let mut twenty_four = 0;
    for (i, case) in english.iter().enumerate() {
        let entropy = common::hex(case[0].as_str().unwrap());
        let words = case[1].as_str().unwrap();
        let seed = common::hex(case[2].as_str().unwrap());

        assert_eq!(
            words_for_entropy(&entropy).unwrap().as_str(),
            words,
            "case {i}: words"
        );
        let got = seed_from_words(words, "TREZOR").unwrap();
        assert_eq!(
            got.expose_secret().as_slice(),
            seed.as_slice(),
            "case {i}: seed"
        );

        if entropy.len() == 32 {
            twenty_four += 1;
            let phrase = MnemonicPhrase::parse(words).unwrap();
            assert_eq!(
                phrase.entropy().expose_secret().as_slice(),
                entropy.as_slice()
            );
            assert_eq!(
                phrase.to_seed("TREZOR").expose_secret().as_slice(),
                seed.as_slice()
            );
            let again =
                MnemonicPhrase::from_entropy(Entropy::from_bytes(entropy.try_into().unwrap()));
            assert_eq!(again.phrase().as_str(), words);
        } else {
            assert!(
                MnemonicPhrase::parse(words).is_err(),
                "case {i}: wallets take 24 words only"
            );
        }
    }
    assert!(
        twenty_four >= 8,
        "expected the 24-word vectors, got {twenty_four}"
    );
}
