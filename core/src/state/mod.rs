//! The consent state and the one validator every node and wallet runs.
//!
//! [`ConsentState`] is built by applying transactions in ledger order.
//! [`ConsentState::validate`] is a pure function of the state, a checked
//! transaction and `now` — the leaf's sequencer time, never a wall clock
//! (PROTOCOL §3) — that returns what the transaction would change, or the
//! [`Refusal`] that says why not. [`ConsentState::apply`] commits only what
//! validated, so a refused transaction changes nothing.

// A `Refusal` can carry an identity (a public key with its decompressed
// point, ~200 bytes). Validation runs once per transaction, so the larger
// `Result` costs little; boxing would add an allocation to every refusal.
#![allow(clippy::result_large_err)]

mod effect;
mod governance;
mod monitoring;
mod oversight;
mod refusal;
mod validate;

pub use effect::{Effect, Enacted};
pub(crate) use oversight::Oversight;
pub use oversight::{ModelRecord, MonitorRecord, SuspensionRecord};
pub use refusal::Refusal;

use crate::codes::{OrgKind, Purpose};
use crate::ids::{
    DelegationId, GrantId, IdentityId, KeyCommitment, ModelId, MonitorId, OrgId, ProposalId, TxId,
};
use crate::keys::PublicKey;
use crate::scope::{Period, Scope};
use crate::tx::{GovAction, Powers, SignedTx};
use std::collections::{BTreeMap, BTreeSet};

/// Default `max_tx_age`: 30 days (PROTOCOL §3).
pub const DEFAULT_MAX_TX_AGE: u64 = 30 * 86_400;
/// Default transactions per identity per day (PROTOCOL §4).
pub const DEFAULT_DAILY_BUDGET: u32 = 100;
/// How far a transaction's creation time may run ahead of the ledger (PROTOCOL §3).
pub const MAX_FUTURE_SKEW: u64 = 300;

/// A governance member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A consortium member.
    Member,
    /// The regulator.
    Regulator,
}

/// The consortium's founding rules (the parts the validator needs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Genesis {
    /// The ledger's origin (bound into every signature).
    pub origin: String,
    /// Governance members and their roles.
    pub governance: Vec<(PublicKey, Role)>,
    /// Approvals needed for a governance act (`k_g`).
    pub threshold: usize,
    /// Oldest creation time accepted, in seconds before the leaf time.
    pub max_tx_age: u64,
    /// Transactions per identity per day.
    pub daily_budget: u32,
}

impl Genesis {
    /// A genesis with the default limits.
    pub fn new(
        origin: impl Into<String>,
        governance: Vec<(PublicKey, Role)>,
        threshold: usize,
    ) -> Self {
        Genesis {
            origin: origin.into(),
            governance,
            threshold,
            max_tx_age: DEFAULT_MAX_TX_AGE,
            daily_budget: DEFAULT_DAILY_BUDGET,
        }
    }
}

/// An enrolled identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityRecord {
    /// The key that signs for it now.
    pub current_key: PublicKey,
    /// Which generation that key is.
    pub generation: u32,
    /// Commitment to the next key.
    pub next: KeyCommitment,
}

/// A registered organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRecord {
    /// Its kind.
    pub kind: OrgKind,
    /// Its current keys.
    pub keys: Vec<PublicKey>,
    /// Its name.
    pub name: String,
    /// Its endpoints.
    pub endpoints: Vec<String>,
}

/// A grant on the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    /// Whose data.
    pub patient: IdentityId,
    /// To whom.
    pub grantee: OrgId,
    /// What.
    pub scope: Scope,
    /// The delegation it was made under, if a caregiver signed it.
    pub via: Option<DelegationId>,
    /// Leaf time at which it was appended.
    pub since: u64,
    /// Leaf time of its revocation.
    pub revoked_at: Option<u64>,
}

/// A delegation on the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelegationRecord {
    /// Who delegated.
    pub patient: IdentityId,
    /// To whom.
    pub caregiver: IdentityId,
    /// What the caregiver may do.
    pub powers: Powers,
    /// The widest scope the caregiver may grant.
    pub max_scope: Scope,
    /// When it holds.
    pub period: Period,
    /// Leaf time of its revocation.
    pub revoked_at: Option<u64>,
}

impl DelegationRecord {
    /// Whether the delegation holds at `t`.
    pub fn live_at(&self, t: u64) -> bool {
        self.period.contains(t) && self.revoked_at.is_none_or(|r| t < r)
    }
}

