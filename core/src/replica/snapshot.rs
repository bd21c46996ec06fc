//! A replica's state at one checkpoint, as bytes a store keeps, so a node
//! starts from the newest snapshot and replays only the entries after it
//! instead of the whole log (DESIGN §4 "Storage").
//!
//! A snapshot holds the consent state, the chain heads, the accepted
//! transaction ids and the state map's entries; the log tree is not in it but
//! is rebuilt from the leaf hashes the store keeps beside the leaves (tiles).
//! [`Replica::restore`] checks what it can check alone (the origin, the size,
//! every index and chain head against the tree); the caller then compares
//! the restored replica's checkpoint (log root and state root) with the
//! checkpoint stored for that size, and replays from the leaves if they
//! differ. The encoding is CBOR, written in one order so equal replicas give
//! equal bytes; it is a store's private format, versioned, not a wire format.

use super::{delegation_key, grant_key, identity_key, Head, Replica, Status};
use crate::cbor::{self, CborError, MapReader, MapWriter};
use crate::ids::{
    DelegationId, GrantId, IdentityId, KeyCommitment, MonitorId, OrgId, ProposalId, TxId,
};
use crate::keys::PublicKey;
use crate::merkle::{tree::Tree, Hash};
use crate::replica::OrgEntry;
use crate::scope::{period_from, period_value, Scope};
use crate::smt::{MapKey, SparseMap};
use crate::state::{
    ConsentState, DelegationRecord, Genesis, GrantRecord, Holder, IdentityRecord, Oversight,
    ProposalRecord,
};
use crate::tx::{action_value, read_action, Powers};
use ciborium::value::Value;
use std::collections::{BTreeSet, HashMap};

/// The snapshot format's version.
/// Version 2 added the oversight state (monitors, models, suspensions, the
/// access index and disputes, issue #9).
const VERSION: u64 = 2;

/// Why snapshot bytes could not be restored. Nothing was built; the caller
/// replays the log instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// Not a snapshot this version writes.
    #[error("malformed snapshot: {0}")]
    Malformed(String),
    /// Written by another version of the format.
    #[error("snapshot format {0} is not {VERSION}")]
    Version(u64),
    /// Of another ledger.
    #[error("the snapshot is of ledger {found}, not {expected}")]
    Origin {
        /// This ledger's origin.
        expected: String,
        /// The snapshot's.
        found: String,
    },
    /// Its size is not the number of leaf hashes given.
    #[error("the snapshot is of {snapshot} entries but {hashes} leaf hashes were given")]
    Size {
        /// The snapshot's size.
        snapshot: u64,
        /// Leaf hashes given.
        hashes: u64,
    },
    /// Of the same ledger name but other founding rules (governance,
    /// threshold or limits).
    #[error("the snapshot was made under other genesis rules")]
    Genesis,
    /// Its parts disagree with each other or with the tree.
    #[error("the snapshot is inconsistent: {0}")]
    Inconsistent(&'static str),
}

impl From<CborError> for SnapshotError {
    fn from(e: CborError) -> Self {
        SnapshotError::Malformed(e.to_string())
    }
}

fn malformed(e: impl std::fmt::Display) -> SnapshotError {
    SnapshotError::Malformed(e.to_string())
}

fn b(bytes: &[u8]) -> Value {
    Value::Bytes(bytes.to_vec())
}

fn key_value(k: &PublicKey) -> Value {
    b(&k.to_bytes())
}

fn opt_u(value: Option<u64>) -> Value {
    value.map_or(Value::Null, cbor::u)
}

fn array_of<T>(items: impl IntoIterator<Item = T>, f: impl Fn(T) -> Value) -> Value {
    Value::Array(items.into_iter().map(f).collect())
}

