use super::*;
use crate::codes::*;
use crate::ids::DelegationId;
use crate::scope::{Period, Provision, Scope};
use crate::testkit::*;
use crate::tx::*;
use proptest::prelude::*;
use std::collections::BTreeSet;

fn request(w: &World, at: u64) -> Request {
    Request {
        patient: w.patient(),
        grantee: w.clinic,
        access: AccessRequest {
            resource_type: ResourceType::Observation,
            categories: BTreeSet::new(),
            labels: BTreeSet::new(),
            action: Action::Access,
            purpose: Purpose::Treat,
            at,
        },
        emergency: None,
    }
}

fn grant(w: &mut World, scope: Scope) -> GrantId {
    GrantId(w.ok(&key(10), grant_to(w.clinic, scope)).id().0)
}

#[test]
fn deny_by_default_and_permit_under_a_covering_grant() {
    let mut w = World::new();
    assert_eq!(
        evaluate(&w.state, &request(&w, T0)),
        Decision::Deny(DenyReason::NoGrant)
    );
    let g = grant(&mut w, lab_scope());
    let d = evaluate(&w.state, &request(&w, T0 + 5));
    assert_eq!(d, Decision::Permit { grant: g });
    assert!(d.allows());
    assert!(d.explain().starts_with("covered by your grant"));
    // The insurer has no grant.
    let mut r = request(&w, T0 + 5);
    r.grantee = w.insurer;
    assert_eq!(evaluate(&w.state, &r), Decision::Deny(DenyReason::NoGrant));
}

#[test]
fn the_refusal_names_the_grant_and_the_reason() {
    let mut w = World::new();
    let g = grant(&mut w, lab_scope());
    let mut r = request(&w, T0 + 5);
    r.access.labels.insert(SecurityLabel::Psy);
    let d = evaluate(&w.state, &r);
    assert_eq!(
        d,
        Decision::Deny(DenyReason::OutsideScope {
            grant: g,
            why: crate::scope::NotCovered::Label(SecurityLabel::Psy)
        })
    );
    assert!(
        d.explain()
            .contains("mental health information is not included"),
        "{}",
        d.explain()
    );
    let late = request(&w, T0 + 366 * DAY);
    assert_eq!(
        evaluate(&w.state, &late),
        Decision::Deny(DenyReason::OutsidePeriod { grant: g })
    );
    w.now += 100;
    w.ok(
        &key(10),
        Kind::Revoke(Revoke {
            grant: g,
            patient: None,
            via: None,
            embedded_grant: None,
        }),
    );
    assert_eq!(
        evaluate(&w.state, &request(&w, T0 + 100)),
        Decision::Deny(DenyReason::Revoked { grant: g })
    );
    // Before the revocation, the access was covered.
    assert_eq!(
        evaluate(&w.state, &request(&w, T0 + 99)),
        Decision::Permit { grant: g }
    );
}

#[test]
fn emergency_treatment_inside_a_grant_and_break_glass_without_one() {
    let mut w = World::new();
    let mut scope = lab_scope();
    scope.permit.purposes.insert(Purpose::Etreat);
    let g = grant(&mut w, scope);
    let mut r = request(&w, T0 + 5);
    r.access.purpose = Purpose::Etreat;
    assert_eq!(
        evaluate(&w.state, &r),
        Decision::Permit { grant: g },
        "(a): ETREAT named in the grant"
    );

    let mut bg = request(&w, T0 + 5);
    bg.access.purpose = Purpose::Etreat;
    bg.access.resource_type = ResourceType::Condition;
    bg.emergency = Some(EmergencyReason::Unconscious);
    let d = evaluate(&w.state, &bg);
    assert_eq!(
        d,
        Decision::EmergencyOverride {
            reason: EmergencyReason::Unconscious
        },
        "(b): break-glass"
    );
    assert!(d.explain().contains("you were unconscious"));
    // Only for emergency treatment, and only by a care provider.
    bg.access.purpose = Purpose::Treat;
    assert_eq!(
        evaluate(&w.state, &bg),
        Decision::Deny(DenyReason::EmergencyNotAllowed)
    );
    bg.access.purpose = Purpose::Etreat;
    bg.grantee = w.insurer;
    assert_eq!(
        evaluate(&w.state, &bg),
        Decision::Deny(DenyReason::EmergencyNotAllowed)
    );
}

fn full_scope(permit: Provision, deny: Vec<Provision>) -> Scope {
    let mut permit = permit;
    permit.period = Some(Period {
        start: T0,
        end: T0 + 1000,
    });
    if permit.purposes.is_empty() {
        permit.purposes.insert(Purpose::Treat);
    }
    if permit.actions.is_empty() {
        permit.actions.insert(Action::Access);
    }
    Scope { permit, deny }
}

fn any_request(w: &World) -> impl Strategy<Value = Request> {
    let (patient, clinic) = (w.patient(), w.clinic);
    crate::scope::tests::request().prop_map(move |mut access| {
        access.at += T0 - 500;
        Request {
            patient,
            grantee: clinic,
            access,
            emergency: None,
        }
    })
}

