//! HL7 FHIR R4 `Consent` for grants (PROTOCOL §8), so hospitals can use them.
//!
//! ## The mapping
//!
//! | FHIR `Consent` | Assent grant |
//! | --- | --- |
//! | `identifier` | `urn:assent:grant` = grant id (hex); `urn:assent:ledger` = the ledger's origin |
//! | `status` | `active`, or `inactive` once revoked or expired |
//! | `scope` | `consentscope#patient-privacy` |
//! | `category` | LOINC `59284-0` (patient consent) |
//! | `patient.identifier` | `urn:assent:identity` = the patient's identity key (`assent1…`) |
//! | `dateTime` | the grant's creation time |
//! | `performer[0].identifier` | the patient (whichever key signs for them), or the signer for a caregiver's grant |
//! | `policyRule` | v3-ActCode `OPTIN` (R4 requires a policy or policyRule) |
//! | `sourceAttachment` | the signed grant itself, `application/cose`, base64 |
//! | `provision.type` | `permit` (the base); nested `deny` exceptions, one level only |
//! | `provision.period` | the grant's validity |
//! | `provision.actor[0]` | role v3-ParticipationType `IRCP`, `reference.identifier` `urn:assent:org` = grantee id |
//! | `provision.action` | `consentaction` codes |
//! | `provision.securityLabel` | v3-ActCode sensitive labels |
//! | `provision.purpose` | v3-ActReason purposes of use |
//! | `provision.class` | `http://hl7.org/fhir/resource-types` |
//! | `provision.code` | Assent data categories (`urn:assent:category`) |
//!
//! **Labels read in opposite directions.** In FHIR a permit that names no
//! label covers labelled data too; in Assent sensitive data is excluded unless
//! named. So export writes one nested `deny` carrying just that label for every
//! sensitive label the grant does not name, and import reads such a lone-label
//! deny of an unnamed label as "not named". (A grant's own lone-label deny of a
//! label it does not name says nothing more than leaving the label out, so the
//! two read back the same.) Export → import → export gives the same provisions.
//!
//! Import refuses, with a reason: a base `deny`, deeper nesting, more than one
//! actor, free text (`text`, a coding's `display`), `dataPeriod`, and codes
//! outside Assent's tables. The result is a [`GrantDraft`], which the patient
//! reviews and signs.

mod export;
mod import;

pub use export::{export_grant, iso as export_iso, ConsentStatus};
pub use import::{import_consent, FhirError, GrantDraft};

/// Grant ids.
pub const GRANT_SYSTEM: &str = "urn:assent:grant";
/// The ledger's origin.
pub const LEDGER_SYSTEM: &str = "urn:assent:ledger";
/// Identities (patients, caregivers).
pub const IDENTITY_SYSTEM: &str = "urn:assent:identity";
/// Organisations.
pub const ORG_SYSTEM: &str = "urn:assent:org";
/// Data categories.
pub const CATEGORY_SYSTEM: &str = "urn:assent:category";
/// Purposes of use.
pub const PURPOSE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
/// Sensitive labels and the OPTIN policy rule.
pub const ACTCODE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
/// Consent actions.
pub const ACTION_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/consentaction";
/// Resource types.
pub const CLASS_SYSTEM: &str = "http://hl7.org/fhir/resource-types";
/// Consent scopes.
pub const SCOPE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/consentscope";
/// The actor's role.
pub const ROLE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
/// LOINC.
pub const LOINC_SYSTEM: &str = "http://loinc.org";

#[cfg(test)]
mod tests;