/// A governance proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalRecord {
    /// The act.
    pub action: GovAction,
    /// When it lapses.
    pub expires: u64,
    /// Members who approved (the proposer first).
    pub approvals: BTreeSet<[u8; 32]>,
    /// Whether it took effect.
    pub done: bool,
}

/// Everything the validator and the policy engine need to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentState {
    pub(crate) genesis: Genesis,
    pub(crate) seen: BTreeSet<TxId>,
    pub(crate) identities: BTreeMap<IdentityId, IdentityRecord>,
    /// Every key ever used by an identity or organisation, and its holder.
    pub(crate) key_holders: BTreeMap<[u8; 32], Holder>,
    pub(crate) orgs: BTreeMap<OrgId, OrgRecord>,
    pub(crate) grants: BTreeMap<GrantId, GrantRecord>,
    pub(crate) delegations: BTreeMap<DelegationId, DelegationRecord>,
    pub(crate) proposals: BTreeMap<ProposalId, ProposalRecord>,
    pub(crate) budget: BTreeMap<(IdentityId, u64), u32>,
    pub(crate) oversight: Oversight,
}

/// Who holds a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Holder {
    Identity(IdentityId),
    Org(OrgId),
    Monitor(MonitorId),
}

impl ConsentState {
    /// The empty state of a ledger with this genesis.
    pub fn new(genesis: Genesis) -> Self {
        ConsentState {
            genesis,
            seen: BTreeSet::new(),
            identities: BTreeMap::new(),
            key_holders: BTreeMap::new(),
            orgs: BTreeMap::new(),
            grants: BTreeMap::new(),
            delegations: BTreeMap::new(),
            proposals: BTreeMap::new(),
            budget: BTreeMap::new(),
            oversight: Oversight::default(),
        }
    }

    /// The genesis.
    pub fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    /// Validates `tx` at leaf time `now` and, if it is valid, applies it.
    ///
    /// # Errors
    /// The [`Refusal`]; the state is then unchanged.
    pub fn apply(&mut self, tx: &SignedTx, now: u64) -> Result<Effect, Refusal> {
        let effect = self.validate(tx, now)?;
        self.commit(tx, now, &effect);
        Ok(effect)
    }

    /// An identity's record.
    pub fn identity(&self, id: &IdentityId) -> Option<&IdentityRecord> {
        self.identities.get(id)
    }

    /// An organisation's record.
    pub fn org(&self, id: &OrgId) -> Option<&OrgRecord> {
        self.orgs.get(id)
    }

    /// Every registered organisation, by id.
    pub fn orgs(&self) -> impl Iterator<Item = (&OrgId, &OrgRecord)> {
        self.orgs.iter()
    }

    /// A grant's record.
    pub fn grant(&self, id: &GrantId) -> Option<&GrantRecord> {
        self.grants.get(id)
    }

    /// Every grant, by id.
    pub fn grants(&self) -> impl Iterator<Item = (&GrantId, &GrantRecord)> {
        self.grants.iter()
    }

    /// A delegation's record.
    pub fn delegation(&self, id: &DelegationId) -> Option<&DelegationRecord> {
        self.delegations.get(id)
    }

    /// A proposal's record.
    pub fn proposal(&self, id: &ProposalId) -> Option<&ProposalRecord> {
        self.proposals.get(id)
    }

    /// A registered monitor.
    pub fn monitor(&self, id: &MonitorId) -> Option<&MonitorRecord> {
        self.oversight.monitors.get(id)
    }

    /// A registered model.
    pub fn model(&self, id: &ModelId) -> Option<&ModelRecord> {
        self.oversight.models.get(id)
    }

    /// Every suspension governance imposed, by the proposal that did.
    pub fn suspensions(&self) -> impl Iterator<Item = (&ProposalId, &SuspensionRecord)> {
        self.oversight.suspensions.iter()
    }

    /// The suspension, if any, that stops `org` accessing for `purpose` at
    /// `t` (never one of emergency care).
    pub fn suspension(&self, org: &OrgId, purpose: Purpose, t: u64) -> Option<ProposalId> {
        self.oversight.suspension(org, purpose, t)
    }

    /// Whether the patient disputed this access.
    pub fn is_disputed(&self, access: &TxId) -> bool {
        self.oversight.disputes.contains(access)
    }

    /// The organisation the governance member `key` speaks for.
    pub fn member_org(&self, key: &PublicKey) -> Option<OrgId> {
        self.oversight.members.get(&key.to_bytes()).copied()
    }

