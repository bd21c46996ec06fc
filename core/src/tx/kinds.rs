//! The transaction kinds and their payload fields (PROTOCOL §2, DESIGN §3).
//!
//! Each kind's fields sit at integer keys from 4 upward in the payload map
//! (0–3 are the common header, see [`super::body`]). Optional fields are
//! omitted when absent; sets are sorted and unique.

use crate::cbor::{self, CborError, MapReader, MapWriter};
use crate::codes::{AccessMode, EmergencyReason, Purpose, ResourceType};
use crate::ids::{DelegationId, GrantId, IdentityId, KeyCommitment, OrgId, ProposalId};
use crate::keys::PublicKey;
use crate::scope::{self, Period, Scope};
use ciborium::value::Value;

use super::fields::{b32, code, key, opt, read_code, read_key};
use super::governance::{action_value, read_action, GovAction};
use super::monitoring::{self, ActivateModel, DisputeAccess, MonitoringAlert, RegisterModel};
use super::TxError;

/// Limits on list and text fields.
pub mod limits {
    /// Resource entries in one access record.
    pub const MAX_RESOURCES: usize = 32;
    /// Keys of one organisation.
    pub const MAX_ORG_KEYS: usize = 8;
    /// Endpoints of one organisation.
    pub const MAX_ENDPOINTS: usize = 4;
    /// Bytes of an organisation's name.
    pub const MAX_NAME: usize = 80;
    /// Bytes of an endpoint URL.
    pub const MAX_URL: usize = 200;
    /// Bytes of a grant carried inside a revocation.
    pub const MAX_EMBEDDED: usize = 1024;
}

/// The first transaction of an identity: commits to its next key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enroll {
    /// SHA-256 of the generation-1 public key.
    pub next: KeyCommitment,
}

/// Moves an identity to its pre-committed next key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotateKey {
    /// The identity (its inception key).
    pub identity: IdentityId,
    /// The new signing key; must match the last commitment.
    pub new_key: PublicKey,
    /// Commitment to the key after it.
    pub next: KeyCommitment,
}

/// Consent to an organisation, within a scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Who may access (a registered organisation).
    pub grantee: OrgId,
    /// What, why and when (the permit must carry the period).
    pub scope: Scope,
    /// The patient, when the signer is not the patient's inception key.
    pub patient: Option<IdentityId>,
    /// The delegation, when a caregiver signs.
    pub via: Option<DelegationId>,
    /// `SHA-256(consent request)[:16]`, when made in answer to a request.
    pub request: Option<[u8; 16]>,
}

/// Ends a grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoke {
    /// The grant.
    pub grant: GrantId,
    /// The patient, when the signer is not the patient's inception key.
    pub patient: Option<IdentityId>,
    /// The delegation, when a caregiver signs.
    pub via: Option<DelegationId>,
    /// The grant's own bytes, when it may not be on the ledger yet (PROTOCOL §3).
    pub embedded_grant: Option<Vec<u8>>,
}

/// What a caregiver may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Powers {
    /// Sign grants.
    pub grant: bool,
    /// Sign revocations.
    pub revoke: bool,
    /// Read the patient's history.
    pub history: bool,
}

impl Powers {
    /// The powers as the bit set transactions carry.
    pub(crate) fn to_bits(self) -> u64 {
        u64::from(self.grant) | u64::from(self.revoke) << 1 | u64::from(self.history) << 2
    }

    /// Reads the bit set.
    pub(crate) fn from_bits(bits: u64) -> Result<Self, CborError> {
        if bits == 0 || bits > 7 {
            return Err(CborError::WrongType {
                field: "powers",
                expected: "a non-empty set of grant, revoke, history",
            });
        }
        Ok(Powers {
            grant: bits & 1 != 0,
            revoke: bits & 2 != 0,
            history: bits & 4 != 0,
        })
    }
}

/// A patient lets a caregiver act for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegate {
    /// The caregiver's identity.
    pub caregiver: IdentityId,
    /// What the caregiver may do.
    pub powers: Powers,
    /// The widest scope the caregiver may grant.
    pub max_scope: Scope,
    /// When the delegation holds.
    pub period: Period,
}

/// Ends a delegation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokeDelegation {
    /// The delegation.
    pub delegation: DelegationId,
    /// Also revoke the grants the caregiver made under it (the default).
    pub cascade: bool,
}

/// On what ground an organisation accessed a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessGround {
    /// Under a grant.
    Grant(GrantId),
    /// Break-glass, with no grant (purpose must be `ETREAT`).
    Emergency(EmergencyReason),
}

