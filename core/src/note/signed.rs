//! C2SP [signed-note]: a text ending in a newline, a blank line, then
//! signature lines `— <name> <base64(key id ‖ signature)>`.
//!
//! Framing comes from the `signed_note` crate: [`signed_note::Note::from_bytes`]
//! checks a whole note (UTF-8, no control characters, the blank line, each
//! signature line, its own caps) and [`signed_note::Signature`] reads and writes
//! lines; signing goes through its [`signed_note::Signer`] trait. Verification
//! is written here ([`Note::verify`]): every line by a trusted key is checked
//! with strict Ed25519 (the crate checks only the first of repeated lines, with
//! non-strict Ed25519), and cosignature timestamps are returned.
//!
//! [signed-note]: https://c2sp.org/signed-note

use super::error::NoteError;
use super::vkey::{is_valid_key_name, key_id, Vkey, VkeyKind};
use crate::keys::SigningKey;
use std::collections::BTreeMap;

/// The largest signed note read (checked before any parsing). C2SP asks
/// verifiers to accept at least 16 signatures of up to ~5 kB (post-quantum).
pub const MAX_NOTE_BYTES: usize = 128 * 1024;

/// The most signature lines a note may carry (C2SP: at least 16 must be
/// accepted).
pub const MAX_SIGNATURES: usize = 32;

/// One signature line: the signer's name, its key id and the signature bytes
/// (for cosignature/v1, timestamp ‖ Ed25519 signature).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NoteSignature {
    name: String,
    key_id: u32,
    signature: Vec<u8>,
}

impl NoteSignature {
    /// A signature line's contents.
    ///
    /// # Errors
    /// [`NoteError::InvalidKeyName`] for a name a note cannot carry;
    /// [`NoteError::MalformedSignatureLine`] for an empty signature.
    pub fn new(
        name: impl Into<String>,
        key_id: u32,
        signature: Vec<u8>,
    ) -> Result<Self, NoteError> {
        let name = name.into();
        if !is_valid_key_name(&name) {
            return Err(NoteError::InvalidKeyName { name });
        }
        if signature.is_empty() {
            return Err(NoteError::MalformedSignatureLine {
                line: format!("— {name} (empty signature)"),
            });
        }
        Ok(NoteSignature {
            name,
            key_id,
            signature,
        })
    }

    /// Reads one line `— <name> <base64(key id ‖ signature)>`, with or without
    /// its final newline. The base64 must be canonical.
    ///
    /// # Errors
    /// [`NoteError::MalformedSignatureLine`] if it is not such a line.
    pub fn parse_line(line: &str) -> Result<Self, NoteError> {
        let bare = line.strip_suffix('\n').unwrap_or(line);
        let malformed = || NoteError::MalformedSignatureLine { line: line.into() };
        if bare.contains('\n') {
            return Err(malformed());
        }
        let parsed =
            signed_note::Signature::from_bytes(bare.as_bytes()).map_err(|_| malformed())?;
        Self::new(parsed.name(), parsed.id(), parsed.signature().to_vec()).map_err(|_| malformed())
    }

    /// The signer's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The signer's key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The signature bytes after the key id.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The line, ending in a newline.
    pub fn to_line(&self) -> String {
        let line =
            signed_note::Signature::new(self.name.clone(), self.key_id, self.signature.clone())
                .expect("the name was checked on construction")
                .to_bytes();
        String::from_utf8(line).expect("a signature line is UTF-8")
    }
}

impl std::fmt::Debug for NoteSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NoteSignature({})", self.to_line().trim_end())
    }
}

/// A signer for type 0x01 (Ed25519 over the note text), through the
/// `signed_note` crate's [`signed_note::Signer`] trait.
struct Ed25519Signer<'a> {
    name: &'a str,
    id: u32,
    key: &'a SigningKey,
}

impl<'a> Ed25519Signer<'a> {
    fn new(name: &'a str, key: &'a SigningKey) -> Result<Self, NoteError> {
        if !is_valid_key_name(name) {
            return Err(NoteError::InvalidKeyName { name: name.into() });
        }
        Ok(Ed25519Signer {
            name,
            id: key_id(name, VkeyKind::Ed25519, &key.public_key()),
            key,
        })
    }
}

