use crate::codes::*;
use crate::ids::*;
use crate::scope::{Period, Provision};
use crate::state::{Effect, Refusal};
use crate::testkit::*;
use crate::tx::*;

fn revoke(grant: GrantId) -> Kind {
    Kind::Revoke(Revoke {
        grant,
        patient: None,
        via: None,
        embedded_grant: None,
    })
}

fn delegate(w: &World, powers: Powers) -> Kind {
    Kind::Delegate(Delegate {
        caregiver: w.caregiver(),
        powers,
        max_scope: lab_scope(),
        period: Period {
            start: T0,
            end: T0 + 365 * DAY,
        },
    })
}

const ALL_POWERS: Powers = Powers {
    grant: true,
    revoke: true,
    history: true,
};

fn delegate_grant(w: &World, via: DelegationId, scope: crate::scope::Scope) -> Kind {
    Kind::Grant(Grant {
        grantee: w.clinic,
        scope,
        patient: Some(w.patient()),
        via: Some(via),
        request: None,
    })
}

#[test]
fn governance_registers_organisations_at_the_threshold() {
    let w = World::new();
    assert_eq!(w.state.org(&w.clinic).unwrap().name, "Riverside Clinic");
    assert_eq!(w.state.org(&w.insurer).unwrap().kind, OrgKind::Insurer);
}

#[test]
fn governance_refusals() {
    let mut w = World::new();
    let action = GovAction::RegisterOrg {
        kind: OrgKind::Hospital,
        keys: vec![key(40).public_key()],
        name: "H".into(),
        endpoints: vec![],
        member: None,
    };
    let e = w.refused(
        &key(10),
        Kind::Propose(Propose {
            action: action.clone(),
            expires: w.now + DAY,
        }),
    );
    assert_eq!(e, Refusal::NotAGovernanceMember);
    assert_eq!(
        w.refused(
            &key(1),
            Kind::Propose(Propose {
                action: action.clone(),
                expires: w.now
            })
        ),
        Refusal::ProposalExpired
    );
    let p = ProposalId(
        w.ok(
            &key(1),
            Kind::Propose(Propose {
                action,
                expires: w.now + DAY,
            }),
        )
        .id()
        .0,
    );
    assert_eq!(
        w.refused(&key(1), Kind::Approve(Approve { proposal: p })),
        Refusal::AlreadyApproved(p)
    );
    assert!(
        w.state.org(&OrgId(p.0)).is_none(),
        "one approval is below the threshold"
    );
    w.ok(&key(3), Kind::Approve(Approve { proposal: p }));
    assert!(w.state.org(&OrgId(p.0)).is_some());
    assert_eq!(
        w.refused(&key(2), Kind::Approve(Approve { proposal: p })),
        Refusal::ProposalClosed(p)
    );
}

#[test]
fn enrolment_replay_and_time_window() {
    let mut w = World::new();
    let e = w.refused(
        &key(10),
        Kind::Enroll(Enroll {
            next: KeyCommitment([0; 32]),
        }),
    );
    assert_eq!(e, Refusal::KeyInUse);
    // The exact same bytes twice.
    let tx = w.sign(
        &key(50),
        Kind::Enroll(Enroll {
            next: KeyCommitment([0; 32]),
        }),
    );
    w.state.apply(&tx, w.now).unwrap();
    assert_eq!(
        w.state.apply(&tx, w.now).unwrap_err(),
        Refusal::Replay(tx.id())
    );
    // Created too far ahead of, or too long before, the leaf time.
    let tx = w.sign(
        &key(51),
        Kind::Enroll(Enroll {
            next: KeyCommitment([0; 32]),
        }),
    );
    assert!(matches!(
        w.state.validate(&tx, w.now - 301),
        Err(Refusal::CreatedInFuture { .. })
    ));
    assert!(w.state.validate(&tx, w.now - 300).is_ok());
    assert!(matches!(
        w.state.validate(&tx, w.now + 30 * DAY + 1),
        Err(Refusal::TooOld { .. })
    ));
    assert!(w.state.validate(&tx, w.now + 30 * DAY).is_ok());
}

#[test]
fn a_transaction_for_another_ledger_is_refused() {
    let mut w = World::new();
    let body = Body::new(w.now, [9; 8], grant_to(w.clinic, lab_scope()));
    let foreign = SignedTx::sign(&body, &key(10), "another.ledger");
    let before = w.state.clone();
    assert_eq!(
        w.state.apply(&foreign, w.now),
        Err(Refusal::WrongLedger("another.ledger".into()))
    );
    assert_eq!(w.state, before);
}

