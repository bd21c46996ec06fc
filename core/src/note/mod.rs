//! C2SP signed notes and what Assent builds on them: verifier keys,
//! checkpoints with the state root, validator cosignatures and submission
//! receipts (DESIGN §4, PROTOCOL §6). One file per spec:
//!
//! | file | spec | what |
//! | --- | --- | --- |
//! | [`vkey`] | [signed-note] verifier keys | [`Vkey`]: `<name>+<key id>+<base64(type ‖ key)>`, key ids |
//! | [`signed`] | [signed-note] | [`Note`], [`NoteSignature`], [`sign_note`], verification |
//! | [`cosignature`] | [tlog-cosignature] `cosignature/v1` | [`Cosignature`] (type 0x04) |
//! | [`checkpoint`] | [tlog-checkpoint] | [`Checkpoint`] (with the `assent-state/v1` line), [`SignedCheckpoint`] |
//! | [`receipt`] | Assent's own, PROTOCOL §6 | [`Receipt`] (`assent-receipt/v1`) |
//!
//! The quorum rule (the sequencer's signature and k of n validator
//! cosignatures, fresh) is [`crate::trust`].
//!
//! ## What comes from crates and what is written here
//!
//! - `signed_note` (Cloudflare azul): note framing — [`Note::parse`] runs its
//!   `Note::from_bytes` (UTF-8, control characters, blank line, each line),
//!   lines are read and written with its `Signature`, key ids are its
//!   `key_id`, names are checked with its `is_key_name_valid`, and signing
//!   goes through its `Signer` trait. Its own Ed25519 verifier uses
//!   non-strict `verify` and knows only type 0x01, so [`Vkey`] implements its
//!   `Verifier` trait with strict checks for 0x01 and 0x04 (PROTOCOL §9), and
//!   [`Note::verify`] is written here (every line of a trusted key is
//!   checked, not only the first; cosignature timestamps are returned).
//! - `tlog_tiles`: [`Checkpoint::parse`] runs its strict checkpoint parser;
//!   the single-extension rule and the canonical round trip are added here.
//! - Written here: `cosignature/v1` (the crates have none), the vkey parser
//!   (strict: lower-case id, canonical base64, usable Ed25519 point), and the
//!   receipt format.
//! - Signatures are made by [`crate::keys::SigningKey::sign`] and checked by
//!   [`crate::keys::PublicKey::verify`] (`verify_strict`).
//!
//! ## Decisions
//!
//! - Unknown signature lines (name and key id matching no trusted key) are
//!   ignored, as signed-note requires. A line that names a trusted key and
//!   fails to verify rejects the whole note ([`NoteError::BadSignature`]),
//!   which signed-note recommends: a tampered note is refused, not quietly
//!   treated as less signed.
//! - Notes are capped at [`MAX_NOTE_BYTES`] and [`MAX_SIGNATURES`] before any
//!   parsing.
//! - Every parser refuses text that is not the canonical encoding of what it
//!   read, so one value has one text.
//!
//! [signed-note]: https://c2sp.org/signed-note
//! [tlog-checkpoint]: https://c2sp.org/tlog-checkpoint
//! [tlog-cosignature]: https://c2sp.org/tlog-cosignature

pub mod checkpoint;
pub mod cosignature;
mod error;
pub mod receipt;
pub mod signed;
pub mod vkey;

#[cfg(test)]
mod tests;

pub use checkpoint::{Checkpoint, SignedCheckpoint, STATE_EXTENSION};
pub use cosignature::{Cosignature, COSIGNATURE_V1_HEADER};
pub use error::{NoteError, VkeyError};
pub use receipt::{Receipt, RECEIPT_HEADER};
pub use signed::{
    sign_note, Note, NoteSignature, VerifiedSignature, MAX_NOTE_BYTES, MAX_SIGNATURES,
};
pub use vkey::{key_id, Vkey, VkeyKind};
