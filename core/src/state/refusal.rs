//! Why a transaction is refused: one variant per rule, each with a stable
//! machine-readable code (for the ledger's JSON errors) and a plain message.

use crate::ids::{DelegationId, GrantId, IdentityId, ModelId, OrgId, ProposalId, TxId};
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
    /// A governance member already speaks for another organisation.
    #[error("this governance member already speaks for an organisation")]
    MemberTaken,
    /// The member who speaks for the accused organisation acts on its case.
    #[error("the member who speaks for organisation {0} may not decide its own case")]
    AccusedMayNotDecide(OrgId),
    /// A suspension that would stop emergency care.
    #[error("a suspension may never cover emergency treatment (ETREAT)")]
    WouldBlockEmergency,
    /// A suspension shorter than an hour or longer than 72.
    #[error("a suspension lasts 1 to 72 hours, not {0}")]
    SuspensionLength(u32),
    /// Reinstating what is not suspended.
    #[error("proposal {0} imposed no suspension in force")]
    NoSuchSuspension(ProposalId),
    /// Not a registered monitor's key.
    #[error("the signer is not a registered monitor")]
    NotAMonitor,
    /// A model this monitor never registered.
    #[error("model {0} is not registered by this monitor")]
    UnknownModel(ModelId),
    /// Activating the model already active.
    #[error("model {0} is already active")]
    ModelAlreadyActive(ModelId),
    /// An alert naming a model other than its monitor's active one.
    #[error("model {0} is not this monitor's active model")]
    ModelNotActive(ModelId),
    /// An alert or dispute naming no recorded access.
    #[error("transaction {0} is not a recorded access")]
    UnknownAccess(TxId),
    /// An alert naming an access another organisation made.
    #[error("access {0} was made by another organisation than the alert names")]
    AccessOfAnotherOrg(TxId),
    /// The access is already disputed.
    #[error("access {0} is already disputed")]
    AlreadyDisputed(TxId),
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
            Refusal::MemberTaken => "member_taken",
            Refusal::AccusedMayNotDecide(_) => "accused_may_not_decide",
            Refusal::WouldBlockEmergency => "would_block_emergency",
            Refusal::SuspensionLength(_) => "suspension_length",
            Refusal::NoSuchSuspension(_) => "no_such_suspension",
            Refusal::NotAMonitor => "not_a_monitor",
            Refusal::UnknownModel(_) => "unknown_model",
            Refusal::ModelAlreadyActive(_) => "model_already_active",
            Refusal::ModelNotActive(_) => "model_not_active",
            Refusal::UnknownAccess(_) => "unknown_access",
            Refusal::AccessOfAnotherOrg(_) => "access_of_another_org",
            Refusal::AlreadyDisputed(_) => "already_disputed",
            Refusal::Tx(_) => "malformed",
        }
    }
}
