//! The wallet's audit of its own history (DESIGN §6, PROTOCOL §4 "Access
//! records are evidence"): every recorded access, re-judged with the same
//! policy engine the ledger's `decide` uses, and marked in plain words.
//!
//! The view is rebuilt from the identity's verified chain (its grants, their
//! revocations, cascading delegation revocations) and the organisation
//! directory proven by map proofs, so no verdict rests on the ledger's word.
//! Each access gets one [`Decision`]: covered by grant X, emergency override,
//! after revocation, outside the period or the scope, or no grant. Flags say
//! what else a person should know: the clinic checked offline, it recorded
//! the access late, or the revocation was not yet in the checkpoint it checked
//! against. Oversight joins in: an access the consortium's monitor flagged
//! carries its reasons in the patient's words (never a staff identity, a
//! score or a model), one the patient disputed carries the dispute, and
//! [`notices`] picks what a patient is told about unasked: an
//! organisation's first access, every emergency override, every flag.

use crate::codes::{AlertReason, Code, DisputeReason, OrgKind, Purpose};
use crate::explain;
use crate::history::VerifiedEntry;
use crate::ids::{DelegationId, GrantId, IdentityId, OrgId, ProposalId, TxId};
use crate::policy::{ConsentView, Decision};
use crate::state::GrantRecord;
use crate::tx::{Kind, RecordAccess, SignedTx};
use std::collections::{BTreeMap, BTreeSet};

/// A record appended more than this after the access is marked late (24 h).
pub const LATE_AFTER: u64 = 86_400;

/// One identity's consent as its own chain shows it, plus the directory.
#[derive(Debug, Clone, Default)]
pub struct ChainView {
    grants: BTreeMap<GrantId, GrantRecord>,
    revoked_at_index: BTreeMap<GrantId, u64>,
    orgs: BTreeMap<OrgId, OrgKind>,
}

impl ConsentView for ChainView {
    fn org_kind(&self, org: &OrgId) -> Option<OrgKind> {
        self.orgs.get(org).copied()
    }

    fn grants(&self) -> impl Iterator<Item = (&GrantId, &GrantRecord)> {
        self.grants.iter()
    }

    /// Suspensions concern an organisation, not a patient, so they are not
    /// on the patient's chain; the wallet's verdict is the consent one.
    fn suspension(&self, _: &OrgId, _: Purpose, _: u64) -> Option<ProposalId> {
        None
    }
}

impl ChainView {
    /// Adds an organisation from the proven directory.
    pub fn add_org(&mut self, org: OrgId, kind: OrgKind) {
        self.orgs.insert(org, kind);
    }

    /// The grants seen, by id.
    pub fn grant(&self, id: &GrantId) -> Option<&GrantRecord> {
        self.grants.get(id)
    }

    fn add_grant(&mut self, identity: &IdentityId, tx: &SignedTx, time: u64) {
        if let Kind::Grant(g) = &tx.body().kind {
            self.grants
                .entry(GrantId(tx.id().0))
                .or_insert_with(|| GrantRecord {
                    patient: *identity,
                    grantee: g.grantee,
                    scope: g.scope.clone(),
                    via: g.via,
                    since: time,
                    revoked_at: None,
                });
        }
    }

    fn end(&mut self, grant: GrantId, time: u64, index: u64) {
        if let Some(record) = self.grants.get_mut(&grant) {
            if record.revoked_at.is_none() {
                record.revoked_at = Some(time);
                self.revoked_at_index.insert(grant, index);
            }
        }
    }

    fn end_delegated(&mut self, delegation: DelegationId, time: u64, index: u64) {
        let ended: Vec<GrantId> = self
            .grants
            .iter()
            .filter(|(_, g)| g.via == Some(delegation))
            .map(|(id, _)| *id)
            .collect();
        for grant in ended {
            self.end(grant, time, index);
        }
    }

    /// Applies one verified entry of `identity`'s chain, oldest first.
    pub fn apply(&mut self, identity: &IdentityId, entry: &VerifiedEntry) {
        let (time, index) = (entry.leaf.time, entry.leaf.index);
        match &entry.tx.body().kind {
            Kind::Grant(_) => self.add_grant(identity, &entry.tx, time),
            Kind::Revoke(r) => {
                let embedded = r
                    .embedded_grant
                    .as_deref()
                    .and_then(|bytes| SignedTx::open(bytes, entry.tx.origin()).ok());
                if let Some(grant) = embedded {
                    self.add_grant(identity, &grant, time);
                }
                self.end(r.grant, time, index);
            }
            Kind::RevokeDelegation(r) if r.cascade => self.end_delegated(r.delegation, time, index),
            _ => {}
        }
    }
}