    /// Whether `key` may read `identity`'s history and statuses at `now`
    /// (PROTOCOL §6): the identity's current key, or the current key of a
    /// caregiver holding a live delegation with the history power.
    pub fn may_read_history(&self, identity: &IdentityId, key: &PublicKey, now: u64) -> bool {
        let current = |id: &IdentityId| self.identities.get(id).map(|r| &r.current_key);
        current(identity) == Some(key)
            || self.delegations.values().any(|d| {
                d.patient == *identity
                    && d.powers.history
                    && d.live_at(now)
                    && current(&d.caregiver) == Some(key)
            })
    }

    /// Whether a transaction id was accepted.
    pub fn has_seen(&self, id: &TxId) -> bool {
        self.seen.contains(id)
    }

    /// Applies an effect [`Self::validate`] returned for `tx` at `now`,
    /// without validating again (the ledger's replica validates first to
    /// build the leaf).
    pub(crate) fn commit(&mut self, tx: &SignedTx, now: u64, effect: &Effect) {
        self.seen.insert(tx.id());
        if let Some(identity) = effect.charged() {
            *self.budget.entry((identity, now / 86_400)).or_insert(0) += 1;
        }
        match effect {
            Effect::Enrolled { identity, record } => {
                self.key_holders
                    .insert(record.current_key.to_bytes(), Holder::Identity(*identity));
                self.identities.insert(*identity, record.clone());
            }
            Effect::Rotated { identity, record } => {
                self.key_holders
                    .insert(record.current_key.to_bytes(), Holder::Identity(*identity));
                self.identities.insert(*identity, record.clone());
            }
            Effect::Granted { grant, record, .. } => {
                self.grants.insert(*grant, record.clone());
            }
            Effect::Revoked { grant, embedded } => {
                if let Some((id, record)) = embedded {
                    self.seen.insert(TxId(id.0));
                    self.grants.insert(*id, record.clone());
                }
                if let Some(g) = self.grants.get_mut(grant) {
                    g.revoked_at = Some(now);
                }
            }
            Effect::Delegated { delegation, record } => {
                self.delegations.insert(*delegation, record.clone());
            }
            Effect::DelegationRevoked {
                delegation,
                cascaded,
            } => {
                if let Some(d) = self.delegations.get_mut(delegation) {
                    d.revoked_at = Some(now);
                }
                for g in cascaded {
                    if let Some(g) = self.grants.get_mut(g) {
                        g.revoked_at = Some(now);
                    }
                }
            }
            Effect::AccessRecorded { patient, org } => {
                let access = oversight::AccessRef {
                    patient: patient.key().to_bytes(),
                    org: *org,
                };
                self.oversight.accesses.insert(tx.id(), access);
            }
            Effect::Proposed {
                proposal,
                record,
                enacted,
            }
            | Effect::Approved {
                proposal,
                record,
                enacted,
            } => {
                self.proposals.insert(*proposal, record.clone());
                if let Some(enacted) = enacted {
                    self.enact(enacted, now);
                }
            }
            Effect::ModelRegistered { model, record } => {
                self.oversight.models.insert(*model, record.clone());
            }
            Effect::ModelActivated { monitor, model } => {
                if let Some(m) = self.oversight.monitors.get_mut(monitor) {
                    m.active_model = Some(*model);
                }
            }
            Effect::Alerted { .. } => {}
            Effect::Disputed { access, .. } => {
                self.oversight.disputes.insert(*access);
            }
        }
    }

    fn enact(&mut self, enacted: &Enacted, now: u64) {
        match enacted {
            Enacted::Org {
                org,
                record,
                member,
            } => {
                for key in &record.keys {
                    self.key_holders.insert(key.to_bytes(), Holder::Org(*org));
                }
                self.orgs.insert(*org, record.clone());
                if let Some(member) = member {
                    self.oversight.members.insert(member.to_bytes(), *org);
                }
            }
            Enacted::Monitor { monitor, record } => {
                self.key_holders
                    .insert(record.key.to_bytes(), Holder::Monitor(*monitor));
                self.oversight.monitors.insert(*monitor, record.clone());
            }
            Enacted::Suspended { suspension, record } => {
                self.oversight
                    .suspensions
                    .insert(*suspension, record.clone());
            }
            Enacted::Reinstated { suspension } => {
                if let Some(s) = self.oversight.suspensions.get_mut(suspension) {
                    s.ended_at = Some(now);
                }
            }
        }
    }
}

#[cfg(test)]
mod oversight_tests;
#[cfg(test)]
mod tests;
