//! What a QR code's text or image can be refused for.

use super::base45::Base45Error;
use crate::cbor::CborError;
use crate::ids::DelegationId;
use crate::tx::TxError;

/// The kinds of Assent QR code, told apart by their prefix (PROTOCOL §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodeKind {
    /// A signed grant (with its delegation when a caregiver signed it): `AS1:`.
    Grant,
    /// A clinic's signed consent request: `AR1:`.
    ConsentRequest,
}

impl CodeKind {
    /// Every kind.
    pub const ALL: [CodeKind; 2] = [CodeKind::Grant, CodeKind::ConsentRequest];

    /// The text prefix; its digit is the protocol version of the format.
    pub const fn prefix(self) -> &'static str {
        match self {
            CodeKind::Grant => "AS1:",
            CodeKind::ConsentRequest => "AR1:",
        }
    }

    /// Which kind a scanned text claims to be, by its prefix alone (nothing
    /// is checked): for routing a scan to the right decoder.
    pub fn of(text: &str) -> Option<CodeKind> {
        Self::ALL.into_iter().find(|k| text.starts_with(k.prefix()))
    }
}

impl std::fmt::Display for CodeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CodeKind::Grant => "a grant code",
            CodeKind::ConsentRequest => "a consent request",
        })
    }
}

/// Which signed object of a code an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Item {
    /// The grant (first item of a grant code).
    Grant,
    /// The delegation (second item of a grant code).
    Delegation,
    /// The consent request.
    Request,
}

impl std::fmt::Display for Item {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Item::Grant => "grant",
            Item::Delegation => "delegation",
            Item::Request => "consent request",
        })
    }
}

/// Why a QR code could not be made, read or accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// The text does not start with any Assent prefix.
    #[error("not {expected}: the text does not start with {}", expected.prefix())]
    MissingPrefix {
        /// The kind that was expected.
        expected: CodeKind,
    },
    /// The text is another kind of Assent code (say, a consent request where
    /// a grant was expected).
    #[error("this is {found} ({}), not {expected} ({})", found.prefix(), expected.prefix())]
    WrongPrefix {
        /// The kind that was expected.
        expected: CodeKind,
        /// The kind scanned.
        found: CodeKind,
    },
    /// Longer than any valid code of its kind; refused before decoding.
    #[error("a code of {len} characters exceeds the limit of {max}")]
    TextTooLong {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The text after the prefix is not base45.
    #[error("the code is not valid base45: {0}")]
    Base45(#[from] Base45Error),
    /// The bytes are not well-formed CBOR.
    #[error("the code is not valid CBOR: {0}")]
    Cbor(CborError),
    /// Bytes after the code's CBOR item.
    #[error("{0} trailing bytes after the code")]
    TrailingBytes(usize),
    /// Well-formed CBOR, but not in its one canonical encoding.
    #[error("the code is not canonically encoded: {0}")]
    NonCanonical(&'static str),
    /// A grant code's CBOR is not an array.
    #[error("a grant code is a CBOR array of COSE_Sign1 items")]
    NotAnArray,
    /// A grant code's array holds other than one or two items.
    #[error("a grant code holds 1 or 2 items, found {found}")]
    ItemCount {
        /// How many it holds.
        found: usize,
    },
    /// A signed object above its size ceiling.
    #[error("the {item} of {len} bytes exceeds the limit of {max}")]
    ItemTooLarge {
        /// Which.
        item: Item,
        /// Its size.
        len: usize,
        /// The ceiling.
        max: usize,
    },
    /// A grant or delegation that is not a valid transaction for this ledger
    /// (forged or altered signature, non-canonical encoding, unknown code…).
    #[error("the {item} is invalid: {source}")]
    Tx {
        /// Which.
        item: Item,
        /// Why.
        #[source]
        source: TxError,
    },
    /// The first item is a transaction of another kind.
    #[error("the code holds a {kind} transaction, not a Grant")]
    NotAGrant {
        /// Its kind's name.
        kind: &'static str,
    },
    /// The second item is a transaction of another kind.
    #[error("the code's second item is a {kind} transaction, not a Delegate")]
    NotADelegation {
        /// Its kind's name.
        kind: &'static str,
    },
    /// The second item is a delegation, but not the one the grant names.
    #[error("the grant is signed under delegation {named}, but the code carries {found}")]
    WrongDelegation {
        /// The grant's `via`.
        named: DelegationId,
        /// The id of the delegation carried.
        found: DelegationId,
    },
    /// A delegate-signed grant without its delegation.
    #[error("the grant is signed under delegation {via}, which the code does not carry")]
    MissingDelegation {
        /// The grant's `via`.
        via: DelegationId,
    },
    /// A delegation beside a grant that names none.
    #[error("the grant names no delegation, but the code carries one")]
    UnexpectedDelegation,
    /// A grant and its delegation signed for different ledgers.
    #[error("the grant and its delegation are for different ledgers")]
    OriginMismatch,
    /// A consent request that is not a valid signed request for this ledger
    /// (forged, signed as another object type, malformed, non-canonical…).
    #[error("the consent request is invalid: {0}")]
    Request(#[source] TxError),
    /// A well-formed, signed consent request whose content is refused.
    #[error("the consent request is not acceptable: {0}")]
    RequestContent(&'static str),
    /// A consent request past its expiry.
    #[error("the consent request expired at {expires} (now {now})")]
    Expired {
        /// Its expiry, Unix seconds.
        expires: u64,
        /// The time it was judged at.
        now: u64,
    },
    /// The text cannot be made into a QR symbol (too long for version 40).
    #[error("the text cannot be made into a QR code: {0}")]
    Symbol(String),
    /// An image above the pixel limit, refused before decoding it.
    #[error("the image is {width}×{height} pixels, above the limit of {max} pixels")]
    ImageTooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The limit (width × height).
        max: u64,
    },
    /// The image could not be loaded or written (unknown format, corrupt).
    #[error("the image could not be read or written: {0}")]
    Image(String),
    /// No QR code was found in the image.
    #[error("no QR code was found in the image")]
    NoCodeFound,
    /// A QR code was found but its content could not be read.
    #[error("a QR code was found but could not be read: {0}")]
    Unreadable(String),
}

impl From<CborError> for QrError {
    fn from(e: CborError) -> Self {
        match e {
            CborError::TrailingBytes(n) => QrError::TrailingBytes(n),
            CborError::NonCanonical(what) => QrError::NonCanonical(what),
            CborError::DuplicateKey(_) => QrError::NonCanonical("a map key appears twice"),
            other => QrError::Cbor(other),
        }
    }
}

/// The body of `text` after the prefix of `kind`, if `text` is at most `max`
/// bytes long (checked before anything else is done with it).
pub(super) fn strip_prefix(text: &str, kind: CodeKind, max: usize) -> Result<&str, QrError> {
    let Some(body) = text.strip_prefix(kind.prefix()) else {
        return Err(match CodeKind::of(text) {
            Some(found) => QrError::WrongPrefix {
                expected: kind,
                found,
            },
            None => QrError::MissingPrefix { expected: kind },
        });
    };
    if text.len() > max {
        return Err(QrError::TextTooLong {
            len: text.len(),
            max,
        });
    }
    Ok(body)
}
