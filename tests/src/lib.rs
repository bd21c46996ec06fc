//! # assent-tests: end-to-end tests across the Assent crates
//!
//! Tests here run real processes (ledger nodes on loopback, the `assent` CLI,
//! the app's web build in a real browser) and check the project's promises
//! that span crates. This library holds their shared helpers.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::path::PathBuf;

/// The workspace root (the folder holding the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits inside the workspace")
        .to_path_buf()
}

/// Reads a file relative to the workspace root; a missing file fails the test.
pub fn read_repo_file(relative: &str) -> String {
    let path = workspace_root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{} is missing: {e}", path.display()))
}