impl signed_note::Signer for Ed25519Signer<'_> {
    fn name(&self) -> &str {
        self.name
    }

    fn key_id(&self) -> u32 {
        self.id
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ed25519_dalek::SignatureError> {
        Ok(self.key.sign(msg).to_vec())
    }
}

/// Checks that `text` can be a note text: at most [`MAX_NOTE_BYTES`], ends
/// in a newline, no control characters but newlines.
pub(crate) fn check_text(text: &str) -> Result<(), NoteError> {
    if text.len() > MAX_NOTE_BYTES {
        return Err(NoteError::TooLarge {
            size: text.len(),
            max: MAX_NOTE_BYTES,
        });
    }
    signed_note::Note::new(text.as_bytes(), &[]).map_err(|_| NoteError::InvalidText)?;
    Ok(())
}

/// Signs `text` as a signed note with one Ed25519 (type 0x01) signature by
/// `name`, returning the whole note (text, blank line, signature line).
///
/// ```
/// use assent_core::keys::SigningKey;
/// use assent_core::note::{sign_note, Note, Vkey, VkeyKind};
///
/// let key = SigningKey::from_secret_bytes(&[1; 32]);
/// let signed = sign_note("hello\n", "example.org/k", &key).unwrap();
/// let vkey = Vkey::new("example.org/k", VkeyKind::Ed25519, key.public_key()).unwrap();
/// let note = Note::parse(&signed).unwrap();
/// assert_eq!(note.verify(&[vkey]).unwrap().len(), 1);
/// ```
///
/// # Errors
/// [`NoteError::InvalidText`] or [`NoteError::TooLarge`] for text a note
/// cannot hold; [`NoteError::InvalidKeyName`] for a bad name.
pub fn sign_note(text: &str, name: &str, key: &SigningKey) -> Result<String, NoteError> {
    let mut note = Note::new(text)?;
    note.sign(name, key)?;
    Ok(note.to_string())
}

/// A verified signature: which trusted key signed, and for a cosignature the
/// newest timestamp it signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSignature {
    /// The key's name.
    pub name: String,
    /// The key id.
    pub key_id: u32,
    /// The key's signature type.
    pub kind: VkeyKind,
    /// For cosignature/v1, the newest timestamp among this key's lines.
    pub timestamp: Option<u64>,
}

/// A signed note: its text and signature lines, parsed but not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

impl Note {
    /// A note with no signatures yet.
    ///
    /// # Errors
    /// [`NoteError::InvalidText`] or [`NoteError::TooLarge`] for text a note
    /// cannot hold.
    pub fn new(text: impl Into<String>) -> Result<Self, NoteError> {
        let text = text.into();
        check_text(&text)?;
        Ok(Note {
            text,
            signatures: Vec::new(),
        })
    }

