//! Key files (core's edge, [`assent_core::keyfile`]): the sequencer's,
//! validators' and governance keys.

pub use assent_core::keyfile::{generate, read};
