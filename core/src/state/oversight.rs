//! The state of oversight (DESIGN §7): which governance member speaks for
//! which organisation, the registered monitors and their models, the
//! suspensions governance imposed, and an index of recorded accesses so an
//! alert or a dispute can be checked against the access it names.

use crate::cbor::{self, CborError, MapReader, MapWriter};
use crate::codes::{Code, Purpose};
use crate::ids::{ContentHash, IdentityId, ModelId, MonitorId, OrgId, ProposalId, TxId};
use crate::keys::PublicKey;
use ciborium::value::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A registered monitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorRecord {
    /// Its signing key.
    pub key: PublicKey,
    /// The organisation that runs it.
    pub operator: OrgId,
    /// The model its alerts must name, once one is activated.
    pub active_model: Option<ModelId>,
}

/// A registered model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelRecord {
    /// The monitor that registered it.
    pub monitor: MonitorId,
    /// SHA-256 of its canonical parameters.
    pub params: ContentHash,
    /// Leaf time of its registration.
    pub since: u64,
}

/// A suspension in force or past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuspensionRecord {
    /// The suspended organisation.
    pub org: OrgId,
    /// The purposes suspended (never `ETREAT`).
    pub purposes: Vec<Purpose>,
    /// Leaf time of the approval that enacted it.
    pub from: u64,
    /// When it lapses.
    pub until: u64,
    /// Leaf time of an early reinstatement.
    pub ended_at: Option<u64>,
}

impl SuspensionRecord {
    /// Whether it stops `org` accessing for `purpose` at `t`. Break-glass
    /// access is never covered: the validator refuses an `ETREAT`
    /// suspension, and `evaluate` judges emergencies before suspensions.
    pub fn covers(&self, org: &OrgId, purpose: Purpose, t: u64) -> bool {
        self.org == *org
            && self.purposes.contains(&purpose)
            && self.from <= t
            && t < self.ended_at.map_or(self.until, |e| e.min(self.until))
    }
}

/// A recorded access, as alerts and disputes need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AccessRef {
    /// The patient's inception key bytes (a full key costs 6× the memory).
    pub(crate) patient: [u8; 32],
    /// The accessing organisation.
    pub(crate) org: OrgId,
}

/// Everything oversight adds to the consent state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Oversight {
    pub(crate) members: BTreeMap<[u8; 32], OrgId>,
    pub(crate) monitors: BTreeMap<MonitorId, MonitorRecord>,
    pub(crate) models: BTreeMap<ModelId, ModelRecord>,
    pub(crate) suspensions: BTreeMap<ProposalId, SuspensionRecord>,
    pub(crate) accesses: BTreeMap<TxId, AccessRef>,
    pub(crate) disputes: BTreeSet<TxId>,
}

impl Oversight {
    /// The suspension, if any, that stops `org` accessing for `purpose` at `t`.
    pub(crate) fn suspension(&self, org: &OrgId, purpose: Purpose, t: u64) -> Option<ProposalId> {
        self.suspensions
            .iter()
            .find(|(_, s)| s.covers(org, purpose, t))
            .map(|(id, _)| *id)
    }

    /// The snapshot form (replica snapshots, version 2 onward).
    pub(crate) fn to_value(&self) -> Value {
        let b = |bytes: &[u8]| Value::Bytes(bytes.to_vec());
        let arr = |items: Vec<Value>| Value::Array(items);
        MapWriter::new()
            .put(
                0,
                arr(self
                    .members
                    .iter()
                    .map(|(k, org)| arr(vec![b(k), b(&org.0)]))
                    .collect()),
            )
            .put(
                1,
                arr(self
                    .monitors
                    .iter()
                    .map(|(id, m)| {
                        arr(vec![
                            b(&id.0),
                            b(&m.key.to_bytes()),
                            b(&m.operator.0),
                            m.active_model.map_or(Value::Null, |x| b(&x.0)),
                        ])
                    })
                    .collect()),
            )
            .put(
                2,
                arr(self
                    .models
                    .iter()
                    .map(|(id, m)| {
                        arr(vec![
                            b(&id.0),
                            b(&m.monitor.0),
                            b(&m.params.0),
                            cbor::u(m.since),
                        ])
                    })
                    .collect()),
            )
            .put(
                3,
                arr(self
                    .suspensions
                    .iter()
                    .map(|(id, s)| {
                        arr(vec![
                            b(&id.0),
                            b(&s.org.0),
                            arr(s
                                .purposes
                                .iter()
                                .map(|p| cbor::u(p.number().into()))
                                .collect()),
                            cbor::u(s.from),
                            cbor::u(s.until),
                            s.ended_at.map_or(Value::Null, cbor::u),
                        ])
                    })
                    .collect()),
            )
            .put(
                4,
                arr(self
                    .accesses
                    .iter()
                    .map(|(id, a)| arr(vec![b(&id.0), b(&a.patient), b(&a.org.0)]))
                    .collect()),
            )
            .put(5, arr(self.disputes.iter().map(|id| b(&id.0)).collect()))
            .build()
    }

