//! The rules applied at append (DESIGN §3 "smart contract", PROTOCOL §3–5).

use super::effect::Effect;
use super::{
    ConsentState, DelegationRecord, GrantRecord, Holder, IdentityRecord, Refusal, MAX_FUTURE_SKEW,
};
use crate::ids::{DelegationId, GrantId, IdentityId, KeyCommitment, TxId};
use crate::keys::PublicKey;
use crate::tx::{Grant, Kind, SignedTx};

/// A delegated power that a transaction needs.
#[derive(Debug, Clone, Copy)]
enum Power {
    Grant,
    Revoke,
}

impl Power {
    fn describe(self) -> &'static str {
        match self {
            Power::Grant => "granting",
            Power::Revoke => "revoking",
        }
    }
}

impl ConsentState {
    /// Checks `tx` against the state at leaf time `now`.
    ///
    /// # Errors
    /// The first [`Refusal`] that applies.
    pub fn validate(&self, tx: &SignedTx, now: u64) -> Result<Effect, Refusal> {
        if tx.origin() != self.genesis.origin {
            return Err(Refusal::WrongLedger(tx.origin().to_string()));
        }
        if self.seen.contains(&tx.id()) {
            return Err(Refusal::Replay(tx.id()));
        }
        self.check_time(tx.body().created, now)?;
        let signer = tx.signer();
        let effect = match &tx.body().kind {
            Kind::Enroll(e) => {
                if self.key_holders.contains_key(&signer.to_bytes()) {
                    return Err(Refusal::KeyInUse);
                }
                Effect::Enrolled {
                    identity: IdentityId(signer),
                    record: IdentityRecord {
                        current_key: signer,
                        generation: 0,
                        next: e.next,
                    },
                }
            }
            Kind::RotateKey(r) => {
                let record = self
                    .identities
                    .get(&r.identity)
                    .ok_or(Refusal::NotEnrolled(r.identity))?;
                if record.current_key != signer {
                    return Err(self.unauthorised(&signer));
                }
                if KeyCommitment::to(&r.new_key) != record.next {
                    return Err(Refusal::WrongCommitment);
                }
                if self.key_holders.contains_key(&r.new_key.to_bytes()) {
                    return Err(Refusal::KeyInUse);
                }
                Effect::Rotated {
                    identity: r.identity,
                    record: IdentityRecord {
                        current_key: r.new_key,
                        generation: record.generation + 1,
                        next: r.next,
                    },
                }
            }
            Kind::Grant(g) => {
                let record = self.check_grant(g, &signer, now)?;
                Effect::Granted {
                    grant: GrantId(tx.id().0),
                    record,
                }
            }
            Kind::Revoke(r) => {
                // Carried bytes must be the very grant revoked, known or not:
                // nothing else may ride onto the ledger in this field.
                if let Some(bytes) = &r.embedded_grant {
                    if TxId::of(bytes) != TxId(r.grant.0) {
                        return Err(Refusal::EmbeddedGrant(
                            "it is not the grant being revoked".into(),
                        ));
                    }
                }
                let embedded = match (&r.embedded_grant, self.grants.contains_key(&r.grant)) {
                    (Some(bytes), false) => Some(self.check_embedded(bytes, r.grant, now)?),
                    _ => None,
                };
                let grant = match (&embedded, self.grants.get(&r.grant)) {
                    (Some((_, record)), _) | (None, Some(record)) => record,
                    (None, None) => return Err(Refusal::UnknownGrant(r.grant)),
                };
                if grant.revoked_at.is_some() {
                    return Err(Refusal::AlreadyRevoked(format!("grant {}", r.grant)));
                }
                if r.patient.is_some_and(|p| p != grant.patient) {
                    return Err(Refusal::PatientMismatch);
                }
                self.check_authority(grant.patient, r.via, &signer, now, Power::Revoke)?;
                Effect::Revoked {
                    grant: r.grant,
                    embedded,
                }
            }
            Kind::Delegate(d) => {
                let patient = self.identity_of(&signer)?;
                if !self.identities.contains_key(&d.caregiver) {
                    return Err(Refusal::NotEnrolled(d.caregiver));
                }
                if d.caregiver == patient {
                    return Err(Refusal::SelfDelegation);
                }
                Effect::Delegated {
                    delegation: DelegationId(tx.id().0),
                    record: DelegationRecord {
                        patient,
                        caregiver: d.caregiver,
                        powers: d.powers,
                        max_scope: d.max_scope.clone(),
                        period: d.period,
                        revoked_at: None,
                    },
                }
            }
            Kind::RevokeDelegation(r) => {
                let d = self
                    .delegations
                    .get(&r.delegation)
                    .ok_or(Refusal::UnknownDelegation(r.delegation))?;
                if d.revoked_at.is_some() {
                    return Err(Refusal::AlreadyRevoked(format!(
                        "delegation {}",
                        r.delegation
                    )));
                }
                let by = self.identity_of(&signer)?;
                if by != d.patient && by != d.caregiver {
                    return Err(Refusal::NotThePatient);
                }
                let cascaded = if r.cascade {
                    self.grants
                        .iter()
                        .filter(|(_, g)| g.via == Some(r.delegation) && g.revoked_at.is_none())
                        .map(|(id, _)| *id)
                        .collect()
                } else {
                    Vec::new()
                };
                Effect::DelegationRevoked {
                    delegation: r.delegation,
                    cascaded,
                }
            }
            Kind::RecordAccess(a) => {
                // Evidence: refused only for structural faults (PROTOCOL §4).
                let org = self.orgs.get(&a.org).ok_or(Refusal::UnknownOrg(a.org))?;
                if !org.keys.contains(&signer) {
                    return Err(Refusal::NotAnOrgKey(a.org));
                }
                Effect::AccessRecorded {
                    patient: a.patient,
                    org: a.org,
                }
            }
            Kind::Propose(p) => self.check_propose(tx.id(), p, &signer, now)?,
            Kind::Approve(a) => self.check_approve(a, &signer, now)?,
            Kind::RegisterModel(r) => self.check_register_model(tx.id(), r, &signer, now)?,
            Kind::ActivateModel(a) => self.check_activate_model(a, &signer)?,
            Kind::MonitoringAlert(a) => self.check_alert(a, &signer)?,
            Kind::DisputeAccess(d) => self.check_dispute(d, &signer)?,
        };
        if let Some(identity) = effect.charged() {
            let used = self
                .budget
                .get(&(identity, now / 86_400))
                .copied()
                .unwrap_or(0);
            if used >= self.genesis.daily_budget {
                return Err(Refusal::BudgetExceeded(identity));
            }
        }
        Ok(effect)
    }