#[test]
fn embedded_bytes_must_be_the_revoked_grant_even_when_it_is_known() {
    let mut w = World::new();
    let g = w.ok(&key(10), grant_to(w.clinic, lab_scope()));
    let kind = Kind::Revoke(Revoke {
        grant: GrantId(g.id().0),
        patient: None,
        via: None,
        embedded_grant: Some(b"free text about a diagnosis".to_vec()),
    });
    assert!(matches!(
        w.refused(&key(10), kind),
        Refusal::EmbeddedGrant(_)
    ));
    // An embedded grant outside the creation window is refused too.
    let old = w.sign(&key(10), grant_to(w.clinic, lab_scope()));
    w.now += 31 * DAY;
    let kind = Kind::Revoke(Revoke {
        grant: GrantId(old.id().0),
        patient: None,
        via: None,
        embedded_grant: Some(old.bytes().to_vec()),
    });
    assert!(matches!(
        w.refused(&key(10), kind),
        Refusal::EmbeddedGrant(_)
    ));
}

#[test]
fn the_patient_grants_and_revokes() {
    let mut w = World::new();
    let g = GrantId(w.ok(&key(10), grant_to(w.clinic, lab_scope())).id().0);
    let record = w.state.grant(&g).unwrap();
    assert_eq!(record.patient, w.patient());
    assert_eq!(w.refused(&key(20), revoke(g)), Refusal::NotThePatient);
    assert_eq!(w.refused(&key(99), revoke(g)), Refusal::UnknownSigner);
    w.ok(&key(10), revoke(g));
    assert_eq!(w.state.grant(&g).unwrap().revoked_at, Some(w.now));
    assert!(matches!(
        w.refused(&key(10), revoke(g)),
        Refusal::AlreadyRevoked(_)
    ));
    assert_eq!(
        w.refused(&key(10), revoke(GrantId([1; 32]))),
        Refusal::UnknownGrant(GrantId([1; 32]))
    );
}

#[test]
fn grants_must_be_complete_and_to_a_registered_organisation() {
    let mut w = World::new();
    assert_eq!(
        w.refused(&key(10), grant_to(OrgId([5; 32]), lab_scope())),
        Refusal::UnknownOrg(OrgId([5; 32]))
    );
    for strip in 0..3 {
        let mut scope = lab_scope();
        match strip {
            0 => scope.permit.period = None,
            1 => scope.permit.purposes.clear(),
            _ => scope.permit.actions.clear(),
        }
        assert_eq!(
            w.refused(&key(10), grant_to(w.clinic, scope)),
            Refusal::IncompleteGrant
        );
    }
    // Someone else naming this patient.
    let kind = Kind::Grant(Grant {
        grantee: w.clinic,
        scope: lab_scope(),
        patient: Some(w.patient()),
        via: None,
        request: None,
    });
    assert_eq!(w.refused(&key(20), kind), Refusal::NotThePatient);
    // An unenrolled key granting for itself.
    assert_eq!(
        w.refused(&key(60), grant_to(w.clinic, lab_scope())),
        Refusal::NotEnrolled(IdentityId(key(60).public_key()))
    );
}

#[test]
fn a_revocation_can_carry_a_grant_not_yet_on_the_ledger() {
    let mut w = World::new();
    let grant = w.sign(&key(10), grant_to(w.clinic, lab_scope()));
    let id = GrantId(grant.id().0);
    let kind = Kind::Revoke(Revoke {
        grant: id,
        patient: None,
        via: None,
        embedded_grant: Some(grant.bytes().to_vec()),
    });
    w.ok(&key(10), kind);
    assert_eq!(w.state.grant(&id).unwrap().revoked_at, Some(w.now));
    assert!(
        w.state.has_seen(&grant.id()),
        "the grant itself cannot be replayed later"
    );
    assert_eq!(
        w.state.apply(&grant, w.now).unwrap_err(),
        Refusal::Replay(grant.id())
    );
    // An embedded grant that is not the one revoked.
    let other = w.sign(&key(10), grant_to(w.clinic, lab_scope()));
    let kind = Kind::Revoke(Revoke {
        grant: GrantId([3; 32]),
        patient: None,
        via: None,
        embedded_grant: Some(other.bytes().to_vec()),
    });
    assert!(matches!(
        w.refused(&key(10), kind),
        Refusal::EmbeddedGrant(_)
    ));
}

