//! Governance (PROTOCOL §5): who may propose and approve, and when an act
//! takes effect.
//!
//! An act takes effect at the approval that meets the genesis threshold.
//! Acts against an organisation (suspending or reinstating it) also need the
//! regulator among the approvals, and the governance member who speaks for
//! the accused organisation may neither propose nor approve them. A
//! registered monitor may propose a suspension, but its proposal counts as
//! no approval: people decide.

use super::effect::{Effect, Enacted};
use super::oversight::{MonitorRecord, SuspensionRecord};
use super::{ConsentState, Holder, OrgRecord, ProposalRecord, Refusal, Role};
use crate::codes::Purpose;
use crate::ids::{MonitorId, OrgId, ProposalId, TxId};
use crate::keys::PublicKey;
use crate::tx::{Approve, GovAction, Propose, MAX_SUSPENSION_HOURS};
use std::collections::BTreeSet;

impl ConsentState {
    /// `Propose`, by a governance member or (a suspension only) a monitor.
    pub(super) fn check_propose(
        &self,
        id: TxId,
        p: &Propose,
        signer: &PublicKey,
        now: u64,
    ) -> Result<Effect, Refusal> {
        let approvals = match (self.governance_role(signer), &p.action) {
            (Ok(_), _) => BTreeSet::from([signer.to_bytes()]),
            (Err(_), GovAction::SuspendOrg(_)) if self.monitor_of(signer).is_some() => {
                BTreeSet::new()
            }
            (Err(e), _) => return Err(e),
        };
        if p.expires <= now {
            return Err(Refusal::ProposalExpired);
        }
        self.check_action(&p.action, now)?;
        self.check_not_accused(&p.action, signer)?;
        let proposal = ProposalId(id.0);
        let record = ProposalRecord {
            action: p.action.clone(),
            expires: p.expires,
            approvals,
            done: false,
        };
        let (record, enacted) = self.maybe_enact(proposal, record, now)?;
        Ok(Effect::Proposed {
            proposal,
            record,
            enacted,
        })
    }

    /// `Approve`, by a governance member.
    pub(super) fn check_approve(
        &self,
        a: &Approve,
        signer: &PublicKey,
        now: u64,
    ) -> Result<Effect, Refusal> {
        self.governance_role(signer)?;
        let p = self
            .proposals
            .get(&a.proposal)
            .ok_or(Refusal::UnknownProposal(a.proposal))?;
        if p.done || now >= p.expires {
            return Err(Refusal::ProposalClosed(a.proposal));
        }
        self.check_not_accused(&p.action, signer)?;
        let mut record = p.clone();
        if !record.approvals.insert(signer.to_bytes()) {
            return Err(Refusal::AlreadyApproved(a.proposal));
        }
        let (record, enacted) = self.maybe_enact(a.proposal, record, now)?;
        Ok(Effect::Approved {
            proposal: a.proposal,
            record,
            enacted,
        })
    }

    pub(super) fn governance_role(&self, signer: &PublicKey) -> Result<Role, Refusal> {
        self.genesis
            .governance
            .iter()
            .find(|(k, _)| k == signer)
            .map(|(_, r)| *r)
            .ok_or(Refusal::NotAGovernanceMember)
    }

    /// The monitor whose key `signer` is.
    pub fn monitor_of(&self, signer: &PublicKey) -> Option<MonitorId> {
        match self.key_holders.get(&signer.to_bytes()) {
            Some(Holder::Monitor(id)) => Some(*id),
            _ => None,
        }
    }

