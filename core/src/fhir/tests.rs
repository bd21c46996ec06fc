use super::*;
use crate::codes::*;
use crate::ids::{IdentityId, OrgId};
use crate::scope::{Provision, Scope};
use crate::testkit::{key, lab_scope, ORIGIN, T0};
use crate::tx::{Body, Grant, Kind, SignedTx};
use proptest::prelude::*;
use serde_json::json;

fn signed(scope: Scope) -> SignedTx {
    let grant = Grant {
        grantee: OrgId([0xab; 32]),
        scope,
        patient: None,
        via: None,
        request: None,
    };
    SignedTx::sign(&Body::new(T0, [1; 8], Kind::Grant(grant)), &key(10), ORIGIN)
}

#[test]
fn export_has_the_r4_shape_protocol_8_asks_for() {
    let mut scope = lab_scope();
    scope.permit.labels.insert(SecurityLabel::Hiv);
    let tx = signed(scope);
    let c = export_grant(&tx, ConsentStatus::Active, ORIGIN).unwrap();
    assert_eq!(c["resourceType"], "Consent");
    assert_eq!(c["status"], "active");
    assert_eq!(c["identifier"][0]["value"], tx.id().to_string());
    assert_eq!(c["scope"]["coding"][0]["code"], "patient-privacy");
    assert_eq!(c["category"][0]["coding"][0]["code"], "59284-0");
    assert_eq!(c["policyRule"]["coding"][0]["code"], "OPTIN");
    assert_eq!(
        c["patient"]["identifier"]["value"],
        key(10).public_key().to_text()
    );
    assert_eq!(
        c["performer"][0]["identifier"]["value"],
        key(10).public_key().to_text()
    );
    assert_eq!(c["dateTime"], "2026-09-21T14:13:20Z");
    assert_eq!(c["sourceAttachment"]["contentType"], "application/cose");
    let p = &c["provision"];
    assert_eq!(p["type"], "permit");
    assert_eq!(p["actor"][0]["role"]["coding"][0]["code"], "IRCP");
    assert_eq!(
        p["class"],
        json!([
            {"system": CLASS_SYSTEM, "code": "DiagnosticReport"},
            {"system": CLASS_SYSTEM, "code": "Observation"},
        ])
    );
    assert_eq!(p["purpose"][0]["code"], "TREAT");
    assert_eq!(p["period"]["start"], "2026-09-21T14:13:20Z");
    assert_eq!(
        p["period"]["end"], "2027-09-21T14:13:19Z",
        "FHIR's end is inclusive"
    );
    assert!(
        p.get("securityLabel").is_none(),
        "a base label would limit the permit in FHIR"
    );
    // One nested deny per sensitive label not named: all but HIV.
    let denies = p["provision"].as_array().unwrap();
    assert_eq!(denies.len(), SecurityLabel::ALL.len() - 1);
    assert!(denies
        .iter()
        .all(|d| d["type"] == "deny" && d["securityLabel"].as_array().unwrap().len() == 1));
    assert!(!denies
        .iter()
        .any(|d| d["securityLabel"][0]["code"] == "HIV"));
    let inactive = export_grant(&tx, ConsentStatus::Inactive, ORIGIN).unwrap();
    assert_eq!(inactive["status"], "inactive");
}

#[test]
fn import_reads_back_what_export_wrote() {
    let mut scope = lab_scope();
    scope.permit.labels.insert(SecurityLabel::Psy);
    scope.deny.push(Provision {
        labels: [SecurityLabel::Psy].into(),
        purposes: [Purpose::Hresch].into(),
        ..Provision::default()
    });
    let c = export_grant(&signed(scope.clone()), ConsentStatus::Active, ORIGIN).unwrap();
    let draft = import_consent(&c).unwrap();
    assert_eq!(draft.scope, scope);
    assert_eq!(draft.grantee, OrgId([0xab; 32]));
    assert_eq!(draft.patient, Some(IdentityId(key(10).public_key())));
}

fn consent() -> serde_json::Value {
    export_grant(&signed(lab_scope()), ConsentStatus::Active, ORIGIN).unwrap()
}