impl Replica {
    /// The snapshot of this replica (see the module docs).
    ///
    /// ```
    /// use assent_core::replica::Replica;
    /// use assent_core::state::{Genesis, Role};
    /// use assent_core::keys::SigningKey;
    ///
    /// let member = SigningKey::from_secret_bytes(&[1; 32]);
    /// let genesis = Genesis::new("ledger.example", vec![(member.public_key(), Role::Member)], 1);
    /// let replica = Replica::new(genesis.clone());
    /// let bytes = replica.snapshot();
    /// let restored = Replica::restore(genesis, &bytes, Vec::new()).unwrap();
    /// assert_eq!(restored.checkpoint(), replica.checkpoint());
    /// ```
    pub fn snapshot(&self) -> Vec<u8> {
        let s = &self.state;
        let mut heads: Vec<_> = self.heads.iter().collect();
        heads.sort_by_key(|(id, _)| **id);
        let mut by_id: Vec<_> = self.by_id.iter().collect();
        by_id.sort_by_key(|(_, index)| **index);
        let snapshot = MapWriter::new()
            .put(0, cbor::u(VERSION))
            .put(1, Value::Text(self.origin().to_owned()))
            .put(2, cbor::u(self.len()))
            .put(3, cbor::u(self.last_time))
            .put(4, array_of(&s.seen, |id| b(id.as_bytes())))
            .put(5, array_of(&s.identities, identity_value))
            .put(6, array_of(&s.key_holders, holder_value))
            .put(7, array_of(&s.orgs, org_value))
            .put(8, array_of(&s.grants, grant_value))
            .put(9, array_of(&s.delegations, delegation_value))
            .put(10, array_of(&s.proposals, proposal_value))
            .put(
                11,
                array_of(&s.budget, |((id, day), n)| {
                    Value::Array(vec![
                        key_value(id.key()),
                        cbor::u(*day),
                        cbor::u((*n).into()),
                    ])
                }),
            )
            .put(
                12,
                array_of(heads, |(id, head)| {
                    Value::Array(vec![key_value(id.key()), b(&head.to_bytes())])
                }),
            )
            .put(
                13,
                array_of(by_id, |(id, index)| {
                    Value::Array(vec![b(id.as_bytes()), cbor::u(*index)])
                }),
            )
            .put(
                14,
                array_of(self.map.iter(), |(key, _)| {
                    let value = self.map.get_value(&key).unwrap_or_default();
                    Value::Array(vec![b(&key.0), b(value)])
                }),
            )
            .put(15, genesis_value(s.genesis()))
            .put(16, s.oversight.to_value())
            .build();
        cbor::encode(&snapshot)
    }

    /// Rebuilds the replica of `genesis` from [`Replica::snapshot`] bytes and
    /// the hashes of its leaves, in order.
    ///
    /// # Errors
    /// [`SnapshotError`] if the bytes are not a snapshot of this ledger or do
    /// not agree with `leaf_hashes`.
    pub fn restore(
        genesis: Genesis,
        bytes: &[u8],
        leaf_hashes: Vec<Hash>,
    ) -> Result<Replica, SnapshotError> {
        let mut m = MapReader::new(cbor::decode(bytes)?, "snapshot")?;
        let version = cbor::uint(m.required(0, "version")?, "version")?;
        if version != VERSION {
            return Err(SnapshotError::Version(version));
        }
        let origin = cbor::text(m.required(1, "origin")?, "origin", 1024)?;
        if origin != genesis.origin {
            return Err(SnapshotError::Origin {
                expected: genesis.origin,
                found: origin,
            });
        }
        let size = cbor::uint(m.required(2, "size")?, "size")?;
        if size != leaf_hashes.len() as u64 {
            return Err(SnapshotError::Size {
                snapshot: size,
                hashes: leaf_hashes.len() as u64,
            });
        }
        let last_time = cbor::uint(m.required(3, "last_time")?, "last_time")?;
        let keys = Keys::default();
        let mut state = ConsentState::new(genesis);
        state.seen = items(m.required(4, "seen")?, |v| {
            Ok(TxId(cbor::bytes_n(v, "seen")?))
        })?;
        state.identities = items(m.required(5, "identities")?, |v| read_identity(&keys, v))?;
        state.key_holders = items(m.required(6, "key holders")?, |v| read_holder(&keys, v))?;
        state.orgs = items(m.required(7, "orgs")?, read_org)?;
        state.grants = items(m.required(8, "grants")?, |v| read_grant(&keys, v))?;
        state.delegations = items(m.required(9, "delegations")?, |v| read_delegation(&keys, v))?;
        state.proposals = items(m.required(10, "proposals")?, read_proposal)?;
        state.budget = items(m.required(11, "budget")?, |v| {
            let [id, day, n] = fields::<3>(v, "budget")?;
            Ok((
                (keys.identity(id)?, cbor::uint(day, "day")?),
                cbor::uint32(n, "count")?,
            ))
        })?;
        let heads: HashMap<IdentityId, Head> = items(m.required(12, "heads")?, |v| {
            let [id, head] = fields::<2>(v, "head")?;
            Ok((
                keys.identity(id)?,
                Head::from_bytes(&cbor::bytes(head, "head")?)?,
            ))
        })?;
        let by_id: HashMap<TxId, u64> = items(m.required(13, "by_id")?, |v| {
            let [id, index] = fields::<2>(v, "tx index")?;
            Ok((
                TxId(cbor::bytes_n(id, "tx id")?),
                cbor::uint(index, "index")?,
            ))
        })?;
        let mut map = SparseMap::new();
        for v in cbor::array(m.required(14, "map")?, "map", usize::MAX)? {
            let [key, value] = fields::<2>(v, "map entry")?;
            map.insert_value(
                MapKey(cbor::bytes_n(key, "map key")?),
                cbor::bytes(value, "map value")?,
            );
        }
        if m.required(15, "genesis")? != genesis_value(state.genesis()) {
            return Err(SnapshotError::Genesis);
        }
        state.oversight = Oversight::from_value(m.required(16, "oversight")?)?;
        m.finish()?;

        let mut tree = Tree::new();
        for hash in leaf_hashes {
            tree.push(hash);
        }
        let replica = Replica {
            state,
            tree,
            map,
            heads,
            by_id,
            last_time,
        };
        replica.check_restored()?;
        Ok(replica)
    }

