//! Governance acts (PROTOCOL §5): what a `Propose` asks the consortium to do.
//!
//! Each act is CBOR `[action number, {fields}]`. An act takes effect at the
//! approval that meets the genesis threshold and the act's role conditions;
//! the conditions live in the validator (`state::governance`), the shapes
//! here.

use crate::cbor::{self, CborError, MapReader, MapWriter};
use crate::codes::{Code, OrgKind, Purpose};
use crate::ids::{CaseId, ContentHash, OrgId, ProposalId};
use crate::keys::PublicKey;
use ciborium::value::Value;

use super::fields::{b32, code, codes, is_bidi_control, key, opt, read_code, read_codes, read_key};
use super::limits;
use super::TxError;

/// The longest suspension governance may impose, in hours (issue #9: "at
/// most 72 hours"); longer ones are refused by the validator.
pub const MAX_SUSPENSION_HOURS: u32 = 72;

/// A governance act (PROTOCOL §5).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GovAction {
    /// Admit an organisation.
    RegisterOrg {
        /// Its kind.
        kind: OrgKind,
        /// Its signing keys.
        keys: Vec<PublicKey>,
        /// Its name, as shown to patients.
        name: String,
        /// Its API endpoints.
        endpoints: Vec<String>,
        /// The governance member key that speaks for it, if it sits in
        /// governance: that key may not approve acts against it.
        member: Option<PublicKey>,
    },
    /// Admit a monitor: its signing key, and the organisation that runs it.
    RegisterMonitor {
        /// The key its alerts, models and suspension proposals are signed with.
        key: PublicKey,
        /// The organisation that operates it.
        operator: OrgId,
    },
    /// Suspend part of an organisation's access for a while (DESIGN §7).
    SuspendOrg(Suspension),
    /// End a suspension early.
    ReinstateOrg {
        /// The proposal that imposed it.
        suspension: ProposalId,
    },
}

/// A narrow, time-limited suspension. It never revokes a grant and can never
/// block emergency care: purposes may not include `ETREAT`, and break-glass
/// access is never suspended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspension {
    /// The accused organisation.
    pub org: OrgId,
    /// The purposes suspended (sorted, at least one).
    pub purposes: Vec<Purpose>,
    /// How long, from the approval that enacts it (1–72).
    pub hours: u32,
    /// SHA-256 of the evidence (kept off the ledger).
    pub evidence: ContentHash,
    /// The monitoring case behind it, if any.
    pub case: Option<CaseId>,
}

/// A governance act as CBOR `[action, fields]`.
pub(crate) fn action_value(action: &GovAction) -> Value {
    let (number, fields) = match action {
        GovAction::RegisterOrg {
            kind,
            keys,
            name,
            endpoints,
            member,
        } => {
            let endpoints = (!endpoints.is_empty())
                .then(|| Value::Array(endpoints.iter().cloned().map(Value::Text).collect()));
            let fields = MapWriter::new()
                .put(0, code(*kind))
                .put(1, Value::Array(keys.iter().map(|k| key(*k)).collect()))
                .put(2, Value::Text(name.clone()))
                .put_opt(3, endpoints)
                .put_opt(4, member.map(key));
            (1, fields)
        }
        GovAction::RegisterMonitor { key: k, operator } => {
            (2, MapWriter::new().put(0, key(*k)).put(1, b32(operator.0)))
        }
        GovAction::SuspendOrg(s) => (
            3,
            MapWriter::new()
                .put(0, b32(s.org.0))
                .put(1, codes(&s.purposes))
                .put(2, cbor::u(s.hours.into()))
                .put(3, b32(s.evidence.0))
                .put_opt(4, s.case.map(|c| b32(c.0))),
        ),
        GovAction::ReinstateOrg { suspension } => (4, MapWriter::new().put(0, b32(suspension.0))),
    };
    Value::Array(vec![cbor::u(number), fields.build()])
}

/// Reads a governance act.
pub(crate) fn read_action(value: Value) -> Result<GovAction, TxError> {
    let [which, fields] = cbor::array_n(value, "action", "[action, fields]")?;
    let which = cbor::uint(which, "action")?;
    let name = match which {
        1 => "RegisterOrg",
        2 => "RegisterMonitor",
        3 => "SuspendOrg",
        4 => "ReinstateOrg",
        other => return Err(TxError::UnknownAction(other)),
    };
    let mut m = MapReader::new(fields, name)?;
    let action = match which {
        1 => read_register_org(&mut m)?,
        2 => GovAction::RegisterMonitor {
            key: read_key(m.required(0, "monitor key")?, "monitor key")?,
            operator: OrgId(cbor::bytes_n(m.required(1, "operator")?, "operator")?),
        },
        3 => GovAction::SuspendOrg(Suspension {
            org: OrgId(cbor::bytes_n(m.required(0, "org")?, "org")?),
            purposes: read_codes(m.required(1, "purposes")?, "purposes", Purpose::ALL.len())?,
            hours: cbor::uint32(m.required(2, "hours")?, "hours")?,
            evidence: ContentHash(cbor::bytes_n(m.required(3, "evidence")?, "evidence")?),
            case: opt(m.optional(4), |v| Ok(CaseId(cbor::bytes_n(v, "case")?)))?,
        }),
        _ => GovAction::ReinstateOrg {
            suspension: ProposalId(cbor::bytes_n(m.required(0, "suspension")?, "suspension")?),
        },
    };
    m.finish()?;
    Ok(action)
}

fn read_register_org(m: &mut MapReader) -> Result<GovAction, TxError> {
    let kind = read_code(m.required(0, "org kind")?, "org kind")?;
    let keys = cbor::array(m.required(1, "keys")?, "keys", limits::MAX_ORG_KEYS)?
        .into_iter()
        .map(|k| read_key(k, "org key"))
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Err(CborError::Missing("org keys").into());
    }
    let name = cbor::text(m.required(2, "name")?, "name", limits::MAX_NAME)?;
    if name.trim().is_empty() || name.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Err(CborError::WrongType {
            field: "name",
            expected: "a printable name",
        }
        .into());
    }
    let endpoints = match m.optional(3) {
        Some(v) => cbor::array(v, "endpoints", limits::MAX_ENDPOINTS)?
            .into_iter()
            .map(|e| cbor::text(e, "endpoint", limits::MAX_URL))
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let member = opt(m.optional(4), |v| read_key(v, "member"))?;
    Ok(GovAction::RegisterOrg {
        kind,
        keys,
        name,
        endpoints,
        member,
    })
}