/// A staff member's pseudonym: HMAC under the organisation's key for a quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActorTag {
    /// The calendar quarter of the key.
    pub epoch: u32,
    /// The truncated HMAC.
    pub tag: [u8; 16],
}

impl ActorTag {
    /// The pseudonym of staff member `staff` (the organisation's own id for
    /// them) under the organisation's secret key for `epoch` (PROTOCOL §4):
    /// HMAC-SHA-256(key, "assent/actor/v1" ‖ staff), truncated to 16 bytes.
    /// Only the organisation, holding the key, can name the person.
    ///
    /// ```
    /// use assent_core::tx::ActorTag;
    /// let a = ActorTag::derive(&[7; 32], 20264, "nurse-0042");
    /// assert_eq!(a, ActorTag::derive(&[7; 32], 20264, "nurse-0042"));
    /// assert_ne!(a.tag, ActorTag::derive(&[8; 32], 20264, "nurse-0042").tag);
    /// ```
    pub fn derive(key: &[u8; 32], epoch: u32, staff: &str) -> ActorTag {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(b"assent/actor/v1");
        mac.update(staff.as_bytes());
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; 16];
        tag.copy_from_slice(&full[..16]);
        ActorTag { epoch, tag }
    }

    /// CBOR `[epoch, tag]`.
    pub(super) fn to_value(self) -> Value {
        Value::Array(vec![
            cbor::u(self.epoch.into()),
            Value::Bytes(self.tag.to_vec()),
        ])
    }

    /// Reads CBOR `[epoch, tag]`.
    pub(super) fn from_value(value: Value) -> Result<ActorTag, TxError> {
        let [epoch, tag] = cbor::array_n(value, "actor", "[epoch, tag]")?;
        Ok(ActorTag {
            epoch: cbor::uint32(epoch, "actor epoch")?,
            tag: cbor::bytes_n(tag, "actor tag")?,
        })
    }
}

/// An organisation records an access it made (evidence, PROTOCOL §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordAccess {
    /// The accessing organisation.
    pub org: OrgId,
    /// Whose record.
    pub patient: IdentityId,
    /// Grant or break-glass.
    pub ground: AccessGround,
    /// Resource types read and how many of each (no contents, no record ids).
    pub resources: Vec<(ResourceType, u32)>,
    /// Why.
    pub purpose: Purpose,
    /// When it happened (Unix seconds).
    pub accessed_at: u64,
    /// Tree size of the cosigned checkpoint checked against; `None` = offline.
    pub basis: Option<u64>,
    /// A person or a system.
    pub mode: AccessMode,
    /// The staff member's pseudonym, if a person.
    pub actor: Option<ActorTag>,
}

/// A governance member proposes an act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Propose {
    /// The act.
    pub action: GovAction,
    /// Unix second after which it can no longer take effect.
    pub expires: u64,
}

/// A governance member approves a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approve {
    /// The proposal.
    pub proposal: ProposalId,
}

/// Every kind, with its payload fields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// See [`Enroll`].
    Enroll(Enroll),
    /// See [`RotateKey`].
    RotateKey(RotateKey),
    /// See [`Grant`].
    Grant(Grant),
    /// See [`Revoke`].
    Revoke(Revoke),
    /// See [`Delegate`].
    Delegate(Delegate),
    /// See [`RevokeDelegation`].
    RevokeDelegation(RevokeDelegation),
    /// See [`RecordAccess`].
    RecordAccess(RecordAccess),
    /// See [`Propose`].
    Propose(Propose),
    /// See [`Approve`].
    Approve(Approve),
    /// See [`MonitoringAlert`].
    MonitoringAlert(MonitoringAlert),
    /// See [`RegisterModel`].
    RegisterModel(RegisterModel),
    /// See [`ActivateModel`].
    ActivateModel(ActivateModel),
    /// See [`DisputeAccess`].
    DisputeAccess(DisputeAccess),
}

impl Kind {
    /// The kind's wire number.
    pub fn number(&self) -> u64 {
        match self {
            Kind::Enroll(_) => 1,
            Kind::RotateKey(_) => 2,
            Kind::Grant(_) => 3,
            Kind::Revoke(_) => 4,
            Kind::Delegate(_) => 5,
            Kind::RevokeDelegation(_) => 6,
            Kind::RecordAccess(_) => 7,
            Kind::Propose(_) => 8,
            Kind::Approve(_) => 9,
            Kind::MonitoringAlert(_) => 10,
            Kind::RegisterModel(_) => 11,
            Kind::ActivateModel(_) => 12,
            Kind::DisputeAccess(_) => 13,
        }
    }