    /// What a restored replica must satisfy beyond reproducing its
    /// checkpoint (which commits the tree and the state map only): its
    /// index, chain heads, identities, grants and delegations agree with the
    /// tree, the map and each other.
    fn check_restored(&self) -> Result<(), SnapshotError> {
        let size = self.len();
        let mut indexed = vec![false; self.by_id.len()];
        for (id, index) in &self.by_id {
            let slot = usize::try_from(*index)
                .ok()
                .and_then(|i| indexed.get_mut(i))
                .filter(|taken| !**taken)
                .ok_or(SnapshotError::Inconsistent("the transaction index"))?;
            *slot = true;
            if !self.state.seen.contains(id) {
                return Err(SnapshotError::Inconsistent("an indexed transaction unseen"));
            }
        }
        if self.by_id.len() as u64 != size {
            return Err(SnapshotError::Inconsistent("the transaction index"));
        }
        if self
            .state
            .oversight
            .accesses
            .keys()
            .any(|id| !self.state.seen.contains(id))
        {
            return Err(SnapshotError::Inconsistent("an indexed access unseen"));
        }
        for (id, monitor) in &self.state.oversight.monitors {
            let holder = self.state.key_holders.get(&monitor.key.to_bytes());
            if holder != Some(&Holder::Monitor(*id)) {
                return Err(SnapshotError::Inconsistent("a monitor's key"));
            }
        }
        for (id, head) in &self.heads {
            let in_map = self.map.get_value(&identity_key(id)) == Some(&head.to_bytes()[..]);
            if self.tree.leaf(head.index) != Some(head.leaf_hash) || !in_map {
                return Err(SnapshotError::Inconsistent("a chain head"));
            }
        }
        for (id, record) in &self.state.identities {
            let holder = self.state.key_holders.get(&record.current_key.to_bytes());
            if holder != Some(&Holder::Identity(*id)) {
                return Err(SnapshotError::Inconsistent("an identity's key"));
            }
        }
        let live = |key: &MapKey| self.map.get_value(key).map(Status::from_bytes);
        for (id, grant) in &self.state.grants {
            if !matches!(live(&grant_key(id)), Some(Ok(s)) if s.live == grant.revoked_at.is_none())
            {
                return Err(SnapshotError::Inconsistent("a grant's status"));
            }
        }
        for (id, delegation) in &self.state.delegations {
            if !matches!(live(&delegation_key(id)), Some(Ok(s)) if s.live == delegation.revoked_at.is_none())
            {
                return Err(SnapshotError::Inconsistent("a delegation's status"));
            }
        }
        Ok(())
    }
}

