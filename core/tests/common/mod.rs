//! Shared helpers for core's known-answer tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared/vectors` beside the repository (or `$ASSENT_VECTORS`).
pub fn shared_vectors() -> PathBuf {
    match std::env::var_os("ASSENT_VECTORS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors"),
    }
}

/// Reads a vector file. A missing file fails the test: vectors never skip.
pub fn read_shared(relative: &str) -> String {
    let path = shared_vectors().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "known-answer vector file {} is missing ({e}); the shared/ folder must sit beside the repository",
            path.display()
        )
    })
}

/// Reads one of core's own vector files under `core/tests/vectors`.
pub fn read_own(relative: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(relative);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("vector file {} is missing ({e})", path.display()))
}

/// Lower-case hex to bytes; panics on malformed vector data.
pub fn hex(s: &str) -> Vec<u8> {
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(s.as_bytes())
        .unwrap_or_else(|e| panic!("bad hex {s:?} in a vector file: {e}"))
}
