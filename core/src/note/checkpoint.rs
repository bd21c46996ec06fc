//! C2SP [tlog-checkpoint] bodies with Assent's one extension line, and the
//! signed checkpoint note (sequencer signature plus validator cosignatures).
//!
//! ```text
//! <origin>
//! <tree size, decimal>
//! <base64 RFC 9162 root>
//! assent-state/v1 <base64 state-map root>
//! ```
//!
//! Parsing goes through [`tlog_tiles::Checkpoint::from_bytes`] (strict:
//! decimal size without leading zeros, a 32-byte base64 root, non-empty
//! extension lines, final newline); the extension rule (exactly one line,
//! `assent-state/v1`) and a canonical re-encoding check are added here.
//!
//! [tlog-checkpoint]: https://c2sp.org/tlog-checkpoint

use super::cosignature::Cosignature;
use super::error::NoteError;
use super::signed::{Note, NoteSignature};
use super::vkey::Vkey;
use crate::keys::SigningKey;
use data_encoding::BASE64;

/// The keyword of the checkpoint's state-root extension line (PROTOCOL §6).
pub const STATE_EXTENSION: &str = "assent-state/v1";

/// Whether `origin` can be a checkpoint's first line: non-empty, no control
/// characters (so no newline).
pub fn is_valid_origin(origin: &str) -> bool {
    !origin.is_empty() && !origin.chars().any(char::is_control)
}

/// A checkpoint body: the log's origin, size and RFC 9162 root, and the state
/// map's root in the extension line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Checkpoint {
    /// The log's origin (its name, e.g. `ledger.example.org/assent`).
    pub origin: String,
    /// The number of leaves.
    pub size: u64,
    /// The RFC 9162 root of the leaves.
    pub root: [u8; 32],
    /// The sparse Merkle map's root after the last leaf.
    pub state_root: [u8; 32],
}

impl Checkpoint {
    /// The note text: origin, size, base64 root, state-root extension line,
    /// each ending in a newline. Meaningful only with a valid origin
    /// ([`Checkpoint::validate`]; signing checks it).
    pub fn to_text(&self) -> String {
        format!(
            "{}\n{}\n{}\n{STATE_EXTENSION} {}\n",
            self.origin,
            self.size,
            BASE64.encode(&self.root),
            BASE64.encode(&self.state_root)
        )
    }

    /// Checks the origin can be written as the first line.
    ///
    /// # Errors
    /// [`NoteError::InvalidOrigin`].
    pub fn validate(&self) -> Result<(), NoteError> {
        if is_valid_origin(&self.origin) {
            Ok(())
        } else {
            Err(NoteError::InvalidOrigin {
                origin: self.origin.clone(),
            })
        }
    }

    /// Reads a checkpoint body (the note text, without signatures). Strict:
    /// exactly one extension line, `assent-state/v1 <base64 32 bytes>`, and
    /// the text must be the canonical encoding of what it says.
    ///
    /// # Errors
    /// [`NoteError::CheckpointSyntax`], [`NoteError::MissingStateRoot`],
    /// [`NoteError::UnexpectedExtension`], [`NoteError::InvalidStateRoot`],
    /// [`NoteError::InvalidOrigin`], [`NoteError::NonCanonical`].
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let parsed = tlog_tiles::Checkpoint::from_bytes(text.as_bytes())
            .map_err(|_| NoteError::CheckpointSyntax)?;
        let mut extensions = parsed.extension().split_terminator('\n');
        let line = extensions.next().ok_or(NoteError::MissingStateRoot)?;
        if let Some(extra) = extensions.next() {
            return Err(NoteError::UnexpectedExtension { line: extra.into() });
        }
        let encoded = line
            .strip_prefix(STATE_EXTENSION)
            .and_then(|rest| rest.strip_prefix(' '))
            .ok_or_else(|| NoteError::UnexpectedExtension { line: line.into() })?;
        let state_root: [u8; 32] = BASE64
            .decode(encoded.as_bytes())
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| NoteError::InvalidStateRoot {
                text: encoded.into(),
            })?;
        let checkpoint = Checkpoint {
            origin: parsed.origin().into(),
            size: parsed.size(),
            root: parsed.hash().0,
            state_root,
        };
        checkpoint.validate()?;
        if checkpoint.to_text() != text {
            return Err(NoteError::NonCanonical { what: "checkpoint" });
        }
        Ok(checkpoint)
    }
}

