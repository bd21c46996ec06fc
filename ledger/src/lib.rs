//! # assent-ledger: the consortium ledger node
//!
//! The permissioned, verifiable, append-only log that consent lives on
//! (DESIGN §4): a sequencer that validates every transaction with
//! `assent-core`'s validator and appends it to an RFC 9162 Merkle log with a
//! sparse Merkle state map; C2SP checkpoints signed by the sequencer and
//! cosigned by consortium validators; the C2SP tlog-tiles read path and a
//! JSON API; embedded (redb) and PostgreSQL storage.
//!
//! This crate holds no protocol rule of its own: it calls the one copy in
//! `assent-core`. The node itself (`assent-ledger serve | validate | demo`)
//! is built in the ledger issue; today the crate only fixes its place in the
//! workspace and the direction of its dependency (ledger → core).

#![forbid(unsafe_code)]
#![deny(missing_docs)]