/// A grant's scope (with its period, a purpose and an action) and requests
/// that its permit covers.
fn scope_and_covered() -> impl Strategy<Value = (Scope, Vec<Request>)> {
    crate::scope::tests::provision().prop_flat_map(|p| {
        let scope = full_scope(p, vec![]);
        let w = World::new();
        let (patient, clinic) = (w.patient(), w.clinic);
        let inside = proptest::collection::vec(
            crate::scope::tests::request_inside(&scope.permit).prop_map(move |access| Request {
                patient,
                grantee: clinic,
                access,
                emergency: None,
            }),
            16,
        );
        (Just(scope), inside)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_revoked_or_expired_grant_never_permits(
        (scope, covered) in scope_and_covered(),
        revoke_after in 1u64..1000,
        others in proptest::collection::vec(any_request(&World::new()), 16),
    ) {
        let mut w = World::new();
        let g = grant(&mut w, scope);
        w.now = T0 + revoke_after;
        let revoked_at = w.now;
        w.ok(&key(10), Kind::Revoke(Revoke { grant: g, patient: None, via: None, embedded_grant: None }));
        for r in &covered {
            // Covered before the revocation, never from it on.
            let d = evaluate(&w.state, r);
            prop_assert_eq!(d.allows(), r.access.at < revoked_at, "{:?} at {}", d, r.access.at);
        }
        for r in &others {
            if r.access.at >= revoked_at || r.access.at >= T0 + 1000 || r.access.at < T0 {
                prop_assert!(!evaluate(&w.state, r).allows());
            }
        }
    }

    #[test]
    fn a_matching_deny_exception_always_wins(
        (scope, covered) in scope_and_covered(),
        deny in crate::scope::tests::provision(),
    ) {
        let mut w = World::new();
        let mut scope = scope;
        scope.deny.push(deny.clone());
        let g = grant(&mut w, scope);
        for r in &covered {
            let expected = if deny.deny_matches(&r.access) { None } else { Some(g) };
            let got = match evaluate(&w.state, r) {
                Decision::Permit { grant } => Some(grant),
                _ => None,
            };
            prop_assert_eq!(got, expected);
        }
    }

    #[test]
    fn a_delegates_grant_is_never_wider_than_its_delegation(
        max in crate::scope::tests::scope(),
        pick in crate::scope::tests::scope(),
        extra in proptest::collection::vec(any_request(&World::new()), 16),
    ) {
        let mut w = World::new();
        let mut max_scope = max;
        max_scope.permit.period = None; // the delegation's own period bounds it
        let d = DelegationId(w.ok(&key(10), Kind::Delegate(Delegate {
            caregiver: w.caregiver(),
            powers: Powers { grant: true, revoke: true, history: true },
            max_scope: max_scope.clone(),
            period: Period { start: T0 - 500, end: T0 + 2000 },
        })).id().0);
        let asked = crate::scope::tests::narrowed(&max_scope, &pick);
        let scope = full_scope(asked.permit, asked.deny);
        let kind = Kind::Grant(Grant { grantee: w.clinic, scope: scope.clone(), patient: Some(w.patient()), via: Some(d), request: None });
        let (tx, _) = w.apply(&key(20), kind).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let g = GrantId(tx.id().0);
        // Requests the grant covers (drawn from inside it) and any others.
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let inside = proptest::collection::vec(crate::scope::tests::request_inside(&scope.permit), 16)
            .new_tree(&mut runner)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let inside = proptest::strategy::ValueTree::current(&inside);
        let (patient, clinic) = (w.patient(), w.clinic);
        for access in inside {
            let r = Request { patient, grantee: clinic, access, emergency: None };
            if evaluate(&w.state, &r) == (Decision::Permit { grant: g }) {
                prop_assert!(max_scope.covers(&r.access).is_ok(), "{:?}", r.access);
            }
        }
        for r in &extra {
            if evaluate(&w.state, r) == (Decision::Permit { grant: g }) {
                prop_assert!(max_scope.covers(&r.access).is_ok(), "{:?}", r.access);
            }
        }
        // And a grant one label wider is refused.
        let mut wider = max_scope.clone();
        if let Some(label) = SecurityLabel::ALL.iter().find(|l| !max_scope.permit.labels.contains(l)) {
            wider.permit.labels.insert(*label);
            let wider = full_scope(wider.permit, wider.deny);
            let kind = Kind::Grant(Grant { grantee: w.clinic, scope: wider, patient: Some(w.patient()), via: Some(d), request: None });
            prop_assert!(matches!(w.apply(&key(20), kind), Err(crate::state::Refusal::WiderThanDelegation(_))));
        }
    }

    #[test]
    fn evaluation_does_not_depend_on_the_order_grants_were_applied(
        (a, covered) in scope_and_covered(),
        b in crate::scope::tests::provision(),
        others in proptest::collection::vec(any_request(&World::new()), 16),
    ) {
        let b = full_scope(b, vec![]);
        let mut w = World::new();
        // Two grants signed once, applied in both orders: same ids, same state.
        let t1 = w.sign(&key(10), grant_to(w.clinic, a));
        let t2 = w.sign(&key(10), grant_to(w.clinic, b));
        let (mut s1, mut s2) = (w.state.clone(), w.state.clone());
        s1.apply(&t1, w.now).unwrap();
        s1.apply(&t2, w.now).unwrap();
        s2.apply(&t2, w.now).unwrap();
        s2.apply(&t1, w.now).unwrap();
        for r in covered.iter().chain(&others) {
            prop_assert_eq!(evaluate(&s1, r), evaluate(&s2, r));
        }
        for r in &covered {
            prop_assert!(evaluate(&s1, r).allows(), "covered by the first grant");
        }
    }
}