/// A checkpoint as a signed note: the body and its signature lines (the
/// sequencer's, validators' cosignatures, and any others, which are kept).
/// Parsing does not verify: [`crate::trust::TrustPolicy::verify_checkpoint`]
/// does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    checkpoint: Checkpoint,
    note: Note,
}

impl SignedCheckpoint {
    /// Signs `checkpoint` with the sequencer's checkpoint key (Ed25519, type
    /// 0x01) as `name`.
    ///
    /// # Errors
    /// [`NoteError::InvalidOrigin`]; [`NoteError::InvalidKeyName`].
    pub fn sign(checkpoint: Checkpoint, name: &str, key: &SigningKey) -> Result<Self, NoteError> {
        checkpoint.validate()?;
        let mut note = Note::new(checkpoint.to_text())?;
        note.sign(name, key)?;
        Ok(SignedCheckpoint { checkpoint, note })
    }

    /// Reads a signed checkpoint note; the body must be a strict Assent
    /// checkpoint ([`Checkpoint::parse`]). Signatures are not checked.
    ///
    /// # Errors
    /// The errors of [`Note::parse`] and [`Checkpoint::parse`].
    pub fn parse(bytes: impl AsRef<[u8]>) -> Result<Self, NoteError> {
        let note = Note::parse(bytes)?;
        let checkpoint = Checkpoint::parse(note.text())?;
        Ok(SignedCheckpoint { checkpoint, note })
    }

    /// The checkpoint.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The checkpoint body that every signature covers.
    pub fn text(&self) -> &str {
        self.note.text()
    }

    /// The signed note.
    pub fn note(&self) -> &Note {
        &self.note
    }

    /// The signature lines, in order.
    pub fn signatures(&self) -> &[NoteSignature] {
        self.note.signatures()
    }

    /// Adds a validator's cosignature, replacing an older one by the same key.
    /// Verify it first ([`crate::trust::TrustPolicy::verify_cosignature`]):
    /// this only appends the line.
    ///
    /// # Errors
    /// [`NoteError::TooManySignatures`].
    pub fn add_cosignature(&mut self, cosignature: &Cosignature) -> Result<(), NoteError> {
        self.note.add_signature(cosignature.to_note_signature())
    }

    /// Adds any signature line (e.g. a cosignature received as text),
    /// replacing one with the same name and key id.
    ///
    /// # Errors
    /// [`NoteError::MalformedSignatureLine`]; [`NoteError::TooManySignatures`].
    pub fn add_signature_line(&mut self, line: &str) -> Result<(), NoteError> {
        self.note.add_signature(NoteSignature::parse_line(line)?)
    }

    /// Cosigns as validator `name` at `timestamp` and adds the line.
    ///
    /// # Errors
    /// The errors of [`Cosignature::sign`] and [`Self::add_cosignature`].
    pub fn cosign(
        &mut self,
        name: &str,
        key: &SigningKey,
        timestamp: u64,
    ) -> Result<Cosignature, NoteError> {
        let cosignature = Cosignature::sign(self.note.text(), name, key, timestamp)?;
        self.add_cosignature(&cosignature)?;
        Ok(cosignature)
    }

    /// Checks the signature of one key alone, e.g. a validator checking the
    /// sequencer's signature before it replays (a quorum is
    /// [`crate::trust::TrustPolicy::verify_checkpoint`]). Other lines are
    /// ignored; every line by `vkey` must verify. For a cosigning key, the
    /// newest timestamp is returned.
    ///
    /// # Errors
    /// [`NoteError::NoKnownSignature`] if `vkey` did not sign;
    /// [`NoteError::BadSignature`] if its line fails.
    pub fn verify_signer(&self, vkey: &Vkey) -> Result<Option<u64>, NoteError> {
        let verified = self.note.verify(std::slice::from_ref(vkey))?;
        Ok(verified.first().and_then(|v| v.timestamp))
    }

    /// The whole signed note, every signature line included.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.note.to_bytes()
    }
}

impl std::fmt::Display for SignedCheckpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.note.fmt(f)
    }
}
