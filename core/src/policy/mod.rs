//! The policy engine: may this organisation do this with this patient's data?
//!
//! [`evaluate`] is one pure function, called alike by the ledger's decision
//! API, the clinic's offline check and the wallet's audit of its history.
//! Deny by default; permit only under a grant to that organisation, live at the
//! request's time, whose permit covers the request and none of whose deny
//! exceptions match. Break-glass access is a third outcome, neither permit nor
//! deny (PROTOCOL §4): an organisation that provides care may read without a
//! grant for emergency treatment, with a reason from a closed list, and the
//! patient is always told. A grant cannot forbid it.

use crate::codes::{Code, EmergencyReason, OrgKind, Purpose};
use crate::ids::{GrantId, IdentityId, OrgId, ProposalId};
use crate::scope::{AccessRequest, NotCovered};
use crate::state::{ConsentState, GrantRecord};

/// What the policy engine reads: the ledger's whole state, or the view a
/// wallet rebuilds from its own verified chain and the proven directory
/// (`audit`). One rule, two sources.
pub trait ConsentView {
    /// A registered organisation's kind (`None`: not registered).
    fn org_kind(&self, org: &OrgId) -> Option<OrgKind>;
    /// Every grant, in id order.
    fn grants(&self) -> impl Iterator<Item = (&GrantId, &GrantRecord)>;
    /// The governance suspension, if any, that stops `org` accessing for
    /// `purpose` at `at` (DESIGN §7; never emergency care).
    fn suspension(&self, org: &OrgId, purpose: Purpose, at: u64) -> Option<ProposalId>;
}

impl ConsentView for ConsentState {
    fn org_kind(&self, org: &OrgId) -> Option<OrgKind> {
        self.org(org).map(|o| o.kind)
    }

    fn grants(&self) -> impl Iterator<Item = (&GrantId, &GrantRecord)> {
        ConsentState::grants(self)
    }

    fn suspension(&self, org: &OrgId, purpose: Purpose, at: u64) -> Option<ProposalId> {
        ConsentState::suspension(self, org, purpose, at)
    }
}

/// One request to judge (PROTOCOL §4's `Request`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Whose data.
    pub patient: IdentityId,
    /// Who asks (taken from the caller's signature by the ledger).
    pub grantee: OrgId,
    /// What, why and when.
    pub access: AccessRequest,
    /// Set for break-glass access without a grant.
    pub emergency: Option<EmergencyReason>,
}

/// The outcome, naming the grant or the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Covered by this grant.
    Permit {
        /// The covering grant.
        grant: GrantId,
    },
    /// Break-glass emergency access by a care provider.
    EmergencyOverride {
        /// The reason given.
        reason: EmergencyReason,
    },
    /// Refused.
    Deny(DenyReason),
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DenyReason {
    /// The organisation is not registered.
    UnknownOrg,
    /// No grant from this patient to this organisation.
    NoGrant,
    /// The grant was revoked before the access.
    Revoked {
        /// The grant.
        grant: GrantId,
    },
    /// The grant's period does not include the access time.
    OutsidePeriod {
        /// The grant.
        grant: GrantId,
    },
    /// The grant does not cover this access.
    OutsideScope {
        /// The grant.
        grant: GrantId,
        /// What it does not cover.
        why: NotCovered,
    },
    /// Break-glass asked by an organisation that does not provide care, or
    /// not for emergency treatment.
    EmergencyNotAllowed,
    /// Governance suspended the organisation's access for this purpose.
    Suspended {
        /// The proposal that imposed the suspension.
        suspension: ProposalId,
    },
}

impl Decision {
    /// Whether the data may be released.
    pub fn allows(&self) -> bool {
        !matches!(self, Decision::Deny(_))
    }

    /// The decision in plain words for people.
    pub fn explain(&self) -> String {
        match self {
            Decision::Permit { grant } => format!("covered by your grant {}", short(grant)),
            Decision::EmergencyOverride { reason } => {
                format!("emergency access without a grant: {}", reason.describe())
            }
            Decision::Deny(reason) => match reason {
                DenyReason::UnknownOrg => "the organisation is not registered".into(),
                DenyReason::NoGrant => "you have not given this organisation access".into(),
                DenyReason::Revoked { grant } => {
                    format!("your grant {} was revoked before this", short(grant))
                }
                DenyReason::OutsidePeriod { grant } => {
                    format!("your grant {} was not valid at that time", short(grant))
                }
                DenyReason::OutsideScope { grant, why } => {
                    format!("outside your grant {}: {why}", short(grant))
                }
                DenyReason::EmergencyNotAllowed => {
                    "emergency access is only for care providers treating an emergency".into()
                }
                DenyReason::Suspended { .. } => {
                    "the consortium had suspended this organisation's access for that purpose"
                        .into()
                }
            },
        }
    }
}

