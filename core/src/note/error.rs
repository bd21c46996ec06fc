//! The note module's errors: [`VkeyError`] for verifier-key text and
//! [`NoteError`] for everything else (notes, signatures, checkpoints,
//! cosignatures, receipts).

use super::vkey::VkeyKind;

/// Why text is not a usable C2SP verifier key (`<name>+<key id>+<base64 key>`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VkeyError {
    /// Not three `+`-separated parts.
    #[error("a vkey is <name>+<8 hex key id>+<base64 key>, got {text:?}")]
    Format {
        /// The text given (a vkey is public, so it can be echoed).
        text: String,
    },
    /// The name is empty or has a space, a `+` or a control character.
    #[error("invalid key name {name:?}")]
    Name {
        /// The name given.
        name: String,
    },
    /// The key id is not 8 lower-case hex digits.
    #[error("the key id of a vkey is 8 lower-case hex digits, got {got:?}")]
    KeyIdFormat {
        /// The key id text given.
        got: String,
    },
    /// The key part is not canonical standard base64 (RFC 4648 §4).
    #[error("the key of vkey {name} is not canonical base64")]
    Base64 {
        /// The key's name.
        name: String,
    },
    /// A signature type this code does not use (Assent uses 0x01 and 0x04).
    #[error("vkey {name} has signature type 0x{type_byte:02x}; only 0x01 (Ed25519) and 0x04 (cosignature/v1) are supported")]
    UnknownType {
        /// The key's name.
        name: String,
        /// The type byte found.
        type_byte: u8,
    },
    /// The key part is empty (no type byte).
    #[error("vkey {name} has no key data")]
    Empty {
        /// The key's name.
        name: String,
    },
    /// The Ed25519 key is not a usable public key.
    #[error("vkey {name} does not hold a usable Ed25519 key")]
    Key {
        /// The key's name.
        name: String,
        /// What is wrong with the key bytes.
        #[source]
        source: crate::keys::PublicKeyError,
    },
    /// The key id is not the one the name, type and key give.
    #[error("vkey {name} says key id {got:08x}, but its name and key give {expected:08x}")]
    KeyIdMismatch {
        /// The key's name.
        name: String,
        /// The id computed from name, type and key.
        expected: u32,
        /// The id written in the vkey.
        got: u32,
    },
}

/// Why a note, a signature line, a checkpoint, a cosignature or a receipt was
/// refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// Bigger than [`MAX_NOTE_BYTES`](super::MAX_NOTE_BYTES); refused before parsing.
    #[error("a signed note is at most {max} bytes, got {size}")]
    TooLarge {
        /// The size given.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// More than [`MAX_SIGNATURES`](super::MAX_SIGNATURES) signature lines.
    #[error("a signed note carries at most {max} signatures, got {count}")]
    TooManySignatures {
        /// The number of signature lines.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Not C2SP signed-note syntax: not UTF-8, a control character, no blank
    /// line before the signatures, or a malformed signature line.
    #[error("not a C2SP signed note")]
    Malformed,
    /// A signature line that is not `— <name> <base64(key id ‖ signature)>`.
    #[error("not a C2SP signature line: {line:?}")]
    MalformedSignatureLine {
        /// The line given.
        line: String,
    },
    /// Note text that is empty, does not end in a newline, or holds a control
    /// character other than newline.
    #[error("a note text is UTF-8 ending in a newline, with no control characters but newlines")]
    InvalidText,
    /// A key name that is empty or has a space, a `+` or a control character.
    #[error("invalid key name {name:?}")]
    InvalidKeyName {
        /// The name given.
        name: String,
    },
    /// A signature by a known key (name and key id match) that does not verify.
    #[error("the signature by {name}+{key_id:08x} does not verify")]
    BadSignature {
        /// The signer's name.
        name: String,
        /// The signer's key id.
        key_id: u32,
    },
    /// No signature line is by any of the keys the caller trusts.
    #[error("the note has no signature by a trusted key")]
    NoKnownSignature,
    /// Two different trusted keys share a name and key id.
    #[error("two trusted keys share the name and key id {name}+{key_id:08x}")]
    AmbiguousKey {
        /// The shared name.
        name: String,
        /// The shared key id.
        key_id: u32,
    },
    /// A signature line checked against a key it does not name.
    #[error("the signature line {name}+{key_id:08x} is not by key {vkey_name}+{vkey_id:08x}")]
    NotThisKey {
        /// The line's name.
        name: String,
        /// The line's key id.
        key_id: u32,
        /// The key's name.
        vkey_name: String,
        /// The key's id.
        vkey_id: u32,
    },
    /// A key of the wrong signature type for the operation.
    #[error("key {name} is a {got} key; this needs a {expected} key")]
    WrongKeyKind {
        /// The key's name.
        name: String,
        /// The type needed.
        expected: VkeyKind,
        /// The key's type.
        got: VkeyKind,
    },
    /// A cosignature/v1 signature field that is not 72 bytes.
    #[error("the cosignature by {name}+{key_id:08x} is {len} bytes; cosignature/v1 is 72")]
    CosignatureLength {
        /// The cosigner's name.
        name: String,
        /// The cosigner's key id.
        key_id: u32,
        /// The length found.
        len: usize,
    },
    /// A cosignature timestamp above 2⁶³ − 1 (tlog-cosignature forbids it).
    #[error("cosignature timestamp {timestamp} is above 2^63 - 1")]
    TimestampRange {
        /// The timestamp.
        timestamp: u64,
    },
    /// The checkpoint body is not tlog-checkpoint syntax (origin, decimal
    /// size, base64 32-byte root, extension lines).
    #[error("not a tlog-checkpoint body")]
    CheckpointSyntax,
    /// An origin that is empty or holds a control character.
    #[error("invalid origin {origin:?}")]
    InvalidOrigin {
        /// The origin given.
        origin: String,
    },
    /// The checkpoint has no `assent-state/v1` extension line.
    #[error("the checkpoint has no {} extension line", super::STATE_EXTENSION)]
    MissingStateRoot,
    /// An extension line other than the single state-root line.
    #[error("unexpected checkpoint extension line {line:?}")]
    UnexpectedExtension {
        /// The line found.
        line: String,
    },
    /// The state root is not canonical base64 of 32 bytes.
    #[error("the state root {text:?} is not canonical base64 of 32 bytes")]
    InvalidStateRoot {
        /// The text found.
        text: String,
    },
    /// Text that parses but is not written the one canonical way.
    #[error("the {what} is not in canonical form")]
    NonCanonical {
        /// What was being read.
        what: &'static str,
    },
    /// A receipt line that is not what `assent-receipt/v1` puts there.
    #[error("receipt line {line}: expected {expected}")]
    ReceiptSyntax {
        /// The 1-based line number.
        line: usize,
        /// What the line must be.
        expected: &'static str,
    },
    /// A receipt whose deadline is before its receipt time.
    #[error("receipt deadline {deadline} is before its receipt time {received}")]
    ReceiptDeadline {
        /// When the sequencer received the transaction.
        received: u64,
        /// The promised deadline.
        deadline: u64,
    },
}