    /// The kind's name.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Enroll(_) => "Enroll",
            Kind::RotateKey(_) => "RotateKey",
            Kind::Grant(_) => "Grant",
            Kind::Revoke(_) => "Revoke",
            Kind::Delegate(_) => "Delegate",
            Kind::RevokeDelegation(_) => "RevokeDelegation",
            Kind::RecordAccess(_) => "RecordAccess",
            Kind::Propose(_) => "Propose",
            Kind::Approve(_) => "Approve",
            Kind::MonitoringAlert(_) => "MonitoringAlert",
            Kind::RegisterModel(_) => "RegisterModel",
            Kind::ActivateModel(_) => "ActivateModel",
            Kind::DisputeAccess(_) => "DisputeAccess",
        }
    }

    /// Writes the kind's fields (keys 4…) after the common header.
    pub(super) fn write(&self, m: MapWriter) -> MapWriter {
        match self {
            Kind::Enroll(k) => m.put(4, b32(k.next.0)),
            Kind::RotateKey(k) => m
                .put(4, key(k.identity.0))
                .put(5, key(k.new_key))
                .put(6, b32(k.next.0)),
            Kind::Grant(k) => m
                .put(4, b32(k.grantee.0))
                .put(5, k.scope.to_value())
                .put_opt(6, k.patient.map(|p| key(p.0)))
                .put_opt(7, k.via.map(|v| b32(v.0)))
                .put_opt(8, k.request.map(|r| Value::Bytes(r.to_vec()))),
            Kind::Revoke(k) => m
                .put(4, b32(k.grant.0))
                .put_opt(5, k.patient.map(|p| key(p.0)))
                .put_opt(6, k.via.map(|v| b32(v.0)))
                .put_opt(7, k.embedded_grant.clone().map(Value::Bytes)),
            Kind::Delegate(k) => m
                .put(4, key(k.caregiver.0))
                .put(5, cbor::u(k.powers.to_bits()))
                .put(6, k.max_scope.to_value())
                .put(7, scope::period_value(&k.period)),
            Kind::RevokeDelegation(k) => m
                .put(4, b32(k.delegation.0))
                .put_opt(5, (!k.cascade).then_some(Value::Bool(false))),
            Kind::RecordAccess(k) => {
                let (grant, reason) = match k.ground {
                    AccessGround::Grant(g) => (Some(b32(g.0)), None),
                    AccessGround::Emergency(r) => (None, Some(code(r))),
                };
                let resources = k
                    .resources
                    .iter()
                    .map(|(t, n)| Value::Array(vec![code(*t), cbor::u((*n).into())]))
                    .collect();
                m.put(4, b32(k.org.0))
                    .put(5, key(k.patient.0))
                    .put_opt(6, grant)
                    .put_opt(7, reason)
                    .put(8, Value::Array(resources))
                    .put(9, code(k.purpose))
                    .put(10, cbor::u(k.accessed_at))
                    .put_opt(11, k.basis.map(cbor::u))
                    .put(12, code(k.mode))
                    .put_opt(13, k.actor.map(ActorTag::to_value))
            }
            Kind::Propose(k) => m.put(4, action_value(&k.action)).put(5, cbor::u(k.expires)),
            Kind::Approve(k) => m.put(4, b32(k.proposal.0)),
            Kind::MonitoringAlert(k) => monitoring::write_alert(k, m),
            Kind::RegisterModel(k) => monitoring::write_register_model(k, m),
            Kind::ActivateModel(k) => m.put(4, b32(k.model.0)),
            Kind::DisputeAccess(k) => monitoring::write_dispute(k, m),
        }
    }

    /// Reads the fields of kind `number` (keys 4…).
    pub(super) fn read(number: u64, m: &mut MapReader) -> Result<Kind, TxError> {
        Ok(match number {
            1 => Kind::Enroll(Enroll {
                next: KeyCommitment(cbor::bytes_n(m.required(4, "next")?, "next")?),
            }),
            2 => Kind::RotateKey(RotateKey {
                identity: IdentityId(read_key(m.required(4, "identity")?, "identity")?),
                new_key: read_key(m.required(5, "new key")?, "new key")?,
                next: KeyCommitment(cbor::bytes_n(m.required(6, "next")?, "next")?),
            }),
            3 => Kind::Grant(Grant {
                grantee: OrgId(cbor::bytes_n(m.required(4, "grantee")?, "grantee")?),
                scope: Scope::from_value(m.required(5, "scope")?)?,
                patient: opt(m.optional(6), |v| Ok(IdentityId(read_key(v, "patient")?)))?,
                via: opt(m.optional(7), |v| {
                    Ok(DelegationId(cbor::bytes_n(v, "via")?))
                })?,
                request: opt(m.optional(8), |v| Ok(cbor::bytes_n(v, "request")?))?,
            }),
            4 => Kind::Revoke(Revoke {
                grant: GrantId(cbor::bytes_n(m.required(4, "grant")?, "grant")?),
                patient: opt(m.optional(5), |v| Ok(IdentityId(read_key(v, "patient")?)))?,
                via: opt(m.optional(6), |v| {
                    Ok(DelegationId(cbor::bytes_n(v, "via")?))
                })?,
                embedded_grant: opt(m.optional(7), |v| {
                    let b = cbor::bytes(v, "embedded grant")?;
                    if b.len() > limits::MAX_EMBEDDED {
                        return Err(TxError::TooLarge {
                            len: b.len(),
                            max: limits::MAX_EMBEDDED,
                        });
                    }
                    Ok(b)
                })?,
            }),
            5 => Kind::Delegate(Delegate {
                caregiver: IdentityId(read_key(m.required(4, "caregiver")?, "caregiver")?),
                powers: Powers::from_bits(cbor::uint(m.required(5, "powers")?, "powers")?)?,
                max_scope: Scope::from_value(m.required(6, "max scope")?)?,
                period: scope::period_from(m.required(7, "period")?, "period")?,
            }),
            6 => Kind::RevokeDelegation(RevokeDelegation {
                delegation: DelegationId(cbor::bytes_n(
                    m.required(4, "delegation")?,
                    "delegation",
                )?),
                cascade: match m
                    .optional(5)
                    .map(|v| cbor::boolean(v, "cascade"))
                    .transpose()?
                {
                    None => true,
                    Some(false) => false,
                    Some(true) => {
                        return Err(CborError::NonCanonical("cascade: true is omitted").into())
                    }
                },
            }),
            7 => Kind::RecordAccess(read_access(m)?),
            8 => Kind::Propose(Propose {
                action: read_action(m.required(4, "action")?)?,
                expires: cbor::uint(m.required(5, "expires")?, "expires")?,
            }),
            9 => Kind::Approve(Approve {
                proposal: ProposalId(cbor::bytes_n(m.required(4, "proposal")?, "proposal")?),
            }),
            10 => Kind::MonitoringAlert(monitoring::read_alert(m)?),
            11 => Kind::RegisterModel(monitoring::read_register_model(m)?),
            12 => Kind::ActivateModel(ActivateModel {
                model: crate::ids::ModelId(cbor::bytes_n(m.required(4, "model")?, "model")?),
            }),
            13 => Kind::DisputeAccess(monitoring::read_dispute(m)?),
            other => return Err(TxError::UnknownKind(other)),
        })
    }
}

