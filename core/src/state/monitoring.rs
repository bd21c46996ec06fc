//! The monitoring kinds' rules (DESIGN §7): only a registered monitor
//! registers models and posts alerts; an alert names its monitor's active
//! model and accesses that are on the ledger and were made by the
//! organisation it names; only the patient disputes an access, once.

use super::effect::Effect;
use super::oversight::ModelRecord;
use super::{ConsentState, Refusal};
use crate::ids::{IdentityId, ModelId, MonitorId, TxId};
use crate::keys::PublicKey;
use crate::tx::{ActivateModel, DisputeAccess, MonitoringAlert, RegisterModel};

impl ConsentState {
    fn monitor_signing(&self, signer: &PublicKey) -> Result<MonitorId, Refusal> {
        self.monitor_of(signer).ok_or(Refusal::NotAMonitor)
    }

    fn active_model(&self, monitor: &MonitorId) -> Option<ModelId> {
        self.oversight
            .monitors
            .get(monitor)
            .and_then(|m| m.active_model)
    }

    pub(super) fn check_register_model(
        &self,
        id: TxId,
        r: &RegisterModel,
        signer: &PublicKey,
        now: u64,
    ) -> Result<Effect, Refusal> {
        let monitor = self.monitor_signing(signer)?;
        Ok(Effect::ModelRegistered {
            model: ModelId(id.0),
            record: ModelRecord {
                monitor,
                params: r.params,
                since: now,
            },
        })
    }

    pub(super) fn check_activate_model(
        &self,
        a: &ActivateModel,
        signer: &PublicKey,
    ) -> Result<Effect, Refusal> {
        let monitor = self.monitor_signing(signer)?;
        let theirs = self
            .oversight
            .models
            .get(&a.model)
            .is_some_and(|m| m.monitor == monitor);
        if !theirs {
            return Err(Refusal::UnknownModel(a.model));
        }
        if self.active_model(&monitor) == Some(a.model) {
            return Err(Refusal::ModelAlreadyActive(a.model));
        }
        Ok(Effect::ModelActivated {
            monitor,
            model: a.model,
        })
    }

    pub(super) fn check_alert(
        &self,
        a: &MonitoringAlert,
        signer: &PublicKey,
    ) -> Result<Effect, Refusal> {
        let monitor = self.monitor_signing(signer)?;
        if self.active_model(&monitor) != Some(a.model) {
            return Err(Refusal::ModelNotActive(a.model));
        }
        self.orgs.get(&a.org).ok_or(Refusal::UnknownOrg(a.org))?;
        let mut patients = Vec::with_capacity(a.accesses.len());
        for access in &a.accesses {
            let found = self
                .oversight
                .accesses
                .get(access)
                .ok_or(Refusal::UnknownAccess(*access))?;
            if found.org != a.org {
                return Err(Refusal::AccessOfAnotherOrg(*access));
            }
            patients.push(found.patient().ok_or(Refusal::UnknownAccess(*access))?);
        }
        patients.sort();
        patients.dedup();
        Ok(Effect::Alerted { monitor, patients })
    }

    pub(super) fn check_dispute(
        &self,
        d: &DisputeAccess,
        signer: &PublicKey,
    ) -> Result<Effect, Refusal> {
        let patient: IdentityId = self.identity_of(signer)?;
        let access = self
            .oversight
            .accesses
            .get(&d.access)
            .ok_or(Refusal::UnknownAccess(d.access))?;
        if access.patient != patient.key().to_bytes() {
            return Err(Refusal::NotThePatient);
        }
        if self.oversight.disputes.contains(&d.access) {
            return Err(Refusal::AlreadyDisputed(d.access));
        }
        Ok(Effect::Disputed {
            patient,
            access: d.access,
        })
    }
}
