//! Shared fixtures: a typical grant (PROTOCOL §7's measure), a caregiver's
//! grant with its delegation, and helpers to craft code texts by hand.

mod grant;
mod request;

use super::base45;
use crate::codes::{Action, Purpose, ResourceType, SecurityLabel};
use crate::ids::DelegationId;
use crate::scope::{Period, Provision, Scope};
use crate::testkit::*;
use crate::tx::{Delegate, Grant, Kind, Powers, SignedTx};

/// Three resource types, one action, one purpose and a period, with one deny
/// label: the grant BUILD-NOTES measured, plus the action the ledger requires.
pub(super) fn typical_scope() -> Scope {
    Scope {
        permit: Provision {
            resource_types: [
                ResourceType::Observation,
                ResourceType::DiagnosticReport,
                ResourceType::MedicationRequest,
            ]
            .into(),
            actions: [Action::Access].into(),
            purposes: [Purpose::Treat].into(),
            period: Some(Period {
                start: T0,
                end: T0 + 365 * DAY,
            }),
            ..Provision::default()
        },
        deny: vec![Provision {
            labels: [SecurityLabel::Psy].into(),
            ..Provision::default()
        }],
    }
}

/// A grant the patient signed, accepted by the ledger.
pub(super) fn patient_grant(w: &mut World) -> SignedTx {
    let clinic = w.clinic;
    w.ok(&key(10), grant_to(clinic, typical_scope()))
}

/// A delegation to the caregiver and a grant the caregiver signed under it,
/// both accepted by the ledger.
pub(super) fn delegate_grant(w: &mut World) -> (SignedTx, SignedTx) {
    let delegation = w.ok(
        &key(10),
        Kind::Delegate(Delegate {
            caregiver: w.caregiver(),
            powers: Powers {
                grant: true,
                revoke: true,
                history: false,
            },
            max_scope: Scope::default(),
            period: Period {
                start: T0,
                end: T0 + 2 * 365 * DAY,
            },
        }),
    );
    let grant = Kind::Grant(Grant {
        grantee: w.clinic,
        scope: typical_scope(),
        patient: Some(w.patient()),
        via: Some(DelegationId(delegation.id().0)),
        request: None,
    });
    (w.ok(&key(20), grant), delegation)
}

/// `AS1:` + base45 of raw bytes.
pub(super) fn grant_text(bytes: &[u8]) -> String {
    format!("AS1:{}", base45::encode(bytes))
}

/// A CBOR array head for `n < 24` items followed by the items' bytes.
pub(super) fn array(items: &[&[u8]]) -> Vec<u8> {
    let mut out = vec![0x80 | items.len() as u8];
    for item in items {
        out.extend_from_slice(item);
    }
    out
}