#[test]
fn a_caregiver_acts_within_the_delegation() {
    let mut w = World::new();
    let d = DelegationId(w.ok(&key(10), delegate(&w, ALL_POWERS)).id().0);
    let g = GrantId(w.ok(&key(20), delegate_grant(&w, d, lab_scope())).id().0);
    assert_eq!(w.state.grant(&g).unwrap().via, Some(d));

    let mut wider = lab_scope();
    wider.permit.resource_types.insert(ResourceType::Condition);
    assert!(matches!(
        w.refused(&key(20), delegate_grant(&w, d, wider)),
        Refusal::WiderThanDelegation(_)
    ));
    let mut labelled = lab_scope();
    labelled.permit.labels.insert(SecurityLabel::Hiv);
    assert!(matches!(
        w.refused(&key(20), delegate_grant(&w, d, labelled)),
        Refusal::WiderThanDelegation(_)
    ));
    let mut longer = lab_scope();
    longer.permit.period = Some(Period {
        start: T0,
        end: T0 + 400 * DAY,
    });
    assert!(matches!(
        w.refused(&key(20), delegate_grant(&w, d, longer)),
        Refusal::WiderThanDelegation(_)
    ));
    // Someone who is not the caregiver, using the delegation.
    w.ok(
        &key(50),
        Kind::Enroll(Enroll {
            next: KeyCommitment([0; 32]),
        }),
    );
    assert_eq!(
        w.refused(&key(50), delegate_grant(&w, d, lab_scope())),
        Refusal::NotTheCaregiver(d)
    );
    // A caregiver cannot delegate further: it has no patient key to sign with.
    let again = Kind::Delegate(Delegate {
        caregiver: IdentityId(key(50).public_key()),
        powers: ALL_POWERS,
        max_scope: lab_scope(),
        period: Period {
            start: T0,
            end: T0 + DAY,
        },
    });
    let (tx, _) = w.apply(&key(20), again).unwrap();
    assert_ne!(
        w.state
            .delegation(&DelegationId(tx.id().0))
            .unwrap()
            .patient,
        w.patient(),
        "it delegates only for itself"
    );
}

#[test]
fn powers_are_checked() {
    let mut w = World::new();
    let d = DelegationId(
        w.ok(
            &key(10),
            delegate(
                &w,
                Powers {
                    grant: false,
                    revoke: true,
                    history: false,
                },
            ),
        )
        .id()
        .0,
    );
    assert_eq!(
        w.refused(&key(20), delegate_grant(&w, d, lab_scope())),
        Refusal::LacksPower(d, "granting")
    );
    let g = GrantId(w.ok(&key(10), grant_to(w.clinic, lab_scope())).id().0);
    let kind = Kind::Revoke(Revoke {
        grant: g,
        patient: None,
        via: Some(d),
        embedded_grant: None,
    });
    w.ok(&key(20), kind);
    assert!(w.state.grant(&g).unwrap().revoked_at.is_some());
    assert_eq!(
        w.refused(
            &key(10),
            Kind::Delegate(Delegate {
                caregiver: w.patient(),
                powers: ALL_POWERS,
                max_scope: lab_scope(),
                period: Period {
                    start: T0,
                    end: T0 + 1
                }
            })
        ),
        Refusal::SelfDelegation
    );
}

#[test]
fn revoking_a_delegation_cascades_unless_told_not_to() {
    for cascade in [true, false] {
        let mut w = World::new();
        let d = DelegationId(w.ok(&key(10), delegate(&w, ALL_POWERS)).id().0);
        let g = GrantId(w.ok(&key(20), delegate_grant(&w, d, lab_scope())).id().0);
        let own = GrantId(w.ok(&key(10), grant_to(w.clinic, lab_scope())).id().0);
        w.now += 10;
        let (_, effect) = w
            .apply(
                &key(10),
                Kind::RevokeDelegation(RevokeDelegation {
                    delegation: d,
                    cascade,
                }),
            )
            .unwrap();
        assert_eq!(
            effect,
            Effect::DelegationRevoked {
                delegation: d,
                cascaded: if cascade { vec![g] } else { vec![] }
            }
        );
        assert_eq!(w.state.grant(&g).unwrap().revoked_at.is_some(), cascade);
        assert!(
            w.state.grant(&own).unwrap().revoked_at.is_none(),
            "the patient's own grants stay"
        );
        assert_eq!(
            w.refused(&key(20), delegate_grant(&w, d, lab_scope())),
            Refusal::DelegationNotLive(d)
        );
    }
    // The caregiver may end its own delegation.
    let mut w = World::new();
    let d = DelegationId(w.ok(&key(10), delegate(&w, ALL_POWERS)).id().0);
    w.ok(
        &key(20),
        Kind::RevokeDelegation(RevokeDelegation {
            delegation: d,
            cascade: true,
        }),
    );
}

