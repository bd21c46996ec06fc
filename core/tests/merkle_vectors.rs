//! RFC 9162 inclusion and consistency proofs: every case of transparency-dev's
//! vectors (`../shared/vectors/merkle/{inclusion,consistency}`), valid and
//! tampered, must get its expected verdict from core's verifiers.

mod common;

use assent_core::merkle::{verify_consistency, verify_inclusion, Hash};
use std::path::Path;

fn b64(v: &serde_json::Value) -> Vec<u8> {
    data_encoding::BASE64
        .decode(v.as_str().unwrap_or("").as_bytes())
        .expect("base64 in a vector")
}

/// A proof element: a 32-byte hash, or `None` for another length (no valid
/// proof contains one, so such cases must be refused).
fn hash(v: &serde_json::Value) -> Option<Hash> {
    <[u8; 32]>::try_from(b64(v)).ok().map(Hash)
}

/// A root or leaf hash. The vectors treat these as opaque byte strings and
/// some use placeholders of other lengths ("don't care"); `Hash` holds 32
/// bytes, so any other length stands in as its SHA-256, which keeps equal
/// values equal and different values different. An empty value is no hash
/// at all and is refused.
fn value(v: &serde_json::Value) -> Option<Hash> {
    let bytes = b64(v);
    if bytes.is_empty() {
        return None;
    }
    Some(match <[u8; 32]>::try_from(bytes.as_slice()) {
        Ok(h) => Hash(h),
        Err(_) => Hash(<sha2::Sha256 as sha2::Digest>::digest(&bytes).into()),
    })
}

fn proof(v: &serde_json::Value) -> Option<Vec<Hash>> {
    match v {
        serde_json::Value::Null => Some(Vec::new()),
        serde_json::Value::Array(items) => items.iter().map(hash).collect(),
        other => panic!("unexpected proof {other}"),
    }
}

fn cases(dir: &str) -> Vec<(String, serde_json::Value)> {
    fn walk(dir: &Path, out: &mut Vec<(String, serde_json::Value)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("vector folder {} is missing: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((
                    path.display().to_string(),
                    serde_json::from_str(&text).unwrap(),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(&common::shared_vectors().join(dir), &mut out);
    out
}

#[test]
fn every_inclusion_vector() {
    let all = cases("merkle/inclusion");
    assert!(
        all.len() >= 95,
        "expected the full vector set, got {}",
        all.len()
    );
    let mut valid = 0;
    for (name, c) in &all {
        let want_err = c["wantErr"].as_bool().unwrap();
        let verdict = match (value(&c["leafHash"]), value(&c["root"]), proof(&c["proof"])) {
            (Some(leaf), Some(root), Some(p)) => verify_inclusion(
                c["leafIdx"].as_u64().unwrap(),
                c["treeSize"].as_u64().unwrap(),
                &leaf,
                &p,
                &root,
            )
            .is_ok(),
            _ => false,
        };
        assert_eq!(verdict, !want_err, "{name}: {}", c["desc"]);
        valid += usize::from(verdict);
    }
    assert!(valid > 0);
}

#[test]
fn every_consistency_vector() {
    let all = cases("merkle/consistency");
    assert!(
        all.len() >= 80,
        "expected the full vector set, got {}",
        all.len()
    );
    let mut valid = 0;
    for (name, c) in &all {
        let want_err = c["wantErr"].as_bool().unwrap();
        let verdict = match (value(&c["root1"]), value(&c["root2"]), proof(&c["proof"])) {
            (Some(r1), Some(r2), Some(p)) => verify_consistency(
                c["size1"].as_u64().unwrap(),
                c["size2"].as_u64().unwrap(),
                &r1,
                &r2,
                &p,
            )
            .is_ok(),
            _ => false,
        };
        assert_eq!(verdict, !want_err, "{name}: {}", c["desc"]);
        valid += usize::from(verdict);
    }
    assert!(valid > 0);
}
