//! The ledger replica (in progress).
