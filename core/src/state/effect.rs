//! What a valid transaction changes: the validator's answer, applied by
//! [`ConsentState::commit`](super::ConsentState) without judging again.

use super::oversight::{ModelRecord, MonitorRecord, SuspensionRecord};
use super::{DelegationRecord, GrantRecord, IdentityRecord, OrgRecord, ProposalRecord};
use crate::ids::{DelegationId, GrantId, IdentityId, ModelId, MonitorId, OrgId, ProposalId, TxId};
use crate::keys::PublicKey;

/// What a valid transaction changes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Effect {
    /// A new identity.
    Enrolled {
        /// The identity.
        identity: IdentityId,
        /// Its record.
        record: IdentityRecord,
    },
    /// An identity's new key.
    Rotated {
        /// The identity.
        identity: IdentityId,
        /// Its new record.
        record: IdentityRecord,
    },
    /// A new grant.
    Granted {
        /// The grant id.
        grant: GrantId,
        /// Its record.
        record: GrantRecord,
    },
    /// A grant ended (with the grant itself, when it came embedded).
    Revoked {
        /// The grant.
        grant: GrantId,
        /// The embedded grant, appended with the revocation.
        embedded: Option<(GrantId, GrantRecord)>,
    },
    /// A new delegation.
    Delegated {
        /// The delegation id.
        delegation: DelegationId,
        /// Its record.
        record: DelegationRecord,
    },
    /// A delegation ended, and the grants revoked with it.
    DelegationRevoked {
        /// The delegation.
        delegation: DelegationId,
        /// Grants made under it and revoked by the cascade.
        cascaded: Vec<GrantId>,
    },
    /// An access record (evidence; indexed so alerts and disputes can name it).
    AccessRecorded {
        /// Whose record was read.
        patient: IdentityId,
        /// Who read it.
        org: OrgId,
    },
    /// A new proposal (and, at a threshold of one, its effect).
    Proposed {
        /// The proposal.
        proposal: ProposalId,
        /// Its record.
        record: ProposalRecord,
        /// What took effect, if it did.
        enacted: Option<Enacted>,
    },
    /// An approval (and, at the threshold, the act's effect).
    Approved {
        /// The proposal.
        proposal: ProposalId,
        /// Its record after the approval.
        record: ProposalRecord,
        /// What took effect, if it did.
        enacted: Option<Enacted>,
    },
    /// A monitor registered a model.
    ModelRegistered {
        /// The model.
        model: ModelId,
        /// Its record.
        record: ModelRecord,
    },
    /// A monitor switched its alerts to a model.
    ModelActivated {
        /// The monitor.
        monitor: MonitorId,
        /// The model.
        model: ModelId,
    },
    /// A monitor flagged accesses.
    Alerted {
        /// The monitor.
        monitor: MonitorId,
        /// The patients whose accesses are flagged (sorted, each once): the
        /// alert joins each one's history chain.
        patients: Vec<IdentityId>,
    },
    /// A patient disputed an access.
    Disputed {
        /// The patient.
        patient: IdentityId,
        /// The access.
        access: TxId,
    },
}

/// What a governance act did when it took effect.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Enacted {
    /// An organisation was registered.
    Org {
        /// Its id.
        org: OrgId,
        /// Its record.
        record: OrgRecord,
        /// The governance member key that speaks for it.
        member: Option<PublicKey>,
    },
    /// A monitor was registered.
    Monitor {
        /// Its id.
        monitor: MonitorId,
        /// Its record.
        record: MonitorRecord,
    },
    /// A suspension began.
    Suspended {
        /// The proposal that imposed it.
        suspension: ProposalId,
        /// What it covers and for how long.
        record: SuspensionRecord,
    },
    /// A suspension ended early.
    Reinstated {
        /// The proposal that imposed it.
        suspension: ProposalId,
    },
}

impl Effect {
    /// The identity whose daily budget the transaction uses.
    pub(crate) fn charged(&self) -> Option<IdentityId> {
        match self {
            Effect::Enrolled { identity, .. } | Effect::Rotated { identity, .. } => Some(*identity),
            Effect::Granted { record, .. } => Some(record.patient),
            Effect::Delegated { record, .. } => Some(record.patient),
            Effect::Disputed { patient, .. } => Some(*patient),
            _ => None,
        }
    }
}