/// What else a person should know about an access.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// The organisation checked no checkpoint (`basis` offline).
    pub offline_check: bool,
    /// Recorded more than [`LATE_AFTER`] after it happened.
    pub late: bool,
    /// The grant's revocation was not yet in the checkpoint the organisation
    /// checked against.
    pub revocation_after_basis: bool,
    /// The organisation checked a view older than the trust policy's
    /// `max_view_age` (PROTOCOL §4 "stale check"): an entry of this
    /// patient's chain at or beyond its basis had been on the ledger longer
    /// than that when the access happened; or it names a basis past its own
    /// entry, which no check can have seen. Judged from the chain the
    /// wallet holds: a view made stale only by other patients' entries is
    /// not seen (the wallet cannot read them).
    pub stale_check: bool,
}

/// One access, judged.
#[derive(Debug, Clone)]
pub struct AuditedAccess {
    /// Its entry's index.
    pub index: u64,
    /// Its transaction's id (what a dispute names).
    pub id: TxId,
    /// The entry's leaf time.
    pub recorded: u64,
    /// What the organisation recorded.
    pub access: RecordAccess,
    /// The verdict.
    pub decision: Decision,
    /// Extra marks.
    pub flags: Flags,
    /// Why the consortium's monitor flagged it (empty: not flagged).
    pub flagged: BTreeSet<AlertReason>,
    /// The patient's dispute, if they disputed it.
    pub disputed: Option<DisputeReason>,
    /// The organisation's first recorded access to this record.
    pub first_from_org: bool,
}

impl AuditedAccess {
    /// A short verdict word for lists and JSON: `covered`, `emergency`,
    /// `after_revocation`, `outside_period`, `outside_scope`, `no_grant`,
    /// `unknown_org`, `emergency_not_allowed`, `suspended`.
    pub fn verdict(&self) -> &'static str {
        use crate::policy::DenyReason as D;
        match &self.decision {
            Decision::Permit { .. } => "covered",
            Decision::EmergencyOverride { .. } => "emergency",
            Decision::Deny(D::Revoked { .. }) => "after_revocation",
            Decision::Deny(D::OutsidePeriod { .. }) => "outside_period",
            Decision::Deny(D::OutsideScope { .. }) => "outside_scope",
            Decision::Deny(D::NoGrant) => "no_grant",
            Decision::Deny(D::UnknownOrg) => "unknown_org",
            Decision::Deny(D::EmergencyNotAllowed) => "emergency_not_allowed",
            Decision::Deny(D::Suspended { .. }) => "suspended",
        }
    }

    /// The access and its verdict in plain words; `org_name` comes from the
    /// proven directory.
    pub fn explain(&self, org_name: &str) -> String {
        let mut text = format!(
            "{org_name} read {} on {} for {}: {}",
            explain::resources(&self.access.resources),
            explain::date(self.access.accessed_at),
            self.access.purpose.describe(),
            self.decision.explain()
        );
        if self.flags.revocation_after_basis {
            text.push_str(" (the revocation had not reached the checkpoint they checked)");
        }
        if self.flags.offline_check {
            text.push_str("; they checked offline");
        }
        if self.flags.stale_check {
            text.push_str("; they checked an out-of-date view of the ledger");
        }
        if self.flags.late {
            text.push_str("; recorded more than a day late");
        }
        if let Some(words) = self.flag_words() {
            text.push_str(". ");
            text.push_str(&words);
        }
        if let Some(reason) = self.disputed {
            text.push_str(&format!(". You disputed it: \"{}\"", reason.describe()));
        }
        text
    }

    /// The monitor's flag in the patient's words, if it flagged the access.
    pub fn flag_words(&self) -> Option<String> {
        (!self.flagged.is_empty()).then(|| {
            let why: Vec<&str> = self.flagged.iter().map(|r| r.describe()).collect();
            format!(
                "Flagged for review by the consortium's monitor: {}",
                why.join("; ")
            )
        })
    }
}