#[test]
fn key_rotation_follows_the_commitment_and_retires_the_old_key() {
    let mut w = World::new();
    let g = GrantId(w.ok(&key(10), grant_to(w.clinic, lab_scope())).id().0);
    let rotate = |new: u8, next: u8| {
        Kind::RotateKey(RotateKey {
            identity: IdentityId(key(10).public_key()),
            new_key: key(new).public_key(),
            next: KeyCommitment::to(&key(next).public_key()),
        })
    };
    assert_eq!(
        w.refused(&key(10), rotate(13, 12)),
        Refusal::WrongCommitment
    );
    assert_eq!(w.refused(&key(20), rotate(11, 12)), Refusal::NotThePatient);
    w.ok(&key(10), rotate(11, 12));
    assert_eq!(w.state.identity(&w.patient()).unwrap().generation, 1);
    // The old key signs nothing any more, a revocation included.
    assert_eq!(w.refused(&key(10), revoke(g)), Refusal::StaleKey);
    let kind = Kind::Grant(Grant {
        grantee: w.clinic,
        scope: lab_scope(),
        patient: Some(w.patient()),
        via: None,
        request: None,
    });
    assert_eq!(w.refused(&key(10), kind.clone()), Refusal::StaleKey);
    // The grant made before stays live, and the new key revokes it.
    assert!(w.state.grant(&g).unwrap().revoked_at.is_none());
    let kind_new = Kind::Revoke(Revoke {
        grant: g,
        patient: Some(w.patient()),
        via: None,
        embedded_grant: None,
    });
    w.ok(&key(11), kind_new);
    w.ok(&key(11), kind);
}

/// A grant signed before a rotation and never sent can still be revoked
/// with the new key, carried in the revocation (PROTOCOL §3); a stranger's
/// grant naming the patient cannot ride along.
#[test]
fn the_new_key_revokes_an_unsubmitted_grant_the_old_key_signed() {
    let mut w = World::new();
    let pending = w.sign(&key(10), grant_to(w.clinic, lab_scope()));
    w.rotate_patient();
    assert_eq!(
        w.state.apply(&pending, w.now).unwrap_err(),
        Refusal::StaleKey
    );
    let patient = w.patient();
    let carry = |grant: &SignedTx| {
        Kind::Revoke(Revoke {
            grant: GrantId(grant.id().0),
            patient: Some(patient),
            via: None,
            embedded_grant: Some(grant.bytes().to_vec()),
        })
    };
    let Kind::Grant(mut terms) = grant_to(w.clinic, lab_scope()) else {
        unreachable!()
    };
    terms.patient = Some(patient);
    let stranger = w.sign(&key(60), Kind::Grant(terms));
    assert!(matches!(
        w.refused(&key(11), carry(&stranger)),
        Refusal::EmbeddedGrant(_)
    ));
    w.ok(&key(11), carry(&pending));
    let record = w.state.grant(&GrantId(pending.id().0)).unwrap();
    assert_eq!(record.patient, w.patient());
    assert_eq!(record.revoked_at, Some(w.now));
}

#[test]
fn access_records_are_evidence_refused_only_for_structure() {
    let mut w = World::new();
    let record = |w: &World, ground| {
        Kind::RecordAccess(RecordAccess {
            org: w.clinic,
            patient: w.patient(),
            ground,
            resources: vec![(ResourceType::Observation, 3)],
            purpose: Purpose::Treat,
            accessed_at: T0,
            basis: Some(10),
            mode: AccessMode::Person,
            actor: None,
        })
    };
    // No such grant: still accepted, the verdict is shown later.
    let kind = record(&w, AccessGround::Grant(GrantId([8; 32])));
    w.ok(&key(30), kind);
    let kind = record(&w, AccessGround::Emergency(EmergencyReason::LifeThreat));
    w.ok(&key(30), kind);
    // Signed by a key that is not the clinic's.
    let kind = record(&w, AccessGround::Grant(GrantId([8; 32])));
    assert_eq!(w.refused(&key(31), kind), Refusal::NotAnOrgKey(w.clinic));
}

#[test]
fn the_daily_budget_limits_an_identity_but_never_a_revocation() {
    let mut w = World::new();
    let mut last = None;
    for _ in 0..99 {
        last = Some(GrantId(
            w.ok(&key(10), grant_to(w.clinic, lab_scope())).id().0,
        ));
    }
    assert_eq!(
        w.refused(&key(10), grant_to(w.clinic, lab_scope())),
        Refusal::BudgetExceeded(w.patient())
    );
    w.ok(&key(10), revoke(last.unwrap()));
    w.now += DAY;
    w.ok(&key(10), grant_to(w.clinic, lab_scope()));
}

#[test]
fn refusal_codes_are_stable_snake_case() {
    let e = Refusal::BudgetExceeded(IdentityId(key(1).public_key()));
    assert_eq!(e.code(), "budget_exceeded");
    assert_eq!(Refusal::WrongLedger("x".into()).code(), "wrong_ledger");
    assert_eq!(Refusal::SelfDelegation.code(), "self_delegation");
}

#[test]
fn a_provision_with_every_field_survives_validation() {
    let mut w = World::new();
    let mut scope = lab_scope();
    scope.deny.push(Provision {
        labels: [SecurityLabel::Psy].into(),
        ..Provision::default()
    });
    w.ok(&key(10), grant_to(w.clinic, scope));
}
