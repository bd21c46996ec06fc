//! Small CBOR helpers shared by the kinds' field encoders and decoders:
//! 32-byte ids, keys, codes, optional fields and sorted code sets.

use crate::cbor::{self, CborError};
use crate::codes::Code;
use crate::keys::PublicKey;
use ciborium::value::Value;

use super::TxError;

/// 32 bytes as a byte string.
pub(super) fn b32(bytes: [u8; 32]) -> Value {
    Value::Bytes(bytes.to_vec())
}

/// A public key as its 32 bytes.
pub(super) fn key(k: PublicKey) -> Value {
    b32(k.to_bytes())
}

/// A code as its number.
pub(super) fn code<C: Code>(c: C) -> Value {
    cbor::u(c.number().into())
}

/// A code from its number (unknown numbers fail closed).
pub(super) fn read_code<C: Code>(value: Value, field: &'static str) -> Result<C, TxError> {
    Ok(C::from_number(cbor::uint(value, field)?)?)
}

/// A public key from its 32 bytes.
pub(super) fn read_key(value: Value, field: &'static str) -> Result<PublicKey, TxError> {
    let bytes: [u8; 32] = cbor::bytes_n(value, field)?;
    PublicKey::from_bytes(&bytes).map_err(|e| TxError::BadKey { field, reason: e })
}

/// An optional field through `f`.
pub(super) fn opt<T>(
    value: Option<Value>,
    f: impl FnOnce(Value) -> Result<T, TxError>,
) -> Result<Option<T>, TxError> {
    value.map(f).transpose()
}

/// A set of codes as an ascending array.
pub(super) fn codes<C: Code>(set: &[C]) -> Value {
    Value::Array(set.iter().map(|c| code(*c)).collect())
}

/// A non-empty, strictly ascending array of at most `max` codes.
pub(super) fn read_codes<C: Code>(
    value: Value,
    field: &'static str,
    max: usize,
) -> Result<Vec<C>, TxError> {
    let out = crate::codes::read_ascending::<C, TxError>(value, field, max)?;
    if out.is_empty() {
        return Err(CborError::Missing(field).into());
    }
    Ok(out)
}

/// A non-empty, strictly ascending array of at most `max` 32-byte ids.
pub(super) fn read_ids<T: Ord>(
    value: Value,
    field: &'static str,
    max: usize,
    make: impl Fn([u8; 32]) -> T,
) -> Result<Vec<T>, TxError> {
    let out = cbor::array(value, field, max)?
        .into_iter()
        .map(|v| Ok(make(cbor::bytes_n(v, field)?)))
        .collect::<Result<Vec<_>, TxError>>()?;
    ascending(&out, field)?;
    Ok(out)
}

/// Sets are non-empty and sorted, each member once: one encoding per set.
fn ascending<T: Ord>(items: &[T], field: &'static str) -> Result<(), TxError> {
    if items.is_empty() {
        return Err(CborError::Missing(field).into());
    }
    if items.windows(2).any(|w| w[0] >= w[1]) {
        return Err(CborError::NonCanonical("sets ascend, each member once").into());
    }
    Ok(())
}

/// Unicode bidirectional controls, which could make a name shown to patients
/// read as another organisation's.
pub(super) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}
