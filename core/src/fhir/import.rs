//! FHIR R4 `Consent` JSON → grant draft, refusing what Assent cannot carry.

use super::*;
use crate::codes::{Action, Category, Code, Purpose, ResourceType, SecurityLabel};
use crate::ids::{IdentityId, OrgId};
use crate::scope::{Period, Provision, Scope};
use crate::tx::Grant;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use time::format_description::well_known::Rfc3339;

/// Why a `Consent` cannot become a grant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FhirError {
    /// Not a FHIR `Consent` resource.
    #[error("not a FHIR Consent resource")]
    NotConsent,
    /// Free text, which could carry health information onto the ledger.
    #[error("free text is not carried over (found {path}); use codes only")]
    FreeText {
        /// Where.
        path: String,
    },
    /// The base provision is a deny.
    #[error("the base provision must be a permit (Assent grants permit, with deny exceptions)")]
    BaseDeny,
    /// Provisions nested more than one level.
    #[error("deny exceptions cannot be nested further")]
    DeepNesting,
    /// Not exactly one actor.
    #[error("a grant names exactly one organisation; this consent names {0}")]
    ActorCount(usize),
    /// `dataPeriod` (consent to data from a time span) is not supported.
    #[error("dataPeriod is not supported: a grant covers data by type, not by date")]
    DataPeriod,
    /// An element Assent does not support.
    #[error("the element {0} is not supported")]
    Unsupported(String),
    /// A required element is absent.
    #[error("missing {0}")]
    Missing(&'static str),
    /// A code outside Assent's tables, or under the wrong system.
    #[error("code {code:?} of system {system:?} is not one Assent knows for {field}")]
    BadCode {
        /// Which element.
        field: &'static str,
        /// The system given.
        system: String,
        /// The code given.
        code: String,
    },
    /// A date that is not RFC 3339.
    #[error("{0:?} is not a date and time (RFC 3339)")]
    BadDate(String),
    /// An identifier of the wrong system or form.
    #[error("the {0} identifier is not an Assent one")]
    BadIdentifier(&'static str),
}

/// What an imported `Consent` asks for: the patient reviews and signs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantDraft {
    /// The patient named, if any.
    pub patient: Option<IdentityId>,
    /// The organisation.
    pub grantee: OrgId,
    /// The scope.
    pub scope: Scope,
}

impl GrantDraft {
    /// The grant to sign (by the patient: `patient` is then implied).
    pub fn into_grant(self) -> Grant {
        Grant {
            grantee: self.grantee,
            scope: self.scope,
            patient: None,
            via: None,
            request: None,
        }
    }
}

const TOP: &[&str] = &[
    "resourceType",
    "id",
    "identifier",
    "status",
    "scope",
    "category",
    "patient",
    "dateTime",
    "performer",
    "sourceAttachment",
    "policyRule",
    "policy",
    "provision",
];
const PROVISION: &[&str] = &[
    "type",
    "period",
    "actor",
    "action",
    "securityLabel",
    "purpose",
    "class",
    "code",
    "provision",
];

fn refuse_free_text(value: &Value, path: &str) -> Result<(), FhirError> {
    match value {
        Value::Object(m) => {
            for (k, v) in m {
                let here = format!("{path}.{k}");
                if matches!(k.as_str(), "text" | "display" | "note" | "div") {
                    return Err(FhirError::FreeText { path: here });
                }
                refuse_free_text(v, &here)?;
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| refuse_free_text(v, &format!("{path}[{i}]"))),
        _ => Ok(()),
    }
}

fn only_known(m: &Map<String, Value>, known: &[&str], at: &str) -> Result<(), FhirError> {
    match m.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) if k == "dataPeriod" => Err(FhirError::DataPeriod),
        Some(k) => Err(FhirError::Unsupported(format!("{at}.{k}"))),
        None => Ok(()),
    }
}

fn identifier<'a>(
    v: Option<&'a Value>,
    system: &str,
    what: &'static str,
) -> Result<&'a str, FhirError> {
    let id = v.ok_or(FhirError::Missing(what))?;
    if id["system"] != system {
        return Err(FhirError::BadIdentifier(what));
    }
    id["value"].as_str().ok_or(FhirError::BadIdentifier(what))
}

fn date(v: &Value) -> Result<u64, FhirError> {
    let text = v.as_str().ok_or(FhirError::BadDate(v.to_string()))?;
    time::OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .and_then(|d| u64::try_from(d.unix_timestamp()).ok())
        .ok_or_else(|| FhirError::BadDate(text.into()))
}

fn codes_of<C: Code>(
    v: Option<&Value>,
    system: &str,
    field: &'static str,
    concept: bool,
) -> Result<BTreeSet<C>, FhirError> {
    let mut out = BTreeSet::new();
    let Some(items) = v else { return Ok(out) };
    let items = items
        .as_array()
        .ok_or(FhirError::Unsupported(field.into()))?;
    // An empty list would read as "any": refuse it rather than widen.
    if items.is_empty() {
        return Err(FhirError::Unsupported(format!("an empty {field} list")));
    }
    for item in items {
        let codings: Vec<&Value> = if concept {
            let codings = item["coding"].as_array().ok_or(FhirError::Missing(field))?;
            // Several codings in one concept are translations of one meaning.
            if codings.len() != 1 {
                return Err(FhirError::Unsupported(format!(
                    "{field} with other than one coding"
                )));
            }
            codings.iter().collect()
        } else {
            vec![item]
        };
        for c in codings {
            let (s, code) = (
                c["system"].as_str().unwrap_or(""),
                c["code"].as_str().unwrap_or(""),
            );
            let bad = || FhirError::BadCode {
                field,
                system: s.into(),
                code: code.into(),
            };
            if s != system {
                return Err(bad());
            }
            out.insert(
                C::ALL
                    .iter()
                    .copied()
                    .find(|x| x.fhir_code() == code)
                    .ok_or_else(bad)?,
            );
        }
    }
    Ok(out)
}

