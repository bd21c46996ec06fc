//! C2SP verifier keys ([signed-note §Verifier keys]): the text form
//! `<name>+<8 hex key id>+<base64(type byte ‖ public key)>` every Assent
//! public key for notes is published in, and the key id
//! `SHA-256(name ‖ "\n" ‖ type byte ‖ public key)[:4]`.
//!
//! The key id comes from [`signed_note::key_id`] and name rules from
//! [`signed_note::is_key_name_valid`] (plus: no control characters); the
//! strict parse (lower-case id, canonical base64, a usable Ed25519 point) is
//! written here because the crate's `StandardVerifier::new` knows only type
//! 0x01 and accepts non-canonical keys.
//!
//! [signed-note §Verifier keys]: https://c2sp.org/signed-note

use super::cosignature;
use super::error::{NoteError, VkeyError};
use super::signed::NoteSignature;
use crate::keys::{PublicKey, SignatureError};
use data_encoding::{BASE64, HEXLOWER};

/// The signature type of a vkey: which statement its signatures make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VkeyKind {
    /// `0x01`: an Ed25519 signature over the note text (signed-note). The
    /// sequencer's checkpoint key and its receipt key.
    Ed25519,
    /// `0x04`: a timestamped Ed25519 cosignature (tlog-cosignature
    /// `cosignature/v1`). Validators' keys.
    CosignatureV1,
}

impl VkeyKind {
    /// The signature type byte of signed-note.
    pub const fn type_byte(self) -> u8 {
        match self {
            VkeyKind::Ed25519 => 0x01,
            VkeyKind::CosignatureV1 => 0x04,
        }
    }

    /// The kind of a type byte, if Assent uses it.
    pub const fn from_type_byte(byte: u8) -> Option<Self> {
        match byte {
            0x01 => Some(VkeyKind::Ed25519),
            0x04 => Some(VkeyKind::CosignatureV1),
            _ => None,
        }
    }
}

impl std::fmt::Display for VkeyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            VkeyKind::Ed25519 => "Ed25519 (0x01)",
            VkeyKind::CosignatureV1 => "cosignature/v1 (0x04)",
        })
    }
}

/// Whether `name` may name a key: non-empty, no Unicode space, no `+`
/// (signed-note), and no control character (a note may hold none).
pub fn is_valid_key_name(name: &str) -> bool {
    signed_note::is_key_name_valid(name) && !name.chars().any(char::is_control)
}

/// The key id of `name` with a key of `kind`:
/// `SHA-256(name ‖ "\n" ‖ type byte ‖ key)[:4]`, big-endian.
pub fn key_id(name: &str, kind: VkeyKind, key: &PublicKey) -> u32 {
    signed_note::key_id(name, &key_material(kind, key))
}

fn key_material(kind: VkeyKind, key: &PublicKey) -> [u8; 33] {
    let mut material = [0u8; 33];
    material[0] = kind.type_byte();
    material[1..].copy_from_slice(&key.to_bytes());
    material
}

/// A named public key of one signature type, as C2SP vkeys name them.
///
/// Its text form (`Display`, `FromStr`, serde) is the C2SP vkey string, so
/// any signed-note tool reads the keys Assent publishes.
///
/// ```
/// use assent_core::keys::SigningKey;
/// use assent_core::note::{Vkey, VkeyKind};
///
/// let key = SigningKey::from_secret_bytes(&[7; 32]).public_key();
/// let vkey = Vkey::new("ledger.example/log", VkeyKind::Ed25519, key).unwrap();
/// let text = vkey.to_string();
/// assert!(text.starts_with("ledger.example/log+"));
/// assert_eq!(text.parse::<Vkey>().unwrap(), vkey);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Vkey {
    name: String,
    kind: VkeyKind,
    key: PublicKey,
    id: u32,
}

impl Vkey {
    /// A vkey for `key` under `name`.
    ///
    /// # Errors
    /// [`VkeyError::Name`] if `name` is empty or has a space, `+` or control
    /// character.
    pub fn new(name: impl Into<String>, kind: VkeyKind, key: PublicKey) -> Result<Self, VkeyError> {
        let name = name.into();
        if !is_valid_key_name(&name) {
            return Err(VkeyError::Name { name });
        }
        let id = key_id(&name, kind, &key);
        Ok(Vkey {
            name,
            kind,
            key,
            id,
        })
    }

