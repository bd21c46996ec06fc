//! SLIP-0010 ed25519 known answers: both test vectors of the spec, every path
//! (chain code, private key, public key), through core's derivation.

mod common;

use assent_core::keys::slip10::{DerivationPath, ExtendedKey};
use assent_core::keys::SigningKey;

struct Case {
    seed: Vec<u8>,
    path: String,
    chain_code: Option<Vec<u8>>,
    private: Option<Vec<u8>>,
    public: Option<Vec<u8>>,
}

/// Reads `slip10/ed25519-vectors.md` (the spec's Markdown, unchanged).
fn cases() -> Vec<Case> {
    let text = common::read_shared("slip10/ed25519-vectors.md");
    let mut cases: Vec<Case> = Vec::new();
    let mut seed = None;
    for line in text.lines().map(str::trim) {
        let field = |name: &str| line.strip_prefix(name).map(|v| common::hex(v.trim()));
        if let Some(s) = line.strip_prefix("Seed (hex):") {
            seed = Some(common::hex(s.trim()));
        } else if let Some(path) = line.strip_prefix("* Chain ") {
            cases.push(Case {
                seed: seed.clone().expect("a seed before its chains"),
                path: path.replace("<sub>H</sub>", "'"),
                chain_code: None,
                private: None,
                public: None,
            });
        } else if let Some(v) = field("* chain code:") {
            cases.last_mut().unwrap().chain_code = Some(v);
        } else if let Some(v) = field("* private:") {
            cases.last_mut().unwrap().private = Some(v);
        } else if let Some(v) = field("* public:") {
            cases.last_mut().unwrap().public = Some(v);
        }
    }
    cases
}

#[test]
fn both_ed25519_vectors_every_path() {
    let cases = cases();
    assert_eq!(cases.len(), 12, "two vectors of six chains each");
    for case in &cases {
        let path: DerivationPath = case.path.parse().unwrap();
        let node = ExtendedKey::derive(&case.seed, &path);
        assert_eq!(
            node.chain_code().as_slice(),
            case.chain_code.as_deref().unwrap(),
            "{}: chain code",
            case.path
        );
        assert_eq!(
            node.secret_key().as_slice(),
            case.private.as_deref().unwrap(),
            "{}: private key",
            case.path
        );
        // SLIP-0010 writes ed25519 public keys with a 0x00 prefix.
        let public = case.public.as_deref().unwrap();
        assert_eq!(public[0], 0);
        let key = SigningKey::from_secret_bytes(node.secret_key()).public_key();
        assert_eq!(
            key.to_bytes().as_slice(),
            &public[1..],
            "{}: public key",
            case.path
        );
    }
}