fn provision(m: &Map<String, Value>) -> Result<Provision, FhirError> {
    let period = match m.get("period") {
        Some(p) => {
            // FHIR's end is inclusive; Assent's is the first second after.
            let (start, end) = (date(&p["start"])?, date(&p["end"])?.saturating_add(1));
            if end <= start {
                return Err(FhirError::BadDate(p.to_string()));
            }
            Some(Period { start, end })
        }
        None => None,
    };
    Ok(Provision {
        actions: codes_of::<Action>(m.get("action"), ACTION_SYSTEM, "action", true)?,
        labels: codes_of::<SecurityLabel>(
            m.get("securityLabel"),
            ACTCODE_SYSTEM,
            "securityLabel",
            false,
        )?,
        purposes: codes_of::<Purpose>(m.get("purpose"), PURPOSE_SYSTEM, "purpose", false)?,
        resource_types: codes_of::<ResourceType>(m.get("class"), CLASS_SYSTEM, "class", false)?,
        categories: codes_of::<Category>(m.get("code"), CATEGORY_SYSTEM, "code", true)?,
        period,
    })
}

/// Reads a FHIR R4 `Consent` (JSON) into a grant draft.
///
/// # Errors
/// [`FhirError`] naming what cannot be carried over.
pub fn import_consent(consent: &Value) -> Result<GrantDraft, FhirError> {
    let top = consent.as_object().ok_or(FhirError::NotConsent)?;
    if top.get("resourceType") != Some(&Value::String("Consent".into())) {
        return Err(FhirError::NotConsent);
    }
    refuse_free_text(consent, "Consent")?;
    only_known(top, TOP, "Consent")?;
    if let Some(status) = top.get("status") {
        if !matches!(status.as_str(), Some("active" | "draft" | "proposed")) {
            return Err(FhirError::Unsupported(format!(
                "a consent with status {status}"
            )));
        }
    }
    if let Some(scope) = top.get("scope") {
        if scope["coding"][0]["code"] != "patient-privacy" {
            return Err(FhirError::Unsupported(
                "a consent whose scope is not patient-privacy".into(),
            ));
        }
    }
    let patient = match consent["patient"].get("identifier") {
        Some(_) => {
            let text = identifier(
                consent["patient"].get("identifier"),
                IDENTITY_SYSTEM,
                "patient",
            )?;
            Some(IdentityId(
                text.parse()
                    .map_err(|_| FhirError::BadIdentifier("patient"))?,
            ))
        }
        None => None,
    };
    let base = top
        .get("provision")
        .and_then(Value::as_object)
        .ok_or(FhirError::Missing("provision"))?;
    only_known(base, PROVISION, "Consent.provision")?;
    if base.get("type") != Some(&Value::String("permit".into())) {
        return Err(FhirError::BaseDeny);
    }
    let actors = base
        .get("actor")
        .and_then(Value::as_array)
        .map_or(&[][..], |a| a.as_slice());
    if actors.len() != 1 {
        return Err(FhirError::ActorCount(actors.len()));
    }
    let org = identifier(
        actors[0]["reference"].get("identifier"),
        ORG_SYSTEM,
        "actor",
    )?;
    let grantee: OrgId = org.parse().map_err(|_| FhirError::BadIdentifier("actor"))?;
    if base.contains_key("securityLabel") {
        // In FHIR this limits the permit to labelled data; Assent cannot say that.
        return Err(FhirError::Unsupported(
            "securityLabel on the base permit".into(),
        ));
    }
    let mut permit = provision(base)?;
    let mut refused = BTreeSet::new();
    let mut deny = Vec::new();
    for nested in base
        .get("provision")
        .and_then(Value::as_array)
        .map_or(&[][..], |a| a.as_slice())
    {
        let m = nested
            .as_object()
            .ok_or(FhirError::Unsupported("provision.provision".into()))?;
        if m.contains_key("provision") {
            return Err(FhirError::DeepNesting);
        }
        if m.contains_key("actor") {
            return Err(FhirError::Unsupported(
                "an actor on a deny exception".into(),
            ));
        }
        only_known(m, PROVISION, "Consent.provision.provision")?;
        if m.get("type") != Some(&Value::String("deny".into())) {
            return Err(FhirError::Unsupported("a nested permit".into()));
        }
        let d = provision(m)?;
        match super::export::lone_label(&d) {
            Some(label) => {
                refused.insert(label);
            }
            None => deny.push(d),
        }
    }
    // Sensitive labels are covered unless a lone-label deny refuses them
    // (PROTOCOL §8: FHIR and Assent read labels in opposite directions).
    permit.labels = SecurityLabel::ALL
        .iter()
        .copied()
        .filter(|l| !refused.contains(l))
        .collect();
    if deny.len() > crate::scope::MAX_DENIES {
        return Err(FhirError::Unsupported(format!(
            "more than {} deny exceptions",
            crate::scope::MAX_DENIES
        )));
    }
    Ok(GrantDraft {
        patient,
        grantee,
        scope: Scope { permit, deny },
    })
}
