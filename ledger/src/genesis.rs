//! The genesis file (`genesis.toml`) lives in core
//! ([`assent_core::genesis_file`]), so that every reader of a ledger (the
//! node, its validators, the monitor) parses it with one copy of the rules;
//! it is re-exported here under the ledger's old path.

pub use assent_core::genesis_file::*;
