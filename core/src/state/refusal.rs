//! Why a transaction is refused: one variant per rule, each with a stable
//! machine-readable code (for the ledger's JSON errors) and a plain message.

use crate::ids::{DelegationId, GrantId, IdentityId, OrgId, ProposalId, TxId};
use crate::scope::Wider;
use crate::tx::TxError;

/// A refused transaction. Refusals change nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// Signed for another ledger.
    #[error("the transaction is signed for ledger {0:?}, not this one")]
    WrongLedger(String),
    /// The same transaction is already on the ledger.
    #[error("transaction {0} was already accepted")]
    Replay(TxId),
    /// Created more than five minutes after the ledger's time.
    #[error("created at {created}, more than 5 minutes after the ledger time {now}")]
    CreatedInFuture {
        /// The transaction's creation time.
        created: u64,
        /// The leaf time.
        now: u64,
    },
    /// Created longer ago than the genesis allows.
    #[error("created at {created}, older than {max_age} s at ledger time {now}")]
    TooOld {
        /// The transaction's creation time.
        created: u64,
        /// The leaf time.
        now: u64,
        /// The genesis limit.
        max_age: u64,
    },
    /// The signer's key belongs to no identity.
    #[error("the signing key belongs to no enrolled identity")]
    UnknownSigner,
    /// The signer's key was rotated away.
    #[error("the signing key is no longer the identity's current key")]
    StaleKey,
    /// `Enroll` for a key already in use.
    #[error("this key already belongs to an identity or organisation")]
    KeyInUse,
    /// An identity that never enrolled.
    #[error("identity {0} is not enrolled")]
    NotEnrolled(IdentityId),
    /// `RotateKey` revealing a key that does not match the commitment.
    #[error("the new key does not match the identity's pre-rotation commitment")]
    WrongCommitment,
    /// Neither the patient nor a delegate acting under `via`.
    #[error("the signer is not the patient and acts under no delegation")]
    NotThePatient,
    /// The named patient does not match the grant or delegation.
    #[error("the transaction names another patient than its grant or delegation")]
    PatientMismatch,
    /// A grant id not on the ledger.
    #[error("grant {0} is not on the ledger")]
    UnknownGrant(GrantId),
    /// A delegation id not on the ledger.
    #[error("delegation {0} is not on the ledger")]
    UnknownDelegation(DelegationId),
    /// An organisation id not registered.
    #[error("organisation {0} is not registered")]
    UnknownOrg(OrgId),
    /// A proposal id not on the ledger.
    #[error("proposal {0} is not on the ledger")]
    UnknownProposal(ProposalId),
    /// The delegation is revoked, expired or not yet valid.
    #[error("delegation {0} is not live")]
    DelegationNotLive(DelegationId),
    /// The signer is not that delegation's caregiver.
    #[error("the signer is not the caregiver of delegation {0}")]
    NotTheCaregiver(DelegationId),
    /// The delegation does not give this power.
    #[error("delegation {0} does not allow {1}")]
    LacksPower(DelegationId, &'static str),
    /// A delegate's grant wider than its delegation.
    #[error("{0}")]
    WiderThanDelegation(Wider),
    /// A caregiver who is the patient.
    #[error("a patient cannot be their own caregiver")]
    SelfDelegation,
    /// A grant's permit lacks a period, a purpose or an action.
    #[error("a grant must name its period, at least one purpose and at least one action")]
    IncompleteGrant,
    /// Already revoked.
    #[error("{0} is already revoked")]
    AlreadyRevoked(String),
    /// A revocation's embedded grant is not the one it revokes, or invalid.
    #[error("the grant carried in the revocation is not valid: {0}")]
    EmbeddedGrant(String),
    /// Not a current key of the organisation.
    #[error("the signer is not a current key of organisation {0}")]
    NotAnOrgKey(OrgId),
    /// Not a governance member.
    #[error("the signer is not a governance member")]
    NotAGovernanceMember,
    /// The proposal expired or already took effect.
    #[error("proposal {0} is closed (expired or already in effect)")]
    ProposalClosed(ProposalId),
    /// This member already approved.
    #[error("this member already approved proposal {0}")]
    AlreadyApproved(ProposalId),
    /// A proposal that expires before it is made.
    #[error("the proposal expires before the ledger time")]
    ProposalExpired,
    /// The identity's daily budget is spent.
    #[error("identity {0} has used its daily transaction budget")]
    BudgetExceeded(IdentityId),
    /// The embedded transaction does not even decode.
    #[error(transparent)]
    Tx(#[from] TxError),
}

impl Refusal {
    /// A stable code for machines (JSON APIs, logs, tests).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::WrongLedger(_) => "wrong_ledger",
            Refusal::Replay(_) => "replay",
            Refusal::CreatedInFuture { .. } => "created_in_future",
            Refusal::TooOld { .. } => "too_old",
            Refusal::UnknownSigner => "unknown_signer",
            Refusal::StaleKey => "stale_key",
            Refusal::KeyInUse => "key_in_use",
            Refusal::NotEnrolled(_) => "not_enrolled",
            Refusal::WrongCommitment => "wrong_commitment",
            Refusal::NotThePatient => "not_the_patient",
            Refusal::PatientMismatch => "patient_mismatch",
            Refusal::UnknownGrant(_) => "unknown_grant",
            Refusal::UnknownDelegation(_) => "unknown_delegation",
            Refusal::UnknownOrg(_) => "unknown_org",
            Refusal::UnknownProposal(_) => "unknown_proposal",
            Refusal::DelegationNotLive(_) => "delegation_not_live",
            Refusal::NotTheCaregiver(_) => "not_the_caregiver",
            Refusal::LacksPower(..) => "lacks_power",
            Refusal::WiderThanDelegation(_) => "wider_than_delegation",
            Refusal::SelfDelegation => "self_delegation",
            Refusal::IncompleteGrant => "incomplete_grant",
            Refusal::AlreadyRevoked(_) => "already_revoked",
            Refusal::EmbeddedGrant(_) => "embedded_grant",
            Refusal::NotAnOrgKey(_) => "not_an_org_key",
            Refusal::NotAGovernanceMember => "not_a_governance_member",
            Refusal::ProposalClosed(_) => "proposal_closed",
            Refusal::AlreadyApproved(_) => "already_approved",
            Refusal::ProposalExpired => "proposal_expired",
            Refusal::BudgetExceeded(_) => "budget_exceeded",
            Refusal::Tx(_) => "malformed",
        }
    }
}