    /// Reads [`Self::to_value`].
    pub(crate) fn from_value(value: Value) -> Result<Oversight, CborError> {
        let mut m = MapReader::new(value, "oversight")?;
        let rows = |v: Value, what: &'static str| cbor::array(v, what, usize::MAX);
        let id = |v: Value, what: &'static str| cbor::bytes_n::<32>(v, what);
        let nullable = |v: Value| (!matches!(v, Value::Null)).then_some(v);
        let mut o = Oversight::default();
        for row in rows(m.required(0, "members")?, "members")? {
            let [k, org] = cbor::array_n::<2>(row, "member", ROW)?;
            o.members
                .insert(id(k, "member key")?, OrgId(id(org, "org")?));
        }
        for row in rows(m.required(1, "monitors")?, "monitors")? {
            let [mid, key, operator, active] = cbor::array_n::<4>(row, "monitor", ROW)?;
            let key = PublicKey::from_bytes(&id(key, "monitor key")?).map_err(|_| {
                CborError::WrongType {
                    field: "monitor key",
                    expected: "a valid public key",
                }
            })?;
            let record = MonitorRecord {
                key,
                operator: OrgId(id(operator, "operator")?),
                active_model: nullable(active)
                    .map(|v| id(v, "active model").map(ModelId))
                    .transpose()?,
            };
            o.monitors.insert(MonitorId(id(mid, "monitor")?), record);
        }
        for row in rows(m.required(2, "models")?, "models")? {
            let [mid, monitor, params, since] = cbor::array_n::<4>(row, "model", ROW)?;
            let record = ModelRecord {
                monitor: MonitorId(id(monitor, "monitor")?),
                params: ContentHash(id(params, "params")?),
                since: cbor::uint(since, "since")?,
            };
            o.models.insert(ModelId(id(mid, "model")?), record);
        }
        for row in rows(m.required(3, "suspensions")?, "suspensions")? {
            let [sid, org, purposes, from, until, ended] =
                cbor::array_n::<6>(row, "suspension", ROW)?;
            let purposes = rows(purposes, "purposes")?
                .into_iter()
                .map(|p| {
                    Purpose::from_number(cbor::uint(p, "purpose")?).map_err(|_| {
                        CborError::WrongType {
                            field: "purpose",
                            expected: "a known purpose",
                        }
                    })
                })
                .collect::<Result<_, _>>()?;
            let record = SuspensionRecord {
                org: OrgId(id(org, "org")?),
                purposes,
                from: cbor::uint(from, "from")?,
                until: cbor::uint(until, "until")?,
                ended_at: nullable(ended)
                    .map(|v| cbor::uint(v, "ended"))
                    .transpose()?,
            };
            o.suspensions
                .insert(ProposalId(id(sid, "suspension")?), record);
        }
        for row in rows(m.required(4, "accesses")?, "accesses")? {
            let [tx, patient, org] = cbor::array_n::<3>(row, "access", ROW)?;
            let access = AccessRef {
                patient: id(patient, "patient")?,
                org: OrgId(id(org, "org")?),
            };
            o.accesses.insert(TxId(id(tx, "access")?), access);
        }
        for row in rows(m.required(5, "disputes")?, "disputes")? {
            o.disputes.insert(TxId(id(row, "dispute")?));
        }
        m.finish()?;
        Ok(o)
    }
}

impl AccessRef {
    /// The patient as an identity (the key was valid when the access was
    /// decoded, so this only fails on a corrupted state).
    pub(crate) fn patient(&self) -> Option<IdentityId> {
        PublicKey::from_bytes(&self.patient).ok().map(IdentityId)
    }
}

/// What a snapshot row of oversight state is.
const ROW: &str = "a fixed-length row";
