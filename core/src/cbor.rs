//! Strict CBOR (RFC 8949) reading and writing over `ciborium::Value`, for
//! payloads with small unsigned-integer map keys.
//!
//! Writers emit the deterministic encoding of RFC 8949 §4.2.1 (ciborium writes
//! shortest-form heads and definite lengths; [`MapWriter`] keeps keys in
//! ascending order). Readers refuse duplicate keys, unknown keys, keys out of
//! order, floats and tags where none belong: one value has one encoding.

use ciborium::value::{Integer, Value};

/// Why CBOR bytes or a CBOR value were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CborError {
    /// Not well-formed CBOR.
    #[error("malformed CBOR: {0}")]
    Malformed(String),
    /// Bytes left after the item.
    #[error("{0} trailing bytes after the CBOR item")]
    TrailingBytes(usize),
    /// A map key appears twice.
    #[error("map key {0} appears twice")]
    DuplicateKey(u64),
    /// Map keys not in ascending order, or another non-canonical form.
    #[error("not in canonical CBOR form: {0}")]
    NonCanonical(&'static str),
    /// A key the format does not define.
    #[error("unknown map key {0} in {1}")]
    UnknownKey(u64, &'static str),
    /// A required field is absent.
    #[error("missing field {0}")]
    Missing(&'static str),
    /// A field has the wrong type or range.
    #[error("field {field} is not {expected}")]
    WrongType {
        /// The field.
        field: &'static str,
        /// What it should be.
        expected: &'static str,
    },
}

/// Decodes exactly one CBOR item from `bytes`.
///
/// # Errors
/// [`CborError::Malformed`] or [`CborError::TrailingBytes`].
pub fn decode(bytes: &[u8]) -> Result<Value, CborError> {
    let mut rest = bytes;
    let value: Value =
        ciborium::from_reader(&mut rest).map_err(|e| CborError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(CborError::TrailingBytes(rest.len()));
    }
    Ok(value)
}

/// Encodes a value (deterministically, given sorted maps).
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).expect("writing CBOR to a Vec cannot fail");
    out
}

/// Builds a map with unsigned keys in ascending order.
#[derive(Default)]
pub struct MapWriter {
    entries: Vec<(Value, Value)>,
    last: Option<u64>,
}