    /// Reads a signed note. Checks syntax only: call [`Note::verify`].
    ///
    /// # Errors
    /// [`NoteError::TooLarge`], [`NoteError::TooManySignatures`], or
    /// [`NoteError::Malformed`] if it is not a C2SP signed note.
    pub fn parse(bytes: impl AsRef<[u8]>) -> Result<Self, NoteError> {
        let bytes = bytes.as_ref();
        if bytes.len() > MAX_NOTE_BYTES {
            return Err(NoteError::TooLarge {
                size: bytes.len(),
                max: MAX_NOTE_BYTES,
            });
        }
        let all = std::str::from_utf8(bytes).map_err(|_| NoteError::Malformed)?;
        // Signature lines follow the last blank line; count them first.
        let (_, block) = all.rsplit_once("\n\n").ok_or(NoteError::Malformed)?;
        let count = block.split_terminator('\n').count();
        if count > MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures {
                count,
                max: MAX_SIGNATURES,
            });
        }
        let note = signed_note::Note::from_bytes(bytes).map_err(|_| NoteError::Malformed)?;
        let text = std::str::from_utf8(note.text()).map_err(|_| NoteError::Malformed)?;
        // The crate split at the same blank line: text, "\n", then the lines.
        if text.len() + 1 + block.len() != all.len() || !all.starts_with(text) {
            return Err(NoteError::Malformed);
        }
        let signatures = block
            .split_terminator('\n')
            .map(|line| NoteSignature::parse_line(line).map_err(|_| NoteError::Malformed))
            .collect::<Result<Vec<_>, _>>()?;
        if signatures.is_empty() {
            return Err(NoteError::Malformed);
        }
        check_text(text)?;
        Ok(Note {
            text: text.into(),
            signatures,
        })
    }

    /// The note text (ending in a newline, without the blank line).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signature lines, in order.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Adds a signature line, replacing any line with the same name and key
    /// id (as signed_note's `add_sigs` does): a newer cosignature by one
    /// cosigner replaces its older one.
    ///
    /// # Errors
    /// [`NoteError::TooManySignatures`] past [`MAX_SIGNATURES`].
    pub fn add_signature(&mut self, signature: NoteSignature) -> Result<(), NoteError> {
        self.signatures
            .retain(|s| !(s.name == signature.name && s.key_id == signature.key_id));
        if self.signatures.len() >= MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures {
                count: self.signatures.len() + 1,
                max: MAX_SIGNATURES,
            });
        }
        self.signatures.push(signature);
        Ok(())
    }

    /// Signs the text with Ed25519 (type 0x01) as `name` and adds the line.
    ///
    /// # Errors
    /// [`NoteError::InvalidKeyName`]; [`NoteError::TooManySignatures`].
    pub fn sign(&mut self, name: &str, key: &SigningKey) -> Result<(), NoteError> {
        let signer = Ed25519Signer::new(name, key)?;
        let mut framed = signed_note::Note::new(self.text.as_bytes(), &[])
            .map_err(|_| NoteError::InvalidText)?;
        framed
            .add_sigs(&[&signer])
            .map_err(|_| NoteError::InvalidKeyName { name: name.into() })?;
        let bytes = framed.to_bytes();
        let line =
            std::str::from_utf8(&bytes[self.text.len() + 1..]).map_err(|_| NoteError::Malformed)?;
        self.add_signature(NoteSignature::parse_line(line)?)
    }

    /// Verifies the note against the trusted keys `known`, following
    /// signed-note: lines whose name and key id match no trusted key are
    /// ignored; every line by a trusted key must verify (else the whole note
    /// is refused); at least one must. Returns one entry per trusted key that
    /// signed, in the order of `known`.
    ///
    /// # Errors
    /// [`NoteError::BadSignature`] (or a cosignature format error) for a
    /// trusted key's line that fails; [`NoteError::NoKnownSignature`] if no
    /// trusted key signed; [`NoteError::AmbiguousKey`] if two different
    /// trusted keys share a name and key id.
    pub fn verify(&self, known: &[Vkey]) -> Result<Vec<VerifiedSignature>, NoteError> {
        let mut by_id: BTreeMap<(&str, u32), (usize, &Vkey)> = BTreeMap::new();
        for (i, vkey) in known.iter().enumerate() {
            if let Some((_, other)) = by_id.insert((vkey.name(), vkey.id()), (i, vkey)) {
                if other != vkey {
                    return Err(NoteError::AmbiguousKey {
                        name: vkey.name().into(),
                        key_id: vkey.id(),
                    });
                }
            }
        }
        let mut found: BTreeMap<usize, Option<u64>> = BTreeMap::new();
        for signature in &self.signatures {
            let Some(&(i, vkey)) = by_id.get(&(signature.name(), signature.key_id())) else {
                continue;
            };
            let timestamp = vkey.verify_signature(&self.text, signature)?;
            let newest = found.entry(i).or_insert(timestamp);
            *newest = (*newest).max(timestamp);
        }
        if found.is_empty() {
            return Err(NoteError::NoKnownSignature);
        }
        Ok(found
            .into_iter()
            .map(|(i, timestamp)| VerifiedSignature {
                name: known[i].name().into(),
                key_id: known[i].id(),
                kind: known[i].kind(),
                timestamp,
            })
            .collect())
    }

    /// The whole signed note.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)?;
        f.write_str("\n")?;
        for signature in &self.signatures {
            f.write_str(&signature.to_line())?;
        }
        Ok(())
    }
}
