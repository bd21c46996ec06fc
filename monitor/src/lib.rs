//! # assent-monitor: access-pattern monitoring
//!
//! Watches the `RecordAccess` entries on the ledger for snooping and misuse
//! (DESIGN §7): exact consent checks through `assent-core`'s policy engine,
//! robust per-organisation and per-actor baselines, a seeded isolation forest,
//! and cases explained in plain sentences. It never acts alone: it proposes,
//! and the consortium's governance decides. It also holds the seeded
//! consortium simulator it is measured on.
//!
//! Built in the monitoring issue; today the crate fixes its place in the
//! workspace and its one-way dependency on core.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