#[test]
fn import_refuses_what_a_grant_cannot_carry() {
    let mut c = consent();
    c["provision"]["type"] = json!("deny");
    assert_eq!(import_consent(&c), Err(FhirError::BaseDeny));

    let mut c = consent();
    c["provision"]["provision"][0]["provision"] = json!([{"type": "permit"}]);
    assert_eq!(import_consent(&c), Err(FhirError::DeepNesting));

    let mut c = consent();
    let actor = c["provision"]["actor"][0].clone();
    c["provision"]["actor"] = json!([actor.clone(), actor]);
    assert_eq!(import_consent(&c), Err(FhirError::ActorCount(2)));

    let mut c = consent();
    c["text"] = json!({"status": "generated", "div": "<div>HIV clinic</div>"});
    assert!(matches!(
        import_consent(&c),
        Err(FhirError::FreeText { .. })
    ));
    let mut c = consent();
    c["provision"]["purpose"][0]["display"] = json!("treatment of depression");
    assert!(matches!(
        import_consent(&c),
        Err(FhirError::FreeText { .. })
    ));

    let mut c = consent();
    c["provision"]["securityLabel"] = json!([{"system": ACTCODE_SYSTEM, "code": "PSY"}]);
    assert!(
        matches!(import_consent(&c), Err(FhirError::Unsupported(_))),
        "a base label narrows in FHIR"
    );
    let mut c = consent();
    c["provision"]["class"] = json!([]);
    assert!(
        matches!(import_consent(&c), Err(FhirError::Unsupported(_))),
        "an empty list must not widen"
    );
    let mut c = consent();
    c["status"] = json!("inactive");
    assert!(matches!(import_consent(&c), Err(FhirError::Unsupported(_))));

    let mut c = consent();
    c["provision"]["dataPeriod"] = json!({"start": "2020-01-01T00:00:00Z"});
    assert_eq!(import_consent(&c), Err(FhirError::DataPeriod));

    let mut c = consent();
    c["provision"]["purpose"][0]["code"] = json!("MARKETING");
    assert!(matches!(
        import_consent(&c),
        Err(FhirError::BadCode {
            field: "purpose",
            ..
        })
    ));
    let mut c = consent();
    c["provision"]["class"][0]["system"] = json!("http://example.org/other");
    assert!(matches!(
        import_consent(&c),
        Err(FhirError::BadCode { field: "class", .. })
    ));

    let mut c = consent();
    c["provision"]["period"]["end"] = json!("next year");
    assert!(matches!(import_consent(&c), Err(FhirError::BadDate(_))));

    let mut c = consent();
    c["provision"]["data"] = json!([{"meaning": "instance"}]);
    assert!(matches!(import_consent(&c), Err(FhirError::Unsupported(_))));

    assert_eq!(
        import_consent(&json!({"resourceType": "Patient"})),
        Err(FhirError::NotConsent)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn export_import_export_round_trips(
        (s, inside) in crate::scope::tests::scope().prop_flat_map(|mut s| {
            s.permit.period = Some(crate::scope::Period { start: T0, end: T0 + 1000 });
            let inside = proptest::collection::vec(crate::scope::tests::request_inside(&s.permit), 16);
            (Just(s), inside)
        }),
        others in proptest::collection::vec(crate::scope::tests::request(), 16),
    ) {
        let first = export_grant(&signed(s.clone()), ConsentStatus::Active, ORIGIN).unwrap();
        let draft = import_consent(&first).unwrap();
        let second = export_grant(&signed(draft.scope.clone()), ConsentStatus::Active, ORIGIN).unwrap();
        prop_assert_eq!(&first["provision"], &second["provision"]);
        // The draft covers exactly what the grant covered: requests from
        // inside the permit (mostly covered) and anywhere else.
        for r in inside.iter().chain(&others) {
            prop_assert_eq!(s.covers(r).is_ok(), draft.scope.covers(r).is_ok(), "{:?}", r);
        }
    }
}

#[test]
fn after_a_key_rotation_the_performer_is_still_the_patient() {
    let grant = Grant {
        grantee: OrgId([0xab; 32]),
        scope: lab_scope(),
        patient: Some(crate::ids::IdentityId(key(10).public_key())),
        via: None,
        request: None,
    };
    let tx = SignedTx::sign(&Body::new(T0, [1; 8], Kind::Grant(grant)), &key(11), ORIGIN);
    let c = export_grant(&tx, ConsentStatus::Active, ORIGIN).unwrap();
    let patient = key(10).public_key().to_text();
    assert_eq!(c["patient"]["identifier"]["value"], patient.as_str());
    assert_eq!(c["performer"][0]["identifier"]["value"], patient.as_str());
}