/// The genesis rules a snapshot was made under: restoring under others
/// would skip what a replay under them would refuse.
fn genesis_value(g: &Genesis) -> Value {
    Value::Array(vec![
        Value::Text(g.origin.clone()),
        array_of(&g.governance, |(key, role)| {
            let role = match role {
                crate::state::Role::Member => 0,
                crate::state::Role::Regulator => 1,
            };
            Value::Array(vec![key_value(key), cbor::u(role)])
        }),
        cbor::u(g.threshold as u64),
        cbor::u(g.max_tx_age),
        cbor::u(g.daily_budget.into()),
    ])
}

/// Reads an array into any collection, item by item.
fn items<T, C: FromIterator<T>>(
    value: Value,
    f: impl Fn(Value) -> Result<T, SnapshotError>,
) -> Result<C, SnapshotError> {
    cbor::array(value, "snapshot list", usize::MAX)?
        .into_iter()
        .map(f)
        .collect()
}

/// An array of exactly `N` items.
fn fields<const N: usize>(value: Value, what: &'static str) -> Result<[Value; N], SnapshotError> {
    cbor::array(value, what, N)?
        .try_into()
        .map_err(|_| malformed(format!("a {what} has the wrong number of fields")))
}

/// Keys read so far: an identity's key appears in several parts of a
/// snapshot, and checking a key (decompressing its point) is the slowest
/// step of a restore, so each is checked once.
#[derive(Default)]
struct Keys(std::cell::RefCell<HashMap<[u8; 32], PublicKey>>);

impl Keys {
    fn key(&self, value: Value) -> Result<PublicKey, SnapshotError> {
        let bytes = cbor::bytes_n(value, "key")?;
        if let Some(key) = self.0.borrow().get(&bytes) {
            return Ok(*key);
        }
        let key = PublicKey::from_bytes(&bytes).map_err(malformed)?;
        self.0.borrow_mut().insert(bytes, key);
        Ok(key)
    }

    fn identity(&self, value: Value) -> Result<IdentityId, SnapshotError> {
        self.key(value).map(IdentityId)
    }
}

fn opt_uint(value: Value, field: &'static str) -> Result<Option<u64>, SnapshotError> {
    match value {
        Value::Null => Ok(None),
        v => Ok(Some(cbor::uint(v, field)?)),
    }
}

fn identity_value((id, r): (&IdentityId, &IdentityRecord)) -> Value {
    Value::Array(vec![
        key_value(id.key()),
        key_value(&r.current_key),
        cbor::u(r.generation.into()),
        b(r.next.as_bytes()),
    ])
}

fn read_identity(keys: &Keys, v: Value) -> Result<(IdentityId, IdentityRecord), SnapshotError> {
    let [id, key, generation, next] = fields::<4>(v, "identity")?;
    Ok((
        keys.identity(id)?,
        IdentityRecord {
            current_key: keys.key(key)?,
            generation: cbor::uint32(generation, "generation")?,
            next: KeyCommitment(cbor::bytes_n(next, "next")?),
        },
    ))
}

fn holder_value((key, holder): (&[u8; 32], &Holder)) -> Value {
    let (tag, id) = match holder {
        Holder::Identity(id) => (0, id.key().to_bytes()),
        Holder::Org(org) => (1, *org.as_bytes()),
        Holder::Monitor(monitor) => (2, *monitor.as_bytes()),
    };
    Value::Array(vec![b(key), cbor::u(tag), b(&id)])
}

fn read_holder(keys: &Keys, v: Value) -> Result<([u8; 32], Holder), SnapshotError> {
    let [key, tag, id] = fields::<3>(v, "key holder")?;
    let holder = match cbor::uint(tag, "holder")? {
        0 => Holder::Identity(keys.identity(id)?),
        1 => Holder::Org(OrgId(cbor::bytes_n(id, "org")?)),
        2 => Holder::Monitor(MonitorId(cbor::bytes_n(id, "monitor")?)),
        _ => {
            return Err(malformed(
                "a key holder is neither identity, org nor monitor",
            ))
        }
    };
    Ok((cbor::bytes_n(key, "held key")?, holder))
}

