//! An organisation's directory entry as the state map commits it: live or
//! retired, since which entry, its kind, keys, name and endpoints. A wallet
//! shown a consent request checks the signer against this entry, proven by a
//! map proof at a fresh checkpoint, and shows this name, never the
//! request's (PROTOCOL §7).

use crate::cbor::{self, CborError, MapReader, MapWriter};
use crate::codes::{Code, OrgKind};
use crate::keys::PublicKey;
use crate::smt::ValueHash;
use crate::state::OrgRecord;
use crate::tx::limits;
use ciborium::value::Value;

/// `{0: live, 1: since, 2: kind, 3: [keys], 4: name, 5: [endpoints]}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgEntry {
    /// Registered and not retired.
    pub live: bool,
    /// The entry that set this.
    pub since: u64,
    /// The directory record.
    pub record: OrgRecord,
}

impl OrgEntry {
    /// The canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let r = &self.record;
        cbor::encode(
            &MapWriter::new()
                .put(0, Value::Bool(self.live))
                .put(1, cbor::u(self.since))
                .put(2, cbor::u(r.kind.number().into()))
                .put(
                    3,
                    Value::Array(
                        r.keys
                            .iter()
                            .map(|k| Value::Bytes(k.to_bytes().to_vec()))
                            .collect(),
                    ),
                )
                .put(4, Value::Text(r.name.clone()))
                .put(
                    5,
                    Value::Array(r.endpoints.iter().cloned().map(Value::Text).collect()),
                )
                .build(),
        )
    }

    /// Decodes an entry.
    ///
    /// # Errors
    /// If the bytes are not a canonical entry.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CborError> {
        let mut m = MapReader::new(cbor::decode(bytes)?, "organisation entry")?;
        let live = cbor::boolean(m.required(0, "live")?, "live")?;
        let since = cbor::uint(m.required(1, "since")?, "since")?;
        let kind =
            OrgKind::from_number(cbor::uint(m.required(2, "kind")?, "kind")?).map_err(|_| {
                CborError::WrongType {
                    field: "kind",
                    expected: "a known organisation kind",
                }
            })?;
        let keys = cbor::array(m.required(3, "keys")?, "keys", limits::MAX_ORG_KEYS)?
            .into_iter()
            .map(|v| {
                let raw = cbor::bytes_n::<32>(v, "key")?;
                PublicKey::from_slice(&raw).map_err(|_| CborError::WrongType {
                    field: "key",
                    expected: "a valid Ed25519 key",
                })
            })
            .collect::<Result<_, _>>()?;
        let name = cbor::text(m.required(4, "name")?, "name", limits::MAX_NAME)?;
        let endpoints = cbor::array(
            m.required(5, "endpoints")?,
            "endpoints",
            limits::MAX_ENDPOINTS,
        )?
        .into_iter()
        .map(|v| cbor::text(v, "endpoint", limits::MAX_URL))
        .collect::<Result<_, _>>()?;
        m.finish()?;
        let entry = OrgEntry {
            live,
            since,
            record: OrgRecord {
                kind,
                keys,
                name,
                endpoints,
            },
        };
        if entry.to_bytes() != bytes {
            return Err(CborError::NonCanonical("organisation entry"));
        }
        Ok(entry)
    }

    /// The value committed in the map.
    pub fn value_hash(&self) -> ValueHash {
        ValueHash::of(&self.to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;

    #[test]
    fn round_trips_and_refuses_other_encodings() {
        let entry = OrgEntry {
            live: true,
            since: 4,
            record: OrgRecord {
                kind: OrgKind::Clinic,
                keys: vec![SigningKey::from_secret_bytes(&[3; 32]).public_key()],
                name: "Riverside Clinic".into(),
                endpoints: vec!["https://riverside.example/fhir".into()],
            },
        };
        let bytes = entry.to_bytes();
        assert_eq!(OrgEntry::from_bytes(&bytes).unwrap(), entry);
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(OrgEntry::from_bytes(&longer).is_err());
        assert!(OrgEntry::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    }
}