fn short(grant: &GrantId) -> String {
    grant.to_string()[..8].to_string()
}

/// Judges a request against a consent view (at the request's own time).
///
/// ```
/// use assent_core::policy::{evaluate, Decision, DenyReason, Request};
/// # use assent_core::{codes::*, ids::*, keys::SigningKey, scope::AccessRequest, state::*};
/// # let patient = IdentityId(SigningKey::from_secret_bytes(&[1; 32]).public_key());
/// let state = ConsentState::new(Genesis::new("demo", vec![], 1));
/// let request = Request {
///     patient,
///     grantee: OrgId([7; 32]),
///     access: AccessRequest {
///         resource_type: ResourceType::Observation,
///         categories: Default::default(),
///         labels: Default::default(),
///         action: Action::Access,
///         purpose: Purpose::Treat,
///         at: 1_790_000_000,
///     },
///     emergency: None,
/// };
/// assert_eq!(evaluate(&state, &request), Decision::Deny(DenyReason::UnknownOrg));
/// ```
pub fn evaluate(state: &impl ConsentView, request: &Request) -> Decision {
    let Some(kind) = state.org_kind(&request.grantee) else {
        return Decision::Deny(DenyReason::UnknownOrg);
    };
    let at = request.access.at;
    if let Some(reason) = request.emergency {
        return if kind.provides_care() && request.access.purpose == Purpose::Etreat {
            Decision::EmergencyOverride { reason }
        } else {
            Decision::Deny(DenyReason::EmergencyNotAllowed)
        };
    }
    if let Some(suspension) = state.suspension(&request.grantee, request.access.purpose, at) {
        return Decision::Deny(DenyReason::Suspended { suspension });
    }
    // Grants are visited in id order, so the answer never depends on how the
    // state was built. The most telling refusal is kept: outside scope beats
    // revoked beats outside the period beats no grant at all.
    let mut best: Option<(u8, DenyReason)> = None;
    let mut keep = |rank: u8, reason: DenyReason| {
        if best.as_ref().is_none_or(|(r, _)| rank > *r) {
            best = Some((rank, reason));
        }
    };
    for (id, grant) in state.grants() {
        // A grant's validity is its signed period, not when it reached the
        // ledger: a QR-first grant may be used before it is appended.
        if grant.patient != request.patient || grant.grantee != request.grantee {
            continue;
        }
        if grant.revoked_at.is_some_and(|r| r <= at) {
            keep(2, DenyReason::Revoked { grant: *id });
            continue;
        }
        match grant.scope.covers(&request.access) {
            Ok(()) => return Decision::Permit { grant: *id },
            Err(NotCovered::Period) => keep(1, DenyReason::OutsidePeriod { grant: *id }),
            Err(why) => keep(3, DenyReason::OutsideScope { grant: *id, why }),
        }
    }
    Decision::Deny(best.map_or(DenyReason::NoGrant, |(_, reason)| reason))
}

#[cfg(test)]
mod tests;

/// The decision on a recorded access (PROTOCOL §4), as the wallet's audit
/// and the monitor both reach it: each resource type read is asked for at
/// the access's time, on its grant or emergency reason; the access is
/// covered only if every one is, otherwise the first refusal stands.
pub fn judge_access(state: &impl ConsentView, access: &crate::tx::RecordAccess) -> Decision {
    let emergency = match access.ground {
        crate::tx::AccessGround::Emergency(reason) => Some(reason),
        crate::tx::AccessGround::Grant(_) => None,
    };
    let decisions: Vec<Decision> = access
        .resources
        .iter()
        .map(|(resource_type, _)| {
            evaluate(
                state,
                &Request {
                    patient: access.patient,
                    grantee: access.org,
                    access: AccessRequest {
                        resource_type: *resource_type,
                        categories: Default::default(),
                        labels: Default::default(),
                        action: crate::codes::Action::Access,
                        purpose: access.purpose,
                        at: access.accessed_at,
                    },
                    emergency,
                },
            )
        })
        .collect();
    decisions
        .iter()
        .find(|d| !d.allows())
        .or(decisions.first())
        .cloned()
        .unwrap_or(Decision::Deny(DenyReason::NoGrant))
}