    /// Reads the C2SP text form `<name>+<8 hex key id>+<base64(type ‖ key)>`.
    ///
    /// Strict: the id is 8 lower-case hex digits and must equal the id the
    /// name, type and key give; the base64 is canonical; the type is 0x01 or
    /// 0x04; the key is a canonical Ed25519 point of large order.
    ///
    /// # Errors
    /// A [`VkeyError`] naming what is wrong.
    pub fn parse(text: &str) -> Result<Self, VkeyError> {
        let format = || VkeyError::Format { text: text.into() };
        // The name cannot contain '+', so the first two '+' split the parts
        // (base64 may contain '+').
        let (name, rest) = text.split_once('+').ok_or_else(format)?;
        let (id_text, key_text) = rest.split_once('+').ok_or_else(format)?;
        if !is_valid_key_name(name) {
            return Err(VkeyError::Name { name: name.into() });
        }
        let id_bytes = match HEXLOWER.decode(id_text.as_bytes()) {
            Ok(bytes) if bytes.len() == 4 => bytes,
            _ => {
                return Err(VkeyError::KeyIdFormat {
                    got: id_text.into(),
                })
            }
        };
        let got = u32::from_be_bytes([id_bytes[0], id_bytes[1], id_bytes[2], id_bytes[3]]);
        let material = BASE64
            .decode(key_text.as_bytes())
            .map_err(|_| VkeyError::Base64 { name: name.into() })?;
        let (&type_byte, key_bytes) = material
            .split_first()
            .ok_or_else(|| VkeyError::Empty { name: name.into() })?;
        let kind = VkeyKind::from_type_byte(type_byte).ok_or_else(|| VkeyError::UnknownType {
            name: name.into(),
            type_byte,
        })?;
        let key = PublicKey::from_slice(key_bytes).map_err(|source| VkeyError::Key {
            name: name.into(),
            source,
        })?;
        let vkey = Vkey::new(name, kind, key)?;
        if vkey.id != got {
            return Err(VkeyError::KeyIdMismatch {
                name: name.into(),
                expected: vkey.id,
                got,
            });
        }
        Ok(vkey)
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The signature type.
    pub fn kind(&self) -> VkeyKind {
        self.kind
    }

    /// The Ed25519 public key.
    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    /// The key id: `SHA-256(name ‖ "\n" ‖ type byte ‖ key)[:4]`.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Whether a signature line names this key (same name and key id). Lines
    /// that match no trusted key are ignored, as signed-note requires.
    pub fn matches(&self, signature: &NoteSignature) -> bool {
        signature.name() == self.name && signature.key_id() == self.id
    }

    /// Verifies a signature line of this key over a note `text` (strict
    /// Ed25519, PROTOCOL §9). For a [`VkeyKind::CosignatureV1`] key the line
    /// is a cosignature/v1 and its timestamp is returned.
    ///
    /// # Errors
    /// [`NoteError::NotThisKey`] if the line names another key;
    /// [`NoteError::CosignatureLength`] or [`NoteError::TimestampRange`] for
    /// a malformed cosignature; [`NoteError::BadSignature`] if the signature
    /// does not verify.
    pub fn verify_signature(
        &self,
        text: &str,
        signature: &NoteSignature,
    ) -> Result<Option<u64>, NoteError> {
        if !self.matches(signature) {
            return Err(NoteError::NotThisKey {
                name: signature.name().into(),
                key_id: signature.key_id(),
                vkey_name: self.name.clone(),
                vkey_id: self.id,
            });
        }
        let bad = || NoteError::BadSignature {
            name: self.name.clone(),
            key_id: self.id,
        };
        match self.kind {
            VkeyKind::Ed25519 => {
                self.key
                    .verify(text.as_bytes(), signature.signature())
                    .map_err(|_| bad())?;
                Ok(None)
            }
            VkeyKind::CosignatureV1 => {
                let cosig = cosignature::Cosignature::from_note_signature(signature)?;
                cosig.verify(self, text)?;
                Ok(Some(cosig.timestamp()))
            }
        }
    }

    /// A copy claiming another key id (tests of ambiguous keys only).
    #[cfg(test)]
    pub(crate) fn with_id_for_test(mut self, id: u32) -> Self {
        self.id = id;
        self
    }

    /// Checks raw signature bytes (as they follow the key id in a line).
    pub(crate) fn check_raw(&self, text: &[u8], sig: &[u8]) -> Result<(), SignatureError> {
        match self.kind {
            VkeyKind::Ed25519 => self.key.verify(text, sig),
            VkeyKind::CosignatureV1 => {
                let (timestamp, sig) = cosignature::split_signature(sig)
                    .ok_or(SignatureError::Length { got: sig.len() })?;
                if timestamp > cosignature::MAX_TIMESTAMP {
                    return Err(SignatureError::Invalid);
                }
                self.key
                    .verify(&cosignature::signed_message(text, timestamp), sig)
            }
        }
    }
}

/// signed_note's verifier trait, backed by strict verification (PROTOCOL §9):
/// a [`Vkey`] can be put in a [`signed_note::VerifierList`], for either type.
impl signed_note::Verifier for Vkey {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.id
    }

    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        self.check_raw(msg, sig).is_ok()
    }
}

impl std::fmt::Display for Vkey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}+{:08x}+{}",
            self.name,
            self.id,
            BASE64.encode(&key_material(self.kind, &self.key))
        )
    }
}

impl std::fmt::Debug for Vkey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Vkey({self})")
    }
}

impl std::str::FromStr for Vkey {
    type Err = VkeyError;

    fn from_str(text: &str) -> Result<Self, VkeyError> {
        Vkey::parse(text)
    }
}

impl serde::Serialize for Vkey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Vkey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Vkey::parse(&text).map_err(serde::de::Error::custom)
    }
}