    /// The creation window (PROTOCOL §3), judged by the leaf time.
    fn check_time(&self, created: u64, now: u64) -> Result<(), Refusal> {
        if created > now.saturating_add(MAX_FUTURE_SKEW) {
            return Err(Refusal::CreatedInFuture { created, now });
        }
        if now.saturating_sub(created) > self.genesis.max_tx_age {
            return Err(Refusal::TooOld {
                created,
                now,
                max_age: self.genesis.max_tx_age,
            });
        }
        Ok(())
    }

    /// The identity whose current key `signer` is.
    pub(super) fn identity_of(&self, signer: &PublicKey) -> Result<IdentityId, Refusal> {
        match self.key_holders.get(&signer.to_bytes()) {
            Some(Holder::Identity(id))
                if self
                    .identities
                    .get(id)
                    .is_some_and(|r| r.current_key == *signer) =>
            {
                Ok(*id)
            }
            Some(Holder::Identity(_)) => Err(Refusal::StaleKey),
            _ => Err(Refusal::UnknownSigner),
        }
    }

    fn unauthorised(&self, signer: &PublicKey) -> Refusal {
        match self.identity_of(signer) {
            Err(e) => e,
            Ok(_) => Refusal::NotThePatient,
        }
    }

    /// The patient signs with their current key, or a caregiver acts under a
    /// live delegation of that patient with the needed power.
    fn check_authority(
        &self,
        patient: IdentityId,
        via: Option<DelegationId>,
        signer: &PublicKey,
        now: u64,
        power: Power,
    ) -> Result<Option<&DelegationRecord>, Refusal> {
        let record = self
            .identities
            .get(&patient)
            .ok_or(Refusal::NotEnrolled(patient))?;
        let Some(via) = via else {
            if record.current_key == *signer {
                return Ok(None);
            }
            return Err(self.unauthorised(signer));
        };
        let d = self
            .delegations
            .get(&via)
            .ok_or(Refusal::UnknownDelegation(via))?;
        if d.patient != patient {
            return Err(Refusal::PatientMismatch);
        }
        if self.identity_of(signer)? != d.caregiver {
            return Err(Refusal::NotTheCaregiver(via));
        }
        if !d.live_at(now) {
            return Err(Refusal::DelegationNotLive(via));
        }
        let allowed = match power {
            Power::Grant => d.powers.grant,
            Power::Revoke => d.powers.revoke,
        };
        if !allowed {
            return Err(Refusal::LacksPower(via, power.describe()));
        }
        Ok(Some(d))
    }

