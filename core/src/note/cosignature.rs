//! C2SP [tlog-cosignature] `cosignature/v1` (signature type 0x04), written
//! here: the `signed_note` crate does not implement it.
//!
//! A cosignature line is `— <name> base64(key id ‖ timestamp ‖ signature)`:
//! an 8-byte big-endian POSIX timestamp (at most 2⁶³ − 1) and a 64-byte
//! Ed25519 signature over
//!
//! ```text
//! cosignature/v1
//! time <timestamp, decimal>
//! <the checkpoint's note text: every body line, no signature lines>
//! ```
//!
//! An Assent validator's cosignature also states "I replayed this log with
//! assent-core and computed this state root" (PROTOCOL §6), which is why the
//! checkpoint's extension line is covered and why validator keys sign nothing
//! else.
//!
//! [tlog-cosignature]: https://c2sp.org/tlog-cosignature

use super::error::NoteError;
use super::signed::{check_text, NoteSignature};
use super::vkey::{is_valid_key_name, key_id, Vkey, VkeyKind};
use crate::keys::SigningKey;

/// The header line of the signed message (domain separation).
pub const COSIGNATURE_V1_HEADER: &str = "cosignature/v1";

/// The largest timestamp tlog-cosignature allows: 2⁶³ − 1.
pub const MAX_TIMESTAMP: u64 = i64::MAX as u64;

/// Bytes of the signature field: 8 timestamp bytes and 64 signature bytes.
pub const COSIGNATURE_V1_LEN: usize = 72;

/// The message a cosignature/v1 signs: `"cosignature/v1\ntime <t>\n" ‖ text`.
pub fn signed_message(text: &[u8], timestamp: u64) -> Vec<u8> {
    let mut message = format!("{COSIGNATURE_V1_HEADER}\ntime {timestamp}\n").into_bytes();
    message.extend_from_slice(text);
    message
}

/// Splits a signature field into its timestamp and Ed25519 signature.
pub(crate) fn split_signature(field: &[u8]) -> Option<(u64, &[u8])> {
    if field.len() != COSIGNATURE_V1_LEN {
        return None;
    }
    let (time, sig) = field.split_at(8);
    let time: [u8; 8] = time.try_into().ok()?;
    Some((u64::from_be_bytes(time), sig))
}

/// One validator's timestamped cosignature (type 0x04) of a checkpoint.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Cosignature {
    name: String,
    key_id: u32,
    timestamp: u64,
    signature: [u8; 64],
}

impl Cosignature {
    /// Cosigns `checkpoint_text` (the note text: body lines only, ending in a
    /// newline) as `name` at `timestamp` (POSIX seconds).
    ///
    /// # Errors
    /// [`NoteError::InvalidKeyName`], [`NoteError::InvalidText`],
    /// [`NoteError::TimestampRange`] above 2⁶³ − 1.
    pub fn sign(
        checkpoint_text: &str,
        name: &str,
        key: &SigningKey,
        timestamp: u64,
    ) -> Result<Self, NoteError> {
        if !is_valid_key_name(name) {
            return Err(NoteError::InvalidKeyName { name: name.into() });
        }
        check_text(checkpoint_text)?;
        if timestamp > MAX_TIMESTAMP {
            return Err(NoteError::TimestampRange { timestamp });
        }
        let signature = key.sign(&signed_message(checkpoint_text.as_bytes(), timestamp));
        Ok(Cosignature {
            name: name.into(),
            key_id: key_id(name, VkeyKind::CosignatureV1, &key.public_key()),
            timestamp,
            signature,
        })
    }

    /// Reads a cosignature from a note signature line's contents. This
    /// cannot tell a cosignature from another 72-byte signature: the type is
    /// known only from the trusted key the line names.
    ///
    /// # Errors
    /// [`NoteError::CosignatureLength`] unless 72 bytes;
    /// [`NoteError::TimestampRange`] above 2⁶³ − 1.
    pub fn from_note_signature(signature: &NoteSignature) -> Result<Self, NoteError> {
        let (timestamp, sig) =
            split_signature(signature.signature()).ok_or(NoteError::CosignatureLength {
                name: signature.name().into(),
                key_id: signature.key_id(),
                len: signature.signature().len(),
            })?;
        if timestamp > MAX_TIMESTAMP {
            return Err(NoteError::TimestampRange { timestamp });
        }
        Ok(Cosignature {
            name: signature.name().into(),
            key_id: signature.key_id(),
            timestamp,
            signature: sig.try_into().expect("split_signature gives 64 bytes"),
        })
    }

    /// Reads a cosignature line `— <name> <base64(key id ‖ timestamp ‖ sig)>`
    /// (final newline optional).
    ///
    /// # Errors
    /// [`NoteError::MalformedSignatureLine`], or the errors of
    /// [`Cosignature::from_note_signature`].
    pub fn parse_line(line: &str) -> Result<Self, NoteError> {
        Self::from_note_signature(&NoteSignature::parse_line(line)?)
    }

    /// The cosigner's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cosigner's key id (computed with type 0x04).
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// When it was made (POSIX seconds).
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// The Ed25519 signature.
    pub fn signature(&self) -> &[u8; 64] {
        &self.signature
    }

    /// As a note signature line's contents.
    pub fn to_note_signature(&self) -> NoteSignature {
        let mut field = Vec::with_capacity(COSIGNATURE_V1_LEN);
        field.extend_from_slice(&self.timestamp.to_be_bytes());
        field.extend_from_slice(&self.signature);
        NoteSignature::new(self.name.clone(), self.key_id, field)
            .expect("the name was checked on construction")
    }

    /// The signature line, ending in a newline.
    pub fn to_line(&self) -> String {
        self.to_note_signature().to_line()
    }

    /// Verifies it over `checkpoint_text` under `vkey` (strict Ed25519).
    ///
    /// # Errors
    /// [`NoteError::WrongKeyKind`] unless `vkey` is a cosignature/v1 key;
    /// [`NoteError::NotThisKey`] if name or key id differ;
    /// [`NoteError::BadSignature`] if it does not verify.
    pub fn verify(&self, vkey: &Vkey, checkpoint_text: &str) -> Result<(), NoteError> {
        if vkey.kind() != VkeyKind::CosignatureV1 {
            return Err(NoteError::WrongKeyKind {
                name: vkey.name().into(),
                expected: VkeyKind::CosignatureV1,
                got: vkey.kind(),
            });
        }
        if self.name != vkey.name() || self.key_id != vkey.id() {
            return Err(NoteError::NotThisKey {
                name: self.name.clone(),
                key_id: self.key_id,
                vkey_name: vkey.name().into(),
                vkey_id: vkey.id(),
            });
        }
        vkey.key()
            .verify(
                &signed_message(checkpoint_text.as_bytes(), self.timestamp),
                &self.signature,
            )
            .map_err(|_| NoteError::BadSignature {
                name: self.name.clone(),
                key_id: self.key_id,
            })
    }
}

impl std::fmt::Debug for Cosignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Cosignature({}+{:08x} at {})",
            self.name, self.key_id, self.timestamp
        )
    }
}
