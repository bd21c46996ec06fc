//! # assent-monitor: access-pattern monitoring
//!
//! Watches the `RecordAccess` entries on the ledger for snooping and misuse
//! (DESIGN §7): exact consent checks through `assent-core`'s policy engine,
//! robust per-organisation and per-actor baselines, a seeded isolation forest,
//! and cases explained in plain sentences. It never acts alone: it proposes,
//! and the consortium's governance decides.
//!
//! Built so far: [`sim`], the seeded consortium simulator the detectors are
//! measured on (real signed transactions, with an answer key); [`rules`],
//! the rules-only baseline (exact consent checks with core's policy engine,
//! override bursts, unusual hours, volume against a robust baseline); and
//! [`eval`], cases and the quality table at a privacy officer's review
//! budget; [`features`], [`forest`] and [`detector`], the learned half: a
//! seeded, byte-reproducible isolation forest over each person's access
//! features, whose alerts name the features that moved them. The monitor's
//! transactions on a live ledger and its reports come next (the monitoring
//! issue).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod alerting;
pub mod detector;
pub mod entries;
pub mod eval;
pub mod features;
pub mod feed;
pub mod forest;
mod habits;
pub mod live;
pub mod rescore;
pub mod rules;
pub mod sim;