    fn check_grant(&self, g: &Grant, signer: &PublicKey, now: u64) -> Result<GrantRecord, Refusal> {
        let patient = g.patient.unwrap_or(IdentityId(*signer));
        let permit = &g.scope.permit;
        if permit.period.is_none() || permit.purposes.is_empty() || permit.actions.is_empty() {
            return Err(Refusal::IncompleteGrant);
        }
        if !self.orgs.contains_key(&g.grantee) {
            return Err(Refusal::UnknownOrg(g.grantee));
        }
        if let Some(d) = self.check_authority(patient, g.via, signer, now, Power::Grant)? {
            g.scope
                .within(&d.max_scope)
                .map_err(Refusal::WiderThanDelegation)?;
            let inside = permit.period.is_some_and(|p| p.within(&d.period));
            if !inside {
                return Err(Refusal::WiderThanDelegation(crate::scope::Wider("period")));
            }
            // "A delegate cannot grant to itself": grantees are organisations
            // and caregivers identities, whose keys never overlap (key_holders).
        }
        Ok(GrantRecord {
            patient,
            grantee: g.grantee,
            scope: g.scope.clone(),
            via: g.via,
            since: now,
            revoked_at: None,
        })
    }

    /// A grant carried in a revocation: it must be the grant revoked, valid
    /// now, signed by the patient or a caregiver (with any key they held).
    fn check_embedded(
        &self,
        bytes: &[u8],
        id: GrantId,
        now: u64,
    ) -> Result<(GrantId, GrantRecord), Refusal> {
        let tx = SignedTx::open(bytes, &self.genesis.origin)
            .map_err(|e| Refusal::EmbeddedGrant(e.to_string()))?;
        if tx.id() != TxId(id.0) {
            return Err(Refusal::EmbeddedGrant(
                "it is not the grant being revoked".into(),
            ));
        }
        if self.seen.contains(&tx.id()) {
            return Err(Refusal::Replay(tx.id()));
        }
        let Kind::Grant(g) = &tx.body().kind else {
            return Err(Refusal::EmbeddedGrant("it is not a grant".into()));
        };
        self.check_time(tx.body().created, now)
            .map_err(|e| Refusal::EmbeddedGrant(e.to_string()))?;
        // Named before the signer is swapped for its current key.
        let mut g = g.clone();
        g.patient.get_or_insert(IdentityId(tx.signer()));
        let record = self
            .check_grant(&g, &self.current_key_of(&tx.signer()), now)
            .map_err(|e| Refusal::EmbeddedGrant(e.to_string()))?;
        Ok((id, record))
    }

    /// The current key of the identity `key` once signed for, or `key`
    /// itself. A grant signed before a rotation and carried, unsubmitted, in
    /// a revocation is judged as its signer's identity now: "an unsubmitted
    /// grant can always be revoked" (PROTOCOL §3), and it is appended ended.
    fn current_key_of(&self, key: &PublicKey) -> PublicKey {
        match self.key_holders.get(&key.to_bytes()) {
            Some(Holder::Identity(id)) => self
                .identities
                .get(id)
                .map_or(*key, |record| record.current_key),
            _ => *key,
        }
    }
}