impl MapWriter {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key → value`; keys must be added in ascending order.
    ///
    /// # Panics
    /// If a key is not larger than the previous one (a programming error).
    pub fn put(mut self, key: u64, value: Value) -> Self {
        assert!(self.last.is_none_or(|l| key > l), "map keys must ascend");
        self.last = Some(key);
        self.entries.push((Value::Integer(key.into()), value));
        self
    }

    /// Adds `key → value` when `value` is `Some`.
    pub fn put_opt(self, key: u64, value: Option<Value>) -> Self {
        match value {
            Some(v) => self.put(key, v),
            None => self,
        }
    }

    /// The finished map.
    pub fn build(self) -> Value {
        Value::Map(self.entries)
    }
}

/// Reads a map with unsigned keys, field by field, in ascending key order.
pub struct MapReader {
    entries: std::iter::Peekable<std::vec::IntoIter<(u64, Value)>>,
    what: &'static str,
}

impl MapReader {
    /// Checks that `value` is a map with unsigned keys in strictly ascending order.
    ///
    /// # Errors
    /// Not a map, a non-integer key, a duplicate or out-of-order key.
    pub fn new(value: Value, what: &'static str) -> Result<Self, CborError> {
        let Value::Map(entries) = value else {
            return Err(CborError::WrongType {
                field: what,
                expected: "a map",
            });
        };
        let mut out = Vec::with_capacity(entries.len());
        let mut last: Option<u64> = None;
        for (k, v) in entries {
            let key = uint(k, what)?;
            match last {
                Some(l) if key == l => return Err(CborError::DuplicateKey(key)),
                Some(l) if key < l => return Err(CborError::NonCanonical("map keys out of order")),
                _ => {}
            }
            last = Some(key);
            out.push((key, v));
        }
        Ok(MapReader {
            entries: out.into_iter().peekable(),
            what,
        })
    }

    /// The value at `key`, if present. Keys must be asked for in ascending order.
    pub fn optional(&mut self, key: u64) -> Option<Value> {
        if self.entries.peek().is_some_and(|(k, _)| *k == key) {
            self.entries.next().map(|(_, v)| v)
        } else {
            None
        }
    }

    /// The value at `key`.
    ///
    /// # Errors
    /// [`CborError::Missing`] naming `field`.
    pub fn required(&mut self, key: u64, field: &'static str) -> Result<Value, CborError> {
        self.optional(key).ok_or(CborError::Missing(field))
    }

    /// Ends reading; any key not asked for is an error.
    ///
    /// # Errors
    /// [`CborError::UnknownKey`].
    pub fn finish(mut self) -> Result<(), CborError> {
        match self.entries.next() {
            Some((k, _)) => Err(CborError::UnknownKey(k, self.what)),
            None => Ok(()),
        }
    }
}

/// An unsigned integer.
///
/// # Errors
/// [`CborError::WrongType`] naming `field`.
pub fn uint(value: Value, field: &'static str) -> Result<u64, CborError> {
    match value {
        Value::Integer(i) => u64::try_from(i).map_err(|_| wrong(field, "an unsigned integer")),
        _ => Err(wrong(field, "an unsigned integer")),
    }
}

/// An unsigned integer that fits `u32`.
///
/// # Errors
/// [`CborError::WrongType`] naming `field`.
pub fn uint32(value: Value, field: &'static str) -> Result<u32, CborError> {
    u32::try_from(uint(value, field)?).map_err(|_| wrong(field, "an integer below 2^32"))
}

/// A byte string of exactly `N` bytes.
///
/// # Errors
/// [`CborError::WrongType`] naming `field`.
pub fn bytes_n<const N: usize>(value: Value, field: &'static str) -> Result<[u8; N], CborError> {
    match value {
        Value::Bytes(b) => b
            .try_into()
            .map_err(|_| wrong(field, "a byte string of the right length")),
        _ => Err(wrong(field, "a byte string")),
    }
}

/// A byte string.
///
/// # Errors
/// [`CborError::WrongType`] naming `field`.
pub fn bytes(value: Value, field: &'static str) -> Result<Vec<u8>, CborError> {
    match value {
        Value::Bytes(b) => Ok(b),
        _ => Err(wrong(field, "a byte string")),
    }
}

/// A boolean.
///
/// # Errors
/// [`CborError::WrongType`] naming `field`.
pub fn boolean(value: Value, field: &'static str) -> Result<bool, CborError> {
    match value {
        Value::Bool(b) => Ok(b),
        _ => Err(wrong(field, "a boolean")),
    }
}

/// An array of at most `max` items.
///
/// # Errors
/// [`CborError::WrongType`] naming `field`.
pub fn array(value: Value, field: &'static str, max: usize) -> Result<Vec<Value>, CborError> {
    match value {
        Value::Array(a) if a.len() <= max => Ok(a),
        _ => Err(wrong(field, "an array of bounded length")),
    }
}

/// An array of exactly `N` items, for destructuring (`let [a, b] = …`).
///
/// # Errors
/// [`CborError::WrongType`] naming `field`: "an array of bounded length"
/// when longer, `expected` (e.g. `"[start, end]"`) when shorter.
pub fn array_n<const N: usize>(
    value: Value,
    field: &'static str,
    expected: &'static str,
) -> Result<[Value; N], CborError> {
    array(value, field, N)?
        .try_into()
        .map_err(|_| wrong(field, expected))
}

/// A text string of at most `max` bytes.
///
/// # Errors
/// [`CborError::WrongType`] naming `field`.
pub fn text(value: Value, field: &'static str, max: usize) -> Result<String, CborError> {
    match value {
        Value::Text(t) if t.len() <= max => Ok(t),
        _ => Err(wrong(field, "a text string of bounded length")),
    }
}

/// An unsigned integer value.
pub fn u(value: u64) -> Value {
    Value::Integer(Integer::from(value))
}

fn wrong(field: &'static str, expected: &'static str) -> CborError {
    CborError::WrongType { field, expected }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_must_ascend_without_duplicates() {
        let map = |keys: &[u64]| Value::Map(keys.iter().map(|k| (u(*k), u(0))).collect());
        assert!(MapReader::new(map(&[0, 1, 5]), "m").is_ok());
        assert_eq!(
            MapReader::new(map(&[1, 1]), "m").err(),
            Some(CborError::DuplicateKey(1))
        );
        assert!(matches!(
            MapReader::new(map(&[2, 1]), "m"),
            Err(CborError::NonCanonical(_))
        ));
        let mut r = MapReader::new(map(&[0, 3]), "m").unwrap();
        assert!(r.required(0, "a").is_ok());
        assert_eq!(r.optional(1), None);
        assert_eq!(r.finish(), Err(CborError::UnknownKey(3, "m")));
    }

    #[test]
    fn decode_refuses_trailing_bytes_and_garbage() {
        assert_eq!(decode(&[0x01, 0x02]), Err(CborError::TrailingBytes(1)));
        assert!(matches!(decode(&[0x5f]), Err(CborError::Malformed(_))));
        // Shortest form is what encode writes: 24 needs a one-byte argument.
        assert_eq!(encode(&u(23)), vec![0x17]);
        assert_eq!(encode(&u(24)), vec![0x18, 0x18]);
    }
}