fn read_access(m: &mut MapReader) -> Result<RecordAccess, TxError> {
    let org = OrgId(cbor::bytes_n(m.required(4, "org")?, "org")?);
    let patient = IdentityId(read_key(m.required(5, "patient")?, "patient")?);
    let grant = m.optional(6);
    let reason = m.optional(7);
    let ground = match (grant, reason) {
        (Some(g), None) => AccessGround::Grant(GrantId(cbor::bytes_n(g, "grant")?)),
        (None, Some(r)) => AccessGround::Emergency(read_code(r, "emergency reason")?),
        _ => {
            return Err(CborError::WrongType {
                field: "ground",
                expected: "either a grant or an emergency reason",
            }
            .into())
        }
    };
    let items = cbor::array(
        m.required(8, "resources")?,
        "resources",
        limits::MAX_RESOURCES,
    )?;
    if items.is_empty() {
        return Err(CborError::Missing("resources").into());
    }
    let mut resources: Vec<(ResourceType, u32)> = Vec::with_capacity(items.len());
    for item in items {
        let [t, n] = cbor::array_n(item, "resource", "[type, count]")?;
        let t: ResourceType = read_code(t, "resource type")?;
        let n = cbor::uint32(n, "count")?;
        if n == 0 || resources.last().is_some_and(|(last, _)| *last >= t) {
            return Err(
                CborError::NonCanonical("resources ascend by type, counts above zero").into(),
            );
        }
        resources.push((t, n));
    }
    let access = RecordAccess {
        org,
        patient,
        ground,
        resources,
        purpose: read_code(m.required(9, "purpose")?, "purpose")?,
        accessed_at: cbor::uint(m.required(10, "accessed at")?, "accessed at")?,
        basis: opt(m.optional(11), |v| Ok(cbor::uint(v, "basis")?))?,
        mode: read_code(m.required(12, "mode")?, "mode")?,
        actor: opt(m.optional(13), ActorTag::from_value)?,
    };
    Ok(access)
}
