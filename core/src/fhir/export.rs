//! Grant → FHIR R4 `Consent` JSON.

use super::*;
use crate::codes::{Code, SecurityLabel};
use crate::ids::IdentityId;
use crate::scope::{Period, Provision};
use crate::tx::{Kind, SignedTx};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;

/// Whether the grant is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentStatus {
    /// Live.
    Active,
    /// Revoked or expired.
    Inactive,
}

/// A Unix time as RFC 3339 (UTC).
pub fn iso(t: u64) -> String {
    i64::try_from(t)
        .ok()
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .and_then(|d| d.format(&Rfc3339).ok())
        .unwrap_or_else(|| "9999-12-31T23:59:59Z".into())
}

fn codings<C: Code>(system: &str, set: impl IntoIterator<Item = C>) -> Vec<Value> {
    set.into_iter()
        .map(|c| json!({"system": system, "code": c.fhir_code()}))
        .collect()
}

fn concepts<C: Code>(system: &str, set: impl IntoIterator<Item = C>) -> Vec<Value> {
    codings(system, set)
        .into_iter()
        .map(|c| json!({"coding": [c]}))
        .collect()
}

/// FHIR's `period.end` is inclusive, Assent's is the first second after.
/// FHIR's `period.end` is inclusive, Assent's is the first second after.
fn period(p: &Period) -> Value {
    json!({"start": iso(p.start), "end": iso(p.end - 1)})
}

/// The parts of one provision (no type, actor or nesting). `labels` is false
/// for the base permit: in FHIR a label there would *limit* the permit to
/// labelled data, the opposite of Assent's meaning.
fn provision_fields(p: &Provision, labels: bool, out: &mut serde_json::Map<String, Value>) {
    let mut put = |k: &str, v: Vec<Value>| {
        if !v.is_empty() {
            out.insert(k.into(), Value::Array(v));
        }
    };
    put("action", concepts(ACTION_SYSTEM, p.actions.iter().copied()));
    if labels {
        put(
            "securityLabel",
            codings(ACTCODE_SYSTEM, p.labels.iter().copied()),
        );
    }
    put(
        "purpose",
        codings(PURPOSE_SYSTEM, p.purposes.iter().copied()),
    );
    put(
        "class",
        codings(CLASS_SYSTEM, p.resource_types.iter().copied()),
    );
    put(
        "code",
        concepts(CATEGORY_SYSTEM, p.categories.iter().copied()),
    );
    if let Some(pp) = &p.period {
        out.insert("period".into(), period(pp));
    }
}

fn identity(id: &IdentityId) -> Value {
    json!({"identifier": {"system": IDENTITY_SYSTEM, "value": id.to_string()}})
}

/// Exports a signed grant as a FHIR R4 `Consent`.
///
/// Returns `None` if `tx` is not a grant.
pub fn export_grant(tx: &SignedTx, status: ConsentStatus, origin: &str) -> Option<Value> {
    let Kind::Grant(grant) = &tx.body().kind else {
        return None;
    };
    let signer = IdentityId(tx.signer());
    let patient = grant.patient.unwrap_or(signer);
    // PROTOCOL §8: the patient, or the caregiver for a delegate grant. A
    // patient who rotated signs with another key but is still the patient.
    let performer = if grant.via.is_some() { signer } else { patient };
    let permit = &grant.scope.permit;

    let mut base = serde_json::Map::new();
    base.insert("type".into(), json!("permit"));
    provision_fields(permit, false, &mut base);
    base.insert(
        "actor".into(),
        json!([{
            "role": {"coding": [{"system": ROLE_SYSTEM, "code": "IRCP"}]},
            "reference": {"identifier": {"system": ORG_SYSTEM, "value": grant.grantee.to_string()}}
        }]),
    );
    // Which sensitive labels the grant covers is said only by lone-label
    // denies: one for every label not covered (a label the permit names but a
    // lone deny refuses is not covered either).
    let covered = covered_labels(&grant.scope);
    let mut nested: Vec<Value> = grant
        .scope
        .deny
        .iter()
        .filter(|d| lone_label(d).is_none())
        .map(|d| {
            let mut m = serde_json::Map::new();
            m.insert("type".into(), json!("deny"));
            provision_fields(d, true, &mut m);
            Value::Object(m)
        })
        .collect();
    for label in SecurityLabel::ALL.iter().filter(|l| !covered.contains(l)) {
        nested.push(json!({"type": "deny", "securityLabel": codings(ACTCODE_SYSTEM, [*label])}));
    }
    if !nested.is_empty() {
        base.insert("provision".into(), Value::Array(nested));
    }

    Some(json!({
        "resourceType": "Consent",
        "identifier": [
            {"system": GRANT_SYSTEM, "value": tx.id().to_string()},
            {"system": LEDGER_SYSTEM, "value": origin},
        ],
        "status": match status { ConsentStatus::Active => "active", ConsentStatus::Inactive => "inactive" },
        "scope": {"coding": [{"system": SCOPE_SYSTEM, "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": LOINC_SYSTEM, "code": "59284-0"}]}],
        "patient": identity(&patient),
        "dateTime": iso(tx.body().created),
        "performer": [identity(&performer)],
        "sourceAttachment": {
            "contentType": "application/cose",
            "data": data_encoding::BASE64.encode(tx.bytes()),
        },
        "policyRule": {"coding": [{"system": ACTCODE_SYSTEM, "code": "OPTIN"}]},
        "provision": Value::Object(base),
    }))
}

/// The label of a deny that names exactly one sensitive label and nothing
/// else: in FHIR, how a consent says "not this label".
pub(super) fn lone_label(d: &Provision) -> Option<SecurityLabel> {
    let only_label = d.labels.len() == 1
        && d.resource_types.is_empty()
        && d.categories.is_empty()
        && d.actions.is_empty()
        && d.purposes.is_empty()
        && d.period.is_none();
    only_label
        .then(|| d.labels.iter().next().copied())
        .flatten()
}

/// The labels a scope covers: named by the permit and not refused outright.
fn covered_labels(s: &crate::scope::Scope) -> std::collections::BTreeSet<SecurityLabel> {
    let refused: std::collections::BTreeSet<_> = s.deny.iter().filter_map(lone_label).collect();
    s.permit.labels.difference(&refused).copied().collect()
}
