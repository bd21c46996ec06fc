//! Versioned code tables (`codes/v1`, PROTOCOL §2).
//!
//! Everything a transaction says about data is a small integer from these
//! tables (no free text reaches the ledger, and a grant stays small enough for
//! a QR code). Each code also has its HL7 FHIR code and plain words for people.
//! An unknown number makes a transaction invalid: decoding fails closed.

mod macros;
pub mod v1;

use crate::cbor::{self, CborError};

pub use v1::{
    AccessMode, Action, AlertReason, Category, DisputeReason, EmergencyReason, OrgKind, Purpose,
    ResourceType, SecurityLabel,
};

/// A code number that the tables do not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown {table} code {value}")]
pub struct UnknownCode {
    /// Which table.
    pub table: &'static str,
    /// The number found.
    pub value: u64,
}

/// A code name (FHIR code or CLI word) that the tables do not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {table} {name:?}; known: {known}")]
pub struct UnknownName {
    /// Which table.
    pub table: &'static str,
    /// The name given.
    pub name: String,
    /// The names the table knows, comma-separated.
    pub known: String,
}

/// Codes as a CBOR array of at most `max`, strictly ascending: the one
/// encoding of a set (an empty array is returned as is; what an empty set
/// means is the caller's rule).
///
/// # Errors
/// Structural faults, an unknown code, or members out of order or repeated
/// ([`CborError::NonCanonical`]).
pub(crate) fn read_ascending<C: Code, E: From<CborError> + From<UnknownCode>>(
    value: ciborium::value::Value,
    field: &'static str,
    max: usize,
) -> Result<Vec<C>, E> {
    let mut out: Vec<C> = Vec::new();
    for item in cbor::array(value, field, max)? {
        let code = C::from_number(cbor::uint(item, field)?)?;
        if out.last().is_some_and(|last| *last >= code) {
            return Err(CborError::NonCanonical("set members must ascend without repeats").into());
        }
        out.push(code);
    }
    Ok(out)
}

/// What every code table offers.
pub trait Code: Sized + Copy + Ord + 'static {
    /// The table's name ("purpose", …).
    const TABLE: &'static str;
    /// Every code of the table, in number order.
    const ALL: &'static [Self];
    /// The wire number.
    fn number(self) -> u8;
    /// The HL7/FHIR code (e.g. `TREAT`, `Observation`).
    fn fhir_code(self) -> &'static str;
    /// Plain words for people.
    fn describe(self) -> &'static str;

    /// The code with this wire number.
    ///
    /// # Errors
    /// [`UnknownCode`] for a number not in the table.
    fn from_number(value: u64) -> Result<Self, UnknownCode> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| u64::from(c.number()) == value)
            .ok_or(UnknownCode {
                table: Self::TABLE,
                value,
            })
    }

    /// The code with this FHIR code, ignoring ASCII case (`treat` = `TREAT`).
    ///
    /// # Errors
    /// [`UnknownName`] listing the known names.
    fn from_name(name: &str) -> Result<Self, UnknownName> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.fhir_code().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownName {
                table: Self::TABLE,
                name: name.to_string(),
                known: Self::ALL
                    .iter()
                    .map(|c| c.fhir_code())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}