    /// What an act asks must make sense when it is proposed (and again when
    /// it takes effect: the state may have moved).
    fn check_action(&self, action: &GovAction, now: u64) -> Result<(), Refusal> {
        match action {
            GovAction::RegisterOrg { keys, member, .. } => {
                if keys
                    .iter()
                    .any(|k| self.key_holders.contains_key(&k.to_bytes()))
                {
                    return Err(Refusal::KeyInUse);
                }
                if let Some(member) = member {
                    self.governance_role(member)?;
                    if self.oversight.members.contains_key(&member.to_bytes()) {
                        return Err(Refusal::MemberTaken);
                    }
                }
            }
            GovAction::RegisterMonitor { key, operator } => {
                if self.key_holders.contains_key(&key.to_bytes())
                    || self.genesis.governance.iter().any(|(k, _)| k == key)
                {
                    return Err(Refusal::KeyInUse);
                }
                self.orgs
                    .get(operator)
                    .ok_or(Refusal::UnknownOrg(*operator))?;
            }
            GovAction::SuspendOrg(s) => {
                self.orgs.get(&s.org).ok_or(Refusal::UnknownOrg(s.org))?;
                if s.purposes.contains(&Purpose::Etreat) {
                    return Err(Refusal::WouldBlockEmergency);
                }
                if s.hours == 0 || s.hours > MAX_SUSPENSION_HOURS {
                    return Err(Refusal::SuspensionLength(s.hours));
                }
            }
            GovAction::ReinstateOrg { suspension } => {
                let live = self
                    .oversight
                    .suspensions
                    .get(suspension)
                    .is_some_and(|s| s.ended_at.is_none() && now < s.until);
                if !live {
                    return Err(Refusal::NoSuchSuspension(*suspension));
                }
            }
        }
        Ok(())
    }

    /// The member who speaks for the accused may not act on its case.
    fn check_not_accused(&self, action: &GovAction, signer: &PublicKey) -> Result<(), Refusal> {
        if let Some(accused) = self.accused(action) {
            if self.oversight.members.get(&signer.to_bytes()) == Some(&accused) {
                return Err(Refusal::AccusedMayNotDecide(accused));
            }
        }
        Ok(())
    }

    /// The organisation an act is against, if any.
    fn accused(&self, action: &GovAction) -> Option<OrgId> {
        match action {
            GovAction::SuspendOrg(s) => Some(s.org),
            GovAction::ReinstateOrg { suspension } => {
                self.oversight.suspensions.get(suspension).map(|s| s.org)
            }
            _ => None,
        }
    }

    /// Applies the act if the approvals meet the threshold and its role
    /// conditions; otherwise the proposal stays open.
    fn maybe_enact(
        &self,
        proposal: ProposalId,
        mut record: ProposalRecord,
        now: u64,
    ) -> Result<(ProposalRecord, Option<Enacted>), Refusal> {
        let regulator_approved =
            self.genesis.governance.iter().any(|(m, role)| {
                *role == Role::Regulator && record.approvals.contains(&m.to_bytes())
            });
        let needs_regulator = self.accused(&record.action).is_some();
        if record.approvals.len() < self.genesis.threshold
            || (needs_regulator && !regulator_approved)
        {
            return Ok((record, None));
        }
        // The proposal's checks again, against the state as it is now.
        self.check_action(&record.action, now)?;
        record.done = true;
        let enacted = match &record.action {
            GovAction::RegisterOrg {
                kind,
                keys,
                name,
                endpoints,
                member,
            } => Enacted::Org {
                org: OrgId(proposal.0),
                record: OrgRecord {
                    kind: *kind,
                    keys: keys.clone(),
                    name: name.clone(),
                    endpoints: endpoints.clone(),
                },
                member: *member,
            },
            GovAction::RegisterMonitor { key, operator } => Enacted::Monitor {
                monitor: MonitorId(proposal.0),
                record: MonitorRecord {
                    key: *key,
                    operator: *operator,
                    active_model: None,
                },
            },
            GovAction::SuspendOrg(s) => Enacted::Suspended {
                suspension: proposal,
                record: SuspensionRecord {
                    org: s.org,
                    purposes: s.purposes.clone(),
                    from: now,
                    until: now.saturating_add(u64::from(s.hours) * 3600),
                    ended_at: None,
                },
            },
            GovAction::ReinstateOrg { suspension } => Enacted::Reinstated {
                suspension: *suspension,
            },
        };
        Ok((record, Some(enacted)))
    }
}