/// An organisation's record, in its directory entry's encoding (whose
/// status fields a snapshot does not use).
fn org_value((id, record): (&OrgId, &crate::state::OrgRecord)) -> Value {
    let entry = OrgEntry {
        live: true,
        since: 0,
        record: record.clone(),
    };
    Value::Array(vec![b(id.as_bytes()), b(&entry.to_bytes())])
}

fn read_org(v: Value) -> Result<(OrgId, crate::state::OrgRecord), SnapshotError> {
    let [id, entry] = fields::<2>(v, "org")?;
    let entry = OrgEntry::from_bytes(&cbor::bytes(entry, "org entry")?)?;
    Ok((OrgId(cbor::bytes_n(id, "org id")?), entry.record))
}

fn grant_value((id, g): (&GrantId, &GrantRecord)) -> Value {
    Value::Array(vec![
        b(id.as_bytes()),
        key_value(g.patient.key()),
        b(g.grantee.as_bytes()),
        g.scope.to_value(),
        g.via.map_or(Value::Null, |d| b(d.as_bytes())),
        cbor::u(g.since),
        opt_u(g.revoked_at),
    ])
}

fn read_grant(keys: &Keys, v: Value) -> Result<(GrantId, GrantRecord), SnapshotError> {
    let [id, patient, grantee, scope, via, since, revoked] = fields::<7>(v, "grant")?;
    let via = match via {
        Value::Null => None,
        v => Some(DelegationId(cbor::bytes_n(v, "via")?)),
    };
    Ok((
        GrantId(cbor::bytes_n(id, "grant id")?),
        GrantRecord {
            patient: keys.identity(patient)?,
            grantee: OrgId(cbor::bytes_n(grantee, "grantee")?),
            scope: Scope::from_value(scope).map_err(malformed)?,
            via,
            since: cbor::uint(since, "since")?,
            revoked_at: opt_uint(revoked, "revoked_at")?,
        },
    ))
}

fn delegation_value((id, d): (&DelegationId, &DelegationRecord)) -> Value {
    Value::Array(vec![
        b(id.as_bytes()),
        key_value(d.patient.key()),
        key_value(d.caregiver.key()),
        cbor::u(d.powers.to_bits()),
        d.max_scope.to_value(),
        period_value(&d.period),
        opt_u(d.revoked_at),
    ])
}

fn read_delegation(
    keys: &Keys,
    v: Value,
) -> Result<(DelegationId, DelegationRecord), SnapshotError> {
    let [id, patient, caregiver, powers, scope, period, revoked] = fields::<7>(v, "delegation")?;
    Ok((
        DelegationId(cbor::bytes_n(id, "delegation id")?),
        DelegationRecord {
            patient: keys.identity(patient)?,
            caregiver: keys.identity(caregiver)?,
            powers: Powers::from_bits(cbor::uint(powers, "powers")?)?,
            max_scope: Scope::from_value(scope).map_err(malformed)?,
            period: period_from(period, "period").map_err(malformed)?,
            revoked_at: opt_uint(revoked, "revoked_at")?,
        },
    ))
}

fn proposal_value((id, p): (&ProposalId, &ProposalRecord)) -> Value {
    Value::Array(vec![
        b(id.as_bytes()),
        action_value(&p.action),
        cbor::u(p.expires),
        array_of(&p.approvals, |k| b(k)),
        Value::Bool(p.done),
    ])
}

fn read_proposal(v: Value) -> Result<(ProposalId, ProposalRecord), SnapshotError> {
    let [id, action, expires, approvals, done] = fields::<5>(v, "proposal")?;
    let approvals: BTreeSet<[u8; 32]> = items(approvals, |k| Ok(cbor::bytes_n(k, "approval")?))?;
    Ok((
        ProposalId(cbor::bytes_n(id, "proposal id")?),
        ProposalRecord {
            action: read_action(action).map_err(malformed)?,
            expires: cbor::uint(expires, "expires")?,
            approvals,
            done: cbor::boolean(done, "done")?,
        },
    ))
}
