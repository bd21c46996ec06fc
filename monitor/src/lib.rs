//! # assent-monitor: access-pattern monitoring
//!
//! Watches the `RecordAccess` entries on the ledger for snooping and misuse
//! (DESIGN §7): exact consent checks through `assent-core`'s policy engine,
//! robust per-organisation and per-actor baselines, a seeded isolation forest,
//! and cases explained in plain sentences. It never acts alone: it proposes,
//! and the consortium's governance decides.
//!
//! The pieces:
//!
//! | module | what |
//! | --- | --- |
//! | [`sim`] | the seeded consortium simulator the detectors are measured on (real signed transactions, with an answer key) |
//! | [`rules`] | the rules-only baseline: exact consent checks with core's policy engine, override bursts, unusual hours, volume against a robust baseline |
//! | [`features`], [`forest`], [`detector`] | the learned half: a seeded, byte-reproducible isolation forest over each person's access features, fed one entry at a time |
//! | [`eval`] | cases and the quality table at a privacy officer's review budget |
//! | [`alerting`] | which cases to post and what each `MonitoringAlert` says |
//! | [`live`] | the monitor on a live ledger (`run`): follow, register the model, post |
//! | [`rescore`] | anyone's re-check of a monitor from the ledger alone (`check`) |
//! | [`feed`] | a simulated log into a live ledger (`feed`) |
//! | [`report`] | the privacy officer's HTML report (`report`) |
//! | [`entries`] | the log as the monitor reads it (`entries.bin`, `genesis.json`) |

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
pub mod report;
pub mod rescore;
pub mod rules;
pub mod sim;
