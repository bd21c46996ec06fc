//! The payload: `{0: version, 1: kind, 2: created, 3: nonce(8), 4…: fields}`.

use super::{Kind, TxError};
use crate::cbor::{self, MapReader, MapWriter};
use ciborium::value::Value;

/// The protocol version this code writes and reads.
pub const PROTOCOL_VERSION: u64 = 1;

/// A transaction's payload: when, a random nonce, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// Creation time, whole Unix seconds (judged against the leaf time, PROTOCOL §3).
    pub created: u64,
    /// Eight random bytes: two otherwise equal transactions differ.
    pub nonce: [u8; 8],
    /// The kind and its fields.
    pub kind: Kind,
}

impl Body {
    /// A body of the current protocol version.
    pub fn new(created: u64, nonce: [u8; 8], kind: Kind) -> Self {
        Body {
            created,
            nonce,
            kind,
        }
    }

    /// The payload's canonical CBOR bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let m = MapWriter::new()
            .put(0, cbor::u(PROTOCOL_VERSION))
            .put(1, cbor::u(self.kind.number()))
            .put(2, cbor::u(self.created))
            .put(3, Value::Bytes(self.nonce.to_vec()));
        cbor::encode(&self.kind.write(m).build())
    }

    /// Reads a payload, strictly: known version and kind, every field known,
    /// and exactly the canonical encoding.
    ///
    /// # Errors
    /// [`TxError`] naming the fault.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TxError> {
        let mut m = MapReader::new(cbor::decode(bytes)?, "payload")?;
        let version = cbor::uint(m.required(0, "version")?, "version")?;
        if version != PROTOCOL_VERSION {
            return Err(TxError::UnsupportedVersion(version));
        }
        let number = cbor::uint(m.required(1, "kind")?, "kind")?;
        let created = cbor::uint(m.required(2, "created")?, "created")?;
        let nonce = cbor::bytes_n(m.required(3, "nonce")?, "nonce")?;
        let kind = Kind::read(number, &mut m)?;
        m.finish()?;
        let body = Body {
            created,
            nonce,
            kind,
        };
        if body.to_bytes() != bytes {
            return Err(TxError::NonCanonical("the payload"));
        }
        Ok(body)
    }
}
