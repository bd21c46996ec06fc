//! Regenerates `core/tests/vectors/derivation/assent-paths.json`: Assent's own
//! derivation vectors (words → `m/44'/16723'/identity'/generation'` → public
//! key, text form, fingerprint), next to the SLIP-0010 ones they build on.
//!
//! `cargo run -p assent-core --example derivation_vectors > core/tests/vectors/derivation/assent-paths.json`

use assent_core::keys::{
    Entropy, Generation, IdentityIndex, IdentityRef, MnemonicPhrase, SigningKey,
};

fn main() {
    let entropies: [[u8; 32]; 3] = [[0x00; 32], [0x7f; 32], [0xff; 32]];
    let paths = [(0, 0), (0, 1), (1, 0), (7, 3), (0x7fff_ffff, 0)];
    let mut cases = Vec::new();
    for entropy in entropies {
        let phrase = MnemonicPhrase::from_entropy(Entropy::from_bytes(entropy));
        for passphrase in ["", "TREZOR"] {
            let seed = phrase.to_seed(passphrase);
            for (index, generation) in paths {
                let identity = IdentityRef {
                    index: IdentityIndex(index),
                    generation: Generation(generation),
                };
                let key = SigningKey::derive(&seed, identity)
                    .expect("hardened indices")
                    .public_key();
                cases.push(serde_json::json!({
                    "words": phrase.phrase().as_str(),
                    "passphrase": passphrase,
                    "path": identity.path().expect("hardened indices").to_string(),
                    "index": index,
                    "generation": generation,
                    "public_key_hex": key.to_hex(),
                    "public_key": key.to_text(),
                    "fingerprint": key.fingerprint().to_string(),
                }));
            }
        }
    }
    let doc = serde_json::json!({
        "@generated": "cargo run -p assent-core --example derivation_vectors > core/tests/vectors/derivation/assent-paths.json",
        "desc": "Assent identity keys: BIP39 words (+ passphrase) -> seed -> SLIP-0010 ed25519 at m/44'/16723'/identity'/generation' -> public key, bech32m text form, fingerprint",
        "cases": cases,
    });
    println!("{}", serde_json::to_string_pretty(&doc).expect("JSON"));
}