/// What a patient is told about without asking (DESIGN §7): an
/// organisation's first access to their record, every emergency override,
/// and every access the monitor flagged; as (entry index, plain sentence),
/// oldest first. `org_name` names organisations from the proven directory.
pub fn notices(
    accesses: &[AuditedAccess],
    org_name: impl Fn(&OrgId) -> String,
) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    for a in accesses {
        let org = org_name(&a.access.org);
        let when = explain::date(a.access.accessed_at);
        if a.first_from_org {
            out.push((
                a.index,
                format!("{org} opened your record for the first time on {when}."),
            ));
        }
        if let Decision::EmergencyOverride { reason } = &a.decision {
            out.push((
                a.index,
                format!(
                    "{org} used emergency access to your record on {when}: {}.",
                    reason.describe()
                ),
            ));
        }
        if let Some(words) = a.flag_words() {
            out.push((a.index, format!("{org}'s access on {when}. {words}.")));
        }
    }
    out
}

/// Judges every access in `entries` (one identity's verified chain, oldest
/// first) against the view that chain and the directory give;
/// `max_view_age` is the trust policy's (what makes a check stale).
pub fn audit(
    identity: &IdentityId,
    entries: &[VerifiedEntry],
    directory: impl IntoIterator<Item = (OrgId, OrgKind)>,
    max_view_age: u64,
) -> Vec<AuditedAccess> {
    let mut view = ChainView::default();
    for (org, kind) in directory {
        view.add_org(org, kind);
    }
    let mut flagged: BTreeMap<TxId, BTreeSet<AlertReason>> = BTreeMap::new();
    let mut disputed: BTreeMap<TxId, DisputeReason> = BTreeMap::new();
    for entry in entries {
        view.apply(identity, entry);
        // The ledger let only a registered monitor's alerts and the
        // patient's own disputes into this chain.
        match &entry.tx.body().kind {
            Kind::MonitoringAlert(alert) => {
                for access in &alert.accesses {
                    flagged.entry(*access).or_default().extend(&alert.reasons);
                }
            }
            Kind::DisputeAccess(d) => {
                disputed.entry(d.access).or_insert(d.reason);
            }
            _ => {}
        }
    }
    let mut seen_orgs = BTreeSet::new();
    entries
        .iter()
        .filter_map(|entry| match &entry.tx.body().kind {
            Kind::RecordAccess(a) if a.patient == *identity => {
                let mut judged = judge(&view, entry, a);
                judged.flags.stale_check = stale(entries, entry.leaf.index, a, max_view_age);
                judged.flagged = flagged.remove(&judged.id).unwrap_or_default();
                judged.disputed = disputed.get(&judged.id).copied();
                judged.first_from_org = seen_orgs.insert(a.org);
                Some(judged)
            }
            _ => None,
        })
        .collect()
}

fn judge(view: &ChainView, entry: &VerifiedEntry, access: &RecordAccess) -> AuditedAccess {
    let decision = crate::policy::judge_access(view, access);
    let revocation_after_basis = match (&decision, access.basis) {
        (Decision::Deny(crate::policy::DenyReason::Revoked { grant }), Some(basis)) => view
            .revoked_at_index
            .get(grant)
            .is_some_and(|index| *index >= basis),
        _ => false,
    };
    AuditedAccess {
        index: entry.leaf.index,
        id: entry.tx.id(),
        recorded: entry.leaf.time,
        access: access.clone(),
        decision,
        flags: Flags {
            offline_check: access.basis.is_none(),
            late: entry.leaf.time > access.accessed_at.saturating_add(LATE_AFTER),
            revocation_after_basis,
            stale_check: false,
        },
        flagged: BTreeSet::new(),
        disputed: None,
        first_from_org: false,
    }
}

/// Whether `access` was checked against a checkpoint the ledger had moved
/// past more than `max_view_age` before it happened: some entry of the
/// chain at or after its basis was older than that at `accessed_at`.
fn stale(entries: &[VerifiedEntry], own: u64, access: &RecordAccess, max_view_age: u64) -> bool {
    let Some(basis) = access.basis else {
        return false; // offline is its own mark
    };
    if basis > own {
        return true;
    }
    entries.iter().any(|e| {
        e.leaf.index >= basis && e.leaf.time.saturating_add(max_view_age) < access.accessed_at
    })
}

#[cfg(test)]
mod tests;
