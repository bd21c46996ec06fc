//! A sparse Merkle map (in progress).
